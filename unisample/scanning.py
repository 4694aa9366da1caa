"""Finding every resize in a model: ``unisample scan``.

``scan(model)`` takes a torch ``nn.Module``, a Keras model (or a ``.keras``
file), a paddle ``Layer``, or an ONNX model (or a ``.onnx`` file), and lists
each resize (and pixel shuffle) it contains with its spec and, per target
framework, whether a native op reproduces it there (``native ok``), a
unisample layer is needed (``needs unisample``), or the target cannot
express it at all (``cannot be expressed``: ONNX only).  Verdicts come from
``unisample.porting``.

torch modules are also traced with ``torch.fx`` to find ``F.interpolate``
calls inside ``forward``; when it cannot trace (a branch on a shape: most real
decoders) a row says so, never a silent "0 resize op(s)"; so does a Keras
``Lambda`` or subclassed ``call`` and a paddle ``forward``.  Given an
``example_input``, ``scan`` instead runs the model once and records every
resize as it executes (``Recorder``), with its actual arguments, how many
times it ran and the input shapes it saw: sizes computed from shapes are then
known (``unisample.port_risk`` runs it again with other ops in their place).
``rewrite`` makes every resize of a torch module or paddle layer (its layers
swapped in place, in a ``Routed`` wrapper for its functional calls) or of a
Keras model (a clone with the same weights, nested models entered)
unisample's, so that a later port keeps the numbers.

Nothing here imports a framework: the model's own kind decides.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass, field
from types import FrameType
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from . import porting
from .files import atomic_copy
from .shuffle import ShuffleSpec
from .spec import Upsample

__all__ = ["Found", "scan", "rewrite", "rewrite_report", "Rewritten", "rewrite_to", "rewrite_suffixes", "is_model",
           "render", "layers_found",
           "own_spec", "read", "source_of", "runs", "Recorder", "call_site", "not_analysed", "replaced_everywhere",
           "render_rows",
           "RUN_HINT", "NOT_ANALYSED"]

_VERDICTS = {"native": "native ok", "unisample": "needs unisample", "cannot": "cannot be expressed"}

#: what a row that a static scan could not read tells the user to do
RUN_HINT = "pass --input-shape to scan by running"
#: how the error of a row standing for call sites a static scan could not see begins
NOT_ANALYSED = "call sites not analysed"


@dataclass
class Found:
    """One resize in a model: where, what, its spec (or why it has none), and the verdicts."""

    where: str
    what: str
    spec: Optional[Union[Upsample, ShuffleSpec]]
    error: str = ""
    verdicts: Dict[str, str] = field(default_factory=dict)
    #: scanned by running: the call site ``file:line`` (empty when found statically)
    site: str = ""
    #: scanned by running: how many times it ran (0 when found statically)
    calls: int = 0
    #: scanned by running: the distinct input shapes it saw, in the order first seen
    shapes: Tuple[Tuple[int, ...], ...] = ()


def _scanners() -> list:
    """Every framework's ``scan`` module, in registry order."""
    from .adapters import FRAMEWORKS, framework_part, has_part

    return [framework_part(fw, "scan") for fw in FRAMEWORKS if has_part(fw, "scan")]


class _Onnx:
    """ONNX models: read by ``unisample.onnx``, never rewritten."""

    SOURCE, ROOTS, SUFFIXES, KIND = "onnx", ("onnx",), (".onnx",), "an ONNX ModelProto"

    @staticmethod
    def found(model, input_shape=None) -> List["Found"]:
        """Its Resize / Upsample nodes (shapes computed in the graph folded on ``input_shape``)."""
        from .onnx import resize_nodes
        from .onnx_shuffle import shuffle_nodes

        out = []
        nodes = resize_nodes(model, input_shape=input_shape) + shuffle_nodes(model)
        order = {id(node): i for i, node in enumerate(model.graph.node)} if hasattr(model, "graph") else {}
        for node, spec in sorted(nodes, key=lambda pair: order.get(id(pair[0]), 0)):
            name = node.name or node.output[0]
            if isinstance(spec, Exception):
                out.append(Found(name, f"onnx {node.op_type}", None, str(spec)))
            else:
                out.append(Found(name, f"onnx {node.op_type}", spec))
        return out

    @staticmethod
    def run(model, example_input, substitute=None) -> Tuple[List["Found"], None]:
        """Not run: its nodes read with the shape of ``example_input`` fixing the
        dynamic ones (no output; ``substitute`` is refused)."""
        if substitute is not None:
            raise ValueError("scan: ONNX models are read, not run: no port risk to measure; scan the model "
                             "they were exported from")
        return _Onnx.found(model, input_shape=tuple(int(n) for n in getattr(example_input, "shape", ()))), None


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


