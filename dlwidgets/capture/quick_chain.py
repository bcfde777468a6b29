"""The shortest trace: a plain chain of torch's own modules that cannot change the model.

Most of the course's models are that: ``nn.Sequential(nn.Flatten(), nn.Linear(…),
nn.ReLU(), …)`` in eval mode. Their trace needs no hook, no saved state (see
``stateless``) and no version check: torch's own modules write into their
input only when built with ``inplace=True``, which says so before the call, and
the capture it would overwrite is copied first. So the trace is the chain run
with one record kept per call.

What the general path works out on every call (a plan from a walk of the
whole tree, then the chain and stateless checks: about a tenth of a small
MLP's forward) is kept here per model, and checked again on each call in a
few attribute reads: the same containers holding the same modules under the
same keys, of the same classes, with no hook or forward of their own, in eval
mode where that matters. Anything else goes the general way.

The memo holds the model by a weak reference (its entry goes with it) and its
modules until the model goes, or until the first trace after it changed.
"""

from __future__ import annotations

import weakref
from typing import Any

import torch
from torch import nn

from dlwidgets.capture.chain import Step, global_hooks
from dlwidgets.capture.host_copy import to_host
from dlwidgets.capture.plan import Plan
from dlwidgets.capture.record import Layer, Trace
from dlwidgets.capture.recorder import copy_of, layer_error, model_error
from dlwidgets.capture.stateless import in_eval_only, leaves_state_alone
from dlwidgets.capture.tensors import storage_of

_set_grad_enabled = torch._C._set_grad_enabled
_is_grad_enabled = torch.is_grad_enabled
_jit_tracing = torch._C._get_tracing_state


def _one_call(x: Any) -> bool:
    """What this call must be, whatever the model: a plain strided tensor in (not a
    subclass, not sparse: the memory checks read its storage), and no hook registered
    for every module (it could do anything)."""
    return (
        type(x) is torch.Tensor
        and x.layout == torch.strided
        and not global_hooks()
        and not _jit_tracing()  # torch.jit.trace calls a module's _slow_forward
    )


class QuickChain:
    """One model's chain, as the general path found it, and what must hold to run it again."""

    __slots__ = ("_chain", "_checks", "_steps")

    def __init__(self, model: nn.Module, plan: Plan) -> None:
        assert plan.chain is not None
        self._chain = tuple(plan.chain)
        self._steps: tuple[Step | None, ...] = plan.steps
        # Per module of the tree (the model first, as None: it is the caller's argument
        # and is not kept): the module, its class, its children under their keys (the
        # containers') or None (the chain's leaves, which have none), and whether it
        # leaves the state alone only in eval mode.
        containers = [c for c in plan.containers if c is not model]
        self._checks: tuple[tuple[nn.Module | None, type, Any, bool], ...] = tuple(
            (
                None if module is model else module,
                type(module),
                tuple(module._modules.items()) if leaf is False else None,
                leaf and in_eval_only(type(module)),
            )
            for module, leaf in [(model, False)]
            + [(c, False) for c in containers]
            + [(m, True) for m in self._chain]
        )

    @classmethod
    def found(cls, model: nn.Module, plan: Plan, x: Any) -> QuickChain | None:
        """The quick chain for this call, when it can go the quick way: a chain of
        torch's own modules that cannot change the model's state, and what ``fits``
        asks on every call (one plain tensor in, no hooks, one tensor out of each)."""
        if plan.chain is None or not leaves_state_alone(plan.chain):
            return None
        quick = cls(model, plan)
        return quick if quick.fits(model, x) else None

    def fits(self, model: nn.Module, x: Any) -> bool:
        """Whether the model is still the chain it was, and this call can run it.

        Read from each module's ``__dict__``: this runs on every call.
        """
        if not _one_call(x):
            return False
        for module, cls, items, eval_only in self._checks:
            if module is None:
                module = model
            state = module.__dict__
            if (
                type(module) is not cls
                or state["_forward_hooks"]
                or state["_forward_pre_hooks"]
                or state["_backward_hooks"]
                or state["_backward_pre_hooks"]
                or "forward" in state
                or state.get("_compiled_call_impl") is not None
                or state.get("return_indices")  # pooling returning a tuple
                or (eval_only and state["training"])
                or (tuple(state["_modules"].items()) != items if items else state["_modules"])
            ):
                return False
        return True

    def run(self, model: nn.Module, x0: torch.Tensor) -> Trace:
        """Trace one call: each module on the last one's output, a record kept per call."""
        model_input = (x0.detach() if x0.requires_grad else x0).clone()
        version = -1 if x0.is_inference() else x0._version  # inference tensors keep none
        kept: list[torch.Tensor] = []
        made: list[tuple[Step, nn.Module, torch.Size]] = []
        steps = self._steps
        x = x0
        position = 0
        rewritten = False  # whether a capture was copied before an in-place write
        grad_was = _is_grad_enabled()
        _set_grad_enabled(False)
        try:
            for module in self._chain:
                if kept and module.__dict__.get("inplace"):  # (torch reads it as a truth value)
                    _copy_before_write(kept, x)
                    rewritten = True
                # Its class's forward, called directly: with no hook anywhere and no
                # compiled or instance forward, ``module(x)`` would only call this, a
                # microsecond later.
                out = type(module).forward(module, x)
                step = steps[position]
                if step is not None:
                    kept.append(out)
                    made.append((step, module, x.shape))
                x = out
                position += 1  # read on failure
        except Exception as exc:
            step = steps[position]
            if step is not None:
                raise layer_error(step.name, self._chain[position], [x], exc) from exc
            last = (made[-1][0].name, made[-1][0].kind, kept[-1]) if made else None
            raise model_error(model, last, exc) from exc
        finally:
            _set_grad_enabled(grad_was)
        # A record may view the caller's input (nn.Flatten or nn.Identity first), which
        # the caller may write into later: it keeps its own memory.
        x = _own_input_views(kept, x, x0, model_input, version, rewritten)
        copied: dict[str, int] = {}
        inputs = {"input": model_input}
        if not x0.is_cpu:
            (kept, inputs, x), copied = to_host([kept, inputs, x])
        layers = [
            Layer.made(
                step.name,
                step.kind,
                step.module_name,
                step.call,
                step.inputs,
                (tuple(shape),),
                value,
                None,
                module,
            )
            for (step, module, shape), value in zip(made, kept, strict=True)
        ]
        return Trace(layers, inputs, x, bytes_copied=copied)


