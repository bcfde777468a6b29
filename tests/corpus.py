"""A corpus of small seeded architectures that ``dw.trace`` must record exactly.

Each :class:`Case` builds its model and its inputs afresh on every call: the
weights from ``torch.manual_seed`` inside ``build``, the inputs from a private
``torch.Generator`` (so making inputs never moves the global RNG, and a model
that overwrites its input in place cannot spoil the next run). ``dataflow``
gives the expected ``inputs`` of a few records where the graph matters;
``ops_dataflow`` the same for a trace with ``ops=True``; ``bad_inputs`` make
the forward fail inside the layer ``bad_layer``, or in the model's own code
after the layer ``bad_after``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence

Flow = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Case:
    """One architecture of the corpus: how to build it, feed it and what its graph is."""

    name: str
    build: Callable[[], nn.Module]
    inputs: Callable[[], tuple[Any, ...]]
    kwargs: Callable[[], dict[str, Any]] | None = None
    dataflow: Flow | None = None
    mode: Literal["eval", "train"] = "eval"
    ops_dataflow: Flow | None = None
    bad_inputs: Callable[[], tuple[Any, ...]] | None = None
    bad_layer: str | None = None
    bad_after: str | None = None
    # Positions of inputs that stay on the host whatever the model's device
    # (pack_padded_sequence takes its lengths there).
    on_host: tuple[int, ...] = ()

    def model(self) -> nn.Module:
        """A fresh model in the case's training mode."""
        model = self.build()
        model.train(self.mode == "train")
        return model

    def args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Fresh positional and keyword inputs (identical on every call)."""
        return self.inputs(), (self.kwargs() if self.kwargs is not None else {})

    def __str__(self) -> str:
        return self.name


# -- inputs ---------------------------------------------------------------------------


def randn(*shape: int, seed: int = 0, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Seeded normal noise that leaves the global RNG alone."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=generator).to(dtype)


def randint(high: int, *shape: int, seed: int = 0) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, high, shape, generator=generator)


def seeded(make: Callable[[], nn.Module], seed: int = 0) -> Callable[[], nn.Module]:
    """A builder that seeds the weights' initialisation."""

    def build() -> nn.Module:
        torch.manual_seed(seed)
        return make()

    return build


# -- models ---------------------------------------------------------------------------


def _double(module: nn.Module, args: tuple[Any, ...], output: torch.Tensor) -> torch.Tensor:
    """A user's forward hook that changes the output."""
    return output * 2


def user_hooked_mlp() -> nn.Module:
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    model[0].register_forward_hook(_double)
    return model


class InplaceResidual(nn.Module):
    """``ReLU(inplace=True)``, ``y += h`` and ``y.relu_()`` between Linear layers."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Linear(4, 4)
        self.fc3 = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act(self.fc1(x))
        y = self.fc2(h)
        y += h
        y.relu_()
        return self.fc3(y)


class InplaceFunctional(nn.Module):
    """``F.relu(…, inplace=True)`` between two Linear layers."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 6)
        self.fc2 = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.fc1(x), inplace=True)
        return self.fc2(h)


class FunctionalMLP(nn.Module):
    """Parameters only: every layer is a functional call in ``forward``."""

    def __init__(self) -> None:
        super().__init__()
        self.w1 = nn.Parameter(torch.randn(8, 4) * 0.5)
        self.b1 = nn.Parameter(torch.zeros(8))
        self.w2 = nn.Parameter(torch.randn(3, 8) * 0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(torch.tanh(F.linear(x, self.w1, self.b1)), self.w2)


class MixedFunctional(nn.Module):
    """Linear modules joined by functional activation, dropout and arithmetic."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.dropout(F.relu(self.fc1(x)), 0.3, self.training)
        return self.fc2(h) * 2 + x.mean(dim=1, keepdim=True)


class SharedLinear(nn.Module):
    """One Linear and one Tanh, each called twice."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.Tanh()
        self.out = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.act(self.fc(self.act(self.fc(x)))))


class Siamese(nn.Module):
    """Two inputs through one shared encoder."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(5, 6), nn.ReLU())
        self.head = nn.Linear(6, 1)

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.head(torch.abs(self.enc(a) - self.enc(b)))


class TwoTowers(nn.Module):
    """Two positional inputs, a keyword tensor and a keyword float."""

    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Linear(3, 4)
        self.g = nn.Linear(2, 4)
        self.out = nn.Linear(4, 2)

    def forward(
        self, x: torch.Tensor, y: torch.Tensor, *, scale: torch.Tensor, shift: float = 0.0
    ) -> torch.Tensor:
        return self.out(self.f(x) + self.g(y) * scale + shift)


class MultiHead(nn.Module):
    """A dict output holding a tensor, a shared feature and a nested tuple."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.GELU())
        self.cls = nn.Linear(8, 3)
        self.reg = nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        h = self.body(x)
        return {"logits": self.cls(h), "embedding": h, "extra": (self.reg(h), h.norm(dim=1))}


