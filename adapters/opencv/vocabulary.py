"""OpenCV's ``cv2.resize`` in unisample's vocabulary, both ways.

``from_native`` reads a ``cv2.resize`` call (a dict of its arguments) as an
``Upsample``; ``native_call`` writes a spec back as ``cv2.resize`` code;
``native_kwargs`` says which ``cv2.resize`` arguments compute a spec on an
input of a given size (the numpy adapter's optional OpenCV fast path, later).
Nothing here imports cv2.

What each flag computes (OpenCV 5.0, ``modules/imgproc/src/resize.cpp``;
``cv::resize`` and ``hal::resize``, measured against ``cv2.resize`` on
float32 and float64 images, 1 to 4 channels).  Output pixel ``dst`` of an
axis of ``in`` pixels resized to ``out``; ``inv = out / in`` with ``dsize``,
``inv = fx`` (or ``fy``) with ``dsize=(0, 0)``, and ``scale = 1 / inv``:

=================== ============================================= =====================================
flag                OpenCV's rule                                 spec
=================== ============================================= =====================================
INTER_NEAREST       pixel ``floor(dst * scale)`` in float64       ``opencv-nearest``, ``asymmetric``
                    (``resizeNN``: ``ifx = 1 / inv``)
INTER_NEAREST_EXACT pixel ``floor(f)``, ``f`` from ``in/out/2``   ``opencv-nearest-exact``
                    adding ``in/out`` per pixel in float64
                    (``resizeNN_bitexact``; ``fx``/``fy`` unused)
INTER_LINEAR        half-pixel source in float32, 2 taps, edge    ``bilinear``
                    pixel past the border; no antialiasing
INTER_CUBIC         Keys ``a = -0.75``, 4 taps, edge pixels       ``bicubic``, ``exclude_outside=False``
                    repeated (``interpolateCubic``)
INTER_LANCZOS4      ``sinc(d) sinc(d / 4)``, 8 taps normalised,   ``lanczos4``, ``exclude_outside=False``
                    edge pixels repeated (``interpolateLanczos4``)
INTER_AREA          no axis grows: box average for whole          ``opencv-area``
                    factors, pixel overlap otherwise
                    (``computeResizeAreaTab``); some axis grows:
                    a two-tap overlap rule on every axis
INTER_LINEAR_EXACT  11-bit fixed point on integer images          refused
=================== ============================================= =====================================

``dsize == input size`` copies the image (every flag).  With ``dsize=(0, 0)``
OpenCV makes ``round(n * f)`` pixels (half to even) and maps with ``1 / f``:
``from_native`` then needs ``input_size`` and gives the spec for it.

OpenCV computes float64 images with float32 coordinates and weights
(``HResizeLinear<double, double, float>`` and the like: the weight type is
float), so its float64 results are float32-accurate: within the float32
bound of ``tolerance.bound_in_eps``, not float64's (measured: up to 1e-6 of
``max|x|`` where an axis of 2 pixels is resized, 1.05 times the float64
bound there).  On 8-bit images OpenCV's linear,
cubic and lanczos4 weights are 11-bit fixed point, rounded once at the end:
up to 1 from unisample's integer rule (tests/test_opencv_vocabulary.py).
OpenCV images are HWC or HW (``channels_last``); ``dsize`` and
``input_size`` are ``(width, height)``.
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Dict, Mapping, Optional, Tuple

import numpy as np

__all__ = ["FLAGS", "from_native", "native_call", "native_kwargs"]

#: OpenCV's interpolation flags (``cv2.INTER_*``)
FLAGS: Dict[str, int] = {
    "INTER_NEAREST": 0,
    "INTER_LINEAR": 1,
    "INTER_CUBIC": 2,
    "INTER_AREA": 3,
    "INTER_LANCZOS4": 4,
    "INTER_LINEAR_EXACT": 5,
    "INTER_NEAREST_EXACT": 6,
}
_NAMES = {v: k for k, v in FLAGS.items()}

#: flag -> the spec's mode and extras
_MODE_OF_FLAG: Dict[str, Dict[str, Any]] = {
    "INTER_NEAREST": dict(mode="opencv-nearest", coordinate_transform="asymmetric"),
    "INTER_NEAREST_EXACT": dict(mode="opencv-nearest-exact"),
    "INTER_LINEAR": dict(mode="bilinear"),
    "INTER_CUBIC": dict(mode="bicubic", cubic_coeff_a=-0.75, exclude_outside=False),
    "INTER_AREA": dict(mode="opencv-area"),
    "INTER_LANCZOS4": dict(mode="lanczos4", exclude_outside=False),
}

#: the most channels ``cv2.resize`` takes (CV_CN_MAX), and the most its
#: INTER_AREA pixel-overlap path takes (an assertion in ``hal::resize``)
MAX_CHANNELS = 128
MAX_AREA_OVERLAP_CHANNELS = 4

_KEYS = ("function", "src", "dsize", "dst", "fx", "fy", "interpolation", "input_size")
_ALLOWED_FLAGS = ", ".join(f"cv2.{n} ({v})" for n, v in FLAGS.items() if n != "INTER_LINEAR_EXACT")


def _flag_name(value: Any) -> str:
    """The ``INTER_*`` name of an interpolation flag given as an int or a name."""
    if isinstance(value, str):
        name = value[4:] if value.startswith("cv2.") else value
        if name in FLAGS:
            return name
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) in _NAMES:
        return _NAMES[int(value)]
    raise ValueError(f"from_opencv: interpolation: got {value!r}; expected one of {_ALLOWED_FLAGS}")


def _pair(name: str, value: Any, minimum: int) -> Tuple[int, int]:
    """A ``(width, height)`` pair of ints, each at least ``minimum``."""
    if (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and int(v) >= minimum
                    for v in value)):
        return int(value[0]), int(value[1])
    what = "positive" if minimum else "non-negative"
    raise ValueError(f"from_opencv: {name}: got {value!r}; expected (width, height), two {what} integers")


def _factor(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"from_opencv: {name}: got {value!r}; expected a finite number >= 0 (0: not given)")
    return float(value)


def from_native(obj: Mapping[str, Any]):
    """The spec of a ``cv2.resize(src, dsize, dst=None, fx=0, fy=0, interpolation=INTER_LINEAR)`` call.

    ``obj`` is a dict of its arguments: ``"dsize"`` (``(width, height)``;
    ``(0, 0)``, None or a 0 in it: the size comes from ``fx``/``fy``),
    ``"fx"``, ``"fy"``, ``"interpolation"`` (``cv2.INTER_AREA``, its int, or
    ``"INTER_AREA"``), optionally ``"function": "cv2.resize"``, ``"dst": None``
    and ``"src"`` (the image: only its size is read), and, with ``fx``/``fy``
    only, ``"input_size"`` (``(width, height)`` of the image, or ``src``:
    OpenCV's output size and, where it rounds ``n * f``, whether a spec can
    say it, depend on it).  The spec is
    ``channels_last`` (OpenCV's HWC; add a batch axis to call it on an image).

    With ``dsize`` the spec holds for every input.  With ``fx``/``fy`` it
    holds for ``input_size``: a size spec where mapping with ``1 / f`` is
    mapping with ``in / out`` (and for INTER_NEAREST_EXACT, which ignores
    ``fx``/``fy``), else a ``scale_factor`` spec (mapping with ``1 / f``,
    ``same_size_copy="all_axes"``) where ``floor(n * f)`` is OpenCV's
    ``round(n * f)``.  ``ValueError`` naming the argument, the value and what
    is allowed for the rest: INTER_LINEAR_EXACT (its point is 8-bit bit
    exactness, which unisample's integer rule does not reproduce; on float
    images OpenCV runs INTER_LINEAR), unknown flags and keys, ``fx``/``fy``
    whose output size a spec cannot give, what ``cv2.resize`` itself refuses.
    """
    from unisample import Upsample

    if not isinstance(obj, Mapping):
        raise TypeError(f"from_opencv: got {type(obj).__qualname__}; expected a dict of cv2.resize arguments")
    unknown = sorted(set(obj) - set(_KEYS))
    if unknown:
        raise ValueError(f"from_opencv: unknown cv2.resize arguments {unknown}; allowed: {', '.join(_KEYS)}")
    function = obj.get("function", "cv2.resize")
    if function not in ("cv2.resize", "resize"):
        raise ValueError(f"from_opencv: function: got {function!r}; expected 'cv2.resize'")
    if obj.get("dst") is not None:
        raise ValueError(f"from_opencv: dst: got {type(obj['dst']).__name__}; expected None (the output is returned)")
    flag = _flag_name(obj.get("interpolation", FLAGS["INTER_LINEAR"]))
    if flag == "INTER_LINEAR_EXACT":
        raise ValueError(
            "from_opencv: interpolation: got cv2.INTER_LINEAR_EXACT (5); it is OpenCV's bit-exact fixed-point "
            "linear for integer images, which unisample's integer rule does not reproduce (on float images "
            f"OpenCV runs INTER_LINEAR, which is allowed); expected one of {_ALLOWED_FLAGS}")
    extras = dict(_MODE_OF_FLAG[flag], data_format="channels_last")
    dsize = obj.get("dsize")
    dsize = (0, 0) if dsize is None else _pair("dsize", dsize, 0)
    if dsize[0] > 0 and dsize[1] > 0:  # OpenCV maps with in/out, whatever fx and fy say
        return Upsample(size=(dsize[1], dsize[0]), **extras)

    fx, fy = _factor("fx", obj.get("fx", 0)), _factor("fy", obj.get("fy", 0))
    for name, value in (("fx", fx), ("fy", fy)):
        if value <= 0:
            raise ValueError(f"from_opencv: {name}: got {value!r} with dsize={dsize!r}; with no dsize OpenCV needs "
                             "fx > 0 and fy > 0 (the output size is round(width * fx), round(height * fy))")
    if obj.get("input_size") is None and obj.get("src") is not None:  # the image itself: its size
        obj = dict(obj, input_size=tuple(np.shape(obj["src"])[1::-1]))
    if obj.get("input_size") is None:
        raise ValueError(f"from_opencv: input_size: got None with dsize={dsize!r}, fx={fx!r}, fy={fy!r}; OpenCV's "
                         "output size round(width * fx), round(height * fy) needs the input's (width, height)")
    w, h = _pair("input_size", obj["input_size"], 1)
    out_w, out_h = round(w * fx), round(h * fy)  # saturate_cast<int>(double): to nearest, ties to even
    if out_w < 1 or out_h < 1:
        raise ValueError(f"from_opencv: fx={fx!r}, fy={fy!r} on input_size=(w, h)={(w, h)!r} give an output of "
                         f"{(out_w, out_h)!r} pixels; OpenCV refuses an empty output")
    if flag == "INTER_NEAREST_EXACT" or (fx == out_w / w and fy == out_h / h):
        return Upsample(size=(out_h, out_w), **extras)
    if (math.floor(w * fx), math.floor(h * fy)) == (out_w, out_h):
        return Upsample(scale_factor=(fy, fx), same_size_copy="all_axes", **extras)
    raise ValueError(
        f"from_opencv: fx={fx!r}, fy={fy!r} on input_size={(w, h)!r}: OpenCV makes round(n * f) = "
        f"{(out_w, out_h)!r} pixels and maps them with 1 / f; a spec's scale_factor makes floor(n * f) = "
        f"{(math.floor(w * fx), math.floor(h * fy))!r}, and its size maps with in / out. Allowed: dsize, or "
        "fx/fy where round(n * f) == floor(n * f) or f == round(n * f) / n for both axes")


def _canonical(spec, flag: str):
    """The spec ``from_native`` gives for ``flag`` with ``spec``'s size (or
    recomputed scale factor) and layout, or None where there is none."""
    from unisample import Upsample

    where: Dict[str, Any] = dict(_MODE_OF_FLAG[flag], data_format=spec.data_format)
    if spec.size is not None:
        where["size"] = spec.size
    elif spec.recompute_scale_factor:
        where.update(scale_factor=spec.scale_factor, recompute_scale_factor=True)
    else:
        return None
    try:
        return Upsample(**where)
    except ValueError:  # e.g. a 3-value size with a 2-D mode
        return None


def native_call(spec) -> Optional[str]:
    """Python code text that computes ``spec`` with ``cv2.resize``, or None.

    The code defines ``resize``, a function of one image as OpenCV holds it
    (``(H, W)`` or ``(H, W, C)``, the spec's spatial axes being H and W):
    ``"import cv2\\nresize = lambda img: cv2.resize(img, (64, 48), interpolation=cv2.INTER_AREA)"``
    (``cv2.resize`` returns ``(H, W)`` for an ``(H, W, 1)`` image).  A spec
    gets code when it is what ``from_native`` gives for some flag with a size
    (or a scale factor with ``recompute_scale_factor=True``, sizes then
    computed in the code), on two spatial axes (or any number, left open:
    then two): those specs equal ``cv2.resize`` on every 2-D input within the
    tolerance (nearest modes: bit for bit).  A ``scale_factor`` spec mapping
    with ``1 / scale_factor`` has none: ``cv2.resize`` with ``fx``/``fy``
    rounds ``n * f`` where the spec floors it, so no one call fits every
    input (``native_kwargs`` says where one does).
    """
    if spec.spatial_rank not in (None, 2):
        return None
    for flag in _MODE_OF_FLAG:
        if _canonical(spec, flag) != spec:
            continue
        if spec.size is not None:
            h, w = spec.size if isinstance(spec.size, tuple) else (spec.size, spec.size)
            dsize = f"({w}, {h})"
        else:
            fy, fx = spec.scale_factor if isinstance(spec.scale_factor, tuple) else (spec.scale_factor,) * 2
            dsize = f"(int(img.shape[1] * {fx!r}), int(img.shape[0] * {fy!r}))"  # floor, as Upsample's size
        return f"import cv2\nresize = lambda img: cv2.resize(img, {dsize}, interpolation=cv2.{flag})"
    return None


#: kernel -> the flags whose rule may compute it
_FLAGS_OF_KERNEL = {
    "nearest": ("INTER_NEAREST", "INTER_NEAREST_EXACT"),
    "opencv_nearest": ("INTER_NEAREST", "INTER_NEAREST_EXACT"),
    "linear": ("INTER_LINEAR",),
    "cubic": ("INTER_CUBIC",),
    "lanczos4": ("INTER_LANCZOS4",),
    "area": ("INTER_AREA",),
    "opencv_area": ("INTER_AREA",),
}
_GATHERS = ("nearest", "opencv_nearest")
#: dtypes cv2.resize takes, per flag family (measured, OpenCV 5.0): every
#: flag takes these; the nearest flags also int8, uint32, int32 and float16.
#: Not int64 nor uint64: cv2 reads them but returns int32, wrapping every value
#: beyond its range
_FILTER_DTYPES = frozenset({"uint8", "uint16", "int16", "float32", "float64"})
_NEAREST_DTYPES = _FILTER_DTYPES | {"int8", "uint32", "int32", "float16"}
#: how far an OpenCV call's taps may lie from the spec's (applied to unit-scale
#: probes): about one float32 epsilon, what OpenCV's float32 weights are anyway
_TAPS_SLACK = 1e-7


def _probe(taps, probes: np.ndarray) -> np.ndarray:
    """``taps`` applied to ``probes`` (``(in_size, k)``), in float64."""
    if taps.weight is None:
        return probes[taps.index[:, 0]]
    weight = taps.weight if taps.count is None else np.where(taps.present(), taps.weight, 0.0)
    return np.einsum("jt,jtk->jk", weight, probes[taps.index])


def _same_taps(ours, theirs, in_size: int, exact: bool) -> bool:
    """Whether two axes' taps (None: copied) compute the same outputs."""
    if ours is None and theirs is None:
        return True
    if exact:  # one pixel each, the same one
        pick = [np.arange(in_size) if t is None else (t.index[:, 0] if t.weight is None else None)
                for t in (ours, theirs)]
        return pick[0] is not None and pick[1] is not None and np.array_equal(pick[0], pick[1])
    probes = np.random.default_rng(in_size).standard_normal((in_size, 3))
    a, b = (probes if t is None else _probe(t, probes) for t in (ours, theirs))
    return a.shape == b.shape and float(np.abs(a - b).max()) <= _TAPS_SLACK


def native_kwargs(spec, in_hw: Tuple[int, ...], dtype: Optional[str] = None,
                  channels: Optional[int] = None) -> Optional[dict]:
    """The ``cv2.resize`` keyword arguments (``dsize``, ``fx``, ``fy``,
    ``interpolation``) that compute ``spec`` on an image of spatial size
    ``in_hw`` (``(height, width)``), or None.

    A call is claimed where OpenCV's rule for it, as ``from_native`` reads
    it, has the same taps as ``spec`` on this size: the same pixels for the
    nearest kernels, and weights within about a float32 epsilon for the
    others.  Those calls equal ``spec.reference`` within the tolerance on
    finite float32 images (measured: tests/test_opencv_vocabulary.py; nearest
    modes bit for bit, any dtype).  Finite only: OpenCV's filters read other
    pixels with weight 0 than the spec's taps (an unchanged axis too, which
    the spec copies), so NaN and infinities reach other outputs: with one NaN
    pixel, over 625 size pairs of 2..13, linear differed in 266, lanczos4
    200, area 79, cubic 25, the nearest flags in none; a fast path checks
    the input first.  So claimed: every spec ``from_native`` gives, on the size
    it was made for (a ``dsize`` call, or ``fx``/``fy`` where ``round(n * f)``
    is the spec's length), and any other spec that happens to compute the
    same there: PyTorch's ``nearest`` where no float32 tie falls otherwise,
    ``area`` where OpenCV's INTER_AREA averages the same boxes or overlaps,
    antialiased ``bilinear`` that enlarges.  ``dtype`` (a name; None:
    float32) must be one ``cv2.resize`` takes.  Never claimed: 1- or 3-D
    sizes; float64 and every other dtype but float32 except for the nearest
    kernels, which gather (OpenCV's float64 weights are float32, its 8-bit
    ones 11-bit fixed point rounded once: not float64's accuracy, not the
    integer rule); more than 128 ``channels``, more than 4 with INTER_AREA's
    pixel-overlap path.
    """
    found = _native_kwargs(spec, tuple(int(n) for n in in_hw), None if dtype is None else str(dtype),
                           None if channels is None else int(channels))
    return None if found is None else dict(found)


def _cv2_takes(spec, in_hw: Tuple[int, ...], dtype: Optional[str], channels: Optional[int]) -> bool:
    """Whether some ``cv2.resize`` flag may compute ``spec`` on such an image at
    all: two spatial axes, a kernel some flag's rule computes, at most
    ``MAX_CHANNELS``, and a dtype cv2 takes (float32 only but for the gathers:
    OpenCV's other weights are not float64's, nor the integer rule)."""
    if len(in_hw) != 2 or spec.spatial_rank not in (None, 2) or spec.kernel not in _FLAGS_OF_KERNEL:
        return False
    if channels is not None and channels > MAX_CHANNELS:
        return False
    if dtype is None:
        return True
    return dtype in _NEAREST_DTYPES and (spec.kernel in _GATHERS or dtype == "float32")


def _candidate_calls(spec, in_hw: Tuple[int, ...], out_hw: Tuple[int, int]) -> list:
    """The ``cv2.resize`` size arguments that make ``out_hw``: ``dsize``, and with a
    scale_factor mapping OpenCV's ``fx``/``fy`` where it rounds to this size."""
    out_h, out_w = out_hw
    calls: list = [{"dsize": (out_w, out_h)}]
    if spec.same_size_copy is not None:
        fy, fx = spec.per_axis("scale_factor", 2)
        if (round(in_hw[1] * fx), round(in_hw[0] * fy)) == (out_w, out_h):
            calls.append({"dsize": (0, 0), "fx": fx, "fy": fy})
    return calls


def _area_overlap_refused(flag: str, call: dict, in_hw: Tuple[int, ...], out_hw: Tuple[int, int],
                          channels: Optional[int]) -> bool:
    """Whether ``cv2.resize`` refuses ``call`` with ``flag`` on ``channels`` channels:
    INTER_AREA's pixel-overlap path takes at most ``MAX_AREA_OVERLAP_CHANNELS``."""
    if flag != "INTER_AREA" or channels is None or channels <= MAX_AREA_OVERLAP_CHANNELS:
        return False
    from unisample.taps import opencv_area_rule

    out_h, out_w = out_hw
    factors = [call.get("fy", out_h / in_hw[0]), call.get("fx", out_w / in_hw[1])]
    return out_hw != in_hw and opencv_area_rule(factors) == "overlap"


def _taps_of_call(flag: str, call: dict, in_hw: Tuple[int, ...]):
    """The taps of ``cv2.resize`` with ``call`` and ``flag`` on ``in_hw``, as
    ``from_native`` reads it, or None where it reads no spec from it."""
    config = dict(call, interpolation=FLAGS[flag], input_size=(in_hw[1], in_hw[0]))
    try:
        return from_native(config).taps(in_hw)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def _native_kwargs(spec, in_hw: Tuple[int, ...], dtype: Optional[str], channels: Optional[int]) -> Optional[dict]:
    """``native_kwargs``, cached per (spec, size, dtype, channels): it compares taps."""
    if not _cv2_takes(spec, in_hw, dtype, channels):
        return None
    try:
        out_hw = spec.output_size(in_hw)
    except ValueError:
        return None
    calls = _candidate_calls(spec, in_hw, out_hw)
    ours = spec.taps(in_hw)
    gathers = spec.kernel in _GATHERS
    for flag in _FLAGS_OF_KERNEL[spec.kernel]:
        for call in calls:
            theirs = _taps_of_call(flag, call, in_hw)
            if theirs is None or _area_overlap_refused(flag, call, in_hw, out_hw, channels):
                continue
            if all(_same_taps(a, b, n, gathers) for a, b, n in zip(ours, theirs, in_hw)):
                return dict(call, interpolation=FLAGS[flag])
    return None


# -- unisample port ------------------------------------------------------------------


def _calls(spec, rank: int):
    """OpenCV's own ``cv2.resize`` calls for a spec of ``rank`` spatial axes (2 only)."""
    from unisample.porting import NativeCall, out_size, width_height_code

    if rank != 2:
        return
    dsize = width_height_code(spec, "img.shape[1]", "img.shape[0]")
    for flag in _MODE_OF_FLAG:
        code = f"import cv2\nresize = lambda img: cv2.resize(img, {dsize}, interpolation=cv2.{flag})"
        yield NativeCall(code, lambda n, flag=flag: {"dsize": tuple(out_size(spec, n))[::-1], "interpolation": flag})


def _targets():
    from unisample.porting import Target

    signatures = {"resize": (("dsize", "dst", "fx", "fy", "interpolation"), True, {})}
    return (Target("opencv", ("opencv", "cv2"), signatures, from_native, _calls, "channels_last", "{}",
                   constants=tuple(FLAGS), no_call="cv2.resize resizes the 2 axes of an image only"),)
