"""Run the runner in a bubblewrap sandbox, as an unprivileged user, and talk to it with deadlines.

Why bubblewrap: it needs no daemon and no setup on the grading machine (one
Debian package), starts in milliseconds, and gives each submission its own
mount, PID, network, IPC and UTS namespaces. The sandbox's root is empty; only
the system directories, the Python installation, ``course_utils`` and the
MNIST data are mounted, read-only. The course folder, the gradebook, the
submissions and every other student's files do not exist inside. The runner
then drops to a per-slot uid with ``setpriv`` (no capabilities, no groups) and
sets its own resource limits (address space, processes, file size, CPU
seconds) before any learner code runs. There is no network device.

Time limits are enforced here, outside the sandbox: a reply that does not come
before its deadline kills the process (:class:`Sandbox`: the whole sandbox, its
PID namespace dies with it; :class:`Child`: the lesson's process and everything
else in the student's sandbox but its zygote).

:class:`Zygote` is the fast form used by the grader: one sandbox per student
that pays for importing torch once and forks a :class:`Child` per lesson.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import course_utils
from course_utils.grading import protocol

#: The first uid used for sandboxes; job slot k runs as BASE_UID + k (no such user needs to exist).
BASE_UID = 990_000


class SandboxError(RuntimeError):
    """The sandbox died or missed a deadline; ``kind`` is "timeout", "crash" or "protocol"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def available() -> str:
    """"" when sandboxes can start here, else what is missing and how to fix it."""
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed: `apt-get install -y bubblewrap` (Debian/Ubuntu)."
    if shutil.which("setpriv") is None:
        return "setpriv is missing: `apt-get install -y util-linux`."
    if os.geteuid() != 0:
        return "grading needs root (to run each submission as its own unprivileged uid); run it with sudo."
    return ""


def _system_binds() -> list[str]:
    args: list[str] = []
    for name in ("usr", "etc", "lib", "lib32", "lib64", "libx32", "bin", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _bind(path: Path, made: set[str], writable: bool = False) -> list[str]:
    """Mount ``path`` at the same place, creating its parents world-readable (bwrap's default is 0700)."""
    args: list[str] = []
    for parent in reversed(path.parents):
        if str(parent) != "/" and str(parent) not in made and not str(parent).startswith(("/usr", "/etc")):
            args += ["--perms", "0755", "--dir", str(parent)]
            made.add(str(parent))
    made.add(str(path))
    return args + ["--bind" if writable else "--ro-bind", str(path), str(path)]


def command(scratch: Path, uid: int, data_dir: str | None = None, entry: str = "serve") -> list[str]:
    """The bwrap + setpriv command line that starts the runner with ``scratch`` as its home."""
    made: set[str] = set()
    package = Path(course_utils.__file__).resolve().parent
    prefixes = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox", *_system_binds(),
            "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp"]
    for prefix in sorted(prefixes):
        args += _bind(prefix, made)
    args += _bind(package, made)
    if data_dir and Path(data_dir).is_dir():
        args += _bind(Path(data_dir).resolve(), made)
    args += _bind(scratch, made, writable=True)
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(scratch), "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": str(scratch / ".mpl"), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0",
           "PYTHONPATH": str(package.parent)}
    if data_dir:
        env["COURSE_DATA_DIR"] = str(Path(data_dir).resolve())
    for key in ("GRADER_AS_BYTES", "GRADER_NPROC", "GRADER_FSIZE_BYTES", "GRADER_CPU_S", "GRADER_LESSONS"):
        if key in os.environ:
            env[key] = os.environ[key]
    args += ["--clearenv", *[x for k, v in env.items() for x in ("--setenv", k, v)], "--chdir", str(scratch)]
    args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
             "--bounding-set=-all", "--no-new-privs", sys.executable, "-I", "-c",
             "import sys; sys.path.insert(0, %r); from course_utils.grading.runner import %s; %s()"
             % (str(package.parent), entry, entry)]
    return args


