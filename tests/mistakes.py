"""The mistakes catalogue's harness: run an answer through the check cell a learner sees.

Each ``tests/test_mistakes_NN.py`` lists, per exercise, realistic wrong answers
that the **visible** check of the student version must reject with a message
naming the fix, and the reference solution (taken from ``notebooks/``) that it
must accept. The check cells come from ``student/``, the files learners get,
so the catalogue tests exactly what a learner sees (hidden tests are not
there).

To grade one candidate answer, :func:`try_answer` runs, in a fresh namespace,
the code cells of the student version's "Graded exercises" section in order:
the setup cell, every earlier exercise with its reference solution, then the
candidate in place of the target answer cell, and finally the target's check
cell. It returns what happened (passed, the error's message, what was printed).

The standard tests of a catalogue are built here, one line each in the
catalogue file (``test_wrong_answer_is_rejected_with_a_hint = rejects(LESSON,
MISTAKES)``, ...), so that a catalogue file holds only its cases.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
EXERCISES = ("ex1", "ex2", "ex3")


@dataclass
class Outcome:
    """What the visible check said about one answer."""

    passed: bool
    error_type: str  # "" when it passed
    message: str     # the error's message ("" when it passed)
    printed: str     # what the cells printed (the ✓ line on a pass)

    def __str__(self) -> str:
        state = "passed" if self.passed else f"failed with {self.error_type}: {self.message}"
        return f"{state}\n--- printed ---\n{self.printed}"


def _lesson_path(folder: str, lesson: str) -> Path:
    matches = sorted((ROOT / folder).glob(f"{lesson}*.ipynb"))
    if len(matches) != 1:
        raise FileNotFoundError(f"expected one {folder}/{lesson}*.ipynb, found {[m.name for m in matches]}")
    return matches[0]


@lru_cache(maxsize=None)
def _cells(folder: str, lesson: str) -> tuple[tuple[str, str, str], ...]:
    """(cell_type, grade_id, source) of every cell from the "Graded exercises" heading on."""
    nb = json.loads(_lesson_path(folder, lesson).read_text())
    out, started = [], False
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and source.lstrip().startswith("## Graded exercises"):
            started = True
        elif cell["cell_type"] == "markdown" and source.lstrip().startswith("## ") and started:
            break  # the next section ("Going further") ends the exercises
        if started:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            out.append((cell["cell_type"], grade_id, source))
    if not out:
        raise ValueError(f"{lesson}: no '## Graded exercises' section")
    return tuple(out)


def solution(lesson: str, answer_id: str) -> str:
    """The reference answer of ``answer_id`` in ``notebooks/``, without the solution markers."""
    for _, grade_id, source in _cells("notebooks", lesson):
        if grade_id == answer_id:
            return "\n".join(line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS)
    raise KeyError(f"{lesson}: no answer cell {answer_id!r} in notebooks/")


def blank_answer(lesson: str, exercise: str) -> str:
    """The untouched answer cell of ``exercise`` in the student version (the stub a learner starts from)."""
    answer_id = f"{exercise}-answer"
    for _, grade_id, source in _cells("student", lesson):
        if grade_id == answer_id:
            return source
    raise KeyError(f"{lesson}: no answer cell {answer_id!r} in student/")


def try_answer(lesson: str, exercise: str, answer: str | None = None) -> Outcome:
    """Run ``answer`` (default: the reference solution) for exercise ``exercise`` (e.g. ``"ex2"``).

    ``answer`` replaces the student version's cell ``<exercise>-answer``; the
    cell ``<exercise>-check`` of the student version then decides.
    """
    answer_id, check_id = f"{exercise}-answer", f"{exercise}-check"
    namespace: dict = {"__name__": "__main__"}
    printed = io.StringIO()
    cells = _cells("student", lesson)
    if not any(grade_id == check_id for _, grade_id, _ in cells):
        raise KeyError(f"{lesson}: no check cell {check_id!r} in student/")
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            for cell_type, grade_id, source in cells:
                if cell_type != "code":
                    continue
                if grade_id == answer_id:
                    source = solution(lesson, answer_id) if answer is None else answer
                elif grade_id.endswith("-answer"):
                    source = solution(lesson, grade_id)  # earlier (and later) answers: the reference
                elif grade_id.endswith("-check") and grade_id != check_id:
                    continue  # other exercises' checks are not what this case is about
                exec(compile(source, f"<{lesson} {grade_id or 'cell'}>", "exec"), namespace)  # noqa: S102
                if grade_id == check_id:
                    break
    except Exception as err:  # noqa: BLE001 - any failure is the outcome under test
        return Outcome(False, type(err).__name__, str(err), printed.getvalue())
    finally:
        plt.close("all")
    return Outcome(True, "", "", printed.getvalue())


def assert_rejected(lesson: str, exercise: str, answer: str, hint: str) -> Outcome:
    """The visible check rejects ``answer`` with an ExerciseError whose message matches ``hint`` (a regex)."""
    __tracebackhide__ = True
    outcome = try_answer(lesson, exercise, answer)
    assert not outcome.passed, f"{lesson} {exercise}: the wrong answer passed the visible check:\n{answer}\n{outcome}"
    assert outcome.error_type == "ExerciseError", f"{lesson} {exercise}: expected an ExerciseError hint, got\n{outcome}"
    assert re.search(hint, outcome.message, re.S), (
        f"{lesson} {exercise}: the hint does not name the fix (wanted /{hint}/):\n{outcome.message}"
    )
    return outcome


def assert_accepted(lesson: str, exercise: str, answer: str | None = None) -> Outcome:
    """The visible check accepts ``answer`` (default: the reference solution) and prints one ✓ line."""
    __tracebackhide__ = True
    outcome = try_answer(lesson, exercise, answer)
    assert outcome.passed, f"{lesson} {exercise}: a right answer was rejected:\n{outcome}"
    assert "✓" in outcome.printed, f"{lesson} {exercise}: no ✓ line printed:\n{outcome}"
    return outcome


# --------------------------------------------------------------------------
# The standard tests of a catalogue file. ``marks`` gives pytest marks by
# exercise (e.g. ``{"ex3": needs_mnist}`` for an exercise that trains on MNIST).
# --------------------------------------------------------------------------


def _param(exercise: str, name: str, *values: str, marks: Mapping[str, object] | None) -> object:
    return pytest.param(exercise, *values, id=f"{exercise}-{name}", marks=(marks or {}).get(exercise, ()))


def rejects(lesson: str, mistakes: Sequence[tuple[str, str, str, str]],
            marks: Mapping[str, object] | None = None) -> Callable[..., None]:
    """A test that each ``(exercise, name, wrong answer, hint regex)`` of ``mistakes`` is rejected with its hint."""
    @pytest.mark.parametrize("exercise, answer, hint", [_param(ex, name, answer, hint, marks=marks)
                                                        for ex, name, answer, hint in mistakes])
    def test(exercise: str, answer: str, hint: str) -> None:
        assert_rejected(lesson, exercise, answer, hint)
    return test


def accepts(lesson: str, right_answers: Sequence[tuple[str, str, str]],
            marks: Mapping[str, object] | None = None) -> Callable[..., None]:
    """A test that each ``(exercise, name, right answer)`` of ``right_answers`` passes the visible check."""
    @pytest.mark.parametrize("exercise, answer", [_param(ex, name, answer, marks=marks)
                                                  for ex, name, answer in right_answers])
    def test(exercise: str, answer: str) -> None:
        assert_accepted(lesson, exercise, answer)
    return test


def accepts_references(lesson: str, marks: Mapping[str, object] | None = None) -> Callable[..., None]:
    """A test that the reference solution of every exercise (from ``notebooks/``) passes the visible check."""
    @pytest.mark.parametrize("exercise", [pytest.param(ex, id=ex, marks=(marks or {}).get(ex, ())) for ex in EXERCISES])
    def test(exercise: str) -> None:
        assert_accepted(lesson, exercise)
    return test


def rejects_blanks(lesson: str) -> Callable[..., None]:
    """A test that every untouched answer cell (``raise NotImplementedError()``) is told it is not written yet."""
    @pytest.mark.parametrize("exercise", EXERCISES)
    def test(exercise: str) -> None:
        blank = blank_answer(lesson, exercise)
        assert "raise NotImplementedError()" in blank
        assert_rejected(lesson, exercise, blank, r"not written yet: replace `raise NotImplementedError\(\)`")
    return test


def has_two_mistakes_each(mistakes: Sequence[tuple[str, str, str, str]]) -> Callable[[], None]:
    """A test that the catalogue holds at least two wrong answers for every exercise."""
    def test() -> None:
        for exercise in EXERCISES:
            assert sum(ex == exercise for ex, *_ in mistakes) >= 2, exercise
    return test
