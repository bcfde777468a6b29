"""``NetworkView``: a live network drawn neuron by neuron, other layers as labelled blocks."""

from __future__ import annotations

import pathlib
from typing import Any

import anywidget
import torch
import traitlets
from torch import nn

from dlwidgets.capture import Trace, trace
from dlwidgets.capture.tensors import map_tensors
from dlwidgets.errors import DlwidgetsError
from dlwidgets.scene import NetworkScene, build_scene, payload

# The inputs of a forward pass: positional and keyword.
Call = tuple[tuple[Any, ...], dict[str, Any] | None]

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"
LANGUAGES = ("en", "vi")


class NetworkView(anywidget.AnyWidget):
    """Draw ``model`` on its inputs: every unit a neuron, every weight an edge.

    Layers whose output is one feature vector per sample are drawn as
    neurons; the others (convolutions, recurrences, attention…) as labelled
    blocks with their shapes, joined along the real dataflow.

    >>> view = dw.NetworkView(model, x)   # leave it last in a cell to display it
    >>> view.update(x_new)                # run the live model on new input, redraw
    >>> view.refresh()                    # after training: re-read the weights, redraw
    >>> view.selected                     # the neuron clicked in the page

    The model is never changed; the view holds it until :meth:`close`. ``max_samples`` caps how
    many samples of a batch are sent to the page (``sample`` picks the one
    drawn). ``lang`` is ``"en"`` or ``"vi"``.
    """

    _esm = STATIC / "network_view.js"
    _css = STATIC / "network_view.css"

    topology = traitlets.Dict().tag(sync=True)
    params = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    selected = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    sample = traitlets.Int(0).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)

    def __init__(
        self,
        model: nn.Module,
        *inputs: Any,
        kwargs: dict[str, Any] | None = None,
        ops: bool = False,
        max_samples: int = 64,
        lang: str = "en",
        **widget_kwargs: Any,
    ) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
        if max_samples < 1:
            raise ValueError(f"max_samples must be at least 1, got {max_samples}")
        self._max_samples = max_samples
        self._model: nn.Module | None = model
        self._ops = ops
        self._revision = 0
        self._trace, self._scene, self._inputs = self._run(model, inputs, kwargs)
        self._param_versions = _versions(model)
        super().__init__(
            topology=payload.topology(self._scene),
            params=payload.params(self._scene, self._revision),
            values=payload.values(self._scene, self._revision),
            step=len(self._scene.columns) - 1,
            lang=lang,
            **widget_kwargs,
        )

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

    # -- commands -----------------------------------------------------------------

    def update(self, *inputs: Any, kwargs: dict[str, Any] | None = None) -> None:
        """Run the live model on new inputs and redraw (weights too, if they changed)."""
        self._redraw(
            (inputs, kwargs), weights_changed=_versions(self.model) != self._param_versions
        )

    def refresh(self) -> None:
        """Re-read the weights (after training) and redraw the last input."""
        self._redraw(self._inputs, weights_changed=True)

    def close(self) -> None:
        """Close the view in the page and drop every reference to the model and its data."""
        self._trace = None  # type: ignore[assignment]
        self._scene = None  # type: ignore[assignment]
        self._inputs = None
        self._model = None
        super().close()

    # -- internals ----------------------------------------------------------------

    def _run(
        self, model: nn.Module, inputs: tuple[Any, ...], kwargs: dict[str, Any] | None
    ) -> tuple[Trace, NetworkScene, Call]:
        # The view redraws these inputs later; the user may change theirs meanwhile.
        inputs = tuple(map_tensors(x, lambda t: t.detach().clone()) for x in inputs)
        tr = trace(model, *inputs, kwargs=kwargs, ops=self._ops, reduce=self._keep_samples)
        return tr, build_scene(tr, max_samples=self._max_samples), (inputs, kwargs)

    def _keep_samples(self, _name: str, tensor: torch.Tensor) -> torch.Tensor:
        """On the model's device: only the samples the page can show are copied back."""
        return tensor[: self._max_samples] if tensor.dim() == 2 else tensor

    def _redraw(self, call: Call | None, *, weights_changed: bool) -> None:
        model = self.model
        assert call is not None
        try:
            tr, scene, call = self._run(model, *call)
        except DlwidgetsError as exc:
            self.error = str(exc)
            raise
        structure = payload.topology(scene)
        self._trace, self._scene, self._inputs = tr, scene, call
        self._revision += 1
        self._param_versions = _versions(model)
        with self.hold_sync():  # one message for the whole forward pass
            if structure != self.topology:
                self.topology = structure
                weights_changed = True
            if weights_changed:
                self.params = payload.params(scene, self._revision)
            self.values = payload.values(scene, self._revision)
            self.sample = min(self.sample, scene.samples - 1)
            self.error = ""

    @traitlets.validate("step")
    def _valid_step(self, proposal: dict[str, Any]) -> int:
        last = len(self.topology.get("columns", ())) - 1
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


def _versions(model: nn.Module) -> tuple[tuple[int, int], ...]:
    """Version counters of the parameters: in-place writes (optimizer steps) bump them."""
    return tuple((id(p), p._version) for p in model.parameters())
