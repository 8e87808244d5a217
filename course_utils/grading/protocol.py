"""Messages between the trusted grader and the sandboxed runner, and the safe encoding of values.

Requests (trusted grader -> sandbox) are an 8-byte big-endian length, then the
bytes of ``torch.save``: the runner trusts its grader.

Replies (sandbox -> trusted grader) never go through pickle. A reply frame is

    8 bytes   big-endian header length H (at most :data:`MAX_HEADER`)
    H bytes   UTF-8 JSON: {"v": value, "t": [[dtype, shape, nbytes], ...]}
    sum(nbytes)  the raw bytes of each tensor, in order (at most :data:`MAX_TENSOR_BYTES`)

so the trusted side knows every size before it reads a byte of it, decodes
nothing compressed, and rejects a header nested deeper than :data:`MAX_DEPTH`
or holding more than :data:`MAX_NODES` values (:func:`decode_reply`, which
raises :class:`ProtocolError`). In the JSON a list is a list, a tuple is
``{"T": [...]}``, a tensor is ``{"t": index}``, a non-finite float is
``{"f": "nan" | "inf" | "-inf"}``. Learner values are *encoded* first
(:func:`encode`): exact Python types are kept as tags, so a ``numpy.float64``
is not mistaken for a ``float``; modules become a description (class,
parameters, buffers, children).
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
from typing import Any

import torch

#: The largest JSON header of a reply (bytes), and the largest sum of its tensors' bytes.
MAX_HEADER = 4 * 2**20
MAX_TENSOR_BYTES = 64 * 2**20
#: The deepest nesting and the most values a reply may hold.
MAX_DEPTH = 64
MAX_NODES = 200_000
#: Kept for callers that bound a whole frame.
MAX_FRAME = MAX_HEADER + MAX_TENSOR_BYTES

_PLAIN = (type(None), bool, int, float, str)
#: How deeply :func:`encode` follows containers and submodules (well inside :data:`MAX_DEPTH`).
ENCODE_DEPTH = 10

_DTYPES = {str(d).replace("torch.", ""): d for d in (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64, torch.complex128,
    torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.bool)}


class ProtocolError(ValueError):
    """A reply that breaks the format or its limits."""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def write_frame(fd: int, obj: Any) -> None:
    """Send a request ``obj`` (torch.save) on file descriptor ``fd`` (trusted grader -> sandbox)."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    data = buf.getvalue()
    _write_all(fd, struct.pack(">Q", len(data)) + data)


def read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, trusted_sender: bool = True) -> Any:
    """Read a request (only the runner calls this, on what its trusted grader sent: modules included)."""
    (n,) = struct.unpack(">Q", read_exact(fd, 8))
    return torch.load(io.BytesIO(read_exact(fd, n)), weights_only=False)


def pack_reply(obj: Any) -> bytes:
    """The bytes of a reply frame holding ``obj`` (plain values, tuples, lists, tensors)."""
    tensors: list[torch.Tensor] = []

    def to_json(x: Any, depth: int) -> Any:
        if depth > MAX_DEPTH - 2:
            raise ValueError("a value nested too deeply to send")
        if x is None or type(x) in (bool, int, str):
            return x
        if type(x) is float:
            return x if math.isfinite(x) else {"f": repr(x)}
        if type(x) is tuple:
            return {"T": [to_json(v, depth + 1) for v in x]}
        if type(x) is list:
            return [to_json(v, depth + 1) for v in x]
        if isinstance(x, torch.Tensor):
            tensors.append(x.detach().cpu().contiguous())
            return {"t": len(tensors) - 1}
        raise TypeError(f"cannot send a {type(x).__name__}")

    value = to_json(obj, 0)
    table, blobs = [], []
    for t in tensors:
        name = str(t.dtype).replace("torch.", "")
        if name not in _DTYPES:
            t, name = t.to(torch.float64), "float64"
        blob = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        table.append([name, list(t.shape), len(blob)])
        blobs.append(blob)
    header = json.dumps({"v": value, "t": table}, ensure_ascii=True).encode()
    return struct.pack(">Q", len(header)) + header + b"".join(blobs)


def write_reply(fd: int, obj: Any) -> None:
    """Send a reply ``obj`` (sandbox -> trusted grader; see the module's docstring)."""
    _write_all(fd, pack_reply(obj))


