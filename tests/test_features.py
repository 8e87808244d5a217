"""Lesson 05's feature maps: polynomial features, their names and count, the fitted map."""

from __future__ import annotations

import math

import pytest
import torch

from course_utils.features import (
    PolynomialFeatureMap,
    Standardizer,
    fit_polynomial_logistic,
    n_polynomial_features,
    polynomial_feature_names,
    polynomial_features,
)
from course_utils.metrics import accuracy
from course_utils.synthetic import make_circles, train_val_test_split


def test_degree_two_columns_and_order():
    X = torch.tensor([[2.0, 3.0], [-1.0, 0.5]])
    expected = torch.tensor([[2.0, 3.0, 4.0, 6.0, 9.0], [-1.0, 0.5, 1.0, -0.5, 0.25]])
    torch.testing.assert_close(polynomial_features(X, 2), expected)
    assert polynomial_feature_names(2, 2) == ["x1", "x2", "x1^2", "x1 x2", "x2^2"]
    assert polynomial_feature_names(2, 3)[5:] == ["x1^3", "x1^2 x2", "x1 x2^2", "x2^3"]


@pytest.mark.parametrize("n_inputs, degree", [(1, 1), (1, 4), (2, 1), (2, 5), (2, 10), (3, 3)])
def test_column_count_matches_the_formula_and_the_names(n_inputs, degree):
    X = torch.randn(7, n_inputs, generator=torch.Generator().manual_seed(0))
    out = polynomial_features(X, degree)
    assert out.shape == (7, math.comb(n_inputs + degree, degree) - 1) == (7, n_polynomial_features(n_inputs, degree))
    assert len(polynomial_feature_names(n_inputs, degree)) == out.shape[1]
    assert len(set(polynomial_feature_names(n_inputs, degree))) == out.shape[1]


def test_every_column_is_the_named_monomial():
    X = torch.randn(9, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    out = polynomial_features(X, 3)
    for j, name in enumerate(polynomial_feature_names(3, 3)):
        column = torch.ones(9, dtype=torch.float64)
        for part in name.split(" "):
            var, _, power = part.partition("^")
            column = column * X[:, int(var[1:]) - 1] ** int(power or 1)
        torch.testing.assert_close(out[:, j], column)


def test_degree_one_is_a_copy_dtype_is_kept_and_input_unchanged():
    X = torch.randn(4, 2, dtype=torch.float64)
    before = X.clone()
    out = polynomial_features(X, 1)
    torch.testing.assert_close(out, X)
    assert out.dtype == torch.float64 and out.data_ptr() != X.data_ptr()
    assert torch.equal(X, before)
    assert polynomial_features(torch.zeros(0, 2), 3).shape == (0, 9)


@pytest.mark.parametrize("degree", [0, -1, 2.0, True, "2"])
def test_bad_degree_is_refused_with_a_hint(degree):
    with pytest.raises(ValueError, match="degree must be an integer >= 1"):
        polynomial_features(torch.zeros(3, 2), degree)


def test_bad_inputs_are_refused_with_a_hint():
    with pytest.raises(TypeError, match="floating-point"):
        polynomial_features(torch.zeros(3, 2, dtype=torch.long), 2)
    with pytest.raises(ValueError, match="2-D"):
        polynomial_features(torch.zeros(3), 2)
    with pytest.raises(ValueError, match="n_inputs must be a positive integer"):
        n_polynomial_features(0, 2)


def test_feature_map_standardizes_with_training_statistics_only():
    gen = torch.Generator().manual_seed(2)
    X_train = torch.randn(50, 2, generator=gen) * 2 + 1
    X_other = torch.randn(20, 2, generator=gen) * 5 - 3
    fmap = PolynomialFeatureMap(degree=3).fit(X_train)
    F_train, F_other = fmap(X_train), fmap(X_other)
    assert fmap.n_outputs == 9 == F_train.shape[1]
    torch.testing.assert_close(F_train.mean(dim=0), torch.zeros(9), atol=1e-5, rtol=0)
    torch.testing.assert_close(F_train.std(dim=0, correction=0), torch.ones(9), atol=1e-5, rtol=0)
    manual = Standardizer().fit(polynomial_features(X_train, 3)).transform(polynomial_features(X_other, 3))
    torch.testing.assert_close(F_other, manual)
    assert F_other.mean(dim=0).abs().max() > 0.5  # the other split keeps its own (different) distribution
    raw = PolynomialFeatureMap(degree=2, standardize=False).fit(X_train)
    torch.testing.assert_close(raw(X_other), polynomial_features(X_other, 2))


def test_feature_map_must_be_fitted_and_fed_the_right_width():
    fmap = PolynomialFeatureMap(degree=2)
    with pytest.raises(RuntimeError, match="Fit the feature map first"):
        fmap(torch.zeros(3, 2))
    with pytest.raises(RuntimeError, match="Fit the feature map first"):
        _ = fmap.n_outputs
    fmap.fit(torch.randn(5, 2))
    with pytest.raises(ValueError, match="expects 2"):
        fmap(torch.zeros(3, 4))
    assert "fitted" in repr(fmap)


def test_fit_polynomial_logistic_separates_circles_and_is_reproducible():
    X, y = make_circles(n_samples=200, noise=0.05, seed=0)
    X_tr, X_va, _, y_tr, y_va, _ = train_val_test_split(X, y, seed=0)
    model, fmap = fit_polynomial_logistic(X_tr, y_tr, degree=2, weight_decay=1e-3)
    assert model.n_inputs == 5
    assert accuracy(model.predict(fmap(X_va)), y_va) == 1.0
    again, _ = fit_polynomial_logistic(X_tr, y_tr, degree=2, weight_decay=1e-3)
    for a, b in zip(model.parameters(), again.parameters(), strict=True):
        assert torch.equal(a, b)
