"""The hooks of one trace: a record per module call (and per op with ``ops=True``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from dlwidgets.capture.lineage import Tags
from dlwidgets.capture.tensors import describe, iter_tensors, map_tensors
from dlwidgets.errors import TraceError

# Applied on the model's device to each captured tensor before it is kept:
# ``reduce(record_name, tensor) -> tensor`` (keep some samples, downsample…).
Reducer = Callable[[str, torch.Tensor], torch.Tensor]

# Ops that read a tensor without making a new value worth a step.
_NOT_STEPS = frozenset({"get", "set", "detach", "detach_", "requires_grad_", "retain_grad"})


@dataclass
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
    input_text: str
    captured: Any = None
    live: Any = field(default=None, repr=False)  # the graph's own tensors (grads=True)


_ARITHMETIC = frozenset(
    {"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
     "lshift", "rshift"}
)  # fmt: skip


def _op_name(func: Any) -> tuple[str, bool]:
    """A readable step name (``x += y`` → ``add_``, ``2 * x`` → ``mul``), and is it in-place."""
    raw = getattr(func, "__name__", None) or type(func).__name__
    if raw.startswith("__") and raw.endswith("__"):
        name = raw[2:-2]
        if name[:1] == "i" and name[1:] in _ARITHMETIC:
            return f"{name[1:]}_", True
        if name[:1] == "r" and name[1:] in _ARITHMETIC:
            return name[1:], False
        return name, False
    return raw.lstrip("_") or "op", raw.endswith("_")


def _shares_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


class Recorder:
    def __init__(
        self,
        recorded: dict[nn.Module, str],
        scopes: dict[nn.Module, str],
        *,
        grads: bool,
        reduce: Reducer | None,
    ) -> None:
        self.recorded = recorded
        self.scopes = scopes
        self.grads = grads
        self.reduce = reduce
        self.tags = Tags()
        self.calls: dict[str, int] = {}
        self.stack: list[Call] = []
        self.scope_stack: list[str] = []
        self.done: list[Call] = []
        self.depth = 0  # recorded module calls in progress
        self._order = 0

    def busy(self) -> bool:
        return self.depth > 0

    def _start(
        self, base: str, kind: str, module: nn.Module | None, tensors: list[torch.Tensor]
    ) -> Call:
        count = self.calls[base] = self.calls.get(base, 0) + 1
        self._order += 1
        return Call(
            name=base if count == 1 else f"{base}#{count}",
            kind=kind,
            module=module,
            module_name=base if module is not None else "",
            call=count,
            order=self._order,
            inputs=self.tags.of(tensors),
            input_shapes=tuple(tuple(t.shape) for t in tensors),
            input_text=", ".join(describe(t) for t in tensors) or "no tensors",
        )

    def _keep(self, name: str, tensor: torch.Tensor) -> torch.Tensor:
        """The value to keep: reduced on its device, and a copy of its own.

        A copy now, because a later in-place op (``ReLU(inplace=True)``) may
        overwrite this very tensor before the pass ends.
        """
        value = tensor.detach()
        if self.reduce is not None:
            value = self.reduce(name, value)
        return value.clone() if _shares_storage(value, tensor) else value

    # -- module hooks ---------------------------------------------------------------

    def before(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        tensors = list(iter_tensors((args, kwargs)))
        self.stack.append(
            self._start(self.recorded[module], type(module).__name__, module, tensors)
        )
        self.depth += 1

    def after(
        self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
    ) -> Any:
        call = self.stack.pop()
        self.depth -= 1
        call.captured = map_tensors(output, lambda t: self._keep(call.name, t))
        self.done.append(call)
        if self.grads:
            # The graph keeps the module's own output; downstream code gets a
            # copy, so an in-place op after it cannot change what ∂L/∂output means.
            call.live = output
            output = map_tensors(output, torch.Tensor.clone)
        for tensor in iter_tensors(output):
            self.tags.set(tensor, (call.name,))
        return output if self.grads else None

    def enter_scope(self, module: nn.Module, args: tuple[Any, ...]) -> None:
        self.scope_stack.append(self.scopes[module])

    def leave_scope(self, module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        self.scope_stack.pop()

    # -- ops (ops=True) -------------------------------------------------------------

    def record_op(
        self, func: Any, inputs: list[torch.Tensor], names: tuple[str, ...], out: Any
    ) -> bool:
        op, in_place = _op_name(func)
        outputs = list(iter_tensors(out))
        passes_through = any(o is t for o in outputs for t in inputs) and not in_place
        if not outputs or op in _NOT_STEPS or passes_through:
            return False
        scope = self.scope_stack[-1] if self.scope_stack else ""
        call = self._start(f"{scope}.{op}" if scope else op, op, None, inputs)
        call.inputs = names
        call.captured = map_tensors(out, lambda t: self._keep(call.name, t))
        call.live = out if self.grads else None
        self.done.append(call)
        for tensor in outputs:
            self.tags.set(tensor, (call.name,))
        return True

    # -- failure --------------------------------------------------------------------

    def error(self, exc: BaseException, model: nn.Module) -> TraceError:
        reason = f"{type(exc).__name__}: {exc}"
        if self.stack:
            call = self.stack[-1]
            module = call.module
            assert module is not None
            config = f"{type(module).__name__}({module.extra_repr()})"
            return TraceError(
                f"layer {call.name!r} ({config}) failed on input {call.input_text}: {reason}",
                layer=call.name,
                input_shapes=call.input_shapes,
            )
        if self.done:
            call = self.done[-1]
            shapes = ", ".join(describe(t) for t in iter_tensors(call.captured))
            where = f"after layer {call.name!r} ({call.kind}) returned {shapes}"
        else:
            where = "before any layer ran"
        return TraceError(f"{type(model).__name__}.forward raised {where}: {reason}")
