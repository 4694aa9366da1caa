"""Porting a resize configuration between frameworks: ``unisample port``.

``port("torch: nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)")``
reads the configuration (parsed with ``ast``, never evaluated: only literal
arguments are accepted), translates it to a spec with ``Upsample.from_<framework>``,
and for each target framework answers with code that defines ``resize``, a
callable of one input in that framework's layout:

* ``native``: the target's own op reproduces the spec exactly.  Decided by
  enumerating the target's own calls, translating each with the same
  ``from_<framework>`` and comparing the taps (the dense per-axis resampling
  matrices) with the spec's on a range of input lengths: same taps, same
  numbers.
* ``unisample``: no native call does; the code uses the unisample layer, and
  ``reasons`` say which difference of the README's "Why" table the closest native call breaks.
* ``cannot``: ONNX cannot express the spec (``unisample.onnx`` says why).

Imports numpy only: ported code is text.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, cast

import numpy as np

from .spec import Upsample

__all__ = ["port", "parse", "Translation", "targets", "layout", "prefixes", "native_calls", "equivalent",
           "naive_call", "naive_shuffle_call", "relaid"]



def __getattr__(name: str):
    # TARGETS, the names of the targets ``port`` writes code for in the order it
    # prints them, come from the frameworks' vocabularies, which import this module
    if name == "TARGETS":
        return targets()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Translation:
    """What to write in ``target`` to compute ``spec``."""

    target: str
    status: str  # "native", "unisample" or "cannot"
    code: str  # defines ``resize`` (empty when status is "cannot")
    reasons: List[str] = field(default_factory=list)


# -- reading a configuration ---------------------------------------------------------


def _literal(node: ast.AST, what: str, constants: Sequence[str] = ()):
    if isinstance(node, (ast.Name, ast.Attribute)) and _dotted(node).rsplit(".", 1)[-1] in constants:
        return _dotted(node).rsplit(".", 1)[-1]  # Image.BICUBIC, cv2.INTER_AREA: their name
    try:
        return ast.literal_eval(node)
    except RecursionError:
        raise ValueError(f"port: {what}= is nested too deeply to read") from None
    except ValueError:
        raise ValueError(f"port: {what}={ast.unparse(node)} is not a literal; write its value "
                         "(unisample parses the configuration, it never runs it)") from None


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    raise ValueError(f"port: cannot read the callee {ast.unparse(node)!r}")


#: a callee's positional parameter names (None: keywords only), whether its first
#: positional argument is the input, and what the callee fixes itself
Signature = Tuple[Optional[Tuple[str, ...]], bool, Mapping[str, Any]]


@dataclass(frozen=True)
class Target:
    """One target of ``port``, declared by its framework's ``vocabulary`` module.

    ``names``: what a configuration's prefix may say (``"torch"``, ``"pytorch"``);
    ``signatures``: per callee (the last dotted name), its positional parameter
    names, whether the first positional argument is the input (skipped), and
    what the callee fixes itself; ``spec_of(kwargs)`` reads the configuration;
    ``calls(spec, rank)`` lists the target's own calls; ``layout``: the layout
    its calls take; ``unisample``: the expression building its layer from the
    text of a spec (``"{}.to_torch()"``); ``adapter``: the framework whose
    adapter knows where its own op is wrong; ``no_call``: why it has no call
    at other ranks than 2, where that is the reason."""

    name: str
    names: Tuple[str, ...]
    signatures: Mapping[str, Signature]
    spec_of: Callable[[dict], Upsample]
    calls: Callable[[Upsample, int], Iterator["NativeCall"]]
    layout: str
    unisample: str
    adapter: Optional[str] = None
    no_call: Optional[str] = None
    #: named constants a call may pass (``Image.BICUBIC``, ``cv2.INTER_AREA``): read as their name
    constants: Tuple[str, ...] = ()
    #: its own pixel-shuffle calls for a ``PixelShuffle`` / ``PixelUnshuffle`` (in its
    #: layout): ``NativeCall``s whose ``config(None)`` its ``spec_of`` reads; None: it has none
    shuffle_calls: Optional[Callable[[Any], Iterator["NativeCall"]]] = None
    #: why it has no pixel-shuffle op, where it has none
    no_shuffle: str = ""


def _onnx_spec(kwargs: dict):
    from .onnx import spec_from_resize

    op_type = kwargs.pop("op_type", "Resize")
    if op_type != "Resize":  # DepthToSpace, SpaceToDepth: their attributes
        from .onnx_shuffle import spec_of_node

        return spec_of_node(op_type, kwargs)
    scales, sizes, roi = kwargs.pop("scales", None), kwargs.pop("sizes", None), kwargs.pop("roi", None)
    data_format, input_shape = kwargs.pop("data_format", None), kwargs.pop("input_shape", None)
    return spec_from_resize(kwargs, scales, sizes, data_format=data_format, roi=roi, input_shape=input_shape)


_ONNX = Target("onnx", ("onnx",), {"Resize": (None, False, {}),  # attributes and scales/sizes, by keyword
                                   **{op: (None, False, {"op_type": op}) for op in ("DepthToSpace", "SpaceToDepth")}},
               _onnx_spec, lambda spec, rank: iter(()), "channels_first", "")


@functools.lru_cache(maxsize=1)
def _targets() -> Dict[str, Target]:
    """Every framework's targets (its ``vocabulary.TARGETS``, in registry order), then ONNX."""
    from .adapters import PACKAGES, framework_part, has_part

    found = [t for fw in PACKAGES if has_part(fw, "vocabulary") for t in _declared(framework_part(fw, "vocabulary"))]
    return {t.name: t for t in found + [_ONNX]}


