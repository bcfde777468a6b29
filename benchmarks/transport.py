"""Kernel → frame drawn, for 1 MiB of activations: binary buffers against JSON lists.

Runs real JupyterLab and Debian's Chromium. In the kernel, a NetworkView of a
4-8-8-3 network on a batch of 6,242 samples (a and z of every layer: 1 MiB of
float32) is updated again and again; the page stamps each frame it draws with
the kernel's send time. The same view is then run with its arrays serialised
as JSON lists, the way ipywidgets' default serialisation and many widgets send
arrays. Prints a table and, last, one summary line.

    .venv/bin/python benchmarks/transport.py [--updates 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness.lab import launch_chromium, open_notebook, run_cell, running_lab

SAMPLES = 6242  # 6,242 × (4 + 2·(8 + 8 + 3)) float32 = 1,048,656 bytes per forward pass

SETUP = f"""
import time
import numpy as np
import torch
import traitlets
from torch import nn
import dlwidgets as dw

def as_json_lists(value, widget):
    '''The values trait with every array's bytes turned into a JSON list of numbers.'''
    if isinstance(value, dict):
        if "dtype" in value and "data" in value:
            return {{**value, "data": np.frombuffer(value["data"], value["dtype"]).tolist()}}
        return {{k: as_json_lists(v, widget) for k, v in value.items()}}
    if isinstance(value, list):
        return [as_json_lists(v, widget) for v in value]
    return value

class JsonListNetworkView(dw.NetworkView):
    values = traitlets.Dict().tag(sync=True, to_json=as_json_lists)

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))
inputs = [torch.randn({SAMPLES}, 4) for _ in range(4)]
"""
SHOW = "view = {cls}(model, inputs[0], max_samples={samples})\nview"
LOOP = """
for i in range({updates}):
    view.update(inputs[(i + 1) % len(inputs)])
    time.sleep({pause})
view.close()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between updates")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    loop = LOOP.format(updates=args.updates, pause=args.pause)
    cells = [
        SETUP,
        SHOW.format(cls="dw.NetworkView", samples=SAMPLES),
        loop,
        SHOW.format(cls="JsonListNetworkView", samples=SAMPLES),
        loop,
    ]
    results: dict[str, tuple[list[float], int]] = {}
    with running_lab() as lab, sync_playwright() as playwright:
        lab.write_notebook("transport.ipynb", cells)
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        # The socket exists before the cells run: listen from the start.
        sockets: list[object] = []
        page.on("websocket", lambda ws: sockets.append(ws))
        open_notebook(page, lab, "transport.ipynb")
        run_cell(page, 0)
        for name, show, run in (("binary", 1, 2), ("json", 3, 4)):
            run_cell(page, show)
            page.wait_for_selector(".dlw-network[data-drawn-revision='0']", timeout=120_000)
            results[name] = _measure_on(page, sockets, run, args.updates)
        browser.close()

    payload = SAMPLES * (4 + 2 * (8 + 8 + 3)) * 4
    print(f"activations per forward pass: {payload:,} bytes ({payload / 2**20:.2f} MiB)")
    print(f"{'wire':<8}{'updates':>8}{'median ms':>11}{'p90 ms':>9}{'bytes/update':>15}")
    medians = {}
    for name, (latencies, received) in results.items():
        medians[name] = statistics.median(latencies)
        p90 = statistics.quantiles(latencies, n=10)[-1] if len(latencies) > 1 else latencies[0]
        per_update = received / max(1, len(latencies))
        print(f"{name:<8}{len(latencies):>8}{medians[name]:>11.1f}{p90:>9.1f}{per_update:>15,.0f}")
    binary, json_ms = medians["binary"], medians["json"]
    print(f"transport: binary_ms={binary:.1f} json_ms={json_ms:.1f} ratio={json_ms / binary:.1f}")


def _measure_on(page, sockets, run_index: int, updates: int):  # type: ignore[no-untyped-def]
    """Latencies of one loop, and the bytes the page's websockets received meanwhile."""
    counted = [0]

    def count(payload: str | bytes) -> None:
        counted[0] += len(payload)

    for ws in sockets:
        ws.on("framereceived", count)  # type: ignore[attr-defined]
    page.evaluate("performance.clearMarks('dlwidgets:frame')")
    run_cell(page, run_index)
    query = "performance.getEntriesByName('dlwidgets:frame').filter(m => m.detail.revision > 0)"
    page.wait_for_function(f"{query}.length >= {updates}", timeout=120_000)
    frames = page.evaluate(f"{query}.map(m => m.detail)")
    for ws in sockets:
        ws.remove_listener("framereceived", count)  # type: ignore[attr-defined]
    return [f["drawnAt"] - f["sentAt"] for f in frames], counted[0]


if __name__ == "__main__":
    main()
