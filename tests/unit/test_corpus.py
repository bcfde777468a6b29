"""``dw.trace`` over the corpus of ``tests/corpus.py``, checked against an independent oracle.

The oracle is a plain forward of a deep copy of the model, made before the
trace, with the global RNG put back to where the trace started (so Dropout
draws the same masks and BatchNorm starts from the same statistics) and simple
forward hooks on the same modules (every leaf, and ``MultiheadAttention`` as a
whole) that clone what each call returned, in call order. For ``grads=True``
the oracle asks autograd directly for ∂L/∂output of each call and ∂L/∂param.
"""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.modules import module as module_globals
from torch.nn.utils.rnn import PackedSequence

import dlwidgets as dw
from tests.conftest import ModelState
from tests.corpus import CORPUS, BasicBlock, Case, TinyResNet, randn

CASES = {case.name: case for case in CORPUS}


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """Tiny tensors: threads only cost time (a lot, on a loaded machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def cases(selected: list[Case] | None = None) -> list[Any]:
    """``selected`` (default: every case) as test parameters named after the cases."""
    return [
        pytest.param(case, id=case.name) for case in CORPUS if selected is None or case in selected
    ]


# -- the oracle ------------------------------------------------------------------------


def leaf_names(model: nn.Module) -> dict[nn.Module, str]:
    """Modules a default trace records: leaves, and MultiheadAttention as one (root: class)."""
    names: dict[nn.Module, str] = {}
    atomic: list[str] = []
    for name, module in model.named_modules():
        if any(name.startswith(prefix + ".") for prefix in atomic):
            continue
        if isinstance(module, nn.MultiheadAttention):
            atomic.append(name)
        elif next(module.children(), None) is not None:
            continue
        names[module] = name or type(module).__name__
    return names


def tree_map(value: Any, fn: Callable[[torch.Tensor], Any]) -> Any:
    """``value`` with ``fn`` applied to every tensor; tuples, NamedTuples, lists, dicts kept."""
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(tree_map(v, fn) for v in value))
    if isinstance(value, (tuple, list)):
        return type(value)(tree_map(v, fn) for v in value)
    if isinstance(value, dict):
        return {k: tree_map(v, fn) for k, v in value.items()}
    return value


def tensors_in(value: Any) -> Iterator[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from tensors_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from tensors_in(v)


def snapshot(value: Any) -> Any:
    return tree_map(value, lambda t: t.detach().clone())


@dataclass
class Plain:
    """What a plain forward (and backward) of the oracle saw."""

    records: dict[str, Any]  # "name" / "name#n" → output, in call order
    input_shapes: dict[str, tuple[tuple[int, ...], ...]]
    output: Any
    grads: dict[str, Any] | None = None  # ∂L/∂output per record
    param_grads: dict[str, torch.Tensor] | None = None
    loss: float | None = None


def plain_forward(
    model: nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    loss_fn: Callable[[Any], torch.Tensor] | None = None,
) -> Plain:
    """Run ``model`` with forward hooks that keep each leaf call's output (and its grad)."""
    names = leaf_names(model)
    counts: dict[str, int] = {}
    pending: list[str] = []
    records: dict[str, Any] = {}
    shapes: dict[str, tuple[tuple[int, ...], ...]] = {}
    live: dict[str, Any] = {}

    def before(module: nn.Module, args: Any, kwargs: Any) -> None:
        base = names[module]
        counts[base] = counts.get(base, 0) + 1
        key = base if counts[base] == 1 else f"{base}#{counts[base]}"
        records[key] = None
        shapes[key] = tuple(tuple(t.shape) for t in tensors_in((args, kwargs)))
        pending.append(key)

    def after(module: nn.Module, _args: Any, output: Any) -> Any:
        key = pending.pop()
        records[key] = snapshot(output)
        if loss_fn is None:
            return None
        live[key] = output  # the call's own tensors; what follows gets copies
        return tree_map(output, torch.Tensor.clone)

    handles = []
    for module in names:
        handles.append(module.register_forward_pre_hook(before, with_kwargs=True))
        handles.append(module.register_forward_hook(after))
    try:
        with torch.enable_grad():
            output = model(*args, **kwargs)
            loss = loss_fn(output) if loss_fn is not None else None
    finally:
        for handle in handles:
            handle.remove()
    plain = Plain(records, shapes, snapshot(output))
    if loss is None:
        return plain
    wanted = [t for v in live.values() for t in tensors_in(v) if t.requires_grad]
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    found = torch.autograd.grad(loss, wanted + [p for _, p in params], allow_unused=True)
    by_id = {id(t): g for t, g in zip(wanted, found, strict=False)}
    plain.grads = {k: grad_tree(v, by_id) for k, v in live.items()}
    plain.param_grads = {
        n: g for (n, _), g in zip(params, found[len(wanted) :], strict=True) if g is not None
    }
    plain.loss = float(loss.detach())
    return plain


