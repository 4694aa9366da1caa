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
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, cast

import numpy as np

from .spec import Upsample

__all__ = ["port", "parse", "Translation", "TARGETS", "native_calls", "equivalent"]

#: frameworks ``port`` writes code for, in the order it prints them
TARGETS = ("torch", "paddle", "keras", "tensorflow", "jax", "onnx")
_ALIASES = {"torch": "torch", "pytorch": "torch", "paddle": "paddle", "paddlepaddle": "paddle", "keras": "keras",
            "tf": "tensorflow", "tensorflow": "tensorflow", "jax": "jax", "onnx": "onnx"}
_LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


@dataclass
class Translation:
    """What to write in ``target`` to compute ``spec``."""

    target: str
    status: str  # "native", "unisample" or "cannot"
    code: str  # defines ``resize`` (empty when status is "cannot")
    reasons: List[str] = field(default_factory=list)


# -- reading a configuration ---------------------------------------------------------


def _literal(node: ast.AST, what: str):
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


# Per framework and callee (the last dotted name): positional parameter names,
# whether the first positional argument is the input (skipped), and what the
# callee fixes itself.
_SIGNATURES: Dict[Tuple[str, str], Tuple[Optional[Tuple[str, ...]], bool, dict]] = {
    ("torch", "Upsample"): (("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"), False, {}),
    ("torch", "UpsamplingBilinear2d"): (("size", "scale_factor"), False, {"mode": "bilinear", "align_corners": True}),
    ("torch", "UpsamplingNearest2d"): (("size", "scale_factor"), False, {"mode": "nearest"}),
    ("torch", "interpolate"): (("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor",
                                "antialias"), True, {}),
    ("paddle", "Upsample"): (("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format"), False, {}),
    ("paddle", "UpsamplingBilinear2D"): (("size", "scale_factor", "data_format"), False,
                                         {"mode": "bilinear", "align_corners": True}),
    ("paddle", "UpsamplingNearest2D"): (("size", "scale_factor", "data_format"), False, {"mode": "nearest"}),
    ("paddle", "interpolate"): (("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format"),
                                True, {}),
    ("keras", "UpSampling1D"): (("size",), False, {"function": "keras.layers.UpSampling1D"}),
    ("keras", "UpSampling2D"): (("size", "data_format", "interpolation"), False,
                                {"function": "keras.layers.UpSampling2D"}),
    ("keras", "UpSampling3D"): (("size", "data_format"), False, {"function": "keras.layers.UpSampling3D"}),
    ("keras", "Resizing"): (("height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                             "fill_mode", "fill_value", "antialias", "data_format"),
                            False, {"function": "keras.layers.Resizing"}),
    ("keras", "resize"): (("size", "interpolation", "antialias", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                           "fill_mode", "fill_value", "data_format"), True, {"function": "keras.ops.image.resize"}),
    ("tensorflow", "resize"): (("size", "method", "preserve_aspect_ratio", "antialias"), True,
                               {"function": "tf.image.resize"}),
    ("tensorflow", "resize_bilinear"): (("size", "align_corners", "half_pixel_centers"), True,
                                        {"function": "tf.compat.v1.image.resize_bilinear"}),
    ("tensorflow", "resize_bicubic"): (("size", "align_corners", "half_pixel_centers"), True,
                                       {"function": "tf.compat.v1.image.resize_bicubic"}),
    ("tensorflow", "resize_nearest_neighbor"): (("size", "align_corners", "half_pixel_centers"), True,
                                                {"function": "tf.compat.v1.image.resize_nearest_neighbor"}),
    # data_format: unisample's own keyword saying where JAX's channels are (default last)
    ("jax", "resize"): (("shape", "method", "antialias", "precision", "data_format", "input_shape"), True, {}),
    ("jax", "scale_and_translate"): (("shape", "spatial_dims", "scale", "translation", "method", "antialias",
                                      "precision", "data_format"), True,
                                     {"function": "jax.image.scale_and_translate"}),
    ("onnx", "Resize"): (None, False, {}),  # attributes and scales/sizes, by keyword
}
# Arguments that do not change the numbers (fill_*: only with padding, which from_keras refuses)
_IGNORED = {"name", "input", "x", "images", "image", "precision", "fill_mode", "fill_value"}


def parse(text: str) -> Tuple[str, Upsample]:
    """``"framework: call(...)"`` -> ``(framework, spec)``.

    The call is parsed, not run: arguments must be literals (the input may be
    a name, as in ``F.interpolate(x, ...)``).  ``keras`` layers and
    ``tf.image.resize`` are read as computed on the TensorFlow backend.
    """
    if not isinstance(text, str) or ":" not in text:
        raise ValueError(f"port: got {text!r}; expected 'framework: call(...)', framework one of "
                         f"{', '.join(sorted(set(_ALIASES)))}")
    prefix, _, source = text.partition(":")
    framework = _ALIASES.get(prefix.strip().lower())
    if framework is None:
        raise ValueError(f"port: framework {prefix.strip()!r}; expected one of {', '.join(sorted(set(_ALIASES)))}")
    if len(source) > 10_000:
        raise ValueError(f"port: the configuration is {len(source)} characters long; a resize call is far shorter "
                         "(at most 10000)")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ValueError(f"port: cannot parse {source.strip()[:200]!r}: {e.msg}") from None
    except (RecursionError, MemoryError):  # Python's parser on deeply nested expressions
        raise ValueError("port: the configuration is nested too deeply to parse; write the arguments as "
                         "plain literals") from None
    call = tree.body
    if not isinstance(call, ast.Call):
        raise ValueError(f"port: {source.strip()!r} is not a call")
    name = _dotted(call.func).rsplit(".", 1)[-1]
    key = (framework, name)
    if framework == "tensorflow" and name in ("UpSampling1D", "UpSampling2D", "UpSampling3D", "Resizing"):
        key = ("keras", name)
    if key not in _SIGNATURES:
        known = sorted(n for fw, n in _SIGNATURES if fw == framework)
        raise ValueError(f"port: {framework} call {name!r} is not a resize unisample reads; expected one of "
                         f"{', '.join(known)}")
    params, takes_input, fixed = _SIGNATURES[key]
    args = list(call.args)
    if takes_input and args:
        args = args[1:]  # the input tensor
    if len(args) > len(params or ()):
        raise ValueError(f"port: {name} takes at most {len(params or ())} positional arguments here, got {len(args)}")
    kwargs = {p: _literal(a, p) for p, a in zip(params or (), args)}
    for kw in call.keywords:
        if kw.arg is None:
            raise ValueError("port: **kwargs cannot be read; write the arguments out")
        if kw.arg in _IGNORED:
            continue
        if params is not None and kw.arg not in params:
            raise ValueError(f"port: {name} has no argument {kw.arg!r}; it takes {', '.join(params)}")
        if kw.arg in kwargs:  # Python refuses the call, so must we (the last would win silently)
            raise ValueError(f"port: {name} got the argument {kw.arg!r} twice")
        kwargs[kw.arg] = _literal(kw.value, kw.arg)
    kwargs.update(fixed)
    return framework, _spec_of(framework, kwargs)


def _spec_of(framework: str, kwargs: dict) -> Upsample:
    if framework == "torch":
        return Upsample.from_torch(kwargs)
    if framework == "paddle":
        return Upsample.from_paddle(kwargs)
    if framework in ("keras", "tensorflow"):
        return Upsample.from_keras(kwargs, backend="tensorflow")
    if framework == "jax":
        return Upsample.from_jax(kwargs)
    from .onnx import spec_from_resize

    scales, sizes = kwargs.pop("scales", None), kwargs.pop("sizes", None)
    data_format = kwargs.pop("data_format", None)
    return spec_from_resize(kwargs, scales, sizes, data_format=data_format)


# -- native calls of each target -------------------------------------------------------


@dataclass(frozen=True)
class NativeCall:
    """One call of a target's own op: ``code`` (defines ``resize``) and ``config(in_size)``,
    what ``Upsample.from_<target>`` reads for an input of that spatial size."""

    code: str
    config: Callable[..., dict]  # of the input's spatial size; the defaults of a lambda hold the rest


def _num(v) -> str:
    """A literal as a user writes it: ``2`` for 2.0, one value for equal per-axis values."""
    if isinstance(v, (tuple, list)):
        if len(set(v)) == 1:
            return _num(v[0])
        return "(" + ", ".join(_num(x) for x in v) + ")"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return repr(v)


def _out_size(spec: Upsample, n: Tuple[int, ...]) -> Tuple[int, ...]:
    return spec.output_size(n)


def _torch_calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    modes = ["nearest", "nearest-exact", _LINEAR[rank], "area"] + (["bicubic"] if rank == 2 else [])
    where = ([("size", spec.size, None)] if spec.size is not None
             else [("scale_factor", spec.scale_factor, r) for r in (None, True)])
    for mode, (arg, value, recompute) in itertools.product(modes, where):
        interpolating = mode in ("linear", "bilinear", "trilinear", "bicubic")
        for corners, aa in itertools.product((None, True) if interpolating else (None,),
                                             (False, True) if mode in ("bilinear", "bicubic") else (False,)):
            kw = {arg: value, "mode": mode}
            if corners:
                kw["align_corners"] = True
            if recompute:
                kw["recompute_scale_factor"] = True
            args = ", ".join(f"{k}={_num(v) if k in ('size', 'scale_factor') else repr(v)}" for k, v in kw.items())
            if aa:
                code = f"import torch.nn.functional as F\nresize = lambda x: F.interpolate(x, {args}, antialias=True)"
                if mode == "bicubic" and not spec.antialias:
                    code += "  # torch's antialiased bicubic is Keys' a=-0.5 kernel, as in TF/JAX"
                kw["antialias"] = True
            else:
                code = f"import torch.nn as nn\nresize = nn.Upsample({args})"
            yield NativeCall(code, lambda n, kw=kw: kw)


def _paddle_calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    modes = (["nearest"] if rank > 1 else []) + [_LINEAR[rank], "area"] + (["bicubic"] if rank == 2 else [])
    data_format = {1: "NCW", 2: "NCHW", 3: "NCDHW"}[rank]
    arg, value = ("size", spec.size) if spec.size is not None else ("scale_factor", spec.scale_factor)
    for mode in modes:
        if mode == "area" and arg == "scale_factor":
            continue  # paddle's area refuses scale_factor
        interpolating = mode in ("linear", "bilinear", "trilinear", "bicubic")
        for corners, align_mode in ((False, 0), (True, 0), (False, 1)) if interpolating else ((False, 0),):
            if align_mode and mode == "bicubic":
                continue
            kw = {arg: value, "mode": mode, "align_corners": corners, "align_mode": align_mode,
                  "data_format": data_format}
            shown = {arg: repr(list(value)) if arg == "size" and isinstance(value, tuple) else _num(value),
                     "mode": repr(mode)}
            if corners:
                shown["align_corners"] = "True"
            if align_mode:
                shown["align_mode"] = "1"
            if rank != 2:
                shown["data_format"] = repr(data_format)
            args = ", ".join(f"{k}={v}" for k, v in shown.items())
            yield NativeCall(f"import paddle\nresize = paddle.nn.Upsample({args})", lambda n, kw=kw: kw)


_KERAS_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


def _keras_calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    factors = spec.scale_factor and spec._per_axis("scale_factor", spec.scale_factor, rank)
    if factors and all(float(f).is_integer() for f in factors):
        size = tuple(int(f) for f in factors)
        shown = _num(size)
        if rank == 2:
            for interpolation in _KERAS_INTERPOLATIONS:
                extra = "" if interpolation == "nearest" else f", interpolation={interpolation!r}"
                kw: Dict[str, Any] = {"function": "keras.layers.UpSampling2D", "size": size,
                                      "interpolation": interpolation}
                yield NativeCall(f"import keras\nresize = keras.layers.UpSampling2D(size={shown}{extra})",
                                 lambda n, kw=kw: kw)
        else:
            name = f"UpSampling{rank}D"
            kw = {"function": f"keras.layers.{name}", "size": size[0] if rank == 1 else size}
            yield NativeCall(f"import keras\nresize = keras.layers.{name}(size={_num(kw['size'])})",
                             lambda n, kw=kw: kw)
    if rank == 2 and spec.size is not None:
        height, width = spec._per_axis("size", spec.size, 2)
        for interpolation in _KERAS_INTERPOLATIONS + ("area",):
            for aa in (False, True) if interpolation not in ("nearest", "area") else (False,):
                kw = {"function": "keras.layers.Resizing", "height": height, "width": width,
                      "interpolation": interpolation, "antialias": aa}
                extra = ", antialias=True" if aa else ""
                yield NativeCall(f"import keras\nresize = keras.layers.Resizing({height}, {width}, "
                                 f"interpolation={interpolation!r}{extra})", lambda n, kw=kw: kw)


def _size_code(spec: Upsample, rank: int, first_axis: int) -> str:
    """Python for the output spatial lengths, comma-separated: literals for ``size``,
    from ``x.shape`` for ``scale_factor`` (floor(in * scale), as every framework sizes it)."""
    if spec.size is not None:
        return ", ".join(str(n) for n in spec._per_axis("size", spec.size, rank))
    factors = spec._per_axis("scale_factor", spec.scale_factor, rank)
    return ", ".join(f"int(x.shape[{first_axis + i}] * {_num(f)})" for i, f in enumerate(factors))


def _tf_calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    if rank != 2:
        return
    size = _size_code(spec, 2, 1)
    for method in ("nearest", "bilinear", "bicubic", "area", "lanczos3", "lanczos5"):
        for aa in (False, True) if method not in ("nearest", "area") else (False,):
            extra = ", antialias=True" if aa else ""
            yield NativeCall(f"import tensorflow as tf\nresize = lambda x: tf.image.resize(x, [{size}], "
                             f"method={method!r}{extra})",
                             lambda n, m=method, a=aa: {"size": _out_size(spec, n), "method": m, "antialias": a})
    for op, (corners, half) in itertools.product(
            ("resize_bilinear", "resize_bicubic", "resize_nearest_neighbor"), ((True, False), (False, False))):
        function = f"tf.compat.v1.image.{op}"
        yield NativeCall(f"import tensorflow as tf\nresize = lambda x: {function}(x, [{size}], "
                         f"align_corners={corners}, half_pixel_centers={half})",
                         lambda n, f=function, c=corners, h=half: {"function": f, "size": _out_size(spec, n),
                                                                    "align_corners": c, "half_pixel_centers": h})


def _jax_calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    size = _size_code(spec, rank, 1)
    for method in ("nearest", "linear", "cubic", "lanczos3", "lanczos5"):
        for aa in (False, True) if method != "nearest" else (False,):
            code = (f"import jax\nresize = lambda x: jax.image.resize(x, (x.shape[0], {size}, x.shape[-1]), "
                    f"method={method!r}, antialias={aa})")
            yield NativeCall(code, lambda n, m=method, a=aa: {"shape": (1, *_out_size(spec, n), 1), "method": m,
                                                               "antialias": a, "data_format": "channels_last"})
            if spec.scale_factor is not None and method != "nearest":
                factors = spec._per_axis("scale_factor", spec.scale_factor, rank)
                code = ("import jax, jax.numpy as jnp\nresize = lambda x: jax.image.scale_and_translate("
                        f"x, (x.shape[0], {size}, x.shape[-1]), spatial_dims={tuple(range(1, rank + 1))}, "
                        f"scale=jnp.array({[float(f) for f in factors]}), translation=jnp.zeros({rank}), "
                        f"method={method!r}, antialias={aa})")
                yield NativeCall(code, lambda n, m=method, a=aa, fs=factors: {
                    "function": "jax.image.scale_and_translate", "shape": (1, *_out_size(spec, n), 1),
                    "spatial_dims": tuple(range(1, rank + 1)), "scale": fs, "translation": 0.0,
                    "method": m, "antialias": a})


_CALLS = {"torch": _torch_calls, "paddle": _paddle_calls, "keras": _keras_calls, "tensorflow": _tf_calls,
          "jax": _jax_calls}
_LAYOUT = {"torch": "channels_first", "paddle": "channels_first", "keras": "channels_last",
           "tensorflow": "channels_last", "jax": "channels_last"}


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
    return [(call, spec_for(call)) for call in _CALLS[target](spec, rank)]


def _probes(spec: Upsample, rank: int) -> List[Tuple[int, ...]]:
    lengths = (1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 32)
    probes = [(n,) * rank for n in lengths] + [tuple((5, 8, 3)[:rank]), tuple((16, 7, 9)[:rank])]
    if spec.size is not None:
        # around and well above a fixed output size, where antialiasing starts to matter
        size = spec._per_axis("size", spec.size, rank)
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
    out = spec.output_size(n)
    return [np.eye(m) if t is None else t.matrix() for t, m in zip(spec.taps(n), out)]


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
        if any(a.shape != b.shape or not np.allclose(a, b, rtol=0, atol=1e-9) for a, b in zip(mine, theirs)):
            return False
    return True


# -- why a native call differs ------------------------------------------------------------


def _why(spec: Upsample, other: Upsample, target: str) -> List[str]:
    """The differences (the README's "Why" table) that separate ``other`` (a native call
    of ``target``) from ``spec``."""
    reasons = []
    if other.coordinate_transform != spec.coordinate_transform:
        if spec.coordinate_transform == "align_corners":
            reasons.append(f"{target} cannot do align_corners=True with this mode (README 'Why': bilinear, "
                           "align_corners=True)")
        elif {spec.coordinate_transform, other.coordinate_transform} == {"half_pixel", "paddle_half_pixel"}:
            if _may_output_length_1(spec):  # otherwise the two agree
                reasons.append("paddle samples a length-1 output at -0.5, torch and the others at the input's "
                               "centre (README 'Why': bilinear/bicubic to size 1)")
        elif spec.kernel == "nearest":
            reasons.append(f"{target}'s nearest maps pixels with {other.coordinate_transform}, this one with "
                           f"{spec.coordinate_transform} (README 'Why': torch/paddle nearest floors, TF/JAX round "
                           "half-pixel)")
        else:
            reasons.append(f"{target} maps pixels with {other.coordinate_transform}, this one with "
                           f"{spec.coordinate_transform}")
    if spec.mode != other.mode and spec.kernel == "nearest" and other.coordinate_transform == spec.coordinate_transform:
        reasons.append(f"{target}'s {other.mode} rounds differently from {spec.mode}")
    if other.cubic_coeff_a != spec.cubic_coeff_a:
        reasons.append(f"{target}'s bicubic uses a={other.cubic_coeff_a}, this one a={spec.cubic_coeff_a} "
                       "(README 'Why': torch/paddle -0.75, TF/JAX/Keras -0.5)")
    if other.exclude_outside != spec.exclude_outside:
        how = {True: "drops taps outside the image and renormalises", False: "repeats the edge pixel"}
        reasons.append(f"{target} {how[bool(other.exclude_outside)]}; this one {how[bool(spec.exclude_outside)]}")
    if other.cubic_table_size != spec.cubic_table_size:
        reasons.append("TF's bicubic reads a 1024-entry coefficient table, the others compute the kernel exactly "
                       "(README 'Why': TF bicubic vs JAX cubic)")
    if other.antialias != spec.antialias:
        reasons.append(f"{target} {'antialiases' if other.antialias else 'does not antialias'} here; this one "
                       f"{'does' if spec.antialias else 'does not'} (README 'Why': downsampling)")
    if other.area_weights != spec.area_weights and spec.kernel == "area":
        reasons.append("TF's area weights pixels by their overlap; torch/paddle average whole pixels "
                       "(adaptive average pooling)")
    if not reasons:
        if spec.scale_factor is not None and not spec.recompute_scale_factor and (
                other.scale_factor is None or other.recompute_scale_factor):
            reasons.append(f"{target} maps with input/output lengths; this one with 1/scale_factor, which "
                           "differs for non-integer scale factors (README 'Why': scale_factor=2.5 on width 5)")
        elif spec.same_size_copy != other.same_size_copy:
            reasons.append(f"{target} treats an axis whose length the scale factor leaves unchanged differently "
                           f"(same_size_copy {other.same_size_copy!r} vs {spec.same_size_copy!r})")
        else:
            reasons.append(f"{target}'s closest call gives different numbers on some input sizes")
    return reasons


def _native_defects(spec: Upsample, target: str, rank: int) -> List[str]:
    """What the target's adapter knows to be wrong in its own op for ``spec``
    (its ``native_defect``), on the probe input sizes where it is."""
    from .adapters import FRAMEWORKS, get_adapter

    name = {"keras": "tensorflow"}.get(target, target)
    check = getattr(get_adapter(name), "native_defect", None) if name in FRAMEWORKS else None
    if check is None:
        return []
    found = (check(spec, n) for n in _probes(spec, rank))
    return list(dict.fromkeys(w for w in found if w))


def _may_output_length_1(spec: Upsample) -> bool:
    if spec.size is not None:
        return 1 in (spec.size if isinstance(spec.size, tuple) else (spec.size,))
    factors = spec.scale_factor if isinstance(spec.scale_factor, tuple) else (cast(float, spec.scale_factor),)
    return min(factors) < 2  # an input of length 1 stays 1


def _closest(spec: Upsample, calls, rank: int) -> Optional[Upsample]:
    probe = _probes(spec, rank)[-1]
    fields = ("coordinate_transform", "cubic_coeff_a", "exclude_outside", "cubic_table_size", "antialias",
              "area_weights", "mode")
    best, best_score = None, None
    for _, at in calls:
        other = at(probe)
        if other is None or other.kernel != spec.kernel:
            continue
        score = sum(getattr(other, f) != getattr(spec, f) for f in fields)
        if best_score is None or score < best_score:
            best, best_score = other, score
    return best


# -- the answer ----------------------------------------------------------------------------------


def _unisample_code(spec: Upsample, target: str) -> str:
    layout = _LAYOUT[target]
    relaid = spec if spec.channels_last == (layout == "channels_last") else Upsample.from_dict(
        {**spec.to_dict(), "data_format": layout})
    made = f"unisample.{relaid!r}"
    how = {"torch": f"{made}.to_torch()", "paddle": f"{made}.to_paddle()", "keras": f"{made}.to_keras()",
           "tensorflow": made, "jax": f"{made}.to_jax()"}[target]
    return f"import unisample\nresize = {how}"


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
        kinds = {"tensorflow": "tf.image.resize resizes 2 spatial axes (4-D NHWC input) only"} if rank != 2 else {}
        reason = kinds.get(target) or f"{target} has no {spec.kernel} resize for {rank} spatial axes"
        reasons = [reason]
    else:
        reasons = _why(spec, closest, target)
    return Translation(target, "unisample", _unisample_code(spec, target), reasons)


def port(source, to: Optional[Sequence[str]] = None, rank: Optional[int] = None) -> Tuple[Upsample, List[Translation]]:
    """``(spec, translations)`` for a configuration (``"framework: call(...)"`` or an
    ``Upsample``) into each of ``to`` (default: every target but the source's own).

    ``rank``: the number of spatial axes, where the configuration does not fix
    it (``scale_factor=2, mode='nearest'`` works on 1 to 3); default 2.
    """
    if isinstance(source, Upsample):
        spec, origin = source, None
    else:
        origin, spec = parse(source)
    targets = list(to) if to is not None else [t for t in TARGETS if t != origin]
    for t in targets:
        if t not in TARGETS:
            raise ValueError(f"to: got {t!r}; expected some of {', '.join(TARGETS)}")
    if spec.spatial_rank is not None and rank not in (None, spec.spatial_rank):
        raise ValueError(f"rank: got {rank!r}, but {spec!r} has {spec.spatial_rank} spatial axes")
    if rank not in (None, 1, 2, 3):
        raise ValueError(f"rank: got {rank!r}; expected 1, 2 or 3 spatial axes")
    rank = spec.spatial_rank or rank or 2
    return spec, [_translate(spec, t, rank) for t in targets]


def render(spec: Upsample, translations: List[Translation], source: Optional[str] = None) -> str:
    """The text ``unisample port`` prints: per target, the status, why, and the code."""
    lines = []
    if source:
        lines.append(f"source: {source.strip()}")
    lines.append(f"spec:   unisample.{spec!r}")
    for t in translations:
        style = "NHWC" if _LAYOUT.get(t.target) == "channels_last" else "NCHW"
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
