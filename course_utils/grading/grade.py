"""The batch: grade every submission of a class in sandboxes, in parallel; write grades.csv and feedback.

``--jobs`` students at a time, each in one pre-warmed sandbox of their own
(:class:`~course_utils.grading.sandbox.Zygote`) that forks a fresh process per lesson;
for each lesson:

1. The submission's JSON is read without following links or opening anything
   but a regular file (:func:`read_submitted`); an unreadable, linked, special
   or missing notebook scores 0 for its exercises only.
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
5. Rules on *how* an answer is written are also checked on the answer's
   source here (:func:`probes.source_rule`).

Everything that comes from a submission (its replies, its messages, its file
and folder names) is treated as hostile: replies are read in a bounded format
(:mod:`course_utils.grading.protocol`), text is escaped (:func:`clean`) before
it is logged or written, and each student is graded in isolation: a failure of
the grader while handling one student costs that student only. Each student's
result is saved as soon as it is final (:func:`save_result`), so a stopped
run resumes where it stopped. A sandbox that cannot start at all is an
:class:`EnvironmentFailure`: the run stops, and no score is written for anyone
not yet graded.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import html
import io
import json
import os
import re
import stat
import threading
import time
import traceback
import unicodedata
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
#: Exercises whose hidden tests run in the trusted process only (lesson 07 Ex3: the test labels are not
#: in the sandbox; :func:`_judge_mnist` checks the model on them).
TRUSTED_HIDDEN = {("07", "ex3")}
#: The largest submitted notebook (bytes) and timestamp.txt read.
MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_TIMESTAMP_BYTES = 200
#: Bumped when a change of the grader may change a score: saved results of other versions are not reused.
GRADER_VERSION = "2"


class EnvironmentFailure(RuntimeError):
    """The grading machine cannot grade (the sandbox does not start, the data is missing): stop the run."""


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def clean(text: object, limit: int = 2000, newlines: bool = False) -> str:
    """``text`` safe to print and write: control, format (bidi), surrogate and private characters escaped
    (``\\x1b``, ``\\ud800``), newlines kept only when ``newlines``, at most ``limit`` characters."""
    try:
        text = text if isinstance(text, str) else str(text)
    except Exception:  # noqa: BLE001 - an object whose __str__ raises
        text = "<unprintable>"
    out, size = [], 0
    for ch in text[: limit * 2]:
        if ch == "\n" and newlines:
            piece = ch
        elif ch in _ESCAPES:
            piece = _ESCAPES[ch]
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            piece = f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 \
                else f"\\U{ord(ch):08x}"
        else:
            piece = ch
        out.append(piece)
        size += len(piece)
        if size >= limit:
            out.append("...")
            break
    return "".join(out)


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
    cell_ids: frozenset[str] = frozenset()  # every cell id of the source notebook

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
    ids = frozenset(c["id"] for c in nb["cells"] if isinstance(c.get("id"), str))
    return Lesson(path.stem, path.stem[:2], [(g, s) for g, s, _ in cells], exercises, ids)


@dataclass
class ExerciseResult:
    exercise: str
    points: float
    max_points: float
    status: str  # "passed", "failed", "timeout", "crashed", "missing", "invalid"
    message: str = ""

    def __post_init__(self) -> None:
        self.message = clean(self.message, 1500, newlines=True)


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


class Unreadable(OSError):
    """A submitted path that is a link, a special file, too large, or not there; ``str()`` says which."""


def read_submitted(submitted: Path, parts: tuple[str, ...], max_bytes: int) -> bytes:
    """The bytes of ``submitted/<parts...>``, never following a link at any level and never opening a FIFO,
    device or socket (the grader may run as root: a link could show it a root-only file)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(submitted, flags | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            try:
                nfd = os.open(part, flags | os.O_DIRECTORY, dir_fd=fd)
            except FileNotFoundError:
                raise Unreadable("missing") from None
            except OSError:
                raise Unreadable(f"{part}/ is a link or not a folder: not followed") from None
            os.close(fd)
            fd = nfd
        try:
            info = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            raise Unreadable("missing") from None
        if not stat.S_ISREG(info.st_mode):
            kind = "a link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
            raise Unreadable(f"{parts[-1]} is {kind}: not read")
        if info.st_size > max_bytes:
            raise Unreadable(f"{parts[-1]} is larger than {max_bytes} bytes: not read")
        ffd = os.open(parts[-1], flags | os.O_NONBLOCK, dir_fd=fd)
        try:
            if not stat.S_ISREG(os.fstat(ffd).st_mode):  # swapped since the stat
                raise Unreadable(f"{parts[-1]} is not a regular file: not read")
            with os.fdopen(os.dup(ffd), "rb") as fh:
                data = fh.read(max_bytes + 1)
        finally:
            os.close(ffd)
        if len(data) > max_bytes:
            raise Unreadable(f"{parts[-1]} is larger than {max_bytes} bytes: not read")
        return data
    finally:
        os.close(fd)


def _is_stub(source: str) -> bool:
    code = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return code == ["raise NotImplementedError()"] or code == []


def parse_answers(data: bytes, lesson: Lesson) -> tuple[dict[str, str], str]:
    """The submitted answer cells by exercise name, and a note on what was wrong with the file.

    A cell is found by nbgrader ``grade_id``, else by cell ``id``. Where an answer cell was pasted twice,
    the last one that is not the untouched stub counts (as when nbgrader runs every cell in order). Code
    cells the student added to the "Graded exercises" section (helpers) run with the answer cell before
    them (or, above the first answer, with the next one), in their order.
    """
    try:
        nb = json.loads(data.decode("utf-8", errors="replace"))
        cells = nb["cells"]
        assert isinstance(cells, list)
    except Exception as err:  # noqa: BLE001 - any unreadable file (RecursionError included)
        return {}, f"notebook unreadable ({type(err).__name__}): not valid notebook JSON"
    by_grade_id: dict[str, list[str]] = {}
    by_cell_id: dict[str, list[str]] = {}
    # code cells the student added to the graded section (helpers): run with the answer before them
    # (or, before the first answer, with the next one), in order, as nbgrader would run them
    helpers: dict[str, tuple[list[str], list[str]]] = {ex.name: ([], []) for ex in lesson.exercises}
    answers = {ex.answer_id: ex.name for ex in lesson.exercises}
    in_section, last, waiting = False, None, []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(x for x in source if isinstance(x, str)) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown":
            if source.lstrip().startswith("## Graded exercises"):
                in_section = True
            elif source.lstrip().startswith("## ") and in_section:
                in_section = False
            continue
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {})
        grade_id = meta.get("nbgrader", {}).get("grade_id") if isinstance(meta, dict) and isinstance(
            meta.get("nbgrader"), dict) else None
        cell_id = cell.get("id") if isinstance(cell.get("id"), str) else None
        if isinstance(grade_id, str):
            by_grade_id.setdefault(grade_id, []).append(source)
        if cell_id is not None:
            by_cell_id.setdefault(cell_id, []).append(source)
        if not in_section:
            continue
        name = answers.get(grade_id) or answers.get(cell_id)
        if name is not None:
            last = name
            helpers[name][0].extend(waiting)
            waiting = []
        elif not isinstance(grade_id, str) and cell_id not in lesson.cell_ids and source.strip():
            (helpers[last][1] if last else waiting).append(source)
    found = {}
    for ex in lesson.exercises:
        sources = by_grade_id.get(ex.answer_id, by_cell_id.get(ex.answer_id))
        if sources:
            written = [src for src in sources if not _is_stub(src)]
            before, after = helpers[ex.name]
            found[ex.name] = "\n\n".join([*before, (written or sources)[-1], *after])
    return found, ""


