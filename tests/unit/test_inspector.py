"""The Inspector and the kernel-side arithmetic of a neuron."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import dlwidgets as dw
from dlwidgets.scene.arithmetic import neuron_arithmetic
from tests.conftest import mlp_4883


def test_the_arithmetic_adds_up_to_the_models_z_and_a() -> None:
    model = mlp_4883()
    x = torch.randn(3, 4)
    view = dw.NetworkView(model, x)
    n = neuron_arithmetic(view.scene, "2", 5, sample=1)
    with torch.no_grad():
        a1 = torch.relu(model[0](x))[1]
        z = model[2](a1.unsqueeze(0))[0, 5].item()
    assert n.z == pytest.approx(z, abs=1e-6) and n.a == pytest.approx(np.tanh(z), abs=1e-6)
    assert sum(t.product for t in n.terms) + n.rest + n.bias == pytest.approx(z, abs=1e-5)
    assert len(n.terms) == 6 and n.hidden_terms == 2
    products = [abs(t.product) for t in n.terms]
    assert products == sorted(products, reverse=True)
    assert n.terms[0].weight == pytest.approx(model[2].weight[5, n.terms[0].source].item())
    with pytest.raises(ValueError, match="outside '2' \\(8 units\\)"):
        neuron_arithmetic(view.scene, "2", 8)
    with pytest.raises(ValueError, match="no weight matrix"):
        neuron_arithmetic(view.scene, "input", 0)


def test_the_inspector_follows_the_selection_and_the_sample() -> None:
    model = mlp_4883()
    x = torch.randn(3, 4)
    view = dw.NetworkView(model, x)
    inspector = dw.Inspector(view)
    assert inspector.neuron is not None and inspector.neuron.layer == "4"  # the strongest output
    view.selected = {"layer": "2", "index": 3}
    weights = inspector.weights.data[0]
    np.testing.assert_allclose(weights.y, model[2].weight[3].detach().numpy(), rtol=1e-6)
    bars = inspector.activations.data[0]
    np.testing.assert_allclose(bars.y, view.scene.column("2").a[0], rtol=1e-6)
    assert bars.marker.color[3] != bars.marker.color[0]  # the selected neuron stands out
    assert "2 · neuron 3 · sample 0" in inspector.arithmetic.value
    view.sample = 2
    np.testing.assert_allclose(
        inspector.activations.data[0].y, view.scene.column("2").a[2], rtol=1e-6
    )
    assert "sample 2" in inspector.arithmetic.value
    view.update(torch.randn(3, 4))
    np.testing.assert_allclose(
        inspector.activations.data[0].y, view.scene.column("2").a[2], rtol=1e-6
    )
