"""dlwidgets: Jupyter widgets that draw a live PyTorch model neuron by neuron."""

from dlwidgets import datasets
from dlwidgets.capture import Layer, Trace, trace
from dlwidgets.errors import DlwidgetsError, TraceError, UnsupportedModelError
from dlwidgets.widgets import FeatureMapView, Inspector, NetworkView, Playground, RecurrentView

__all__ = [
    "DlwidgetsError",
    "FeatureMapView",
    "Inspector",
    "Layer",
    "NetworkView",
    "Playground",
    "RecurrentView",
    "Trace",
    "TraceError",
    "UnsupportedModelError",
    "datasets",
    "trace",
]
