"""Feedback for the graded exercises: one place for the check logic.

Every lesson ends with graded exercises. Each answer cell is followed by a
test cell that calls a ``check_*`` function from this module, so a learner
working alone gets the same feedback as the instructor's autograder
(nbgrader):

- on a right answer a check prints **one line** starting with ``✓``;
- on a wrong answer it raises :class:`ExerciseError`, whose message is the
  hint: what is wrong (wrong shape, wrong value at which input, ``nan`` at
  large inputs, ...) and how to fix it.

The visible test cells call the checks whose names match the exercise
(``check_my_sigmoid``); the hidden tests of the grader call the extra
checks that probe other inputs and edge cases (``check_my_sigmoid_extremes``).
Checks never change the global random state: they draw their inputs from
their own seeded generators.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

import torch
from torch import nn

__all__ = [
    "ExerciseError",
    # lesson 01
    "check_my_sigmoid",
    "check_my_sigmoid_extremes",
    "check_sigmoid_derivative",
    "check_sigmoid_derivative_tails",
    "check_my_log_sigmoid",
    "check_my_log_sigmoid_extremes",
    # lesson 02
    "check_model_3x",
    "check_model_3x_details",
    "check_make_logistic_model",
    "check_make_logistic_model_more",
    "check_prepare_input",
    "check_prepare_input_more",
    # lesson 03
    "check_logistic_classifier",
    "check_logistic_classifier_more",
    "check_map_state_dict",
    "check_map_state_dict_more",
    "check_decision_boundary",
    "check_decision_boundary_more",
    # lesson 04
    "check_bce_gradients",
    "check_bce_gradients_more",
    "check_trained_classifier",
    "check_trained_classifier_generalizes",
    "check_predict_point",
    "check_predict_point_more",
    # lesson 05
    "check_my_log_softmax",
    "check_my_log_softmax_extremes",
    "check_my_accuracy",
    "check_my_accuracy_more",
    "check_mnist_classifier",
    "check_mnist_classifier_more",
]


class ExerciseError(AssertionError):
    """A graded exercise is not right yet; the message says what is wrong and how to fix it.

    It subclasses :class:`AssertionError` so that test runners treat it as a
    failed check, but its message is always a hint, never a bare assertion.
    """


# --------------------------------------------------------------------------
# Small helpers shared by the checks
# --------------------------------------------------------------------------


def _passed(message: str) -> None:
    """Print the one-line pass message."""
    print(f"✓ {message}")


def _fmt(value: Any) -> str:
    """A short, stable text for a number or a small tensor."""
    if isinstance(value, torch.Tensor):
        if value.numel() == 1:
            value = value.item()
        else:
            return "[" + ", ".join(_fmt(v) for v in value.flatten().tolist()) + "]"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.4e}"
        return f"{value:.4f}"
    return repr(value)


def _require_callable(obj: Any, name: str) -> None:
    __tracebackhide__ = True
    if obj is None:
        raise ExerciseError(f"{name} is None: write it in the answer cell above, run that cell, then this one.")
    if not callable(obj):
        raise ExerciseError(
            f"{name} should be a function (or class), but it is a {type(obj).__name__}. "
            f"Define it with `def {name}(...):` in the answer cell above and run that cell."
        )


def _call(fn: Callable[..., Any], name: str, call: str, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``fn``; turn any error into an :class:`ExerciseError` with a hint."""
    __tracebackhide__ = True
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise ExerciseError(
            f"{name} is not written yet: replace `raise NotImplementedError()` in the answer cell "
            "with your code, run that cell, then run this check again."
        ) from None
    except ExerciseError:
        raise
    except Exception as err:  # noqa: BLE001 - any error in learner code becomes a hint
        raise ExerciseError(f"{call} raised {type(err).__name__}: {err}") from err


def _require_tensor(out: Any, call: str) -> torch.Tensor:
    __tracebackhide__ = True
    if not isinstance(out, torch.Tensor):
        hint = " Did you forget the `return` statement?" if out is None else ""
        raise ExerciseError(f"{call} should return a torch.Tensor, but it returned {type(out).__name__}.{hint}")
    return out


def _require_shape(out: torch.Tensor, shape: Sequence[int], call: str, why: str = "") -> None:
    __tracebackhide__ = True
    if tuple(out.shape) != tuple(shape):
        extra = f" {why}" if why else ""
        raise ExerciseError(
            f"{call} returned a tensor of shape {tuple(out.shape)}, but it should have shape {tuple(shape)}.{extra}"
        )


