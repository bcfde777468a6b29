"""The Playground's settings: one validated, JSON-able record.

``PlaygroundConfig.from_dict`` checks every key and value and names the bad
one; ``to_dict`` gives back the plain dict that ``dw.Playground(**config)``
accepts, so a lesson can be saved and opened exactly as its author set it up.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from dlwidgets.datasets import PLANAR
from dlwidgets.playground.features import FEATURES

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
REGULARIZATIONS = ("none", "l1", "l2")
REGRESSION_SETS = ("reg_plane", "reg_gauss")
MULTICLASS_SETS = ("gauss", "spiral")
CUSTOM = "custom"
DATASETS = (*PLANAR, CUSTOM)
LANGUAGES = ("en", "vi")
MAX_LAYERS = 6  # hidden layers, as in TensorFlow Playground
MAX_NEURONS = 8  # per hidden layer
MAX_CLASSES = 8
# Settings whose change draws new points or a new input layer: the network starts again.
RESTART_KEYS = frozenset(
    {"dataset", "noise", "samples", "classes", "train_fraction", "seed", "features", "X", "y"}
)
# What a lesson can hide: every setting with a control, and the buttons and the chart.
CONTROLS = (
    "play", "step", "reset", "dataset", "classes", "noise", "train_fraction", "batch_size",
    "features", "layers", "activation", "learning_rate", "regularization",
    "regularization_rate", "loss_chart",
)  # fmt: skip


class ConfigError(ValueError):
    """A setting the Playground cannot take; the message names the key and the value."""


@dataclass(frozen=True)
class PlaygroundConfig:
    """Every setting of a Playground. ``activation`` holds one name per hidden layer."""

    dataset: str = "circle"
    noise: float = 0.0
    samples: int = 500
    classes: int = 2
    train_fraction: float = 0.5
    batch_size: int = 10
    features: tuple[str, ...] = ("x1", "x2")
    layers: tuple[int, ...] = (4, 2)
    activation: tuple[str, ...] = ("tanh", "tanh")
    learning_rate: float = 0.03
    regularization: str = "none"
    regularization_rate: float = 0.0
    seed: int = 0
    grid: int = 64
    lang: str = "en"
    hidden: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    # The user's own points (plain lists, so the config stays JSON-able), for dataset "custom".
    X: tuple[tuple[float, float], ...] | None = field(default=None, repr=False)
    y: tuple[float, ...] | None = field(default=None, repr=False)
    # whether y holds class indices (worked out from the user's y; not a setting)
    _custom_integer: bool = field(default=True, repr=False)

    @property
    def problem(self) -> str:
        """``"classification"`` or ``"regression"``."""
        if self.dataset == CUSTOM:
            return "classification" if self._custom_integer else "regression"
        return "regression" if self.dataset in REGRESSION_SETS else "classification"

    @property
    def outputs(self) -> int:
        """Output units: one for binary classification and regression, else one per class."""
        return self.classes if self.problem == "classification" and self.classes > 2 else 1

    @property
    def settings(self) -> tuple[str, ...]:
        """The names of the settings (every key but the lesson's and the data's)."""
        hidden = ("hidden", "fixed", "X", "y", "_custom_integer")
        return tuple(f.name for f in fields(self) if f.name not in hidden)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PlaygroundConfig:
        """A checked config from keyword values; unknown keys and bad values raise ConfigError."""
        return _checked(cls(), dict(values))

    def with_changes(self, **changes: Any) -> PlaygroundConfig:
        """A checked copy with some settings changed (new layers keep their activations)."""
        return _checked(self, changes)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of every setting (lists, not tuples), for JSON and ``Playground(**d)``."""
        result = {k: _plain(v) for k, v in asdict(self).items() if not k.startswith("_")}
        if result["X"] is None:
            del result["X"], result["y"]
        return result


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _number(key: str, value: Any, low: float, high: float, *, integer: bool = False) -> Any:
    kind = int if integer else float
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or not (low <= value <= high) or (not integer and math.isnan(value)):
        what = "an integer" if integer else "a number"
        raise ConfigError(f"{key} must be {what} from {low} to {high}, got {value!r}")
    return kind(value)


