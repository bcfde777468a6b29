"""The Playground's network: ``nn.Sequential`` of Linear layers and one activation after each
hidden layer, built and resized so that every weight that still has a place keeps its value."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch
from torch import nn

ACTIVATION_MODULES: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "linear": nn.Identity,
}
BIAS_INIT = 0.1  # TensorFlow Playground's initial bias; weights start uniform in [-0.5, 0.5]


def _fresh(fan_in: int, fan_out: int, generator: torch.Generator) -> nn.Linear:
    layer = nn.utils.skip_init(nn.Linear, fan_in, fan_out)  # its own init would use the global RNG
    with torch.no_grad():
        layer.weight.copy_(torch.rand(fan_out, fan_in, generator=generator) - 0.5)
        layer.bias.fill_(BIAS_INIT)
    return layer


def build_network(
    inputs: int,
    layers: Sequence[int],
    activations: Sequence[str],
    outputs: int,
    *,
    seed: int = 0,
    device: torch.device | str | None = None,
) -> nn.Sequential:
    """``inputs`` → hidden ``layers`` (one activation name each) → ``outputs`` (no activation).

    Weights are drawn from ``seed`` with a generator of their own: the global
    RNG is left alone.
    """
    if len(layers) != len(activations):
        raise ValueError(f"one activation per hidden layer: {list(layers)} vs {list(activations)}")
    generator = torch.Generator().manual_seed(seed)
    widths = [inputs, *layers, outputs]
    modules: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
        modules.append(_fresh(fan_in, fan_out, generator))
        if i < len(layers):
            modules.append(ACTIVATION_MODULES[activations[i]]())
    return nn.Sequential(*modules).to(device)


def linears(model: nn.Sequential) -> list[nn.Linear]:
    """The Linear layers of a Playground network, input to output."""
    return [m for m in model if isinstance(m, nn.Linear)]


def widths(model: nn.Sequential) -> list[int]:
    """Units per column: inputs, every hidden layer, outputs."""
    layers = linears(model)
    return [layers[0].in_features, *(layer.out_features for layer in layers)]


def resized(
    model: nn.Sequential,
    layers: Sequence[int],
    activations: Sequence[str],
    *,
    seed: int,
    keep: Sequence[int | None] | None = None,
) -> nn.Sequential:
    """A network with new hidden ``layers``; each new Linear keeps the old weights it overlaps.

    ``keep[i]`` is the old hidden layer that new hidden layer ``i`` continues
    (``None``: a new layer, fresh weights); by default layer i continues old
    layer i. The output layer always continues the old output layer. New rows
    and columns are drawn from ``seed``.
    """
    old = linears(model)
    old_hidden = len(old) - 1
    keep = list(range(len(layers))) if keep is None else list(keep)
    keep = [k if k is not None and k < old_hidden else None for k in keep]
    device = old[0].weight.device
    fresh = build_network(
        old[0].in_features, layers, activations, old[-1].out_features, seed=seed, device=device
    )
    new = linears(fresh)
    # each new Linear: which old Linear it continues, and which old column feeds its inputs
    sources = [*keep, old_hidden]
    with torch.no_grad():
        for i, (layer, source) in enumerate(zip(new, sources, strict=True)):
            if source is None:
                continue
            feeds_same = (i == 0 and source == 0) or (i > 0 and sources[i - 1] == source - 1)
            if not feeds_same:
                continue  # its inputs are other units now: the old weights mean nothing here
            previous = old[source]
            rows = min(layer.out_features, previous.out_features)
            cols = min(layer.in_features, previous.in_features)
            layer.weight[:rows, :cols] = previous.weight[:rows, :cols]
            layer.bias[:rows] = previous.bias[:rows]
    return fresh


def layer_outputs(model: nn.Sequential, x: torch.Tensor) -> list[torch.Tensor]:
    """One forward pass of ``x``, layer by layer: each hidden layer's activations, then the
    network's output (before any loss)."""
    outputs = []
    for module in model:
        x = module(x)
        if not isinstance(module, nn.Linear):
            outputs.append(x)
    outputs.append(x)
    return outputs
