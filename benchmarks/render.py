"""Every edge of a 784-256-128-10 network: our Canvas 2D and WebGL2 renderers against SVG paths.

Runs Debian's Chromium headless (software rendering: ``--disable-gpu``, as
the tests run it), no JupyterLab. The MLP 784-256-128-10 (``torch.manual_seed(0)``,
input ``torch.rand(1, 784)``) is shown by ``dw.NetworkView(model, x,
edge_limit=0, group_threshold=0)``: all 234,752 weights drawn as edges, no unit
grouped (235,146 parameters with the biases). It runs twice: with
``renderer="auto"`` (the backend the view picks here by itself: Canvas 2D on a
software WebGL, WebGL2 on a GPU), then with the other backend forced. The view is saved with
``view.save_html`` and opened from file://
(viewport 1280×900, device scale factor 1).

The baseline is a second page drawn the way TensorFlow Playground draws its
network, on the same weights and the same neuron positions (read from our page):
one ``<path class="link">`` per edge and one ``<circle>`` per neuron; every link
restyled as Playground's ``updateWeightsUI`` does, through its ``style``
(``stroke``, ``stroke-width``, ``stroke-dashoffset``), with Playground's colour
scale (orange–grey–blue over [-1, 1]) and width scale (1–10 px over [0, 5])
applied to w / max|w|, so the picture is not all grey. The paths are straight
lines ``M x1 y1 L x2 y2``; ``--curves`` makes them Playground's d3 "diagonal"
cubic curves with its ``stroke-dasharray: 9 1``, which here costs tens of
seconds a frame. Playground's arrow marker on every link is left out. Both
choices make the baseline faster than Playground itself would be. Pan and zoom
set a ``transform`` on the ``<g>`` holding everything; hovering a neuron
restyles the edges in and out of it (and moves a ring and a tooltip); a forward
step restyles the edges into the new column and animates the same 240 strongest
signals w·a for 640 ms, as ours does. Building this page is not timed.

Both pages run the same script, inside the page:

- full redraw: ours, a double-click reset after a wheel zoom (once the zoom's
  own crisp repaint is over), which repaints the cached edge layer; the SVG,
  every path restyled (the weights' signs flipped, so every colour changes).
  Timed from the change until the page has caught up: the first
  requestAnimationFrame that follows a frame of normal length (under 25 ms),
  which for ours is the second frame after the change; the median of a few.
  "in handler": the part spent synchronously in the event handler or restyle.
- interactions, one session: a pan (a drag around a closed circle: mousedown,
  mousemoves with the button held, mouseup), a zoom (wheel events in, then as
  many back out, about one point), a hover across neuron centres, column after
  column (the view is back where it started), then a forward step with the
  signal animation on (from the first step, reached untimed): the frames from
  the click until the animation is over. Each pointer event is a synthetic DOM
  event sent to ``document.elementFromPoint`` (the browser's own hit test), and
  the next is sent only at the next requestAnimationFrame, so a frame counts
  only when it shows the state after its event: fps = frames / seconds. A rAF
  loop stamps every frame of the session, for the longest frame of each phase.
  interact_fps: all the session's frames over all its seconds.
  Ours repaints its edge layer crisp 200 ms after the last pan or zoom event:
  that repaint lands in the hover, which follows at once, as for a user.

The SVG session uses far fewer events (``--svg-events``; it takes seconds a
frame here). Prints the WebGL renderer of this Chromium (SwiftShader: software),
a table and, last, one summary line for the backend the view picks by itself::

    .venv/bin/python benchmarks/render.py [--events 60] [--svg-events 4] [--curves]
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from text_table import format_table  # run as a script: benchmarks/ is on sys.path

import dlwidgets as dw
from tests.harness.lab import launch_chromium

VIEWPORT = {"width": 1280, "height": 900}
PHASES = ("pan", "zoom", "hover", "step")
SIGNALS = 240  # the strongest w·a animated into a column (js/src/render/signals.ts)
ANIMATION_MS = 640  # min(700, interval 0.8 s × 800): the view's default animation

# The same session in either page, driven through `window.__adapter`:
# box(), units, neuronCenter(c, u), redrawSetup(), redraw(), stepSetup(), stepGo(), stepDone().
SESSION = r"""
async ([plan, redraws]) => {
  const A = window.__adapter;
  const raf = () =>
    new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())));
  // The first frame less than 25 ms after the one before it: the page has caught up.
  const settled = async () => {
    const start = performance.now();
    let previous = await raf();
    for (;;) {
      const now = await raf();
      if (now - previous < 25 || now - start > 120000) return now;
      previous = now;
    }
  };
  let hits = [], handlers = [];  // ms in the hit test, in the page's handlers
  const fire = (type, x, y, init = {}) => {
    const start = performance.now();
    const target = document.elementFromPoint(x, y) ?? document.body;
    const hit = performance.now();
    const Ctor = type === 'wheel' ? WheelEvent : MouseEvent;
    target.dispatchEvent(new Ctor(type, {
      clientX: x, clientY: y, bubbles: true, cancelable: true, view: window, ...init }));
    hits.push(hit - start);
    handlers.push(performance.now() - hit);
  };
  const median = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const m = sorted.length >> 1;
    if (sorted.length === 0) return null;
    return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  };
  const redraw = [];
  for (let k = 0; k < redraws; k++) {
    await A.redrawSetup();
    await settled();
    const start = performance.now();
    A.redraw();
    const handler = performance.now() - start;
    redraw.push({ ms: (await settled()) - start, handler });
  }

  const stamps = [];
  let counting = true;
  const count = () => {
    stamps.push(performance.now());
    if (counting) requestAnimationFrame(count);
  };
  requestAnimationFrame(count);
  await settled();
  const phases = [];
  const phase = async (name, body) => {
    hits = [];
    handlers = [];
    const start = performance.now();
    const [events, frames] = await body();
    const end = performance.now();
    const inside = stamps.filter((t) => t >= start && t <= end);
    let longest = 0;
    for (let i = 1; i < inside.length; i++) longest = Math.max(longest, inside[i] - inside[i - 1]);
    if (inside.length > 0) longest = Math.max(longest, inside[0] - start);
    phases.push({ name, events, frames, ms: end - start, longest,
                  hit: median(hits), handler: median(handlers) });
  };
  const box = A.box();
  const cx = box.left + box.width / 2, cy = box.top + box.height / 2;

  await phase('pan', async () => {
    const n = plan.pan, radius = 60;
    fire('mousedown', cx, cy, { button: 0, buttons: 1 });
    let x = cx, y = cy;
    for (let i = 1; i <= n; i++) {
      const angle = (2 * Math.PI * i) / n;  // around a circle back to the start
      x = cx - radius + radius * Math.cos(angle);
      y = cy + radius * Math.sin(angle);
      fire('mousemove', x, y, { buttons: 1 });
      await raf();
    }
    fire('mouseup', x, y, { button: 0, buttons: 0 });
    return [n, n];
  });
  await phase('zoom', async () => {
    const n = plan.zoom;
    for (let i = 0; i < n; i++) {  // in, then as far back out about the same point
      fire('wheel', cx + 40, cy - 30, { deltaY: i < n / 2 ? -50 : 50 });
      await raf();
    }
    return [n, n];
  });
  const points = [];
  const per = Math.ceil(plan.hover / A.units.length);
  for (let i = 0; i < plan.hover; i++) {  // column after column, across the network
    const c = i % A.units.length, k = Math.floor(i / A.units.length);
    const u = Math.min(A.units[c] - 1, Math.floor(((k + 0.5) * A.units[c]) / per));
    points.push(A.neuronCenter(c, u));
  }
  await phase('hover', async () => {
    for (const p of points) {
      fire('mousemove', p.x, p.y, { buttons: 0 });
      await raf();
    }
    return [points.length, points.length];
  });
  await A.stepSetup();
  await settled();
  await phase('step', async () => {
    const start = performance.now();
    A.stepGo();
    let frames = 0;
    do { await raf(); frames++; } while (!A.stepDone() && performance.now() - start < 60000);
    return [1, frames];
  });
  counting = false;
  return { redraw, phases };
}
"""

# Our page: the view saved by NetworkView.save_html.
OURS = r"""
(names) => {
  const root = document.querySelector('.dlw-network');
  const canvas = root.querySelector('canvas.dlw-canvas');
  const view = root.dlwidgetsView;
  const raf = () => new Promise(requestAnimationFrame);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const fire = (type, init = {}) => {
    const b = canvas.getBoundingClientRect();
    const Ctor = type === 'wheel' ? WheelEvent : MouseEvent;
    canvas.dispatchEvent(new Ctor(type, { clientX: b.left + b.width / 2,
      clientY: b.top + b.height / 2, bubbles: true, cancelable: true, view: window, ...init }));
  };
  const units = names.map((name) => {
    let n = 0;
    while (view.neuronCenter(name, n) !== null) n++;
    return n;
  });
  window.__adapter = {
    units,
    box: () => canvas.getBoundingClientRect(),
    neuronCenter: (c, u) => view.neuronCenter(names[c], u),
    async redrawSetup() {
      fire('wheel', { deltaY: -100 });
      await sleep(260);  // the zoom's crisp repaint (200 ms after it) is over
    },
    redraw() { fire('dblclick', { detail: 2 }); },  // back to the identity: edges repainted
    async stepSetup() {
      await sleep(250);  // no crisp repaint pending
      root.querySelector('[data-action=first]').click();
      do { await raf(); } while (root.dataset.drawnStep !== '0' || root.dataset.animating !== '0');
    },
    stepGo() { root.querySelector('[data-action=forward]').click(); },
    stepDone: () => root.dataset.drawnStep === '1' && root.dataset.animating === '0',
  };
  return { units, edges: Number(root.dataset.edges), backend: root.dataset.backend };
}
"""

GEOMETRY = r"""
(names) => {
  const root = document.querySelector('.dlw-network');
  const box = root.querySelector('canvas.dlw-canvas').getBoundingClientRect();
  const view = root.dlwidgetsView;
  return { width: box.width, height: box.height, columns: names.map((name) => {
    const first = view.neuronCenter(name, 0);
    let n = 1;
    while (view.neuronCenter(name, n) !== null) n++;
    const last = view.neuronCenter(name, n - 1);
    return { x: first.x - box.left, y0: first.y - box.top,
             dy: n > 1 ? (last.y - first.y) / (n - 1) : 0, units: n };
  }) };
}
"""

WEBGL = r"""
() => {
  const gl = document.createElement('canvas').getContext('webgl');
  if (gl === null) return 'no WebGL';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL);
}
"""

# The baseline page. __DATA__: columns, weights and activations (base64 float32).
SVG_PAGE = r"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>SVG baseline</title>
<style>
  body { margin: 0; font: 12px system-ui, sans-serif; }
  #wrap { position: relative; margin: 136px 0 0 151px; }
  .link { fill: none; stroke: #aaa; stroke-width: 1; }
  #net.dashed .core path { stroke-dasharray: 9 1; stroke-dashoffset: 1; }
  .node { stroke: #4a4a4a; stroke-width: 0.5; }
  #tip { position: absolute; pointer-events: none; background: #fff; border: 1px solid #999;
         padding: 2px 4px; display: none; }
</style></head><body>
<div id="wrap"><svg id="net"><g class="core"><g id="links"></g><g id="nodes"></g>
<g id="signals"></g><circle id="ring" r="0" fill="none" stroke="rgba(17,17,17,0.45)"
stroke-width="1.5"></circle></g></svg><div id="tip"></div></div>
<script type="application/json" id="data">__DATA__</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById('data').textContent);
const floats = (text) => {
  const s = atob(text), bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return new Float32Array(bytes.buffer);
};
const W = [null, ...D.weights.map(floats)];  // W[c]: [units[c], units[c - 1]]
const values = D.values.map(floats);
const cols = D.columns.map((c) => ({ ...c, r: Math.max(0.8, Math.min(12, c.dy * 0.38)) }));
const NS = 'http://www.w3.org/2000/svg';
const svg = document.getElementById('net');
const core = svg.querySelector('.core');
const ring = document.getElementById('ring');
const tip = document.getElementById('tip');
svg.setAttribute('width', D.width);
svg.setAttribute('height', D.height);
svg.classList.toggle('dashed', D.curves);  // Playground's dashes go with its curves
const unitY = (col, u) => col.y0 + u * col.dy;
// Playground's scales (d3.scale.linear, clamped), on w / max|w|.
const ORANGE = [245, 147, 34], GREY = [232, 234, 235], BLUE = [8, 119, 189];
const hex = (v) => Math.round(v).toString(16).padStart(2, '0');
const colorScale = (t) => {
  const x = Math.max(-1, Math.min(1, t)), to = x < 0 ? ORANGE : BLUE, f = Math.abs(x);
  return '#' + hex(GREY[0] + (to[0] - GREY[0]) * f) + hex(GREY[1] + (to[1] - GREY[1]) * f)
    + hex(GREY[2] + (to[2] - GREY[2]) * f);
};
const linkWidthScale = (v) => 1 + 9 * Math.max(0, Math.min(1, v / 5));
let iter = 0, sign = 1, step = cols.length - 1;
const links = [null];
const nodes = [];

function build() {
  const linkGroup = document.getElementById('links');
  for (let c = 1; c < cols.length; c++) {
    const a = cols[c - 1], b = cols[c], fanIn = a.units, list = new Array(b.units * fanIn);
    const x1 = a.x + a.r, x2 = b.x - b.r, xm = (x1 + x2) / 2;
    const fragment = document.createDocumentFragment();
    for (let j = 0; j < b.units; j++) {
      for (let i = 0; i < fanIn; i++) {
        const path = document.createElementNS(NS, 'path');
        const y1 = unitY(a, i), y2 = unitY(b, j);
        path.setAttribute('class', 'link');
        path.setAttribute('d', D.curves ? `M${x1},${y1}C${xm},${y1} ${xm},${y2} ${x2},${y2}`
          : `M${x1},${y1}L${x2},${y2}`);
        list[j * fanIn + i] = path;
        fragment.appendChild(path);
      }
    }
    linkGroup.appendChild(fragment);
    links.push(list);
  }
  const nodeGroup = document.getElementById('nodes');
  cols.forEach((col, c) => {
    const list = [];
    for (let u = 0; u < col.units; u++) {
      const circle = document.createElementNS(NS, 'circle');
      circle.setAttribute('class', 'node');
      circle.setAttribute('cx', col.x);
      circle.setAttribute('cy', unitY(col, u));
      circle.setAttribute('r', col.r);
      circle.dataset.c = c;
      circle.dataset.u = u;
      list.push(circle);
      nodeGroup.appendChild(circle);
    }
    nodes.push(list);
  });
  const signalGroup = document.getElementById('signals');
  for (let k = 0; k < __SIGNALS__; k++) {
    const dot = document.createElementNS(NS, 'circle');
    dot.setAttribute('r', '0');
    signalGroup.appendChild(dot);
  }
}

// Playground's updateWeightsUI: every link restyled through its style.
function styleLink(path, w) {
  path.style.setProperty('stroke-dashoffset', String(-iter / 3));
  path.style.setProperty('stroke-width', String(linkWidthScale(Math.abs(w) / D.weight_range)));
  path.style.setProperty('stroke', colorScale(w / D.weight_range));
}
function updateWeightsUI() {
  iter++;
  for (let c = 1; c < cols.length; c++) {
    const w = W[c], list = links[c];
    for (let k = 0; k < list.length; k++) styleLink(list[k], sign * w[k]);
  }
}
function fillNodes(c, scale) {
  const col = cols[c], list = nodes[c], future = c > step;
  for (let u = 0; u < col.units; u++) {
    const fill = future ? '#ffffff' : colorScale((scale * values[c][u]) / D.value_range);
    list[u].style.setProperty('fill', fill);
  }
}
function showStep(s) {  // columns after the step: faded edges, white neurons
  step = s;
  for (let c = 1; c < cols.length; c++) {
    const opacity = c > step ? '0.18' : '1';
    for (const path of links[c]) path.style.setProperty('stroke-opacity', opacity);
  }
  cols.forEach((_, c) => fillNodes(c, 1));
}

// Pan and zoom: one transform on the group, the same arithmetic as the view's.
let view = { scale: 1, x: 0, y: 0 }, drag = null, hovered = null;
const setView = (v) => {
  view = v;
  core.setAttribute('transform', `translate(${v.x},${v.y}) scale(${v.scale})`);
};
const local = (e) => {
  const box = svg.getBoundingClientRect();
  return [e.clientX - box.left, e.clientY - box.top];
};
function highlight(ref, on) {
  const [c, u] = ref;
  const touched = [];
  if (c > 0) {
    for (let i = 0; i < cols[c - 1].units; i++) touched.push([c, u * cols[c - 1].units + i]);
  }
  if (c + 1 < cols.length) {
    for (let j = 0; j < cols[c + 1].units; j++) touched.push([c + 1, j * cols[c].units + u]);
  }
  for (const [lc, k] of touched) {
    const path = links[lc][k];
    if (on) {
      path.style.setProperty('stroke', '#111111');
      path.style.setProperty('stroke-opacity', '1');
    } else {
      styleLink(path, sign * W[lc][k]);
      path.style.setProperty('stroke-opacity', lc > step ? '0.18' : '1');
    }
  }
}
svg.addEventListener('mousedown', (e) => { drag = local(e); });
svg.addEventListener('mouseup', () => { drag = null; });
svg.addEventListener('mousemove', (e) => {
  const [x, y] = local(e);
  if (drag !== null && (e.buttons & 1) === 1) {
    setView({ scale: view.scale, x: view.x + x - drag[0], y: view.y + y - drag[1] });
    drag = [x, y];
    return;
  }
  const target = e.target;
  const ref = target.classList && target.classList.contains('node')
    ? [Number(target.dataset.c), Number(target.dataset.u)] : null;
  if (hovered !== null && (ref === null || ref[0] !== hovered[0] || ref[1] !== hovered[1])) {
    highlight(hovered, false);
  }
  if (ref !== null && (hovered === null || ref[0] !== hovered[0] || ref[1] !== hovered[1])) {
    highlight(ref, true);
    const col = cols[ref[0]];
    ring.setAttribute('cx', col.x);
    ring.setAttribute('cy', unitY(col, ref[1]));
    ring.setAttribute('r', col.r + 2.5);
    const a = values[ref[0]][ref[1]];
    tip.textContent = `column ${ref[0]} · neuron ${ref[1]} · a ${a.toFixed(4)}`;
    tip.style.left = `${x + 12}px`;
    tip.style.top = `${y + 12}px`;
    tip.style.display = 'block';
  } else if (ref === null) {
    ring.setAttribute('r', '0');
    tip.style.display = 'none';
  }
  hovered = ref;
});
svg.addEventListener('wheel', (e) => {
  e.preventDefault();
  const [px, py] = local(e);
  const scale = Math.min(40, Math.max(0.5, view.scale * Math.exp(-e.deltaY * 0.002)));
  const lx = (px - view.x) / view.scale, ly = (py - view.y) / view.scale;
  setView({ scale, x: px - lx * scale, y: py - ly * scale });
}, { passive: false });

// A forward step: the edges into the column restyled, the strongest signals animated.
let animation = null;
function forward() {
  const c = step + 1, a = cols[c - 1], b = cols[c], w = W[c], prev = values[c - 1];
  for (const path of links[c]) path.style.setProperty('stroke-opacity', '1');
  step = c;
  const all = [];
  for (let j = 0; j < b.units; j++) {
    for (let i = 0; i < a.units; i++) {
      const v = w[j * a.units + i] * prev[i];
      if (v !== 0 && Number.isFinite(v)) all.push({ j, i, v });
    }
  }
  all.sort((p, q) => Math.abs(q.v) - Math.abs(p.v));
  const shown = all.slice(0, __SIGNALS__), top = Math.abs(shown[0]?.v ?? 1);
  const dots = document.getElementById('signals').children;
  const x1 = a.x + a.r, x2 = b.x - b.r;
  animation = { start: performance.now() };
  const tick = () => {
    const progress = Math.min(1, (performance.now() - animation.start) / __ANIMATION_MS__);
    shown.forEach((s, k) => {
      const y1 = unitY(a, s.i), y2 = unitY(b, s.j), strength = Math.abs(s.v) / top;
      dots[k].setAttribute('cx', x1 + (x2 - x1) * progress);
      dots[k].setAttribute('cy', y1 + (y2 - y1) * progress);
      dots[k].setAttribute('r', progress < 1 ? 1.5 + 3 * Math.sqrt(strength) : 0);
      dots[k].style.setProperty('fill', s.v >= 0 ? BLUE_CSS : ORANGE_CSS);
    });
    fillNodes(c, progress);
    if (progress < 1) requestAnimationFrame(tick);
    else animation = null;
  };
  tick();
}
const BLUE_CSS = 'rgba(8,119,189,0.8)', ORANGE_CSS = 'rgba(245,147,34,0.8)';

const started = performance.now();
build();
updateWeightsUI();
showStep(step);
const raf = () => new Promise(requestAnimationFrame);
window.__adapter = {
  units: cols.map((c) => c.units),
  box: () => svg.getBoundingClientRect(),
  neuronCenter(c, u) {
    const box = svg.getBoundingClientRect(), col = cols[c];
    return { x: box.left + col.x * view.scale + view.x,
             y: box.top + unitY(col, u) * view.scale + view.y };
  },
  async redrawSetup() {},
  redraw() {
    sign = -sign;  // new weights: every colour changes
    updateWeightsUI();
  },
  async stepSetup() { showStep(0); },
  stepGo: forward,
  stepDone: () => animation === null,
};
raf().then(raf).then(() => {
  window.__built = { ms: performance.now() - started, paths: svg.querySelectorAll('path').length };
});
</script></body></html>
"""