def _declared(vocabulary) -> Tuple[Target, ...]:
    """A vocabulary module's targets: ``TARGETS``, or what its ``_targets()`` builds
    (a module that cannot import this one at its own import time)."""
    return vocabulary.TARGETS if hasattr(vocabulary, "TARGETS") else vocabulary._targets()


def _aliases() -> Dict[str, str]:
    return {alias: t.name for t in _targets().values() for alias in t.names}


def targets() -> Tuple[str, ...]:
    """The names of the targets ``port`` writes code for, in the order it prints them
    (also ``porting.TARGETS``)."""
    return tuple(_targets())


def framework_of(target: str) -> Optional[str]:
    """The registry's framework that declares ``target`` (``keras``: ``tensorflow``);
    None for ONNX, which no framework declares."""
    from .adapters import PACKAGES, framework_part, has_part

    for fw in PACKAGES:
        if has_part(fw, "vocabulary") and target in [t.name for t in _declared(framework_part(fw, "vocabulary"))]:
            return fw
    return None


def layout(target: str) -> str:
    """The layout ``target``'s calls take: ``"channels_first"`` or ``"channels_last"``."""
    return _targets()[target].layout


def prefixes() -> List[str]:
    """The framework names a configuration may start with (``"torch: ..."``)."""
    return list(_aliases())


# Arguments that do not change the numbers (fill_*: only with padding, which from_keras refuses)
_IGNORED = {"name", "input", "x", "images", "image", "precision", "fill_mode", "fill_value"}

#: the longest configuration ``parse`` reads (a resize call is far shorter)
_MAX_LENGTH = 10_000


def parse(text: str) -> Tuple[str, Upsample]:
    """``"framework: call(...)"`` -> ``(framework, spec)``.

    The call is parsed, not run: arguments must be literals (the input may be
    a name, as in ``F.interpolate(x, ...)``).  ``keras`` layers and
    ``tf.image.resize`` are read as computed on the TensorFlow backend.
    """
    framework, source = _split_prefix(text)
    call = _parse_call(source)
    target = _targets()[framework]
    name, (params, takes_input, fixed) = _signature_of(target, call)
    kwargs = _positional_arguments(call, name, params, takes_input, target.constants)
    _add_keyword_arguments(kwargs, call, name, params, target.constants)
    kwargs.update(fixed)
    return framework, _spec_of(framework, kwargs)


