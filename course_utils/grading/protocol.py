"""Messages between the trusted grader and the sandboxed runner, and the safe encoding of values.

Frames are an 8-byte big-endian length, then the bytes of ``torch.save``.
The trusted side reads what comes back from the sandbox only with
``torch.load(weights_only=True)``, so a submission can send tensors, numbers,
strings and containers of those, never code. Learner values are *encoded*
first (:func:`encode`): exact Python types are kept as tags, so a
``numpy.float64`` is not mistaken for a ``float``; modules become a
description (class, parameters, buffers, children).
"""

from __future__ import annotations

import io
import os
import struct
from typing import Any

import torch

#: The largest frame the trusted side accepts from a sandbox (bytes).
MAX_FRAME = 256 * 2**20

_PLAIN = (type(None), bool, int, float, str)


def write_frame(fd: int, obj: Any) -> None:
    """Send ``obj`` (torch.save) on file descriptor ``fd``."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    data = buf.getvalue()
    data = struct.pack(">Q", len(data)) + data
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def decode_frame(data: bytes, trusted_sender: bool) -> Any:
    """Load a frame; from a sandbox (``trusted_sender=False``) only with ``weights_only=True``."""
    return torch.load(io.BytesIO(data), weights_only=not trusted_sender)


def read_frame(fd: int, trusted_sender: bool) -> Any:
    (n,) = struct.unpack(">Q", read_exact(fd, 8))
    if not trusted_sender and n > MAX_FRAME:
        raise ValueError(f"a reply of {n} bytes is larger than the {MAX_FRAME} allowed")
    return decode_frame(read_exact(fd, n), trusted_sender)


def _classpath(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def encode(value: Any, depth: int = 0) -> Any:
    """A description of ``value`` made only of plain types and tensors (safe to load with weights_only).

    Tags: ``("v", x)`` a None/bool/int/float/str of exactly that type; ``("t", tensor, requires_grad)``;
    ``("tuple"|"list", [...])``; ``("dict", [(key, value), ...])``; ``("module", class, training,
    params, buffers, children, attrs)``; ``("other", class, repr)`` for anything else.
    """
    if depth > 20:
        return ("other", "too deeply nested", "")
    if type(value) in _PLAIN:
        return ("v", value)
    if type(value) in (torch.Tensor, torch.nn.Parameter):
        t = value.detach().cpu()
        return ("t", t.clone().contiguous() if t.layout == torch.strided else t.to_dense().clone(),
                bool(value.requires_grad))
    if type(value) in (tuple, list):
        return (type(value).__name__, [encode(v, depth + 1) for v in value])
    if type(value) in (dict,) or _classpath(value) == "collections.OrderedDict":
        return ("dict", [(encode(k, depth + 1), encode(v, depth + 1)) for k, v in value.items()])
    if isinstance(value, torch.nn.Module):
        params = [(n, p.detach().cpu().clone(), bool(p.requires_grad)) for n, p in value._parameters.items()
                  if p is not None]
        buffers = [(n, b.detach().cpu().clone()) for n, b in value._buffers.items() if b is not None]
        children = [(n, encode(m, depth + 1)) for n, m in value._modules.items() if m is not None]
        attrs = sorted((k, v) for k, v in vars(value).items()
                       if not k.startswith("_") and type(v) in _PLAIN + (tuple,) and k != "training"
                       and all(type(x) in _PLAIN for x in (v if type(v) is tuple else (v,))))
        return ("module", _classpath(value), bool(value.training), params, buffers, children, attrs)
    try:
        text = repr(value)[:200]
    except Exception:  # noqa: BLE001 - a learner's __repr__ may raise
        text = "<repr failed>"
    return ("other", _classpath(value), text)


def describe(enc: Any) -> str:
    """A short human description of an encoded value's type, for feedback."""
    tag = enc[0]
    if tag == "v":
        return type(enc[1]).__name__
    if tag == "t":
        return f"tensor {tuple(enc[1].shape)} {str(enc[1].dtype).replace('torch.', '')}"
    if tag in ("tuple", "list"):
        return f"{tag} of {len(enc[1])}"
    if tag == "dict":
        return f"dict of {len(enc[1])}"
    if tag == "module":
        return enc[1].rsplit(".", 1)[-1]
    return enc[1]
