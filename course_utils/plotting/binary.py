"""Figures of lessons 04 and 05: 2-D points, decision boundaries, probability surfaces, BCE, training curves.

The model-based plots take the course's ``LogisticRegression`` (or any model whose ``predict_proba``
gives ``p(class 1 | x)``, one per row). A ``LogisticRegression(2)`` on the points ``(x1, x2)`` gets
its exact line ``w . x + b = 0``, read from ``model.linear``. A model trained on features ``phi(x)``
(lesson 05) is drawn in the plane of ``x`` by passing ``feature_map=phi``: the plots contour
``model.predict_proba(phi(x))`` on a grid, so curved boundaries come out right.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.lines import Line2D

from course_utils.models import LogisticRegression
from course_utils.plotting.style import CLASS_COLORS, COLORS, PALETTE, new_axes
from course_utils.validation import check_binary_targets, check_float_features

#: Class 0 blue, through white at p = 0.5, to class 1 vermillion (color-blind safe).
PROBABILITY_CMAP = LinearSegmentedColormap.from_list("course_probability",
                                                     [CLASS_COLORS[0], "#FFFFFF", CLASS_COLORS[1]])

FeatureMap = Callable[[torch.Tensor], torch.Tensor]
_LINE_STYLES = ("-", "--", "-.", ":")


# --------------------------------------------------------------------------- data


def _check_points(X: object, y: object) -> tuple[np.ndarray, np.ndarray]:
    X = check_float_features(X, name="X", finite=True, non_empty=True)
    if X.shape[1] != 2:
        raise ValueError(
            f"X has {X.shape[1]} feature(s) per row, but these plots draw points in the plane and need exactly 2 "
            f"(x1, x2). Pick two columns, e.g. X[:, :2], or plot a model with 2 inputs."
        )
    y = check_binary_targets(y, n_rows=X.shape[0], name="y")
    return X.detach().cpu().numpy(), y.detach().cpu().numpy().ravel()


def plot_points_2d(
    X: torch.Tensor,
    y: torch.Tensor,
    ax: Axes | None = None,
    title: str | None = "Two classes in the plane",
    marker: str = "o",
    label_suffix: str = "",
    size: float = 28.0,
    edgecolor: str = "white",
) -> Axes:
    """Scatter 2-D points, class 0 in blue and class 1 in vermillion, with a legend.

    Each class is one ``PathCollection`` labeled ``"class 0"`` / ``"class 1"``
    (plus ``label_suffix``, e.g. ``" (test)"``). Use ``edgecolor="black"`` on a
    colored background.
    """
    X_np, y_np = _check_points(X, y)
    ax = new_axes(ax)
    for cls in (0, 1):
        rows = y_np == cls
        ax.scatter(X_np[rows, 0], X_np[rows, 1], s=size, marker=marker, color=CLASS_COLORS[cls],
                   edgecolors=edgecolor, linewidths=0.6, alpha=0.9, label=f"class {cls}{label_suffix}", zorder=3)
    ax.set(xlabel="$x_1$", ylabel="$x_2$")
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax


def _limits(X_np: np.ndarray | None, xlim, ylim) -> tuple[tuple[float, float], tuple[float, float]]:
    if X_np is None:
        return tuple(xlim or (-4.0, 4.0)), tuple(ylim or (-4.0, 4.0))
    lo, hi = X_np.min(axis=0), X_np.max(axis=0)
    pad = 0.08 * (hi - lo) + 0.3
    return tuple(xlim or (lo[0] - pad[0], hi[0] + pad[0])), tuple(ylim or (lo[1] - pad[1], hi[1] + pad[1]))


# --------------------------------------------------------------------------- models


def _model_probability(model: object, feature_map: FeatureMap | None) -> Callable[[torch.Tensor], torch.Tensor]:
    """Check that ``model`` gives one probability per point ``(x1, x2)``; return ``X -> p(class 1 | x)``.

    The returned function gives ``model.predict_proba(X)`` (or ``model.predict_proba(feature_map(X))``)
    shaped ``(n,)``. It is tried on 3 points first, so that a wrong model fails
    here, with a message that says what to pass.
    """
    predict_proba = getattr(model, "predict_proba", None)
    if not callable(predict_proba):
        raise TypeError(
            f"model must have a predict_proba method giving p(class 1 | x), as the course's LogisticRegression has; "
            f"got {type(model).__name__}. Pass a LogisticRegression(2) trained on (x1, x2), or a LogisticRegression "
            "trained on mapped features together with feature_map=."
        )
    if feature_map is not None and not callable(feature_map):
        raise TypeError(
            f"feature_map must be a function from (n, 2) points to the model's (n, k) features, e.g. a fitted "
            f"course_utils.features.PolynomialFeatureMap; got {type(feature_map).__name__}."
        )

    def probability(X: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return predict_proba(X if feature_map is None else feature_map(X))

    try:
        out = probability(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    except Exception as err:  # the model's own error says what it expected
        if feature_map is None:
            raise ValueError(
                "This plot needs a binary model with 2 inputs (x1, x2), but the model failed on a batch of shape "
                f"(3, 2): {type(err).__name__}: {err}. Plot a model built for 2 features, e.g. LogisticRegression(2), "
                "or pass feature_map= for a model trained on mapped features."
            ) from err
        raise ValueError(
            "This plot feeds points (x1, x2) through feature_map and then the model, but that failed on a batch "
            f"of shape (3, 2): {type(err).__name__}: {err}. Pass the feature map the model was trained with "
            "(fitted on the training split), and a model whose n_inputs is its number of features."
        ) from err
    if not isinstance(out, torch.Tensor) or out.shape not in ((3, 1), (3,)):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            "This plot needs a binary model with a single output per row (the probability of class 1), "
            f"but predict_proba returned shape {shape} for 3 rows. A model with several outputs is a multi-class "
            "model: its decision regions are not one line."
        )
    return lambda X: probability(X).reshape(-1).float()


def _probability_grid(
    probability: Callable[[torch.Tensor], torch.Tensor], xlim: tuple[float, float], ylim: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xx, yy, p)``: ``p = probability(x)`` on a 200 x 200 grid over the box, for ``contour(xx, yy, p)``."""
    xs = torch.linspace(float(xlim[0]), float(xlim[1]), 200)
    ys = torch.linspace(float(ylim[0]), float(ylim[1]), 200)
    xx, yy = torch.meshgrid(xs, ys, indexing="xy")
    p = probability(torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)).reshape(xx.shape)
    return xx.numpy(), yy.numpy(), p.numpy()


