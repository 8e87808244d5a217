"""What several test files share: the repository root, the lesson notebooks and the MNIST skip marker.

Imported like ``tests/mistakes.py``: ``from tests.helpers import LESSONS, needs_mnist``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from course_utils.mnist import mnist_files_present

ROOT = Path(__file__).resolve().parent.parent

#: The lesson notebooks ``notebooks/NN_*.ipynb``, in order.
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: Skip a test that reads the real MNIST files when they are not in the data root.
needs_mnist = pytest.mark.skipif(
    not mnist_files_present(), reason="MNIST is not in the data root; set COURSE_DATA_DIR to a folder holding MNIST/raw"
)
