"""Lesson 06's real data: the Wisconsin breast-cancer set as torch tensors, a stratified split, standardization.

- :func:`load_breast_cancer` -- 569 tumors, 30 features, **malignant = 1** (scikit-learn ships the data; no download)
- :func:`stratified_split` -- a seeded train/validation/test split that keeps each class's share in every part
- :class:`Standardizer` -- per-feature mean and standard deviation *fitted on the training split only*
- :func:`subsample_positives` -- keep only a few positives, to study rare classes
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from course_utils.validation import (
    check_binary_targets,
    check_float_features,
    check_number,
    check_same_rows,
    check_seed,
    check_tensor,
)


@dataclass(frozen=True)
class BreastCancer:
    """The Wisconsin diagnostic breast-cancer data, ready for the course's models.

    Attributes
    ----------
    X:
        ``float32`` features shaped ``(569, 30)``: ten measurements of the cell
        nuclei in a tumor's image (radius, texture, ..., fractal dimension),
        each as its mean, its standard error and its "worst" (largest) value.
        Raw units: they span several orders of magnitude, so standardize them.
    y:
        ``float32`` column shaped ``(569, 1)``: **1.0 = malignant** (the positive
        class, 212 tumors) and 0.0 = benign (357). Note that scikit-learn's own
        ``target`` uses the opposite coding (0 = malignant); this loader flips it.
    feature_names:
        The 30 column names, e.g. ``"mean radius"``, in the order of ``X``'s columns.
    """

    X: torch.Tensor
    y: torch.Tensor
    feature_names: tuple[str, ...]


def load_breast_cancer() -> BreastCancer:
    """Load the breast-cancer data from scikit-learn's package (no download), malignant as class 1.

    >>> data = load_breast_cancer()
    >>> data.X.shape, data.y.shape, int(data.y.sum())
    (torch.Size([569, 30]), torch.Size([569, 1]), 212)
    """
    try:
        from sklearn.datasets import load_breast_cancer as _sklearn_load
    except ImportError as err:  # pragma: no cover - scikit-learn is a dependency of the course
        raise ImportError(
            "Lesson 06 reads the breast-cancer data that ships inside scikit-learn, which is not installed in "
            "this environment. Install the course's environment (`python3 course.py lab`) or run "
            "`python -m pip install scikit-learn`, then restart the kernel."
        ) from err
    raw = _sklearn_load()
    X = torch.as_tensor(raw.data, dtype=torch.float32).contiguous()
    malignant = torch.as_tensor(raw.target == 0, dtype=torch.float32).reshape(-1, 1).contiguous()
    return BreastCancer(X=X, y=malignant, feature_names=tuple(str(name) for name in raw.feature_names))


_FRACTIONS_RULE = "three positive numbers (train, validation, test) that sum to 1, e.g. (0.6, 0.2, 0.2)"


def _check_fractions(fractions: object) -> tuple[float, float, float]:
    if not isinstance(fractions, (tuple, list)) or len(fractions) != 3:
        raise ValueError(f"fractions must be {_FRACTIONS_RULE}; got {fractions!r}.")
    values = tuple(check_number(f, f"fractions[{i}]", minimum=0, strict=True, kind="a positive number",
                                hint=f"fractions must be {_FRACTIONS_RULE}.") for i, f in enumerate(fractions))
    if abs(sum(fractions) - 1.0) > 1e-9:
        raise ValueError(f"fractions must be {_FRACTIONS_RULE}; got {fractions!r}, which sum to {sum(fractions):g}.")
    return values  # type: ignore[return-value]


def stratified_split(
    X: torch.Tensor,
    y: torch.Tensor,
    fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Split rows into train, validation and test sets, each with (about) the same share of each class.

    Within each class the rows are shuffled by a seeded permutation; that class
    gives ``round(fraction * n_class)`` rows to validation and to test and the
    rest to train. Each part is then shuffled (seeded), so classes are mixed.

    Parameters
    ----------
    X:
        Features, one row per example.
    y:
        0/1 labels shaped ``(n,)`` or ``(n, 1)``; returned in the same shape.
    fractions:
        ``(train, validation, test)`` shares, positive and summing to 1.
    seed:
        The same seed gives the same split.

    Returns
    -------
    X_train, X_val, X_test, y_train, y_val, y_test
    """
    X = check_tensor(X, "X")
    check_same_rows(X, check_tensor(y, "y"))
    y_col = check_binary_targets(y, n_rows=X.shape[0], name="y")
    fractions = _check_fractions(fractions)
    seed = check_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    parts: list[list[torch.Tensor]] = [[], [], []]
    labels = y_col[:, 0]
    for cls in (0.0, 1.0):
        rows = torch.nonzero(labels == cls).flatten()
        n_cls = rows.numel()
        if n_cls < 3:
            raise ValueError(
                f"class {int(cls)} has {n_cls} example(s); a stratified three-way split needs at least 3 per class."
            )
        rows = rows[torch.randperm(n_cls, generator=generator)]
        n_val = max(1, round(fractions[1] * n_cls))
        n_test = max(1, round(fractions[2] * n_cls))
        n_train = n_cls - n_val - n_test
        if n_train < 1:
            raise ValueError(f"class {int(cls)} has too few examples ({n_cls}) to leave any for training.")
        parts[0].append(rows[:n_train])
        parts[1].append(rows[n_train:n_train + n_val])
        parts[2].append(rows[n_train + n_val:])
    index = []
    for part in parts:
        joined = torch.cat(part)
        index.append(joined[torch.randperm(joined.numel(), generator=generator)])
    y_out = y if y.ndim == 2 else y.reshape(-1)
    return (X[index[0]], X[index[1]], X[index[2]], y_out[index[0]], y_out[index[1]], y_out[index[2]])


