"""Frames drawn per second in the browser while a Playground trains, and kernel time per frame.

Runs real JupyterLab and Debian's Chromium (software rendering, as the tests
run it). In the kernel, ``dw.Playground(dataset="spiral", features=["x1",
"x2"], layers=[8, 8])``: a 2-8-8-1 tanh network, every neuron's map on a 64×64
grid (24 maps, all seven input features included: 98,304 bytes a frame), trains in
its background thread with the loss chart shown. The page counts each frame it
draws (``data-frames-drawn`` on the widget); fps is the count over
``--seconds`` of training. kernel ms: the median time the kernel spends per
frame (one forward pass over the grid for every map, the weights, the
message). The kernel sends at most 30 frames a second (``max_fps``), so 30 is
the ceiling. ``--no-chart`` hides the plotly chart, to see what it costs.
Prints a table and, last, one summary line::

    .venv/bin/python benchmarks/playground.py [--seconds 10] [--no-chart]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from text_table import format_table  # run as a script: benchmarks/ is on sys.path

from tests.harness.lab import launch_chromium, open_notebook, run_cell, running_lab

SETUP = """
import json, pathlib, time
import dlwidgets as dw
pg = dw.Playground(dataset="spiral", features=["x1", "x2"], layers=[8, 8], grid=64{extra})
pg
"""
PLAY = "pg.play()"
STOP = """
pg.pause()
pathlib.Path(r"{out}").write_text(json.dumps({{**pg.stats, "epoch": pg.epoch}}))
"""
COUNTERS = """el => [Number(el.dataset.framesDrawn), Number(el.dataset.drawnRevision),
                     Number(el.dataset.latencyMs), Number(el.dataset.drawMs)]"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of training measured")
    parser.add_argument("--no-chart", action="store_true", help="hide the plotly loss chart")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(tempfile.mkdtemp(prefix="dlwidgets-bench-")) / "stats.json"
    with running_lab() as lab, sync_playwright() as playwright:
        extra = ', hidden=["loss_chart"]' if args.no_chart else ""
        lab.write_notebook(
            "playground.ipynb", [SETUP.format(extra=extra), PLAY, STOP.format(out=out)]
        )
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        open_notebook(page, lab, "playground.ipynb")
        run_cell(page, 0)
        view = page.locator(".pg-root[data-frames-drawn]").first
        view.wait_for(timeout=120_000)
        run_cell(page, 1)
        time.sleep(1.0)  # the first frames of training arrive
        drawn0, sent0, _, _ = view.evaluate(COUNTERS)
        start = time.monotonic()
        latencies, draws = [], []
        while time.monotonic() - start < args.seconds:
            time.sleep(0.5)
            _, _, latency, draw = view.evaluate(COUNTERS)
            latencies.append(latency)
            draws.append(draw)
        drawn1, sent1, _, _ = view.evaluate(COUNTERS)
        elapsed = time.monotonic() - start
        run_cell(page, 2)
        deadline = time.monotonic() + 60
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        stats = json.loads(out.read_text())
        renderer = page.evaluate(
            """() => { const gl = document.createElement('canvas').getContext('webgl');
                       const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
                       return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : 'unknown'; }"""
        )
        browser.close()

    fps = (drawn1 - drawn0) / elapsed
    sent = (sent1 - sent0) / elapsed
    latencies.sort()
    draws.sort()
    rows = [
        ("measure", "value"),
        ("seconds measured", f"{elapsed:.1f}"),
        ("frames sent by the kernel / s", f"{sent:.1f}"),
        ("frames drawn in the page / s", f"{fps:.1f}"),
        ("kernel ms per frame (median)", f"{stats['kernel_ms']:.2f}"),
        ("page ms to draw a frame (median)", f"{draws[len(draws) // 2]:.1f}"),
        ("send → drawn ms (median)", f"{latencies[len(latencies) // 2]:.0f}"),
        ("epochs trained (whole run)", str(stats["epoch"])),
    ]
    print(f"Chromium canvas, WebGL renderer: {renderer}")
    print(format_table(rows))
    print(f"playground: fps={fps:.1f} kernel_ms={stats['kernel_ms']:.2f}")


if __name__ == "__main__":
    main()