def draw_line(ax: Axes, w1: float, w2: float, b: float, label: str | None = None, **kwargs) -> Line2D | None:
    """Draw the line ``w1 x1 + w2 x2 + b = 0`` across the current axes limits (nothing when ``w = 0``)."""
    if w1 == 0 and w2 == 0:
        return None
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    if abs(w2) >= abs(w1):
        x1 = np.linspace(xlim[0], xlim[1], 200)
        x2 = -(w1 * x1 + b) / w2
    else:
        x2 = np.linspace(ylim[0], ylim[1], 200)
        x1 = -(w2 * x2 + b) / w1
    kwargs.setdefault("color", COLORS["black"])
    kwargs.setdefault("lw", 2)
    (line,) = ax.plot(x1, x2, label=label, zorder=4, **kwargs)
    ax.set(xlim=xlim, ylim=ylim)
    return line


def plot_decision_boundary(
    model: object,
    X: torch.Tensor,
    y: torch.Tensor,
    ax: Axes | None = None,
    title: str | None = "Decision boundary",
    shade: bool = True,
    mark_errors: bool = True,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    feature_map: FeatureMap | None = None,
) -> Axes:
    """The points, the two decision regions and the boundary ``p = 0.5`` of a binary model of 2 inputs.

    A ``LogisticRegression(2)`` without ``feature_map`` gets its exact line ``w . x + b = 0``, read from
    ``model.linear`` (a ``Line2D`` labeled "decision line ..."). With ``feature_map``, or for another model
    with ``predict_proba``, the boundary is the 0.5 contour of ``p(class 1 | x)`` on a grid, curved or not.
    Misclassified points are ringed in black when ``mark_errors`` is true.

    Raises ``TypeError`` for a model without ``predict_proba``, and ``ValueError`` with an explanation for
    a model that does not take 2 inputs (or the feature map's outputs) or does not return one output per row.
    """
    probability = _model_probability(model, feature_map)
    X_np, y_np = _check_points(X, y)
    ax = new_axes(ax)
    xlim, ylim = _limits(X_np, xlim, ylim)
    xx, yy, p = _probability_grid(probability, xlim, ylim)
    if shade:
        ax.contourf(xx, yy, (p >= 0.5).astype(float), levels=[-0.5, 0.5, 1.5], colors=CLASS_COLORS, alpha=0.12)
    plot_points_2d(X, y, ax=ax, title=None)
    ax.set(xlim=xlim, ylim=ylim)
    if isinstance(model, LogisticRegression) and feature_map is None:
        (w1, w2), b = model.linear.weight.detach().ravel().tolist(), model.linear.bias.item()
        draw_line(ax, w1, w2, b, label=r"decision line $w \cdot x + b = 0$")
    else:
        ax.contour(xx, yy, p, levels=[0.5], colors=COLORS["black"], linewidths=2)
        ax.plot([], [], color=COLORS["black"], lw=2, label="decision boundary (p = 0.5)")
    if mark_errors:
        predicted = (probability(torch.as_tensor(X_np, dtype=torch.float32)) >= 0.5).numpy()
        wrong = predicted != (y_np == 1)
        ax.scatter(X_np[wrong, 0], X_np[wrong, 1], s=90, facecolors="none", edgecolors=COLORS["black"],
                   linewidths=1.2, label=f"misclassified ({int(wrong.sum())})", zorder=5)
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small", frameon=True, framealpha=0.85)
    return ax


