"""Run the runner in a bubblewrap sandbox, unprivileged, and talk to it with deadlines.

Why bubblewrap: it needs no daemon and no setup on the grading machine (one
Debian package), starts in milliseconds, and gives each submission its own
mount, PID, network, IPC and UTS namespaces. The sandbox's root is empty; only
the system directories, the Python installation, ``course_utils`` and the
MNIST data are mounted, read-only; its home, ``/tmp`` and ``/dev/shm`` are
small tmpfs of its own (:data:`SCRATCH_BYTES`, :data:`TMP_BYTES`). The course
folder, the gradebook, the submissions and every other student's files do not
exist inside. There is no network device. The runner sets its own resource
limits (address space, processes, file size, CPU seconds) before any learner
code runs.

Two modes (:func:`rootless`):

- **root**: each job slot runs as its own uid from a block reserved for this
  run (:func:`slot_uid`; a lock in ``/run/course-grading`` keeps two runs apart),
  dropped to with ``setpriv`` (no capabilities, no groups, no new privileges);
- **rootless** (an ordinary user): ``bwrap --unshare-user`` puts each sandbox
  in a user namespace of its own (no setuid helper; bwrap drops every
  capability), so processes, keyrings and the process limit are counted per
  sandbox; ``--disable-userns`` stops nesting.

Time limits are enforced here, outside the sandbox: a reply that does not come
before its deadline kills the lesson's process and everything else in the
student's sandbox but its zygote (:class:`Child`).

:class:`Zygote`: one sandbox per student that pays for importing torch once
and forks a :class:`Child` per lesson.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import stat
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
    """The sandbox died or missed a deadline; ``kind`` is "timeout", "crash", "protocol", or "environment"
    (the sandbox cannot start at all: not the submission's doing, the run must stop)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def rootless() -> bool:
    """True when grading runs as an ordinary user (user namespaces); False as root (a uid per sandbox)."""
    return os.geteuid() != 0


def available() -> str:
    """"" when sandboxes can start here, else what is missing and how to fix it."""
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed: `apt-get install -y bubblewrap` (Debian/Ubuntu)."
    if not rootless():
        if shutil.which("setpriv") is None:
            return "setpriv is missing: `apt-get install -y util-linux`."
        return ""
    probe = subprocess.run(["bwrap", "--unshare-user", "--unshare-net", "--ro-bind", "/", "/", "true"],
                           capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        why = probe.stderr.strip().splitlines()[-1][:300] if probe.stderr.strip() else f"exit {probe.returncode}"
        return ("bubblewrap cannot create an unprivileged user namespace here (" + why + "). Fix: enable them "
                "(`sysctl -w kernel.unprivileged_userns_clone=1` on Debian, `sysctl -w user.max_user_namespaces="
                "15000` where it is 0, or `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` on Ubuntu "
                "24.04), or grade as root (sudo), which runs each submission as its own uid instead.")
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


def _bind(path: Path, made: set[str], writable: bool = False, source: Path | None = None) -> list[str]:
    """Mount ``path`` (or ``source`` there) at the same place, creating its parents world-readable (bwrap's
    default is 0700)."""
    args: list[str] = []
    for parent in reversed(path.parents):
        if str(parent) != "/" and str(parent) not in made and not str(parent).startswith(("/usr", "/etc")):
            args += ["--perms", "0755", "--dir", str(parent)]
            made.add(str(parent))
    made.add(str(path))
    return args + ["--bind" if writable else "--ro-bind", str(source or path), str(path)]


#: Sizes of the sandbox's writable folders (tmpfs, in memory): its home, /tmp and /dev/shm.
SCRATCH_BYTES = 256 * 2**20
TMP_BYTES = 64 * 2**20
#: The sandbox's home (a tmpfs of :data:`SCRATCH_BYTES` inside; nothing of it exists outside).
HOME = "/home/sandbox"


def command(uid: int | None, data_dir: str | None = None, entry: str = "serve") -> list[str]:
    """The bwrap command line that starts the runner; ``uid`` None: rootless (a user namespace, no setpriv)."""
    made: set[str] = set()
    package = Path(course_utils.__file__).resolve().parent
    prefixes = {Path(sys.base_prefix).resolve(), Path(sys.prefix)}
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--hostname", "sandbox", *_system_binds(),
            "--dev", "/dev", "--proc", "/proc",
            "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
            "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/dev/shm"]
    if uid is None:
        args[1:1] = ["--unshare-user", "--disable-userns"]
    for prefix in sorted(prefixes):
        args += _bind(prefix, made)
    args += _bind(package, made)
    if data_dir and Path(data_dir).is_dir():
        args += _data_binds(Path(data_dir).resolve(), made)
    args += ["--perms", "0755", "--dir", "/home", "--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", HOME]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": HOME, "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": HOME + "/.mpl", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1", "PYTHONHASHSEED": "0",
           "PYTHONPATH": str(package.parent), "TMPDIR": "/tmp"}
    if data_dir:
        env["COURSE_DATA_DIR"] = str(Path(data_dir).resolve())
        env["GRADER_FAKE_LABELS"] = str(Path(data_dir).resolve() / "MNIST" / "raw" / MNIST_HIDDEN)
    for key in ("GRADER_AS_BYTES", "GRADER_NPROC", "GRADER_FSIZE_BYTES", "GRADER_CPU_S", "GRADER_LESSONS"):
        if key in os.environ:
            env[key] = os.environ[key]
    args += ["--clearenv", *[x for k, v in env.items() for x in ("--setenv", k, v)], "--chdir", HOME]
    if uid is not None:
        args += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", "--no-new-privs"]
    args += [sys.executable, "-I", "-c",
             "import sys; sys.path.insert(0, %r); from course_utils.grading.runner import %s; %s()"
             % (str(package.parent), entry, entry)]
    return args


