"""NetworkView in real JupyterLab and Chromium: drawn, hovered, clicked, updated, failing."""

from __future__ import annotations

import struct
import time
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest

from tests.harness.lab import Lab, first_view, open_notebook, run_cell, wait_for_json

pytestmark = pytest.mark.browser

SETUP = '''
import json, pathlib, torch
import dlwidgets as dw
from torch import nn
OUT = pathlib.Path(r"{out}")
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))

def expected(x):
    """What a plain forward gives for every sample, written out for the test to compare."""
    with torch.no_grad():
        z1 = model[0](x); a1 = torch.relu(z1); z2 = model[2](a1); a2 = torch.tanh(z2)
        z3 = model[4](a2)
    return {{
        "input": {{"a": x.tolist()}},
        "0": {{"z": z1.tolist(), "a": a1.tolist(), "bias": model[0].bias.tolist()}},
        "2": {{"z": z2.tolist(), "a": a2.tolist(), "bias": model[2].bias.tolist()}},
        "4": {{"z": z3.tolist(), "a": z3.tolist(), "bias": model[4].bias.tolist()}},
    }}

x = torch.randn(2, 4)
(OUT / "expected.json").write_text(json.dumps(expected(x)))
view = dw.NetworkView(model, x)
for trait in ("selected", "sample"):
    view.observe(lambda change: (OUT / f"{{change['name']}}.json").write_text(
        json.dumps(change["new"])), names=trait)
view
'''
UPDATE = """
x2 = torch.randn(2, 4) * 2
(OUT / "expected2.json").write_text(json.dumps(expected(x2)))
view.update(x2)
"""
BAD_UPDATE = """
try:
    view.update(torch.zeros(2, 5))
except dw.TraceError as error:
    print("raised:", error)
"""
SAVE_IMAGES = """
view.save_image(OUT / "net.png")
view.save_image(OUT / "net.svg")
"""


