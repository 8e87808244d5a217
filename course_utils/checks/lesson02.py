"""Checks for the graded exercises of lesson 02: nn.Sequential.

Each visible check tests every rule its task states; the hidden ``*_more`` /
``*_details`` checks probe other inputs of the same rules.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch
from torch import nn

from course_utils.checks.common import (
    ExerciseError,
    _call,
    _fmt,
    _generator,
    _passed,
    _require_callable,
    _require_close,
    _require_shape,
    _require_tensor,
    keeps_random_state,
)

__all__ = [
    "check_model_3x",
    "check_model_3x_details",
    "check_make_logistic_model",
    "check_make_logistic_model_more",
    "check_prepare_input",
    "check_prepare_input_more",
]


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
        raise ExerciseError(f"The first layer of {call} is {type(linear).__name__}; "
                            f"it should be nn.Linear({n_inputs}, 1).")
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


def _build(build_fn: Callable[[], Any], name: str) -> Any:
    __tracebackhide__ = True
    _require_callable(build_fn, name)
    return _call(build_fn, name, f"{name}()")


def _require_trainable(model: nn.Module, call: str) -> None:
    """Every parameter still requires gradients (replacing it with a new trainable nn.Parameter is fine)."""
    __tracebackhide__ = True
    for name, param in model.named_parameters():
        if not param.requires_grad:
            raise ExerciseError(
                f"The parameter {name} of {call} does not require gradients, so it could not be trained. "
                "Set the values inside `with torch.no_grad():` (e.g. `layer.weight.fill_(3.0)`), and do not "
                "freeze the parameter (no `requires_grad=False`, `requires_grad_(False)` or `.detach()`)."
            )


def _require_parameters(model: nn.Module, call: str, n_inputs: int) -> None:
    """The model's parameters are nn.Linear's own: 0.weight (1, n) and 0.bias (1,), float32, trainable."""
    __tracebackhide__ = True
    shapes = {name: tuple(param.shape) for name, param in model.named_parameters()}
    wanted = {"0.weight": (1, n_inputs), "0.bias": (1,)}
    if shapes != wanted:
        raise ExerciseError(
            f"{call} has the parameters {shapes}, but nn.Linear({n_inputs}, 1) has {wanted}. Keep the layer's own "
            "parameters and change only their values, inside `with torch.no_grad():`."
        )
    for name, param in model.named_parameters():
        if param.dtype != torch.float32:
            raise ExerciseError(f"{call}'s {name} has dtype {param.dtype}; keep nn.Linear's float32 parameters "
                                "(write the values into them with `copy_` or `fill_`).")
    _require_trainable(model, call)


def _require_gradients_flow(model: nn.Module, call: str, X: torch.Tensor) -> None:
    """A backward pass through the model reaches both parameters (it could be trained)."""
    __tracebackhide__ = True
    model.zero_grad()
    out = model(X)
    if not out.requires_grad:
        raise ExerciseError(f"{call}(X) does not track gradients, so the model could not be trained: "
                            "set the parameters inside `with torch.no_grad():`, but do not build the model there.")
    out.sum().backward()
    for name, param in model.named_parameters():
        if param.grad is None:
            raise ExerciseError(f"No gradient reaches {name} of {call}, so it could not be trained.")
    model.zero_grad(set_to_none=True)


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


def _check_model_3x(build_model_3x: Callable[[], nn.Sequential], X: torch.Tensor) -> nn.Sequential:
    """Structure, values on X, trainable parameters, and a new model on every call."""
    __tracebackhide__ = True
    call = "build_model_3x()"
    model = _build(build_model_3x, "build_model_3x")
    _sequential_parts(model, call, 1)
    _require_parameters(model, call, 1)
    _check_sequential_function(model, call, X, torch.tensor([3.0]), -1.0, "sigma(3x - 1)")
    _require_gradients_flow(model, call, X)
    other = _build(build_model_3x, "build_model_3x")
    if other is model or any(a is b or a.data_ptr() == b.data_ptr()
                             for a, b in zip(model.parameters(), other.parameters(), strict=False)):
        raise ExerciseError(
            "build_model_3x() returned the same model (or the same parameters) twice. It must build a NEW "
            "model on every call: create nn.Sequential(...) inside the function, not once outside it."
        )
    with torch.no_grad():  # training one model must not change another
        model[0].weight.add_(1.0)
    _check_sequential_function(other, call, X, torch.tensor([3.0]), -1.0, "sigma(3x - 1)")
    return model


@keeps_random_state
def check_model_3x(build_model_3x: Callable[[], nn.Sequential]) -> None:
    """Visible check: a new, trainable ``Sequential(Linear(1, 1), Sigmoid())`` computing sigma(3x - 1)."""
    __tracebackhide__ = True
    _check_model_3x(build_model_3x, torch.tensor([[1.0], [2.0], [3.0], [4.0]]))
    _passed("build_model_3x() builds a new nn.Sequential(nn.Linear(1, 1), nn.Sigmoid()) with trainable "
            "parameters, computing sigma(3x - 1) at x = 1, 2, 3, 4.")


@keeps_random_state
def check_model_3x_details(build_model_3x: Callable[[], nn.Sequential]) -> None:
    """Hidden check: the same rules on negative and fractional inputs."""
    __tracebackhide__ = True
    _check_model_3x(build_model_3x, torch.linspace(-3, 3, steps=25).reshape(-1, 1))
    _passed("build_model_3x() computes sigma(3x - 1) on [-3, 3] too.")


def _check_logistic_models(make_logistic_model: Callable[[Sequence[float], float], nn.Sequential],
                           cases: Sequence[tuple[list, float]], seed: int) -> None:
    """Each case builds the right trainable model; an earlier model is not changed by a later call."""
    __tracebackhide__ = True
    _require_callable(make_logistic_model, "make_logistic_model")
    gen = _generator(seed)
    built = []
    for weights, bias in cases:
        call = f"make_logistic_model({weights}, {bias})"
        given = list(weights)
        model = _call(make_logistic_model, "make_logistic_model", call, given, bias)
        if given != list(weights):
            raise ExerciseError(
                f"{call} changed the list `weights` it was given (now {given}): the caller's list is theirs, "
                "and a second model built from it would get the wrong weights. Read the numbers without "
                "changing the list (no append, insert, pop or item assignment); section 6 builds the weight "
                "tensor from the list as it is and sets the bias on its own.")
        _sequential_parts(model, call, len(weights))
        _require_parameters(model, call, len(weights))
        X = torch.randn(6, len(weights), generator=gen)
        terms = " + ".join(f"{float(w):g} x{i + 1}" for i, w in enumerate(weights))
        formula = f"sigma({terms} + {float(bias):g})"
        weight = torch.tensor([float(w) for w in weights])
        _check_sequential_function(model, call, X, weight, float(bias), formula)
        _require_gradients_flow(model, call, X)
        built.append((model, call, X, weight, float(bias), formula))
    for model, call, X, weight, bias, formula in built:  # each call must build its own model
        _check_sequential_function(model, call + " (checked again after the other calls)", X, weight, bias,
                                   formula + ": build a new model on every call")


@keeps_random_state
def check_make_logistic_model(make_logistic_model: Callable[[Sequence[float], float], nn.Sequential]) -> None:
    """Visible check: two, one and three features; trainable parameters."""
    __tracebackhide__ = True
    _check_logistic_models(make_logistic_model, [([2.0, -1.0], 0.5), ([1.0, 1.0], -2.0), ([3.0], -1.0),
                                                 ([0.5, -1.0, 2.0], -3.0)], 1)
    _passed("make_logistic_model works for 2, 1 and 3 features, e.g. [2.0, -1.0], 0.5 computes "
            "sigma(2 x1 - x2 + 0.5), and keeps trainable parameters.")


@keeps_random_state
def check_make_logistic_model_more(make_logistic_model: Callable[[Sequence[float], float], nn.Sequential]) -> None:
    """Hidden check: five features, integer numbers, a zero bias."""
    __tracebackhide__ = True
    _check_logistic_models(make_logistic_model, [([1.5, -0.5, 0.25, 2.0, -3.0], 0.0), ([2, -1], 3), ([-4.0], 0.75)], 2)
    _passed("make_logistic_model works for five features, integer weights and a zero bias too.")


def _check_prepared(out: Any, call: str, values: Sequence[float]) -> None:
    __tracebackhide__ = True
    out = _require_tensor(out, call)
    if not torch.is_floating_point(out):
        raise ExerciseError(
            f"{call} has dtype {out.dtype}; a model needs floats. "
            "Create it with dtype=torch.float32 (or call .float())."
        )
    if out.dtype != torch.float32:
        raise ExerciseError(f"{call} has dtype {out.dtype}; use torch.float32, the dtype of the model's weights.")
    if out.ndim == 1:
        why = "A column has one row per example and one column for the single feature: use .reshape(-1, 1)."
    elif tuple(out.shape) == (1, len(values)) and len(values) > 1:
        why = "That is a row (one example with many features); a column is .reshape(-1, 1)."
    else:
        why = "Use .reshape(-1, 1), which works for any number of values."
    _require_shape(out, (len(values), 1), call, why)
    _require_close(out, torch.tensor(values, dtype=torch.float64).reshape(-1, 1), None, call, atol=1e-6,
                   hint="Keep the numbers and their order.")


def _check_prepare_cases(prepare_input: Callable[[Any], torch.Tensor], cases: Sequence[tuple[str, Any, list]]) -> None:
    __tracebackhide__ = True
    _require_callable(prepare_input, "prepare_input")
    for call, arg, values in cases:
        before = arg.clone() if isinstance(arg, torch.Tensor) else list(arg)
        out = _call(prepare_input, "prepare_input", call, arg)
        if isinstance(arg, torch.Tensor):
            if arg.shape != before.shape or arg.dtype != before.dtype or not torch.equal(arg, before):
                raise ExerciseError(
                    f"{call} changed the tensor it was given (now shape {tuple(arg.shape)}, dtype {arg.dtype}): "
                    "an in-place method such as `unsqueeze_`, `resize_` or `t_` rewrites the caller's tensor. Use "
                    "the methods without the trailing underscore, which return a new tensor (section 3).")
        elif list(arg) != before:
            raise ExerciseError(f"{call} changed the list it was given; read the numbers without changing them.")
        _check_prepared(out, call, values)
        _call(nn.Linear(1, 1), "nn.Linear(1, 1)", f"nn.Linear(1, 1)({call})", out)


@keeps_random_state
def check_prepare_input(prepare_input: Callable[[Any], torch.Tensor]) -> None:
    """Visible check: a list of ints, a tuple of floats and an integer tensor become float32 columns."""
    __tracebackhide__ = True
    _check_prepare_cases(prepare_input, [
        ("prepare_input([1, 2, 3, 4])", [1, 2, 3, 4], [1.0, 2.0, 3.0, 4.0]),
        ("prepare_input((0.5, -2.0))", (0.5, -2.0), [0.5, -2.0]),
        ("prepare_input(torch.tensor([5, -6, 7]))", torch.tensor([5, -6, 7]), [5.0, -6.0, 7.0]),
        ("prepare_input(torch.tensor([0.5, 1.5, -2.0]))", torch.tensor([0.5, 1.5, -2.0]), [0.5, 1.5, -2.0]),
        ("prepare_input([1.5, -2.0, 3.0])", [1.5, -2.0, 3.0], [1.5, -2.0, 3.0]),
    ])
    _passed("prepare_input turns a list, a tuple and an integer tensor into float32 columns of shape (n, 1), "
            "e.g. [1, 2, 3, 4] -> [[1.], [2.], [3.], [4.]].")


@keeps_random_state
def check_prepare_input_more(prepare_input: Callable[[Any], torch.Tensor]) -> None:
    """Hidden check: a single value, a float64 tensor, a longer list."""
    __tracebackhide__ = True
    _check_prepare_cases(prepare_input, [
        ("prepare_input([2.5])", [2.5], [2.5]),
        ("prepare_input(torch.tensor([0.25, -1.5], dtype=torch.float64))",
         torch.tensor([0.25, -1.5], dtype=torch.float64), [0.25, -1.5]),
        ("prepare_input(list(range(-3, 7)))", list(range(-3, 7)), [float(v) for v in range(-3, 7)]),
        ("prepare_input((0, 1))", (0, 1), [0.0, 1.0]),
    ])
    _passed("prepare_input handles a single value, float64 tensors and longer lists too.")
