"""Leave a model exactly as it was: training flags, buffers and RNG state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


@contextmanager
def preserved(model: nn.Module) -> Iterator[None]:
    """Run a block and then restore everything a forward pass may change.

    A forward in train mode updates BatchNorm running statistics and draws
    from the RNG (Dropout); both are put back. Buffers are compared by value:
    BatchNorm's kernel writes its running statistics without bumping the
    tensors' version counters, so a version test would miss them.
    """
    modes = [(module, module.training) for module in model.modules()]
    # Only modules in training mode update their buffers (BatchNorm statistics).
    buffers = [
        (buf, buf.detach().clone())
        for module, training in modes
        if training
        for buf in module.buffers(recurse=False)
    ]
    cpu_rng = torch.random.get_rng_state()
    cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    try:
        yield
    finally:
        for module, training in modes:
            if module.training is not training:  # nn.Module.__setattr__ is slow: only if changed
                module.training = training
        with torch.no_grad():
            for buf, saved in buffers:
                # Only what changed: copying bumps a buffer's version, and an
                # autograd graph that read it (eval-mode BatchNorm) would break.
                if not torch.equal(buf, saved):
                    buf.copy_(saved)
        torch.random.set_rng_state(cpu_rng)
        if cuda_rng is not None:
            torch.cuda.set_rng_state_all(cuda_rng)
