"""The offline page: one file, no external URL, the widget's exact state, nothing breaks out."""

from __future__ import annotations

import base64
import json
import math
import re
from pathlib import Path
from typing import Any

import anywidget
import torch
import traitlets
from ipywidgets.widgets.widget import _remove_buffers

import dlwidgets as dw
from dlwidgets.export import save_html
from tests.conftest import mlp_4883

# Parsed independently of dlwidgets.export, as a reader of the page would.
PAYLOAD = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)


def _view(**kwargs: Any) -> dw.NetworkView:
    torch.manual_seed(0)
    return dw.NetworkView(mlp_4883(), torch.randn(2, 4), target=torch.tensor([0, 2]), **kwargs)


def _payload(page: str) -> dict[str, Any]:
    found = PAYLOAD.findall(page)
    assert len(found) == 1, "one embedded state"
    return json.loads(found[0][1])


class Echo(anywidget.AnyWidget):
    """A tiny widget whose code, CSS and traits hold what must not end a tag."""

    _esm = (
        "export default { render({ model, el }) "
        "{ el.textContent = '</script>' + model.get('text'); } };"
    )
    _css = '.echo::after { content: "</style>"; }'
    text = traitlets.Unicode("</script><script>alert(1)</script><!--").tag(sync=True)
    number = traitlets.Float(math.nan).tag(sync=True)
    blob = traitlets.Bytes(b"\x00\x01</script>").tag(sync=True)


def test_one_file_without_external_urls(tmp_path: Path) -> None:
    view = _view()
    path = view.save_html(tmp_path / "page.html")
    assert path == tmp_path / "page.html"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    # the bundle is embedded as code; outside it, nothing to load: no src or href
    # attribute, no CSS url() or @import, and no address at all
    code = _payload(page)["code"]
    outside = PAYLOAD.sub("", page)
    for pattern in (r"\bsrc\s*=", r"\bhref\s*=", r"(?-i:\burl\()", r"@import"):
        assert not re.search(pattern, outside, re.I), pattern
    assert "http://" not in outside and "https://" not in outside
    # the SVG namespace is a name, not an address the page loads
    addresses = re.findall(r"https?://[^\s\"'`]*", code)
    assert set(addresses) <= {"http://www.w3.org/2000/svg"}, addresses


def test_the_state_round_trips(tmp_path: Path) -> None:
    view = _view()
    page = save_html(view, str(tmp_path / "page.html")).read_text(encoding="utf-8")
    payload = _payload(page)
    _state, paths, buffers = _remove_buffers(view.get_state())
    assert payload["state"]["topology"] == json.loads(json.dumps(view.topology))
    assert payload["state"]["step"] == view.step == 3
    assert len(payload["buffers"]) == len(buffers) > 0
    assert payload["buffer_paths"] == [list(p) for p in paths]
    assert [base64.b64decode(b) for b in payload["buffers"]] == [bytes(b) for b in buffers]
    # the code and CSS travel once, outside the state
    assert "_esm" not in payload["state"] and "_css" not in payload["state"]
    assert payload["code"] == view._esm
    assert view._css in page


def test_nothing_ends_a_tag_early(tmp_path: Path) -> None:
    widget = Echo()
    page = save_html(widget, tmp_path / "echo.html").read_text(encoding="utf-8")
    # only the page's own two scripts and two styles close
    assert len(re.findall(r"</script", page, re.I)) == 2
    assert len(re.findall(r"</style", page, re.I)) == 2
    assert "<!--" not in page
    payload = _payload(page)
    assert payload["state"]["text"] == widget.text
    assert payload["code"] == widget._esm
    assert payload["state"]["number"] == "NaN"  # JSON has no NaN; JavaScript prints this
    assert base64.b64decode(payload["buffers"][0]) == widget.blob


def test_title_and_language(tmp_path: Path) -> None:
    page = _view(lang="vi").save_html(tmp_path / "vi.html", title="<b>Mạng & nơ-ron</b>")
    text = page.read_text(encoding="utf-8")
    assert '<html lang="vi">' in text
    assert "<title>&lt;b&gt;Mạng &amp; nơ-ron&lt;/b&gt;</title>" in text
    assert "<b>" not in text
    default = save_html(Echo(), tmp_path / "echo.html").read_text(encoding="utf-8")
    assert "<title>Echo</title>" in default and '<html lang="en">' in default
