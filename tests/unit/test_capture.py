"""dw.trace: values equal a plain forward, dataflow is real, the model is left as it was."""

from __future__ import annotations

import gc
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import dlwidgets as dw
from dlwidgets.capture.chain import chain_structure, chain_usable
from tests.conftest import ModelState, NamedNet, mlp_4883


def test_records_every_layer_in_order_with_plain_forward_values(mlp: nn.Sequential) -> None:
    x = torch.randn(5, 4)
    tr = dw.trace(mlp, x)
    assert [layer.name for layer in tr.layers] == ["0", "1", "2", "3", "4"]
    assert [layer.kind for layer in tr.layers] == ["Linear", "ReLU", "Linear", "Tanh", "Linear"]
    expected = x
    for layer, module in zip(tr.layers, mlp, strict=True):
        expected = module(expected)
        assert torch.allclose(layer.output, expected)
        assert layer.output.device.type == "cpu"
        assert not layer.output.requires_grad
    assert torch.allclose(tr.output, mlp(x))
    assert torch.equal(tr.model_inputs["input"], x)


def test_inputs_are_the_records_read(mlp: nn.Sequential) -> None:
    tr = dw.trace(mlp, torch.randn(2, 4))
    assert [layer.inputs for layer in tr.layers] == [("input",), ("0",), ("1",), ("2",), ("3",)]
    assert tr["2"].input_shapes == ((2, 8),)


def test_in_place_relu_does_not_overwrite_the_captured_linear_output(named_net: NamedNet) -> None:
    named_net.eval()
    x = torch.randn(3, 4)
    tr = dw.trace(named_net, x)
    z = named_net.fc1(x)
    assert torch.allclose(tr["fc1"].output, z)
    assert (tr["fc1"].output < 0).any(), "the test needs negative pre-activations"
    assert torch.allclose(tr["act"].output, F.relu(named_net.bn(z)))