def _require_finite(out: torch.Tensor, inputs: torch.Tensor, call: str, what: str, hint: str) -> None:
    """Fail on the first ``nan`` or ``inf`` in ``out``, naming the input that produced it."""
    __tracebackhide__ = True
    bad = ~torch.isfinite(out.detach())
    if bool(bad.any()):
        index = int(bad.flatten().nonzero()[0])
        x = inputs.detach().flatten()[index] if inputs.numel() == out.numel() else None
        at = f" at input {_fmt(x)}" if x is not None else ""
        raise ExerciseError(f"{call} gives {what} {_fmt(out.detach().flatten()[index])}{at}. {hint}")


def _require_close(
    actual: torch.Tensor,
    expected: torch.Tensor,
    inputs: torch.Tensor | None,
    call: str,
    input_name: str = "z",
    atol: float = 1e-5,
    rtol: float = 1e-4,
    hint: str = "",
) -> None:
    """Fail on the first entry where ``actual`` and ``expected`` differ, naming the input."""
    __tracebackhide__ = True
    actual = actual.detach().to(torch.float64).cpu()
    expected = expected.detach().to(torch.float64).cpu()
    wrong = ~torch.isclose(actual, expected, atol=atol, rtol=rtol)
    if bool(wrong.any()):
        index = int(wrong.flatten().nonzero()[0])
        got, want = actual.flatten()[index], expected.flatten()[index]
        if inputs is not None and inputs.numel() == actual.numel():
            where = f" at {input_name} = {_fmt(inputs.detach().flatten()[index])}"
        elif inputs is not None and inputs.ndim >= 1 and actual.ndim >= 1 and inputs.shape[0] == actual.shape[0]:
            row = index // max(1, actual[0].numel())
            where = f" for row {row} ({input_name}[{row}] = {_fmt(inputs[row])})"
        else:
            where = f" at position {index}"
        n_wrong = int(wrong.sum())
        extra = f" {hint}" if hint else ""
        raise ExerciseError(
            f"{call} is wrong{where}: got {_fmt(got)}, expected {_fmt(want)} "
            f"({n_wrong} of {actual.numel()} values differ).{extra}"
        )


def _require_unchanged(before: torch.Tensor, after: torch.Tensor, name: str, fn_name: str) -> None:
    __tracebackhide__ = True
    if not torch.equal(before, after):
        raise ExerciseError(
            f"{fn_name} changed its input {name} in place (e.g. with `{name}.neg_()` or `{name} *= ...`). "
            f"Compute a new tensor instead, e.g. `-{name}` rather than `{name}.neg_()`."
        )


def _gradient(fn: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor, call: str) -> torch.Tensor:
    """d sum(fn(z)) / dz by autograd; explain when ``fn`` breaks the graph."""
    __tracebackhide__ = True
    z = z.detach().clone().requires_grad_(True)
    out = _require_tensor(_call(fn, call.split("(")[0], call, z), call)
    if not out.requires_grad:
        raise ExerciseError(
            f"{call} is not differentiable: its result does not track gradients. Build it from torch "
            "operations on z (no .item(), .tolist(), .detach() or NumPy inside)."
        )
    out.sum().backward()
    if z.grad is None:
        raise ExerciseError(f"{call} gives no gradient with respect to z; build it from torch operations on z.")
    return z.grad


def _sequential_parts(model: Any, call: str, n_inputs: int) -> tuple[nn.Linear, nn.Module]:
    """Check ``model`` is ``nn.Sequential(nn.Linear(n_inputs, 1), nn.Sigmoid())``."""
    __tracebackhide__ = True
    expected = f"nn.Sequential(nn.Linear({n_inputs}, 1), nn.Sigmoid())"
    if not isinstance(model, nn.Sequential):
        raise ExerciseError(f"{call} should give an nn.Sequential, like {expected}; got {type(model).__name__}.")
    if len(model) != 2:
        raise ExerciseError(f"{call} has {len(model)} layer(s); it should have two: {expected}.")
    linear, last = model[0], model[1]
    if not isinstance(linear, nn.Linear):
        raise ExerciseError(f"The first layer of {call} is {type(linear).__name__}; it should be nn.Linear({n_inputs}, 1).")
    if (linear.in_features, linear.out_features) != (n_inputs, 1):
        raise ExerciseError(
            f"The first layer of {call} is nn.Linear({linear.in_features}, {linear.out_features}); "
            f"it should be nn.Linear({n_inputs}, 1): {n_inputs} input feature(s), one output."
        )
    if not isinstance(last, nn.Sigmoid):
        raise ExerciseError(
            f"The last layer of {call} is {type(last).__name__}; it should be nn.Sigmoid(), "
            "so that the model outputs probabilities."
        )
    return linear, last


