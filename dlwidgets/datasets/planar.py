"""Toy data on the plane, as TensorFlow Playground defines it (``src/dataset.ts``).

Every function returns ``(X, y)``: ``X`` float32 of shape ``(n, 2)`` in about
[-6, 6]², ``y`` int64 class indices (classification) or float32 targets in
[-1, 1] (regression). ``noise`` runs from 0 to 0.5, as Playground's 0–50 %;
the same ``seed`` always gives the same points.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Points = tuple[np.ndarray, np.ndarray]
RADIUS = 6.0  # the regression sets fill [-6, 6]²


def _check(n: int, noise: float, classes: int = 2) -> None:
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    if not 0 <= noise <= 1:
        raise ValueError(f"noise must be between 0 and 1, got {noise}")
    if classes < 2:
        raise ValueError(f"classes must be at least 2, got {classes}")


def _points(x: np.ndarray, y: np.ndarray, labels: np.ndarray) -> Points:
    X = np.stack([x, y], axis=1).astype(np.float32)
    return X, labels


def circle(n: int = 500, noise: float = 0.0, seed: int = 0) -> Points:
    """Class 1 inside a circle of radius 2.5, class 0 in a ring from 3.5 to 5 around it.

    Noise moves the point used for the label, so noisy labels cross the border.
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    radius = 5.0
    inner = n // 2
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, n - inner)]
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(angle), r * np.cos(angle)
    jitter = rng.uniform(-radius, radius, (2, n)) * noise
    labels = (np.hypot(x + jitter[0], y + jitter[1]) < radius * 0.5).astype(np.int64)
    return _points(x, y, labels)


def xor(n: int = 500, noise: float = 0.0, seed: int = 0) -> Points:
    """Class 1 where x1·x2 ≥ 0 (first and third quadrants), class 0 elsewhere."""
    _check(n, noise)
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-5, 5, (2, n))
    padding = 0.3  # keeps the points off the axes
    x, y = x + np.where(x > 0, padding, -padding), y + np.where(y > 0, padding, -padding)
    jitter = rng.uniform(-5, 5, (2, n)) * noise
    labels = ((x + jitter[0]) * (y + jitter[1]) >= 0).astype(np.int64)
    return _points(x, y, labels)


def gauss(n: int = 500, noise: float = 0.0, seed: int = 0, classes: int = 2) -> Points:
    """One Gaussian cluster per class; noise widens them (variance 0.5 to 4).

    Two classes sit at (2, 2) (class 1) and (-2, -2) (class 0), as in
    Playground; more are spread on a circle of radius 3.5.
    """
    _check(n, noise, classes)
    rng = np.random.default_rng(seed)
    variance = 0.5 + 3.5 * min(noise, 0.5) / 0.5
    if classes == 2:
        centres = np.array([[-2.0, -2.0], [2.0, 2.0]])
    else:
        angle = 2 * np.pi * np.arange(classes) / classes + np.pi / 4
        centres = 3.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    labels = np.arange(n, dtype=np.int64) * classes // n
    xy = centres[labels] + rng.normal(0, np.sqrt(variance), (n, 2))
    return _points(xy[:, 0], xy[:, 1], labels)


def spiral(n: int = 500, noise: float = 0.0, seed: int = 0, classes: int = 2) -> Points:
    """Interleaved spiral arms, one per class, 1.75 turns each out to radius 5."""
    _check(n, noise, classes)
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.int64) * classes // n
    per_class = np.bincount(labels, minlength=classes)
    i = np.concatenate([np.arange(k) / k for k in per_class])  # 0 → 1 along each arm
    # Playground's two arms: class 1 starts at angle 0, class 0 half a turn later.
    delta = 2 * np.pi * ((classes - labels) % classes) / classes
    r = i * 5
    t = 1.75 * i * 2 * np.pi + delta
    x = r * np.sin(t) + rng.uniform(-1, 1, n) * noise
    y = r * np.cos(t) + rng.uniform(-1, 1, n) * noise
    return _points(x, y, labels)


def _regression(
    n: int, noise: float, seed: int, label: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> Points:
    _check(n, noise)
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(-RADIUS, RADIUS, (2, n))
    jitter = rng.uniform(-RADIUS, RADIUS, (2, n)) * noise
    target = np.clip(label(x + jitter[0], y + jitter[1]), -1, 1)
    return _points(x, y, target.astype(np.float32))


def reg_plane(n: int = 500, noise: float = 0.0, seed: int = 0) -> Points:
    """Regression: the target is (x1 + x2) / 10, a tilted plane (clipped to [-1, 1])."""
    return _regression(n, noise, seed, lambda x, y: (x + y) / 10)


# (centre x, centre y, sign) of Playground's six bumps
_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def _bumps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    distance = np.hypot(x[:, None] - _BUMPS[:, 0], y[:, None] - _BUMPS[:, 1])
    heights = _BUMPS[:, 2] * np.clip(1 - distance / 2, 0, 1)
    strongest = np.argmax(np.abs(heights), axis=1)
    return heights[np.arange(len(x)), strongest]


def reg_gauss(n: int = 500, noise: float = 0.0, seed: int = 0) -> Points:
    """Regression: six signed bumps; the target is the strongest bump at the point."""
    return _regression(n, noise, seed, _bumps)


# name → generator, for the Playground's dataset menu
PLANAR: dict[str, Callable[..., Points]] = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "reg_plane": reg_plane,
    "reg_gauss": reg_gauss,
}
