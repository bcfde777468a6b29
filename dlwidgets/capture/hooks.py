"""Forward pre- and post-hooks on many modules, added and removed together.

The entries are the ones ``register_forward_pre_hook(hook, with_kwargs=True)``
and ``register_forward_hook(hook, with_kwargs=True)`` make, written straight
into each module's hook dicts. Through the public calls each hook costs a
``RemovableHandle`` (weak references to three dicts) and its removal, about
3 µs a module: 0.2 ms of every trace of a ResNet-18, whose forward takes 20.
A module class that registers hooks its own way goes through the public calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn
from torch.utils.hooks import RemovableHandle

PreHook = Callable[[nn.Module, tuple[Any, ...], dict[str, Any]], Any]
PostHook = Callable[[nn.Module, tuple[Any, ...], dict[str, Any], Any], Any]


def _registers_its_own_way(module: nn.Module) -> bool:
    cls = type(module)
    return (
        cls.register_forward_pre_hook is not nn.Module.register_forward_pre_hook
        or cls.register_forward_hook is not nn.Module.register_forward_hook
    )


class ForwardHooks:
    """``add`` hooks module by module; ``remove`` takes every one of them off again."""

    def __init__(self) -> None:
        self._added: list[tuple[nn.Module, int]] = []
        self._handles: list[RemovableHandle] = []

    def add(self, module: nn.Module, before: PreHook, after: PostHook) -> None:
        """``before`` runs after the module's own pre-hooks, ``after`` after its own hooks."""
        if _registers_its_own_way(module):
            self._handles.append(module.register_forward_pre_hook(before, with_kwargs=True))
            self._handles.append(module.register_forward_hook(after, with_kwargs=True))
            return
        # One id from torch's own counter, so no handle the user holds can share it.
        key = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        self._added.append((module, key))  # first: remove() takes off whatever got written
        module._forward_pre_hooks[key] = before
        module._forward_pre_hooks_with_kwargs[key] = True
        module._forward_hooks[key] = after
        module._forward_hooks_with_kwargs[key] = True

    def remove(self) -> None:
        for module, key in self._added:
            module._forward_pre_hooks.pop(key, None)
            module._forward_pre_hooks_with_kwargs.pop(key, None)
            module._forward_hooks.pop(key, None)
            module._forward_hooks_with_kwargs.pop(key, None)
        self._added.clear()
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
