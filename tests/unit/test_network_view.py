"""NetworkView in the kernel: traits, one binary message per forward pass, errors, cleanup."""

from __future__ import annotations

import gc
import json
import weakref
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import dlwidgets as dw
from dlwidgets import wire
from tests.conftest import ModelState, mlp_4883


def _capture(view: dw.NetworkView) -> list[dict[str, Any]]:
    """Record what the view sends to the page (the comm stands in for a kernel's)."""
    sent: list[dict[str, Any]] = []
    view.comm.send = lambda data=None, buffers=None, **_: sent.append(  # type: ignore[method-assign]
        {"state": data["state"], "buffers": buffers or [], "paths": data.get("buffer_paths", [])}
    )
    return sent


def test_traits_describe_the_network(mlp: nn.Sequential) -> None:
    x = torch.randn(3, 4)
    view = dw.NetworkView(mlp, x)
    assert [c["units"] for c in view.topology["columns"]] == [4, 8, 8, 3]
    assert [c["name"] for c in view.topology["columns"]] == ["input", "0", "2", "4"]
    assert view.step == 3 and view.sample == 0 and view.selected is None
    a1 = wire.decode(view.values["columns"][1]["a"])
    np.testing.assert_allclose(a1, torch.relu(mlp[0](x)).detach().numpy(), rtol=1e-6)
    w2 = wire.decode(view.params["columns"][2]["weight"])
    np.testing.assert_array_equal(w2, mlp[2].weight.detach().numpy())
    assert view.params["columns"][0] is None


def _lists_of_numbers(value: Any, key: str = "") -> list[str]:
    """Keys of every list of numbers in a JSON state, except array shapes."""
    if isinstance(value, dict):
        return [k for key_, item in value.items() for k in _lists_of_numbers(item, key_)]
    if isinstance(value, list):
        numbers = value and all(isinstance(item, (int, float)) for item in value)
        nested = [k for item in value for k in _lists_of_numbers(item, key)]
        return ([key] if numbers and key != "shape" else []) + nested
    return []


def test_update_sends_one_message_with_every_layer_as_binary(mlp: nn.Sequential) -> None:
    view = dw.NetworkView(mlp, torch.randn(64, 4))
    sent = _capture(view)
    x2 = torch.randn(64, 4)
    view.update(x2)
    assert len(sent) == 1
    message = sent[0]
    assert set(message["state"]) == {"values"}
    # a and z of every column (the input has no z), lifted out as binary frames
    assert len(message["buffers"]) == 2 * 4 - 1
    assert sum(memoryview(b).nbytes for b in message["buffers"]) == 64 * (4 + 2 * (8 + 8 + 3)) * 4
    json.dumps(message["state"])  # what is left is plain JSON...
    # ...with no list of numbers but shapes, and one colour-scale bound per column
    assert _lists_of_numbers(message["state"]) == ["layer_ranges"]
    assert len(message["state"]["values"]["layer_ranges"]) == 4
    assert _lists_of_numbers({"x": {"shape": [1, 2]}, "y": [0.5]}) == ["y"]
    out = wire.decode(view.values["columns"][3]["a"])
    np.testing.assert_allclose(out, mlp(x2).detach().numpy(), rtol=1e-5)
    assert view.values["revision"] == 1


def test_update_resends_weights_only_when_they_changed(mlp: nn.Sequential) -> None:
    view = dw.NetworkView(mlp, torch.randn(3, 4))
    sent = _capture(view)
    view.update(torch.randn(3, 4))
    assert "params" not in sent[-1]["state"]
    with torch.no_grad():
        mlp[0].weight.add_(1.0)
    view.update(torch.randn(3, 4))
    assert set(sent[-1]["state"]) == {"params", "values"}
    np.testing.assert_array_equal(
        wire.decode(view.params["columns"][1]["weight"]), mlp[0].weight.detach().numpy()
    )


def test_refresh_rereads_weights_after_training(mlp: nn.Sequential) -> None:
    x = torch.randn(8, 4)
    view = dw.NetworkView(mlp, x)
    before = wire.decode(view.values["columns"][3]["a"]).copy()
    optimizer = torch.optim.SGD(mlp.parameters(), lr=0.5)
    for _ in range(3):
        optimizer.zero_grad()
        mlp(x).pow(2).sum().backward()
        optimizer.step()
    sent = _capture(view)
    view.refresh()
    assert set(sent[0]["state"]) == {"params", "values"}
    after = wire.decode(view.values["columns"][3]["a"])
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, mlp(x).detach().numpy(), rtol=1e-5)


