"""Leave a model exactly as it was: training flags, buffers and RNG state."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

import torch
from torch import nn

from dlwidgets.capture.tensors import storage_of

_NOTHING: frozenset[int] = frozenset()


class preserved:  # lower case: used like contextlib's context managers
    """Run a block and then restore everything a forward pass may change.

    A forward in train mode updates BatchNorm running statistics and draws
    from the RNG (Dropout); both are put back. Buffers are compared by value:
    BatchNorm's kernel writes its running statistics without bumping the
    tensors' version counters, so a version test would miss them. ``modules``
    (every module of ``model``) saves a walk when the caller has them.

    A class rather than a generator: a trace of a small model enters it every
    few hundred microseconds.
    """

    __slots__ = (
        "_buffers",
        "_cpu_rng",
        "_cuda_rng",
        "_modes",
        "_modules",
        "before_restore",
        "restored",
    )

    def __init__(self, model: nn.Module, modules: list[nn.Module] | None = None) -> None:
        self._modules = modules if modules is not None else list(model.modules())
        self._modes = [module.training for module in self._modules]
        # Only modules in training mode update their buffers (BatchNorm statistics).
        self._buffers: list[tuple[torch.Tensor, torch.Tensor]] = []
        # Where those buffers live: a capture sharing it is copied when made.
        self.restored = _NOTHING
        if True in self._modes:
            for module, training in zip(self._modules, self._modes, strict=True):
                if training:
                    for buf in module._buffers.values():
                        if buf is not None:
                            self._buffers.append((buf, buf.detach().clone()))
            self.restored = frozenset(storage_of(buf) for buf, _ in self._buffers)
        self._cpu_rng = torch.random.get_rng_state()
        self._cuda_rng = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
        # Told of the buffers about to be put back, before they are.
        self.before_restore: Callable[[list[torch.Tensor]], None] | None = None

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for module, training in zip(self._modules, self._modes, strict=True):
            if module.training is not training:  # nn.Module.__setattr__ is slow: only if changed
                module.training = training
        if self._buffers:
            # Only what changed: copying bumps a buffer's version, and an
            # autograd graph that read it (eval-mode BatchNorm) would break.
            changed = [(buf, saved) for buf, saved in self._buffers if not torch.equal(buf, saved)]
            if changed and self.before_restore is not None:
                self.before_restore([buf for buf, _ in changed])
            with torch.no_grad():
                for buf, saved in changed:
                    buf.copy_(saved)
        torch.random.set_rng_state(self._cpu_rng)
        if self._cuda_rng is not None:
            torch.cuda.set_rng_state_all(self._cuda_rng)
