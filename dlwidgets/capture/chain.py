"""A plain ``nn.Sequential`` run by the trace itself, without hooks.

``nn.Sequential.forward`` only calls its children in order, each on the last
one's output. When a model is made of nothing else (plain Sequentials down to
the recorded leaves), the trace can call the children itself and record each
call directly: no hook is registered, dispatched or removed, and no
``TorchFunctionMode`` sees every op, because the dataflow is the chain. That
is the difference between hooks costing more than the copy and not (an MLP's
forward is a few hundred microseconds).

Anything else (a custom forward, hooks on a container, keyword or several
inputs, ``ops=True`` with a module the trace does not record) takes the
general path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_globals

from dlwidgets.capture.recorder import (
    Call,
    Reducer,
    Spoiled,
    gradient_edges,
    kept_value,
    layer_error,
    model_error,
    writes_its_input,
)
from dlwidgets.capture.tensors import iter_tensors, map_tensors, storage_of
from dlwidgets.errors import TraceError


def _plain_sequential(module: nn.Module) -> bool:
    """Calling it does nothing but call its children: no forward of its own, no hook."""
    return (
        isinstance(module, nn.Sequential)
        and type(module).forward is nn.Sequential.forward
        and "forward" not in module.__dict__  # a forward wrapped on the instance (accelerate…)
        and not module._forward_hooks
        and not module._forward_pre_hooks
        and not module._backward_hooks
        and not module._backward_pre_hooks
    )


def global_hooks() -> bool:
    """Whether hooks for every module are registered (they run around each call)."""
    return bool(
        module_globals._global_forward_hooks
        or module_globals._global_forward_pre_hooks
        or module_globals._global_forward_hooks_always_called
        or module_globals._global_backward_hooks
        or module_globals._global_backward_pre_hooks
    )


def chain_structure(
    model: nn.Module, recorded: dict[nn.Module, str], ops: bool
) -> tuple[list[nn.Module], list[nn.Module]] | None:
    """The modules the model's forward calls in order, and the Sequentials they sit in.

    None when the model is not a plain chain. With ``ops`` every module of the
    chain must be recorded: then no torch op runs outside a record.
    """
    if not _plain_sequential(model) or model in recorded:
        return None
    chain: list[nn.Module] = []
    containers: list[nn.Module] = [model]

    def walk(sequential: nn.Module) -> bool:
        for child in sequential._modules.values():
            if child is None:
                continue
            if child in recorded:
                if next(child.children(), None) is not None:
                    return False  # a recorded container: its insides run under hooks
                chain.append(child)
            elif _plain_sequential(child):
                containers.append(child)
                if not walk(child):
                    return False
            elif next(child.children(), None) is None and not ops:
                chain.append(child)  # a leaf the trace does not record
            else:
                return False
        return True

    return (chain, containers) if walk(model) else None


def chain_usable(
    chain: list[nn.Module],
    containers: list[nn.Module],
    inputs: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> bool:
    """Whether this call can run the chain (checked on every call): one tensor in, no hook
    or forward of its own added to any of its Sequentials, and no forward pre-hook on a
    module of the chain (it could change what the module reads, which hooks would see;
    a lazy module's first call has one)."""
    if kwargs or len(inputs) != 1 or not isinstance(inputs[0], torch.Tensor):
        return False
    return (
        not global_hooks()
        and all(_plain_sequential(c) for c in containers)
        and not any(m._forward_pre_hooks for m in chain)
    )


@dataclass(frozen=True)
class Step:
    """What the record of one chain position will say, known before the chain runs."""

    name: str
    kind: str
    module_name: str
    call: int
    inputs: tuple[str, ...]


def chain_steps(chain: list[nn.Module], recorded: dict[nn.Module, str]) -> tuple[Step | None, ...]:
    """Each position's record (None where the module is not recorded).

    The dataflow is the chain itself: each record read the last record before
    it, or the input.
    """
    counts: dict[str, int] = {}
    last: tuple[str, ...] = ("input",)
    steps: list[Step | None] = []
    for module in chain:
        base = recorded.get(module)
        if base is None:
            steps.append(None)
            continue
        count = counts[base] = counts.get(base, 0) + 1
        name = base if count == 1 else f"{base}#{count}"
        steps.append(Step(name, type(module).__name__, base, count, last))
        last = (name,)
    return tuple(steps)


def run_chain(
    chain: list[nn.Module],
    steps: tuple[Step | None, ...],
    x: Any,
    *,
    copy_on_write: bool,
    grads: bool,
    reduce: Reducer | None,
    model: nn.Module,
    restored: frozenset[int] = frozenset(),
) -> tuple[list[Call], Any]:
    """Call each module of the chain on the last output; return its records and the output.

    Each record costs one module call and one append: names and inputs come
    from ``steps``, and the captures alias the model's tensors (copied only
    before a module that writes its input in place, as the hooked path does).
    Raises :class:`Spoiled` when an unannounced write reached a capture.
    """
    calls: list[Call] = []
    versions: list[int] = []
    # Most records keep a plain tensor as it is: that case is written out here.
    by_reference = copy_on_write and reduce is None and not restored and not grads
    position = 0
    try:
        # position: read by the error below
        for position, module in enumerate(chain):
            if calls and writes_its_input(module):
                _copy_before_write(calls, versions, x)
            out = module(x)
            step = steps[position]
            if step is None:
                pass
            elif (
                by_reference
                and type(out) is torch.Tensor
                and not out.requires_grad
                and not out.is_inference()
            ):
                call = _started(step, module, x, len(calls) + 1)
                call.captured = out
                calls.append(call)
                versions.append(out._version)
            else:
                call, version = _made(
                    step, module, x, out, len(calls) + 1, copy_on_write, grads, reduce, restored
                )
                calls.append(call)
                versions.append(version)
            x = out
    except (Spoiled, TraceError):
        raise
    except Exception as exc:
        step = steps[position]
        if step is None:
            last = calls[-1] if calls else None
            after = None if last is None else (last.name, last.kind, last.captured)
            raise model_error(model, after, exc) from exc
        raise layer_error(step.name, chain[position], list(iter_tensors(x)), exc) from exc
    if copy_on_write:
        for call, version in zip(calls, versions, strict=True):
            if version >= 0 and call.captured._version != version:
                raise Spoiled
    return calls, x


def _made(
    step: Step,
    module: nn.Module,
    x: Any,
    out: Any,
    order: int,
    copy_on_write: bool,
    grads: bool,
    reduce: Reducer | None,
    restored: frozenset[int],
) -> tuple[Call, int]:
    """The record of one chain position, and the version of its capture when it is kept
    by reference (-1 when it was copied: only a single tensor is kept by reference)."""
    call = _started(step, module, x, order)
    version = -1
    if isinstance(out, torch.Tensor):
        call.captured, aliased = kept_value(step.name, out, copy_on_write, reduce, restored)
        if aliased:
            version = call.captured._version
    else:
        call.captured = map_tensors(
            out, lambda t: kept_value(step.name, t, copy_on_write=False, reduce=reduce)[0]
        )
    if grads:
        call.live = out
        call.edges = gradient_edges(out)
    return call, version


def _started(step: Step, module: nn.Module, x: Any, order: int) -> Call:
    """The record of one position, before its output is kept."""
    return Call(
        step.name,
        type(module).__name__,  # now: a lazy module has become its final class
        module,
        step.module_name,
        step.call,
        order,
        step.inputs,
        (tuple(x.shape),)
        if type(x) is torch.Tensor
        else tuple(tuple(t.shape) for t in iter_tensors(x)),
    )


def _copy_before_write(calls: list[Call], versions: list[int], x: Any) -> None:
    """A module will write into ``x``: copy the captures that share its memory first."""
    written = {storage_of(t) for t in iter_tensors(x)}
    for index, call in enumerate(calls):
        captured = call.captured
        if not isinstance(captured, torch.Tensor) or versions[index] < 0:
            continue
        if storage_of(captured) in written:
            if captured._version != versions[index]:
                raise Spoiled  # already written unannounced: too late to copy
            call.captured = captured.clone()
            versions[index] = -1
