"""MNIST's files: found, downloaded and verified, then loaded through torchvision.

MNIST lives under ``<data root>/MNIST/raw/`` in torchvision's own layout.
Online, torchvision downloads it there on first use. Offline with no files,
:func:`load_mnist` raises :class:`DatasetNotFoundError`, whose message says
where it looked, which files it needs and how to point ``COURSE_DATA_DIR``
at a copy.

Every file is **verified** when it is loaded, plain or ``.gz``: its size and
the MD5 checksum of its (decompressed) content must be those torchvision
publishes. A truncated, corrupt or swapped file (say the test images copied
over the training images) raises :class:`DatasetFileError` naming the file
and the fix, instead of torchvision's raw error or, worse, a dataset that
loads with 10,000 images and 60,000 labels. Hashing costs about 0.1 s for
the 55 MB of MNIST; a verified file is remembered (by path, size and
modification time) for the rest of the process.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import shutil
import sys
import zlib
from pathlib import Path
from typing import Callable

from course_utils.data import ENV_VAR, DatasetNotFoundError, data_root, repository_root

#: The files torchvision's MNIST reads, relative to the data root.
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


#: Size in bytes and MD5 of each file's uncompressed content (the published MNIST files;
#: also in ``MNIST/raw/MD5SUMS`` of the course's shared copy).
MNIST_CHECKSUMS = {
    "train-images-idx3-ubyte": (47_040_016, "6bbc9ace898e44ae57da46a324031adb"),
    "train-labels-idx1-ubyte": (60_008, "a25bea736e30d166cdddb491f175f624"),
    "t10k-images-idx3-ubyte": (7_840_016, "2646ac647ad5339dbf082846283269ea"),
    "t10k-labels-idx1-ubyte": (10_008, "27ae3e4e09519cfbb04c329615203637"),
}

#: MD5 of the ``.gz`` files torchvision downloads (``torchvision.datasets.MNIST.resources``).
MNIST_GZ_MD5 = {
    "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
}


class DatasetFileError(DatasetNotFoundError):
    """A dataset file is on disk but is not the right file: truncated, corrupt, or another file's content.

    A subclass of :class:`DatasetNotFoundError`, so ``except DatasetNotFoundError``
    catches both: in either case the usable dataset is not there.
    """


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


def _split_files(train: bool) -> tuple[str, str]:
    prefix = "train" if train else "t10k"
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


#: Files already verified in this process: (path, size, mtime_ns) -> True.
_VERIFIED: dict[tuple[str, int, int], bool] = {}


def _fix_hint(raw: Path, path: Path) -> str:
    return (
        f"To fix it, delete {path} and get a good copy: run `python -m course_utils.mnist` "
        f"(it downloads the missing files into {raw}), copy the file again from where you got it, "
        f"or point {ENV_VAR} at a folder holding a good MNIST/raw/."
    )


def _read_verified(raw: Path, name: str) -> bytes:
    """The uncompressed content of ``name`` (plain or ``.gz``) after checking its size and MD5.

    Raises :class:`DatasetFileError` (missing, truncated, swapped, corrupt or unreadable file)
    with the file's path and the fix.
    """
    size, md5 = MNIST_CHECKSUMS[name]
    plain, packed = raw / name, raw / f"{name}.gz"
    path = plain if plain.exists() else packed
    if not path.exists():
        raise DatasetFileError(
            f"MNIST file missing: neither {plain} nor {packed} exists. To fix it, run "
            f"`python -m course_utils.mnist` (it downloads the missing files into {raw}), copy the file "
            f"there, or point {ENV_VAR} at a folder holding all four files in MNIST/raw/."
        )
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        content = path.read_bytes()
        trusted = _VERIFIED.get(key, False)
        if path is packed:
            if not trusted and hashlib.md5(content).hexdigest() == MNIST_GZ_MD5[name]:
                trusted = True  # torchvision's own download, byte for byte
                _VERIFIED[key] = True
            content = gzip.decompress(content)
    except (OSError, EOFError, zlib.error) as exc:  # unreadable, or a broken .gz
        raise DatasetFileError(
            f"MNIST file {path} cannot be read ({type(exc).__name__}: {exc}); it is corrupt or not a "
            f"gzip file. {_fix_hint(raw, path)}"
        ) from None
    if not trusted:
        if len(content) != size:
            others = [other for other, (other_size, _) in MNIST_CHECKSUMS.items()
                      if other != name and other_size == len(content)]
            what = (f"it has the size of {others[0]}: was that file copied over it?" if others else
                    f"it is truncated (only {len(content):,} of {size:,} bytes)" if len(content) < size else
                    f"it is {len(content) - size:,} bytes too long")
            raise DatasetFileError(
                f"MNIST file {path} is not the right file: {len(content):,} bytes"
                f"{' once decompressed' if path is packed else ''} "
                f"where {size:,} are expected; {what}. {_fix_hint(raw, path)}"
            )
        digest = hashlib.md5(content).hexdigest()
        if digest != md5:
            raise DatasetFileError(
                f"MNIST file {path} is corrupt: the right size, but its MD5 checksum is {digest} "
                f"instead of {md5}. {_fix_hint(raw, path)}"
            )
        _VERIFIED[key] = True
    return content


def _parse_idx(content: bytes, dims: int):
    """A verified idx file (a big-endian header of ``dims`` sizes, then uint8 values) as a ``uint8`` tensor."""
    import torch

    shape = [int.from_bytes(content[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(content), dtype=torch.uint8, offset=4 + 4 * dims).reshape(shape)


def verify_mnist(root: Path | str | None = None, train: bool | None = None) -> list[Path]:
    """Check the MNIST files under ``<root>/MNIST/raw`` (both splits, or one); return their paths.

    Raises :class:`DatasetFileError` for the first missing, truncated, swapped or corrupt file.
    """
    raw = Path(root if root is not None else data_root()) / "MNIST" / "raw"
    names = MNIST_FILES if train is None else _split_files(train)
    paths = []
    for name in names:
        _read_verified(raw, name)
        paths.append(raw / name if (raw / name).exists() else raw / f"{name}.gz")
    return paths


def _load_split(raw: Path, train: bool):
    """The verified images ``(N, 28, 28)`` and labels ``(N,)`` of one split, as torchvision returns them."""
    images_name, labels_name = _split_files(train)
    images = _parse_idx(_read_verified(raw, images_name), 3)
    labels = _parse_idx(_read_verified(raw, labels_name), 1)
    return images, labels.long()


_MNIST_CLASS = None


def _verified_mnist_class():
    """``torchvision.datasets.MNIST`` reading the files through :func:`_read_verified` (plain or ``.gz``)."""
    global _MNIST_CLASS
    if _MNIST_CLASS is None:
        from torchvision import datasets

        class MNIST(datasets.MNIST):  # same name, so the same repr and the same MNIST/raw folder
            __doc__ = datasets.MNIST.__doc__

            def __init__(self, root: str, train: bool, transform: Callable | None, data, targets) -> None:
                self._verified = (data, targets)  # read and verified by load_mnist
                super().__init__(root, train=train, transform=transform, download=False)

            def _check_legacy_exist(self) -> bool:
                return False

            def _check_exists(self) -> bool:
                return True

            def _load_data(self):
                data, targets = self._verified
                del self._verified
                return data, targets

        MNIST.__module__ = __name__
        MNIST.__qualname__ = "MNIST"
        _MNIST_CLASS = MNIST
    return _MNIST_CLASS


def __getattr__(name: str):
    # ``course_utils.mnist.files.MNIST``, built on first use (torchvision is imported only then); pickle finds it here.
    if name == "MNIST":
        return _verified_mnist_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load_mnist(
    train: bool = True,
    transform: Callable | None = None,
    root: Path | str | None = None,
    download: bool = True,
):
    """Return ``torchvision.datasets.MNIST`` for the train or test split, from verified files.

    Files already under ``<root>/MNIST/raw`` (plain or ``.gz``) are used as
    they are (nothing is written there, so a read-only copy works). Otherwise,
    with ``download=True``, torchvision downloads them into the data root.
    The data root itself must exist unless it is the default ``data/`` folder
    of the repository: a mistyped ``COURSE_DATA_DIR`` is reported, not created.
    A failed download leaves no folder behind.

    Raises
    ------
    DatasetNotFoundError
        When the files are missing and cannot be downloaded (e.g. offline),
        or the data root does not exist.
    DatasetFileError
        When a file is there but truncated, corrupt or another file's copy
        (a subclass of :class:`DatasetNotFoundError`).
    """
    from torchvision import datasets  # imported here: lessons 01-04 never need it

    if not isinstance(train, bool):
        raise TypeError(f"train must be True (the 60,000 training images) or False (the 10,000 test images), "
                        f"got {train!r}.")
    root = Path(root) if root is not None else data_root()
    if not mnist_files_present(root):
        if not download:
            raise DatasetNotFoundError(missing_mnist_message(root, "download=False"))
        if not root.is_dir() and root != repository_root() / "data":
            raise DatasetNotFoundError(
                f"The data root {root} does not exist{' as a folder (it is a file)' if root.exists() else ''}, "
                "so MNIST cannot be there and nothing was downloaded. "
                f"Check the spelling of {ENV_VAR} (or of root=); if you meant a new folder, create it first "
                f"(mkdir -p {root}) and run again."
            )
        created = [folder for folder in (root, root / "MNIST", root / "MNIST" / "raw") if not folder.exists()]
        try:
            root.mkdir(parents=True, exist_ok=True)
            datasets.MNIST(str(root), train=train, download=True)
        except Exception as exc:  # urllib, socket and torchvision's own errors
            _remove_new_folders(created)
            raise DatasetNotFoundError(missing_mnist_message(root, type(exc).__name__)) from None
        if not mnist_files_present(root):
            _remove_new_folders(created)
            raise DatasetNotFoundError(missing_mnist_message(root, "the download left no files"))
    data, targets = _load_split(root / "MNIST" / "raw", train)  # verified: a clear error for a bad file
    return _verified_mnist_class()(str(root), train, transform, data, targets)


def _remove_new_folders(created: list[Path]) -> None:
    """Remove the folders a failed download created (and any partial file in them)."""
    if created:
        shutil.rmtree(created[0], ignore_errors=True)


# --------------------------------------------------------------------------- python -m course_utils.mnist


def describe_files(root: Path) -> list[str]:
    """One line per MNIST file under ``<root>/MNIST/raw``: its path and size."""
    raw = root / "MNIST" / "raw"
    lines = []
    for name in MNIST_FILES:
        for candidate in (raw / name, raw / f"{name}.gz"):
            if candidate.exists():
                lines.append(f"  {candidate}  ({candidate.stat().st_size:,} bytes)")
                break
    return lines


def fetch_mnist(root: Path) -> dict[str, int]:
    """Make sure both MNIST splits load from ``root``; return the number of images per split.

    Raises :class:`DatasetNotFoundError` when the files are
    missing and cannot be downloaded, and its subclass
    :class:`DatasetFileError` when a file is damaged.
    """
    sizes = {}
    for split, train in (("train", True), ("test", False)):
        sizes[split] = len(load_mnist(train=train, root=root))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.mnist",
        description=f"Download MNIST (about 12 MB) into the course's data root ({ENV_VAR}, else data/).",
    )
    parser.add_argument("--root", type=Path, default=None,
                        help=f"the data root to fill (default: {ENV_VAR} when set, else <repository>/data)")
    args = parser.parse_args(argv)
    root = (args.root.expanduser().resolve() if args.root is not None else data_root())
    try:
        already = mnist_files_present(root)
        print(f"Data root: {root}" + (" (MNIST already there: nothing to download)" if already else ""), flush=True)
        sizes = fetch_mnist(root)
    except DatasetNotFoundError as exc:  # missing, undownloadable or damaged files: the message says what to do
        print(f"\nCould not fetch MNIST.\n{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted; run the command again to finish.", file=sys.stderr)
        return 130
    except Exception as exc:  # anything else (a full disk, a permission problem): a sentence, not a traceback
        print(f"\nCould not fetch MNIST into {root}: {type(exc).__name__}: {exc}\n"
              f"Check that the folder is writable and has about 70 MB free, or set {ENV_VAR} to another "
              "folder, then run the command again.", file=sys.stderr)
        return 1
    print(f"MNIST is ready: {sizes['train']:,} training and {sizes['test']:,} test images. Files:")
    print("\n".join(describe_files(root)))
    return 0