def _require_trainable(module: nn.Module, call: str) -> None:
    __tracebackhide__ = True
    for name, param in module.named_parameters():
        if not param.requires_grad:
            raise ExerciseError(
                f"The parameter {name} of {call} does not require gradients, so it could not be trained. "
                "Set the values inside `with torch.no_grad():` (e.g. `layer.weight.fill_(3.0)`) instead "
                "of replacing or detaching the parameter."
            )


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------------
# Lesson 01: the logistic function
# --------------------------------------------------------------------------

_SIGMOID_GRID = torch.linspace(-10, 10, steps=201)


def check_my_sigmoid(my_sigmoid: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Visible check: ``my_sigmoid`` equals ``torch.sigmoid`` on a grid of 201 points in [-10, 10]."""
    __tracebackhide__ = True
    _require_callable(my_sigmoid, "my_sigmoid")
    z = _SIGMOID_GRID.clone()
    out = _require_tensor(_call(my_sigmoid, "my_sigmoid", "my_sigmoid(z)", z), "my_sigmoid(z)")
    _require_unchanged(_SIGMOID_GRID, z, "z", "my_sigmoid")
    _require_shape(out, z.shape, "my_sigmoid(z)", "Return one value per entry of z (no reshaping, no sum).")
    _require_close(out, torch.sigmoid(z), z, "my_sigmoid(z)", atol=1e-6, rtol=1e-5,
                   hint="The logistic function is 1 / (1 + exp(-z)).")
    _passed("my_sigmoid matches torch.sigmoid on 201 points in [-10, 10].")


def check_my_sigmoid_extremes(my_sigmoid: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Hidden check: values and gradients stay finite and right at z = +-1000; shape and dtype kept."""
    __tracebackhide__ = True
    _require_callable(my_sigmoid, "my_sigmoid")
    z = torch.tensor([-1000.0, -100.0, -30.0, -0.5, 0.0, 0.5, 30.0, 100.0, 1000.0])
    out = _require_tensor(_call(my_sigmoid, "my_sigmoid", "my_sigmoid(z)", z.clone()), "my_sigmoid(z)")
    _require_finite(out, z, "my_sigmoid(z)", "the value",
                    "exp(z) or exp(-z) overflows to inf for large |z| (and inf / inf is nan). "
                    "Compute e = torch.exp(-z.abs()), which is never larger than 1, and build the result from it.")
    _require_close(out, torch.sigmoid(z), z, "my_sigmoid(z)", atol=1e-6, rtol=1e-5)
    z = z[z != 0]  # the gradient is checked away from the kink of |z| at 0
    grad = _gradient(my_sigmoid, z, "my_sigmoid(z)")
    _require_finite(grad, z, "the gradient of my_sigmoid(z)", "the gradient",
                    "Autograd differentiates every branch, even the one torch.where does not select, so an "
                    "exp that overflows there still poisons the gradient. Use e = torch.exp(-z.abs()) in both branches.")
    s = torch.sigmoid(z)
    _require_close(grad, s * (1 - s), z, "the gradient of my_sigmoid(z)", atol=1e-6, rtol=1e-4)
    z2 = torch.tensor([[-2.0, 0.0], [1.0, 3.0]], dtype=torch.float64)
    out2 = _require_tensor(_call(my_sigmoid, "my_sigmoid", "my_sigmoid(z) for a 2x2 float64 z", z2),
                           "my_sigmoid(z) for a 2x2 float64 z")
    _require_shape(out2, (2, 2), "my_sigmoid(z) for a 2x2 z", "Work entry by entry, for any shape.")
    if out2.dtype != torch.float64:
        raise ExerciseError(
            f"my_sigmoid(z) turned a float64 z into {out2.dtype}; keep the dtype of z "
            "(avoid creating new tensors with a fixed dtype)."
        )
    _require_close(out2, torch.sigmoid(z2), z2, "my_sigmoid(z) for a 2x2 float64 z", atol=1e-12, rtol=1e-10)
    _passed("my_sigmoid is right and finite, with finite gradients, from z = -1000 to 1000, for any shape and dtype.")


def check_sigmoid_derivative(sigmoid_derivative: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Visible check: ``sigmoid_derivative`` matches autograd on 201 points in [-10, 10]."""
    __tracebackhide__ = True
    _require_callable(sigmoid_derivative, "sigmoid_derivative")
    z = _SIGMOID_GRID.clone()
    out = _require_tensor(_call(sigmoid_derivative, "sigmoid_derivative", "sigmoid_derivative(z)", z),
                          "sigmoid_derivative(z)")
    _require_unchanged(_SIGMOID_GRID, z, "z", "sigmoid_derivative")
    _require_shape(out, z.shape, "sigmoid_derivative(z)", "Return one slope per entry of z.")
    z_grad = z.clone().requires_grad_(True)
    torch.sigmoid(z_grad).sum().backward()
    _require_close(out, z_grad.grad, z, "sigmoid_derivative(z)", atol=1e-6, rtol=1e-4,
                   hint="The derivative is sigma(z) * (1 - sigma(z)).")
    _passed("sigmoid_derivative matches autograd on 201 points in [-10, 10].")


def check_sigmoid_derivative_tails(sigmoid_derivative: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Hidden check: accurate (relative error < 1e-3) deep in the tails, where 1 - sigma(z) rounds to 0."""
    __tracebackhide__ = True
    _require_callable(sigmoid_derivative, "sigmoid_derivative")
    z = torch.tensor([-25.0, -18.0, 12.0, 18.0, 25.0])
    out = _require_tensor(_call(sigmoid_derivative, "sigmoid_derivative", "sigmoid_derivative(z)", z.clone()),
                          "sigmoid_derivative(z)")
    z64 = z.to(torch.float64)
    exact = torch.sigmoid(z64) * torch.sigmoid(-z64)
    _require_finite(out, z, "sigmoid_derivative(z)", "the value", "Avoid exp of large numbers.")
    _require_close(out, exact, z, "sigmoid_derivative(z)", atol=0.0, rtol=1e-3,
                   hint="In float32, sigma(z) rounds to exactly 1 for z > 17, so 1 - sigma(z) is 0. "
                        "By symmetry 1 - sigma(z) = sigma(-z): compute sigma(z) * sigma(-z).")
    _passed("sigmoid_derivative stays accurate deep in the tails (|z| up to 25).")


def check_my_log_sigmoid(my_log_sigmoid: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Visible check: ``my_log_sigmoid`` equals ``F.logsigmoid`` on 201 points in [-10, 10]."""
    __tracebackhide__ = True
    _require_callable(my_log_sigmoid, "my_log_sigmoid")
    z = _SIGMOID_GRID.clone()
    out = _require_tensor(_call(my_log_sigmoid, "my_log_sigmoid", "my_log_sigmoid(z)", z), "my_log_sigmoid(z)")
    _require_unchanged(_SIGMOID_GRID, z, "z", "my_log_sigmoid")
    _require_shape(out, z.shape, "my_log_sigmoid(z)", "Return one value per entry of z.")
    _require_close(out, nn.functional.logsigmoid(z), z, "my_log_sigmoid(z)", atol=1e-5, rtol=1e-4,
                   hint="log(sigma(z)) = -log(1 + exp(-z)).")
    _passed("my_log_sigmoid matches torch.nn.functional.logsigmoid on 201 points in [-10, 10].")


def check_my_log_sigmoid_extremes(my_log_sigmoid: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Hidden check: finite, right values and gradients from z = -1000 to 1000."""
    __tracebackhide__ = True
    _require_callable(my_log_sigmoid, "my_log_sigmoid")
    z = torch.tensor([-1000.0, -200.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0])
    out = _require_tensor(_call(my_log_sigmoid, "my_log_sigmoid", "my_log_sigmoid(z)", z.clone()),
                          "my_log_sigmoid(z)")
    hint = ("For very negative z, sigma(z) underflows to 0 and log(0) = -inf; exp(-z) overflows too. "
            "Rewrite log(sigma(z)) = min(z, 0) - log(1 + exp(-|z|)) (torch.log1p helps).")
    _require_finite(out, z, "my_log_sigmoid(z)", "the value", hint)
    _require_close(out, nn.functional.logsigmoid(z), z, "my_log_sigmoid(z)", atol=1e-5, rtol=1e-5, hint=hint)
    z = z[z != 0]  # the gradient is checked away from the kinks of min(z, 0) and |z| at 0
    grad = _gradient(my_log_sigmoid, z, "my_log_sigmoid(z)")
    _require_finite(grad, z, "the gradient of my_log_sigmoid(z)", "the gradient",
                    "Use only operations that stay finite for every z, e.g. torch.exp(-z.abs()).")
    _require_close(grad, torch.sigmoid(-z), z, "the gradient of my_log_sigmoid(z)", atol=1e-6, rtol=1e-4)
    _passed("my_log_sigmoid is right and finite, with finite gradients, from z = -1000 to 1000.")


# --------------------------------------------------------------------------
# Lesson 02: nn.Sequential
# --------------------------------------------------------------------------


def _build(build_fn: Callable[[], Any], name: str) -> Any:
    __tracebackhide__ = True
    _require_callable(build_fn, name)
    return _call(build_fn, name, f"{name}()")


def _check_sequential_function(
    model: nn.Sequential, call: str, X: torch.Tensor, weight: torch.Tensor, bias: float, formula: str
) -> None:
    __tracebackhide__ = True
    out = _require_tensor(_call(model, call, f"{call}(X)", X), f"{call}(X)")
    _require_shape(out, (X.shape[0], 1), f"{call}(X)")
    expected = torch.sigmoid(X @ weight.reshape(-1, 1) + bias)
    linear = model[0]
    hint = (f"It should compute {formula}; its weight is {_fmt(linear.weight.detach())} and its bias "
            f"{_fmt(linear.bias.detach())}, but they should be {_fmt(weight)} and {_fmt(bias)}.")
    _require_close(out, expected, X, f"{call}(X)", input_name="X", atol=1e-6, rtol=1e-5, hint=hint)


def check_model_3x(build_model_3x: Callable[[], nn.Sequential]) -> None:
    """Visible check: ``build_model_3x()`` is ``Sequential(Linear(1, 1), Sigmoid())`` computing sigma(3x - 1)."""
    __tracebackhide__ = True
    model = _build(build_model_3x, "build_model_3x")
    _sequential_parts(model, "build_model_3x()", 1)
    X = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    _check_sequential_function(model, "build_model_3x()", X, torch.tensor([3.0]), -1.0, "sigma(3x - 1)")
    _passed("build_model_3x() is nn.Sequential(nn.Linear(1, 1), nn.Sigmoid()) and computes sigma(3x - 1) at x = 1, 2, 3, 4.")


def check_model_3x_details(build_model_3x: Callable[[], nn.Sequential]) -> None:
    """Hidden check: right on negative and fractional inputs too, parameters still trainable."""
    __tracebackhide__ = True
    model = _build(build_model_3x, "build_model_3x")
    _sequential_parts(model, "build_model_3x()", 1)
    X = torch.linspace(-3, 3, steps=25).reshape(-1, 1)
    _check_sequential_function(model, "build_model_3x()", X, torch.tensor([3.0]), -1.0, "sigma(3x - 1)")
    _require_trainable(model, "build_model_3x()")
    _passed("build_model_3x() computes sigma(3x - 1) on [-3, 3] and its parameters can still be trained.")


def check_make_logistic_model(make_logistic_model: Callable[[Sequence[float], float], nn.Sequential]) -> None:
    """Visible check: ``make_logistic_model([2.0, -1.0], 0.5)`` computes sigma(2 x1 - x2 + 0.5)."""
    __tracebackhide__ = True
    _require_callable(make_logistic_model, "make_logistic_model")
    call = "make_logistic_model([2.0, -1.0], 0.5)"
    model = _call(make_logistic_model, "make_logistic_model", call, [2.0, -1.0], 0.5)
    _sequential_parts(model, call, 2)
    X = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5], [-1.0, 1.0]])
    _check_sequential_function(model, call, X, torch.tensor([2.0, -1.0]), 0.5, "sigma(2 x1 - x2 + 0.5)")
    _passed(f"{call} computes sigma(2 x1 - x2 + 0.5).")


