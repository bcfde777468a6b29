"""Run a model once with hooks on its layers and return the ``Trace``.

Dataflow comes from the tensors themselves: every tensor a recorded module
returns is tagged with the record's name, and a ``TorchFunctionMode`` carries
the tags through the functional code between modules (``view``, ``+``, ``cat``),
so a record's ``inputs`` are the records it really read from.
"""

from __future__ import annotations

import fnmatch
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from dlwidgets.capture.preserve import preserved
from dlwidgets.capture.record import Layer, Trace
from dlwidgets.capture.tensors import describe, iter_tensors, map_tensors
from dlwidgets.errors import TraceError

# Modules recorded as one step although they own submodules: their children
# are not called through their own forward (MultiheadAttention uses its
# out_proj's weights functionally).
ATOMIC_MODULES: tuple[type[nn.Module], ...] = (nn.MultiheadAttention,)

LayerSelector = str | type[nn.Module] | Sequence[str | type[nn.Module]] | None


@dataclass
class _Call:
    name: str
    module: nn.Module
    module_name: str
    call: int
    order: int
    inputs: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    input_text: str


class _Lineage(TorchFunctionMode):
    """Carries record tags from the inputs of every torch op to its outputs."""

    def __init__(self, recorder: _Recorder) -> None:
        super().__init__()
        self.recorder = recorder

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        names = self.recorder.origins(iter_tensors((args, kwargs)))
        if names:
            arg_ids = {id(t) for t in iter_tensors(args)}
            for tensor in iter_tensors(out):
                known = self.recorder.origin_of(tensor)
                if known is None:
                    self.recorder.tag(tensor, names)
                elif id(tensor) in arg_ids:  # in-place: it now depends on every input
                    self.recorder.tag(tensor, _union(known, names))
        return out


def _union(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for group in groups for name in group))


