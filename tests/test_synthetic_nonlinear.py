"""Lesson 05's generators (moons, circles, XOR) and the seeded train/validation/test split."""

from __future__ import annotations

import pytest
import torch

from course_utils.synthetic import make_circles, make_moons, make_xor, train_val_test_split

GENERATORS = {"moons": make_moons, "circles": make_circles, "xor": make_xor}


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_dtypes_labels(name):
    X, y = GENERATORS[name](n_samples=101, seed=0)
    assert X.shape == (101, 2) and X.dtype == torch.float32
    assert y.shape == (101, 1) and y.dtype == torch.float32
    assert set(torch.unique(y).tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("name", ["moons", "circles"])
def test_classes_are_balanced(name):
    _, y = GENERATORS[name](n_samples=101, seed=3)
    assert int(y.sum()) == 50


@pytest.mark.parametrize("name", GENERATORS)
def test_seeded_reproducible_and_global_state_untouched(name):
    make = GENERATORS[name]
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    X1, y1 = make(seed=5)
    assert torch.equal(torch.rand(3), expected)
    torch.manual_seed(123)
    X2, y2 = make(seed=5)
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, make(seed=6)[0])


def test_noise_free_shapes_are_what_the_docstrings_say():
    X, y = make_moons(n_samples=200, noise=0.0, seed=0)
    upper, lower = X[y[:, 0] == 0], X[y[:, 0] == 1]
    torch.testing.assert_close(upper.norm(dim=1), torch.ones(len(upper)))
    assert bool((upper[:, 1] >= 0).all())
    torch.testing.assert_close((lower - torch.tensor([1.0, 0.5])).norm(dim=1), torch.ones(len(lower)))
    assert bool((lower[:, 1] <= 0.5 + 1e-6).all())

    X, y = make_circles(n_samples=200, noise=0.0, factor=0.3, seed=0)
    radius = X.norm(dim=1)
    torch.testing.assert_close(radius[y[:, 0] == 0], torch.ones(100))
    torch.testing.assert_close(radius[y[:, 0] == 1], torch.full((100,), 0.3))

    X, y = make_xor(n_samples=200, noise=0.0, seed=0)
    assert bool((X.abs() <= 1).all())
    assert torch.equal(y[:, 0], (X[:, 0] * X[:, 1] > 0).float())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_samples": 1}, "n_samples must be an integer >= 2"),
        ({"n_samples": 10.0}, "n_samples must be an integer >= 2"),
        ({"noise": -0.1}, "noise must be a finite number >= 0"),
        ({"noise": float("inf")}, "noise must be a finite number >= 0"),
        ({"seed": -1}, "seed"),
    ],
)
@pytest.mark.parametrize("name", GENERATORS)
def test_bad_arguments_are_refused_with_a_hint(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        GENERATORS[name](**kwargs)


def test_circles_factor_is_checked():
    with pytest.raises(ValueError, match="factor must be a number strictly between 0 and 1"):
        make_circles(factor=1.5)


def test_split_sizes_disjoint_cover_and_seeded():
    X = torch.arange(100.0).reshape(50, 2)
    y = torch.arange(50.0).reshape(50, 1)
    X_tr, X_va, X_te, y_tr, y_va, y_te = train_val_test_split(X, y, val_fraction=0.3, test_fraction=0.2, seed=1)
    assert (len(X_tr), len(X_va), len(X_te)) == (25, 15, 10)
    rows = torch.cat([y_tr, y_va, y_te])[:, 0].long()
    assert sorted(rows.tolist()) == list(range(50))
    torch.testing.assert_close(X_va[:, 0] / 2, y_va[:, 0])  # rows stay paired with their labels
    again = train_val_test_split(X, y, val_fraction=0.3, test_fraction=0.2, seed=1)
    assert torch.equal(again[1], X_va)
    assert not torch.equal(train_val_test_split(X, y, val_fraction=0.3, test_fraction=0.2, seed=2)[1], X_va)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"val_fraction": 0.0}, "val_fraction must be a number strictly between 0 and 1"),
        ({"test_fraction": 1.0}, "test_fraction must be a number strictly between 0 and 1"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "leaves nothing to train on"),
    ],
)
def test_split_bad_fractions(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train_val_test_split(torch.zeros(10, 2), torch.zeros(10, 1), **kwargs)


def test_split_bad_inputs():
    with pytest.raises(ValueError, match="X has 10 rows but y has 9"):
        train_val_test_split(torch.zeros(10, 2), torch.zeros(9, 1))
    with pytest.raises(TypeError, match="torch.Tensor"):
        train_val_test_split([[0.0, 1.0]] * 10, torch.zeros(10, 1))
    with pytest.raises(ValueError, match="too few"):
        train_val_test_split(torch.zeros(2, 2), torch.zeros(2, 1))
