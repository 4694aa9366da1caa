"""What ``unisample scan`` looks for in a torch ``nn.Module``: the resize
modules, ``F.interpolate`` calls in ``forward`` (traced with ``torch.fx``, or
recorded while the model runs: ``run``), and unisample's own layers; and how
``rewrite`` swaps the modules."""

from __future__ import annotations

import os
import sys
from typing import List, Tuple

from unisample.scanning import Found, Recorder, call_site, layers_found, not_analysed, own_spec, read
from unisample.spec import Upsample

SOURCE = "torch"  # the port target a scanned model comes from
ROOTS = ("torch",)  # the packages its model classes live in
SUFFIXES = ()  # model files it reads
KIND = "a torch nn.Module"

LAYERS = ("Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d", "PixelShuffle", "PixelUnshuffle")


def found(model) -> List[Found]:
    """The resizes of ``model``: its modules, then its traced functional calls."""
    from .vocabulary import spec_of

    return layers_found(model.named_modules(), LAYERS, "torch.nn", spec_of) + _functional(model)


def _trace(model):
    """``model``'s ``torch.fx`` graph, unisample layers kept as calls (their
    ``forward`` computes taps from shapes, which a proxy cannot iterate)."""
    import torch

    class Tracer(torch.fx.Tracer):
        def is_leaf_module(self, m, qualname):
            return own_spec(m) is not None or super().is_leaf_module(m, qualname)

    return Tracer().trace(model)


def _functional(model) -> List[Found]:
    """``F.interpolate`` calls inside ``forward``, found by ``torch.fx``; one row
    saying they were not analysed when it cannot trace (the modules were still listed)."""
    import torch
    import torch.nn.functional as F

    from .layers import INTERPOLATE_PARAMETERS

    try:
        graph = _trace(model)
    except Exception as e:  # data-dependent control flow, iterating a proxy, ...
        return [Found("(forward)", "F.interpolate", None, not_analysed("torch.fx could not trace forward", e))]
    from .vocabulary import spec_of

    out = []
    for node in graph.nodes:
        if node.op == "call_function" and node.target in (F.pixel_shuffle, F.pixel_unshuffle):
            name = node.target.__name__
            key = "upscale_factor" if name == "pixel_shuffle" else "downscale_factor"
            factor = node.kwargs.get(key, node.args[1] if len(node.args) > 1 else None)
            out.append(read(node.name, f"F.{name}", spec_of, {"function": f"torch.nn.functional.{name}", key: factor}))
        if node.op == "call_function" and node.target is F.interpolate:
            kwargs = dict(node.kwargs)
            kwargs.update(zip(INTERPOLATE_PARAMETERS, node.args[1:]))
            if any(isinstance(v, torch.fx.Node) for v in kwargs.values()):
                out.append(Found(node.name, "F.interpolate", None,
                                 "size computed in the graph: not a constant; pass --input-shape to scan by running"))
                continue
            out.append(read(node.name, "F.interpolate", Upsample.from_torch, kwargs))
    return out


def run(model, example_input, substitute=None) -> Tuple[List[Found], object]:
    """The resizes ``model`` runs on ``example_input`` (a tensor or numpy array),
    recorded as they execute under ``torch.no_grad()``: every
    ``F.interpolate`` call (``F.upsample*`` and the ``nn.Upsample*`` modules call
    it) seen by a ``TorchFunctionMode``, and every unisample layer; and the
    model's output (``substitute``: see ``Recorder``)."""
    import numpy as np
    import torch
    from torch.overrides import TorchFunctionMode

    from . import from_numpy
    from .layers import interpolate_call, shuffle_call

    x = example_input if isinstance(example_input, torch.Tensor) else from_numpy(np.asarray(example_input))
    outer = sys._getframe()
    # the framework, and unisample's own torch code (rewrite's routing): the model's line is further out
    skip = (os.path.dirname(torch.__file__) + os.sep, os.path.dirname(__file__) + os.sep)
    from .vocabulary import spec_of

    recorder = Recorder(LAYERS, "torch.nn", spec_of, substitute=substitute)

    class Mode(TorchFunctionMode):
        # interpolate checks handle_torch_function first, so a mode sees every call
        # with its actual arguments; a patched F.interpolate would miss ``from
        # torch.nn.functional import interpolate`` in a model's file.
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            data, kw = interpolate_call(func, args, kwargs)
            what = "F.interpolate"
            if data is None:
                data, kw = shuffle_call(func, args, kwargs)
                what = f"F.{getattr(func, '__name__', '')}"
            if data is not None:
                row = recorder.resize(kw, tuple(data.shape), call_site(skip, outer), what)
                out = recorder.substituted(row, data)
                if out is not None:
                    return out
            return func(*args, **kwargs)

    names = {id(module): name for name, module in model.named_modules()}

    def enter(module, inputs):
        shape = tuple(inputs[0].shape) if inputs and isinstance(inputs[0], torch.Tensor) else ()
        recorder.enter(names.get(id(module)), module, shape, call_site(skip, outer))

    def leave(module, inputs, output):
        recorder.leave()

    # hooks on every module call, not only the model's own modules
    hooks = torch.nn.modules.module
    handles = [hooks.register_module_forward_pre_hook(enter), hooks.register_module_forward_hook(leave)]
    try:
        with torch.no_grad(), Mode():
            output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return recorder.found(), output


def rewrite(model):
    """``(routed, replaced, kept)``: ``model`` with its resize modules swapped for
    unisample's (in place), in a ``Routed`` wrapper that computes every
    ``F.interpolate`` call of its ``forward`` with unisample too (a ``Routed``
    model is returned as it is, its modules swapped); ``replaced``, the
    modules' names and ``"(forward) F.interpolate calls"``; nothing is kept."""
    from .layers import Routed

    inner = model.model if isinstance(model, Routed) else model
    replaced = []
    for name, module in list(inner.named_modules()):
        if type(module).__name__ in LAYERS and type(module).__module__.startswith("torch.nn"):
            parent_name, _, child = name.rpartition(".")
            parent = inner.get_submodule(parent_name) if parent_name else inner
            setattr(parent, child, Upsample.from_torch(module).to_torch())
            replaced.append(name)
    routed = model if isinstance(model, Routed) else Routed(model).train(model.training)
    return routed, replaced + ["(forward) F.interpolate calls"], []
