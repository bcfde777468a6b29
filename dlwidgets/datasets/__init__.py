"""Small built-in data sets for the course notebooks (nothing is downloaded)."""

from dlwidgets.datasets.digits import Digits as Digits
from dlwidgets.datasets.digits import digits as digits
