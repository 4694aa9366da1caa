"""``unisample.adapters.torch.layers.Upsample``: a spec as a ``torch.nn.Module``.

Imported only by ``Upsample.to_torch()``.  The module holds the spec (no
parameters, no buffers: the taps depend on the input's size and are cached per
size), so ``torch.jit.trace``, ``torch.compile`` and ``torch.onnx.export``
see plain tensor operations: ``F.interpolate`` where it computes the spec,
``index_select`` / multiply / add otherwise.  ``torch.onnx.export`` (either
exporter) writes the one ``Resize`` node ``Upsample.to_onnx`` writes wherever
ONNX can express the spec, and those operations elsewhere
(``unisample.adapters.torch.onnx_export``).
"""

from __future__ import annotations

import os

import torch

from .. import torch as adapter
from . import onnx_export

#: how many unisample layers are computing now
_computing = [0]


class _PlainState:
    """``torch.save`` pickles modules: the spec travels as its plain ``to_dict``."""

    def __getstate__(self):
        state = self.__dict__.copy()
        state["spec"] = self.spec.to_dict()
        return state

    def __setstate__(self, state):
        from unisample.ops import spec_from_dict

        state = dict(state)
        state["spec"] = spec_from_dict(state["spec"])
        self.__dict__.update(state)


class Upsample(_PlainState, torch.nn.Module):
    """A ``unisample.Upsample`` spec as a torch module: ``Upsample(spec)(x)``."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The spec applied to ``x``; under ``torch.onnx.export``, a Resize node where ONNX can say it."""
        _computing[0] += 1  # its own F.interpolate calls are not a model's (``Routed``)
        try:
            if onnx_export.exporting():
                return onnx_export.resize(self.spec, x)
            return adapter.resize(self.spec, x)
        finally:
            _computing[0] -= 1

    def extra_repr(self) -> str:
        return repr(self.spec)


class PixelShuffle(_PlainState, torch.nn.Module):
    """A ``unisample.PixelShuffle`` or ``PixelUnshuffle`` spec as a torch module:
    ``PixelShuffle(spec)(x)``.  A permutation: ``torch.jit.trace`` and
    ``torch.onnx.export`` see torch's ``pixel_shuffle`` where it computes the
    spec (exported as ``DepthToSpace``), a reshape and a transpose elsewhere."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return adapter.shuffle(self.spec, x)

    def extra_repr(self) -> str:
        return repr(self.spec)


#: F.interpolate's parameters after the input, in order (positional calls)
INTERPOLATE_PARAMETERS = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias")


def plain(value):
    """An ``F.interpolate`` argument as ``from_torch`` reads it: ``torch.Size``,
    lists and 0-d tensors (``x.shape[-1] * 2`` under ``torch.jit``) as Python
    numbers and tuples."""
    if isinstance(value, torch.Tensor) and value.ndim == 0:
        return value.item()
    if isinstance(value, (list, tuple)):  # torch.Size is a tuple
        return tuple(plain(v) for v in value)
    return value


def interpolate_call(func, args, kwargs) -> tuple:
    """``(input, kwargs as from_torch reads them)`` of a call of ``func`` if it is
    ``torch.nn.functional.interpolate``, else ``(None, None)``: what a
    ``TorchFunctionMode`` sees (``F.upsample*`` and ``nn.Upsample*`` call it)."""
    if getattr(func, "__name__", "") != "interpolate" or func.__module__ != "torch.nn.functional":
        return None, None
    kwargs = dict(kwargs or {})
    data = args[0] if args else kwargs.pop("input")
    return data, {k: plain(v) for k, v in {**kwargs, **dict(zip(INTERPOLATE_PARAMETERS, args[1:]))}.items()}


def shuffle_call(func, args, kwargs) -> tuple:
    """``(input, arguments as from_torch reads them)`` of a call of ``func`` if it is
    torch's ``pixel_shuffle`` / ``pixel_unshuffle``, else ``(None, None)``."""
    name = getattr(func, "__name__", "")
    if name not in ("pixel_shuffle", "pixel_unshuffle") or not args:
        return None, None
    key = "upscale_factor" if name == "pixel_shuffle" else "downscale_factor"
    factor = args[1] if len(args) > 1 else (kwargs or {}).get(key)
    return args[0], {"function": f"torch.nn.functional.{name}", key: plain(factor)}


class _Route(torch.overrides.TorchFunctionMode):
    """Every ``F.interpolate`` call computed by the unisample layer of its spec;
    ``sites`` gets each call site's spec."""

    def __init__(self, layers: dict, sites: dict):
        super().__init__()
        self._layers, self._sites = layers, sites

    def __torch_function__(self, func, types, args=(), kwargs=None):
        data, kw = interpolate_call(func, args, kwargs)
        if data is None or _computing[0]:
            return func(*args, **(kwargs or {}))
        from unisample import Upsample as Spec
        from unisample.scanning import call_site

        spec = Spec.from_torch(kw)
        self._sites[call_site((os.path.dirname(torch.__file__) + os.sep, os.path.dirname(__file__) + os.sep))] = spec
        layer = self._layers.get(spec)
        if layer is None:  # a module per spec: scan's hooks see it as a unisample layer
            layer = self._layers[spec] = Upsample(spec)
        return layer(data)


class Routed(torch.nn.Module):
    """``model`` with every resize it runs computed by unisample: each
    ``F.interpolate`` call (``F.upsample*`` and the ``nn.Upsample*`` modules
    call it) is read with ``Upsample.from_torch`` and computed by that spec's
    unisample layer, so that a port keeps the numbers and ``torch.onnx.export``
    writes the Resize node ``Upsample.to_onnx`` writes.  Made by
    ``unisample.scanning.rewrite``; ``Routed(model).model`` is the model.
    ``specs`` lists the specs its calls have used, in the order first seen, and
    ``sites`` the spec of each call site (``file:line`` of the model's code)."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model
        self._layers: dict = {}
        self._sites: dict = {}

    @property
    def specs(self) -> list:
        return list(self._layers)

    @property
    def sites(self) -> dict:
        return dict(self._sites)

    def forward(self, *args, **kwargs):
        with _Route(self._layers, self._sites):
            return self.model(*args, **kwargs)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_layers"], state["_sites"] = {}, {}  # rebuilt on the next call
        return state
