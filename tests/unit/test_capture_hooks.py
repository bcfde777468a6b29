"""The trace's hooks: a forward standing in for a module's own, or entries written into the
modules' hook dicts; taken out again either way."""

from __future__ import annotations

import copy
import inspect
from typing import Any

import pytest
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
    hooks = ForwardHooks(wrap=False)
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


class _Probe(nn.Module):
    """Calls a linear layer and looks at how the trace reaches it meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.seen: dict[str, Any] = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen["standin"] = "forward" in vars(self.fc)
        self.seen["hooks"] = [len(d) for d in _dicts(self.fc)]
        self.seen["signature"] = str(inspect.signature(self.fc.forward))
        return self.fc(x) * 2


def test_a_plain_module_gets_a_forward_standing_in_for_its_own_and_its_own_back() -> None:
    model = _Probe()
    x = torch.randn(4, 3)
    tr = dw.trace(model, x)
    assert model.seen == {
        "standin": True,
        "hooks": [0, 0, 0, 0],
        "signature": "(input: torch.Tensor) -> torch.Tensor",
    }
    assert "forward" not in vars(model.fc)
    assert torch.equal(tr["fc"].output, model.fc(x))
    assert tr["fc"].inputs == ("input",) and tr["fc"].input_shapes == ((4, 3),)


def test_a_module_with_a_forward_hook_of_its_own_is_hooked_and_records_what_the_hook_returned() -> (
    None
):
    model = _Probe()
    model.fc.register_forward_hook(lambda m, args, out: out + 100)
    x = torch.randn(4, 3)
    tr = dw.trace(model, x)
    assert model.seen["standin"] is False and model.seen["hooks"] == [1, 1, 2, 1]
    assert torch.allclose(tr["fc"].output, model.fc(x))  # with the +100
    assert (tr["fc"].output > 50).all()


def test_a_user_pre_hook_runs_before_the_stand_in_which_reads_what_it_returned() -> None:
    model = _Probe()
    model.fc.register_forward_pre_hook(lambda m, args: (torch.cat([args[0], args[0]]),))
    x = torch.randn(4, 3)
    tr = dw.trace(model, x)
    assert model.seen["standin"] is True
    assert tr["fc"].input_shapes == ((8, 3),)
    assert torch.equal(tr["fc"].output, model.fc(x))


class _Fails(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x[:, :2])


def test_a_failing_module_gets_its_own_forward_back_and_is_named() -> None:
    model = _Fails()
    outside = torch._C._len_torch_function_stack()
    with pytest.raises(dw.TraceError, match=r"layer 'fc' \(Linear.*failed on input \(4, 2\)"):
        dw.trace(model, torch.randn(4, 3))
    assert "forward" not in vars(model.fc)
    assert torch._C._len_torch_function_stack() == outside


def test_a_hook_for_every_module_makes_the_trace_hook_each_one() -> None:
    model = _Probe()
    handle = nn.modules.module.register_module_forward_hook(lambda m, args, out: None)
    try:
        dw.trace(model, torch.randn(4, 3))
    finally:
        handle.remove()
    assert model.seen["standin"] is False and model.seen["hooks"] == [1, 1, 1, 1]


class _CopiesAndKeeps(nn.Module):
    """Makes a deep copy of a layer and keeps a layer's forward, while the trace runs."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.copies: list[nn.Module] = []
        self.saved: list[Any] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.copies.append(copy.deepcopy(self.fc))
        self.saved.append(self.fc.forward)
        return self.fc(x)


def test_a_copy_or_a_forward_kept_during_the_trace_records_nothing_afterwards() -> None:
    model = _CopiesAndKeeps()
    x = torch.randn(4, 3)
    tr = dw.trace(model, x)
    assert [r.name for r in tr] == ["fc"]
    twin, saved = model.copies[0], model.saved[0]
    with torch.no_grad():
        twin.weight.add_(1.0)  # the copy is a module of its own
        assert torch.equal(twin(x), nn.Linear.forward(twin, x))
        assert not torch.equal(twin(x), model.fc(x))
        assert torch.equal(saved(x), model.fc(x))
    again = dw.trace(model, x)  # a second trace is not told of the first one's calls
    assert [r.name for r in again] == ["fc"]
    assert len(tr) == 1
