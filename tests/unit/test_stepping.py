"""Stepping, the backward pass, edits from the page and input editors, in the kernel."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

import dlwidgets as dw
from dlwidgets import wire
from dlwidgets.scene.steps import Step, describe_step, step_count
from dlwidgets.widgets.inputs import editor_for, with_sample
from tests.conftest import ModelState, mlp_4883


def test_steps_walk_forward_then_backward_then_the_update() -> None:
    assert step_count(4, backward=False) == 4
    assert step_count(4, backward=True) == 8
    assert step_count(1, backward=True) == 1
    walk = [describe_step(s, 4, backward=True) for s in range(8)]
    assert walk == [
        Step("forward", 0), Step("forward", 1), Step("forward", 2), Step("forward", 3),
        Step("backward", 3), Step("backward", 2), Step("backward", 1), Step("update", 3),
    ]  # fmt: skip
    with pytest.raises(ValueError, match=r"outside 0\.\.3"):
        describe_step(4, 4, backward=False)


def test_python_drives_the_stepper() -> None:
    view = dw.NetworkView(mlp_4883(), torch.randn(2, 4))
    assert view.steps == 4 and view.step == 3
    view.step_forward()
    assert view.step == 3  # already at the end
    view.step = 0
    view.step_back()
    assert view.step == 0
    view.step_forward()
    assert view.step == 1
    view.play(interval=0.25)
    assert view.playing and view.interval == 0.25 and view.step == 1
    view.pause()
    assert not view.playing
    view.step = 3
    view.play()
    assert view.step == 0 and view.playing  # from the start when at the end
    with pytest.raises(ValueError, match="interval must be positive"):
        view.play(interval=0)
    seen: list[int] = []
    view.observe(lambda change: seen.append(change["new"]), names="step")
    view.step_forward()
    assert seen == [1]


def test_backward_gradients_equal_autograd_and_the_model_is_untouched() -> None:
    model = mlp_4883()
    x, target = torch.randn(5, 4), torch.tensor([0, 1, 2, 1, 0])
    before = ModelState.of(model)
    view = dw.NetworkView(model, x, target=target)
    before.assert_same(ModelState.of(model))
    assert view.steps == 8
    loss = F.cross_entropy(model(x), target)
    grads = torch.autograd.grad(loss, [model[0].weight, model[2].bias, model[4].weight])
    columns = view.grads["columns"]
    np.testing.assert_allclose(
        wire.decode(columns[1]["dw"]), grads[0].numpy(), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        wire.decode(columns[2]["db"]), grads[1].numpy(), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        wire.decode(columns[3]["dw"]), grads[2].numpy(), rtol=1e-5, atol=1e-7
    )
    assert view.grads["loss"] == pytest.approx(loss.item(), rel=1e-6)
    z = model[2](torch.relu(model[0](x)))
    a = torch.tanh(z)
    da, dz = torch.autograd.grad(F.cross_entropy(model[4](a), target), [a, z])
    np.testing.assert_allclose(wire.decode(columns[2]["da"]), da.numpy(), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(wire.decode(columns[2]["dz"]), dz.numpy(), rtol=1e-5, atol=1e-8)
    assert columns[0] is None


def test_apply_update_is_one_sgd_step() -> None:
    model = mlp_4883()
    x, target = torch.randn(3, 4), torch.tensor([2, 0, 1])
    view = dw.NetworkView(model, x, target=target, lr=0.5)
    loss = F.cross_entropy(model(x), target)
    (grad,) = torch.autograd.grad(loss, [model[4].weight])
    expected = model[4].weight.detach() - 0.5 * grad
    view.apply_update()
    torch.testing.assert_close(model[4].weight.detach(), expected)
    assert view.grads["loss"] < loss.item()  # the redraw shows the new loss
    with pytest.raises(dw.DlwidgetsError, match="needs a loss"):
        dw.NetworkView(mlp_4883(), x).apply_update()


def _send(view: dw.NetworkView, content: dict, buffers: list | None = None) -> None:
    view._on_page_message(view, content, buffers or [])


def test_an_edited_weight_changes_the_model_and_the_output_by_w_times_a() -> None:
    model = mlp_4883()
    x = torch.randn(2, 4)
    view = dw.NetworkView(model, x, editable=True)
    before = wire.decode(view.values["columns"][3]["a"]).copy()
    a_prev = wire.decode(view.values["columns"][2]["a"])
    old = model[4].weight[1, 5].item()
    _send(view, {"type": "set_weight", "layer": "4", "to": 1, "from": 5, "value": old + 2.0})
    assert view.error == ""
    assert model[4].weight[1, 5].item() == pytest.approx(old + 2.0)
    after = wire.decode(view.values["columns"][3]["a"])
    np.testing.assert_allclose(after[:, 1] - before[:, 1], 2.0 * a_prev[:, 5], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(after[:, [0, 2]], before[:, [0, 2]], rtol=1e-6)
    _send(view, {"type": "set_bias", "layer": "2", "index": 3, "value": -1.5})
    assert model[2].bias[3].item() == -1.5
    _send(view, {"type": "set_weight", "layer": "4", "to": 9, "from": 0, "value": 1.0})
    assert "outside '4.weight' of shape (3, 8)" in view.error


def test_a_view_that_is_not_editable_never_writes_the_model() -> None:
    model = mlp_4883()
    view = dw.NetworkView(model, torch.randn(2, 4), target=torch.tensor([0, 1]))
    before = ModelState.of(model)
    _send(view, {"type": "set_weight", "layer": "4", "to": 1, "from": 5, "value": 3.0})
    assert "not editable" in view.error
    _send(view, {"type": "apply_update", "lr": 0.1})
    before.assert_same(ModelState.of(model))


def test_an_edited_input_sample_reruns_the_model() -> None:
    model = mlp_4883()
    x = torch.randn(3, 4)
    view = dw.NetworkView(model, x)
    _send(view, {"type": "set_input", "sample": 1}, [np.ones(4, "<f4").tobytes()])
    assert view.error == ""
    assert torch.equal(view.trace.model_inputs["input"][1], torch.ones(4))
    assert torch.equal(view.trace.model_inputs["input"][0], x[0])
    np.testing.assert_allclose(
        wire.decode(view.values["columns"][3]["a"])[1],
        model(torch.ones(1, 4))[0].detach().numpy(),
        rtol=1e-4,
        atol=1e-6,
    )
    _send(view, {"type": "set_input", "sample": 1}, [np.ones(3, "<f4").tobytes()])
    assert "has 3 values" in view.error
    _send(view, {"type": "nonsense"})
    assert "unknown command" in view.error


@pytest.mark.parametrize(
    ("x", "kind", "shape"),
    [
        (torch.rand(5, 1, 8, 8), "image", [1, 8, 8]),
        (torch.rand(2, 28, 28), "image", [28, 28]),
        (torch.randn(10, 2), "plane", [2]),
        (torch.randn(10, 4), "sliders", [4]),
        (torch.randn(10, 20), "none", [20]),
        (torch.randint(0, 5, (3, 4)), "none", []),
    ],
)
def test_the_input_editor_fits_the_input(x: torch.Tensor, kind: str, shape: list[int]) -> None:
    spec = editor_for(x)
    assert spec["kind"] == kind and spec["shape"] == shape
    assert spec["range"][0] < spec["range"][1]


def test_with_sample_checks_the_size() -> None:
    x = torch.zeros(2, 3)
    assert torch.equal(with_sample(x, 1, np.arange(3, dtype="<f4"))[1], torch.arange(3.0))
    assert torch.equal(x, torch.zeros(2, 3))  # a copy, not the original
    with pytest.raises(ValueError, match="outside the batch of 2"):
        with_sample(x, 2, np.zeros(3, "<f4"))


def test_image_inputs_send_their_pixels_for_the_pad() -> None:
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    view = dw.NetworkView(model, torch.rand(3, 1, 8, 8))
    column = view.topology["columns"][0]
    assert column["units"] == 0 and column["shape"] == [1, 8, 8]
    assert wire.decode(view.values["columns"][0]["a"]).shape == (3, 64)
    assert view.input_editor["kind"] == "image"


def test_watch_redraws_a_training_loop_at_most_n_times_a_second() -> None:
    model = mlp_4883()
    x, target = torch.randn(16, 4), torch.randint(0, 3, (16,))
    view = dw.NetworkView(model, x)
    sent: list[set[str]] = []
    view.comm.send = lambda data=None, buffers=None, **_: sent.append(set(data["state"]))  # type: ignore[method-assign]
    tick = view.watch(max_fps=1000 / 3600)  # one frame an hour: only the first call draws
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for step in range(50):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        optimizer.step()
        tick(step, loss)
    assert tick.frames == 1 and len(sent) == 1
    assert {"progress", "params", "values"} <= sent[0]  # one message: weights, values, progress
    assert view.progress["step"] == 0
    tick.flush()  # the last step, dropped until now
    assert tick.frames == 2 and view.progress["step"] == 49
    np.testing.assert_allclose(
        wire.decode(view.params["columns"][1]["weight"]), model[0].weight.detach().numpy()
    )
    with pytest.raises(ValueError, match="max_fps must be a positive number"):
        view.watch(max_fps=0)


def test_step_info_names_the_phase_and_column() -> None:
    view = dw.NetworkView(mlp_4883(), torch.randn(2, 4), target=torch.tensor([0, 1]))
    view.step = 5
    assert view.step_info == Step("backward", 2)
    view.step = 7
    assert view.step_info == Step("update", 3)
