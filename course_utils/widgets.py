"""Interactive explorers built on ipywidgets.

Each explorer returns the widget it displays, so tests can move its sliders and check what changed. Every
explorer has a static companion in :mod:`course_utils.plotting` for readers who cannot run the notebook.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import display

from course_utils.features import fit_polynomial_logistic
from course_utils.metrics import accuracy
from course_utils.models import LogisticRegression
from course_utils.plotting import COLORS, plot_sigmoid_curve
from course_utils.plotting.binary import draw_line, plot_decision_boundary, plot_histories, plot_points_2d
from course_utils.seeding import set_seed
from course_utils.training import ObjectiveHistory, bce_for_parameters, fit_lbfgs, train_logistic_regression
from course_utils.validation import (check_binary_targets, check_bool, check_float_features, check_int,
                                     check_number, check_positive, check_positive_int, check_seed)


def _explorer(sliders: list[widgets.ValueWidget], draw: Callable[..., str | None], show: bool,
              readout: bool = True, live: bool = True) -> widgets.VBox:
    """The scaffold of every explorer: ``VBox([HBox(sliders), readout, plot])``, redrawn when a slider moves.

    ``draw(*slider_values)`` makes the figure and returns the readout's HTML (``None`` if ``readout=False``).
    The first draw raises its errors (bad inputs stop the cell); later ones show theirs in the plot's place.
    ``live=False``: redraw on release only.
    """
    check_bool(show, "show")
    html = widgets.HTML()
    out = widgets.Output()

    def redraw(_change: object = None) -> None:
        with out:  # an error after a slider moved is printed here, where the learner looks
            out.clear_output(wait=True)
            html.value = draw(*(slider.value for slider in sliders)) or ""
            plt.show()

    for slider in sliders:
        slider.style.description_width = "initial"  # the whole description, e.g. "weight decay (lambda)"
        slider.continuous_update = live
        slider.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox(sliders), *([html] if readout else []), out])
    html.value = draw(*(slider.value for slider in sliders)) or ""  # outside ``out``: errors are raised
    with out:
        plt.show()
    if show:
        display(box)
    return box


def sigmoid_explorer(w: float = 1.0, b: float = 0.0, show: bool = True) -> widgets.VBox:
    """Sliders for ``w`` and ``b`` in ``sigma(w * x + b)``; the curve redraws as they move.

    The dashed gray curve is ``sigma(x)``; the title gives the 0.5 crossing ``x = -b / w``.
    Returns ``VBox([HBox([w slider, b slider]), plot])``.
    """
    def draw(w: float, b: float) -> None:
        _, ax = plt.subplots(figsize=(6.4, 3.6))
        plot_sigmoid_curve(1.0, 0.0, ax=ax, color="0.6", ls="--", label=r"$\sigma(x)$")
        plot_sigmoid_curve(w, b, ax=ax, color=COLORS["blue"])
        ax.axhline(0.5, color=COLORS["black"], ls=":", lw=1)
        crossing = "none (w = 0)" if w == 0 else f"x = {-b / w + 0.0:.2f}"
        ax.set_title(f"sigma(w x + b): 0.5 crossing at {crossing}")
        ax.legend(loc="upper left", fontsize="small")

    sliders = [widgets.FloatSlider(value=w, min=-5.0, max=5.0, step=0.1, description="w (steepness)"),
               widgets.FloatSlider(value=b, min=-10.0, max=10.0, step=0.5, description="b (shift)")]
    return _explorer(sliders, draw, show, readout=False)


def decision_line_summary(X: torch.Tensor, y: torch.Tensor, w1: float, w2: float, b: float) -> dict[str, float]:
    """What the decision-line explorer shows for given slider values: the BCE loss and the accuracy.

    The line is ``w1 x1 + w2 x2 + b = 0``; points where ``w1 x1 + w2 x2 + b >= 0`` are predicted class 1.
    """
    X = check_float_features(X, 2)
    y = check_binary_targets(y, n_rows=X.shape[0])
    logits = X @ torch.tensor([float(w1), float(w2)], dtype=X.dtype) + float(b)
    return {"loss": bce_for_parameters(X, y, (w1, w2), b), "accuracy": accuracy((logits >= 0).long(), y)}


def decision_line_explorer(X: torch.Tensor, y: torch.Tensor, w1: float = 1.0, w2: float = 1.0, b: float = 0.0,
                           show: bool = True) -> widgets.VBox:
    """Sliders for ``w1``, ``w2`` and ``b``: the line ``w . x + b = 0`` moves over the points, the loss updates live.

    Returns ``VBox([HBox([w1, w2, b sliders]), readout, plot])``; the readout shows :func:`decision_line_summary`.
    """
    def draw(w1: float, w2: float, b: float) -> str:
        summary = decision_line_summary(X, y, w1, w2, b)
        _, ax = plt.subplots(figsize=(6.4, 4.4))
        plot_points_2d(X, y, ax=ax, title=None, size=18)
        draw_line(ax, w1, w2, b, label=r"$w \cdot x + b = 0$", color=COLORS["black"])
        ax.set_title(f"w = ({w1:.1f}, {w2:.1f}), b = {b:.1f}: loss {summary['loss']:.3f}")
        ax.legend(loc="best", fontsize="small")
        return f"<b>BCE loss = {summary['loss']:.4f}</b> &nbsp; accuracy = {summary['accuracy']:.3f}"

    sliders = [widgets.FloatSlider(value=value, min=-5.0, max=5.0, step=0.1, description=name)
               for name, value in (("w1", w1), ("w2", w2), ("b", b))]
    return _explorer(sliders, draw, show)


def learning_rate_run(X: torch.Tensor, y: torch.Tensor, lr: float, num_epochs: int, seed: int = 0) -> ObjectiveHistory:
    """Train a fresh ``LogisticRegression`` (seeded with ``seed``) full batch; what the explorer runs."""
    X = check_float_features(X)
    check_positive(lr, "lr")
    check_positive_int(num_epochs, "num_epochs")
    set_seed(seed)  # only after the checks: a bad call leaves the random state alone
    return train_logistic_regression(LogisticRegression(X.shape[1]), X, y, lr=lr, num_epochs=num_epochs)


def learning_rate_explorer(X: torch.Tensor, y: torch.Tensor, lr: float = 0.5, num_epochs: int = 200, seed: int = 0,
                           show: bool = True) -> widgets.VBox:
    """A log-scale learning-rate slider and an epochs slider; each change retrains and redraws.

    Left panel: the loss against the optimum (found once with LBFGS); right panel: the gradient norm,
    which is 0 at the optimum. Returns ``VBox([HBox([lr slider, epochs slider]), readout, plot])``.
    """
    X = check_float_features(X)
    set_seed(seed)
    optimum_loss = fit_lbfgs(LogisticRegression(X.shape[1]), X, y).loss[-1]

    def draw(lr: float, num_epochs: int) -> str:
        history = learning_rate_run(X, y, lr, num_epochs, seed)
        fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(11, 3.8))
        runs = {f"lr = {lr:g}": history}
        plot_histories(runs, metric="loss", ax=ax_loss, log_scale=False, title="Loss")
        ax_loss.axhline(optimum_loss, color=COLORS["black"], ls=":", lw=1, label="optimum")
        plot_histories(runs, metric="grad_norm", ax=ax_grad, title="Gradient norm (0 at the optimum)")
        ax_grad.axhline(1e-3, color=COLORS["black"], ls=":", lw=1, label="tolerance 1e-3")
        for ax in (ax_loss, ax_grad):
            ax.legend(loc="best", fontsize="small")
        fig.tight_layout()
        return (f"<b>lr = {lr:g}, {history.num_epochs} epochs</b>: final loss {history.loss[-1]:.4f} "
                f"(optimum {optimum_loss:.4f}), gradient norm {history.grad_norm[-1]:.1e}")

    sliders = [widgets.FloatLogSlider(value=lr, base=10, min=-3, max=2, step=0.25, description="learning rate"),
               widgets.IntSlider(value=num_epochs, min=10, max=2000, step=10, description="epochs")]
    return _explorer(sliders, draw, show, live=False)


def curved_boundary_run(X_train: torch.Tensor, y_train: torch.Tensor, X_val: torch.Tensor, y_val: torch.Tensor,
                        degree: int, weight_decay: float, seed: int = 0) -> dict[str, object]:
    """What the degree / weight-decay explorer computes for one setting: the model, its feature map, both accuracies.

    The fit is :func:`course_utils.features.fit_polynomial_logistic` on the training split (standardizer included).
    """
    X_train = check_float_features(X_train, 2, name="X_train", finite=True, non_empty=True)
    X_val = check_float_features(X_val, 2, name="X_val", finite=True, non_empty=True)
    y_train = check_binary_targets(y_train, n_rows=X_train.shape[0], name="y_train")
    y_val = check_binary_targets(y_val, n_rows=X_val.shape[0], name="y_val")
    model, feature_map = fit_polynomial_logistic(X_train, y_train, degree, weight_decay=weight_decay, seed=seed)
    return {"model": model, "feature_map": feature_map,
            "train_accuracy": accuracy(model.predict(feature_map(X_train)), y_train),
            "val_accuracy": accuracy(model.predict(feature_map(X_val)), y_val)}


def curved_boundary_explorer(X_train: torch.Tensor, y_train: torch.Tensor, X_val: torch.Tensor, y_val: torch.Tensor,
                             degree: int = 3, weight_decay: float = 1e-3, seed: int = 0,
                             show: bool = True) -> widgets.VBox:
    """A degree slider and a log-scale weight-decay slider; each change refits and redraws the boundary.

    The panels show the boundary over the training and the validation points; the readout gives both accuracies.
    The degree slider runs over 1..12, the weight-decay slider over ``10 ** (k / 2)`` for ``k = -12, ..., 0``
    (1e-6 to 1), and the starting ``weight_decay`` must be one of those values (a slider would silently round
    any other). Returns ``VBox([HBox([degree slider, weight-decay slider]), readout, plot])``.
    """
    check_int(degree, "degree", minimum=1, maximum=12, kind="an int from 1 to 12 (the slider's range)",
              hint="Use e.g. degree=3.")
    grid = "on the slider's grid 10 ** (k / 2), k = -12..0 (1e-6, 3.16e-6, 1e-5, ..., 1)"
    fix = "Pick the nearest of those, e.g. 1e-3 or 10 ** -2.5."
    check_number(weight_decay, "weight_decay", kind=f"a number {grid}", hint=fix)
    if not any(math.isclose(weight_decay, 10 ** (k / 2), rel_tol=1e-6) for k in range(-12, 1)):
        raise ValueError(f"weight_decay must be {grid}; got {weight_decay!r}. {fix}")
    check_seed(seed)

    def draw(degree: int, weight_decay: float) -> str:
        run = curved_boundary_run(X_train, y_train, X_val, y_val, degree, weight_decay, seed)
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharex=True, sharey=True)
        splits = (("train", X_train, y_train, run["train_accuracy"]), ("validation", X_val, y_val, run["val_accuracy"]))
        for ax, (name, X, y, acc) in zip(axes, splits, strict=True):
            plot_decision_boundary(run["model"], X, y, ax=ax, feature_map=run["feature_map"],
                                   title=f"{name}: accuracy {acc:.3f}")
        fig.tight_layout()
        return (f"<b>degree {degree}, weight decay {weight_decay:.2g}</b>: "
                f"train accuracy {run['train_accuracy']:.3f}, validation accuracy {run['val_accuracy']:.3f}")

    sliders = [widgets.IntSlider(value=degree, min=1, max=12, step=1, description="degree"),
               widgets.FloatLogSlider(value=weight_decay, base=10, min=-6, max=0, step=0.5,
                                      description="weight decay (lambda)")]
    return _explorer(sliders, draw, show, live=False)
