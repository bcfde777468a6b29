"""dlwidgets: Jupyter widgets that draw a live PyTorch model neuron by neuron."""

from dlwidgets.capture import Layer, Trace, trace
from dlwidgets.errors import DlwidgetsError, TraceError, UnsupportedModelError
from dlwidgets.widgets import Inspector, NetworkView, Playground

__all__ = [
    "DlwidgetsError",
    "Inspector",
    "Layer",
    "NetworkView",
    "Playground",
    "Trace",
    "TraceError",
    "UnsupportedModelError",
    "trace",
]