def check_make_logistic_model_more(make_logistic_model: Callable[[Sequence[float], float], nn.Sequential]) -> None:
    """Hidden check: one and three features, trainable parameters, float32 weights."""
    __tracebackhide__ = True
    _require_callable(make_logistic_model, "make_logistic_model")
    gen = _generator(2)
    for weights, bias in (([3.0], -1.0), ([0.5, -1.0, 2.0], -3.0)):
        call = f"make_logistic_model({weights}, {bias})"
        model = _call(make_logistic_model, "make_logistic_model", call, list(weights), bias)
        linear, _ = _sequential_parts(model, call, len(weights))
        if linear.weight.dtype != torch.float32:
            raise ExerciseError(f"{call} has a {linear.weight.dtype} weight; keep nn.Linear's float32 parameters.")
        X = torch.randn(10, len(weights), generator=gen)
        _check_sequential_function(model, call, X, torch.tensor(weights), bias, "sigma(w . x + b)")
        _require_trainable(model, call)
    _passed("make_logistic_model works for one and three features and keeps trainable float32 parameters.")


def _check_prepared(out: Any, call: str, values: Sequence[float]) -> None:
    __tracebackhide__ = True
    out = _require_tensor(out, call)
    if not torch.is_floating_point(out):
        raise ExerciseError(
            f"{call} has dtype {out.dtype}; a model needs floats. Create it with dtype=torch.float32 (or call .float())."
        )
    if out.dtype != torch.float32:
        raise ExerciseError(f"{call} has dtype {out.dtype}; use torch.float32, the dtype of the model's weights.")
    why = ("A column has one row per example and one column for the single feature: use .reshape(-1, 1)."
           if out.ndim == 1 else "")
    _require_shape(out, (len(values), 1), call, why)
    _require_close(out, torch.tensor(values, dtype=torch.float64).reshape(-1, 1), None, call, atol=1e-6,
                   hint="Keep the numbers and their order.")


