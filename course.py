#!/usr/bin/env python3
"""One entry point for learners, instructors and maintainers (standard library only).

    python3 course.py lab       # install the course in .venv and open JupyterLab (student version of lesson 01)
    python3 course.py test      # install the test tools in .venv, run the linter (ruff) and the whole test suite
    python3 course.py execute   # maintainers: re-run every notebook in place, saving outputs
    python3 course.py bench     # the MNIST benchmark (course_utils.bench)
    python3 course.py site      # build the course website into build/site/ (offline; nothing is executed)
    python3 course.py grade     # instructors: grade submitted/<student>/notebooks/ in sandboxes
                                #   -> grades.csv, feedback/

Each command creates the virtual environment ``.venv`` next to this file
on first use (many system Pythons refuse a bare ``pip install``) and
re-installs only when ``pyproject.toml`` changes. Extra arguments after
``test`` go to pytest, e.g. ``python3 course.py test -k sigmoid``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: What pytest runs: unit tests, then every notebook under strict nbval.
PYTEST_ARGS = [
    "--nbval",
    "--nbval-current-env",
    "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
    "--nbval-cell-timeout", "600",
    str(ROOT / "tests"),
    *map(str, NOTEBOOKS),
]


def run(cmd: list[str], **kwargs) -> None:
    """Run ``cmd``, echoing it; stop with its exit code when it fails."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    code = subprocess.call([str(c) for c in cmd], cwd=kwargs.pop("cwd", ROOT), **kwargs)
    if code != 0:
        sys.exit(code)


def ensure_venv(extras: str) -> None:
    """Create ``.venv`` and install ``course_utils`` (editable) with ``extras``."""
    if sys.version_info < (3, 10):
        sys.exit(f"The course needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating the virtual environment {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extras}]" if extras else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    run([PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q", "-e", spec])
    stamp.write_text(digest)


def cmd_lab(args: list[str]) -> None:
    ensure_venv("")
    extra = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # e.g. in a container
    run([BIN / "jupyter", "lab", f"--ServerApp.root_dir={ROOT}", *extra,
         str(Path("student") / "01_logistic_function.ipynb"), *args])


def cmd_test(args: list[str]) -> None:
    ensure_venv("test")
    run([PYTHON, "-m", "ruff", "check", str(ROOT)])  # the linter first: settings in pyproject.toml [tool.ruff]
    run([PYTHON, "-m", "pytest", *PYTEST_ARGS, *args])


def cmd_execute(args: list[str]) -> None:
    ensure_venv("test")
    targets = [ROOT / a for a in args] if args else NOTEBOOKS
    for nb in targets:
        run([BIN / "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
             "--ExecutePreprocessor.timeout=900", "--ExecutePreprocessor.kernel_name=python3", nb],
            cwd=nb.parent)


def cmd_bench(args: list[str]) -> None:
    ensure_venv("")
    run([PYTHON, "-m", "course_utils.bench", *args])


def cmd_site(args: list[str]) -> None:
    ensure_venv("test")  # Sphinx, MyST-NB, the book theme and MathJax come with the test tools
    run([PYTHON, ROOT / "site" / "build.py", *args])


def cmd_grade(args: list[str]) -> None:
    ensure_venv("test")  # nbgrader comes with the test tools
    run([PYTHON, "-m", "course_utils.grading", "--course", ROOT, *args])


COMMANDS = {"lab": cmd_lab, "test": cmd_test, "execute": cmd_execute, "bench": cmd_bench, "site": cmd_site,
            "grade": cmd_grade}


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        sys.exit(0 if argv[:1] in (["-h"], ["--help"]) else 2)
    COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
