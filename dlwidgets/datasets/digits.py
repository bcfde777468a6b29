"""scikit-learn's 8×8 handwritten digits, as tensors ready for a small CNN.

The 1,797 images ship inside scikit-learn: nothing is downloaded.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

DIGIT_LABELS = tuple(str(d) for d in range(10))


class Digits(NamedTuple):
    """A seeded train/test split: images ``[n, 1, 8, 8]`` float32 in [0, 1], labels int64."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    labels: tuple[str, ...] = DIGIT_LABELS


def digits(test_fraction: float = 0.25, seed: int = 0) -> Digits:
    """The 8×8 digits split into train and test sets, shuffled with ``seed``.

    >>> data = dw.datasets.digits()
    >>> data.x_train.shape, data.x_test.shape
    (torch.Size([1348, 1, 8, 8]), torch.Size([449, 1, 8, 8]))
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - scikit-learn is a dependency
        raise ImportError(
            "dw.datasets.digits needs scikit-learn: pip install scikit-learn"
        ) from exc
    data = load_digits()
    images = torch.tensor(data.images, dtype=torch.float32).unsqueeze(1) / 16.0
    targets = torch.tensor(data.target, dtype=torch.int64)
    order = torch.randperm(len(targets), generator=torch.Generator().manual_seed(seed))
    n_test = round(len(targets) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return Digits(images[train], targets[train], images[test], targets[test])
