"""Checks for the graded exercises of lesson 01: the logistic function."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from course_utils.checks.common import (
    ExerciseError,
    _call,
    _gradient,
    _passed,
    _require_callable,
    _require_close,
    _require_finite,
    _require_shape,
    _require_tensor,
    _require_unchanged,
)

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
