"""FeatureMapView in real JupyterLab and Chromium: hover values, receptive field, arithmetic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.harness.lab import Lab, first_view, open_notebook, run_cell, wait_for_json

pytestmark = pytest.mark.browser

SETUP = """
import json, pathlib, torch
import dlwidgets as dw
from torch import nn
OUT = pathlib.Path(r"{out}")
torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64, 10),
)
x = torch.rand(1, 1, 8, 8)
with torch.no_grad():
    z0 = model[0](x); a0 = torch.relu(z0); p0 = model[2](a0); z3 = model[3](p0); a3 = torch.relu(z3)
(OUT / "expected.json").write_text(json.dumps({{
    "input": x[0].tolist(), "a0": a0[0].tolist(), "z3": z3[0].tolist(), "a3": a3[0].tolist(),
}}))
view = dw.FeatureMapView(model, x, labels=[str(d) for d in range(10)])
view.observe(lambda change: (OUT / "selected.json").write_text(json.dumps(change["new"])),
             names="selected")
view
"""
UPDATE = """
x2 = torch.rand(1, 1, 8, 8)
with torch.no_grad():
    a3 = torch.relu(model[3](model[2](torch.relu(model[0](x2)))))
(OUT / "expected2.json").write_text(json.dumps({"a3": a3[0].tolist()}))
view.update(x2)
"""
# The pixel under test: conv "3" (8 → 16 channels, 3×3, padding 1, on the 4×4 pooled maps).
LAYER, CHANNEL, Y, X = "3", 5, 1, 2
AMBER = (210, 153, 34)

PIXEL = """(el, [x, y]) => {
  const canvas = el.querySelector('canvas.dlw-canvas');
  const box = canvas.getBoundingClientRect();
  const scale = canvas.width / box.width;
  return Array.from(canvas.getContext('2d').getImageData(
      Math.round((x - box.left) * scale), Math.round((y - box.top) * scale), 1, 1).data);
}"""


def _centre(view, layer: str, channel: int, y: int, x: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    view.locator("canvas.dlw-canvas").scroll_into_view_if_needed()
    found = view.evaluate("(el, p) => el.dlwidgetsView.pixelCenter(...p)", [layer, channel, y, x])
    assert found is not None, (layer, channel, y, x)
    return found


def _hover(page, view, layer: str, channel: int, y: int, x: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    centre = _centre(view, layer, channel, y, x)
    page.mouse.move(centre["x"] + 40, centre["y"] + 40)
    page.mouse.move(centre["x"], centre["y"])
    tooltip = view.locator(".dlw-tooltip")
    tooltip.wait_for(state="visible")
    return {
        "title": tooltip.locator(".dlw-tooltip-title").inner_text(),
        "pixel": tooltip.locator('[data-key="pixel"] .dlw-value').inner_text(),
        "value": float(tooltip.locator('[data-key="value"]').get_attribute("data-value")),
    }


def _close(actual: float, wanted: float) -> bool:
    return abs(actual - wanted) <= 1e-5 + 1e-5 * abs(wanted)


def _amber(rgba: list[int]) -> bool:
    return all(abs(c - a) < 40 for c, a in zip(rgba[:3], AMBER, strict=True))


def test_feature_maps_in_jupyterlab(lab: Lab, page, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    lab.write_notebook("cnn.ipynb", [SETUP.format(out=tmp_path), UPDATE])
    open_notebook(page, lab, "cnn.ipynb")
    run_cell(page, 0)
    view = first_view(page, "dlw-feature-maps")
    view.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(
        "el => el.dataset.drawnRevision === '0'", arg=view.element_handle(), timeout=30_000
    )
    expected = wait_for_json(tmp_path / "expected.json")
    labels = view.locator(".dlw-column-label").all_inner_texts()
    assert len(labels) == 7 and "Conv2d → ReLU" in labels[1] and "MaxPool2d" in labels[2]
    assert "softmax" in labels[-1]

    # hover: layer, channel, (y, x) and the model's value
    hovered = _hover(page, view, LAYER, CHANNEL, Y, X)
    assert hovered["title"] == f"{LAYER} · channel {CHANNEL}" and hovered["pixel"] == f"({Y}, {X})"
    assert _close(hovered["value"], expected["a3"][CHANNEL][Y][X])
    assert _close(_hover(page, view, "0", 3, 6, 1)["value"], expected["a0"][3][6][1])
    assert _close(_hover(page, view, "input", 0, 2, 5)["value"], expected["input"][0][2][5])

    # click: the kernel hears the pixel, and the page draws its receptive field
    centre = _centre(view, LAYER, CHANNEL, Y, X)
    page.mouse.click(centre["x"], centre["y"])
    selected = wait_for_json(tmp_path / "selected.json")
    assert selected == {"layer": LAYER, "channel": CHANNEL, "y": Y, "x": X}
    panel = view.locator(".dlw-conv-panel")
    panel.wait_for(state="visible", timeout=30_000)
    # the conv arithmetic by hand: a 3×3 kernel with padding 1 reads rows y-1..y+1 of the
    # pooled 4×4 map (clipped), 2×2 pooling with stride 2 reads rows 2r..2r+1 of the 8×8
    # map, and the first 3×3 padding-1 conv reads one more row on each side (clipped)
    pooled = (max(Y - 1, 0), min(Y + 1, 3), max(X - 1, 0), min(X + 1, 3))
    conv0 = (2 * pooled[0], 2 * pooled[1] + 1, 2 * pooled[2], 2 * pooled[3] + 1)
    image = (max(conv0[0] - 1, 0), min(conv0[1] + 1, 7), max(conv0[2] - 1, 0), min(conv0[3] + 1, 7))
    fields = view.evaluate("el => el.dlwidgetsView.fields")
    as_tuple = {k: (v["y0"], v["y1"], v["x0"], v["x1"]) for k, v in fields.items()}
    assert as_tuple == {"3": (Y, Y, X, X), "2": pooled, "0": conv0, "input": image}

    # the field is drawn: amber on its edge in the input, nothing amber far outside it
    inside = _centre(view, "input", 0, image[0], image[2])
    step = _centre(view, "input", 0, image[0], image[2] + 1)["x"] - inside["x"]
    edge = [view.evaluate(PIXEL, [inside["x"] - step / 2 + dx, inside["y"]]) for dx in (-1, 0, 1)]
    assert any(_amber(rgba) for rgba in edge), edge
    outside = _centre(view, "input", 0, 7, 0)
    assert not _amber(view.evaluate(PIXEL, [outside["x"] - step / 2, outside["y"]]))

    # the written-out arithmetic adds up to the model's z, then ReLU gives the map's value
    def number(key: str) -> float:
        return float(panel.locator(f'.dlw-row[data-key="{key}"]').get_attribute("data-value"))

    terms = panel.locator('.dlw-row[data-key^="term-"]')
    assert terms.count() == 8
    total = sum(float(terms.nth(i).get_attribute("data-value")) for i in range(8))
    assert _close(total + number("bias"), number("z"))
    assert _close(number("z"), expected["z3"][CHANNEL][Y][X])
    assert _close(number("a"), expected["a3"][CHANNEL][Y][X])

    # a channel's row opens its 3×3 patch, kernel and products, which sum to its term
    terms.first.click()
    products = panel.locator('.dlw-grid[data-key="products"] span')
    assert products.count() == 9
    summed = sum(float(products.nth(i).get_attribute("data-value")) for i in range(9))
    assert _close(summed, float(terms.first.get_attribute("data-value")))
    page.screenshot(path=str(artifacts / "feature_map_view.png"), full_page=True)

    # a new image: the maps are redrawn, the selected pixel's arithmetic rewritten
    run_cell(page, 1)
    page.wait_for_function(
        "el => el.dataset.drawnRevision === '1'", arg=view.element_handle(), timeout=30_000
    )
    expected2 = wait_for_json(tmp_path / "expected2.json")
    assert _close(_hover(page, view, LAYER, CHANNEL, Y, X)["value"], expected2["a3"][CHANNEL][Y][X])
    page.wait_for_function(
        "([el, a]) => Math.abs(Number(el.querySelector("
        "'.dlw-conv-panel .dlw-row[data-key=\"a\"]').dataset.value) - a) < 1e-5",
        arg=[view.element_handle(), expected2["a3"][CHANNEL][Y][X]],
        timeout=30_000,
    )
