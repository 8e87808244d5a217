"""The instructor's nbgrader workflow, end to end, in a temporary copy of the course.

One student release is generated per test module (fixture ``course``) and
reused: its contents are checked line by line against the lessons, compared
with the committed ``student/`` folder, validated, and graded in two batches
of fake submissions:

- batch "a": a complete submission (full marks), the untouched student
  version (0), and submissions with exactly one exercise wrong (that
  exercise's points lost, nothing else), for every lesson; then feedback
  and ``grades.csv``;
- batch "b", in its own copy of the course with a short per-cell timeout:
  an answer that raises and one that never finishes are graded without
  stopping the batch, and the student graded after them keeps full marks.

To stay fast, batch "b" and ``nbgrader validate`` run in a background thread
while batch "a" runs, and most submissions hold only the "Graded exercises"
section of each lesson (the exercises' setup cell prepares all they need,
and a student may delete lesson cells: nbgrader grades the graded cells and
restores the locked ones). One complete submission of lesson 01 is the
whole notebook. nbval runs every full lesson with its solutions elsewhere.
Everything runs in tmp dirs; the repository is not touched.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.grading

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "notebooks"

_spec = importlib.util.spec_from_file_location("make_student_versions", ROOT / "scripts" / "make_student_versions.py")
student_versions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_versions)

LESSONS = [p.stem for p in student_versions.lessons()]

#: Lessons submitted with exactly one exercise wrong: (answer cell id, the wrong body).
#: A function to write (01, 04, 06) and a number to reach (07); each wrong answer fails its own
#: check without breaking the other exercises. (test_checks.py covers wrong answers for every check.)
WRONG_ANSWERS = {
    # 1 - sigma(z) rounds to 0 in the tails: wrong at z = 20, which the task names
    "01_logistic_function": ("ex2-answer", "return torch.sigmoid(z) * (1 - torch.sigmoid(z))"),
    "04_training_bce": ("ex1-answer", "return torch.zeros_like(weight), torch.zeros_like(bias)"),
    # chosen on the test set, which the task forbids
    "05_curved_boundaries": ("ex3-answer", 'best = max(results, key=lambda r: r["test_accuracy"])\n'
                             'return int(best["degree"]), float(best["weight_decay"])'),
    # ZeroDivisionError when the model predicts no positive (the task says: 0.0 then)
    "06_decisions_breast_cancer": ("ex1-answer", "y_true, y_pred = y_true == 1, y_pred == 1\n"
                                   "tp, fp = int((y_pred & y_true).sum()), int((y_pred & ~y_true).sum())\n"
                                   "fn = int((~y_pred & y_true).sum())\n"
                                   "return tp / (tp + fp), tp / (tp + fn)"),
    "07_softmax_mnist": ("ex3-answer", "mnist_model = SoftmaxRegression().to(device)  # built but never trained"),
}

#: The per-cell timeout for batch "b": several times the slowest lesson-01 exercise cell (the
#: imports, a few seconds on a busy machine), so only the endless answer reaches it. Batch "b" runs
#: in the background while batch "a" runs, so waiting for this timeout costs little wall time.
SHORT_TIMEOUT_S = 45

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def nbgrader(course: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run one nbgrader command in ``course``; return the finished process (output captured)."""
    return subprocess.run(
        [*student_versions.nbgrader_command(), *args],
        cwd=course, capture_output=True, text=True, timeout=timeout,
    )


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def graded_cells(nb) -> list:
    return [c for c in nb.cells if nbgrader_meta(c).get("grade")]


def points_by_cell(nb) -> dict[str, float]:
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"]) for c in graded_cells(nb)}


def split_regions(source: str, markers: tuple[str, str]) -> tuple[list[str], list[str]]:
    """Lines inside the ``markers`` regions, and the other lines (markers excluded)."""
    inside, outside, depth = [], [], 0
    for line in source.splitlines():
        if line.strip() == markers[0]:
            depth += 1
        elif line.strip() == markers[1]:
            depth -= 1
        else:
            (inside if depth else outside).append(line)
    return inside, outside


