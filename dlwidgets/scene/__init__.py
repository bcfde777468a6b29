"""Trace → Scene: what to draw. Pure Python, no widget code."""

from dlwidgets.scene.dense import Column, DenseScene, build_dense_scene

__all__ = ["Column", "DenseScene", "build_dense_scene"]