def _split_prefix(text: str) -> Tuple[str, str]:
    """``"framework: call(...)"`` -> ``(target name, the text of the call)``."""
    aliases = _aliases()
    if not isinstance(text, str) or ":" not in text:
        raise ValueError(f"port: got {text!r}; expected 'framework: call(...)', framework one of "
                         f"{', '.join(sorted(aliases))}")
    prefix, _, source = text.partition(":")
    framework = aliases.get(prefix.strip().lower())
    if framework is None:
        raise ValueError(f"port: framework {prefix.strip()!r}; expected one of {', '.join(sorted(aliases))}")
    if len(source) > _MAX_LENGTH:
        raise ValueError(f"port: the configuration is {len(source)} characters long; a resize call is far shorter "
                         f"(at most {_MAX_LENGTH})")
    return framework, source


def _parse_call(source: str) -> ast.Call:
    """The call ``source`` writes, parsed (never run)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"port: cannot parse {source.strip()[:200]!r}: {e.msg}") from None
    except (RecursionError, MemoryError):  # Python's parser on deeply nested expressions
        raise ValueError("port: the configuration is nested too deeply to parse; write the arguments as "
                         "plain literals") from None
    if not isinstance(tree.body, ast.Call):
        raise ValueError(f"port: {source.strip()!r} is not a call")
    return tree.body


def _signature_of(target: Target, call: ast.Call) -> Tuple[str, Signature]:
    """``(callee, its signature)``: the callee is the last dotted name (``nn.Upsample``: ``Upsample``)."""
    name = _dotted(call.func).rsplit(".", 1)[-1]
    if name not in target.signatures:
        raise ValueError(f"port: {target.name} call {name!r} is not a resize unisample reads; expected one of "
                         f"{', '.join(sorted(target.signatures))}")
    return name, target.signatures[name]


def _positional_arguments(call: ast.Call, name: str, params: Optional[Tuple[str, ...]], takes_input: bool,
                          constants: Sequence[str]) -> dict:
    """The call's positional arguments by parameter name (the input, where it is one, skipped)."""
    args = list(call.args)
    if takes_input and args:
        args = args[1:]  # the input tensor
    if len(args) > len(params or ()):
        raise ValueError(f"port: {name} takes at most {len(params or ())} positional arguments here, got {len(args)}")
    return {p: _literal(a, p, constants) for p, a in zip(params or (), args)}


def _add_keyword_arguments(kwargs: dict, call: ast.Call, name: str, params: Optional[Tuple[str, ...]],
                           constants: Sequence[str]) -> None:
    """Add the call's keyword arguments to ``kwargs`` (its positional ones), refusing what
    Python or the callee would refuse; those of ``_IGNORED`` are left out."""
    for kw in call.keywords:
        if kw.arg is None:
            raise ValueError("port: **kwargs cannot be read; write the arguments out")
        if kw.arg in _IGNORED:
            continue
        if params is not None and kw.arg not in params:
            raise ValueError(f"port: {name} has no argument {kw.arg!r}; it takes {', '.join(params)}")
        if kw.arg in kwargs:  # Python refuses the call, so must we (the last would win silently)
            raise ValueError(f"port: {name} got the argument {kw.arg!r} twice")
        kwargs[kw.arg] = _literal(kw.value, kw.arg, constants)


def _spec_of(target: str, kwargs: dict) -> Upsample:
    return _targets()[target].spec_of(kwargs)


# -- native calls of each target -------------------------------------------------------


@dataclass(frozen=True)
class NativeCall:
    """One call of a target's own op: ``code`` (defines ``resize``) and ``config(in_size)``,
    what ``Upsample.from_<target>`` reads for an input of that spatial size."""

    code: str
    config: Callable[..., dict]  # of the input's spatial size; the defaults of a lambda hold the rest


def num(v) -> str:
    """A literal as a user writes it: ``2`` for 2.0, one value for equal per-axis values."""
    if isinstance(v, (tuple, list)):
        if len(set(v)) == 1:
            return num(v[0])
        return "(" + ", ".join(num(x) for x in v) + ")"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v)


