"""The case matrix: native resize configurations of each framework, generated.

A ``Case`` is one call of a framework's own resize op (``call`` and
``kwargs``, in that framework's own terms) on an input of ``shape``, together
with ``spec``: the ``Upsample`` that claims to compute the same numbers.  The
translation from native terms to a spec is written out here, by hand, once per
framework, from each framework's documented and measured behaviour
(DESIGN.md §1): it is the claim the conformance suite checks, never assumes.

PyTorch's and Paddle's configurations are translated by the product itself
(``Upsample.from_torch`` / ``Upsample.from_paddle``, which read dicts without
importing the framework), so the suite checks those translations too; TF's and
JAX's are written out here until their adapters exist.

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

__all__ = ["Case", "catalogue", "FRAMEWORKS", "make_input"]

FRAMEWORKS = ("torch", "tensorflow", "paddle", "jax")


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
_AA_SIZES = {1: [(5,), (9,), (40,)], 2: [(5, 4), (8, 3), (1, 2), (30, 20)], 3: [(3, 4, 2)]}

_TORCH_LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


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
            add(rank, _TORCH_LINEAR[rank], {"align_corners": align})
    for align in (False, True):
        add(2, "bicubic", {"align_corners": align})
    for mode in ("bilinear", "bicubic"):
        for align in (False, True):
            add(2, mode, {"align_corners": align, "antialias": True},
                spatial=_AA_IN[2], sizes=_AA_SIZES[2], scales=False)
            add(2, mode, {"align_corners": align, "antialias": True})
    return cases


def _tf_cases() -> List[Case]:
    cases = []
    methods = {
        # method -> (mode, extras without antialias, extras with antialias)
        "bilinear": ("bilinear", {}, {"antialias": True}),
        "nearest": ("nearest-exact", {}, None),
        # resize_bicubic: Keys a=-0.5, outside taps dropped, 1/1024 table;
        # with antialias it is scale_and_translate's exact keyscubic.
        "bicubic": ("bicubic", {"cubic_coeff_a": -0.5, "exclude_outside": True, "cubic_table_size": 1024},
                    {"antialias": True}),
        "area": ("area", {"area_weights": "overlap"}, None),
        "lanczos3": ("lanczos3", {}, {"antialias": True}),
        "lanczos5": ("lanczos5", {}, {"antialias": True}),
    }
    for method, (mode, plain, smooth) in methods.items():
        for antialias, extras in ((False, plain), (True, smooth)):
            if extras is None:
                continue
            for spatial, sizes in ((_IN[2], _SIZES[2]), (_AA_IN[2], _AA_SIZES[2])):
                if spatial == _AA_IN[2] and not antialias and method not in ("area", "bilinear"):
                    continue
                for size in sizes:
                    kw = dict(size=list(size), method=method, antialias=antialias)
                    spec = Upsample(size=size, mode=mode, data_format="channels_last", **extras)
                    cases.append(_case("tensorflow", "tf.image.resize", kw, (2,) + spatial + (3,), spec))
    # TF1 ops: align_corners, and the legacy asymmetric mapping (half_pixel_centers=False).
    v1 = {
        "resize_bilinear": ("bilinear", {}),
        # legacy bicubic: a=-0.75, edge pixels repeated, still the 1/1024 table
        "resize_bicubic": ("bicubic", {"cubic_coeff_a": -0.75, "exclude_outside": False, "cubic_table_size": 1024}),
        "resize_nearest_neighbor": (None, {}),
    }
    for op, (mode, extras) in v1.items():
        for align in (True, False):
            for size in _SIZES[2]:
                kw = dict(size=list(size), align_corners=align, half_pixel_centers=False)
                if mode is None:  # nearest: rounds with align_corners, floors without
                    spec = Upsample(size=size, mode="nearest-exact" if align else "nearest",
                                    coordinate_transform="align_corners" if align else "asymmetric",
                                    data_format="channels_last")
                else:
                    spec = Upsample(size=size, mode=mode, data_format="channels_last",
                                    coordinate_transform="align_corners" if align else "asymmetric", **extras)
                cases.append(_case("tensorflow", f"tf.compat.v1.image.{op}", kw, (2,) + _IN[2] + (3,), spec))
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
            if method == "nearest":
                mode, extras = "nearest-exact", {}
            elif method == "linear":
                mode, extras = _TORCH_LINEAR[rank], {"antialias": antialias}
            elif method == "cubic":
                mode, extras = "bicubic", {"antialias": antialias, "cubic_coeff_a": -0.5, "exclude_outside": True}
            else:
                mode, extras = method, {"antialias": antialias}
            for spatial, sizes in ((_IN[rank], _SIZES[rank]), (_AA_IN[rank], _AA_SIZES[rank])):
                for size in sizes:
                    shape = (2,) + spatial + (3,)
                    kw = dict(shape=[2, *size, 3], method=method, antialias=antialias)
                    spec = Upsample(size=size, mode=mode, data_format="channels_last", **extras)
                    cases.append(_case("jax", "jax.image.resize", kw, shape, spec))
    return cases


_BUILDERS = {"torch": _torch_cases, "tensorflow": _tf_cases, "paddle": _paddle_cases, "jax": _jax_cases}


def catalogue(framework: Optional[str] = None) -> List[Case]:
    """Every case of ``framework`` (or of all frameworks), in a stable order, ids unique."""
    names = FRAMEWORKS if framework is None else (framework,)
    out: List[Case] = []
    for name in names:
        if name not in _BUILDERS:
            raise ValueError(f"framework: got {name!r}; expected one of {', '.join(FRAMEWORKS)}")
        out.extend(_BUILDERS[name]())
    seen: Dict[str, Case] = {}
    for case in out:
        seen.setdefault(case.id, case)
    return list(seen.values())
