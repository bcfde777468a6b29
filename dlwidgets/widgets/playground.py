"""``Playground``: train a small network on points in the plane and watch every neuron learn."""

from __future__ import annotations

import asyncio
import pathlib
import statistics
import threading
import time
from collections import deque
from typing import Any

import anywidget
import ipywidgets
import numpy as np
import plotly.graph_objects as go
import torch
import traitlets
from torch import nn

from dlwidgets.errors import DlwidgetsError
from dlwidgets.playground import BackgroundTraining, ConfigError, PlaygroundConfig, Trainer, payload
from dlwidgets.playground.config import CONTROLS, MAX_LAYERS, MAX_NEURONS

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"
CHART_PERIOD = 1.0  # s between loss chart updates while training: plotly redraws it whole
CHART_POINTS = 400  # the chart shows at most this many epochs, evenly spread
# the loss chart's words; the page's own are in js/src/i18n.ts
CHART_WORDS = {
    "en": {"loss": "loss", "epoch": "epoch", "train": "training", "test": "test"},
    "vi": {"loss": "mất mát", "epoch": "vòng", "train": "huấn luyện", "test": "kiểm tra"},
}
# page command → the control it comes from (a hidden control sends nothing)
COMMAND_CONTROLS = {
    "play": "play",
    "pause": "play",
    "step": "step",
    "reset": "reset",
    "add_layer": "layers",
    "remove_layer": "layers",
    "add_neuron": "layers",
    "remove_neuron": "layers",
}


class PlaygroundView(anywidget.AnyWidget):
    """The Playground's page part: controls, the network's heatmaps and links, the output.

    Its traits are written by :class:`Playground`; the page sends commands back.
    """

    _esm = STATIC / "playground.js"
    _css = STATIC / "playground.css"

    settings = traitlets.Dict().tag(sync=True)
    hidden = traitlets.List(traitlets.Unicode()).tag(sync=True)
    fixed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    points = traitlets.Dict().tag(sync=True)
    frame = traitlets.Dict().tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)


