"""Trace → dense scene: the columns, their values, weights and what cannot be drawn."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import dlwidgets as dw
from dlwidgets.scene import build_dense_scene


def test_columns_of_the_4_8_8_3_network(mlp: nn.Sequential) -> None:
    x = torch.randn(5, 4)
    scene = build_dense_scene(dw.trace(mlp, x))
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
    scene = build_dense_scene(dw.trace(mlp, torch.randn(5, 4) * 3))
    values = np.concatenate([c.a.ravel() for c in scene.columns])
    assert scene.value_range >= np.abs(values).max()
    weights = np.concatenate([c.weight.ravel() for c in scene.columns if c.weight is not None])
    assert scene.weight_range >= np.abs(weights).max()


def test_max_samples_caps_the_rows_sent(mlp: nn.Sequential) -> None:
    scene = build_dense_scene(dw.trace(mlp, torch.randn(100, 4)), max_samples=7)
    assert scene.samples == 7 and scene.total_samples == 100
    assert all(c.a.shape[0] == 7 for c in scene.columns)


def test_flatten_and_dropout_pass_through() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 3), nn.Dropout(), nn.Sigmoid())
    model.eval()
    scene = build_dense_scene(dw.trace(model, torch.randn(2, 2, 3)))
    assert [c.units for c in scene.columns] == [6, 3]
    assert scene.columns[1].activation == "Sigmoid"
    assert scene.columns[1].records == ["1", "2", "3"]


def test_one_dimensional_input_is_one_sample(mlp: nn.Sequential) -> None:
    scene = build_dense_scene(dw.trace(mlp, torch.randn(4)))
    assert scene.samples == 1 and scene.columns[0].a.shape == (1, 4)


@pytest.mark.parametrize(
    ("model", "x", "message"),
    [
        (
            nn.Sequential(nn.Conv2d(1, 2, 3)),
            torch.randn(1, 1, 5, 5),
            r"layer '0' \(Conv2d, output \[1, 2, 3, 3\]\) is not one of them yet",
        ),
        (nn.Sequential(nn.ReLU()), torch.randn(1, 3), "found no nn.Linear"),
        (nn.GRU(3, 4), torch.randn(2, 3), "returns a structure"),
    ],
)
def test_unsupported_models_name_the_layer(model: nn.Module, x: torch.Tensor, message: str) -> None:
    with pytest.raises(dw.UnsupportedModelError, match=message):
        build_dense_scene(dw.trace(model, x))


def test_branches_are_not_a_chain() -> None:
    class Branch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Linear(4, 4)
            self.b = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.b(x + self.a(x))

    with pytest.raises(
        dw.UnsupportedModelError,
        match=r"layer 'b'.*reads input, a, not only 'a': not a simple chain",
    ):
        build_dense_scene(dw.trace(Branch(), torch.randn(1, 4)))