def test_module_called_twice_gets_numbered_records() -> None:
    class Twice(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.relu = nn.ReLU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.relu(self.fc(self.relu(self.fc(x))))

    tr = dw.trace(Twice(), torch.randn(1, 3))
    assert [layer.name for layer in tr.layers] == ["fc", "relu", "fc#2", "relu#2"]
    assert tr["fc#2"].inputs == ("relu",)
    assert tr["fc#2"].call == 2 and tr["fc#2"].module_name == "fc"


def test_skip_connection_is_a_real_edge_through_functional_code() -> None:
    class Residual(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.b = nn.Linear(4, 4)
            self.c = nn.Linear(4, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.a(x)
            return self.c(F.relu(self.b(h)) + h.view(-1, 4))

    tr = dw.trace(Residual(), torch.randn(2, 4))
    assert tr["c"].inputs == ("b", "a")


def test_several_and_keyword_inputs_are_named() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.f = nn.Linear(2, 2)
            self.g = nn.Linear(2, 2)

        def forward(self, x: torch.Tensor, y: torch.Tensor, *, z: torch.Tensor) -> torch.Tensor:
            return self.f(x) + self.g(y) * z

    tr = dw.trace(Two(), torch.randn(1, 2), torch.randn(1, 2), kwargs={"z": torch.ones(1, 2)})
    assert tr["f"].inputs == ("input",)
    assert tr["g"].inputs == ("input.1",)
    assert set(tr.model_inputs) == {"input", "input.1", "input.z"}


def test_layers_selects_by_pattern_and_type(named_net: NamedNet) -> None:
    x = torch.randn(3, 4)
    assert [r.name for r in dw.trace(named_net, x, layers="fc*")] == ["fc1", "fc2"]
    assert [r.name for r in dw.trace(named_net, x, layers=nn.ReLU)] == ["act"]
    # an unrecorded module is looked through: fc2 reads fc1's descendants
    assert dw.trace(named_net, x, layers="fc*")["fc2"].inputs == ("fc1",)


def test_trace_leaves_the_model_as_it_was_in_train_mode(named_net: NamedNet) -> None:
    named_net.train()
    x = torch.randn(8, 4)
    before = ModelState.of(named_net)
    tr = dw.trace(named_net, x)
    assert (tr["drop"].output == 0).any(), "dropout ran in train mode"
    before.assert_same(ModelState.of(named_net))
    assert named_net.bn.num_batches_tracked.item() == 0


def test_trace_leaves_the_model_as_it_was_in_eval_mode_with_grads_set(mlp: nn.Sequential) -> None:
    mlp.eval()
    mlp(torch.randn(2, 4)).sum().backward()
    mlp[2].weight.requires_grad_(False)
    x = torch.randn(2, 4)
    before = ModelState.of(mlp)
    dw.trace(mlp, x)
    before.assert_same(ModelState.of(mlp))


def test_trace_keeps_no_autograd_graph(mlp: nn.Sequential) -> None:
    tr = dw.trace(mlp, torch.randn(2, 4, requires_grad=True))
    assert all(layer.output.grad_fn is None for layer in tr.layers)
    assert tr.output.grad_fn is None


def test_wrong_input_shape_names_the_layer_and_shapes(mlp: nn.Sequential) -> None:
    x = torch.randn(2, 5)
    before = ModelState.of(mlp)
    with pytest.raises(dw.TraceError) as info:
        dw.trace(mlp, x)
    message = str(info.value)
    assert "'0'" in message and "Linear(in_features=4" in message and "(2, 5)" in message
    assert info.value.layer == "0"
    assert info.value.input_shapes == ((2, 5),)
    assert isinstance(info.value.__cause__, RuntimeError)
    before.assert_same(ModelState.of(mlp))


def test_error_in_the_second_layer_is_named_there() -> None:
    model = nn.Sequential(nn.Linear(4, 6), nn.Linear(5, 2))
    with pytest.raises(dw.TraceError, match=r"layer '1' \(Linear\(in_features=5.*\(3, 6\)"):
        dw.trace(model, torch.randn(3, 4))


def test_forward_raising_between_layers_names_the_last_layer_and_leaves_no_hook() -> None:
    class Raises(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.fc(x)
            raise ValueError("boom")

    model = Raises()
    with pytest.raises(dw.TraceError, match=r"after layer 'fc' \(Linear\) returned \(2, 4\).*boom"):
        dw.trace(model, torch.randn(2, 4))
    assert not model.fc._forward_hooks and not model.fc._forward_pre_hooks


def test_not_a_module_or_no_input_is_a_type_error(mlp: nn.Sequential) -> None:
    with pytest.raises(TypeError, match=r"nn\.Module, got function"):
        dw.trace(lambda x: x, torch.randn(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="at least one input"):
        dw.trace(mlp)


def test_trace_getitem_lists_known_names(mlp: nn.Sequential) -> None:
    tr = dw.trace(mlp, torch.randn(1, 4))
    with pytest.raises(KeyError, match="records: 0, 1, 2, 3, 4"):
        tr["fc9"]
    assert "Linear" in repr(tr) and "[1, 3]" in repr(tr)


def test_tuple_outputs_are_kept_as_structures() -> None:
    model = nn.GRU(3, 5, batch_first=True)
    tr = dw.trace(model, torch.randn(2, 4, 3))
    output, hidden = tr["GRU"].output
    assert output.shape == (2, 4, 5) and hidden.shape == (1, 2, 5)


def test_no_memory_kept_by_the_trace_machinery() -> None:
    model = mlp_4883()
    x = torch.randn(4, 4)
    dw.trace(model, x)
    gc.collect()
    baseline = _live_tensors()
    for _ in range(50):
        dw.trace(model, x)
    gc.collect()
    assert _live_tensors() <= baseline


def _live_tensors() -> int:
    return sum(1 for o in gc.get_objects() if type(o) in (torch.Tensor, nn.Parameter))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_model_is_traced_to_host_tensors() -> None:
    model = mlp_4883().cuda()
    x = torch.randn(3, 4, device="cuda")
    tr = dw.trace(model, x)
    assert all(layer.output.device.type == "cpu" for layer in tr.layers)
    assert torch.allclose(tr["4"].output, model(x).cpu(), atol=1e-5)


def test_ops_records_functional_calls_with_their_scope() -> None:
    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.fc(x)
            y += x
            return F.relu(y)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.block = Block()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = self.block(x)
            return torch.cat([h, 2 * h], dim=1).flatten(1)  # a no-op flatten: not a step

    model, x = Net(), torch.randn(2, 3)
    tr = dw.trace(model, x, ops=True)
    assert [(r.name, r.kind) for r in tr.layers] == [
        ("block.fc", "Linear"),
        ("block.add_", "add_"),
        ("block.relu", "relu"),
        ("mul", "mul"),
        ("cat", "cat"),
    ]
    assert tr["block.add_"].inputs == ("block.fc", "input")
    assert tr["cat"].inputs == ("block.relu", "mul")
    assert tr["block.add_"].module is None
    y = model.block.fc(x)
    assert torch.allclose(tr["block.fc"].output, y)  # not the value += wrote over it
    assert torch.allclose(tr["block.add_"].output, y + x)
    assert torch.allclose(tr["cat"].output, model(x))


def test_grads_equal_autograd_and_leave_dot_grad_alone(named_net: NamedNet) -> None:
    named_net.eval()
    x, target = torch.randn(4, 4), torch.tensor([0, 1, 1, 0])
    named_net.fc1.weight.grad = torch.full_like(named_net.fc1.weight, 7.0)
    tr = dw.trace(named_net, x, grads=True, target=target)
    assert torch.equal(named_net.fc1.weight.grad, torch.full_like(named_net.fc1.weight, 7.0))
    assert named_net.fc2.weight.grad is None

    reference = NamedNet()
    reference.load_state_dict(named_net.state_dict())
    reference.eval()
    z = reference.fc1(x)
    z.retain_grad()
    loss = F.cross_entropy(
        reference(x) if False else reference.fc2(reference.drop(F.relu(reference.bn(z)))), target
    )
    loss.backward()
    assert tr.loss == pytest.approx(loss.item(), rel=1e-6)
    assert torch.allclose(tr["fc1"].grad, z.grad, atol=1e-7)
    assert torch.allclose(tr.param_grads["fc2.weight"], reference.fc2.weight.grad, atol=1e-7)
    assert set(tr.param_grads) == {n for n, _ in named_net.named_parameters()}


def test_grads_with_a_loss_function_and_its_errors(mlp: nn.Sequential) -> None:
    x = torch.randn(3, 4)
    tr = dw.trace(mlp, x, grads=True, loss_fn=lambda out: out.pow(2).mean())
    assert tr.loss == pytest.approx(mlp(x).pow(2).mean().item(), rel=1e-6)
    assert tr["4"].grad.shape == (3, 3)
    with pytest.raises(TypeError, match="exactly one of target"):
        dw.trace(mlp, x, grads=True)
    with pytest.raises(dw.TraceError, match=r"loss must be a scalar"):
        dw.trace(mlp, x, grads=True, loss_fn=lambda out: out)
    with pytest.raises(dw.TraceError, match=r"loss failed on the model's output \(3, 3\)"):
        dw.trace(mlp, x, grads=True, target=torch.tensor([0, 1, 9]))
    assert all(p.grad is None for p in mlp.parameters())


def test_reduce_runs_on_each_captured_tensor(mlp: nn.Sequential) -> None:
    seen: list[str] = []

    def first_two(name: str, tensor: torch.Tensor) -> torch.Tensor:
        seen.append(name)
        return tensor[:2]

    tr = dw.trace(mlp, torch.randn(10, 4), reduce=first_two)
    assert seen == ["0", "1", "2", "3", "4", "<output>"]
    assert all(layer.output.shape[0] == 2 for layer in tr.layers)
    assert tr.output.shape == (2, 3)  # the model's output too: it may be as large as any record
    assert tr.model_inputs["input"].shape == (10, 4)  # the inputs stay whole
    assert tr.bytes_copied == {}  # nothing to bring back from an accelerator


def test_half_precision_models_are_traced() -> None:
    model = mlp_4883().to(torch.bfloat16)
    tr = dw.trace(model, torch.randn(2, 4, dtype=torch.bfloat16))
    assert tr["4"].output.dtype == torch.bfloat16
    with torch.no_grad():
        assert torch.equal(tr["4"].output, model(tr.model_inputs["input"]))


def test_500_traces_keep_no_memory() -> None:
    model = mlp_4883()
    x = torch.randn(4, 4)
    for _ in range(5):
        dw.trace(model, x, ops=True)
    gc.collect()
    baseline = _live_tensors()
    for _ in range(500):
        dw.trace(model, x, ops=True)
    gc.collect()
    assert _live_tensors() <= baseline


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_copies_once_per_device_into_host_memory() -> None:
    model = mlp_4883().cuda()
    tr = dw.trace(model, torch.randn(64, 4, device="cuda"), grads=True, target=torch.zeros(64))
    assert set(tr.bytes_copied) == {"cuda:0"}
    assert tr.bytes_copied["cuda:0"] >= sum(r.output.numel() * 4 for r in tr.layers)
    assert all(r.output.device.type == "cpu" and r.grad.device.type == "cpu" for r in tr.layers)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_output_that_is_the_last_record_is_copied_once() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3)).cuda()
    x = torch.randn(2, 3, 16, 16, device="cuda")
    tr = dw.trace(model, x)

    def nbytes(t: torch.Tensor) -> int:
        return t.numel() * t.element_size()

    records = sum(nbytes(layer.output) for layer in tr.layers)
    assert tr.bytes_copied["cuda:0"] == records + nbytes(tr.model_inputs["input"])
    assert torch.equal(tr.output, tr["2"].output)
    assert torch.allclose(tr.output, model(x).cpu(), atol=1e-5)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_eval_lstm_gives_gradients() -> None:
    """cuDNN refuses an RNN's backward in eval mode: the trace runs it without cuDNN."""
    torch.manual_seed(0)
    model = nn.LSTM(3, 5, num_layers=2).eval()
    x = torch.randn(4, 2, 3)

    def loss(out: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return out[0].sum()

    on_cpu = dw.trace(model, x, grads=True, loss_fn=loss)
    enabled = torch.backends.cudnn.enabled
    on_gpu = dw.trace(model.cuda(), x.cuda(), grads=True, loss_fn=loss)
    assert torch.backends.cudnn.enabled == enabled and not model.training
    assert all(p.grad is None for p in model.parameters())
    for name, grad in on_cpu.param_grads.items():
        assert torch.allclose(on_gpu.param_grads[name], grad, atol=1e-5), name


def test_an_unannounced_in_place_write_is_caught_and_the_trace_copies() -> None:
    class DoublesItsInput(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mul_(2)  # inside a recorded module: no hook sees it coming

    model = nn.Sequential(
        nn.Linear(3, 3), DoublesItsInput(), nn.ReLU(inplace=True), nn.Linear(3, 1)
    )
    x = torch.randn(4, 3)
    tr = dw.trace(model, x)
    z = model[0](x)
    assert torch.allclose(tr["0"].output, z)  # what the Linear produced, not twice it
    assert torch.allclose(tr["1"].output, 2 * z)
    assert torch.allclose(tr["2"].output, torch.relu(2 * z))
    with torch.inference_mode():  # no version counters there: every capture is copied
        assert torch.allclose(dw.trace(model, x)["0"].output, z)


def chain_of(
    model: nn.Module,
    recorded: dict[nn.Module, str],
    inputs: tuple[Any, ...],
    kwargs: dict[str, Any],
    ops: bool,
) -> list[nn.Module] | None:
    """The modules the trace would run as a chain for this call, or None (the hooked path)."""
    structure = chain_structure(model, recorded, ops)
    if structure is None or not chain_usable(*structure, inputs, kwargs):
        return None
    return structure[0]


def _records(tr: dw.Trace) -> list[tuple[str, str, tuple[str, ...], torch.Tensor]]:
    return [(r.name, r.kind, r.inputs, r.output) for r in tr.layers]


def test_a_plain_sequential_is_run_by_the_trace_and_records_what_hooks_record() -> None:
    torch.manual_seed(0)
    relu = nn.ReLU(inplace=True)
    model = nn.Sequential(
        nn.Linear(5, 6),
        relu,
        nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Dropout(0.5)),
        relu,  # a module called twice
        nn.Linear(6, 2),
    ).train()
    x = torch.randn(3, 5)
    recorded = {m: "" for m in model.modules() if next(m.children(), None) is None}
    assert chain_of(model, recorded, (x,), {}, ops=False) is not None
    before = ModelState.of(model)
    fast = dw.trace(model, x)
    ModelState.of(model).assert_same(before)
    # The same model behind a forward hook takes the general path (hooks + lineage).
    handle = model.register_forward_hook(lambda *args: None)
    assert chain_of(model, recorded, (x,), {}, ops=False) is None
    general = dw.trace(model, x)
    handle.remove()
    for (name, kind, inputs, out), (name2, kind2, inputs2, out2) in zip(
        _records(fast), _records(general), strict=True
    ):
        assert (name, kind, inputs) == (name2, kind2, inputs2)
        assert torch.equal(out, out2)
    assert [r.name for r in fast.layers] == ["0", "1", "2.0", "2.1", "2.2", "1#2", "4"]
    assert fast["1#2"].inputs == ("2.2",) and fast["0"].inputs == ("input",)
    # The in-place ReLU wrote into the Linear's output: the capture is what the Linear made.
    assert (fast["0"].output < 0).any()


def test_an_unrecorded_layer_in_the_chain_passes_its_input_names_on() -> None:
    model = nn.Sequential(nn.LSTM(3, 4, batch_first=True), Last(), nn.Linear(4, 2))
    tr = dw.trace(model, torch.randn(2, 5, 3), layers=nn.Linear)
    assert [r.name for r in tr.layers] == ["2"]
    assert tr["2"].inputs == ("input",)


class Last(nn.Module):
    """The last step of an LSTM's output sequence."""

    def forward(self, out: tuple[torch.Tensor, object]) -> torch.Tensor:
        return out[0][:, -1]


def test_the_chain_path_needs_a_plain_sequential_and_one_tensor() -> None:
    class Custom(nn.Sequential):
        def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
            return super().forward(x) * 2

    seq = nn.Sequential(nn.Linear(2, 2))
    leaves = {seq[0]: "0"}
    x = torch.randn(1, 2)
    assert chain_of(seq, leaves, (x,), {}, ops=False) == [seq[0]]
    assert chain_of(seq, leaves, (x,), {}, ops=True) == [seq[0]]  # no op runs outside a record
    with_unrecorded = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    assert chain_of(with_unrecorded, {with_unrecorded[0]: "0"}, (x,), {}, ops=True) is None
    assert chain_of(seq, leaves, (x, x), {}, ops=False) is None
    assert chain_of(seq, leaves, (x,), {"y": x}, ops=False) is None
    assert chain_of(seq, {**leaves, seq: ""}, (x,), {}, ops=False) is None
    custom = Custom(nn.Linear(2, 2))
    assert chain_of(custom, {custom[0]: "0"}, (x,), {}, ops=False) is None
    with_block = nn.Sequential(nn.Linear(2, 2), mlp_4883())
    assert chain_of(with_block, {with_block[1]: "1"}, (x,), {}, ops=False) is None
    # a forward wrapped on the instance, or a backward hook, is the model's own business
    wrapped = nn.Sequential(nn.Linear(2, 2))
    wrapped.forward = lambda x: nn.Sequential.forward(wrapped, x) + 1  # type: ignore[method-assign]
    assert chain_of(wrapped, {wrapped[0]: "0"}, (x,), {}, ops=False) is None
    assert torch.allclose(dw.trace(wrapped, x).output, wrapped[0](x) + 1)
    hooked = nn.Sequential(nn.Linear(2, 2))
    handle = hooked.register_full_backward_hook(lambda *args: None)
    assert chain_of(hooked, {hooked[0]: "0"}, (x,), {}, ops=False) is None
    handle.remove()
    # a failing layer in the chain is named, with its input shapes
    bad = nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1))
    with pytest.raises(dw.TraceError, match="layer '1'") as caught:
        dw.trace(bad, x)
    assert caught.value.input_shapes == ((1, 3),)


def test_a_model_that_changes_shape_between_traces_gets_a_fresh_plan() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    x = torch.randn(2, 3)
    assert [r.name for r in dw.trace(model, x).layers] == ["0", "1"]
    model.append(nn.Linear(4, 2))
    assert [r.name for r in dw.trace(model, x).layers] == ["0", "1", "2"]
    model[1] = nn.Sequential(nn.Tanh(), nn.ReLU())  # a leaf becomes a container
    tr = dw.trace(model, x)
    assert [r.name for r in tr.layers] == ["0", "1.0", "1.1", "2"]
    assert tr["1.1"].inputs == ("1.0",)
    # the same shape with other modules: records come from these modules, not the last ones
    other = nn.Sequential(nn.Linear(3, 4), nn.Sequential(nn.Tanh(), nn.ReLU()), nn.Linear(4, 2))
    tr = dw.trace(other, x)
    assert tr["0"].module is other[0]
    assert torch.allclose(tr.output, other(x))
    assert [r.name for r in dw.trace(model, x, layers="1.*").layers] == ["1.0", "1.1"]


def test_the_plan_cache_keeps_no_model_alive() -> None:
    import weakref

    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    dw.trace(model, torch.randn(2, 3))
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None


def test_records_made_quickly_equal_records_made_by_the_dataclass() -> None:
    import dataclasses

    tr = dw.trace(mlp_4883(), torch.randn(2, 4))
    record = tr["2"]
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(dw.Layer)}
    assert set(vars(record)) == set(fields)  # the trace fills every field, and no other
    assert record == dw.Layer(**fields)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.name = "x"  # type: ignore[misc]


def test_ops_on_a_plain_sequential_records_what_the_general_path_records() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(inplace=True), nn.Linear(4, 2))
    x = torch.randn(2, 3)
    fast = dw.trace(model, x, ops=True)
    handle = model.register_forward_hook(lambda *args: None)  # forces hooks and the op mode
    general = dw.trace(model, x, ops=True)
    handle.remove()
    assert [r.name for r in fast.layers] == ["0", "1", "2"]
    for (name, kind, inputs, out), (name2, kind2, inputs2, out2) in zip(
        _records(fast), _records(general), strict=True
    ):
        assert (name, kind, inputs) == (name2, kind2, inputs2)
        assert torch.equal(out, out2)
    assert (fast["0"].output < 0).any()  # what the Linear made, before the in-place ReLU