def out_size(spec: Upsample, n: Tuple[int, ...]) -> Tuple[int, ...]:
    """The output spatial size of ``spec`` on an input of spatial size ``n``."""
    return spec.output_size(n)


def size_code(spec: Upsample, rank: int, first_axis: int) -> str:
    """Python for the output spatial lengths, comma-separated: literals for ``size``,
    from ``x.shape`` for ``scale_factor`` (floor(in * scale), as every framework sizes it)."""
    if spec.size is not None:
        return ", ".join(str(n) for n in spec.per_axis("size", rank))
    factors = spec.per_axis("scale_factor", rank)
    return ", ".join(f"int(x.shape[{first_axis + i}] * {num(f)})" for i, f in enumerate(factors))


def width_height_code(spec: Upsample, width: str, height: str) -> str:
    """Python for a 2-D spec's output size as ``(width, height)``, the order image
    libraries take: literals for ``size``; for ``scale_factor``, the input's
    lengths (the expressions ``width`` and ``height``) times the factors,
    truncated."""
    if spec.size is not None:
        h, w = spec.per_axis("size", 2)
        return f"({w}, {h})"
    fh, fw = spec.per_axis("scale_factor", 2)
    return f"(int({width} * {num(fw)}), int({height} * {num(fh)}))"


def native_calls(spec: Upsample, target: str, rank: int) -> List[Tuple[NativeCall, Callable]]:
    """The target's own calls for a spec of ``rank`` spatial axes, each with a function
    of the input spatial size giving its spec (``None`` where the call refuses)."""
    def spec_for(call: NativeCall):
        def at(n):
            try:
                return _spec_of(target, dict(call.config(n)))
            except ValueError:
                return None
        return at
    return [(call, spec_for(call)) for call in _targets()[target].calls(spec, rank)]


def _probes(spec: Upsample, rank: int) -> List[Tuple[int, ...]]:
    lengths = (1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 32)
    probes = [(n,) * rank for n in lengths] + [tuple((5, 8, 3)[:rank]), tuple((16, 7, 9)[:rank])]
    if spec.size is not None:
        # around and well above a fixed output size, where antialiasing starts to matter
        size = spec.per_axis("size", rank)
        probes += [tuple(m + d for m in size) for d in (-1, 1)] + [tuple(k * m + 1 for m in size) for k in (2, 3)]
        probes = [n for n in probes if min(n) >= 1]
    out = []
    for n in probes:
        try:
            spec.output_size(n)
            out.append(n)
        except ValueError:
            pass  # a scale factor that shrinks this length to nothing
    return out


def _matrices(spec: Upsample, n: Tuple[int, ...]) -> List[np.ndarray]:
    """Each axis's taps as a matrix; NaN rows for outputs extrapolated (``tf_crop_and_resize``),
    which read no pixel."""
    out = spec.output_size(n)
    matrices = []
    for t, m in zip(spec.taps(n), out):
        matrix = np.eye(m) if t is None else t.matrix()
        if t is not None and t.outside is not None:
            matrix[t.outside] = np.nan
        matrices.append(matrix)
    return matrices


def equivalent(spec: Upsample, other_at: Callable, rank: int) -> bool:
    """Whether ``other_at(in_size)`` (a spec per input size) has the spec's taps on every probe."""
    for n in _probes(spec, rank):
        other = other_at(n)
        if other is None or other.kernel != spec.kernel:
            return False
        try:
            mine, theirs = _matrices(spec, n), _matrices(other, n)
        except ValueError:
            return False
        if any(a.shape != b.shape or not np.allclose(a, b, rtol=0, atol=1e-9, equal_nan=True)
               for a, b in zip(mine, theirs)):
            return False
    return True


# -- why a native call differs ------------------------------------------------------------