def _check_shape(dtype: str, shape: Any, nbytes: Any) -> tuple[torch.dtype, list[int], int]:
    if dtype not in _DTYPES:
        raise ProtocolError(f"unknown dtype {dtype!r:.40}")
    if (type(shape) is not list or len(shape) > 8 or any(type(d) is not int or not 0 <= d <= MAX_TENSOR_BYTES
                                                          for d in shape) or type(nbytes) is not int):
        raise ProtocolError("a malformed tensor shape")
    numel = math.prod(shape)
    if numel * _DTYPES[dtype].itemsize != nbytes:
        raise ProtocolError("a tensor's size does not match its shape")
    return _DTYPES[dtype], shape, nbytes


def parse_header(header: bytes) -> tuple[Any, list]:
    """Check a reply's JSON header: the value (with tensor slots) and the tensor table [(dtype, shape, nbytes)]."""
    depth = best = 0
    for byte in header:  # the nesting, before the JSON parser sees it (it would recurse)
        if byte in b"[{":
            depth += 1
            best = max(best, depth)
            if best > MAX_DEPTH + 2:
                raise ProtocolError(f"a reply nested deeper than {MAX_DEPTH}")
        elif byte in b"]}":
            depth -= 1
    try:
        doc = json.loads(header.decode("utf-8"))
    except (ValueError, RecursionError) as err:
        raise ProtocolError(f"an unreadable reply header ({type(err).__name__})") from None
    if type(doc) is not dict or set(doc) != {"v", "t"} or type(doc["t"]) is not list:
        raise ProtocolError("a malformed reply header")
    table = []
    for entry in doc["t"]:
        if type(entry) is not list or len(entry) != 3:
            raise ProtocolError("a malformed tensor entry")
        table.append(_check_shape(*entry))
    if sum(n for _, _, n in table) > MAX_TENSOR_BYTES:
        raise ProtocolError(f"tensors larger than the {MAX_TENSOR_BYTES} bytes allowed")
    return doc["v"], table


def build_reply(value: Any, table: list, blobs: list[bytes]) -> Any:
    """The reply: JSON value with tuples, floats and tensors restored (iterative: no recursion limit)."""
    tensors = []
    for (dtype, shape, nbytes), blob in zip(table, blobs, strict=True):
        if len(blob) != nbytes:
            raise ProtocolError("a truncated tensor")
        t = torch.frombuffer(bytearray(blob), dtype=torch.uint8) if nbytes else torch.empty(0, dtype=torch.uint8)
        tensors.append(t.view(dtype).reshape(shape) if nbytes else torch.empty(shape, dtype=dtype))
    nodes = 0

    def convert(x: Any, depth: int) -> Any:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES or depth > MAX_DEPTH:
            raise ProtocolError("a reply holding too many or too deeply nested values")
        if x is None or type(x) in (bool, int, float, str):
            return x
        if type(x) is list:
            return [convert(v, depth + 1) for v in x]
        if type(x) is dict and len(x) == 1:
            (key, v), = x.items()
            if key == "T" and type(v) is list:
                return tuple(convert(e, depth + 1) for e in v)
            if key == "t" and type(v) is int and 0 <= v < len(tensors):
                return tensors[v]
            if key == "f" and v in ("nan", "inf", "-inf"):
                return float(v)
        raise ProtocolError("a malformed value in a reply")

    return convert(value, 0)


def decode_reply(data: bytes) -> Any:
    """A whole reply frame (header length, header, tensor bytes) -> the reply; :class:`ProtocolError` if bad."""
    if len(data) < 8:
        raise ProtocolError("a truncated reply")
    (n,) = struct.unpack(">Q", data[:8])
    if n > MAX_HEADER or 8 + n > len(data):
        raise ProtocolError("a reply header over the limit or truncated")
    value, table = parse_header(data[8:8 + n])
    blobs, at = [], 8 + n
    for _, _, nbytes in table:
        blobs.append(data[at:at + nbytes])
        at += nbytes
    if at != len(data):
        raise ProtocolError("bytes after the reply's tensors")
    return build_reply(value, table, blobs)


def _classpath(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def encode(value: Any, depth: int = 0) -> Any:
    """A description of ``value`` made only of plain types and tensors (safe to load with weights_only).

    Tags: ``("v", x)`` a None/bool/int/float/str of exactly that type; ``("t", tensor, requires_grad)``;
    ``("tuple"|"list", [...])``; ``("dict", [(key, value), ...])``; ``("module", class, training,
    params, buffers, children, attrs)``; ``("other", class, repr)`` for anything else.
    """
    if depth > ENCODE_DEPTH:
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
