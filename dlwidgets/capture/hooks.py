"""Forward pre- and post-hooks on many modules, added and removed together.

A module with no forward, backward or compiled call of its own added (most
modules) gets neither: its ``forward`` is shadowed on the instance by one that
calls ``before``, the class's forward and ``after``, and the instance attribute
is deleted again afterwards. ``nn.Module.__call__`` then takes its fast path
(no hook to dispatch): torch's hook machinery costs about 2 µs a call, and
more in a running forward, which a ResNet-18 pays 61 times. The user's
pre-hooks still run first; with a forward hook of its own (which runs after
``forward`` and may replace its output, which ``after`` must see) a module
gets real hooks.

Those hooks are the entries ``register_forward_pre_hook(hook, with_kwargs=True)``
and ``register_forward_hook(hook, with_kwargs=True)`` make, written straight
into each module's hook dicts: through the public calls each hook costs a
``RemovableHandle`` (weak references to three dicts) and its removal, about
3 µs a module. A module class that registers hooks its own way goes through
the public calls.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MethodType
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

PreHook = Callable[[nn.Module, tuple[Any, ...], dict[str, Any]], Any]
PostHook = Callable[[nn.Module, tuple[Any, ...], dict[str, Any], Any], Any]
# (module, its class's forward bound to it, live) -> what stands in for its forward, as
# a function of the module it is bound to and the arguments. It records only while
# live[0] is the module it is bound to; otherwise it calls that module's class forward.
Around = Callable[[nn.Module, Callable[..., Any], list[Any]], Callable[..., Any]]


def _wrappable(module: nn.Module) -> bool:
    """Calling it runs pre-hooks, then ``type(module).forward``, then nothing that
    could change what it returned: ``after`` may run inside ``forward``."""
    state = module.__dict__
    return (
        "forward" not in state
        and state.get("_compiled_call_impl") is None
        and not state["_forward_hooks"]
        and not state["_backward_hooks"]
        and not state["_backward_pre_hooks"]
        and _class_wrappable(type(module))
    )


def _class_wrappable(cls: type[nn.Module]) -> bool:
    """Whether instances are called through ``nn.Module.__call__`` as torch wrote it
    (kept per class: a few hundred classes at most, read on every trace)."""
    known = _classes.get(cls)
    if known is None:
        if len(_classes) > 512:
            _classes.clear()
        known = _classes[cls] = _class_checks(cls)
    return known


_classes: dict[type, bool] = {}


def _class_checks(cls: type[nn.Module]) -> bool:
    return (
        cls.__call__ is nn.Module.__call__
        and cls._call_impl is nn.Module._call_impl
        and not issubclass(cls, torch.jit.ScriptModule)
        and not _registers_its_own_way(cls)  # it may hook something else instead
    )


def _around(before: PreHook, after: PostHook) -> Around:
    """The plain stand-in: ``before``, the forward, ``after``."""

    def around(
        module: nn.Module, forward: Callable[..., Any], live: list[Any]
    ) -> Callable[..., Any]:
        def traced(bound: nn.Module, *args: Any, **kwargs: Any) -> Any:
            if bound is not live[0]:
                return not_standing_in(bound, args, kwargs)
            before(module, args, kwargs)
            output = forward(*args, **kwargs)
            after(module, args, kwargs, output)
            return output

        return traced

    return around


def _stand_in(
    module: nn.Module, around: Around, forward: Callable[..., Any]
) -> tuple[MethodType, list[Any]]:
    """What ``around`` makes, as ``module.forward`` (a method bound to it), and the list
    that ``remove`` clears to switch it off.

    Whatever holds on to it after the trace, or got it with a copy of the module
    made meanwhile (``copy.deepcopy`` binds it to the copy), calls the class's
    forward of the module it is bound to: only ``module`` itself is recorded, and
    only while the trace runs.
    """
    live: list[Any] = [module]
    traced = around(module, forward, live)
    traced.__wrapped__ = type(module).forward  # type: ignore[attr-defined]  # for inspect
    traced.__name__ = "forward"  # a pickle of a copy made meanwhile loads it as the class's
    traced._live = live  # type: ignore[attr-defined]  # read by not_standing_in
    return MethodType(traced, module), live


def not_standing_in(bound: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A stand-in called on a module it was not made for (a copy made during its
    trace: ``copy.deepcopy`` rebinds it), or after its trace (a forward kept): the
    class's forward. A copy is rid of it here, once its trace is no longer using it."""
    entry = bound.__dict__.get("forward")
    live = getattr(getattr(entry, "__func__", None), "_live", None)
    if live is not None and live[0] is not bound:
        del bound.__dict__["forward"]
    return type(bound).forward(bound, *args, **kwargs)


def _registers_its_own_way(cls: type[nn.Module]) -> bool:
    return (
        cls.register_forward_pre_hook is not nn.Module.register_forward_pre_hook
        or cls.register_forward_hook is not nn.Module.register_forward_hook
    )


class ForwardHooks:
    """``add`` hooks module by module; ``remove`` takes every one of them off again."""

    def __init__(self, *, wrap: bool = True) -> None:
        """``wrap=False``: hooks on every module (a hook registered for every module
        runs after ``forward``, and ``after`` must see what it returns; a model
        copied module by module during its forward, as ``nn.DataParallel`` does,
        would carry stand-ins bound to the original)."""
        self._wrap = wrap
        self._wrapped: list[tuple[nn.Module, MethodType, list[Any]]] = []
        self._added: list[tuple[nn.Module, int]] = []
        self._handles: list[RemovableHandle] = []

    def add(
        self,
        module: nn.Module,
        before: PreHook,
        after: PostHook,
        around: Around | None = None,
        *,
        wrap: bool = True,
    ) -> None:
        """``before`` runs after the module's own pre-hooks, ``after`` after its own hooks.

        ``around`` makes the forward that stands in for the module's own, when it
        can (and ``wrap``): one that runs ``before`` and ``after`` by default.
        """
        if wrap and self._wrap and _wrappable(module):
            forward = module.forward  # the class's, bound
            method, live = _stand_in(module, around or _around(before, after), forward)
            # setdefault: never over another trace's stand-in (that trace takes it off).
            # Two traces of one model at once in two threads are not supported.
            if module.__dict__.setdefault("forward", method) is method:
                self._wrapped.append((module, method, live))
                return
        if _registers_its_own_way(type(module)):
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
        for module, method, live in self._wrapped:
            if module.__dict__.get("forward") is method:  # (not another trace's)
                del module.__dict__["forward"]  # the method holds the module: a cycle till now
            live[0] = None  # a reference kept elsewhere now calls the class's forward
            del live[1:]  # and holds nothing of the trace
        self._wrapped.clear()
        for module, key in self._added:
            module._forward_pre_hooks.pop(key, None)
            module._forward_pre_hooks_with_kwargs.pop(key, None)
            module._forward_hooks.pop(key, None)
            module._forward_hooks_with_kwargs.pop(key, None)
        self._added.clear()
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
