"""Shared fixtures: small seeded models and a snapshot of everything a model holds."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import nn


def mlp_4883(seed: int = 0) -> nn.Sequential:
    """The 4-8-8-3 network the issues and the browser tests use."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))


class NamedNet(nn.Module):
    """A module with named layers and a functional activation."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.fc1 = nn.Linear(4, 6)
        self.act = nn.ReLU(inplace=True)
        self.drop = nn.Dropout(0.5)
        self.bn = nn.BatchNorm1d(6)
        self.fc2 = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop(self.act(self.bn(self.fc1(x)))))


@dataclass
class ModelState:
    training: list[bool]
    params: list[torch.Tensor]
    requires_grad: list[bool]
    grads: list[torch.Tensor | None]
    buffers: list[torch.Tensor]
    hooks: int
    rng: torch.Tensor

    @classmethod
    def of(cls, model: nn.Module) -> ModelState:
        return cls(
            training=[m.training for m in model.modules()],
            params=[p.detach().clone() for p in model.parameters()],
            requires_grad=[p.requires_grad for p in model.parameters()],
            grads=[None if p.grad is None else p.grad.clone() for p in model.parameters()],
            buffers=[b.detach().clone() for b in model.buffers()],
            hooks=sum(
                len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks)
                for m in model.modules()
            ),
            rng=torch.random.get_rng_state(),
        )

    def assert_same(self, other: ModelState) -> None:
        assert self.training == other.training
        assert self.requires_grad == other.requires_grad
        assert self.hooks == other.hooks
        assert len(self.params) == len(other.params)
        for a, b in zip(self.params, other.params, strict=True):
            assert torch.equal(a, b)
        for a, b in zip(self.buffers, other.buffers, strict=True):
            assert torch.equal(a, b)
        for a, b in zip(self.grads, other.grads, strict=True):
            assert (a is None and b is None) or torch.equal(a, b)
        assert torch.equal(self.rng, other.rng)


@pytest.fixture
def mlp() -> nn.Sequential:
    return mlp_4883()


@pytest.fixture
def named_net() -> NamedNet:
    return NamedNet()
