"""What every check shares: the exception a learner sees, and small assertions that explain themselves."""

from __future__ import annotations

import functools
import math
import re
from typing import Any, Callable, Sequence

import torch
from torch import nn

from course_utils.metrics import accuracy


class ExerciseError(AssertionError):
    """A graded exercise is not right yet; the message says what is wrong and how to fix it.

    It subclasses :class:`AssertionError` so that test runners treat it as a
    failed check, but its message is always a hint, never a bare assertion.
    """


def keeps_random_state(check: Callable[..., None]) -> Callable[..., None]:
    """Decorate a ``check_*`` function so that it leaves the global random state as it found it.

    A check builds the learner's models and runs the learner's code, which draw
    from the global generator (a new ``nn.Linear`` initializes its weights from
    it). Running the check inside ``torch.random.fork_rng`` means a check cell
    never changes what the cells after it compute.
    """

    @functools.wraps(check)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        __tracebackhide__ = True
        with torch.random.fork_rng(devices=[]):
            return check(*args, **kwargs)

    return wrapper


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


# --------------------------------------------------------------------------
# Common attempts: a PyTorch error raised inside the learner's code, and what
# to write instead. Each pattern matches the real message of torch 2.x (see
# tests/test_check_hints.py, which produces every one of them).
# --------------------------------------------------------------------------

_MATMUL_SHAPES = re.compile(r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)")
_BROADCAST = re.compile(
    r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d+)"
)


def _matmul_hint(match: re.Match) -> str:
    rows, inner, other_rows, cols = (int(g) for g in match.groups())
    if inner == cols and inner != other_rows:
        return (f"In `A @ B` the columns of A must equal the rows of B, but A is ({rows}, {inner}) and B is "
                f"({other_rows}, {cols}). A weight stored like nn.Linear's, shaped (out_features, in_features), "
                "must be transposed: write `X @ weight.T`, not `X @ weight`.")
    return (f"In `A @ B` the columns of A must equal the rows of B, but A is ({rows}, {inner}) and B is "
            f"({other_rows}, {cols}). If A is the input X of a layer nn.Linear({other_rows}, ...), X has "
            f"{inner} feature(s) per row but the layer expects {other_rows}: check X.shape "
            "(a flat vector needs .reshape(-1, 1)) or build the layer for the right number of features.")


def _broadcast_hint(match: re.Match) -> str:
    size_a, size_b, dim = (int(g) for g in match.groups())
    if dim >= 1:
        return (f"Two tensors of incompatible shapes meet in an element-wise operation (sizes {size_a} and "
                f"{size_b} at dimension {dim}). Print the shapes of both operands. A reduction over a dimension "
                "(`.sum(dim=1)`, `.mean(dim=1)`, `.max(dim=1)`) drops that dimension, so its result no longer "
                "lines up with the rows; keep it with `keepdim=True`, e.g. `Z - Z.mean(dim=1, keepdim=True)`. "
                "A `.squeeze()` or `.flatten()` that turns a column (n, 1) into (n,) does the same.")
    return (f"Two tensors of incompatible shapes meet in an element-wise operation (sizes {size_a} and "
            f"{size_b} at dimension {dim}). Print the shapes of both operands; reshape one of them "
            "(for a column, `.reshape(-1, 1)`) so that they match.")


_NAMEDTUPLE_HINT = (
    "`.max(dim=...)` and `.min(dim=...)` return a pair (values, indices), not a tensor: take "
    "`.values` (e.g. `Z.max(dim=1, keepdim=True).values`), or `.indices` for the positions "
    "(the same as `.argmax(dim=...)`)."
)

