"""Checks for the graded exercises of lesson 01: the logistic function.

Each visible check (``check_my_sigmoid``, ``check_sigmoid_derivative``,
``check_my_log_sigmoid``) tests every rule its task states: the values on a
grid, the edge cases the task names (z = +-1000, z = +-20), the gradient where
the task asks for it (including z = 0, where a model with zero-initialized
weights starts), the shape and dtype of the result, and the functions the
task forbids. The hidden checks (``*_extremes``, ``*_tails``) apply the same
rules to other inputs: fresh random values, other shapes, float64.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn
from torch.overrides import TorchFunctionMode, resolve_name

from course_utils.checks.common import (
    ExerciseError,
    _call,
    _generator,
    _passed,
    _require_callable,
    _require_close,
    _require_finite,
    _require_shape,
    _require_tensor,
    _require_unchanged,
    keeps_random_state,
)
from course_utils.checks.rules import enforce

__all__ = [
    "check_my_sigmoid",
    "check_my_sigmoid_extremes",
    "check_sigmoid_derivative",
    "check_sigmoid_derivative_tails",
    "check_my_log_sigmoid",
    "check_my_log_sigmoid_extremes",
]

_SIGMOID_GRID = torch.linspace(-10, 10, steps=201)
# Below the smallest normal float32 (1.18e-38) float32 results are subnormal and lose relative precision;
# every comparison treats differences smaller than this as equal.
_TINY = 1e-37


def _subnormal_atol(dtype: torch.dtype) -> float:
    """Four steps of the smallest (subnormal) number of ``dtype``: 5.6e-45 in float32, 2.0e-323 in float64.

    Where a true value is subnormal (below 1.18e-38 in float32) it has fewer digits than a relative
    tolerance of 1e-5 asks for, so an error of a few of these steps counts as equal. Above the smallest
    normal number this is far below 1e-5 of the value, so the comparison is purely relative there.
    """
    info = torch.finfo(dtype)
    return 4 * info.smallest_normal * info.eps

# The ready-made functions that an exercise forbids, by the name torch reports for them.
_SIGMOID_NAMES = {
    "torch.sigmoid": "torch.sigmoid",
    "torch.Tensor.sigmoid": "z.sigmoid() (or F.sigmoid)",
    "torch.Tensor.sigmoid_": "z.sigmoid_()",
    "torch.special.expit": "torch.special.expit",
    "torch.nn.functional.logsigmoid": "F.logsigmoid",
}
_LOGSIGMOID_NAMES = {
    "torch.nn.functional.logsigmoid": "F.logsigmoid (or nn.LogSigmoid)",
    "torch.nn.functional.softplus": "F.softplus",
}

# The ready-made layers that an exercise forbids, by class name (they call the functions above).
_MODULE_LABELS = {"Sigmoid": "nn.Sigmoid", "LogSigmoid": "nn.LogSigmoid", "Softplus": "nn.Softplus"}

# Lesson-01 hints for errors that the shared hints of _call do not cover.
_LESSON_HINTS = (
    ("only one element tensors can be converted to Python scalars",
     "`math.exp` and `math.log` work on ONE Python number; use `torch.exp`, `torch.log` and "
     "`torch.log1p`, which work entry by entry on a tensor."),
    ("must be real number, not Tensor",
     "`math.exp` and `math.log` work on ONE Python number; use `torch.exp`, `torch.log` and "
     "`torch.log1p`, which work entry by entry on a tensor."),
    ("Can't call numpy() on Tensor that requires grad",
     "NumPy functions (np.exp, np.log, ...) leave PyTorch, so autograd cannot differentiate them; "
     "use the torch versions (`torch.exp`, `torch.log1p`, `torch.where`)."),
)


class _Recorder(TorchFunctionMode):
    """Records the names of the torch functions called while it is active."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        self.names.add(resolve_name(func) or getattr(func, "__name__", repr(func)))
        return func(*args, **(kwargs or {}))


