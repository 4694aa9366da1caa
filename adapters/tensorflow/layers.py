"""``unisample.adapters.tensorflow.layers.Upsample``: a spec as a Keras 3 layer.

Imported only by ``Upsample.to_keras()``.  The layer runs on every Keras
backend: ``call`` hands the backend's tensors to the matching unisample adapter
(tensorflow, torch; jax once its adapter exists).  It is registered, so a
model that contains it survives ``model.save("m.keras")`` and
``keras.models.load_model``.
"""

from __future__ import annotations

import keras

from unisample.spec import Upsample as Spec


@keras.saving.register_keras_serializable(package="unisample")
class Upsample(keras.layers.Layer):
    """A ``unisample.Upsample`` spec as a Keras layer.

    ``data_format`` re-lays the spec out for Keras' conventions
    (``"channels_last"``, Keras' default, or ``"channels_first"``); left out,
    the spec's own layout is kept.
    """

    def __init__(self, spec, data_format=None, **kwargs):
        super().__init__(**kwargs)
        spec = spec if isinstance(spec, Spec) else Spec.from_dict(spec)
        if data_format is not None and data_format != spec.data_format:
            if data_format not in ("channels_first", "channels_last"):
                raise ValueError(
                    f"data_format: got {data_format!r}; expected 'channels_first' or 'channels_last'"
                )
            spec = Spec.from_dict({**spec.to_dict(), "data_format": data_format})
        self.spec = spec

    def call(self, inputs):
        from unisample.adapters import adapter_for

        return adapter_for(inputs).resize(self.spec, inputs)

    def compute_output_shape(self, input_shape):
        # The batch (and nothing else) may be unknown.
        known = tuple(1 if n is None else n for n in input_shape)
        out = list(self.spec.output_shape(known))
        out[0] = input_shape[0]
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "spec": self.spec.to_dict()}
