"""Lesson 01 figures: checked on their data and labels, not on pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils.plotting import plot_sigmoid, plot_sigmoid_curve, plot_sigmoid_family


def test_plot_sigmoid_draws_the_function_and_the_threshold():
    ax = plot_sigmoid()
    curve, threshold = ax.lines[0], ax.lines[1]
    x, y = curve.get_data()
    np.testing.assert_allclose(y, torch.sigmoid(torch.as_tensor(x)).numpy(), rtol=1e-6)
    assert (x.min(), x.max()) == (-10.0, 10.0)
    assert threshold.get_ydata()[0] == 0.5
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("threshold" in s for s in labels) and any("saturated" in s for s in labels)


def test_plot_sigmoid_refuses_an_empty_range():
    with pytest.raises(ValueError, match="z_min must be smaller"):
        plot_sigmoid(z_min=3, z_max=3)


def test_sigmoid_curve_crosses_one_half_at_minus_b_over_w():
    ax = plot_sigmoid_curve(w=2.0, b=-3.0)
    marker = ax.lines[-1]
    assert marker.get_xdata()[0] == pytest.approx(1.5)
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(y, torch.sigmoid(2.0 * torch.as_tensor(x) - 3.0).numpy(), rtol=1e-6)


def test_sigmoid_family_has_one_curve_per_value_and_titled_panels():
    fig = plot_sigmoid_family(ws=(0.5, 1.0, 3.0), bs=(-4.0, 0.0, 4.0))
    ax_w, ax_b = fig.axes
    assert [t.get_text() for t in ax_w.get_legend().get_texts()] == ["w = 0.5", "w = 1", "w = 3"]
    assert [t.get_text() for t in ax_b.get_legend().get_texts()] == ["b = -4", "b = 0", "b = 4"]
    assert "steepness" in ax_w.get_title() and "shifts" in ax_b.get_title()
    with pytest.raises(ValueError, match="at least one value"):
        plot_sigmoid_family(ws=())


def test_plot_sigmoid_hatches_the_tails_over_the_class_1_shading_and_the_legend_matches():
    from matplotlib.colors import to_rgba

    from course_utils.plotting.style import COLORS

    ax = plot_sigmoid()
    tails = [p for p in ax.patches if p.get_hatch()]
    assert len(tails) == 2  # both saturated tails, |z| > 5
    for patch in tails:
        assert patch.get_facecolor()[3] == 0  # no fill: the class-1 shading under the right tail stays visible
        assert patch.get_edgecolor()[:3] == pytest.approx(to_rgba(COLORS["sky"])[:3])
    (class_1,) = [c for c in ax.collections if c.get_label() == "predict class 1"]
    assert class_1.get_facecolor()[0][:3] == pytest.approx(to_rgba(COLORS["vermillion"])[:3])
    legend = ax.get_legend()
    handles = dict(zip([t.get_text() for t in legend.get_texts()], legend.legend_handles, strict=True))
    assert handles["saturated tails (|z| > 5)"].get_hatch() == "//"
    assert handles["predict class 1"].get_facecolor()[:3] == pytest.approx(to_rgba(COLORS["vermillion"])[:3])


def test_sigmoid_curve_crossing_dot_has_a_legend_entry_only_when_named():
    ax = plot_sigmoid_curve(w=2.0, b=-5.0, crossing_label="0.5 crossing at x = -b/w = 2.5")
    ax.legend()
    assert "0.5 crossing at x = -b/w = 2.5" in [t.get_text() for t in ax.get_legend().get_texts()]
    ax = plot_sigmoid_curve(w=2.0, b=-5.0)
    ax.legend()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["w = 2, b = -5"]
