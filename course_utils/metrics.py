"""Accuracy, confusion matrices and the binary-decision metrics of lesson 06 (precision/recall, ROC/PR curves,
AP, Brier score, calibration bins, expected cost), computed with torch; tested against scikit-learn."""

from __future__ import annotations

import torch

from course_utils.validation import (
    check_binary_targets,
    check_finite,
    check_int,
    check_nonnegative,
    check_not_empty,
    check_number,
    check_one_per_row,
    check_positive_int,
    check_probabilities,
    check_tensor,
)


def _as_labels(t: object, name: str) -> torch.Tensor:
    t = check_tensor(t, name)
    if t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(
            f"{name} must hold one class label per example, shaped (n,) or (n, 1); got shape {tuple(t.shape)}. "
            "If these are logits or probabilities, take classes first, e.g. logits.argmax(dim=1)."
        )
    if torch.is_floating_point(t):
        if not bool(torch.equal(t, t.round())):
            raise ValueError(
                f"{name} holds non-integer values such as {t[t != t.round()][0].item():.3f}; "
                "pass class labels, not probabilities (e.g. model.predict(X))."
            )
    return t.long()


def accuracy(y_pred: torch.Tensor, y_true: torch.Tensor) -> float:
    """Fraction of examples where the predicted class equals the true class (0.0 to 1.0)."""
    y_pred = _as_labels(y_pred, "y_pred")
    y_true = _as_labels(y_true, "y_true")
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_pred has {y_pred.numel()} labels but y_true has {y_true.numel()}; they must match.")
    if y_true.numel() == 0:
        raise ValueError("accuracy of an empty batch is undefined; pass at least one example.")
    return (y_pred == y_true.to(y_pred.device)).float().mean().item()


def confusion_matrix(y_true: torch.Tensor, y_pred: torch.Tensor, n_classes: int | None = None) -> torch.Tensor:
    """Counts ``C[i, j]`` of examples of true class ``i`` predicted as class ``j``.

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 0, 1]), n_classes=2)
    tensor([[1, 0],
            [1, 1]])
    """
    y_true = _as_labels(y_true, "y_true").cpu()
    y_pred = _as_labels(y_pred, "y_pred").cpu()
    if y_pred.shape != y_true.shape:
        raise ValueError(f"y_pred has {y_pred.numel()} labels but y_true has {y_true.numel()}; they must match.")
    if y_true.numel() == 0:
        raise ValueError("confusion_matrix of an empty batch is undefined; pass at least one example.")
    if n_classes is not None:
        n_classes = check_int(n_classes, "n_classes", minimum=1, hint="For MNIST it is 10.")
    if n_classes is None:
        n_classes = int(max(y_true.max().item(), y_pred.max().item())) + 1
    lowest, highest = min(y_true.min().item(), y_pred.min().item()), max(y_true.max().item(), y_pred.max().item())
    if lowest < 0 or highest >= n_classes:
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1} for n_classes={n_classes}; found labels from "
            f"{lowest} to {highest}. "
            "Pass class indices (e.g. model.predict(X)) and the right n_classes."
        )
    flat = y_true * n_classes + y_pred
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_class_accuracy(cm: torch.Tensor) -> torch.Tensor:
    """Recall of each class from a confusion matrix: ``C[i, i] / C[i, :].sum()`` (NaN for absent classes)."""
    cm = check_tensor(cm, "cm")
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square confusion matrix; got shape {tuple(cm.shape)}.")
    totals = cm.sum(dim=1).double()
    return torch.where(totals > 0, cm.diagonal().double() / totals, torch.full_like(totals, float("nan")))


# --------------------------------------------------------------------------
# Binary decisions from scores (lesson 06). The positive class is 1; a row is
# predicted positive when its score is >= the threshold. Every curve below
# matches scikit-learn's definition (tests/test_metrics_binary.py).
# --------------------------------------------------------------------------


