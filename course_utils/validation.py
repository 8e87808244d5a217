"""Input checks shared by every helper of the course: models, training loops, data, metrics and plots.

Every check raises an error whose message says what was wrong *and* how to
fix it, because that is the message a learner reads first. The same bad
value gets the same error wherever it is passed:

- a value that is not a tensor, or a tensor of the wrong dtype: ``TypeError``;
- a setting (``lr``, ``num_epochs``, ``seed``, ...) of the wrong type or out of
  its range, a tensor of the wrong shape, with NaN/inf, empty, or with labels
  outside their set: ``ValueError``;
- a model of the wrong kind (not a module, or ending in a sigmoid/softmax
  where logits are needed): ``TypeError`` / ``ValueError``;
- training whose loss or weights stop being finite: :class:`TrainingDivergedError`.

Settings:  :func:`check_int`, :func:`check_positive_int`, :func:`check_seed`,
:func:`check_number`, :func:`check_positive`, :func:`check_nonnegative`,
:func:`check_probability`, :func:`check_bool`, :func:`check_choice`, :func:`check_device`.
Tensors:   :func:`check_tensor`, :func:`check_float_features`, :func:`check_finite`,
:func:`check_not_empty`, :func:`check_same_rows`, :func:`check_one_per_row`, :func:`check_probabilities`,
:func:`check_binary_targets`, :func:`check_class_labels`.
Models:    :func:`check_model`, :func:`check_matching_dtype`, :func:`check_returns_logits`.
Training:  :func:`check_finite_training`.
"""

from __future__ import annotations

import math
import weakref
from typing import Sequence

import torch
from torch import nn


class TrainingDivergedError(FloatingPointError):
    """Training produced a NaN or infinite loss or weight; the message names the epoch and the cause."""


# --------------------------------------------------------------------------- settings (Python numbers)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _int_kind(minimum: int | None, maximum: int | None) -> str:
    if minimum == 1 and maximum is None:
        return "a positive integer"
    if minimum == 0 and maximum is None:
        return "a non-negative integer"
    if minimum is not None and maximum is not None:
        return f"an integer from {minimum} to {maximum}"
    if minimum is not None:
        return f"an integer >= {minimum}"
    if maximum is not None:
        return f"an integer <= {maximum}"
    return "an integer"


def check_int(value: object, name: str, minimum: int | None = None, maximum: int | None = None,
              hint: str = "", kind: str | None = None) -> int:
    """Check that ``value`` is a Python ``int`` in ``[minimum, maximum]``; raise ``ValueError`` otherwise.

    ``True``/``False`` and floats such as ``2.0`` are refused: a count is an integer.
    ``kind`` names the rule in the message (default: from the bounds, e.g. ``"a positive integer"``).
    """
    kind = kind or _int_kind(minimum, maximum)
    ok = _is_int(value) and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        got = f"{value!r}" + ("" if _is_int(value) or value is None else f" (a {type(value).__name__})")
        whole = (isinstance(value, float) and math.isfinite(value) and value == int(value)
                 and (minimum is None or value >= minimum) and (maximum is None or value <= maximum))
        fix = (f" Write it without a decimal point, e.g. {name}={int(value)}." if whole else "") + (
            f" {hint}" if hint else "")
        raise ValueError(f"{name} must be {kind}, got {got}.{fix}")
    return int(value)


def check_positive_int(value: object, name: str, hint: str = "") -> int:
    """Check that a count such as ``num_epochs`` or ``batch_size`` is a positive integer."""
    return check_int(value, name, minimum=1, hint=hint)


#: The largest seed accepted: PyTorch and NumPy both take seeds below 2**63.
MAX_SEED = 2**63 - 1


def check_seed(seed: object, name: str = "seed") -> int:
    """Check a random seed: an integer from 0 to 2**63 - 1, the same rule for every helper."""
    seed = check_int(seed, name, minimum=0, hint=f"Use e.g. {name}=0.")
    if seed > MAX_SEED:
        raise ValueError(f"{name} must be a non-negative integer below 2**63, got {seed}. Use e.g. {name}=0.")
    return seed


