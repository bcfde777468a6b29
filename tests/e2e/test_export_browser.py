"""The saved page in Chromium from file://: no kernel, no network; the view steps and explains."""

from __future__ import annotations

from pathlib import Path

import anywidget
import pytest
import torch
import traitlets

import dlwidgets as dw
from dlwidgets.export import save_html
from tests.conftest import mlp_4883
from tests.harness.saved_page import CANVAS_PIXELS, open_saved_page, wait_drawn_step

pytestmark = pytest.mark.browser


class Echo(anywidget.AnyWidget):
    """Code that writes `</script>` itself: the page must still run it."""

    _esm = """export default { render({ model, el }) {
      const p = document.createElement('p');
      p.className = 'echo';
      const bytes = new Uint8Array(model.get('blob').buffer).length;
      p.textContent = '</script>' + model.get('text') + bytes;
      el.appendChild(p);
    } };"""
    text = traitlets.Unicode("</script><!--").tag(sync=True)
    blob = traitlets.Bytes(b"abc</script>").tag(sync=True)


def _hover_z(view, layer: str, index: int) -> float:  # type: ignore[no-untyped-def]
    centre = view.evaluate("(el, [l, i]) => el.dlwidgetsView.neuronCenter(l, i)", [layer, index])
    view.page.mouse.move(centre["x"] + 30, centre["y"] + 30)
    view.page.mouse.move(centre["x"], centre["y"])
    tooltip = view.locator(".dlw-tooltip")
    tooltip.wait_for(state="visible")
    return float(tooltip.locator("[data-key=z] .dlw-value").inner_text())


def test_saved_page_steps_and_explains_offline(browser, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    model = mlp_4883()
    torch.manual_seed(0)
    x = torch.randn(2, 4)
    view = dw.NetworkView(model, x, target=torch.tensor([0, 2]))
    with torch.no_grad():
        z0 = model[0](x)
    path = view.save_html(tmp_path / "page.html", title="A 4-8-8-3 network")
    context, page, outside, errors = open_saved_page(browser, path)
    try:
        root = page.locator(".dlw-network")
        root.wait_for(state="visible", timeout=30_000)
        wait_drawn_step(root, 3)  # the step the view was at when saved
        assert page.title() == "A 4-8-8-3 network"

        # real pixels: every drawn neuron is painted, some of them in colour
        centres = root.evaluate(
            """el => ['input', '0', '2', '4'].flatMap(l => [0, 1, 2].map(
                   i => el.dlwidgetsView.neuronCenter(l, i)))"""
        )
        pixels = root.evaluate(CANVAS_PIXELS, centres)
        assert all(p[3] == 255 for p in pixels)
        assert sum(min(p[:3]) < 235 for p in pixels) >= len(pixels) // 2, pixels

        # the stepper's buttons, then the keyboard and the scrubber
        stepper = root.locator(".dlw-stepper")
        stepper.locator("[data-action=first]").click()
        wait_drawn_step(root, 0)
        stepper.locator("[data-action=forward]").click()
        wait_drawn_step(root, 1)
        root.focus()
        page.keyboard.press("ArrowRight")
        wait_drawn_step(root, 2)
        stepper.locator(".dlw-scrubber").evaluate(
            "s => { s.value = '1'; s.dispatchEvent(new Event('input', { bubbles: true })); }"
        )
        wait_drawn_step(root, 1)
        assert "2/8" in stepper.locator(".dlw-step-label").inner_text()

        # hovering shows the model's numbers; the sample picker switches to the next sample
        assert _hover_z(root, "0", 3) == pytest.approx(z0[0, 3].item(), abs=1e-4)
        root.locator(".dlw-sample input").fill("1")
        assert _hover_z(root, "0", 3) == pytest.approx(z0[1, 3].item(), abs=1e-4)

        # the arithmetic panel writes out the step
        panel = root.locator(".dlw-arithmetic")
        panel.wait_for(state="visible")
        assert panel.locator(".dlw-row").count() > 0

        # an input edit would go to the kernel: here it goes nowhere, and nothing breaks
        slider = root.locator(".dlw-editor input[type=range]").first
        slider.evaluate("s => { s.value = s.max; s.dispatchEvent(new Event('change')); }")
        stepper.locator("[data-action=forward]").click()
        wait_drawn_step(root, 2)
        page.screenshot(path=str(artifacts / "export.png"), full_page=True)
    finally:
        context.close()
    assert outside == [], f"the saved page asked the network for {outside}"
    assert errors == []


def test_code_that_writes_script_end_tags_still_runs(browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = save_html(Echo(), tmp_path / "echo.html")
    context, page, outside, errors = open_saved_page(browser, path)
    try:
        shown = page.locator("p.echo")
        shown.wait_for(timeout=30_000)
        assert shown.inner_text() == "</script></script><!--12"
    finally:
        context.close()
    assert outside == [] and errors == []
