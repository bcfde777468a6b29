"""RecurrentView in JupyterLab and Chromium: columns per step, hover values, stepping."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

import dlwidgets as dw
from tests.harness.lab import Lab, first_view, open_notebook, run_cell, wait_for_json

pytestmark = pytest.mark.browser

LSTM_VIEW = """
import json, pathlib, torch
import dlwidgets as dw
from torch import nn
OUT = pathlib.Path(r"{out}")

class CharLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(2)
        self.emb = nn.Embedding(8, 3)
        self.lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
        self.head = nn.Linear(5, 8)

    def forward(self, ids):
        return self.head(self.lstm(self.emb(ids))[0])

model = CharLSTM()
ids = torch.tensor([[1, 4, 2, 7, 0, 3]])
with torch.no_grad():
    h, _ = model.lstm(model.emb(ids))
    layer0 = nn.LSTM(3, 5, batch_first=True)
    layer0.load_state_dict({{k[:-1] + "0": v for k, v in model.lstm.state_dict().items()
                             if k.endswith("l0")}})
    h0, _ = layer0(model.emb(ids))
(OUT / "expected.json").write_text(json.dumps({{"h1": h[0].tolist(), "h0": h0[0].tolist()}}))
view = dw.RecurrentView(model, ids, vocab="abcdefgh")
view.observe(lambda c: (OUT / "step.json").write_text(json.dumps(c["new"])), names="step")
view
"""
TO_STEP_1 = "view.step = 1"


def _drawn_step(page, view, step: int) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "([el, s]) => el.dataset.drawnStep === String(s)", arg=[view.element_handle(), step]
    )


def _highlight(view, step: int) -> list[int]:  # type: ignore[no-untyped-def]
    """The pixel near the top of column `step` (RGBA): yellow where the stepper is."""
    return view.evaluate(
        """(el, t) => {
          const c = el.dlwidgetsView.unitCenter('x', t, 0);
          const canvas = el.querySelector('canvas.dlw-canvas');
          const box = canvas.getBoundingClientRect();
          const scale = canvas.width / box.width;
          const x = Math.round((c.x + 18 - box.left) * scale);  // between the staggered bands
          return Array.from(canvas.getContext('2d').getImageData(x, 8 * scale, 1, 1).data);
        }""",
        step,
    )


def test_lstm_columns_hover_and_stepping(lab: Lab, page, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    lab.write_notebook("recurrent.ipynb", [LSTM_VIEW.format(out=tmp_path), TO_STEP_1])
    open_notebook(page, lab, "recurrent.ipynb")
    run_cell(page, 0)
    view = first_view(page, "dlw-recurrent")
    view.wait_for(state="visible", timeout=60_000)
    _drawn_step(page, view, 5)
    expected = wait_for_json(tmp_path / "expected.json")

    # one column per time step, labelled by the vocabulary
    assert view.get_attribute("data-columns") == "6"
    assert view.get_attribute("data-cell") == "LSTM"
    assert view.evaluate("el => el.dlwidgetsView.labels") == list("bechad")

    # hovering a unit at a step shows the model's own h_t, for both stacked layers
    view.locator("canvas.dlw-canvas").scroll_into_view_if_needed()
    for band, layer, step, unit in (("h1", "h1", 3, 2), ("h0", "h0", 4, 1)):
        centre = view.evaluate(
            "(el, [b, t, u]) => el.dlwidgetsView.unitCenter(b, t, u)", [band, step, unit]
        )
        page.mouse.move(centre["x"], centre["y"])
        row = view.locator(".dlw-tooltip [data-key=h]")
        row.wait_for()
        title = view.locator(".dlw-tooltip-title").inner_text()
        assert f"t = {step}" in title and f"unit {unit}" in title
        assert float(row.get_attribute("data-value")) == pytest.approx(
            expected[layer][step][unit], abs=1e-5
        )
    assert view.locator(".dlw-tooltip [data-key=c]").count() == 1  # LSTM: gates and c_t too
    page.screenshot(path=str(artifacts / "recurrent.png"))

    # stepping moves the highlighted column, and the kernel follows
    yellow = _highlight(view, 5)
    assert yellow[3] > 0 and yellow[0] > yellow[2] + 100  # the highlight is yellow
    stepper = view.locator(".dlw-stepper")
    stepper.locator("[data-action=first]").click()
    _drawn_step(page, view, 0)
    assert wait_for_json(tmp_path / "step.json", until=lambda s: s == 0) == 0
    assert _highlight(view, 0)[:3] == yellow[:3]
    assert _highlight(view, 5)[3] == 0  # no longer highlighted: nothing painted there
    stepper.locator("[data-action=forward]").click()
    _drawn_step(page, view, 1)
    assert "t = 1" in stepper.locator(".dlw-step-label").inner_text()
    view.focus()
    page.keyboard.press("ArrowRight")
    assert wait_for_json(tmp_path / "step.json", until=lambda s: s == 2) == 2
    _drawn_step(page, view, 2)

    # setting view.step from Python moves the page; the gates toggle redraws wider
    run_cell(page, 1)
    _drawn_step(page, view, 1)
    view.locator("input.dlw-gates").check()
    page.wait_for_function("el => el.dataset.gates === '1'", arg=view.element_handle())


def test_saved_page_steps_through_time_without_a_kernel(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    gru = nn.GRU(2, 4)
    x = torch.randn(5, 1, 2)
    expected = gru(x)[0][:, 0].detach()
    page_path = dw.RecurrentView(gru, x, lang="vi").save_html(tmp_path / "gru.html")
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(page_path.as_uri())
    view = page.locator(".dlw-recurrent")
    view.wait_for()
    assert view.get_attribute("data-columns") == "5"
    view.locator("[data-action=first]").click()
    _drawn_step(page, view, 0)
    centre = view.evaluate("el => el.dlwidgetsView.unitCenter('h0', 0, 3)")
    page.mouse.move(centre["x"], centre["y"])
    row = view.locator(".dlw-tooltip [data-key=h]")
    row.wait_for()
    assert float(row.get_attribute("data-value")) == pytest.approx(float(expected[0, 3]), abs=1e-5)
    assert "bước thời gian" in view.locator(".dlw-step-label").inner_text()
    context.close()