def _coordinate_reason(spec: Upsample, other: Upsample, target: str) -> Optional[str]:
    """Why ``other``'s mapping of output pixels to input coordinates differs; None where
    the two mappings agree on every output length ``spec`` can give."""
    if spec.coordinate_transform == "align_corners":
        return (f"{target} cannot do align_corners=True with this mode (README 'Why': bilinear, "
                "align_corners=True)")
    if {spec.coordinate_transform, other.coordinate_transform} == {"half_pixel", "paddle_half_pixel"}:
        if not _may_output_length_1(spec):  # the two differ on a length-1 output only
            return None
        return ("paddle samples a length-1 output at -0.5, torch and the others at the input's "
                "centre (README 'Why': bilinear/bicubic to size 1)")
    if spec.kernel == "nearest":
        return (f"{target}'s nearest maps pixels with {other.coordinate_transform}, this one with "
                f"{spec.coordinate_transform} (README 'Why': torch/paddle nearest floors, TF/JAX round "
                "half-pixel)")
    return f"{target} maps pixels with {other.coordinate_transform}, this one with {spec.coordinate_transform}"


def _antialias_reason(spec: Upsample, other: Upsample, target: str) -> str:
    """Why ``other`` widens its kernel when shrinking where ``spec`` does not, or the reverse."""
    return (f"{target} {'antialiases' if other.antialias else 'does not antialias'} here; this one "
            f"{'does' if spec.antialias else 'does not'} (README 'Why': downsampling)")


#: what a call does at the image's edge, by its ``exclude_outside``
_EDGES = {True: "drops taps outside the image and renormalises", False: "repeats the edge pixel"}


class _Difference(NamedTuple):
    """A field of the spec where a native call may differ, and what ``port`` says of it."""

    field: str
    #: of ``(spec, other, target)``: the reason, or None where the difference does not change the numbers
    reason: Callable[[Upsample, Upsample, str], Optional[str]]
    #: of ``(spec, other)``: whether a difference in ``field`` is a reason at all
    applies: Callable[[Upsample, Upsample], bool] = lambda spec, other: True


def _only_rounding_differs(spec: Upsample, other: Upsample) -> bool:
    """Whether both are nearest with the same mapping: a different mode then rounds differently
    (with another mapping, the mapping is the reason)."""
    return spec.kernel == "nearest" and other.coordinate_transform == spec.coordinate_transform


#: the rows of the README's "Why" table a native call can break, in the order ``port`` prints them
_DIFFERENCES = (
    _Difference("coordinate_transform", _coordinate_reason),
    _Difference("nearest_mode", lambda spec, other, target: (
        f"{target}'s {other.mode} rounds the source coordinate with {other.nearest_mode}, this one with "
        f"{spec.nearest_mode} (README 'ONNX': nearest_mode)"), applies=_only_rounding_differs),
    _Difference("cubic_coeff_a", lambda spec, other, target: (
        f"{target}'s bicubic uses a={other.cubic_coeff_a}, this one a={spec.cubic_coeff_a} "
        "(README 'Why': torch/paddle -0.75, TF/JAX/Keras -0.5)")),
    _Difference("exclude_outside", lambda spec, other, target: (
        f"{target} {_EDGES[bool(other.exclude_outside)]}; this one {_EDGES[bool(spec.exclude_outside)]}")),
    _Difference("cubic_table_size", lambda spec, other, target: (
        "TF's bicubic reads a 1024-entry coefficient table, the others compute the kernel exactly "
        "(README 'Why': TF bicubic vs JAX cubic)")),
    _Difference("antialias", _antialias_reason),
    _Difference("keep_aspect_ratio_policy", lambda spec, other, target: (
        f"{target} stretches each axis to its size; this one keeps the aspect ratio "
        f"({spec.keep_aspect_ratio_policy}: one scale for every axis, README 'ONNX')")),
    _Difference("area_weights", lambda spec, other, target: (
        "TF's area weights pixels by their overlap; torch/paddle average whole pixels "
        "(adaptive average pooling)"), applies=lambda spec, other: spec.kernel == "area"),
)