def _copy_before_write(kept: list[torch.Tensor], x: torch.Tensor) -> None:
    """The next module writes into ``x``: copy the captures sharing its memory first."""
    written = storage_of(x)
    for index, captured in enumerate(kept):
        if storage_of(captured) == written:
            kept[index] = captured.clone()


def _own_input_views(
    kept: list[torch.Tensor],
    output: torch.Tensor,
    x0: torch.Tensor,
    model_input: torch.Tensor,
    version: int,
    rewritten: bool,
) -> torch.Tensor:
    """Give each record that shares the caller's input memory of its own; return the
    output, likewise.

    torch's own modules return a new tensor or a view of their input, so only the
    first records of the chain can share it: the first new tensor ends the search
    (unless ``rewritten``: a capture copied before an in-place write is new, but the
    record after it may still be the input).
    While the forward left the input unwritten, such a record becomes the same view
    of the trace's copy of the input, which holds the same values: no second copy.
    """
    shared = storage_of(x0)

    def own(t: torch.Tensor) -> torch.Tensor:
        t = t.detach()  # the caller's input itself may need a gradient
        if version >= 0 and x0._version == version and model_input.stride() == x0.stride():
            offset = model_input.storage_offset() - x0.storage_offset()
            return model_input.as_strided(t.shape, t.stride(), t.storage_offset() + offset)
        return copy_of(t)

    replaced: dict[int, torch.Tensor] = {}
    for index, captured in enumerate(kept):
        if storage_of(captured) != shared:
            if rewritten:
                continue
            return output  # a new tensor: nothing after it can view the input
        kept[index] = replaced[id(captured)] = own(captured)
    if id(output) in replaced:
        return replaced[id(output)]
    return own(output) if storage_of(output) == shared else output


# model id → (weak reference to the model, its quick chains by selector)
_memo: dict[int, tuple[weakref.ref[nn.Module], dict[Any, QuickChain]]] = {}


def remembered(model: nn.Module, selector: Any, x: Any) -> QuickChain | None:
    """The model's quick chain for this selector, if it still fits the model and ``x``."""
    entry = _memo.get(id(model))
    if entry is None or entry[0]() is not model:
        return None
    quick = entry[1].get(selector)
    if quick is None:
        return None
    if quick.fits(model, x):
        return quick
    entry[1].pop(selector, None)  # changed: the general path decides again (and lets it go)
    return None


def remember(model: nn.Module, selector: Any, quick: QuickChain) -> QuickChain:
    """Keep the model's quick chain (``QuickChain.found``) when ``selector`` (the layers=
    and ops= choice) can be a key."""
    if selector is None:
        return quick
    key = id(model)
    entry = _memo.get(key)
    if entry is None or entry[0]() is not model:
        ref = weakref.ref(model, lambda ref, key=key: _forget(key, ref))
        entry = _memo[key] = (ref, {})
    chains = entry[1]
    if len(chains) >= 8:  # a notebook trying many selectors on one model
        chains.clear()
    chains[selector] = quick
    return quick


def _forget(key: int, ref: weakref.ref[nn.Module]) -> None:
    entry = _memo.get(key)
    if entry is not None and entry[0] is ref:
        del _memo[key]
