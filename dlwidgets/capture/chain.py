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

from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_globals

from dlwidgets.capture.recorder import Recorder, writes_its_input
from dlwidgets.capture.tensors import iter_tensors


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


def _global_hooks() -> bool:
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
    containers: list[nn.Module], inputs: tuple[Any, ...], kwargs: dict[str, Any]
) -> bool:
    """Whether this call can run the chain: one tensor in, and no hook or forward of its own
    added to any of its Sequentials since (those are checked on every call)."""
    if kwargs or len(inputs) != 1 or not isinstance(inputs[0], torch.Tensor):
        return False
    return not _global_hooks() and all(_plain_sequential(c) for c in containers)


def chain_of(
    model: nn.Module,
    recorded: dict[nn.Module, str],
    inputs: tuple[Any, ...],
    kwargs: dict[str, Any],
    ops: bool,
) -> list[nn.Module] | None:
    """The modules the model's forward calls in order, or None when this call is not a chain."""
    structure = chain_structure(model, recorded, ops)
    if structure is None or not chain_usable(structure[1], inputs, kwargs):
        return None
    return structure[0]


def run_chain(recorder: Recorder, chain: list[nn.Module], x: Any) -> Any:
    """Call each module of the chain on the last output, recording the recorded ones.

    The dataflow is the chain itself: each record read the last record before
    it (or the input), so no tensor needs a tag.
    """
    last: tuple[str, ...] = ("input",)
    recorded = recorder.recorded
    for module in chain:
        base = recorded.get(module)
        if base is None:
            if recorder.copy_on_write and writes_its_input(module):
                recorder.protect(list(iter_tensors(x)))  # it will write into the last capture
            x = module(x)
            continue
        tensors = [x] if isinstance(x, torch.Tensor) else list(iter_tensors(x))
        recorder.open(module, base, tensors, last)
        x = module(x)
        last = (recorder.close(x).name,)
    return x
