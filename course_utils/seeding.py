"""Reproducibility: one call seeds every random number generator the course uses."""

from __future__ import annotations

import random

import numpy as np
import torch

from course_utils.validation import check_seed


def set_seed(seed: int = 0) -> torch.Generator:
    """Seed Python's ``random``, NumPy and PyTorch (CPU and CUDA).

    ``seed`` must be an integer from 0 to 2**63 - 1 (the rule of every helper
    of the course; :func:`course_utils.validation.check_seed`).

    Returns a :class:`torch.Generator` seeded with the same value, for code
    that wants its own stream (data shuffling, splits) without touching the
    global one.

    >>> g = set_seed(42)
    >>> isinstance(g, torch.Generator)
    True
    """
    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)