def _chain_models() -> list[nn.Sequential]:
    torch.manual_seed(3)
    return [
        # views and pass-throughs share the Linear's memory before the in-place ReLU
        nn.Sequential(nn.Linear(4, 6), nn.Identity(), nn.ReLU(inplace=True), nn.Linear(6, 2)),
        nn.Sequential(
            nn.Conv2d(1, 2, 3), nn.Flatten(), nn.ReLU(inplace=True), nn.Linear(2 * 3 * 3, 2)
        ),
        nn.Sequential(nn.Unflatten(1, (1, 5, 5)), nn.Conv2d(1, 2, 3), nn.Hardtanh(inplace=True)),
        nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.0), nn.ELU(inplace=True)),
    ]


@pytest.mark.parametrize("index", range(4))
@pytest.mark.parametrize("layers", [None, (nn.Linear, nn.Conv2d)])
def test_the_chain_keeps_what_each_layer_made_as_the_hooked_path_does(
    index: int, layers: tuple[type[nn.Module], ...] | None
) -> None:
    model = _chain_models()[index]
    size = 25 if index == 2 else 4
    x = torch.randn(2, 1, 5, 5) if index == 1 else torch.randn(2, size)
    selector = list(layers) if layers is not None else None
    fast = dw.trace(model, x, layers=selector, grads=True, loss_fn=lambda out: out.sum())
    handle = model.register_forward_hook(lambda *args: None)  # forces the hooked path
    general = dw.trace(model, x, layers=selector, grads=True, loss_fn=lambda out: out.sum())
    handle.remove()
    assert [r.name for r in fast.layers] == [r.name for r in general.layers]
    for a, b in zip(fast.layers, general.layers, strict=True):
        assert a.inputs == b.inputs and a.input_shapes == b.input_shapes
        assert torch.equal(a.output, b.output), a.name
        # (a view written in place afterwards has no gradient of its own in either path)
        assert (a.grad is None) == (b.grad is None), a.name
        assert a.grad is None or torch.allclose(a.grad, b.grad), a.name
    for name, grad in general.param_grads.items():
        assert torch.allclose(fast.param_grads[name], grad)
    # the first recorded layer's capture is what it made, not what an in-place op left
    first = fast.layers[0]
    read = x if first.name == "0" else model[0](x)
    with torch.no_grad():
        assert torch.equal(first.output, first.module(read))


