"""Shared test setup: a non-interactive Matplotlib backend and fresh figures per test."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test opened, so tests never see each other's axes."""
    yield
    plt.close("all")
