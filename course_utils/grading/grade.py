"""The batch: grade every submission of a class in sandboxes, in parallel; write grades.csv and feedback.

``--jobs`` students at a time, each in one pre-warmed sandbox of their own
(:class:`~course_utils.grading.sandbox.Zygote`) that forks a fresh process per lesson;
for each lesson:

1. The submission's JSON is read; an unreadable or missing notebook scores 0 for
   its exercises only.
2. The cells come from the instructor's *source* notebook, except the answer
   cells, which come from the submission, found by nbgrader ``grade_id`` and
   else by cell ``id`` (an answer cell found by neither scores 0). Locked and
   test cells edited or deleted by the student are therefore restored, and
   metadata edits change nothing: the points are the source notebook's.
3. In the sandbox: the exercises' setup cells, then per exercise its answer
   cell, its source check cell (visible and hidden tests: the rules of the
   task, e.g. which functions it may use), then the grader's probes. All of
   this must finish within the exercise's time limit.
4. The points of an exercise are awarded, in this trusted process, only when
   the check cell ran without error AND every probe's answer matches the
   reference solution on the grader's inputs. A timeout or a dead sandbox
   fails that exercise only: a fresh process is forked for the next ones
   (setup and the earlier answers are replayed); a dead sandbox is started again.
5. Rules on *how* an answer is written (lesson 04 Ex1: no autograd) are also
   checked on the answer's source here (:func:`probes.source_rule`).
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import os
import re
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from course_utils.grading import probes as probes_mod
from course_utils.grading.sandbox import SandboxError, Zygote

SOLUTION = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")

#: Default time limits (seconds): the setup cells, and each exercise (answer + check + probes).
SETUP_LIMIT_S = 60.0
EXERCISE_LIMIT_S = 30.0
#: Exercises that legitimately need longer (lesson 07 Ex3 trains on MNIST).
LONG_EXERCISES = {("07", "ex3"): 240.0}


@dataclass
class Exercise:
    name: str
    points: float
    check_id: str
    answer_id: str
    check_source: str


@dataclass
class Lesson:
    """The graded part of a source notebook: code cells from "## Graded exercises" to the next section."""

    stem: str
    prefix: str
    cells: list[tuple[str, str]]  # (grade_id or "", source) of every code cell, in order
    exercises: list[Exercise]

    @property
    def max_score(self) -> float:
        return sum(e.points for e in self.exercises)


def _strip(source: str, markers: tuple[str, str], keep_inside: bool) -> str:
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == markers[0]:
            inside = True
        elif line.strip() == markers[1]:
            inside = False
        elif keep_inside or not inside:
            out.append(line)
    return "\n".join(out)


def lesson_notebooks(folder: Path) -> list[Path]:
    """The lesson notebooks ``NN_*.ipynb`` of ``folder`` (``notebooks/`` or a copy of it), in order."""
    return sorted(Path(folder).glob("[0-9][0-9]_*.ipynb"))


def load_lesson(path: Path) -> Lesson:
    """Read a source notebook (trusted) and find its exercises."""
    nb = json.loads(path.read_text())
    cells, started = [], False
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and source.lstrip().startswith("## Graded exercises"):
            started = True
        elif cell["cell_type"] == "markdown" and source.lstrip().startswith("## ") and started:
            break
        if started and cell["cell_type"] == "code":
            cells.append((cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""), source, cell))
    exercises = []
    for grade_id, source, cell in cells:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and grade_id.endswith("-check"):
            name = grade_id[: -len("-check")]
            exercises.append(Exercise(name, float(meta["points"]), grade_id, f"{name}-answer", source))
    return Lesson(path.stem, path.stem[:2], [(g, s) for g, s, _ in cells], exercises)


@dataclass
class ExerciseResult:
    exercise: str
    points: float
    max_points: float
    status: str  # "passed", "failed", "timeout", "crashed", "missing", "invalid"
    message: str = ""


@dataclass
class LessonResult:
    student: str
    lesson: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(e.points for e in self.exercises)


_REFERENCES: dict[str, dict] = {}
_REF_LOCK = threading.Lock()


def reference(lesson: Lesson) -> dict:
    """The instructor's solution, executed once in this trusted process (setup, solutions; no checks)."""
    with _REF_LOCK:
        if lesson.stem not in _REFERENCES:
            import matplotlib

            matplotlib.use("Agg")
            namespace: dict = {"__name__": "__main__"}
            for grade_id, source in lesson.cells:
                if grade_id.endswith("-check"):
                    continue
                code = _strip(source, SOLUTION, keep_inside=True) if grade_id.endswith("-answer") else source
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(code, f"<reference {lesson.stem} {grade_id}>", "exec"), namespace)  # noqa: S102
            _REFERENCES[lesson.stem] = namespace
        return _REFERENCES[lesson.stem]