class DictInput(nn.Module):
    """One dict input: an image and a metadata vector, concatenated."""

    def __init__(self) -> None:
        super().__init__()
        self.img = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten())
        self.meta = nn.Linear(3, 4)
        self.out = nn.Linear(2 * 4 * 4 + 4, 2)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        features = [self.img(batch["image"]), self.meta(batch["meta"])]
        return self.out(torch.cat(features, dim=1))


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock, small; ``in_place_add`` picks ``+=`` or ``+``."""

    def __init__(self, cin: int, cout: int, stride: int = 1, *, in_place_add: bool) -> None:
        super().__init__()
        self.in_place_add = in_place_add
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample: nn.Module | None = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        if self.in_place_add:
            out += identity
        else:
            out = out + identity
        return self.relu(out)


class TinyResNet(nn.Module):
    """Stem, two stages of BasicBlocks (one downsampling), pooling and a classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(
            BasicBlock(4, 4, in_place_add=False), BasicBlock(4, 4, in_place_add=False)
        )
        self.layer2 = nn.Sequential(BasicBlock(4, 8, stride=2, in_place_add=False))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class TinyUNet(nn.Module):
    """Encoder, bottleneck, transposed-conv decoder and a skip concatenation."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1 = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
        self.pool = nn.MaxPool2d(2)
        self.enc2 = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), nn.ReLU())
        self.up = nn.ConvTranspose2d(8, 4, 2, stride=2)
        self.dec = nn.Sequential(nn.Conv2d(8, 4, 3, padding=1), nn.ReLU())
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        u = self.up(self.enc2(self.pool(e1)))
        return self.head(self.dec(torch.cat([u, e1], dim=1)))


class LSTMClassifier(nn.Module):
    """A stacked batch-first LSTM read at its last step."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 6, num_layers=2, batch_first=True)
        self.fc = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


class PackedLSTM(nn.Module):
    """Padded batch + lengths → PackedSequence → LSTM → (logits, padded outputs)."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 5, batch_first=True)
        self.fc = nn.Linear(5, 2)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, (h, _) = self.lstm(packed)
        padded, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return self.fc(h[-1]), padded


class SelfAttention(nn.Module):
    """MultiheadAttention returning its weights, a residual LayerNorm and a pooled head."""

    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)
        self.norm = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 3)

    def forward(
        self, x: torch.Tensor, key_padding_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        a, weights = self.attn(x, x, x, key_padding_mask=key_padding_mask, need_weights=True)
        return self.fc(self.norm(a + x).mean(dim=1)), weights


class CrossAttention(nn.Module):
    """Sequence-first cross-attention with other key/value sizes and no weights returned."""

    def __init__(self) -> None:
        super().__init__()
        self.attn = nn.MultiheadAttention(8, 2, dropout=0.2, kdim=6, vdim=6)
        self.fc = nn.Linear(8, 2)

    def forward(self, query: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        a, _ = self.attn(query, memory, memory, need_weights=False)
        return self.fc(a)


class BagOfWords(nn.Module):
    """Integer tokens → embeddings averaged → a Linear classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(20, 6)
        self.fc = nn.Linear(6, 2)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.fc(self.emb(tokens).mean(dim=1))


class PreNormStack(nn.Module):
    """A ModuleList looped over, one LayerNorm shared by every block, residual GELU."""

    def __init__(self) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(6)
        self.blocks = nn.ModuleList(nn.Linear(6, 6) for _ in range(3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = x + F.gelu(block(self.norm(x)))
        return x


def transformer_encoder() -> nn.Module:
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    return nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)


def transformer_layer() -> nn.Module:
    return nn.TransformerEncoderLayer(
        8, 2, dim_feedforward=16, dropout=0.2, activation="gelu", batch_first=True, norm_first=True
    )


def bf16_cnn() -> nn.Module:
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 3 * 3, 3),
    )
    return model.to(torch.bfloat16)


def fp16_mlp() -> nn.Module:
    model = nn.Sequential(
        nn.Linear(4, 8), nn.LayerNorm(8), nn.SiLU(), nn.Dropout(0.2), nn.Linear(8, 3)
    )
    return model.half()


