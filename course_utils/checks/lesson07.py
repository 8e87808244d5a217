"""Checks for the graded exercises of lesson 07: softmax regression on MNIST."""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
from torch import nn

from course_utils.checks.common import (
    ExerciseError,
    _accuracy_of,
    _call,
    _fmt,
    _generator,
    _passed,
    _require_callable,
    _require_close,
    _require_finite,
    _require_shape,
    _require_tensor,
)
from course_utils.metrics import accuracy


def _check_log_softmax_on(my_log_softmax: Callable, logits: torch.Tensor, label: str) -> None:
    __tracebackhide__ = True
    call = f"my_log_softmax(logits) {label}"
    out = _require_tensor(_call(my_log_softmax, "my_log_softmax", call, logits.clone()), call)
    _require_shape(out, logits.shape, call, "Keep one value per logit; reduce only inside the log-sum-exp (dim=1, keepdim=True).")
    _require_finite(out, logits, call, "the value",
                    "exp of a large logit overflows to inf. Subtract each row's maximum before exp: "
                    "log_softmax(z) = z - m - log(sum(exp(z - m))) with m = z.max(dim=1, keepdim=True).values.")
    _require_close(out, torch.log_softmax(logits, dim=1), logits, call, input_name="logits", atol=1e-4, rtol=1e-4,
                   hint="log_softmax(z)_k = z_k - log(sum_j exp(z_j)), with the sum over each row (dim=1).")


def check_my_log_softmax(my_log_softmax: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Visible check: equals ``torch.log_softmax(logits, dim=1)`` on a (6, 10) batch of moderate logits."""
    __tracebackhide__ = True
    _require_callable(my_log_softmax, "my_log_softmax")
    logits = 3 * torch.randn(6, 10, generator=_generator(50))
    _check_log_softmax_on(my_log_softmax, logits, "for a (6, 10) batch")
    _passed("my_log_softmax matches torch.log_softmax(logits, dim=1) on a (6, 10) batch.")


def check_my_log_softmax_extremes(my_log_softmax: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Hidden check: logits in the thousands (overflow) and a batch of one row with three classes."""
    __tracebackhide__ = True
    _require_callable(my_log_softmax, "my_log_softmax")
    big = torch.tensor([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -1002.0], [0.0, 0.0, 0.0]])
    _check_log_softmax_on(my_log_softmax, big, "for logits of +-1000")
    _check_log_softmax_on(my_log_softmax, torch.tensor([[2.0, -1.0, 0.5]]), "for a single row")
    _passed("my_log_softmax stays finite and right for logits of +-1000 and for a single row.")


def _check_accuracy_on(my_accuracy: Callable, logits: torch.Tensor, labels: torch.Tensor, label: str) -> None:
    __tracebackhide__ = True
    call = f"my_accuracy(logits, labels) {label}"
    out = _call(my_accuracy, "my_accuracy", call, logits.clone(), labels.clone())
    if isinstance(out, torch.Tensor):
        if out.numel() != 1:
            raise ExerciseError(f"{call} returned a tensor of shape {tuple(out.shape)}; return one number, "
                                "the fraction of correct predictions (e.g. with .mean().item()).")
        out = out.item()
    if isinstance(out, bool) or not isinstance(out, (int, float)):
        hint = " Did you forget the `return` statement?" if out is None else ""
        raise ExerciseError(f"{call} should return a number between 0 and 1; got {type(out).__name__}.{hint}")
    expected = accuracy(logits.argmax(dim=1), labels)
    if math.isclose(out, 100 * expected, abs_tol=1e-4) and expected > 0.01:
        raise ExerciseError(f"{call} returned {out:.4f}, a percentage; return a fraction between 0 and 1 ({expected:.4f}).")
    if not math.isclose(out, expected, abs_tol=1e-6):
        n_correct = int((logits.argmax(dim=1) == labels).sum())
        raise ExerciseError(
            f"{call} returned {_fmt(float(out))}, expected {_fmt(expected)} ({n_correct} of {len(labels)} rows "
            "correct). The predicted class is logits.argmax(dim=1) (the column of the largest logit in each row); "
            "compare it with labels and take the mean as a float."
        )