def _run(fn: Callable[..., Any], name: str, call: str, z: torch.Tensor,
         forbidden: dict[str, str] | None = None, rule: str = "") -> Any:
    """Call the learner's ``fn(z)`` like ``_call``, add lesson-01 hints, and refuse forbidden functions."""
    __tracebackhide__ = True
    recorder = _Recorder()
    modules: list[str] = []
    handle = torch.nn.modules.module.register_module_forward_pre_hook(
        lambda module, args: modules.append(type(module).__name__))
    try:
        with recorder:
            out = _call(fn, name, call, z)
    except ExerciseError as err:
        cause, text = err.__cause__, str(err)
        for needle, hint in _LESSON_HINTS:
            if cause is not None and needle in str(cause) and "Hint:" not in text:
                raise ExerciseError(f"{text}\nHint: {hint}") from cause
        raise
    finally:
        handle.remove()
    used = [label for key, label in (forbidden or {}).items() if key in recorder.names]
    layers = [_MODULE_LABELS[m] for m in dict.fromkeys(modules) if m in _MODULE_LABELS]
    if used and layers:  # a layer such as nn.Sigmoid calls torch.sigmoid: name the layer that was written
        used = layers
    if used:
        raise ExerciseError(f"{name} uses {', '.join(used)}, which the task rules out: {rule}")
    return out


def _result(fn: Callable[..., Any], name: str, z: torch.Tensor, what: str = "",
            forbidden: dict[str, str] | None = None, rule: str = "") -> torch.Tensor:
    """``fn(z)`` as a tensor of z's shape and dtype, with z left unchanged."""
    __tracebackhide__ = True
    call = f"{name}(z){what}"
    before = z.clone()
    out = _require_tensor(_run(fn, name, call, z, forbidden, rule), call)
    _require_unchanged(before, z, "z", name)
    _require_shape(out, z.shape, call, "Return one value per entry of z, for any shape of z (no reshaping, no sum).")
    if out.dtype != z.dtype:
        raise ExerciseError(
            f"{call} turned a {z.dtype} z into {out.dtype}; the result must keep the dtype of z. Build it "
            "from torch operations on z, and avoid creating new tensors with a fixed dtype."
        )
    return out


def _grad_of(fn: Callable[..., Any], name: str, z: torch.Tensor) -> torch.Tensor:
    """d sum(fn(z)) / dz by autograd; explain when ``fn`` breaks the graph."""
    __tracebackhide__ = True
    call = f"{name}(z)"
    z = z.detach().clone().requires_grad_(True)
    out = _require_tensor(_run(fn, name, call, z), call)
    if not out.requires_grad:
        raise ExerciseError(
            f"{call} is not differentiable: its result does not track gradients. Build it from torch "
            "operations on z (no .item(), .tolist(), .detach() or NumPy inside)."
        )
    out.sum().backward()
    if z.grad is None:
        raise ExerciseError(f"{call} gives no gradient with respect to z; build it from torch operations on z.")
    return z.grad


def _require_grad_at_zero(grad: torch.Tensor, z: torch.Tensor, name: str, want: float, hint: str) -> None:
    """The gradient at z = 0 (where a model with zero-initialized weights starts) must be ``want``."""
    __tracebackhide__ = True
    at_zero = (z == 0).flatten().nonzero()
    if at_zero.numel():
        got = float(grad.flatten()[int(at_zero[0])])
        if abs(got + want) <= 1e-5:
            raise ExerciseError(
                f"The gradient of {name}(z) at z = 0 is {got:.4f}, the true slope {want} with the wrong sign. The "
                "value at z = 0 is right, so the two branches meet there, but they disagree on which branch z = 0 "
                "belongs to: one condition says `z > 0` and another `z >= 0` (or `<` against `<=`), so e is "
                "computed from one side and the result from the other. Use the same comparison in every "
                "torch.where of your function (section 7, gradients at the seams)."
            )
        if abs(got - want) > 1e-5:
            raise ExerciseError(
                f"The gradient of {name}(z) at z = 0 is {got:.4f}, but the true slope there is {want}. "
                f"A model whose weights start at 0 has logit exactly 0, so this is the gradient it learns from. {hint}"
            )


