"""The trusted grader (course_utils.grading) against hostile and faulty submissions of lesson 01.

One class of submissions is graded once per mode (module fixture, ``root`` and
``rootless``) in a temporary course with short limits; each case asserts its
exact score (lesson 01: Ex1 2 points, Ex2 1, Ex3 2). Honest students graded
before ("a-...") and after ("z-...") the vandals keep full marks, and the
course files, the gradebook, course_utils and every submission are
byte-for-byte unchanged afterwards.

Rootless mode: run as root (CI), the class is graded by a child process that
drops to uid 65534 (``setpriv``), as an instructor without sudo would; run as
an ordinary user, root mode is skipped and rootless runs in this process.
The catalogue holds the cheats, the vandal, crashes, endless loops, and the
attacks on the trusted process itself: replies that lie about their size or
nest without end, text with surrogates and escape codes, links and FIFOs in
``submitted/``, a filled disk, an output flood, bad timestamps and folder names.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from course_utils.grading import grade
from course_utils.grading.sandbox import available
from tests.helpers import LESSONS

ROOT = Path(__file__).resolve().parent.parent
LESSON = "01_logistic_function"

pytestmark = pytest.mark.skipif(bool(available()), reason=available() or "")


def _solution(ex: str) -> str:
    nb = json.loads((ROOT / "notebooks" / f"{LESSON}.ipynb").read_text())
    cell = next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"{ex}-answer")
    return "".join(cell["source"])


def _student_nb() -> dict:
    return json.loads((ROOT / "student" / f"{LESSON}.ipynb").read_text())


def _cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def _with(answers: dict[str, str]) -> dict:
    nb = _student_nb()
    for ex, source in answers.items():
        _cell(nb, f"{ex}-answer")["source"] = source
    return nb


FULL = {ex: _solution(ex) for ex in ("ex1", "ex2", "ex3")}
STUB = _cell(_student_nb(), "ex1-answer")["source"]


def _full_but(ex: str, source: str) -> dict:
    return _with({**FULL, ex: source})


def _prefixed(ex: str, code: str) -> dict:
    """Full marks' answers, with ``code`` run first in the answer cell of ``ex``."""
    return _full_but(ex, code + "\n" + FULL[ex])


REBIND = ("class _Pass:\n    def __getattr__(self, name):\n        return lambda *a, **k: None\n"
          "checks = _Pass()\n" + "".join(STUB))
PATCH = ("import course_utils.checks as _c\nfor _n in dir(_c):\n    if _n.startswith('check_'):\n"
         "        setattr(_c, _n, lambda *a, **k: None)\n" + "".join(STUB))
IPYTHON = ("ip = get_ipython()\nip.input_transformers_post.append(lambda lines: ['pass\\n'])\n" + "".join(STUB))
FAKE_VALUES = ("import torch\ndef my_sigmoid(z):\n    return torch.full_like(z, 0.5)\n"
               "def sigmoid_derivative(z):\n    return torch.full_like(z, 0.25)\n"
               "import course_utils.checks as _c\nfor _n in dir(_c):\n    if _n.startswith('check_'):\n"
               "        setattr(_c, _n, lambda *a, **k: None)\n")


def _vandal(course: Path) -> str:
    return f"""
import os, shutil
for attempt in (
    lambda: open({str(course / 'gradebook.db')!r}, 'w').write('gone'),
    lambda: os.remove({str(course / 'gradebook.db')!r}),
    lambda: open({str(course / 'notebooks' / (LESSON + '.ipynb'))!r}, 'w').write('{{}}'),
    lambda: shutil.rmtree({str(course / 'submitted' / 'a-honest')!r}),
    lambda: open({str(ROOT / 'course_utils' / 'checks' / '__init__.py')!r}, 'a').write('\\nBACKDOOR = 1\\n'),
    lambda: open(os.path.expanduser('~/.bashrc'), 'w').write('x'),
):
    try:
        attempt()
    except Exception:
        pass
""" + "".join(STUB)


