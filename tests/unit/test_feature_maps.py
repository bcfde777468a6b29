"""FeatureMapView: reduction on the device, receptive fields, arithmetic, digits, payload."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import dlwidgets as dw
from dlwidgets import wire
from dlwidgets.scene.feature_maps import MapReducer, build_feature_scene, payload_bytes
from tests.conftest import ModelState

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def digits_cnn(seed: int = 0) -> nn.Sequential:
    """The course's small CNN for 8×8 digits."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64, 10),
    )  # fmt: skip


# -- reduction -------------------------------------------------------------------------


def test_reduction_keeps_the_most_active_channels_and_groups_the_rest() -> None:
    torch.manual_seed(0)
    maps = torch.rand(1, 40, 8, 8) * torch.arange(40.0).remainder(7).view(1, 40, 1, 1)
    reducer = MapReducer(top_k=5)
    flat = reducer("conv", maps)
    reduction, kept, rest = reducer.unpack(flat, reducer.shapes["conv"])
    activity = maps[0].abs().mean(dim=(1, 2))
    assert list(reduction.channels) == torch.argsort(activity, descending=True)[:5].tolist()
    assert reduction.grouped == 35 and reduction.reduced and not reduction.downsampled
    np.testing.assert_allclose(kept, maps[0, list(reduction.channels)].numpy(), rtol=1e-6)
    others = [c for c in range(40) if c not in reduction.channels]
    assert rest is not None
    np.testing.assert_allclose(rest, maps[0, others].mean(0).numpy(), rtol=1e-5, atol=1e-6)


def test_small_layers_are_sent_whole_and_exact() -> None:
    model = digits_cnn()
    x = torch.rand(3, 1, 8, 8)
    view = dw.FeatureMapView(model, x, sample=1)
    conv = view.values["columns"][1]
    assert conv["exact"] and conv["grouped"] == 0
    with torch.no_grad():
        expected = torch.relu(model[0](x))[1]
    np.testing.assert_array_equal(wire.decode(conv["maps"]), expected.numpy())
    assert wire.decode(conv["channels"]).tolist() == list(range(8))


def test_large_maps_are_average_pooled_and_quantised() -> None:
    maps = torch.randn(1, 4, 64, 48)
    reducer = MapReducer(max_size=32)
    reduction, kept, _ = reducer.unpack(reducer("c", maps), reducer.shapes["c"])
    assert reduction.size == (32, 32) and reduction.downsampled and reduction.grouped == 0
    expected = F.adaptive_avg_pool2d(maps[0], (32, 32))
    np.testing.assert_allclose(kept, expected.numpy(), rtol=1e-5, atol=1e-6)


def test_the_view_says_what_it_reduced_and_8_bit_values_stay_close() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 24, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.LazyLinear(5))
    x = torch.randn(1, 3, 40, 40)
    model(x)
    view = dw.FeatureMapView(model, x, top_k=6, max_size=20)
    sent = view.values["columns"][1]
    assert not sent["exact"] and sent["grouped"] == 18 and sent["size"] == [20, 20]
    maps = sent["maps"]
    decoded = wire.decode(maps["q"]) * wire.decode(maps["step"])[:, None, None]
    decoded = decoded + wire.decode(maps["lo"])[:, None, None]
    reduction = view.scene.column("0").reduction
    assert reduction is not None and reduction.grouped == 18
    full = np.concatenate([view.scene.column("0").maps, view.scene.column("0").rest[None]])
    step = wire.decode(maps["step"]).max()
    assert np.abs(decoded - full).max() <= step / 2 + 1e-6


# -- receptive field ---------------------------------------------------------------------

STACKS = {
    "conv3-s2-p1 / conv3": lambda: [nn.Conv2d(1, 2, 3, 2, 1), nn.Conv2d(2, 2, 3)],
    "conv5-d2 / pool3-s2-p1 / conv3-p1": lambda: [
        nn.Conv2d(1, 2, 5, padding=2, dilation=2), nn.MaxPool2d(3, 2, 1),
        nn.Conv2d(2, 3, 3, padding=1),
    ],
    "conv3-p1 / relu / pool2 / conv3-s2-p1 / pool2": lambda: [
        nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2, 2, 3, 2, 1), nn.AvgPool2d(2),
    ],
}  # fmt: skip


