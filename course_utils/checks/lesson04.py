"""Checks for the graded exercises of lesson 04: training with binary cross-entropy."""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

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


def _autograd_bce(X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor):
    w = weight.detach().clone().requires_grad_(True)
    b = bias.detach().clone().requires_grad_(True)
    logits = X @ w.reshape(-1, 1) + b.reshape(1, 1)
    nn.functional.binary_cross_entropy_with_logits(logits, y.reshape(-1, 1).to(X.dtype)).backward()
    return w.grad, b.grad


def _check_gradients(bce_gradients: Callable, X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor,
                     bias: torch.Tensor, label: str) -> None:
    __tracebackhide__ = True
    call = f"bce_gradients(X, y, weight, bias) {label}"
    out = _call(bce_gradients, "bce_gradients", call, X.clone(), y.clone(), weight.clone(), bias.clone())
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ExerciseError(f"{call} should return two tensors, (grad_weight, grad_bias); got {type(out).__name__}.")
    grad_w, grad_b = (_require_tensor(t, f"{call}[{i}]") for i, t in enumerate(out))
    want_w, want_b = _autograd_bce(X, y, weight, bias)
    _require_shape(grad_w, weight.shape, f"grad_weight from {call}",
                   "Return it shaped like the weight, e.g. grad.reshape(weight.shape).")
    _require_shape(grad_b, bias.shape, f"grad_bias from {call}", "Return it shaped like the bias.")
    _require_finite(grad_w, torch.empty(0), f"grad_weight from {call}", "a value",
                    "Compute p = torch.sigmoid(logits), which never overflows, not 1 / (1 + exp(-logits)) by hand.")
    _require_close(grad_b, want_b, None, f"grad_bias from {call}", atol=1e-5, rtol=1e-4,
                   hint="dL/db = mean(p - y) with p = sigmoid(X @ w + b). Check the sign and that you take the mean, not the sum.")
    _require_close(grad_w, want_w, None, f"grad_weight from {call}", atol=1e-5, rtol=1e-4,
                   hint="dL/dw_j = mean((p - y) * x_j): multiply the error of each row by that row's features, "
                        "then average over the rows (dim=0). Check that y is a column (n, 1) like p.")


def check_bce_gradients(bce_gradients: Callable) -> None:
    """Visible check: the hand-derived BCE gradients match autograd on 20 points with 2 features."""
    __tracebackhide__ = True
    _require_callable(bce_gradients, "bce_gradients")
    gen = _generator(40)
    X = torch.randn(20, 2, generator=gen)
    y = (torch.rand(20, 1, generator=gen) < 0.5).float()
    weight, bias = torch.tensor([[0.5, -1.0]]), torch.tensor([0.25])
    _check_gradients(bce_gradients, X, y, weight, bias, "on 20 points with 2 features")
    _passed("bce_gradients matches autograd's gradient of BCEWithLogitsLoss (20 points, 2 features).")


def check_bce_gradients_more(bce_gradients: Callable) -> None:
    """Hidden check: three features, large weights (saturated sigmoid), a single row."""
    __tracebackhide__ = True
    _require_callable(bce_gradients, "bce_gradients")
    gen = _generator(41)
    X = torch.randn(30, 3, generator=gen)
    y = (torch.rand(30, 1, generator=gen) < 0.5).float()
    _check_gradients(bce_gradients, X, y, torch.tensor([[1.0, 0.0, -2.0]]), torch.tensor([-0.5]),
                     "with 3 features")
    _check_gradients(bce_gradients, X, y, torch.tensor([[80.0, -60.0, 40.0]]), torch.tensor([10.0]),
                     "with large weights")
    _check_gradients(bce_gradients, X[:1], y[:1], torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([0.0]),
                     "on a single row")
    _passed("bce_gradients is right for 3 features, saturated predictions and a single row.")



