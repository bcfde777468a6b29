"""Small built-in data sets: plain functions returning NumPy arrays."""

from dlwidgets.datasets.planar import PLANAR, circle, gauss, reg_gauss, reg_plane, spiral, xor

__all__ = ["PLANAR", "circle", "gauss", "reg_gauss", "reg_plane", "spiral", "xor"]