def check_number(value: object, name: str, minimum: float | None = None, maximum: float | None = None,
                 strict: bool = False, finite: bool = True, kind: str | None = None, hint: str = "") -> float:
    """Check that ``value`` is a real number (``int`` or ``float``, not ``bool``) in a range; return it as ``float``.

    ``strict=True`` excludes the bounds. ``finite=True`` refuses NaN and +-inf.
    ``kind`` names the rule in the message (e.g. ``"a positive number"``).
    """
    if kind is None:
        if minimum is not None and maximum is not None:
            kind = f"a number {'strictly ' if strict else ''}between {minimum:g} and {maximum:g}"
        elif minimum is not None:
            kind = f"a number {'>' if strict else '>='} {minimum:g}"
        elif maximum is not None:
            kind = f"a number {'<' if strict else '<='} {maximum:g}"
        else:
            kind = "a number"
    fix = f" {hint}" if hint else ""
    if not _is_number(value):
        raise ValueError(f"{name} must be {kind}, got {value!r} (a {type(value).__name__}).{fix}")
    v = float(value)
    if math.isnan(v) or (finite and math.isinf(v)):
        raise ValueError(f"{name} must be {kind}, got {value!r}; it must be a finite number.{fix}")
    low_bad = minimum is not None and (v <= minimum if strict else v < minimum)
    high_bad = maximum is not None and (v >= maximum if strict else v > maximum)
    if low_bad or high_bad:
        raise ValueError(f"{name} must be {kind}, got {value!r}.{fix}")
    return v


def check_positive(value: object, name: str, hint: str = "") -> float:
    """Check that a hyper-parameter such as ``lr`` is a positive, finite number."""
    return check_number(value, name, minimum=0, strict=True, kind="a positive number", hint=hint)


def check_nonnegative(value: object, name: str, hint: str = "") -> float:
    """Check that a setting such as ``weight_decay`` is a finite number >= 0."""
    return check_number(value, name, minimum=0, hint=hint)


def check_probability(value: object, name: str = "threshold") -> float:
    """Check that ``value`` is a probability strictly between 0 and 1 (e.g. a decision threshold)."""
    return check_number(value, name, minimum=0, maximum=1, strict=True,
                        kind="a probability strictly between 0 and 1", hint=f"e.g. {name}=0.5.")