def source_of(model) -> str:
    """The framework ``model`` (an object or a model file's path) comes from: its
    scanner's ``SOURCE`` (``"torch"``, ``"paddle"``, ``"keras"``, ``"onnx"``)."""
    return _scanner_of(model).SOURCE


def runs(model) -> bool:
    """Whether ``scan`` takes an ``example_input`` for ``model``'s kind."""
    return hasattr(_scanner_of(model), "run")


def own_spec(layer):
    """The spec (an ``Upsample``, ``PixelShuffle`` or ``PixelUnshuffle``) of a
    unisample layer of any framework, else None."""
    from .shuffle import is_shuffle

    spec = getattr(layer, "spec", None)
    ours = isinstance(spec, Upsample) or is_shuffle(spec)
    return spec if ours and type(layer).__module__.startswith("unisample.") else None


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


def not_analysed(why: str, error: BaseException) -> str:
    """The error of a row standing for call sites a static scan could not see."""
    first = (str(error).splitlines() or [""])[0]
    first = first if len(first) <= 100 else first[:97] + "..."
    return f"{NOT_ANALYSED}: {why} ({type(error).__name__}: {first}); {RUN_HINT}"


def call_site(skip: Sequence[str], outer: Optional[FrameType] = None) -> str:
    """``file:line`` of the innermost frame of the caller's stack whose file is
    under none of ``skip`` (the framework's package, the scanner itself): the
    model's line that asked for the resize; ``""`` when the walk reaches
    ``outer`` (the frame that ran the model: a layer a framework's own
    container called has no line of the model's).  The path is relative to
    the current directory when under it."""
    frame: Optional[FrameType] = sys._getframe(1)
    prefixes = tuple(skip) + (__file__,)
    while frame is not None and frame is not outer and frame.f_code.co_filename.startswith(prefixes):
        frame = frame.f_back
    if frame is None or frame is outer:
        return "" if frame is outer and outer is not None else "?"
    path = frame.f_code.co_filename
    try:
        relative = os.path.relpath(path)
        path = path if relative.startswith("..") else relative
    except ValueError:  # another drive (Windows)
        pass
    return f"{path}:{frame.f_lineno}"


@contextlib.contextmanager
def replaced_everywhere(replacements: Dict[Callable, Callable], modules=None) -> Iterator[None]:
    """Every module attribute holding a key of ``replacements`` set to its value
    while the block runs, then restored: a framework's public name and the
    private modules that call it, and a model's own ``from ... import resize``.
    (For frameworks whose functions no mode or hook sees.)  ``modules``: where
    to look (default: every imported module)."""
    patched = []
    try:
        for module in list(sys.modules.values()) if modules is None else list(modules):
            try:
                items = list(vars(module).items())
            except TypeError:  # no __dict__
                continue
            for name, value in items:
                try:
                    replacement = replacements.get(value)
                except TypeError:  # unhashable
                    continue
                if replacement is not None:
                    setattr(module, name, replacement)
                    patched.append((module, name, value))
        yield
    finally:
        for module, name, value in patched:
            setattr(module, name, value)


