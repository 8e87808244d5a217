"""The 2-D two-class generator and the seeded train/test split."""

from __future__ import annotations

import pytest
import torch

from course_utils.synthetic import make_two_blobs, train_test_split


def test_two_blobs_shapes_dtypes_and_labels():
    X, y = make_two_blobs(n_samples=300, overlap=1.0, seed=0)
    assert X.shape == (300, 2) and X.dtype == torch.float32
    assert y.shape == (300, 1) and y.dtype == torch.float32
    assert set(torch.unique(y).tolist()) == {0.0, 1.0}


@pytest.mark.parametrize("n_samples", [2, 7, 300, 301])
def test_two_blobs_classes_are_balanced(n_samples):
    _, y = make_two_blobs(n_samples=n_samples, seed=3)
    assert int(y.sum()) == n_samples // 2
    assert int((y == 0).sum()) == n_samples - n_samples // 2


def test_two_blobs_is_reproducible_with_the_seed_and_varies_without():
    X1, y1 = make_two_blobs(seed=5)
    torch.manual_seed(123)  # the global RNG must not matter
    X2, y2 = make_two_blobs(seed=5)
    X3, _ = make_two_blobs(seed=6)
    assert torch.equal(X1, X2) and torch.equal(y1, y2)
    assert not torch.equal(X1, X3)


def test_two_blobs_does_not_touch_the_global_random_state():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    make_two_blobs(seed=1)
    assert torch.equal(torch.rand(3), expected)


def test_two_blobs_rows_are_shuffled():
    _, y = make_two_blobs(n_samples=100, seed=0)
    assert not torch.equal(y, torch.sort(y, dim=0).values)


def test_overlap_is_the_spread_around_each_center():
    centers = ((-2.0, 0.0), (2.0, 1.0))
    X, y = make_two_blobs(n_samples=20000, overlap=0.5, seed=0, centers=centers)
    for cls in (0, 1):
        points = X[y[:, 0] == cls]
        torch.testing.assert_close(points.mean(0), torch.tensor(centers[cls]), atol=0.02, rtol=0)
        torch.testing.assert_close(points.std(0), torch.full((2,), 0.5), atol=0.02, rtol=0)


def test_small_overlap_separates_and_large_overlap_mixes():
    """Along the line joining the centers, the midpoint separates small-overlap clouds perfectly."""
    def midpoint_accuracy(overlap):
        X, y = make_two_blobs(n_samples=1000, overlap=overlap, seed=0)
        direction = torch.tensor([2.0, 1.5])  # center 1 - center 0 (default centers)
        midpoint = torch.tensor([0.0, 0.25])
        predicted = ((X - midpoint) @ direction >= 0).float()
        return (predicted == y[:, 0]).float().mean().item()

    assert midpoint_accuracy(0.25) == 1.0
    assert 0.85 < midpoint_accuracy(1.0) < 0.93  # the Bayes accuracy is about 0.89
    assert midpoint_accuracy(2.0) < 0.8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_samples": 1}, "n_samples must be an integer >= 2"),
        ({"n_samples": 10.0}, "n_samples must be an integer"),
        ({"overlap": 0}, "overlap must be a positive"),
        ({"overlap": -1.0}, "overlap must be a positive"),
        ({"overlap": float("inf")}, "overlap must be a positive, finite"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"seed": 1.5}, "seed must be a non-negative integer"),
        ({"centers": ((0, 0), (1, 1), (2, 2))}, "centers must be two"),
    ],
)
def test_two_blobs_bad_inputs_explain_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_two_blobs(**kwargs)


def test_split_sizes_follow_the_fraction():
    X, y = make_two_blobs(n_samples=300, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=1 / 3, seed=0)
    assert X_train.shape == (200, 2) and y_train.shape == (200, 1)
    assert X_test.shape == (100, 2) and y_test.shape == (100, 1)


def test_split_is_disjoint_complete_and_keeps_pairs():
    n = 301
    X = torch.arange(n, dtype=torch.float32).reshape(-1, 1)
    y = torch.arange(n) * 10  # a label that remembers its row
    X_train, X_test, y_train, y_test = train_test_split(X, y, seed=4)
    train_ids = set(X_train[:, 0].long().tolist())
    test_ids = set(X_test[:, 0].long().tolist())
    assert train_ids.isdisjoint(test_ids)
    assert train_ids | test_ids == set(range(n))
    assert len(train_ids) + len(test_ids) == n  # no duplicates
    assert torch.equal(y_train, X_train[:, 0].long() * 10)
    assert torch.equal(y_test, X_test[:, 0].long() * 10)


def test_split_is_reproducible_with_the_seed_and_shuffles():
    X = torch.arange(60, dtype=torch.float32).reshape(-1, 1)
    y = torch.zeros(60)
    first = train_test_split(X, y, seed=1)
    second = train_test_split(X, y, seed=1)
    other = train_test_split(X, y, seed=2)
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))
    assert not torch.equal(first[1], other[1])
    assert not torch.equal(first[1][:, 0], torch.sort(first[1][:, 0]).values)  # not just the last rows


def test_split_never_leaves_a_side_empty():
    X, y = torch.zeros(2, 2), torch.tensor([0.0, 1.0])
    X_train, X_test, _, _ = train_test_split(X, y, test_fraction=0.01)
    assert len(X_train) == 1 and len(X_test) == 1


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([[1.0, 2.0]], torch.zeros(1)), {}, TypeError, "X must be a torch.Tensor"),
        ((torch.zeros(5, 2), torch.zeros(4)), {}, ValueError, "X has 5 rows but y has 4"),
        ((torch.zeros(5, 2), torch.zeros(5)), {"test_fraction": 1.0}, ValueError, "strictly between 0 and 1"),
        ((torch.zeros(5, 2), torch.zeros(5)), {"test_fraction": 0}, ValueError, "strictly between 0 and 1"),
        ((torch.zeros(1, 2), torch.zeros(1)), {}, ValueError, "at least 2 rows"),
        ((torch.zeros(5, 2), torch.zeros(5)), {"seed": -3}, ValueError, "seed must be"),
    ],
)
def test_split_bad_inputs_explain_themselves(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        train_test_split(*args, **kwargs)