def expected_student_source(source: str) -> str:
    """What nbgrader must make of a cell: solutions replaced by the stub, hidden tests removed."""
    lines, out, skipping = source.splitlines(), [], False
    for line in lines:
        stripped, indent = line.strip(), line[: len(line) - len(line.lstrip())]
        if stripped in (SOLUTION[0], HIDDEN[0]):
            skipping = True
            if stripped == SOLUTION[0]:
                out += [indent + STUB[0], indent + STUB[1]]
        elif stripped in (SOLUTION[1], HIDDEN[1]):
            skipping = False
        elif not skipping:
            out.append(line)
    return "\n".join(out).strip("\n")


def with_answer(nb, cell_id: str, body: str):
    """A copy of ``nb`` where the solution region of cell ``cell_id`` is replaced by ``body``."""
    nb = nbformat.from_dict(nb)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == cell_id)
    match = re.search(r"^( *)### BEGIN SOLUTION\n.*?^ *### END SOLUTION$", cell.source, flags=re.M | re.S)
    assert match, f"no solution region in cell {cell_id}"
    indent = match.group(1)
    new_body = "\n".join(indent + line for line in body.splitlines())
    cell.source = cell.source[: match.start()] + new_body + cell.source[match.end():]
    return nb


def exercises_only(nb):
    """A copy of ``nb`` without the lesson: from the "## Graded exercises" cell to the end."""
    nb = nbformat.from_dict(nb)
    start = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Graded exercises"))
    nb.cells = nb.cells[start:]
    return nb


def submit(course: Path, student: str, lesson: str, nb) -> None:
    folder = course / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{lesson}.ipynb")


def scores(course: Path, student: str, lesson: str) -> dict[str, float]:
    """The autograded score of every graded cell of one submitted lesson."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(lesson, ASSIGNMENT, student)
        return {grade.name: float(grade.score) for grade in notebook.grades if grade.cell.max_score > 0}


# ---------------------------------------------------------------------------
# Fixtures: one course copy and one release per module; two autograding batches
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A copy of the course in a tmp dir, with the student release generated once."""
    course = student_versions.make_course_copy(tmp_path_factory.mktemp("course"))
    student_versions.generate_release(course)
    return course


@pytest.fixture(scope="module")
def source(course) -> Path:
    return course / ASSIGNMENT


@pytest.fixture(scope="module")
def background(course, source, tmp_path_factory) -> dict[str, object]:
    """Start batch "b" and the validate runs in a thread, so they overlap with batch "a"."""
    lesson = LESSONS[0]
    course_b = tmp_path_factory.mktemp("course_b")
    shutil.copytree(course, course_b, dirs_exist_ok=True)  # same release and gradebook, own submissions
    nb = exercises_only(read(source / f"{lesson}.ipynb"))
    broken = with_answer(nb, "ex1-answer", "return 1 / 0")  # raises ZeroDivisionError when called
    broken = with_answer(broken, "ex3-answer", "import time\nwhile True:  # never finishes\n    time.sleep(0.1)")
    submit(course_b, "b-1-raises-and-never-ends", lesson, broken)
    submit(course_b, "b-2-complete", lesson, nb)

    validate_dir = tmp_path_factory.mktemp("validate")
    nbformat.write(nb, validate_dir / "solutions.ipynb")
    nbformat.write(exercises_only(read(course / "release" / ASSIGNMENT / f"{lesson}.ipynb")),
                   validate_dir / "student.ipynb")

    executor = ThreadPoolExecutor(max_workers=1)
    futures = {
        "batch_b": executor.submit(
            nbgrader, course_b, "autograde", ASSIGNMENT, "--student=b-*", f"--Execute.timeout={SHORT_TIMEOUT_S}"
        ),
        "validate_solutions": executor.submit(nbgrader, course, "validate", str(validate_dir / "solutions.ipynb")),
        "validate_student": executor.submit(nbgrader, course, "validate", str(validate_dir / "student.ipynb")),
    }
    yield {**futures, "course_b": course_b}
    executor.shutdown(wait=True)


@pytest.fixture(scope="module")
def release(course, background) -> Path:
    return course / "release" / ASSIGNMENT


@pytest.fixture(scope="module")
def batch_a(course, source, release) -> subprocess.CompletedProcess:
    """Autograde complete, untouched and one-wrong submissions of every lesson in one batch."""
    for lesson in LESSONS:
        solved = exercises_only(read(source / f"{lesson}.ipynb"))
        submit(course, "a-complete", lesson, solved)
        submit(course, "a-untouched", lesson, exercises_only(read(release / f"{lesson}.ipynb")))
        if lesson in WRONG_ANSWERS:
            cell_id, body = WRONG_ANSWERS[lesson]
            submit(course, "a-one-wrong", lesson, with_answer(solved, cell_id, body))
    submit(course, "a-whole-notebook", LESSONS[0], read(source / f"{LESSONS[0]}.ipynb"))
    return nbgrader(course, "autograde", ASSIGNMENT, "--student=a-*")