def check_bool(value: object, name: str) -> bool:
    """Check that a switch such as ``normalize`` or ``train`` is ``True`` or ``False`` (not 0/1 or a string)."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}.")
    return value


def check_device(device: object, name: str = "device") -> torch.device | None:
    """Check a device: ``None`` (keep the default), ``"cpu"``, ``"cuda"`` (if present), or a :class:`torch.device`."""
    if device is None:
        return None
    if not isinstance(device, (str, torch.device)):
        raise TypeError(f"{name} must be a torch.device or a string such as 'cpu' (e.g. get_device()), "
                        f"got {type(device).__name__}.")
    try:
        device = torch.device(device)
    except RuntimeError:
        raise ValueError(f"{name} must name a device such as 'cpu' or 'cuda', got {device!r}. "
                         "Use course_utils.get_device() to pick the best one.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{name} is {str(device)!r}, but this machine has no CUDA GPU. "
                         "Use device='cpu', or course_utils.get_device(), which picks the GPU only when there is one.")
    return device


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """Check that ``value`` is one of ``choices`` (e.g. an optimizer's name)."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}.")
    return value


# --------------------------------------------------------------------------- tensors


def check_tensor(x: object, name: str = "X") -> torch.Tensor:
    """Make sure ``x`` is a :class:`torch.Tensor`, else explain how to get one."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(x).__name__}. "
            f"Convert it with torch.as_tensor({name}, dtype=torch.float32)."
        )
    return x


def _all_finite(t: torch.Tensor) -> bool:
    """True when every entry of ``t`` is finite; one reduction for the usual all-finite case."""
    if not torch.is_floating_point(t) and not t.is_complex():
        return True
    if t.numel() == 0:
        return True
    total = t.sum()
    if bool(torch.isfinite(total)):  # NaN or inf anywhere makes the sum non-finite
        return True
    return bool(torch.isfinite(t).all())  # the sum may overflow although every entry is finite


#: Large tensors already found finite: id -> (weak reference, version counter). A tensor changed in place
#: (or through a view) gets a new version and is checked again; a freed tensor leaves the table.
_FINITE: dict[int, tuple[weakref.ref, int]] = {}
_REMEMBER_FROM = 1_000_000  # elements; smaller tensors are checked every time (microseconds)


def _known_finite(t: torch.Tensor) -> bool:
    entry = _FINITE.get(id(t))
    return entry is not None and entry[0]() is t and entry[1] == t._version


def _remember_finite(t: torch.Tensor) -> None:
    if t.numel() >= _REMEMBER_FROM:
        key = id(t)
        _FINITE[key] = (weakref.ref(t, lambda _ref, key=key: _FINITE.pop(key, None)), t._version)


def check_finite(t: object, name: str = "X", hint: str = "") -> torch.Tensor:
    """Check that a tensor holds no NaN and no +-inf; the message counts them and names the first row.

    One reduction over the tensor (about 15 ms for MNIST's 47 million training pixels); a large tensor
    found finite is remembered until it changes, so training again on the same ``X`` costs nothing.
    """
    t = check_tensor(t, name)
    if _known_finite(t):
        return t
    if _all_finite(t):
        _remember_finite(t)
        return t
    bad = ~torch.isfinite(t)
    n_nan = int(torch.isnan(t).sum())
    n_inf = int(bad.sum()) - n_nan
    first = tuple(torch.nonzero(bad)[0].tolist())
    where = f"row {first[0]}" if len(first) else "it"
    fix = hint or (f"Remove or replace those values first, e.g. keep the finite rows with "
                   f"{name} = {name}[torch.isfinite({name}).all(dim=1)] (and the same rows of the labels).")
    raise ValueError(
        f"{name} contains {n_nan} NaN and {n_inf} infinite value(s) (the first at {where}, index {first}); "
        f"a model cannot learn from or predict them: the result would be NaN. {fix}"
    )


def check_not_empty(t: torch.Tensor, name: str = "X") -> torch.Tensor:
    """Check that a batch holds at least one example."""
    if t.ndim == 0 or t.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(t.shape)}); pass at least one example.")
    return t


def check_same_rows(a: torch.Tensor, b: torch.Tensor, name_a: str = "X", name_b: str = "y") -> None:
    """Check that two tensors hold one row per example each, and the same number of rows."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"{name_a} and {name_b} must hold one row per example; got a 0-d tensor (a single number). "
                         f"Pass tensors shaped (n, ...), e.g. {name_b}.reshape(-1, 1).")
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"{name_a} has {a.shape[0]} rows but {name_b} has {b.shape[0]}; they must match one to one "
            "(one label per example)."
        )


def check_one_per_row(t: object, name: str, what: str = "score", hint: str = "") -> torch.Tensor:
    """Check a tensor of one value per example, shaped ``(n,)`` or ``(n, 1)``; return it flat, shaped ``(n,)``."""
    t = check_tensor(t, name)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(f"{name} must hold one {what} per example, shaped (n,) or (n, 1); got shape "
                         f"{tuple(t.shape)}.{' ' + hint if hint else ''}")
    return t


def check_probabilities(p: torch.Tensor, name: str = "y_prob") -> torch.Tensor:
    """Check that every entry of a (finite) tensor is a probability in ``[0, 1]``: logits are refused."""
    if p.numel() and (bool((p < 0).any()) or bool((p > 1).any())):
        low, high = float(p.min()), float(p.max())
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], but its values run from {low:.4g} to {high:.4g}: these look "
            "like logits. Pass torch.sigmoid(logits) (or model.predict_proba(X)), not the logits."
        )
    return p


