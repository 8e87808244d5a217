"""Lesson 04's figures, tested on what they draw (data, labels, titles), not on pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.collections import PathCollection
from matplotlib.contour import ContourSet
from torch import nn

from course_utils import LogisticRegression, set_seed
from course_utils.models import SoftmaxRegression
from course_utils.plotting import (
    CLASS_COLORS,
    plot_bce_branches,
    plot_candidate_lines,
    plot_decision_boundary,
    plot_histories,
    plot_loss_curve,
    plot_points_2d,
    plot_probability_surface,
)
from course_utils.synthetic import make_two_blobs
from course_utils.training import train_logistic_regression


@pytest.fixture(scope="module")
def data():
    return make_two_blobs(n_samples=60, overlap=1.0, seed=0)


def linear_model(w1: float, w2: float, b: float) -> LogisticRegression:
    model = LogisticRegression(2)
    with torch.no_grad():
        model.linear.weight[:] = torch.tensor([[w1, w2]])
        model.linear.bias[:] = torch.tensor([b])
    return model


def scatter_by_label(ax) -> dict[str, np.ndarray]:
    return {c.get_label(): np.asarray(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection)}


def contour_sets(ax) -> list[ContourSet]:
    return [c for c in ax.collections if isinstance(c, ContourSet)]


# --------------------------------------------------------------------------- points


def test_points_are_split_by_class_with_class_colors(data):
    X, y = data
    ax = plot_points_2d(X, y, title="Training points")
    points = scatter_by_label(ax)
    np.testing.assert_allclose(points["class 0"], X[y[:, 0] == 0].numpy())
    np.testing.assert_allclose(points["class 1"], X[y[:, 0] == 1].numpy())
    colors = {c.get_label(): c.get_facecolor()[0][:3] for c in ax.collections}
    np.testing.assert_allclose(colors["class 1"], tuple(int(CLASS_COLORS[1][i:i + 2], 16) / 255 for i in (1, 3, 5)))
    assert ax.get_title() == "Training points"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"class 0", "class 1"}


def test_points_bad_inputs(data):
    X, y = data
    with pytest.raises(ValueError, match="need exactly 2"):
        plot_points_2d(torch.zeros(5, 3), torch.zeros(5))
    with pytest.raises(ValueError, match="y has 59 labels but X has 60 rows"):
        plot_points_2d(X, y[:-1])
    with pytest.raises(ValueError, match="only the labels 0 and 1"):
        plot_points_2d(X, y + 1)


# --------------------------------------------------------------------------- models


def test_linear_model_gets_its_exact_line(data):
    X, y = data
    model = linear_model(2.0, -1.0, 0.5)
    ax = plot_decision_boundary(model, X, y, title="train")
    (line,) = [ln for ln in ax.lines if ln.get_label().startswith("decision line")]
    x1, x2 = line.get_data()
    np.testing.assert_allclose(2.0 * x1 - 1.0 * x2 + 0.5, 0.0, atol=1e-5)
    assert ax.get_title() == "train"
    # The line spans the axes, which cover every point.
    (xmin, xmax), (ymin, ymax) = ax.get_xlim(), ax.get_ylim()
    assert xmin < X[:, 0].min() and X[:, 0].max() < xmax and ymin < X[:, 1].min() and X[:, 1].max() < ymax


def test_misclassified_points_are_ringed(data):
    X, y = data
    model = linear_model(1.0, 1.0, 0.0)
    predicted = (X.sum(1) >= 0).float()
    wrong = predicted != y[:, 0]
    ax = plot_decision_boundary(model, X, y)
    rings = scatter_by_label(ax)[f"misclassified ({int(wrong.sum())})"]
    np.testing.assert_allclose(rings, X[wrong].numpy())
    assert 0 < int(wrong.sum()) < len(X)


class TinyMLP(nn.Module):
    """A curved model that is not the course's: the plots accept it because it has ``predict_proba``."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X)

    def predict_proba(self, X: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self(X))


def test_other_model_with_predict_proba_gets_a_contour(data):
    X, y = data
    set_seed(0)
    model = TinyMLP()
    ax = plot_decision_boundary(model, X, y)
    assert not [ln for ln in ax.lines if ln.get_label().startswith("decision line")]
    levels = [list(cs.levels) for cs in contour_sets(ax)]
    assert [0.5] in levels
    boundary = next(cs for cs in contour_sets(ax) if list(cs.levels) == [0.5])
    segment = torch.as_tensor(np.concatenate(boundary.allsegs[0]), dtype=torch.float32)
    p = model.predict_proba(segment).detach()
    assert torch.all((p - 0.5).abs() < 0.05)
    assert "decision boundary (p = 0.5)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_probability_surface_has_the_half_contour_on_the_line(data):
    X, y = data
    model = linear_model(1.0, 2.0, -0.5)
    ax = plot_probability_surface(model, X, y)
    half = [cs for cs in contour_sets(ax) if list(cs.levels) == [0.5]]
    assert len(half) == 1
    segment = np.concatenate(half[0].allsegs[0])
    np.testing.assert_allclose(segment @ np.array([1.0, 2.0]) - 0.5, 0.0, atol=1e-3)
    assert any(list(cs.levels) == [0.1, 0.9] for cs in contour_sets(ax))
    assert ax.get_title() == "Probability of class 1"
    assert ax.figure.axes[-1].get_ylabel() == "p(class 1 | x)"  # the color bar
    assert "class 1" in scatter_by_label(ax)


