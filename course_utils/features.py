"""Feature maps for lesson 05: polynomial features in torch and a standardizer fitted on the training split.

A logistic regression on features ``phi(x)`` instead of ``x`` is still linear
in its parameters (the loss stays convex), but its decision boundary
``w . phi(x) + b = 0`` is a curve in the original plane.

- :func:`polynomial_features` -- every monomial ``x1^a x2^b ...`` of total degree 1 to ``degree``
- :func:`polynomial_feature_names`, :func:`n_polynomial_features` -- their names and their number
- :class:`Standardizer` -- per-column mean and standard deviation, fitted on the training split only
  (the class of :mod:`course_utils.tabular`, shared with lesson 06, re-exported here)
- :class:`PolynomialFeatureMap` -- the two together: fit once on ``X_train``, then map any ``X``
"""

from __future__ import annotations

import itertools
import math

import torch

from course_utils.tabular import Standardizer
from course_utils.validation import (
    check_binary_targets,
    check_bool,
    check_float_features,
    check_int,
    check_nonnegative,
    check_positive_int,
    check_seed,
)

__all__ = [
    "PolynomialFeatureMap",
    "Standardizer",
    "fit_polynomial_logistic",
    "n_polynomial_features",
    "polynomial_feature_names",
    "polynomial_features",
]


def _check_degree(degree: object) -> int:
    return check_int(degree, "degree", minimum=1, kind="an integer >= 1 (1 keeps the inputs as they are)",
                     hint="Use e.g. degree=3.")


def _exponents(n_inputs: int, degree: int) -> list[tuple[int, ...]]:
    """The exponent tuples of every monomial of total degree 1..degree.

    Order: by total degree, then by decreasing power of the first input, then
    of the second, and so on: for 2 inputs and degree 2, ``x1, x2, x1^2, x1 x2, x2^2``.
    """
    out = []
    for total in range(1, degree + 1):
        combos = [e for e in itertools.product(range(total, -1, -1), repeat=n_inputs) if sum(e) == total]
        out.extend(combos)  # product over descending ranges already gives decreasing powers
    return out


def n_polynomial_features(n_inputs: int, degree: int) -> int:
    """How many columns :func:`polynomial_features` makes: ``C(n_inputs + degree, degree) - 1``.

    >>> n_polynomial_features(2, 1), n_polynomial_features(2, 2), n_polynomial_features(2, 3)
    (2, 5, 9)
    """
    n_inputs = check_int(n_inputs, "n_inputs", minimum=1, kind="a positive integer (the number of input columns)",
                         hint="For points in the plane it is 2.")
    return math.comb(n_inputs + _check_degree(degree), degree) - 1


def polynomial_feature_names(n_inputs: int, degree: int) -> list[str]:
    """Readable names of the columns of :func:`polynomial_features`, e.g. ``["x1", "x2", "x1^2", "x1 x2", "x2^2"]``."""
    n_polynomial_features(n_inputs, degree)  # validates
    names = []
    for exps in _exponents(n_inputs, degree):
        parts = [f"x{i + 1}" + (f"^{e}" if e > 1 else "") for i, e in enumerate(exps) if e > 0]
        names.append(" ".join(parts))
    return names


def polynomial_features(X: torch.Tensor, degree: int) -> torch.Tensor:
    """Every monomial of the columns of ``X`` with total degree 1 to ``degree``, one column each.

    No constant column: the model's bias plays that role. Columns are ordered
    as :func:`polynomial_feature_names` names them. For 2 inputs there are
    ``(degree + 1)(degree + 2) / 2 - 1`` columns.

    Parameters
    ----------
    X:
        Floating-point inputs shaped ``(n, d)`` (any ``n``, including 0).
    degree:
        The highest total degree, an integer >= 1; ``degree=1`` returns a copy of ``X``.

    Returns
    -------
    torch.Tensor
        Shaped ``(n, n_polynomial_features(d, degree))``, same dtype and device as ``X``.

    >>> polynomial_features(torch.tensor([[2.0, 3.0]]), 2)
    tensor([[2., 3., 4., 6., 9.]])
    """
    X = check_float_features(X, finite=True)
    degree = _check_degree(degree)
    columns = []
    for exps in _exponents(X.shape[1], degree):
        column = torch.ones(X.shape[0], dtype=X.dtype, device=X.device)
        for i, e in enumerate(exps):
            if e:
                column = column * X[:, i] ** e
        columns.append(column)
    return torch.stack(columns, dim=1)


