"""What several test files share: the repository root, the lesson notebooks, the MNIST skip marker, Chromium.

Imported like ``tests/mistakes.py``: ``from tests.helpers import LESSONS, needs_mnist``.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from course_utils.grading.grade import lesson_notebooks
from course_utils.mnist import mnist_files_present

ROOT = Path(__file__).resolve().parent.parent

#: The lesson notebooks ``notebooks/NN_*.ipynb``, in order.
LESSONS = lesson_notebooks(ROOT / "notebooks")

#: Skip a test that reads the real MNIST files when they are not in the data root.
needs_mnist = pytest.mark.skipif(
    not mnist_files_present(), reason="MNIST is not in the data root; set COURSE_DATA_DIR to a folder holding MNIST/raw"
)

#: In CI every test must run: a missing browser is a failure there, not a skip.
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

#: Debian's Chromium (never a downloaded browser), and the flags it needs headless in a container.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-dev-shm-usage"]


@contextmanager
def headless_chromium(path: Path = CHROMIUM) -> Iterator[object]:
    """A headless Chromium driven by Playwright (a ``playwright.sync_api.Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(path), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
