"""What ``unisample scan`` looks for in a Keras model (or a ``.keras`` file):
its UpSampling and Resizing layers, nested models included, and unisample's
own layers; and how ``rewrite`` clones the model with unisample's layers."""

from __future__ import annotations

import os
from typing import List

from unisample.scanning import Found, own_spec, read
from unisample.spec import Upsample

SOURCE = "keras"  # the port target a scanned model comes from
ROOTS = ("keras", "tensorflow", "tf_keras")  # the packages its model classes live in
SUFFIXES = (".keras", ".h5")  # model files it reads
KIND = "a Keras model"

LAYERS = ("UpSampling1D", "UpSampling2D", "UpSampling3D", "Resizing")


def _layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        if getattr(layer, "layers", None):
            yield from _layers(layer)


def found(model) -> List[Found]:
    """The resizes of ``model`` (a Keras model or the path of a saved one)."""
    if isinstance(model, (str, os.PathLike)):
        model = load(os.fspath(model))
    out = []
    for layer in _layers(model):
        spec = own_spec(layer)
        if spec is not None:
            out.append(Found(layer.name, "unisample layer", spec))
        elif type(layer).__name__ in LAYERS:
            out.append(read(layer.name, f"keras.layers.{type(layer).__name__}", Upsample.from_keras, layer))
    return out


def rewrite(model):
    """A clone of ``model`` (same weights) whose resize layers are unisample's."""
    import keras

    def clone(layer):
        if type(layer).__name__ in LAYERS:
            return Upsample.from_keras(layer).to_keras()
        return layer.__class__.from_config(layer.get_config())

    new = keras.models.clone_model(model, clone_function=clone)
    new.set_weights(model.get_weights())
    return new


def load(path: str):
    """The Keras model saved at ``path``, unisample's layers included."""
    import keras

    from . import layers  # noqa: F401  (registers unisample's layer for loading)

    return keras.models.load_model(path)


def save(model, path: str) -> None:
    """Write ``model`` to ``path`` (ending in ``SUFFIXES[0]``)."""
    model.save(path)