_HINTS: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (re.compile(r"Boolean value of Tensor with more than one (value|element) is ambiguous"), lambda m: (
        "Python's `max`, `min`, `if`, `and`, `or` and `not` need one True/False, but a comparison of "
        "tensors gives one per entry. Use the element-wise torch functions instead: `torch.maximum(a, b)`, "
        "`torch.minimum(a, b)`, `torch.clamp(z, min=0)` or `torch.where(condition, a, b)`; `z.max()` "
        "for the largest entry; `&` and `|` for element-wise and/or.")),
    (re.compile(r"torch\.return_types\.(max|min)"), lambda m: _NAMEDTUPLE_HINT),
    (re.compile(r"can only concatenate tuple \(not"), lambda m: (
        "A pair (values, indices) was added to a number. " + _NAMEDTUPLE_HINT)),
    (_BROADCAST, _broadcast_hint),
    (re.compile(r"mean\(\): could not infer output dtype.*Got: (Bool|Long|Int|Short|Byte|Char)", re.S), lambda m: (
        f"`.mean()` needs floats, but this tensor has dtype {m.group(1)} (a comparison such as "
        "`pred == y` gives Bool). Convert first: `(pred == y).float().mean()`; then `.item()` "
        "gives a Python float.")),
    (re.compile(r"fill_ only supports 0-dimension value tensor|fill_\(\) received an invalid combination"), lambda m: (
        "`fill_` writes ONE number into every entry. To write several values, use `copy_` with a tensor "
        "of the parameter's shape, inside `with torch.no_grad():`, e.g. "
        "`layer.weight.copy_(torch.tensor([[2.0, -1.0]]))`.")),
    (_MATMUL_SHAPES, _matmul_hint),
    (re.compile(r"a (view of a )?leaf Variable that requires grad is being used in an in-place operation"), lambda m: (
        "This tensor requires gradients (a parameter, or an input given with requires_grad=True), so "
        "autograd forbids changing it in place (`fill_`, `copy_`, `+=`, `w[0] = ...`). To set a parameter, "
        "do it inside `with torch.no_grad():`, e.g. `with torch.no_grad(): layer.weight.fill_(3.0)`; "
        "to transform an input, compute a new tensor (`-z`, not `z.neg_()`).")),
    (re.compile(r"cannot assign '[\w.]+' as parameter '(\w+)' \(torch\.nn\.Parameter or None expected\)"), lambda m: (
        f"Assigning a plain tensor to `{m.group(1)}` would replace the trainable parameter. Keep the "
        f"parameter and change its values inside `with torch.no_grad():`, e.g. "
        f"`layer.{m.group(1)}.copy_(torch.tensor(...))` (or `.fill_(number)`).")),
    (re.compile(r"mat1 and mat2 must have the same dtype, but got (\w+) and (\w+)"), lambda m: (
        "The input and the weights must have the same dtype; the weights are float32 (Float). Convert the "
        "input with `.float()`, or create it with `dtype=torch.float32`.")),
    (re.compile(r"index (-?\d+ )?(is )?out of (range|bounds)"), lambda m: (
        "The code reads an entry that does not exist. If it reads a fixed number of entries "
        "(`weights[0]`, `weights[1]`), make it work for any length: build the whole tensor at once, "
        "e.g. `torch.tensor([weights])`, or loop over `range(len(...))`.")),
    (re.compile(r"\"bitwise_(and|or|xor|not)_\w+\" not implemented for '(Float|Double|Half|BFloat16)'"
                r"|~ \(operator\.invert\) is only implemented on integer and Boolean"), lambda m: (
        "`&`, `|` and `~` work on bool (or integer) tensors, but these are floats (labels 0.0/1.0). Compare "
        "first, which gives bool tensors: `(y_true == 1) & (y_pred == 1)`, and `y_pred == 0` instead of `~y_pred`.")),
    (re.compile(r"a Tensor with (\d+) elements cannot be converted to Scalar"), lambda m: (
        f"`.item()` (and `float(...)`) turn a ONE-element tensor into a Python number, but this one has "
        f"{m.group(1)} elements. Reduce it first (e.g. `.mean()`, `.sum()`), or index the entry you mean.")),
    (re.compile(r"output with shape \[([\d, ]*)\] doesn't match the broadcast shape \[([\d, ]*)\]"), lambda m: (
        f"An in-place write (`copy_`, `+=`, ...) keeps the shape of the tensor written into, [{m.group(1)}], "
        f"but the values given broadcast to [{m.group(2)}]. Give the values that shape: nn.Linear's weight "
        "has shape (out_features, in_features), one row per output, so for one output write "
        "`torch.tensor([weights])` (shape (1, d)), not a column such as `.reshape(-1, 1)`.")),
)


def _hint_for(err: BaseException) -> str:
    """What to write instead, for a PyTorch error that a common wrong attempt raises; "" when none applies."""
    text = str(err)
    for pattern, hint in _HINTS:
        match = pattern.search(text)
        if match:
            return hint(match)
    return ""


def _raised(call: str, err: BaseException) -> ExerciseError:
    """The :class:`ExerciseError` for ``call`` raising ``err``: the original error, then a hint when one applies."""
    hint = _hint_for(err)
    text = f"{call} raised {type(err).__name__}: {err}"
    return ExerciseError(f"{text}\nHint: {hint}" if hint else text)


def _is_stub(err: NotImplementedError) -> bool:
    """Whether ``err`` is the answer cell's untouched ``raise NotImplementedError()``.

    The stub has an empty message and is raised by a line of the learner's own
    code. PyTorch also raises NotImplementedError, with a message and from its
    own code (e.g. ``"bitwise_and_cpu" not implemented for 'Float'`` for ``&``
    on float tensors): that is a wrong attempt, not a missing answer.
    """
    if str(err):
        return False
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return True
    filename = tb.tb_frame.f_code.co_filename.replace("\\", "/")
    return "/torch/" not in filename and "/site-packages/" not in filename