def _answers(submitted: Path, student: str, assignment: str, lesson: Lesson) -> tuple[dict[str, str], str]:
    try:
        data = read_submitted(submitted, (student, assignment, f"{lesson.stem}.ipynb"), MAX_NOTEBOOK_BYTES)
    except Unreadable as err:
        return {}, "notebook missing" if str(err) == "missing" else f"notebook not read: {err}"
    except OSError as err:
        return {}, f"notebook not read ({type(err).__name__})"
    return parse_answers(data, lesson)


def _failure(reply: tuple) -> str:
    if reply[0] == "error":
        name, message = reply[1], reply[2]
        first = message.strip().splitlines()[0] if message.strip() else ""
        return clean(f"{name}: {message[:600]}" if first else name, 800, newlines=True)
    return f"unexpected reply {clean(reply[0], 40)!r}"


class StudentSandbox:
    """The pre-warmed sandbox (:class:`Zygote`) of one student, started again if it died.

    A zygote starts before any of the student's code runs in it, so one that does not start twice in a
    row is the machine's fault (:class:`EnvironmentFailure`), never a reason to score the student 0.
    """

    def __init__(self, slot: int, data_dir: str | None, lessons: list[str] | None = None) -> None:
        self.slot, self.data_dir, self.lessons = slot, data_dir, lessons
        self.zygote: Zygote | None = None

    def _start(self) -> None:
        self.close()
        for attempt in (1, 2):
            try:
                self.zygote = Zygote(self.slot, self.data_dir, lessons=self.lessons)
                return
            except SandboxError as err:
                if attempt == 2:
                    raise EnvironmentFailure(str(err)) from None

    def child(self):
        """A fresh process for a lesson; the sandbox is started again first if it died (or is dying)."""
        for attempt in (1, 2):
            if self.zygote is None or not self.zygote.alive:
                self._start()
            try:
                return self.zygote.child()
            except SandboxError:
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def alive(self) -> bool:
        """True when the sandbox still answers (an exercise may have killed its first process)."""
        return self.zygote is not None and self.zygote.ping()

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
        """A fresh process that replays the cells so far, all within the setup limit (one deadline)."""
        self.close()
        self.box = self.sandbox.child()
        deadline = time.monotonic() + self.limits["setup"]
        for label, source in self.replay:
            try:
                reply = self.box.request(("exec", label, source), max(0.05, deadline - time.monotonic()))
            except SandboxError as err:
                self.close()
                if err.kind == "timeout":
                    raise SandboxError("timeout", f"replaying the earlier cells took longer than the "
                                                  f"{self.limits['setup']:.0f} s allowed") from None
                raise
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
    answers, note = _answers(path.parents[2], path.parents[1].name, path.parent.name, lesson)
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
    # EnvironmentFailure (not a SandboxError) goes up: the run stops
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
        check = ex.check_source
        if (run.lesson.prefix, ex.name) in TRUSTED_HIDDEN:  # the hidden tests need what the sandbox lacks
            check = _strip(check, HIDDEN, keep_inside=False)
        reply = run.box.request(("exec", ex.check_id, check), left())
        if reply[0] != "ok":
            return "failed", f"the tests of {ex.name} failed: {_failure(reply)}"
        for probe in probes:
            got = run.box.request(probes_mod.request(probe), left())
            want = None if probe.kind == "get" and probe.target == "mnist_model" else probes_mod.run_locally(ref, probe)
            if want is not None and want[0] != "ok":  # the grader's own fault: never the student's
                raise RuntimeError(f"the reference solution failed on {probe.text()}: {want}")
            try:
                message = _judge_mnist(got, ref) if want is None else probes_mod.judge(probe, got, want)
            except Exception as err:  # noqa: BLE001 - a reply of the right format but the wrong shape
                message = f"an answer the grader cannot read ({type(err).__name__})"
            if message:
                return "failed", f"the grader's own test: {message}"
        sandbox = getattr(run, "sandbox", None)
        if isinstance(sandbox, StudentSandbox) and not sandbox.alive():  # killed during this exercise
            run.close()
            return "crashed", "the sandbox was killed while this exercise ran (its process tree ended)"
        return "passed", ""
    except SandboxError as err:
        run.close()
        if err.kind == "timeout":
            if "replaying" in str(err):
                return "timeout", str(err)
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