def _linear_twin(layers: list[nn.Module]) -> nn.Sequential:
    """The same geometry with every dependency visible to a gradient: positive weights,
    no ReLU, max pooling replaced by average pooling over the same windows."""
    twin = []
    for layer in layers:
        if isinstance(layer, nn.Conv2d):
            copy = nn.Conv2d(
                layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride,
                layer.padding, layer.dilation,
            )  # fmt: skip
            with torch.no_grad():
                copy.weight.copy_(layer.weight.abs() + 0.1)
            twin.append(copy)
        elif isinstance(layer, nn.MaxPool2d):
            twin.append(nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding))
        elif isinstance(layer, nn.AvgPool2d):
            twin.append(layer)
    return nn.Sequential(*twin)


@pytest.mark.parametrize("name", list(STACKS))
def test_receptive_field_matches_the_gradient_support(name: str) -> None:
    torch.manual_seed(0)
    layers = STACKS[name]()
    model = nn.Sequential(*layers)
    x = torch.rand(1, 1, 23, 21) + 0.1
    reducer = MapReducer(max_size=64)
    scene = build_feature_scene(dw.trace(model, x, reduce=reducer), reducer)
    twin = _linear_twin(layers)
    last = scene.columns[-1]
    height, width = last.size
    for y, xx in [(0, 0), (height - 1, width - 1), (height // 2, width // 3)]:
        fields = scene.receptive_field(last.name, y, xx)
        probe = x.clone().requires_grad_(True)
        twin(probe)[0, 0, y, xx].backward()
        rows, cols = torch.nonzero(probe.grad[0, 0], as_tuple=True)
        wanted = fields["input"]
        got = (int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max()))
        assert got == (wanted.y0, wanted.y1, wanted.x0, wanted.x1), (name, y, xx)


def test_receptive_field_in_every_earlier_map() -> None:
    model = digits_cnn()
    reducer = MapReducer()
    scene = build_feature_scene(dw.trace(model, torch.rand(1, 1, 8, 8), reduce=reducer), reducer)
    fields = {k: v.as_dict() for k, v in scene.receptive_field("3", 1, 2).items()}
    # conv 3×3 pad 1 on the pooled 4×4, pool 2×2 on the 8×8, conv 3×3 pad 1 on the input
    assert fields == {
        "3": {"y0": 1, "y1": 1, "x0": 2, "x1": 2},
        "2": {"y0": 0, "y1": 2, "x0": 1, "x1": 3},
        "0": {"y0": 0, "y1": 5, "x0": 2, "x1": 7},
        "input": {"y0": 0, "y1": 6, "x0": 1, "x1": 7},
    }


# -- arithmetic ----------------------------------------------------------------------------


def test_conv_arithmetic_adds_up_to_the_models_value() -> None:
    model = digits_cnn()
    x = torch.rand(2, 1, 8, 8)
    view = dw.FeatureMapView(model, x, sample=1)
    with torch.no_grad():
        h = model[2](torch.relu(model[0](x)))
        z = model[3](h)
    for channel, y, xx in [(0, 0, 0), (5, 1, 2), (15, 3, 3)]:
        view.selected = {"layer": "3", "channel": channel, "y": y, "x": xx}
        a = view.detail["arithmetic"]
        assert a["kind"] == "conv" and len(a["terms"]) == 8
        assert sum(a["terms"]) + a["bias"] == pytest.approx(a["z"], abs=1e-9)
        assert a["z"] == pytest.approx(float(z[1, channel, y, xx]), abs=1e-5)
        assert a["steps"] == [{"kind": "ReLU", "value": pytest.approx(max(0.0, a["z"]), abs=1e-5)}]
        assert view.detail["value"] == float(torch.relu(z)[1, channel, y, xx])
        kernel = wire.decode(a["kernel"])
        patch = wire.decode(a["patch"])
        np.testing.assert_array_equal(kernel, model[3].weight[channel].detach().numpy())
        products = (kernel.astype(np.float64) * patch).sum(axis=(1, 2))
        np.testing.assert_allclose(products, a["terms"], rtol=1e-5, atol=1e-6)


def test_arithmetic_through_batchnorm_and_pooling() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, stride=2), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2)
    )
    model.eval()
    with torch.no_grad():
        model[1].running_mean.uniform_(-0.5, 0.5)
    x = torch.randn(1, 3, 11, 11)
    view = dw.FeatureMapView(model, x)
    view.selected = {"layer": "0", "channel": 2, "y": 3, "x": 1}
    a = view.detail["arithmetic"]
    with torch.no_grad():
        z = model[0](x)
        after = [model[1](z), model[2](model[1](z))]
    assert a["z"] == pytest.approx(float(z[0, 2, 3, 1]), abs=1e-5)
    assert [s["kind"] for s in a["steps"]] == ["BatchNorm2d", "ReLU"]
    assert [s["value"] for s in a["steps"]] == [float(t[0, 2, 3, 1]) for t in after]
    view.selected = {"layer": "3", "channel": 1, "y": 0, "x": 1}
    pool = view.detail["arithmetic"]
    assert pool["kind"] == "pool" and pool["op"] == "max"
    assert pool["value"] == pytest.approx(view.detail["value"], abs=1e-6)


