"""The widget classes: thin; they own traits and call capture and scene."""

from dlwidgets.widgets.feature_map_view import FeatureMapView
from dlwidgets.widgets.inspector import Inspector
from dlwidgets.widgets.network_view import NetworkView
from dlwidgets.widgets.playground import Playground
from dlwidgets.widgets.recurrent_view import RecurrentView

__all__ = ["FeatureMapView", "Inspector", "NetworkView", "Playground", "RecurrentView"]