def test_a_chain_passes_reduced_captures_and_names_a_failing_unrecorded_module() -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(inplace=True), nn.Linear(3, 2))
    x = torch.randn(5, 4)
    tr = dw.trace(model, x, reduce=lambda name, t: t[:1] * 1)  # a copy: the reduction's own
    assert [r.output.shape[0] for r in tr.layers] == [1, 1, 1]
    assert torch.allclose(tr["0"].output, model[0](x)[:1])
    bad = nn.Sequential(nn.Linear(4, 3), nn.Unflatten(1, (2, 2)), nn.Linear(2, 1))
    with pytest.raises(dw.TraceError, match=r"after layer '0' \(Linear\) returned \(5, 3\)"):
        dw.trace(bad, x, layers=nn.Linear)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_captures_of_every_dtype_and_layout_come_back_whole() -> None:
    from dlwidgets.capture.host_copy import to_host

    torch.manual_seed(0)
    tensors = [
        torch.randn(3, 5, device="cuda"),
        torch.randn(4, 6, device="cuda").half(),
        torch.randn(6, 4, device="cuda").t(),  # not contiguous
        torch.arange(7, device="cuda"),
        torch.zeros(0, 3, device="cuda"),
        torch.tensor(True, device="cuda"),
    ]
    structure = {"a": tensors[:3], "b": (tensors[3], tensors[4]), "c": tensors[5]}
    (back,), copied = to_host([structure])
    flat = [*back["a"], *back["b"], back["c"]]
    for got, want in zip(flat, tensors, strict=True):
        assert got.device.type == "cpu" and got.dtype == want.dtype
        assert torch.equal(got, want.cpu())
    assert copied["cuda:0"] == sum(t.numel() * t.element_size() for t in tensors)