class Recorder:
    """The resizes of one run of a model, grouped by (where, call site, kind, spec).

    A framework's ``run`` calls ``enter`` / ``leave`` around every module (its
    hooks), and ``resize`` for every resize function call.  A call inside a
    framework resize layer is attributed to the layer; one inside a unisample
    layer is the layer's own computation (it records itself on ``enter``).
    With ``layer_reader``, a framework resize layer is read from the layer
    itself on ``enter`` (as ``label.ClassName``) and what it calls inside is
    its own computation too: Keras' nearest UpSampling repeats, it calls no resize.

    ``substitute(row, input)``, where given, may return another output for a
    resize as it runs (``port_risk`` puts the target's native op there); None
    keeps the model's own.  ``enter`` and ``resize`` return the row they
    counted the call in (None inside a layer that counts as one resize), and
    ``substituted`` asks ``substitute``."""

    def __init__(self, layers: Sequence[str], package: str, reader, layer_reader=None, label: str = "",
                 substitute: Optional[Callable] = None):
        self._layers, self._package, self._reader = tuple(layers), package, reader
        self._layer_reader, self._label = layer_reader, label or package
        self._substitute = substitute
        self._stack: List[Tuple[str, object, bool]] = []  # (name, module, is a unisample layer), innermost last
        self._own = 0  # how many unisample layers are running now
        self._calls = 0  # how many wrapped functions are running now
        self._rows: Dict[tuple, Found] = {}

    def enter(self, name: Optional[str], layer, shape: Tuple[int, ...], site: str = "") -> Optional[Found]:
        """``layer`` (named ``name`` in the model) starts on an input of ``shape``;
        a layer the model makes as it runs (``name`` None: ``nn.Upsample(...)(x)``
        in ``forward``, ``rewrite``'s routed layers) takes the name of the layer
        running it."""
        if name is None:
            name = self._stack[-1][0] if self._stack else ""
        spec, cls = own_spec(layer), type(layer)
        framework_layer = (self._layer_reader is not None and cls.__name__ in self._layers
                           and cls.__module__.startswith(self._package))
        row = None
        if not self._own and spec is not None:
            row = self._add(Found(name or "(root)", "unisample layer", spec), site, shape)
        elif not self._own and framework_layer:
            row = self._add(read(name or "(root)", f"{self._label}.{cls.__name__}", self._layer_reader, layer),
                            site, shape)
        own = spec is not None or framework_layer
        self._own += own
        self._stack.append((name, layer, own))
        return row

    def leave(self) -> None:
        """The innermost running layer returned."""
        if self._stack:
            self._own -= self._stack.pop()[2]

    def resize(self, kwargs: dict, shape: Tuple[int, ...], site: str, what: str) -> Optional[Found]:
        """A resize function (``what``) ran with keyword arguments ``kwargs`` (as the
        framework's ``Upsample.from_<framework>`` reads them) on an input of ``shape``."""
        if self._own:
            return None
        name, layer = self._stack[-1][:2] if self._stack else ("", None)
        cls = type(layer)
        if layer is not None and cls.__name__ in self._layers and cls.__module__.startswith(self._package):
            what = f"{self._label}.{cls.__name__}"
        return self._add(read(name or "(root)", what, self._reader, kwargs), site, shape)

    def substituted(self, row: Optional[Found], data):
        """What ``substitute`` puts in place of ``row``'s output on ``data``, else None."""
        return self._substitute(row, data) if row is not None and self._substitute is not None else None

    def wrapped(self, original: Callable, what: str, read_call: Callable, skip: Sequence[str],
                outer: Optional[FrameType] = None) -> Callable:
        """``original`` recording itself as a ``what`` call: ``read_call(args,
        kwargs)`` gives ``(kwargs as the reader takes them, the input)``.
        Calls made inside another wrapped call are that call's own computation
        (``upsample`` calling ``interpolate``, Keras' resize calling TF's)."""

        def wrapper(*args, **kwargs):
            row = data = None
            if not self._calls:
                kw, data = read_call(args, kwargs)
                row = self.resize(kw, tuple(int(n) for n in data.shape), call_site(skip, outer), what)
            self._calls += 1  # a substitute's own resize calls are not the model's
            try:
                out = self.substituted(row, data)
                return out if out is not None else original(*args, **kwargs)
            finally:
                self._calls -= 1

        return wrapper

    def _add(self, item: Found, site: str, shape: Tuple[int, ...]) -> Found:
        key = (item.where, site, item.what, item.spec, item.error)
        row = self._rows.setdefault(key, Found(item.where, item.what, item.spec, item.error, site=site))
        row.calls += 1
        if shape not in row.shapes:
            row.shapes += (shape,)
        return row

    def found(self) -> List[Found]:
        """One row per (where, call site, kind, spec), in the order first run."""
        return list(self._rows.values())


def scan(model, to: Optional[Sequence[str]] = None, example_input=None) -> List[Found]:
    """Every resize in ``model`` with its spec and a verdict per target (default:
    every framework but the model's own).

    With ``example_input`` (a tensor of the model's framework, or a numpy
    array), the model runs once on it, without gradients, and every resize is
    recorded as it executes: its call site, how many times it ran and the input
    shapes it saw (``Found.site``, ``calls``, ``shapes``).  Only resizes that
    run are found.  An ONNX model is not run: the shape of ``example_input``
    fixes its dynamic shapes."""
    scanner = _scanner_of(model)
    targets = list(to) if to is not None else [t for t in porting.targets() if t != scanner.SOURCE]
    if example_input is None:
        found = scanner.found(model)
    elif hasattr(scanner, "run"):
        found = scanner.run(model, example_input)[0]
    else:
        raise ValueError(f"scan: {scanner.SOURCE} models are not scanned by running yet; scan them without an "
                         "example input (--input-shape)")
    for item in found:
        if item.spec is None:
            item.verdicts = {t: "unreadable" for t in targets}
            continue
        _, answers = porting.port(item.spec, to=targets)
        item.verdicts = {a.target: _VERDICTS[a.status] for a in answers}
    return found