def plot_probability_surface(
    model: object,
    X: torch.Tensor | None = None,
    y: torch.Tensor | None = None,
    ax: Axes | None = None,
    title: str | None = "Probability of class 1",
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    colorbar: bool = True,
    feature_map: FeatureMap | None = None,
) -> Axes:
    """``p(class 1 | x)`` as a colored surface with its 0.5 contour (solid) and 0.1 / 0.9 contours (dashed).

    Points ``(X, y)`` are drawn on top when given. The 0.5 contour is a
    ``ContourSet`` with ``levels == [0.5]`` in ``ax.collections``. The model
    and ``feature_map`` are as in :func:`plot_decision_boundary`, and so are the errors.
    """
    probability = _model_probability(model, feature_map)  # clear errors before drawing anything
    if (X is None) != (y is None):
        raise ValueError("Pass both X and y to draw the points, or neither.")
    X_np = _check_points(X, y)[0] if X is not None else None
    ax = new_axes(ax)
    xlim, ylim = _limits(X_np, xlim, ylim)
    xx, yy, p = _probability_grid(probability, xlim, ylim)
    filled = ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 41), cmap=PROBABILITY_CMAP, vmin=0, vmax=1, alpha=0.8)
    if colorbar:
        bar = ax.figure.colorbar(filled, ax=ax, ticks=[0, 0.1, 0.5, 0.9, 1])
        bar.set_label("p(class 1 | x)")
    # The dashed 0.1 / 0.9 contours are named in the legend and on the color bar, not by labels on the
    # contours, which would sit on the points.
    ax.contour(xx, yy, p, levels=[0.1, 0.9], colors=COLORS["black"], linewidths=1, linestyles="--")
    half = ax.contour(xx, yy, p, levels=[0.5], colors=COLORS["black"], linewidths=2)
    ax.clabel(half, fmt="p = %.1f", fontsize="small")
    ax.plot([], [], color=COLORS["black"], lw=2, label="p = 0.5 (decision boundary)")
    ax.plot([], [], color=COLORS["black"], lw=1, ls="--", label="p = 0.1 and p = 0.9")
    if X is not None:
        plot_points_2d(X, y, ax=ax, title=None, size=18, edgecolor=COLORS["black"])
    ax.set(xlim=xlim, ylim=ylim, xlabel="$x_1$", ylabel="$x_2$")
    ax.grid(False)
    if title is not None:
        ax.set_title(title)
    legend_below(ax)
    return ax


