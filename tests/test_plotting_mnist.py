"""Figures of lesson 07 (course_utils.plotting.mnist): what is drawn, not the pixels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_utils.mnist import EpochMetrics
from course_utils.plotting import (
    COLORS,
    most_confident_mistakes,
    plot_class_counts,
    plot_confident_mistakes,
    plot_confusion_matrix,
    plot_digit_grid,
    plot_epoch_history,
    plot_prediction,
    plot_probabilities,
    plot_weight_images,
)


def _images(n: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, 256, (n, 28, 28), generator=g, dtype=torch.uint8), torch.arange(n) % 10


def _visible(fig) -> list:
    return [ax for ax in fig.axes if ax.get_visible() and ax.images]


def test_digit_grid_titles_each_image_with_its_label():
    images, labels = _images(12)
    fig = plot_digit_grid(images, labels, n=10, n_cols=5)
    axes = _visible(fig)
    assert len(axes) == 10
    assert [ax.get_title() for ax in axes] == [f"label {i}" for i in range(10)]
    np.testing.assert_array_equal(axes[3].images[0].get_array(), images[3].float().numpy())
    assert fig._suptitle.get_text()


def test_digit_grid_accepts_normalized_batches_and_marks_wrong_predictions():
    images = torch.randn(4, 1, 28, 28)
    labels = torch.tensor([1, 2, 3, 4])
    fig = plot_digit_grid(images, labels, predictions=torch.tensor([1, 0, 3, 4]))
    axes = _visible(fig)
    assert axes[1].get_title() == "true 2, pred 0"
    assert axes[1].title.get_color() == COLORS["vermillion"]
    assert axes[0].title.get_color() == COLORS["black"]


def test_digit_grid_rejects_wrong_shapes():
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        plot_digit_grid(torch.zeros(28, 28), torch.tensor([0]))
    with pytest.raises(ValueError, match="one per image"):
        plot_digit_grid(torch.zeros(3, 28, 28), torch.tensor([0]))


def test_class_counts_bars_equal_bincount():
    labels = torch.tensor([0, 1, 1, 2, 2, 2, 9])
    ax = plot_class_counts(labels)
    heights = [p.get_height() for p in ax.patches]
    assert heights == [1, 2, 3, 0, 0, 0, 0, 0, 0, 1]
    assert ax.get_xlabel() == "digit (class)" and ax.get_ylabel() == "number of images"
    assert ax.get_title()
    assert ax.get_legend() is not None


def test_epoch_history_plots_every_series_in_percent():
    history = EpochMetrics(train_loss=[0.5, 0.3], train_accuracy=[0.9, 0.92],
                      val_loss=[0.55, 0.35], val_accuracy=[0.89, 0.915], lr=[0.01, 0.005])
    fig = plot_epoch_history(history)
    ax_loss, ax_acc = fig.axes
    assert [line.get_label() for line in ax_loss.lines] == ["train (mean over the epoch's batches)",
                                                            "validation (after the epoch)"]
    np.testing.assert_allclose(ax_loss.lines[1].get_ydata(), [0.55, 0.35])
    np.testing.assert_allclose(ax_acc.lines[0].get_ydata(), [90.0, 92.0])
    np.testing.assert_array_equal(ax_acc.lines[0].get_xdata(), [1, 2])
    assert ax_acc.get_ylabel() == "accuracy (%)" and ax_loss.get_xlabel() == "epoch"
    assert ax_loss.get_title() and ax_acc.get_title()


def test_epoch_history_without_test_and_from_a_dict():
    fig = plot_epoch_history({"train_loss": [1.0, 0.5, 0.4], "train_accuracy": [0.5, 0.8, 0.85]})
    assert [len(ax.lines) for ax in fig.axes] == [1, 1]
    fig = plot_epoch_history({"train_loss": [1.0], "train_accuracy": [0.5], "test_loss": [0.9], "test_accuracy": [0.6]})
    assert fig.axes[1].lines[1].get_label() == "test (after the epoch)"
    with pytest.raises(ValueError, match="train_loss"):
        plot_epoch_history({"train_accuracy": [0.5]})


def test_confusion_matrix_shows_every_count():
    cm = torch.tensor([[5, 1], [0, 7]])
    ax = plot_confusion_matrix(cm)
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "5", "7"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(torch.zeros(2, 3))


def test_weight_images_share_a_symmetric_scale():
    weights = torch.linspace(-2, 1, 7840).reshape(10, 784)
    fig = plot_weight_images(weights)
    axes = _visible(fig)
    assert [ax.get_title() for ax in axes] == [f"class {c}" for c in range(10)]
    for ax in axes:
        assert ax.images[0].get_clim() == (-2.0, 2.0)
    np.testing.assert_allclose(axes[4].images[0].get_array(), weights[4].reshape(28, 28).numpy())


def test_weight_images_accept_a_model_and_reject_bad_shapes():
    from course_utils.models import SoftmaxRegression

    assert len(_visible(plot_weight_images(SoftmaxRegression()))) == 10
    with pytest.raises(ValueError, match=r"\(n_classes, 784\)"):
        plot_weight_images(torch.zeros(10, 100))


def test_most_confident_mistakes_by_hand():
    probs = torch.tensor([
        [0.9, 0.1],   # predicts 0, true 0: right
        [0.8, 0.2],   # predicts 0, true 1: wrong, confidence 0.8
        [0.3, 0.7],   # predicts 1, true 0: wrong, confidence 0.7
        [0.05, 0.95],  # predicts 1, true 0: wrong, confidence 0.95
    ])
    y_true = torch.tensor([0, 1, 0, 0])
    assert most_confident_mistakes(probs, y_true, k=2).tolist() == [3, 1]
    assert most_confident_mistakes(probs, y_true, k=10).tolist() == [3, 1, 2]


def test_confident_mistakes_figure_titles():
    images = torch.zeros(3, 1, 28, 28)
    probs = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    fig = plot_confident_mistakes(images, torch.tensor([0, 0, 1]), probs, k=5)
    titles = [ax.get_title() for ax in _visible(fig)]
    assert titles == ["#1: true 0\npred 1 (p=0.800)", "#2: true 1\npred 0 (p=0.600)"]
    with pytest.raises(ValueError, match="no mistakes"):
        plot_confident_mistakes(images, torch.tensor([0, 1, 0]), probs)


def test_probabilities_bar_chart_highlights_the_prediction():
    p = torch.softmax(torch.tensor([0.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]), dim=0)
    ax = plot_probabilities(p, true_label=2)
    bars = ax.patches
    np.testing.assert_allclose([b.get_height() for b in bars], p.numpy(), rtol=1e-6)
    assert bars[1].get_facecolor() != bars[0].get_facecolor()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["predicted: 1", "true label: 2"]
    assert ax.get_xlabel() == "class" and ax.get_ylabel() == "probability"


def test_prediction_figure_has_image_and_bars():
    fig = plot_prediction(torch.zeros(1, 1, 28, 28), torch.full((10,), 0.1), true_label=3)
    ax_img, ax_bar = fig.axes
    assert ax_img.images and ax_img.get_title() == "input image (label 3)"
    assert len(ax_bar.patches) == 10
    plt.close(fig)