@dataclass
class Rewritten:
    """What ``rewrite_report`` did: the rewritten ``model``, the layers it
    ``replaced`` (their paths), and those it ``kept`` with why (``(path, why)``)."""

    model: object
    replaced: List[str]
    kept: List[Tuple[str, str]]

    def summary(self) -> str:
        """One line per kind: what was replaced, what was not and why."""
        lines = [f"replaced by unisample: {', '.join(self.replaced) if self.replaced else 'nothing'}"]
        lines += [f"not rewritten: {path}: {why}" for path, why in self.kept]
        return "\n".join(lines)


def rewrite_report(model) -> Rewritten:
    """``rewrite(model)`` with what it replaced and what it could not."""
    scanner = _scanner_of(model)
    if not hasattr(scanner, "rewrite"):
        raise ValueError(f"rewrite: {scanner.SOURCE} models are not rewritten; scan them and build the layers "
                         "with Upsample.to_<framework>()")
    new, replaced, kept = scanner.rewrite(model)
    return Rewritten(new, list(replaced), list(kept))


def rewrite(model):
    """``model`` with every resize computed by unisample, returned: a torch module
    or paddle Layer has its resize layers swapped in place and comes back in a
    ``Routed`` wrapper that computes its functional ``interpolate`` calls with
    unisample too; a Keras model comes back as a clone whose resize layers
    (nested models entered) are unisample's, with the same weights.
    ``rewrite_report`` says which layers were replaced and which not."""
    return rewrite_report(model).model


def is_model(obj) -> bool:
    """Whether ``obj`` is a model of a framework ``scan`` reads (not a function
    or class that builds one)."""
    roots = {root for scanner in [_Onnx] + _scanners() for root in scanner.ROOTS}
    return any(cls.__module__.partition(".")[0] in roots for cls in type(obj).__mro__)


def rewrite_suffixes() -> Tuple[str, ...]:
    """The model files ``rewrite_to`` writes (those of frameworks that load and save them)."""
    return tuple(s.SUFFIXES[0] for s in _scanners() if hasattr(s, "save") and hasattr(s, "rewrite"))


def rewrite_to(model, path: str) -> "Rewritten":
    """``rewrite(model)`` (a model or the path of a saved one) written to ``path``
    atomically (a failure leaves an existing file as it was); what it did."""
    scanner = _scanner_of(model)
    if not hasattr(scanner, "save"):
        raise ValueError(f"rewrite: {scanner.SOURCE} models are not written; expected one of "
                         f"{', '.join(rewrite_suffixes())}")
    if isinstance(model, (str, os.PathLike)):
        model = scanner.load(os.fspath(model))
    done = rewrite_report(model)
    with tempfile.TemporaryDirectory(prefix="unisample-rewrite-") as tmp:
        # a framework may write an archive by name: a complete one, then moved into place
        written = os.path.join(tmp, "model" + scanner.SUFFIXES[0])
        scanner.save(done.model, written)
        atomic_copy(written, path)
    return done


def _shapes(shapes) -> str:
    return ", ".join("x".join(str(n) for n in shape) for shape in shapes)


def _row(f: Found, targets: List[str], ran: bool) -> list:
    """One row of ``render``'s table."""
    return ([f.where, f.what] + ([f.calls, _shapes(f.shapes), f.site] if ran else [])
            + [f.verdicts.get(t, "") for t in targets]
            + [f"unisample.{f.spec!r}" if f.spec is not None else f"unreadable: {f.error}"])


def _title(found: List[Found], label: str, ran: bool) -> str:
    """``render``'s first line: the resizes found, the calls run, the places a
    static scan could not see (never counted as resizes: 0 is then not silent)."""
    unseen = sum(f.spec is None and f.error.startswith(NOT_ANALYSED) for f in found)
    title = f"unisample scan: {label}{len(found) - unseen} resize op(s)"
    if ran:
        title += f", {sum(f.calls for f in found)} call(s) run"
    if unseen:
        title += f"; {unseen} place(s) not analysed: see below"
    return title


def render(found: List[Found], label: str = "") -> str:
    """The table ``unisample scan`` prints (with the call site, the number of calls
    and the input shapes when the model was scanned by running)."""
    targets = list(found[0].verdicts) if found else []
    ran = any(f.calls for f in found)
    header = ["op", "kind"] + (["calls", "input shapes", "call site"] if ran else []) + targets + ["spec"]
    rows = [_row(f, targets, ran) for f in found]
    return "\n".join([_title(found, label, ran)] + ([""] + render_rows(header, rows) if rows else []))


def render_rows(header: List[str], rows: List[list]) -> List[str]:
    """A plain-text table: the header, a rule, the rows, columns padded to their widest cell."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]
