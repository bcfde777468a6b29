"""The stepper, the arithmetic panel, the drawing pad and edits, in JupyterLab and Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness.lab import Lab, first_view, open_notebook, run_cell, wait_for_json

pytestmark = pytest.mark.browser

STEPPER = """
import json, pathlib, torch
import dlwidgets as dw
from torch import nn
OUT = pathlib.Path(r"{out}")
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))
x = torch.randn(2, 4)
with torch.no_grad():
    z2 = model[2](torch.relu(model[0](x)))
(OUT / "expected.json").write_text(json.dumps(
    {{"z2": z2[0].tolist(), "a2": torch.tanh(z2)[0].tolist(), "bias2": model[2].bias.tolist()}}))
view = dw.NetworkView(model, x, target=torch.tensor([0, 2]))
view.observe(lambda c: (OUT / "step.json").write_text(json.dumps(c["new"])), names="step")
view
"""
MOVE_FROM_PYTHON = "view.step = 1"

EDITS = '''
import json, pathlib, torch
import dlwidgets as dw
from torch import nn
OUT = pathlib.Path(r"{out}")
torch.manual_seed(1)
model = nn.Sequential(nn.Flatten(), nn.Linear(64, 12), nn.ReLU(), nn.Linear(12, 10))
view = dw.NetworkView(model, torch.zeros(1, 1, 8, 8), editable={editable})

def report(change):
    """After each redraw: what the kernel's trace holds, for the test to compare."""
    tr = view.trace
    (OUT / "kernel.json").write_text(json.dumps({{
        "revision": view.values["revision"],
        "input_sum": float(tr.model_inputs["input"].sum()),
        "hidden": tr["2"].output[0].tolist(),
        "output": tr["3"].output[0].tolist(),
        "plain": model(tr.model_inputs["input"])[0].tolist(),
        "w": model[3].weight[4, 7].item(),
    }}))