def _call(fn: Callable[..., Any], name: str, call: str, *args: Any, **kwargs: Any) -> Any:
    """Call the learner's ``fn``; turn any error into an :class:`ExerciseError` with a hint.

    The message keeps the original error (type and text) and, when the error is
    one that a common attempt raises (Python's ``max`` on a tensor, ``.max(dim=...)``
    without ``.values``, a missing ``keepdim``, ``.mean()`` of a bool tensor,
    ``fill_`` with a vector, ``X @ weight`` without ``.T``, an in-place change of a
    parameter outside ``torch.no_grad()``, ...), adds what to write instead.
    """
    __tracebackhide__ = True
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as err:
        if not _is_stub(err):
            raise _raised(call, err) from err
        raise ExerciseError(
            f"{name} is not written yet: replace `raise NotImplementedError()` in the answer cell "
            "with your code, run that cell, then run this check again."
        ) from None
    except ExerciseError:
        raise
    except Exception as err:  # noqa: BLE001 - any error in learner code becomes a hint
        raise _raised(call, err) from err


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


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _accuracy_of(model: nn.Module, X: torch.Tensor, y: torch.Tensor, name: str, binary: bool) -> float:
    __tracebackhide__ = True
    try:
        with torch.no_grad():
            logits = model(X)
    except Exception as err:  # noqa: BLE001
        raise _raised(f"{name}(X)", err) from err
    logits = _require_tensor(logits, f"{name}(X)")
    if binary:
        if logits.shape not in ((X.shape[0], 1), (X.shape[0],)):
            raise ExerciseError(f"{name}(X) has shape {tuple(logits.shape)}; "
                                f"it should give one logit per row, ({X.shape[0]}, 1).")
        return accuracy((logits.reshape(-1) >= 0).long(), y)
    return accuracy(logits.argmax(dim=1), y)


# --------------------------------------------------------------------------
# The caller's inputs stay as they were. The grader compares every input after each call with the reference's
# (a tensor written in place, a model's parameters changed, a list edited), so every visible check does too.
# --------------------------------------------------------------------------


def _snapshot(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return ("tensor", tuple(value.shape), value.dtype, value.detach().clone())
    if isinstance(value, nn.Module):
        return ("module", {k: v.detach().clone() for k, v in value.state_dict().items()})
    if isinstance(value, (list, dict)):
        import copy

        try:
            return ("data", copy.deepcopy(value))
        except Exception:  # noqa: BLE001 - not comparable: not checked
            return None
    return None


def _changed(value: Any, before: Any) -> str:
    """How ``value`` differs from its snapshot ``before`` ("" when it does not)."""
    if before is None:
        return ""
    kind = before[0]
    if kind == "tensor":
        _, shape, dtype, data = before
        if tuple(value.shape) != shape or value.dtype != dtype:
            return f"its shape or dtype changed (now {tuple(value.shape)}, {value.dtype})"
        same = torch.equal(value.detach(), data) or bool(torch.isnan(data).any()) and torch.allclose(
            value.detach(), data, equal_nan=True, rtol=0, atol=0)
        return "" if same else "its values changed"
    if kind == "module":
        now = value.state_dict()
        if list(now) != list(before[1]):
            return "its parameters were replaced"
        for key, old in before[1].items():
            if now[key].shape != old.shape or not torch.equal(now[key].detach(), old):
                return f"its {key} changed"
        return ""
    return "" if value == before[1] else "its contents changed"


def _param_names(fn: Callable[..., Any], n: int) -> list[str]:
    import inspect

    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return [names[i] if i < len(names) else f"argument {i + 1}" for i in range(n)]


def _keeping_inputs(fn: Callable[..., Any], call: str, args: Sequence[Any], run: Callable[..., Any],
                    names: Sequence[str] | None = None) -> Any:
    """``run(*args)`` (a call of the learner's ``fn``), then fail if it changed any of ``args`` in place.

    ``names`` names ``args`` when they are not ``fn``'s first parameters (by default, ``fn``'s own names).
    """
    __tracebackhide__ = True
    before = [_snapshot(a) for a in args]
    out = run(*args)
    names = list(names) if names is not None else _param_names(fn, len(args))
    for name, value, snap in zip(names, args, before, strict=True):
        how = _changed(value, snap)
        if how:
            raise ExerciseError(
                f"{call} changed its input `{name}` in place ({how}). The caller's data are theirs: the lesson "
                "and the grader use them again after your function returns. Compute new tensors from the inputs "
                "instead of writing into them (no `-=` / `*=` on an input, no methods ending in `_` such as "
                "`.sub_()` or `.clamp_()`, no change to a model's parameters).")
    return out
