"""The hooks of one trace: a record per module call (and per op with ``ops=True``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from threading import get_ident
from typing import Any

import torch
from torch import nn
from torch._C import (
    DisableTorchFunction,
    _get_function_stack_at,
    _len_torch_function_stack,
    _pop_torch_function_stack,
    _push_on_torch_function_stack,
)
from torch.autograd.graph import GradientEdge, get_gradient_edge

from dlwidgets.capture.hooks import not_standing_in
from dlwidgets.capture.lineage import Tags
from dlwidgets.capture.tensors import describe, iter_tensors, map_tensors, storage_of
from dlwidgets.errors import TraceError

# Applied on the model's device to each captured tensor before it is kept:
# ``reduce(record_name, tensor) -> tensor`` (keep some samples, downsample…).
Reducer = Callable[[str, torch.Tensor], torch.Tensor]

# Ops that read a tensor without making a new value worth a step.
_NOT_STEPS = frozenset({"get", "set", "detach", "detach_", "requires_grad_", "retain_grad"})


# The name the model's return value goes through ``reduce`` under: no module or
# op record can be called that.
OUTPUT = "<output>"


class Spoiled(Exception):
    """A capture kept without a copy was written in place unannounced: trace again, copying."""


@dataclass(slots=True)
class Call:
    """A record being made: what was known when the call started."""

    name: str
    kind: str
    module: nn.Module | None
    module_name: str
    call: int
    order: int
    inputs: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    # Held only while the call runs, to describe them if it fails.
    pending: list[torch.Tensor] | None = field(default=None, repr=False)
    captured: Any = None
    # grads=True: the tensors returned, and where each sat in the autograd graph
    # when it was made (an in-place op later cannot move the edge).
    live: Any = field(default=None, repr=False)
    edges: dict[int, GradientEdge] | None = field(default=None, repr=False)
    grads: dict[int, torch.Tensor] | None = field(default=None, repr=False)


_ARITHMETIC = frozenset(
    {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
     "lshift", "rshift"}
)  # fmt: skip


def _op_name(func: Any) -> str:
    """A readable step name: ``x += y`` → ``add_``, ``2 * x`` → ``mul``, ``x[0]`` → ``getitem``."""
    raw = getattr(func, "__name__", None) or type(func).__name__
    if raw.startswith("__") and raw.endswith("__"):
        name = raw[2:-2]
        if name[:1] == "i" and name[1:] in _ARITHMETIC:
            return f"{name[1:]}_"
        if name[:1] == "r" and name[1:] in _ARITHMETIC:
            return name[1:]
        return name
    return raw.lstrip("_") or "op"


def gradient_edges(output: Any) -> dict[int, GradientEdge]:
    """Where each tensor of ``output`` sits in the autograd graph now (by ``id``).

    A tensor that needs a gradient but has no place in the graph yet (the
    output of torch's backward-hook function while it is being made) has none.
    """
    edges: dict[int, GradientEdge] = {}
    for tensor in iter_tensors(output):
        if tensor.requires_grad:
            try:
                edges[id(tensor)] = get_gradient_edge(tensor)
            except (AssertionError, RuntimeError):
                continue
    return edges


def _is_hook_machinery(func: Any, inputs: list[torch.Tensor]) -> bool:
    """torch's own wrapping for a module's full backward hooks, not a step of the model:
    its autograd function, and the ``x.view_as(x)`` autograd makes of each output that
    is an input."""
    owner = getattr(func, "__self__", None)
    if isinstance(owner, type) and owner.__name__ == "BackwardHookFunction":
        return True
    name = getattr(func, "__name__", "")
    return name == "view_as" and len(inputs) == 2 and inputs[0] is inputs[1]


def writes_its_input(module: nn.Module) -> bool:
    """``ReLU(inplace=True)`` and the like.

    torch's modules keep ``inplace`` on the instance: read there first; a class
    attribute or property counts too (whether a class has one is kept per class:
    the miss costs more than the rest).
    """
    value = vars(module).get("inplace")
    if value is None:
        cls = type(module)
        has = _has_inplace.get(cls)
        if has is None:
            if len(_has_inplace) > 512:
                _has_inplace.clear()
            has = _has_inplace[cls] = hasattr(cls, "inplace")
        if has:
            value = getattr(module, "inplace", None)
    if value is None or value is False:
        return False
    try:
        return bool(value)  # as torch's functions read it: 1 and numpy's True count
    except (TypeError, RuntimeError, ValueError):  # not a flag (a tensor, say)
        return False


_has_inplace: dict[type, bool] = {}


def copy_shared(
    kept: list[Any], written: list[torch.Tensor], *, host_only: bool = False, records: bool = True
) -> None:
    """In ``kept`` (a list of records and values, changed in place), copy every
    tensor that shares memory with ``written``: they are about to be
    overwritten, or belong to someone else. ``host_only``: only CPU tensors
    (one on a device is copied to the host anyway). ``records=False``: leave the
    lists of records alone (``Recorder.own_copies`` has seen to them)."""
    storages = {_storage_or_none(t) for t in written}
    storages.discard(None)
    if not storages:
        return

    def own(t: torch.Tensor) -> torch.Tensor:
        if host_only and not t.is_cpu:
            return t
        return copy_of(t) if _storage_or_none(t) in storages else t

    for index, value in enumerate(kept):
        if isinstance(value, list) and value and isinstance(value[0], Call):
            if not records:
                continue
            for call in value:
                captured = call.captured  # one tensor, the common case, without a tree walk
                is_one = type(captured) is torch.Tensor
                call.captured = own(captured) if is_one else map_tensors(captured, own)
        else:
            kept[index] = map_tensors(value, own)


def _storage_or_none(t: torch.Tensor) -> int | None:
    try:
        return storage_of(t)
    except (RuntimeError, NotImplementedError):  # sparse and nested tensors have none
        return None


def copy_of(t: torch.Tensor) -> torch.Tensor:
    """A copy of ``t`` in memory of its own, whichever is smaller: its elements, or its
    storage under the same view (a broadcast ``expand`` of a mask stays one)."""
    storage = t.untyped_storage()
    if t.numel() * t.element_size() <= storage.nbytes():
        return t.clone()
    copy = torch.empty(0, dtype=t.dtype, device=t.device)
    return copy.set_(storage.clone(), t.storage_offset(), t.size(), t.stride())


def kept_value(
    name: str,
    tensor: torch.Tensor,
    copy_on_write: bool,
    reduce: Reducer | None,
    restored: frozenset[int] = frozenset(),
) -> tuple[torch.Tensor, bool]:
    """What a record keeps of ``tensor``, and whether it still shares the model's memory.

    ``reduce`` shrinks it on its device (a reduction that copies is kept as
    is). Otherwise it is kept by reference when copying on write, and copied
    now when not, because a later in-place op (``ReLU(inplace=True)``) may
    overwrite this very tensor before the pass ends. Inference tensors keep no
    version counter, so an unannounced write could not be noticed: copied. So
    is a buffer of a module in training mode (``restored``: their storages):
    BatchNorm updates its statistics without a version bump, and the trace
    puts them back afterwards.
    """
    value = tensor.detach() if tensor.requires_grad else tensor
    if reduce is not None:
        try:
            value = reduce(name, value)
        except Exception as exc:
            raise TraceError(
                f"reduce= failed on {name!r}, {describe(tensor)}: {type(exc).__name__}: {exc}"
            ) from exc
        if storage_of(value) != storage_of(tensor):
            return value, False
    if not copy_on_write or value.is_inference() or (restored and storage_of(value) in restored):
        return value.clone(), False
    return value, True


class Recorder:
    def __init__(
        self,
        recorded: dict[nn.Module, str],
        scopes: dict[nn.Module, str],
        *,
        grads: bool,
        reduce: Reducer | None,
        copy_on_write: bool = False,
        restored: frozenset[int] = frozenset(),
    ) -> None:
        self.recorded = recorded
        self.scopes = scopes
        self.grads = grads
        self.reduce = reduce
        self.tags = Tags()
        self.calls: dict[str, int] = {}  # module records
        self.op_calls: dict[str, int] = {}  # op records: their own count, never shifting modules'
        # Recorded calls under way in the tracing thread (the innermost last), and in
        # others (a model may run a module in a thread pool): each pairs its own.
        self.stack: list[Call] = []
        self._elsewhere: dict[int, list[Call]] = {}  # by thread id
        self._failures: list[tuple[Call, BaseException]] = []
        self.scope_stack: list[str] = []
        self.done: list[Call] = []
        # Recorded module calls in progress in the tracing thread: the lineage
        # mode lives on that thread's mode stack, and only sees its ops.
        self.depth = 0
        self._owner = get_ident()
        # The lineage mode sees nothing inside a recorded module, so it is taken
        # off the mode stack there: the module's ops then skip Python dispatch.
        self.mode: Any = None
        self._mode_aside = False
        # Copy on write: captures alias the model's own tensors and are copied
        # only before something writes into them in place (ReLU(inplace=True),
        # `x += y`). Whatever wrote unannounced shows in a version counter.
        self.copy_on_write = copy_on_write
        self.restored = restored  # storages of buffers the trace puts back: copied at once
        self._by_reference = copy_on_write and reduce is None and not restored
        # storage → (call, captured alias, its version then) for captures still aliasing it
        self._shared: dict[int, list[tuple[Call, torch.Tensor, int]]] = {}
        self._capturing: Call | None = None  # the call whose output is being kept
        self._spoiled = False
        self._order = 0

    @cached_property
    def module_labels(self) -> set[str]:
        """Every module's name: an op named like one gets "()" (only ``ops=True`` asks)."""
        return set(self.scopes.values()) | set(self.recorded.values())

    def busy(self) -> bool:
        return self.depth > 0

    def _start_op(
        self, base: str, op: str, tensors: list[torch.Tensor], inputs: tuple[str, ...]
    ) -> Call:
        """The record of an op (``ops=True``) that just ran."""
        count = self.op_calls[base] = self.op_calls.get(base, 0) + 1
        self._order += 1
        return Call(  # positional: one of these per record
            base if count == 1 else f"{base}#{count}",
            op,
            None,
            "",
            count,
            self._order,
            inputs,
            (tuple(tensors[0].shape),)
            if len(tensors) == 1
            else tuple(tuple(t.shape) for t in tensors),
            tensors,
        )

    def _keep(self, name: str, tensor: torch.Tensor) -> torch.Tensor:
        value, aliased = kept_value(name, tensor, self.copy_on_write, self.reduce, self.restored)
        if aliased:
            assert self._capturing is not None
            entry = (self._capturing, value, value._version)
            self._shared.setdefault(storage_of(value), []).append(entry)
        return value

    def protect(self, tensors: list[torch.Tensor]) -> None:
        """Copy the captures that alias these tensors: something will write into them."""
        for tensor in tensors:
            ptr = storage_of(tensor)
            for call, alias, version in self._shared.pop(ptr, ()):
                if alias._version != version:
                    self._spoiled = True  # already written unannounced: too late to copy
                call.captured = map_tensors(
                    call.captured, lambda t, ptr=ptr: t.clone() if storage_of(t) == ptr else t
                )

    def own_copies(self, outside: list[torch.Tensor]) -> None:
        """Copy the captures that share memory with ``outside`` (CPU tensors that outlive
        the trace: the caller's inputs, parameters). Only a capture kept without a copy
        can, and each of those is listed under its storage."""
        for tensor in outside:
            if not tensor.is_cpu:
                continue  # a capture on a device is copied to the host anyway
            ptr = _storage_or_none(tensor)
            for call, _alias, _version in self._shared.pop(ptr, ()) if ptr is not None else ():
                call.captured = map_tensors(
                    call.captured, lambda t, ptr=ptr: copy_of(t) if storage_of(t) == ptr else t
                )

    def overwritten(self) -> bool:
        """Whether a value kept without a copy was written after all (then trace again, copying)."""
        if self._spoiled:
            return True
        try:
            return any(
                alias._version != version
                for entries in self._shared.values()
                for _call, alias, version in entries
            )
        except RuntimeError:  # inference tensors keep no version counter
            return True

    # -- module hooks ---------------------------------------------------------------

    # The hooks' own tensor calls (shape, detach, clone) are bookkeeping, not
    # the model's ops: the lineage mode is switched off around them.

    def before(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        with DisableTorchFunction():
            call = self._begin(module, args, kwargs)
        if get_ident() != self._owner:
            self._stack_elsewhere().append(call)
            return
        self.stack.append(call)
        self.depth += 1
        if self.depth == 1 and self.mode is not None:
            self._set_mode_aside()

    def after(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> Any:
        mine = get_ident() == self._owner
        call = (self.stack if mine else self._stack_elsewhere()).pop()
        with DisableTorchFunction():
            self._end(call, output)
        if mine:
            self.depth -= 1
            if self.depth == 0 and self._mode_aside:
                _push_on_torch_function_stack(self.mode)
                self._mode_aside = False

    def _stack_elsewhere(self) -> list[Call]:
        return self._elsewhere.setdefault(get_ident(), [])

    def traced_forward(
        self, module: nn.Module, forward: Callable[..., Any], live: list[Any]
    ) -> Callable[..., Any]:
        """``forward`` recording each call, to stand in for the module's own (see
        ``hooks.Around``: it records only while ``live[0]`` is the module called).

        The outermost recorded call in the tracing thread (most calls) takes the
        lineage mode off the stack first and puts it back last, not for each
        hook. Any other call goes the hooks' way.
        What the module's calls share (its name, whether it writes its input) is
        read once, here. The recorder is reached through ``live`` too, so a stand-in
        kept after the trace keeps no capture alive.
        """
        label = self.recorded[module]
        writes = writes_its_input(module)
        owner = self._owner
        live.append(self)

        def traced(bound: nn.Module, *args: Any, **kwargs: Any) -> Any:
            if bound is not live[0]:
                return not_standing_in(bound, args, kwargs)
            recorder: Recorder = live[1]
            if recorder.depth == 0 and get_ident() == owner:
                mode = recorder.mode
                depth = _len_torch_function_stack()
                if depth and _get_function_stack_at(depth - 1) is mode:
                    _pop_torch_function_stack()
                    recorder.depth = 1
                    try:
                        # The bookkeeping's own tensor calls are hidden from a user's mode
                        # below ours and from tensor subclasses; with neither (the common
                        # case) there is nothing to hide them from.
                        plain = (
                            depth == 1
                            and len(args) == 1
                            and not kwargs
                            and type(args[0]) is torch.Tensor
                        )
                        if plain:
                            call = recorder._begin(module, args, kwargs, label, writes)
                        else:
                            with DisableTorchFunction():
                                call = recorder._begin(module, args, kwargs, label, writes)
                        recorder.stack.append(call)
                        try:
                            output = forward(*args, **kwargs)
                        except BaseException as exc:
                            recorder.abandon(call, exc)
                            raise
                        recorder.stack.pop()
                        if plain and type(output) is torch.Tensor:
                            recorder._end(call, output)
                        else:
                            with DisableTorchFunction():
                                recorder._end(call, output)
                    finally:
                        recorder.depth = 0
                        _push_on_torch_function_stack(mode)
                    return output
            recorder.before(module, args, kwargs)
            mine = get_ident() == owner
            call = (recorder.stack if mine else recorder._stack_elsewhere())[-1]
            try:
                output = forward(*args, **kwargs)
            except BaseException as exc:
                recorder.abandon(call, exc)
                raise
            recorder.after(module, args, kwargs, output)
            return output

        return traced

    def forget_failures(self) -> None:
        self._failures.clear()

    def abandon(self, call: Call, exc: BaseException) -> None:
        """``call`` raised ``exc``: take it off its thread's stack, with whatever a
        module through hooks left above it, since the model may catch the error and
        go on; keep the innermost call of each error, to name if that error is the
        one that reaches the trace."""
        mine = get_ident() == self._owner
        stack = self.stack if mine else self._stack_elsewhere()
        at = next(i for i in range(len(stack) - 1, -1, -1) if stack[i] is call)
        dropped = len(stack) - at
        del stack[at:]
        if all(exc is not seen for _c, seen in self._failures):
            self._failures.append((call, exc))  # innermost first for each exception
        if mine:
            self.depth -= dropped
            if self.depth == 0:
                self.bring_mode_back()

    def _begin(
        self,
        module: nn.Module,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        label: str | None = None,
        writes: bool | None = None,
    ) -> Call:
        """A recorded module is called: what it reads, and from which records.

        ``label`` and ``writes`` (its name; whether it writes its input) when known.
        """
        if not kwargs and len(args) == 1 and type(args[0]) is torch.Tensor:
            tensor = args[0]  # the common case, without a tree walk
            tensors = [tensor]
            names = self.tags.get(tensor) or ()
            shapes: tuple[tuple[int, ...], ...] = (tuple(tensor.shape),)
        else:
            tensors = list(iter_tensors((args, kwargs) if kwargs else args))
            names = self.tags.of(tensors)
            shapes = tuple(tuple(t.shape) for t in tensors)
        base = self.recorded[module] if label is None else label
        count = self.calls[base] = self.calls.get(base, 0) + 1
        self._order += 1
        call = Call(  # positional: one of these per record
            base if count == 1 else f"{base}#{count}",
            type(module).__name__,  # now: a lazy module's pre-hook has set its final class
            module,
            base,
            count,
            self._order,
            names,
            shapes,
            tensors,
        )
        if self._shared and (writes_its_input(module) if writes is None else writes):
            self.protect(tensors)
        return call

    def _end(self, call: Call, output: Any) -> None:
        """A recorded module returned: keep its output, and tag it with the record's name."""
        self._capturing = call
        name = call.name
        if (
            self._by_reference
            and type(output) is torch.Tensor
            and not output.requires_grad
            and not output.is_inference()
        ):  # the common case, written out: kept as it is, until something writes into it
            call.captured = output
            self._shared.setdefault(storage_of(output), []).append((call, output, output._version))
            self.tags.set(output, (name,))
        elif isinstance(output, torch.Tensor):
            call.captured = self._keep(name, output)
            self.tags.set(output, (name,))
        else:
            call.captured = map_tensors(output, lambda t: self._keep(name, t))
            for tensor in iter_tensors(output):
                self.tags.set(tensor, (name,))
        if self.grads:
            call.live = output
            call.edges = gradient_edges(output)
        call.pending = None
        self.done.append(call)

    def _set_mode_aside(self) -> None:  # in the tracing thread only
        depth = _len_torch_function_stack()
        if depth and _get_function_stack_at(depth - 1) is self.mode:
            _pop_torch_function_stack()
            self._mode_aside = True

    def bring_mode_back(self) -> None:
        """Put the lineage mode back on the stack (also when a recorded module raised)."""
        if self._mode_aside and get_ident() == self._owner:
            _push_on_torch_function_stack(self.mode)
            self._mode_aside = False

    def enter_scope(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.scope_stack.append(self.scopes[module])

    def leave_scope(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> None:
        self.scope_stack.pop()

    # -- ops (ops=True) -------------------------------------------------------------

    def record_op(
        self,
        func: Any,
        inputs: list[torch.Tensor],
        names: tuple[str, ...],
        out: Any,
        in_place: bool,
    ) -> bool:
        op = _op_name(func)
        if in_place and not op.endswith("_"):
            op += "_"  # F.relu(x, inplace=True) → relu_
        outputs = list(iter_tensors(out))
        passes_through = not in_place and any(o is t for o in outputs for t in inputs)
        if not outputs or op in _NOT_STEPS or passes_through or _is_hook_machinery(func, inputs):
            return False
        scope = self.scope_stack[-1] if self.scope_stack else ""
        base = f"{scope}.{op}" if scope else op
        if base in self.module_labels:
            base += "()"  # a function named like a module: F.relu beside self.relu
        call = self._start_op(base, op, inputs, names)
        call.pending = None  # an op cannot fail after it ran: keep no input alive
        self._capturing = call
        call.captured = map_tensors(out, lambda t: self._keep(call.name, t))
        if self.grads:
            call.live = out
            call.edges = gradient_edges(out)
        self.done.append(call)
        for tensor in outputs:
            self.tags.set(tensor, (call.name,))
        return True

    # -- failure --------------------------------------------------------------------

    def error(self, exc: BaseException, model: nn.Module) -> TraceError:
        # The call that failed: the innermost that raised this error (or one it came
        # from) through a stand-in, or else (through hooks) the latest to start of
        # those still under way, in whichever thread (a model may run a layer in a
        # thread pool).
        chain, seen = [], exc
        while seen is not None and all(seen is not c for c in chain):
            chain.append(seen)
            seen = seen.__cause__ or seen.__context__
        failed = next((c for e in chain for c, x in self._failures if x is e), None)
        self._failures.clear()
        under_way = [stack[-1] for stack in (self.stack, *self._elsewhere.values()) if stack]
        if failed is not None or under_way:
            call = failed or max(under_way, key=lambda c: c.order)
            assert call.module is not None
            return layer_error(call.name, call.module, call.pending or [], exc)
        last = self.done[-1] if self.done else None
        after = None if last is None else (last.name, last.kind, last.captured)
        return model_error(model, after, exc)


def layer_error(
    name: str, module: nn.Module, tensors: list[torch.Tensor], exc: BaseException
) -> TraceError:
    """A recorded module raised: name it, with its configuration and input shapes."""
    config = f"{type(module).__name__}({module.extra_repr()})"
    inputs = ", ".join(describe(t) for t in tensors) or "no tensors"
    return TraceError(
        f"layer {name!r} ({config}) failed on input {inputs}: {type(exc).__name__}: {exc}",
        layer=name,
        input_shapes=tuple(tuple(t.shape) for t in tensors),
    )


def model_error(
    model: nn.Module, last: tuple[str, str, Any] | None, exc: BaseException
) -> TraceError:
    """The model's own code raised, outside any recorded module: say after which record
    (``last``: its name, kind and what it returned)."""
    if last is not None:
        name, kind, value = last
        shapes = ", ".join(describe(t) for t in iter_tensors(value))
        where = f"after layer {name!r} ({kind}) returned {shapes}"
    else:
        where = "before any layer ran"
    return TraceError(f"{type(model).__name__}.forward raised {where}: {type(exc).__name__}: {exc}")