def _why(spec: Upsample, other: Upsample, target: str) -> List[str]:
    """The differences (the README's "Why" table) that separate ``other`` (a native call
    of ``target``) from ``spec``."""
    reasons = []
    for difference in _DIFFERENCES:
        if getattr(other, difference.field) != getattr(spec, difference.field) and difference.applies(spec, other):
            reason = difference.reason(spec, other, target)
            if reason is not None:
                reasons.append(reason)
    return reasons or [_why_same_fields(spec, other, target)]


def _why_same_fields(spec: Upsample, other: Upsample, target: str) -> str:
    """Why ``other`` differs where the fields of the "Why" table agree: how it sizes or
    maps an axis, or else only that it does."""
    if spec.scale_factor is not None and not spec.recompute_scale_factor and (
            other.scale_factor is None or other.recompute_scale_factor):
        return (f"{target} maps with input/output lengths; this one with 1/scale_factor, which "
                "differs for non-integer scale factors (README 'Why': scale_factor=2.5 on width 5)")
    if spec.same_size_copy != other.same_size_copy:
        return (f"{target} treats an axis whose length the scale factor leaves unchanged differently "
                f"(same_size_copy {other.same_size_copy!r} vs {spec.same_size_copy!r})")
    return f"{target}'s closest call gives different numbers on some input sizes"


def _native_defects(spec: Upsample, target: str, rank: int) -> List[str]:
    """What the target's adapter knows to be wrong in its own op for ``spec``
    (its ``native_defect``), on the probe input sizes where it is."""
    from .adapters import get_adapter

    name = _targets()[target].adapter
    check = getattr(get_adapter(name), "native_defect", None) if name else None
    if check is None:
        return []
    found = (check(spec, n) for n in _probes(spec, rank))
    return list(dict.fromkeys(w for w in found if w))


def _may_output_length_1(spec: Upsample) -> bool:
    if spec.size is not None:
        return 1 in (spec.size if isinstance(spec.size, tuple) else (spec.size,))
    factors = spec.scale_factor if isinstance(spec.scale_factor, tuple) else (cast(float, spec.scale_factor),)
    return min(factors) < 2  # an input of length 1 stays 1


def _closest(spec: Upsample, calls, rank: int) -> Optional[Tuple[NativeCall, Callable, Upsample]]:
    """The call of ``calls`` (``native_calls``' pairs) of the spec's kernel whose
    spec differs from it in the fewest fields, with its spec on the last probe."""
    probe = _probes(spec, rank)[-1]
    fields = ("coordinate_transform", "cubic_coeff_a", "exclude_outside", "cubic_table_size", "antialias",
              "area_weights", "mode")
    best, best_score = None, None
    for call, at in calls:
        other = at(probe)
        if other is None or other.kernel != spec.kernel:
            continue
        score = sum(getattr(other, f) != getattr(spec, f) for f in fields)
        if best_score is None or score < best_score:
            best, best_score = (call, at, other), score
    return best


def naive_call(spec: Upsample, target: str, rank: int) -> Optional[Tuple[NativeCall, Callable]]:
    """The call a port that does not use unisample writes in ``target`` for
    ``spec``: the native call ``port`` finds equivalent, else the closest one
    (whose differences ``port``'s reasons name), with its spec per input
    spatial size (``native_calls``' pairs); None where the target has no call
    of the spec's kernel, and for ONNX (a graph, not calls)."""
    calls = native_calls(spec, target, rank)
    for call, at in calls:
        if equivalent(spec, at, rank):
            return call, at
    closest = _closest(spec, calls, rank)
    return closest[:2] if closest is not None else None


# -- the answer ----------------------------------------------------------------------------------


def relaid(spec, layout: str):
    """``spec`` (any op) for input in ``layout`` (``"channels_first"`` / ``"channels_last"``),
    a fixed-rank layout (``NCHW``) kept at its rank."""
    from .spec import DATA_FORMATS

    if spec.channels_last == (layout == "channels_last"):
        return spec
    rank = DATA_FORMATS[spec.data_format][1]
    named = {(False, 1): "NCW", (True, 1): "NWC", (False, 2): "NCHW", (True, 2): "NHWC", (False, 3): "NCDHW",
             (True, 3): "NDHWC"}
    data_format = layout if rank is None else named[(layout == "channels_last", rank)]
    return type(spec).from_dict({**spec.to_dict(), "data_format": data_format})