class _Recorder:
    def __init__(self, modules: dict[nn.Module, str]) -> None:
        self.modules = modules
        self.calls: dict[str, int] = {}
        self.stack: list[_Call] = []
        self.done: list[tuple[_Call, Any]] = []
        self._origin: dict[int, tuple[tuple[str, ...], weakref.ReferenceType[torch.Tensor]]] = {}
        self._order = 0

    # Tags live only as long as their tensor: a weakref callback drops the
    # entry before the id can be reused, and the trace keeps nothing alive.
    def tag(self, tensor: torch.Tensor, names: tuple[str, ...]) -> None:
        key = id(tensor)
        origin = self._origin

        def forget(_ref: object, key: int = key) -> None:
            origin.pop(key, None)

        origin[key] = (names, weakref.ref(tensor, forget))

    def origin_of(self, tensor: torch.Tensor) -> tuple[str, ...] | None:
        entry = self._origin.get(id(tensor))
        return entry[0] if entry is not None else None

    def origins(self, tensors: Iterable[torch.Tensor]) -> tuple[str, ...]:
        return _union(*(self.origin_of(t) or () for t in tensors))

    def before(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        base = self.modules[module]
        count = self.calls[base] = self.calls.get(base, 0) + 1
        tensors = list(iter_tensors((args, kwargs)))
        self._order += 1
        self.stack.append(
            _Call(
                name=base if count == 1 else f"{base}#{count}",
                module=module,
                module_name=base,
                call=count,
                order=self._order,
                inputs=self.origins(tensors),
                input_shapes=tuple(tuple(t.shape) for t in tensors),
                input_text=", ".join(describe(t) for t in tensors) or "no tensors",
            )
        )

    def after(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        call = self.stack.pop()
        # A clone now, because a later in-place op (ReLU(inplace=True)) may
        # overwrite this very tensor before the pass ends.
        self.done.append((call, map_tensors(output, lambda t: t.detach().clone())))
        for tensor in iter_tensors(output):
            self.tag(tensor, (call.name,))

    def error(self, exc: BaseException, model: nn.Module) -> TraceError:
        reason = f"{type(exc).__name__}: {exc}"
        if self.stack:
            call = self.stack[-1]
            module = call.module
            config = f"{type(module).__name__}({module.extra_repr()})"
            return TraceError(
                f"layer {call.name!r} ({config}) failed on input {call.input_text}: {reason}",
                layer=call.name,
                input_shapes=call.input_shapes,
            )
        if self.done:
            call, output = self.done[-1]
            shapes = ", ".join(describe(t) for t in iter_tensors(output))
            where = f"after layer {call.name!r} ({type(call.module).__name__}) returned {shapes}"
        else:
            where = "before any layer ran"
        return TraceError(f"{type(model).__name__}.forward raised {where}: {reason}")


def _qualified_names(model: nn.Module, layers: LayerSelector) -> dict[nn.Module, str]:
    """The modules to record, with their names: leaves and atomic modules by default."""
    selectors = [layers] if isinstance(layers, (str, type)) else list(layers or [])
    chosen: dict[nn.Module, str] = {}
    inside_atomic: list[str] = []
    for name, module in model.named_modules():
        if any(name.startswith(prefix + ".") for prefix in inside_atomic):
            continue
        atomic = isinstance(module, ATOMIC_MODULES)
        if atomic:
            inside_atomic.append(name)
        leaf = atomic or next(module.children(), None) is None
        label = name or type(module).__name__
        if selectors:
            if any(
                (isinstance(s, str) and fnmatch.fnmatchcase(label, s))
                or (isinstance(s, type) and isinstance(module, s))
                for s in selectors
            ):
                chosen[module] = label
        elif leaf:
            chosen[module] = label
    return chosen


def _input_name(position: int | str) -> str:
    return "input" if position == 0 else f"input.{position}"


def trace(
    model: nn.Module,
    *inputs: Any,
    kwargs: dict[str, Any] | None = None,
    layers: LayerSelector = None,
) -> Trace:
    """Run ``model(*inputs, **kwargs)`` once and record every layer call.

    ``layers`` picks the modules to record: a name pattern (``"fc*"``), a
    module type (``nn.Linear``) or a list of them; by default every leaf
    module. The model runs in its own training mode, without autograd, and is
    left exactly as it was: no hooks, the same modes, buffers and RNG state.
    Errors inside the forward raise :class:`~dlwidgets.errors.TraceError`
    naming the layer and its input shapes.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"dw.trace expects a torch.nn.Module, got {type(model).__name__}")
    if not inputs and not kwargs:
        raise TypeError("dw.trace needs at least one input: dw.trace(model, x)")
    kwargs = dict(kwargs or {})
    recorder = _Recorder(_qualified_names(model, layers))
    handles = []
    try:
        for module in recorder.modules:
            handles.append(module.register_forward_pre_hook(recorder.before, with_kwargs=True))
            handles.append(module.register_forward_hook(recorder.after, with_kwargs=True))
        named_inputs = {_input_name(i): value for i, value in enumerate(inputs)}
        named_inputs.update({_input_name(key): value for key, value in kwargs.items()})
        for name, value in named_inputs.items():
            for tensor in iter_tensors(value):
                recorder.tag(tensor, (name,))
        with preserved(model), torch.no_grad(), _Lineage(recorder):
            try:
                output = model(*inputs, **kwargs)
            except Exception as exc:
                raise recorder.error(exc, model) from exc
    finally:
        for handle in handles:
            handle.remove()
    return _finish(recorder, named_inputs, output)


def _to_host(value: Any) -> Any:
    return map_tensors(value, lambda t: t.detach().to("cpu"))


def _finish(recorder: _Recorder, named_inputs: dict[str, Any], output: Any) -> Trace:
    records = [
        Layer(
            name=call.name,
            kind=type(call.module).__name__,
            module_name=call.module_name,
            call=call.call,
            inputs=call.inputs,
            input_shapes=call.input_shapes,
            output=_to_host(captured),
            module=call.module,
        )
        for call, captured in sorted(recorder.done, key=lambda item: item[0].order)
    ]
    model_inputs = {
        name: value.detach().to("cpu")
        for name, value in named_inputs.items()
        if isinstance(value, torch.Tensor)
    }
    return Trace(records, model_inputs, _to_host(output))
