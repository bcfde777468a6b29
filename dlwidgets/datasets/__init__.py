"""Small built-in data sets for the course notebooks (nothing is downloaded).

- planar 2-D sets for the Playground (NumPy arrays): circle, xor, gauss, spiral,
  reg_plane, reg_gauss;
- scikit-learn's 8×8 digits (torch tensors): digits;
- synthetic sequences (torch tensors): sine_windows, count_ones, char_text.
"""

from dlwidgets.datasets.digits import Digits as Digits
from dlwidgets.datasets.digits import digits as digits
from dlwidgets.datasets.planar import PLANAR as PLANAR
from dlwidgets.datasets.planar import circle as circle
from dlwidgets.datasets.planar import gauss as gauss
from dlwidgets.datasets.planar import reg_gauss as reg_gauss
from dlwidgets.datasets.planar import reg_plane as reg_plane
from dlwidgets.datasets.planar import spiral as spiral
from dlwidgets.datasets.planar import xor as xor
from dlwidgets.datasets.sequences import CharText as CharText
from dlwidgets.datasets.sequences import char_text as char_text
from dlwidgets.datasets.sequences import count_ones as count_ones
from dlwidgets.datasets.sequences import sine_windows as sine_windows
