"""Bring every captured tensor to the host in one copy per device.

Tensors on an accelerator are packed into one pinned host buffer with
non-blocking copies and one synchronisation, instead of a blocking copy per
layer. Views of the same bytes (a record's output that is also the model's
return value) are copied once. PyTorch's caching host allocator hands the same pinned blocks back on
the next trace once the previous one is freed.
"""

from __future__ import annotations

from typing import Any

import torch

from dlwidgets.capture.tensors import iter_tensors, map_tensors

_ALIGN = 64  # bytes: every slice can be viewed as any dtype


def _padded(nbytes: int) -> int:
    return (nbytes + _ALIGN - 1) // _ALIGN * _ALIGN


def to_host(structures: list[Any]) -> tuple[list[Any], dict[str, int]]:
    """``structures`` with every tensor on the CPU, and the bytes copied per device."""
    remote = [t for s in structures for t in iter_tensors(s) if not t.is_cpu]
    if not remote:
        return structures, {}
    moved: dict[int, torch.Tensor] = {}
    copied: dict[str, int] = {}
    by_device: dict[torch.device, list[torch.Tensor]] = {}
    first_of: dict[tuple[Any, ...], torch.Tensor] = {}
    for tensor in remote:
        if id(tensor) in moved:
            continue
        moved[id(tensor)] = tensor
        same = _view_key(tensor)
        if same in first_of:
            continue
        first_of[same] = tensor
        by_device.setdefault(tensor.device, []).append(tensor)
    pin = torch.cuda.is_available()
    for device, tensors in by_device.items():
        total = sum(_padded(t.numel() * t.element_size()) for t in tensors)
        host = torch.empty(total, dtype=torch.uint8, pin_memory=pin)
        offset = 0
        for tensor in tensors:
            nbytes = tensor.numel() * tensor.element_size()
            view = host[offset : offset + nbytes].view(tensor.dtype).view(tensor.shape)
            view.copy_(tensor.contiguous(), non_blocking=pin)
            moved[id(tensor)] = view
            offset += _padded(nbytes)
        if device.type == "cuda":
            torch.cuda.current_stream(device).synchronize()
        copied[str(device)] = total
    for tensor in remote:  # the views that share another's bytes
        moved[id(tensor)] = moved[id(first_of[_view_key(tensor)])]
    result = [map_tensors(s, lambda t: moved.get(id(t), t)) for s in structures]
    return result, copied


def _view_key(tensor: torch.Tensor) -> tuple[Any, ...]:
    """Equal for two tensors that read the same bytes the same way."""
    return (
        tensor.device,
        tensor.data_ptr(),
        tensor.dtype,
        tuple(tensor.shape),
        tensor.stride(),
    )