def legend_below(ax: Axes, ncol: int = 2) -> None:
    """Put the legend under the axes, where it hides no data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=ncol, fontsize="small", frameon=False)


def draw_normal(ax: Axes, w1: float, w2: float, b: float, length: float = 1.5, color: str = COLORS["black"]) -> None:
    """An arrow from the line ``w . x + b = 0`` along ``w``: it points to the side predicted class 1."""
    norm_sq = w1 * w1 + w2 * w2
    if norm_sq == 0:
        return
    center = np.array([np.mean(ax.get_xlim()), np.mean(ax.get_ylim())])
    w = np.array([w1, w2])
    foot = center - (w @ center + b) / norm_sq * w
    tip = foot + length * w / np.sqrt(norm_sq)
    ax.annotate("", xy=tuple(tip), xytext=tuple(foot), arrowprops={"arrowstyle": "-|>", "lw": 1.8, "color": color},
                zorder=6)


def plot_candidate_lines(
    X: torch.Tensor,
    y: torch.Tensor,
    candidates: Sequence[tuple[float, float, float]],
    losses: Sequence[float] | None = None,
    ax: Axes | None = None,
    title: str | None = "Candidate lines and their loss",
) -> Axes:
    """The static companion of the decision-line explorer: several lines ``(w1, w2, b)`` over the points.

    Each line's legend entry gives its parameters and, when ``losses`` is
    given, its BCE loss. An arrow along ``w`` marks the side each line calls
    class 1: ``(w, b)`` and ``(-w, -b)`` draw the same line with opposite arrows.
    """
    candidates = [tuple(map(float, c)) for c in candidates]
    if not candidates or any(len(c) != 3 for c in candidates):
        raise ValueError("candidates must be a non-empty list of (w1, w2, b) triples.")
    if losses is not None and len(losses) != len(candidates):
        raise ValueError(f"Got {len(losses)} losses for {len(candidates)} candidates; give one per line.")
    ax = plot_points_2d(X, y, ax=ax, title=title, size=18)
    xlim, ylim = _limits(_check_points(X, y)[0], None, None)
    ax.set(xlim=xlim, ylim=ylim)
    for i, (w1, w2, b) in enumerate(candidates):
        label = f"w = ({w1:g}, {w2:g}), b = {b:g}"
        if losses is not None:
            label += f": loss {losses[i]:.3f}"
        color = PALETTE[(i + 2) % len(PALETTE)]
        draw_line(ax, w1, w2, b, label=label, color=color, ls=_LINE_STYLES[i % len(_LINE_STYLES)])
        draw_normal(ax, w1, w2, b, color=color)
    legend_below(ax)
    return ax


# --------------------------------------------------------------------------- loss and training


def plot_bce_branches(ax: Axes | None = None, p_min: float = 1e-3) -> Axes:
    """The two branches of binary cross-entropy: ``-log(p)`` when ``y = 1``, ``-log(1 - p)`` when ``y = 0``."""
    if not 0 < p_min < 0.5:
        raise ValueError(f"p_min must lie strictly between 0 and 0.5, got {p_min!r}.")
    ax = new_axes(ax)
    p = torch.linspace(p_min, 1 - p_min, 500)
    ax.plot(p, -torch.log(p), color=CLASS_COLORS[1], lw=2.5, label=r"$y = 1$: $-\log(p)$")
    ax.plot(p, -torch.log(1 - p), color=CLASS_COLORS[0], lw=2.5, ls="--", label=r"$y = 0$: $-\log(1 - p)$")
    ax.axvline(0.5, color=COLORS["black"], ls=":", lw=1, label="p = 0.5")
    ax.set(xlim=(0, 1), ylim=(0, 5), xlabel="p, the predicted probability of class 1", ylabel="loss for one example",
           title="Binary cross-entropy: confident and wrong costs most")
    ax.legend(loc="upper center", fontsize="small")
    return ax


def plot_loss_curve(
    history,
    ax: Axes | None = None,
    log_scale: bool = False,
    label: str | None = "training loss (BCE)",
    title: str | None = "Loss during training",
) -> Axes:
    """The training loss of a :class:`~course_utils.training.ObjectiveHistory`, epoch by epoch."""
    loss = getattr(history, "loss", None)
    if loss is None or len(loss) == 0:
        raise ValueError("history must be an ObjectiveHistory with at least one loss value "
                         "(from train_logistic_regression).")
    ax = new_axes(ax)
    ax.plot(np.arange(len(loss)), loss, lw=2, label=label)
    if log_scale:
        ax.set_yscale("log")
    ax.set(xlabel="epoch", ylabel="mean BCE loss")
    if title is not None:
        ax.set_title(title)
    if label is not None:
        ax.legend(loc="best", fontsize="small")
    return ax


_METRICS = {"loss": "mean BCE loss", "objective": "loss + weight-decay penalty", "grad_norm": "gradient norm",
            "weight_norm": "weight norm ||w||"}


def plot_histories(
    histories: Mapping[str, object],
    metric: str = "grad_norm",
    ax: Axes | None = None,
    log_scale: bool = True,
    log_epochs: bool = False,
    title: str | None = None,
) -> Axes:
    """Compare training runs: one curve of ``metric`` per labeled history.

    ``metric`` is one of ``"loss"``, ``"objective"``, ``"grad_norm"`` and
    ``"weight_norm"``. With ``log_epochs`` the epoch axis is logarithmic
    (epoch 0 is left out).
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}, got {metric!r}.")
    if not histories:
        raise ValueError("histories must map at least one label to an ObjectiveHistory.")
    ax = new_axes(ax)
    for i, (label, history) in enumerate(histories.items()):
        values = np.asarray(getattr(history, metric), dtype=float)
        epochs = np.arange(len(values))
        if log_epochs:
            epochs, values = epochs[1:], values[1:]
        ax.plot(epochs, values, lw=2, color=PALETTE[i % len(PALETTE)], ls=_LINE_STYLES[i % len(_LINE_STYLES)],
                label=str(label))
    if log_scale:
        ax.set_yscale("log")
    if log_epochs:
        ax.set_xscale("log")
    name = _METRICS[metric]
    ax.set(xlabel="epoch", ylabel=name,
           title=title if title is not None else f"{name[0].upper()}{name[1:]} during training")
    ax.legend(loc="best", fontsize="small")
    return ax


