"""Checks for the graded exercises of lesson 02: nn.Sequential."""

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
    _require_trainable,
    _sequential_parts,
)


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
