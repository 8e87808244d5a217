"""Input checks shared by the models, training loops and plots.

Every check raises an error whose message says what was wrong *and* how to
fix it, because that is the message a learner reads first.
"""

from __future__ import annotations

import torch


def check_tensor(x: object, name: str = "X") -> torch.Tensor:
    """Make sure ``x`` is a :class:`torch.Tensor`, else explain how to get one."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(x).__name__}. "
            f"Convert it with torch.as_tensor({name}, dtype=torch.float32)."
        )
    return x


def check_float_features(X: object, n_features: int | None = None, name: str = "X") -> torch.Tensor:
    """Check that ``X`` is a floating-point tensor shaped ``(batch, n_features)``.

    Parameters
    ----------
    X:
        The input batch.
    n_features:
        The number of features the model expects, or ``None`` to accept any.
    name:
        The variable name used in error messages.
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


def check_positive(value: float, name: str) -> float:
    """Check that a hyper-parameter such as ``lr`` is a positive number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return value


def check_positive_int(value: int, name: str) -> int:
    """Check that a count such as ``num_epochs`` is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return value
