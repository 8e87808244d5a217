"""The trusted grader agrees with the visible check on every case of the mistakes catalogue.

The visible check (the check cell of ``student/``) rejects each wrong answer of ``tests/test_mistakes_NN.py`` and
accepts each reference and right alternative (those files test that). Here the same answers go through what the
grader decides **outside** the learner's process: the exercise's rules on how an answer is written
(:func:`course_utils.grading.probes.source_rule`, defined once in :mod:`course_utils.checks.rules` and read by the
visible check too) and the grader's probes, judged against the reference solution (:func:`probes.judge`). The
answer runs in this process, not in the sandbox: what is tested is the judgement, not the isolation
(``tests/test_grading_sandbox.py`` tests that). Lesson 07's Exercise 3 is left out: the grader judges the trained
model with the course's own check (``check_mnist_classifier``), so the two cannot disagree.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from functools import lru_cache

import matplotlib.pyplot as plt
import pytest

from course_utils.grading import probes as probes_mod
from tests import mistakes

LESSONS = ("01", "02", "03", "04", "05", "06", "07")


def _namespace(lesson: str, exercise: str, answer: str | None) -> dict:
    """The student version's exercise cells run up to ``exercise``'s answer (``answer``, default the reference)."""
    answer_id = f"{exercise}-answer"
    namespace: dict = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            for cell_type, grade_id, source in mistakes._cells("student", lesson):
                if cell_type != "code" or grade_id.endswith("-check"):
                    continue
                if grade_id == answer_id:
                    source = mistakes.solution(lesson, answer_id) if answer is None else answer
                elif grade_id.endswith("-answer"):
                    source = mistakes.solution(lesson, grade_id)
                exec(compile(source, f"<{lesson} {grade_id or 'cell'}>", "exec"), namespace)  # noqa: S102
                if grade_id == answer_id:
                    break
        finally:
            plt.close("all")
    return namespace


@lru_cache(maxsize=None)
def _probes(lesson: str) -> dict:
    return probes_mod.probes(lesson)


def trusted_verdict(lesson: str, exercise: str, answer: str | None) -> str:
    """What the grader's trusted part says about ``answer``: "" (full points) or why it fails."""
    source = mistakes.solution(lesson, f"{exercise}-answer") if answer is None else answer
    broken = probes_mod.source_rule(lesson, exercise, source)
    if broken:
        return f"source rule: {broken}"
    try:
        namespace = _namespace(lesson, exercise, answer)
    except Exception as err:  # noqa: BLE001 - the grader fails an answer cell that raises
        return f"the answer cell raised {type(err).__name__}: {err}"
    reference = _namespace(lesson, exercise, None)
    with contextlib.redirect_stdout(io.StringIO()):
        for probe in _probes(lesson).get(exercise, []):
            got = probes_mod.run_locally(namespace, probe)
            want = probes_mod.run_locally(reference, probe)
            message = probes_mod.judge(probe, got, want)
            if message:
                return message
    return ""


def _catalogue(lesson: str):
    module = importlib.import_module(f"tests.test_mistakes_{lesson}")
    wrong = [*getattr(module, "MISTAKES", []), *getattr(module, "ROUND3", [])]
    right = getattr(module, "RIGHT_ALTERNATIVES", [])
    return wrong, right


def _cases(kind: str):
    for lesson in LESSONS:
        wrong, right = _catalogue(lesson)
        if kind == "wrong":
            for exercise, name, answer, _ in wrong:
                if (lesson, exercise) != ("07", "ex3"):
                    yield pytest.param(lesson, exercise, answer, id=f"{lesson}-{exercise}-{name}")
        elif kind == "right":
            for exercise, name, answer in right:
                if (lesson, exercise) != ("07", "ex3"):
                    yield pytest.param(lesson, exercise, answer, id=f"{lesson}-{exercise}-{name}")
        else:
            for exercise in mistakes.EXERCISES:
                if (lesson, exercise) != ("07", "ex3"):
                    yield pytest.param(lesson, exercise, None, id=f"{lesson}-{exercise}-reference")


@pytest.mark.parametrize("lesson, exercise, answer", list(_cases("wrong")))
def test_grader_rejects_what_the_visible_check_rejects(lesson: str, exercise: str, answer: str) -> None:
    assert trusted_verdict(lesson, exercise, answer), (
        f"{lesson} {exercise}: the visible check rejects this answer, but the grader's trusted part would give it "
        f"full points:\n{answer}")


@pytest.mark.parametrize("lesson, exercise, answer", [*_cases("reference"), *_cases("right")])
def test_grader_accepts_what_the_visible_check_accepts(lesson: str, exercise: str, answer: str | None) -> None:
    verdict = trusted_verdict(lesson, exercise, answer)
    assert verdict == "", f"{lesson} {exercise}: the grader rejects a right answer: {verdict}\n{answer}"