def _binary_inputs(y_true: object, y_score: object, score_name: str = "y_score") -> tuple[torch.Tensor, torch.Tensor]:
    """0/1 labels and finite real scores as flat float64 CPU tensors of the same length (at least one)."""
    y_score = check_one_per_row(y_score, score_name, "score",
                                hint="For a binary model pass model.predict_proba(X) (or its logits), one column.")
    if not torch.is_floating_point(y_score):
        y_score = y_score.double()
    check_finite(y_score, score_name, hint=(
        "A nan or inf score has no place on the scale of thresholds, so every count and curve would be silently "
        "wrong. Compute probabilities with torch.sigmoid(logits) from finite features, or drop those rows from "
        "y_true and the scores alike."))
    check_not_empty(y_score, score_name)
    y = check_binary_targets(y_true, n_rows=y_score.shape[0], name="y_true")[:, 0]
    return y.detach().double().cpu(), y_score.detach().double().cpu()


def _check_threshold(threshold: object) -> float:
    # +-inf are allowed: roc_curve's first threshold is inf (nothing predicted positive)
    hint = "For a 0-d tensor use threshold.item()." if isinstance(threshold, torch.Tensor) else "e.g. threshold=0.5."
    return check_number(threshold, "threshold", finite=False,
                        kind="a number such as 0.5 (rows with a score >= threshold are predicted positive)", hint=hint)


def _check_costs(cost_fn: object, cost_fp: object) -> tuple[float, float]:
    return tuple(check_nonnegative(value, name, hint=f"It is the cost of one such error, e.g. {name}=1.")
                 for name, value in (("cost_fn", cost_fn), ("cost_fp", cost_fp)))  # type: ignore[return-value]


def confusion_counts(y_true: torch.Tensor, y_score: torch.Tensor, threshold: float = 0.5) -> dict[str, int]:
    """The four counts of a binary decision ``y_score >= threshold``: ``tp``, ``fp``, ``fn``, ``tn``.

    ``tp``: positives predicted positive; ``fp``: negatives predicted positive
    (false alarms); ``fn``: positives predicted negative (misses); ``tn``: the rest.

    >>> confusion_counts(torch.tensor([1, 0, 1, 0]), torch.tensor([0.9, 0.6, 0.2, 0.1]))
    {'tp': 1, 'fp': 1, 'fn': 1, 'tn': 1}
    """
    y, score = _binary_inputs(y_true, y_score)
    predicted = score >= _check_threshold(threshold)
    positive = y == 1
    return {
        "tp": int((predicted & positive).sum()),
        "fp": int((predicted & ~positive).sum()),
        "fn": int((~predicted & positive).sum()),
        "tn": int((~predicted & ~positive).sum()),
    }


def precision_recall_f1(y_true: torch.Tensor, y_pred: torch.Tensor) -> tuple[float, float, float]:
    """Precision ``tp / (tp + fp)``, recall ``tp / (tp + fn)`` and their harmonic mean F1, as floats.

    ``y_pred`` holds predicted classes 0/1. A ratio whose denominator is 0 (no
    predicted positives, or no actual positives) is reported as 0.0, as
    scikit-learn does with ``zero_division=0``.
    """
    y_pred = check_not_empty(_as_labels(y_pred, "y_pred"), "y_pred")
    if not bool(((y_pred == 0) | (y_pred == 1)).all()):
        raise ValueError("y_pred must hold the predicted classes 0 and 1; threshold the scores first, "
                         "e.g. (p >= 0.5).long().")
    c = confusion_counts(y_true, y_pred.double(), threshold=0.5)
    precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)


