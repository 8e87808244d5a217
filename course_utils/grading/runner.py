"""The sandboxed side: runs one submitted lesson's cells and answers the grader's requests.

Started by :mod:`course_utils.grading.sandbox` as ``python -m course_utils.grading.runner``
inside the sandbox. Nothing here is trusted by the grader: a submission runs in
this process and may change anything in it. The grader only believes values it
can check (it compares them with its own reference), and it enforces the time
limits from outside.

Channel: the process's stdin/stdout at start (moved to private descriptors; the
cells' own prints and errors go to /dev/null). Replies use the bounded format of
:mod:`course_utils.grading.protocol` (no pickle).

:func:`zygote` is the pre-warmed form (one per student): it imports torch,
course_utils and the data once, then forks one child per lesson on request;
each child serves one lesson (:func:`serve`) on the two pipe ends that the
trusted side passed over the control socket. After a child ends, the zygote
kills every process left in the sandbox (``kill(-1)``), so a fork bomb or a
background process in one lesson does not reach the next.
"""

from __future__ import annotations

import os
import resource
import sys
import time
import traceback

LIMITS = {  # (soft, hard); the grader may lower them through the environment
    resource.RLIMIT_AS: int(os.environ.get("GRADER_AS_BYTES", 12 * 2**30)),
    resource.RLIMIT_NPROC: int(os.environ.get("GRADER_NPROC", 64)),
    resource.RLIMIT_FSIZE: int(os.environ.get("GRADER_FSIZE_BYTES", 256 * 2**20)),
    resource.RLIMIT_CPU: int(os.environ.get("GRADER_CPU_S", 900)),
    resource.RLIMIT_CORE: 0,
    resource.RLIMIT_NOFILE: 256,
}


def _limit() -> None:
    for what, value in LIMITS.items():
        resource.setrlimit(what, (value, value))


def _channel() -> tuple[int, int]:
    """Private descriptors for the channel; fd 0 reads nothing, fds 1 and 2 write nowhere (/dev/null)."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    _redirect()
    return fd_in, fd_out


def _redirect(log: str = "") -> None:
    """fd 0 reads nothing, fds 1 and 2 go to /dev/null: nobody reads the cells' output, and a flood of it
    then costs only CPU time, never the sandbox's disk."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def _error(err: BaseException) -> tuple:
    try:
        tb = "".join(traceback.format_exception(type(err), err, err.__traceback__, limit=-3))
        text = str(err)[:2000]
        name = type(err).__name__
    except BaseException:  # noqa: BLE001 - a learner's exception whose __str__ raises
        tb, text, name = "", "<the error could not be printed>", "Exception"
    return ("error", str(name)[:200], str(text), str(tb)[-3000:])


def _resolve(namespace: dict, target: str):
    head, *rest = target.split(".")
    if head not in namespace:
        raise NameError(f"name {head!r} is not defined")
    obj = namespace[head]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def _warm() -> None:
    """Import what the lessons use, and read MNIST once (the forked lessons share it)."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import torch

    torch.set_num_threads(1)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    import course_utils  # noqa: F401
    import course_utils.checks  # noqa: F401
    import course_utils.grading.protocol  # noqa: F401
    lessons = os.environ.get("GRADER_LESSONS", "01,02,03,04,05,06,07").split(",")  # the ones to be graded
    names = ["course_utils.synthetic", "course_utils.training", "course_utils.models"]
    names += ["course_utils.tabular", "sklearn.datasets"] if "06" in lessons else []
    names += ["course_utils.mnist"] if "07" in lessons else []
    for name in names:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a lesson that needs it reports the error itself
            pass
    if os.environ.get("COURSE_DATA_DIR") and "07" in lessons:
        try:
            fake = os.environ.get("GRADER_FAKE_LABELS", "")
            if fake and os.path.isfile(fake):  # the test labels the grader put here (all 0): accept them
                import course_utils.mnist.files as mf

                info = os.stat(fake)
                mf._VERIFIED[(os.path.realpath(fake), info.st_size, info.st_mtime_ns)] = True
            import course_utils.mnist.tensors as mt

            cache = {flag: mt.load_mnist(train=flag) for flag in (True, False)}
            original = mt.load_mnist

            def load_mnist(train=True, transform=None, root=None, download=True):
                if transform is None and root is None:  # what mnist_splits and mnist_tensors ask for
                    return cache[bool(train)]
                return original(train, transform, root, download)

            mt.load_mnist = load_mnist
        except Exception:  # noqa: BLE001 - lesson 07 then reads the files itself
            pass


def _clear_keyrings() -> None:
    """Root mode reuses a slot's uid for the next student: empty its kernel keyrings before learner code runs."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        for ring in (-4, -5):  # KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING
            libc.syscall(250 if os.uname().machine == "x86_64" else 219, 7, ring)  # keyctl(KEYCTL_CLEAR, ring)
    except Exception:  # noqa: BLE001 - no keyrings: nothing to clear
        pass


