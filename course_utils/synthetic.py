"""Small synthetic datasets made with torch: two classes of points in the plane.

Everything here uses its own seeded :class:`torch.Generator`, so the same
``seed`` always gives the same points, and calling these functions never
changes the global random state (nor is changed by it).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from course_utils.validation import check_finite, check_int, check_number, check_same_rows, check_seed, check_tensor

#: The default centers of class 0 and class 1 (2.5 apart, not symmetric about
#: the origin, so the fitted bias is not zero).
DEFAULT_CENTERS: tuple[tuple[float, float], tuple[float, float]] = ((-1.0, -0.5), (1.0, 1.0))


def _check_seed(seed: object) -> int:
    return check_seed(seed)  # the rule of every helper: an integer >= 0


def make_two_blobs(
    n_samples: int = 300,
    overlap: float = 1.0,
    seed: int = 0,
    centers: Sequence[Sequence[float]] = DEFAULT_CENTERS,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two round Gaussian clouds of points in the plane, one per class.

    Parameters
    ----------
    n_samples:
        The total number of points (at least 2). Class 1 gets ``n_samples // 2``
        points and class 0 the rest, so the classes are balanced.
    overlap:
        The standard deviation of each cloud around its center. The default
        centers are 2.5 apart, so ``overlap=0.25`` gives two well separated
        clouds, ``1.0`` clouds that overlap (the best possible accuracy is
        about 89%) and ``2.0`` clouds that are hard to tell apart.
    seed:
        Seeds the generator: the same seed gives the same points.
    centers:
        The centers of class 0 and class 1, as two ``(x1, x2)`` pairs.

    Returns
    -------
    X, y:
        ``X`` is ``float32`` shaped ``(n_samples, 2)``; ``y`` holds the labels
        0.0 and 1.0 as a ``float32`` column shaped ``(n_samples, 1)``, the shape
        and dtype ``nn.BCEWithLogitsLoss`` expects next to the model's logits.
        The rows come in a random (seeded) order.

    >>> X, y = make_two_blobs(n_samples=10, seed=1)
    >>> X.shape, y.shape, int(y.sum())
    (torch.Size([10, 2]), torch.Size([10, 1]), 5)
    """
    check_int(n_samples, "n_samples", minimum=2, hint="One point per class at least, e.g. n_samples=300.")
    check_number(overlap, "overlap", minimum=0, strict=True,
                 kind="a positive, finite number (the spread of each cloud)",
                 hint="Try 0.25 for separated classes or 1.0 for overlapping ones.")
    seed = _check_seed(seed)
    try:
        means = torch.as_tensor(centers, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError):
        means = None
    if means is None or means.shape != (2, 2):
        got = f"shape {tuple(means.shape)}" if means is not None else repr(centers)
        raise ValueError(
            f"centers must be two (x1, x2) pairs, one per class, e.g. ((-1, -0.5), (1, 1)); "
            f"got {got}."
        )
    check_finite(means, "centers", hint="Give finite coordinates, e.g. ((-1, -0.5), (1, 1)).")

    generator = torch.Generator().manual_seed(seed)
    n_class1 = n_samples // 2
    labels = torch.cat([torch.zeros(n_samples - n_class1), torch.ones(n_class1)])
    noise = torch.randn(n_samples, 2, generator=generator) * float(overlap)
    X = means[labels.long()] + noise
    order = torch.randperm(n_samples, generator=generator)
    return X[order].contiguous(), labels[order].reshape(-1, 1).contiguous()