#: The MNIST files a sandbox sees as they are; the test labels are replaced (:func:`_data_binds`).
MNIST_SHOWN = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte")
MNIST_HIDDEN = "t10k-labels-idx1-ubyte"
_FAKE_LABELS: Path | None = None


def fake_test_labels() -> Path:
    """An idx file shaped like MNIST's 10,000 test labels, all 0 (world-readable; one per grading run)."""
    global _FAKE_LABELS
    if _FAKE_LABELS is None or not _FAKE_LABELS.exists():
        fd, name = tempfile.mkstemp(prefix="grading-fake-test-labels-")
        os.write(fd, struct.pack(">II", 2049, 10_000) + bytes(10_000))
        os.close(fd)
        os.chmod(name, 0o644)
        _FAKE_LABELS = Path(name)
    return _FAKE_LABELS


def _data_binds(data_dir: Path, made: set[str]) -> list[str]:
    """Only the data the lessons need: MNIST's images and training labels; the test labels are all 0 inside
    (lesson 07's test-set check runs in the trusted process, on the real labels), so a submission cannot
    train on them. Any other data folder is mounted whole."""
    raw = data_dir / "MNIST" / "raw"
    if not raw.is_dir():
        return _bind(data_dir, made)
    args: list[str] = []
    for name in MNIST_SHOWN:
        for candidate in (raw / name, raw / f"{name}.gz"):
            if candidate.is_file():
                args += _bind(candidate, made, source=candidate.resolve())
                break
    return args + _bind(raw / MNIST_HIDDEN, made, source=fake_test_labels())


def _uid_block() -> int:
    """Root mode: a block of uids of its own for this grading run (two runs at once never share a uid)."""
    global _UID_LOCK
    if _UID_LOCK is not None:
        return _UID_LOCK[1]
    import fcntl

    folder = Path("/run/course-grading")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError as err:
        raise SandboxError("environment", f"cannot create {folder} (the locks of the uid blocks): {err}") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise SandboxError("environment", f"{folder} must be a folder owned by root and writable only by root")
    for block in range(1000):
        fd = os.open(folder / f"uids-{block}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _UID_LOCK = (fd, BASE_UID + block * UIDS_PER_RUN)
        return _UID_LOCK[1]
    raise SandboxError("environment", "no free block of sandbox uids (1000 grading runs at once?)")


_UID_LOCK: tuple[int, int] | None = None
#: uids of one run's block (each slot has its own uid; a run has at most this many slots).
UIDS_PER_RUN = 1000


def slot_uid(slot: int) -> int | None:
    """The uid of job slot ``slot`` in root mode (this run's own block); None in rootless mode."""
    if rootless():
        return None
    if not 0 <= slot < UIDS_PER_RUN:
        raise ValueError(f"slot {slot} out of range")
    return _uid_block() + slot


def _start(cmd: list[str], stdin: Any, stdout: Any) -> tuple[subprocess.Popen, Any]:
    """Start bwrap with its own stderr kept in a temporary file (bwrap's own error, if it cannot start)."""
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=err, start_new_session=True)
    return proc, err


