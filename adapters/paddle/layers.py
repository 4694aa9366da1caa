"""``unisample.adapters.paddle.layers.Upsample``: a spec as a ``paddle.nn.Layer``.

Imported only by ``Upsample.to_paddle()``.  The layer holds the spec (no
parameters: the taps depend on the input's size and are cached per size).
"""

from __future__ import annotations

import paddle

from .. import paddle as adapter


class Upsample(paddle.nn.Layer):
    """A ``unisample.Upsample`` spec as a paddle layer: ``Upsample(spec)(x)``."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec

    def forward(self, x):
        return adapter.resize(self.spec, x)

    def extra_repr(self) -> str:
        return repr(self.spec)
