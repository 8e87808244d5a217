"""Interactive explorers built on ipywidgets.

Each explorer returns the widget it displays, so tests can move its sliders
and check what changed. Every explorer has a static companion in
:mod:`course_utils.plotting` for readers who cannot run the notebook.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from course_utils.plotting import COLORS, plot_sigmoid_curve


def sigmoid_explorer(w: float = 1.0, b: float = 0.0, show: bool = True) -> widgets.VBox:
    """Sliders for ``w`` and ``b`` in ``sigma(w * x + b)``; the curve redraws as they move.

    The dashed grey curve is ``sigma(x)`` for reference; the dot marks the
    0.5 crossing at ``x = -b / w``.
    """
    w_slider = widgets.FloatSlider(value=w, min=-5.0, max=5.0, step=0.1, description="w (steepness)",
                                   style={"description_width": "initial"}, continuous_update=True)
    b_slider = widgets.FloatSlider(value=b, min=-10.0, max=10.0, step=0.5, description="b (shift)",
                                   style={"description_width": "initial"}, continuous_update=True)
    out = widgets.Output()

    def redraw(_change: object = None) -> None:
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.4, 3.6))
            plot_sigmoid_curve(1.0, 0.0, ax=ax, color="0.6", ls="--", label=r"$\sigma(x)$")
            plot_sigmoid_curve(w_slider.value, b_slider.value, ax=ax, color=COLORS["blue"])
            crossing = "none (w = 0)" if w_slider.value == 0 else f"x = {-b_slider.value / w_slider.value:.2f}"
            ax.axhline(0.5, color=COLORS["black"], ls=":", lw=1)
            ax.set_title(f"sigma(w x + b): 0.5 crossing at {crossing}")
            ax.legend(loc="upper left", fontsize="small")
            plt.show()

    w_slider.observe(redraw, names="value")
    b_slider.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox([w_slider, b_slider]), out])
    redraw()
    if show:
        display(box)
    return box