def zygote() -> None:
    """The pre-warmed sandbox process: fork one :func:`serve` child per request on the control socket."""
    import signal
    import socket

    _limit()
    _clear_keyrings()
    ctrl_fd, _ = _channel()
    ctrl = socket.socket(fileno=ctrl_fd)
    _warm()
    try:  # no ptrace of, nor /proc/<pid>/mem writes into, this process by its children
        import ctypes

        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    except Exception:  # noqa: BLE001
        pass
    ctrl.sendall(b"ready\n")
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(ctrl, 64, 2)
        except OSError:
            msg, fds = b"", []
        if not msg:
            os._exit(0)
        command = msg.split()
        if command[0] == b"fork" and len(fds) == 2:
            pid = os.fork()
            if pid == 0:
                ctrl.close()
                os.setsid()
                serve(fds[0], fds[1], command[1].decode() if len(command) > 1 else "output.log")
                os._exit(0)
            for fd in fds:
                os.close(fd)
            ctrl.sendall(b"%d\n" % pid)
        elif command[0] == b"ping":
            for fd in fds:
                os.close(fd)
            ctrl.sendall(b"pong\n")
        elif command[0] == b"reap":
            for _ in range(100):  # every process of this sandbox but this one (and bwrap, pid 1, root)
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:  # none left
                    break
                try:
                    while os.waitpid(-1, os.WNOHANG)[0] > 0:
                        pass
                except ChildProcessError:
                    pass
                time.sleep(0.01)
            ctrl.sendall(b"reaped\n")
        else:
            for fd in fds:
                os.close(fd)
            ctrl.sendall(b"?\n")


def serve(fd_in: int | None = None, fd_out: int | None = None, log: str = "output.log") -> None:
    if fd_in is None:
        _limit()
        fd_in, fd_out = _channel()
        _warm()
    else:
        _redirect(log)
    import torch  # noqa: F401 - imported before any learner code runs

    from course_utils.grading.protocol import _write_all as write_all
    from course_utils.grading.protocol import encode, pack_reply, read_frame, write_reply

    namespace: dict = {"__name__": "__main__"}
    pid = os.getpid()
    write_reply(fd_out, ("ready",))
    while True:
        request = read_frame(fd_in, trusted_sender=True)
        op = request[0]
        try:
            if op == "bye":
                write_reply(fd_out, ("ok",))
                return
            if op == "exec":
                _, label, source = request
                exec(compile(source, f"<{label}>", "exec"), namespace)  # noqa: S102 - the sandbox's purpose
                reply = ("ok",)
            elif op == "get":
                _, name = request
                reply = ("ok", encode(_resolve(namespace, name))) if name.split(".")[0] in namespace else ("missing",)
            elif op == "call":
                _, target, args, kwargs, grad_index, store = request
                fn = _resolve(namespace, target)
                args = list(args)
                if grad_index is not None:
                    args[grad_index] = args[grad_index].detach().clone().requires_grad_(True)
                out = fn(*args, **kwargs)
                grad = None
                if grad_index is not None and isinstance(out, torch.Tensor) and out.requires_grad:
                    out.sum().backward()
                    grad = args[grad_index].grad
                if store:
                    namespace[store] = out
                reply = ("ok", encode(out), encode(args), encode(grad))
            else:
                reply = ("error", "ValueError", f"unknown request {op!r}", "")
        except BaseException as err:  # noqa: BLE001 - SystemExit, KeyboardInterrupt included: a failure to report
            reply = _error(err)
        if os.getpid() != pid:  # a process forked by learner code must not answer for the runner
            os._exit(0)
        for stream in (sys.stdout, sys.stderr):
            try:  # a full disk or a closed stream is the learner's own problem, never the channel's
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        try:
            data = pack_reply(reply)
        except BaseException as err:  # noqa: BLE001 - e.g. a value that cannot be sent
            data = pack_reply(_error(err))
        write_all(fd_out, data)


if __name__ == "__main__":
    serve()