def check_float_features(X: object, n_features: int | None = None, name: str = "X",
                         finite: bool = False, non_empty: bool = False) -> torch.Tensor:
    """Check that ``X`` is a floating-point tensor shaped ``(batch, n_features)``.

    Parameters
    ----------
    X:
        The input batch.
    n_features:
        The number of features the model expects, or ``None`` to accept any.
    name:
        The variable name used in error messages.
    finite:
        Also refuse NaN and +-inf values (:func:`check_finite`).
    non_empty:
        Also refuse a batch with no rows.
    """
    X = check_tensor(X, name)
    if not torch.is_floating_point(X):
        raise TypeError(
            f"{name} has dtype {X.dtype}, but the model needs floating-point inputs. "
            f"Convert it with {name} = {name}.float() (or create it with dtype=torch.float32)."
        )
    if X.ndim != 2:
        hint = (
            f"For a single feature use {name}.reshape(-1, 1); for one example use {name}.reshape(1, -1)."
            if X.ndim == 1
            else f"Flatten the extra dimensions with {name}.reshape(len({name}), -1)."
        )
        raise ValueError(
            f"{name} must be 2-D, shaped (batch, features), but it has shape {tuple(X.shape)}. {hint}"
        )
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} feature(s) per row (shape {tuple(X.shape)}), "
            f"but the model expects {n_features}. Pass a tensor shaped (batch, {n_features}), "
            f"or build the model with n_inputs={X.shape[1]}."
        )
    if non_empty:
        check_not_empty(X, name)
    if finite:
        check_finite(X, name)
    return X


def check_binary_targets(y: object, n_rows: int | None = None, name: str = "y") -> torch.Tensor:
    """Check that ``y`` holds 0/1 labels; return them as a float column ``(n, 1)``."""
    y = check_tensor(y, name)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != 1:
        raise ValueError(
            f"{name} must hold one label per row, shaped (n,) or (n, 1); got shape {tuple(y.shape)}."
        )
    if n_rows is not None and y.shape[0] != n_rows:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but X has {n_rows} rows; they must match one to one."
        )
    values = torch.unique(y)
    if not bool(torch.isin(values, torch.tensor([0.0, 1.0], dtype=values.dtype, device=values.device)).all()):
        raise ValueError(
            f"{name} must contain only the labels 0 and 1; found {values[:5].tolist()}. "
            "Map your classes to 0 and 1 first."
        )
    return y.float()


def check_class_labels(y: object, n_classes: int | None = None, n_rows: int | None = None,
                       name: str = "y") -> torch.Tensor:
    """Check class indices for ``CrossEntropyLoss``: a 1-D ``torch.long`` tensor with values in ``0..n_classes-1``."""
    y = check_tensor(y, name)
    if y.dtype != torch.long or y.ndim != 1:
        raise ValueError(
            f"{name} must hold class indices as a 1-D torch.long tensor (what CrossEntropyLoss expects); "
            f"got dtype {y.dtype} and shape {tuple(y.shape)}. Use {name}.long().reshape(-1)."
        )
    if n_rows is not None and len(y) != n_rows:
        raise ValueError(f"{name} has {len(y)} labels but X has {n_rows} rows; they must match one to one.")
    if n_classes is not None and len(y):
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= n_classes:
            bad = low if low < 0 else high
            raise ValueError(
                f"{name} holds the label {bad}, but the model has {n_classes} outputs, so labels must lie in "
                f"0..{n_classes - 1}. Check the labels (MNIST's are 0-9), or build the model with "
                f"n_classes={high + 1}."
            )
    return y


# --------------------------------------------------------------------------- models


