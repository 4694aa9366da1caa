"""``unisample.adapters.tensorflow.layers``: specs as Keras 3 layers.

Imported only by ``Upsample.to_keras()`` and ``PixelShuffle.to_keras()``.  A
layer runs on every Keras backend: ``call`` hands the backend's tensors to the
matching unisample adapter (tensorflow, torch, jax), so the numbers are the
spec's on each.  The layers are registered, so a model that contains them
survives ``model.save("m.keras")`` and ``keras.models.load_model``.
"""

from __future__ import annotations

import keras

from unisample.shuffle import from_dict as shuffle_from_dict
from unisample.spec import Upsample as Spec


class _SpecLayer(keras.layers.Layer):
    """A spec as a Keras layer; ``data_format`` re-lays the spec out for Keras'
    conventions (``"channels_last"``, Keras' default, or ``"channels_first"``);
    left out, the spec's own layout is kept."""

    @staticmethod
    def _spec_from_dict(d):
        raise NotImplementedError

    def __init__(self, spec, data_format=None, **kwargs):
        super().__init__(**kwargs)
        spec = self._spec_from_dict(spec) if isinstance(spec, dict) else spec
        if data_format is not None and data_format != spec.data_format:
            if data_format not in ("channels_first", "channels_last"):
                raise ValueError(
                    f"data_format: got {data_format!r}; expected 'channels_first' or 'channels_last'"
                )
            spec = type(spec).from_dict({**spec.to_dict(), "data_format": data_format})
        self.spec = spec

    def compute_output_shape(self, input_shape):
        # The batch (and nothing else) may be unknown.
        known = tuple(1 if n is None else n for n in input_shape)
        out = list(self.spec.output_shape(known))
        out[0] = input_shape[0]
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "spec": self.spec.to_dict()}


@keras.saving.register_keras_serializable(package="unisample")
class Upsample(_SpecLayer):
    """A ``unisample.Upsample`` spec as a Keras layer."""

    _spec_from_dict = staticmethod(Spec.from_dict)

    def call(self, inputs):
        from unisample.adapters import adapter_for

        return adapter_for(inputs).resize(self.spec, inputs)


@keras.saving.register_keras_serializable(package="unisample")
class PixelShuffle(_SpecLayer):
    """A ``unisample.PixelShuffle`` or ``PixelUnshuffle`` spec as a Keras layer:
    the spec's channel order on every backend (``keras.ops.depth_to_space``
    with ``channels_first`` is DCR on TensorFlow and CRD on JAX and torch)."""

    _spec_from_dict = staticmethod(shuffle_from_dict)

    def call(self, inputs):
        from unisample.adapters import adapter_for

        return adapter_for(inputs).shuffle(self.spec, inputs)
