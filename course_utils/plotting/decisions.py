"""Figures of lesson 06: from probabilities to decisions.

Each function draws on an ``Axes`` (a new one when ``ax`` is ``None``) and
returns it, with a title, axis labels and a legend, in the course's
color-blind-safe colors. The numbers come from :mod:`course_utils.metrics`.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import torch
from matplotlib.axes import Axes

from course_utils.metrics import (auc, average_precision, brier_score, calibration_bins, confusion_counts,
                                  precision_recall_curve, roc_curve)
from course_utils.plotting.style import COLORS, PALETTE, new_axes
from course_utils.validation import check_finite, check_number, check_one_per_row, check_positive_int, check_tensor

_Curves = Mapping[str, tuple[torch.Tensor, torch.Tensor]]


def _check_curves(curves: object, what: str) -> _Curves:
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(
            f"Pass the {what} as a dict {{label: (y_true, probabilities)}}, e.g. {{'validation': (y_val, p_val)}}; "
            f"got {type(curves).__name__}."
        )
    for label, pair in curves.items():
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"curves[{label!r}] must be a pair (y_true, probabilities); got {type(pair).__name__}.")
    return curves


def _check_title(title: object, optional: bool = False) -> None:
    if not (isinstance(title, str) or (optional and title is None)):
        raise ValueError(f"title must be a string{' or None' if optional else ''}, got {type(title).__name__}.")


def _check_axes(ax: object) -> None:
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (e.g. from fig, ax = plt.subplots()) or None for a new "
                        f"figure; got {type(ax).__name__}.")


def _curve_axes(curves: object, what: str, title: object, ax: object) -> tuple[_Curves, Axes]:
    """Check the curves, the title and ``ax``; return the curves and the axes to draw on (a new one when ``None``)."""
    curves = _check_curves(curves, what)
    _check_title(title)
    _check_axes(ax)
    return curves, new_axes(ax, figsize=(4.6, 4.2))


def plot_binary_confusion(
    y_true: torch.Tensor,
    y_prob: torch.Tensor,
    threshold: float = 0.5,
    ax: Axes | None = None,
    class_names: Sequence[str] = ("benign", "malignant"),
    title: str | None = None,
) -> Axes:
    """The 2 x 2 confusion matrix of the decision ``y_prob >= threshold``: rows true class, columns predicted.

    Each cell shows its count and what it is (TN, FP, FN, TP).
    """
    c = confusion_counts(y_true, y_prob, threshold)
    if not isinstance(class_names, (tuple, list)) or len(class_names) != 2 or not all(
            isinstance(n, str) for n in class_names):
        raise ValueError(f"class_names must name the two classes (negative, positive) as two strings, e.g. "
                         f"('benign', 'malignant'); got {class_names!r}.")
    _check_title(title, optional=True)
    _check_axes(ax)
    counts = np.array([[c["tn"], c["fp"]], [c["fn"], c["tp"]]])
    names = np.array([["TN", "FP"], ["FN", "TP"]])
    ax = new_axes(ax, figsize=(4.2, 3.8))
    image = ax.imshow(counts, cmap="Blues", vmin=0)
    for i in range(2):
        for j in range(2):
            dark = counts[i, j] > counts.max() / 2
            ax.text(j, i, f"{names[i, j]}\n{counts[i, j]}", ha="center", va="center",
                    color="white" if dark else "black", fontsize=12)
    ax.set_xticks([0, 1], [f"predicted {n}" for n in class_names])
    ax.set_yticks([0, 1], [f"true {n}" for n in class_names])
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.grid(False)
    ax.set_title(title or f"Confusion matrix at threshold {threshold:.2f}")
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="count")
    return ax


def plot_roc(curves: _Curves, ax: Axes | None = None, title: str = "ROC curve") -> Axes:
    """ROC curves (false-positive rate vs recall), one per ``{label: (y_true, y_prob)}``, with the chance line."""
    curves, ax = _curve_axes(curves, "ROC curves", title, ax)
    for color, (label, (y, p)) in zip(PALETTE, curves.items(), strict=False):
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr.numpy(), tpr.numpy(), color=color, lw=2, drawstyle="default",
                label=f"{label} (AUC {auc(fpr, tpr):.4f})")
    ax.plot([0, 1], [0, 1], ls="--", color=COLORS["black"], lw=1, alpha=0.6, label="chance (AUC 0.5)")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("false-positive rate (benign flagged)")
    ax.set_ylabel("true-positive rate = recall")
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize="small")
    return ax


def plot_precision_recall(curves: _Curves, ax: Axes | None = None, title: str = "Precision-recall curve") -> Axes:
    """Precision-recall curves (as steps), one per ``{label: (y_true, y_prob)}``, with each prevalence as a baseline."""
    curves, ax = _curve_axes(curves, "precision-recall curves", title, ax)
    for color, (label, (y, p)) in zip(PALETTE, curves.items(), strict=False):
        precision, recall, _ = precision_recall_curve(y, p)
        ax.step(recall.numpy(), precision.numpy(), where="post", color=color, lw=2,
                label=f"{label} (AP {average_precision(y, p):.4f})")
        prevalence = float(check_tensor(y, "y_true").float().mean())
        ax.axhline(prevalence, color=color, ls=":", lw=1, label=f"{label}: always positive ({prevalence:.2f})")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("recall (malignant found)")
    ax.set_ylabel("precision (flagged that are malignant)")
    ax.set_title(title)
    ax.legend(loc="lower left", fontsize="small")
    return ax


def plot_reliability(
    curves: _Curves, n_bins: int = 10, ax: Axes | None = None, title: str = "Reliability diagram"
) -> Axes:
    """Fraction of positives vs mean predicted probability per bin, one line per ``{label: (y_true, y_prob)}``.

    A calibrated model lies on the diagonal; the legend gives each Brier score.
    """
    n_bins = check_positive_int(n_bins, "n_bins", hint="Use e.g. n_bins=10.")
    curves, ax = _curve_axes(curves, "reliability curves", title, ax)
    ax.plot([0, 1], [0, 1], ls="--", color=COLORS["black"], lw=1, alpha=0.6, label="perfectly calibrated")
    for color, (label, (y, p)) in zip(PALETTE, curves.items(), strict=False):
        frac, mean_p, _ = calibration_bins(y, p, n_bins)
        ax.plot(mean_p.numpy(), frac.numpy(), marker="o", color=color, lw=1.5,
                label=f"{label} (Brier {brier_score(y, p):.4f})")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("mean predicted probability of malignant (per bin)")
    ax.set_ylabel("fraction actually malignant")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_cost_curve(
    thresholds: torch.Tensor,
    costs: Mapping[str, torch.Tensor],
    ax: Axes | None = None,
    chosen: Mapping[str, float] | None = None,
    title: str = "Expected cost per patient vs threshold",
) -> Axes:
    """Expected cost against the threshold, one line per ``{label: costs}``.

    ``chosen`` (``{label: threshold}``) marks thresholds as vertical lines.
    """
    thresholds = check_one_per_row(thresholds, "thresholds", "threshold",
                                   hint="Use a 1-D grid such as torch.linspace(0.01, 0.99, 99).")
    check_finite(thresholds, "thresholds", hint="Use a finite grid such as torch.linspace(0.01, 0.99, 99).")
    if not isinstance(costs, Mapping) or not costs:
        raise ValueError("costs must be a dict {label: costs}, each a tensor with one cost per threshold, e.g. "
                         "{'validation': cost_curve(y_val, p_val, thresholds, cost_fn, cost_fp)}.")
    checked = {}
    for label, cost in costs.items():
        cost = check_tensor(cost, f"costs[{label!r}]")
        if cost.numel() != thresholds.numel():
            raise ValueError(f"costs[{label!r}] has {cost.numel()} values but there are {thresholds.numel()} "
                             "thresholds; compute it with cost_curve(y_true, y_prob, thresholds, ...) on the same "
                             "thresholds.")
        checked[label] = check_finite(cost, f"costs[{label!r}]", hint="Costs come from cost_curve and are finite; "
                                                                        "check cost_fn and cost_fp.")
    if chosen is not None and not isinstance(chosen, Mapping):
        raise ValueError(f"chosen must be a dict {{label: threshold}}, e.g. {{'chosen threshold': 0.3}}; "
                         f"got {type(chosen).__name__}.")
    for label, t in (chosen or {}).items():
        one = (isinstance(t, torch.Tensor) and t.numel() == 1) or isinstance(t, np.generic)
        check_number(t.item() if one else t, f"chosen[{label!r}]",
                     kind="a finite threshold", hint="Pass a number, e.g. threshold.item() for a tensor.")
    _check_title(title)
    _check_axes(ax)
    ax = new_axes(ax, figsize=(6.0, 3.8))
    for color, (label, cost) in zip(PALETTE, checked.items(), strict=False):
        ax.plot(thresholds.numpy(), cost.numpy(), color=color, lw=2, label=label)
    for color, (label, t) in zip(PALETTE[len(costs):] + PALETTE, (chosen or {}).items(), strict=False):
        ax.axvline(float(t), color=color, ls="--", lw=1.2, label=f"{label}: {float(t):.2f}")
    ax.set_xlabel("threshold (predict malignant when p >= threshold)")
    ax.set_ylabel("expected cost per patient")
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return ax
