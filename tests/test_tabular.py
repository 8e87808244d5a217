"""course_utils.tabular: the breast-cancer loader (malignant = 1), the stratified split, the Standardizer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_breast_cancer as sklearn_load
from sklearn.preprocessing import StandardScaler

from course_utils.tabular import Standardizer, load_breast_cancer, stratified_split, subsample_positives


def test_loader_returns_float_tensors_with_malignant_as_one():
    data = load_breast_cancer()
    raw = sklearn_load()
    assert data.X.shape == (569, 30) and data.X.dtype == torch.float32
    assert data.y.shape == (569, 1) and data.y.dtype == torch.float32
    assert int(data.y.sum()) == 212 == int((raw.target == 0).sum())  # sklearn: 0 = malignant
    np.testing.assert_array_equal(data.y.ravel().numpy(), (raw.target == 0).astype(np.float32))
    np.testing.assert_allclose(data.X.numpy(), raw.data, rtol=1e-6)
    assert data.feature_names[0] == "mean radius" and len(data.feature_names) == 30


def test_stratified_split_keeps_class_shares_and_is_seeded():
    data = load_breast_cancer()
    parts = stratified_split(data.X, data.y, (0.6, 0.2, 0.2), seed=0)
    X_train, X_val, X_test, y_train, y_val, y_test = parts
    assert [len(t) for t in (y_train, y_val, y_test)] == [343, 113, 113]
    assert [int(t.sum()) for t in (y_train, y_val, y_test)] == [128, 42, 42]
    rows = torch.cat([X_train, X_val, X_test])
    assert torch.equal(rows.sum(dim=0).double().round(decimals=1), data.X.sum(dim=0).double().round(decimals=1))
    again = stratified_split(data.X, data.y, (0.6, 0.2, 0.2), seed=0)
    assert all(torch.equal(a, b) for a, b in zip(parts, again, strict=True))
    other = stratified_split(data.X, data.y, (0.6, 0.2, 0.2), seed=1)
    assert not torch.equal(parts[0], other[0])
    # rows stay paired with their labels
    index = {tuple(row.tolist()): label for row, label in zip(data.X, data.y.ravel().tolist(), strict=True)}
    assert all(index[tuple(r.tolist())] == label for r, label in zip(X_val, y_val.ravel().tolist(), strict=True))


def test_stratified_split_keeps_a_flat_label_shape():
    X, y = torch.randn(30, 2), torch.tensor([0.0, 1.0] * 15)
    *_, y_train, y_val, y_test = stratified_split(X, y, (0.5, 0.25, 0.25), seed=3)
    assert y_train.ndim == 1 and len(y_train) + len(y_val) + len(y_test) == 30


@pytest.mark.parametrize("kwargs, match", [
    ({"fractions": (0.5, 0.5)}, "three positive numbers"),
    ({"fractions": (0.6, 0.3, 0.3)}, "sum to 1"),
    ({"seed": 1.5}, "integer"),
])
def test_stratified_split_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        stratified_split(torch.randn(20, 2), torch.tensor([0.0, 1.0] * 10), **kwargs)


def test_stratified_split_needs_both_classes():
    with pytest.raises(ValueError, match="class 1 has 0"):
        stratified_split(torch.randn(10, 2), torch.zeros(10))


def test_standardizer_matches_sklearn_and_uses_train_statistics():
    gen = torch.Generator().manual_seed(0)
    scales = torch.tensor([0.01, 1.0, 100.0, 1e4], dtype=torch.float64)
    X_train = torch.randn(50, 4, generator=gen, dtype=torch.float64) * scales
    X_new = torch.randn(7, 4, generator=gen, dtype=torch.float64)
    scaler = Standardizer().fit(X_train)
    sk = StandardScaler().fit(X_train.numpy())
    np.testing.assert_allclose(scaler.transform(X_new).numpy(), sk.transform(X_new.numpy()), atol=1e-10)
    np.testing.assert_allclose(scaler.fit_transform(X_train).numpy(), sk.transform(X_train.numpy()), atol=1e-10)


def test_standardizer_constant_column_and_errors():
    X = torch.tensor([[1.0, 5.0], [3.0, 5.0]])
    assert torch.equal(Standardizer().fit_transform(X), torch.tensor([[-1.0, 0.0], [1.0, 0.0]]))
    with pytest.raises(RuntimeError, match="fit"):
        Standardizer().transform(X)
    with pytest.raises(ValueError, match="expects 2"):
        Standardizer().fit(X).transform(torch.ones(3, 3))


def test_subsample_positives_keeps_every_negative():
    data = load_breast_cancer()
    X, y = subsample_positives(data.X, data.y, positive_share=0.05, seed=0)
    assert int((y == 0).sum()) == 357 and int(y.sum()) == 19
    with pytest.raises(ValueError, match="smaller share"):
        subsample_positives(data.X, data.y, positive_share=0.9)
