"""Download MNIST into the course's data root ahead of time.

Binder's ``postBuild`` runs this once, at build time, so that learners do
not wait for a download in lesson 07::

    python -m course_utils.fetch_data            # into the data root (COURSE_DATA_DIR, else data/)
    python -m course_utils.fetch_data --root DIR # somewhere else

Files already on disk are verified (size and MD5) and used as they are;
nothing is written (a read-only copy works). Without the files and without
a connection, with a damaged file, or a data root that does not exist, it
prints what is wrong and what to do and exits with status 1, never with a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from course_utils.data import (
    ENV_VAR,
    MNIST_FILES,
    DatasetNotFoundError,
    data_root,
    load_mnist,
    mnist_files_present,
)


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

    Raises :class:`~course_utils.data.DatasetNotFoundError` when the files are
    missing and cannot be downloaded, and its subclass
    :class:`~course_utils.data.DatasetFileError` when a file is damaged.
    """
    sizes = {}
    for split, train in (("train", True), ("test", False)):
        sizes[split] = len(load_mnist(train=train, root=root))
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m course_utils.fetch_data",
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


if __name__ == "__main__":
    sys.exit(main())
