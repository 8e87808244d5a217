"""MNIST as tensors: the whole dataset in memory, a validation split, and the per-item pipeline for comparison.

Two ways to feed MNIST to a model:

- :func:`mnist_tensors` builds **one** normalized float tensor for a whole
  split straight from ``dataset.data`` (the ``uint8`` array torchvision keeps
  in memory anyway). No Python loop over images: one conversion, one
  subtraction, one division. Mini-batches are then slices of that tensor.
- :func:`to_tensor_loader` is the usual tutorial pipeline: a ``DataLoader``
  that calls ``transforms.ToTensor()`` on every image, one at a time, and
  stacks them into batches, again in every epoch.

Both give the same numbers for the same image (see the tests); the first is
much faster because the per-image Python work disappears.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import DataLoader, Subset

from course_utils.mnist.files import load_mnist
from course_utils.validation import check_bool, check_device, check_positive_int, check_seed

#: Mean and standard deviation of the training pixels, scaled to [0, 1].
#: ``training_mean_std()`` recomputes them; the tests check they agree.
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

#: Sizes of the two splits.
N_TRAIN = 60_000
N_TEST = 10_000


def _check_subset(subset: int | None) -> int | None:
    if subset is None:
        return None
    return check_positive_int(subset, "subset")


def training_mean_std(root: Path | str | None = None) -> tuple[float, float]:
    """Mean and standard deviation of all training pixels, scaled to [0, 1].

    Computed exactly from a histogram of the 256 possible ``uint8`` values
    (no float copy of the 47 million pixels). These are the numbers behind
    :data:`MNIST_MEAN` and :data:`MNIST_STD` (population standard deviation).
    """
    data = load_mnist(train=True, root=root).data
    counts = torch.bincount(data.reshape(-1), minlength=256).to(torch.float64)
    values = torch.arange(256, dtype=torch.float64) / 255.0
    n = counts.sum()
    mean = (counts * values).sum() / n
    var = (counts * (values - mean) ** 2).sum() / n
    return mean.item(), var.sqrt().item()


def images_to_tensor(
    images: torch.Tensor,
    normalize: bool = True,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Turn ``uint8`` images shaped ``(N, 28, 28)`` into float32 ``(N, 1, 28, 28)``.

    Pixels are scaled to [0, 1] (as ``ToTensor()`` does) and, with
    ``normalize=True``, standardized with the *training* mean and standard
    deviation: ``(x / 255 - MNIST_MEAN) / MNIST_STD``. The work is done in
    place on one float tensor, so the peak memory is the ``uint8`` input plus
    one float copy.
    """
    if not isinstance(images, torch.Tensor) or images.dtype != torch.uint8 or images.ndim != 3:
        got = f"{type(images).__name__} {getattr(images, 'dtype', '')} {tuple(getattr(images, 'shape', ()))}"
        raise ValueError(
            "images must be a uint8 tensor shaped (N, height, width), like dataset.data of "
            f"torchvision's MNIST; got {got.strip()}."
        )
    check_bool(normalize, "normalize")
    device = check_device(device)
    # Convert first, then divide in place: ``images.div(255)`` would hold a hidden float copy as well.
    X = images.to(device=device).to(torch.float32).unsqueeze(1)
    X.div_(255.0)  # as ToTensor() does
    if normalize:
        X.sub_(MNIST_MEAN).div_(MNIST_STD)
    return X


