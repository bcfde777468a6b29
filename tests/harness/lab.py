"""JupyterLab and Debian's Chromium, started and stopped by the tests themselves.

Used by the real-browser tests and by ``benchmarks/``. Everything the server,
its kernels and the browser write stays inside one temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

CHROMIUM = os.environ.get("DLWIDGETS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Silences the "Jupyter news" pop-up that covers the page.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Lab:
    url: str
    root: Path
    home: Path
    process: subprocess.Popen[bytes]

    def notebook_url(self, name: str) -> str:
        # ?reset: a fresh workspace, so notebooks a previous test opened do not come back
        return f"{self.url}/lab/tree/{name}?reset"

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        notebook = nbformat.v4.new_notebook()
        notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        notebook.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        }
        path = self.root / name
        nbformat.write(notebook, path)
        return path


def _isolated_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in (
        "TMPDIR",
        "XDG_RUNTIME_DIR",
        "XDG_CACHE_HOME",
        "JUPYTER_CONFIG_DIR",
        "JUPYTER_RUNTIME_DIR",
        "IPYTHONDIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "npm_config_cache",
    ):
        path = home / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        env[name] = str(path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path.cwd()), env.get("PYTHONPATH")]))
    return env


@contextmanager
def running_lab() -> Iterator[Lab]:
    """A JupyterLab server on 127.0.0.1 and a free port, stopped (with its kernels) on exit."""
    home = Path(tempfile.mkdtemp(prefix="dlwidgets-lab-"))
    root = home / "notebooks"
    root.mkdir()
    env = _isolated_env(home)
    for relative, value in LAB_SETTINGS.items():
        path = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port = free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=", "--ServerApp.open_browser=False",
    ]  # fmt: skip
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"JupyterLab did not start; its log:\n{(home / 'server.log').read_text()}"
                    ) from None
                time.sleep(0.25)
        yield Lab(url=url, root=root, home=home, process=process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def launch_chromium(playwright):  # type: ignore[no-untyped-def]
    """Debian's Chromium driven by Playwright (never Playwright's own browser download)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
        )
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_notebook(page, lab: Lab, name: str) -> None:  # type: ignore[no-untyped-def]
    """Open a notebook and wait until its kernel is really idle (not just 'no kernel yet')."""
    page.goto(lab.notebook_url(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-StatusBar-TextItem, .jp-StatusBar-Item')]
               .some(el => /\\bIdle\\b/.test(el.textContent || ''))""",
        timeout=60_000,
    )


def run_cell(page, index: int) -> None:  # type: ignore[no-untyped-def]
    """Select cell `index` and run it with Shift+Enter, as a user would."""
    cell = page.locator(".jp-NotebookPanel:visible .jp-Cell").nth(index)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    prompt = cell.locator(".jp-InputArea-prompt")
    page.wait_for_function(
        "el => /\\[\\d+\\]/.test(el.textContent || '')",
        arg=prompt.element_handle(),
        timeout=120_000,
    )


def views(page, root_class: str = "dlw-network"):  # type: ignore[no-untyped-def]
    """The views whose root element has `root_class`, in the outputs of the notebook on screen."""
    return page.locator(f".jp-NotebookPanel:visible .jp-OutputArea-output .{root_class}")


def first_view(page, root_class: str = "dlw-network"):  # type: ignore[no-untyped-def]
    """The first such view (a NetworkView by default)."""
    return views(page, root_class).first


def wait_for_json(path: Path, until: Any = None, timeout: float = 30) -> Any:
    """The JSON a notebook's kernel wrote to `path`, once it exists (and satisfies `until`)."""
    deadline = time.monotonic() + timeout
    while True:
        if path.exists():
            try:
                value = json.loads(path.read_text())
            except json.JSONDecodeError:
                value = None
            if value is not None and (until is None or until(value)):
                return value
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel did not write the expected {path.name}")
        time.sleep(0.1)