def test_the_view_keeps_its_own_copy_of_the_input(mlp: nn.Sequential) -> None:
    x = torch.randn(2, 4)
    view = dw.NetworkView(mlp, x)
    x.zero_()
    view.refresh()
    assert wire.decode(view.values["columns"][0]["a"]).any()


def test_selected_step_and_sample_are_validated(mlp: nn.Sequential) -> None:
    view = dw.NetworkView(mlp, torch.randn(5, 4))
    view.selected = {"layer": "2", "index": 7}
    assert view.selected == {"layer": "2", "index": 7}
    with pytest.raises(Exception, match=r"'fc9' is not one of \['input', '0', '2', '4'\]"):
        view.selected = {"layer": "fc9", "index": 0}
    with pytest.raises(Exception, match="out of range for '4' \\(3 units\\)"):
        view.selected = {"layer": "4", "index": 3}
    view.step = 1
    with pytest.raises(Exception, match="step must be between 0 and 3"):
        view.step = 4
    view.sample = 4
    with pytest.raises(Exception, match="sample must be between 0 and 4"):
        view.sample = 5


def test_level_of_detail_options(mlp: nn.Sequential) -> None:
    view = dw.NetworkView(mlp, torch.randn(1, 4))
    assert (view.renderer, view.group_threshold, view.edge_limit) == ("auto", 200, 4000)
    view.renderer = "webgl"
    view.group_threshold = 0
    with pytest.raises(Exception, match="renderer"):
        view.renderer = "opengl"
    with pytest.raises(Exception, match="group_threshold must be 0"):
        view.group_threshold = -1
    assert (view.renderer, view.group_threshold) == ("webgl", 0)
    other = dw.NetworkView(mlp, torch.randn(1, 4), renderer="canvas", group_threshold=8)
    assert (other.renderer, other.group_threshold) == ("canvas", 8)


def test_bad_update_raises_names_the_layer_and_shows_the_error(mlp: nn.Sequential) -> None:
    view = dw.NetworkView(mlp, torch.randn(2, 4))
    old_values = view.values
    x = torch.randn(2, 5)
    before = ModelState.of(mlp)
    with pytest.raises(dw.TraceError, match=r"layer '0' \(Linear.*\(2, 5\)"):
        view.update(x)
    assert "layer '0'" in view.error and "(2, 5)" in view.error
    assert view.values is old_values  # the last good drawing stays
    before.assert_same(ModelState.of(mlp))
    view.update(torch.randn(2, 4))
    assert view.error == ""


def test_other_layers_are_drawn_as_blocks_and_the_model_is_unchanged() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4), nn.Linear(4, 2))
    x = torch.randn(1, 4)
    before = ModelState.of(model)
    view = dw.NetworkView(model, x)
    kinds = [(c["kind"], c["units"], c["shape"]) for c in view.topology["columns"]]
    assert kinds == [
        ("Input", 4, [4]),
        ("Linear", 4, [4]),
        ("LayerNorm", 4, [4]),
        ("Linear", 2, [2]),
    ]
    assert view.values["columns"][2] is not None and view.params["columns"][2] is None
    view.close()
    before.assert_same(ModelState.of(model))


def test_several_inputs_and_keyword_inputs() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.f = nn.Linear(2, 3)
            self.g = nn.Linear(2, 3)

        def forward(self, x: torch.Tensor, y: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
            return self.f(x) + self.g(y) * scale

    model = Two()
    view = dw.NetworkView(model, torch.randn(2, 2), torch.randn(2, 2), kwargs={"scale": 2.0})
    assert [c["name"] for c in view.topology["columns"]][:2] == ["input", "input.1"]
    view.update(torch.ones(2, 2), torch.zeros(2, 2), kwargs={"scale": 3.0})
    np.testing.assert_allclose(
        wire.decode(view.values["columns"][2]["a"]),
        model.f(torch.ones(2, 2)).detach().numpy(),
        rtol=1e-6,
    )


def test_only_the_samples_shown_are_kept() -> None:
    model = mlp_4883()
    view = dw.NetworkView(model, torch.randn(500, 4), max_samples=10)
    assert view.trace["0"].output.shape == (10, 8)
    assert view.values["samples"] == 10 and view.values["total_samples"] == 500


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="lang must be one of"):
        dw.NetworkView(mlp_4883(), torch.randn(1, 4), lang="fr")
    with pytest.raises(ValueError, match="max_samples"):
        dw.NetworkView(mlp_4883(), torch.randn(1, 4), max_samples=0)


