"""``NetworkView``: a live network drawn neuron by neuron, other layers as labelled blocks."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable
from typing import Any

import anywidget
import numpy as np
import torch
import traitlets
from torch import nn

from dlwidgets import export, model_edit
from dlwidgets.capture import Trace, trace
from dlwidgets.capture.tensors import map_tensors
from dlwidgets.errors import DlwidgetsError
from dlwidgets.scene import NetworkScene, build_scene, payload
from dlwidgets.scene.steps import Step, describe_step, step_count
from dlwidgets.widgets.inputs import editor_for, with_sample
from dlwidgets.widgets.stepping import Stepping
from dlwidgets.widgets.watch import Watcher

# The inputs of a forward pass: positional and keyword.
Call = tuple[tuple[Any, ...], dict[str, Any] | None]
LossFn = Callable[[Any], torch.Tensor]

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"
LANGUAGES = ("en", "vi")


class NetworkView(Stepping, anywidget.AnyWidget):
    """Draw ``model`` on its inputs: every unit a neuron, every weight an edge.

    Layers whose output is one feature vector per sample are drawn as
    neurons; the others (convolutions, recurrences, attention…) as labelled
    blocks with their shapes, joined along the real dataflow.

    >>> view = dw.NetworkView(model, x)   # leave it last in a cell to display it
    >>> view.update(x_new)                # run the live model on new input, redraw
    >>> view.refresh()                    # after training: re-read the weights, redraw
    >>> view.selected                     # the neuron clicked in the page
    >>> view.step_forward(); view.play(interval=0.5); view.pause()

    Stepping (``step``) replays the captured pass in the page, without the
    kernel. With ``target`` (class indices) or ``loss_fn`` the steps go on
    backwards through ∂L/∂a and ∂L/∂w to a preview of ``w − lr·∂L/∂w``;
    :meth:`apply_update` writes it. The model is never changed otherwise,
    except by edits made in the page of a view created with
    ``editable=True``; the view holds it until :meth:`close`.
    ``max_samples`` caps how many samples of a batch are sent to the page
    (``sample`` picks the one drawn). ``lang`` is ``"en"`` or ``"vi"``.

    Large networks: ``edge_limit`` draws the strongest edges of each layer
    (0: every edge; the hidden count is shown); a layer wider than
    ``group_threshold`` units is drawn as about 48 groups, each filled with its
    mean, that open on click (0: never group); ``renderer`` is ``"auto"``
    (WebGL2 on a GPU, Canvas 2D where WebGL is missing or software),
    ``"webgl"`` or ``"canvas"``.
    """

    _esm = STATIC / "network_view.js"
    _css = STATIC / "network_view.css"

    topology = traitlets.Dict().tag(sync=True)
    params = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    grads = traitlets.Dict().tag(sync=True)
    selected = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    sample = traitlets.Int(0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    interval = traitlets.Float(0.8).tag(sync=True)
    animate = traitlets.Bool(True).tag(sync=True)
    lr = traitlets.Float(0.1).tag(sync=True)
    editable = traitlets.Bool(False).tag(sync=True)
    input_editor = traitlets.Dict().tag(sync=True)
    progress = traitlets.Dict().tag(sync=True)  # {"step", "loss"} of a watched training loop
    edge_limit = traitlets.Int(4000).tag(sync=True)  # strongest edges drawn per layer; 0: all
    color_range = traitlets.Enum(["global", "layer"], "global").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)
    renderer = traitlets.Enum(["auto", "webgl", "canvas"], "auto").tag(sync=True)
    # Layers wider than this are drawn as groups that open on click; 0: never.
    group_threshold = traitlets.Int(200).tag(sync=True)

    def __init__(
        self,
        model: nn.Module,
        *inputs: Any,
        kwargs: dict[str, Any] | None = None,
        target: torch.Tensor | int | None = None,
        loss_fn: LossFn | None = None,
        lr: float = 0.1,
        editable: bool = False,
        ops: bool = False,
        max_samples: int = 64,
        lang: str = "en",
        **widget_kwargs: Any,
    ) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
        if max_samples < 1:
            raise ValueError(f"max_samples must be at least 1, got {max_samples}")
        if target is not None and loss_fn is not None:
            raise ValueError("give target= (class indices) or loss_fn=, not both")
        self._max_samples = max_samples
        self._model: nn.Module | None = model
        self._ops = ops
        self._target = target
        self._loss_fn = loss_fn
        self._revision = 0
        self._image_requests: dict[int, pathlib.Path] = {}
        self._trace, self._scene, self._inputs = self._run(model, inputs, kwargs, target)
        super().__init__(
            topology=payload.topology(self._scene),
            params=payload.params(self._scene, self._revision),
            values=payload.values(self._scene, self._revision),
            grads=payload.grads(self._scene, self._revision),
            step=len(self._scene.columns) - 1,
            lr=lr,
            editable=editable,
            input_editor=editor_for(inputs[0] if len(inputs) == 1 and not kwargs else None),
            lang=lang,
            **widget_kwargs,
        )
        self.on_msg(self._on_page_message)

    def __repr__(self) -> str:
        if self._scene is None:
            return "NetworkView(closed)"
        widths = "-".join(str(c.units) for c in self._scene.columns)
        return f"NetworkView({widths}, {self._scene.samples} samples, step {self.step})"

    # -- what Python users read -------------------------------------------------

    @property
    def trace(self) -> Trace:
        """The trace of the last forward pass drawn."""
        return self._trace

    @property
    def scene(self) -> NetworkScene:
        """The columns drawn, with the values the page shows."""
        return self._scene

    @property
    def model(self) -> nn.Module:
        if self._model is None:
            raise DlwidgetsError("this NetworkView is closed; create a new one to draw the model")
        return self._model

    @property
    def steps(self) -> int:
        """How many steps the stepper walks (forward, then backward with a loss)."""
        return step_count(len(self.topology["columns"]), bool(self.grads))

    @property
    def step_info(self) -> Step:
        """What the current step shows: its phase (forward, backward, update) and column."""
        columns = len(self.topology["columns"])
        return describe_step(self.step, columns, bool(self.grads))

    # -- commands -----------------------------------------------------------------

    def update(
        self, *inputs: Any, kwargs: dict[str, Any] | None = None, target: Any = None
    ) -> None:
        """Run the live model on new inputs and redraw (weights too, if they changed).

        ``target`` replaces the class indices of the backward pass (kept only if it works).
        """
        if target is not None and self._loss_fn is not None:
            raise ValueError("this view's loss is its loss_fn: give target= only to a target view")
        self._redraw((inputs, kwargs), target=self._target if target is None else target)

    def refresh(self) -> None:
        """Re-read the weights (after training) and redraw the last input."""
        self._redraw(self._inputs, target=self._target)

    def apply_update(self, lr: float | None = None) -> None:
        """Write ``w − lr·∂L/∂w`` into the model (one SGD step) and redraw."""
        if self._trace.loss is None:
            raise DlwidgetsError("apply_update needs a loss: NetworkView(..., target=) or loss_fn=")
        model_edit.gradient_step(self.model, self._trace.param_grads, self.lr if lr is None else lr)
        self.refresh()

    def save_html(self, path: str | os.PathLike[str], *, title: str | None = None) -> pathlib.Path:
        """One self-contained offline page of this view.

        Stepping, hovering and the panel work without a kernel.
        """
        return export.save_html(self, path, title=title)

    def watch(self, max_fps: float = 5.0) -> Watcher:
        """A callback for your training loop: ``tick = view.watch(); ... tick(step, loss)``.

        Each call records the step; at most ``max_fps`` times a second the view
        re-reads the weights, re-runs its input and shows the step and loss.
        Call ``tick.flush()`` after the loop to draw the final state.
        """
        return Watcher(self, max_fps)

    def show_progress(self, step: int | None, loss: float | None) -> None:
        """Redraw with the current weights and show a training step and loss (one message)."""
        with self.hold_sync():
            self.progress = {"step": step, "loss": loss}
            self.refresh()

    def save_image(self, path: str | os.PathLike[str]) -> pathlib.Path:
        """Ask the page for a picture of what is on screen, as PNG or SVG (by the suffix).

        The page draws it, so the view must be displayed; the file is written
        when the page answers, just after the running cell ends.
        """
        target = pathlib.Path(path)
        image_format = target.suffix.lower().lstrip(".")
        if image_format not in ("png", "svg"):
            raise ValueError(f"save_image writes .png or .svg files, not {target.name!r}")
        self._image_requests[len(self._image_requests) + 1] = target
        self.send(
            {"type": "snapshot", "format": image_format, "request": len(self._image_requests)}
        )
        return target

    def close(self) -> None:
        """Close the view in the page and drop every reference to the model and its data."""
        self._trace = None  # type: ignore[assignment]
        self._scene = None  # type: ignore[assignment]
        self._inputs = None
        self._model = None
        self._target = self._loss_fn = None
        super().close()

    # -- internals ----------------------------------------------------------------

    def _run(
        self,
        model: nn.Module,
        inputs: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        target: Any = None,
    ) -> tuple[Trace, NetworkScene, Call]:
        # The view redraws these inputs later; the user may change theirs meanwhile.
        inputs = tuple(map_tensors(x, lambda t: t.detach().clone()) for x in inputs)
        kwargs = {
            k: map_tensors(v, lambda t: t.detach().clone()) for k, v in (kwargs or {}).items()
        }
        backward = target is not None or self._loss_fn is not None
        tr = trace(
            model,
            *inputs,
            kwargs=kwargs,
            ops=self._ops,
            reduce=self._keep_samples,
            grads=backward,
            target=target,
            loss_fn=self._loss_fn,
        )
        return tr, build_scene(tr, max_samples=self._max_samples), (inputs, kwargs)

    def _keep_samples(self, _name: str, tensor: torch.Tensor) -> torch.Tensor:
        """On the model's device: only the samples the page can show are copied back.

        The first dimension is taken as the batch; ``view.trace`` holds these samples.
        """
        return tensor[: self._max_samples] if tensor.dim() >= 2 else tensor

    def _redraw(self, call: Call | None, *, target: Any) -> None:
        model = self.model
        assert call is not None
        try:
            tr, scene, call = self._run(model, *call, target=target)
        except DlwidgetsError as exc:
            self.error = str(exc)
            raise
        previous = self._scene
        structure = payload.topology(scene)
        self._trace, self._scene, self._inputs, self._target = tr, scene, call, target
        self._revision += 1
        columns = {c["name"]: c["units"] for c in structure["columns"]}
        selected = self.selected
        if selected is not None and not 0 <= selected["index"] < columns.get(selected["layer"], 0):
            selected = None  # the neuron is gone from the new structure
        # One message for the whole forward pass; observers (the Inspector) run
        # once every trait is consistent.
        new_structure = structure != self.topology
        with self.hold_sync(), self.hold_trait_notifications():
            if new_structure:
                self.topology = structure
            if new_structure or not _same_weights(previous, scene):
                self.params = payload.params(scene, self._revision)
            self.values = payload.values(scene, self._revision)
            if scene.loss is not None or self.grads:
                self.grads = payload.grads(scene, self._revision)
            self.sample = min(self.sample, scene.samples - 1)
            self.selected = selected
            self.step = min(self.step, self.steps - 1)
            self.error = ""

    def _on_page_message(self, _widget: Any, content: dict[str, Any], buffers: list[Any]) -> None:
        """Commands from the page: an edited input sample, weight or bias, an update step.

        Whatever the page sends, a failure is shown in the view, never raised in the comm.
        """
        try:
            if not isinstance(content, dict):
                raise DlwidgetsError(
                    f"a command from the page must be an object, got {content!r:.60}"
                )
            kind = content.get("type")
            if kind == "snapshot":
                self._write_image(content, buffers)
            elif kind == "set_input":
                self._set_input(_index(content["sample"]), buffers)
            elif kind in ("set_weight", "set_bias", "apply_update"):
                if not self.editable:
                    raise DlwidgetsError(
                        "this view is not editable: NetworkView(..., editable=True)"
                    )
                if kind == "apply_update":
                    self.apply_update(float(content["lr"]))
                else:
                    self._set_parameter(content)
            else:
                raise DlwidgetsError(f"unknown command from the page: {kind!r}")
        except Exception as exc:  # the boundary with the page: report, never crash the comm
            self.error = (
                f"{type(exc).__name__}: {exc}" if not isinstance(exc, DlwidgetsError) else str(exc)
            )

    def _write_image(self, content: dict[str, Any], buffers: list[Any]) -> None:
        target = self._image_requests.pop(_index(content.get("request")), None)
        if target is None or not buffers:
            raise DlwidgetsError("the page sent an image nobody asked for")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(bytes(buffers[0]))

    def _set_input(self, sample: int, buffers: list[Any]) -> None:
        (inputs, kwargs) = self._inputs
        if len(inputs) != 1 or not isinstance(inputs[0], torch.Tensor) or not buffers:
            raise DlwidgetsError("this view's input cannot be edited from the page")
        values = np.frombuffer(bytes(buffers[0]), dtype="<f4")
        self.update(with_sample(inputs[0], sample, values), kwargs=kwargs)

    def _set_parameter(self, content: dict[str, Any]) -> None:
        layer = self._trace[str(content["layer"])]
        names = {id(p): name for name, p in self.model.named_parameters()}
        part = "weight" if content["type"] == "set_weight" else "bias"
        name = names.get(id(getattr(layer.module, part, None)))
        if name is None:
            raise DlwidgetsError(f"layer {layer.name!r} has no {part} to edit")
        if part == "weight":
            index: tuple[int, ...] = (_index(content["to"]), _index(content["from"]))
        else:
            index = (_index(content["index"]),)
        model_edit.set_entry(self.model, name, index, float(content["value"]))
        self.refresh()

    @traitlets.validate("group_threshold")
    def _valid_group_threshold(self, proposal: dict[str, Any]) -> int:
        threshold = int(proposal["value"])
        if threshold < 0:
            raise traitlets.TraitError(
                f"group_threshold must be 0 (never group) or more, got {threshold}"
            )
        return threshold

    @traitlets.validate("step")
    def _valid_step(self, proposal: dict[str, Any]) -> int:
        last = self.steps - 1 if self.topology else 0
        step = int(proposal["value"])
        if not 0 <= step <= max(last, 0):
            raise traitlets.TraitError(f"step must be between 0 and {last}, got {step}")
        return step

    @traitlets.validate("sample")
    def _valid_sample(self, proposal: dict[str, Any]) -> int:
        count = int(self.values.get("samples", 1)) if self.values else 1
        sample = int(proposal["value"])
        if not 0 <= sample < count:
            raise traitlets.TraitError(f"sample must be between 0 and {count - 1}, got {sample}")
        return sample

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: dict[str, Any]) -> dict[str, Any] | None:
        value = proposal["value"]
        if value is None:
            return None
        columns = {c["name"]: c["units"] for c in self.topology.get("columns", ())}
        layer, index = value.get("layer"), value.get("index")
        if layer not in columns:
            raise traitlets.TraitError(f"selected layer {layer!r} is not one of {list(columns)}")
        if not isinstance(index, int) or not 0 <= index < columns[layer]:
            raise traitlets.TraitError(
                f"selected index {index!r} is out of range for {layer!r} ({columns[layer]} units)"
            )
        return {"layer": layer, "index": index}


def _same_weights(before: NetworkScene | None, after: NetworkScene) -> bool:
    """Whether the drawn weights and biases are what the page already has (compared by value:
    ``p.data -= lr * grad`` bumps no version counter)."""
    if before is None or len(before.columns) != len(after.columns):
        return False
    return all(
        _same(a.weight, b.weight) and _same(a.bias, b.bias)
        for a, b in zip(before.columns, after.columns, strict=True)
    )


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and np.array_equal(a, b, equal_nan=True)
    )


def _index(value: Any) -> int:
    """An index sent by the page: a real integer, not a float or a bool."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DlwidgetsError(f"expected an integer index from the page, got {value!r}")
    return value
