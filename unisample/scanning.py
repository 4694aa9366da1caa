"""Finding every resize in a model: ``unisample scan``.

``scan(model)`` takes a torch ``nn.Module``, a Keras model (or a ``.keras``
file), a paddle ``Layer``, or an ONNX model (or a ``.onnx`` file), and lists
each resize it contains with its spec and, per target framework, whether a
native op reproduces it there (``native ok``), a unisample layer is needed
(``needs unisample``), or the target cannot express it at all (``cannot be
expressed``: ONNX only).  Verdicts come from ``unisample.porting``.

torch modules are also traced with ``torch.fx`` to find ``F.interpolate``
calls inside ``forward`` (when the module traces).  ``rewrite`` swaps the
resize layers of a torch module (in place) or a Keras model (a clone with the
same weights) for unisample layers computing the same numbers, so that a
later port keeps them.

Nothing here imports a framework: the model's own kind decides.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from . import porting
from .spec import Upsample

__all__ = ["Found", "scan", "rewrite", "render"]

_VERDICTS = {"native": "native ok", "unisample": "needs unisample", "cannot": "cannot be expressed"}


@dataclass
class Found:
    """One resize in a model: where, what, its spec (or why it has none), and the verdicts."""

    where: str
    what: str
    spec: Optional[Upsample]
    error: str = ""
    verdicts: Dict[str, str] = field(default_factory=dict)


def _framework_of(model) -> str:
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if path.endswith(".onnx"):
            return "onnx"
        if path.endswith((".keras", ".h5")):
            return "keras"
        raise ValueError(f"scan: got the file {path!r}; expected a .onnx or .keras file (or pass the model object)")
    roots = {cls.__module__.partition(".")[0] for cls in type(model).__mro__}
    for root, name in (("onnx", "onnx"), ("keras", "keras"), ("torch", "torch"), ("paddle", "paddle")):
        if root in roots:
            return name
    if "tensorflow" in roots or "tf_keras" in roots:
        return "keras"
    raise TypeError(f"scan: got {type(model).__module__}.{type(model).__qualname__}; expected a torch nn.Module, "
                    "a Keras model, a paddle Layer, an ONNX ModelProto, or a .onnx / .keras path")


def _own_spec(layer) -> Optional[Upsample]:
    """The spec of a unisample layer (torch, Keras or paddle), else None."""
    spec = getattr(layer, "spec", None)
    return spec if isinstance(spec, Upsample) and type(layer).__module__.startswith("unisample.") else None


def _layers_found(named_layers, classes: Sequence[str], package: str, reader) -> List[Found]:
    """unisample layers and the framework's own resize layers among ``(name, layer)`` pairs."""
    found = []
    for name, layer in named_layers:
        spec = _own_spec(layer)
        if spec is not None:
            found.append(Found(name or "(root)", "unisample layer", spec))
        elif type(layer).__name__ in classes and type(layer).__module__.startswith(package):
            found.append(_read(name, f"{package}.{type(layer).__name__}", reader, layer))
    return found


_TORCH_LAYERS = ("Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d")
_PADDLE_LAYERS = ("Upsample", "UpsamplingBilinear2D", "UpsamplingNearest2D")


def _torch_found(model) -> List[Found]:
    return (_layers_found(model.named_modules(), _TORCH_LAYERS, "torch.nn", Upsample.from_torch)
            + _torch_functional(model))


def _torch_functional(model) -> List[Found]:
    """``F.interpolate`` calls inside ``forward``, found by ``torch.fx`` (skipped if it cannot trace)."""
    import torch
    import torch.nn.functional as F

    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception:  # data-dependent control flow etc.: modules were still listed
        return []
    found = []
    for node in graph.nodes:
        if node.op == "call_function" and node.target is F.interpolate:
            kwargs = dict(node.kwargs)
            names = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias")
            kwargs.update(zip(names, node.args[1:]))
            if any(isinstance(v, torch.fx.Node) for v in kwargs.values()):
                found.append(Found(node.name, "F.interpolate", None, "size computed in the graph: not a constant"))
                continue
            found.append(_read(node.name, "F.interpolate", Upsample.from_torch, kwargs))
    return found