def grad_tree(value: Any, grads: dict[int, torch.Tensor]) -> Any:
    """``value`` with each tensor replaced by its gradient (``None``: none).

    A PackedSequence's gradient is the PackedSequence of its data's gradient,
    with the same batch sizes and indices (integers have no gradient).
    """
    if isinstance(value, PackedSequence):
        return PackedSequence(grads.get(id(value.data)), *value[1:])
    if isinstance(value, (tuple, list)) and not isinstance(value, torch.Size):
        items = [grad_tree(v, grads) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        return {k: grad_tree(v, grads) for k, v in value.items()}
    return grads.get(id(value)) if isinstance(value, torch.Tensor) else value


def assert_same(actual: Any, expected: Any, where: str, *, grad: bool = False) -> None:
    """Same structure, same dtypes and shapes, close values (exact for integers)."""
    if expected is None:
        assert actual is None, f"{where}: expected None, got {type(actual).__name__}"
        return
    if isinstance(expected, torch.Tensor):
        assert isinstance(actual, torch.Tensor), f"{where}: got {type(actual).__name__}"
        assert actual.dtype == expected.dtype, f"{where}: dtype {actual.dtype}"
        assert actual.shape == expected.shape, f"{where}: shape {tuple(actual.shape)}"
        assert actual.device.type == "cpu", f"{where}: on {actual.device}"
        assert actual.grad_fn is None and not actual.requires_grad, f"{where}: has a graph"
        if not expected.is_floating_point():
            assert torch.equal(actual, expected), f"{where}: values differ"
            return
        low = expected.dtype in (torch.float16, torch.bfloat16)
        rtol, atol = (2e-2, 2e-2) if low else ((1e-4, 1e-6) if grad else (1e-5, 1e-6))
        gap = (actual.float() - expected.float()).abs().max().item() if actual.numel() else 0.0
        assert torch.allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True), (
            f"{where}: values differ by up to {gap:.3g}"
        )
        return
    assert type(actual) is type(expected), f"{where}: {type(actual)} != {type(expected)}"
    if isinstance(expected, dict):
        assert list(actual) == list(expected), f"{where}: keys {list(actual)}"
        for key in expected:
            assert_same(actual[key], expected[key], f"{where}[{key!r}]", grad=grad)
    elif isinstance(expected, (tuple, list)):
        assert len(actual) == len(expected), f"{where}: length {len(actual)}"
        fields = getattr(expected, "_fields", range(len(expected)))
        for field, a, e in zip(fields, actual, expected, strict=True):
            assert_same(a, e, f"{where}.{field}", grad=grad)
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def traced_and_plain(case: Case, **options: Any) -> tuple[nn.Module, dw.Trace, Plain]:
    """Trace a fresh model, then run the oracle on its copy from the same RNG state."""
    model = case.model()
    twin = copy.deepcopy(model)
    args, kwargs = case.args()
    rng = torch.random.get_rng_state()
    tr = dw.trace(model, *args, kwargs=kwargs, **options)
    torch.random.set_rng_state(rng)
    fresh_args, fresh_kwargs = case.args()  # the trace's own inputs may have been overwritten
    plain = plain_forward(twin, fresh_args, fresh_kwargs, loss_fn=options.get("loss_fn"))
    return model, tr, plain


