"""The Playground: data sets, features, settings, network, training, maps, and the widget
driven from Python (no browser)."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest
import torch

import dlwidgets as dw
from dlwidgets import datasets
from dlwidgets.playground import (
    FEATURES,
    BackgroundTraining,
    ConfigError,
    PlaygroundConfig,
    Trainer,
    build_network,
    expand,
    grid_points,
    layer_outputs,
    neuron_maps,
    resized,
)
from dlwidgets.wire import decode

ALL_FEATURES = list(FEATURES)


def _same_parameters(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    pairs = zip(a.parameters(), b.parameters(), strict=True)
    return all(torch.equal(p, q) for p, q in pairs)


# -- data sets ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(datasets.PLANAR))
def test_planar_sets_are_seeded_and_shaped(name: str) -> None:
    make = datasets.PLANAR[name]
    X, y = make(200, 0.1, seed=3)
    assert X.shape == (200, 2) and X.dtype == np.float32 and y.shape == (200,)
    assert np.abs(X).max() < 8
    X2, y2 = make(200, 0.1, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(make(200, 0.1, seed=4)[0], X)
    if name.startswith("reg_"):
        assert y.dtype == np.float32 and np.abs(make(200, 0.0)[1]).max() <= 1
    else:
        assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}


def test_planar_definitions() -> None:
    X, y = datasets.circle(400)
    assert np.all((np.hypot(*X.T) < 2.5) == (y == 1))  # without noise the label is the circle
    X, y = datasets.xor(400)
    assert np.all((X[:, 0] * X[:, 1] >= 0) == (y == 1))
    X, y = datasets.reg_plane(100)
    assert np.allclose(y, np.clip(X.sum(axis=1) / 10, -1, 1), atol=1e-6)
    X, y = datasets.spiral(300, classes=3)
    assert np.bincount(y).tolist() == [100, 100, 100]
    X, y = datasets.gauss(400, classes=4)
    assert np.bincount(y).tolist() == [100] * 4
    with pytest.raises(ValueError, match="noise"):
        datasets.circle(10, noise=2)
    with pytest.raises(ValueError, match="classes"):
        datasets.spiral(10, classes=1)


# -- features and settings ----------------------------------------------------------------


def test_features_expand_the_two_coordinates() -> None:
    points = torch.tensor([[1.0, 2.0], [-0.5, 3.0]])
    out = expand(points, ALL_FEATURES)
    x1, x2 = points.T
    wanted = torch.stack([x1, x2, x1**2, x2**2, x1 * x2, torch.sin(x1), torch.sin(x2)], 1)
    assert torch.allclose(out, wanted)
    assert expand(points, ["x2^2"]).shape == (2, 1)
    with pytest.raises(ValueError, match="cos"):
        expand(points, ["cos"])


def test_config_round_trips_through_json() -> None:
    config = PlaygroundConfig.from_dict(
        {
            "dataset": "spiral",
            "classes": 3,
            "layers": [8, 6, 3],
            "activation": ["tanh", "relu", "sigmoid"],
            "hidden": ["noise", "play"],
            "fixed": ["learning_rate"],
            "lang": "vi",
        }
    )
    plain = json.loads(json.dumps(config.to_dict()))
    assert PlaygroundConfig.from_dict(plain) == config
    assert plain["activation"] == ["tanh", "relu", "sigmoid"]
    assert PlaygroundConfig.from_dict({"activation": "relu"}).activation == ("relu", "relu")
    assert PlaygroundConfig.from_dict({"layers": [3, 3, 3]}).activation == ("tanh",) * 3
    relu = PlaygroundConfig.from_dict({"activation": "relu"})
    assert relu.with_changes(layers=[2]).activation == ("relu",)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"datset": "circle"}, "unknown Playground setting 'datset'"),
        ({"dataset": "moons"}, "dataset must be one of"),
        ({"noise": 0.9}, "noise must be a number from 0 to 0.5, got 0.9"),
        ({"batch_size": 2.5}, "batch_size must be an integer"),
        ({"layers": [4, 9]}, r"layers\[1\] must be an integer from 1 to 8, got 9"),
        ({"layers": [4], "activation": ["tanh", "relu"]}, "activation names 2 layers"),
        ({"activation": "softmax"}, "activation must be one of"),
        ({"features": []}, "at least one input feature"),
        ({"features": ["x1", "x1"]}, "twice"),
        ({"hidden": ["everything"]}, "hidden must be one of"),
        ({"fixed": ["play"]}, "fixed must be one of"),
        ({"fixed": ["_custom_integer"]}, "fixed must be one of"),
        ({"_custom_integer": False}, "unknown Playground setting"),
        ({"dataset": "circle", "classes": 3}, "dataset 'circle' has 2 classes"),
        ({"dataset": "custom"}, "needs the points"),
        ({"learning_rate": 0}, "learning_rate"),
    ],
)
def test_config_errors_name_the_key_and_value(values: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        PlaygroundConfig.from_dict(values)


def test_custom_points_numpy_or_torch() -> None:
    X = np.random.default_rng(0).normal(size=(40, 2))
    classes = PlaygroundConfig.from_dict({"dataset": "custom", "X": X, "y": np.arange(40) % 3})
    assert classes.problem == "classification" and classes.classes == 3 and classes.outputs == 3
    values = PlaygroundConfig.from_dict(
        {"dataset": "custom", "X": torch.from_numpy(X), "y": torch.linspace(-1, 1, 40)}
    )
    assert values.problem == "regression" and values.outputs == 1
    assert PlaygroundConfig.from_dict(json.loads(json.dumps(values.to_dict()))) == values
    with pytest.raises(ConfigError, match=r"X must have shape \(n, 2\)"):
        PlaygroundConfig.from_dict({"dataset": "custom", "X": np.zeros((5, 3)), "y": np.zeros(5)})
    with pytest.raises(ConfigError, match=r"y must have shape \(5,\)"):
        PlaygroundConfig.from_dict({"dataset": "custom", "X": np.zeros((5, 2)), "y": np.zeros(4)})


# -- network and maps -----------------------------------------------------------------------


def test_build_network_leaves_the_global_rng_alone() -> None:
    state = torch.random.get_rng_state()
    net = build_network(3, [4, 2], ["tanh", "relu"], 1, seed=5)
    assert torch.equal(state, torch.random.get_rng_state())
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Linear", "ReLU", "Linear"]
    again = build_network(3, [4, 2], ["tanh", "relu"], 1, seed=5)
    assert _same_parameters(net, again)
    assert float(net[0].weight.detach().abs().max()) <= 0.5


def test_resized_keeps_every_weight_that_still_fits() -> None:
    net = build_network(2, [3, 2], ["tanh", "tanh"], 1, seed=0)
    grown = resized(net, [4, 2], ["tanh", "tanh"], seed=1)
    assert torch.equal(grown[0].weight[:3], net[0].weight)
    assert torch.equal(grown[0].bias[:3], net[0].bias)
    assert torch.equal(grown[2].weight[:, :3], net[2].weight)
    assert torch.equal(grown[4].weight, net[4].weight)
    shrunk = resized(grown, [3, 2], ["tanh", "tanh"], seed=2)
    assert _same_parameters(shrunk, net)


def test_grid_maps_equal_the_model_on_the_grid_points() -> None:
    features = ["x1", "x2", "sin(x1)"]
    net = build_network(3, [5, 4], ["tanh", "relu"], 1, seed=0)
    extent = (-6.0, 6.0, -6.0, 6.0)
    maps = neuron_maps(net, features, extent, 16, "regression")
    assert maps.maps.dtype == np.uint8 and maps.maps.shape == (7 + 5 + 4 + 1, 16, 16)
    points = grid_points(extent, 16)
    assert points[0].tolist() == [-6.0, 6.0]  # row 0 is the top of the plane
    every = expand(points, ALL_FEATURES)
    with torch.no_grad():
        wanted = torch.cat([every, *layer_outputs(net, expand(points, features))], 1).T
    got = (maps.maps.reshape(len(maps.maps), -1) / 127.5 - 1) * maps.scales[:, None]
    step = maps.scales[:, None] / 127.5  # one quantisation step of each map
    assert np.all(np.abs(got - wanted.numpy()) <= step * 0.51 + 1e-6)


def test_classification_maps_show_probabilities() -> None:
    net = build_network(2, [3], ["tanh"], 3, seed=0)
    maps = neuron_maps(net, ["x1", "x2"], (-1, 1, -1, 1), 8, "classification")
    outputs = maps.maps[-3:].astype(float) / 127.5 - 1  # 2p − 1 per class
    assert np.allclose(((outputs + 1) / 2).sum(axis=0), 1, atol=0.02)
    assert np.all(maps.scales[-3:] == 1)


# -- training ---------------------------------------------------------------------------------


def _trainer(**settings) -> Trainer:
    return Trainer(PlaygroundConfig.from_dict(settings))


@pytest.mark.parametrize(
    "settings",
    [
        {"dataset": "circle", "features": ["x1^2", "x2^2"]},
        {"dataset": "gauss", "classes": 3, "noise": 0.2},
        {"dataset": "reg_plane", "activation": "linear", "learning_rate": 0.01},
        {"dataset": "xor", "features": ["x1*x2"], "regularization": "l2"},
    ],
)
def test_training_reduces_the_loss(settings: dict) -> None:
    trainer = _trainer(**settings)
    before = trainer.losses()[0]
    for _ in range(20):
        trainer.train_epoch()
    assert trainer.epoch == 20 and len(trainer.history) == 21
    assert trainer.losses()[0] < 0.8 * before


def test_the_loss_history_is_thinned_not_unbounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dlwidgets.playground.trainer.MAX_HISTORY", 10)
    trainer = _trainer()
    for _ in range(30):
        trainer.train_epoch()
    epochs = [epoch for epoch, _, _ in trainer.history]
    assert len(epochs) <= 11 and epochs[0] == 0 and epochs[-1] == 30
    assert epochs == sorted(epochs)


def test_regularization_shrinks_the_weights() -> None:
    norms = {}
    for kind in ("none", "l1", "l2"):
        trainer = _trainer(dataset="gauss", regularization=kind, regularization_rate=0.03)
        for _ in range(30):
            trainer.train_epoch()
        weights = [m.weight.detach() for m in trainer.model if hasattr(m, "weight")]
        norms[kind] = sum(float(w.abs().sum()) for w in weights)
    assert norms["l1"] < norms["none"] and norms["l2"] < norms["none"]


def test_frame_holds_every_weight_and_map() -> None:
    trainer = _trainer(layers=[3, 2])
    frame = trainer.frame()
    assert frame.widths == [2, 3, 2, 1]
    assert frame.params.size == 2 * 3 + 3 + 3 * 2 + 2 + 2 * 1 + 1
    assert torch.equal(torch.from_numpy(frame.params[:6]).reshape(3, 2), trainer.model[0].weight)
    assert frame.maps.maps.shape == (7 + 3 + 2 + 1, 64, 64)
    assert frame.train_accuracy is not None and 0 <= frame.train_accuracy <= 1


def test_pausing_waits_for_the_epoch_in_flight() -> None:
    threads = torch.get_num_threads()
    trainer = _trainer(dataset="spiral", samples=2000, batch_size=1)
    published = threading.Event()
    runner = BackgroundTraining(trainer, published.set, max_fps=30)
    runner.start()
    assert published.wait(30) and runner.running
    runner.stop()
    assert not runner.running
    epoch, weights = trainer.epoch, [p.clone() for p in trainer.model.parameters()]
    time.sleep(0.3)
    assert trainer.epoch == epoch > 0
    assert all(torch.equal(a, b) for a, b in zip(weights, trainer.model.parameters(), strict=True))
    assert trainer.history[-1][0] == epoch  # the last epoch finished its bookkeeping
    assert torch.get_num_threads() == threads  # the training thread's setting stayed its own


def test_a_failing_epoch_reaches_the_caller() -> None:
    trainer = _trainer()
    trainer.train_epoch = lambda after_batch=None: 1 / 0  # type: ignore[method-assign]
    errors: list[BaseException] = []
    runner = BackgroundTraining(trainer, lambda: None, on_error=errors.append)
    with pytest.raises(ZeroDivisionError):
        runner.run(2)
    runner.start()
    deadline = time.monotonic() + 10
    while not errors and time.monotonic() < deadline:
        time.sleep(0.05)
    assert isinstance(errors[0], ZeroDivisionError) and not runner.running


# -- the widget, driven from Python --------------------------------------------------------------


def test_playground_config_rebuilds_the_same_exercise() -> None:
    pg = dw.Playground(
        dataset="xor",
        features=["x1", "x2", "x1*x2"],
        layers=[5],
        hidden=["features", "loss_chart"],
        fixed=["dataset"],
        lang="vi",
    )
    again = dw.Playground(**json.loads(json.dumps(pg.config)))
    assert again.config == pg.config
    assert again.view.hidden == ["features", "loss_chart"] and again.view.lang == "vi"
    assert again.loss_chart.layout.title.text == "mất mát"
    again.set(lang="en")
    assert again.loss_chart.layout.xaxis.title.text == "epoch" and again.view.lang == "en"
    assert again.loss_chart not in again.children  # a hidden chart is not shown
    assert _same_parameters(pg.model, again.model)
    with pytest.raises(ConfigError, match="dataset is fixed"):
        again.set(dataset="circle")
    pg.close()
    again.close()


def test_playground_takes_the_users_points() -> None:
    X = torch.randn(60, 2, generator=torch.Generator().manual_seed(0))
    y = (X[:, 0] > 0).long()
    pg = dw.Playground(X, y, layers=[3], learning_rate=0.3)
    assert pg.config["dataset"] == "custom" and len(pg.config["X"]) == 60
    pg.step(100)
    assert pg.accuracy() > 0.8
    assert dw.Playground(**pg.config).config == pg.config
    pg.close()


def test_adding_a_neuron_changes_the_model_and_keeps_its_weights() -> None:
    pg = dw.Playground(layers=[3, 2])
    before = [p.detach().clone() for p in pg.model.parameters()]
    revision = pg.view.frame["revision"]
    pg.add_neuron(0)
    assert pg.config["layers"] == [4, 2] and pg.model[0].out_features == 4
    assert torch.equal(pg.model[0].weight[:3], before[0])
    assert torch.equal(pg.model[2].weight[:, :3], before[2])
    assert pg.view.frame["revision"] > revision and pg.view.frame["widths"] == [2, 4, 2, 1]
    pg.remove_neuron(1)
    pg.add_layer()
    assert pg.config["layers"] == [4, 1, 1] and len(pg.config["activation"]) == 3
    pg.remove_layer()
    assert pg.config["layers"] == [4, 1]
    with pytest.raises(ConfigError, match="layer must be a hidden layer index from 0 to 1"):
        pg.add_neuron(5)
    pg.set(activation=["relu", "tanh"])
    assert type(pg.model[1]).__name__ == "ReLU"
    pg.close()


def test_page_commands_follow_the_lesson() -> None:
    pg = dw.Playground(hidden=["play"], fixed=["layers"])
    pg._on_page_message(pg.view, {"type": "play"}, [])
    assert not pg.playing and "play is hidden" in pg.view.error
    pg._on_page_message(pg.view, {"type": "add_neuron", "layer": 0}, [])
    assert pg.config["layers"] == [4, 2] and "layers is fixed" in pg.view.error
    pg._on_page_message(pg.view, {"type": "set", "key": "noise", "value": 0.25}, [])
    assert pg.config["noise"] == 0.25 and pg.view.error == ""
    pg._on_page_message(pg.view, {"type": "set", "key": "noise", "value": 7}, [])
    assert "noise must be a number from 0 to 0.5, got 7" in pg.view.error
    pg._on_page_message(pg.view, {"type": "set", "key": "fixed", "value": []}, [])
    assert pg.config["fixed"] == ["layers"] and "no control for 'fixed'" in pg.view.error
    pg._on_page_message(pg.view, {"type": "step"}, [])
    assert pg.epoch == 1 and pg.view.frame["epoch"] == 1
    pg.close()


def test_play_trains_in_the_background_and_pause_stops_it() -> None:
    pg = dw.Playground(dataset="gauss")
    first = pg.train_loss
    pg.play()
    assert pg.view.playing
    deadline = time.monotonic() + 30
    while pg.epoch < 20 and time.monotonic() < deadline:
        time.sleep(0.05)  # this thread is free while training runs
    pg.pause()
    epoch = pg.epoch
    assert epoch >= 20 and not pg.view.playing and pg.train_loss < first
    time.sleep(0.2)
    assert pg.epoch == epoch and pg.view.frame["epoch"] == epoch
    assert decode(pg.view.frame["maps"]).shape == (7 + 4 + 2 + 1, 64, 64)
    assert pg.history[-1][0] == epoch
    pg.close()


def test_changes_while_playing_apply_between_batches() -> None:
    pg = dw.Playground(dataset="spiral", samples=1000, batch_size=2)
    pg.play()
    for _ in range(3):
        pg.add_neuron(0)
        pg.set(learning_rate=0.1, activation=["relu", "tanh"])
        pg.remove_neuron(0)
        pg.set(activation="tanh")
    assert pg.playing  # training went on through every change
    pg.pause()
    assert pg.config["layers"] == [4, 2] and pg.view.frame["widths"] == [2, 4, 2, 1]
    assert pg.view.error == ""
    pg.close()


def test_a_diverging_network_is_shown_not_broken() -> None:
    pg = dw.Playground(dataset="reg_plane", activation="relu", learning_rate=100)
    pg.step(5)
    frame = pg.view.frame
    assert frame["train_loss"] is None or np.isfinite(frame["train_loss"])
    json.dumps({k: v for k, v in frame.items() if k not in ("params", "maps", "scales")},
               allow_nan=False)  # fmt: skip
    pg.close()


def test_spiral_reaches_95_percent_from_python() -> None:
    """The network a user builds with the controls: every feature, two layers of 8, tanh."""
    pg = dw.Playground(dataset="spiral", features=ALL_FEATURES, layers=[8, 8], activation="tanh")
    start = time.monotonic()
    pg.play()
    while pg.accuracy() < 0.95 and time.monotonic() - start < 240:
        time.sleep(0.25)
    pg.pause()
    seconds = time.monotonic() - start
    print(f"spiral: {pg.accuracy():.3f} training accuracy after {pg.epoch} epochs, {seconds:.1f} s")
    assert pg.accuracy() >= 0.95
    pg.close()


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_playground_trains_on_the_gpu() -> None:
    pg = dw.Playground(dataset="spiral", features=ALL_FEATURES, layers=[8, 8], device="cuda")
    assert next(pg.model.parameters()).is_cuda
    pg.step(200)
    assert pg.accuracy() > 0.9
    assert decode(pg.view.frame["maps"]).shape == (7 + 8 + 8 + 1, 64, 64)
    pg.close()


def test_the_loss_chart_is_only_touched_on_the_kernels_thread() -> None:
    """Training runs in its own thread; the plotly widget is updated on the event loop's thread.

    The kernel's loop is played by a loop in a thread of the test's own (the test
    session may already run a loop in the main thread).
    """
    import asyncio

    threads: list[str] = []
    made: list[dw.Playground] = []

    async def main() -> None:
        pg = dw.Playground(dataset="xor", layers=[4], batch_size=10)
        made.append(pg)
        draw = pg._draw_chart

        def spy(history: list[tuple[int, float, float]]) -> None:
            threads.append(threading.current_thread().name)
            draw(history)

        pg._draw_chart = spy  # type: ignore[method-assign]
        pg.play()
        deadline = time.monotonic() + 20
        while pg.epoch < 30 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)  # the loop runs: chart updates land here
        pg.pause()
        await asyncio.sleep(0.1)

    kernel = threading.Thread(target=lambda: asyncio.run(main()), name="kernel-loop")
    kernel.start()
    kernel.join(60)
    pg = made[0]
    assert pg.epoch >= 30
    assert threads and set(threads) == {"kernel-loop"}
    assert len(pg.loss_chart.data[0].x) > 1  # and the chart did follow the training
    pg.close()
