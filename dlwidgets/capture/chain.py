"""A plain ``nn.Sequential`` run by the trace itself, without hooks.

``nn.Sequential.forward`` only calls its children in order, each on the last
one's output. When a model is made of nothing else (plain Sequentials down to
the recorded leaves), the trace can call the children itself and record each
call directly: no hook is registered, dispatched or removed, and no
``TorchFunctionMode`` sees every op, because the dataflow is the chain. That
is the difference between hooks costing more than the copy and not (an MLP's
forward is a few hundred microseconds).

Anything else (a custom forward, hooks on a container, keyword or several
inputs, ``ops=True``) takes the general path.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as module_globals

from dlwidgets.capture.recorder import Recorder
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


def chain_of(
    model: nn.Module,
    recorded: dict[nn.Module, str],
    inputs: tuple[Any, ...],
    kwargs: dict[str, Any],
    ops: bool,
) -> list[nn.Module] | None:
    """The modules the model's forward calls in order, or None when it is not a plain chain."""
    if ops or kwargs or len(inputs) != 1 or not isinstance(inputs[0], torch.Tensor):
        return None
    if _global_hooks() or not _plain_sequential(model) or model in recorded:
        return None
    chain: list[nn.Module] = []

    def walk(sequential: nn.Module) -> bool:
        for child in sequential._modules.values():
            if child is None:
                continue
            if child in recorded:
                if next(child.children(), None) is not None:
                    return False  # a recorded container: its insides run under hooks
                chain.append(child)
            elif _plain_sequential(child):
                if not walk(child):
                    return False
            elif next(child.children(), None) is None:
                chain.append(child)  # a leaf the trace does not record
            else:
                return False
        return True

    return chain if walk(model) else None


def run_chain(recorder: Recorder, chain: list[nn.Module], x: Any) -> Any:
    """Call each module of the chain on the last output, recording the recorded ones."""
    for module in chain:
        if module in recorder.recorded:
            recorder.before(module, (x,), {})
            out = module(x)
            recorder.after(module, (x,), {}, out)
        else:
            if recorder.copy_on_write and getattr(module, "inplace", False) is True:
                recorder.protect([x])  # it will write into the last capture
            out = module(x)
            # What the next record reads came from what this module read.
            names = recorder.tags.of(list(iter_tensors(x)))
            for tensor in iter_tensors(out) if names else ():
                if recorder.tags.get(tensor) is None:
                    recorder.tags.set(tensor, names)
        x = out
    return x
