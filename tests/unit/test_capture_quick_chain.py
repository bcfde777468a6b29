"""The quick chain: remembered per model, and given up as soon as the model changes."""

from __future__ import annotations

import gc
from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch import nn

import dlwidgets as dw
from dlwidgets.capture import quick_chain


def _mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3)).eval()


def _quick(model: nn.Module) -> bool:
    """Whether the model's next plain trace goes the quick way (is remembered)."""
    entry = quick_chain._memo.get(id(model))
    return entry is not None and any(q.fits(model, torch.zeros(1)) for q in entry[1].values())


def _expected(model: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    outs = []
    with torch.no_grad():
        for module in model:
            x = module(x)
            outs.append(x.clone())
    return outs


def test_a_chain_is_remembered_and_traced_as_a_plain_forward_computes_it() -> None:
    model, x = _mlp(), torch.randn(4, 6)
    first = dw.trace(model, x)
    assert _quick(model)
    second = dw.trace(model, x)
    for tr in (first, second):
        assert [r.name for r in tr.layers] == ["0", "1", "2"]
        assert [r.inputs for r in tr.layers] == [("input",), ("0",), ("1",)]
        assert [r.input_shapes for r in tr.layers] == [((4, 6),), ((4, 5),), ((4, 5),)]
        assert [r.kind for r in tr.layers] == ["Linear", "ReLU", "Linear"]
        for record, want in zip(tr.layers, _expected(model, x), strict=True):
            assert torch.equal(record.output, want)
        assert torch.equal(tr.output, tr["2"].output) and torch.equal(tr.model_inputs["input"], x)
        assert tr.bytes_copied == {}


def _replace_a_layer(model: nn.Sequential) -> None:
    model[0] = nn.Linear(6, 5)


def _add_a_hook(model: nn.Sequential) -> None:
    model[2].register_forward_hook(lambda m, args, out: out * 0 + 7)


def _add_a_pre_hook(model: nn.Sequential) -> None:
    model[2].register_forward_pre_hook(lambda m, args: (args[0] * 2,))


def _compile_a_layer(model: nn.Sequential) -> None:
    layer = model[0]  # as module.compile() does, with a call anyone can see
    layer._compiled_call_impl = lambda *args: layer._call_impl(*args) + 1


def _add_a_child(model: nn.Sequential) -> None:
    model[1].inner = nn.Tanh()  # the ReLU becomes a container: not a chain


def _train_a_dropout(model: nn.Sequential) -> None:
    model[1] = nn.Dropout(0.5)
    model.train()


def _set_a_forward(model: nn.Sequential) -> None:
    layer = model[2]
    layer.forward = lambda x: nn.Linear.forward(layer, x) + 1  # type: ignore[method-assign]


def _append(model: nn.Sequential) -> None:
    model.append(nn.Sigmoid())


def _become_another_class(model: nn.Sequential) -> None:
    model[1].__class__ = nn.Tanh  # (nn.Tanh has the same fields as nn.ReLU here)


@pytest.mark.parametrize(
    "change",
    [_replace_a_layer, _add_a_hook, _add_a_pre_hook, _compile_a_layer, _add_a_child,
     _train_a_dropout, _set_a_forward, _append, _become_another_class],
    ids=["replaced layer", "forward hook", "pre-hook", "compiled", "child added",
         "dropout training", "forward on the instance", "appended layer", "class changed"],
)  # fmt: skip
def test_a_changed_model_is_traced_as_it_now_is(change: Callable[[nn.Sequential], None]) -> None:
    model, x = _mlp(), torch.randn(4, 6)
    dw.trace(model, x)
    assert _quick(model)
    change(model)
    assert not _quick(model)
    rng = torch.random.get_rng_state()
    tr = dw.trace(model, x)
    assert torch.equal(torch.random.get_rng_state(), rng)  # a training Dropout drew none
    torch.random.set_rng_state(rng)
    with torch.no_grad():
        assert torch.allclose(tr.output, model(x))  # the same numbers as the model now gives
    if change is _compile_a_layer:
        return  # (hooks run inside the compiled call: the hooked path sees what it wraps)
    handle = model.register_forward_pre_hook(lambda *args: None)  # the general path, hooked
    torch.random.set_rng_state(rng)  # (a training Dropout draws the same mask)
    general = dw.trace(model, x)
    handle.remove()
    assert [(r.name, r.kind, r.inputs) for r in tr] == [(r.name, r.kind, r.inputs) for r in general]
    for a, b in zip(tr, general, strict=True):
        assert torch.allclose(a.output, b.output), a.name


def test_a_global_hook_sends_the_trace_the_general_way() -> None:
    model, x = _mlp(), torch.randn(4, 6)
    dw.trace(model, x)
    seen: list[str] = []

    def noisy(module: nn.Module, args: object, out: torch.Tensor) -> torch.Tensor:
        seen.append(type(module).__name__)
        return out + 0.0 * torch.randn_like(out)  # user code drawing numbers

    handle = nn.modules.module.register_module_forward_hook(noisy)
    rng = torch.random.get_rng_state()
    try:
        dw.trace(model, x)
    finally:
        handle.remove()
    assert seen.count("Linear") == 2
    assert torch.equal(torch.random.get_rng_state(), rng)


def test_a_model_put_back_in_training_mode_is_traced_in_it() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.Dropout(0.5), nn.BatchNorm1d(5)).eval()
    x = torch.randn(8, 6)
    dw.trace(model, x)
    assert _quick(model)
    model.train()
    rng, mean = torch.random.get_rng_state(), model[2].running_mean.clone()
    tr = dw.trace(model, x)
    assert torch.equal(torch.random.get_rng_state(), rng)
    assert torch.equal(model[2].running_mean, mean)
    assert (tr["1"].output == 0).sum() > 0  # a training Dropout's mask
    assert torch.allclose(tr["2"].output.mean(0), torch.zeros(5), atol=1e-5)  # batch statistics


