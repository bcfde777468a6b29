"""Exceptions raised by dlwidgets. Each message names the layer and the shapes involved."""

from __future__ import annotations


class DlwidgetsError(Exception):
    """Base class of every error dlwidgets raises on purpose."""


class TraceError(DlwidgetsError, RuntimeError):
    """The model's forward pass failed while being traced.

    ``layer`` is the record where it happened (``None`` when it happened
    outside any module call) and ``input_shapes`` the shapes that record read.
    The original exception is chained as ``__cause__``.
    """

    def __init__(
        self,
        message: str,
        *,
        layer: str | None = None,
        input_shapes: tuple[tuple[int, ...], ...] = (),
    ) -> None:
        super().__init__(message)
        self.layer = layer
        self.input_shapes = input_shapes


class UnsupportedModelError(DlwidgetsError, ValueError):
    """A view cannot draw this model (yet); the message says which layer and why."""

    def __init__(self, message: str, *, layer: str | None = None) -> None:
        super().__init__(message)
        self.layer = layer
