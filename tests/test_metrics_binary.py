"""The binary decision metrics of course_utils.metrics agree with sklearn.metrics to 1e-6.

Ties and edge cases included.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from course_utils import metrics


def _cases():
    gen = torch.Generator().manual_seed(0)
    y = (torch.rand(300, generator=gen) < 0.35).long()
    continuous = torch.clamp(0.5 * y + 0.7 * torch.rand(300, generator=gen), 0, 1)
    tied = (continuous * 10).round() / 10  # many ties, across classes
    return {
        "continuous": (y, continuous),
        "ties": (y, tied),
        "all tied": (y, torch.full((300,), 0.5)),
        "column shapes": (y.reshape(-1, 1).float(), continuous.reshape(-1, 1)),
        "perfect": (torch.tensor([0, 0, 1, 1]), torch.tensor([0.1, 0.2, 0.8, 0.9])),
        "reversed": (torch.tensor([1, 1, 0, 0]), torch.tensor([0.1, 0.2, 0.8, 0.9])),
        "one positive": (torch.tensor([0, 0, 0, 1, 0]), torch.tensor([0.3, 0.3, 0.9, 0.3, 0.0])),
    }


CASES = _cases()


def _np(y, s):
    return y.reshape(-1).numpy().astype(int), s.reshape(-1).double().numpy()


@pytest.mark.parametrize("name", CASES)
def test_roc_curve_and_auc_match_sklearn(name):
    y, s = CASES[name]
    yn, sn = _np(y, s)
    fpr, tpr, thr = metrics.roc_curve(y, s)
    f, t, th = skm.roc_curve(yn, sn, drop_intermediate=False)
    np.testing.assert_allclose(fpr.numpy(), f, atol=1e-6)
    np.testing.assert_allclose(tpr.numpy(), t, atol=1e-6)
    np.testing.assert_allclose(thr.numpy(), th, atol=1e-6)
    assert abs(metrics.roc_auc(y, s) - skm.roc_auc_score(yn, sn)) < 1e-6


@pytest.mark.parametrize("name", CASES)
def test_precision_recall_curve_and_average_precision_match_sklearn(name):
    y, s = CASES[name]
    yn, sn = _np(y, s)
    p, r, thr = metrics.precision_recall_curve(y, s)
    P, R, TH = skm.precision_recall_curve(yn, sn)
    np.testing.assert_allclose(p.numpy(), P, atol=1e-6)
    np.testing.assert_allclose(r.numpy(), R, atol=1e-6)
    np.testing.assert_allclose(thr.numpy(), TH, atol=1e-6)
    assert abs(metrics.average_precision(y, s) - skm.average_precision_score(yn, sn)) < 1e-6


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("threshold", [0.0, 0.3, 0.5, 0.9, 1.0])
def test_confusion_and_precision_recall_f1_match_sklearn(name, threshold):
    y, s = CASES[name]
    yn, sn = _np(y, s)
    pred = (sn >= threshold).astype(int)
    c = metrics.confusion_counts(y, s, threshold)
    tn, fp, fn, tp = skm.confusion_matrix(yn, pred, labels=[0, 1]).ravel()
    assert c == {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
    got = metrics.precision_recall_f1(y, torch.as_tensor(pred))
    want = (skm.precision_score(yn, pred, zero_division=0), skm.recall_score(yn, pred, zero_division=0),
            skm.f1_score(yn, pred, zero_division=0))
    assert all(isinstance(v, float) for v in got)
    np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("n_bins", [1, 5, 10])
def test_brier_and_calibration_bins_match_sklearn(name, n_bins):
    y, s = CASES[name]
    yn, sn = _np(y, s)
    assert abs(metrics.brier_score(y, s) - skm.brier_score_loss(yn, sn)) < 1e-6
    frac, mean_p, counts = metrics.calibration_bins(y, s, n_bins)
    F, M = calibration_curve(yn, sn, n_bins=n_bins)
    np.testing.assert_allclose(frac.numpy(), F, atol=1e-6)
    np.testing.assert_allclose(mean_p.numpy(), M, atol=1e-6)
    assert int(counts.sum()) == len(yn)


def test_bin_edges_follow_sklearn_for_values_on_an_edge():
    y = torch.tensor([0, 1, 0, 1, 1])
    p = torch.tensor([0.1, 0.2, 0.3, 0.7, 1.0], dtype=torch.float64)
    F, M = calibration_curve(y.numpy(), p.numpy(), n_bins=10)
    frac, mean_p, _ = metrics.calibration_bins(y, p, 10)
    np.testing.assert_allclose(frac.numpy(), F)
    np.testing.assert_allclose(mean_p.numpy(), M)


def test_expected_cost_and_cost_curve():
    y = torch.tensor([1, 0, 0, 1])
    p = torch.tensor([0.9, 0.6, 0.2, 0.3])
    # at 0.5: one miss (0.3), one false alarm (0.6)
    assert metrics.expected_cost(y, p, 0.5, cost_fn=10, cost_fp=1) == pytest.approx(11 / 4)
    thresholds = torch.tensor([0.1, 0.5, 0.95])
    np.testing.assert_allclose(metrics.cost_curve(y, p, thresholds, 10, 1).numpy(), [2 / 4, 11 / 4, 20 / 4])


def test_zero_division_gives_zero():
    assert metrics.precision_recall_f1(torch.tensor([0, 0, 1]), torch.tensor([0, 0, 0])) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("call, match", [
    (lambda: metrics.roc_curve(torch.zeros(4), torch.rand(4)), "both classes"),
    (lambda: metrics.precision_recall_curve(torch.zeros(4), torch.rand(4)), "no positives"),
    (lambda: metrics.brier_score(torch.tensor([0, 1]), torch.tensor([-2.0, 3.0])), "sigmoid"),
    (lambda: metrics.confusion_counts(torch.tensor([0, 2]), torch.tensor([0.1, 0.2])), "0 and 1"),
    (lambda: metrics.roc_auc(torch.tensor([0, 1]), torch.tensor([0.1, float("nan")])), "nan"),
    (lambda: metrics.roc_auc(torch.tensor([0, 1, 1]), torch.tensor([0.1, 0.2])), "match"),
    (lambda: metrics.precision_recall_f1(torch.tensor([0, 1]), torch.tensor([0.2, 0.7])),
     "not probabilities|non-integer"),
    (lambda: metrics.cost_curve(torch.tensor([0, 1]), torch.tensor([0.2, 0.7]), torch.tensor([0.5]), -1, 1), "cost_fn"),
    (lambda: metrics.calibration_bins(torch.tensor([0, 1]), torch.tensor([0.2, 0.7]), 0), "n_bins"),
])
def test_bad_inputs_say_how_to_fix(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