def check_trained_classifier(model: Any, X_test: torch.Tensor, y_test: torch.Tensor, minimum: float = 0.90) -> None:
    """Visible check: a trained ``LogisticRegression(2)`` reaches ``minimum`` test accuracy."""
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    if model is None:
        raise ExerciseError("trained_model is None: create a LogisticRegression(n_inputs=2), train it in the cell above, "
                            "and assign it to trained_model.")
    if not isinstance(model, LogisticRegression):
        raise ExerciseError(f"trained_model is a {type(model).__name__}; use course_utils.LogisticRegression(n_inputs=2).")
    acc = _accuracy_of(model, X_test, y_test, "trained_model", binary=True)
    if acc < minimum:
        raise ExerciseError(
            f"trained_model reaches {acc:.1%} test accuracy; it needs at least {minimum:.0%}. "
            "Train on X_train, y_train with BCEWithLogitsLoss (not on the test set); if the loss is still falling, "
            "train for more epochs or raise the learning rate (lr=1.0 works on these features)."
        )
    _passed(f"trained_model reaches at least {minimum:.0%} accuracy on the test set.")


def check_trained_classifier_generalizes(model: Any, minimum: float = 0.86) -> None:
    """Hidden check: the trained model also classifies 2,000 fresh points of the same distribution."""
    __tracebackhide__ = True
    from course_utils.synthetic import make_two_blobs

    X_new, y_new = make_two_blobs(n_samples=2000, seed=2024)
    acc = _accuracy_of(model, X_new, y_new, "trained_model", binary=True)
    if acc < minimum:
        raise ExerciseError(
            f"trained_model reaches only {acc:.1%} on 2,000 fresh points from the same distribution "
            f"(needs {minimum:.0%}). Train on the training set only; a model tuned to the test set does not generalize."
        )
    _passed(f"trained_model also reaches at least {minimum:.0%} on 2,000 fresh points.")


def _check_point(predict_point: Callable, w: Sequence[float], b: float, point: Sequence[float]) -> None:
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    model = LogisticRegression(2)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([list(w)]))
        model.linear.bias.fill_(b)
    call = f"predict_point(model, {tuple(point)}) with w = {list(w)}, b = {b}"
    out = _call(predict_point, "predict_point", call, model, tuple(point))
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise ExerciseError(f"{call} should return two numbers, (probability, predicted_class); got {out!r}.")
    prob, cls = out
    prob = prob.item() if isinstance(prob, torch.Tensor) and prob.numel() == 1 else prob
    cls = cls.item() if isinstance(cls, torch.Tensor) and cls.numel() == 1 else cls
    if isinstance(prob, bool) or not isinstance(prob, (int, float)):
        raise ExerciseError(f"The probability from {call} should be a number (use .item()); got {type(prob).__name__}.")
    z = w[0] * point[0] + w[1] * point[1] + b
    expected = 1 / (1 + math.exp(-z))
    if not math.isclose(prob, expected, abs_tol=1e-5):
        raise ExerciseError(
            f"The probability from {call} is {_fmt(float(prob))}, expected {_fmt(expected)} = sigmoid({_fmt(z)}). "
            "Make a (1, 2) float tensor from the point and use model.predict_proba."
        )
    if cls not in (0, 1) or isinstance(cls, float) and not float(cls).is_integer():
        raise ExerciseError(f"The class from {call} should be the integer 0 or 1; got {cls!r}.")
    if int(cls) != int(expected >= 0.5):
        raise ExerciseError(f"The class from {call} is {cls}, but the probability is {_fmt(expected)}: "
                            "class 1 when the probability is at least 0.5.")


def check_predict_point(predict_point: Callable) -> None:
    """Visible check: the point (1, 1) with w = (1, 2), b = -2."""
    __tracebackhide__ = True
    _require_callable(predict_point, "predict_point")
    _check_point(predict_point, (1.0, 2.0), -2.0, (1.0, 1.0))
    _passed("predict_point gives the probability and the class of the point (1, 1).")


def check_predict_point_more(predict_point: Callable) -> None:
    """Hidden check: other points and weights, integer coordinates, a class-0 point."""
    __tracebackhide__ = True
    _require_callable(predict_point, "predict_point")
    _check_point(predict_point, (-1.5, 0.5), 0.25, (2, -3))
    _check_point(predict_point, (0.5, 0.5), -0.5, (0.5, 0.5))
    _passed("predict_point is right for other points and weights, including integer coordinates.")
