"""MNIST files on disk are verified (size and MD5) when loaded, plain or .gz.

Good files are linked from the real data root (COURSE_DATA_DIR) into a temporary one; damaged copies are
written there. Nothing is ever written into the real data root.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import random
import urllib.error
from pathlib import Path

import pytest
import torch

from course_utils.data import data_root
from course_utils.mnist import files
from course_utils.mnist.files import (
    MNIST_CHECKSUMS,
    MNIST_FILES,
    DatasetFileError,
    DatasetNotFoundError,
    load_mnist,
    mnist_files_present,
    verify_mnist,
)

REAL_RAW = data_root() / "MNIST" / "raw"
#: Stricter than tests.helpers.needs_mnist: these tests copy and damage the plain (not .gz) files.
needs_plain_mnist_files = pytest.mark.skipif(
    not all((REAL_RAW / name).exists() for name in MNIST_FILES),
    reason="needs the plain MNIST files under the data root (set COURSE_DATA_DIR)",
)


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    """Each test starts with nothing verified, so every check really runs."""
    monkeypatch.setattr(files, "_VERIFIED", {})


def make_root(tmp_path: Path, skip: tuple[str, ...] = ()) -> Path:
    """A data root whose MNIST/raw links to the real files (except those in ``skip``)."""
    raw = tmp_path / "root" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for name in MNIST_FILES:
        if name not in skip:
            (raw / name).symlink_to(REAL_RAW / name)
    return tmp_path / "root"


def offline(monkeypatch):
    from torchvision import datasets

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(datasets.MNIST, "download", refuse)


def test_checksums_are_those_published_with_the_shared_copy():
    sums = Path(os.environ.get("COURSE_DATA_DIR", "/work/shared/data")) / "MNIST" / "MD5SUMS"
    if not sums.exists():
        pytest.skip("no MD5SUMS beside the data")
    published = dict(reversed(line.split()) for line in sums.read_text().splitlines() if line.strip())
    assert {name: md5 for name, (_, md5) in MNIST_CHECKSUMS.items()} == published


def test_gz_checksums_are_torchvisions():
    from torchvision import datasets

    assert {f"{name}.gz": md5 for name, md5 in files.MNIST_GZ_MD5.items()} == dict(datasets.MNIST.resources)


@needs_plain_mnist_files
def test_good_files_load_exactly_as_torchvision_reads_them(tmp_path):
    from torchvision import datasets

    root = make_root(tmp_path)
    ours = load_mnist(train=False, root=root)
    theirs = datasets.MNIST(str(root), train=False, download=False)
    assert torch.equal(ours.data, theirs.data) and torch.equal(ours.targets, theirs.targets)
    assert ours.data.dtype == torch.uint8 and ours.targets.dtype == torch.long
    assert repr(ours) == repr(theirs)
    assert isinstance(ours, datasets.MNIST)
    assert len(verify_mnist(root)) == 4


@needs_plain_mnist_files
def test_gz_only_files_load(tmp_path):
    """The README promises plain or .gz; torchvision alone reads only the plain files."""
    root = make_root(tmp_path, skip=("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))
    raw = root / "MNIST" / "raw"
    for name in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / f"{name}.gz").write_bytes(gzip.compress((REAL_RAW / name).read_bytes(), compresslevel=1))
    assert mnist_files_present(root)
    test = load_mnist(train=False, root=root, download=False)
    reference = load_mnist(train=False, root=REAL_RAW.parent.parent, download=False)
    assert torch.equal(test.data, reference.data) and torch.equal(test.targets, reference.targets)


def _expect_file_error(root: Path, train: bool, path: Path, *words: str) -> str:
    with pytest.raises(DatasetFileError) as info:
        load_mnist(train=train, root=root, download=False)
    message = str(info.value)
    assert str(path) in message, "the message must name the file"
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"
    assert "python -m course_utils.mnist" in message and "COURSE_DATA_DIR" in message, "the message must say the fix"
    assert info.value.__cause__ is None, "no chained traceback"
    assert info.value.__context__ is None or info.value.__suppress_context__
    return message


@needs_plain_mnist_files
def test_truncated_file_is_named(tmp_path):
    root = make_root(tmp_path, skip=("train-images-idx3-ubyte",))
    path = root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes((REAL_RAW / path.name).read_bytes()[:1_000_000])
    _expect_file_error(root, True, path, "truncated", "1,000,000 of 47,040,016 bytes")


@needs_plain_mnist_files
def test_random_bytes_of_the_right_size_are_caught_by_the_checksum(tmp_path):
    root = make_root(tmp_path, skip=("t10k-labels-idx1-ubyte",))
    path = root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    path.write_bytes(random.Random(0).randbytes(MNIST_CHECKSUMS[path.name][0]))
    _expect_file_error(root, False, path, "corrupt", "MD5", MNIST_CHECKSUMS[path.name][1])


@needs_plain_mnist_files
def test_one_flipped_byte_is_caught(tmp_path):
    root = make_root(tmp_path, skip=("train-labels-idx1-ubyte",))
    path = root / "MNIST" / "raw" / "train-labels-idx1-ubyte"
    content = bytearray((REAL_RAW / path.name).read_bytes())
    content[100] ^= 1
    path.write_bytes(bytes(content))
    _expect_file_error(root, True, path, "corrupt")


@needs_plain_mnist_files
def test_test_images_copied_over_the_training_images(tmp_path):
    """Without the check this loads silently: 10,000 images with 60,000 labels."""
    root = make_root(tmp_path, skip=("train-images-idx3-ubyte",))
    path = root / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.symlink_to(REAL_RAW / "t10k-images-idx3-ubyte")
    _expect_file_error(root, True, path, "t10k-images-idx3-ubyte", "copied over")


@needs_plain_mnist_files
def test_broken_gz_is_named(tmp_path):
    root = make_root(tmp_path, skip=("t10k-images-idx3-ubyte",))
    path = root / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(random.Random(1).randbytes(5000))
    _expect_file_error(root, False, path, "cannot be read", "gzip")


@needs_plain_mnist_files
def test_gz_of_truncated_content_is_named(tmp_path):
    root = make_root(tmp_path, skip=("t10k-labels-idx1-ubyte",))
    path = root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress((REAL_RAW / "t10k-labels-idx1-ubyte").read_bytes()[:5000]))
    _expect_file_error(root, False, path, "once decompressed", "truncated")


@needs_plain_mnist_files
def test_missing_file_offline_names_the_folder_and_creates_nothing(monkeypatch, tmp_path):
    offline(monkeypatch)
    root = make_root(tmp_path, skip=("t10k-labels-idx1-ubyte",))
    before = sorted(p.name for p in root.rglob("*"))
    with pytest.raises(DatasetNotFoundError, match="could not be downloaded") as info:
        load_mnist(train=False, root=root)
    assert "t10k-labels-idx1-ubyte" in str(info.value)
    assert sorted(p.name for p in root.rglob("*")) == before
    with pytest.raises(DatasetFileError, match=r"missing: neither .*t10k-labels-idx1-ubyte"):
        verify_mnist(root, train=False)


def test_failed_download_leaves_no_folder(monkeypatch, tmp_path):
    offline(monkeypatch)
    with pytest.raises(DatasetNotFoundError, match="could not be downloaded"):
        load_mnist(train=True, root=tmp_path)
    assert list(tmp_path.iterdir()) == [], "a failed load must not create MNIST/raw"


@needs_plain_mnist_files
def test_a_verified_file_is_hashed_once_per_process(monkeypatch, tmp_path):
    root = make_root(tmp_path)
    calls = []
    real_md5 = hashlib.md5

    def counting_md5(*args, **kwargs):
        calls.append(1)
        return real_md5(*args, **kwargs)

    monkeypatch.setattr(files.hashlib, "md5", counting_md5)
    load_mnist(train=False, root=root)
    assert len(calls) == 2  # images and labels
    load_mnist(train=False, root=root)
    assert len(calls) == 2, "the second load must reuse the verification"


@needs_plain_mnist_files
def test_a_file_changed_after_verification_is_checked_again(tmp_path):
    root = make_root(tmp_path, skip=("t10k-labels-idx1-ubyte",))
    path = root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    path.write_bytes((REAL_RAW / path.name).read_bytes())
    load_mnist(train=False, root=root)
    path.write_bytes(b"\0" * 10_008)
    os.utime(path, ns=(1, 1))  # a different mtime, as any rewrite gives
    _expect_file_error(root, False, path, "corrupt")


@needs_plain_mnist_files
def test_fetch_reports_a_damaged_file_without_a_traceback(tmp_path, capsys):
    root = make_root(tmp_path, skip=("train-labels-idx1-ubyte",))
    path = root / "MNIST" / "raw" / "train-labels-idx1-ubyte"
    path.write_bytes(b"\0" * 10)
    assert files.main(["--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "truncated" in err and "Traceback" not in err


def test_fetch_reports_a_missing_root_without_a_traceback(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert files.main(["--root", str(missing)]) == 1
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err
    assert not missing.exists()


def test_fetch_reports_an_unexpected_error_without_a_traceback(monkeypatch, tmp_path, capsys):
    def broken(**kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(files, "load_mnist", broken)
    assert files.main(["--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "PermissionError" in err and "writable" in err and "Traceback" not in err
