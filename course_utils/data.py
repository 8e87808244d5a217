"""Where the course finds its datasets: the data root.

The data root is, in order:

1. the directory named by the environment variable ``COURSE_DATA_DIR``;
2. otherwise the git-ignored ``data/`` folder at the repository root.

MNIST lives under ``<data root>/MNIST/raw/`` in torchvision's own layout
(:mod:`course_utils.mnist` finds, downloads and verifies it there).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "COURSE_DATA_DIR"


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