def student_problem(name: str) -> str:
    """"" when the folder name ``name`` can be a student id, else why not (it is then skipped, not graded)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "its name is not valid UTF-8"
    if name.startswith(".") or clean(name, 200) != name or len(name) > 120 or name in ("", "..", "."):
        return "its name holds control characters, starts with a dot or is too long"
    return ""


def scan(submitted: Path) -> tuple[list[str], dict[str, str]]:
    """The student ids of ``submitted/`` (folders, and links, which are then not followed), and the
    folders skipped: {escaped name: why}."""
    ids, skipped = [], {}
    for entry in os.scandir(submitted):
        if not (entry.is_dir(follow_symlinks=False) or entry.is_symlink()):
            continue
        if entry.name.startswith("."):
            continue
        problem = student_problem(entry.name)
        if problem:
            skipped[clean(entry.name, 200)] = problem
        else:
            ids.append(entry.name)
    return sorted(ids), skipped


def discover(submitted: Path) -> list[str]:
    return scan(submitted)[0]


def shard_of(student: str, shares: int) -> int:
    """The share (0 .. shares-1) of ``student``: stable across machines and runs (a hash of the id)."""
    return int(hashlib.sha256(student.encode("utf-8")).hexdigest(), 16) % shares


# ---------------------------------------------------------------------------
# Saved results (one file per student): resume, shares, merge
# ---------------------------------------------------------------------------


def result_key(lessons: list[Lesson], sources: dict[str, bytes], submitted: Path, student: str,
               assignment: str, limits: dict | None) -> str:
    """What a saved result depends on: the grader's version, the limits, the source notebooks and the
    student's files. A result saved under another key is stale."""
    h = hashlib.sha256(f"{GRADER_VERSION}|{sorted((str(k), v) for k, v in (limits or {}).items())}".encode())
    for lesson in lessons:
        h.update(hashlib.sha256(sources[lesson.stem]).digest())
        try:
            data = read_submitted(submitted, (student, assignment, f"{lesson.stem}.ipynb"), MAX_NOTEBOOK_BYTES)
            h.update(b"file" + hashlib.sha256(data).digest())
        except OSError as err:
            h.update(b"none" + str(err).encode())
    return h.hexdigest()


