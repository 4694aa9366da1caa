"""The case matrix: native resize configurations of each framework, generated.

A ``Case`` is one call of a framework's own resize or pixel-shuffle op
(``call`` and ``kwargs``, in that framework's own terms) on an input of
``shape``, together with ``spec``: the ``Upsample``, ``PixelShuffle`` or
``PixelUnshuffle`` that claims to compute the same numbers.  The
translation from native terms to a spec is written out here, by hand, once per
framework, from each framework's documented and measured behaviour
(the README's "Why" table): it is the claim the conformance suite checks, never assumes.

Each framework's configurations are listed by its own
``adapters/<framework>/catalogue.py`` and translated by the product itself
(``Upsample.from_<framework>``, ``PixelShuffle.from_<framework>``, which read
dicts without importing the framework), so the suite checks those
translations too.

This module imports numpy only; ``native.py`` runs the calls.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from unisample import Upsample, adapters
from unisample.adapters import catalogued_frameworks, framework_part
from unisample.ops import family_of, is_exact, kernel_of
from unisample.shuffle import ShuffleSpec

__all__ = ["Case", "catalogue", "FRAMEWORKS", "ADAPTER_FRAMEWORKS", "make_input", "make_case", "module_name",
           "IN", "SIZES", "SCALES", "AA_IN", "AA_SIZES", "SHUFFLE_FACTORS", "SHUFFLE_DTYPES", "shuffle_cases",
           "PICTURE", "picture", "showcase"]

#: what a case claims to compute
Spec = Union[Upsample, ShuffleSpec]

# Frameworks with an adapter and a catalogue (adapters/<framework>/catalogue.py),
# and every native runtime the suite checks: those, the libraries with a
# catalogue (Pillow, OpenCV: numpy images), and onnxruntime on specs exported to ONNX.
ADAPTER_FRAMEWORKS = tuple(name for name in catalogued_frameworks() if name in adapters.FRAMEWORKS)
FRAMEWORKS = catalogued_frameworks() + ("onnxruntime",)


@dataclass(frozen=True)
class Case:
    """One native call and the spec that claims to reproduce it."""

    framework: str
    call: str
    kwargs_json: str  # the call's keyword arguments, JSON (hashable, printable)
    shape: Tuple[int, ...]
    spec: Spec
    dtype: str = "float32"

    @property
    def kwargs(self) -> dict:
        return json.loads(self.kwargs_json)

    @property
    def id(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.framework}:{self.call}({args}) on {self.dtype}{list(self.shape)}"

    @property
    def exact(self) -> bool:
        """Nearest modes and pixel shuffles are held to bit-exactness (``ops.is_exact``)."""
        return is_exact(self.spec)


def module_name(framework: str) -> str:
    """What ``framework`` (of ``FRAMEWORKS``) is imported as: ``pillow`` is ``PIL``."""
    return adapters.import_name(framework) if framework in adapters.PACKAGES else framework


def make_case(framework: str, call: str, kwargs: dict, shape, spec: Spec, dtype="float32") -> Case:
    """A ``Case`` of ``framework``'s ``call`` with ``kwargs`` on an input of ``shape``."""
    return Case(framework, call, json.dumps(kwargs), tuple(shape), spec, dtype)