def check_my_accuracy(my_accuracy: Callable[[torch.Tensor, torch.Tensor], float]) -> None:
    """Visible check: the fraction of rows whose largest logit is the label, on 8 rows."""
    __tracebackhide__ = True
    _require_callable(my_accuracy, "my_accuracy")
    gen = _generator(51)
    logits = torch.randn(8, 10, generator=gen)
    labels = logits.argmax(dim=1)
    labels[[1, 4, 6]] = (labels[[1, 4, 6]] + 3) % 10  # 5 of 8 right
    _check_accuracy_on(my_accuracy, logits, labels, "on 8 rows")
    _passed("my_accuracy gives 0.625 for 5 right predictions out of 8.")


def check_my_accuracy_more(my_accuracy: Callable[[torch.Tensor, torch.Tensor], float]) -> None:
    """Hidden check: all right, all wrong, and a large batch."""
    __tracebackhide__ = True
    _require_callable(my_accuracy, "my_accuracy")
    gen = _generator(52)
    logits = torch.randn(500, 10, generator=gen)
    _check_accuracy_on(my_accuracy, logits, logits.argmax(dim=1), "when every row is right")
    _check_accuracy_on(my_accuracy, logits, (logits.argmax(dim=1) + 1) % 10, "when every row is wrong")
    _check_accuracy_on(my_accuracy, logits, torch.randint(0, 10, (500,), generator=gen), "on 500 random labels")
    _passed("my_accuracy is right when all, none or some of 500 rows are right.")


def _require_softmax_regression(model: Any) -> None:
    __tracebackhide__ = True
    if model is None:
        raise ExerciseError("mnist_model is None: build a SoftmaxRegression(), train it in the cell above, "
                            "and assign it to mnist_model.")
    if not isinstance(model, nn.Module):
        raise ExerciseError(f"mnist_model is a {type(model).__name__}; it should be a trained nn.Module.")
    n_params = sum(p.numel() for p in model.parameters())
    if n_params != 7850:
        raise ExerciseError(
            f"mnist_model has {n_params:,} parameters; softmax regression on MNIST has 7,850 "
            "(784 x 10 weights and 10 biases): nn.Flatten() then nn.Linear(784, 10), no hidden layers."
        )


def check_mnist_classifier(model: Any, X_test: torch.Tensor, y_test: torch.Tensor, minimum: float = 0.92) -> None:
    """Visible check: softmax regression (7,850 parameters) with at least ``minimum`` test accuracy."""
    __tracebackhide__ = True
    _require_softmax_regression(model)
    model.eval()
    acc = _accuracy_of(model, X_test, y_test, "mnist_model", binary=False)
    if acc < minimum:
        raise ExerciseError(
            f"mnist_model reaches {acc:.2%} test accuracy; it needs at least {minimum:.0%}. Use the course recipe: "
            "normalized in-memory tensors, CrossEntropyLoss on logits, SGD with a learning rate around 0.1 to 0.5, "
            "mini-batches of about 100, and a few epochs."
        )
    _passed(f"mnist_model reaches at least {minimum:.0%} accuracy on the 10,000 test images.")


def check_mnist_classifier_more(model: Any, X_test: torch.Tensor) -> None:
    """Hidden check: the model returns logits (no softmax inside) for a batch of images."""
    __tracebackhide__ = True
    _require_softmax_regression(model)
    with torch.no_grad():
        out = model(X_test[:256])
    out = _require_tensor(out, "mnist_model(X)")
    _require_shape(out, (min(256, len(X_test)), 10), "mnist_model(X)")
    row_sums = out.sum(dim=1)
    rows_sum_to_one = torch.allclose(row_sums, torch.ones_like(row_sums), atol=1e-4)
    if rows_sum_to_one and bool(((out >= 0) & (out <= 1)).all()):
        raise ExerciseError(
            "mnist_model(X) returns probabilities (each row sums to 1): the model ends with a softmax. "
            "CrossEntropyLoss applies log-softmax itself, so the model must return logits."
        )
    _passed("mnist_model returns logits, one row of 10 per image.")
