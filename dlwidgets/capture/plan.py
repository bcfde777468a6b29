"""What a trace needs to know of a model's structure, worked out once per structure.

Choosing the recorded modules and finding a plain chain walk the whole module
tree with pattern matching; for a small model that costs as much as the rest
of the trace. The choice depends only on each module's place in the tree (its
depth and key, which give its name), type and number of children, so it is
kept under that fingerprint (and the selector) as positions in the walk: the
cache holds no module, and a model that changes shape gets a fresh plan.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from torch import nn

from dlwidgets.capture.chain import Step, chain_steps, chain_structure, chain_usable
from dlwidgets.capture.selection import LayerSelector, select_modules

_MAX_PLANS = 64

# Per place in the tree, in walk order: (depth, key in its parent, type, number of
# children), or (depth, key, None, position of its first visit) for a module met again.
Fingerprint = tuple[tuple[int, str, type | None, int], ...]


@dataclass(frozen=True)
class _Positions:
    """A plan as positions in the walk, valid for any model with the same fingerprint."""

    names: tuple[str, ...]
    recorded: tuple[tuple[int, str], ...]
    chain: tuple[int, ...] | None
    containers: tuple[int, ...]
    steps: tuple[Step | None, ...]


class Plan:
    """The modules to record (with their names), every module's qualified name, and the chain.

    ``recorded`` and ``scopes`` are built when first read: a chain needs neither.
    """

    def __init__(self, modules: list[nn.Module], positions: _Positions) -> None:
        self.modules = modules
        self._positions = positions
        chain = positions.chain
        self.chain = None if chain is None else [modules[i] for i in chain]
        self.containers = [modules[i] for i in positions.containers]
        self.steps = positions.steps  # the record each chain position makes

    @cached_property
    def recorded(self) -> dict[nn.Module, str]:
        return {self.modules[i]: label for i, label in self._positions.recorded}

    @cached_property
    def scopes(self) -> dict[nn.Module, str]:
        return dict(zip(self.modules, self._positions.names, strict=True))

    def chain_for(self, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> list[nn.Module] | None:
        """The chain to run for this call, or None for the general path."""
        if self.chain is None or not chain_usable(self.chain, self.containers, inputs, kwargs):
            return None
        return self.chain


_plans: OrderedDict[tuple[Fingerprint, Any], _Positions] = OrderedDict()
_plans_lock = threading.Lock()  # traces may run in several threads (a Playground's, say)


def _walk(model: nn.Module) -> tuple[list[nn.Module], Fingerprint]:
    """Every module once, in ``named_modules``' order, and the fingerprint of the tree.

    A module met again (shared by two parents, or twice in one Sequential) is
    not walked again, but its place is in the fingerprint with the position
    of its first visit: ``Sequential(p, q, p)`` and ``Sequential(p, q, q)``
    differ.
    """
    modules = [model]
    shape: list[tuple[int, str, type | None, int]] = [(0, "", type(model), len(model._modules))]
    _visit(model, 1, modules, shape, {id(model): 0})
    return modules, tuple(shape)


def _visit(
    module: nn.Module,
    depth: int,
    modules: list[nn.Module],
    shape: list[tuple[int, str, type | None, int]],
    position: dict[int, int],
) -> None:
    # A module-level function, not a closure calling itself: that would be a
    # reference cycle, left for the cyclic GC on every trace.
    for key, child in module._modules.items():
        if child is None:
            shape.append((depth, key, None, -1))
            continue
        first = position.get(id(child))
        if first is not None:
            shape.append((depth, key, None, first))
            continue
        position[id(child)] = len(modules)
        modules.append(child)
        shape.append((depth, key, type(child), len(child._modules)))
        if child._modules:
            _visit(child, depth + 1, modules, shape, position)


def selector_key(layers: LayerSelector, ops: bool) -> Any:
    """A hashable key for the selector, or None when it cannot be cached."""
    try:
        key = (layers, ops)
        hash(key)
    except TypeError:
        return None
    return key


def plan_for(model: nn.Module, layers: LayerSelector, ops: bool) -> Plan:
    if layers is not None and not isinstance(layers, (str, type)):
        layers = tuple(layers)  # once: a generator would be used up by the key
    modules, fingerprint = _walk(model)
    selector = selector_key(layers, ops)
    key = (fingerprint, selector)
    with _plans_lock:
        positions = _plans.get(key) if selector is not None else None
        if positions is not None:
            _plans.move_to_end(key)
    if positions is None:
        positions = _work_out(model, modules, layers, ops)
        if selector is not None:
            with _plans_lock:
                _plans[key] = positions
                if len(_plans) > _MAX_PLANS:
                    _plans.popitem(last=False)
    return Plan(modules, positions)


def _work_out(
    model: nn.Module, modules: list[nn.Module], layers: LayerSelector, ops: bool
) -> _Positions:
    recorded, scopes = select_modules(model, layers, ops=ops)
    position = {id(module): i for i, module in enumerate(modules)}
    structure = chain_structure(model, recorded, ops)
    chain, containers = structure if structure is not None else (None, [])
    return _Positions(
        names=tuple(scopes[module] for module in modules),
        recorded=tuple((position[id(m)], label) for m, label in recorded.items()),
        chain=None if chain is None else tuple(position[id(m)] for m in chain),
        containers=tuple(position[id(m)] for m in containers),
        steps=() if chain is None else chain_steps(chain, recorded),
    )
