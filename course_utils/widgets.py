"""Interactive explorers built on ipywidgets.

Each explorer returns the widget it displays, so tests can move its sliders
and check what changed. Every explorer has a static companion in
:mod:`course_utils.plotting` for readers who cannot run the notebook.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from course_utils.plotting import COLORS, plot_sigmoid_curve

# Lesson 04: the decision-line and learning-rate explorers.
import torch

from course_utils.metrics import accuracy
from course_utils.models import LogisticRegression
from course_utils.plotting.binary import draw_line, plot_histories, plot_points_2d
from course_utils.seeding import set_seed
from course_utils.training import TrainingHistory, bce_for_parameters, fit_lbfgs, train_logistic_regression
from course_utils.validation import (
    check_binary_targets,
    check_bool,
    check_float_features,
    check_int,
    check_number,
    check_positive,
    check_positive_int,
    check_seed,
)


def sigmoid_explorer(w: float = 1.0, b: float = 0.0, show: bool = True) -> widgets.VBox:
    """Sliders for ``w`` and ``b`` in ``sigma(w * x + b)``; the curve redraws as they move.

    The dashed grey curve is ``sigma(x)`` for reference; the dot marks the
    0.5 crossing at ``x = -b / w``.
    """
    w_slider = widgets.FloatSlider(value=w, min=-5.0, max=5.0, step=0.1, description="w (steepness)",
                                   style={"description_width": "initial"}, continuous_update=True)
    b_slider = widgets.FloatSlider(value=b, min=-10.0, max=10.0, step=0.5, description="b (shift)",
                                   style={"description_width": "initial"}, continuous_update=True)
    out = widgets.Output()

    def redraw(_change: object = None) -> None:
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.4, 3.6))
            plot_sigmoid_curve(1.0, 0.0, ax=ax, color="0.6", ls="--", label=r"$\sigma(x)$")
            plot_sigmoid_curve(w_slider.value, b_slider.value, ax=ax, color=COLORS["blue"])
            crossing = "none (w = 0)" if w_slider.value == 0 else f"x = {-b_slider.value / w_slider.value + 0.0:.2f}"
            ax.axhline(0.5, color=COLORS["black"], ls=":", lw=1)
            ax.set_title(f"sigma(w x + b): 0.5 crossing at {crossing}")
            ax.legend(loc="upper left", fontsize="small")
            plt.show()

    w_slider.observe(redraw, names="value")
    b_slider.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox([w_slider, b_slider]), out])
    redraw()
    if show:
        display(box)
    return box


# --------------------------------------------------------------------------- lesson 04


def decision_line_summary(X: torch.Tensor, y: torch.Tensor, w1: float, w2: float, b: float) -> dict[str, float]:
    """What the decision-line explorer shows for given slider values: the BCE loss and the accuracy.

    The line is ``w1 x1 + w2 x2 + b = 0``; points where ``w1 x1 + w2 x2 + b >= 0``
    are predicted class 1.
    """
    X = check_float_features(X, 2)
    y = check_binary_targets(y, n_rows=X.shape[0])
    logits = X @ torch.tensor([float(w1), float(w2)], dtype=X.dtype) + float(b)
    return {
        "loss": bce_for_parameters(X, y, (w1, w2), b),
        "accuracy": accuracy((logits >= 0).long(), y),
    }


def _line_readout(summary: dict[str, float]) -> str:
    return f"<b>BCE loss = {summary['loss']:.4f}</b> &nbsp; accuracy = {summary['accuracy']:.3f}"


def decision_line_explorer(
    X: torch.Tensor,
    y: torch.Tensor,
    w1: float = 1.0,
    w2: float = 1.0,
    b: float = 0.0,
    show: bool = True,
) -> widgets.VBox:
    """Sliders for ``w1``, ``w2`` and ``b``: the line ``w . x + b = 0`` moves over the points, the loss updates live.

    Returns ``VBox([HBox([w1, w2, b sliders]), readout, plot])``; the readout
    (an ``HTML`` widget) shows :func:`decision_line_summary` for the current values.
    """
    X = check_float_features(X, 2)
    y = check_binary_targets(y, n_rows=X.shape[0])
    style = {"description_width": "initial"}
    sliders = [
        widgets.FloatSlider(value=value, min=lo, max=hi, step=0.1, description=name, style=style)
        for name, value, lo, hi in (("w1", w1, -5.0, 5.0), ("w2", w2, -5.0, 5.0), ("b", b, -5.0, 5.0))
    ]
    readout = widgets.HTML()
    out = widgets.Output()

    def redraw(_change: object = None) -> None:
        values = [s.value for s in sliders]
        summary = decision_line_summary(X, y, *values)
        readout.value = _line_readout(summary)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.4, 4.4))
            plot_points_2d(X, y, ax=ax, title=None, size=18)
            draw_line(ax, *values, label=r"$w \cdot x + b = 0$", color=COLORS["black"])
            ax.set_title(f"w = ({values[0]:.1f}, {values[1]:.1f}), b = {values[2]:.1f}: loss {summary['loss']:.3f}")
            ax.legend(loc="best", fontsize="small")
            plt.show()

    for slider in sliders:
        slider.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox(sliders), readout, out])
    redraw()
    if show:
        display(box)
    return box


def learning_rate_run(
    X: torch.Tensor, y: torch.Tensor, lr: float, num_epochs: int, seed: int = 0
) -> TrainingHistory:
    """Train a fresh ``LogisticRegression`` (seeded with ``seed``) full batch; what the explorer runs."""
    X = check_float_features(X)
    check_positive(lr, "lr")
    check_positive_int(num_epochs, "num_epochs")
    set_seed(seed)
    model = LogisticRegression(X.shape[1])
    return train_logistic_regression(model, X, y, lr=lr, num_epochs=num_epochs)


def _lr_readout(history: TrainingHistory, optimum_loss: float) -> str:
    return (
        f"<b>lr = {history.lr:g}, {history.num_epochs} epochs</b>: final loss {history.loss[-1]:.4f} "
        f"(optimum {optimum_loss:.4f}), gradient norm {history.grad_norm[-1]:.1e}"
    )


def learning_rate_explorer(
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float = 0.5,
    num_epochs: int = 200,
    seed: int = 0,
    show: bool = True,
) -> widgets.VBox:
    """A log-scale learning-rate slider and an epochs slider; each change retrains and redraws.

    Left panel: the loss against the optimum (found once with LBFGS).
    Right panel: the gradient norm, which is 0 at the optimum. Returns
    ``VBox([HBox([lr slider, epochs slider]), readout, plot])``.
    """
    X = check_float_features(X)
    y = check_binary_targets(y, n_rows=X.shape[0])
    set_seed(seed)
    optimum_loss = fit_lbfgs(LogisticRegression(X.shape[1]), X, y).loss[-1]
    style = {"description_width": "initial"}
    lr_slider = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=2, step=0.25, description="learning rate",
                                       style=style, continuous_update=False)
    epochs_slider = widgets.IntSlider(value=num_epochs, min=10, max=2000, step=10, description="epochs",
                                      style=style, continuous_update=False)
    readout = widgets.HTML()
    out = widgets.Output()

    def redraw(_change: object = None) -> None:
        history = learning_rate_run(X, y, lr_slider.value, epochs_slider.value, seed)
        readout.value = _lr_readout(history, optimum_loss)
        with out:
            out.clear_output(wait=True)
            fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(11, 3.8))
            label = f"lr = {history.lr:g}"
            plot_histories({label: history}, metric="loss", ax=ax_loss, log_scale=False, title="Loss")
            ax_loss.axhline(optimum_loss, color=COLORS["black"], ls=":", lw=1, label="optimum")
            ax_loss.legend(loc="best", fontsize="small")
            plot_histories({label: history}, metric="grad_norm", ax=ax_grad, title="Gradient norm (0 at the optimum)")
            ax_grad.axhline(1e-3, color=COLORS["black"], ls=":", lw=1, label="tolerance 1e-3")
            ax_grad.legend(loc="best", fontsize="small")
            fig.tight_layout()
            plt.show()

    lr_slider.observe(redraw, names="value")
    epochs_slider.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox([lr_slider, epochs_slider]), readout, out])
    redraw()
    if show:
        display(box)
    return box


# --------------------------------------------------------------------------- lesson 05


def curved_boundary_run(
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_val: torch.Tensor,
    y_val: torch.Tensor,
    degree: int,
    weight_decay: float,
    seed: int = 0,
) -> dict[str, object]:
    """What the degree / weight-decay explorer computes for one setting.

    Fits :func:`course_utils.features.fit_polynomial_logistic` on the training
    split (feature map and standardiser included) and returns the model, the
    fitted feature map and its train and validation accuracies.
    """
    from course_utils.features import fit_polynomial_logistic

    X_train = check_float_features(X_train, 2, name="X_train", finite=True, non_empty=True)
    X_val = check_float_features(X_val, 2, name="X_val", finite=True, non_empty=True)
    y_train = check_binary_targets(y_train, n_rows=X_train.shape[0], name="y_train")
    y_val = check_binary_targets(y_val, n_rows=X_val.shape[0], name="y_val")
    model, feature_map = fit_polynomial_logistic(X_train, y_train, degree, weight_decay=weight_decay, seed=seed)
    return {
        "model": model,
        "feature_map": feature_map,
        "train_accuracy": accuracy(model.predict(feature_map(X_train)), y_train),
        "val_accuracy": accuracy(model.predict(feature_map(X_val)), y_val),
    }


def _curved_readout(degree: int, weight_decay: float, run: dict[str, object]) -> str:
    return (
        f"<b>degree {degree}, weight decay {weight_decay:.2g}</b>: train accuracy {run['train_accuracy']:.3f}, "
        f"validation accuracy {run['val_accuracy']:.3f}"
    )


def curved_boundary_explorer(
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    X_val: torch.Tensor,
    y_val: torch.Tensor,
    degree: int = 3,
    weight_decay: float = 1e-3,
    seed: int = 0,
    show: bool = True,
) -> widgets.VBox:
    """A degree slider and a log-scale weight-decay slider; each change refits and redraws the boundary.

    The left panel shows the boundary over the training points, the right one
    over the validation points; the readout gives both accuracies. The degree
    slider runs over 1..12; the weight-decay slider over ``10 ** (k / 2)``
    for ``k = -12, ..., 0`` (1e-6 to 1 in steps of ``10 ** 0.5``), and the
    starting ``weight_decay`` must be one of those values (a slider would
    silently round any other). Returns
    ``VBox([HBox([degree slider, weight-decay slider]), readout, plot])``.
    """
    import math

    from course_utils.plotting.binary import plot_decision_boundary

    check_int(degree, "degree", minimum=1, maximum=12, kind="an int from 1 to 12 (the slider's range)",
              hint="Use e.g. degree=3.")
    grid = "on the slider's grid 10 ** (k / 2), k = -12..0 (1e-6, 3.16e-6, 1e-5, ..., 1)"
    fix = "Pick the nearest of those, e.g. 1e-3 or 10 ** -2.5."
    check_number(weight_decay, "weight_decay", kind=f"a number {grid}", hint=fix)
    exponent = 2 * math.log10(weight_decay) if weight_decay > 0 else None
    if exponent is None or not -12 - 1e-9 <= exponent <= 1e-9 or abs(exponent - round(exponent)) > 1e-6:
        raise ValueError(f"weight_decay must be {grid}; got {weight_decay!r}. {fix}")
    check_seed(seed)
    check_bool(show, "show")
    style = {"description_width": "initial"}
    degree_slider = widgets.IntSlider(value=degree, min=1, max=12, step=1, description="degree",
                                      style=style, continuous_update=False)
    decay_slider = widgets.FloatLogSlider(value=weight_decay, base=10, min=-6, max=0, step=0.5,
                                          description="weight decay (lambda)", style=style, continuous_update=False)
    readout = widgets.HTML()
    out = widgets.Output()

    def redraw(_change: object = None) -> None:
        run = curved_boundary_run(X_train, y_train, X_val, y_val, degree_slider.value, decay_slider.value, seed)
        readout.value = _curved_readout(degree_slider.value, decay_slider.value, run)
        with out:
            out.clear_output(wait=True)
            fig, (ax_train, ax_val) = plt.subplots(1, 2, figsize=(11, 4.4), sharex=True, sharey=True)
            for ax, X, y, name, key in ((ax_train, X_train, y_train, "train", "train_accuracy"),
                                        (ax_val, X_val, y_val, "validation", "val_accuracy")):
                plot_decision_boundary(run["model"], X, y, ax=ax, feature_map=run["feature_map"],
                                       title=f"{name}: accuracy {run[key]:.3f}")
            fig.tight_layout()
            plt.show()

    degree_slider.observe(redraw, names="value")
    decay_slider.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox([degree_slider, decay_slider]), readout, out])
    redraw()
    if show:
        display(box)
    return box
