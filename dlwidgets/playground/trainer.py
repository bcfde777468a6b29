"""Training a Playground network in PyTorch, one epoch at a time, on the model's device.

Every method takes ``Trainer.lock``: a background thread training and the
notebook changing a setting never see a half-done step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from dlwidgets.datasets import PLANAR
from dlwidgets.playground.config import CUSTOM, MULTICLASS_SETS, RESTART_KEYS, PlaygroundConfig
from dlwidgets.playground.features import expand
from dlwidgets.playground.grid import Extent, NeuronMaps, neuron_maps
from dlwidgets.playground.network import (
    ACTIVATION_MODULES,
    build_network,
    linears,
    resized,
    widths,
)

PLANE: Extent = (-6.0, 6.0, -6.0, 6.0)  # where the built-in sets live
MAX_HISTORY = 20_000  # loss history entries kept; older ones are thinned


@dataclass
class Split:
    """Points (n, 2) and their targets, on the CPU, as drawn in the page."""

    X: np.ndarray
    y: np.ndarray


@dataclass
class Frame:
    """What the page draws after an epoch: losses, every weight, every neuron's map."""

    epoch: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None  # None for regression
    test_accuracy: float | None
    widths: list[int]  # units per column: inputs, hidden layers, outputs
    params: np.ndarray  # float32: each Linear's weight (out × in, row-major) then its bias
    maps: NeuronMaps