def test_the_plan_cache_is_bounded_and_shared_by_models_of_one_shape() -> None:
    from dlwidgets.capture import plan

    x = torch.randn(1, 2)
    for width in range(1, 80):  # as many shapes: the oldest plans make way
        dw.trace(nn.Sequential(*(nn.Linear(2, 2) for _ in range(width))), x)
    assert len(plan._plans) <= plan._MAX_PLANS
    first = plan.plan_for(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), None, False)
    second = plan.plan_for(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), None, False)
    assert first._positions is second._positions  # worked out once for the shape
    assert first.chain != second.chain  # each with its own modules


def test_the_lineage_mode_steps_aside_inside_records_and_comes_back() -> None:
    depths: list[int] = []

    class Probe(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            depths.append(torch._C._len_torch_function_stack())
            return x * 2  # inside a record: not a step of its own

    class Net(nn.Module):  # a forward of its own: the hooked path
        def __init__(self, width: int) -> None:
            super().__init__()
            self.probe = Probe()
            self.fc = nn.Linear(width, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(self.probe(x) + 1)

    outside = torch._C._len_torch_function_stack()
    tr = dw.trace(Net(3), torch.randn(2, 3), ops=True)
    assert depths == [outside]  # the lineage mode was off the stack inside the record
    assert [r.name for r in tr.layers] == ["probe", "add", "fc"]
    assert tr["add"].inputs == ("probe",) and tr["fc"].inputs == ("add",)
    assert torch._C._len_torch_function_stack() == outside
    wrong = Net(4)
    with pytest.raises(dw.TraceError, match="layer 'fc'"):
        dw.trace(wrong, torch.randn(2, 3), ops=True)  # fc fails with the mode set aside
    assert torch._C._len_torch_function_stack() == outside
    assert not wrong.fc._forward_hooks and not wrong.fc._forward_pre_hooks


class _Residual(nn.Module):
    """A forward of its own (the hooked path) with two leaves."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(5)
        self.fc1 = nn.Linear(3, 3)
        self.fc2 = nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(torch.relu(self.fc1(x))) + x


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # torch's, on the user's hook
def test_modules_with_hooks_of_any_kind_are_recorded_through_hooks_as_before() -> None:
    x = torch.randn(2, 3)
    plain = dw.trace(_Residual(), x, grads=True, loss_fn=lambda out: out.sum())
    hooked = _Residual()
    seen: list[str] = []
    hooked.fc1.register_full_backward_hook(lambda *args: seen.append("fc1"))
    handle = nn.modules.module.register_module_forward_hook(lambda *args: None)
    try:
        tr = dw.trace(hooked, x, grads=True, loss_fn=lambda out: out.sum())
    finally:
        handle.remove()
    assert seen == ["fc1"]  # the user's backward hook ran in the trace's backward pass
    for a, b in zip(plain.layers, tr.layers, strict=True):
        assert (a.name, a.inputs) == (b.name, b.inputs)
        assert torch.allclose(a.output, b.output) and torch.allclose(a.grad, b.grad)
    assert all("forward" not in vars(m) for m in hooked.modules())
    assert not hooked.fc2._forward_hooks and not hooked.fc2._forward_pre_hooks


# -- found by review: each of these once gave a wrong trace --------------------------------


def test_models_that_differ_only_in_which_shared_module_comes_back_get_their_own_plans() -> None:
    torch.manual_seed(0)
    a1, a2 = nn.LeakyReLU(0.01), nn.LeakyReLU(0.5)
    x = torch.randn(3, 4)
    model = nn.Sequential(nn.Linear(4, 4), a1, nn.Linear(4, 4), a2, nn.Linear(4, 4), a1)
    assert [r.name for r in dw.trace(model, x).layers][-1] == "1#2"
    model[5] = a2
    tr = dw.trace(model, x)
    assert [r.name for r in tr.layers][-1] == "3#2"
    assert torch.allclose(tr.output, model(x))
    p, q = nn.Linear(4, 4), nn.Linear(4, 4)
    dw.trace(nn.Sequential(p, q, p), x)
    other = nn.Sequential(p, q, q)
    assert torch.allclose(dw.trace(other, x).output, other(x))


def test_inputs_made_in_inference_mode_are_traced() -> None:
    with torch.inference_mode():
        x = torch.randn(3, 4)
    chain = nn.Sequential(nn.Flatten(0), nn.Linear(12, 4))
    assert torch.equal(dw.trace(chain, x)["0"].output, x.flatten())
    hooked = nn.Sequential(nn.Identity(), nn.Linear(4, 2))
    hooked.register_forward_hook(lambda *args: None)
    assert torch.equal(dw.trace(hooked, x)["0"].output, x)


def test_the_models_output_goes_through_reduce_under_a_name_no_record_has() -> None:
    from dlwidgets.scene.feature_maps import MapReducer

    class Seg(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.output = nn.Conv2d(8, 4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.interpolate(self.output(F.relu(self.conv(x))), scale_factor=2)

    reducer = MapReducer()
    dw.trace(Seg(), torch.randn(1, 3, 16, 16), reduce=reducer)
    assert reducer.shapes["output"] == (4, 16, 16)  # the layer's, not the upsampled output's

    def fails_on(name: str) -> Any:
        def reduce(record: str, tensor: torch.Tensor) -> torch.Tensor:
            if record == name:
                raise ValueError("no")
            return tensor

        return reduce

    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    for name in ("1", "<output>"):
        with pytest.raises(dw.TraceError, match=f"reduce= failed on '{name}'"):
            dw.trace(model, torch.randn(2, 4), reduce=fails_on(name))
    with pytest.raises(dw.TraceError, match="reduce= failed on 'fc1'"):  # the hooked path
        dw.trace(_Residual(), torch.randn(2, 3), reduce=fails_on("fc1"))


def test_a_class_level_inplace_flag_is_an_announced_write() -> None:
    class ClassInplace(nn.Module):
        inplace = True

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu_(x)

    x = torch.tensor([-1.0, 2.0])
    tr = dw.trace(nn.Sequential(nn.Identity(), ClassInplace()), x.clone())
    assert torch.equal(tr["0"].output, x) and torch.equal(tr["1"].output, torch.relu(x))


def test_an_unannounced_write_into_the_input_is_traced_from_the_original_input() -> None:
    class AddOne(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.add_(1)

    x = torch.zeros(2)
    tr = dw.trace(nn.Sequential(nn.Identity(), AddOne()), x)
    assert torch.equal(tr["0"].output, torch.zeros(2)) and torch.equal(
        tr["1"].output, torch.ones(2)
    )
    assert torch.equal(x, torch.ones(2))  # as after a plain forward: written once
    assert torch.equal(tr.model_inputs["input"], torch.zeros(2))


def test_the_cudnn_switch_is_shared_by_threads_and_restored_by_the_last() -> None:
    from dlwidgets.capture.tracer import _cudnn

    switch = _cudnn
    before = torch.backends.cudnn.enabled
    first, second = switch.off(), switch.off()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert torch.backends.cudnn.enabled is False  # the second trace still needs it off
    second.__exit__(None, None, None)
    assert torch.backends.cudnn.enabled == before


class _Collecting(nn.Module):
    def __init__(self, fails: bool = False) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.fails = fails
        self.collector: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.collector.append(gc.isenabled())
        return self.fc(x[:, :2] if self.fails else x)


def test_the_cyclic_collector_pauses_while_a_hooked_trace_runs_and_comes_back() -> None:
    assert gc.isenabled()
    model = _Collecting()
    dw.trace(model, torch.randn(4, 3))
    assert model.collector == [False] and gc.isenabled()
    failing = _Collecting(fails=True)
    with pytest.raises(dw.TraceError):
        dw.trace(failing, torch.randn(4, 3))
    assert failing.collector == [False] and gc.isenabled()
    gc.disable()  # a user who turned it off keeps it off
    try:
        dw.trace(model, torch.randn(4, 3))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_generator_selector_is_read_once_and_does_not_poison_the_cache() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    x = torch.randn(1, 2)
    assert [r.name for r in dw.trace(model, x, layers=(s for s in ["0"])).layers] == ["0"]
    assert [r.name for r in dw.trace(model, x, layers=["0"]).layers] == ["0"]
    assert [r.name for r in dw.trace(model, x).layers] == ["0", "1", "2"]


def test_a_lazy_layer_in_a_chain_is_named_by_its_final_class() -> None:
    model = nn.Sequential(nn.LazyLinear(3), nn.ReLU())
    assert [r.kind for r in dw.trace(model, torch.randn(2, 5)).layers] == ["Linear", "ReLU"]


def test_a_capture_that_is_a_buffer_keeps_what_the_forward_made() -> None:
    class Running(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mean", torch.zeros(2))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.training:
                self.mean.mul_(0.5).add_(x.mean(0))
            return self.mean

    for model in (nn.Sequential(Running()), _Wrapped(Running())):
        x = torch.ones(3, 2)
        tr = dw.trace(model.train(), x)
        record = tr.layers[0]
        assert torch.equal(record.output, torch.ones(2)), type(model).__name__
        assert torch.equal(tr.output, torch.ones(2))
        assert torch.equal(record.module.mean, torch.zeros(2))  # the buffer was put back


class _Wrapped(nn.Module):
    """A forward of its own around one module: the hooked path."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)


def test_a_pre_hook_that_changes_the_input_is_seen_by_both_paths() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 2))
    model[1].register_forward_pre_hook(lambda module, args: (args[0][:, :6],))
    x = torch.randn(2, 2, 4)
    model[0] = nn.Flatten()
    shapes = dw.trace(model, x)["1"].input_shapes
    hooked = dw.trace(_Wrapped(model), x)["inner.1"].input_shapes
    assert shapes == hooked == ((2, 6),)