# ---------------------------------------------------------------------------
# The student version
# ---------------------------------------------------------------------------


def test_student_version_is_generated_for_every_lesson(release):
    assert LESSONS, "no lessons found in notebooks/"
    assert sorted(p.stem for p in release.glob("*.ipynb")) == LESSONS


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_ends_with_two_to_four_graded_exercises(source, lesson):
    nb = read(source / f"{lesson}.ipynb")
    kinds = [
        "answer" if nbgrader_meta(c).get("solution") else "check" if nbgrader_meta(c).get("grade") else None
        for c in nb.cells
    ]
    n_answers, n_checks = kinds.count("answer"), kinds.count("check")
    assert 2 <= n_checks <= 4, f"{lesson}: {n_checks} graded test cells, expected 2 to 4"
    assert n_answers == n_checks, f"{lesson}: {n_answers} answer cells for {n_checks} test cells"
    for i, kind in enumerate(kinds):
        if kind == "answer":
            assert kinds[i + 1] == "check", f"{lesson}: answer cell {nb.cells[i].id} is not followed by its test cell"
            check = nb.cells[i + 1]
            assert nbgrader_meta(check).get("locked") and nbgrader_meta(check).get("points", 0) > 0
            assert SOLUTION[0] in nb.cells[i].source
            assert "checks.check_" in check.source, "visible checks call course_utils.checks"
            assert HIDDEN[0] in check.source, f"{lesson}: {check.id} has no hidden tests"
    exercises = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Graded exercises"))
    going_further = next(i for i, c in enumerate(nb.cells) if c.source.startswith("## Going further"))
    assert exercises < kinds.index("answer") and max(i for i, k in enumerate(kinds) if k) < going_further


@pytest.mark.parametrize("lesson", LESSONS)
def test_student_version_has_no_solution_and_no_hidden_test(source, release, lesson):
    teacher = read(source / f"{lesson}.ipynb")
    student = read(release / f"{lesson}.ipynb")
    assert [c.get("id") for c in student.cells] == [c.get("id") for c in teacher.cells]

    # Cell by cell: exactly the source with each solution replaced by the stub and hidden tests removed.
    for t_cell, s_cell in zip(teacher.cells, student.cells, strict=True):
        assert s_cell.source == expected_student_source(t_cell.source), f"{lesson}: cell {t_cell.id}"
        if s_cell.cell_type == "code":
            assert s_cell.outputs == [], f"{lesson}: cell {t_cell.id} kept its outputs"

    # Line by line: no line of a solution or a hidden test appears anywhere in the student version
    # (unless the same line also appears outside those regions, like `import torch`).
    secret, public = set(), set()
    for cell in teacher.cells:
        for markers in (SOLUTION, HIDDEN):
            inside, _ = split_regions(cell.source, markers)
            secret.update(line.strip() for line in inside if line.strip())
        _, outside = split_regions(expected_student_source(cell.source), SOLUTION)
        public.update(line.strip() for line in outside)
    secret -= public
    assert secret, f"{lesson}: no solution lines found"
    text = "\n".join(c.source for c in student.cells)
    leaked = [line for line in text.splitlines() if line.strip() in secret]
    assert leaked == [], f"{lesson}: solution or hidden-test lines in the student version: {leaked}"
    for marker in (*SOLUTION, *HIDDEN):
        assert marker not in text
    code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    assert code.count(STUB[1]) == sum(c.source.count(SOLUTION[0]) for c in teacher.cells)


def test_committed_student_folder_is_what_nbgrader_generates(release):
    stale = student_versions.stale_files(release, ROOT / "student")
    assert stale == [], (
        f"student/ is out of date for {stale}; regenerate it with "
        "`.venv/bin/python scripts/make_student_versions.py` and commit it."
    )


# ---------------------------------------------------------------------------
# Autograding
# ---------------------------------------------------------------------------


def test_autograde_batch_runs_without_errors(batch_a):
    assert batch_a.returncode == 0, batch_a.stdout + batch_a.stderr


