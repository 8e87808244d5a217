"""Training binary logistic regression: the BCE gradient by hand, a gradient-descent loop, LBFGS.

The objective throughout is the mean binary cross-entropy on logits
(``nn.BCEWithLogitsLoss``) plus, optionally, an L2 penalty
``weight_decay / 2 * ||w||^2`` on the weights (never on the biases).

- :func:`bce_gradients_by_hand` -- ``dL/dw = mean((p - y) x)``, ``dL/db = mean(p - y)``
- :func:`train_logistic_regression` -- full-batch (or mini-batch) gradient descent, with a history
- :func:`fit_lbfgs` -- the same objective minimized by LBFGS, full batch
- :func:`gradient_norm`, :func:`objective` -- where a model stands on that objective
- :func:`bce_for_parameters` -- the loss of a line chosen by hand
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from course_utils.devices import torch_threads
from course_utils.validation import (
    TrainingDivergedError, check_binary_targets, check_finite, check_finite_training, check_float_features,
    check_matching_dtype, check_model, check_nonnegative, check_number, check_positive, check_positive_int,
    check_returns_logits, check_seed, check_tensor,
)

__all__ = [
    "ObjectiveHistory",
    "TrainingDivergedError",
    "bce_for_parameters",
    "bce_gradients_by_hand",
    "fit_lbfgs",
    "gradient_norm",
    "objective",
    "train_logistic_regression",
]


@dataclass
class ObjectiveHistory:
    """Where a binary training run stood on its objective, epoch by epoch, on the whole training set.

    Entry ``k`` describes the model after ``k`` epochs: entry 0 is the
    starting point and the last entry the trained model, so every list has
    ``num_epochs + 1`` entries (``epochs`` is ``[0, 1, ..., num_epochs]``).

    - ``loss``: the mean BCE on the whole training set (without the penalty);
    - ``objective``: ``loss + weight_decay / 2 * ||w||^2``, what the optimizer minimizes;
    - ``grad_norm``: the norm of the objective's gradient over all parameters, 0
      exactly at the optimum, so it says how far from converged a run is;
    - ``weight_norm``: ``||w||`` over the weights (the biases left out);
    - ``params``: all parameters flattened into one list, e.g. ``[w1, w2, b]``.
    """

    loss: list[float] = field(default_factory=list)
    objective: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    weight_norm: list[float] = field(default_factory=list)
    params: list[list[float]] = field(default_factory=list)

    def append(self, loss: float, objective: float, grad_norm: float, weight_norm: float,
               params: list[float]) -> None:
        """Record the next entry (the state after one more epoch)."""
        self.loss.append(loss)
        self.objective.append(objective)
        self.grad_norm.append(grad_norm)
        self.weight_norm.append(weight_norm)
        self.params.append(params)

    @property
    def epochs(self) -> list[int]:
        """The epoch of each entry: ``0`` (the start), ``1``, ..., ``num_epochs``."""
        return list(range(len(self.loss)))

    @property
    def num_epochs(self) -> int:
        """The number of epochs run (one less than the number of entries)."""
        return len(self.loss) - 1

    def epochs_to_converge(self, tol: float = 1e-3) -> int | None:
        """The first epoch from which the gradient norm stays below ``tol``; ``None`` if it ends above.

        "Stays" matters with a too-large learning rate, whose gradient norm can
        dip below ``tol`` and bounce back up.
        """
        check_positive(tol, "tol", hint="Use e.g. tol=1e-3.")
        above = [epoch for epoch, g in enumerate(self.grad_norm) if not g < tol]  # NaN counts as above
        first = above[-1] + 1 if above else 0
        return first if first < len(self.grad_norm) else None


def _check_data(model: nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The checks every function here makes first: a logit model, finite 2-D float X, 0/1 labels."""
    check_model(model)
    check_returns_logits(model, "BCEWithLogitsLoss")
    X = check_float_features(X, non_empty=True)
    check_matching_dtype(X, model)
    y = check_binary_targets(y, n_rows=X.shape[0])
    check_finite(X, "X")
    return X, y.to(X.dtype)