class Sandbox:
    """One runner in its own sandbox; :meth:`request` sends a request and waits for the reply."""

    def __init__(self, slot: int = 0, data_dir: str | None = None, start_timeout: float = 60.0) -> None:
        self.uid = BASE_UID + slot
        self.scratch = Path(tempfile.mkdtemp(prefix=f"grading-{slot}-"))
        os.chown(self.scratch, self.uid, self.uid)
        os.chmod(self.scratch, 0o700)
        self.proc = subprocess.Popen(command(self.scratch, self.uid, data_dir), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
        self._out = self.proc.stdout.fileno()
        self._in = self.proc.stdin.fileno()
        reply = self._read(start_timeout)
        if reply != ("ready",):
            self.close()
            raise SandboxError("protocol", f"the sandbox did not start: {reply!r}")

    def _read_exact(self, n: int, deadline: float) -> bytes:
        chunks, left = [], n
        while left:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._out], [], [], remaining)[0]:
                raise SandboxError("timeout", "no answer before the time limit")
            chunk = os.read(self._out, min(left, 1 << 20))
            if not chunk:
                raise SandboxError("crash", self._ended())
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _ended(self) -> str:
        code = self.proc.poll()
        return f"the process ended (exit status {code})" if code is not None else "the process closed its channel"

    def _read(self, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        (n,) = struct.unpack(">Q", self._read_exact(8, deadline))
        if n > protocol.MAX_FRAME:
            raise SandboxError("protocol", f"a reply of {n} bytes is over the limit")
        data = self._read_exact(n, deadline)
        try:
            reply = protocol.decode_frame(data, trusted_sender=False)
        except Exception as err:  # noqa: BLE001 - anything unloadable is a protocol failure
            raise SandboxError("protocol", f"an unreadable reply ({type(err).__name__})") from None
        if not isinstance(reply, tuple) or not reply or not isinstance(reply[0], str):
            raise SandboxError("protocol", "a malformed reply")
        return reply

    def request(self, message: tuple, timeout: float) -> tuple:
        """Send ``message``; the reply, or :class:`SandboxError` (the sandbox is then killed)."""
        try:
            protocol.write_frame(self._in, message)
            return self._read(timeout)
        except (BrokenPipeError, OSError) as err:
            self.close()
            raise SandboxError("crash", f"the process ended ({type(err).__name__})") from None
        except SandboxError:
            self.close()
            raise

    def output_tail(self, n: int = 2000) -> str:
        try:
            with open(self.scratch / "output.log", "rb") as fh:
                fh.seek(0, 2)
                fh.seek(max(0, fh.tell() - n))
                return fh.read().decode(errors="replace")
        except OSError:
            return ""

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Zygote:
    """A pre-warmed sandbox for one student: it imports torch and course_utils once and forks one
    :class:`Child` per lesson (or per restart after a timeout or crash).

    All of a student's lessons share this sandbox, never two students: a lesson can at worst harm the
    later lessons of the same submission (and the zygote kills every process a lesson left behind).
    """

    def __init__(self, slot: int = 0, data_dir: str | None = None, start_timeout: float = 90.0,
                 lessons: list[str] | None = None) -> None:
        """``lessons``: the two-digit prefixes to be graded (what to import and read beforehand); default all."""
        self.uid = BASE_UID + slot
        self.scratch = Path(tempfile.mkdtemp(prefix=f"grading-{slot}-"))
        os.chown(self.scratch, self.uid, self.uid)
        os.chmod(self.scratch, 0o700)
        self.ctrl, theirs = socket.socketpair()
        cmd = command(self.scratch, self.uid, data_dir, entry="zygote")
        if lessons is not None:
            at = cmd.index("--clearenv") + 1
            cmd[at:at] = ["--setenv", "GRADER_LESSONS", ",".join(lessons)]
        self.proc = subprocess.Popen(cmd, stdin=theirs,
                                     stdout=theirs, stderr=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.children = 0
        if self._line(start_timeout) != b"ready":
            self.close()
            raise SandboxError("protocol", "the sandbox did not start")

    def _line(self, timeout: float) -> bytes:
        deadline, data = time.monotonic() + timeout, b""
        while not data.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.ctrl], [], [], remaining)[0]:
                raise SandboxError("timeout", "the sandbox's control process did not answer")
            chunk = self.ctrl.recv(64)
            if not chunk or len(data) > 64:
                raise SandboxError("crash", "the sandbox's control process ended")
            data += chunk
        return data.strip()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def child(self, timeout: float = 30.0) -> "Child":
        """A fresh forked runner for one lesson (:meth:`Child.request` as :meth:`Sandbox.request`)."""
        to_child, from_trusted = os.pipe()
        from_child, to_trusted = os.pipe()
        self.children += 1
        log = f"output-{self.children}.log"
        try:
            socket.send_fds(self.ctrl, [b"fork " + log.encode()], [to_child, to_trusted])
            self._line(timeout)
        except (SandboxError, OSError) as err:
            for fd in (to_child, from_trusted, from_child, to_trusted):
                os.close(fd)
            self.close()
            raise SandboxError("crash", f"the sandbox could not start a lesson: {err}") from None
        os.close(to_child)
        os.close(to_trusted)
        return Child(self, from_trusted, from_child, self.scratch / log, timeout)

    def reap(self) -> None:
        """Kill every process of the sandbox but the zygote; close the zygote if it does not answer."""
        try:
            self.ctrl.sendall(b"reap")
            if self._line(10.0) != b"reaped":
                raise SandboxError("protocol", "unexpected answer")
        except (SandboxError, OSError):
            self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.ctrl.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Child(Sandbox):
    """One lesson's runner, forked by a :class:`Zygote`; a timeout or crash kills it (and what it started)."""

    def __init__(self, zygote: Zygote, fd_in: int, fd_out: int, log: Path, start_timeout: float) -> None:
        self.zygote, self._in, self._out, self.log = zygote, fd_in, fd_out, log
        self.closed = False
        try:
            reply = self._read(start_timeout)
        except SandboxError:
            self.close()
            raise
        if reply != ("ready",):
            self.close()
            raise SandboxError("protocol", f"the lesson's process did not start: {reply!r}")

    def _ended(self) -> str:
        return "the process ended" if self.zygote.alive else "the sandbox ended"

    def output_tail(self, n: int = 2000) -> str:
        try:
            with open(self.log, "rb") as fh:
                fh.seek(0, 2)
                fh.seek(max(0, fh.tell() - n))
                return fh.read().decode(errors="replace")
        except OSError:
            return ""

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.zygote.alive:
            self.zygote.reap()