@pytest.mark.parametrize("lesson", LESSONS)
def test_complete_submission_gets_full_marks(course, source, batch_a, lesson):
    expected = points_by_cell(read(source / f"{lesson}.ipynb"))
    assert scores(course, "a-complete", lesson) == expected


def test_complete_whole_notebook_gets_full_marks(course, source, batch_a):
    lesson = LESSONS[0]
    assert scores(course, "a-whole-notebook", lesson) == points_by_cell(read(source / f"{lesson}.ipynb"))


@pytest.mark.parametrize("lesson", LESSONS)
def test_untouched_student_version_gets_zero(course, source, batch_a, lesson):
    expected = points_by_cell(read(source / f"{lesson}.ipynb"))
    assert scores(course, "a-untouched", lesson) == {cell: 0.0 for cell in expected}


@pytest.mark.parametrize("lesson", [lesson for lesson in LESSONS if lesson in WRONG_ANSWERS])
def test_one_wrong_exercise_loses_exactly_its_points(course, source, batch_a, lesson):
    expected = points_by_cell(read(source / f"{lesson}.ipynb"))
    wrong_check = WRONG_ANSWERS[lesson][0].replace("-answer", "-check")
    expected[wrong_check] = 0.0
    assert scores(course, "a-one-wrong", lesson) == expected


def test_feedback_and_grades_csv(course, source, batch_a):
    lesson = LESSONS[0]
    result = nbgrader(course, "generate_feedback", ASSIGNMENT, "--student=a-*", f"--notebook={lesson}")
    assert result.returncode == 0, result.stdout + result.stderr
    untouched = (course / "feedback" / "a-untouched" / ASSIGNMENT / f"{lesson}.html").read_text()
    assert "is not written yet" in untouched  # the hint reaches the student
    complete = (course / "feedback" / "a-complete" / ASSIGNMENT / f"{lesson}.html").read_text()
    assert "✓" in complete

    result = nbgrader(course, "export")
    assert result.returncode == 0, result.stdout + result.stderr
    with open(course / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f) if row["student_id"].startswith("a-")}
    total = sum(sum(points_by_cell(read(source / f"{n}.ipynb")).values()) for n in LESSONS)
    assert float(rows["a-complete"]["score"]) == float(rows["a-complete"]["max_score"]) == total
    assert float(rows["a-untouched"]["score"]) == 0.0


# ---------------------------------------------------------------------------
# nbgrader validate (what a learner can run before submitting), and batch "b"
# ---------------------------------------------------------------------------


def test_validate_passes_on_the_solutions_and_fails_on_the_untouched_student_version(source, background):
    n_exercises = len(graded_cells(read(source / f"{LESSONS[0]}.ipynb")))
    solutions = background["validate_solutions"].result()
    assert "Success! Your notebook passes all the tests." in solutions.stdout, solutions.stdout + solutions.stderr
    untouched = background["validate_student"].result()
    assert f"VALIDATION FAILED ON {n_exercises} CELL(S)!" in untouched.stdout, untouched.stdout + untouched.stderr
    assert "is not written yet" in untouched.stdout  # the learner sees the hint, not a bare error


def test_an_answer_that_raises_or_never_finishes_does_not_stop_the_batch(source, background):
    result = background["batch_b"].result()
    course_b = background["course_b"]
    assert result.returncode == 0, result.stdout + result.stderr
    lesson = LESSONS[0]
    full = points_by_cell(read(source / f"{lesson}.ipynb"))
    # Exercise 1 raises, exercise 3 never ends and is interrupted by the timeout:
    # both lose their points, exercise 2 keeps its own; the next student is not affected.
    assert scores(course_b, "b-1-raises-and-never-ends", lesson) == {**full, "ex1-check": 0.0, "ex3-check": 0.0}
    assert scores(course_b, "b-2-complete", lesson) == full
    graded = read(course_b / "autograded" / "b-1-raises-and-never-ends" / ASSIGNMENT / f"{lesson}.ipynb")
    errors = {
        c.get("id"): [o.get("ename") for o in c.get("outputs", []) if o.get("output_type") == "error"]
        for c in graded.cells
    }
    assert errors["ex1-check"] == ["ExerciseError"]
    assert errors["ex3-check"] and errors["ex3-check"][0] in ("KeyboardInterrupt", "CellTimeoutError")
