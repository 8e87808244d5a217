"""The trusted grader's own robustness, without sandboxes (fast): isolation, escaping, replays, the reply format.

- A grader error while handling one student costs that student only; a console that cannot print a
  lone surrogate never stops the run (the log line is escaped).
- Replaying the earlier cells after a restart shares one deadline (the setup limit), not one per cell.
- The reply decoder refuses, before reading them, sizes over the limits, and nesting beyond its depth.
- Lesson 07 without MNIST stops the run before anyone is graded.
"""

from __future__ import annotations

import io
import struct
import time
from pathlib import Path

import pytest
import torch

from course_utils.grading import grade, protocol
from course_utils.grading.sandbox import SandboxError

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "02_nn_sequential.ipynb"


def test_one_students_grader_error_costs_that_student_only(tmp_path, monkeypatch):
    source = tmp_path / "notebooks"
    source.mkdir()
    (source / LESSON.name).write_bytes(LESSON.read_bytes())
    for s in ("alice", "bob\u00e9", "zoe"):
        (tmp_path / "submitted" / s / "notebooks").mkdir(parents=True)
    lesson = grade.load_lesson(LESSON)

    def fake_grade_lesson(student, lesson, path, slot, data_dir, limits, sandbox):
        if student == "bob\u00e9":
            raise ValueError("a grader bug \ud800 \x1b[2J")
        res = grade.LessonResult(student, lesson.stem, note="odd \ud800 note \x1b[31m")
        res.exercises = [grade.ExerciseResult(e.name, e.points, e.points, "passed") for e in lesson.exercises]
        return res

    monkeypatch.setattr(grade, "grade_lesson", fake_grade_lesson)
    console = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")  # a lone surrogate would raise
    results = grade.grade_class(source, tmp_path / "submitted", jobs=2, check=False,
                                log=lambda line: print(line, file=console))
    assert [r.score for r in results["alice"]] == [lesson.max_score] == [r.score for r in results["zoe"]]
    (bob,) = results["bob\u00e9"]
    assert bob.score == 0 and {e.status for e in bob.exercises} == {"crashed"}
    assert all("grader error" in e.message for e in bob.exercises)
    console.flush()
    logged = console.buffer.getvalue().decode("utf-8")
    assert "\\ud800" in logged and "\x1b" not in logged and logged.count("\n") == 3


def test_replays_share_one_deadline():
    """Three earlier cells of 0.4 s each, replayed under a 1 s setup limit: the replay times out (each cell
    alone would fit in 1 s, which the old per-cell limit allowed: 1.2 s in all)."""

    class Box:
        def request(self, message, timeout):
            if timeout < 0.4:
                time.sleep(max(timeout, 0))
                raise SandboxError("timeout", "no answer before the time limit")
            time.sleep(0.4)
            return ("ok",)

        def close(self):
            pass

    class Sandbox:
        def child(self):
            return Box()

    lesson = grade.load_lesson(LESSON)
    run = grade._Run(lesson, Sandbox(), {"setup": 1.0, "exercise": 5.0})
    run.replay = [("setup cell", "x = 1"), ("ex1-answer", "y = 2"), ("ex2-answer", "z = 3")]
    started = time.monotonic()
    with pytest.raises(SandboxError, match="replaying the earlier cells took longer than the 1 s allowed"):
        run.start()
    assert time.monotonic() - started < 1.5
    run.replay = run.replay[:2]  # 0.8 s: fits
    run.start()


def _frame(header: bytes, blobs: bytes = b"") -> bytes:
    return struct.pack(">Q", len(header)) + header + blobs