def _check_weight_decay(weight_decay: float) -> float:
    return check_nonnegative(weight_decay, "weight_decay", hint="0 means no penalty; try e.g. 0.01.")


def _split_parameters(model: nn.Module) -> tuple[list[nn.Parameter], list[nn.Parameter]]:
    """The trainable parameters split into weights (penalized) and biases (not penalized)."""
    weights, biases = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (biases if name.split(".")[-1] == "bias" else weights).append(p)
    if not weights and not biases:
        raise ValueError("model has no trainable parameters; nothing to train.")
    return weights, biases


def _logits(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    logits = model(X)
    if logits.shape not in ((X.shape[0], 1), (X.shape[0],)):
        raise ValueError(
            f"model must return one logit per row, shaped ({X.shape[0]}, 1); got shape {tuple(logits.shape)}. "
            "Binary logistic regression has a single output, e.g. nn.Linear(n_inputs, 1)."
        )
    return logits.reshape(-1, 1)


def _measure(model: nn.Module, X: torch.Tensor, y: torch.Tensor, weight_decay: float,
             for_step: bool = False) -> dict[str, float | list[float]]:
    """Loss, objective, gradient norm, weight norm and parameters at the model's current parameters.

    With ``for_step`` the BCE gradient is also left in each parameter's
    ``.grad``, so that the same backward pass serves the optimizer's next step
    (SGD adds ``weight_decay * w`` itself). Without it no ``.grad`` changes.
    """
    weights, biases = _split_parameters(model)
    with torch.enable_grad():  # also inside a caller's torch.no_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(_logits(model, X), y)
        if for_step:
            loss.backward()
            grads = [p.grad for p in weights + biases]
        else:
            grads = torch.autograd.grad(loss, weights + biases)
    with torch.no_grad():
        # the objective's gradient: the BCE gradient plus weight_decay * w on the weights
        grads = [g + weight_decay * w for g, w in zip(grads, weights, strict=False)] + list(grads[len(weights):])
        weight_sq = sum((w**2).sum() for w in weights) if weights else torch.zeros(())
        return {
            "loss": loss.item(),
            "objective": loss.item() + 0.5 * weight_decay * weight_sq.item(),
            "grad_norm": torch.sqrt(sum((g**2).sum() for g in grads)).item(),
            "weight_norm": torch.sqrt(weight_sq).item(),
            "params": torch.cat([p.detach().flatten() for _, p in model.named_parameters()]).tolist(),
        }


def _check_progress(history: ObjectiveHistory, lr: float | None, fix: str | None = None) -> None:
    """Stop with :class:`TrainingDivergedError` when the last entry is not finite (free: values are floats)."""
    weights_finite = math.isfinite(history.weight_norm[-1]) and math.isfinite(history.grad_norm[-1])
    check_finite_training(history.loss[-1], epoch=history.num_epochs, lr=lr, weights_finite=weights_finite,
                          fix=fix)


def objective(model: nn.Module, X: torch.Tensor, y: torch.Tensor, weight_decay: float = 0.0) -> float:
    """The mean BCE of ``model`` on ``(X, y)`` plus ``weight_decay / 2 * ||w||^2``."""
    X, y = _check_data(model, X, y)
    return float(_measure(model, X, y, _check_weight_decay(weight_decay))["objective"])


def gradient_norm(model: nn.Module, X: torch.Tensor, y: torch.Tensor, weight_decay: float = 0.0) -> float:
    """The norm of the objective's gradient at the model's parameters (0 at the optimum)."""
    X, y = _check_data(model, X, y)
    return float(_measure(model, X, y, _check_weight_decay(weight_decay))["grad_norm"])


def bce_gradients_by_hand(
    X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient of the mean BCE with respect to ``weight`` and ``bias``, from the formula.

    With ``p = sigmoid(X @ weight.T + bias)``::

        dL/dw = mean over rows of (p - y) * x
        dL/db = mean over rows of (p - y)

    ``X`` is ``(n, d)`` floats and ``y`` 0/1 labels shaped ``(n,)`` or ``(n, 1)``;
    ``weight`` and ``bias`` are shaped like ``nn.Linear(d, 1)``'s, ``(1, d)`` and
    ``(1,)`` (``(d,)`` and a 0-d bias work too). The gradients come back shaped
    like ``weight`` and ``bias``, so they compare directly with
    ``model.linear.weight.grad`` and ``model.linear.bias.grad``.
    """
    X = check_float_features(X, non_empty=True, finite=True)
    y = check_binary_targets(y, n_rows=X.shape[0]).to(X.dtype)
    weight = check_finite(check_tensor(weight, "weight").detach(), "weight", hint="Pass the weights of a model.")
    bias = check_finite(check_tensor(bias, "bias").detach(), "bias", hint="Pass the bias of a model.")
    if weight.numel() != X.shape[1]:
        raise ValueError(
            f"weight has {weight.numel()} entries but X has {X.shape[1]} features; pass the weight of "
            f"nn.Linear({X.shape[1]}, 1), shaped (1, {X.shape[1]})."
        )
    if bias.numel() != 1:
        raise ValueError(f"bias must hold a single number (shape (1,)), got shape {tuple(bias.shape)}.")
    logits = X @ weight.reshape(-1, 1) + bias.reshape(1, 1)
    error = torch.sigmoid(logits) - y  # (n, 1): p - y
    grad_weight = (error * X).mean(dim=0)
    grad_bias = error.mean()
    return grad_weight.reshape(weight.shape), grad_bias.reshape(bias.shape)


def bce_for_parameters(
    X: torch.Tensor, y: torch.Tensor, weight: torch.Tensor | list[float] | tuple[float, ...], bias: float
) -> float:
    """The mean BCE of the linear model ``p = sigmoid(X @ weight + bias)`` on ``(X, y)``.

    Handy to score a line chosen by hand, e.g. ``bce_for_parameters(X, y, (1.0, 2.0), -0.5)``.
    """
    X = check_float_features(X, non_empty=True, finite=True)
    y = check_binary_targets(y, n_rows=X.shape[0]).to(X.dtype)
    if not isinstance(weight, torch.Tensor):
        try:
            weight = torch.as_tensor(weight, dtype=X.dtype)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(
                f"weight must be a tensor or a list of numbers, one per feature (e.g. (1.0, 2.0)); got {weight!r}."
            ) from None
    weight = check_finite(weight.to(X.dtype).reshape(-1), "weight", hint="Give finite numbers.")
    if weight.numel() != X.shape[1]:
        raise ValueError(f"weight has {weight.numel()} entries but X has {X.shape[1]} features; give one per feature.")
    bias = check_number(bias, "bias", hint="Give one finite number, e.g. bias=-0.5.")
    logits = X @ weight.reshape(-1, 1) + bias
    return nn.functional.binary_cross_entropy_with_logits(logits, y).item()


def train_logistic_regression(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float = 1.0,
    num_epochs: int = 300,
    weight_decay: float = 0.0,
    batch_size: int | None = None,
    seed: int = 0,
) -> ObjectiveHistory:
    """Train a binary model with SGD on ``BCEWithLogitsLoss``.

    Parameters
    ----------
    model:
        Any module mapping ``(n, d)`` features to ``(n, 1)`` logits, e.g.
        ``LogisticRegression(2)``. It is trained in place.
    X, y:
        Features ``(n, d)`` and 0/1 labels ``(n,)`` or ``(n, 1)``.
    lr:
        The learning rate (step size). On features of order 1, values from
        0.5 to 2 converge in a few hundred full-batch epochs.
    num_epochs:
        Passes over the data.
    weight_decay:
        The L2 penalty ``weight_decay / 2 * ||w||^2`` on the weights (not the
        biases). Needed when the classes are perfectly separable.
    batch_size:
        ``None`` (the default) for full-batch gradient descent: one step per
        epoch on the exact gradient. An integer for mini-batch SGD through a
        shuffled ``DataLoader``: ``ceil(n / batch_size)`` steps per epoch.
    seed:
        Seeds the mini-batch shuffling (unused for full batch).

    Returns the run's :class:`ObjectiveHistory`: loss, objective, gradient norm,
    weight norm and parameters after each epoch, measured on the whole training set.
    """
    X, y = _check_data(model, X, y)
    lr = check_positive(lr, "lr", hint="Values from 0.1 to 2 suit features of order 1.")
    num_epochs = check_positive_int(num_epochs, "num_epochs")
    weight_decay = _check_weight_decay(weight_decay)
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size", hint="Use None for full batch.")
    seed = check_seed(seed)
    weights, biases = _split_parameters(model)
    optimizer = torch.optim.SGD(
        [{"params": weights, "weight_decay": weight_decay}, {"params": biases, "weight_decay": 0.0}], lr=lr
    )
    loss_fn = nn.BCEWithLogitsLoss()
    loader = None if batch_size is None else DataLoader(
        TensorDataset(X, y), batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))
    history = ObjectiveHistory()
    model.train()
    with torch_threads(1):
        for _ in range(num_epochs):
            optimizer.zero_grad()
            # full batch: one backward pass records the state the step starts from and leaves the step's gradient
            history.append(**_measure(model, X, y, weight_decay, for_step=loader is None))
            _check_progress(history, lr)
            if loader is None:
                optimizer.step()
                continue
            for X_batch, y_batch in loader:
                optimizer.zero_grad()
                loss_fn(_logits(model, X_batch), y_batch).backward()
                optimizer.step()
        history.append(**_measure(model, X, y, weight_decay))
        _check_progress(history, lr)
    return history


def fit_lbfgs(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    weight_decay: float = 0.0,
    max_iter: int = 200,
    tolerance_grad: float = 1e-7,
) -> ObjectiveHistory:
    """Minimize the same objective with full-batch LBFGS (strong Wolfe line search).

    Logistic regression's objective is convex, so LBFGS and gradient descent
    reach the same optimum when both converge. The optimum exists when no line
    (hyperplane) separates the classes, and is unique when the points do not
    all lie on one line; on separable classes use ``weight_decay`` > 0.
    Returns a history with two entries: the start and the end.
    """
    X, y = _check_data(model, X, y)
    weight_decay = _check_weight_decay(weight_decay)
    max_iter = check_positive_int(max_iter, "max_iter")
    tolerance_grad = float(check_positive(tolerance_grad, "tolerance_grad"))
    weights, biases = _split_parameters(model)
    optimizer = torch.optim.LBFGS(
        weights + biases,
        lr=1.0,
        max_iter=max_iter,
        tolerance_grad=tolerance_grad,
        tolerance_change=1e-12,
        history_size=20,
        line_search_fn="strong_wolfe",
    )
    history = ObjectiveHistory()
    history.append(**_measure(model, X, y, weight_decay))

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        penalty = 0.5 * weight_decay * sum((w**2).sum() for w in weights)
        value = nn.functional.binary_cross_entropy_with_logits(_logits(model, X), y) + penalty
        value.backward()
        return value

    model.train()
    with torch_threads(1):
        optimizer.step(closure)
        history.append(**_measure(model, X, y, weight_decay))
    _check_progress(history, None, fix="LBFGS diverged: standardize the features, or add weight decay "
                                       "(e.g. weight_decay=1e-3) so that the optimum is finite.")
    return history
