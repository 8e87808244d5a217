"""The sigmoid explorer: sliders exist and moving them redraws the curve."""

from __future__ import annotations

import ipywidgets as widgets

from course_utils.widgets import sigmoid_explorer


def _sliders(box: widgets.VBox) -> dict[str, widgets.FloatSlider]:
    row = box.children[0]
    return {s.description.split()[0]: s for s in row.children}


def test_explorer_has_w_and_b_sliders_with_initial_values():
    box = sigmoid_explorer(w=2.0, b=-1.0, show=False)
    sliders = _sliders(box)
    assert set(sliders) == {"w", "b"}
    assert (sliders["w"].value, sliders["b"].value) == (2.0, -1.0)
    assert isinstance(box.children[1], widgets.Output)


def test_moving_a_slider_redraws(monkeypatch):
    import matplotlib.pyplot as plt

    calls = []
    monkeypatch.setattr(plt, "show", lambda *a, **k: calls.append(plt.gca().get_title()))
    box = sigmoid_explorer(show=False)
    _sliders(box)["b"].value = 2.0
    assert len(calls) == 2
    assert "x = -2.00" in calls[-1]
    _sliders(box)["w"].value = 0.0
    assert "none (w = 0)" in calls[-1]
