"""Trace → network scene: neuron columns, their values and weights, and labelled blocks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import dlwidgets as dw
from dlwidgets.scene import build_scene


def test_columns_of_the_4_8_8_3_network(mlp: nn.Sequential) -> None:
    x = torch.randn(5, 4)
    scene = build_scene(dw.trace(mlp, x))
    assert [c.name for c in scene.columns] == ["input", "0", "2", "4"]
    assert [c.units for c in scene.columns] == [4, 8, 8, 3]
    assert [c.activation for c in scene.columns] == [None, "ReLU", "Tanh", None]
    assert scene.neurons == 23 and scene.edges == 4 * 8 + 8 * 8 + 8 * 3
    z1 = mlp[0](x)
    np.testing.assert_allclose(scene.columns[1].z, z1.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(scene.columns[1].a, torch.relu(z1).detach().numpy(), rtol=1e-6)
    np.testing.assert_array_equal(scene.columns[2].weight, mlp[2].weight.detach().numpy())
    np.testing.assert_array_equal(scene.columns[3].bias, mlp[4].bias.detach().numpy())
    np.testing.assert_array_equal(scene.columns[0].a, x.numpy())
    assert scene.columns[3].z is scene.columns[3].a  # no activation: a = z


def test_ranges_cover_every_value_and_weight(mlp: nn.Sequential) -> None:
    scene = build_scene(dw.trace(mlp, torch.randn(5, 4) * 3))
    values = np.concatenate([c.a.ravel() for c in scene.columns])
    assert scene.value_range >= np.abs(values).max()
    weights = np.concatenate([c.weight.ravel() for c in scene.columns if c.weight is not None])
    assert scene.weight_range >= np.abs(weights).max()


def test_max_samples_caps_the_rows_sent(mlp: nn.Sequential) -> None:
    scene = build_scene(dw.trace(mlp, torch.randn(100, 4)), max_samples=7)
    assert scene.samples == 7 and scene.total_samples == 100
    assert all(c.a.shape[0] == 7 for c in scene.columns)


def test_flatten_and_dropout_pass_through() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 3), nn.Dropout(), nn.Sigmoid())
    model.eval()
    scene = build_scene(dw.trace(model, torch.randn(2, 2, 3)))
    # the 2×3 input is a block; flattened, its 6 values are the neurons the Linear reads
    assert [c.units for c in scene.columns] == [0, 6, 3]
    assert scene.columns[2].activation == "Sigmoid"
    assert scene.columns[2].records == ["1", "2", "3"]
    assert scene.columns[2].weight is not None and scene.columns[2].weight.shape == (3, 6)


def test_one_dimensional_input_is_one_sample(mlp: nn.Sequential) -> None:
    scene = build_scene(dw.trace(mlp, torch.randn(4)))
    assert scene.samples == 1 and scene.columns[0].a.shape == (1, 4)


def test_conv_layers_are_blocks_with_their_shapes_and_merged_steps() -> None:
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(36, 10), nn.ReLU(), nn.Linear(10, 3),
    )  # fmt: skip
    model.eval()
    scene = build_scene(dw.trace(model, torch.randn(2, 1, 8, 8)))
    names = [c.name for c in scene.columns]
    assert names == ["input", "0", "3", "5", "7"]
    conv, pool = scene.columns[1], scene.columns[2]
    assert conv.is_block and conv.shape == (4, 6, 6) and conv.records == ["0", "1", "2"]
    assert conv.activations == ["BatchNorm2d", "ReLU"]
    assert pool.is_block and pool.shape == (4, 3, 3) and pool.records == ["3", "4"]  # + Flatten
    assert scene.columns[0].is_block and scene.columns[0].shape == (1, 8, 8)
    fc1, fc2 = scene.columns[3], scene.columns[4]
    assert fc1.units == 10 and fc1.weight is None and fc1.bias is not None  # reads a block
    assert fc2.weight is not None and fc2.weight.shape == (3, 10)
    assert scene.edges == 30 and scene.neurons == 13


def test_branches_are_joined_along_the_real_dataflow() -> None:
    class Branch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.b = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.b(x + self.a(x))

    scene = build_scene(dw.trace(Branch(), torch.randn(1, 4)))
    assert [c.sources for c in scene.columns] == [[], [0], [0, 1]]
    assert scene.columns[2].weight is None  # b reads input and a: no single matrix to draw
    with_ops = build_scene(dw.trace(Branch(), torch.randn(1, 4), ops=True))
    assert [c.name for c in with_ops.columns] == ["input", "a", "add", "b"]
    assert with_ops.columns[2].sources == [0, 1] and with_ops.columns[3].weight is not None


def test_sequences_and_tuples_are_blocks() -> None:
    scene = build_scene(dw.trace(nn.GRU(3, 5), torch.randn(7, 2, 3)))
    assert scene.columns[1].is_block and scene.columns[1].shape == (2, 5)


def test_a_model_with_no_module_is_refused_with_a_hint() -> None:
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.unused = nn.Identity()  # a container whose forward calls no module

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu(x)

    with pytest.raises(dw.UnsupportedModelError, match="ops=True"):
        build_scene(dw.trace(Functional(), torch.randn(1, 3)))
    scene = build_scene(dw.trace(Functional(), torch.randn(1, 3), ops=True))
    assert [c.name for c in scene.columns] == ["input", "relu"]


def test_image_blocks_carry_their_most_active_maps() -> None:
    from torch.nn import functional as F

    from dlwidgets.scene import payload
    from dlwidgets.scene.block_maps import MAP_CHANNELS, MAP_SIZE, block_maps

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()
    )
    x = torch.randn(3, 3, 40, 40)
    scene = dw.NetworkView(model, x).scene
    maps = scene.column("input").maps
    assert maps is not None and maps.maps.shape == (3, 3, MAP_SIZE, MAP_SIZE)
    assert scene.column("0").maps is not None  # the conv, its ReLU merged in
    assert scene.column("2").maps is None  # pooled to 1×1: no image left
    out = torch.relu(model[0](x)).detach()
    found = block_maps(out, max_samples=2)
    assert found is not None
    activity = out[:2].abs().mean(dim=(0, 2, 3))
    assert found.channels == torch.topk(activity, MAP_CHANNELS).indices.tolist()
    expected = F.adaptive_avg_pool2d(out[:2, found.channels], MAP_SIZE)
    assert np.allclose(found.maps, expected.numpy(), atol=1e-6)
    assert found.shape == (8, 40, 40)
    assert block_maps(torch.randn(2, 5), 4) is None
    assert block_maps(torch.randn(2, 3, 1, 9), 4) is None
    sent = payload.values(scene, 0)["maps"]
    assert sent[0]["channels"] == maps.channels and sent[0]["shape"] == [3, 40, 40]
    assert [m is None for m in sent] == [c.maps is None for c in scene.columns]