def _answers(path: Path, lesson: Lesson) -> tuple[dict[str, str], str]:
    """The submitted answer cells by exercise name, and a note on what was wrong with the file."""
    if not path.exists():
        return {}, "notebook missing"
    try:
        nb = json.loads(path.read_text(errors="replace"))
        cells = nb["cells"]
        assert isinstance(cells, list)
    except Exception as err:  # noqa: BLE001 - any unreadable file
        return {}, f"notebook unreadable ({type(err).__name__}): not valid notebook JSON"
    by_grade_id, by_cell_id = {}, {}
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        meta = cell.get("metadata", {})
        grade_id = meta.get("nbgrader", {}).get("grade_id") if isinstance(meta, dict) and isinstance(
            meta.get("nbgrader"), dict) else None
        if isinstance(grade_id, str):
            by_grade_id.setdefault(grade_id, source)
        if isinstance(cell.get("id"), str):
            by_cell_id.setdefault(cell["id"], source)
    found = {}
    for ex in lesson.exercises:
        source = by_grade_id.get(ex.answer_id, by_cell_id.get(ex.answer_id))
        if source is not None:
            found[ex.name] = source
    return found, ""


def _failure(reply: tuple) -> str:
    if reply[0] == "error":
        name, message = reply[1], reply[2]
        first = message.strip().splitlines()[0] if message.strip() else ""
        return f"{name}: {message[:600]}" if first else name
    return f"unexpected reply {reply[0]!r}"


class StudentSandbox:
    """The pre-warmed sandbox (:class:`Zygote`) of one student, started again if it died."""

    def __init__(self, slot: int, data_dir: str | None, lessons: list[str] | None = None) -> None:
        self.slot, self.data_dir, self.lessons = slot, data_dir, lessons
        self.zygote: Zygote | None = None

    def child(self):
        if self.zygote is None or not self.zygote.alive:
            self.close()
            self.zygote = Zygote(self.slot, self.data_dir, lessons=self.lessons)
        return self.zygote.child()

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None


class _Run:
    """One lesson of one student in a forked sandboxed process, restarted after a timeout or a crash."""

    def __init__(self, lesson: Lesson, sandbox: StudentSandbox, limits: dict) -> None:
        self.lesson, self.sandbox, self.limits = lesson, sandbox, limits
        self.box = None
        self.replay: list[tuple[str, str]] = []  # cells to run again after a restart

    def start(self) -> None:
        self.close()
        self.box = self.sandbox.child()
        for label, source in self.replay:
            reply = self.box.request(("exec", label, source), self.limits["setup"])
            if reply[0] != "ok" and label.startswith("setup"):
                raise SandboxError("setup", f"the setup cell {label} failed: {_failure(reply)}")

    def close(self) -> None:
        if self.box is not None:
            self.box.close()
            self.box = None


