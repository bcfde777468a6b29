"""Small built-in data sets, seeded, as torch tensors."""

from dlwidgets.datasets.sequences import CharText, char_text, count_ones, sine_windows

__all__ = ["CharText", "char_text", "count_ones", "sine_windows"]