def _unisample_code(spec, target: str) -> str:
    laid = relaid(spec, _targets()[target].layout)
    return f"import unisample\nresize = {_targets()[target].unisample.format(f'unisample.{laid!r}')}"


def _translate(spec: Upsample, target: str, rank: int) -> Translation:
    if target == "onnx":
        from .onnx import resize_attributes, resize_inputs

        try:
            attributes = resize_attributes(spec)
            inputs, axes = resize_inputs(spec, rank + 2, None, 19)
        except ValueError as e:
            return Translation(target, "cannot", "", [str(e).split(": ", 2)[-1]])
        if axes:
            attributes["axes"] = axes
        args = ", ".join(f"{k}={v!r}" for k, v in attributes.items())
        data = ", ".join(f"{k}={np.asarray(v).tolist()!r}" for k, v in inputs.items())
        code = ("import unisample\n"
                f"model = unisample.{spec!r}.to_onnx(ndim={rank + 2})  # one node: Resize({args}; {data})\n"
                "import onnxruntime\n"
                "session = onnxruntime.InferenceSession(model.SerializeToString())\n"
                "resize = lambda x: session.run(None, {'x': x})[0]")
        return Translation(target, "native", code)
    calls = native_calls(spec, target, rank)
    for call, at in calls:
        if equivalent(spec, at, rank):
            wrong = _native_defects(spec, target, rank)
            if wrong and spec.size is not None:  # a fixed size: most inputs meet the defect
                return Translation(target, "unisample", _unisample_code(spec, target), wrong[:1])
            notes = [f"except where {target}'s own op is known to be wrong: {w}" for w in wrong[:1]]
            return Translation(target, "native", call.code, notes)
    closest = _closest(spec, calls, rank)
    if closest is None:
        no_call = _targets()[target].no_call if rank != 2 else None
        reasons = [no_call or f"{target} has no {spec.kernel} resize for {rank} spatial axes"]
    else:
        reasons = _why(spec, closest[2], target)
    return Translation(target, "unisample", _unisample_code(spec, target), reasons)


def port(source, to: Optional[Sequence[str]] = None, rank: Optional[int] = None) -> Tuple[Upsample, List[Translation]]:
    """``(spec, translations)`` for a configuration (``"framework: call(...)"`` or an
    ``Upsample``) into each of ``to`` (default: every target but the source's own).

    ``rank``: the number of spatial axes, where the configuration does not fix
    it (``scale_factor=2, mode='nearest'`` works on 1 to 3); default 2.
    """
    from .shuffle import is_shuffle

    if isinstance(source, Upsample) or is_shuffle(source):
        spec, origin = source, None
    else:
        origin, spec = parse(source)
    names = tuple(_targets())
    targets = list(to) if to is not None else [t for t in names if t != origin]
    for t in targets:
        if t not in names:
            raise ValueError(f"to: got {t!r}; expected some of {', '.join(names)}")
    if spec.spatial_rank is not None and rank not in (None, spec.spatial_rank):
        raise ValueError(f"rank: got {rank!r}, but {spec!r} has {spec.spatial_rank} spatial axes")
    if rank not in (None, 1, 2, 3):
        raise ValueError(f"rank: got {rank!r}; expected 1, 2 or 3 spatial axes")
    rank = spec.spatial_rank or rank or 2
    if is_shuffle(spec):
        return spec, [_translate_shuffle(spec, t, rank) for t in targets]
    return spec, [_translate(spec, t, rank) for t in targets]


