"""Walk the tensors inside nested outputs (tuples, lists, dicts, PackedSequence…)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch


def iter_tensors(value: Any) -> Iterator[torch.Tensor]:
    """Every tensor inside ``value``, depth first."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):  # NamedTuples (PackedSequence) included
        for item in value:
            if isinstance(item, torch.Tensor):  # the common case, without a nested generator
                yield item
            elif isinstance(item, (tuple, list, dict)):
                yield from iter_tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from iter_tensors(item)


def map_tensors(value: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    """``value`` with every tensor replaced by ``fn(tensor)``, structure kept."""
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(map_tensors(item, fn) for item in value))
    if isinstance(value, (tuple, list)):
        return type(value)(map_tensors(item, fn) for item in value)
    if isinstance(value, dict):
        return {key: map_tensors(item, fn) for key, item in value.items()}
    return value


def storage_of(tensor: torch.Tensor) -> int:
    """Where a tensor's memory starts: equal for every view of the same storage."""
    return tensor.untyped_storage().data_ptr()


def describe(tensor: torch.Tensor) -> str:
    """``(2, 5) float32 cpu``: what an error message needs to know of a tensor."""
    dtype = str(tensor.dtype).removeprefix("torch.")
    return f"{tuple(tensor.shape)} {dtype} {tensor.device}"
