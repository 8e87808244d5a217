"""Lesson 06's figures: what they draw (data, labels, titles, legends), not their pixels."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from course_utils import metrics
from course_utils.plotting import (
    plot_binary_confusion,
    plot_cost_curve,
    plot_precision_recall,
    plot_reliability,
    plot_roc,
)

Y = torch.tensor([0, 0, 1, 1, 0, 1, 0, 1])
P = torch.tensor([0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.7])


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _labeled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_confusion_shows_the_four_counts():
    ax = plot_binary_confusion(Y, P, threshold=0.5)
    _labeled(ax)
    c = metrics.confusion_counts(Y, P, 0.5)
    texts = {t.get_text() for t in ax.texts}
    assert texts == {f"TN\n{c['tn']}", f"FP\n{c['fp']}", f"FN\n{c['fn']}", f"TP\n{c['tp']}"}
    assert "0.50" in ax.get_title()


def test_roc_draws_the_curve_with_its_auc():
    ax = plot_roc({"val": (Y, P)})
    _labeled(ax)
    fpr, tpr, _ = metrics.roc_curve(Y, P)
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), fpr.numpy())
    np.testing.assert_allclose(line.get_ydata(), tpr.numpy())
    labels = ax.get_legend_handles_labels()[1]
    assert labels[0] == f"val (AUC {metrics.roc_auc(Y, P):.4f})" and "chance" in labels[1]


def test_precision_recall_draws_steps_and_the_baseline():
    ax = plot_precision_recall({"val": (Y, P)})
    _labeled(ax)
    precision, recall, _ = metrics.precision_recall_curve(Y, P)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), recall.numpy())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), precision.numpy())
    assert f"AP {metrics.average_precision(Y, P):.4f}" in ax.get_legend_handles_labels()[1][0]
    assert ax.lines[1].get_ydata()[0] == pytest.approx(0.5)


def test_reliability_plots_bins_and_the_diagonal():
    ax = plot_reliability({"a": (Y, P), "b": (Y, torch.full_like(P, 0.5))}, n_bins=5)
    _labeled(ax)
    frac, mean_p, _ = metrics.calibration_bins(Y, P, 5)
    np.testing.assert_allclose(ax.lines[1].get_xdata(), mean_p.numpy())
    np.testing.assert_allclose(ax.lines[1].get_ydata(), frac.numpy())
    labels = ax.get_legend_handles_labels()[1]
    assert labels[0] == "perfectly calibrated" and f"Brier {metrics.brier_score(Y, P):.4f}" in labels[1]
    assert len(labels) == 3


def test_cost_curve_and_chosen_threshold():
    thresholds = torch.linspace(0.01, 0.99, 99)
    costs = metrics.cost_curve(Y, P, thresholds, 10, 1)
    ax = plot_cost_curve(thresholds, {"val": costs}, chosen={"chosen": 0.3})
    _labeled(ax)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), costs.numpy())
    assert ax.lines[1].get_xdata()[0] == pytest.approx(0.3)
    assert ax.get_legend_handles_labels()[1] == ["val", "chosen: 0.30"]


@pytest.mark.parametrize("call", [
    lambda: plot_roc((Y, P)),
    lambda: plot_reliability({"a": Y}),
    lambda: plot_cost_curve(torch.linspace(0, 1, 5), {"a": torch.zeros(3)}),
])
def test_bad_inputs_say_how_to_fix(call):
    with pytest.raises(ValueError, match="dict|pair|thresholds"):
        call()
