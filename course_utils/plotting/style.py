"""The course's look: color-blind-safe colors and Matplotlib defaults."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

#: Okabe-Ito colors, distinguishable with the common color-vision deficiencies.
COLORS = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "orange": "#E69F00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: Colors for class 0 and class 1.
CLASS_COLORS = (COLORS["blue"], COLORS["vermillion"])
#: A cycle for several series.
PALETTE = [COLORS[k] for k in ("blue", "vermillion", "green", "orange", "purple", "sky", "black")]


def use_course_style() -> None:
    """Apply the course's Matplotlib defaults (size, grid, color cycle)."""
    plt.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": plt.cycler(color=PALETTE),
            "axes.titleweight": "bold",
            "legend.frameon": False,
        }
    )


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` unchanged, or a fresh ``Axes`` on a new figure when it is ``None``."""
    if ax is not None:
        return ax
    _, new_ax = plt.subplots(figsize=figsize)
    return new_ax
