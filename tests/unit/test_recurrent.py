"""RecurrentView and its scene: the step-by-step replay equals the module's own outputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import traitlets
from torch import nn

import dlwidgets as dw
from dlwidgets import wire
from dlwidgets.errors import TraceError, UnsupportedModelError
from dlwidgets.scene.recurrent import MAX_OUTPUTS, MAX_STEPS, MAX_UNITS, build_recurrent_scene
from tests.conftest import ModelState

CELLS = (nn.RNN, nn.GRU, nn.LSTM)
TOL = {"rtol": 1e-5, "atol": 1e-6}


class CharModel(nn.Module):
    """Embedding → LSTM → Linear on every step: a next-character model."""

    def __init__(self, vocab: int = 10, hidden: int = 6, layers: int = 1) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.emb = nn.Embedding(vocab, 4)
        self.lstm = nn.LSTM(4, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(self.emb(ids))[0])


class LastStep(nn.Module):
    """A GRU whose last hidden state feeds a regression head (one output per sequence)."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(4)
        self.gru = nn.GRU(1, 5, batch_first=True)
        self.head = nn.Linear(5, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.gru(x)[0][:, -1])


def _sequence(batch_first: bool, batch: int = 3, steps: int = 7, features: int = 3) -> torch.Tensor:
    torch.manual_seed(5)
    shape = (batch, steps, features) if batch_first else (steps, batch, features)
    return torch.randn(shape)


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("batch_first", [True, False])
def test_replay_equals_the_modules_outputs(cell: type, layers: int, batch_first: bool) -> None:
    torch.manual_seed(0)
    rnn = cell(3, 5, num_layers=layers, batch_first=batch_first)
    x = _sequence(batch_first)
    output, final = rnn(x)
    h_n, c_n = final if isinstance(final, tuple) else (final, None)
    sample = 1
    scene = build_recurrent_scene(rnn, x, sample=sample)
    per_sample = output[sample] if batch_first else output[:, sample]
    assert scene.kind == cell.__name__ and len(scene.bands) == layers and scene.steps == 7
    np.testing.assert_allclose(scene.bands[-1].h, per_sample.detach().numpy(), **TOL)
    for k, band in enumerate(scene.bands):
        np.testing.assert_allclose(band.h[-1], h_n[k, sample].detach().numpy(), **TOL)
        if c_n is not None:
            assert band.cell is not None and band.gates is not None
            np.testing.assert_allclose(band.cell[-1], c_n[k, sample].detach().numpy(), **TOL)
    assert scene.agreement < 1e-5
    np.testing.assert_allclose(scene.inputs, (x[sample] if batch_first else x[:, sample]).numpy())


def test_lstm_gates_combine_into_the_cell_and_hidden_state() -> None:
    torch.manual_seed(0)
    rnn = nn.LSTM(3, 4)
    scene = build_recurrent_scene(rnn, _sequence(False))
    band = scene.bands[0]
    i, f, g, o = band.gates
    c_prev = np.vstack([np.zeros((1, 4)), band.cell[:-1]])
    np.testing.assert_allclose(band.cell, f * c_prev + i * g, **TOL)
    np.testing.assert_allclose(band.h, o * np.tanh(band.cell), **TOL)
    # the two sums the page writes out give the gates
    sig = lambda v: 1 / (1 + np.exp(-v))  # noqa: E731
    np.testing.assert_allclose(i, sig(band.pre_ih[0] + band.pre_hh[0]), **TOL)
    np.testing.assert_allclose(g, np.tanh(band.pre_ih[2] + band.pre_hh[2]), **TOL)


def test_gru_and_rnn_sums_give_the_hidden_state() -> None:
    torch.manual_seed(0)
    x = _sequence(True)
    gru = build_recurrent_scene(nn.GRU(3, 4, batch_first=True), x).bands[0]
    r, z, n = gru.gates
    h_prev = np.vstack([gru.h0[None], gru.h[:-1]])
    np.testing.assert_allclose(n, np.tanh(gru.pre_ih[2] + r * gru.pre_hh[2]), **TOL)
    np.testing.assert_allclose(gru.h, (1 - z) * n + z * h_prev, **TOL)
    rnn = build_recurrent_scene(nn.RNN(3, 4, nonlinearity="relu", batch_first=True), x)
    band = rnn.bands[0]
    assert rnn.nonlinearity == "relu" and band.gates is None
    np.testing.assert_allclose(band.h, np.maximum(band.pre_ih[0] + band.pre_hh[0], 0), **TOL)