# --------------------------------------------------------------------------- lesson 05: choosing by validation


def plot_validation_curve(
    values: Sequence[float],
    train_scores: Sequence[float],
    val_scores: Sequence[float],
    xlabel: str,
    ax: Axes | None = None,
    log_x: bool = False,
    chosen: float | None = None,
    ylabel: str = "accuracy",
    title: str | None = None,
) -> Axes:
    """Training and validation scores against a hyper-parameter (a degree, a weight decay), one curve each.

    ``chosen`` (one of ``values``) is marked with a dotted vertical line
    labeled "chosen on validation". Lines are labeled ``"train"`` and
    ``"validation"``; with ``log_x`` the x axis is logarithmic.
    """
    values = [float(v) for v in values]
    if not values:
        raise ValueError("values must hold at least one hyper-parameter value.")
    if len(train_scores) != len(values) or len(val_scores) != len(values):
        raise ValueError(
            f"Got {len(values)} values, {len(train_scores)} train scores and {len(val_scores)} validation scores; "
            "give one score of each kind per value."
        )
    if log_x and min(values) <= 0:
        raise ValueError("log_x needs positive values (a logarithmic axis cannot show 0 or less).")
    if chosen is not None and float(chosen) not in values:
        raise ValueError(f"chosen = {chosen!r} is not one of the values {values}.")
    ax = new_axes(ax)
    ax.plot(values, [float(s) for s in train_scores], marker="o", lw=2, color=PALETTE[0], label="train")
    ax.plot(values, [float(s) for s in val_scores], marker="s", lw=2, ls="--", color=PALETTE[1], label="validation")
    if chosen is not None:
        ax.axvline(float(chosen), color=COLORS["black"], ls=":", lw=1.5, label="chosen on validation")
    if log_x:
        ax.set_xscale("log")
    ax.set(xlabel=xlabel, ylabel=ylabel,
           title=title if title is not None else f"Train and validation {ylabel} by {xlabel}")
    ax.legend(loc="best", fontsize="small")
    return ax
