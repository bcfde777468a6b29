"""Which modules a trace records, and their qualified names."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

from torch import nn

# Modules recorded as one step although they own submodules: their children
# are not called through their own forward (MultiheadAttention uses its
# out_proj's weights functionally).
ATOMIC_MODULES: tuple[type[nn.Module], ...] = (nn.MultiheadAttention,)

LayerSelector = str | type[nn.Module] | Sequence[str | type[nn.Module]] | None


def select_modules(
    model: nn.Module, layers: LayerSelector, *, ops: bool = False
) -> tuple[dict[nn.Module, str], dict[nn.Module, str]]:
    """The modules to record with their names, and every module's qualified name (root: "").

    Recorded by default: leaves and atomic modules; else those ``layers`` picks.

    ``layers`` is a name pattern (``"fc*"``, fnmatch syntax), a module type, or
    a list of them; containers are recorded only when a selector picks them.
    With ``ops``, a user's model without submodules is not a leaf but the
    scope of the functional calls its forward makes.
    """
    selectors = [layers] if isinstance(layers, (str, type)) else list(layers or [])
    chosen: dict[nn.Module, str] = {}
    scopes: dict[nn.Module, str] = {}
    inside_atomic: list[str] = []
    for name, module in model.named_modules():
        scopes[module] = name
        if any(name.startswith(prefix + ".") for prefix in inside_atomic):
            continue
        atomic = isinstance(module, ATOMIC_MODULES)
        if atomic:
            inside_atomic.append(name)
        label = name or type(module).__name__
        if selectors:
            picked = any(
                (isinstance(s, str) and fnmatch.fnmatchcase(label, s))
                or (isinstance(s, type) and isinstance(module, s))
                for s in selectors
            )
        else:
            picked = atomic or next(module.children(), None) is None
            if ops and module is model and not type(module).__module__.startswith("torch."):
                picked = False
        if picked:
            chosen[module] = label
    return chosen, scopes