def test_reply_format_round_trip_and_limits():
    value = ("ok", protocol.encode({"a": [1.5, float("nan"), (2, "\ud800")], "t": torch.arange(6.0).reshape(2, 3)}))
    back = protocol.decode_reply(protocol.pack_reply(value))
    assert back[0] == "ok" and back[1][0] == "dict"
    assert torch.equal(dict((k[1], v) for k, v in back[1][1])["t"][1], torch.arange(6.0).reshape(2, 3))
    bad = {
        "header over the limit": struct.pack(">Q", protocol.MAX_HEADER + 1),
        "8 GiB tensor": _frame(b'{"v": {"T": ["ok"]}, "t": [["float32", [2147483648], 8589934592]]}'),
        "size not matching shape": _frame(b'{"v": {"t": 0}, "t": [["float32", [3], 4]]}', b"\0" * 4),
        "unknown dtype": _frame(b'{"v": {"t": 0}, "t": [["object", [1], 8]]}', b"\0" * 8),
        "deep nesting": _frame(b'{"v": ' + b"[" * 100 + b"]" * 100 + b', "t": []}'),
        "pickle": _frame(b"\x80\x04\x95" + b"N0" * 1000),
        "bad tensor slot": _frame(b'{"v": {"t": 5}, "t": []}'),
        "trailing bytes": _frame(b'{"v": 1, "t": []}', b"xx"),
    }
    for why, data in bad.items():
        started = time.monotonic()
        with pytest.raises(protocol.ProtocolError):
            protocol.decode_reply(data)
        assert time.monotonic() - started < 1.0, why
    many = _frame(b'{"v": [' + b",".join([b"1"] * (protocol.MAX_NODES + 1)) + b'], "t": []}')
    with pytest.raises(protocol.ProtocolError, match="too many"):
        protocol.decode_reply(many)


def test_lesson_07_without_mnist_stops_the_run(tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    stem = next(p for p in (ROOT / "notebooks").glob("07_*.ipynb"))
    (source / stem.name).write_bytes(stem.read_bytes())
    (tmp_path / "submitted" / "alice" / "notebooks").mkdir(parents=True)
    for data_dir in (None, str(tmp_path)):
        with pytest.raises(grade.EnvironmentFailure, match="COURSE_DATA_DIR"):
            grade.grade_class(source, tmp_path / "submitted", data_dir=data_dir, log=lambda *a: None)


def test_clean_escapes_what_a_terminal_or_page_would_obey():
    assert grade.clean("a\x1b[2Jb\u202ec\ud800\n## x") == "a\\x1b[2Jb\\u202ec\\ud800\\n## x"
    assert grade.clean("line 1\nline 2", newlines=True) == "line 1\nline 2"
    assert grade.clean("é ✓ 数") == "é ✓ 数"
    assert len(grade.clean("x" * 10_000, 100)) <= 104


ADD_KEY = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
serial = libc.syscall(248, b"user", b"left-by-the-last-student", b"secret", 6, -4)  # add_key to the user keyring
assert serial > 0, os.strerror(ctypes.get_errno())
"""
USER_KEYRING_SIZE = """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(4096)
KEYRING_BYTES = libc.syscall(250, 11, -4, buf, 4096)  # keyctl(KEYCTL_READ, user keyring): 4 bytes per key
"""


@pytest.mark.skipif(__import__("os").geteuid() != 0 or __import__("os").uname().machine != "x86_64",
                    reason="root mode on x86_64")
def test_root_mode_runs_have_their_own_uids_and_no_keys_carry_over():
    import subprocess
    import sys

    from course_utils.grading import sandbox

    mine = sandbox.slot_uid(0)
    code = "from course_utils.grading import sandbox; print(sandbox.slot_uid(0))"
    other = subprocess.run([sys.executable, "-c", code],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr
    assert int(other.stdout) != mine and abs(int(other.stdout) - mine) >= sandbox.UIDS_PER_RUN
    for code in (ADD_KEY, USER_KEYRING_SIZE):  # one student leaves a key; the next one in that slot sees none
        with sandbox.Zygote(slot=7, lessons=[]) as zygote:
            child = zygote.child()
            reply = child.request(("exec", "keys", code), 60.0)
            assert reply[0] == "ok", reply
            if code is USER_KEYRING_SIZE:
                size = child.request(("get", "KEYRING_BYTES"), 60.0)
                assert size[1] == ("v", 0), size
            child.close()
