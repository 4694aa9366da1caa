"""The case matrix: native resize configurations of each framework, generated.

A ``Case`` is one call of a framework's own resize op (``call`` and
``kwargs``, in that framework's own terms) on an input of ``shape``, together
with ``spec``: the ``Upsample`` that claims to compute the same numbers.  The
translation from native terms to a spec is written out here, by hand, once per
framework, from each framework's documented and measured behaviour
(the README's "Why" table): it is the claim the conformance suite checks, never assumes.

Every configuration is translated by the product itself
(``Upsample.from_torch`` / ``from_paddle`` / ``from_keras`` / ``from_jax``,
which read dicts without importing the framework), so the suite checks those
translations too.

This module imports numpy only; ``native.py`` runs the calls.
"""

from __future__ import annotations

import itertools
import json
import zlib
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from unisample import Upsample

__all__ = ["Case", "catalogue", "FRAMEWORKS", "ADAPTER_FRAMEWORKS", "make_input"]

# Frameworks with an adapter (unisample computes on their arrays), and every
# native runtime the suite checks: onnxruntime runs specs exported to ONNX.
ADAPTER_FRAMEWORKS = ("torch", "tensorflow", "paddle", "jax")
FRAMEWORKS = ADAPTER_FRAMEWORKS + ("onnxruntime",)


@dataclass(frozen=True)
class Case:
    """One native call and the spec that claims to reproduce it."""

    framework: str
    call: str
    kwargs_json: str  # the call's keyword arguments, JSON (hashable, printable)
    shape: Tuple[int, ...]
    spec: Upsample
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
        """Nearest modes are held to bit-exactness."""
        return self.spec.kernel == "nearest"


def _case(framework: str, call: str, kwargs: dict, shape, spec: Upsample, dtype="float32") -> Case:
    return Case(framework, call, json.dumps(kwargs), tuple(shape), spec, dtype)


def make_input(case: Case) -> np.ndarray:
    """The case's input: N(0, 1) samples seeded by the case id (same in every process)."""
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    return rng.standard_normal(case.shape).astype(case.dtype)


# Spatial sizes of the inputs and the output sizes tried on them: integer and
# non-integer ratios, up and down, length 1 and unchanged.
_IN = {1: (7,), 2: (7, 5), 3: (5, 4, 3)}
_SIZES = {
    1: [(14,), (10,), (3,), (1,), (7,), (20,)],
    2: [(14, 10), (10, 8), (3, 2), (1, 1), (7, 12), (1, 3), (20, 13)],
    3: [(10, 8, 6), (7, 6, 5), (2, 2, 1), (1, 1, 1)],
}
_SCALES = {
    1: [2.0, 2.5, 0.5, 0.6, 1.1],
    2: [2.0, (2.5, 1.5), (0.5, 0.6), 1.1, (1.1, 2.5)],
    3: [2.0, (1.5, 0.5, 2.5), 1.1],
}
# Inputs large enough for antialiasing to widen the kernel several times.
_AA_IN = {1: (23,), 2: (17, 13), 3: (9, 8, 7)}
#: (5, 1): torch's antialiased kernels are wrong there (adapters/torch.py native_defect)
_AA_SIZES = {1: [(5,), (9,), (40,)], 2: [(5, 4), (8, 3), (1, 2), (30, 20), (5, 1)], 3: [(3, 4, 2)]}



def _torch_cases() -> List[Case]:
    cases = []

    def add(rank, mode, extra, spatial=None, sizes=None, scales=True):
        spatial = spatial or _IN[rank]
        shape = (2, 3) + spatial
        for size in sizes or _SIZES[rank]:
            kw = dict(size=list(size), mode=mode, **extra)
            cases.append(_case("torch", "F.interpolate", kw, shape, Upsample.from_torch(kw)))
        if not scales:
            return
        for scale in _SCALES[rank]:
            for recompute in (None, True):
                kw = dict(scale_factor=list(scale) if isinstance(scale, tuple) else scale, mode=mode,
                          recompute_scale_factor=recompute, **extra)
                cases.append(_case("torch", "F.interpolate", kw, shape, Upsample.from_torch(kw)))

    for rank in (1, 2, 3):
        for mode in ("nearest", "nearest-exact", "area"):
            add(rank, mode, {})
        for align in (False, True):
            add(rank, {1: "linear", 2: "bilinear", 3: "trilinear"}[rank], {"align_corners": align})
    for align in (False, True):
        add(2, "bicubic", {"align_corners": align})
    for mode in ("bilinear", "bicubic"):
        for align in (False, True):
            add(2, mode, {"align_corners": align, "antialias": True},
                spatial=_AA_IN[2], sizes=_AA_SIZES[2], scales=False)
            add(2, mode, {"align_corners": align, "antialias": True})
    # torch's lanczos: Lanczos-3 antialiased (Pillow's), 4-D only
    add(2, "lanczos", {"antialias": True}, spatial=_AA_IN[2], sizes=_AA_SIZES[2], scales=False)
    add(2, "lanczos", {"antialias": True})
    return cases