def input_names(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
    return ["input" if i == 0 else f"input.{i}" for i in range(len(args))] + [
        f"input.{key}" for key in kwargs
    ]


# -- what is left behind -------------------------------------------------------------

_HOOK_DICTS = (
    "_forward_hooks",
    "_forward_pre_hooks",
    "_forward_hooks_with_kwargs",
    "_forward_pre_hooks_with_kwargs",
    "_forward_hooks_always_called",
    "_backward_hooks",
    "_backward_pre_hooks",
)
_GLOBAL_HOOKS = (
    "_global_forward_hooks",
    "_global_forward_pre_hooks",
    "_global_forward_hooks_with_kwargs",
    "_global_backward_hooks",
    "_global_backward_pre_hooks",
)


def hooks_of(model: nn.Module) -> list[tuple[str, str, Any]]:
    """Every module's hook ids, and its forward when one is set on the instance (the
    trace stands its own in for a module's forward while it runs)."""
    return [
        (name, attr, tuple(getattr(module, attr)))
        for name, module in model.named_modules()
        for attr in _HOOK_DICTS
    ] + [(name, "forward", vars(module).get("forward")) for name, module in model.named_modules()]


def assert_nothing_left(model: nn.Module, hooks_before: list[Any]) -> None:
    assert hooks_of(model) == hooks_before, "a hook was left on the model"
    assert all(not getattr(module_globals, attr) for attr in _GLOBAL_HOOKS)
    assert torch._C._len_torch_function_stack() == 0, "a TorchFunctionMode is still active"


def loss_of(output: Any) -> torch.Tensor:
    """A scalar that depends on every floating-point tensor the model returns."""
    terms = [t.float().square().mean() for t in tensors_in(output) if t.is_floating_point()]
    return torch.stack(terms).sum()


OPTIONS: dict[str, dict[str, Any]] = {
    "plain": {},
    "ops": {"ops": True},
    "grads": {"grads": True, "loss_fn": loss_of},
}


def with_options() -> list[Any]:
    """Every case with every set of ``OPTIONS``."""
    return [
        pytest.param(case, options, id=f"{case.name}-{options}")
        for case in CORPUS
        for options in OPTIONS
    ]


# -- the corpus itself ---------------------------------------------------------------


def test_corpus_has_at_least_25_uniquely_named_cases() -> None:
    assert len(CORPUS) >= 25
    assert len(CASES) == len(CORPUS)
    assert {case.mode for case in CORPUS} == {"eval", "train"}


# -- values ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases())
def test_every_record_equals_a_plain_forward(case: Case) -> None:
    model, tr, plain = traced_and_plain(case)
    assert [layer.name for layer in tr] == list(plain.records)
    modules = {name: module for module, name in leaf_names(model).items()}
    for layer in tr:
        assert_same(layer.output, plain.records[layer.name], layer.name)
        assert layer.input_shapes == plain.input_shapes[layer.name], layer.name
        assert layer.module is modules[layer.module_name], "not the live module"
        assert layer.kind == type(layer.module).__name__
        suffix = "" if layer.call == 1 else f"#{layer.call}"
        assert layer.name == layer.module_name + suffix
    assert_same(tr.output, plain.output, "output")
    assert tr.loss is None and tr.param_grads == {}


@pytest.mark.parametrize("case", cases())
def test_model_inputs_are_the_values_fed(case: Case) -> None:
    model = case.model()
    args, kwargs = case.args()
    tr = dw.trace(model, *args, kwargs=kwargs)
    fed = dict(zip(input_names(args, kwargs), [*args, *kwargs.values()], strict=True))
    expected = {name: value for name, value in fed.items() if isinstance(value, torch.Tensor)}
    fresh_args, fresh_kwargs = case.args()
    fresh = dict(zip(fed, [*fresh_args, *fresh_kwargs.values()], strict=True))
    assert list(tr.model_inputs) == list(expected)
    for name in expected:
        assert_same(tr.model_inputs[name], fresh[name], name)


@pytest.mark.parametrize(
    "context",
    [torch.no_grad, torch.enable_grad, torch.inference_mode],
    ids=["no_grad", "enable_grad", "inference_mode"],
)
@pytest.mark.parametrize(
    "case",
    cases([CASES[n] for n in (
        "mlp_batchnorm_train", "resnet_stack", "lstm_packed", "self_attention_weights",
        "transformer_encoder",
    )]),
)  # fmt: skip
def test_grad_mode_of_the_caller_does_not_matter(
    case: Case, context: Callable[[], AbstractContextManager[Any]]
) -> None:
    model = case.model()
    args, kwargs = case.args()
    reference = dw.trace(model, *args, kwargs=kwargs)
    grad_mode = torch.is_grad_enabled()
    args, kwargs = case.args()
    before = ModelState.of(model)
    with context():
        tr = dw.trace(model, *args, kwargs=kwargs)
    assert torch.is_grad_enabled() == grad_mode
    before.assert_same(ModelState.of(model))
    assert [layer.name for layer in tr] == [layer.name for layer in reference]
    for a, b in zip(tr, reference, strict=True):
        assert_same(a.output, b.output, a.name)
    assert_same(tr.output, reference.output, "output")


# -- dataflow ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases())
def test_inputs_name_earlier_records_or_model_inputs(case: Case) -> None:
    model = case.model()
    args, kwargs = case.args()
    for ops in (False, True):
        tr = dw.trace(model, *args, kwargs=kwargs, ops=ops)
        known = set(input_names(args, kwargs))
        for layer in tr:
            assert layer.inputs, f"{layer.name} reads nothing"
            assert set(layer.inputs) <= known, f"{layer.name} reads {layer.inputs}"
            known.add(layer.name)
        args, kwargs = case.args()


@pytest.mark.parametrize("case", cases([c for c in CORPUS if c.dataflow]))
def test_dataflow_matches_the_graph(case: Case) -> None:
    args, kwargs = case.args()
    tr = dw.trace(case.model(), *args, kwargs=kwargs)
    assert case.dataflow is not None
    assert {name: tr[name].inputs for name in case.dataflow} == case.dataflow


@pytest.mark.parametrize("case", cases([c for c in CORPUS if c.ops_dataflow]))
def test_ops_dataflow_matches_the_graph(case: Case) -> None:
    args, kwargs = case.args()
    tr = dw.trace(case.model(), *args, kwargs=kwargs, ops=True)
    assert case.ops_dataflow is not None
    found = {name: tr[name].inputs if name in tr else None for name in case.ops_dataflow}
    assert found == case.ops_dataflow


# -- ops=True -------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases())
def test_ops_keep_every_module_record_and_the_output(case: Case) -> None:
    model, tr, plain = traced_and_plain(case, ops=True)
    modules = [layer for layer in tr if layer.module is not None]
    # With ops=True a user's model without submodules is the scope of its calls, not a record.
    scope_root = not model._modules and not type(model).__module__.startswith("torch.")
    expected = [n for n in plain.records if not (scope_root and n == type(model).__name__)]
    assert len(tr) >= len(expected)
    assert [layer.name for layer in modules] == expected
    for layer in modules:
        assert_same(layer.output, plain.records[layer.name], layer.name)
    for layer in tr:
        if layer.module is None:
            assert layer.module_name == "" and layer.kind == layer.name.split(".")[-1].split("#")[0]
            for value in tensors_in(layer.output):
                assert value.grad_fn is None and value.device.type == "cpu"
    assert_same(tr.output, plain.output, "output")


class Ops(nn.Module):
    """Every kind of op the issue names, in the root's forward and in a submodule's."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.layer1 = nn.Sequential(BasicBlock(2, 2, in_place_add=False))

    def forward(self, x: torch.Tensor, img: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.a(x) + x
        h = F.relu(self.b(x))
        y += h
        return torch.cat([y, h], dim=1), self.layer1(img)


def test_ops_are_named_scoped_and_valued() -> None:
    torch.manual_seed(0)
    model = Ops().eval()
    x, img = randn(3, 4, seed=1), randn(2, 2, 4, 4, seed=2)
    tr = dw.trace(model, x, img, ops=True)
    ops = {layer.name: layer for layer in tr if layer.module is None}
    assert list(ops) == ["add", "relu", "add_", "cat", "layer1.0.add"]
    assert {name: layer.inputs for name, layer in ops.items()} == {
        "add": ("a", "input"),
        "relu": ("b",),
        "add_": ("add", "relu"),
        "cat": ("add_", "relu"),
        "layer1.0.add": ("layer1.0.bn2", "input.1"),
    }
    assert [ops[n].kind for n in ops] == ["add", "relu", "add_", "cat", "add"]
    with torch.no_grad():
        a, h = model.a(x) + x, F.relu(model.b(x))
        block = model.layer1[0]
        z = block.bn2(block.conv2(F.relu(block.bn1(block.conv1(img)))))
    assert torch.allclose(ops["add"].output, a)  # kept although `y += h` overwrote it
    assert torch.allclose(ops["relu"].output, h)
    assert torch.allclose(ops["add_"].output, a + h)
    assert torch.allclose(ops["cat"].output, torch.cat([a + h, h], dim=1))
    assert torch.allclose(ops["layer1.0.add"].output, z + img)
    assert tr["layer1.0.relu#2"].inputs == ("layer1.0.add",)


@pytest.mark.parametrize("grads", [False, True], ids=["plain", "grads"])
@pytest.mark.parametrize(
    "layer",
    [nn.ReLU(inplace=True), nn.Identity(), nn.Dropout(0.5).eval(), nn.Flatten()],
    ids=["relu_inplace", "identity", "dropout_eval", "flatten_2d"],
)
def test_ops_record_only_the_models_own_calls(layer: nn.Module, grads: bool) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), layer, nn.Linear(4, 2))
    options: dict[str, Any] = {"loss_fn": torch.sum} if grads else {}
    tr = dw.trace(model, randn(2, 4), ops=True, grads=grads, **options)
    assert [r.name for r in tr] == ["0", "1", "2"]


def test_ops_do_not_rename_module_records() -> None:
    class Collide(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(4, 4)
            self.relu = nn.ReLU()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.relu(self.fc(F.relu(x)))

    model = Collide()
    x = randn(2, 4)
    plain = [r.name for r in dw.trace(model, x)]
    with_ops = [r.name for r in dw.trace(model, x, ops=True) if r.module is not None]
    assert with_ops == plain == ["fc", "relu"]


# -- state and hooks ------------------------------------------------------------------


@pytest.mark.parametrize(("case", "options"), with_options())
def test_model_is_left_as_it_was(case: Case, options: str) -> None:
    model = case.model()
    if options == "grads":  # some .grad set, some None: neither may change
        for i, param in enumerate(model.parameters()):
            if i % 2:
                param.grad = torch.full_like(param, 0.25)
    args, kwargs = case.args()  # before the snapshot: making inputs must not move the RNG
    hooks = hooks_of(model)
    before = ModelState.of(model)
    tr = dw.trace(model, *args, kwargs=kwargs, **OPTIONS[options])
    before.assert_same(ModelState.of(model))
    assert_nothing_left(model, hooks)
    if options == "grads":
        assert tr.loss is not None and tr.param_grads
        assert [p.grad is None for p in model.parameters()] == [
            i % 2 == 0 for i, _ in enumerate(model.parameters())
        ]


# -- errors ----------------------------------------------------------------------------


class Wrapper(nn.Module):
    """Runs the wrapped model, then (with ``fail``) raises in its own code."""

    def __init__(self, model: nn.Module, *, fail: bool) -> None:
        super().__init__()
        self.model = model
        self.fail = fail

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        output = self.model(*args, **kwargs)
        if self.fail:
            raise ValueError("boom")
        return output


@pytest.mark.parametrize(("case", "options"), with_options())
def test_forward_raising_after_the_model_names_its_last_layer(case: Case, options: str) -> None:
    model = case.model()
    args, kwargs = case.args()
    working = dw.trace(Wrapper(model, fail=False), *args, kwargs=kwargs, **OPTIONS[options])
    last = working.layers[-1]
    wrapper = Wrapper(model, fail=True)
    args, kwargs = case.args()
    hooks = hooks_of(wrapper)
    before = ModelState.of(wrapper)
    with pytest.raises(dw.TraceError) as info:
        dw.trace(wrapper, *args, kwargs=kwargs, **OPTIONS[options])
    assert info.value.layer is None
    message = str(info.value)
    assert message.startswith(f"Wrapper.forward raised after layer {last.name!r} ({last.kind})")
    assert message.endswith("ValueError: boom")
    assert isinstance(info.value.__cause__, ValueError)
    before.assert_same(ModelState.of(wrapper))
    assert_nothing_left(wrapper, hooks)


@pytest.mark.parametrize("case", cases([c for c in CORPUS if c.bad_inputs]))
def test_bad_input_names_the_failing_layer(case: Case) -> None:
    assert case.bad_inputs is not None
    model = case.model()
    args = case.bad_inputs()
    hooks = hooks_of(model)
    before = ModelState.of(model)
    with pytest.raises(dw.TraceError) as info:
        dw.trace(model, *args)
    message = str(info.value)
    if case.bad_layer is not None:
        assert info.value.layer == case.bad_layer
        assert message.startswith(f"layer {case.bad_layer!r} (")
        assert info.value.input_shapes, "the failing layer's input shapes"
    else:
        assert info.value.layer is None
        assert f"after layer {case.bad_after!r}" in message
    assert info.value.__cause__ is not None
    assert type(info.value.__cause__).__name__ in message
    before.assert_same(ModelState.of(model))
    assert_nothing_left(model, hooks)


# -- gradients ------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases())
def test_grads_equal_plain_autograd(case: Case) -> None:
    _, tr, plain = traced_and_plain(case, grads=True, loss_fn=loss_of)
    assert plain.grads is not None and plain.param_grads is not None and plain.loss is not None
    assert [layer.name for layer in tr] == list(plain.records)
    for layer in tr:
        assert_same(layer.output, plain.records[layer.name], layer.name)
        assert_same(layer.grad, plain.grads[layer.name], f"{layer.name}.grad", grad=True)
    assert list(tr.param_grads) == list(plain.param_grads)
    for name, grad in plain.param_grads.items():
        assert_same(tr.param_grads[name], grad, f"param {name}", grad=True)
    assert tr.loss == pytest.approx(plain.loss, rel=1e-5)
    assert_same(tr.output, plain.output, "output")


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("mlp", torch.tensor([0, 2, 1, 1, 0])),
        ("cnn_batchnorm_dropout_train", torch.tensor([2, 0, 1, 1])),
        ("resnet_stack", 1),
        ("dict_output", torch.tensor([0, 1, 2])),
        ("fp16_mlp_train", torch.tensor([1, 1, 0, 2])),
    ],
)
def test_grads_with_target_equal_cross_entropy(name: str, target: torch.Tensor | int) -> None:
    case = CASES[name]

    def cross_entropy(output: Any) -> torch.Tensor:
        logits = output["logits"] if isinstance(output, dict) else output
        labels = torch.as_tensor(target).expand(logits.shape[0])
        return F.cross_entropy(logits.float(), labels)

    model = case.model()
    twin = copy.deepcopy(model)
    args, kwargs = case.args()
    before = ModelState.of(model)
    tr = dw.trace(model, *args, kwargs=kwargs, grads=True, target=target)
    before.assert_same(ModelState.of(model))
    plain = plain_forward(twin, *case.args(), loss_fn=cross_entropy)
    assert plain.grads is not None and plain.param_grads is not None
    assert tr.loss == pytest.approx(plain.loss, rel=1e-5)
    for layer in tr:
        assert_same(layer.grad, plain.grads[layer.name], f"{layer.name}.grad", grad=True)
    assert list(tr.param_grads) == list(plain.param_grads)
    for key, grad in plain.param_grads.items():
        assert_same(tr.param_grads[key], grad, f"param {key}", grad=True)


def test_grads_under_the_callers_no_grad() -> None:
    case = CASES["resnet_block"]
    model = case.model()
    (x,), _ = case.args()
    with torch.no_grad():
        tr = dw.trace(model, x, grads=True, loss_fn=loss_of)
    plain = plain_forward(copy.deepcopy(model), *case.args(), loss_fn=loss_of)
    assert plain.param_grads is not None
    assert list(tr.param_grads) == list(plain.param_grads)
    for key, grad in plain.param_grads.items():
        assert_same(tr.param_grads[key], grad, f"param {key}", grad=True)
    assert all(p.grad is None for p in model.parameters())


def test_op_grad_is_taken_before_a_later_in_place_change() -> None:
    torch.manual_seed(0)
    model = TinyResNet().eval()
    twin = copy.deepcopy(model)
    x = randn(2, 3, 8, 8)
    tr = dw.trace(model, x, ops=True, grads=True, loss_fn=torch.sum)
    for module in twin.modules():  # same values; nothing overwrites the sum in the oracle
        if isinstance(module, nn.ReLU):
            module.inplace = False
    read: list[torch.Tensor] = []
    handle = twin.layer1[0].relu.register_forward_pre_hook(lambda m, a: read.append(a[0]))
    with torch.enable_grad():
        loss = twin(x).sum()
    handle.remove()
    (expected,) = torch.autograd.grad(loss, read[1])  # relu's second call reads the sum
    assert torch.allclose(tr["layer1.0.add"].output, read[1].detach())
    assert torch.allclose(tr["layer1.0.add"].grad, expected, atol=1e-6)


# -- memory -----------------------------------------------------------------------------


def _live_tensors() -> int:
    return sum(1 for o in gc.get_objects() if type(o) in (torch.Tensor, nn.Parameter))


def test_500_traces_keep_no_tensor_alive() -> None:
    case = CASES["inplace_residual"]
    model = case.model()
    (x,), _ = case.args()
    variants: list[dict[str, Any]] = [{}, {"ops": True}, {"grads": True, "loss_fn": loss_of}]
    for options in variants:
        dw.trace(model, x, **options)
    gc.collect()
    baseline = _live_tensors()
    for i in range(500):
        dw.trace(model, x, **variants[i % len(variants)])
    gc.collect()
    assert _live_tensors() == baseline


@pytest.mark.parametrize(("case", "options"), with_options())
def test_a_dropped_trace_is_freed_at_once(case: Case, options: str) -> None:
    """No reference cycle: the captures go when the Trace goes, not at the next
    cyclic collection (which, for a large model traced in a loop, lets hundreds of
    megabytes of activations pile up)."""
    model = case.model()
    args, kwargs = case.args()
    dw.trace(model, *args, kwargs=kwargs, **OPTIONS[options])
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        dw.trace(model, *args, kwargs=kwargs, **OPTIONS[options])
        gc.collect()
        left = sorted({type(o).__qualname__ for o in gc.garbage})
        gc.garbage.clear()
    finally:
        gc.set_debug(0)
        gc.enable()
    assert left == [], f"the trace left reference cycles of {left}"


# -- drawing --------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases())
def test_network_view_draws_every_model(case: Case) -> None:
    args, kwargs = case.args()
    if len(args) != 1 or kwargs or not isinstance(args[0], torch.Tensor):
        pytest.skip("multi-input view: later")
    view = dw.NetworkView(case.model(), args[0])
    try:
        assert len(view.topology["columns"]) >= 1
        assert view.error == ""
    finally:
        view.close()
