"""Model → Trace: hooks record every layer call. Knows nothing of widgets."""

from dlwidgets.capture.record import Layer, Trace
from dlwidgets.capture.tracer import trace

__all__ = ["Layer", "Trace", "trace"]