def _shuffle_reasons(spec, other, target: str, call: str) -> List[str]:
    """Why ``other`` (the spec of ``target``'s own op, ``call``) is not ``spec``."""
    reasons = []
    if other.order != spec.order:
        reasons.append(f"{target}'s {call} is {other.order} (README 'Pixel shuffle': CRD takes output channel c at "
                       f"offset (i, j) from input channel c*r*r + i*r + j, DCR from (i*r + j)*C + c); this one is "
                       f"{spec.order}")
    if other.factor != spec.factor:
        reasons.append(f"{target}'s {call} takes one factor for both spatial axes; this one has {spec.factor!r}")
    return reasons or [f"{target}'s {call} computes another permutation"]


def naive_shuffle_call(spec, target: str) -> Optional[Tuple[NativeCall, Any]]:
    """The pixel-shuffle call a port without unisample writes in ``target`` for
    ``spec`` (its own op of the same kind, whatever its order), with that
    call's spec in ``spec``'s layout; None where the target has none."""
    t = _targets()[target]
    laid = relaid(spec, t.layout)
    for call in (t.shuffle_calls(laid) if t.shuffle_calls else ()):
        other = t.spec_of(dict(call.config(None)))
        if type(other) is type(spec):
            return call, relaid(other, "channels_last" if spec.channels_last else "channels_first")
    return None


def _translate_shuffle(spec, target: str, rank: int) -> Translation:
    """``port``'s answer for a ``PixelShuffle`` / ``PixelUnshuffle``: the target's own
    op where its spec is this one (a permutation: equal specs, equal numbers)."""
    if target == "onnx":
        from .onnx_shuffle import node_of

        first = relaid(spec, "channels_first")
        node = node_of(first, rank + 2)
        what = (f"one node: {node[0]}({', '.join(f'{k}={v!r}' for k, v in node[1].items())})" if node else
                "Reshape -> Transpose -> Reshape (no DepthToSpace/SpaceToDepth computes it: SpaceToDepth is DCR "
                "only, both NCHW with one factor)")
        shape = "input_shape=x.shape" if node is None else f"ndim={rank + 2}"
        code = ("import unisample\n"
                f"model = unisample.{first!r}.to_onnx({shape})  # {what}\n"
                "import onnxruntime\n"
                "session = onnxruntime.InferenceSession(model.SerializeToString())\n"
                "resize = lambda x: session.run(None, {'x': x})[0]")
        return Translation(target, "native", code)
    t = _targets()[target]
    laid = relaid(spec, t.layout)
    calls = [c for c in (t.shuffle_calls(laid) if t.shuffle_calls else ())
             if type(t.spec_of(dict(c.config(None)))) is type(spec)]
    closest = None
    for call in calls:
        other = t.spec_of(dict(call.config(None)))
        if other == laid:
            return Translation(target, "native", call.code)
        closest = closest or (call, other)
    if closest is None:
        reasons = [t.no_shuffle or f"{target} has no {type(spec).__name__} for {rank} spatial axes"]
    else:
        name = closest[0].code.splitlines()[-1].partition("resize = ")[2].partition("(")[0]
        name = name.partition("lambda x: ")[2] or name
        reasons = _shuffle_reasons(laid, closest[1], target, name)
    return Translation(target, "unisample", _unisample_code(spec, target), reasons)


def render(spec: Upsample, translations: List[Translation], source: Optional[str] = None) -> str:
    """The text ``unisample port`` prints: per target, the status, why, and the code."""
    lines = []
    if source:
        lines.append(f"source: {source.strip()}")
    lines.append(f"spec:   unisample.{spec!r}")
    for t in translations:
        style = "NHWC" if _targets()[t.target].layout == "channels_last" else "NCHW"
        layout = "" if t.target == "onnx" else f" ({style}-style input)"
        title = {"native": "native op reproduces it", "unisample": "needs unisample",
                 "cannot": "cannot be expressed"}[t.status]
        lines.append("")
        lines.append(f"{t.target}: {title}{layout if t.code else ''}")
        for r in t.reasons:
            lines.append(f"  why: {r}")
        for line in t.code.splitlines():
            lines.append(f"    {line}")
    return "\n".join(lines)
