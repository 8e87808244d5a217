#!/usr/bin/env python3
"""Draw the course's diagrams and README thumbnails into ``assets/``, reproducibly.

Run it with the project's Python from the repository root::

    .venv/bin/python scripts/make_assets.py                 # everything into assets/
    .venv/bin/python scripts/make_assets.py --only svg      # just the two diagrams
    .venv/bin/python scripts/make_assets.py --out /tmp/a    # somewhere else (tests do this)

What it writes:

- ``logistic_unit.svg``      inputs x1..xd, weights, sum + bias, sigmoid, probability
- ``softmax_regression.svg`` 784 inputs, 10 outputs, softmax
- ``thumb_01.png`` ... ``thumb_07.png``: one small picture per lesson for the README,
  drawn with the same ``course_utils.plotting`` functions the lessons use.

The same inputs give the same bytes: the SVG hash salt is fixed and no date or
software version is written into the files. Thumbnail 07 needs MNIST (found
through ``COURSE_DATA_DIR`` or ``data/``, see ``course_utils.mnist``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # import course_utils from this checkout, installed or not

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch  # noqa: E402

from course_utils.plotting.style import COLORS, use_course_style  # noqa: E402

#: Metadata that keeps files byte-for-byte identical between runs and Matplotlib versions.
SVG_METADATA = {"Date": None, "Creator": None}
PNG_METADATA = {"Software": None}
THUMB_SIZE = (4.0, 2.6)  # inches; at THUMB_DPI this is 400 x 260 pixels
THUMB_DPI = 100


def reset_style() -> None:
    """Start every picture from the same Matplotlib state (so the order of drawing does not matter)."""
    plt.close("all")
    matplotlib.rcdefaults()
    use_course_style()
    plt.rcParams.update(
        {
            "svg.hashsalt": "logistic-regression-pytorch",  # fixed ids inside the SVG
            "svg.fonttype": "path",  # glyphs as paths: looks the same without the fonts installed
            "path.simplify": True,
        }
    )


# --------------------------------------------------------------------------- diagram helpers


def _node(ax, xy, text, color, radius=0.32, fontsize=13, text_color="white"):
    ax.add_patch(Circle(xy, radius, facecolor=color, edgecolor="black", lw=1.2, zorder=3))
    ax.text(*xy, text, ha="center", va="center", fontsize=fontsize, color=text_color, zorder=4)


def _box(ax, xy, width, height, text, color, fontsize=13, text_color="white"):
    x, y = xy
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                boxstyle="round,pad=0.05,rounding_size=0.15",
                                facecolor=color, edgecolor="black", lw=1.2, zorder=3))
    ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=text_color, zorder=4)


def _arrow(ax, start, end, color="black", lw=1.3, shrink_a=0.0, shrink_b=0.0, alpha=1.0):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color=color, lw=lw,
                                 shrinkA=shrink_a, shrinkB=shrink_b, alpha=alpha, zorder=2))


def _diagram_axes(width: float, height: float, xlim, ylim):
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    return fig, ax


# --------------------------------------------------------------------------- the two diagrams


def draw_logistic_unit() -> plt.Figure:
    """The logistic unit: d inputs x1..xd, weights w1..wd, sum plus bias, sigmoid, probability."""
    fig, ax = _diagram_axes(9.0, 4.6, (-0.6, 12.4), (-0.9, 5.8))
    inputs = [(0.4, 4.8, r"$x_1$", r"$w_1$"), (0.4, 3.5, r"$x_2$", r"$w_2$"),
              (0.4, 1.3, r"$x_d$", r"$w_d$")]
    sum_xy = (5.0, 2.9)
    for x, y, label, weight in inputs:
        _node(ax, (x, y), label, COLORS["blue"])
        _arrow(ax, (x + 0.32, y), (sum_xy[0] - 0.55, sum_xy[1] + (y - sum_xy[1]) * 0.25))
        # weight label on the arrow, a third of the way along
        mx, my = x + 0.32 + (sum_xy[0] - x - 0.9) * 0.45, y + (sum_xy[1] - y) * 0.42
        ax.text(mx, my + 0.22, weight, ha="center", va="bottom", fontsize=13, color=COLORS["vermillion"])
    ax.text(0.4, 2.45, r"$\vdots$", ha="center", va="center", fontsize=18)
    ax.text(0.4, 0.35, "inputs\n(features)", ha="center", va="top", fontsize=10)
    # bias input
    ax.text(5.0, 5.1, r"bias $b$", ha="center", va="center", fontsize=12, color=COLORS["vermillion"])
    _arrow(ax, (5.0, 4.8), (5.0, sum_xy[1] + 0.58))
    # weighted sum
    ax.add_patch(Circle(sum_xy, 0.55, facecolor=COLORS["orange"], edgecolor="black", lw=1.2, zorder=3))
    ax.text(*sum_xy, r"$\Sigma$", ha="center", va="center", fontsize=20, zorder=4)
    ax.text(sum_xy[0], 1.95, "weighted sum\n" + r"$z = w \cdot x + b$", ha="center", va="top", fontsize=11)
    # sigmoid
    sig_xy = (8.0, 2.9)
    _arrow(ax, (sum_xy[0] + 0.55, sum_xy[1]), (sig_xy[0] - 0.85, sig_xy[1]))
    ax.text((sum_xy[0] + sig_xy[0]) / 2 - 0.15, sum_xy[1] + 0.18, r"$z$ (logit)", ha="center", va="bottom",
            fontsize=11)
    _box(ax, sig_xy, 1.6, 1.2, "", COLORS["green"])
    # a tiny sigmoid curve inside the box
    import numpy as np

    t = np.linspace(-1.0, 1.0, 60)
    ax.plot(sig_xy[0] + 0.65 * t, sig_xy[1] - 0.38 + 0.76 / (1 + np.exp(-6 * t)), color="white", lw=2.2, zorder=5)
    ax.text(sig_xy[0], 1.95, "sigmoid\n" + r"$\sigma(z) = 1/(1+e^{-z})$", ha="center", va="top", fontsize=11)
    # output
    out_xy = (11.1, 2.9)
    _arrow(ax, (sig_xy[0] + 0.85, sig_xy[1]), (out_xy[0] - 0.62, out_xy[1]))
    _node(ax, out_xy, r"$p$", COLORS["purple"], radius=0.6, fontsize=18)
    ax.text(out_xy[0], 1.95, "probability\n" + r"$p = P(y=1 \mid x)$", ha="center", va="top", fontsize=11)
    ax.text(out_xy[0], 4.3, r"class = 1 if $p \geq 0.5$", ha="center", va="center", fontsize=10)
    ax.text(6.0, -0.55, "The logistic unit: logistic regression is one of these", ha="center", va="center",
            fontsize=12, weight="bold")
    return fig


def draw_softmax_regression() -> plt.Figure:
    """Softmax regression on MNIST: 784 pixel inputs, 10 logits, softmax, 10 probabilities."""
    fig, ax = _diagram_axes(9.0, 6.0, (-1.2, 12.8), (-1.6, 8.3))
    in_x, out_x, sm_x, p_x = 1.4, 6.2, 8.6, 11.0
    input_ys = [6.6, 5.8, 5.0, 1.8, 1.0, 0.2]
    input_labels = [r"$x_1$", r"$x_2$", r"$x_3$", r"$x_{782}$", r"$x_{783}$", r"$x_{784}$"]
    out_ys = [6.6 - i * (6.4 / 9) for i in range(10)]
    # edges first, faint, all inputs to all outputs
    for y_in in input_ys:
        for y_out in out_ys:
            ax.plot([in_x + 0.26, out_x - 0.26], [y_in, y_out], color="0.55", lw=0.5, alpha=0.55, zorder=1)
    for y, label in zip(input_ys, input_labels, strict=True):
        _node(ax, (in_x, y), label, COLORS["blue"], radius=0.3, fontsize=8)
    ax.text(in_x, 3.4, r"$\vdots$", ha="center", va="center", fontsize=20)
    ax.text(in_x, -0.45, "784 inputs\n(28 x 28 pixels,\nflattened)", ha="center", va="top", fontsize=10)
    # a little image placeholder: 28x28 -> flatten
    import numpy as np

    yy, xx = np.mgrid[0:28, 0:28]
    ring = np.exp(-((np.hypot(xx - 13.5, (yy - 13.5) * 0.8) - 8.0) ** 2) / 4.0)  # a drawn "0"
    ax.imshow(ring, cmap="Greys", extent=(-1.05, 0.15, 2.8, 4.0), zorder=3)
    ax.text(-0.45, 2.55, "image", ha="center", va="top", fontsize=9)
    _arrow(ax, (0.2, 3.4), (in_x - 0.35, 3.4), lw=1.0)
    ax.text(0.62, 3.55, "flatten", ha="center", va="bottom", fontsize=8)
    for i, y in enumerate(out_ys):
        _node(ax, (out_x, y), rf"$z_{i}$", COLORS["orange"], radius=0.26, fontsize=9, text_color="black")
        _arrow(ax, (out_x + 0.26, y), (sm_x - 0.5, y), lw=0.9)
        _arrow(ax, (sm_x + 0.5, y), (p_x - 0.28, y), lw=0.9)
        _node(ax, (p_x, y), rf"$p_{i}$", COLORS["purple"], radius=0.26, fontsize=9)
    ax.text(out_x, -0.45, "10 logits\n" + r"$z = W x + b$", ha="center", va="top", fontsize=10)
    ax.text((in_x + out_x) / 2, 7.3, r"Linear(784, 10): $W$ is 10 x 784, $b$ has 10",
            ha="center", va="center", fontsize=10)
    _box(ax, (sm_x, 3.4), 0.9, 7.0, "", COLORS["green"])
    ax.text(sm_x, 3.4, "softmax", ha="center", va="center", fontsize=13, color="white", rotation=90, zorder=5)
    ax.text(sm_x, -0.45, r"$p_k = \dfrac{e^{z_k}}{\sum_j e^{z_j}}$", ha="center", va="top", fontsize=13)
    ax.text((sm_x + p_x) / 2, 7.35, "softmax: applied by CrossEntropyLoss\nor at prediction, not inside the model",
            ha="center", va="center", fontsize=8.5)
    ax.text(p_x, -0.45, "10 probabilities\n(sum to 1)\nclass = argmax", ha="center", va="top", fontsize=10)
    ax.text(5.8, 8.0, "Softmax regression: 7,850 parameters (7,840 weights + 10 biases)", ha="center",
            va="center", fontsize=12, weight="bold")
    return fig


# --------------------------------------------------------------------------- thumbnails


def _thumb_axes():
    fig, ax = plt.subplots(figsize=THUMB_SIZE)
    return fig, ax


def thumb_01() -> plt.Figure:
    """Lesson 01: the logistic function with its threshold and saturated tails."""
    from course_utils.plotting import plot_sigmoid

    fig, ax = _thumb_axes()
    plot_sigmoid(ax=ax)
    ax.get_legend().remove()
    ax.set_title("The logistic function")
    ax.set_ylabel("probability")
    fig.tight_layout()
    return fig


def thumb_02() -> plt.Figure:
    """Lesson 02: the pipeline ``nn.Sequential(nn.Linear(1, 1), nn.Sigmoid())`` builds."""
    fig, ax = plt.subplots(figsize=THUMB_SIZE)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6.5)
    ax.axis("off")
    _node(ax, (0.8, 3.0), r"$x$", COLORS["blue"], radius=0.55, fontsize=14)
    _box(ax, (3.5, 3.0), 2.9, 1.9, "nn.Linear(1, 1)\n" + r"$z = wx + b$", COLORS["orange"], fontsize=10,
         text_color="black")
    _box(ax, (7.0, 3.0), 2.4, 1.9, "nn.Sigmoid()\n" + r"$p = \sigma(z)$", COLORS["green"], fontsize=10)
    _node(ax, (9.35, 3.0), r"$p$", COLORS["purple"], radius=0.55, fontsize=14)
    _arrow(ax, (1.35, 3.0), (2.0, 3.0))
    _arrow(ax, (5.0, 3.0), (5.75, 3.0))
    _arrow(ax, (8.25, 3.0), (8.8, 3.0))
    ax.text(5.0, 5.6, "nn.Sequential", ha="center", va="center", fontsize=12, weight="bold")
    ax.text(5.0, 0.9, "input (batch, 1) float32  ->  probability (batch, 1)", ha="center", va="center",
            fontsize=8)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.99)
    return fig


def thumb_03() -> plt.Figure:
    """Lesson 03: a ``LogisticRegression`` module's probabilities and its predicted classes."""
    import torch

    from course_utils.models import LogisticRegression
    from course_utils.plotting import CLASS_COLORS, plot_sigmoid_curve

    model = LogisticRegression(1)
    with torch.no_grad():  # a known function: sigma(1.5 x - 3), crossing 0.5 at x = 2
        for name, param in model.named_parameters():
            param.fill_(1.5 if "weight" in name else -3.0)
    x = torch.linspace(-2.0, 6.0, 9).reshape(-1, 1)
    proba = model.predict_proba(x).detach().reshape(-1)
    classes = model.predict(x).reshape(-1)
    fig, ax = _thumb_axes()
    plot_sigmoid_curve(1.5, -3.0, x_min=-2.0, x_max=6.0, ax=ax, color=COLORS["blue"], label="predict_proba")
    for cls in (0, 1):
        mask = classes == cls
        ax.scatter(x.reshape(-1)[mask], proba[mask], color=CLASS_COLORS[cls], zorder=3, s=30,
                   label=f"predict -> {cls}")
    ax.axhline(0.5, color=COLORS["black"], ls="--", lw=1)
    ax.set_title("LogisticRegression(nn.Module)")
    ax.set_ylabel("probability")
    ax.legend(loc="upper left", fontsize="x-small")
    fig.tight_layout()
    return fig