def test_probability_surface_without_points():
    ax = plot_probability_surface(linear_model(1.0, 1.0, 0.0), colorbar=False, xlim=(-3, 3), ylim=(-2, 2))
    assert ax.get_xlim() == (-3, 3) and ax.get_ylim() == (-2, 2)
    with pytest.raises(ValueError, match="Pass both X and y"):
        plot_probability_surface(linear_model(1.0, 1.0, 0.0), X=torch.zeros(3, 2))


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (LogisticRegression(3), "binary model with 2 inputs.*expects 3"),
        (SoftmaxRegression(2, 10), "single output per row.*shape \\(3, 10\\).*multi-class"),
    ],
)
def test_other_models_are_refused_with_a_clear_message(data, model, match):
    X, y = data
    for plot in (plot_decision_boundary, plot_probability_surface):
        with pytest.raises(ValueError, match=match):
            plot(model, X, y)


@pytest.mark.parametrize("model", ["model", nn.Linear(2, 1), nn.Sequential(nn.Linear(2, 1), nn.Sigmoid())])
def test_models_without_predict_proba_are_refused(data, model):
    X, y = data
    for plot in (plot_decision_boundary, plot_probability_surface):
        with pytest.raises(TypeError, match="model must have a predict_proba method.*LogisticRegression\\(2\\)"):
            plot(model, X, y)


def test_points_with_more_than_two_features_are_refused():
    with pytest.raises(ValueError, match="need exactly 2"):
        plot_decision_boundary(linear_model(1, 1, 0), torch.zeros(4, 3), torch.zeros(4))


def test_candidate_lines_carry_their_losses(data):
    X, y = data
    ax = plot_candidate_lines(X, y, [(1, 1, 0), (0, 2, -1)], losses=[0.5, 0.75])
    labels = [ln.get_label() for ln in ax.lines]
    assert labels == ["w = (1, 1), b = 0: loss 0.500", "w = (0, 2), b = -1: loss 0.750"]
    x1, x2 = ax.lines[1].get_data()
    np.testing.assert_allclose(2 * x2 - 1, 0.0, atol=1e-9)
    with pytest.raises(ValueError, match="one per line"):
        plot_candidate_lines(X, y, [(1, 1, 0)], losses=[0.1, 0.2])
    with pytest.raises(ValueError, match="triples"):
        plot_candidate_lines(X, y, [(1, 1)])


# --------------------------------------------------------------------------- loss and training


def test_bce_branches_are_minus_log_p_and_minus_log_one_minus_p():
    ax = plot_bce_branches()
    y1, y0 = ax.lines[0], ax.lines[1]
    p, loss1 = y1.get_data()
    np.testing.assert_allclose(loss1, -np.log(np.asarray(p)), rtol=1e-5)
    p, loss0 = y0.get_data()
    np.testing.assert_allclose(loss0, -np.log(1 - np.asarray(p)), rtol=1e-5)
    assert ax.get_xlabel().startswith("p") and ax.get_ylabel() == "loss for one example"
    assert len(ax.get_legend().get_texts()) == 3
    with pytest.raises(ValueError, match="p_min"):
        plot_bce_branches(p_min=0.7)


@pytest.fixture(scope="module")
def histories(data):
    X, y = data
    runs = {}
    for lr in (0.1, 1.0):
        set_seed(0)
        runs[f"lr = {lr}"] = train_logistic_regression(LogisticRegression(2), X, y, lr=lr, num_epochs=20)
    return runs


def test_loss_curve_plots_the_history(histories):
    history = histories["lr = 1.0"]
    ax = plot_loss_curve(history)
    epochs, loss = ax.lines[0].get_data()
    np.testing.assert_array_equal(epochs, np.arange(21))
    np.testing.assert_allclose(loss, history.loss)
    assert ax.get_xlabel() == "epoch" and ax.get_title() == "Loss during training"
    with pytest.raises(ValueError, match="ObjectiveHistory"):
        plot_loss_curve(object())


def test_histories_compare_runs(histories):
    ax = plot_histories(histories, metric="grad_norm")
    assert [ln.get_label() for ln in ax.lines] == ["lr = 0.1", "lr = 1.0"]
    np.testing.assert_allclose(ax.lines[1].get_data()[1], histories["lr = 1.0"].grad_norm)
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "gradient norm"
    ax = plot_histories(histories, metric="weight_norm", log_scale=False, log_epochs=True)
    assert ax.get_xscale() == "log" and ax.lines[0].get_data()[0][0] == 1
    assert plot_histories(histories, metric="loss").get_title() == "Mean BCE loss during training"
    with pytest.raises(ValueError, match="metric must be one of"):
        plot_histories(histories, metric="accuracy")
    with pytest.raises(ValueError, match="at least one"):
        plot_histories({})


def test_probability_grid_is_not_transposed():
    """``p[i, j]`` is the probability at ``(xx[i, j], yy[i, j])``: rows follow x2, columns x1, as contour expects."""
    from course_utils.plotting.binary import _probability_grid

    xx, yy, p = _probability_grid(lambda X: torch.sigmoid(3 * X[:, 0] - X[:, 1]), (-1.0, 2.0), (-4.0, 0.0))
    assert xx.shape == yy.shape == p.shape == (200, 200)
    assert xx[0, 0] == -1.0 and xx[0, -1] == 2.0 and yy[0, 0] == -4.0 and yy[-1, 0] == 0.0
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(3 * xx - yy))), rtol=1e-5)