def _tf_cases() -> List[Case]:
    cases = []

    def add(call, kwargs, shape):
        spec = Upsample.from_keras({**kwargs, "function": call}, backend="tensorflow")
        cases.append(_case("tensorflow", call, kwargs, shape, spec))

    methods = {"bilinear": True, "nearest": False, "bicubic": True, "area": False, "lanczos3": True, "lanczos5": True}
    for method, has_antialias in methods.items():
        for antialias in (False, True) if has_antialias else (False,):
            for spatial, sizes in ((_IN[2], _SIZES[2]), (_AA_IN[2], _AA_SIZES[2])):
                if spatial == _AA_IN[2] and not antialias and method not in ("area", "bilinear"):
                    continue
                for size in sizes:
                    add("tf.image.resize", dict(size=list(size), method=method, antialias=antialias),
                        (2,) + spatial + (3,))
    # TF1 ops: align_corners, and the legacy asymmetric mapping (half_pixel_centers=False).
    for op in ("resize_bilinear", "resize_bicubic", "resize_nearest_neighbor"):
        for align in (True, False):
            for size in _SIZES[2]:
                add(f"tf.compat.v1.image.{op}", dict(size=list(size), align_corners=align, half_pixel_centers=False),
                    (2,) + _IN[2] + (3,))
    # Keras layers (TF backend): UpSampling repeats or resizes to in * factor; Resizing.
    for data_format in ("channels_last", "channels_first"):
        def shape(spatial, data_format=data_format):
            return (2,) + spatial + (3,) if data_format == "channels_last" else (2, 3) + spatial

        for interpolation in ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"):
            for size in ([2, 3], [3, 1], [1, 2]):
                add("keras.layers.UpSampling2D", dict(size=size, interpolation=interpolation,
                                                      data_format=data_format), shape(_IN[2]))
        for interpolation in ("nearest", "bilinear", "bicubic", "area", "lanczos3"):
            for antialias in (False, True):
                for spatial, size in ((_IN[2], (10, 8)), (_AA_IN[2], (5, 4))):
                    add("keras.layers.Resizing", dict(height=size[0], width=size[1], interpolation=interpolation,
                                                      antialias=antialias, data_format=data_format), shape(spatial))
        add("keras.layers.UpSampling3D", dict(size=[2, 1, 3], data_format=data_format), shape(_IN[3]))
    add("keras.layers.UpSampling1D", dict(size=3), (2, 7, 3))
    return cases


_PADDLE_FORMATS = {1: ("NCW", "NWC"), 2: ("NCHW", "NHWC"), 3: ("NCDHW", "NDHWC")}


def _paddle_shape(rank: int, data_format: str, spatial) -> tuple:
    return (2,) + spatial + (3,) if data_format.endswith("C") else (2, 3) + spatial