def thumb_04() -> plt.Figure:
    """Lesson 04: a logistic regression trained on the 2-D data, with its decision line."""
    from course_utils.models import LogisticRegression
    from course_utils.plotting import plot_decision_boundary
    from course_utils.seeding import set_seed
    from course_utils.synthetic import make_two_blobs
    from course_utils.training import train_logistic_regression

    set_seed(0)
    X, y = make_two_blobs(n_samples=120, seed=0)
    model = LogisticRegression(2)
    train_logistic_regression(model, X, y, lr=1.0, num_epochs=300)
    fig, ax = _thumb_axes()
    plot_decision_boundary(model, X, y, ax=ax, title="Decision line after training")
    ax.get_legend().remove()
    fig.tight_layout()
    return fig


def thumb_05() -> plt.Figure:
    """Lesson 05: a degree-3 logistic regression's curved boundary on the two moons."""
    from course_utils.features import fit_polynomial_logistic
    from course_utils.plotting import plot_decision_boundary
    from course_utils.synthetic import make_moons

    X, y = make_moons(n_samples=160, noise=0.25, seed=0)
    model, feature_map = fit_polynomial_logistic(X, y, degree=3, weight_decay=1e-3)
    fig, ax = _thumb_axes()
    plot_decision_boundary(model, X, y, ax=ax, feature_map=feature_map, mark_errors=False,
                           title="A curved boundary (degree 3)")
    ax.get_legend().remove()
    fig.tight_layout()
    return fig


