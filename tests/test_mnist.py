"""MNIST as in-memory tensors (course_utils.mnist).

Shapes, dtypes, normalization, the per-item loader, offline errors.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
import torch

from course_utils.data import DatasetNotFoundError
from course_utils.mnist import MNIST_FILES, load_mnist
from course_utils.mnist import (
    MNIST_MEAN,
    MNIST_STD,
    N_TEST,
    N_TRAIN,
    images_to_tensor,
    mnist_tensors,
    to_tensor_loader,
    to_tensor_transform,
    training_mean_std,
)
from tests.helpers import needs_mnist


@needs_mnist
def test_split_sizes():
    assert len(load_mnist(train=True)) == N_TRAIN == 60_000
    assert len(load_mnist(train=False)) == N_TEST == 10_000


@needs_mnist
@pytest.mark.parametrize("train", [True, False])
def test_mnist_tensors_shapes_and_dtypes(train):
    X, y = mnist_tensors(train=train, subset=300)
    assert X.shape == (300, 1, 28, 28)
    assert X.dtype == torch.float32
    assert y.shape == (300,)
    assert y.dtype == torch.long
    assert int(y.min()) >= 0 and int(y.max()) <= 9
    assert X.device.type == "cpu" and y.device.type == "cpu"


@needs_mnist
def test_normalized_tensor_equals_totensor_then_normalize():
    X, y = mnist_tensors(train=True, subset=5)
    dataset = load_mnist(train=True, transform=to_tensor_transform(normalize=True))
    for i in range(5):
        image, label = dataset[i]
        torch.testing.assert_close(X[i], image)
        assert int(y[i]) == label


@needs_mnist
def test_unnormalized_tensor_equals_totensor():
    X, _ = mnist_tensors(train=False, subset=3, normalize=False)
    dataset = load_mnist(train=False, transform=to_tensor_transform())
    for i in range(3):
        torch.testing.assert_close(X[i], dataset[i][0])
    assert float(X.min()) >= 0.0 and float(X.max()) <= 1.0


@needs_mnist
def test_training_set_is_standardized_and_constants_match():
    mean, std = training_mean_std()
    assert mean == pytest.approx(MNIST_MEAN, abs=5e-5)
    assert std == pytest.approx(MNIST_STD, abs=5e-5)
    X, _ = mnist_tensors(train=True)
    assert X.shape == (60_000, 1, 28, 28)
    assert float(X.mean()) == pytest.approx(0.0, abs=1e-3)
    assert float(X.std()) == pytest.approx(1.0, abs=1e-3)


def test_images_to_tensor_scales_and_normalizes():
    images = torch.tensor([[[0, 255], [51, 102]]], dtype=torch.uint8)
    scaled = images_to_tensor(images, normalize=False)
    assert scaled.shape == (1, 1, 2, 2)
    torch.testing.assert_close(scaled[0, 0], torch.tensor([[0.0, 1.0], [0.2, 0.4]]))
    normalized = images_to_tensor(images)
    torch.testing.assert_close(normalized, (scaled - MNIST_MEAN) / MNIST_STD)


def test_images_to_tensor_rejects_float_images():
    with pytest.raises(ValueError, match="uint8 tensor shaped"):
        images_to_tensor(torch.zeros(2, 28, 28))


def test_subset_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="subset must be a positive integer"):
        mnist_tensors(subset=0)


@needs_mnist
def test_to_tensor_loader_batches():
    loader = to_tensor_loader(train=True, batch_size=100, subset=250, generator=torch.Generator().manual_seed(0))
    batches = list(loader)
    assert [len(labels) for _, labels in batches] == [100, 100, 50]
    images, labels = batches[0]
    assert images.shape == (100, 1, 28, 28) and images.dtype == torch.float32
    assert labels.dtype == torch.long
    assert float(images.min()) >= 0.0 and float(images.max()) <= 1.0
    again = to_tensor_loader(train=True, batch_size=100, subset=250, generator=torch.Generator().manual_seed(0))
    assert torch.equal(next(iter(again))[1], labels), "a seeded generator must give the same order"


@needs_mnist
def test_loader_and_tensors_hold_the_same_images():
    loader = to_tensor_loader(train=False, batch_size=10, subset=10, shuffle=False, normalize=True)
    images, labels = next(iter(loader))
    X, y = mnist_tensors(train=False, subset=10)
    torch.testing.assert_close(images, X)
    assert torch.equal(labels, y)


def _offline(monkeypatch, tmp_path):
    """An empty data folder and no network: torchvision's download fails as it would offline."""
    from torchvision import datasets

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(datasets.MNIST, "download", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))


@pytest.mark.parametrize("make", [lambda: mnist_tensors(train=True), lambda: to_tensor_loader(train=False)])
def test_missing_data_offline_gives_a_clear_error(monkeypatch, tmp_path, make):
    _offline(monkeypatch, tmp_path)
    with pytest.raises(DatasetNotFoundError) as info:
        make()
    message = str(info.value)
    assert str(tmp_path / "MNIST" / "raw") in message, "the message must name the folder it looked in"
    for name in MNIST_FILES:
        assert name in message, f"the message must name {name}"
    assert "COURSE_DATA_DIR" in message, "the message must say how to point the course at a copy"
    assert not any(tmp_path.rglob("*-ubyte*")), "nothing may be downloaded"
