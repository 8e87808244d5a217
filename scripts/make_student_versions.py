#!/usr/bin/env python3
"""Regenerate ``student/``: the lessons with blank exercises, made by nbgrader.

The lessons in ``notebooks/`` hold the solutions and the hidden tests.
``nbgrader generate_assignment`` (configured by ``nbgrader_config.py``)
turns them into student versions: each answer replaced by
``raise NotImplementedError()``, the hidden tests removed, the outputs
cleared. The student versions are committed in ``student/`` so that
self-paced learners and Binder get them without nbgrader; a test
(tests/test_grading.py) checks that they are exactly what nbgrader produces
from the current lessons.

    .venv/bin/python scripts/make_student_versions.py          # rewrite student/
    .venv/bin/python scripts/make_student_versions.py --check  # exit 1 if student/ is out of date

nbgrader runs in a temporary copy of the course, so nothing (release/,
gradebook.db) is left in the repository.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from course_utils.grading.grade import lesson_notebooks

ROOT = Path(__file__).resolve().parent.parent
STUDENT = ROOT / "student"
ASSIGNMENT = "notebooks"  # with source_directory = ".", the folder notebooks/ is the assignment


def lessons(root: Path = ROOT) -> list[Path]:
    """The lesson notebooks, ``notebooks/NN_*.ipynb``, in order."""
    return lesson_notebooks(root / "notebooks")


def nbgrader_command() -> list[str]:
    """nbgrader from the Python running this script (the course's .venv)."""
    return [sys.executable, "-m", "nbgrader"]


def make_course_copy(dest: Path, root: Path = ROOT) -> Path:
    """Copy ``nbgrader_config.py`` and the lessons into ``dest`` (a fresh nbgrader course folder)."""
    (dest / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "nbgrader_config.py", dest / "nbgrader_config.py")
    for notebook in lessons(root):
        shutil.copy2(notebook, dest / ASSIGNMENT / notebook.name)
    return dest


def generate_release(course: Path) -> Path:
    """Run ``nbgrader generate_assignment`` in ``course``; return the folder of student versions."""
    result = subprocess.run(
        [*nbgrader_command(), "generate_assignment", ASSIGNMENT, "--force"],
        cwd=course, capture_output=True, text=True,
    )
    release = course / "release" / ASSIGNMENT
    if result.returncode != 0 or not release.is_dir():
        raise RuntimeError(f"nbgrader generate_assignment failed:\n{result.stdout}\n{result.stderr}")
    return release


def stale_files(release: Path, student: Path = STUDENT) -> list[str]:
    """Names of the student notebooks that differ from ``release`` (missing, changed or extra)."""
    wanted = {p.name: p.read_bytes() for p in lesson_notebooks(release)}
    have = {p.name: p.read_bytes() for p in sorted(student.glob("*.ipynb"))} if student.is_dir() else {}
    return sorted(name for name in wanted.keys() | have.keys() if wanted.get(name) != have.get(name))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if student/ is out of date")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="course-student-") as tmp:
        release = generate_release(make_course_copy(Path(tmp)))
        stale = stale_files(release)
        if args.check:
            if stale:
                print("student/ is out of date for: " + ", ".join(stale))
                print("Regenerate it with: .venv/bin/python scripts/make_student_versions.py")
                return 1
            print(f"student/ is up to date ({len(list(release.glob('*.ipynb')))} lessons).")
            return 0
        STUDENT.mkdir(exist_ok=True)
        for old in STUDENT.glob("*.ipynb"):
            old.unlink()
        for notebook in lesson_notebooks(release):
            shutil.copyfile(notebook, STUDENT / notebook.name)
            print(f"wrote student/{notebook.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