class Trainer:
    """A Playground's data, network and optimiser; ``train_epoch`` does one pass in batches.

    Loss: binary cross-entropy on one logit for two classes, cross-entropy for
    more, mean squared error for regression; plus ``regularization_rate`` times
    Σ|w| (L1) or ½Σw² (L2) over the weights (not the biases). Plain SGD, as in
    TensorFlow Playground.
    """

    def __init__(self, config: PlaygroundConfig, device: torch.device | str | None = None) -> None:
        self.lock = threading.RLock()
        self.device = torch.device(device if device is not None else "cpu")
        self.config = config
        # (epoch, train loss, test loss) after each epoch, thinned past MAX_HISTORY entries
        self.history: list[tuple[int, float, float]] = []
        self._load_data()
        self.reset()

    # -- state ------------------------------------------------------------------------

    @property
    def model(self) -> nn.Sequential:
        """The live network (``nn.Sequential``: Linear, activation, …, Linear)."""
        return self._model

    @property
    def extent(self) -> Extent:
        """The part of the plane drawn: [-6, 6]² for the built-in sets, around the user's points."""
        if self.config.dataset != CUSTOM:
            return PLANE
        X = np.concatenate([self.train.X, self.test.X])
        low, high = X.min(axis=0), X.max(axis=0)
        centre, half = (low + high) / 2, max(float((high - low).max()) / 2 * 1.1, 1e-3)
        return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)

    def reset(self) -> None:
        """A fresh network from the config's seed, epoch 0, no loss history."""
        with self.lock:
            c = self.config
            inputs = len(c.features)
            self._model = build_network(
                inputs, c.layers, c.activation, c.outputs, seed=c.seed, device=self.device
            )
            self._edits = 0
            self._new_optimizer()
            self._order = torch.Generator().manual_seed(c.seed)
            self.epoch = 0
            self.history = []
            self._evaluate()

    # -- settings -----------------------------------------------------------------------

    def configure(self, config: PlaygroundConfig, keep: Sequence[int | None] | None = None) -> None:
        """Take new settings: new points or inputs restart the network; new layers keep the
        weights that still fit (``keep`` as in :func:`resized`); the rest applies at once."""
        with self.lock:
            old, self.config = self.config, config
            if any(getattr(old, k) != getattr(config, k) for k in RESTART_KEYS):
                self._load_data()
                self.reset()
            elif old.layers != config.layers or keep is not None:
                self._edits += 1
                self._model = resized(
                    self._model,
                    config.layers,
                    config.activation,
                    seed=config.seed + 7919 * self._edits,
                    keep=keep,
                )
                self._new_optimizer()
                self._score()
            elif old.activation != config.activation:
                for i, name in enumerate(config.activation):
                    self._model[2 * i + 1] = ACTIVATION_MODULES[name]()
                self._score()
            self._optimizer.param_groups[0]["lr"] = config.learning_rate

    # -- training -------------------------------------------------------------------------

    def train_epoch(self, after_batch: Callable[[], None] | None = None) -> None:
        """One pass over the training points in shuffled batches of ``batch_size``.

        ``after_batch`` is called after each optimiser step (still holding the lock).
        """
        with self.lock:
            c = self.config
            model, x, y = self._model, self._x_train, self._y_train
            model.train()
            order = torch.randperm(len(x), generator=self._order).to(self.device)
            for start in range(0, len(x), c.batch_size):
                batch = order[start : start + c.batch_size]
                loss = self._loss(model(x[batch]), y[batch]) + self._penalty()
                self._optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self._optimizer.step()
                if after_batch is not None:
                    after_batch()
            self.epoch += 1
            self._evaluate()

    def losses(self) -> tuple[float, float]:
        """Mean loss on the training and the test points (without the penalty)."""
        with self.lock, torch.no_grad():
            train = self._loss(self._model(self._x_train), self._y_train)
            test = self._loss(self._model(self._x_test), self._y_test)
            return float(train), float(test)

    def accuracy(self, split: str = "train") -> float:
        """The share of ``split`` ("train" or "test") points classified right (0 to 1)."""
        if self.config.problem != "classification":
            raise ValueError("accuracy is for classification; this Playground does regression")
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        x, y = (self._x_train, self._y_train) if split == "train" else (self._x_test, self._y_test)
        with self.lock, torch.no_grad():
            return float((_predicted(self._model(x)) == y).float().mean())

    def frame(self) -> Frame:
        """Losses, weights and every neuron's map over the grid, as the page draws them."""
        with self.lock:
            c = self.config
            maps = neuron_maps(self._model, c.features, self.extent, c.grid, c.problem)
            params = torch.cat(
                [
                    p.detach().reshape(-1)
                    for layer in linears(self._model)
                    for p in layer.parameters()
                ]
            )
            classification = c.problem == "classification"
            scores = self._scores
            return Frame(
                epoch=self.epoch,
                train_loss=scores[0],
                test_loss=scores[1],
                train_accuracy=scores[2] if classification else None,
                test_accuracy=scores[3] if classification else None,
                widths=widths(self._model),
                params=params.float().cpu().numpy(),
                maps=maps,
            )

    # -- internals ------------------------------------------------------------------------

    def _evaluate(self) -> None:
        """Score the network after an epoch and add the losses to the history."""
        self._score()
        self.history.append((self.epoch, self._scores[0], self._scores[1]))
        if len(self.history) > MAX_HISTORY:  # hours of training: keep every other epoch
            self.history = [*self.history[:-1:2], self.history[-1]]

    def _score(self) -> None:
        """Losses and accuracies on both splits, one forward pass each (accuracy 0: regression)."""
        scores: list[float] = []
        with torch.no_grad():
            for x, y in ((self._x_train, self._y_train), (self._x_test, self._y_test)):
                out = self._model(x)
                scores.append(float(self._loss(out, y)))
                if self.config.problem == "classification":
                    scores.append(float((_predicted(out) == y).float().mean()))
                else:
                    scores.append(0.0)
        self._scores = (scores[0], scores[2], scores[1], scores[3])

    def _load_data(self) -> None:
        c = self.config
        if c.dataset == CUSTOM:
            X = np.asarray(c.X, dtype=np.float32)
            y = np.asarray(c.y, dtype=np.int64 if c.problem == "classification" else np.float32)
        else:
            extra = {"classes": c.classes} if c.dataset in MULTICLASS_SETS else {}
            X, y = PLANAR[c.dataset](c.samples, c.noise, seed=c.seed, **extra)
        order = np.random.default_rng(c.seed).permutation(len(X))
        cut = min(max(1, round(len(X) * c.train_fraction)), len(X) - 1)
        self.train = Split(X[order[:cut]], y[order[:cut]])
        self.test = Split(X[order[cut:]], y[order[cut:]])
        self._x_train, self._y_train = self._tensors(self.train)
        self._x_test, self._y_test = self._tensors(self.test)

    def _tensors(self, split: Split) -> tuple[torch.Tensor, torch.Tensor]:
        points = torch.from_numpy(split.X).to(self.device)
        return expand(points, self.config.features), torch.from_numpy(split.y).to(self.device)

    def _new_optimizer(self) -> None:
        self._optimizer = torch.optim.SGD(self._model.parameters(), lr=self.config.learning_rate)

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.config.problem == "regression":
            return nn.functional.mse_loss(out[:, 0], y)
        if out.shape[1] == 1:
            # BCE with logits written out: torch's own runs log_sigmoid through its thread
            # pool, which costs tens of ms a batch on a busy machine
            logit = out[:, 0]
            return (nn.functional.softplus(logit) - y.float() * logit).mean()
        return nn.functional.cross_entropy(out, y)

    def _penalty(self) -> torch.Tensor | float:
        c = self.config
        if c.regularization == "none" or c.regularization_rate == 0:
            return 0.0
        weights = [layer.weight for layer in linears(self._model)]
        if c.regularization == "l1":
            return c.regularization_rate * sum(w.abs().sum() for w in weights)
        return c.regularization_rate * 0.5 * sum(w.pow(2).sum() for w in weights)


def _predicted(out: torch.Tensor) -> torch.Tensor:
    """Class indices from the network's output: one logit (two classes) or one per class."""
    return (out[:, 0] > 0).long() if out.shape[1] == 1 else out.argmax(1)