def grade_lesson(student: str, lesson: Lesson, path: Path, slot: int = 0, data_dir: str | None = None,
                 limits: dict | None = None, sandbox: StudentSandbox | None = None) -> LessonResult:
    """Grade one submitted lesson; never raises for anything the submission does.

    ``sandbox``: the student's sandbox, shared by their lessons (else one is started and closed here).
    """
    started = time.monotonic()
    limits = {"setup": SETUP_LIMIT_S, "exercise": EXERCISE_LIMIT_S, **(limits or {})}
    result = LessonResult(student, lesson.stem)
    answers, note = _answers(path, lesson)
    result.note = note
    pending = [ex for ex in lesson.exercises if ex.name in answers]
    for ex in lesson.exercises:
        if ex.name not in answers and note:
            result.exercises.append(ExerciseResult(ex.name, 0.0, ex.points, "invalid", note))
        elif ex.name not in answers:
            result.exercises.append(ExerciseResult(ex.name, 0.0, ex.points, "missing",
                                                   f"no answer cell {ex.answer_id} (grade_id or cell id) found"))
    if pending:
        own = sandbox is None
        sandbox = sandbox or StudentSandbox(slot, data_dir, [lesson.prefix])
        try:
            _grade_exercises(result, lesson, answers, pending, sandbox, limits)
        finally:
            if own:
                sandbox.close()
    order = {ex.name: i for i, ex in enumerate(lesson.exercises)}
    result.exercises.sort(key=lambda r: order[r.exercise])
    result.seconds = time.monotonic() - started
    return result


def _grade_exercises(result: LessonResult, lesson: Lesson, answers: dict, pending: list[Exercise],
                     sandbox: StudentSandbox, limits: dict) -> None:
    ref = reference(lesson)
    all_probes = probes_mod.probes(lesson.prefix)
    run = _Run(lesson, sandbox, limits)
    by_name = {ex.name: ex for ex in pending}
    # The cells in order: setup/data cells from the source, answers from the submission.
    plan: list[tuple[str, str, str]] = []  # (kind, label, source); kind "setup" or an exercise name
    for grade_id, source in lesson.cells:
        if grade_id.endswith("-check"):
            continue
        if grade_id.endswith("-answer"):
            name = grade_id[: -len("-answer")]
            if name in by_name:
                plan.append((name, grade_id, answers[name]))
            continue
        plan.append(("setup", f"setup {grade_id or 'cell'}", source))
    try:
        run.start()
    except SandboxError as err:
        for ex in pending:
            result.exercises.append(ExerciseResult(ex.name, 0.0, ex.points, "crashed", f"sandbox: {err}"))
        return
    try:
        for kind, label, source in plan:
            if kind == "setup":
                try:
                    if run.box is None:
                        run.start()
                    reply = run.box.request(("exec", label, source), limits["setup"])
                except SandboxError as err:
                    reply = ("error", "SandboxError", str(err), "")
                run.replay.append((label, source))
                if reply[0] != "ok":
                    result.note = (result.note + "; " if result.note else "") + f"{label} failed: {_failure(reply)}"
                continue
            ex = by_name[kind]
            limit = limits.get((lesson.prefix, ex.name), LONG_EXERCISES.get((lesson.prefix, ex.name),
                                                                            limits["exercise"]))
            status, message = _one_exercise(run, ex, label, source, all_probes.get(ex.name, []), ref, limit)
            points = ex.points if status == "passed" else 0.0
            result.exercises.append(ExerciseResult(ex.name, points, ex.points, status, message))
            if status == "passed" or status == "failed":
                run.replay.append((label, source))
    finally:
        run.close()


def _one_exercise(run: _Run, ex: Exercise, label: str, source: str, probes: list, ref: dict,
                  limit: float) -> tuple[str, str]:
    try:
        broken = probes_mod.source_rule(run.lesson.prefix, ex.name, source)
        if broken:
            return "failed", f"the grader's own test: {broken}"
        if run.box is None:
            run.start()  # after a crash: a fresh sandbox replays the cells so far, on the setup limits
        deadline = time.monotonic() + limit  # the exercise's own time starts now, not before the restart

        def left() -> float:
            return max(0.05, deadline - time.monotonic())

        reply = run.box.request(("exec", label, source), left())
        if reply[0] != "ok":
            return "failed", f"the answer cell raised {_failure(reply)}"
        reply = run.box.request(("exec", ex.check_id, ex.check_source), left())
        if reply[0] != "ok":
            return "failed", f"the tests of {ex.name} failed: {_failure(reply)}"
        for probe in probes:
            got = run.box.request(probes_mod.request(probe), left())
            if probe.kind == "get" and probe.target == "mnist_model":
                message = _judge_mnist(got, ref)
            else:
                message = probes_mod.judge(probe, got, probes_mod.run_locally(ref, probe))
            if message:
                return "failed", f"the grader's own test: {message}"
        return "passed", ""
    except SandboxError as err:
        run.close()
        if err.kind == "timeout":
            return "timeout", f"stopped after the exercise's limit of {limit:.0f} s (an endless loop?)"
        return "crashed", f"the Python process running it ended or broke the channel: {err}"