def _paddle_cases() -> List[Case]:
    cases = []
    # Paddle refuses 1-D nearest ("only support 4-D or 5-D tensor").
    modes = {1: ("linear", "area"), 2: ("nearest", "bilinear", "bicubic", "area"),
             3: ("nearest", "trilinear", "area")}
    for rank, names in modes.items():
        for mode, data_format in itertools.product(names, _PADDLE_FORMATS[rank]):
            if mode == "area" and data_format.endswith("C"):
                # Paddle's area ignores data_format and pools the wrong axes
                # (NHWC 2x7x5x3 -> 2x7x14x10): no behaviour to port there.
                continue
            interpolating = mode not in ("nearest", "area")
            variants = [(False, 0)]
            if interpolating:
                variants += [(True, 0), (False, 1)]
            for align, align_mode in variants:
                shape = _paddle_shape(rank, data_format, _IN[rank])
                base = dict(mode=mode, align_corners=align, align_mode=align_mode, data_format=data_format)
                for size in _SIZES[rank]:
                    kw = dict(size=list(size), **base)
                    cases.append(_case("paddle", "F.interpolate", kw, shape, Upsample.from_paddle(kw)))
                if mode == "area":
                    continue  # Paddle refuses scale_factor with area
                for scale in _SCALES[rank]:
                    kw = dict(scale_factor=list(scale) if isinstance(scale, tuple) else scale, **base)
                    cases.append(_case("paddle", "F.interpolate", kw, shape, Upsample.from_paddle(kw)))
    return cases


def _jax_cases() -> List[Case]:
    cases = []
    for rank in (1, 2, 3):
        for method, antialias in itertools.product(("nearest", "linear", "cubic", "lanczos3", "lanczos5"),
                                                   (False, True)):
            if method == "nearest" and antialias:
                continue  # antialias does nothing to nearest in JAX
            for spatial, sizes in ((_IN[rank], _SIZES[rank]), (_AA_IN[rank], _AA_SIZES[rank])):
                for size in sizes:
                    shape = (2,) + spatial + (3,)
                    # jax.image.resize has no layout: the input's shape says which axes it resizes
                    kw = dict(shape=[2, *size, 3], method=method, antialias=antialias, input_shape=list(shape))
                    cases.append(_case("jax", "jax.image.resize", kw, shape, Upsample.from_jax(kw)))
    return cases


def _onnxruntime_runs(spec: Upsample, shape) -> bool:
    """Whether onnxruntime's CPU Resize accepts this spec and shape: ONNX allows any,
    but its linear kernel takes only 4-D inputs (batch and channels unscaled, NCHW
    or NHWC) and 5-D NCDHW, its cubic kernel only 4-D NCHW, or NHWC when
    antialiased or upscaling ('ScalesValidation' in onnxruntime 1.32)."""
    ndim, kernel = len(shape), spec.kernel
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
        for c in _BUILDERS[name]():
            if c.dtype != "float32" or (c.spec, c.shape) in seen:
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
                                    data_format="channels_last" if c.spec.channels_last else "channels_first")
            kw = {**attributes, **{k: v.tolist() for k, v in inputs.items()}}
            cases.append(_case("onnxruntime", "onnx.Resize", kw, c.shape, spec))
    return cases


_BUILDERS = {"torch": _torch_cases, "tensorflow": _tf_cases, "paddle": _paddle_cases, "jax": _jax_cases,
             "onnxruntime": _onnxruntime_cases}


def catalogue(framework: Optional[str] = None, quick: bool = False, kernels=None,
              case: Optional[str] = None) -> List[Case]:
    """Every case of ``framework`` (or of all frameworks), in a stable order, ids unique.

    ``quick`` keeps every fourth case of each mode family (every family stays
    covered); ``kernels`` keeps only specs with those kernels (nearest, linear,
    cubic, area, lanczos3, lanczos5); ``case`` keeps only ids containing that
    text (how a failing case is re-run alone).  Workers and the parent filter
    alike, so case numbers agree.
    """
    names = FRAMEWORKS if framework is None else (framework,)
    out: List[Case] = []
    for name in names:
        if name not in _BUILDERS:
            raise ValueError(f"framework: got {name!r}; expected one of {', '.join(FRAMEWORKS)}")
        out.extend(_BUILDERS[name]())
    seen: Dict[str, Case] = {}
    for c in out:
        seen.setdefault(c.id, c)
    cases = [c for c in seen.values() if kernels is None or c.spec.kernel in kernels]
    if quick:
        counter: Dict[tuple, int] = {}
        kept = []
        for c in cases:
            key = (c.framework, c.spec.kernel, c.spec.antialias)
            counter[key] = counter.get(key, 0) + 1
            if counter[key] % 4 == 1:
                kept.append(c)
        cases = kept
    if case is not None:
        cases = [c for c in cases if case in c.id]
    return cases
