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
import tempfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from . import porting
from .files import atomic_copy
from .spec import Upsample

__all__ = ["Found", "scan", "rewrite", "rewrite_to", "rewrite_suffixes", "is_model", "render", "layers_found",
           "own_spec", "read"]

_VERDICTS = {"native": "native ok", "unisample": "needs unisample", "cannot": "cannot be expressed"}


@dataclass
class Found:
    """One resize in a model: where, what, its spec (or why it has none), and the verdicts."""

    where: str
    what: str
    spec: Optional[Upsample]
    error: str = ""
    verdicts: Dict[str, str] = field(default_factory=dict)


def _scanners() -> list:
    """Every framework's ``scan`` module, in registry order."""
    from .adapters import FRAMEWORKS, framework_part, has_part

    return [framework_part(fw, "scan") for fw in FRAMEWORKS if has_part(fw, "scan")]


class _Onnx:
    """ONNX models: read by ``unisample.onnx``, never rewritten."""

    SOURCE, ROOTS, SUFFIXES, KIND = "onnx", ("onnx",), (".onnx",), "an ONNX ModelProto"

    @staticmethod
    def found(model) -> List["Found"]:
        from .onnx import resize_nodes

        out = []
        for node, spec in resize_nodes(model):
            name = node.name or node.output[0]
            if isinstance(spec, Exception):
                out.append(Found(name, f"onnx {node.op_type}", None, str(spec)))
            else:
                out.append(Found(name, f"onnx {node.op_type}", spec))
        return out


def _scanner_of(model):
    """The scanner of ``model``'s kind: by a path's suffix, else by the package
    of the most derived class of ``model`` that a scanner knows (a Keras model
    on the torch backend is also an ``nn.Module``: Keras' class comes first)."""
    scanners = [_Onnx] + _scanners()
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        for scanner in scanners:
            if path.endswith(tuple(scanner.SUFFIXES)):
                return scanner
        suffixes = " or ".join(x for s in scanners for x in s.SUFFIXES[:1])
        raise ValueError(f"scan: got the file {path!r}; expected a {suffixes} file (or pass the model object)")
    for cls in type(model).__mro__:
        root = cls.__module__.partition(".")[0]
        for scanner in scanners:
            if root in scanner.ROOTS:
                return scanner
    kinds = ", ".join(s.KIND for s in scanners[1:] + scanners[:1])
    raise TypeError(f"scan: got {type(model).__module__}.{type(model).__qualname__}; expected {kinds}, "
                    f"or a {' / '.join(x for s in scanners for x in s.SUFFIXES[:1])} path")


def own_spec(layer) -> Optional[Upsample]:
    """The spec of a unisample layer (of any framework), else None."""
    spec = getattr(layer, "spec", None)
    return spec if isinstance(spec, Upsample) and type(layer).__module__.startswith("unisample.") else None


def layers_found(named_layers, classes: Sequence[str], package: str, reader) -> List[Found]:
    """unisample layers and the framework's own resize layers (``classes`` of
    ``package``, read by ``reader``) among ``(name, layer)`` pairs."""
    found = []
    for name, layer in named_layers:
        spec = own_spec(layer)
        if spec is not None:
            found.append(Found(name or "(root)", "unisample layer", spec))
        elif type(layer).__name__ in classes and type(layer).__module__.startswith(package):
            found.append(read(name, f"{package}.{type(layer).__name__}", reader, layer))
    return found


def read(where: str, what: str, reader, obj) -> Found:
    """``reader(obj)`` as a ``Found`` at ``where``, or why it cannot be read."""
    try:
        return Found(where, what, reader(obj))
    except (ValueError, TypeError) as e:
        return Found(where, what, None, str(e))


def scan(model, to: Optional[Sequence[str]] = None) -> List[Found]:
    """Every resize in ``model`` with its spec and a verdict per target (default:
    every framework but the model's own)."""
    scanner = _scanner_of(model)
    targets = list(to) if to is not None else [t for t in porting.targets() if t != scanner.SOURCE]
    found = scanner.found(model)
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
    scanner = _scanner_of(model)
    if not hasattr(scanner, "rewrite"):
        raise ValueError(f"rewrite: {scanner.SOURCE} models are not rewritten; scan them and build the layers "
                         "with Upsample.to_<framework>()")
    return scanner.rewrite(model)


def is_model(obj) -> bool:
    """Whether ``obj`` is a model of a framework ``scan`` reads (not a function
    or class that builds one)."""
    roots = {root for scanner in [_Onnx] + _scanners() for root in scanner.ROOTS}
    return any(cls.__module__.partition(".")[0] in roots for cls in type(obj).__mro__)


def rewrite_suffixes() -> Tuple[str, ...]:
    """The model files ``rewrite_to`` writes (those of frameworks that load and save them)."""
    return tuple(s.SUFFIXES[0] for s in _scanners() if hasattr(s, "save") and hasattr(s, "rewrite"))


def rewrite_to(model, path: str) -> None:
    """``rewrite(model)`` (a model or the path of a saved one) written to ``path``
    atomically: a failure leaves an existing file as it was."""
    scanner = _scanner_of(model)
    if not hasattr(scanner, "save"):
        raise ValueError(f"rewrite: {scanner.SOURCE} models are not written; expected one of "
                         f"{', '.join(rewrite_suffixes())}")
    if isinstance(model, (str, os.PathLike)):
        model = scanner.load(os.fspath(model))
    new = rewrite(model)
    with tempfile.TemporaryDirectory(prefix="unisample-rewrite-") as tmp:
        # a framework may write an archive by name: a complete one, then moved into place
        written = os.path.join(tmp, "model" + scanner.SUFFIXES[0])
        scanner.save(new, written)
        atomic_copy(written, path)


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