def test_a_module_run_in_another_thread_during_a_trace_leaves_every_mode_stack_alone() -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1)
    entered, b_done = threading.Event(), threading.Event()

    class A(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            entered.set()
            b_done.wait(5)
            return x * 2

    class B(nn.Module):
        def forward(self, x: torch.Tensor, futures: list[Any]) -> torch.Tensor:
            futures.append(pool.submit(lambda: model.a(x)))  # a recorded module, elsewhere
            entered.wait(5)
            return x * 3

    class M(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = A(), B()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            futures: list[Any] = []
            y = self.b(x, futures)
            b_done.set()
            return y + futures[0].result()

    model = M()
    outside = torch._C._len_torch_function_stack()
    tr = dw.trace(model, torch.ones(2), ops=True)
    assert sorted(r.name for r in tr.layers) == ["a", "add", "b"]
    assert set(tr["add"].inputs) == {"b", "a"}
    # each thread's call ends its own record
    assert torch.equal(tr["a"].output, torch.full((2,), 2.0))
    assert torch.equal(tr["b"].output, torch.full((2,), 3.0))
    assert torch._C._len_torch_function_stack() == outside
    assert pool.submit(torch._C._len_torch_function_stack).result() == 0
    pool.shutdown()


def test_a_second_pass_starts_from_the_inputs_inside_a_list_as_the_user_passed_them() -> None:
    class AddIn(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x.add_(1)  # into the model's input, unannounced
            return x * 1

    class Scale(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mul_(10)  # into the Linear's capture, unannounced: a second pass

    class ListIn(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.a, self.fc, self.s = AddIn(), nn.Linear(2, 2), Scale()

        def forward(self, xs: list[torch.Tensor]) -> torch.Tensor:
            return self.s(self.fc(self.a(xs[0])))

    model = ListIn()
    x = torch.tensor([[0.5, -1.0]])
    with torch.no_grad():
        expected = model([x.clone()])
        z = model.fc(x + 1)
    tr = dw.trace(model, [x])
    assert torch.allclose(tr.output, expected) and torch.allclose(tr["fc"].output, z)
    assert torch.equal(x, torch.tensor([[1.5, 0.0]]))  # written once, as by a plain forward


def test_a_buffer_read_before_batchnorm_updates_it_is_kept_as_it_was_read() -> None:
    class Stats(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bn = nn.BatchNorm1d(2)
            self.read = nn.Identity()

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            seen = self.read(self.bn.running_mean)  # before the update: zeros
            return self.bn(x), seen

    model = Stats().train()
    tr = dw.trace(model, torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert torch.equal(tr["read"].output, torch.zeros(2))
    # the output is the buffer itself, as a plain forward leaves it (updated)
    assert torch.allclose(tr.output[1], torch.tensor([0.2, 0.3]))
    assert torch.equal(model.bn.running_mean, torch.zeros(2))  # put back


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # torch's, on the user's hook
def test_full_backward_hooks_on_a_block_are_not_steps_of_the_model() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.b = _Residual()
            self.head = nn.Linear(3, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.b(x) * 2)

    x = torch.randn(2, 3)
    target = torch.tensor([0, 1])
    plain = dw.trace(Net(), x, ops=True, grads=True, target=target)
    hooked, seen = Net(), []
    hooked.b.register_full_backward_hook(lambda *args: seen.append("b"))
    hooked.head.register_full_backward_hook(lambda *args: seen.append("head"))
    tr = dw.trace(hooked, x, ops=True, grads=True, target=target)
    assert [r.name for r in tr.layers] == ["b.fc1", "b.relu", "b.fc2", "b.add", "mul", "head"]
    assert tr["mul"].inputs == ("b.add",) and tr["head"].inputs == ("mul",)
    assert sorted(seen) == ["b", "head"]
    for a, b in zip(plain.layers, tr.layers, strict=True):
        assert (a.name, a.inputs) == (b.name, b.inputs)
        assert torch.allclose(a.output, b.output) and torch.allclose(a.grad, b.grad), a.name


class _ReturnsItsInput(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Identity()
        self.fc = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.first(x))


class _ReturnsItsWeight(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(3, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.weight


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: nn.Sequential(nn.Flatten(), nn.Linear(4, 2)), "0"),
        (lambda: nn.Sequential(nn.Identity(), nn.ReLU(inplace=True)), "0"),
        (_ReturnsItsInput, "first"),
    ],
    ids=["flatten chain", "identity then in-place relu", "identity hooked"],
)
def test_a_record_viewing_the_callers_input_is_a_copy(make: Any, name: str) -> None:
    x = torch.randn(3, 4)
    given = x.clone()
    tr = dw.trace(make(), x)
    kept = tr[name].output.clone()
    x.add_(100.0)  # the caller reuses its input
    assert torch.equal(tr[name].output, kept)
    assert torch.equal(tr[name].output, given)
    assert torch.equal(tr.model_inputs["input"], given)


def test_a_record_that_is_a_parameter_is_a_copy() -> None:
    model = _ReturnsItsWeight()
    tr = dw.trace(nn.Sequential(model), torch.randn(2, 4))
    kept = tr["0"].output.clone()
    with torch.no_grad():
        model.weight.add_(1.0)  # a training step after the trace
    assert torch.equal(tr["0"].output, kept)


class _Gcn(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        return torch.sparse.mm(adjacency, self.fc(x))


@pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")
@pytest.mark.parametrize("layout", ["coo", "csr"])
def test_a_sparse_input_is_traced(layout: str) -> None:
    model, x = _Gcn(), torch.randn(5, 4)
    eye = torch.eye(5)
    adjacency = eye.to_sparse() if layout == "coo" else eye.to_sparse_csr()
    tr = dw.trace(model, x, adjacency, ops=True)
    assert torch.allclose(tr.output, model(x, adjacency))
    assert tr["fc"].inputs == ("input",)


class _Masked(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(64, 64)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        wide = mask[:, None, :].expand(-1, 32, -1)  # a broadcast view of the caller's mask
        return self.fc(x).masked_fill(wide, 0.0)


def test_a_broadcast_view_of_an_input_stays_small() -> None:
    x, mask = torch.randn(4, 32, 64), torch.rand(4, 64) > 0.5
    tr = dw.trace(_Masked(), x, kwargs={"mask": mask}, ops=True)
    wide = tr["expand"].output
    mask.fill_(False)  # the caller reuses its mask
    assert wide.stride() == (64, 0, 1)
    assert wide.untyped_storage().nbytes() == 4 * 64
    assert torch.equal(wide, tr.model_inputs["input.mask"][:, None, :].expand(-1, 32, -1))


class _Token(nn.Module):
    """A ViT's class token: its record is a view of its parameter."""

    def __init__(self) -> None:
        super().__init__()
        self.token = nn.Parameter(torch.randn(1, 1, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.token.expand(x.shape[0], -1, -1)


class _Table(nn.Module):
    """A positional table: its record is a slice of its buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("table", torch.randn(10, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.table[: x.shape[1]]


class _Vit(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.token, self.table, self.fc = _Token(), _Table(), nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.token(x), self.fc(x) + self.table(x)], dim=1)


@pytest.mark.parametrize("grads", [False, True])
def test_records_viewing_a_parameter_or_a_buffer_are_copies(grads: bool) -> None:
    model, x = _Vit(), torch.randn(2, 3, 4)
    options: dict[str, Any] = {"grads": True, "loss_fn": lambda out: out.sum()} if grads else {}
    tr = dw.trace(model, x, **options)
    chain = dw.trace(nn.Sequential(model.token), x, **options)
    kept = [tr["token"].output.clone(), tr["table"].output.clone(), chain["0"].output.clone()]
    with torch.no_grad():  # a training step after the trace
        model.token.token.add_(1.0)
        model.table.table.add_(1.0)
    assert torch.equal(tr["token"].output, kept[0])
    assert torch.equal(tr["table"].output, kept[1])
    assert torch.equal(chain["0"].output, kept[2])


class _TwoLayers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(8, 8), nn.Linear(8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.relu(self.a(x))) * 2


def test_threads_tracing_one_model_at_once_take_turns() -> None:
    import copy
    import threading

    model = _TwoLayers()
    twin = copy.deepcopy(model)  # the expected values, computed off the traced model
    wrong: list[object] = []

    def work(seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        for _ in range(60):
            x = torch.randn(4, 8, generator=generator)
            try:
                tr = dw.trace(model, x, ops=True)
                with torch.no_grad():
                    right = [r.name for r in tr] == ["a", "relu", "b", "mul"] and torch.equal(
                        tr.output, twin(x)
                    )
                if not right:
                    wrong.append([r.name for r in tr])
            except Exception as exc:
                wrong.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert all("forward" not in vars(m) and not m._forward_hooks for m in model.modules())
