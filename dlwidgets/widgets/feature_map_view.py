"""``FeatureMapView``: a CNN drawn as its feature maps, from the input to the class bars."""

from __future__ import annotations

import os
import pathlib
from typing import Any

import anywidget
import torch
import traitlets
from torch import nn

from dlwidgets import export
from dlwidgets.capture import Trace, trace
from dlwidgets.errors import DlwidgetsError
from dlwidgets.scene.feature_maps import (
    MAX_SIZE,
    TOP_K,
    FeatureScene,
    MapReducer,
    build_feature_scene,
    structure,
    values,
)
from dlwidgets.scene.pixel_detail import check_pixel, explain_pixel
from dlwidgets.widgets.network_view import LANGUAGES, STATIC


class FeatureMapView(anywidget.AnyWidget):
    """Draw a convolutional ``model`` on one image ``x``: every channel a small heatmap.

    Columns left to right: the input, each convolution or pooling output
    (activations and BatchNorm merged into the layer before), the flattened
    vector, and the output as labelled probability bars. Hover a map pixel
    for its value; click it (or set ``selected``) to light up its receptive
    field in every earlier map and to write out kernel × patch + bias = z and
    the activation with the real numbers.

    >>> view = dw.FeatureMapView(model, x, labels=[str(d) for d in range(10)])
    >>> view.selected = {"layer": "3", "channel": 2, "y": 1, "x": 1}
    >>> view.update(x_new)   # run the live model on another image
    >>> view.refresh()       # after training: the same image, the new weights

    ``x`` is ``[C, H, W]`` or a batch ``[B, C, H, W]`` (``sample`` picks the
    image drawn). Large layers are reduced on the model's device before the
    copy: the ``top_k`` most active channels are drawn and the others grouped
    into one mean map; maps larger than ``max_size`` are average-pooled; the
    view says what it reduced. ``color_range`` is ``"layer"`` (one scale per
    column) or ``"map"`` (one per map). ``lang`` is ``"en"`` or ``"vi"``.
    """

    _esm = STATIC / "feature_map_view.js"
    _css = STATIC / "feature_map_view.css"

    structure = traitlets.Dict().tag(sync=True)
    values = traitlets.Dict().tag(sync=True)
    selected = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    detail = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    color_range = traitlets.Enum(["layer", "map"], "layer").tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    lang = traitlets.Unicode("en").tag(sync=True)

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        *,
        sample: int = 0,
        labels: list[str] | tuple[str, ...] | None = None,
        top_k: int = TOP_K,
        max_size: int = MAX_SIZE,
        lang: str = "en",
        **widget_kwargs: Any,
    ) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {LANGUAGES}, got {lang!r}")
        self._model: nn.Module | None = model
        self._labels = list(labels) if labels is not None else None
        self._reducer = MapReducer(sample, top_k, max_size)
        self._revision = 0
        self._trace, self._scene, self._input = self._run(model, x)
        super().__init__(
            structure=structure(self._scene),
            values=values(self._scene, self._revision),
            lang=lang,
            **widget_kwargs,
        )

    def __repr__(self) -> str:
        if self._scene is None:
            return "FeatureMapView(closed)"
        return f"FeatureMapView({len(self._scene.columns)} columns, sample {self._scene.sample})"

    @property
    def trace(self) -> Trace:
        """The (reduced) trace of the last forward pass drawn."""
        return self._trace

    @property
    def scene(self) -> FeatureScene:
        """The columns drawn, with the values the page shows."""
        return self._scene

    @property
    def model(self) -> nn.Module:
        if self._model is None:
            raise DlwidgetsError("this FeatureMapView is closed; create a new one")
        return self._model

    def update(self, x: torch.Tensor, *, sample: int | None = None) -> None:
        """Run the live model on a new image (or batch) and redraw."""
        if sample is not None:
            self._reducer.sample = sample
        self._redraw(x)

    def refresh(self) -> None:
        """Re-run the last image with the current weights (after training) and redraw."""
        self._redraw(self._input)

    def save_html(self, path: str | os.PathLike[str], *, title: str | None = None) -> pathlib.Path:
        """One self-contained offline page of this view (hover works; clicks need the kernel)."""
        return export.save_html(self, path, title=title)

    def close(self) -> None:
        """Close the view in the page and drop every reference to the model and its data."""
        self._trace = self._scene = self._input = None  # type: ignore[assignment]
        self._model = None
        super().close()

    # -- internals ----------------------------------------------------------------

    def _run(self, model: nn.Module, x: torch.Tensor) -> tuple[Trace, FeatureScene, torch.Tensor]:
        if not isinstance(x, torch.Tensor) or x.dim() not in (3, 4):
            shape = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(
                f"FeatureMapView needs one image [C, H, W] or a batch [B, C, H, W], got {shape}"
            )
        x = (x.unsqueeze(0) if x.dim() == 3 else x).detach().clone()
        if not 0 <= self._reducer.sample < x.shape[0]:
            raise ValueError(
                f"sample {self._reducer.sample} is outside the batch of {x.shape[0]} images"
            )
        self._reducer.shapes.clear()
        tr = trace(model, x, reduce=self._reducer)
        return tr, build_feature_scene(tr, self._reducer, labels=self._labels), x

    def _redraw(self, x: torch.Tensor) -> None:
        try:
            tr, scene, x = self._run(self.model, x)
        except (DlwidgetsError, ValueError) as exc:
            self.error = str(exc)
            raise
        self._trace, self._scene, self._input = tr, scene, x
        self._revision += 1
        shape = structure(scene)
        with self.hold_sync():
            if shape != self.structure:
                self.structure = shape
            self.values = values(scene, self._revision)
            self.error = ""
            if self.selected is not None and not _exists(scene, self.selected):
                self.selected = None  # the pixel is gone from the new structure
            else:
                self._explain(self.selected)

    @traitlets.validate("selected")
    def _valid_selected(self, proposal: dict[str, Any]) -> dict[str, Any] | None:
        value = proposal["value"]
        if value is None:
            return None
        try:
            pixel = {"layer": str(value["layer"])}
            pixel.update({k: int(value[k]) for k in ("channel", "y", "x")})
            check_pixel(self._scene, pixel["layer"], pixel["channel"], pixel["y"], pixel["x"])
        except (KeyError, ValueError, TypeError) as exc:
            raise traitlets.TraitError(f"selected: {exc}") from None
        return pixel

    @traitlets.observe("selected")
    def _on_selected(self, change: dict[str, Any]) -> None:
        self._explain(change["new"])

    def _explain(self, pixel: dict[str, Any] | None) -> None:
        """The receptive field and arithmetic of the selected pixel (errors shown in the view)."""
        if pixel is None or self._scene is None:
            self.detail = None
            return
        try:
            self.detail = explain_pixel(
                self.model, (self._input,), self._trace, self._scene,
                pixel["layer"], pixel["channel"], pixel["y"], pixel["x"],
            )  # fmt: skip
        except Exception as exc:  # the boundary with the page: report, never crash the comm
            self.detail = None
            self.error = f"{type(exc).__name__}: {exc}"


def _exists(scene: FeatureScene, pixel: dict[str, Any]) -> bool:
    try:
        check_pixel(scene, pixel["layer"], pixel["channel"], pixel["y"], pixel["x"])
    except (KeyError, ValueError):
        return False
    return True
