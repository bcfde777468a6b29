"""A CNN in NetworkView: conv blocks show their strongest feature maps, with the model's values."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

import dlwidgets as dw
from tests.harness.saved_page import open_saved_page, wait_drawn_step

pytestmark = pytest.mark.browser

PIXEL = """(el, p) => { const c = el.querySelector('canvas.dlw-canvas');
  const box = c.getBoundingClientRect();
  return Array.from(c.getContext('2d').getImageData(
    Math.round(p.x - box.left), Math.round(p.y - box.top), 1, 1).data); }"""


def test_conv_blocks_show_their_strongest_maps(browser, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1),
        nn.Tanh(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(6 * 6 * 6, 3),
    ).eval()
    x = torch.randn(2, 1, 12, 12)
    view = dw.NetworkView(model, x)
    maps = view.scene.column("0").maps
    assert maps is not None
    with torch.no_grad():
        conv = torch.tanh(model[0](x))  # 12×12: shown without pooling
    channel = maps.channels[0]
    context, page, _outside, errors = open_saved_page(
        browser, view.save_html(tmp_path / "cnn.html")
    )
    try:
        root = page.locator(".dlw-network")
        root.wait_for(state="visible", timeout=30_000)
        wait_drawn_step(root, view.step)
        # the strongest pixel of the most active channel: its colour has its sign, hover shows it
        y, x_ = divmod(int(conv[0, channel].abs().argmax()), 12)
        value = conv[0, channel, y, x_].item()
        point = root.evaluate("(el, a) => el.dlwidgetsView.mapPoint('0', 0, a[0], a[1])", [y, x_])
        r, _g, b, _a = root.evaluate(PIXEL, point)
        assert (b > r) == (value > 0) and abs(b - r) > 60, (r, b, value)
        page.mouse.move(point["x"], point["y"])
        tooltip = root.locator(".dlw-tooltip")
        tooltip.wait_for(state="visible")
        assert f"channel {channel}" in tooltip.locator(".dlw-tooltip-title").inner_text()
        shown = float(tooltip.locator("[data-key=value]").get_attribute("data-value"))
        assert shown == pytest.approx(value, abs=1e-5)
        # the pooled block and the input image have thumbnails too
        assert root.evaluate("el => el.dlwidgetsView.mapPoint('2', 0, 5, 5)") is not None
        assert root.evaluate("el => el.dlwidgetsView.mapPoint('input', 0, 11, 11)") is not None
        assert root.evaluate("el => el.dlwidgetsView.mapPoint('4', 0, 0, 0)") is None  # Linear
        page.screenshot(path=str(artifacts / "block_maps.png"))
    finally:
        context.close()
    assert errors == []