NETWORK = ("import socket\ntry:\n    socket.create_connection(('1.1.1.1', 80), timeout=2)\n    REACHED = True\n"
           "except OSError:\n    REACHED = False\nassert not REACHED, 'the network was reachable'\n")
NOISY = ("import sys, warnings\nprint('debug output', file=sys.stderr)\n"
         "warnings.warn('a warning from a correct answer')\n")
ENDLESS_SWALLOW = "while True:\n    try:\n        pass\n    except BaseException:\n        pass\n"
FORK_BOMB = "import os\nwhile True:\n    os.fork()\n"


def _fd_out() -> str:
    """Learner code that finds the runner's reply channel (serve's local ``fd_out``), to forge replies."""
    return "import sys, os, struct, time\nfd = sys._getframe(1).f_locals['fd_out']\n"


#: Forged replies written on the channel in place of the runner's (each then waits to be killed)
FORGED = {
    # a header length far over the limit (the grader must not try to read it)
    "reply-header-claims-1-tib": "os.write(fd, struct.pack('>Q', 2**40))\ntime.sleep(60)\n",
    # a valid header whose tensor claims 8 GiB (it must be refused before a byte is read)
    "reply-tensor-claims-8-gib": (
        "import json\nh = json.dumps({'v': {'T': ['ok']}, 't': [['float32', [2**31], 2**33]]}).encode()\n"
        "os.write(fd, struct.pack('>Q', len(h)) + h)\ntime.sleep(60)\n"),
    # lists nested 100000 deep (a recursive decoder or formatter would blow up)
    "reply-nested-100000-deep": (
        "h = b'{\"v\": ' + b'[' * 100000 + b']' * 100000 + b', \"t\": []}'\n"
        "os.write(fd, struct.pack('>Q', len(h)) + h)\ntime.sleep(60)\n"),
    # pickle opcodes (no pickle is ever loaded: an unreadable reply)
    "reply-pickle-opcodes": (
        "import pickle\nh = pickle.dumps(('ok',)) + b'N0' * 100000\n"
        "os.write(fd, struct.pack('>Q', len(h)) + h)\ntime.sleep(60)\n"),
}
NESTED_RETURN = ("def my_sigmoid(z):\n    out = z\n    for _ in range(60):\n        out = [out, out]\n"
                 "    return out\n")
SURROGATE_ERROR = "raise ValueError('\\ud800 \\x1b[2J\\x1b]0;owned\\x07\\n## 01_logistic_function: 5 / 5\\u202e')\n"
FILL_DISK = ("import os\nfor folder in (os.path.expanduser('~'), '/tmp', '/dev/shm'):\n    try:\n"
             "        with open(os.path.join(folder, 'fill'), 'wb') as fh:\n            while True:\n"
             "                fh.write(b'0' * 2**20)\n    except OSError:\n        pass\n")
FLOOD = "import sys\nfor _ in range(400):\n    print('x' * 2**20)\n    print('y' * 2**20, file=sys.stderr)\n"


def _duplicated_answer_cell() -> dict:
    """An honest slip: the answer cell pasted twice, the copy left as the stub (nbgrader runs both in order)."""
    nb = _with(FULL)
    at = nb["cells"].index(_cell(nb, "ex1-answer"))
    stub = json.loads(json.dumps(_cell(_student_nb(), "ex1-answer")))
    nb["cells"].insert(at, stub)
    return nb


def _helper_in_its_own_cell() -> dict:
    """Honest work nbgrader grades: the function written in a new cell above the answer cell, which uses it."""
    nb = _with({**FULL, "ex1": "assert callable(my_sigmoid)  # written in the cell above\n"})
    at = nb["cells"].index(_cell(nb, "ex1-answer"))
    nb["cells"].insert(at, {"cell_type": "code", "id": "my-own-helper", "metadata": {}, "execution_count": None,
                            "outputs": [], "source": FULL["ex1"]})
    return nb


def _edited_grade_id() -> dict:
    nb = _with(FULL)
    _cell(nb, "ex1-answer")["metadata"]["nbgrader"]["grade_id"] = "my-own-id"  # the cell id still says ex1-answer
    return nb