class PolynomialFeatureMap:
    """``x -> standardize(polynomial_features(x, degree))``, fitted on the training split.

    >>> fmap = PolynomialFeatureMap(degree=3).fit(X_train)      # doctest: +SKIP
    >>> model = LogisticRegression(fmap.n_outputs)              # doctest: +SKIP
    >>> model(fmap(X_val))                                      # doctest: +SKIP

    Parameters
    ----------
    degree:
        The polynomial degree (an integer >= 1).
    standardize:
        Standardize the polynomial columns with a :class:`Standardizer` fitted
        on the training split (the default, and what the lesson recommends:
        ``x1^6`` and ``x1`` live on very different scales otherwise).
    """

    def __init__(self, degree: int, standardize: bool = True) -> None:
        self.degree = _check_degree(degree)
        self.standardizer = Standardizer() if check_bool(standardize, "standardize") else None
        self.n_inputs: int | None = None

    def fit(self, X_train: torch.Tensor) -> "PolynomialFeatureMap":
        """Remember the number of inputs and fit the standardizer on the training split; return ``self``."""
        X_train = check_float_features(X_train, name="X_train", finite=True, non_empty=True)
        self.n_inputs = X_train.shape[1]
        if self.standardizer is not None:
            self.standardizer.fit(polynomial_features(X_train, self.degree))
        return self

    @property
    def n_outputs(self) -> int:
        """The number of features the map makes (the model's ``n_inputs``)."""
        if self.n_inputs is None:
            raise RuntimeError("Fit the feature map first: PolynomialFeatureMap(degree).fit(X_train).")
        return n_polynomial_features(self.n_inputs, self.degree)

    @property
    def names(self) -> list[str]:
        """The names of the output columns."""
        return polynomial_feature_names(self.n_inputs or 2, self.degree) if self.n_inputs else []

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        if self.n_inputs is None:
            raise RuntimeError("Fit the feature map first, on the training split: fmap.fit(X_train).")
        X = check_float_features(X, n_features=self.n_inputs, finite=True)
        features = polynomial_features(X, self.degree)
        return self.standardizer.transform(features) if self.standardizer is not None else features

    def __repr__(self) -> str:
        fitted = "fitted" if self.n_inputs is not None else "not fitted"
        return f"PolynomialFeatureMap(degree={self.degree}, standardize={self.standardizer is not None}, {fitted})"


def fit_polynomial_logistic(
    X_train: torch.Tensor,
    y_train: torch.Tensor,
    degree: int,
    weight_decay: float = 0.0,
    seed: int = 0,
    max_iter: int = 200,
):
    """Fit a feature map on ``X_train``, then a logistic regression on the mapped training points.

    The objective is the course's (see :mod:`course_utils.training`): mean BCE
    plus ``weight_decay / 2 * ||w||^2`` on the weights, not the bias, minimized
    by full-batch LBFGS (:func:`~course_utils.training.fit_lbfgs`). The model
    starts from ``set_seed(seed)``.

    Returns
    -------
    model, feature_map:
        A trained ``LogisticRegression(feature_map.n_outputs)`` and the fitted
        :class:`PolynomialFeatureMap`; predict with ``model.predict(feature_map(X))``.
    """
    from course_utils.models import LogisticRegression
    from course_utils.seeding import set_seed
    from course_utils.training import fit_lbfgs

    X_train = check_float_features(X_train, name="X_train", finite=True, non_empty=True)
    check_binary_targets(y_train, n_rows=X_train.shape[0], name="y_train")
    degree = _check_degree(degree)
    check_nonnegative(weight_decay, "weight_decay", hint="0 means no penalty; try e.g. 0.01.")  # as fit_lbfgs
    check_seed(seed)
    check_positive_int(max_iter, "max_iter")
    feature_map = PolynomialFeatureMap(degree).fit(X_train)
    set_seed(seed)
    model = LogisticRegression(feature_map.n_outputs)
    fit_lbfgs(model, feature_map(X_train), y_train, weight_decay=weight_decay, max_iter=max_iter)
    return model, feature_map