def check_prepare_input(prepare_input: Callable[[Any], torch.Tensor]) -> None:
    """Visible check: ``prepare_input([1, 2, 3, 4])`` is the float32 column ``[[1.], [2.], [3.], [4.]]``."""
    __tracebackhide__ = True
    _require_callable(prepare_input, "prepare_input")
    call = "prepare_input([1, 2, 3, 4])"
    _check_prepared(_call(prepare_input, "prepare_input", call, [1, 2, 3, 4]), call, [1, 2, 3, 4])
    _passed(f"{call} is a float32 column of shape (4, 1).")


def check_prepare_input_more(prepare_input: Callable[[Any], torch.Tensor]) -> None:
    """Hidden check: integer tensors, a single value, and the result feeds an ``nn.Linear(1, 1)``."""
    __tracebackhide__ = True
    _require_callable(prepare_input, "prepare_input")
    cases = [
        ("prepare_input(torch.tensor([5, -6, 7]))", torch.tensor([5, -6, 7]), [5.0, -6.0, 7.0]),
        ("prepare_input([2.5])", [2.5], [2.5]),
        ("prepare_input((0, 1))", (0, 1), [0.0, 1.0]),
    ]
    for call, arg, values in cases:
        out = _call(prepare_input, "prepare_input", call, arg)
        _check_prepared(out, call, values)
        _call(nn.Linear(1, 1), "nn.Linear(1, 1)", f"nn.Linear(1, 1)({call})", out)
    _passed("prepare_input handles integer tensors, tuples and single values, and its output feeds nn.Linear(1, 1).")