def _judge_mnist(got: tuple, ref: dict) -> str:
    from course_utils import checks
    from course_utils.checks.common import ExerciseError

    if got[0] != "ok":
        return "mnist_model is not defined" if got[0] == "missing" else _failure(got)
    model, why = probes_mod.rebuild_softmax_regression(got[1])
    if model is None:
        return why
    try:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            checks.check_mnist_classifier(model, ref["X_val"].cpu(), ref["y_val"].cpu())
            checks.check_mnist_classifier_more(model, ref["X_test"].cpu(), ref["y_test"].cpu(),
                                               ref["X_val"].cpu(), ref["y_val"].cpu())
    except ExerciseError as err:
        return str(err)[:600]
    return ""


# ---------------------------------------------------------------------------
# The class
# ---------------------------------------------------------------------------


def discover(submitted: Path) -> list[str]:
    return sorted(p.name for p in submitted.iterdir() if p.is_dir() and not p.name.startswith("."))


def grade_class(source_dir: Path, submitted: Path, assignment: str = "notebooks", jobs: int | None = None,
                data_dir: str | None = None, limits: dict | None = None, students: list[str] | None = None,
                log=print) -> dict[str, list[LessonResult]]:
    """Grade every student in ``submitted/<student>/<assignment>/``; results by student."""
    lessons = [load_lesson(p) for p in lesson_notebooks(source_dir)]
    students = students if students is not None else discover(submitted)
    jobs = jobs or os.cpu_count() or 1
    slots = list(range(jobs))
    slot_lock = threading.Lock()
    for lesson in lessons:  # the references once, before the threads start
        reference(lesson)

    def work(student):
        with slot_lock:
            slot = slots.pop()
        # one pre-warmed sandbox per student, a fork per lesson
        sandbox = StudentSandbox(slot, data_dir, [lesson.prefix for lesson in lessons])
        out = []
        try:
            for lesson in lessons:
                try:
                    path = submitted / student / assignment / f"{lesson.stem}.ipynb"
                    res = grade_lesson(student, lesson, path, slot, data_dir, limits, sandbox)
                except Exception as err:  # noqa: BLE001 - a grader bug must not stop the batch
                    res = LessonResult(student, lesson.stem, note=f"grader error: {err!r}")
                    res.exercises = [ExerciseResult(e.name, 0.0, e.points, "crashed",
                                                    traceback.format_exc()[-500:]) for e in lesson.exercises]
                log(f"{res.student:>20} {res.lesson:<28} {res.score:4.1f}/"
                    f"{sum(e.max_points for e in res.exercises):.0f}  {res.seconds:5.1f} s  "
                    f"{' '.join(f'{e.exercise}:{e.status}' for e in res.exercises)}"
                    f"{'  (' + res.note + ')' if res.note else ''}")
                out.append(res)
        finally:
            sandbox.close()
            with slot_lock:
                slots.append(slot)
        return student, out

    results: dict[str, list[LessonResult]] = {s: [] for s in students}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for student, res in pool.map(work, students):
            results[student] = res
    for s in results:
        results[s].sort(key=lambda r: r.lesson)
    return results


def _cost(lesson: Lesson) -> float:
    return sum(LONG_EXERCISES.get((lesson.prefix, e.name), 1.0) for e in lesson.exercises)


EXPORT_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                  "raw_score", "late_submission_penalty", "score", "max_score"]


