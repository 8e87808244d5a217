"""Where the course finds its datasets, and MNIST through torchvision.

The data root is, in order:

1. the directory named by the environment variable ``COURSE_DATA_DIR``;
2. otherwise the git-ignored ``data/`` folder at the repository root.

MNIST lives under ``<data root>/MNIST/raw/`` in torchvision's own layout.
Online, torchvision downloads it there on first use. Offline with no files,
:func:`load_mnist` raises :class:`DatasetNotFoundError`, whose message says
where it looked, which files it needs and how to point ``COURSE_DATA_DIR``
at a copy.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

ENV_VAR = "COURSE_DATA_DIR"

#: The files torchvision's MNIST reads, relative to the data root.
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is not on disk and could not be downloaded."""


def repository_root() -> Path:
    """The course repository: the folder that holds ``course_utils/``.

    When the package is installed in editable mode (as the Quick start
    does) this is the clone. Otherwise the current directory or one of its
    parents holding ``notebooks/`` is used.
    """
    package_parent = Path(__file__).resolve().parent.parent
    if (package_parent / "pyproject.toml").exists():
        return package_parent
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if (folder / "notebooks").is_dir() and (folder / "course_utils").is_dir():
            return folder
    return cwd


def data_root() -> Path:
    """Return the folder datasets are read from (and downloaded to).

    ``COURSE_DATA_DIR`` wins when set; otherwise ``<repository>/data``.
    A relative ``COURSE_DATA_DIR`` is taken relative to the current directory.
    """
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser().resolve()
    return repository_root() / "data"


def mnist_files_present(root: Path | str | None = None) -> bool:
    """True when all four MNIST files are in ``<root>/MNIST/raw`` (plain or ``.gz``)."""
    raw = Path(root if root is not None else data_root()) / "MNIST" / "raw"
    return all((raw / name).exists() or (raw / f"{name}.gz").exists() for name in MNIST_FILES)


def missing_mnist_message(root: Path, reason: str = "") -> str:
    """The message a learner sees when MNIST is neither on disk nor downloadable."""
    raw = root / "MNIST" / "raw"
    files = "\n".join(f"    {raw / name}" for name in MNIST_FILES)
    because = f" ({reason})" if reason else ""
    return (
        f"MNIST is not in {raw} and could not be downloaded{because}.\n"
        f"The course looks for these four files (plain or .gz):\n{files}\n"
        "To fix it, either\n"
        "  - connect to the internet and run the cell again (torchvision downloads about 12 MB), or\n"
        f"  - copy the files into that folder, or\n"
        f"  - point the course at a folder that already holds MNIST/raw/, e.g.\n"
        f"        export {ENV_VAR}=/path/to/data      (then restart the kernel)\n"
        f"    or, inside the notebook, before loading:\n"
        f"        import os; os.environ['{ENV_VAR}'] = '/path/to/data'"
    )


def load_mnist(
    train: bool = True,
    transform: Callable | None = None,
    root: Path | str | None = None,
    download: bool = True,
):
    """Return ``torchvision.datasets.MNIST`` for the train or test split.

    Files already under ``<root>/MNIST/raw`` are used as they are (nothing is
    written there, so a read-only copy works). Otherwise, with
    ``download=True``, torchvision downloads them into the data root.

    Raises
    ------
    DatasetNotFoundError
        When the files are missing and cannot be downloaded (e.g. offline).
    """
    from torchvision import datasets  # imported here: lessons 01-04 never need it

    root = Path(root) if root is not None else data_root()
    if not mnist_files_present(root):
        if not download:
            raise DatasetNotFoundError(missing_mnist_message(root, "download=False"))
        try:
            root.mkdir(parents=True, exist_ok=True)
            datasets.MNIST(str(root), train=train, download=True)
        except Exception as exc:  # urllib, socket and torchvision's own errors
            raise DatasetNotFoundError(missing_mnist_message(root, type(exc).__name__)) from None
        if not mnist_files_present(root):
            raise DatasetNotFoundError(missing_mnist_message(root, "the download left no files"))
    return datasets.MNIST(str(root), train=train, transform=transform, download=False)