# --------------------------------------------------------------------------
# Lesson 03: a custom nn.Module
# --------------------------------------------------------------------------


def _make_classifier(cls: Any, n_inputs: int, weight: Sequence[float], bias: float) -> nn.Module:
    __tracebackhide__ = True
    _require_callable(cls, "LogisticClassifier")
    call = f"LogisticClassifier(n_inputs={n_inputs})"
    model = _call(cls, "LogisticClassifier", call, n_inputs)
    if not isinstance(model, nn.Module):
        raise ExerciseError(f"{call} is a {type(model).__name__}; the class must subclass nn.Module.")
    linear = getattr(model, "linear", None)
    if not isinstance(linear, nn.Linear):
        raise ExerciseError(
            f"{call} has no layer called `linear`: create it in __init__ with "
            f"`self.linear = nn.Linear(n_inputs, 1)` (after `super().__init__()`)."
        )
    if (linear.in_features, linear.out_features) != (n_inputs, 1):
        raise ExerciseError(
            f"{call}.linear is nn.Linear({linear.in_features}, {linear.out_features}); "
            f"it should be nn.Linear({n_inputs}, 1)."
        )
    n_params = sum(p.numel() for p in model.parameters())
    if n_params != n_inputs + 1:
        raise ExerciseError(
            f"{call} has {n_params} parameters; logistic regression with {n_inputs} input(s) has "
            f"{n_inputs + 1} ({n_inputs} weight(s) and one bias). Keep only `self.linear`."
        )
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([list(weight)]))
        linear.bias.fill_(bias)
    return model