def _result_path(results_dir: Path, student: str) -> Path:
    return Path(results_dir) / f"{student}.json"


def save_result(results_dir: Path, student: str, key: str, lessons: list[LessonResult]) -> None:
    """Write one student's final result (atomically: a killed run leaves the old file or the new one)."""
    Path(results_dir).mkdir(parents=True, exist_ok=True)
    doc = {"student": student, "key": key, "lessons": [asdict(r) for r in lessons]}
    path = _result_path(results_dir, student)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=True))
    os.replace(tmp, path)


def load_result(results_dir: Path, student: str, key: str | None) -> list[LessonResult] | None:
    """A student's saved result, or None (none saved, unreadable, or saved under another ``key``)."""
    try:
        doc = json.loads(_result_path(results_dir, student).read_text())
        if doc["student"] != student or (key is not None and doc["key"] != key):
            return None
        return [LessonResult(r["student"], r["lesson"], [ExerciseResult(**e) for e in r["exercises"]],
                             r["note"], r["seconds"]) for r in doc["lessons"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_data(lessons: list[Lesson], data_dir: str | None) -> None:
    """Lesson 07 reads MNIST: without it every honest student would lose points, so stop instead."""
    if any(lesson.prefix == "07" for lesson in lessons):
        from course_utils.mnist import mnist_files_present

        if not data_dir or not mnist_files_present(Path(data_dir)):
            raise EnvironmentFailure(
                f"lesson 07 needs MNIST, which is not in {data_dir or 'COURSE_DATA_DIR (not set)'}/MNIST/raw. "
                "Set COURSE_DATA_DIR to the folder holding MNIST/raw (with sudo, on the same command line: "
                "`sudo COURSE_DATA_DIR=/path python3 course.py grade`).")


def preflight(data_dir: str | None, lessons: list[str]) -> None:
    """Start one sandbox and run one line in it; :class:`EnvironmentFailure` (with bwrap's error) if it cannot."""
    box = StudentSandbox(0, data_dir, lessons)
    try:
        child = box.child()
        reply = child.request(("exec", "preflight", "import torch, course_utils"), 120.0)
        if reply[0] != "ok":
            raise EnvironmentFailure(f"the sandbox cannot import torch and course_utils: {_failure(reply)}")
    except SandboxError as err:
        raise EnvironmentFailure(f"the sandbox does not work here: {err}") from None
    finally:
        box.close()


def grade_class(source_dir: Path, submitted: Path, assignment: str = "notebooks", jobs: int | None = None,
                data_dir: str | None = None, limits: dict | None = None, students: list[str] | None = None,
                log=print, results_dir: Path | None = None, resume: bool = True,
                check: bool = True) -> dict[str, list[LessonResult]]:
    """Grade every student in ``submitted/<student>/<assignment>/``; results by student.

    ``results_dir``: each student's result is saved there as soon as it is final, and (``resume``) a result
    saved for the same files, limits and grader is reused instead of grading again. Raises
    :class:`EnvironmentFailure` when the machine cannot grade (after the students already finished are saved).
    """
    lessons = [load_lesson(p) for p in lesson_notebooks(source_dir)]
    sources = {lesson.stem: (Path(source_dir) / f"{lesson.stem}.ipynb").read_bytes() for lesson in lessons}
    students = students if students is not None else discover(submitted)
    jobs = jobs or os.cpu_count() or 1
    if check:
        check_data(lessons, data_dir)
    for lesson in lessons:  # the references once, before the threads start
        reference(lesson)
    prefixes = [lesson.prefix for lesson in lessons]
    if check and students:
        preflight(data_dir, prefixes)
    slots = list(range(jobs))
    slot_lock = threading.Lock()
    stop = threading.Event()

    def say(line: str) -> None:
        try:
            log(clean(line, 2000))
        except Exception:  # noqa: BLE001 - a broken console never costs a grade
            pass

    def grade_student(student: str, slot: int) -> list[LessonResult]:
        sandbox = StudentSandbox(slot, data_dir, prefixes)  # one pre-warmed sandbox per student
        out = []
        try:
            for lesson in lessons:
                if stop.is_set():
                    raise EnvironmentFailure("stopped")
                try:
                    path = submitted / student / assignment / f"{lesson.stem}.ipynb"
                    res = grade_lesson(student, lesson, path, slot, data_dir, limits, sandbox)
                except EnvironmentFailure:
                    raise
                except Exception as err:  # noqa: BLE001 - a grader bug costs this lesson, never the batch
                    res = LessonResult(student, lesson.stem, note=clean(f"grader error: {err!r}", 300))
                    res.exercises = [ExerciseResult(e.name, 0.0, e.points, "crashed",
                                                    "grader error: " + traceback.format_exc()[-500:])
                                     for e in lesson.exercises]
                res.note = clean(res.note, 600)
                say(f"{res.student:>20} {res.lesson:<28} {res.score:4.1f}/"
                    f"{sum(e.max_points for e in res.exercises):.0f}  {res.seconds:5.1f} s  "
                    f"{' '.join(f'{e.exercise}:{e.status}' for e in res.exercises)}"
                    f"{'  (' + res.note + ')' if res.note else ''}")
                out.append(res)
        finally:
            sandbox.close()
        return out

    def work(student: str) -> tuple[str, list[LessonResult] | None]:
        if stop.is_set():
            return student, None
        try:
            key = result_key(lessons, sources, submitted, student, assignment, limits)
        except Exception:  # noqa: BLE001 - e.g. the folder vanished: grade it and see
            key = ""
        if results_dir is not None and resume and key:
            saved = load_result(results_dir, student, key)
            if saved is not None:
                say(f"{student:>20} saved result reused ({sum(r.score for r in saved):g} points)")
                return student, saved
        with slot_lock:
            slot = slots.pop()
        try:
            out = grade_student(student, slot)
        except EnvironmentFailure:
            stop.set()
            raise
        except Exception as err:  # noqa: BLE001 - whatever went wrong, it costs this student only
            out = [LessonResult(student, lesson.stem, [ExerciseResult(e.name, 0.0, e.points, "crashed",
                                                                      f"grader error: {err!r}")
                                                       for e in lesson.exercises], "grader error")
                   for lesson in lessons]
        finally:
            with slot_lock:
                slots.append(slot)
        out.sort(key=lambda r: r.lesson)
        if results_dir is not None and key:
            try:
                save_result(results_dir, student, key, out)
            except OSError as err:
                say(f"{student:>20} result not saved: {err}")
        return student, out

    results: dict[str, list[LessonResult]] = {}
    failure: EnvironmentFailure | None = None
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(work, s) for s in students]
        for future in futures:
            try:
                student, res = future.result()
            except EnvironmentFailure as err:
                failure = failure or err
                stop.set()
                continue
            if res is not None:
                results[student] = res
    if failure is not None:
        raise EnvironmentFailure(str(failure))
    return {s: results[s] for s in students if s in results}


EXPORT_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                  "raw_score", "late_submission_penalty", "score", "max_score"]