def test_view_build_update_close_leaves_the_model_unchanged_and_released() -> None:
    model = mlp_4883()
    model.train()
    x1, x2 = torch.randn(4, 4), torch.randn(4, 4)
    before = ModelState.of(model)
    view = dw.NetworkView(model, x1)
    view.update(x2)
    view.refresh()
    view.close()
    before.assert_same(ModelState.of(model))
    with pytest.raises(dw.DlwidgetsError, match="closed"):
        view.update(x1)
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None, "a closed view must not keep the model alive"


def test_weights_changed_through_data_are_resent_as_a_copy() -> None:
    model = mlp_4883()
    x = torch.randn(3, 4)
    view = dw.NetworkView(model, x)
    sent = _capture(view)
    with torch.no_grad():
        model[0].weight.data -= 0.5  # bumps no version counter
    view.update(x)
    assert set(sent[-1]["state"]) >= {"params", "values"}
    column = sent[-1]["state"]["params"]["columns"][1]
    assert column["weight"]["shape"] == [8, 4]
    where = sent[-1]["paths"].index(["params", "columns", 1, "weight", "data"])
    sent_bytes = np.frombuffer(bytes(sent[-1]["buffers"][where]), "<f4").reshape(8, 4)
    np.testing.assert_array_equal(sent_bytes, model[0].weight.detach().numpy())
    with torch.no_grad():
        model[0].weight.data += 1.0  # the copy the page has is not the live tensor
    assert not np.allclose(
        wire.decode(view.params["columns"][1]["weight"]), model[0].weight.detach().numpy()
    )


def test_a_smaller_batch_and_a_new_structure_keep_sample_and_selection_valid() -> None:
    model = mlp_4883()
    view = dw.NetworkView(model, torch.randn(6, 4))
    view.sample = 5
    view.selected = {"layer": "2", "index": 7}
    inspector = dw.Inspector(view)
    view.update(torch.randn(2, 4))
    assert view.sample == 1 and view.selected == {"layer": "2", "index": 7}
    assert inspector.neuron is not None and inspector.neuron.sample == 1
    model[2] = nn.Linear(8, 5)
    model[4] = nn.Linear(5, 3)
    view.update(torch.randn(2, 4))
    assert view.selected is None  # unit 7 of a 5-wide layer is gone
    assert view.values["revision"] == view.params["revision"] == 2


def test_a_bad_target_does_not_stick() -> None:
    view = dw.NetworkView(mlp_4883(), torch.randn(2, 4), target=torch.tensor([0, 1]))
    with pytest.raises(dw.TraceError, match="loss failed"):
        view.update(torch.randn(2, 4), target=torch.tensor([0, 7]))
    view.refresh()  # still works with the old target
    assert view.error == ""
    loss_view = dw.NetworkView(mlp_4883(), torch.randn(2, 4), loss_fn=lambda out: out.sum())
    with pytest.raises(ValueError, match="give target= only to a target view"):
        loss_view.update(torch.randn(2, 4), target=torch.tensor([0, 1]))


def test_messages_from_the_page_never_escape_the_comm() -> None:
    model = mlp_4883()
    view = dw.NetworkView(model, torch.randn(2, 4), editable=True)
    before = ModelState.of(model)
    for content, message in [
        ("not a dict", "must be an object"),
        ({"type": "set_weight", "layer": "4", "to": 1.9, "from": 0, "value": 1.0}, "integer"),
        ({"type": "set_weight", "layer": "4", "to": True, "from": 0, "value": 1.0}, "integer"),
        ({"type": "set_weight", "layer": "4", "to": 1, "from": 0, "value": 1e39}, "finite"),
        ({"type": "set_input", "sample": 0}, "cannot be edited"),
        ({"type": "snapshot", "request": 3, "format": "png"}, "nobody asked"),
    ]:
        view._on_page_message(view, content, [])  # type: ignore[arg-type]
        assert message in view.error, (content, view.error)
    before.assert_same(ModelState.of(model))