def _check_classifier_outputs(model: nn.Module, X: torch.Tensor, thresholds: Sequence[float]) -> None:
    __tracebackhide__ = True
    linear = model.linear
    logits_expected = X @ linear.weight.detach().T + linear.bias.detach()
    n = X.shape[0]
    logits = _require_tensor(_call(model, "forward", "model(X)", X), "model(X)")
    _require_shape(logits, (n, 1), "model(X)")
    if bool(((logits >= 0) & (logits <= 1)).all()) and not bool(((logits_expected >= 0) & (logits_expected <= 1)).all()):
        raise ExerciseError(
            "model(X) returns values between 0 and 1: forward applies the sigmoid. "
            "forward must return the logits self.linear(X); predict_proba applies the sigmoid."
        )
    _require_close(logits, logits_expected, X, "model(X) (the logits)", input_name="X", atol=1e-5,
                   hint="forward should return self.linear(X).")
    if not logits.requires_grad:
        raise ExerciseError("model(X) does not track gradients, so the model could not be trained; "
                            "do not use torch.no_grad() or .detach() in forward.")
    proba = _require_tensor(_call(getattr(model, "predict_proba", None) or _missing("predict_proba"),
                                  "predict_proba", "model.predict_proba(X)", X), "model.predict_proba(X)")
    _require_shape(proba, (n, 1), "model.predict_proba(X)")
    _require_close(proba, torch.sigmoid(logits_expected), X, "model.predict_proba(X)", input_name="X", atol=1e-6,
                   hint="predict_proba should return torch.sigmoid of the logits.")
    predict = getattr(model, "predict", None) or _missing("predict")
    for threshold in thresholds:
        if threshold == 0.5:
            call, out = "model.predict(X)", _call(predict, "predict", "model.predict(X)", X)
        else:
            call = f"model.predict(X, threshold={threshold})"
            out = _call(predict, "predict", call, X, threshold=threshold)
        out = _require_tensor(out, call)
        _require_shape(out, (n, 1), call)
        if out.dtype != torch.long:
            raise ExerciseError(f"{call} has dtype {out.dtype}; return classes as integers with .long().")
        expected = (torch.sigmoid(logits_expected) >= threshold).long()
        _require_close(out, expected, X, call, input_name="X", atol=0,
                       hint=f"A row is class 1 when its probability is at least the threshold ({threshold}).")


def _missing(method: str) -> Callable[..., Any]:
    def fail(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        raise ExerciseError(f"LogisticClassifier has no method `{method}`; add `def {method}(self, X, ...):` to the class.")
    return fail


def check_logistic_classifier(cls: type) -> None:
    """Visible check: forward gives logits, predict_proba probabilities, predict(threshold=0.5) classes."""
    __tracebackhide__ = True
    model = _make_classifier(cls, 2, [1.0, -2.0], 0.5)
    X = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5], [-1.0, 1.0], [0.5, 0.5]])
    _check_classifier_outputs(model, X, thresholds=(0.5,))
    _passed("LogisticClassifier(2): forward gives the logits, predict_proba the probabilities, predict the classes.")


def check_logistic_classifier_more(cls: type) -> None:
    """Hidden check: three inputs, other thresholds, long classes without gradient tracking."""
    __tracebackhide__ = True
    model = _make_classifier(cls, 3, [0.5, -1.0, 2.0], -0.25)
    X = torch.randn(12, 3, generator=_generator(3))
    _check_classifier_outputs(model, X, thresholds=(0.5, 0.9, 0.1))
    for method in ("predict_proba", "predict"):
        out = getattr(model, method)(X)
        if out.requires_grad:
            raise ExerciseError(
                f"model.{method}(X) tracks gradients; predictions need none. Decorate it with "
                "@torch.no_grad() (or compute inside `with torch.no_grad():`)."
            )
    _passed("LogisticClassifier(3) is right for thresholds 0.1, 0.5 and 0.9, and its predictions track no gradients.")


def _check_mapped(map_state_dict: Callable[[dict], dict], n_inputs: int, seed: int) -> None:
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    gen = _generator(seed)
    seq = nn.Sequential(nn.Linear(n_inputs, 1), nn.Sigmoid())
    with torch.no_grad():
        seq[0].weight.copy_(torch.randn(1, n_inputs, generator=gen))
        seq[0].bias.copy_(torch.randn(1, generator=gen))
    state = seq.state_dict()
    keys_before = list(state)
    call = "map_state_dict(seq_model.state_dict())"
    mapped = _call(map_state_dict, "map_state_dict", call, state)
    if list(state) != keys_before:
        raise ExerciseError(f"{call} changed the dictionary it was given; build and return a new dictionary.")
    if not isinstance(mapped, dict):
        hint = " Did you forget the `return` statement?" if mapped is None else ""
        raise ExerciseError(f"{call} should return a dict, but it returned {type(mapped).__name__}.{hint}")
    wanted = {"linear.weight", "linear.bias"}
    if set(mapped) != wanted:
        raise ExerciseError(
            f"{call} has the keys {sorted(mapped)}, but LogisticRegression expects {sorted(wanted)}: "
            "replace the prefix '0.' with 'linear.' in every key."
        )
    model = LogisticRegression(n_inputs)
    try:
        model.load_state_dict(mapped)
    except Exception as err:  # noqa: BLE001
        raise ExerciseError(f"LogisticRegression({n_inputs}).load_state_dict({call}) raised "
                            f"{type(err).__name__}: {err}") from err
    X = torch.randn(8, n_inputs, generator=gen)
    _require_close(model.predict_proba(X), seq(X), X, "the loaded model's predict_proba(X)", input_name="X",
                   atol=1e-6, hint="Keep each tensor with its key: only the names change.")


