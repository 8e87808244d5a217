"""``python -m course_utils.grading`` (what ``course.py grade`` runs): errors that stop a run, shares and merge.

- A machine that cannot grade (here: the sandbox cannot even import torch) stops the run with exit
  status 2 and a clear message, and writes nothing: no grades.csv, no feedback, the gradebook untouched.
- A mistyped ``--student`` and ``--jobs -1`` are clear errors, before anything is graded or written.
- ``--shard i/N`` then ``--merge`` write the same grades.csv, feedback and class report as one run
  (the class: lesson 02, five students); merging before every share is done writes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.grading.sandbox import available
from tests.test_grading_sandbox import new_course

ROOT = Path(__file__).resolve().parent.parent
LESSON = "02_nn_sequential"

pytestmark = [pytest.mark.grading, pytest.mark.skipif(bool(available()), reason=available() or "")]


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def _nb(folder: str, answers: dict[str, str] | None = None) -> str:
    nb = json.loads((ROOT / folder / f"{LESSON}.ipynb").read_text())
    for ex, source in (answers or {}).items():
        _cell(nb, f"{ex}-answer")["source"] = source
    return json.dumps(nb)


STUB = "raise NotImplementedError()\n"
CLASS = {"full": _nb("notebooks"), "blank": _nb("student"), "no-ex2": _nb("notebooks", {"ex2": STUB}),
         "only-ex3": _nb("student", {"ex3": "".join(_cell(json.loads(_nb("notebooks")), "ex3-answer")["source"])}),
         "exits": _nb("notebooks", {"ex1": "import os\nos._exit(3)\n"})}


def grading(course: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course_utils.grading", "--course", str(course), "--jobs", "2", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})})


def make_class(course: Path) -> Path:
    (course / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / f"{LESSON}.ipynb", course / "notebooks")
    for student, text in CLASS.items():
        folder = course / "submitted" / student / "notebooks"
        folder.mkdir(parents=True)
        (folder / f"{LESSON}.ipynb").write_text(text)
    return course


def outputs(course: Path) -> dict[str, bytes]:
    """grades.csv, feedback/ and the class report (grading-report.json holds seconds: not compared)."""
    files = [course / "grades.csv", course / "grading-report.html", *sorted((course / "feedback").rglob("*"))]
    return {str(p.relative_to(course)): p.read_bytes() for p in files if p.is_file()}


def test_a_machine_that_cannot_grade_writes_nothing(tmp_path_factory):
    course = make_class(new_course(tmp_path_factory, "broken"))
    (course / "gradebook.db").write_bytes(b"earlier scores")
    done = grading(course, env={"GRADER_AS_BYTES": str(64 * 2**20)})  # too little memory to import torch
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Cannot grade: " in done.stderr and "Nothing was written" in done.stderr, done.stderr[-2000:]
    assert "did not start" in done.stderr or "cannot import" in done.stderr, done.stderr[-2000:]
    assert (course / "gradebook.db").read_bytes() == b"earlier scores"
    for name in ("grades.csv", "feedback", "grading-report.html", "grading-report.json"):
        assert not (course / name).exists(), name


def test_clear_errors_for_a_mistyped_student_and_bad_jobs(tmp_path_factory):
    course = make_class(new_course(tmp_path_factory, "typo"))
    (course / "grades.csv").write_text("the class's grades\n")
    done = grading(course, "--student", "ful")
    assert done.returncode == 2 and "No student 'ful'" in done.stderr and "did you mean full" in done.stderr, done
    assert (course / "grades.csv").read_text() == "the class's grades\n"
    for bad in (["--jobs", "-1"], ["--jobs", "0"], ["--shard", "3/3"], ["--shard", "x"], ["--exercise-limit", "0"]):
        done = subprocess.run([sys.executable, "-m", "course_utils.grading", "--course", str(course), *bad],
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, (bad, done.stderr)
        assert "error: argument" in done.stderr, (bad, done.stderr)
    assert (course / "grades.csv").read_text() == "the class's grades\n"


def test_shares_then_merge_equal_one_run(tmp_path_factory):
    one = make_class(new_course(tmp_path_factory, "one"))
    done = grading(one)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = (one / "grades.csv").read_text().splitlines()[1:]
    scores = {line.split(",")[3]: float(line.split(",")[9]) for line in rows}
    assert scores == {"full": 5.0, "blank": 0.0, "no-ex2": 3.0, "only-ex3": 1.0, "exits": 3.0}

    shared = make_class(new_course(tmp_path_factory, "shares"))
    shares = 3
    for i in range(shares):  # each share on "its own machine": its own results folder
        done = grading(shared, "--shard", f"{i}/{shares}", "--results", str(shared / f"machine-{i}"))
        assert done.returncode == 0, done.stderr[-3000:]
        assert not (shared / "grades.csv").exists()  # a share writes only its results
    merged = shared / "grading-results"
    merged.mkdir()
    for i in range(shares - 1):
        for f in (shared / f"machine-{i}").glob("*.json"):
            shutil.copy(f, merged)
    done = grading(shared, "--merge")  # the last share's results are not there yet
    assert done.returncode == 1 and "Cannot merge" in done.stderr, done.stderr[-2000:]
    assert not (shared / "grades.csv").exists()
    for f in (shared / f"machine-{shares - 1}").glob("*.json"):
        shutil.copy(f, merged)
    done = grading(shared, "--merge")
    assert done.returncode == 0, done.stderr[-3000:]
    assert outputs(shared) == outputs(one)
    sizes = [len(list((shared / f"machine-{i}").glob("*.json"))) for i in range(shares)]
    assert sum(sizes) == len(CLASS) and max(sizes) < len(CLASS)  # really split
