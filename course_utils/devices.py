"""Where tensors live: a GPU when there is one, the CPU otherwise."""

from __future__ import annotations

import torch

from course_utils.validation import check_bool, check_device


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