def mnist_tensors(
    train: bool = True,
    device: torch.device | str | None = None,
    subset: int | None = None,
    normalize: bool = True,
    root: Path | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return one split of MNIST as in-memory tensors ``(X, y)``.

    Parameters
    ----------
    train:
        ``True`` for the 60,000 training images, ``False`` for the 10,000 test images.
    device:
        Where the tensors live (e.g. ``get_device()``); the CPU when ``None``.
    subset:
        Keep only the first ``subset`` images (for quick tests); all when ``None``.
    normalize:
        Standardize with the training mean and std (``True``), or only scale to [0, 1].
    root:
        The data root; :func:`course_utils.data.data_root` when ``None``.

    Returns
    -------
    X:
        float32, shaped ``(N, 1, 28, 28)``.
    y:
        int64 (``torch.long``) class labels 0-9, shaped ``(N,)``.
    """
    subset = _check_subset(subset)
    check_bool(normalize, "normalize")
    device = check_device(device)
    dataset = load_mnist(train=train, root=root)
    images, labels = dataset.data, dataset.targets
    if subset is not None:
        images, labels = images[:subset], labels[:subset]
    X = images_to_tensor(images, normalize=normalize, device=device)
    y = labels.to(device=device, dtype=torch.long)
    return X, y


def validation_split(n: int, n_val: int = 5_000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded random split of ``n`` examples: ``(train_idx, val_idx)``, sorted index tensors.

    ``n_val`` examples go to validation, the other ``n - n_val`` to training;
    the same ``seed`` gives the same split on every machine.
    """
    n = check_positive_int(n, "n")
    n_val = check_positive_int(n_val, "n_val")
    if n_val >= n:
        raise ValueError(f"n_val = {n_val} leaves no training examples out of n = {n}; choose n_val < n.")
    seed = check_seed(seed)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[n_val:].sort().values, order[:n_val].sort().values


def mnist_splits(
    n_val: int = 5_000,
    seed: int = 0,
    device: torch.device | str | None = None,
    root: str | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """MNIST as normalized in-memory tensors: ``X_train, y_train, X_val, y_val, X_test, y_test``.

    The 60,000 training images are split by :func:`validation_split` into
    ``60,000 - n_val`` for training and ``n_val`` for validation; the 10,000
    test images stay apart. The split is taken on the ``uint8`` images before
    the conversion to float32, so no full-size float copy is ever made.
    Images are ``(N, 1, 28, 28)`` float32, standardized as by
    :func:`mnist_tensors`; labels are ``torch.long``.
    """
    train = load_mnist(train=True, root=root)
    train_idx, val_idx = validation_split(len(train.targets), n_val, seed)
    test = load_mnist(train=False, root=root)
    out = []
    for images, labels in ((train.data[train_idx], train.targets[train_idx]),
                           (train.data[val_idx], train.targets[val_idx]),
                           (test.data, test.targets)):
        out += [images_to_tensor(images, device=device), labels.to(device=device, dtype=torch.long)]
    return tuple(out)


def to_tensor_transform(normalize: bool = False):
    """The per-image transform of the tutorials: ``ToTensor()`` (and optionally ``Normalize``)."""
    check_bool(normalize, "normalize")
    from torchvision import transforms

    steps = [transforms.ToTensor()]
    if normalize:
        steps.append(transforms.Normalize((MNIST_MEAN,), (MNIST_STD,)))
    return transforms.Compose(steps) if len(steps) > 1 else steps[0]


def to_tensor_loader(
    train: bool = True,
    batch_size: int = 100,
    shuffle: bool = True,
    subset: int | None = None,
    normalize: bool = False,
    generator: torch.Generator | None = None,
    root: Path | str | None = None,
) -> DataLoader:
    """The tutorial pipeline: a ``DataLoader`` applying ``ToTensor()`` to each image.

    Every epoch, for every image, the dataset turns the ``uint8`` array into
    a PIL image, ``ToTensor()`` turns it back into a float tensor, and the
    loader stacks ``batch_size`` of them. That per-image Python work is what
    :func:`mnist_tensors` avoids.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    subset = _check_subset(subset)
    check_bool(shuffle, "shuffle")
    check_bool(normalize, "normalize")
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator (e.g. torch.Generator().manual_seed(0)) or None, "
                        f"got {type(generator).__name__}.")
    dataset = load_mnist(train=train, transform=to_tensor_transform(normalize), root=root)
    if subset is not None:
        dataset = Subset(dataset, range(min(subset, len(dataset))))
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)
