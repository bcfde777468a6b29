"""``RecurrentView``: an RNN, GRU or LSTM unrolled over time, one column per step."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence
from typing import Any

import anywidget
import traitlets
from torch import nn

from dlwidgets import export
from dlwidgets.capture.tensors import map_tensors
from dlwidgets.errors import DlwidgetsError
from dlwidgets.scene import recurrent_payload
from dlwidgets.scene.recurrent import RecurrentScene, Vocabulary, build_recurrent_scene
from dlwidgets.widgets.stepping import Stepping

STATIC = pathlib.Path(__file__).resolve().parent.parent / "static"
LANGUAGES = ("en", "vi")


class RecurrentView(Stepping, anywidget.AnyWidget):
    """Draw the recurrent layer of ``model`` unrolled over the time steps of ``x``.

    One column per time step; per stacked layer a band of neurons filled by
    the hidden state h_t; edges from the input x_t into h_t and from h_{t-1}
    to h_t; the input token or value under each column and the model's
    per-step output (if any) on top. ``show_gates=True`` adds the LSTM gates
    i, f, g, o and the cell state c (GRU: r, z, n) beside each unit.

    >>> view = dw.RecurrentView(model, x, vocab=itos)   # leave it last in a cell
    >>> view.step = 3           # the stepper walks through time (synced both ways)
    >>> view.selected           # the unit clicked: {"layer": 0, "step": 3, "unit": 5}
    >>> view.update(x_new); view.refresh()

    ``model`` is an ``nn.RNN``/``nn.GRU``/``nn.LSTM`` or a model containing
    one (``layer="name"`` picks which). ``sample`` picks the sequence of a
    batch; ``tokens`` (one text per step) or ``vocab`` (index → text) label
    the steps. The values are recomputed from the module's own weights and
    checked against its outputs; the model is not changed.
    """

    _esm = STATIC / "recurrent_view.js"
    _css = STATIC / "recurrent_view.css"

    topology = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    selected = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    show_gates = traitlets.Bool(False).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    interval = traitlets.Float(0.8).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)

    def __init__(
        self,
        model: nn.Module,
        *inputs: Any,
        layer: str | None = None,
        sample: int = 0,
        tokens: Sequence[str] | None = None,
        vocab: Vocabulary | None = None,
        show_gates: bool = False,
        lang: str = "en",
        **widget_kwargs: Any,
    ) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
        if not inputs:
            raise TypeError("RecurrentView needs an input sequence: dw.RecurrentView(model, x)")
        self._model: nn.Module | None = model
        self._options = {"layer": layer, "sample": sample, "tokens": tokens, "vocab": vocab}
        self._revision = 0
        self._inputs = _copied(inputs)
        self._scene = build_recurrent_scene(model, *self._inputs, **self._options)
        super().__init__(
            topology=recurrent_payload.topology(self._scene),
            values=recurrent_payload.values(self._scene, self._revision),
            step=self._scene.steps - 1,
            show_gates=show_gates,
            lang=lang,
            **widget_kwargs,
        )

    def __repr__(self) -> str:
        if self._scene is None:
            return "RecurrentView(closed)"
        s = self._scene
        widths = "-".join(str(b.total_units) for b in s.bands)
        return f"RecurrentView({s.module!r} {s.kind} {widths}, {s.steps} steps, step {self.step})"

    @property
    def scene(self) -> RecurrentScene:
        """The unrolled values the page shows (hidden states, gates, cell states…)."""
        if self._scene is None:
            raise DlwidgetsError("this RecurrentView is closed")
        return self._scene

    @property
    def steps(self) -> int:
        """How many time steps are drawn (the stepper walks them)."""
        return self.scene.steps

    @property
    def model(self) -> nn.Module:
        """The live model this view draws (until :meth:`close`)."""
        if self._model is None:
            raise DlwidgetsError("this RecurrentView is closed; create a new one to draw the model")
        return self._model

    def update(self, *inputs: Any, tokens: Sequence[str] | None = None) -> None:
        """Run the live model on a new input sequence and redraw (``tokens`` labels its steps)."""
        self._options["tokens"] = tokens
        self._redraw(_copied(inputs))

    def refresh(self) -> None:
        """Re-read the weights (after training) and redraw the last input."""
        self._redraw(self._inputs)

    def save_html(self, path: str | os.PathLike[str], *, title: str | None = None) -> pathlib.Path:
        """One self-contained offline page of this view: stepping, hovering and the
        arithmetic work without a kernel."""
        return export.save_html(self, path, title=title)

    def close(self) -> None:
        """Close the view in the page and drop every reference to the model and its data."""
        self._model = None
        self._scene = None  # type: ignore[assignment]
        self._inputs = ()
        super().close()

    def _redraw(self, inputs: tuple[Any, ...]) -> None:
        try:
            scene = build_recurrent_scene(self.model, *inputs, **self._options)
        except DlwidgetsError as exc:
            self.error = str(exc)
            raise
        at_end = self._scene is not None and self.step >= self._scene.steps - 1
        self._scene, self._inputs = scene, inputs
        self._revision += 1
        structure = recurrent_payload.topology(scene)
        with self.hold_sync():
            if structure != self.topology:
                self.topology = structure
                self.selected = None
            self.values = recurrent_payload.values(scene, self._revision)
            self.step = scene.steps - 1 if at_end else min(self.step, scene.steps - 1)
            self.error = ""

    @traitlets.validate("step")
    def _valid_step(self, proposal: dict[str, Any]) -> int:
        last = int(self.topology.get("steps", 1)) - 1 if self.topology else 0
        step = int(proposal["value"])
        if not 0 <= step <= max(last, 0):
            raise traitlets.TraitError(f"step must be between 0 and {last}, got {step}")
        return step

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: dict[str, Any]) -> dict[str, Any] | None:
        value = proposal["value"]
        if value is None:
            return None
        widths = [b["total_units"] for b in self.topology["bands"] if b["role"] == "hidden"]
        layer, step, unit = value.get("layer"), value.get("step"), value.get("unit")
        if not isinstance(layer, int) or not 0 <= layer < len(widths):
            raise traitlets.TraitError(f"selected layer {layer!r} is not in 0..{len(widths) - 1}")
        if not isinstance(step, int) or not 0 <= step < self.topology["steps"]:
            raise traitlets.TraitError(f"selected step {step!r} is not a step drawn")
        if not isinstance(unit, int) or not 0 <= unit < widths[layer]:
            raise traitlets.TraitError(
                f"selected unit {unit!r} is out of range for layer {layer} ({widths[layer]} units)"
            )
        return {"layer": layer, "step": step, "unit": unit}


def _copied(inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """The view redraws these inputs later; the user may change theirs meanwhile."""
    return tuple(map_tensors(x, lambda t: t.detach().clone()) for x in inputs)
