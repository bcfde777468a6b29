"""Arrays on the wire: a small ``{dtype, shape}`` header plus raw little-endian bytes.

ipywidgets lifts every ``bytes``/``memoryview`` found inside a trait value into
a binary frame, so an encoded array costs its bytes and a few dozen more; it
arrives in JavaScript as a ``DataView`` (see ``js/src/wire.ts``).
"""

from __future__ import annotations

from typing import Any, TypedDict

import numpy as np
import torch

# What the browser decodes. 64-bit types are narrowed: JavaScript draws in
# float32 and has no cheap int64 typed array for pixels.
_NARROWED = {np.dtype("float64"): np.dtype("float32"), np.dtype("int64"): np.dtype("int32")}
WIRE_DTYPES = ("float32", "int32", "uint8", "int8", "uint16", "int16", "uint32")


class WireArray(TypedDict):
    dtype: str
    shape: list[int]
    data: memoryview


def to_numpy(array: torch.Tensor | np.ndarray) -> np.ndarray:
    """A C-contiguous little-endian NumPy array in a wire dtype (CPU copy if needed)."""
    if isinstance(array, torch.Tensor):
        tensor = array.detach()
        if tensor.dtype in (torch.float16, torch.bfloat16, torch.float64):
            tensor = tensor.float()
        array = tensor.cpu().numpy()
    result = np.asarray(array)
    if result.dtype == np.bool_:
        result = result.astype(np.uint8)
    result = result.astype(_NARROWED.get(result.dtype, result.dtype), copy=False)
    if result.dtype.name not in WIRE_DTYPES:
        raise TypeError(f"cannot send arrays of dtype {result.dtype} (sendable: {WIRE_DTYPES})")
    return np.ascontiguousarray(result.astype(result.dtype.newbyteorder("<"), copy=False))


def encode(array: torch.Tensor | np.ndarray) -> WireArray:
    """``{"dtype", "shape", "data"}`` with ``data`` a memoryview of the raw bytes."""
    result = to_numpy(array)
    return {
        "dtype": result.dtype.name,
        "shape": list(result.shape),
        "data": memoryview(result).cast("B"),
    }


def decode(wire: dict[str, Any]) -> np.ndarray:
    """The inverse of :func:`encode` (for tests and for arrays the browser sends)."""
    dtype = np.dtype(wire["dtype"]).newbyteorder("<")
    data = wire["data"]
    raw = bytes(data) if not isinstance(data, (bytes, bytearray, memoryview)) else data
    return np.frombuffer(raw, dtype=dtype).reshape(wire["shape"])