def test_an_in_place_flag_set_later_is_seen() -> None:
    model, x = _mlp(), torch.randn(4, 6)
    dw.trace(model, x)
    model[1].inplace = True
    tr = dw.trace(model, x)
    assert (tr["0"].output < 0).any()  # what the Linear made, before the ReLU wrote into it
    assert torch.equal(tr["1"].output, tr["0"].output.relu())


def test_the_memo_lets_a_dropped_model_go_at_once() -> None:
    model, x = _mlp(), torch.randn(4, 6)
    dw.trace(model, x)
    key = id(model)
    assert key in quick_chain._memo
    gc.disable()  # the weak reference, not the cyclic collector, forgets it
    try:
        del model
        assert key not in quick_chain._memo
    finally:
        gc.enable()


def test_a_flatten_first_record_views_the_traces_own_copy_of_the_input() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 3)).eval()
    x = torch.randn(2, 3, 4)
    given = x.clone()
    for _ in range(2):  # found, then remembered
        tr = dw.trace(model, x)
        flat, kept_input = tr["0"].output, tr.model_inputs["input"]
        assert torch.equal(flat, x.flatten(1))
        assert flat.untyped_storage().data_ptr() == kept_input.untyped_storage().data_ptr()
        assert flat.untyped_storage().data_ptr() != x.untyped_storage().data_ptr()
    x.add_(100.0)  # the caller reuses its input: the trace keeps what the model read
    assert torch.equal(tr["0"].output, given.flatten(1))


def test_an_input_written_by_the_chain_is_kept_before_and_after() -> None:
    model = nn.Sequential(nn.Identity(), nn.ReLU(inplace=True), nn.Linear(4, 2)).eval()
    for _ in range(2):
        x = torch.randn(3, 4)
        given = x.clone()
        tr = dw.trace(model, x)
        assert torch.equal(x, given.relu())  # written, as a plain forward writes it
        assert torch.equal(tr["0"].output, given) and torch.equal(tr.model_inputs["input"], given)
        x.zero_()
        assert torch.equal(tr["1"].output, given.relu())


def test_an_identity_chain_returns_the_inputs_values_in_memory_of_its_own() -> None:
    model = nn.Sequential(nn.Identity(), nn.Dropout(0.3)).eval()
    x = torch.randn(3, 4)
    for _ in range(2):
        tr = dw.trace(model, x)
        assert tr.output.untyped_storage().data_ptr() != x.untyped_storage().data_ptr()
        assert tr.output is tr["1"].output
        assert torch.equal(tr.output, x)


def test_a_failing_layer_is_named_on_the_quick_way() -> None:
    model, x = _mlp(), torch.randn(4, 6)
    dw.trace(model, x)
    with pytest.raises(dw.TraceError, match=r"layer '0' \(Linear.*failed on input \(4, 7\)"):
        dw.trace(model, torch.randn(4, 7))
    bad = nn.Sequential(nn.Linear(6, 4), nn.Unflatten(1, (3, 3)), nn.Linear(3, 1)).eval()
    for _ in range(2):
        with pytest.raises(dw.TraceError, match=r"after layer '0' \(Linear\) returned \(4, 4\)"):
            dw.trace(bad, x, layers=nn.Linear)
    assert torch.is_grad_enabled()


