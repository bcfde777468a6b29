"""Static pages: one self-contained HTML file that draws a widget with no kernel.

The page carries the widget's saved state (buffers base64-encoded), its bundle
and its CSS, and a small in-page model standing in for ipywidgets' one. Whatever
the front end does by itself (stepping, hovering, the arithmetic panel) keeps
working; commands meant for the kernel (``model.send``) go nowhere.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import pathlib
from typing import Any

import anywidget
from ipywidgets.widgets.widget import _remove_buffers

DATA_ID = "dlw-export-data"
VIEW_ID = "dlw-export-view"
# The bundle travels next to the state, not inside it: no need to carry it twice.
CODE_TRAITS = ("_esm", "_css")
CAPTIONS = {
    "en": "Saved page: stepping, hovering and the arithmetic panel work here without Python; "
    "edits to inputs and weights need the notebook.",
    "vi": "Trang đã lưu: các bước, di chuột và bảng tính hoạt động không cần Python; "
    "sửa đầu vào và trọng số cần notebook.",
}

# Stands in for the ipywidgets model behind `render({model, el})`: the saved
# traits, change events for what the page sets itself, and no kernel.
LOADER = """
const payload = JSON.parse(document.getElementById("%(data)s").textContent);
const el = document.getElementById("%(view)s");

function dataView(base64) {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return new DataView(bytes.buffer);
}

// The inverse of ipywidgets' _remove_buffers: each buffer back at its path.
function putBuffers(state, paths, buffers) {
  paths.forEach((path, i) => {
    let obj = state;
    for (const key of path.slice(0, -1)) obj = obj[key];
    obj[path[path.length - 1]] = dataView(buffers[i]);
  });
}

class OfflineModel {
  constructor(state) {
    this.state = state;
    this.listeners = new Map();
    // No other widgets live in this page.
    this.widget_manager = {
      get_model: () => Promise.reject(new Error("no widget manager in a saved page")),
    };
  }
  get(name) {
    return this.state[name];
  }
  set(name, value) {
    const old = this.state[name];
    this.state[name] = value;
    if (Object.is(old, value)) return;
    this.emit(`change:${name}`, this, value);
    this.emit("change", this);
  }
  on(event, callback) {
    for (const name of event.split(/\\s+/)) {
      if (!this.listeners.has(name)) this.listeners.set(name, new Set());
      this.listeners.get(name).add(callback);
    }
  }
  off(event, callback) {
    const names = event ? event.split(/\\s+/) : [...this.listeners.keys()];
    for (const name of names) {
      if (callback) this.listeners.get(name)?.delete(callback);
      else this.listeners.delete(name);
    }
  }
  emit(event, ...args) {
    for (const callback of [...(this.listeners.get(event) ?? [])]) callback(...args);
  }
  save_changes() {}
  send() {}
}

try {
  putBuffers(payload.state, payload.buffer_paths, payload.buffers);
  const model = new OfflineModel(payload.state);
  const url = URL.createObjectURL(new Blob([payload.code], { type: "text/javascript" }));
  const module = await import(url);
  URL.revokeObjectURL(url);
  const widget = typeof module.default === "function" ? await module.default() : module.default;
  await widget.initialize?.({ model });
  await widget.render({ model, el });
} catch (err) {
  const reason = err instanceof Error ? err.message : String(err);
  el.textContent = `This page could not draw the widget: ${reason}`;
  throw err;
}
"""

PAGE = """<!DOCTYPE html>
<html lang="%(lang)s">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%(title)s</title>
<style>
body { margin: 24px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1f2328; background: #ffffff; }
.dlw-export { max-width: 1000px; margin: 0 auto; }
.dlw-export h1 { font-size: 20px; margin: 0 0 4px; }
.dlw-export-caption { margin: 0 0 16px; color: #5b636b; }
</style>
<style>
%(css)s
</style>
</head>
<body>
<main class="dlw-export">
<h1>%(title)s</h1>
<p class="dlw-export-caption">%(caption)s</p>
<div id="%(view)s"></div>
</main>
<script type="application/json" id="%(data)s">%(data_json)s</script>
<script type="module">%(loader)s</script>
</body>
</html>
"""


def save_html(
    widget: anywidget.AnyWidget, path: str | os.PathLike[str], *, title: str | None = None
) -> pathlib.Path:
    """Write ``widget`` as one offline HTML page at ``path``; return the path.

    The page needs no kernel and no network: it holds the widget's current
    state, its front-end bundle and its CSS. ``title`` defaults to the
    widget's class name.
    """
    state, buffer_paths, buffers = _remove_buffers(widget.get_state())
    code = _source(getattr(widget, "_esm", None))
    if not code:
        raise ValueError(f"{type(widget).__name__} has no front-end code (_esm) to save")
    css = _source(getattr(widget, "_css", None))
    state = {k: v for k, v in state.items() if k not in CODE_TRAITS}
    payload = {
        "state": _finite(state),
        "buffer_paths": buffer_paths,
        "buffers": [base64.b64encode(bytes(b)).decode("ascii") for b in buffers],
        "code": code,
    }
    lang = state.get("lang") if state.get("lang") in CAPTIONS else "en"
    heading = html.escape(title if title is not None else type(widget).__name__)
    page = PAGE % {
        "lang": lang,
        "title": heading,
        "caption": html.escape(CAPTIONS[lang]),
        # `</style` would end the element early; `<\/` means the same in CSS strings.
        "css": css.replace("</", "<\\/"),
        "view": VIEW_ID,
        "data": DATA_ID,
        "data_json": _script_json(payload),
        "loader": LOADER % {"data": DATA_ID, "view": VIEW_ID},
    }
    target = pathlib.Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def _source(value: Any) -> str:
    """A bundle given as a file (``Path``) or as its text (anywidget's traits hold the text)."""
    if value is None:
        return ""
    if isinstance(value, os.PathLike):
        return pathlib.Path(value).read_text(encoding="utf-8")
    return str(value)


def _script_json(value: Any) -> str:
    """JSON that cannot end its ``<script>`` early.

    Every ``<`` is written ``\\u003c``: no ``</script>`` and no ``<!--`` (which
    changes how the HTML parser looks for the end of the script) can appear,
    and ``JSON.parse`` reads back the same text.
    """
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).replace(
        "<", "\\u003c"
    )


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as the strings JavaScript prints for them."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
