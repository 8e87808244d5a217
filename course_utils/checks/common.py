"""What every check shares: the exception a learner sees, and small assertions that explain themselves."""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import torch
from torch import nn

from course_utils.metrics import accuracy


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
        return accuracy((logits.reshape(-1) >= 0).long(), y)
    return accuracy(logits.argmax(dim=1), y)