def train_test_split(
    X: torch.Tensor,
    y: torch.Tensor,
    test_fraction: float = 1 / 3,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shuffle the rows with a seeded permutation and cut them into train and test sets.

    Parameters
    ----------
    X, y:
        Tensors with the same number of rows (any trailing shape).
    test_fraction:
        The share of rows that go to the test set, strictly between 0 and 1.
        The test set gets ``round(test_fraction * n)`` rows (at least one), the
        train set the rest (at least one).
    seed:
        Seeds the permutation: the same seed gives the same split.

    Returns
    -------
    X_train, X_test, y_train, y_test:
        Every row lands in exactly one of the two sets.
    """
    X = check_tensor(X, "X")
    y = check_tensor(y, "y")
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError("X and y must hold one row per example; got a 0-d tensor (a single number).")
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X has {X.shape[0]} rows but y has {y.shape[0]}; they must match one to one (one label per example)."
        )
    check_number(test_fraction, "test_fraction", minimum=0, maximum=1, strict=True, hint="Use e.g. 1/3.")
    seed = _check_seed(seed)
    n = X.shape[0]
    if n < 2:
        raise ValueError(f"Need at least 2 rows to make a train set and a test set, got {n}.")
    n_test = min(max(round(test_fraction * n), 1), n - 1)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(X.device)
    test_idx, train_idx = order[:n_test], order[n_test:]
    return X[train_idx], X[test_idx], y[train_idx.to(y.device)], y[test_idx.to(y.device)]


# --------------------------------------------------------------------------- lesson 05: data a line cannot separate


def _check_n_samples(n_samples: object) -> int:
    return check_int(n_samples, "n_samples", minimum=2, hint="One point per class at least, e.g. n_samples=300.")


def _check_noise(noise: object) -> float:
    return check_number(noise, "noise", minimum=0,
                        kind="a finite number >= 0 (the standard deviation of the jitter added to each point)",
                        hint="Try noise=0.2.")


def _shuffled(X: torch.Tensor, labels: torch.Tensor, noise: float, generator: torch.Generator):
    X = X + noise * torch.randn(X.shape, generator=generator)
    order = torch.randperm(X.shape[0], generator=generator)
    return X[order].contiguous(), labels[order].reshape(-1, 1).contiguous()


def make_moons(n_samples: int = 300, noise: float = 0.2, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two interleaving half circles ("moons"): no straight line separates them.

    Class 0 lies on the upper half circle of radius 1 centered at (0, 0),
    class 1 on the lower half circle centered at (1, 0.5); the angle of each
    point is drawn uniformly at random, then Gaussian jitter of standard
    deviation ``noise`` is added to both coordinates (the same shapes as
    scikit-learn's ``make_moons``, drawn with torch).

    Returns ``X`` (``float32``, ``(n_samples, 2)``) and ``y`` (``float32`` 0/1
    column ``(n_samples, 1)``), rows in a seeded random order; class 1 gets
    ``n_samples // 2`` points.

    >>> X, y = make_moons(n_samples=10, seed=1)
    >>> X.shape, y.shape, int(y.sum())
    (torch.Size([10, 2]), torch.Size([10, 1]), 5)
    """
    n_samples, noise, seed = _check_n_samples(n_samples), _check_noise(noise), _check_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    n_class1 = n_samples // 2
    labels = torch.cat([torch.zeros(n_samples - n_class1), torch.ones(n_class1)])
    angle = math.pi * torch.rand(n_samples, generator=generator)
    outer = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    inner = torch.stack([1 - torch.cos(angle), 0.5 - torch.sin(angle)], dim=1)
    X = torch.where(labels.bool().unsqueeze(1), inner, outer)
    return _shuffled(X, labels, noise, generator)


def make_circles(
    n_samples: int = 300, noise: float = 0.1, factor: float = 0.5, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """A ring of class 0 (radius 1) around a ring of class 1 (radius ``factor``).

    Angles are uniform at random; Gaussian jitter of standard deviation
    ``noise`` is added to both coordinates. The classes depend on the distance
    to the origin only, so no straight line separates them, but the squares
    ``x1**2`` and ``x2**2`` do. Returns ``X`` ``(n_samples, 2)`` and ``y``
    ``(n_samples, 1)``, both ``float32``; class 1 gets ``n_samples // 2`` points.
    """
    n_samples, noise, seed = _check_n_samples(n_samples), _check_noise(noise), _check_seed(seed)
    check_number(factor, "factor", minimum=0, maximum=1, strict=True,
                 kind="a number strictly between 0 and 1 (inner radius / outer radius)", hint="Try factor=0.5.")
    generator = torch.Generator().manual_seed(seed)
    n_class1 = n_samples // 2
    labels = torch.cat([torch.zeros(n_samples - n_class1), torch.ones(n_class1)])
    angle = 2 * math.pi * torch.rand(n_samples, generator=generator)
    radius = torch.where(labels.bool(), torch.tensor(float(factor)), torch.tensor(1.0))
    X = radius.unsqueeze(1) * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    return _shuffled(X, labels, noise, generator)


def make_xor(n_samples: int = 300, noise: float = 0.1, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """The XOR pattern: class 1 where ``x1`` and ``x2`` have the same sign, class 0 where they differ.

    Points are drawn uniformly in the square ``[-1, 1] x [-1, 1]`` and labeled
    ``y = 1`` when ``x1 * x2 > 0``; then Gaussian jitter of standard deviation
    ``noise`` moves them (so near the axes some points end up on the other
    side). A straight line cannot capture the pattern; the single feature
    ``x1 * x2`` does. Returns ``X`` ``(n_samples, 2)`` and ``y`` ``(n_samples, 1)``,
    both ``float32``; the two classes get about half the points each.
    """
    n_samples, noise, seed = _check_n_samples(n_samples), _check_noise(noise), _check_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    X = 2 * torch.rand(n_samples, 2, generator=generator) - 1
    labels = (X[:, 0] * X[:, 1] > 0).float()
    return _shuffled(X, labels, noise, generator)


def train_val_test_split(
    X: torch.Tensor,
    y: torch.Tensor,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Shuffle the rows with a seeded permutation and cut them into train, validation and test sets.

    The validation set gets ``round(val_fraction * n)`` rows and the test set
    ``round(test_fraction * n)`` rows (each at least one); the train set gets
    the rest, which must be at least one row. Every row lands in exactly one set.

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test
    """
    X = check_tensor(X, "X")
    y = check_tensor(y, "y")
    check_same_rows(X, y)
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        check_number(value, name, minimum=0, maximum=1, strict=True, hint="Use e.g. 0.2.")
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction = {val_fraction + test_fraction:g} leaves nothing to train on; "
            "keep their sum below 1 (e.g. 0.2 and 0.2)."
        )
    seed = _check_seed(seed)
    n = X.shape[0]
    n_val, n_test = max(round(val_fraction * n), 1), max(round(test_fraction * n), 1)
    if n - n_val - n_test < 1:
        raise ValueError(f"{n} rows are too few for a train, a validation and a test set; use at least 3.")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).to(X.device)
    val_idx, test_idx, train_idx = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    pick = lambda t, idx: t[idx.to(t.device)]  # noqa: E731
    return (pick(X, train_idx), pick(X, val_idx), pick(X, test_idx),
            pick(y, train_idx), pick(y, val_idx), pick(y, test_idx))