def _paddle_found(model) -> List[Found]:
    return _layers_found(model.named_sublayers(include_self=True), _PADDLE_LAYERS, "paddle.nn", Upsample.from_paddle)


def _keras_layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        if getattr(layer, "layers", None):
            yield from _keras_layers(layer)


def _keras_found(model) -> List[Found]:
    if isinstance(model, (str, os.PathLike)):
        import keras

        import unisample.adapters.tensorflow.layers  # noqa: F401  (registers unisample's layer for loading)

        model = keras.models.load_model(model)
    found = []
    for layer in _keras_layers(model):
        spec = _own_spec(layer)
        if spec is not None:
            found.append(Found(layer.name, "unisample layer", spec))
        elif type(layer).__name__ in ("UpSampling1D", "UpSampling2D", "UpSampling3D", "Resizing"):
            found.append(_read(layer.name, f"keras.layers.{type(layer).__name__}", Upsample.from_keras, layer))
    return found


def _onnx_found(model) -> List[Found]:
    from .onnx import resize_nodes

    found = []
    for node, spec in resize_nodes(model):
        name = node.name or node.output[0]
        if isinstance(spec, Exception):
            found.append(Found(name, f"onnx {node.op_type}", None, str(spec)))
        else:
            found.append(Found(name, f"onnx {node.op_type}", spec))
    return found


def _read(where: str, what: str, reader, obj) -> Found:
    try:
        return Found(where, what, reader(obj))
    except (ValueError, TypeError) as e:
        return Found(where, what, None, str(e))


_FINDERS = {"torch": _torch_found, "paddle": _paddle_found, "keras": _keras_found, "onnx": _onnx_found}


def scan(model, to: Optional[Sequence[str]] = None) -> List[Found]:
    """Every resize in ``model`` with its spec and a verdict per target (default:
    every framework but the model's own)."""
    source = _framework_of(model)
    targets = list(to) if to is not None else [t for t in porting.TARGETS if t != source]
    found = _FINDERS[source](model)
    for item in found:
        if item.spec is None:
            item.verdicts = {t: "unreadable" for t in targets}
            continue
        _, answers = porting.port(item.spec, to=targets)
        item.verdicts = {a.target: _VERDICTS[a.status] for a in answers}
    return found


def rewrite(model):
    """Swap the resize layers of a torch module (in place, returned) or a Keras
    model (returned: a clone with the same weights) for unisample layers."""
    source = _framework_of(model)
    if source == "torch":
        for name, module in list(model.named_modules()):
            if type(module).__name__ in _TORCH_LAYERS and type(module).__module__.startswith("torch.nn"):
                parent_name, _, child = name.rpartition(".")
                parent = model.get_submodule(parent_name) if parent_name else model
                setattr(parent, child, Upsample.from_torch(module).to_torch())
        return model
    if source == "keras":
        import keras

        def clone(layer):
            if type(layer).__name__ in ("UpSampling1D", "UpSampling2D", "UpSampling3D", "Resizing"):
                return Upsample.from_keras(layer).to_keras()
            return layer.__class__.from_config(layer.get_config())

        new = keras.models.clone_model(model, clone_function=clone)
        new.set_weights(model.get_weights())
        return new
    raise ValueError(f"rewrite: {source} models are not rewritten; scan them and build the layers "
                     "with Upsample.to_<framework>()")


def render(found: List[Found], label: str = "") -> str:
    """The table ``unisample scan`` prints."""
    targets = list(found[0].verdicts) if found else []
    header = ["op", "kind"] + targets + ["spec"]
    rows = [[f.where, f.what] + [f.verdicts.get(t, "") for t in targets]
            + [f"unisample.{f.spec!r}" if f.spec is not None else f"unreadable: {f.error}"] for f in found]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [f"unisample scan: {label}{len(found)} resize op(s)"]
    if rows:
        out += ["", line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(out)
