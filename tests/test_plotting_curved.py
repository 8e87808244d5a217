"""Lesson 05's figures: boundaries of any model through a feature map, validation curves, the explorer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.contour import ContourSet

from course_utils import LogisticRegression
from course_utils.features import PolynomialFeatureMap, fit_polynomial_logistic
from course_utils.plotting import plot_decision_boundary, plot_probability_surface, plot_validation_curve
from course_utils.synthetic import make_circles
from course_utils.widgets import curved_boundary_explorer, curved_boundary_run


@pytest.fixture(scope="module")
def circles():
    X, y = make_circles(n_samples=120, noise=0.05, seed=0)
    model, fmap = fit_polynomial_logistic(X, y, degree=2, weight_decay=1e-2)
    return X, y, model, fmap


def half_contour(ax) -> ContourSet:
    (half,) = [c for c in ax.collections if isinstance(c, ContourSet) and list(c.levels) == [0.5]]
    return half


def test_curved_boundary_is_the_half_contour_of_the_mapped_model(circles):
    X, y, model, fmap = circles
    ax = plot_decision_boundary(model, X, y, feature_map=fmap, title="circles")
    assert not [ln for ln in ax.lines if ln.get_label().startswith("decision line")]
    segment = torch.as_tensor(np.concatenate(half_contour(ax).allsegs[0]), dtype=torch.float32)
    p = model.predict_proba(fmap(segment))
    assert torch.all((p - 0.5).abs() < 0.05)
    # A circle-like boundary: every point of it is about the same distance from the origin.
    radius = segment.norm(dim=1)
    assert 0.55 < float(radius.min()) and float(radius.max()) < 0.95
    assert ax.get_title() == "circles"
    assert "decision boundary (p = 0.5)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_probability_surface_with_a_feature_map(circles):
    X, y, model, fmap = circles
    ax = plot_probability_surface(model, X, y, feature_map=fmap, colorbar=False)
    segment = torch.as_tensor(np.concatenate(half_contour(ax).allsegs[0]), dtype=torch.float32)
    assert torch.all((model.predict_proba(fmap(segment)) - 0.5).abs() < 0.05)


def test_a_feature_map_is_applied_before_the_model(circles):
    X, y, _, _ = circles
    model = LogisticRegression(2)
    with torch.no_grad():
        model.linear.weight.copy_(torch.tensor([[1.0, -2.0]]))
        model.linear.bias.fill_(0.5)
    ax = plot_decision_boundary(model, X, y, feature_map=lambda points: 2 * points)
    segment = np.concatenate(half_contour(ax).allsegs[0])
    np.testing.assert_allclose(segment @ np.array([2.0, -4.0]) + 0.5, 0.0, atol=1e-3)


def test_feature_map_mistakes_are_explained(circles):
    X, y, model, fmap = circles
    with pytest.raises(ValueError, match="pass feature_map= for a model trained on mapped features"):
        plot_decision_boundary(model, X, y)  # 5-feature model without its map
    with pytest.raises(ValueError, match="Pass the feature map the model was trained with"):
        plot_decision_boundary(model, X, y, feature_map=PolynomialFeatureMap(3).fit(X))
    with pytest.raises(TypeError, match="feature_map must be a function"):
        plot_decision_boundary(model, X, y, feature_map="poly")


def test_validation_curve_draws_both_scores_and_the_choice():
    ax = plot_validation_curve([1e-3, 1e-2, 1e-1], [0.9, 0.85, 0.8], [0.8, 0.86, 0.7],
                               xlabel="weight decay", log_x=True, chosen=1e-2)
    train, val = ax.lines[0], ax.lines[1]
    assert (train.get_label(), val.get_label()) == ("train", "validation")
    np.testing.assert_allclose(val.get_data()[1], [0.8, 0.86, 0.7])
    assert ax.lines[2].get_label() == "chosen on validation" and ax.lines[2].get_xdata()[0] == 1e-2
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "weight decay" and ax.get_ylabel() == "accuracy"
    assert ax.get_title() == "Train and validation accuracy by weight decay"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"values": []}, "at least one"),
        ({"val_scores": [0.5]}, "one score of each kind per value"),
        ({"values": [0, 1], "log_x": True}, "log_x needs positive values"),
        ({"chosen": 5}, "is not one of the values"),
    ],
)
def test_validation_curve_bad_inputs(kwargs, match):
    args = {"values": [1, 2], "train_scores": [0.9, 0.8], "val_scores": [0.7, 0.6], "xlabel": "degree"}
    args.update(kwargs)
    if not args["values"]:
        args["train_scores"] = args["val_scores"] = []
    with pytest.raises(ValueError, match=match):
        plot_validation_curve(**args)


def test_explorer_refits_when_the_sliders_move(circles):
    X, y, _, _ = circles
    X_tr, y_tr, X_va, y_va = X[:80], y[:80], X[80:], y[80:]
    box = curved_boundary_explorer(X_tr, y_tr, X_va, y_va, degree=1, weight_decay=1e-3, show=False)
    degree_slider, decay_slider = box.children[0].children
    readout = box.children[1]
    assert "degree 1" in readout.value
    degree_slider.value = 2
    run = curved_boundary_run(X_tr, y_tr, X_va, y_va, 2, decay_slider.value)
    assert "degree 2" in readout.value and f"validation accuracy {run['val_accuracy']:.3f}" in readout.value
    assert run["val_accuracy"] > 0.9 and run["feature_map"].n_outputs == 5


def test_explorer_opens_on_a_grid_value_of_lambda_and_shows_it(circles):
    X, y, _, _ = circles
    X_tr, y_tr, X_va, y_va = X[:80], y[:80], X[80:], y[80:]
    box = curved_boundary_explorer(X_tr, y_tr, X_va, y_va, degree=2, weight_decay=10 ** -2.5, show=False)
    _, decay_slider = box.children[0].children
    assert decay_slider.value == pytest.approx(10 ** -2.5)
    assert "weight decay 0.0032" in box.children[1].value


@pytest.mark.parametrize("kwargs, match", [
    ({"weight_decay": 3e-3}, r"slider's grid 10 \*\* \(k / 2\).*got 0\.003"),
    ({"weight_decay": 0.0}, r"slider's grid"),
    ({"weight_decay": 10.0}, r"slider's grid"),
    ({"degree": 13}, r"degree must be an int from 1 to 12"),
    ({"degree": 2.0}, r"degree must be an int from 1 to 12"),
])
def test_explorer_refuses_settings_its_sliders_cannot_show(circles, kwargs, match):
    X, y, _, _ = circles
    args = {"degree": 2, "weight_decay": 1e-3, **kwargs}
    with pytest.raises(ValueError, match=match):
        curved_boundary_explorer(X[:80], y[:80], X[80:], y[80:], show=False, **args)
