"""The trace's forward hooks: written into the modules' hook dicts, and taken out again."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

import dlwidgets as dw
from dlwidgets.capture.hooks import ForwardHooks

_DICTS = (
    "_forward_pre_hooks",
    "_forward_pre_hooks_with_kwargs",
    "_forward_hooks",
    "_forward_hooks_with_kwargs",
)


def _dicts(module: nn.Module) -> list[dict[int, Any]]:
    return [dict(getattr(module, name)) for name in _DICTS]


def test_hooks_run_with_kwargs_after_the_modules_own_and_come_off_again() -> None:
    layer = nn.Linear(3, 2)
    seen: list[str] = []
    layer.register_forward_pre_hook(lambda m, args: seen.append("user before"))
    layer.register_forward_hook(lambda m, args, out: seen.append("user after"))
    before = _dicts(layer)
    hooks = ForwardHooks()
    hooks.add(
        layer,
        lambda m, args, kwargs: seen.append(f"before {sorted(kwargs)}"),
        lambda m, args, kwargs, out: seen.append(f"after {tuple(out.shape)}"),
    )
    layer(torch.randn(4, 3))
    assert seen == ["user before", "before []", "user after", "after (4, 2)"]
    hooks.remove()
    assert _dicts(layer) == before
    seen.clear()
    layer(torch.randn(4, 3))
    assert seen == ["user before", "user after"]


def test_a_users_handle_made_while_the_hooks_are_on_keeps_its_hook() -> None:
    layer = nn.Linear(3, 2)
    hooks = ForwardHooks()
    hooks.add(layer, lambda m, a, k: None, lambda m, a, k, o: None)
    calls: list[int] = []
    handle = layer.register_forward_hook(lambda m, args, out: calls.append(1))
    hooks.remove()
    layer(torch.randn(1, 3))
    assert calls == [1]
    handle.remove()
    assert all(not d for d in _dicts(layer))
    assert RemovableHandle.next_id > handle.id


class _OwnRegistration(nn.Linear):
    """A module class that registers hooks its own way (as wrappers of some libraries do)."""

    def __init__(self) -> None:
        super().__init__(3, 2)
        self.registered = 0

    def register_forward_pre_hook(self, *args: Any, **kwargs: Any) -> RemovableHandle:
        self.registered += 1
        return super().register_forward_pre_hook(*args, **kwargs)

    def register_forward_hook(self, *args: Any, **kwargs: Any) -> RemovableHandle:
        self.registered += 1
        return super().register_forward_hook(*args, **kwargs)


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = _OwnRegistration()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(x))


def test_a_module_that_registers_hooks_its_own_way_is_hooked_through_it() -> None:
    model = _Net()
    x = torch.randn(4, 3)
    tr = dw.trace(model, x, ops=True)
    assert model.fc.registered == 2
    assert torch.equal(tr["fc"].output, model.fc(x))
    assert tr["relu"].inputs == ("fc",)
    assert all(not d for d in _dicts(model.fc))
