"""Bring every captured tensor to the host in one copy per device.

Tensors on an accelerator are copied into pinned host buffers (one per dtype)
with non-blocking copies and one synchronisation per device, instead of a
blocking copy per layer. The same tensor object met twice (a record's output
that is also the model's return value) is copied once. PyTorch's caching host
allocator hands the same pinned blocks back on the next trace once the
previous one is freed.

Each tensor costs one view of its buffer (``split`` cuts them all at once)
and one copy: on a GPU host a torch call from Python costs microseconds, and
a trace of a ResNet brings back sixty tensors.
"""

from __future__ import annotations

from typing import Any

import torch

from dlwidgets.capture.tensors import map_tensors


def to_host(structures: list[Any]) -> tuple[list[Any], dict[str, int]]:
    """``structures`` with every tensor on the CPU, and the bytes copied per device."""
    remote: list[torch.Tensor] = []
    _find_remote(structures, remote)
    if not remote:
        return structures, {}
    groups: dict[tuple[torch.device, torch.dtype], dict[int, torch.Tensor]] = {}
    for tensor in remote:
        groups.setdefault((tensor.device, tensor.dtype), {})[id(tensor)] = tensor
    pin = torch.cuda.is_available()
    moved: dict[int, torch.Tensor] = {}
    copied: dict[str, int] = {}
    for (device, dtype), group in groups.items():
        tensors = list(group.values())
        numels = [t.numel() for t in tensors]
        host = torch.empty(sum(numels), dtype=dtype, pin_memory=pin)
        for tensor, part in zip(tensors, host.split(numels), strict=True):
            view = part.view(tensor.shape)
            view.copy_(tensor, non_blocking=pin)
            moved[id(tensor)] = view
        key = str(device)
        copied[key] = copied.get(key, 0) + host.numel() * host.element_size()
    for device in {device for device, _ in groups}:
        if device.type == "cuda":
            torch.cuda.current_stream(device).synchronize()
    result = [map_tensors(s, lambda t: moved.get(id(t), t)) for s in structures]
    return result, copied


def _find_remote(value: Any, found: list[torch.Tensor]) -> None:
    """Append every tensor in ``value`` that is not on the CPU (depth first).

    ``iter_tensors`` would do, but this runs on every trace of a CPU model, where it
    finds nothing: a loop without generators costs half as much.
    """
    if isinstance(value, torch.Tensor):
        if not value.is_cpu:
            found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            if isinstance(item, torch.Tensor):
                if not item.is_cpu:
                    found.append(item)
            elif isinstance(item, (list, tuple, dict)):
                _find_remote(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _find_remote(item, found)