def _exp_hint(value: str) -> str:
    return (f"For large |z|, exp(z) or exp(-z) overflows to inf (in float32 from |z| > 88.72), and inf / inf is "
            f"nan. Build {value} from e = torch.exp(torch.where(z >= 0, -z, z)), which is exp(-|z|) and never "
            "larger than 1.")


# ---------------------------------------------------------------------------------------------- Exercise 1

_EX1_RULE = ("write the logistic function from its formula with torch.exp (and torch.where), "
             "not with PyTorch's ready-made sigmoid.")
_EX1_ZERO_HINT = ("`z.abs()` (like torch.clamp at its bound) has slope 0 at exactly z = 0 in PyTorch, so "
                  "exp(-z.abs()) looks flat there. torch.exp(torch.where(z >= 0, -z, z)) is the same value, "
                  "but autograd differentiates it through the branch in use (-z at z = 0).")
_EX1_GRAD_HINT = ("At this z an exp overflows to inf (exp(-z) for z < -88.72 in float32) and its derivative meets "
                  "a 0: inf * 0 = nan. This happens even in the input of torch.where that it does not select, "
                  "because autograd differentiates both. Give every operation only inputs where it is finite: "
                  "with e = torch.exp(torch.where(z >= 0, -z, z)), sigma(z) = 1 / (1 + e) for z >= 0 and "
                  "e / (1 + e) for z < 0.")


_EX1_VALUE_HINT = ("The logistic function is 1 / (1 + exp(-z)); for z < 0 it equals exp(z) / (1 + exp(z)). "
                   "Values are compared with a relative tolerance of 1e-5, so the tiny values of the left tail "
                   "must be right too (sigma(-100) is about 3.7e-44, stored in float32 as a subnormal). "
                   "exp(-z) overflows to inf for z < -88.72 in float32, which makes 1 / (1 + exp(-z)) exactly 0 "
                   "there: build sigma(z) from e = torch.exp(torch.where(z >= 0, -z, z)), as the task's hint "
                   "says. Do not clamp z (beyond the bound the "
                   "result is sigma of the bound, e.g. sigma(-87) = 1.6e-38, not sigma(z); with "
                   "e = exp(-|z|) nothing overflows, so no clamp is needed), and avoid 1 - (a number close "
                   "to 1), as in 1 - sigma(-z) or 0.5 * (1 + tanh(z / 2)).")


def _sigmoid_rules(my_sigmoid: Callable[[torch.Tensor], torch.Tensor], z_values: torch.Tensor,
                   z_grad: torch.Tensor, z_other: torch.Tensor) -> None:
    """The rules of Exercise 1 on the given inputs (values, gradients, another shape and dtype)."""
    __tracebackhide__ = True
    name = "my_sigmoid"
    out = _result(my_sigmoid, name, z_values, forbidden=_SIGMOID_NAMES, rule=_EX1_RULE)
    middle = z_values.abs() <= 10  # first the formula itself, where no exp can overflow
    atol = _subnormal_atol(z_values.dtype)
    _require_close(out[middle], torch.sigmoid(z_values[middle].double()), z_values[middle], "my_sigmoid(z)",
                   atol=atol, rtol=1e-5, hint=_EX1_VALUE_HINT)
    _require_finite(out, z_values, "my_sigmoid(z)", "the value", _exp_hint("sigma(z)"))
    _require_close(out, torch.sigmoid(z_values.double()), z_values, "my_sigmoid(z)", atol=atol, rtol=1e-5,
                   hint=_EX1_VALUE_HINT)
    grad = _grad_of(my_sigmoid, name, z_grad)
    _require_finite(grad, z_grad, "The gradient of my_sigmoid(z)", "the value", _EX1_GRAD_HINT)
    _require_grad_at_zero(grad, z_grad, name, 0.25, _EX1_ZERO_HINT)
    zd = z_grad.double()
    _require_close(grad, torch.sigmoid(zd) * torch.sigmoid(-zd), z_grad, "The gradient of my_sigmoid(z)",
                   atol=1e-30, rtol=1e-4,
                   hint="Autograd must see the formula itself: no torch.clamp of z (its slope is 0 outside the "
                        "bounds), no .detach(). With e = torch.exp(torch.where(z >= 0, -z, z)), sigma(z) = "
                        "1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0.")
    out2 = _result(my_sigmoid, name, z_other, f" for a {'x'.join(map(str, z_other.shape)) or '0-d'} "
                   f"{str(z_other.dtype).replace('torch.', '')} z", forbidden=_SIGMOID_NAMES, rule=_EX1_RULE)
    _require_finite(out2, z_other, "my_sigmoid(z)", "the value", _exp_hint("sigma(z)"))
    _require_close(out2, torch.sigmoid(z_other.double()), z_other, f"my_sigmoid(z) for a {z_other.dtype} z",
                   atol=_subnormal_atol(z_other.dtype), rtol=1e-5, hint=_EX1_VALUE_HINT)


