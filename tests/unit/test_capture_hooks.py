"""The trace's hooks: a forward standing in for a module's own, or entries written into the
modules' hook dicts; taken out again either way."""

from __future__ import annotations

import contextlib
import copy
import gc
import inspect
import io
import threading
import weakref
from typing import Any, ClassVar

import pytest
import torch
from torch import nn
from torch.overrides import TorchFunctionMode
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
    seen: ClassVar[list[str]] = []
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


def test_a_kept_forward_keeps_nothing_of_its_trace_alive() -> None:
    model = _CopiesAndKeeps()
    x = torch.randn(4, 3)
    tr = dw.trace(model, x)
    capture = weakref.ref(tr["fc"].output)
    saved = model.saved[0]
    del tr
    saved(x)  # after its trace: the class's forward, recording nothing
    gc.collect()
    assert capture() is None


def test_a_copy_made_during_the_trace_sheds_its_stand_in_and_pickles() -> None:
    model = _CopiesAndKeeps()
    dw.trace(model, torch.randn(4, 3))
    twin = model.copies[0]
    buffer = io.BytesIO()
    torch.save(twin, buffer)  # before any call: the stand-in is still in its __dict__
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=False)
    x = torch.randn(2, 3)
    with torch.no_grad():
        assert torch.equal(loaded(x), twin(x))
    assert "forward" not in vars(twin)  # its first call took it off