class Standardizer:
    """Rescale each feature to mean 0 and standard deviation 1, with statistics of the training split only.

    ``fit`` stores the per-column mean and the *population* standard deviation
    (``correction=0``, as scikit-learn's ``StandardScaler``); a constant column
    gets a scale of 1 so it maps to 0 instead of dividing by zero.
    ``transform`` applies those stored numbers to any split, so validation and
    test data are treated exactly as new patients would be.

    >>> scaler = Standardizer().fit(torch.tensor([[1.0, 10.0], [3.0, 30.0]]))
    >>> scaler.transform(torch.tensor([[2.0, 50.0]]))
    tensor([[0., 3.]])
    """

    def __init__(self) -> None:
        self.mean: torch.Tensor | None = None
        self.std: torch.Tensor | None = None

    def fit(self, X_train: torch.Tensor) -> "Standardizer":
        """Learn the mean and standard deviation of each column of ``X_train``; return ``self``."""
        X_train = check_float_features(X_train, name="X_train", finite=True)
        if X_train.shape[0] < 2:
            raise ValueError(f"X_train needs at least 2 rows to estimate a spread; got {X_train.shape[0]}.")
        self.mean = X_train.mean(dim=0, keepdim=True)
        std = X_train.std(dim=0, correction=0, keepdim=True)
        self.std = torch.where(std > 0, std, torch.ones_like(std))
        return self

    def transform(self, X: torch.Tensor) -> torch.Tensor:
        """Return ``(X - mean) / std`` with the statistics from :meth:`fit`."""
        if self.mean is None or self.std is None:
            raise RuntimeError("This Standardizer is not fitted yet: call scaler.fit(X_train) first.")
        X = check_float_features(X, n_features=self.mean.shape[1], name="X", finite=True)
        return (X - self.mean) / self.std

    def fit_transform(self, X_train: torch.Tensor) -> torch.Tensor:
        """``fit(X_train)`` then ``transform(X_train)``."""
        return self.fit(X_train).transform(X_train)


def subsample_positives(
    X: torch.Tensor, y: torch.Tensor, positive_share: float = 0.05, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep every negative row and just enough positive rows that positives make up ``positive_share``.

    The kept positives are a seeded random choice (at least one); the result is
    shuffled. Use it to see what a rare positive class does to a classifier.
    """
    X = check_tensor(X, "X")
    check_same_rows(X, check_tensor(y, "y"))
    y_col = check_binary_targets(y, n_rows=X.shape[0], name="y")
    check_number(positive_share, "positive_share", minimum=0, maximum=1, strict=True,
                 hint="It is the share of positives to keep, e.g. positive_share=0.05.")
    seed = check_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    labels = y_col[:, 0]
    negatives = torch.nonzero(labels == 0).flatten()
    positives = torch.nonzero(labels == 1).flatten()
    n_keep = max(1, round(positive_share * negatives.numel() / (1 - positive_share)))
    if n_keep > positives.numel():
        raise ValueError(
            f"positive_share={positive_share} needs {n_keep} positives but only {positives.numel()} exist; "
            "ask for a smaller share."
        )
    kept = positives[torch.randperm(positives.numel(), generator=generator)[:n_keep]]
    rows = torch.cat([negatives, kept])
    rows = rows[torch.randperm(rows.numel(), generator=generator)]
    return X[rows], y[rows]
