"""Figures of lesson 01: the logistic function and its family of curves."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from course_utils.plotting.style import COLORS, PALETTE, new_axes
from course_utils.validation import check_number, check_probability

def plot_sigmoid(
    z_min: float = -10.0,
    z_max: float = 10.0,
    threshold: float = 0.5,
    ax: Axes | None = None,
) -> Axes:
    """Plot ``sigma(z)`` with the decision threshold, the class-1 region and the saturated tails.

    The region where ``sigma(z) >= threshold`` (class 1) is shaded; the saturated tails ``|z| > 5`` are
    hatched, so that where they overlap the class-1 shading both stay visible and match the legend.
    """
    z_min, z_max = check_number(z_min, "z_min"), check_number(z_max, "z_max")
    check_probability(threshold, "threshold")
    if not z_min < z_max:
        raise ValueError(f"z_min must be smaller than z_max, got z_min={z_min}, z_max={z_max}.")
    ax = new_axes(ax)
    z = torch.linspace(z_min, z_max, 401)
    p = torch.sigmoid(z)
    ax.plot(z, p, color=COLORS["blue"], lw=2.5, label=r"$\sigma(z) = 1/(1+e^{-z})$")
    ax.axhline(threshold, color=COLORS["black"], ls="--", lw=1, label=f"threshold p = {threshold:g}")
    ax.axvline(0.0, color=COLORS["black"], ls=":", lw=1, label="z = 0")
    tail = 5.0
    ax.fill_between(z, 0, 1, where=(p >= threshold).numpy(), facecolor=COLORS["vermillion"], alpha=0.15,
                    lw=0, label="predict class 1")
    tail_style = dict(facecolor="none", edgecolor=COLORS["sky"], hatch="//", lw=1.0)
    if z_min < -tail:
        ax.axvspan(z_min, -tail, label=f"saturated tails (|z| > {tail:g})", **tail_style)
    if z_max > tail:
        ax.axvspan(tail, z_max, **tail_style)
    ax.set_xlim(z_min, z_max)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("z (logit)")
    ax.set_ylabel(r"$\sigma(z)$ (probability of class 1)")
    ax.set_title("The logistic (sigmoid) function")
    ax.legend(loc="upper left", fontsize="small", framealpha=0.95)
    return ax


def plot_sigmoid_curve(
    w: float,
    b: float,
    x_min: float = -10.0,
    x_max: float = 10.0,
    ax: Axes | None = None,
    crossing_label: str | None = None,
    **line_kwargs,
) -> Axes:
    """Plot ``sigma(w * x + b)`` and mark where it crosses 0.5 (at ``x = -b / w``) with a dot.

    ``crossing_label`` names the dot in the legend (by default it has no legend entry).
    """
    for name, value in (("w", w), ("b", b), ("x_min", x_min), ("x_max", x_max)):
        check_number(value, name)
    if not x_min < x_max:
        raise ValueError(f"x_min must be smaller than x_max, got x_min={x_min}, x_max={x_max}.")
    ax = new_axes(ax)
    x = torch.linspace(x_min, x_max, 401)
    line_kwargs.setdefault("label", f"w = {w:g}, b = {b:g}")
    ax.plot(x, torch.sigmoid(w * x + b), lw=2, **line_kwargs)
    if w != 0 and x_min <= -b / w <= x_max:
        ax.plot([-b / w], [0.5], "o", color=ax.lines[-1].get_color(), ms=5,
                label=crossing_label if crossing_label is not None else "_nolegend_")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("x")
    ax.set_ylabel(r"$\sigma(wx + b)$")
    return ax


def plot_sigmoid_family(
    ws: Sequence[float] = (0.5, 1.0, 3.0),
    bs: Sequence[float] = (-4.0, 0.0, 4.0),
    x_min: float = -10.0,
    x_max: float = 10.0,
) -> plt.Figure:
    """The static companion of the sigmoid explorer: one panel varies ``w``, one varies ``b``.

    Left panel: ``b = 0`` and each ``w`` in ``ws`` (steepness).
    Right panel: ``w = 1`` and each ``b`` in ``bs`` (shift; the 0.5 crossing moves to ``-b/w``).
    """
    if not ws or not bs:
        raise ValueError("ws and bs must each hold at least one value.")
    fig, (ax_w, ax_b) = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for w, color in zip(ws, PALETTE, strict=False):
        plot_sigmoid_curve(w, 0.0, x_min, x_max, ax=ax_w, color=color, label=f"w = {w:g}")
    for b, color in zip(bs, PALETTE, strict=False):
        plot_sigmoid_curve(1.0, b, x_min, x_max, ax=ax_b, color=color, label=f"b = {b:g}")
    ax_w.set_title("Weight w sets the steepness (b = 0)")
    ax_b.set_title("Bias b shifts the curve (w = 1)")
    for ax in (ax_w, ax_b):
        ax.axhline(0.5, color=COLORS["black"], ls="--", lw=1)
        ax.legend(loc="upper left", fontsize="small")
    fig.suptitle(r"$\sigma(wx + b)$ for several weights and biases")
    fig.tight_layout()
    return fig
