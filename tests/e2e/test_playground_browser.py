"""The Playground in real JupyterLab and Chromium: play trains, pause stops, a neuron added in
the page changes the model and the picture, cells run while it trains, lessons hide controls."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.harness.lab import Lab, first_view, open_notebook, run_cell, views, wait_for_json

pytestmark = pytest.mark.browser

SETUP = '''
import json, pathlib, time
import dlwidgets as dw
OUT = pathlib.Path(r"{out}")
pg = dw.Playground(dataset="circle", features=["x1", "x2"], layers=[4, 2], learning_rate=0.1)

def snapshot(name):
    """What the kernel holds now, for the test to compare."""
    (OUT / f"{{name}}.json").write_text(json.dumps({{
        "epoch": pg.epoch,
        "playing": pg.playing,
        "layers": pg.config["layers"],
        "weights": [p.detach().tolist() for p in pg.model.parameters()],
    }}))
pg
'''
BEFORE = 'snapshot("before")'
DURING = """
started = pg.epoch
total = sum(i * i for i in range(300_000))  # a cell of its own, while the network trains
time.sleep(1.0)
snapshot("during")
print("this cell ran at epoch", started, "→", pg.epoch)
"""
AFTER = 'snapshot("after")'
AFTER_AGAIN = 'time.sleep(0.5); snapshot("after_again")'
ADDED = 'snapshot("added")'
LESSON = """
lesson = dw.Playground(
    dataset="xor", hidden=["noise", "play", "features", "loss_chart"], fixed=["learning_rate"]
)
lesson
"""


def _number(view, name: str) -> float:  # type: ignore[no-untyped-def]
    return float(view.locator(f".pg-{name}").get_attribute("data-value"))


def _flat(weights: list[Any]) -> list[float]:
    out: list[float] = []
    for w in weights:
        out.extend(_flat(w) if isinstance(w, list) else [w])
    return out


def test_playground_in_jupyterlab(lab: Lab, page, tmp_path: Path, artifacts: Path) -> None:  # type: ignore[no-untyped-def]
    cells = [SETUP.format(out=tmp_path), BEFORE, DURING, AFTER, AFTER_AGAIN, ADDED, LESSON]
    lab.write_notebook("playground.ipynb", cells)
    open_notebook(page, lab, "playground.ipynb")
    run_cell(page, 0)
    view = first_view(page, "pg-root")
    view.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(
        "el => Number(el.dataset.framesDrawn) > 0", arg=view.element_handle(), timeout=30_000
    )
    assert view.get_attribute("data-epoch") == "0"
    assert view.get_attribute("data-neurons") == "7"  # 4 + 2 hidden, 1 output
    first_loss = _number(view, "train-loss")
    run_cell(page, 1)
    before = wait_for_json(tmp_path / "before.json")
    assert before["epoch"] == 0 and not before["playing"]

    # play, in the page: the epochs count up and the loss shown falls
    view.locator(".pg-play").click()
    page.wait_for_function(
        "el => el.dataset.playing === '1' && Number(el.dataset.epoch) > 20",
        arg=view.element_handle(),
        timeout=60_000,
    )
    page.wait_for_function(
        f"el => Number(el.querySelector('.pg-train-loss').dataset.value) < {0.7 * first_loss}",
        arg=view.element_handle(),
        timeout=60_000,
    )
    page.screenshot(path=str(artifacts / "playground_training.png"))

    # another cell runs to the end while the network keeps training
    run_cell(page, 2)
    during = wait_for_json(tmp_path / "during.json")
    assert during["playing"] and during["epoch"] > 20
    printed = page.locator(".jp-Cell").nth(2).locator(".jp-OutputArea").inner_text()
    assert "this cell ran at epoch" in printed
    started, ended = (int(n) for n in printed.split("epoch")[1].split("→"))
    assert ended > started  # training went on during the cell
    page.wait_for_function(
        f"el => Number(el.dataset.epoch) > {during['epoch']}",
        arg=view.element_handle(),
        timeout=30_000,
    )
    assert _flat(during["weights"]) != _flat(before["weights"])

    # pause, in the page: the epoch shown and the kernel's weights stop changing
    view.locator(".pg-play").click()
    page.wait_for_function("el => el.dataset.playing === '0'", arg=view.element_handle())
    time.sleep(0.3)  # the last frame after the pause
    paused_epoch = view.get_attribute("data-epoch")
    paused_loss = _number(view, "train-loss")
    assert paused_loss < 0.7 * first_loss
    run_cell(page, 3)
    run_cell(page, 4)
    after = wait_for_json(tmp_path / "after.json")
    again = wait_for_json(tmp_path / "after_again.json")
    assert not after["playing"] and after["epoch"] == again["epoch"] == int(paused_epoch)
    assert after["weights"] == again["weights"]
    assert view.get_attribute("data-epoch") == paused_epoch

    # a neuron added in the page: the kernel's model grows, keeps its weights; the picture changes
    canvas = view.locator("canvas.pg-network-canvas")
    picture = canvas.evaluate("c => c.toDataURL()")
    view.locator('.pg-add-neuron[data-layer="0"]').click()
    page.wait_for_function("el => el.dataset.neurons === '8'", arg=view.element_handle())
    assert view.locator(".pg-layer-head[data-layer='0'] .pg-neuron-count").inner_text() == (
        "5 neurons"
    )
    assert canvas.evaluate("c => c.toDataURL()") != picture
    run_cell(page, 5)
    added = wait_for_json(tmp_path / "added.json")
    assert added["layers"] == [5, 2]
    assert added["weights"][0][:4] == after["weights"][0]  # the four old neurons' weights
    assert len(added["weights"][0]) == 5
    view.screenshot(path=str(artifacts / "playground.png"))

    # hovering a neuron shows its map large in the output square; leaving shows the output again
    output = view.locator("canvas.pg-output-canvas")
    centre = view.evaluate("el => el.dlwidgetsPlayground.tileCenter(1, 4)")
    page.mouse.move(centre["x"], centre["y"])
    page.wait_for_function("el => el.dataset.showing === '1:4'", arg=output.element_handle())
    page.mouse.move(centre["x"], centre["y"] - 400)
    page.wait_for_function("el => el.dataset.showing === 'output'", arg=output.element_handle())

    # a lesson: hidden controls are not in the page at all; a fixed one is disabled
    run_cell(page, 6)
    lesson = views(page, "pg-root").nth(1)
    lesson.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(
        "el => Number(el.dataset.framesDrawn) > 0", arg=lesson.element_handle(), timeout=30_000
    )
    assert lesson.locator('[data-control="noise"]').count() == 0
    assert lesson.locator(".pg-play").count() == 0
    assert lesson.locator("button.pg-feature").count() == 0
    assert lesson.locator("span.pg-feature").count() == 2  # only the inputs in use, as labels
    assert lesson.locator(".pg-step").count() == 1
    assert lesson.locator("select.pg-learning_rate").is_disabled()
    outputs = page.locator(".jp-Cell").nth(6).locator(".jp-OutputArea-output")
    assert outputs.locator(".js-plotly-plot").count() == 0  # the hidden loss chart