def test_arithmetic_survives_in_place_activations() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.ReLU(inplace=True), nn.Conv2d(3, 2, 1))
    x = torch.randn(1, 2, 6, 6)
    view = dw.FeatureMapView(model, x)
    with torch.no_grad():
        z = model[0](x)
    negative = (z[0] < 0).nonzero()[0].tolist()  # a pixel the ReLU zeroes in place
    channel, y, xx = negative
    view.selected = {"layer": "0", "channel": channel, "y": y, "x": xx}
    a = view.detail["arithmetic"]
    assert a["z"] == pytest.approx(float(z[0, channel, y, xx]), abs=1e-5) and a["z"] < 0
    assert a["steps"] == [{"kind": "ReLU", "value": 0.0}]
    view.selected = {"layer": "2", "channel": 1, "y": 2, "x": 3}
    patch = wire.decode(view.detail["arithmetic"]["patch"])
    np.testing.assert_allclose(patch[:, 0, 0], torch.relu(z)[0, :, 2, 3].numpy(), rtol=1e-6)


# -- the widget ----------------------------------------------------------------------------


def test_clear_errors() -> None:
    with pytest.raises(dw.UnsupportedModelError, match=r"no Conv2d ran.*Linear"):
        dw.FeatureMapView(nn.Sequential(nn.Flatten(), nn.Linear(64, 10)), torch.rand(1, 1, 8, 8))
    with pytest.raises(ValueError, match=r"\[C, H, W\].*got \[8, 8\]"):
        dw.FeatureMapView(digits_cnn(), torch.rand(8, 8))
    with pytest.raises(dw.TraceError, match=r"layer '0'.*\(1, 3, 8, 8\)"):
        dw.FeatureMapView(digits_cnn(), torch.rand(3, 8, 8))
    view = dw.FeatureMapView(digits_cnn(), torch.rand(1, 8, 8), labels=list("0123456789"))
    with pytest.raises(Exception, match=r"outside '2' of shape \[8, 4, 4\]"):
        view.selected = {"layer": "2", "channel": 0, "y": 4, "x": 0}
    with pytest.raises(Exception, match=r"'6' \(Flatten, shape \[64\]\) is not a map"):
        view.selected = {"layer": "6", "channel": 0, "y": 0, "x": 0}
    with pytest.raises(ValueError, match="labels has 3 names"):
        dw.FeatureMapView(digits_cnn(), torch.rand(1, 8, 8), labels=["a", "b", "c"])