def read_timestamp(course: Path, student: str, assignment: str) -> str:
    """``submitted/<student>/<assignment>/timestamp.txt`` when it is a plain file holding a valid time, else ""."""
    try:
        text = read_submitted(course / "submitted", (student, assignment, "timestamp.txt"),
                              MAX_TIMESTAMP_BYTES).decode("utf-8").strip()
        from nbgrader.utils import parse_utc

        parse_utc(text)
    except Exception:  # noqa: BLE001 - missing, a link, not UTF-8, not a time: no timestamp
        return ""
    return text if clean(text, 100) == text else ""


def _chown_like(course: Path, paths: list[Path]) -> None:
    """Run as root (sudo): give what was written to the course folder's owner, so they can delete it."""
    if os.geteuid() != 0:
        return
    owner = course.stat()
    if owner.st_uid == 0:
        return
    for top in paths:
        if not top.exists() or top.is_symlink():
            continue
        for p in [top, *(top.rglob("*") if top.is_dir() else [])]:
            with contextlib.suppress(OSError):
                os.chown(p, owner.st_uid, owner.st_gid, follow_symlinks=False)


def write_outputs(course: Path, results: dict[str, list[LessonResult]], assignment: str = "notebooks",
                  max_score: float | None = None, skipped: dict[str, str] | None = None) -> None:
    """grades.csv (nbgrader's export columns, one row per student), feedback/, grading-report.json and the
    class report grading-report.html (:mod:`course_utils.grading.report`)."""
    from course_utils.grading import report

    rows = []
    for student, lessons in sorted(results.items()):
        raw = sum(r.score for r in lessons)
        total = max_score if max_score is not None else sum(e.max_points for r in lessons for e in r.exercises)
        rows.append({"assignment": assignment, "duedate": "", "timestamp": read_timestamp(course, student, assignment),
                     "student_id": student, "last_name": "", "first_name": "", "email": "", "raw_score": raw,
                     "late_submission_penalty": 0.0, "score": raw, "max_score": total})
        folder = course / "feedback" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        lines = [f"# Feedback for {student}: {raw:g} / {total:g} points", ""]
        for r in lessons:
            lines.append(f"## {r.lesson}: {r.score:g} / {sum(e.max_points for e in r.exercises):g}"
                         + (f"  ({clean(r.note, 600)})" if r.note else ""))
            for e in r.exercises:
                lines.append(f"- {e.exercise}: {e.points:g} / {e.max_points:g} - {e.status}"
                             + (f": {clean(e.message, 1500)}" if e.message else ""))
            lines.append("")
        (folder / "feedback.md").write_text("\n".join(lines), encoding="utf-8")
        for r in lessons:  # one page per lesson, where nbgrader's generate_feedback puts its own
            (folder / f"{r.lesson}.html").write_text(_feedback_html(student, r), encoding="utf-8")
    with open(course / "grades.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=EXPORT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    data = {s: [asdict(r) | {"score": r.score} for r in ls] for s, ls in sorted(results.items())}
    (course / "grading-report.json").write_text(json.dumps(data, indent=1, ensure_ascii=True))
    (course / "grading-report.html").write_text(report.html_report(results, skipped or {}), encoding="utf-8")
    _chown_like(course, [course / "grades.csv", course / "grading-report.json", course / "grading-report.html",
                         course / "feedback"])


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
                stamp = read_timestamp(course, student, assignment)
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
