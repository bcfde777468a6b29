"""The widget classes: thin; they own traits and call capture and scene."""

from dlwidgets.widgets.inspector import Inspector
from dlwidgets.widgets.network_view import NetworkView
from dlwidgets.widgets.playground import Playground

__all__ = ["Inspector", "NetworkView", "Playground"]
