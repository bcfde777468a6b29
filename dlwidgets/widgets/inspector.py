"""``Inspector``: a NetworkView beside the selected neuron's arithmetic and two plotly charts."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets
import numpy as np
import plotly.graph_objects as go

from dlwidgets.scene.arithmetic import NeuronArithmetic, neuron_arithmetic
from dlwidgets.widgets.network_view import NetworkView

HIGHLIGHT = "#d1242f"
BAR = "#2166ac"


class Inspector(ipywidgets.VBox):
    """The view above, and below: the selected neuron's Σ wᵢaᵢ + b = z, f(z) = a with the
    real numbers, its layer's activations and its incoming weights as plotly charts.

    Follows ``view.selected`` (a click in the page or a value set from Python),
    the sample and every redraw; with no selection, the strongest output.

    >>> dw.Inspector(view)
    """

    def __init__(self, view: NetworkView, *, chart_height: int = 240) -> None:
        self.view = view
        self.arithmetic = ipywidgets.HTML(layout=ipywidgets.Layout(min_width="300px"))
        layout = {"height": chart_height, "margin": {"l": 40, "r": 10, "t": 36, "b": 30}}
        self.activations = go.FigureWidget(go.Bar(), layout={**layout, "width": 360})
        self.weights = go.FigureWidget(go.Bar(), layout={**layout, "width": 360})
        charts = ipywidgets.HBox([self.arithmetic, self.activations, self.weights])
        super().__init__([view, charts])
        # params never change without values: redrawing on values covers both
        view.observe(self._refresh, names=["selected", "values", "sample"])
        self._refresh()

    @property
    def neuron(self) -> NeuronArithmetic | None:
        """The arithmetic shown: the selected neuron, or the strongest output."""
        scene = self.view.scene
        sample = self.view.sample
        selected = self.view.selected
        if selected is not None:
            column = scene.column(selected["layer"])
            if column.weight is not None:
                return neuron_arithmetic(scene, selected["layer"], selected["index"], sample)
        last = scene.columns[-1]
        if last.weight is None or last.a is None:
            return None
        return neuron_arithmetic(scene, last.name, int(np.argmax(np.abs(last.a[sample]))), sample)

    def _refresh(self, _change: Any = None) -> None:
        if self.view.scene is None:
            return  # the view was closed
        neuron = self.neuron
        self.arithmetic.value = _arithmetic_html(neuron)
        if neuron is None:
            return
        column = self.view.scene.column(neuron.layer)
        assert column.a is not None and column.weight is not None
        values = column.a[neuron.sample]
        with self.activations.batch_update():
            bar = self.activations.data[0]
            bar.x = list(range(len(values)))
            bar.y = values.tolist()
            bar.marker.color = [HIGHLIGHT if i == neuron.unit else BAR for i in range(len(values))]
            self.activations.layout.title.text = (
                f"{neuron.layer}: activations a (sample {neuron.sample})"
            )
        with self.weights.batch_update():
            row = column.weight[neuron.unit]
            bar = self.weights.data[0]
            bar.x = list(range(len(row)))
            bar.y = row.tolist()
            bar.marker.color = [BAR if w >= 0 else "#e08214" for w in row]
            self.weights.layout.title.text = f"weights into {neuron.layer}[{neuron.unit}]"


def _arithmetic_html(neuron: NeuronArithmetic | None) -> str:
    if neuron is None:
        return "<em>Select a neuron of a Linear layer in the view.</em>"
    rows = [
        f"<tr><td>w·a [{t.source}]</td><td>{t.weight:.4f} × {t.activation:.4f}</td>"
        f"<td>{t.product:+.4f}</td></tr>"
        for t in neuron.terms
    ]
    if neuron.hidden_terms:
        more = f"+ {neuron.hidden_terms} more terms"
        rows.append(f"<tr><td colspan=2>{more}</td><td>{neuron.rest:+.4f}</td></tr>")
    f = html.escape(neuron.activation or "identity")
    rows += [
        f"<tr><td colspan=2>+ b</td><td>{neuron.bias:+.4f}</td></tr>",
        f"<tr><th colspan=2>= z</th><th>{neuron.z:.4f}</th></tr>",
        f"<tr><th colspan=2>a = {f}(z)</th><th>{neuron.a:.4f}</th></tr>",
    ]
    title = html.escape(f"{neuron.layer} · neuron {neuron.unit} · sample {neuron.sample}")
    return (
        f"<div style='font: 12px system-ui, sans-serif'><b>{title}</b>"
        f"<table style='font-variant-numeric: tabular-nums'>{''.join(rows)}</table></div>"
    )