@pytest.mark.parametrize("layers", [[nn.Linear], (n for n in ["0", "2"]), "2"])
def test_a_selection_is_remembered_with_its_records(layers: object) -> None:
    model, x = _mlp(), torch.randn(4, 6)
    for _ in range(2):
        tr = dw.trace(model, x, layers=layers)  # type: ignore[arg-type]
        assert _quick(model)
        names = [r.name for r in tr.layers]
        assert names == (["2"] if layers == "2" else ["0", "2"])
        assert tr.layers[-1].inputs == (("0",) if len(names) == 2 else ("input",))
        if isinstance(layers, (str, list)):
            continue
        layers = ["0", "2"]  # a generator is used up: the second round passes a list


def test_inference_tensors_and_inference_mode_are_traced() -> None:
    model = _mlp()
    with torch.inference_mode():
        x = torch.randn(4, 6)
        in_mode = dw.trace(model, x)
    outside = dw.trace(model, x)
    for tr in (in_mode, outside):
        for record, want in zip(tr.layers, _expected(model, x.clone()), strict=True):
            assert torch.equal(record.output, want)


def test_records_of_an_input_that_needs_a_gradient_do_not() -> None:
    data = torch.randn(8, 7)
    x = data[:, 1:].requires_grad_()  # not dense: the records are copies, not views
    for model in (
        nn.Sequential(nn.Dropout(0.2), nn.Linear(6, 3)).eval(),
        nn.Sequential(nn.ReLU(inplace=True), nn.Linear(6, 3)).eval(),
        nn.Sequential(nn.Identity()).eval(),
    ):
        for _ in range(2):
            tr = dw.trace(model, x.detach().clone().requires_grad_() if _ else x)
            for value in [*(r.output for r in tr.layers), tr.output]:
                assert not value.requires_grad and value.grad_fn is None


@pytest.mark.parametrize("flag", [1, np.True_], ids=["1", "numpy True"])
def test_an_in_place_flag_that_is_not_a_bool_counts(flag: object) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(inplace=flag), nn.Linear(5, 3)).eval()  # type: ignore[arg-type]
    x = torch.randn(4, 6)
    for _ in range(2):
        tr = dw.trace(model, x)
        with torch.no_grad():
            assert torch.equal(tr["0"].output, model[0](x))  # before the ReLU wrote into it
        assert (tr["0"].output < 0).any()


def test_a_chain_ending_in_a_pool_that_returns_indices_is_traced() -> None:
    x = torch.randn(2, 1, 4, 4)
    for model in (
        nn.Sequential(nn.MaxPool2d(2, return_indices=True)).eval(),
        nn.Sequential(nn.Flatten(0, 1), nn.AdaptiveMaxPool1d(2, return_indices=True)).eval(),
    ):
        for _ in range(2):
            tr = dw.trace(model, x)
            with torch.no_grad():
                values, indices = model(x)
            assert torch.equal(tr.output[0], values) and torch.equal(tr.output[1], indices)


def test_a_class_forward_patched_later_is_the_one_called() -> None:
    model, x = _mlp(), torch.randn(4, 6)
    dw.trace(model, x)
    original = nn.ReLU.forward
    nn.ReLU.forward = lambda self, t: torch.tanh(t)  # type: ignore[method-assign]
    try:
        tr = dw.trace(model, x)
        with torch.no_grad():
            assert torch.equal(tr["1"].output, torch.tanh(model[0](x)))
    finally:
        nn.ReLU.forward = original  # type: ignore[method-assign]


def test_a_changed_model_found_by_two_threads_at_once_is_let_go_by_both(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model, x = _mlp(), torch.randn(4, 6)
    dw.trace(model, x)
    chains = quick_chain._memo[id(model)][1]
    (selector,) = chains

    def found_stale_while_another_thread_let_it_go(*args: object) -> bool:
        chains.pop(selector, None)  # the other thread, between the lookup and the check
        return False

    monkeypatch.setattr(quick_chain.QuickChain, "fits", found_stale_while_another_thread_let_it_go)
    assert quick_chain.remembered(model, selector, x) is None
