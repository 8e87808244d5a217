"""Reproducibility: one call seeds every random number generator the course uses."""

from __future__ import annotations

import random

import numpy as np
import torch


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python's ``random``, NumPy and PyTorch (CPU and CUDA).

    Returns a :class:`torch.Generator` seeded with the same value, for code
    that wants its own stream (data shuffling, splits) without touching the
    global one.

    >>> g = set_seed(42)
    >>> isinstance(g, torch.Generator)
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}; use e.g. set_seed(0).")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}.")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)
