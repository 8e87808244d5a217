"""The data root and the offline-MNIST error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from course_utils.data import DatasetNotFoundError, data_root
from course_utils.mnist.files import MNIST_FILES, load_mnist, mnist_files_present

REPO = Path(__file__).resolve().parent.parent


def test_default_data_root_is_the_repository_data_folder(monkeypatch):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    assert data_root() == REPO / "data"


def test_environment_variable_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data_root() == tmp_path.resolve()


def test_data_folder_is_git_ignored():
    assert "/data/" in (REPO / ".gitignore").read_text().splitlines()


def _refuse_network(monkeypatch):
    """Make any download attempt fail the way an offline machine does."""
    import urllib.error
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", offline)


def test_offline_without_files_gives_one_clear_error(monkeypatch, tmp_path, capsys):
    _refuse_network(monkeypatch)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist(train=True)
    message = str(info.value)
    assert str(tmp_path / "MNIST" / "raw") in message
    for name in MNIST_FILES:
        assert name in message
    assert "COURSE_DATA_DIR" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no urllib traceback chained


def test_download_false_is_refused_with_the_same_message(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        load_mnist(root=tmp_path, download=False)


@pytest.mark.skipif(not mnist_files_present(), reason="needs MNIST under the data root (set COURSE_DATA_DIR)")
def test_real_mnist_is_found_without_writing_to_the_data_root(monkeypatch):
    _refuse_network(monkeypatch)
    raw = data_root() / "MNIST" / "raw"
    before = {p.name: p.stat().st_mtime_ns for p in raw.parent.rglob("*")}
    train, test = load_mnist(train=True), load_mnist(train=False)
    assert (len(train), len(test)) == (60_000, 10_000)
    after = {p.name: p.stat().st_mtime_ns for p in raw.parent.rglob("*")}
    assert before == after


def test_ci_points_at_real_mnist():
    """In CI the data root must hold MNIST, or the notebook tests would silently do less."""
    if os.environ.get("CI") != "true":
        pytest.skip("only enforced in CI")
    assert mnist_files_present(), f"MNIST not found under {data_root()}; .ci/run must set COURSE_DATA_DIR"
