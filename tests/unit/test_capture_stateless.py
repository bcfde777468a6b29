"""A plain chain of torch's own modules skips saving the model's state; anything else keeps it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

import dlwidgets as dw
from dlwidgets.capture.stateless import leaves_state_alone


class _NoisyLinear(nn.Linear):
    """A subclass with a forward of its own, which draws random numbers."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x) + 0.01 * torch.randn(x.shape[0], self.out_features)


def _noisy_linear() -> nn.Module:
    return _NoisyLinear(4, 4)


def _hooked_linear() -> nn.Module:
    layer = nn.Linear(4, 4)
    layer.register_forward_hook(lambda m, args, out: torch.rand(1))
    return layer


def _training_dropout() -> nn.Module:
    return nn.Dropout(0.5)  # trained below, after the model's eval()


def _fractional_pool() -> nn.Module:
    return nn.Sequential(nn.Unflatten(1, (1, 2, 2)), nn.FractionalMaxPool2d(1, output_size=1))


@pytest.mark.parametrize(
    "make",
    [_noisy_linear, _hooked_linear, _training_dropout, _fractional_pool],
    ids=["subclass drawing numbers", "hook drawing numbers", "dropout training", "fractional pool"],
)  # fmt: skip
def test_a_chain_that_draws_random_numbers_leaves_the_rng_as_it_was(
    make: Callable[[], nn.Module],
) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), make()).eval()
    if isinstance(model[2], nn.Dropout):
        model[2].train()
    x = torch.randn(3, 4)
    before = torch.random.get_rng_state()
    tr = dw.trace(model, x)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert len(tr) >= 3


def test_eval_batchnorm_and_dropout_leave_nothing_to_save_and_training_ones_do() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.2))
    leaves = list(model)
    assert not leaves_state_alone(leaves)  # a new module trains
    model.eval()
    assert leaves_state_alone(leaves)
    model[3].train()
    assert not leaves_state_alone(leaves)


def test_a_training_batchnorm_in_a_chain_keeps_its_statistics() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
    mean = model[1].running_mean.clone()
    tr = dw.trace(model, torch.randn(8, 4) + 3)
    assert torch.equal(model[1].running_mean, mean)
    assert tr["1"].output.shape == (8, 4)


def test_a_forward_set_on_the_instance_counts_as_its_own() -> None:
    layer = nn.Linear(4, 4)
    layer.forward = lambda x: nn.Linear.forward(layer, x)  # type: ignore[method-assign]
    assert not leaves_state_alone([layer.eval()])
    assert leaves_state_alone([nn.Linear(4, 4)])  # the same output in both modes


def _mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)).eval()


def _draws_in_reduce() -> dict[str, object]:
    return {"reduce": lambda name, t: t[torch.randperm(t.shape[0])[:4]]}


def _draws_in_the_loss() -> dict[str, object]:
    return {
        "grads": True,
        "loss_fn": lambda out: (out + 0.01 * torch.randn_like(out)).pow(2).mean(),
    }


@pytest.mark.parametrize(
    "options", [_draws_in_reduce, _draws_in_the_loss], ids=["reduce", "loss_fn"]
)
def test_user_code_run_by_the_trace_leaves_the_rng_as_it_was(
    options: Callable[[], dict[str, object]],
) -> None:
    model = _mlp()
    x = torch.randn(16, 8)
    before = torch.random.get_rng_state()
    dw.trace(model, x, **options())  # type: ignore[arg-type]
    assert torch.equal(torch.random.get_rng_state(), before)


def test_a_gradient_hook_drawing_noise_leaves_the_rng_as_it_was() -> None:
    model = _mlp()
    model[0].weight.register_hook(lambda g: g + 1e-3 * torch.randn_like(g))
    x = torch.randn(16, 8)
    before = torch.random.get_rng_state()
    dw.trace(model, x, grads=True, target=torch.zeros(16, dtype=torch.long))
    assert torch.equal(torch.random.get_rng_state(), before)


class _Block(nn.Module):
    """Not a chain: the trace takes the hooked path."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)


def test_reducing_the_output_with_random_numbers_leaves_the_rng_as_it_was() -> None:
    model, x = _Block(), torch.randn(16, 8)
    before = torch.random.get_rng_state()
    dw.trace(model, x, reduce=lambda name, t: t[torch.randperm(4)])
    assert torch.equal(torch.random.get_rng_state(), before)
