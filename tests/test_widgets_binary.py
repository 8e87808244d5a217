"""Lesson 04's explorers: moving a slider changes what they report."""

from __future__ import annotations

import ipywidgets as widgets
import pytest
import torch

from course_utils.synthetic import make_two_blobs
from course_utils.training import bce_for_parameters
from course_utils.widgets import (
    decision_line_explorer,
    decision_line_summary,
    learning_rate_explorer,
    learning_rate_run,
    sigmoid_explorer,
)


@pytest.fixture(scope="module")
def data():
    return make_two_blobs(n_samples=80, overlap=1.0, seed=0)


def test_decision_line_summary_is_the_loss_and_accuracy_of_the_line(data):
    X, y = data
    summary = decision_line_summary(X, y, 1.0, 2.0, -0.5)
    assert summary["loss"] == pytest.approx(bce_for_parameters(X, y, (1.0, 2.0), -0.5))
    predicted = (X @ torch.tensor([1.0, 2.0]) - 0.5 >= 0).float()
    assert summary["accuracy"] == pytest.approx((predicted == y[:, 0]).float().mean().item())
    assert decision_line_summary(X, y, 0.0, 0.0, 0.0)["loss"] == pytest.approx(0.693147, abs=1e-5)


def test_decision_line_explorer_updates_the_loss_live(data):
    X, y = data
    box = decision_line_explorer(X, y, w1=1.0, w2=1.0, b=0.0, show=False)
    assert isinstance(box, widgets.VBox)
    sliders, readout, _ = box.children
    assert [s.description for s in sliders.children] == ["w1", "w2", "b"]
    before = readout.value
    assert f"{decision_line_summary(X, y, 1.0, 1.0, 0.0)['loss']:.4f}" in before
    sliders.children[0].value = -2.0
    sliders.children[2].value = 1.5
    expected = decision_line_summary(X, y, -2.0, 1.0, 1.5)
    assert readout.value != before
    assert f"BCE loss = {expected['loss']:.4f}" in readout.value
    assert f"accuracy = {expected['accuracy']:.3f}" in readout.value


def test_learning_rate_run_is_seeded(data):
    X, y = data
    first = learning_rate_run(X, y, lr=1.0, num_epochs=10, seed=2)
    second = learning_rate_run(X, y, lr=1.0, num_epochs=10, seed=2)
    assert first.params == second.params and first.num_epochs == 10
    slower = learning_rate_run(X, y, lr=0.1, num_epochs=10, seed=2)
    assert slower.params[0] == first.params[0] and slower.params[-1] != first.params[-1]  # same start, lr used


def test_learning_rate_explorer_retrains_when_the_sliders_move(data):
    X, y = data
    box = learning_rate_explorer(X, y, lr=1.0, num_epochs=20, show=False)
    sliders, readout, _ = box.children
    lr_slider, epochs_slider = sliders.children
    assert isinstance(lr_slider, widgets.FloatLogSlider) and lr_slider.value == pytest.approx(1.0)
    assert "lr = 1, 20 epochs" in readout.value
    epochs_slider.value = 30
    lr_slider.value = 0.01
    slow = learning_rate_run(X, y, lr=0.01, num_epochs=30)
    assert "lr = 0.01, 30 epochs" in readout.value
    assert f"final loss {slow.loss[-1]:.4f}" in readout.value
    assert f"gradient norm {slow.grad_norm[-1]:.1e}" in readout.value


def test_explorers_refuse_bad_data(data):
    X, y = data
    with pytest.raises(ValueError, match="expects 2"):
        decision_line_explorer(torch.zeros(5, 3), torch.zeros(5), show=False)
    with pytest.raises(ValueError, match="only the labels 0 and 1"):
        learning_rate_explorer(X, y * 3, show=False)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        learning_rate_run(X, y, lr=0.0, num_epochs=5)


def test_sigmoid_explorer_still_works():
    box = sigmoid_explorer(show=False)
    assert isinstance(box, widgets.VBox)
