"""``unisample.adapters.paddle.layers.Upsample``: a spec as a ``paddle.nn.Layer``.

Imported only by ``Upsample.to_paddle()``.  The layer holds the spec (no
parameters: the taps depend on the input's size and are cached per size).
"""

from __future__ import annotations

import os
import sys

import paddle

from .. import paddle as adapter

#: how many unisample layers are computing now
_computing = [0]


class Upsample(paddle.nn.Layer):
    """A ``unisample.Upsample`` spec as a paddle layer: ``Upsample(spec)(x)``."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec

    def forward(self, x):
        _computing[0] += 1  # its own interpolate calls are not a model's (``Routed``)
        try:
            return adapter.resize(self.spec, x)
        finally:
            _computing[0] -= 1

    def extra_repr(self) -> str:
        return repr(self.spec)


class Routed(paddle.nn.Layer):
    """``model`` with every resize it runs computed by unisample: each
    ``paddle.nn.functional.interpolate`` call (``upsample`` and the
    ``nn.Upsample*`` layers call it) is read with ``Upsample.from_paddle`` and
    computed by that spec's unisample layer, so that a port keeps the numbers.
    While it runs, ``interpolate`` is replaced in ``paddle.nn.functional``, its
    ``common`` module and the modules defining the model's layer classes (a
    ``from paddle.nn.functional import interpolate`` there).  Made by
    ``unisample.scanning.rewrite``; ``Routed(model).model`` is the model,
    ``specs`` the specs its calls have used, in the order first seen, and
    ``sites`` the spec of each call site (``file:line`` of the model's code)."""

    def __init__(self, model: paddle.nn.Layer):
        super().__init__()
        self.model = model
        self._routes: dict = {}
        self._sites: dict = {}

    @property
    def specs(self) -> list:
        return list(self._routes)

    @property
    def sites(self) -> dict:
        return dict(self._sites)

    def forward(self, *args, **kwargs):
        from unisample import Upsample as Spec
        from unisample.scanning import call_site, replaced_everywhere

        from .scan import interpolate_input, interpolate_kwargs

        functional = paddle.nn.functional
        original = functional.interpolate
        inside = [0]  # the unisample layer's own interpolate calls are paddle's
        skip = (os.path.dirname(paddle.__file__) + os.sep, os.path.dirname(__file__) + os.sep)

        def interpolate(*a, **kw):
            if inside[0] or _computing[0]:
                return original(*a, **kw)
            spec = Spec.from_paddle(interpolate_kwargs(a, kw))
            self._sites[call_site(skip)] = spec
            layer = self._routes.get(spec)
            if layer is None:
                layer = self._routes[spec] = Upsample(spec)
            inside[0] += 1
            try:
                return layer(interpolate_input(a, kw))
            finally:
                inside[0] -= 1

        modules = {functional, sys.modules[functional.common.__name__]}
        modules.update(sys.modules[type(layer).__module__] for layer in self.model.sublayers(include_self=True))
        with replaced_everywhere({original: interpolate}, modules=modules):
            return self.model(*args, **kwargs)


class PixelShuffle(paddle.nn.Layer):
    """A ``unisample.PixelShuffle`` or ``PixelUnshuffle`` spec as a paddle layer."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec

    def forward(self, x):
        return adapter.shuffle(self.spec, x)

    def extra_repr(self) -> str:
        return repr(self.spec)
