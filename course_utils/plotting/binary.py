"""Figures of lessons 04 and 05: 2-D points, decision boundaries, probability surfaces, BCE, training and validation curves.

The model-based plots work for any binary model of two inputs (a
``LogisticRegression(2)``, an ``nn.Sequential`` ending in ``nn.Sigmoid``, a
small MLP...). They never assume a linear model: they evaluate the model's
probability ``p(class 1 | x)`` on a grid and contour it, so curved boundaries
come out right. When the composed model happens to be linear in ``x`` they
also draw its exact line ``w . x + b = 0`` as a ``Line2D`` that tests can read back.

A model trained on features ``phi(x)`` (lesson 05) is drawn in the original
plane by passing ``feature_map=phi``: the plots then evaluate ``model(phi(x))``.
"""

from __future__ import annotations

from typing import Callable, Literal, Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.lines import Line2D
from torch import nn

from course_utils.plotting.style import CLASS_COLORS, COLORS, PALETTE, new_axes
from course_utils.validation import check_binary_targets, check_float_features, check_int

#: Class 0 blue, through white at p = 0.5, to class 1 vermillion (colour-blind safe).
PROBABILITY_CMAP = LinearSegmentedColormap.from_list(
    "course_probability", [CLASS_COLORS[0], "#FFFFFF", CLASS_COLORS[1]]
)

