"""The Playground's logic, with no widget code: settings, features, network, training, maps."""

from dlwidgets.playground.config import CONTROLS, ConfigError, PlaygroundConfig
from dlwidgets.playground.features import FEATURES, expand
from dlwidgets.playground.grid import NeuronMaps, grid_points, neuron_maps
from dlwidgets.playground.network import build_network, layer_outputs, resized
from dlwidgets.playground.runner import BackgroundTraining
from dlwidgets.playground.trainer import Frame, Trainer

__all__ = [
    "CONTROLS",
    "FEATURES",
    "BackgroundTraining",
    "ConfigError",
    "Frame",
    "NeuronMaps",
    "PlaygroundConfig",
    "Trainer",
    "build_network",
    "expand",
    "grid_points",
    "layer_outputs",
    "neuron_maps",
    "resized",
]
