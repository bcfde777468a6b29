"""784-256-128-10 (234,752 edges) in Chromium: both backends, hover, groups, arithmetic."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch
from torch import nn

import dlwidgets as dw
from tests.harness.saved_page import open_saved_page, wait_drawn_step

pytestmark = pytest.mark.browser

# The share of painted (non-white) pixels in a box of the view's canvas.
INK = """(el, [x0, y0, x1, y1]) => {
  const canvas = el.querySelector('canvas.dlw-canvas');
  const box = canvas.getBoundingClientRect();
  const scale = canvas.width / box.width;
  const left = Math.round((x0 - box.left) * scale), top = Math.round((y0 - box.top) * scale);
  const w = Math.round((x1 - x0) * scale), h = Math.round((y1 - y0) * scale);
  const data = canvas.getContext('2d').getImageData(left, top, w, h).data;
  let ink = 0;
  for (let k = 0; k < data.length; k += 4) {
    if (data[k + 3] > 0 && Math.min(data[k], data[k + 1], data[k + 2]) < 235) ink++;
  }
  return ink / (w * h);
}"""
CENTRE = "(el, [l, i]) => el.dlwidgetsView.neuronCenter(l, i)"
EDGE_POINT = "(el, [l, to, from, t]) => el.dlwidgetsView.edgeAt(l, to, from, t)"


def _mlp() -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    ).eval()
    return model, torch.rand(1, 784)


def _open_view(browser, tmp_path: Path, name: str, **options):  # type: ignore[no-untyped-def]
    model, x = _mlp()
    view = dw.NetworkView(model, x, **options)
    path = view.save_html(tmp_path / f"{name}.html")
    context, page, _outside, errors = open_saved_page(browser, path)
    root = page.locator(".dlw-network")
    root.wait_for(state="visible", timeout=30_000)
    wait_drawn_step(root, 3)
    return context, page, root, errors, model, x


def _hover(page, root, point: dict[str, float]):  # type: ignore[no-untyped-def]
    page.mouse.move(point["x"] + 40, point["y"] + 40)
    page.mouse.move(point["x"], point["y"])
    tooltip = root.locator(".dlw-tooltip")
    tooltip.wait_for(state="visible")
    return tooltip


@pytest.mark.parametrize("backend", ["canvas", "webgl"])
def test_every_edge_renders_through_each_backend(  # type: ignore[no-untyped-def]
    browser, tmp_path: Path, artifacts: Path, backend: str
) -> None:
    context, page, root, errors, model, _x = _open_view(
        browser, tmp_path, backend, renderer=backend, edge_limit=0, group_threshold=0
    )
    try:
        assert root.get_attribute("data-backend") == backend
        assert root.get_attribute("data-edges") == str(784 * 256 + 256 * 128 + 128 * 10)
        assert root.get_attribute("data-hidden-edges") == "0"
        # Between the input and the first hidden layer every edge is drawn: the band is inked,
        # and a box well above the network is not.
        top = root.evaluate(CENTRE, ["input", 0])
        bottom = root.evaluate(CENTRE, ["input", 783])
        hidden = root.evaluate(CENTRE, ["0", 0])
        x0, x1 = top["x"] + 20, hidden["x"] - 20
        band = root.evaluate(INK, [x0, top["y"] + 40, x1, bottom["y"] - 40])
        above = root.evaluate(INK, [x0, top["y"] - 40, x1, top["y"] - 25])
        assert band > 0.6, band
        assert above < 0.02, above
        # The edge colours follow the weights' signs: sample the 128 → 10 pair's
        # strongest positive and negative edges near their targets.
        w = model[4].weight.detach()
        for k in (int(w.argmax()), int(w.argmin())):
            to, frm = divmod(k, 128)
            point = root.evaluate(EDGE_POINT, ["4", to, frm, 0.93])
            r, _g, b, _a = root.evaluate(
                """(el, p) => { const c = el.querySelector('canvas.dlw-canvas');
                   const box = c.getBoundingClientRect();
                   return Array.from(c.getContext('2d').getImageData(
                     Math.round(p.x - box.left), Math.round(p.y - box.top), 1, 1).data); }""",
                point,
            )
            assert (b > r) == (w.view(-1)[k] > 0), (k, r, b)
        page.screenshot(path=str(artifacts / f"large_{backend}.png"))
    finally:
        context.close()
    assert errors == []


def test_hover_groups_and_arithmetic_on_a_large_network(  # type: ignore[no-untyped-def]
    browser, tmp_path: Path, artifacts: Path
) -> None:
    context, page, root, errors, model, x = _open_view(browser, tmp_path, "groups")
    try:
        # renderer="auto" on this Chromium's software WebGL (SwiftShader) draws with Canvas 2D
        assert root.get_attribute("data-backend") == "canvas"
        with torch.no_grad():
            h1 = model[1](model[0](x))[0]
            z2 = model[2](h1.unsqueeze(0))[0]
        # a known neuron: its z is the model's
        tooltip = _hover(page, root, root.evaluate(CENTRE, ["2", 5]))
        assert float(tooltip.locator("[data-key=z] .dlw-value").inner_text()) == pytest.approx(
            z2[5].item(), abs=1e-4
        )

        # a known edge: the strongest signal into layer "2"; the tooltip names an edge that passes
        # under the pointer, with the model's weight and signal w·a
        w2 = model[2].weight.detach()
        to, frm = divmod(int((w2 * h1).abs().argmax()), 256)
        tooltip = _hover(page, root, root.evaluate(EDGE_POINT, ["2", to, frm, 0.5]))
        title = tooltip.locator(".dlw-tooltip-title").inner_text()
        found = re.search(r"\[(\d+)\] → 2\[(\d+)\]", title)
        assert found, title
        i, j = int(found.group(1)), int(found.group(2))
        assert float(tooltip.locator("[data-key=w]").get_attribute("data-value")) == pytest.approx(
            w2[j, i].item(), abs=1e-6
        )
        assert float(
            tooltip.locator("[data-key=signal]").get_attribute("data-value")
        ) == pytest.approx((w2[j, i] * h1[i]).item(), abs=1e-6)

        # the 784 inputs are drawn as groups of 17: hovering one gives its mean; clicking opens it
        assert root.evaluate(CENTRE, ["input", 20]) == root.evaluate(CENTRE, ["input", 21])
        group = root.evaluate(CENTRE, ["input", 17])
        tooltip = _hover(page, root, group)
        assert "17–33" in tooltip.locator(".dlw-tooltip-title").inner_text()
        mean = float(tooltip.locator("[data-key=mean] .dlw-value").inner_text())
        assert mean == pytest.approx(x[0, 17:34].mean().item(), abs=1e-3)
        page.mouse.click(group["x"], group["y"])
        page.wait_for_function("el => el.dataset.expandedGroups === '1'", arg=root.element_handle())
        wait_drawn_step(root, 3)
        unit = root.evaluate(CENTRE, ["input", 20])
        assert unit != root.evaluate(CENTRE, ["input", 21])
        tooltip = _hover(page, root, unit)
        assert "input · " in tooltip.locator(".dlw-tooltip-title").inner_text().lower()
        assert float(tooltip.locator("[data-key=a] .dlw-value").inner_text()) == pytest.approx(
            x[0, 20].item(), abs=1e-3
        )
        page.screenshot(path=str(artifacts / "large_groups.png"))
        root.locator("[data-action=collapse-groups]").click()
        page.wait_for_function("el => el.dataset.expandedGroups === '0'", arg=root.element_handle())

        # the arithmetic of a clicked neuron in layer "2" adds up to its z, with 256 inputs
        centre = root.evaluate(CENTRE, ["2", 5])
        page.mouse.click(centre["x"], centre["y"])
        panel = root.locator(".dlw-arithmetic")
        panel.locator(".dlw-arithmetic-title", has_text="neuron 5").wait_for()

        def values(key: str) -> list[float]:
            rows = panel.locator(f"[data-key={key}]")
            return [float(v) for v in rows.evaluate_all("rs => rs.map(r => r.dataset.value)")]

        z, bias = values("z")[0], values("bias")[0]
        assert z == pytest.approx(z2[5].item(), abs=1e-4)
        assert sum(values("term")) + sum(values("rest")) + bias == pytest.approx(z, abs=1e-4)
    finally:
        context.close()
    assert errors == []