def write_outputs(course: Path, results: dict[str, list[LessonResult]], assignment: str = "notebooks",
                  max_score: float | None = None) -> None:
    """grades.csv (nbgrader's export columns, one row per student), feedback/ and grading-report.json."""
    rows = []
    for student, lessons in sorted(results.items()):
        raw = sum(r.score for r in lessons)
        total = max_score if max_score is not None else sum(e.max_points for r in lessons for e in r.exercises)
        stamp_file = course / "submitted" / student / assignment / "timestamp.txt"
        stamp = stamp_file.read_text().strip() if stamp_file.exists() else ""
        rows.append({"assignment": assignment, "duedate": "", "timestamp": stamp, "student_id": student,
                     "last_name": "", "first_name": "", "email": "", "raw_score": raw,
                     "late_submission_penalty": 0.0, "score": raw, "max_score": total})
        folder = course / "feedback" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        lines = [f"# Feedback for {student}: {raw:g} / {total:g} points", ""]
        for r in lessons:
            lines.append(f"## {r.lesson}: {r.score:g} / {sum(e.max_points for e in r.exercises):g}"
                         + (f"  ({r.note})" if r.note else ""))
            for e in r.exercises:
                lines.append(f"- {e.exercise}: {e.points:g} / {e.max_points:g} - {e.status}"
                             + (f": {e.message}" if e.message else ""))
            lines.append("")
        (folder / "feedback.md").write_text("\n".join(lines))
        for r in lessons:  # one page per lesson, where nbgrader's generate_feedback puts its own
            (folder / f"{r.lesson}.html").write_text(_feedback_html(student, r))
    with open(course / "grades.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    report = {s: [asdict(r) | {"score": r.score} for r in ls] for s, ls in results.items()}
    (course / "grading-report.json").write_text(json.dumps(report, indent=1))


def _feedback_html(student: str, r: LessonResult) -> str:
    esc = html.escape
    total = sum(e.max_points for e in r.exercises)
    rows = "".join(f"<tr><td>{esc(e.exercise)}</td><td>{e.points:g} / {e.max_points:g}</td>"
                   f"<td>{esc(e.status)}</td><td><pre>{esc(e.message)}</pre></td></tr>" for e in r.exercises)
    note = f"<p>{esc(r.note)}</p>" if r.note else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(r.lesson)}: feedback for "
            f"{esc(student)}</title></head><body><h1>{esc(r.lesson)}: {r.score:g} / {total:g}</h1>"
            f"<p>Student: {esc(student)}</p>{note}<table border='1'><tr><th>exercise</th><th>points</th>"
            f"<th>result</th><th>what the grader found</th></tr>{rows}</table></body></html>\n")


def update_gradebook(course: Path, results: dict[str, list[LessonResult]], assignment: str = "notebooks") -> str:
    """Write the auto scores into nbgrader's gradebook.db when it holds the assignment; what was done."""
    db = course / "gradebook.db"
    if not db.exists():
        return "no gradebook.db: grades.csv written directly"
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{db}") as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return f"gradebook.db has no assignment {assignment!r}: grades.csv written directly"
        for student, lessons in results.items():
            try:
                gb.find_student(student)
            except MissingEntry:
                gb.add_student(student)
            try:
                gb.find_submission(assignment, student)
            except MissingEntry:
                stamp_file = course / "submitted" / student / assignment / "timestamp.txt"
                stamp = stamp_file.read_text().strip() if stamp_file.exists() else ""
                gb.add_submission(assignment, student, **({"timestamp": stamp} if stamp else {}))
            for r in lessons:
                for e in r.exercises:
                    try:
                        grade = gb.find_grade(f"{e.exercise}-check", r.lesson, assignment, student)
                    except MissingEntry:
                        continue
                    grade.auto_score = e.points
            gb.db.commit()
    return "scores written to gradebook.db (nbgrader export and formgrader show them)"


def summary_table(results: dict[str, list[LessonResult]]) -> str:
    lines = [f"{'student':<24} {'score':>7} {'seconds':>8}  what happened"]
    for student, lessons in sorted(results.items()):
        events = [f"{r.lesson[:2]}.{e.exercise}:{e.status}" for r in lessons for e in r.exercises
                  if e.status != "passed"]
        lines.append(f"{student:<24} {sum(r.score for r in lessons):7.1f} {sum(r.seconds for r in lessons):8.1f}  "
                     + (", ".join(events) if events else "all passed"))
    return "\n".join(lines)


_SAFE_ID = re.compile(r"^[A-Za-z0-9_.@-]+$")
