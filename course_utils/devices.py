"""Where tensors live and how many CPU threads work on them."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch

from course_utils.validation import check_bool, check_device, check_positive_int


def get_device(prefer_gpu: bool = True) -> torch.device:
    """Return ``cuda`` when a CUDA GPU is present (and wanted), else ``cpu``.

    Apple's ``mps`` backend is deliberately not chosen automatically: for a
    model this small it is slower than the CPU and some operations differ.
    """
    check_bool(prefer_gpu, "prefer_gpu")
    if prefer_gpu and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def describe_device(device: torch.device) -> str:
    """A one-line description of ``device`` (a ``torch.device`` or a name such as ``"cpu"``) for printing."""
    if device is None:
        raise ValueError("device must be a torch.device or a name such as 'cpu'; got None. Use get_device().")
    device = check_device(device)
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return "cpu"


@contextmanager
def torch_threads(num_threads: int | None) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(num_threads)``, then restore the previous count.

    ``None`` leaves the thread count as it is. The course's models are tiny:
    each operation takes microseconds, and splitting it across threads costs
    more than it saves on a shared CPU (Binder, a laptop with a browser open),
    so the trainers run on one thread.
    """
    if num_threads is not None:
        num_threads = check_positive_int(num_threads, "num_threads", hint="Use e.g. num_threads=1, or None.")
    previous = torch.get_num_threads()
    if num_threads is not None and num_threads != previous:
        torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
