"""RecurrentScene → the trait values ``RecurrentView`` reads: small JSON plus binary arrays.

``topology`` changes with the structure (cell, layers, units, steps drawn);
``values`` once per input: every array of every band in one message.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlwidgets.scene.recurrent import RecurrentScene
from dlwidgets.wire import encode


def topology(scene: RecurrentScene) -> dict[str, Any]:
    """The structure: the cell, its gates, the steps drawn, and the bands bottom to top
    (input ``x``, each stacked layer ``h0``, ``h1``…, output ``y``) with the true index
    of each unit drawn."""
    bands: list[dict[str, Any]] = [
        _band("x", "input", -1, scene.input_units, scene.input_size),
        *(_band(f"h{b.layer}", "hidden", b.layer, b.units, b.total_units) for b in scene.bands),
    ]
    if scene.outputs is not None and scene.output_units is not None:
        bands.append(_band("y", "output", -1, scene.output_units, scene.output_size))
    return {
        "kind": "recurrent",
        "module": scene.module,
        "cell": scene.kind,
        "nonlinearity": scene.nonlinearity,
        "gates": list(scene.gates),
        "steps": scene.steps,
        "first_step": scene.first_step,
        "total_steps": scene.total_steps,
        "samples": scene.samples,
        "sample": scene.sample,
        "output_steps": scene.output_steps,
        "bands": bands,
    }


def values(scene: RecurrentScene, revision: int) -> dict[str, Any]:
    """One input's numbers: per band its arrays as binary (``a``: the values drawn; for
    hidden bands also the sums, initial state, weights drawn, gates and cell state), the
    step labels and the colour ranges."""
    hidden = [b.h for b in scene.bands]
    cells = [b.cell for b in scene.bands if b.cell is not None]
    bands: list[dict[str, Any]] = [{"a": encode(scene.inputs)}]
    for b in scene.bands:
        arrays = {
            "a": b.h, "pre_ih": b.pre_ih, "pre_hh": b.pre_hh, "h0": b.h0,
            "w_in": b.w_in, "w_hh": b.w_hh, "gates": b.gates, "cell": b.cell, "c0": b.c0,
        }  # fmt: skip
        bands.append({k: None if v is None else encode(v) for k, v in arrays.items()})
    if scene.outputs is not None:
        bands.append({"a": encode(scene.outputs)})
    weights = [np.abs(w).max(initial=0.0) for b in scene.bands for w in (b.w_in, b.w_hh)]
    return {
        "revision": revision,
        "labels": scene.labels,
        "agreement": scene.agreement,
        "ranges": {
            "input": _range(scene.inputs),
            "hidden": _range(*hidden),
            "output": _range(scene.outputs),
            "cell": _range(*cells),
            "weight": float(max(weights, default=1.0)) or 1.0,
        },
        "bands": bands,
    }


def _band(name: str, role: str, layer: int, units: np.ndarray, total: int) -> dict[str, Any]:
    return {
        "name": name,
        "role": role,
        "layer": layer,
        "units": len(units),
        "total_units": total,
        "unit_index": [int(u) for u in units],
    }


def _range(*arrays: np.ndarray | None) -> float:
    """The largest |value| (1 when there is none), for the colour scale."""
    found = [float(np.abs(a).max()) for a in arrays if a is not None and a.size]
    return max(found, default=1.0) or 1.0