def _choice(key: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {list(allowed)}, got {value!r}")
    return str(value)


def _names(key: str, value: Any, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError(f"{key} must be a list of names from {list(allowed)}, got {value!r}")
    for name in value:
        _choice(key, name, allowed)
    if len(set(value)) != len(value):
        raise ConfigError(f"{key} lists a name twice: {list(value)}")
    return tuple(value)


def _checked(base: PlaygroundConfig, values: dict[str, Any]) -> PlaygroundConfig:
    known = {f.name for f in fields(base) if not f.name.startswith("_")}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(
            f"unknown Playground setting {unknown[0]!r}; the settings are {sorted(known)}"
        )
    merged = {**base.to_dict(), "X": base.X, "y": base.y, **values}
    out: dict[str, Any] = {}
    out["dataset"] = _choice("dataset", merged["dataset"], DATASETS)
    out["noise"] = _number("noise", merged["noise"], 0, 0.5)
    out["samples"] = _number("samples", merged["samples"], 10, 5000, integer=True)
    out["classes"] = _number("classes", merged["classes"], 2, MAX_CLASSES, integer=True)
    out["train_fraction"] = _number("train_fraction", merged["train_fraction"], 0.1, 0.9)
    out["batch_size"] = _number("batch_size", merged["batch_size"], 1, 1000, integer=True)
    features = _names("features", merged["features"], tuple(FEATURES))
    if not features:
        raise ConfigError("features must name at least one input feature, got []")
    out["features"] = features
    out["layers"] = _layers(merged["layers"])
    activation = merged["activation"]
    if "activation" not in values and not isinstance(activation, str):
        # new layers without names: keep the names there are, the last one for new layers
        last = activation[-1] if activation else "tanh"
        activation = [*activation, *[last] * len(out["layers"])][: len(out["layers"])]
    out["activation"] = _activations(activation, len(out["layers"]))
    out["learning_rate"] = _number("learning_rate", merged["learning_rate"], 1e-6, 100)
    out["regularization"] = _choice("regularization", merged["regularization"], REGULARIZATIONS)
    out["regularization_rate"] = _number(
        "regularization_rate", merged["regularization_rate"], 0, 100
    )
    out["seed"] = _number("seed", merged["seed"], 0, 2**31 - 1, integer=True)
    out["grid"] = _number("grid", merged["grid"], 8, 256, integer=True)
    out["lang"] = _choice("lang", merged["lang"], LANGUAGES)
    out["hidden"] = _names("hidden", merged["hidden"], CONTROLS)
    out["fixed"] = _names("fixed", merged["fixed"], base.settings)
    out.update(_data(out, merged["X"], merged["y"]))
    return replace(base, **out)


def _layers(value: Any) -> tuple[int, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ConfigError(f"layers must be a list of hidden layer widths, got {value!r}")
    if len(value) > MAX_LAYERS:
        raise ConfigError(f"layers: at most {MAX_LAYERS} hidden layers, got {len(value)}")
    return tuple(
        _number(f"layers[{i}]", n, 1, MAX_NEURONS, integer=True) for i, n in enumerate(value)
    )


def _activations(value: Any, layers: int) -> tuple[str, ...]:
    if isinstance(value, str):
        return (_choice("activation", value, ACTIVATIONS),) * layers
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"activation must be a name or one name per layer, got {value!r}")
    names = tuple(_choice(f"activation[{i}]", a, ACTIVATIONS) for i, a in enumerate(value))
    if len(names) != layers:
        raise ConfigError(
            f"activation names {len(names)} layers but layers has {layers}: {list(names)}"
        )
    return names


def _data(out: dict[str, Any], X: Any, y: Any) -> dict[str, Any]:
    """The user's points as tuples, their class count, and whether y holds class indices."""
    if out["dataset"] != CUSTOM:
        if X is not None or y is not None:
            raise ConfigError(f"X and y go with dataset 'custom', not {out['dataset']!r}")
        if out["classes"] != 2 and out["dataset"] not in MULTICLASS_SETS:
            raise ConfigError(
                f"classes: dataset {out['dataset']!r} has 2 classes, got {out['classes']}"
            )
        return {"X": None, "y": None, "_custom_integer": True}
    if X is None or y is None:
        raise ConfigError("dataset 'custom' needs the points: Playground(X=..., y=...)")
    return custom_data(X, y)


def custom_data(X: Any, y: Any) -> dict[str, Any]:
    """Check the user's ``X`` (n, 2) and ``y`` (n,): NumPy, torch or lists.

    Integer labels make a classification problem (classes 0…k-1), floats a regression.
    """
    import numpy as np

    if hasattr(X, "detach"):
        X, y = X.detach().cpu().numpy(), (y.detach().cpu().numpy() if hasattr(y, "detach") else y)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ConfigError(f"X must have shape (n, 2): two input features, got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ConfigError(f"y must have shape ({X.shape[0]},), one target per point, got {y.shape}")
    if X.shape[0] < 4:
        raise ConfigError(f"X needs at least 4 points, got {X.shape[0]}")
    if not np.isfinite(X).all() or not np.isfinite(y.astype(float)).all():
        raise ConfigError("X and y must be finite numbers (no NaN or inf)")
    integer = y.dtype.kind in "iub" or (
        y.dtype.kind == "O" and all(float(v).is_integer() for v in y)
    )
    classes = 2
    if integer:
        labels = y.astype(np.int64)
        if labels.min() < 0 or labels.max() >= MAX_CLASSES:
            low, high = labels.min(), labels.max()
            raise ConfigError(
                f"y: class labels must be 0 to {MAX_CLASSES - 1}, got {low} to {high}"
            )
        classes = max(2, int(labels.max()) + 1)
        y_out = tuple(int(v) for v in labels)
    else:
        y_out = tuple(float(v) for v in y)
    return {
        "X": tuple((float(a), float(b)) for a, b in X),
        "y": y_out,
        "classes": classes,
        "_custom_integer": integer,
    }
