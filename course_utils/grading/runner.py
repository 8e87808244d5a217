"""The sandboxed side: runs one submitted lesson's cells and answers the grader's requests.

Started by :mod:`course_utils.grading.sandbox` as ``python -m course_utils.grading.runner``
inside the sandbox. Nothing here is trusted by the grader: a submission runs in
this process and may change anything in it. The grader only believes values it
can check (it compares them with its own reference), and it enforces the time
limits from outside.

Channel: the process's stdin/stdout at start (moved to private descriptors; the
cells' own prints and errors go to ``output.log`` in the working directory).
"""

from __future__ import annotations

import os
import resource
import sys
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
    """Private descriptors for the channel; fd 0 reads nothing, fds 1 and 2 write to output.log."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    log = os.open("output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(devnull)
    os.close(log)
    return fd_in, fd_out


def _error(err: BaseException) -> tuple:
    tb = "".join(traceback.format_exception(type(err), err, err.__traceback__, limit=-3))
    return ("error", type(err).__name__, str(err)[:2000], tb[-3000:])


def _resolve(namespace: dict, target: str):
    head, *rest = target.split(".")
    if head not in namespace:
        raise NameError(f"name {head!r} is not defined")
    obj = namespace[head]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def serve() -> None:
    _limit()
    fd_in, fd_out = _channel()
    os.environ.setdefault("MPLBACKEND", "Agg")
    import torch  # noqa: F401 - imported before any learner code runs

    from course_utils.grading.protocol import encode, read_frame, write_frame

    torch.set_num_threads(1)
    namespace: dict = {"__name__": "__main__"}
    pid = os.getpid()
    write_frame(fd_out, ("ready",))
    while True:
        request = read_frame(fd_in, trusted_sender=True)
        op = request[0]
        try:
            if op == "bye":
                write_frame(fd_out, ("ok",))
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
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            write_frame(fd_out, reply)
        except BaseException as err:  # noqa: BLE001 - e.g. a value that cannot be saved
            write_frame(fd_out, _error(err))


if __name__ == "__main__":
    serve()
