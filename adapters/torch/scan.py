"""What ``unisample scan`` looks for in a torch ``nn.Module``: the resize
modules, ``F.interpolate`` calls in ``forward`` (traced with ``torch.fx``),
and unisample's own layers; and how ``rewrite`` swaps the modules."""

from __future__ import annotations

from typing import List

from unisample.scanning import Found, layers_found, read
from unisample.spec import Upsample

SOURCE = "torch"  # the port target a scanned model comes from
ROOTS = ("torch",)  # the packages its model classes live in
SUFFIXES = ()  # model files it reads
KIND = "a torch nn.Module"

LAYERS = ("Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d")


def found(model) -> List[Found]:
    """The resizes of ``model``: its modules, then its traced functional calls."""
    return layers_found(model.named_modules(), LAYERS, "torch.nn", Upsample.from_torch) + _functional(model)


def _functional(model) -> List[Found]:
    """``F.interpolate`` calls inside ``forward``, found by ``torch.fx`` (skipped if it cannot trace)."""
    import torch
    import torch.nn.functional as F

    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception:  # data-dependent control flow etc.: modules were still listed
        return []
    out = []
    for node in graph.nodes:
        if node.op == "call_function" and node.target is F.interpolate:
            kwargs = dict(node.kwargs)
            names = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias")
            kwargs.update(zip(names, node.args[1:]))
            if any(isinstance(v, torch.fx.Node) for v in kwargs.values()):
                out.append(Found(node.name, "F.interpolate", None, "size computed in the graph: not a constant"))
                continue
            out.append(read(node.name, "F.interpolate", Upsample.from_torch, kwargs))
    return out


def rewrite(model):
    """``model`` with its resize modules swapped for unisample's, in place."""
    for name, module in list(model.named_modules()):
        if type(module).__name__ in LAYERS and type(module).__module__.startswith("torch.nn"):
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, child, Upsample.from_torch(module).to_torch())
    return model