view.observe(report, names="values")
report(None)
view
'''


def _drawn_step(page, view, step: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page has drawn `step`, signals arrived (the animation is over)."""
    page.wait_for_function(
        "([el, s]) => el.dataset.drawnStep === String(s) && el.dataset.animating === '0'",
        arg=[view.element_handle(), step],
    )


def _pixel(view, x: float, y: float) -> list[int]:  # type: ignore[no-untyped-def]
    return view.evaluate(
        """(el, [x, y]) => {
          const canvas = el.querySelector('canvas.dlw-canvas');
          const box = canvas.getBoundingClientRect();
          const scale = canvas.width / box.width;
          const px = canvas.getContext('2d').getImageData(
              Math.round((x - box.left) * scale), Math.round((y - box.top) * scale), 1, 1).data;
          return Array.from(px);
        }""",
        [x, y],
    )


def test_stepping_and_the_arithmetic(lab: Lab, page, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    lab.write_notebook("stepper.ipynb", [STEPPER.format(out=tmp_path), MOVE_FROM_PYTHON])
    open_notebook(page, lab, "stepper.ipynb")
    run_cell(page, 0)
    view = first_view(page)
    view.wait_for(state="visible", timeout=60_000)
    _drawn_step(page, view, 3)
    expected = wait_for_json(tmp_path / "expected.json")
    stepper = view.locator(".dlw-stepper")

    # from the first step, pressing forward twice reaches layer 2; the kernel follows
    stepper.locator("[data-action=first]").click()
    assert wait_for_json(tmp_path / "step.json", until=lambda s: s == 0) == 0
    for _ in range(2):
        stepper.locator("[data-action=forward]").click()
    _drawn_step(page, view, 2)
    assert wait_for_json(tmp_path / "step.json", until=lambda s: s == 2) == 2
    assert "2" in stepper.locator(".dlw-step-label").inner_text()
    # layer 2's neurons show their values; the output layer is not reached yet (white)
    strongest = max(range(8), key=lambda i: abs(expected["a2"][i]))
    centre = view.evaluate("(el, i) => el.dlwidgetsView.neuronCenter('2', i)", strongest)
    r, _g, b, _ = _pixel(view, centre["x"], centre["y"])
    assert (b > r) == (expected["a2"][strongest] > 0) and abs(b - r) > 20
    out = view.evaluate("el => el.dlwidgetsView.neuronCenter('4', 0)")
    assert min(_pixel(view, out["x"], out["y"])[:3]) > 245

    # the arithmetic of a clicked neuron adds up, with the model's numbers
    centre = view.evaluate("el => el.dlwidgetsView.neuronCenter('2', 5)")
    page.mouse.click(centre["x"], centre["y"])
    panel = view.locator(".dlw-arithmetic")
    panel.locator(".dlw-arithmetic-title", has_text="neuron 5").wait_for()

    def value(key: str) -> list[float]:
        return [
            float(v)
            for v in panel.locator(f"[data-key={key}]").evaluate_all(
                "rows => rows.map(r => r.dataset.value)"
            )
        ]

    z, bias, a = value("z")[0], value("bias")[0], value("a")[0]
    assert z == pytest.approx(expected["z2"][5], abs=1e-5)
    assert bias == pytest.approx(expected["bias2"][5], abs=1e-6)
    assert a == pytest.approx(expected["a2"][5], abs=1e-5)
    assert sum(value("term")) + sum(value("rest")) + bias == pytest.approx(z, abs=1e-5)
    assert len(value("term")) == 6 and len(value("rest")) == 1  # 8 inputs: 6 shown, 2 summed
    page.screenshot(path=str(artifacts / "stepper.png"))

    # keyboard: the arrow key steps when the view has focus
    view.focus()
    page.keyboard.press("ArrowRight")
    assert wait_for_json(tmp_path / "step.json", until=lambda s: s == 3) == 3

    # setting view.step from Python moves the page
    run_cell(page, 1)
    _drawn_step(page, view, 1)

    # past the output, the steps go backwards through the gradients
    stepper.locator("[data-action=last]").click()
    _drawn_step(page, view, 7)
    assert view.get_attribute("data-phase") == "update"
    for _ in range(3):
        stepper.locator("[data-action=back]").click()
    _drawn_step(page, view, 4)
    assert view.get_attribute("data-phase") == "backward"
    assert "∂L/∂a" in view.locator(".dlw-legend").inner_text()
    assert "loss" in stepper.locator(".dlw-step-label").inner_text()


@pytest.mark.parametrize("editable", [True, False])
def test_pad_and_edits(lab: Lab, page, tmp_path: Path, editable: bool) -> None:  # type: ignore[no-untyped-def]
    name = f"edits_{editable}.ipynb"
    page.set_viewport_size({"width": 1280, "height": 1400})  # the pad and the 64 inputs in view
    lab.write_notebook(name, [EDITS.format(out=tmp_path, editable=editable)])
    open_notebook(page, lab, name)
    run_cell(page, 0)
    view = first_view(page)
    view.wait_for(state="visible", timeout=60_000)
    first = wait_for_json(tmp_path / "kernel.json")
    assert first["input_sum"] == 0

    # drawing on the pad runs the model on the drawing; the page and the kernel agree
    pad = view.locator("canvas.dlw-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    for k in range(12):
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * (0.2 + 0.05 * k))
    page.mouse.up()
    drawn = wait_for_json(tmp_path / "kernel.json", until=lambda k: k["revision"] >= 1)
    assert drawn["input_sum"] > 0
    assert drawn["output"] == pytest.approx(drawn["plain"], abs=1e-5)
    assert drawn["output"] != pytest.approx(first["output"], abs=1e-4)
    page.wait_for_function("el => el.dataset.drawnRevision === '1'", arg=view.element_handle())
    view.locator("canvas.dlw-canvas").scroll_into_view_if_needed()
    centre = view.evaluate("el => el.dlwidgetsView.neuronCenter('3', 4)")
    page.mouse.move(centre["x"], centre["y"])
    shown = view.locator(".dlw-tooltip [data-key=a] .dlw-value")
    shown.wait_for()
    assert float(shown.inner_text()) == pytest.approx(drawn["output"][4], abs=1e-4)

    # clicking an edge of an editable view lets the user type a new weight
    # a tenth of the way along: no other edge crosses this one there
    point = view.evaluate("el => el.dlwidgetsView.edgeAt('3', 4, 7, 0.1)")
    page.mouse.click(point["x"], point["y"])
    editor = view.locator(".dlw-value-editor")
    if not editable:
        page.wait_for_timeout(500)
        assert editor.is_hidden()
        assert wait_for_json(tmp_path / "kernel.json")["w"] == drawn["w"]
        return
    editor.wait_for(state="visible")
    assert float(editor.locator("input").input_value()) == pytest.approx(drawn["w"], abs=1e-5)
    editor.locator("input").fill(str(drawn["w"] + 1.5))
    editor.locator("input").press("Enter")
    edited = wait_for_json(tmp_path / "kernel.json", until=lambda k: k["revision"] >= 2)
    assert edited["w"] == pytest.approx(drawn["w"] + 1.5, abs=1e-6)
    expected_change = 1.5 * drawn["hidden"][7]
    assert edited["output"][4] - drawn["output"][4] == pytest.approx(expected_change, abs=1e-4)
    assert edited["output"][:4] == pytest.approx(drawn["output"][:4], abs=1e-6)