def _binary_clf_curve(y: torch.Tensor, score: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Cumulative false and true positives at each distinct score, highest first (tied scores move together)."""
    order = torch.argsort(score, descending=True, stable=True)
    score, y = score[order], y[order]
    # the last row of each run of equal scores: a threshold there counts the whole run
    last_of_run = torch.nonzero(score[1:] != score[:-1]).flatten()
    ends = torch.cat([last_of_run, torch.tensor([y.numel() - 1])])
    tps = torch.cumsum(y, dim=0)[ends]
    fps = (ends + 1).double() - tps
    return fps, tps, score[ends]


def roc_curve(y_true: torch.Tensor, y_score: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The ROC curve: false-positive rate and true-positive rate (recall) at every distinct threshold.

    Returns ``(fpr, tpr, thresholds)`` as float64 tensors, thresholds decreasing
    and starting at ``inf`` (nothing predicted positive), the same points as
    ``sklearn.metrics.roc_curve(..., drop_intermediate=False)``. Tied scores
    form one step (a diagonal segment), as in scikit-learn.
    """
    y, score = _binary_inputs(y_true, y_score)
    n_pos = int(y.sum())
    if n_pos == 0 or n_pos == y.numel():
        raise ValueError(
            f"The ROC curve needs both classes in y_true, but it holds only class {int(y[0])}. "
            "Evaluate on a split with positives and negatives (a stratified split keeps both)."
        )
    fps, tps, thresholds = _binary_clf_curve(y, score)
    zero = torch.zeros(1, dtype=torch.float64)
    fps, tps = torch.cat([zero, fps]), torch.cat([zero, tps])
    thresholds = torch.cat([torch.tensor([float("inf")], dtype=torch.float64), thresholds])
    return fps / fps[-1], tps / tps[-1], thresholds


def auc(x: torch.Tensor, y: torch.Tensor) -> float:
    """The area under a curve through the points ``(x, y)`` by the trapezoidal rule (``x`` monotonic)."""
    x = check_tensor(x, "x").double().flatten()
    y = check_tensor(y, "y").double().flatten()
    for t, name in ((x, "x"), (y, "y")):
        check_finite(t, name, hint="The area would be nan or inf; pass the finite points of a curve, e.g. the fpr and "
                                   "tpr of roc_curve.")
    if x.numel() != y.numel() or x.numel() < 2:
        raise ValueError(f"x and y must hold the same number (at least 2) of points; got {x.numel()} and {y.numel()}.")
    dx = x[1:] - x[:-1]
    if bool((dx < 0).any()) and bool((dx > 0).any()):
        raise ValueError("x must be increasing or decreasing (like the fpr of roc_curve); sort the points first.")
    area = float(torch.trapezoid(y, x))
    return -area if bool((dx <= 0).all()) else area


def roc_auc(y_true: torch.Tensor, y_score: torch.Tensor) -> float:
    """The area under the ROC curve: the chance that a random positive scores above a random negative.

    Ties count 1/2.
    """
    fpr, tpr, _ = roc_curve(y_true, y_score)
    return auc(fpr, tpr)


def precision_recall_curve(
    y_true: torch.Tensor, y_score: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Precision and recall at every distinct threshold, as ``sklearn.metrics.precision_recall_curve``.

    Returns ``(precision, recall, thresholds)`` as float64 tensors with
    thresholds *increasing*; ``precision`` and ``recall`` have one more entry,
    the end point ``(recall 0, precision 1)`` that scikit-learn appends.
    """
    y, score = _binary_inputs(y_true, y_score)
    if int(y.sum()) == 0:
        raise ValueError("y_true has no positives, so recall is undefined; evaluate on a split that has some.")
    fps, tps, thresholds = _binary_clf_curve(y, score)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    one, zero = torch.ones(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    return torch.cat([precision.flip(0), one]), torch.cat([recall.flip(0), zero]), thresholds.flip(0)


def average_precision(y_true: torch.Tensor, y_score: torch.Tensor) -> float:
    """Average precision: ``sum_k (R_k - R_(k-1)) P_k`` over the thresholds, from the highest down.

    A step sum, no interpolation.

    The same definition as ``sklearn.metrics.average_precision_score``.
    """
    precision, recall, _ = precision_recall_curve(y_true, y_score)
    return float(-torch.sum((recall[1:] - recall[:-1]) * precision[:-1]))


def brier_score(y_true: torch.Tensor, y_prob: torch.Tensor) -> float:
    """The mean squared difference between predicted probabilities and the 0/1 outcomes (lower is better)."""
    y, p = _binary_inputs(y_true, y_prob, "y_prob")
    check_probabilities(p, "y_prob")
    return float(torch.mean((p - y) ** 2))


def calibration_bins(
    y_true: torch.Tensor, y_prob: torch.Tensor, n_bins: int = 10
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Reliability-diagram data: cut ``[0, 1]`` into ``n_bins`` equal bins and compare, in each non-empty bin,
    the fraction of positives with the mean predicted probability.

    Returns ``(fraction_positive, mean_predicted, counts)`` (float64, float64,
    int64) over the non-empty bins, lowest first; the first two equal
    ``sklearn.calibration.calibration_curve(y, p, n_bins=n_bins)``.
    """
    import numpy as np

    y, p = _binary_inputs(y_true, y_prob, "y_prob")
    check_probabilities(p, "y_prob")
    n_bins = check_positive_int(n_bins, "n_bins", hint="Use e.g. n_bins=10.")
    edges = torch.from_numpy(np.linspace(0.0, 1.0, n_bins + 1))  # the same edges as scikit-learn
    bin_ids = torch.searchsorted(edges[1:-1].contiguous(), p, right=False)
    counts = torch.bincount(bin_ids, minlength=n_bins)
    sum_p = torch.bincount(bin_ids, weights=p, minlength=n_bins)
    sum_y = torch.bincount(bin_ids, weights=y, minlength=n_bins)
    keep = counts > 0
    return sum_y[keep] / counts[keep], sum_p[keep] / counts[keep], counts[keep]


def expected_cost(
    y_true: torch.Tensor, y_prob: torch.Tensor, threshold: float, cost_fn: float, cost_fp: float
) -> float:
    """The mean cost per example of deciding ``y_prob >= threshold``: ``(cost_fn * FN + cost_fp * FP) / n``."""
    cost_fn, cost_fp = _check_costs(cost_fn, cost_fp)
    c = confusion_counts(y_true, y_prob, threshold)
    return (cost_fn * c["fn"] + cost_fp * c["fp"]) / sum(c.values())


def cost_curve(
    y_true: torch.Tensor, y_prob: torch.Tensor, thresholds: torch.Tensor, cost_fn: float, cost_fp: float
) -> torch.Tensor:
    """:func:`expected_cost` at each of ``thresholds`` (a 1-D tensor); returns float64 costs, one per threshold."""
    y, p = _binary_inputs(y_true, y_prob, "y_prob")
    cost_fn, cost_fp = _check_costs(cost_fn, cost_fp)
    thresholds = check_tensor(thresholds, "thresholds")
    if thresholds.ndim != 1 or thresholds.numel() == 0:
        raise ValueError("thresholds must be a non-empty 1-D tensor, e.g. torch.linspace(0.01, 0.99, 99); "
                         f"got shape {tuple(thresholds.shape)}.")
    if torch.is_floating_point(thresholds) and bool(torch.isnan(thresholds).any()):
        raise ValueError(f"thresholds contains {int(torch.isnan(thresholds).sum())} NaN value(s); no score is >= NaN, "
                         "so those costs would be silently wrong. Use a grid such as torch.linspace(0.01, 0.99, 99).")
    predicted = p.reshape(1, -1) >= thresholds.double().reshape(-1, 1)  # (n_thresholds, n)
    fn = (~predicted & (y == 1)).sum(dim=1).double()
    fp = (predicted & (y == 0)).sum(dim=1).double()
    return (cost_fn * fn + cost_fp * fp) / y.numel()
