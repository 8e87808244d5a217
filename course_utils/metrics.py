"""Accuracy and confusion matrices, computed with torch (no scikit-learn needed)."""

from __future__ import annotations

import torch

from course_utils.validation import check_tensor


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
    if n_classes is None:
        n_classes = int(max(y_true.max().item(), y_pred.max().item())) + 1 if y_true.numel() else 0
    if min(y_true.min().item(), y_pred.min().item(), 0) < 0 or max(y_true.max().item(), y_pred.max().item()) >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1} for n_classes={n_classes}.")
    flat = y_true * n_classes + y_pred
    return torch.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_class_accuracy(cm: torch.Tensor) -> torch.Tensor:
    """Recall of each class from a confusion matrix: ``C[i, i] / C[i, :].sum()`` (NaN for absent classes)."""
    cm = check_tensor(cm, "cm")
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square confusion matrix; got shape {tuple(cm.shape)}.")
    totals = cm.sum(dim=1).double()
    return torch.where(totals > 0, cm.diagonal().double() / totals, torch.full_like(totals, float("nan")))
