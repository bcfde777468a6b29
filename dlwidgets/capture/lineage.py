"""Which record produced each tensor: tags that follow tensors through torch ops.

Every tensor a record returns is tagged with the record's name; a
``TorchFunctionMode`` carries tags from the inputs of each op to its outputs,
so the records a layer read from are found from the tensors themselves, even
through ``view``, ``+`` or ``cat`` in the model's own code.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from dlwidgets.capture.tensors import iter_tensors


def union(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for group in groups for name in group))


class _KeyedRef(weakref.ref):  # type: ignore[type-arg]
    """A weak reference that knows its entry's key, so one callback serves every entry."""

    __slots__ = ("key",)
    key: int


class Tags:
    """``id(tensor) → names``, living exactly as long as each tensor.

    A weakref callback drops an entry when its tensor dies, before the id can
    be reused, so the trace keeps no tensor alive. The callback holds the
    ``Tags`` only weakly: no reference cycle, so a finished trace's objects
    (and the captures they reach) are freed at once, not by the cyclic GC.
    """

    def __init__(self) -> None:
        self._tags: dict[int, tuple[tuple[str, ...], _KeyedRef]] = {}
        owner = weakref.ref(self)

        def forget(ref: _KeyedRef) -> None:
            tags = owner()
            if tags is not None:
                tags._tags.pop(ref.key, None)

        self._forget = forget

    def set(self, tensor: torch.Tensor, names: tuple[str, ...]) -> None:
        ref = _KeyedRef(tensor, self._forget)
        ref.key = key = id(tensor)
        self._tags[key] = (names, ref)

    def get(self, tensor: torch.Tensor) -> tuple[str, ...] | None:
        entry = self._tags.get(id(tensor))
        return entry[0] if entry is not None else None

    def of(self, tensors: list[torch.Tensor]) -> tuple[str, ...]:
        if len(tensors) == 1:  # the common case, without building a union
            return self.get(tensors[0]) or ()
        return union(*(self.get(t) or () for t in tensors))


# Called for each op run outside recorded modules, with its tensor inputs, their
# tags, its output and whether it wrote an input in place; returns True when it
# recorded the op itself (and tagged its outputs).
OpRecorder = Callable[[Any, list[torch.Tensor], tuple[str, ...], Any, bool], bool]


_IN_PLACE_ARITHMETIC = frozenset(
    {"__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__",
     "__ipow__", "__imatmul__", "__iand__", "__ior__", "__ixor__", "__ilshift__",
     "__irshift__", "__setitem__"}
)  # fmt: skip


def writes_in_place(func: Any, kwargs: dict[str, Any]) -> bool:
    """Whether a torch call announces that it writes into an input (`add_`, `+=`, inplace=True)."""
    if kwargs and (kwargs.get("inplace") or "out" in kwargs):  # truthy, as torch reads it
        return True
    try:
        return _named_in_place[func]
    except KeyError:
        pass
    except TypeError:  # an unhashable callable
        return _name_in_place(func)
    if len(_named_in_place) > 4096:  # (autograd Functions made on the fly, say)
        _named_in_place.clear()
    found = _named_in_place[func] = _name_in_place(func)
    return found


def _name_in_place(func: Any) -> bool:
    name = getattr(func, "__name__", "")
    return (name.endswith("_") and not name.endswith("__")) or name in _IN_PLACE_ARITHMETIC


# torch's functions and methods by whether their name says they write in place
# (a few hundred at most: what models call).
_named_in_place: dict[Any, bool] = {}


class Lineage(TorchFunctionMode):
    """Carries tags through every torch op run outside recorded modules.

    ``before_write`` hears of the tensors an op is about to write in place.
    """

    def __init__(
        self,
        tags: Tags,
        busy: Callable[[], bool],
        record_op: OpRecorder | None,
        before_write: Callable[[list[torch.Tensor]], None] | None = None,
    ) -> None:
        super().__init__()
        self.tags = tags
        self.busy = busy
        self.record_op = record_op
        self.before_write = before_write

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        if self.busy():
            return func(*args, **(kwargs or {}))  # inside a recorded module: its hook tags it
        if kwargs:
            inputs = list(iter_tensors((args, kwargs)))
        else:
            kwargs = {}
            inputs = []  # without a generator for the common case: tensors and numbers
            for arg in args:
                if isinstance(arg, torch.Tensor):
                    inputs.append(arg)
                elif isinstance(arg, (tuple, list, dict)):
                    inputs += iter_tensors(arg)
        if self.before_write is not None and writes_in_place(func, kwargs):
            self.before_write(inputs)
        versions = [t._version for t in inputs] if self.record_op is not None else []
        out = func(*args, **kwargs)
        if not isinstance(out, torch.Tensor) and (
            type(out) is torch.Size or not isinstance(out, (tuple, list))
        ):
            return out  # shapes, numbers, strings: not dataflow
        names = self.tags.of(inputs)
        if not names:
            return out  # a constant (torch.zeros, arange…): not dataflow
        if self.record_op is not None:
            in_place = any(t._version != v for t, v in zip(inputs, versions, strict=True))
            if self.record_op(func, inputs, names, out, in_place):
                return out
        for tensor in (out,) if isinstance(out, torch.Tensor) else iter_tensors(out):
            known = self.tags.get(tensor)
            if known is None:
                self.tags.set(tensor, names)
            elif any(tensor is t for t in inputs):  # in-place: it now depends on every input
                self.tags.set(tensor, union(known, names))
        return out