def test_given_initial_state_unbatched_input_and_no_bias() -> None:
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, bias=False)
    x = torch.randn(6, 3)  # unbatched: (steps, features)
    state = (torch.randn(2, 4), torch.randn(2, 4))

    class WithState(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = lstm

        def forward(self, seq: torch.Tensor) -> torch.Tensor:
            return self.lstm(seq, state)[0]

    scene = build_recurrent_scene(WithState(), x)
    output, (_, c_n) = lstm(x, state)
    np.testing.assert_allclose(scene.bands[1].h, output.detach().numpy(), **TOL)
    np.testing.assert_allclose(scene.bands[0].h0, state[0][0].numpy(), **TOL)
    np.testing.assert_allclose(scene.bands[1].cell[-1], c_n[1].detach().numpy(), **TOL)
    assert scene.samples == 1 and scene.agreement < 1e-5


def test_dropout_between_layers_in_training_shows_in_the_agreement() -> None:
    torch.manual_seed(0)
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = torch.randn(5, 2, 3)
    assert build_recurrent_scene(lstm.eval(), x).agreement < 1e-5
    assert build_recurrent_scene(lstm.train(), x).agreement > 1e-3  # the page says so


def test_labels_from_a_vocabulary_tokens_or_values() -> None:
    model = CharModel()
    ids = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    vocab = list("abcdefghij")
    assert build_recurrent_scene(model, ids, vocab=vocab, sample=1).labels == list("fghi")
    assert build_recurrent_scene(model, ids).labels == ["1", "2", "3", "4"]
    tokens = ["the", "cat", "sat", "."]
    assert build_recurrent_scene(model, ids, tokens=tokens).labels == tokens
    with pytest.raises(ValueError, match="tokens has 2 entries; the sequence has 4 steps"):
        build_recurrent_scene(model, ids, tokens=["a", "b"])
    one_hot = nn.functional.one_hot(torch.tensor([[2, 0, 1]]), 3).float()
    assert build_recurrent_scene(nn.GRU(3, 2, batch_first=True), one_hot, vocab="xyz").labels == [
        "z",
        "x",
        "y",
    ]
    values = torch.tensor([[[0.5], [-1.25]]])
    assert build_recurrent_scene(nn.RNN(1, 2, batch_first=True), values).labels == [
        "0.50",
        "-1.25",
    ]


def test_the_heads_outputs_per_step_or_after_the_last() -> None:
    model = CharModel()
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    scene = build_recurrent_scene(model, ids)
    assert scene.output_steps == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(scene.outputs, model(ids)[0].detach().numpy(), **TOL)
    last = LastStep()
    x = torch.randn(4, 6, 1)
    scene = build_recurrent_scene(last, x, sample=2)
    assert scene.output_steps == [5]
    np.testing.assert_allclose(scene.outputs, last(x)[2:3].detach().numpy(), **TOL)
    assert build_recurrent_scene(nn.GRU(1, 3), x).outputs is None  # the module alone: no head
    wide = build_recurrent_scene(CharModel(vocab=40), ids)  # 40 scores: the 16 that vary most
    assert wide.output_size == 40 and wide.outputs.shape == (5, MAX_OUTPUTS)
    scores = CharModel(vocab=40)(ids)[0].detach().numpy()
    np.testing.assert_allclose(wide.outputs, scores[:, wide.output_units], **TOL)


def test_long_sequences_and_wide_states_are_reduced() -> None:
    torch.manual_seed(0)
    gru = nn.GRU(2, MAX_UNITS + 16, batch_first=True)
    x = torch.randn(2, MAX_STEPS + 10, 2)
    scene = build_recurrent_scene(gru, x)
    band = scene.bands[0]
    assert scene.steps == MAX_STEPS and scene.first_step == 10
    assert scene.total_steps == MAX_STEPS + 10
    assert len(scene.labels) == MAX_STEPS and band.h.shape == (MAX_STEPS, MAX_UNITS)
    assert band.total_units == MAX_UNITS + 16 and list(band.units) == sorted(band.units)
    output = gru(x)[0][0, 10:].detach().numpy()
    np.testing.assert_allclose(band.h, output[:, band.units], **TOL)
    np.testing.assert_allclose(band.h0, gru(x)[0][0, 9].detach().numpy()[band.units], **TOL)
    assert band.w_hh.shape == (MAX_UNITS, MAX_UNITS)
    rows = 2 * (MAX_UNITS + 16) + band.units  # the candidate n's rows
    np.testing.assert_array_equal(band.w_in, gru.weight_ih_l0.detach().numpy()[rows])


def test_errors_name_the_layer_and_the_shapes() -> None:
    with pytest.raises(UnsupportedModelError, match=r"Sequential has no nn\.RNN, nn\.GRU"):
        build_recurrent_scene(nn.Sequential(nn.Linear(2, 2)), torch.randn(1, 2))
    bi = nn.Sequential()
    bi.add_module("enc", nn.LSTM(3, 4, bidirectional=True))
    with pytest.raises(UnsupportedModelError, match=r"layer 'enc'.*bidirectional"):
        build_recurrent_scene(bi, torch.randn(5, 1, 3))
    with pytest.raises(UnsupportedModelError, match=r"layer 'lstm'.*rank 2.*\(2, 3, 4, 4\)"):
        build_recurrent_scene(CharModel(), torch.zeros(2, 3, 4, dtype=torch.long))
    with pytest.raises(TraceError, match=r"layer 'rnn'.*\(2, 5, 7\) float32"):
        holder = nn.Module()
        holder.rnn = nn.RNN(3, 4, batch_first=True)
        holder.forward = lambda x: holder.rnn(x)  # type: ignore[method-assign]
        build_recurrent_scene(holder, torch.randn(2, 5, 7))
    with pytest.raises(UnsupportedModelError, match="is Linear, not"):
        build_recurrent_scene(CharModel(), torch.zeros(1, 3, dtype=torch.long), layer="head")
    packed = nn.utils.rnn.pack_sequence([torch.randn(3, 2), torch.randn(2, 2)])
    with pytest.raises(UnsupportedModelError, match="received a PackedSequence"):
        build_recurrent_scene(nn.GRU(2, 3), packed)
    with pytest.raises(ValueError, match="sample must be between 0 and 1"):
        build_recurrent_scene(nn.GRU(1, 2), torch.randn(4, 2, 1), sample=2)


def test_the_model_is_left_unchanged() -> None:
    model = CharModel(layers=2)
    model.train()
    before = ModelState.of(model)
    view = dw.RecurrentView(model, torch.tensor([[1, 2, 3]]))
    view.update(torch.tensor([[4, 5, 6, 7]]))
    view.close()
    before.assert_same(ModelState.of(model))


def test_the_widgets_traits() -> None:
    model = CharModel(layers=2)
    ids = torch.tensor([[1, 2, 3, 4], [4, 3, 2, 1]])
    view = dw.RecurrentView(model, ids, vocab="abcdefghij", sample=1, show_gates=True, lang="vi")
    top = view.topology
    assert top["cell"] == "LSTM" and top["steps"] == 4 and top["gates"] == ["i", "f", "g", "o"]
    assert [b["name"] for b in top["bands"]] == ["x", "h0", "h1", "y"]
    assert view.step == 3 and view.show_gates and view.lang == "vi"
    assert view.values["labels"] == list("edcb")
    h1 = wire.decode(view.values["bands"][2]["a"])
    expected = model.lstm(model.emb(ids))[0][1].detach().numpy()
    np.testing.assert_allclose(h1, expected, **TOL)
    assert isinstance(view.values["bands"][2]["a"]["data"], memoryview)  # binary, not JSON
    gates = wire.decode(view.values["bands"][1]["gates"])
    assert gates.shape == (4, 4, 6)
    view.selected = {"layer": 1, "step": 2, "unit": 5}
    with pytest.raises(traitlets.TraitError, match="out of range for layer 1"):
        view.selected = {"layer": 1, "step": 2, "unit": 6}
    with pytest.raises(traitlets.TraitError, match="step must be between 0 and 3"):
        view.step = 4
    view.step_back()
    assert view.step == 2
    longer = torch.tensor([[6, 5, 4, 3, 2, 1], [1, 2, 3, 4, 5, 6]])
    view.update(longer, tokens=list("abcdef"))
    assert view.topology["steps"] == 6 and view.values["revision"] == 1
    assert view.values["labels"] == list("abcdef") and view.selected is None
    assert view.step == 2  # kept; a view at the last step stays at the last step:
    view.step = 5
    view.update(ids)
    assert view.step == 3
    view.update(longer, tokens=list("abcdef"))
    assert view.step == 5
    with torch.no_grad():
        model.head.bias += 1.0
    view.refresh()
    y = wire.decode(view.values["bands"][3]["a"])
    np.testing.assert_allclose(y, model(longer)[1].detach().numpy(), **TOL)
    assert "LSTM 6-6, 6 steps" in repr(view)
    view.close()
    assert repr(view) == "RecurrentView(closed)"


def test_a_failed_update_is_shown_in_the_view() -> None:
    view = dw.RecurrentView(nn.GRU(2, 3), torch.randn(4, 1, 2))
    with pytest.raises(UnsupportedModelError):
        view.update(torch.randn(4, 1, 2, 2))
    assert "rank 2" in view.error
    with pytest.raises(TypeError, match="needs an input sequence"):
        dw.RecurrentView(nn.GRU(2, 3))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_lstm_is_replayed_on_the_host() -> None:
    model = CharModel(layers=2).cuda()
    ids = torch.tensor([[1, 2, 3, 4], [4, 3, 2, 1]], device="cuda")
    scene = build_recurrent_scene(model, ids, sample=1)
    expected = model.lstm(model.emb(ids))[0][1].detach().cpu().numpy()
    # cuDNN's kernels round differently from the host replay: a looser tolerance
    np.testing.assert_allclose(scene.bands[1].h, expected, rtol=1e-3, atol=5e-5)
    assert scene.agreement < 5e-4 and next(model.parameters()).is_cuda
