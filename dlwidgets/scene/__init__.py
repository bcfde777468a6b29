"""Trace → Scene: what to draw. Pure Python, no widget code."""

from dlwidgets.scene.network import Column, NetworkScene, build_scene

__all__ = ["Column", "NetworkScene", "build_scene"]
