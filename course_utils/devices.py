"""Where tensors live: a GPU when there is one, the CPU otherwise."""

from __future__ import annotations

import torch


def get_device(prefer_gpu: bool = True) -> torch.device:
    """Return ``cuda`` when a CUDA GPU is present (and wanted), else ``cpu``.

    Apple's ``mps`` backend is deliberately not chosen automatically: for a
    model this small it is slower than the CPU and some operations differ.
    """
    if prefer_gpu and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


def describe_device(device: torch.device) -> str:
    """A one-line description of ``device`` for printing in a notebook."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return "cpu"
