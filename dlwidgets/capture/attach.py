"""How the recorder hears of each call of a recorded module, for the length of one trace.

A forward pre-hook and a forward hook per module work everywhere, but a
module with hooks runs through ``nn.Module``'s slow call path, and each hook
is registered and removed on every trace. A module with no hooks of any kind
gets a wrapper on its instance's ``forward`` instead: the fast call path
calls it, and what it sees is exactly what hooks registered last would see
(the arguments after every pre-hook, the value the caller receives). The
wrapper is removed when the trace ends, also when the forward raised.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from dlwidgets.capture.chain import global_hooks
from dlwidgets.capture.recorder import Recorder


def _wrappable(module: nn.Module) -> bool:
    """No hook could change what flows in or out around ``forward``, and ``forward`` is
    the class's own (not already replaced on the instance, not a scripted module)."""
    return (
        not module._forward_hooks
        and not module._forward_pre_hooks
        and not module._backward_hooks
        and not module._backward_pre_hooks
        and "forward" not in module.__dict__
        and not isinstance(module, torch.jit.ScriptModule)
    )


def _recording(recorder: Recorder, module: nn.Module, forward: Callable[..., Any]) -> Any:
    def recorded_forward(*args: Any, **kwargs: Any) -> Any:
        recorder.before(module, args, kwargs)
        output = forward(*args, **kwargs)
        recorder.after(module, args, kwargs, output)
        return output

    return recorded_forward


@contextmanager
def attached(recorder: Recorder, modules: list[nn.Module]) -> Iterator[None]:
    """``recorder.before``/``after`` run around every call of ``modules`` inside the block."""
    wrapped: list[nn.Module] = []
    handles = []
    wrap = not global_hooks()
    try:
        for module in modules:
            if wrap and _wrappable(module):
                # The instance's dict directly: nn.Module.__setattr__ is slow.
                module.__dict__["forward"] = _recording(recorder, module, module.forward)
                wrapped.append(module)
            else:
                handles.append(module.register_forward_pre_hook(recorder.before, with_kwargs=True))
                handles.append(module.register_forward_hook(recorder.after, with_kwargs=True))
        yield
    finally:
        for module in wrapped:
            module.__dict__.pop("forward", None)
        for handle in handles:
            handle.remove()
