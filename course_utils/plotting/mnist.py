"""Figures of lesson 07: MNIST digits, training curves and what softmax regression learned."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from course_utils.plotting.style import COLORS, new_axes
from course_utils.validation import check_int, check_tensor

#: A diverging color map (orange, white, purple) that reads well with color-vision deficiencies:
#: negative weights orange, positive weights purple.
WEIGHT_CMAP = "PuOr"


def _images_2d(images: object, name: str = "images") -> torch.Tensor:
    """Accept ``(N, 28, 28)``, ``(N, 1, 28, 28)`` or ``(N, 784)`` (any dtype); return float ``(N, 28, 28)`` on CPU."""
    images = check_tensor(images, name).detach().cpu()
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    elif images.ndim == 2 and images.shape[1] == 784:
        images = images.reshape(-1, 28, 28)
    if images.ndim != 3:
        raise ValueError(
            f"{name} must be a batch of images shaped (N, 28, 28), (N, 1, 28, 28) or (N, 784); "
            f"got shape {tuple(images.shape)}. For one image use image.unsqueeze(0)."
        )
    return images.float()


def _labels(labels: object, n: int, name: str) -> list[int]:
    labels = check_tensor(labels, name).detach().cpu().reshape(-1)
    if len(labels) < n:
        raise ValueError(f"{name} has {len(labels)} entries but {n} images were given; pass one per image.")
    return [int(v) for v in labels[:n]]


def _grid(n: int, n_cols: int, size: float = 1.2, title_lines: int = 1) -> tuple[plt.Figure, list[Axes]]:
    n_rows = max(1, -(-n // n_cols))
    row_height = size + 0.2 * title_lines
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, row_height * n_rows + 0.6), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat:
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat


def plot_digit_grid(
    images: torch.Tensor,
    labels: torch.Tensor,
    n: int = 32,
    n_cols: int = 8,
    predictions: torch.Tensor | None = None,
    title: str = "MNIST digits with their labels",
) -> plt.Figure:
    """Show the first ``n`` images in a grid, each titled with its label (and prediction, if given).

    With ``predictions``, a wrong prediction is titled in vermillion.
    """
    imgs = _images_2d(images)
    check_int(n, "n", minimum=1, hint="It is how many images to show, e.g. n=32.")
    check_int(n_cols, "n_cols", minimum=1, hint="e.g. n_cols=8.")
    n = min(n, len(imgs))
    if n < 1:
        raise ValueError("images is empty; pass at least one image.")
    true = _labels(labels, n, "labels")
    pred = _labels(predictions, n, "predictions") if predictions is not None else None
    fig, axes = _grid(n, min(n_cols, n))
    for i in range(n):
        axes[i].imshow(imgs[i].numpy(), cmap="gray_r")
        if pred is None:
            axes[i].set_title(f"label {true[i]}", fontsize=9)
        else:
            wrong = pred[i] != true[i]
            axes[i].set_title(f"true {true[i]}, pred {pred[i]}", fontsize=8,
                              color=COLORS["vermillion"] if wrong else COLORS["black"])
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_class_counts(
    labels: torch.Tensor,
    n_classes: int = 10,
    ax: Axes | None = None,
    title: str = "How many images of each digit (training set)",
) -> Axes:
    """Bar chart of how many examples each class has, with the count on each bar."""
    n_classes = check_int(n_classes, "n_classes", minimum=1, hint="For MNIST it is 10.")
    labels = check_tensor(labels, "labels").detach().cpu().reshape(-1).long()
    if len(labels) == 0:
        raise ValueError("labels is empty; pass at least one label (e.g. y_train).")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"labels must be class indices 0..{n_classes - 1}; found {int(labels.min())} to {int(labels.max())}. "
            "Pass the labels (e.g. y_train), or the right n_classes."
        )
    counts = torch.bincount(labels, minlength=n_classes)
    ax = new_axes(ax)
    bars = ax.bar(range(len(counts)), counts.tolist(), color=COLORS["blue"], label="images per class")
    ax.bar_label(bars, labels=[f"{c:,}" for c in counts.tolist()], fontsize=8)
    ax.axhline(counts.float().mean().item(), color=COLORS["vermillion"], ls="--", lw=1,
               label=f"mean {counts.float().mean().item():,.0f}")
    ax.set_xticks(range(len(counts)))
    ax.set_xlabel("digit (class)")
    ax.set_ylabel("number of images")
    ax.set_title(title)
    ax.set_ylim(0, counts.max().item() * 1.2)
    ax.legend(loc="upper right", ncol=2, fontsize="small")
    return ax


def plot_epoch_history(history: object, title: str = "Training history") -> plt.Figure:
    """Two panels: loss and accuracy per epoch, for the training and (if recorded) the held-out set.

    ``history`` is a :class:`course_utils.mnist.EpochMetrics` or a dict with
    the keys ``train_loss``, ``train_accuracy`` and optionally ``val_loss``,
    ``val_accuracy`` (validation) or ``test_loss``, ``test_accuracy``
    (accuracies as fractions; plotted in percent).
    """
    h = history.as_dict() if hasattr(history, "as_dict") else dict(history)
    missing = [k for k in ("train_loss", "train_accuracy") if k not in h]
    if missing or not h["train_loss"]:
        raise ValueError("history needs non-empty 'train_loss' and 'train_accuracy' lists; "
                         f"missing {missing or 'values'}.")
    epochs = list(range(1, len(h["train_loss"]) + 1))
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    series = (("train", "train (mean over the epoch's batches)", COLORS["blue"], "o"),
              ("val", "validation (after the epoch)", COLORS["vermillion"], "s"),
              ("test", "test (after the epoch)", COLORS["vermillion"], "s"))
    for split, label, color, marker in series:
        if h.get(f"{split}_loss"):
            ax_loss.plot(epochs, h[f"{split}_loss"], marker=marker, color=color, label=label)
        if h.get(f"{split}_accuracy"):
            ax_acc.plot(epochs, [100 * a for a in h[f"{split}_accuracy"]], marker=marker, color=color, label=label)
    ax_loss.set_title("Cross-entropy loss per epoch")
    ax_loss.set_ylabel("mean loss")
    ax_acc.set_title("Accuracy per epoch")
    ax_acc.set_ylabel("accuracy (%)")
    for ax in (ax_loss, ax_acc):
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(
    cm: torch.Tensor,
    ax: Axes | None = None,
    title: str = "Confusion matrix (test set)",
    class_names: Sequence[str] | None = None,
) -> Axes:
    """Heat map of a confusion matrix ``cm[true, predicted]`` with the count in each cell.

    Colors use a logarithmic scale so the few mistakes stay visible next to
    the large diagonal.
    """
    cm = check_tensor(cm, "cm").detach().cpu()
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"cm must be a square matrix (true x predicted); got shape {tuple(cm.shape)}.")
    k = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    ax = new_axes(ax, figsize=(6.5, 5.5))
    shown = torch.log10(cm.double() + 1).numpy()
    image = ax.imshow(shown, cmap="Blues")
    ax.figure.colorbar(image, ax=ax, label="log10(count + 1)")
    threshold = shown.max() * 0.6
    for i in range(k):
        for j in range(k):
            ax.text(j, i, f"{int(cm[i, j])}", ha="center", va="center", fontsize=7,
                    color="white" if shown[i, j] > threshold else "black")
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.grid(False)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    return ax


def plot_weight_images(
    weights: object, title: str = "What each class looks for: weights as 28x28 images"
) -> plt.Figure:
    """Show each row of a ``(n_classes, 784)`` weight matrix (or a model's ``linear.weight``) as an image.

    One color scale, symmetric around 0, is shared by all panels: ink on a
    purple pixel pushes the score of that class up, ink on an orange one
    pushes it down.
    """
    if isinstance(weights, torch.nn.Module):
        weights = weights.linear.weight
    w = check_tensor(weights, "weights").detach().cpu()
    if w.ndim != 2 or w.shape[1] != 784:
        raise ValueError(f"weights must be shaped (n_classes, 784), like model.linear.weight; got {tuple(w.shape)}.")
    limit = w.abs().max().item()
    fig, axes = _grid(w.shape[0], min(5, w.shape[0]), size=2.0)
    image = None
    for c in range(w.shape[0]):
        image = axes[c].imshow(w[c].reshape(28, 28).numpy(), cmap=WEIGHT_CMAP, vmin=-limit, vmax=limit)
        axes[c].set_title(f"class {c}", fontsize=10)
    fig.suptitle(title)
    fig.tight_layout()
    fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
    return fig


def most_confident_mistakes(probabilities: torch.Tensor, y_true: torch.Tensor, k: int = 10) -> torch.Tensor:
    """Indices of the ``k`` wrong predictions made with the highest probability, most confident first."""
    check_int(k, "k", minimum=1, hint="It is how many mistakes to return, e.g. k=10.")
    probabilities = check_tensor(probabilities, "probabilities").detach().cpu()
    y_true = check_tensor(y_true, "y_true").detach().cpu().reshape(-1)
    if probabilities.ndim != 2 or len(probabilities) != len(y_true):
        raise ValueError(
            f"probabilities must be shaped (n, n_classes) with one row per label; got {tuple(probabilities.shape)} "
            f"for {len(y_true)} labels."
        )
    confidence, predicted = probabilities.max(dim=1)
    wrong = torch.nonzero(predicted != y_true).reshape(-1)
    order = torch.argsort(confidence[wrong], descending=True, stable=True)
    return wrong[order[:k]]


def plot_confident_mistakes(
    images: torch.Tensor,
    y_true: torch.Tensor,
    probabilities: torch.Tensor,
    k: int = 10,
    n_cols: int = 5,
    title: str = "The most confident mistakes",
) -> plt.Figure:
    """The ``k`` test images the model got wrong with the highest confidence, titled true/predicted/probability."""
    imgs = _images_2d(images)
    idx = most_confident_mistakes(probabilities, y_true, k)
    if len(idx) == 0:
        raise ValueError("there are no mistakes to show: every prediction is right.")
    probabilities = probabilities.detach().cpu()
    y_true = y_true.detach().cpu().reshape(-1)
    fig, axes = _grid(len(idx), min(n_cols, len(idx)), size=1.8, title_lines=2)
    for ax, i in zip(axes, idx.tolist(), strict=False):
        p, pred = probabilities[i].max(dim=0)
        ax.imshow(imgs[i].numpy(), cmap="gray_r")
        ax.set_title(f"#{i}: true {int(y_true[i])}\npred {int(pred)} (p={p.item():.3f})", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_probabilities(
    probabilities: torch.Tensor,
    true_label: int | None = None,
    ax: Axes | None = None,
    title: str = "The model's ten probabilities",
) -> Axes:
    """Bar chart of one image's ten class probabilities; the predicted class is highlighted."""
    p = check_tensor(probabilities, "probabilities").detach().cpu().reshape(-1)
    predicted = int(p.argmax())
    colors = [COLORS["vermillion"] if c == predicted else COLORS["sky"] for c in range(len(p))]
    ax = new_axes(ax)
    bars = ax.bar(range(len(p)), p.tolist(), color=colors)
    ax.bar_label(bars, labels=[f"{v:.2f}" if v >= 0.01 else "" for v in p.tolist()], fontsize=8)
    handles = [bars[predicted]]
    names = [f"predicted: {predicted}"]
    if true_label is not None:
        line = ax.axvline(true_label, color=COLORS["black"], ls=":", lw=1.5)
        handles.append(line)
        names.append(f"true label: {true_label}")
    ax.set_xticks(range(len(p)))
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("class")
    ax.set_ylabel("probability")
    ax.set_title(title)
    ax.legend(handles, names, loc="upper left", fontsize="small")
    return ax


def plot_prediction(
    image: torch.Tensor,
    probabilities: torch.Tensor,
    true_label: int | None = None,
    title: str = "One image and its predicted probabilities",
) -> plt.Figure:
    """The image on the left, the bar chart of its probabilities on the right."""
    img = _images_2d(check_tensor(image, "image").reshape(1, 28, 28))[0]
    fig, (ax_img, ax_bar) = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 2.4]})
    ax_img.imshow(img.numpy(), cmap="gray_r")
    ax_img.set_xticks([])
    ax_img.set_yticks([])
    ax_img.grid(False)
    ax_img.set_title("input image" + (f" (label {true_label})" if true_label is not None else ""))
    plot_probabilities(probabilities, true_label=true_label, ax=ax_bar)
    fig.suptitle(title)
    fig.tight_layout()
    return fig

