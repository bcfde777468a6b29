"""Small built-in data sets for the course notebooks (nothing is downloaded)."""

from dlwidgets.datasets.digits import Digits as Digits
from dlwidgets.datasets.digits import digits as digits
from dlwidgets.datasets.sequences import CharText as CharText
from dlwidgets.datasets.sequences import char_text as char_text
from dlwidgets.datasets.sequences import count_ones as count_ones
from dlwidgets.datasets.sequences import sine_windows as sine_windows