def test_output_bars_update_refresh_and_the_model_is_left_alone() -> None:
    model = digits_cnn()
    x, x2 = torch.rand(1, 8, 8), torch.rand(1, 8, 8)
    before = ModelState.of(model)
    view = dw.FeatureMapView(model, x, labels=[str(d) for d in range(10)])
    output = view.scene.columns[-1]
    assert output.role == "output" and view.structure["labels"][3] == "3"
    with torch.no_grad():
        expected = torch.softmax(model(x.unsqueeze(0)), dim=1)[0]
    np.testing.assert_allclose(output.probs, expected.numpy(), rtol=1e-5)
    view.selected = {"layer": "0", "channel": 1, "y": 2, "x": 2}
    view.update(x2)
    assert view.values["revision"] == 1 and view.detail["layer"] == "0"
    ModelState.of(model).assert_same(before)
    with torch.no_grad():
        model[0].bias.add_(1.0)
    view.refresh()
    assert view.detail["arithmetic"]["bias"] == pytest.approx(float(model[0].bias.detach()[1]))
    view.close()


def test_a_selection_that_no_longer_exists_is_dropped() -> None:
    convs = digits_cnn()[:5]  # no Linear: any image size goes through
    view = dw.FeatureMapView(convs, torch.rand(1, 16, 16))
    view.selected = {"layer": "3", "channel": 0, "y": 7, "x": 7}
    view.update(torch.rand(1, 8, 8))
    assert view.selected is None and view.detail is None and view.error == ""
    assert view.structure["columns"][3]["shape"] == [16, 4, 4]
    view.selected = {"layer": "3", "channel": 0, "y": 3, "x": 3}
    view.update(torch.rand(1, 8, 8))
    assert view.detail["y"] == 3 and view.detail["arithmetic"]["kind"] == "conv"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_large_maps_are_reduced_on_the_gpu_before_the_copy() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 256, 3, padding=1), nn.ReLU()).cuda()
    x = torch.randn(2, 3, 112, 112, device="cuda")
    reducer = MapReducer()
    tr = dw.trace(model, x, reduce=reducer)
    full = 2 * 256 * 112 * 112 * 4
    assert sum(tr.bytes_copied.values()) < full / 50
    scene = build_feature_scene(tr, reducer)
    column = scene.column("0")
    with torch.no_grad():
        expected = torch.relu(model[0](x))[0].abs().mean(dim=(1, 2))
    assert list(column.reduction.channels) == expected.topk(16).indices.tolist()


def test_save_html_carries_the_maps(tmp_path: Path) -> None:
    view = dw.FeatureMapView(digits_cnn(), torch.rand(1, 8, 8))
    view.selected = {"layer": "0", "channel": 0, "y": 0, "x": 0}
    text = view.save_html(tmp_path / "cnn.html").read_text()
    assert "dlwidgetsView" in text and '"structure"' in text and '"detail"' in text


def test_digits_dataset() -> None:
    data = dw.datasets.digits()
    assert data.x_train.shape == (1348, 1, 8, 8) and data.x_test.shape == (449, 1, 8, 8)
    assert data.x_train.dtype == torch.float32 and data.y_train.dtype == torch.int64
    assert float(data.x_train.min()) >= 0.0 and float(data.x_train.max()) == 1.0
    assert set(data.y_test.tolist()) == set(range(10)) and data.labels[7] == "7"
    again = dw.datasets.digits()
    assert torch.equal(data.x_test, again.x_test)
    with pytest.raises(ValueError, match="test_fraction"):
        dw.datasets.digits(test_fraction=1.5)


def test_resnet18_payload_is_under_4_mb() -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("cnn_payload", BENCHMARKS / "cnn_payload.py")
        assert spec is not None and spec.loader is not None
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        torch.manual_seed(0)
        model = bench.resnet18().eval()
        scene, sent, _ = bench.forward_payload(model, torch.randn(1, 3, 224, 224))
    finally:
        sys.path.remove(str(BENCHMARKS))
    assert payload_bytes(sent) < 4 * 1024 * 1024 and sent["bytes"] == payload_bytes(sent)
    conv1 = scene.column("0")
    assert conv1.reduction.grouped == 48 and conv1.reduction.size == (32, 32)
    assert scene.columns[-1].role == "output" and scene.columns[-1].probs.shape == (1000,)