def thumb_06() -> plt.Figure:
    """Lesson 06: the ROC curve of the breast-cancer model on the validation split."""
    from course_utils.models import LogisticRegression
    from course_utils.plotting import plot_roc
    from course_utils.seeding import set_seed
    from course_utils.tabular import Standardizer, load_breast_cancer, stratified_split
    from course_utils.training import fit_lbfgs

    data = load_breast_cancer()
    X_train, X_val, _, y_train, y_val, _ = stratified_split(data.X, data.y, (0.6, 0.2, 0.2), seed=0)
    scaler = Standardizer().fit(X_train)
    set_seed(0)
    model = LogisticRegression(30)
    fit_lbfgs(model, scaler.transform(X_train), y_train, weight_decay=3e-3, max_iter=500)
    fig, ax = _thumb_axes()
    plot_roc({"validation": (y_val, model.predict_proba(scaler.transform(X_val)))}, ax=ax,
             title="Breast cancer: ROC curve")
    ax.legend(loc="lower right", fontsize="x-small")
    fig.tight_layout()
    return fig


def thumb_07() -> plt.Figure:
    """Lesson 07: the first twelve MNIST test digits with their labels (needs MNIST, see course_utils.mnist)."""
    from course_utils.mnist import load_mnist
    from course_utils.plotting.mnist import plot_digit_grid

    test = load_mnist(train=False, download=False)
    fig = plot_digit_grid(test.data[:12], test.targets[:12], n=12, n_cols=6, title="MNIST: ten digit classes")
    for ax in fig.axes:
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.set_size_inches(*THUMB_SIZE)
    fig.tight_layout(pad=0.4)
    return fig