Outputs = Literal["auto", "logits", "probabilities"]
FeatureMap = Callable[[torch.Tensor], torch.Tensor]


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

    Each class is one ``PathCollection`` labelled ``"class 0"`` / ``"class 1"``
    (plus ``label_suffix``, e.g. ``" (test)"``). Use ``edgecolor="black"`` on a
    coloured background.
    """
    X_np, y_np = _check_points(X, y)
    ax = new_axes(ax)
    for cls in (0, 1):
        rows = y_np == cls
        ax.scatter(X_np[rows, 0], X_np[rows, 1], s=size, marker=marker, color=CLASS_COLORS[cls],
                   edgecolors=edgecolor, linewidths=0.6, alpha=0.9, label=f"class {cls}{label_suffix}", zorder=3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
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


def _detect_outputs(model: Callable, outputs: Outputs) -> str:
    if outputs not in ("auto", "logits", "probabilities"):
        raise ValueError(f"outputs must be 'auto', 'logits' or 'probabilities', got {outputs!r}.")
    if outputs != "auto":
        return outputs
    if isinstance(model, nn.Sequential) and len(model) and isinstance(model[-1], nn.Sigmoid):
        return "probabilities"
    return "logits"


def _compose(model: Callable, feature_map: FeatureMap | None) -> Callable:
    """``x -> model(feature_map(x))``, or ``model`` itself when there is no feature map."""
    if feature_map is None:
        return model
    if not callable(feature_map):
        raise TypeError(
            f"feature_map must be a function from (n, 2) points to the model's (n, k) features, e.g. a fitted "
            f"course_utils.features.PolynomialFeatureMap; got {type(feature_map).__name__}."
        )
    if not callable(model):
        raise TypeError(f"model must be a torch model (an nn.Module), got {type(model).__name__}.")

    def composed(X: torch.Tensor) -> torch.Tensor:
        return model(feature_map(X))

    return composed


def binary_logit_function(
    model: Callable, outputs: Outputs = "auto", feature_map: FeatureMap | None = None
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Check that ``model`` is a binary model of two inputs; return ``X -> logits`` shaped ``(n,)``.

    ``outputs="auto"`` treats an ``nn.Sequential`` that ends in ``nn.Sigmoid``
    as giving probabilities and anything else as giving logits (as the
    course's ``LogisticRegression`` does). With ``feature_map``, the points
    ``X`` (shaped ``(n, 2)``) go through ``feature_map`` before the model.

    Raises
    ------
    TypeError
        If ``model`` cannot be called.
    ValueError
        If it does not take 2 features or does not return one number per row.
    """
    if not callable(model):
        raise TypeError(f"model must be a torch model (an nn.Module), got {type(model).__name__}.")
    kind = _detect_outputs(model, outputs)
    model = _compose(model, feature_map)
    probe = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    try:
        with torch.no_grad():
            out = model(probe)
    except Exception as err:  # the model's own error says what it expected
        if feature_map is not None:
            raise ValueError(
                "This plot feeds points (x1, x2) through feature_map and then the model, but that failed on a batch "
                f"of shape (3, 2): {type(err).__name__}: {err}. Pass the feature map the model was trained with "
                "(fitted on the training split), and a model whose n_inputs is its number of features."
            ) from err
        raise ValueError(
            "This plot needs a binary model with 2 inputs (x1, x2), but the model failed on a batch of "
            f"shape (3, 2): {type(err).__name__}: {err}. Plot a model built for 2 features, "
            "e.g. LogisticRegression(2), or pass feature_map= for a model trained on mapped features."
        ) from err
    if not isinstance(out, torch.Tensor) or out.shape not in ((3, 1), (3,)):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"This plot needs a binary model with a single output per row (a logit or a probability), "
            f"but the model returned shape {shape} for 3 rows. A model with several outputs is a multi-class "
            "model: its decision regions are not one line."
        )

    def logits(X: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            out = model(X).reshape(-1).float()
        return torch.logit(out, eps=1e-7) if kind == "probabilities" else out

    return logits


def linear_boundary(
    model: Callable, outputs: Outputs = "auto", feature_map: FeatureMap | None = None
) -> tuple[float, float, float] | None:
    """``(w1, w2, b)`` when the model's logit is exactly ``w1 x1 + w2 x2 + b``, else ``None``.

    Found by probing the model (through ``feature_map`` when given), so it
    works whatever the model's structure.
    """
    logit = binary_logit_function(model, outputs, feature_map)
    base = logit(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    b, w1, w2 = base[0].item(), (base[1] - base[0]).item(), (base[2] - base[0]).item()
    probe = torch.tensor([[2.0, -3.0], [-1.5, 2.5], [3.0, 3.0], [-2.0, -1.0]])
    expected = probe @ torch.tensor([w1, w2]) + b
    scale = 1.0 + expected.abs().max().item()
    if (logit(probe) - expected).abs().max().item() > 1e-4 * scale:
        return None
    return w1, w2, b


def probability_grid(
    model: Callable,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    resolution: int = 200,
    outputs: Outputs = "auto",
    feature_map: FeatureMap | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate ``p(class 1 | x)`` on a ``resolution x resolution`` grid; return ``(xx, yy, p)``.

    ``p`` is the sigmoid of the model's logit at ``feature_map(x)`` (or ``x``),
    so any binary model works, linear or not.
    """
    check_int(resolution, "resolution", minimum=2, hint="e.g. resolution=200.")
    logit = binary_logit_function(model, outputs, feature_map)
    xs = torch.linspace(float(xlim[0]), float(xlim[1]), resolution)
    ys = torch.linspace(float(ylim[0]), float(ylim[1]), resolution)
    xx, yy = torch.meshgrid(xs, ys, indexing="xy")
    grid = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)
    p = torch.sigmoid(logit(grid)).reshape(xx.shape)
    return xx.numpy(), yy.numpy(), p.numpy()


def _line_points(w1: float, w2: float, b: float, xlim, ylim, n: int = 200) -> tuple[np.ndarray, np.ndarray] | None:
    """Points of ``w1 x1 + w2 x2 + b = 0`` across the box, or ``None`` when ``w = 0`` (no line)."""
    if w1 == 0 and w2 == 0:
        return None
    if abs(w2) >= abs(w1):
        x1 = np.linspace(xlim[0], xlim[1], n)
        return x1, -(w1 * x1 + b) / w2
    x2 = np.linspace(ylim[0], ylim[1], n)
    return -(w2 * x2 + b) / w1, x2


def draw_line(
    ax: Axes, w1: float, w2: float, b: float, label: str | None = None, **kwargs
) -> Line2D | None:
    """Draw the line ``w1 x1 + w2 x2 + b = 0`` across the current axes limits (nothing when ``w = 0``)."""
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    points = _line_points(w1, w2, b, xlim, ylim)
    if points is None:
        return None
    kwargs.setdefault("color", COLORS["black"])
    kwargs.setdefault("lw", 2)
    (line,) = ax.plot(*points, label=label, zorder=4, **kwargs)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    return line


def plot_decision_boundary(
    model: Callable,
    X: torch.Tensor,
    y: torch.Tensor,
    ax: Axes | None = None,
    title: str | None = "Decision boundary",
    outputs: Outputs = "auto",
    shade: bool = True,
    mark_errors: bool = True,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    feature_map: FeatureMap | None = None,
) -> Axes:
    """The points, the two decision regions and the boundary ``p = 0.5`` of a binary model of 2 inputs.

    For a model that is linear in ``x`` the boundary is drawn exactly, as the
    line ``w . x + b = 0`` (a ``Line2D`` labelled "decision line ..."); for any
    other model as the 0.5 contour of its probability on a grid. With
    ``feature_map`` the model is ``model(feature_map(x))``: a logistic
    regression on polynomial features gets its curved boundary in the plane of
    ``x``. Misclassified points are ringed in black when ``mark_errors`` is true.

    Raises ``ValueError`` with an explanation for a model that does not take
    2 inputs (or the feature map's outputs) or does not return one output per row.
    """
    logit = binary_logit_function(model, outputs, feature_map)
    X_np, y_np = _check_points(X, y)
    ax = new_axes(ax)
    xlim, ylim = _limits(X_np, xlim, ylim)
    xx, yy, p = probability_grid(model, xlim, ylim, outputs=outputs, feature_map=feature_map)
    if shade:
        ax.contourf(xx, yy, (p >= 0.5).astype(float), levels=[-0.5, 0.5, 1.5], colors=CLASS_COLORS, alpha=0.12)
    plot_points_2d(X, y, ax=ax, title=None)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    params = linear_boundary(model, outputs, feature_map)
    if params is not None:
        w1, w2, b = params
        draw_line(ax, w1, w2, b, label=r"decision line $w \cdot x + b = 0$")
    else:
        ax.contour(xx, yy, p, levels=[0.5], colors=COLORS["black"], linewidths=2)
        ax.plot([], [], color=COLORS["black"], lw=2, label="decision boundary (p = 0.5)")
    if mark_errors:
        predicted = (torch.sigmoid(logit(torch.as_tensor(X_np, dtype=torch.float32))) >= 0.5).numpy()
        wrong = predicted != (y_np == 1)
        ax.scatter(X_np[wrong, 0], X_np[wrong, 1], s=90, facecolors="none", edgecolors=COLORS["black"],
                   linewidths=1.2, label=f"misclassified ({int(wrong.sum())})", zorder=5)
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small", frameon=True, framealpha=0.85)
    return ax


def plot_probability_surface(
    model: Callable,
    X: torch.Tensor | None = None,
    y: torch.Tensor | None = None,
    ax: Axes | None = None,
    title: str | None = "Probability of class 1",
    outputs: Outputs = "auto",
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    colorbar: bool = True,
    feature_map: FeatureMap | None = None,
) -> Axes:
    """``p(class 1 | x)`` as a coloured surface with its 0.5 contour (solid) and 0.1 / 0.9 contours (dashed).

    Points ``(X, y)`` are drawn on top when given. The 0.5 contour is a
    ``ContourSet`` with ``levels == [0.5]`` in ``ax.collections``. Works for
    any binary model; pass ``feature_map`` for a model trained on ``phi(x)``.
    """
    binary_logit_function(model, outputs, feature_map)  # clear errors before drawing anything
    if (X is None) != (y is None):
        raise ValueError("Pass both X and y to draw the points, or neither.")
    X_np = _check_points(X, y)[0] if X is not None else None
    ax = new_axes(ax)
    xlim, ylim = _limits(X_np, xlim, ylim)
    xx, yy, p = probability_grid(model, xlim, ylim, outputs=outputs, feature_map=feature_map)
    filled = ax.contourf(xx, yy, p, levels=np.linspace(0, 1, 41), cmap=PROBABILITY_CMAP, vmin=0, vmax=1, alpha=0.8)
    if colorbar:
        bar = ax.figure.colorbar(filled, ax=ax, ticks=[0, 0.1, 0.5, 0.9, 1])
        bar.set_label("p(class 1 | x)")
    # The dashed 0.1 / 0.9 contours are named in the legend and on the colour bar, not by labels on the
    # contours, which would sit on the points.
    ax.contour(xx, yy, p, levels=[0.1, 0.9], colors=COLORS["black"], linewidths=1, linestyles="--")
    half = ax.contour(xx, yy, p, levels=[0.5], colors=COLORS["black"], linewidths=2)
    ax.clabel(half, fmt="p = %.1f", fontsize="small")
    ax.plot([], [], color=COLORS["black"], lw=2, label="p = 0.5 (decision boundary)")
    ax.plot([], [], color=COLORS["black"], lw=1, ls="--", label="p = 0.1 and p = 0.9")
    if X is not None:
        plot_points_2d(X, y, ax=ax, title=None, size=18, edgecolor=COLORS["black"])
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.grid(False)
    if title is not None:
        ax.set_title(title)
    legend_below(ax)
    return ax


def legend_below(ax: Axes, ncol: int = 2) -> None:
    """Put the legend under the axes, where it hides no data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=ncol, fontsize="small", frameon=False)


def draw_normal(ax: Axes, w1: float, w2: float, b: float, length: float = 1.5, **arrow_kwargs) -> None:
    """An arrow from the line ``w . x + b = 0`` along ``w``: it points to the side predicted class 1."""
    norm_sq = w1 * w1 + w2 * w2
    if norm_sq == 0:
        return
    centre = np.array([np.mean(ax.get_xlim()), np.mean(ax.get_ylim())])
    w = np.array([w1, w2])
    foot = centre - (w @ centre + b) / norm_sq * w
    tip = foot + length * w / np.sqrt(norm_sq)
    arrow_kwargs.setdefault("color", COLORS["black"])
    ax.annotate("", xy=tuple(tip), xytext=tuple(foot),
                arrowprops={"arrowstyle": "-|>", "lw": 1.8, "color": arrow_kwargs["color"]}, zorder=6)


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
    X_np, _ = _check_points(X, y)
    xlim, ylim = _limits(X_np, None, None)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    styles = ["-", "--", "-.", ":"]
    for i, (w1, w2, b) in enumerate(candidates):
        label = f"w = ({w1:g}, {w2:g}), b = {b:g}"
        if losses is not None:
            label += f": loss {losses[i]:.3f}"
        colour = PALETTE[(i + 2) % len(PALETTE)]
        draw_line(ax, w1, w2, b, label=label, color=colour, ls=styles[i % len(styles)])
        draw_normal(ax, w1, w2, b, color=colour)
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
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 5)
    ax.set_xlabel("p, the predicted probability of class 1")
    ax.set_ylabel("loss for one example")
    ax.set_title("Binary cross-entropy: confident and wrong costs most")
    ax.legend(loc="upper center", fontsize="small")
    return ax


def plot_loss_curve(
    history,
    ax: Axes | None = None,
    log_scale: bool = False,
    label: str | None = "training loss (BCE)",
    title: str | None = "Loss during training",
) -> Axes:
    """The training loss of a :class:`~course_utils.training.TrainingHistory`, epoch by epoch."""
    loss = getattr(history, "loss", None)
    if loss is None or len(loss) == 0:
        raise ValueError("history must be a TrainingHistory with at least one loss value (from train_logistic_regression).")
    ax = new_axes(ax)
    ax.plot(np.arange(len(loss)), loss, lw=2, label=label)
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean BCE loss")
    if title is not None:
        ax.set_title(title)
    if label is not None:
        ax.legend(loc="best", fontsize="small")
    return ax


_METRICS = {
    "loss": "mean BCE loss",
    "objective": "loss + weight-decay penalty",
    "grad_norm": "gradient norm",
    "weight_norm": "weight norm ||w||",
}


def plot_histories(
    histories: Mapping[str, object],
    metric: str = "grad_norm",
    ax: Axes | None = None,
    log_scale: bool = True,
    log_epochs: bool = False,
    title: str | None = None,
) -> Axes:
    """Compare training runs: one curve of ``metric`` per labelled history.

    ``metric`` is one of ``"loss"``, ``"objective"``, ``"grad_norm"`` and
    ``"weight_norm"``. With ``log_epochs`` the epoch axis is logarithmic
    (epoch 0 is left out).
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}, got {metric!r}.")
    if not histories:
        raise ValueError("histories must map at least one label to a TrainingHistory.")
    ax = new_axes(ax)
    styles = ["-", "--", "-.", ":"]
    for i, (label, history) in enumerate(histories.items()):
        values = np.asarray(getattr(history, metric), dtype=float)
        epochs = np.arange(len(values))
        if log_epochs:
            epochs, values = epochs[1:], values[1:]
        ax.plot(epochs, values, lw=2, color=PALETTE[i % len(PALETTE)], ls=styles[i % len(styles)], label=str(label))
    if log_scale:
        ax.set_yscale("log")
    if log_epochs:
        ax.set_xscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(_METRICS[metric])
    ax.set_title(title if title is not None else f"{_METRICS[metric].capitalize()} during training")
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
    labelled "chosen on validation". Lines are labelled ``"train"`` and
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
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title if title is not None else f"Train and validation {ylabel} by {xlabel}")
    ax.legend(loc="best", fontsize="small")
    return ax