def _lengths() -> torch.Tensor:
    return torch.tensor([4, 2, 3])


def _packed() -> nn.utils.rnn.PackedSequence:
    sequences = [randn(4, 3, seed=1), randn(2, 3, seed=2), randn(3, 3, seed=3)]
    return pack_sequence(sequences, enforce_sorted=False)


def _padding_mask() -> torch.Tensor:
    mask = torch.zeros(2, 5, dtype=torch.bool)
    mask[1, 3:] = True
    return mask


# -- the corpus -----------------------------------------------------------------------

CORPUS: list[Case] = [
    Case(
        "mlp",
        seeded(
            lambda: nn.Sequential(
                nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3)
            )
        ),
        lambda: (randn(5, 4),),
        dataflow={"0": ("input",), "2": ("1",), "4": ("3",)},
        bad_inputs=lambda: (randn(2, 5),),
        bad_layer="0",
    ),
    Case(
        "single_linear",
        seeded(lambda: nn.Linear(3, 2)),
        lambda: (randn(4, 3),),
        dataflow={"Linear": ("input",)},
        bad_inputs=lambda: (randn(4, 5),),
        bad_layer="Linear",
    ),
    Case(
        "mlp_dropout_train",
        seeded(
            lambda: nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4))
        ),
        lambda: (randn(8, 6),),
        mode="train",
        dataflow={"2": ("1",), "3": ("2",)},
    ),
    Case(
        "mlp_batchnorm_train",
        seeded(
            lambda: nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
        ),
        lambda: (randn(6, 4),),
        mode="train",
        bad_inputs=lambda: (randn(6, 4)[:, :3],),
        bad_layer="0",
    ),
    Case(
        "user_hooked_mlp",
        seeded(user_hooked_mlp),
        lambda: (randn(3, 4),),
        dataflow={"1": ("0",)},
    ),
    Case(
        "inplace_first_relu",
        seeded(lambda: nn.Sequential(nn.ReLU(inplace=True), nn.Linear(4, 3))),
        lambda: (randn(3, 4),),
        dataflow={"0": ("input",), "1": ("0",)},
    ),
    Case(
        "inplace_residual",
        seeded(InplaceResidual),
        lambda: (randn(5, 4),),
        dataflow={"act": ("fc1",), "fc2": ("act",), "fc3": ("fc2", "act")},
        ops_dataflow={"add_": ("fc2", "act"), "relu_": ("add_",), "fc3": ("relu_",)},
    ),
    Case(
        "inplace_functional",
        seeded(InplaceFunctional),
        lambda: (randn(5, 4),),
        dataflow={"fc2": ("fc1",)},
        ops_dataflow={"relu_": ("fc1",), "fc2": ("relu_",)},  # in place: named like relu_()
    ),
    Case(
        "functional_only",
        seeded(FunctionalMLP),
        lambda: (randn(3, 4),),
        dataflow={"FunctionalMLP": ("input",)},
        ops_dataflow={"linear": ("input",), "tanh": ("linear",), "linear#2": ("tanh",)},
    ),
    Case(
        "mixed_functional_train",
        seeded(MixedFunctional),
        lambda: (randn(6, 4),),
        mode="train",
        dataflow={"fc2": ("fc1",)},
        ops_dataflow={
            "relu": ("fc1",),
            "dropout": ("relu",),
            "fc2": ("dropout",),
            "mul": ("fc2",),
            "mean": ("input",),
            "add": ("mul", "mean"),
        },
    ),
    Case(
        "shared_linear",
        seeded(SharedLinear),
        lambda: (randn(2, 4),),
        dataflow={
            "fc": ("input",),
            "act": ("fc",),
            "fc#2": ("act",),
            "act#2": ("fc#2",),
            "out": ("act#2",),
        },
    ),
    Case(
        "siamese",
        seeded(Siamese),
        lambda: (randn(3, 5, seed=1), randn(3, 5, seed=2)),
        dataflow={"enc.0": ("input",), "enc.0#2": ("input.1",), "head": ("enc.1", "enc.1#2")},
        ops_dataflow={"sub": ("enc.1", "enc.1#2"), "abs": ("sub",), "head": ("abs",)},
        bad_inputs=lambda: (randn(3, 5), randn(3, 4)),
        bad_layer="enc.0#2",
    ),
    Case(
        "two_towers_kwargs",
        seeded(TwoTowers),
        lambda: (randn(2, 3, seed=1), randn(2, 2, seed=2)),
        kwargs=lambda: {"scale": randn(1, 4, seed=3), "shift": 0.5},
        dataflow={"f": ("input",), "g": ("input.1",), "out": ("f", "g", "input.scale")},
        ops_dataflow={"mul": ("g", "input.scale"), "add": ("f", "mul"), "add#2": ("add",)},
    ),
    Case(
        "dict_output",
        seeded(MultiHead),
        lambda: (randn(3, 4),),
        dataflow={"cls": ("body.1",), "reg": ("body.1",)},
    ),
    Case(
        "dict_input",
        seeded(DictInput),
        lambda: ({"image": randn(2, 1, 6, 6, seed=1), "meta": randn(2, 3, seed=2)},),
        dataflow={"img.0": ("input",), "meta": ("input",), "out": ("img.1", "meta")},
        ops_dataflow={"cat": ("img.1", "meta"), "out": ("cat",)},
    ),
    Case(
        "cnn",
        seeded(
            lambda: nn.Sequential(
                nn.Conv2d(1, 4, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(4, 8, 3, padding=1),
                nn.ReLU(),
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Linear(8, 3),
            )
        ),
        lambda: (randn(2, 1, 8, 8),),
        dataflow={"3": ("2",), "7": ("6",)},
        bad_inputs=lambda: (randn(2, 3, 8, 8),),
        bad_layer="0",
    ),
    Case(
        "cnn_batchnorm_dropout_train",
        seeded(
            lambda: nn.Sequential(
                nn.Conv2d(3, 4, 3),
                nn.BatchNorm2d(4),
                nn.ReLU(),
                nn.Dropout2d(0.3),
                nn.Conv2d(4, 4, 3, stride=2),
                nn.BatchNorm2d(4, momentum=None),
                nn.ReLU(),
                nn.AdaptiveAvgPool2d(1),
                nn.Flatten(),
                nn.Linear(4, 3),
            )
        ),
        lambda: (randn(4, 3, 8, 8),),
        mode="train",
    ),
    Case(
        "conv1d_groupnorm",
        seeded(
            lambda: nn.Sequential(
                nn.Conv1d(2, 4, 3, padding=1),
                nn.GroupNorm(2, 4),
                nn.GELU(),
                nn.AvgPool1d(2),
                nn.Flatten(),
                nn.Linear(4 * 4, 3),
            )
        ),
        lambda: (randn(2, 2, 8),),
    ),
    Case("bf16_cnn", seeded(bf16_cnn), lambda: (randn(2, 1, 6, 6, dtype=torch.bfloat16),)),
    Case(
        "fp16_mlp_train",
        seeded(fp16_mlp),
        lambda: (randn(4, 4, dtype=torch.float16),),
        mode="train",
    ),
    Case(
        "resnet_block",
        seeded(lambda: BasicBlock(4, 4, in_place_add=True)),
        lambda: (randn(2, 4, 6, 6),),
        dataflow={"conv2": ("relu",), "relu#2": ("bn2", "input")},
        ops_dataflow={"add_": ("bn2", "input"), "relu#2": ("add_",)},
        bad_inputs=lambda: (randn(2, 3, 6, 6),),
        bad_layer="conv1",
    ),
    Case(
        "resnet_downsample_block_train",
        seeded(lambda: BasicBlock(4, 8, stride=2, in_place_add=True)),
        lambda: (randn(3, 4, 6, 6),),
        mode="train",
        dataflow={"downsample.0": ("input",), "relu#2": ("bn2", "downsample.1")},
    ),
    Case(
        "resnet_stack",
        seeded(TinyResNet),
        lambda: (randn(2, 3, 8, 8),),
        dataflow={
            "layer1.0.conv1": ("relu",),
            "layer1.0.relu#2": ("layer1.0.bn2", "relu"),
            "layer1.1.relu#2": ("layer1.1.bn2", "layer1.0.relu#2"),
            "layer2.0.relu#2": ("layer2.0.bn2", "layer2.0.downsample.1"),
            "fc": ("avgpool",),
        },
        ops_dataflow={
            "layer1.0.add": ("layer1.0.bn2", "relu"),
            "layer1.0.relu#2": ("layer1.0.add",),
            "layer1.1.add": ("layer1.1.bn2", "layer1.0.relu#2"),
            "layer2.0.add": ("layer2.0.bn2", "layer2.0.downsample.1"),
            "flatten": ("avgpool",),
            "fc": ("flatten",),
        },
    ),
    Case(
        "unet",
        seeded(TinyUNet),
        lambda: (randn(2, 1, 8, 8),),
        dataflow={
            "pool": ("enc1.1",),
            "up": ("enc2.1",),
            "dec.0": ("up", "enc1.1"),
            "head": ("dec.1",),
        },
        ops_dataflow={"cat": ("up", "enc1.1"), "dec.0": ("cat",)},
        bad_inputs=lambda: (randn(2, 1, 7, 7),),  # 6x6 upsampled vs 7x7 skip: cat fails
        bad_after="up",
    ),
    Case(
        "lstm",
        seeded(lambda: nn.LSTM(3, 5)),
        lambda: (randn(7, 2, 3),),
        dataflow={"LSTM": ("input",)},
        bad_inputs=lambda: (randn(7, 2, 4),),
        bad_layer="LSTM",
    ),
    Case(
        "lstm_with_state",
        seeded(lambda: nn.LSTM(3, 4)),
        lambda: (randn(5, 2, 3, seed=1), (randn(1, 2, 4, seed=2), randn(1, 2, 4, seed=3))),
        dataflow={"LSTM": ("input", "input.1")},
    ),
    Case(
        "lstm_stacked_batch_first",
        seeded(LSTMClassifier),
        lambda: (randn(2, 5, 3),),
        dataflow={"lstm": ("input",), "fc": ("lstm",)},
        ops_dataflow={"getitem": ("lstm",), "fc": ("getitem",)},
        bad_inputs=lambda: (randn(2, 5, 2),),
        bad_layer="lstm",
    ),
    Case(
        "gru_bidirectional_h0",
        seeded(lambda: nn.GRU(3, 4, batch_first=True, bidirectional=True)),
        lambda: (randn(2, 5, 3, seed=1), randn(2, 2, 4, seed=2)),
        dataflow={"GRU": ("input", "input.1")},
    ),
    Case(
        "rnn_stacked_dropout_train",
        seeded(lambda: nn.RNN(3, 4, num_layers=2, nonlinearity="relu", dropout=0.5)),
        lambda: (randn(6, 3, 3),),
        mode="train",
    ),
    Case(
        "lstm_packed",
        seeded(PackedLSTM),
        lambda: (randn(3, 4, 3), _lengths()),
        dataflow={"lstm": ("input", "input.1"), "fc": ("lstm",)},
        on_host=(1,),
    ),
    Case(
        "lstm_packed_input",
        seeded(lambda: nn.LSTM(3, 4, num_layers=2)),
        lambda: (_packed(),),
        dataflow={"LSTM": ("input",)},
    ),
    Case(
        "self_attention_weights",
        seeded(SelfAttention),
        lambda: (randn(2, 5, 8),),
        kwargs=lambda: {"key_padding_mask": _padding_mask()},
        dataflow={
            "attn": ("input", "input.key_padding_mask"),
            "norm": ("attn", "input"),
            "fc": ("norm",),
        },
        bad_inputs=lambda: (randn(2, 5, 6),),
        bad_layer="attn",
    ),
    Case(
        "cross_attention_train",
        seeded(CrossAttention),
        lambda: (randn(4, 2, 8, seed=1), randn(6, 2, 6, seed=2)),
        mode="train",
        dataflow={"attn": ("input", "input.1"), "fc": ("attn",)},
    ),
    Case(
        "transformer_encoder",
        seeded(transformer_encoder),
        lambda: (randn(2, 5, 8),),
        dataflow={"layers.0.self_attn": ("input",), "layers.1.self_attn": ("layers.0.norm2",)},
        bad_inputs=lambda: (randn(2, 5, 7),),
        bad_layer="layers.0.self_attn",
    ),
    Case(
        "transformer_layer_train",
        seeded(transformer_layer),
        lambda: (randn(2, 5, 8),),
        kwargs=lambda: {"src_key_padding_mask": _padding_mask()},
        mode="train",
        dataflow={"norm1": ("input",), "self_attn": ("norm1", "input.src_key_padding_mask")},
    ),
    Case(
        "bag_of_words",
        seeded(BagOfWords),
        lambda: (randint(20, 3, 5),),
        dataflow={"emb": ("input",), "fc": ("emb",)},
        ops_dataflow={"mean": ("emb",), "fc": ("mean",)},
    ),
    Case(
        "prenorm_stack",
        seeded(PreNormStack),
        lambda: (randn(3, 6),),
        dataflow={"blocks.0": ("norm",), "norm#2": ("input", "blocks.0"), "blocks.1": ("norm#2",)},
        ops_dataflow={"gelu": ("blocks.0",), "add": ("input", "gelu"), "norm#2": ("add",)},
    ),
]
