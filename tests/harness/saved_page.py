"""A page saved by ``view.save_html``, opened in Chromium from file:// with the network cut off."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Schemes a self-contained page may load from: itself and what it makes in memory.
LOCAL = ("file:", "blob:", "data:")
CANVAS_PIXELS = """(el, refs) => {
  const canvas = el.querySelector('canvas.dlw-canvas');
  const box = canvas.getBoundingClientRect();
  const ctx = canvas.getContext('2d');
  const scale = canvas.width / box.width;
  return refs.map(({x, y}) => Array.from(ctx.getImageData(
      Math.round((x - box.left) * scale), Math.round((y - box.top) * scale), 1, 1).data));
}"""


def open_saved_page(browser, path: Path) -> tuple[Any, Any, list[str], list[str]]:  # type: ignore[no-untyped-def]
    """The page at `path`, with every non-local request aborted and recorded, and its errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []

    def guard(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.url.startswith(LOCAL):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.on("request", lambda r: None if r.url.startswith(LOCAL) else outside.append(r.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    return context, page, outside, errors


def wait_drawn_step(view, step: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page has drawn `step` and the signal animation is over."""
    view.page.wait_for_function(
        "([el, s]) => el.dataset.drawnStep === String(s) && el.dataset.animating === '0'",
        arg=[view.element_handle(), step],
    )
