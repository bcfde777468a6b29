"""Modules whose forward cannot change the model's state: nothing for a trace to put back.

A trace saves and restores training flags, the buffers of modules in training
mode and the RNG state, because a forward may change them (Dropout draws,
BatchNorm updates its statistics). For a plain chain made only of torch's own
modules below, that cannot happen, and the saving costs more than a tenth of
what a small MLP's trace adds to its forward.

The sets name exact classes: a subclass may have a forward of its own.
Left out on purpose: ``FractionalMaxPool2d`` draws random numbers in eval mode
too, and an ``InstanceNorm`` with running statistics whose
``track_running_stats`` was turned off afterwards updates them in eval mode.
"""

from __future__ import annotations

from torch import nn

# The same forward in training and eval mode, reading only parameters and inputs.
_ALWAYS: frozenset[type[nn.Module]] = frozenset(
    {
        nn.Linear, nn.Bilinear, nn.Identity, nn.Flatten, nn.Unflatten,
        nn.Conv1d, nn.Conv2d, nn.Conv3d,
        nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d,
        nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
        nn.SiLU, nn.Mish, nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid,
        nn.Hardswish, nn.Softplus, nn.Softsign, nn.Tanhshrink, nn.LogSigmoid,
        nn.Softmax, nn.LogSoftmax, nn.Softmin,
        nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d,
        nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
        nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveAvgPool3d,
        nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d, nn.AdaptiveMaxPool3d,
        nn.LayerNorm, nn.GroupNorm, nn.Upsample,
        nn.ZeroPad2d, nn.ConstantPad1d, nn.ConstantPad2d, nn.ReflectionPad1d,
        nn.ReflectionPad2d, nn.ReplicationPad1d, nn.ReplicationPad2d,
    }
)  # fmt: skip

# Random or updating their statistics only in training mode.
_IN_EVAL: frozenset[type[nn.Module]] = frozenset(
    {
        nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
        nn.FeatureAlphaDropout, nn.RReLU,
        nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d,
    }
)  # fmt: skip


def leaves_state_alone(modules: list[nn.Module]) -> bool:
    """Whether calling these modules can change no training flag, buffer or RNG state:
    each is one of torch's own above (in eval mode where that matters), with no forward
    or forward hook of its own added (a hook may do anything)."""
    for module in modules:
        if not as_torch_wrote_it(module) or (module.training and type(module) not in _ALWAYS):
            return False
    return True


def in_eval_only(cls: type[nn.Module]) -> bool:
    """Whether modules of this class leave the state alone only in eval mode."""
    return cls not in _ALWAYS


def as_torch_wrote_it(module: nn.Module) -> bool:
    """One of torch's own modules above, with no forward or forward hook added: its
    output is a new tensor or its input, never one of its parameters or buffers."""
    cls = type(module)
    return (
        (cls in _ALWAYS or cls in _IN_EVAL)
        and not module._forward_hooks
        and "forward" not in module.__dict__
    )