DIAGRAMS: dict[str, Callable[[], plt.Figure]] = {
    "logistic_unit.svg": draw_logistic_unit,
    "softmax_regression.svg": draw_softmax_regression,
}
THUMBNAILS: dict[str, Callable[[], plt.Figure]] = {
    "thumb_01.png": thumb_01,
    "thumb_02.png": thumb_02,
    "thumb_03.png": thumb_03,
    "thumb_04.png": thumb_04,
    "thumb_05.png": thumb_05,
    "thumb_06.png": thumb_06,
    "thumb_07.png": thumb_07,
}


def save(fig: plt.Figure, path: Path) -> None:
    """Save without dates or versions, so the same drawing gives the same bytes."""
    if path.suffix == ".svg":
        fig.savefig(path, format="svg", metadata=SVG_METADATA)
    else:
        fig.savefig(path, format="png", dpi=THUMB_DPI, metadata=PNG_METADATA)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "assets", help="output folder (default: assets/)")
    parser.add_argument("--only", choices=("all", "svg", "thumbs"), default="all",
                        help="draw only the SVG diagrams or only the PNG thumbnails")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    jobs: dict[str, Callable[[], plt.Figure]] = {}
    if args.only in ("all", "svg"):
        jobs.update(DIAGRAMS)
    if args.only in ("all", "thumbs"):
        jobs.update(THUMBNAILS)
    for name, draw in jobs.items():
        reset_style()
        save(draw(), args.out / name)
        print(f"wrote {args.out / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