def make_input(case: Case) -> np.ndarray:
    """The case's input, seeded by the case id (the same in every process):
    N(0, 1) samples, or for integer dtypes integers over the dtype's whole
    range (64-bit ones beyond what float64 holds), or random booleans."""
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    dtype = np.dtype(case.dtype)
    if dtype.kind == "b":
        return rng.random(case.shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(int(info.min), int(info.max), size=case.shape, endpoint=True, dtype=dtype)
    return rng.standard_normal(case.shape).astype(dtype)


# Spatial sizes of the inputs and the output sizes tried on them: integer and
# non-integer ratios, up and down, length 1 and unchanged.
IN = {1: (7,), 2: (7, 5), 3: (5, 4, 3)}
SIZES = {
    1: [(14,), (10,), (3,), (1,), (7,), (20,)],
    2: [(14, 10), (10, 8), (3, 2), (1, 1), (7, 12), (1, 3), (20, 13)],
    3: [(10, 8, 6), (7, 6, 5), (2, 2, 1), (1, 1, 1)],
}
SCALES = {
    1: [2.0, 2.5, 0.5, 0.6, 1.1],
    2: [2.0, (2.5, 1.5), (0.5, 0.6), 1.1, (1.1, 2.5)],
    3: [2.0, (1.5, 0.5, 2.5), 1.1],
}
# Inputs large enough for antialiasing to widen the kernel several times.
AA_IN = {1: (23,), 2: (17, 13), 3: (9, 8, 7)}
#: (5, 1): a case where a native antialiased kernel is wrong (``native_defect`` of an adapter)
AA_SIZES = {1: [(5,), (9,), (40,)], 2: [(5, 4), (8, 3), (1, 2), (30, 20), (5, 1)], 3: [(3, 4, 2)]}

#: pixel shuffles: every factor a framework's op takes up to 4, output channels 1
#: and 3 (an unshuffle's input channels), on (3, 2) blocks: a shuffle's input
#: is (2, C*r*r, 3, 2), an unshuffle's (2, C, 3r, 2r), in the case's layout
SHUFFLE_FACTORS = (1, 2, 3, 4)
SHUFFLE_CHANNELS = (1, 3)
SHUFFLE_BLOCKS = (3, 2)
#: dtypes besides float32, tried at factor 2 (a permutation is exact in each)
SHUFFLE_DTYPES = ("float16", "float64", "int8", "uint8", "int32", "int64", "bool")


def shuffle_input_shape(spec: ShuffleSpec, channels: int, blocks: Tuple[int, ...] = SHUFFLE_BLOCKS,
                        batch: int = 2) -> Tuple[int, ...]:
    """The input shape of ``spec`` with ``channels`` channels on the side of fewer
    channels (a shuffle's output, an unshuffle's input) and ``blocks`` blocks per
    spatial axis (a shuffle's input lengths, an unshuffle's output lengths)."""
    factors = spec.factors(len(blocks))
    if spec.shuffles:
        c, spatial = channels * int(np.prod(factors)), tuple(blocks)
    else:
        c, spatial = channels, tuple(n * f for n, f in zip(blocks, factors))
    return (batch,) + spatial + (c,) if spec.channels_last else (batch, c) + spatial


def shuffle_cases(framework: str, calls, factors=SHUFFLE_FACTORS, dtypes=SHUFFLE_DTYPES) -> List[Case]:
    """A framework's pixel-shuffle cases: for each ``(call, config, read)`` of
    ``calls`` (``config(r)``: the call's keyword arguments for factor ``r``;
    ``read(kwargs)``: the spec the product reads from them), every factor of
    ``factors`` with 1 and 3 channels in float32, and factor 2 in ``dtypes``."""
    out = []
    for call, config, read in calls:
        for r in factors:
            kw = config(r)
            spec = read(kw)
            out += [make_case(framework, call, kw, shuffle_input_shape(spec, c), spec) for c in SHUFFLE_CHANNELS]
        kw = config(2)
        spec = read(kw)
        out += [make_case(framework, call, kw, shuffle_input_shape(spec, 3), spec, dtype) for dtype in dtypes]
    return out



#: the test card's side: the showcase's inputs (``picture``)
PICTURE = 128


def picture(shape: Tuple[int, ...], channels_last: bool) -> np.ndarray:
    """A test card of ``shape`` (batch 1, three channels, two spatial axes) in
    [0, 1], float32: rings, bars 1 to 4 pixels wide, a smooth ramp and a fine
    checkerboard (the first channel; the others are its transpose and its
    negative).  Its edges and fine
    detail show a port's differences at a glance; the catalogue's noise
    inputs do not."""
    h, w = (shape[1], shape[2]) if channels_last else (shape[2], shape[3])
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    qy, qx = h / 4, w / 4  # the centre of the top-left quarter
    rings = 0.5 + 0.5 * np.cos(np.pi * ((y - qy) ** 2 + (x - qx) ** 2) / h)  # r / h cycles per pixel: < 0.36
    widths = np.array([1, 1, 2, 2, 3, 3, 4, 4])  # light and dark bars of each width, from the middle on
    pattern = np.repeat(np.arange(len(widths)) % 2, widths).astype(np.float64)
    bars = np.broadcast_to(np.concatenate([np.zeros(w // 2), np.resize(pattern, w - w // 2)]), (h, w))
    ramp = (x + y) / (h + w - 2)
    checker = ((y // 2 + x // 2) % 2).astype(np.float64)
    top, left = y < h / 2, x < w / 2
    card = np.where(top, np.where(left, rings, bars), np.where(left, ramp, checker))
    image = np.stack([card, card.T if h == w else card[::-1], 1.0 - card])[None].astype(np.float32)
    return np.ascontiguousarray(np.moveaxis(image, 1, -1)) if channels_last else image


def showcase(framework: str, kernels=None) -> List[Case]:
    """``framework``'s showcase: a few of its native configurations on the test
    card (``picture``), for the report's pictures (its catalogue's ``showcase``;
    none where it has none); ``kernels`` filters as ``catalogue`` does."""
    part = framework_part(framework, "catalogue") if framework in adapters.PACKAGES else None
    cases = list(getattr(part, "showcase", lambda: [])())
    return [c for c in cases if kernels is None or kernel_of(c.spec) in kernels]


def _onnxruntime_runs(spec: Upsample, shape) -> bool:
    """Whether onnxruntime's CPU Resize accepts this spec and shape: ONNX allows any,
    but its linear kernel takes only 4-D inputs (batch and channels unscaled, NCHW
    or NHWC) and 5-D NCDHW, its cubic kernel only 4-D NCHW, or NHWC when
    antialiased or upscaling ('ScalesValidation' in onnxruntime 1.32).  And
    5-D tf_crop_and_resize, which onnxruntime 1.32 computes otherwise than
    ONNX's reference and unisample (tests/test_onnx.py measures it)."""
    ndim, kernel = len(shape), spec.kernel
    if ndim == 5 and spec.coordinate_transform == "tf_crop_and_resize":
        return False
    if kernel == "linear":
        return ndim == 4 or ndim == 5 and not spec.channels_last
    if kernel == "cubic":
        upscaling = all(m >= n for m, n in zip(spec.output_shape(shape), shape))
        return ndim == 4 and (not spec.channels_last or spec.antialias or upscaling)
    return True


def _onnxruntime_cases() -> List[Case]:
    """Every float32 case of the other frameworks whose spec ONNX can express,
    exported with ``unisample.onnx`` (opset 19) and read back by ``spec_from_resize``:
    the suite checks both directions."""
    from unisample.onnx import resize_attributes, resize_inputs, spec_from_resize

    cases, seen = [], set()
    for name in ADAPTER_FRAMEWORKS:
        for c in _builder(name)():
            if not isinstance(c.spec, Upsample) or c.dtype != "float32" or (c.spec, c.shape) in seen:
                continue
            seen.add((c.spec, c.shape))
            try:
                attributes = resize_attributes(c.spec, c.shape)
                inputs, axes = resize_inputs(c.spec, len(c.shape), c.shape, 19)
            except ValueError:
                continue  # not expressible: unisample.onnx says why
            if not _onnxruntime_runs(c.spec, c.shape):
                continue
            if axes:
                attributes["axes"] = axes
            spec = spec_from_resize(attributes, inputs.get("scales"), inputs.get("sizes"),
                                    data_format="channels_last" if c.spec.channels_last else "channels_first",
                                    roi=inputs.get("roi"), input_shape=c.shape)
            kw = {**attributes, **{k: v.tolist() for k, v in inputs.items()}}
            cases.append(make_case("onnxruntime", "onnx.Resize", kw, c.shape, spec))
    return cases + _onnx_vocabulary_cases() + _onnx_shuffle_cases()


def _onnx_shuffle_cases() -> List[Case]:
    """``DepthToSpace`` in both modes and ``SpaceToDepth``, read by
    ``onnx_shuffle.spec_of_node``; onnxruntime's kernels take floats and uint8."""
    from unisample.onnx_shuffle import spec_of_node

    calls = [(f"onnx.{op}", lambda r, extra=extra: {"blocksize": r, **extra},
              lambda kw, op=op: spec_of_node(op, kw))
             for op, extra in (("DepthToSpace", {"mode": "DCR"}), ("DepthToSpace", {"mode": "CRD"}),
                               ("SpaceToDepth", {}))]
    return shuffle_cases("onnxruntime", calls, dtypes=("float16", "float64", "uint8"))


#: ONNX Resize's own vocabulary, which no framework's catalogue reaches:
#: (attributes, inputs) on an NCHW (1, 2, 7, 5) input unless ``shape`` says
_NEAREST_MODES = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
_ONNX_TRANSFORMS = ("half_pixel", "asymmetric", "align_corners", "half_pixel_symmetric", "pytorch_half_pixel",
                    "tf_half_pixel_for_nn")
_CROP = {"coordinate_transformation_mode": "tf_crop_and_resize"}
_ROI = [0, 0, 0.2, -0.3, 1, 1, 0.9, 1.2]  # starts then ends over N, C, H, W: partly outside
_ONNX_VOCABULARY = (
    [({"mode": "nearest", "nearest_mode": m, "coordinate_transformation_mode": t}, {"sizes": s})
     for m in _NEAREST_MODES for t in _ONNX_TRANSFORMS for s in ([1, 2, 14, 10], [1, 2, 3, 2], [1, 2, 10, 8])]
    + [({"mode": k, "coordinate_transformation_mode": t}, {"sizes": s})
       for k in ("linear", "cubic") for t in _ONNX_TRANSFORMS[3:] for s in ([1, 2, 14, 10], [1, 2, 1, 3])]
    + [({"mode": "linear", "coordinate_transformation_mode": "half_pixel_symmetric"}, {"scales": [1, 1, 2.3, 0.7]})]
    + [({"mode": k, **_CROP, "extrapolation_value": e}, {"sizes": s, "roi": _ROI})
       for k in ("nearest", "linear", "cubic") for e in (0.0, -2.5) for s in ([1, 2, 6, 4], [1, 2, 1, 9])]
    + [({"mode": k, "keep_aspect_ratio_policy": p, "axes": [2, 3]}, {"sizes": s})
       for k in ("nearest", "linear", "cubic") for p in ("not_larger", "not_smaller") for s in ([9, 9], [3, 6])]
    + [({"mode": k, "antialias": 1, "exclude_outside": e, **c}, {"sizes": [1, 2, 3, 2]})
       for k in ("linear", "cubic") for e in (0, 1) for c in ({}, {"cubic_coeff_a": -0.5} if k == "cubic" else {})]
    + [({"mode": "linear", "axes": a}, {"sizes": s}) for a, s in (([3, 2], [4, 9]), ([-1, -2], [4, 9]),
                                                                   ([3], [9]), ([-2], [12]))]
    + [({"mode": "cubic", "cubic_coeff_a": -0.5, "exclude_outside": 1, "coordinate_transformation_mode": t},
        {"sizes": [1, 2, 12, 3]}) for t in ("half_pixel_symmetric", "tf_half_pixel_for_nn")]
)


def _onnx_vocabulary_cases() -> List[Case]:
    """Cases of ``_ONNX_VOCABULARY``, read by ``spec_from_resize`` (onnxruntime computes them natively)."""
    from unisample.onnx import spec_from_resize

    shape = (1, 2, 7, 5)
    cases = []
    for attributes, inputs in _ONNX_VOCABULARY:
        arrays = {k: np.asarray(v, np.int64 if k == "sizes" else np.float32) for k, v in inputs.items()}
        spec = spec_from_resize(attributes, arrays.get("scales"), arrays.get("sizes"), roi=arrays.get("roi"),
                                input_shape=shape)
        kw = {**attributes, **{k: v.tolist() for k, v in arrays.items()}}  # the float32 values ONNX holds
        if "axes" in attributes:  # negative or partial axes: the rank and lengths come from the input
            kw["input_shape"] = list(shape)
        cases.append(make_case("onnxruntime", "onnx.Resize", kw, shape, spec))
    return cases


def _builder(name: str):
    """The function that lists ``name``'s cases."""
    return _onnxruntime_cases if name == "onnxruntime" else framework_part(name, "catalogue").cases


def catalogue(framework: Optional[str] = None, quick: bool = False, kernels=None,
              case: Optional[str] = None) -> List[Case]:
    """Every case of ``framework`` (or of all frameworks), in a stable order, ids unique.

    ``quick`` keeps every fourth case of each mode family (every family stays
    covered); ``kernels`` keeps only specs with those kernels (nearest, linear,
    cubic, area, lanczos3, lanczos5, and ``shuffle`` for pixel shuffles:
    ``ops.kernel_of``); ``case`` keeps only ids containing that
    text (how a failing case is re-run alone).  Workers and the parent filter
    alike, so case numbers agree.
    """
    names = FRAMEWORKS if framework is None else (framework,)
    out: List[Case] = []
    for name in names:
        if name not in FRAMEWORKS:
            raise ValueError(f"framework: got {name!r}; expected one of {', '.join(FRAMEWORKS)}")
        out.extend(_builder(name)())
    seen: Dict[str, Case] = {}
    for c in out:
        seen.setdefault(c.id, c)
    cases = [c for c in seen.values() if kernels is None or kernel_of(c.spec) in kernels]
    if quick:
        counter: Dict[tuple, int] = {}
        kept = []
        for c in cases:
            key = (c.framework, family_of(c.spec))
            counter[key] = counter.get(key, 0) + 1
            if counter[key] % 4 == 1:
                kept.append(c)
        cases = kept
    if case is not None:
        cases = [c for c in cases if case in c.id]
    return cases