class Playground(ipywidgets.VBox):
    """TensorFlow Playground on a live PyTorch network: pick points, features and layers,
    press play and watch every neuron's output over the plane as it learns.

    >>> pg = dw.Playground(dataset="spiral", features=["x1", "x2", "sin(x1)"], layers=[8, 8])
    >>> pg                        # leave it last in a cell to display it
    >>> pg.play(); pg.pause()     # training runs in a thread: other cells run meanwhile
    >>> pg.step(100)              # 100 epochs now
    >>> pg.accuracy(), pg.train_loss, pg.test_loss, pg.model
    >>> lesson = pg.config        # a plain dict: dw.Playground(**lesson) opens the same exercise

    Settings (each a keyword; see :class:`~dlwidgets.playground.PlaygroundConfig`):
    ``dataset`` (circle, xor, gauss, spiral, reg_plane, reg_gauss, or your own
    ``X`` (n, 2) and ``y``: integer classes or float targets), ``noise``,
    ``samples``, ``classes`` (gauss and spiral), ``train_fraction``,
    ``batch_size``, ``features`` (x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)),
    ``layers`` (hidden widths), ``activation`` (one name or one per layer:
    tanh, relu, sigmoid, linear), ``learning_rate``, ``regularization``
    (none, l1, l2), ``regularization_rate``, ``seed``, ``grid`` (heatmap
    resolution), ``lang`` ("en" or "vi"). A lesson lists controls to take off
    the page in ``hidden`` and settings nobody may change in ``fixed``.

    ``device`` is where the network and the data live ("cpu", "cuda"…);
    ``max_fps`` caps the frames sent while training.
    """

    def __init__(
        self,
        X: Any = None,
        y: Any = None,
        *,
        device: torch.device | str | None = None,
        max_fps: float = 30.0,
        **settings: Any,
    ) -> None:
        if X is not None or y is not None:
            settings = {"dataset": "custom", **settings, "X": X, "y": y}
        config = PlaygroundConfig.from_dict(settings)
        self._trainer = Trainer(config, device)
        # One lock for training, frames and changes: a frame may be sent from inside an epoch.
        self._lock = self._trainer.lock
        self._revision = 0
        self._kernel_ms: deque[float] = deque(maxlen=300)
        self._chart_at = 0.0
        # The plotly widget is not thread-safe (the page's zoom and pan reach it on the
        # kernel's thread): the training thread hands its updates to that thread's loop.
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self._loop_thread = threading.current_thread()
        self._runner = BackgroundTraining(
            self._trainer, self._publish, max_fps=max_fps, on_error=self._failed
        )
        self.view = PlaygroundView(
            settings=payload.settings(config),
            hidden=list(config.hidden),
            fixed=list(config.fixed),
            points=payload.points(self._trainer),
            lang=config.lang,
        )
        words = CHART_WORDS[config.lang]
        self.loss_chart = go.FigureWidget(
            [
                go.Scatter(name=words["train"], mode="lines", line={"color": "#2166ac"}),
                go.Scatter(name=words["test"], mode="lines", line={"color": "#b35806"}),
            ],
            layout={
                "height": 220,
                "margin": {"l": 50, "r": 10, "t": 30, "b": 36},
                "title": {"text": words["loss"], "font": {"size": 13}},
                "xaxis": {"title": {"text": words["epoch"]}},
                "legend": {
                    "x": 0.99,
                    "xanchor": "right",
                    "y": 0.98,
                    "bgcolor": "rgba(255,255,255,0.7)",
                },
            },
        )
        shown = [self.view] if "loss_chart" in config.hidden else [self.view, self.loss_chart]
        super().__init__(shown)
        self.view.on_msg(self._on_page_message)
        self._publish()

    def __repr__(self) -> str:
        c = self._trainer.config
        sizes = "-".join(str(n) for n in (len(c.features), *c.layers, c.outputs))
        return f"Playground({c.dataset}, {sizes}, epoch {self.epoch})"

    # -- what Python users read ------------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        """Every setting as a plain JSON-able dict: ``dw.Playground(**pg.config)`` rebuilds it."""
        return self._trainer.config.to_dict()

    @property
    def model(self) -> nn.Sequential:
        """The live network: ``nn.Sequential`` of Linear layers and activations."""
        return self._trainer.model

    @property
    def epoch(self) -> int:
        """Epochs trained since the last reset."""
        return self._trainer.epoch

    @property
    def train_loss(self) -> float:
        """Mean loss on the training points now (no regularisation term)."""
        return self._trainer.losses()[0]

    @property
    def test_loss(self) -> float:
        """Mean loss on the test points now."""
        return self._trainer.losses()[1]

    @property
    def history(self) -> list[tuple[int, float, float]]:
        """(epoch, train loss, test loss) after each epoch since the last reset (thinned to
        every other epoch past 20,000 entries)."""
        with self._trainer.lock:
            return list(self._trainer.history)

    @property
    def playing(self) -> bool:
        """Whether training runs in the background."""
        return self._runner.running

    @property
    def stats(self) -> dict[str, float]:
        """Frames sent, and the median kernel time per frame (maps, weights, send) in ms."""
        times = list(self._kernel_ms)
        return {"frames": self._revision, "kernel_ms": statistics.median(times) if times else 0.0}

    def accuracy(self, split: str = "train") -> float:
        """Share of the ``split`` ("train" or "test") points classified right, 0 to 1."""
        return self._trainer.accuracy(split)

    # -- commands ---------------------------------------------------------------------

    def play(self) -> None:
        """Train in a background thread until :meth:`pause`; the kernel stays free."""
        with self._lock:  # the training thread sends frames under this lock too
            self.view.playing = True
        self._runner.start()

    def pause(self) -> None:
        """Stop training after the epoch in flight; the model is consistent when this returns."""
        self._runner.stop()
        with self._lock:
            self.view.playing = False
        self._publish()

    def step(self, n: int = 1) -> None:
        """Train ``n`` epochs now (pausing first if playing), then redraw."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"step(n): n must be a positive integer, got {n!r}")
        if self.playing:
            self.pause()
        self._runner.run(n)
        self._publish()

    def reset(self) -> None:
        """New weights from the seed, epoch 0, an empty loss chart; training goes on if playing."""
        with self._lock:
            self._trainer.reset()
            self._publish(chart=True)

    def set(self, **settings: Any) -> None:
        """Change settings, e.g. ``pg.set(learning_rate=0.1, noise=0.2)``; fixed ones raise.

        New points, features or classes start the network again; new layers keep
        the weights that still fit.
        """
        self._change(settings)

    def add_layer(self) -> None:
        """A hidden layer at the end (as wide as the last one); the others keep their weights."""
        c = self._trainer.config
        width = c.layers[-1] if c.layers else 2
        activation = c.activation[-1] if c.activation else "tanh"
        self._resize([*c.layers, width], [*c.activation, activation])

    def remove_layer(self) -> None:
        """Remove the last hidden layer."""
        c = self._trainer.config
        if not c.layers:
            raise ConfigError("layers: there is no hidden layer to remove")
        self._resize(c.layers[:-1], c.activation[:-1])

    def add_neuron(self, layer: int) -> None:
        """One more neuron in hidden layer ``layer`` (0 is the first); every weight is kept."""
        layers = list(self._trainer.config.layers)
        self._check_layer(layer, layers)
        if layers[layer] >= MAX_NEURONS:
            raise ConfigError(f"layers[{layer}]: at most {MAX_NEURONS} neurons per layer")
        layers[layer] += 1
        self._resize(layers, self._trainer.config.activation)

    def remove_neuron(self, layer: int) -> None:
        """Remove the last neuron of hidden layer ``layer``; the others keep their weights."""
        layers = list(self._trainer.config.layers)
        self._check_layer(layer, layers)
        if layers[layer] <= 1:
            raise ConfigError(f"layers[{layer}]: a hidden layer keeps at least one neuron")
        layers[layer] -= 1
        self._resize(layers, self._trainer.config.activation)

    def close(self) -> None:
        """Stop training and close the page parts; the network is released."""
        if hasattr(self, "_runner"):  # also called by __del__ of one that failed to start
            self._runner.stop()
            self.view.close()
            self.loss_chart.close()
        super().close()

    # -- internals ----------------------------------------------------------------------

    def _check_layer(self, layer: Any, layers: list[int]) -> None:
        if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < len(layers):
            raise ConfigError(
                f"layer must be a hidden layer index from 0 to {len(layers) - 1}, got {layer!r}"
            )

    def _resize(self, layers: list[int], activation: list[str] | tuple[str, ...]) -> None:
        if len(layers) > MAX_LAYERS:
            raise ConfigError(f"layers: at most {MAX_LAYERS} hidden layers")
        self._change({"layers": list(layers), "activation": list(activation)})

    def _change(self, settings: dict[str, Any]) -> None:
        config = self._trainer.config
        fixed = sorted(k for k in settings if k in config.fixed)
        if fixed:
            raise ConfigError(f"{fixed[0]} is fixed in this Playground; it cannot be changed")
        new = config.with_changes(**settings)
        with self._lock:
            self._trainer.configure(new)
            with self.view.hold_sync():
                self.view.settings = payload.settings(new)
                self.view.lang = new.lang
                if new.lang != config.lang:
                    self._name_chart(new.lang)
                self.view.points = payload.points(self._trainer)
                self._publish(chart=True)

    def _publish(self, *, chart: bool = False) -> None:
        """Send one frame (every map and weight in one message); the loss chart now and then."""
        start = time.perf_counter()
        with self._lock:
            frame = self._trainer.frame()
            self._revision += 1
            with self.view.hold_sync():
                self.view.frame = payload.frame(frame, self._revision)
                self.view.error = ""
            now = time.monotonic()
            if chart or not self._runner.running or now - self._chart_at >= CHART_PERIOD:
                self._chart_at = now
                history = list(self._trainer.history)
                if self._loop is None or threading.current_thread() is self._loop_thread:
                    self._draw_chart(history)
                elif not self._loop.is_closed():
                    self._loop.call_soon_threadsafe(self._draw_chart, history)
        self._kernel_ms.append((time.perf_counter() - start) * 1000)

    def _name_chart(self, lang: str) -> None:
        words = CHART_WORDS[lang]
        with self.loss_chart.batch_update():
            self.loss_chart.data[0].name, self.loss_chart.data[1].name = (
                words["train"],
                words["test"],
            )
            self.loss_chart.layout.title.text = words["loss"]
            self.loss_chart.layout.xaxis.title.text = words["epoch"]

    def _draw_chart(self, history: list[tuple[int, float, float]]) -> None:
        stride = max(1, -(-len(history) // CHART_POINTS))
        shown = history[::stride]
        if shown[-1] is not history[-1]:
            shown.append(history[-1])
        # NumPy arrays: plotly checks them at once and sends them as binary buffers
        epochs, train, test = np.asarray(shown, dtype=np.float32).T
        with self.loss_chart.batch_update():
            self.loss_chart.data[0].x, self.loss_chart.data[0].y = epochs, train
            self.loss_chart.data[1].x, self.loss_chart.data[1].y = epochs, test

    def _failed(self, exc: BaseException) -> None:
        with self._lock, self.view.hold_sync():
            self.view.error = f"{type(exc).__name__}: {exc}"
            self.view.playing = False

    def _on_page_message(self, _widget: Any, content: Any, _buffers: list[Any]) -> None:
        """Commands from the page; a failure is shown in the page, never raised in the comm."""
        try:
            if not isinstance(content, dict):
                raise DlwidgetsError(
                    f"a command from the page must be an object, got {content!r:.60}"
                )
            kind = content.get("type")
            control = content.get("key") if kind == "set" else COMMAND_CONTROLS.get(str(kind))
            if control is None:
                raise DlwidgetsError(f"unknown command from the page: {kind!r}")
            if control not in CONTROLS:
                raise DlwidgetsError(f"the page has no control for {control!r}")
            if control in self._trainer.config.hidden:
                raise DlwidgetsError(f"{control} is hidden in this Playground")
            if kind == "set":
                self.set(**{str(content["key"]): content["value"]})
            elif kind in ("add_neuron", "remove_neuron"):
                getattr(self, kind)(content.get("layer"))
            else:
                getattr(self, kind)()
        except Exception as exc:  # the boundary with the page: report, never crash the comm
            ours = isinstance(exc, (DlwidgetsError, ConfigError))
            with self._lock:  # frames from the training thread set traits under it too
                self.view.error = str(exc) if ours else f"{type(exc).__name__}: {exc}"