def check_model(model: object, name: str = "model", example: str = "LogisticRegression(2)") -> nn.Module:
    """Check that ``model`` is a ``torch.nn.Module`` with at least one trainable parameter."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module (e.g. {example}), got {type(model).__name__}.")
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(f"{name} has no trainable parameters; nothing to train. Pass a model such as {example}.")
    return model


def check_matching_dtype(X: torch.Tensor, model: nn.Module, name: str = "X") -> torch.Tensor:
    """Check that ``X`` has the dtype of the model's weights (float32 vs float64 is a common mix-up)."""
    param = next(iter(model.parameters()), None)
    if param is not None and torch.is_floating_point(X) and X.dtype != param.dtype:
        fix = f"{name} = {name}.float()" if param.dtype == torch.float32 else f"{name} = {name}.to({param.dtype})"
        raise TypeError(
            f"{name} has dtype {X.dtype}, but the model's weights are {param.dtype}; they must match. "
            f"Convert the data with {fix} (or the model with model.to({X.dtype}))."
        )
    return X


# nn.LogSoftmax is not here: log-probabilities are valid logits (log_softmax of them changes nothing).
_SQUASHERS = (nn.Sigmoid, nn.Softmax, nn.Softmin)


def _last_layer(model: nn.Module) -> nn.Module:
    while isinstance(model, nn.Sequential) and len(model):
        model = model[-1]
    return model


def check_returns_logits(model: nn.Module, loss_name: str, name: str = "model") -> nn.Module:
    """Refuse a model whose last layer is a sigmoid or softmax where a loss on logits is used.

    ``BCEWithLogitsLoss`` and ``CrossEntropyLoss`` apply the sigmoid/softmax
    themselves; a model that already ends in one trains on squashed scores
    (slowly, and to the wrong optimum) without any error.
    """
    last = _last_layer(model)
    if isinstance(last, _SQUASHERS):
        layer = type(last).__name__
        raise ValueError(
            f"{name} ends in nn.{layer}, but this trainer uses {loss_name}, which applies the "
            f"{'sigmoid' if isinstance(last, nn.Sigmoid) else 'softmax'} itself: the model must return logits. "
            f"Drop the last layer (e.g. {name}[:-1], or build nn.Sequential without nn.{layer}) and "
            f"apply torch.{'sigmoid' if isinstance(last, nn.Sigmoid) else 'softmax'} only to read probabilities."
        )
    return model


# --------------------------------------------------------------------------- training


def check_finite_training(loss: float, epoch: int, lr: float | None = None,
                          parameters: Sequence[torch.Tensor] | None = None, weights_finite: bool = True,
                          fix: str | None = None) -> None:
    """Stop training with :class:`TrainingDivergedError` when the loss or a weight is NaN or infinite.

    ``epoch`` is the number of epochs completed when the value was measured
    (0: the starting point). Inputs are checked before training, so a
    non-finite value after epoch 0 means the steps diverged: the learning
    rate is too large. ``parameters`` (optional) are checked too, and
    ``weights_finite=False`` reports weights already found non-finite.
    ``fix`` replaces the advice about the learning rate (e.g. for LBFGS, which has none to tune).
    """
    bad = None
    if not math.isfinite(loss):
        bad = f"the loss is {loss}"
    elif not weights_finite or (parameters is not None and not all(_all_finite(p.detach()) for p in parameters)):
        bad = "a weight is NaN or infinite"
    if bad is None:
        return
    if epoch == 0:
        raise TrainingDivergedError(
            f"Training cannot start: {bad} before the first step, so the model's starting weights are not finite. "
            "Build a fresh model (e.g. LogisticRegression(2)) and train that."
        )
    fix = fix or (f"The learning rate lr={lr:g} is too large: the steps overshoot and the weights blow up. "
           f"Try a smaller one, e.g. lr={lr / 10:g}." if lr is not None else
           "The steps diverged; try a smaller learning rate.")
    raise TrainingDivergedError(f"Training stopped after {epoch} epoch(s): {bad}. {fix}")