def _stderr_tail(err: Any, n: int = 600) -> str:
    try:
        err.seek(0, 2)
        err.seek(max(0, err.tell() - n))
        return err.read().decode(errors="replace").strip()
    except (OSError, ValueError):
        return ""


class _Channel:
    """Reading replies with a deadline; every size is checked before it is read (see :mod:`protocol`)."""

    _in: int
    _out: int

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
        return "the process closed its channel"

    def _read(self, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        (n,) = struct.unpack(">Q", self._read_exact(8, deadline))
        if n > protocol.MAX_HEADER:
            raise SandboxError("protocol", f"a reply header of {n} bytes is over the limit")
        try:
            value, table = protocol.parse_header(self._read_exact(n, deadline))
            blobs = [self._read_exact(nbytes, deadline) for _, _, nbytes in table]
            if time.monotonic() > deadline:
                raise SandboxError("timeout", "no answer before the time limit")
            reply = protocol.build_reply(value, table, blobs)
        except protocol.ProtocolError as err:
            raise SandboxError("protocol", f"an unreadable reply: {err}") from None
        if not isinstance(reply, tuple) or not reply or not isinstance(reply[0], str):
            raise SandboxError("protocol", "a malformed reply")
        return reply

    def request(self, message: tuple, timeout: float) -> tuple:
        """Send ``message``; the reply, or :class:`SandboxError` (the process is then killed)."""
        try:
            protocol.write_frame(self._in, message)
            return self._read(timeout)
        except (BrokenPipeError, OSError) as err:
            self.close()
            raise SandboxError("crash", f"the process ended ({type(err).__name__})") from None
        except SandboxError:
            self.close()
            raise

    def close(self) -> None:
        raise NotImplementedError


class Zygote:
    """A pre-warmed sandbox for one student: it imports torch and course_utils once and forks one
    :class:`Child` per lesson (or per restart after a timeout or crash).

    All of a student's lessons share this sandbox, never two students: a lesson can at worst harm the
    later lessons of the same submission (and the zygote kills every process a lesson left behind).
    A zygote that does not start is an ``environment`` failure: no learner code has run yet.
    """

    def __init__(self, slot: int = 0, data_dir: str | None = None, start_timeout: float = 90.0,
                 lessons: list[str] | None = None) -> None:
        """``lessons``: the two-digit prefixes to be graded (what to import and read beforehand); default all."""
        self.uid = slot_uid(slot)
        self.ctrl, theirs = socket.socketpair()
        cmd = command(self.uid, data_dir, entry="zygote")
        if lessons is not None:
            at = cmd.index("--clearenv") + 1
            cmd[at:at] = ["--setenv", "GRADER_LESSONS", ",".join(lessons)]
        self.proc, self._err = _start(cmd, theirs, theirs)
        theirs.close()
        self.children = 0
        try:
            ready = self._line(start_timeout)
        except SandboxError as err:
            ready = str(err).encode()
        if ready != b"ready":
            why = _stderr_tail(self._err) or ready.decode(errors="replace")
            self.close()
            raise SandboxError("environment", f"the sandbox did not start: {why}")

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
        """A fresh forked runner for one lesson (:meth:`Child.request` sends a request, waits for the reply)."""
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
        return Child(self, from_trusted, from_child, timeout)

    def ping(self) -> bool:
        """True when the zygote still answers (a lesson may have killed it: then the sandbox is ending)."""
        try:
            self.ctrl.sendall(b"ping")
            return self._line(10.0) == b"pong"
        except (SandboxError, OSError):
            return False

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
        self._err.close()

    def __enter__(self) -> "Zygote":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class Child(_Channel):
    """One lesson's runner, forked by a :class:`Zygote`; a timeout or crash kills it (and what it started)."""

    def __init__(self, zygote: Zygote, fd_in: int, fd_out: int, start_timeout: float) -> None:
        self.zygote, self._in, self._out = zygote, fd_in, fd_out
        self.closed = False
        try:
            reply = self._read(start_timeout)
        except SandboxError:
            self.close()
            raise
        if reply != ("ready",):
            self.close()
            raise SandboxError("protocol", f"the lesson's process did not start: {str(reply)[:200]}")

    def _ended(self) -> str:
        return "the process ended" if self.zygote.alive else "the sandbox ended"

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