@keeps_random_state
def check_my_sigmoid(my_sigmoid: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Visible check of Exercise 1: every rule of the task.

    Values equal sigma(z) (relative error < 1e-5; where sigma(z) is subnormal, within 4 steps of the
    smallest float) on 201 points in [-10, 10], at z = -95, -100 and +-1000 (float32) and at z = -500, -100
    (float64, where sigma(z) is a normal number); gradients are finite and right (0.25 at z = 0) from -1000
    to 1000; a 2x2 float64 z keeps its shape and dtype;
    no ready-made sigmoid (torch.sigmoid, Tensor.sigmoid, F.sigmoid, nn.Sigmoid, torch.special.expit).
    """
    __tracebackhide__ = True
    _require_callable(my_sigmoid, "my_sigmoid")
    z_values = torch.cat([_SIGMOID_GRID, torch.tensor([-1000.0, -100.0, -95.0, -30.0, 30.0, 100.0, 1000.0])])
    z_grad = torch.tensor([-1000.0, -100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0, 1000.0])
    z_other = torch.tensor([[-500.0, -100.0, -800.0], [0.0, 3.0, 800.0]], dtype=torch.float64)
    _sigmoid_rules(my_sigmoid, z_values, z_grad, z_other)
    enforce("01", "ex1", my_sigmoid, "my_sigmoid")
    _passed("my_sigmoid is right on [-10, 10], in the far left tail (z = -95, -100; in float64 also -500) and "
            "at z = ±1000, with right, finite gradients (0.25 at z = 0), for any shape, in float32 and float64.")


@keeps_random_state
def check_my_sigmoid_extremes(my_sigmoid: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Hidden check of Exercise 1: the same rules on other inputs (random float32 z in [-300, 300],
    float64 up to +-800 where float64's exp overflows, a 0-d tensor, a 2x3x4 tensor)."""
    __tracebackhide__ = True
    _require_callable(my_sigmoid, "my_sigmoid")
    gen = _generator(101)
    z_values = (torch.rand(60, generator=gen) * 600 - 300).reshape(3, 20)
    z_grad = torch.cat([torch.rand(20, generator=gen) * 400 - 200, torch.tensor([0.0, -0.0, 1e-6, -1e-6])])
    z_other = torch.cat([torch.rand(20, generator=gen, dtype=torch.float64) * 1600 - 800,
                         torch.tensor([-800.0, -745.0, 0.0, 710.0], dtype=torch.float64)]).reshape(2, 3, 4)
    _sigmoid_rules(my_sigmoid, z_values, z_grad, z_other)
    _sigmoid_rules(my_sigmoid, torch.tensor(-3.5), torch.tensor(0.0, dtype=torch.float64),
                   torch.tensor(2.5, dtype=torch.float64))
    enforce("01", "ex1", my_sigmoid, "my_sigmoid")
    _passed("my_sigmoid follows the same rules on random inputs up to ±800, other shapes and float64.")


# ---------------------------------------------------------------------------------------------- Exercise 2

_EX2_RIGHT_HINT = ("sigma(z) rounds to exactly 1 (in float32 from about z = 16.64), so 1 - sigma(z) is 0 and loses "
                   "all digits before that. Section 5's symmetry property says what 1 - sigma(z) equals without a "
                   "subtraction: use it for the second factor.")
_EX2_LEFT_HINT = ("exp(-z) overflows to inf for very negative z (in float32 from z < -88.72), and inf / inf is nan. "
                  "Build the derivative from torch.sigmoid, which never overflows, and section 5's symmetry "
                  "property for the second factor.")


def _derivative_rules(sigmoid_derivative: Callable[[torch.Tensor], torch.Tensor], z: torch.Tensor,
                      what: str = "") -> None:
    __tracebackhide__ = True
    out = _result(sigmoid_derivative, "sigmoid_derivative", z, what)
    zd = z.double()
    exact = torch.sigmoid(zd) * torch.sigmoid(-zd)
    flat_z, flat_out, flat_exact = z.flatten(), out.detach().double().flatten(), exact.flatten()
    bad = ~torch.isfinite(flat_out) | ~torch.isclose(flat_out, flat_exact, rtol=1e-3, atol=_TINY)
    hint = ("The derivative is sigma(z) times (1 - sigma(z)); write the second factor with section 5's symmetry "
            "property so that it keeps its digits.")
    core = flat_z.abs() <= 5
    if bool(bad.any()) and not bool(bad[core].any()):  # right in the middle, wrong in a tail
        i = int(bad.nonzero()[0])
        hint = _EX2_RIGHT_HINT if float(flat_z[i]) > 0 else _EX2_LEFT_HINT
    _require_finite(out, z, f"sigmoid_derivative(z){what}", "the value", hint)
    _require_close(out, exact, z, f"sigmoid_derivative(z){what}", atol=_TINY, rtol=1e-3, hint=hint)


@keeps_random_state
def check_sigmoid_derivative(sigmoid_derivative: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Visible check of Exercise 2: relative error below 1e-3 on 201 points in [-10, 10], at z = +-20 and
    +-50 (where 1 - sigma(z) is 0 in float32) and at z = +-1000; a 2x2 float64 z keeps its shape and dtype."""
    __tracebackhide__ = True
    _require_callable(sigmoid_derivative, "sigmoid_derivative")
    _derivative_rules(sigmoid_derivative,
                      torch.cat([_SIGMOID_GRID, torch.tensor([-1000.0, -50.0, -20.0, 20.0, 50.0, 1000.0])]))
    _derivative_rules(sigmoid_derivative, torch.tensor([[-40.0, 0.0], [3.0, 40.0]], dtype=torch.float64),
                      " for a 2x2 float64 z")
    _passed("sigmoid_derivative is accurate (relative error < 0.1%) on [-10, 10] and deep in the tails "
            "(z = ±20, ±50, ±1000), for any shape, in float32 and float64.")


@keeps_random_state
def check_sigmoid_derivative_tails(sigmoid_derivative: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Hidden check of Exercise 2: the same rules on random float32 z in [-80, 80], float64 z in
    [-700, 700] shaped 2x3x4, and a 0-d tensor."""
    __tracebackhide__ = True
    _require_callable(sigmoid_derivative, "sigmoid_derivative")
    gen = _generator(102)
    _derivative_rules(sigmoid_derivative, (torch.rand(40, generator=gen) * 160 - 80).reshape(4, 10))
    _derivative_rules(sigmoid_derivative,
                      (torch.rand(24, generator=gen, dtype=torch.float64) * 1400 - 700).reshape(2, 3, 4),
                      " for a 2x3x4 float64 z")
    _derivative_rules(sigmoid_derivative, torch.tensor(25.0), " for a 0-d z")
    _passed("sigmoid_derivative follows the same rules on random inputs, other shapes and float64.")


# ---------------------------------------------------------------------------------------------- Exercise 3

_EX3_RULE = "write log(sigma(z)) from its formula (torch.exp, torch.log1p, torch.where), not with a ready-made version."
_EX3_VALUE_HINT = ("For very negative z, exp(-z) overflows to inf (in float32 from z < -88.72): log(1 + exp(-z)) "
                   "becomes inf, and torch.sigmoid(z) becomes exactly 0, so log(sigmoid(z)) = -inf. "
                   "With e = torch.exp(torch.where(z >= 0, -z, z)) (that is exp(-|z|), never above 1): "
                   "log sigma(z) = -log(1 + e) for z >= 0 and z - log(1 + e) for z < 0; "
                   "torch.log1p(e) computes log(1 + e).")
_EX3_LOG1P_HINT = ("For large z, log sigma(z) = -log(1 + e) is tiny (about -2.06e-9 at z = 20) and is compared "
                   "with a relative tolerance of 1e-5: torch.log(1 + e) first rounds 1 + e to 1 and returns 0, "
                   "while torch.log1p(e) keeps the digits of e (section 7). ")
_EX3_ZERO_HINT = ("torch.clamp(z, max=0) and z.abs() both have slope 0 at exactly z = 0 in PyTorch. "
                  "Pick the two formulas of the task's hint with torch.where (section 7, gradients at the seams), "
                  "with e computed as in Exercise 1: each branch is then differentiated as the formula it is.")


def _log_sigmoid_rules(my_log_sigmoid: Callable[[torch.Tensor], torch.Tensor], z_values: torch.Tensor,
                       z_grad: torch.Tensor, z_other: torch.Tensor) -> None:
    __tracebackhide__ = True
    name = "my_log_sigmoid"
    for z, what in ((z_values, ""), (z_other, f" for a {'x'.join(map(str, z_other.shape)) or '0-d'} "
                                              f"{str(z_other.dtype).replace('torch.', '')} z")):
        out = _result(my_log_sigmoid, name, z, what, forbidden=_LOGSIGMOID_NAMES, rule=_EX3_RULE)
        middle = z.abs() <= 10  # first the formula itself, where no exp can overflow
        exact = nn.functional.logsigmoid(z.double())
        _require_close(out[middle], exact[middle], z[middle], f"my_log_sigmoid(z){what}", atol=1e-6, rtol=1e-5,
                       hint="log sigma(z) = -log(1 + exp(-z)); check the signs. " + _EX3_VALUE_HINT)
        _require_finite(out, z, f"my_log_sigmoid(z){what}", "the value", _EX3_VALUE_HINT)
        # then every value, relative to its size: the tiny values of log sigma(z) for z >> 0 count too
        flat = out.detach().double().flatten()
        wrong = ~torch.isclose(flat, exact.flatten(), rtol=1e-5, atol=_subnormal_atol(z.dtype))
        if bool(wrong.any()) and float(z.flatten()[int(wrong.nonzero()[0])]) > 0:  # show the worst, in full digits
            rel = ((flat - exact.flatten()).abs() / exact.flatten().abs()).masked_fill(~wrong, 0.0)
            i = int(rel.argmax())
            raise ExerciseError(
                f"my_log_sigmoid(z){what} is wrong at z = {float(z.flatten()[i]):.4f}: got {float(flat[i]):.4e}, "
                f"expected {float(exact.flatten()[i]):.4e} (relative error {float(rel[i]):.1%}; "
                f"{int(wrong.sum())} of {flat.numel()} values differ). " + _EX3_LOG1P_HINT.rstrip()
            )
        _require_close(out, exact, z, f"my_log_sigmoid(z){what}", atol=_subnormal_atol(z.dtype), rtol=1e-5,
                       hint="log sigma(z) = -log(1 + exp(-z)). " + _EX3_VALUE_HINT)
    grad = _grad_of(my_log_sigmoid, name, z_grad)
    _require_finite(grad, z_grad, "The gradient of my_log_sigmoid(z)", "the value",
                    "Autograd differentiates both inputs of torch.where, also the one it does not select, so an "
                    "exp that overflows there turns the gradient into nan. Give each branch only inputs where it "
                    "is finite: with e = torch.exp(torch.where(z >= 0, -z, z)), log sigma(z) = -log(1 + e) for "
                    "z >= 0 and z - log(1 + e) for z < 0.")
    _require_grad_at_zero(grad, z_grad, name, 0.5, _EX3_ZERO_HINT)
    _require_close(grad, torch.sigmoid(-z_grad.double()), z_grad, "The gradient of my_log_sigmoid(z)",
                   atol=1e-6, rtol=1e-4, hint="The slope of log sigma(z) is sigma(-z); no torch.clamp of z "
                                             "(its slope is 0 outside the bounds) and no .detach().")


@keeps_random_state
def check_my_log_sigmoid(my_log_sigmoid: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Visible check of Exercise 3: every rule of the task.

    Values equal log sigma(z) (relative error < 1e-5, also where it is tiny, z = 20 and 100) on 201 points in
    [-10, 10] and from z = -1000 to 1000; gradients are finite
    and right (0.5 at z = 0); a 2x2 float64 z keeps its shape and dtype; no F.logsigmoid, nn.LogSigmoid
    or F.softplus.
    """
    __tracebackhide__ = True
    _require_callable(my_log_sigmoid, "my_log_sigmoid")
    z_values = torch.cat([_SIGMOID_GRID, torch.tensor([-1000.0, -200.0, -100.0, -20.0, 20.0, 50.0, 100.0, 1000.0])])
    z_grad = torch.tensor([-1000.0, -100.0, -20.0, -1.0, 0.0, 1.0, 20.0, 100.0, 1000.0])
    z_other = torch.tensor([[-800.0, 0.0], [2.0, 800.0]], dtype=torch.float64)
    _log_sigmoid_rules(my_log_sigmoid, z_values, z_grad, z_other)
    enforce("01", "ex3", my_log_sigmoid, "my_log_sigmoid")
    _passed("my_log_sigmoid is right (relative error < 1e-5, also the tiny values at z = 20, 50, 100) and finite "
            "from z = -1000 to 1000, with right, finite gradients "
            "(0.5 at z = 0), for any shape, in float32 and float64.")


@keeps_random_state
def check_my_log_sigmoid_extremes(my_log_sigmoid: Callable[[torch.Tensor], torch.Tensor]) -> None:
    """Hidden check of Exercise 3: the same rules on random float32 z in [-500, 500], float64 z in
    [-1000, 1000] shaped 2x3x4, and 0-d tensors."""
    __tracebackhide__ = True
    _require_callable(my_log_sigmoid, "my_log_sigmoid")
    gen = _generator(103)
    z_values = (torch.rand(60, generator=gen) * 1000 - 500).reshape(3, 20)
    z_grad = torch.cat([torch.rand(20, generator=gen) * 400 - 200, torch.tensor([0.0, -0.0, 1e-6, -1e-6])])
    z_other = torch.cat([torch.rand(20, generator=gen, dtype=torch.float64) * 2000 - 1000,
                         torch.tensor([-1000.0, -745.0, 0.0, 710.0], dtype=torch.float64)]).reshape(2, 3, 4)
    _log_sigmoid_rules(my_log_sigmoid, z_values, z_grad, z_other)
    _log_sigmoid_rules(my_log_sigmoid, torch.tensor(-90.0), torch.tensor(0.0, dtype=torch.float64),
                       torch.tensor(-3.0, dtype=torch.float64))
    enforce("01", "ex3", my_log_sigmoid, "my_log_sigmoid")
    _passed("my_log_sigmoid follows the same rules on random inputs up to ±1000, other shapes and float64.")