def _png_size_and_colours(data: bytes) -> tuple[int, int, int]:
    """Width, height and how many distinct bytes the decompressed pixels hold (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            chunks += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    return width, height, len(set(zlib.decompress(chunks)))


def _tooltip(page, view, layer: str, index: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    view.locator("canvas.dlw-canvas").scroll_into_view_if_needed()
    centre = view.evaluate("(el, [l, i]) => el.dlwidgetsView.neuronCenter(l, i)", [layer, index])
    page.mouse.move(centre["x"] + 30, centre["y"] + 30)
    page.mouse.move(centre["x"], centre["y"])
    tooltip = view.locator(".dlw-tooltip")
    tooltip.wait_for(state="visible")
    rows = tooltip.locator(".dlw-row")
    values = {
        rows.nth(i).get_attribute("data-key"): float(rows.nth(i).locator(".dlw-value").inner_text())
        for i in range(rows.count())
    }
    values["title"] = tooltip.locator(".dlw-tooltip-title").inner_text()  # type: ignore[assignment]
    return values


def _close(actual: float, wanted: float) -> bool:
    return abs(actual - wanted) <= 6e-5 + 1e-4 * abs(wanted)


PIXELS = """(el, refs) => {
  const canvas = el.querySelector('canvas.dlw-canvas');
  const box = canvas.getBoundingClientRect();
  const ctx = canvas.getContext('2d');
  const scale = canvas.width / box.width;
  const at = ([x, y]) => ctx.getImageData(
      Math.round((x - box.left) * scale), Math.round((y - box.top) * scale), 1, 1).data;
  return refs.map((ref) => Array.from(at(ref)));
}"""


def test_network_view_in_jupyterlab(lab: Lab, page, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    lab.write_notebook("view.ipynb", [SETUP.format(out=tmp_path), UPDATE, BAD_UPDATE, SAVE_IMAGES])
    open_notebook(page, lab, "view.ipynb")
    run_cell(page, 0)
    view = first_view(page)
    view.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(
        "el => el.dataset.drawnRevision === '0'", arg=view.element_handle(), timeout=30_000
    )
    expected = wait_for_json(tmp_path / "expected.json")

    # every neuron and edge of the 4-8-8-3 network is drawn
    units = {"input": 4, "0": 8, "2": 8, "4": 3}
    assert view.get_attribute("data-neurons") == str(sum(units.values()))
    assert view.get_attribute("data-edges") == str(4 * 8 + 8 * 8 + 8 * 3)
    labels = view.locator(".dlw-column-label").all_inner_texts()
    assert len(labels) == 4 and "ReLU" in labels[1] and "Tanh" in labels[2]

    # real pixels: each neuron's centre is coloured by the sign of its value
    refs = [(layer, i) for layer, n in units.items() for i in range(n)]
    centres = [
        view.evaluate("(el, [l, i]) => el.dlwidgetsView.neuronCenter(l, i)", [layer, i])
        for layer, i in refs
    ]
    pixels = view.evaluate(PIXELS, [[c["x"], c["y"]] for c in centres])
    scale = float(view.locator(".dlw-legend-scale").get_attribute("data-range"))
    for (layer, i), (r, g, b, alpha) in zip(refs, pixels, strict=True):
        value = expected[layer]["a"][0][i]
        assert alpha == 255, (layer, i)
        strong = 40 if abs(value) > 0.3 * scale else 8
        if value > 0.05 * scale:
            assert b > r + strong, (layer, i, value, (r, g, b))
        elif value < -0.05 * scale:
            assert r > b + strong, (layer, i, value, (r, g, b))
        elif value == 0:
            assert min(r, g, b) > 235, (layer, i, value, (r, g, b))

    # edges are drawn: points along an edge between input 0 and neuron 0 of layer 0 are inked
    a, z = centres[0], centres[4]
    along = [
        [a["x"] + t * (z["x"] - a["x"]), a["y"] + t * (z["y"] - a["y"])] for t in (0.3, 0.5, 0.7)
    ]
    for r, g, b, _ in view.evaluate(PIXELS, along):
        assert min(r, g, b) < 235, "no edge ink where an edge runs"

    # hovering reads the neuron's numbers, equal to a plain forward
    hovered = _tooltip(page, view, "2", 5)
    assert hovered["title"].startswith("2 · neuron 5")
    assert _close(hovered["z"], expected["2"]["z"][0][5])
    assert _close(hovered["bias"], expected["2"]["bias"][5])
    assert _close(hovered["a"], expected["2"]["a"][0][5])
    assert _close(_tooltip(page, view, "input", 2)["a"], expected["input"]["a"][0][2])
    page.screenshot(path=str(artifacts / "network_view.png"))

    # zoom about the cursor: the neuron under it stays there and still answers the hover;
    # a drag pans; a double click resets
    centre = view.evaluate("el => el.dlwidgetsView.neuronCenter('2', 5)")
    page.mouse.move(centre["x"], centre["y"])
    page.mouse.wheel(0, -600)
    page.wait_for_function("el => el.dataset.zoomed === '1'", arg=view.element_handle())
    zoomed = view.evaluate("el => el.dlwidgetsView.neuronCenter('2', 5)")
    assert abs(zoomed["x"] - centre["x"]) < 2 and abs(zoomed["y"] - centre["y"]) < 2
    neighbour = view.evaluate("el => el.dlwidgetsView.neuronCenter('2', 6)")
    assert neighbour["y"] - zoomed["y"] > 2 * 34  # units spread apart (34 px unzoomed)
    again = _tooltip(page, view, "2", 5)
    assert again["title"].startswith("2 · neuron 5") and _close(again["z"], hovered["z"])
    page.mouse.move(zoomed["x"] + 25, zoomed["y"] + 40)
    page.mouse.down()
    page.mouse.move(zoomed["x"] + 65, zoomed["y"] + 40, steps=4)
    page.mouse.up()
    panned = view.evaluate("el => el.dlwidgetsView.neuronCenter('2', 5)")
    assert abs(panned["x"] - zoomed["x"] - 40) < 2
    page.mouse.dblclick(zoomed["x"] + 25, zoomed["y"] + 40)
    page.wait_for_function("el => el.dataset.zoomed === '0'", arg=view.element_handle())
    reset = view.evaluate("el => el.dlwidgetsView.neuronCenter('2', 5)")
    assert abs(reset["x"] - centre["x"]) < 1 and abs(reset["y"] - centre["y"]) < 1

    # clicking a neuron sets view.selected in the kernel
    target = view.evaluate("el => el.dlwidgetsView.neuronCenter('4', 1)")
    page.mouse.click(target["x"], target["y"])
    # (the double click above may have selected a neuron first: wait for this one)
    wanted = {"layer": "4", "index": 1}
    assert wait_for_json(tmp_path / "selected.json", until=lambda v: v == wanted) == wanted

    # the sample picker shows the second sample of the batch, and the kernel follows
    view.locator(".dlw-sample input").fill("1")
    view.locator(".dlw-sample input").press("Enter")
    assert wait_for_json(tmp_path / "sample.json") == 1
    second = _tooltip(page, view, "2", 5)
    assert _close(second["z"], expected["2"]["z"][1][5])
    assert _close(second["a"], expected["2"]["a"][1][5])

    # view.update runs the live model on a new input and the drawn values change
    run_cell(page, 1)
    page.wait_for_function(
        "el => el.dataset.drawnRevision === '1'", arg=view.element_handle(), timeout=30_000
    )
    expected2 = wait_for_json(tmp_path / "expected2.json")
    after = _tooltip(page, view, "2", 5)
    assert _close(after["z"], expected2["2"]["z"][1][5])
    assert _close(after["a"], expected2["2"]["a"][1][5])
    assert not _close(after["z"], second["z"])

    # a bad input: the kernel raises, the view shows the message in its own area
    run_cell(page, 2)
    banner = view.locator(".dlw-error")
    banner.wait_for(state="visible", timeout=30_000)
    text = banner.inner_text()
    assert "layer '0'" in text and "(2, 5)" in text
    assert "raised:" in page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea").inner_text()
    view.screenshot(path=str(artifacts / "network_view_error.png"))

    # what is on screen, saved from Python as PNG (the canvas' size, not blank) and SVG
    run_cell(page, 3)
    png = _wait_for_bytes(tmp_path / "net.png")
    canvas = view.locator("canvas.dlw-canvas").evaluate("c => [c.width, c.height]")
    width, height, colours = _png_size_and_colours(png)
    assert [width, height] == canvas and colours > 20
    svg = ET.fromstring(_wait_for_bytes(tmp_path / "net.svg"))
    circles = svg.findall(".//{http://www.w3.org/2000/svg}circle")
    assert len(circles) >= 23
    assert {t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")} >= {
        "input",
        "0",
        "2",
        "4",
    }


def _wait_for_bytes(path: Path, timeout: float = 30) -> bytes:
    deadline = time.monotonic() + timeout
    while not path.exists() or path.stat().st_size == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"the page did not send {path.name}")
        time.sleep(0.1)
    time.sleep(0.1)
    return path.read_bytes()