def _edited_ids() -> dict:
    nb = _with(FULL)
    cell = _cell(nb, "ex1-answer")
    cell["metadata"]["nbgrader"]["grade_id"] = "renamed"
    cell["id"] = "renamed"
    return nb


def _deleted_checks() -> dict:
    nb = _with(FULL)
    nb["cells"] = [c for c in nb["cells"] if not c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return nb


def _more_points() -> dict:
    nb = _with(FULL)
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade"):
            c["metadata"]["nbgrader"]["points"] = 100
    return nb


#: student id -> (how the submission is made, the exact expected score of lesson 01 out of 5)
CASES = {
    "a-honest": (lambda c: _with(FULL), 5),
    "blank": (lambda c: _student_nb(), 0),
    "cheat-rebind-checks": (lambda c: _with({"ex1": REBIND}), 0),
    "cheat-patch-course-utils": (lambda c: _with({"ex1": PATCH}), 0),
    "cheat-ipython-input-hooks": (lambda c: _with({"ex1": IPYTHON}), 0),
    "cheat-fake-values-and-patch": (lambda c: _with({"ex1": FAKE_VALUES}), 0),
    "vandal-files-and-gradebook": (lambda c: _with({"ex1": _vandal(c)}), 0),
    "sys-exit-in-ex1": (lambda c: _prefixed("ex1", "import sys\nsys.exit()"), 3),
    "os-exit-in-ex1": (lambda c: _prefixed("ex1", "import os\nos._exit(0)"), 3),
    "segfault-in-ex2": (lambda c: _prefixed("ex2", "import ctypes\nctypes.string_at(0)"), 4),
    "endless-swallows-interrupt-ex3": (lambda c: _prefixed("ex3", ENDLESS_SWALLOW), 3),
    "endless-sleep-ex2": (lambda c: _prefixed("ex2", "import time\nwhile True:\n    time.sleep(0.1)"), 4),
    "fork-bomb-ex1": (lambda c: _prefixed("ex1", FORK_BOMB), 3),
    "memory-hog-ex1": (lambda c: _prefixed("ex1", "hog = bytearray(64 * 2**30)"), 3),
    "network-attempt": (lambda c: _prefixed("ex1", NETWORK), 5),
    "stderr-and-warnings": (lambda c: _prefixed("ex2", NOISY), 5),
    "edited-grade-id": (lambda c: _edited_grade_id(), 5),
    "edited-grade-id-and-cell-id": (lambda c: _edited_ids(), 3),
    "deleted-test-cells": (lambda c: _deleted_checks(), 5),
    "more-points-in-metadata": (lambda c: _more_points(), 5),
    "invalid-json": ("{ this is not json", 0),
    "missing-notebook": (None, 0),
    # attacks on the trusted process: each costs its own exercise (or student) only
    **{name: (lambda c, code=code: _prefixed("ex1", _fd_out() + code), 3) for name, code in FORGED.items()},
    "nested-return-value": (lambda c: _full_but("ex1", NESTED_RETURN), 3),
    "surrogate-and-escapes-in-error": (lambda c: _full_but("ex1", SURROGATE_ERROR), 3),
    "fills-its-disk": (lambda c: _prefixed("ex1", FILL_DISK), 5),
    "output-flood": (lambda c: _prefixed("ex2", FLOOD), 5),
    "duplicated-answer-cell": (lambda c: _duplicated_answer_cell(), 5),
    "helper-in-its-own-cell": (lambda c: _helper_in_its_own_cell(), 5),
    "link-to-a-honest-notebook": ("link:a-honest", 0),
    "link-to-a-honest-folder": ("folder-link:a-honest", 0),
    "fifo-notebook": ("fifo", 0),
    "timestamp-malformed": (lambda c: _with(FULL), 5),
    "timestamp-link-to-shadow": (lambda c: _with(FULL), 5),
    "z-honest": (lambda c: _with(FULL), 5),
}
#: timestamp.txt of some students: text, or a link target
TIMESTAMPS = {"a-honest": "2026-11-30 12:00:00.000000 UTC", "timestamp-malformed": "not a time \x1b[2J",
              "timestamp-link-to-shadow": Path("/etc/shadow")}
#: a folder whose name is not UTF-8: skipped (reported), never graded nor written
BAD_FOLDER = b"not-utf8-\xff"


def _digest(paths: list[Path]) -> dict[str, str]:
    out = {}
    for top in paths:
        for p in sorted([top] if top.is_file() else top.rglob("*")):
            if p.is_symlink():
                out[str(p)] = "-> " + os.readlink(p)
            elif p.is_file() and "__pycache__" not in p.parts:
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


#: The modes the catalogue runs in; rootless needs unprivileged user namespaces.
MODES = ["root", "rootless"]
RUNNER = """
import json, sys
from pathlib import Path
from course_utils.grading import grade
course = Path(sys.argv[1])
limits = json.loads(sys.argv[2])
results = grade.grade_class(course / "notebooks", course / "submitted", jobs=2, limits=limits, log=lambda *a: None,
                            data_dir=sys.argv[3] or None)
grade.write_outputs(course, results, skipped=grade.scan(course / "submitted")[1])
"""


def grade_in_mode(mode: str, course: Path, limits: dict, data_dir: str | None = None) -> dict:
    """Grade ``course`` in ``mode``; results by student (as grade_class returns them).

    Root mode: in this process (it must be root). Rootless as root: a child process as uid 65534 grades the
    course (which must be readable and writable by it), and the results come back through grading-report.json.
    """
    if mode == "root":
        if os.geteuid() != 0:
            pytest.skip("root mode needs root")
        results = grade.grade_class(course / "notebooks", course / "submitted", jobs=2, limits=limits,
                                    data_dir=data_dir, log=lambda *a: None)
        grade.write_outputs(course, results, skipped=grade.scan(course / "submitted")[1])
        return results
    if os.geteuid() != 0:
        results = grade.grade_class(course / "notebooks", course / "submitted", jobs=2, limits=limits,
                                    data_dir=data_dir, log=lambda *a: None)
        grade.write_outputs(course, results, skipped=grade.scan(course / "submitted")[1])
        return results
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run([*drop, sys.executable, "-c", "import course_utils.grading.runner, torch"], cwd="/",
                           capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert probe.returncode == 0, (
        f"uid 65534 cannot run {sys.executable} with {ROOT} (the rootless run needs the repository and its .venv "
        f"readable by every user: chmod o+rx on them and their parent folders):\n{probe.stderr[-1500:]}")
    subprocess.run(["chown", "-R", "-h", "65534:65534", str(course)], check=True)
    done = subprocess.run([*drop, sys.executable, "-c", RUNNER, str(course), json.dumps(limits), data_dir or ""],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "HOME": str(course), "TMPDIR": "/tmp"})
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((course / "grading-report.json").read_text())
    return {s: [grade.LessonResult(r["student"], r["lesson"], [grade.ExerciseResult(**e) for e in r["exercises"]],
                                   r["note"], r["seconds"]) for r in lessons] for s, lessons in report.items()}


def new_course(tmp_path_factory, name: str) -> Path:
    """An empty course folder that uid 65534 can reach (pytest's own tmp folders are private to root)."""
    base = Path(tempfile.mkdtemp(prefix=f"grading-{name}-", dir=tmp_path_factory.getbasetemp()
                                 if os.geteuid() != 0 else "/tmp"))
    base.chmod(0o755)
    return base / "course"


@pytest.fixture(scope="module", params=MODES)
def graded(request, tmp_path_factory):
    mode = request.param
    if mode == "root" and os.geteuid() != 0:
        pytest.skip("root mode needs root")
    course = new_course(tmp_path_factory, mode)
    (course / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / f"{LESSON}.ipynb", course / "notebooks")
    (course / "gradebook.db").write_bytes(b"the instructor's gradebook")
    submitted = course / "submitted"
    for student, (make, _) in CASES.items():
        folder = submitted / student / "notebooks"
        target = f"{LESSON}.ipynb"
        if isinstance(make, str) and make.startswith("folder-link:"):
            (submitted / student).symlink_to(submitted / make.split(":", 1)[1], target_is_directory=True)
            continue
        folder.mkdir(parents=True)
        if make is None:
            continue
        if isinstance(make, str) and make.startswith("link:"):
            (folder / target).symlink_to(submitted / make.split(":", 1)[1] / "notebooks" / target)
        elif make == "fifo":
            os.mkfifo(folder / target)
        else:
            text = make if isinstance(make, str) else json.dumps(make(course))
            (folder / target).write_text(text)
    for student, stamp in TIMESTAMPS.items():
        path = submitted / student / "notebooks" / "timestamp.txt"
        if isinstance(stamp, Path):
            path.symlink_to(stamp)
        else:
            path.write_text(stamp)
    os.makedirs(os.fsencode(submitted) + b"/" + BAD_FOLDER + b"/notebooks")
    # course_utils is watched by its one file the vandal writes to (colleagues may edit others meanwhile)
    watched = [course / "notebooks", course / "gradebook.db", ROOT / "course_utils" / "checks" / "__init__.py",
               *[submitted / s for s in CASES if not (submitted / s).is_symlink()]]
    before = _digest(watched)
    results = grade_in_mode(mode, course, {"exercise": 8.0, "setup": 30.0})
    return course, results, before, _digest(watched)


@pytest.mark.parametrize("student", list(CASES))
def test_exact_score(graded, student):
    _, results, _, _ = graded
    (lesson,) = results[student]
    detail = [(e.exercise, e.points, e.status, e.message[:200]) for e in lesson.exercises]
    assert lesson.score == CASES[student][1], detail
    assert [e.max_points for e in lesson.exercises] == [2.0, 1.0, 2.0]  # the source's points, not the submission's


def test_nothing_changed(graded):
    _, _, before, after = graded
    assert after == before
    assert not any("BACKDOOR" in p.read_text() for p in (ROOT / "course_utils").rglob("*.py"))


def test_failures_are_named(graded):
    _, results, _, _ = graded
    status = {s: [e.status for e in r[0].exercises] for s, r in results.items()}
    assert status["endless-swallows-interrupt-ex3"] == ["passed", "passed", "timeout"]
    assert status["segfault-in-ex2"] == ["passed", "crashed", "passed"]
    assert status["os-exit-in-ex1"][0] == "crashed"
    assert status["invalid-json"] == ["invalid"] * 3
    assert status["edited-grade-id-and-cell-id"][0] == "missing"
    assert "not valid notebook JSON" in results["invalid-json"][0].note


def test_grades_csv(graded):
    import csv

    course, _, _, _ = graded
    rows = {r["student_id"]: r for r in csv.DictReader(open(course / "grades.csv", encoding="utf-8"))}
    assert set(rows) == set(CASES)  # the folder named in bad UTF-8 is not a row
    assert float(rows["a-honest"]["score"]) == 5.0 and float(rows["a-honest"]["max_score"]) == 5.0
    assert float(rows["cheat-rebind-checks"]["score"]) == 0.0
    assert (course / "feedback" / "segfault-in-ex2" / "notebooks" / "feedback.md").read_text().count("crashed") == 1
    # timestamps: a valid one kept; a malformed one and a link (to a root-only file) not read
    assert rows["a-honest"]["timestamp"] == TIMESTAMPS["a-honest"]
    assert rows["timestamp-malformed"]["timestamp"] == rows["timestamp-link-to-shadow"]["timestamp"] == ""


def test_hostile_text_is_escaped(graded):
    course, results, _, _ = graded
    page = (course / "feedback" / "surrogate-and-escapes-in-error" / "notebooks" / "feedback.md").read_text()
    assert "\x1b" not in page and "\x07" not in page and "\u202e" not in page
    assert "\\ud800" in page and "\\x1b[2J" in page  # shown escaped
    assert [line for line in page.splitlines() if line.startswith("#")] == [  # no forged heading line
        "# Feedback for surrogate-and-escapes-in-error: 3 / 5 points", "## 01_logistic_function: 3 / 5"]
    for path in [course / "grades.csv", course / "grading-report.json", course / "grading-report.html",
                 *(course / "feedback").rglob("*")]:
        if path.is_file():
            text = path.read_bytes().decode("utf-8")  # valid UTF-8: no lone surrogate was written
            assert "\x1b" not in text, path


def test_forged_replies_fail_fast(graded):
    _, results, _, _ = graded
    for name in FORGED:
        (lesson,) = results[name]
        ex1 = lesson.exercises[0]
        assert ex1.status == "crashed", ex1
        assert "unreadable reply" in ex1.message or "over the limit" in ex1.message, ex1
        assert lesson.seconds < 60, (name, lesson.seconds)  # refused at once, not after reading or decoding


def test_links_fifos_and_bad_names(graded):
    course, results, _, _ = graded
    for name in ("link-to-a-honest-notebook", "link-to-a-honest-folder", "fifo-notebook"):
        (lesson,) = results[name]
        assert [e.status for e in lesson.exercises] == ["invalid"] * 3, lesson
        assert "not" in lesson.note, lesson.note
    assert list(grade.scan(course / "submitted")[1].values()) == ["its name is not valid UTF-8"]
    assert "not-utf8-" in (course / "grading-report.html").read_text()
    assert not any(b"not-utf8" in os.fsencode(p) for p in (course / "feedback").iterdir())


def test_saved_results_are_reused(graded, tmp_path):
    """A rerun reuses each student's saved result (nothing graded again) for the same files and limits."""
    course, results, _, _ = graded
    saved = tmp_path / "results"
    student = "a-honest"
    lessons = [grade.load_lesson(course / "notebooks" / f"{LESSON}.ipynb")]
    sources = {LESSON: (course / "notebooks" / f"{LESSON}.ipynb").read_bytes()}
    key = grade.result_key(lessons, sources, course / "submitted", student, "notebooks", {"exercise": 8.0})
    grade.save_result(saved, student, key, results[student])
    assert grade.load_result(saved, student, key) == results[student]
    again = grade.grade_class(course / "notebooks", course / "submitted", limits={"exercise": 8.0},
                              students=[student], results_dir=saved, log=lambda *a: None, check=False)
    assert again[student] == results[student]  # reused: the same seconds too, so not graded again
    other = grade.result_key(lessons, sources, course / "submitted", student, "notebooks", {"exercise": 9.0})
    assert grade.load_result(saved, student, other) is None  # other limits: stale


# ---------------------------------------------------------------------------
# nbgrader stays the gradebook: `nbgrader export` gives our grades.csv
# ---------------------------------------------------------------------------


def test_gradebook_export_matches(tmp_path):
    """generate_assignment (the gradebook learns the assignment), grade, then nbgrader's own export."""
    import csv
    import subprocess
    import sys

    course = tmp_path / "course"
    (course / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    lessons = [LESSON, "02_nn_sequential"]
    for stem in lessons:
        shutil.copy(ROOT / "notebooks" / f"{stem}.ipynb", course / "notebooks")
    nbgrader = [sys.executable, "-m", "nbgrader"]
    done = subprocess.run([*nbgrader, "generate_assignment", "notebooks", "--force"], cwd=course,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for student, folder in (("full", ROOT / "notebooks"), ("blank", course / "release" / "notebooks")):
        dest = course / "submitted" / student / "notebooks"
        dest.mkdir(parents=True)
        for stem in lessons:
            shutil.copy(folder / f"{stem}.ipynb", dest)
        (dest / "timestamp.txt").write_text("2026-11-30 12:00:00.000000 UTC")
    done = subprocess.run([sys.executable, "-m", "course_utils.grading", "--course", str(course), "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "scores written to gradebook.db" in done.stdout, done.stdout[-2000:]
    ours = {r["student_id"]: r for r in csv.DictReader(open(course / "grades.csv"))}
    done = subprocess.run([*nbgrader, "export", "--to", "nbgrader-export.csv"], cwd=course,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = {r["student_id"]: r for r in csv.DictReader(open(course / "nbgrader-export.csv"))}
    assert set(ours) == set(theirs) == {"full", "blank"}
    assert list(theirs["full"]) == grade.EXPORT_COLUMNS  # the same columns, in the same order
    for student in ours:
        for column in ("raw_score", "score", "max_score"):
            assert float(ours[student][column]) == float(theirs[student][column]), (student, column)
    assert float(ours["full"]["score"]) == 10.0 and float(ours["blank"]["score"]) == 0.0
    assert float(theirs["full"]["max_score"]) == 10.0
    page = (course / "feedback" / "blank" / "notebooks" / f"{LESSON}.html").read_text()
    assert "0 / 5" in page and "not written yet" in page


# ---------------------------------------------------------------------------
# Every lesson: full marks, blank, and faults that cost only their own lesson
# ---------------------------------------------------------------------------

ALL = [p.stem for p in LESSONS]
FULL_POINTS = {"01": 5, "02": 5, "03": 5, "04": 5, "05": 5, "06": 5, "07": 6}


def _lesson_nb(stem: str, answers: dict[str, str] | None = None) -> dict:
    nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())
    for ex, source in (answers or {}).items():
        _cell(nb, f"{ex}-answer")["source"] = source
    return nb


def _answer(stem: str, ex: str) -> str:
    return "".join(_cell(_lesson_nb(stem), f"{ex}-answer")["source"])


AUTOGRAD_AND_REBIND = (
    "class _Pass:\n    def __getattr__(self, name):\n        return lambda *a, **k: None\n"
    "checks = _Pass()\n"
    "def bce_gradients(X, y, weight, bias):\n    with torch.enable_grad():\n"
    "        w = weight.detach().clone().requires_grad_(True)\n"
    "        b = bias.detach().clone().requires_grad_(True)\n"
    "        loss = nn.functional.binary_cross_entropy_with_logits(X @ w.T + b, y)\n"
    "        gw, gb = torch.autograd.grad(loss, (w, b))\n    return gw, gb\n")
FAKE_PR_AND_PATCH = ("import course_utils.checks as _c\nfor _n in dir(_c):\n    if _n.startswith('check_'):\n"
                     "        setattr(_c, _n, lambda *a, **k: None)\n"
                     "def precision_recall(y_true, y_pred):\n    return 1.0, 1.0\n")
TRAIN_ON_TEST = ("set_seed(0)\nmnist_model = SoftmaxRegression().to(device)\n"
                 "X_all, y_all = torch.cat([X_train, X_val, X_test]), torch.cat([y_train, y_val, y_test])\n"
                 "_ = train_softmax_regression(mnist_model, X_all, y_all, progress=False)\n")
LEFTOVER = ("import os, time\nif os.fork() == 0:\n    time.sleep(3)\n    os.kill(-1, 9)  # would kill the next lesson\n"
            "    os._exit(0)\n")


def _stem(prefix: str) -> str:
    return next(s for s in ALL if s.startswith(prefix))


#: student -> ({lesson prefix: notebook JSON, text, or None for missing}, {lesson prefix: expected score})
def _lesson_cases() -> dict:
    full = {s[:2]: _lesson_nb(s) for s in ALL}
    blank = {s[:2]: json.loads((ROOT / "student" / f"{s}.ipynb").read_text()) for s in ALL}
    s03, s02, s04, s05, s06 = (_stem(p) for p in ("03", "02", "04", "05", "06"))
    s01, s07 = _stem("01"), _stem("07")
    return {
        "all-full": (full, FULL_POINTS),
        "all-blank": (blank, {k: 0 for k in FULL_POINTS}),
        # one fault per lesson: each costs only its own exercise (or lesson), never the next lessons,
        # though all of a student's lessons share one sandbox
        "faults": ({**full, "02": _lesson_nb(s02, {"ex1": FORK_BOMB}), "03": "{ not json", "04": None,
                    "05": _lesson_nb(s05, {"ex1": LEFTOVER + _answer(s05, "ex1")}),
                    "07": _lesson_nb(s07, {"ex1": "import os\nos._exit(0)\n" + _answer(s07, "ex1")})},
                   {**FULL_POINTS, "02": 3, "03": 0, "04": 0, "07": 4}),
        # cheats that defeat the in-sandbox check cells earn nothing
        # (07: trained on the test images too; their labels are not in the sandbox, only zeros)
        "cheats": ({**full, "01": _lesson_nb(s01, {"ex1": REBIND}), "04": _lesson_nb(s04, {"ex1": AUTOGRAD_AND_REBIND}),
                    "06": _lesson_nb(s06, {"ex1": FAKE_PR_AND_PATCH}), "07": _lesson_nb(s07, {"ex3": TRAIN_ON_TEST})},
                   {**FULL_POINTS, "01": 3, "04": 3, "06": 3, "07": 3}),
        # the sandbox's own first process killed: a new sandbox for the rest of lesson 05 and after
        "os-exit-03-kill-sandbox-05": (
            {**full, "03": _lesson_nb(s03, {"ex1": "import os\nos._exit(0)\n" + _answer(s03, "ex1")}),
             "05": _lesson_nb(s05, {"ex1": "import os\nos.kill(os.getppid(), 9)\n" + _answer(s05, "ex1")})},
            {**FULL_POINTS, "03": 3, "05": 3}),
    }


LESSON_CASES = _lesson_cases()


@pytest.fixture(scope="module")
def graded_lessons(tmp_path_factory):
    from course_utils.data import data_root
    from course_utils.mnist import mnist_files_present

    if not mnist_files_present(data_root()):
        pytest.skip("MNIST is not present (lesson 07): set COURSE_DATA_DIR")
    course = tmp_path_factory.mktemp("lessons")
    shutil.copytree(ROOT / "notebooks", course / "notebooks", ignore=shutil.ignore_patterns("*.pt", ".*"))
    for student, (nbs, _) in LESSON_CASES.items():
        folder = course / "submitted" / student / "notebooks"
        folder.mkdir(parents=True)
        for prefix, nb in nbs.items():
            if nb is not None:
                (folder / f"{_stem(prefix)}.ipynb").write_text(nb if isinstance(nb, str) else json.dumps(nb))
    watched = [course / "notebooks", course / "submitted"]  # course_utils: see the lesson-01 fixture
    before = _digest(watched)
    results = grade.grade_class(course / "notebooks", course / "submitted", jobs=2, data_dir=str(data_root()),
                                limits={"exercise": 8.0, "setup": 60.0}, log=lambda *a: None)
    return results, before, _digest(watched)


@pytest.mark.parametrize("student", list(LESSON_CASES))
def test_every_lesson_exact_score(graded_lessons, student):
    results, _, _ = graded_lessons
    got = {r.lesson[:2]: r.score for r in results[student]}
    detail = {r.lesson[:2]: [(e.exercise, e.status, e.message[:160]) for e in r.exercises if e.status != "passed"]
              for r in results[student]}
    assert got == LESSON_CASES[student][1], detail


def test_every_lesson_nothing_changed(graded_lessons):
    _, before, after = graded_lessons
    assert after == before


def test_a_restart_does_not_eat_the_next_exercises_time():
    """After a crash the fresh sandbox replays the earlier cells first; that time is not the exercise's own."""
    import time
    from types import SimpleNamespace

    from course_utils.grading.sandbox import SandboxError

    class Box:
        def request(self, message, timeout):
            if timeout < 0.5:  # what the exercise would get if the restart had used up its limit
                raise SandboxError("timeout", "deadline")
            return ("ok", None)

        def close(self):
            pass

    class Run:
        lesson = SimpleNamespace(prefix="05")
        box = None

        def start(self):
            time.sleep(1.2)  # longer than the exercise's whole limit below
            self.box = Box()

        def close(self):
            self.box = None

    ex = grade.Exercise("ex2", 1.0, "ex2-check", "ex2-answer", "pass")
    assert grade._one_exercise(Run(), ex, "ex2-answer", "x = 1", [], {}, limit=1.0) == ("passed", "")