class _Wide(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.seen: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen.append("forward" in vars(self.fc))
        return self.fc(x)


def test_a_model_under_data_parallel_gets_hooks_not_stand_ins() -> None:
    inner = _Wide()
    tr = dw.trace(nn.DataParallel(inner), torch.randn(4, 3))  # (no GPU: it calls inner)
    assert inner.seen == [False]
    assert [r.name for r in tr] == ["module.fc"]


def test_an_eval_transformer_layer_recorded_with_its_parts_runs_its_parts() -> None:
    torch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval()
    x = torch.randn(2, 5, 8)
    tr = dw.trace(layer, x, layers="*")
    names = [r.name for r in tr]
    assert {"self_attn", "linear1", "linear2", "norm1", "norm2"} <= set(names)
    with torch.no_grad():
        assert torch.allclose(tr.output, layer(x), atol=1e-5)


def test_a_layer_failing_in_another_thread_is_named() -> None:
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1)

    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.Linear(3, 3), nn.Linear(4, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return pool.submit(self.b, self.a(x)).result()

    with pytest.raises(dw.TraceError, match=r"layer 'b' \(Linear.*failed on input \(4, 3\)"):
        dw.trace(M(), torch.randn(4, 3))
    pool.shutdown()


class _InPlaceOne(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.relu = nn.ReLU(inplace=1)  # type: ignore[arg-type]
        self.runs = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.runs += 1
        return self.relu(self.fc(x)) * 1


def test_an_in_place_flag_of_one_is_announced_on_the_general_path() -> None:
    model = _InPlaceOne()
    x = torch.randn(5, 3)
    tr = dw.trace(model, x)
    assert model.runs == 1  # copied before the write, not found written and traced again
    with torch.no_grad():
        assert torch.equal(tr["fc"].output, model.fc(x))


class _Watching(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        self.seen.append(getattr(func, "__name__", repr(func)))
        return func(*args, **(kwargs or {}))


def test_a_users_mode_around_the_trace_sees_nothing_of_it_among_the_models_ops() -> None:
    model = _Probe()
    x = torch.randn(4, 3)
    with _Watching() as plain_mode, torch.no_grad():
        model(x)
    with _Watching() as traced_mode:
        dw.trace(model, x)

    def between(seen: list[str]) -> list[str]:  # from the layer's op to the model's next one
        return seen[seen.index("linear") : seen.index("mul") + 1]

    assert between(traced_mode.seen) == between(plain_mode.seen) == ["linear", "mul"]


class _Fallback(nn.Module):
    """Tries a layer that fails, and catches it."""

    def __init__(self) -> None:
        super().__init__()
        self.bad, self.good = nn.Linear(2, 2), nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        try:
            return self.bad(x)
        except RuntimeError:
            return self.good(x)


class _UsesFallback(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner, self.fc = _Fallback(), nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.inner(x) * 2)


@pytest.mark.parametrize("layers", [None, "*"])
def test_a_layer_error_the_model_catches_leaves_the_records_after_it_whole(layers: object) -> None:
    model = _UsesFallback()
    x = torch.randn(4, 3)
    tr = dw.trace(model, x, layers=layers)  # type: ignore[arg-type]
    with torch.no_grad():
        inner = model.inner.good(x)
        assert torch.allclose(tr["inner.good"].output, inner)
        assert torch.allclose(tr["fc"].output, model.fc(inner * 2))
    assert "inner.bad" not in tr  # it returned nothing
    if layers == "*":  # (the root is recorded: its own `* 2` is not followed)
        assert torch.allclose(tr["inner"].output, inner)
        assert tr["inner"].inputs == ("input",)
    else:
        assert tr["fc"].inputs == ("inner.good",)


class _Logged(torch.Tensor):
    """A tensor subclass that notes every torch call made on it."""

    seen: ClassVar[list[str]] = []

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        cls.seen.append(getattr(func, "__name__", repr(func)))
        return super().__torch_function__(func, types, args, kwargs or {})


def test_a_tensor_subclass_sees_the_models_ops_and_not_the_traces() -> None:
    model = _Probe()
    x = torch.randn(4, 3).as_subclass(_Logged)
    _Logged.seen = []
    with torch.no_grad():
        model(x)
    plain = list(_Logged.seen)
    _Logged.seen = []
    dw.trace(model, x)
    traced = list(_Logged.seen)

    def between(seen: list[str]) -> list[str]:
        return seen[seen.index("linear") : seen.index("mul") + 1]

    assert between(traced) == between(plain)


class _TwoWorkers(nn.Module):
    """One layer fails in a worker thread; another worker starts a layer after it."""

    def __init__(self) -> None:
        super().__init__()
        self.bad, self.a = nn.Linear(5, 5), nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from concurrent.futures import ThreadPoolExecutor

        failed, done = threading.Event(), threading.Event()

        def first() -> torch.Tensor:
            try:
                return self.bad(x)
            finally:
                failed.set()

        def second() -> torch.Tensor:
            failed.wait(5)
            y = self.a(x)
            done.set()
            return y

        with ThreadPoolExecutor(2) as pool:
            one, two = pool.submit(first), pool.submit(second)
            done.wait(5)
            return one.result() + two.result()


def test_the_layer_named_is_the_one_whose_error_reached_the_trace() -> None:
    with pytest.raises(dw.TraceError, match=r"layer 'bad' \(Linear"):
        dw.trace(_TwoWorkers(), torch.randn(2, 4))


class _JustFails(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bad = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bad(x)


class _CatchesThenFails(nn.Module):
    def __init__(self, hooked: bool) -> None:
        super().__init__()
        self.inner, self.fc = _JustFails(), nn.Linear(3, 3)
        if hooked:  # the failing layer goes through hooks, inside inner's stand-in
            self.inner.bad.register_forward_hook(lambda m, args, out: None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with contextlib.suppress(RuntimeError):
            x = self.inner(x)
        return self.fc(x).view(7, -1)  # the model's own mistake, after fc ran


@pytest.mark.parametrize("hooked", [False, True], ids=["stand-in", "hooks"])
def test_an_error_after_a_caught_one_is_blamed_on_the_model_not_the_caught_layer(
    hooked: bool,
) -> None:
    with pytest.raises(dw.TraceError, match=r"raised after layer 'fc' \(Linear\)"):
        dw.trace(_CatchesThenFails(hooked), torch.randn(4, 3), layers=["inner", "inner.bad", "fc"])


def test_a_trace_leaves_the_collector_on_when_another_thread_paused_it_meanwhile() -> None:
    inside, go, started = threading.Event(), threading.Event(), threading.Event()

    class Slow(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            inside.set()
            go.wait(5)
            return self.fc(x)

    def pauses_the_collector() -> None:  # timeit's pattern, in another thread
        was = gc.isenabled()
        gc.disable()
        started.set()
        inside.wait(5)
        if was:
            gc.enable()
        go.set()

    assert gc.isenabled()
    other = threading.Thread(target=pauses_the_collector)
    other.start()
    started.wait(5)
    dw.trace(Slow(), torch.randn(2, 4))
    other.join()
    assert gc.isenabled()


class _Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(8, 8), nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.relu(self.a(x)))


class _Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = _Block()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x) * 2


def test_a_model_and_one_of_its_parts_traced_at_once_in_two_threads_take_turns() -> None:
    model = _Outer()
    wrong: list[object] = []

    def work(target: nn.Module, names: list[str]) -> None:
        for _ in range(60):
            try:
                got = [r.name for r in dw.trace(target, torch.randn(4, 8))]
            except Exception as exc:
                wrong.append(exc)
                continue
            if got != names:
                wrong.append(got)

    threads = [
        threading.Thread(target=work, args=(model, ["block.a", "block.b"])),
        threading.Thread(target=work, args=(model.block, ["a", "b"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