def check_map_state_dict(map_state_dict: Callable[[dict], dict]) -> None:
    """Visible check: the mapped state_dict of a one-feature ``nn.Sequential`` loads into ``LogisticRegression``."""
    __tracebackhide__ = True
    _require_callable(map_state_dict, "map_state_dict")
    _check_mapped(map_state_dict, n_inputs=1, seed=4)
    _passed("map_state_dict renames 0.weight/0.bias to linear.weight/linear.bias; the predictions match.")


def check_map_state_dict_more(map_state_dict: Callable[[dict], dict]) -> None:
    """Hidden check: three features, and the input dictionary is left unchanged."""
    __tracebackhide__ = True
    _require_callable(map_state_dict, "map_state_dict")
    _check_mapped(map_state_dict, n_inputs=3, seed=5)
    _passed("map_state_dict works for three features and leaves its input unchanged.")


def _check_boundary(decision_boundary: Callable[[nn.Module], float], w: float, b: float) -> None:
    __tracebackhide__ = True
    from course_utils.models import LogisticRegression

    model = LogisticRegression(1)
    with torch.no_grad():
        model.linear.weight.fill_(w)
        model.linear.bias.fill_(b)
    call = f"decision_boundary(model with w = {w}, b = {b})"
    out = _call(decision_boundary, "decision_boundary", call, model)
    if isinstance(out, torch.Tensor):
        if out.numel() != 1:
            raise ExerciseError(f"{call} returned a tensor of shape {tuple(out.shape)}; return one number (use .item()).")
        out = out.item()
    if isinstance(out, bool) or not isinstance(out, (int, float)):
        hint = " Did you forget the `return` statement?" if out is None else ""
        raise ExerciseError(f"{call} should return a number, but it returned {type(out).__name__}.{hint}")
    expected = -b / w
    if not math.isclose(out, expected, rel_tol=1e-5, abs_tol=1e-6):
        raise ExerciseError(
            f"{call} returned {_fmt(float(out))}, expected {_fmt(expected)}: the boundary is where "
            "w * x + b = 0, that is x = -b / w. Read w and b from model.linear.weight and model.linear.bias."
        )


def check_decision_boundary(decision_boundary: Callable[[nn.Module], float]) -> None:
    """Visible check: w = 2, b = -5 gives the boundary x = 2.5."""
    __tracebackhide__ = True
    _require_callable(decision_boundary, "decision_boundary")
    _check_boundary(decision_boundary, 2.0, -5.0)
    _passed("decision_boundary gives x = 2.5 for w = 2, b = -5.")


def check_decision_boundary_more(decision_boundary: Callable[[nn.Module], float]) -> None:
    """Hidden check: negative weights and a zero bias."""
    __tracebackhide__ = True
    _require_callable(decision_boundary, "decision_boundary")
    for w, b in ((-0.5, 1.0), (4.0, 0.0), (0.25, 3.0)):
        _check_boundary(decision_boundary, w, b)
    _passed("decision_boundary is right for negative weights and a zero bias too.")


# --------------------------------------------------------------------------
# Lesson 04: training with binary cross-entropy
# --------------------------------------------------------------------------


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


def _accuracy_of(model: nn.Module, X: torch.Tensor, y: torch.Tensor, name: str, binary: bool) -> float:
    __tracebackhide__ = True
    try:
        with torch.no_grad():
            logits = model(X)
    except Exception as err:  # noqa: BLE001
        raise ExerciseError(f"{name}(X) raised {type(err).__name__}: {err}") from err
    logits = _require_tensor(logits, f"{name}(X)")
    if binary:
        if logits.shape not in ((X.shape[0], 1), (X.shape[0],)):
            raise ExerciseError(f"{name}(X) has shape {tuple(logits.shape)}; it should give one logit per row, ({X.shape[0]}, 1).")
        predicted = (logits.reshape(-1) >= 0).long()
        return (predicted == y.reshape(-1).long()).float().mean().item()
    return (logits.argmax(dim=1) == y.reshape(-1)).float().mean().item()


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


# --------------------------------------------------------------------------
# Lesson 05: softmax regression on MNIST
# --------------------------------------------------------------------------


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
    expected = (logits.argmax(dim=1) == labels).float().mean().item()
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


# --------------------------------------------------------------------------
# Every check leaves the global random state as it found it (building a
# learner's model initialises layers from it), so a check cell never changes
# what the cells after it compute.
# --------------------------------------------------------------------------


def _keeps_random_state(check: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        with torch.random.fork_rng(devices=[]):
            return check(*args, **kwargs)
    return wrapper


for _name in __all__:
    if _name.startswith("check_"):
        globals()[_name] = _keeps_random_state(globals()[_name])
del _name
