"""What ``unisample scan`` looks for in a paddle ``Layer``: its resize
sublayers and unisample's own layers; run on an example input (``run``), also
every ``paddle.nn.functional.interpolate`` call its ``forward`` makes."""

from __future__ import annotations

import os
import sys
from typing import List, Tuple

from unisample.scanning import RUN_HINT, Found, Recorder, call_site, layers_found, replaced_everywhere
from unisample.spec import Upsample

SOURCE = "paddle"  # the port target a scanned model comes from
ROOTS = ("paddle",)  # the packages its model classes live in
SUFFIXES = ()  # model files it reads
KIND = "a paddle Layer"

LAYERS = ("Upsample", "UpsamplingBilinear2D", "UpsamplingNearest2D", "PixelShuffle", "PixelUnshuffle")
#: interpolate's parameters after the input, in paddle's order (positional calls)
_NAMES = ("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format", "recompute_scale_factor",
          "antialias", "name")


def found(model) -> List[Found]:
    """The resizes of ``model``: its sublayers, itself included; and a row saying
    that functional calls are not seen when a ``forward`` is the model's own."""
    from .vocabulary import spec_of

    out = layers_found(model.named_sublayers(include_self=True), LAYERS, "paddle.nn", spec_of)
    own = [layer for _, layer in model.named_sublayers(include_self=True)
           if not type(layer).forward.__module__.startswith(("paddle.", "unisample."))]
    if own:  # paddle has no tracer that keeps a Python branch: only a run sees these calls
        out.append(Found("(forward)", "F.interpolate", None, "call sites not analysed: paddle.nn.functional."
                         f"interpolate calls in forward are only found by running; {RUN_HINT}"))
    return out


def interpolate_kwargs(args, kwargs) -> dict:
    """An ``interpolate`` call's arguments as ``from_paddle`` reads them, either
    signature (paddle's, or torch's whose sixth is ``recompute_scale_factor``)."""
    kw = dict(kwargs)
    if "input" in kw:
        kw["x"] = kw.pop("input")
    args = tuple(args)
    if len(args) >= 6 and type(args[5]) is not int:  # how paddle itself tells torch's signature
        kw.update(zip(("recompute_scale_factor", "antialias"), args[5:]))
        args = args[:5]
    kw.update(zip(("x",) + _NAMES, args))
    kw.pop("x", None)
    # defaults are left out: from_paddle knows paddle's, and refuses what it cannot read
    if not kw.get("antialias"):
        kw.pop("antialias", None)
    if kw.get("recompute_scale_factor") is None:
        kw.pop("recompute_scale_factor", None)
    return {k: _plain(v) for k, v in kw.items()}


def _plain(value):
    """Lists (paddle's shapes) and one-element tensors as Python numbers and tuples."""
    if hasattr(value, "numpy") and hasattr(value, "shape"):
        value = value.numpy().tolist()
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v) for v in value)
    return value


def interpolate_input(args, kwargs):
    """The input of an ``interpolate`` call."""
    return args[0] if args else kwargs.get("x", kwargs.get("input"))


def _read_call(args, kwargs) -> tuple:
    return interpolate_kwargs(args, kwargs), interpolate_input(args, kwargs)


def _shuffle_reader(name: str, key: str):
    """``Recorder.wrapped``'s ``read_call`` for ``paddle.nn.functional.<name>``."""
    def read_call(args, kwargs) -> tuple:
        kw = {**dict(zip(("x", key, "data_format", "name"), args)), **kwargs}
        data = kw.pop("x")
        kw.pop("name", None)
        return {"function": f"paddle.nn.functional.{name}", **kw}, data
    return read_call


def run(model, example_input, substitute=None) -> Tuple[List[Found], object]:
    """The resizes ``model`` runs on ``example_input`` (a tensor or numpy array),
    recorded as they execute under ``paddle.no_grad()``: every
    ``paddle.nn.functional.interpolate`` call (``upsample`` and the
    ``nn.Upsample*`` layers call it), and every unisample layer; and the
    model's output (``substitute``: see ``Recorder``)."""
    import numpy as np
    import paddle
    import paddle.nn.functional as F

    from . import from_numpy

    x = example_input if isinstance(example_input, paddle.Tensor) else from_numpy(np.asarray(example_input))
    outer = sys._getframe()
    # the framework, and unisample's own paddle code (rewrite's routing): the model's line is further out
    skip = (os.path.dirname(paddle.__file__) + os.sep, os.path.dirname(__file__) + os.sep)
    from .vocabulary import spec_of

    recorder = Recorder(LAYERS, "paddle.nn", spec_of, substitute=substitute)
    original = F.interpolate
    replacements = {original: recorder.wrapped(original, "F.interpolate", _read_call, skip, outer)}
    for name, key in (("pixel_shuffle", "upscale_factor"), ("pixel_unshuffle", "downscale_factor")):
        function = getattr(F, name)
        replacements[function] = recorder.wrapped(function, f"F.{name}", _shuffle_reader(name, key), skip, outer)

    names = {id(layer): name for name, layer in model.named_sublayers(include_self=True)}
    layer_class = paddle.nn.Layer
    original_call = layer_class.__call__

    def call(layer, *args, **kwargs):
        # every layer call, the ones the model makes as it runs included (no hook sees those)
        data = args[0] if args else None
        shape = tuple(data.shape) if isinstance(data, paddle.Tensor) else ()
        recorder.enter(names.get(id(layer)), layer, shape, call_site(skip, outer))
        try:
            return original_call(layer, *args, **kwargs)
        finally:
            recorder.leave()

    setattr(layer_class, "__call__", call)  # noqa: B010  (paddle's stubs type the method)
    try:
        # paddle's F, functional.common (upsample calls it) and a model's own
        # ``from paddle.nn.functional import interpolate``
        with replaced_everywhere(replacements), paddle.no_grad():
            output = model(x)
    finally:
        setattr(layer_class, "__call__", original_call)  # noqa: B010
    return recorder.found(), output


def rewrite(model):
    """``model`` with its resize sublayers swapped for unisample's (in place), in a
    ``Routed`` wrapper that computes every ``interpolate`` call of its
    ``forward`` with unisample too (a ``Routed`` model is returned as it is, its
    sublayers swapped): ``(routed, replaced, kept)`` as torch's ``rewrite``."""
    from .layers import Routed

    inner = model.model if isinstance(model, Routed) else model
    replaced = []
    for name, layer in list(inner.named_sublayers()):
        if type(layer).__name__ in LAYERS and type(layer).__module__.startswith("paddle.nn"):
            parent_name, _, child = name.rpartition(".")
            parent = inner
            for part in parent_name.split(".") if parent_name else ():
                parent = getattr(parent, part)
            setattr(parent, child, Upsample.from_paddle(layer).to_paddle())
            replaced.append(name)
    replaced.append("(forward) interpolate calls")
    if isinstance(model, Routed):
        return model, replaced, []
    routed = Routed(model)
    routed.train() if model.training else routed.eval()
    return routed, replaced, []