# ---------------------------------------------------------------- the network


def network() -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )
    return model.eval(), torch.rand(1, 784)


def b64(tensor: torch.Tensor) -> str:
    data = tensor.detach().to(torch.float32).contiguous().numpy().tobytes()
    return base64.b64encode(data).decode()


def svg_page(model: nn.Module, x: torch.Tensor, geometry: dict[str, Any], curves: bool) -> str:
    """The baseline page: the same weights, activations and neuron positions as ours."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    values = [x[0]]
    with torch.no_grad():
        for k, layer in enumerate(linears):
            z = layer(values[-1])
            values.append(torch.relu(z) if k < len(linears) - 1 else z)
    data = {
        "width": geometry["width"],
        "height": geometry["height"],
        "columns": geometry["columns"],
        "curves": curves,
        "weights": [b64(layer.weight) for layer in linears],
        "values": [b64(v) for v in values],
        "weight_range": max(layer.weight.abs().max().item() for layer in linears),
        "value_range": max(v.abs().max().item() for v in values) or 1.0,
    }
    return (
        SVG_PAGE.replace("__DATA__", json.dumps(data))
        .replace("__SIGNALS__", str(SIGNALS))
        .replace("__ANIMATION_MS__", str(ANIMATION_MS))
    )


# ---------------------------------------------------------------- report


def fps(phases: list[dict[str, Any]]) -> float:
    """Frames a second over the whole session."""
    return sum(p["frames"] for p in phases) / (sum(p["ms"] for p in phases) / 1000)


def rate(value: float) -> str:
    """Frames a second: one decimal, or two significant digits under 1 (the SVG page)."""
    return f"{value:.1f}" if value >= 1 else f"{value:.2g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60, help="pan, zoom and hover events (ours)")
    parser.add_argument("--svg-events", type=int, default=4, help="the same, for the SVG page")
    parser.add_argument("--redraws", type=int, default=5, help="full redraws timed (ours)")
    parser.add_argument("--svg-redraws", type=int, default=3, help="full redraws timed (SVG)")
    parser.add_argument(
        "--curves",
        action="store_true",
        help="SVG edges as Playground's dashed cubic curves (tens of seconds a frame: "
        "use few --svg-events and --svg-redraws)",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    model, x = network()
    results: dict[str, dict[str, Any]] = {}
    backends: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="dlwidgets-render-") as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        browser = launch_chromium(pw)
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # "ours": the backend the view picks here by itself; then the other one, forced.
        for name, renderer in (("ours", "auto"), ("other", "")):
            if renderer == "":
                renderer = "canvas" if backends["ours"] == "webgl" else "webgl"
            # Every edge, no groups: the picture the SVG baseline draws too.
            view = dw.NetworkView(model, x, edge_limit=0, group_threshold=0, renderer=renderer)
            names = [c["name"] for c in view.topology["columns"]]
            last = str(view.steps - 1)
            ours_path = view.save_html(folder / f"{name}.html", title="render benchmark")
            started = time.perf_counter()
            page.goto(ours_path.as_uri())
            page.wait_for_function(
                "s => document.querySelector('.dlw-network')?.dataset.drawnStep === s",
                arg=last,
                timeout=120_000,
            )
            loaded_s = time.perf_counter() - started
            webgl = page.evaluate(WEBGL)
            geometry = page.evaluate(GEOMETRY, names)
            info = page.evaluate(OURS, names)
            backends[name] = info["backend"]
            plan = {"pan": args.events, "zoom": 2 * (args.events // 2), "hover": args.events}
            results[name] = page.evaluate(SESSION, [plan, args.redraws])
            results[name].update(edges=info["edges"], load_s=loaded_s)

        svg_path = folder / "svg.html"
        svg_path.write_text(svg_page(model, x, geometry, args.curves))
        started = time.perf_counter()
        page.goto(svg_path.as_uri())
        page.wait_for_function("() => window.__built !== undefined", timeout=300_000)
        built = page.evaluate("() => window.__built")
        n = args.svg_events
        plan = {"pan": n, "zoom": 2 * (n // 2), "hover": n}
        results["svg"] = page.evaluate(SESSION, [plan, args.svg_redraws])
        results["svg"].update(edges=built["paths"], load_s=time.perf_counter() - started)
        context.close()
        browser.close()
    if errors:
        raise RuntimeError(f"the pages raised: {errors}")

    print(f"Chromium's WebGL renderer: {webgl}")
    print(
        f"pages: ours loaded in {results['ours']['load_s']:.1f} s; the SVG page built "
        f"{built['paths']:,} paths in {built['ms'] / 1000:.1f} s (not timed below)"
    )
    print()
    head = ("renderer", "edges", "redraw ms", "in handler", "fps", "events", "frames", "seconds")
    rows: list[tuple[str, ...]] = [head]
    labels = {"ours": f"ours ({backends['ours']}, auto)", "other": f"ours ({backends['other']})"}
    labels["svg"] = "svg path per edge"
    for name, label in labels.items():
        r = results[name]
        phases = r["phases"]
        rows.append(
            (
                label,
                f"{r['edges']:,}",
                f"{statistics.median(d['ms'] for d in r['redraw']):.0f}",
                f"{statistics.median(d['handler'] for d in r['redraw']):.0f}",
                rate(fps(phases)),
                str(sum(p["events"] for p in phases)),
                str(sum(p["frames"] for p in phases)),
                f"{sum(p['ms'] for p in phases) / 1000:.1f}",
            )
        )
    print(format_table(rows))
    print()
    head = (
        "phase",
        "renderer",
        "events",
        "frames",
        "ms",
        "fps",
        "longest ms",
        "hit ms",
        "handler ms",
    )
    rows = [head]
    for phase in PHASES:
        for name in ("ours", "other", "svg"):
            p = next(q for q in results[name]["phases"] if q["name"] == phase)
            rows.append(
                (
                    phase,
                    labels[name].split(",")[0].replace("ours (", "").rstrip(")"),
                    str(p["events"]),
                    str(p["frames"]),
                    f"{p['ms']:.0f}",
                    rate(p["frames"] / (p["ms"] / 1000)),
                    f"{p['longest']:.0f}",
                    "-" if p["hit"] is None else f"{p['hit']:.1f}",
                    "-" if p["handler"] is None else f"{p['handler']:.1f}",
                )
            )
    print(format_table(rows))
    print(
        "redraw ms: change → page caught up (median); in handler: of it, synchronous. fps: frames"
        " showing each event's state a second (step: animation frames). longest: longest frame;"
        " hit, handler: median ms of elementFromPoint and of dispatching each event"
    )
    ours, svg = results["ours"], results["svg"]
    print(
        f"render: interact_fps={rate(fps(ours['phases']))} "
        f"redraw_ms={statistics.median(d['ms'] for d in ours['redraw']):.0f} "
        f"svg_interact_fps={rate(fps(svg['phases']))} "
        f"svg_redraw_ms={statistics.median(d['ms'] for d in svg['redraw']):.0f} "
        f"backend={backends['ours']}"
    )


if __name__ == "__main__":
    main()
