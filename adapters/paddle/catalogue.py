"""paddle's conformance catalogue: ``paddle.nn.functional.interpolate``
configurations (``align_mode``, every ``data_format``) and ``pixel_shuffle`` /
``pixel_unshuffle`` ones, each with the spec ``Upsample.from_paddle``
(``PixelShuffle.from_paddle``, ...) reads from it; running one natively; and the naive
port of another framework's configuration to paddle (the atlas)."""

from __future__ import annotations

import itertools
from typing import List, Optional

import numpy as np

from unisample import PixelShuffle, PixelUnshuffle, Upsample
from unisample.conformance.cases import IN, PICTURE, SCALES, SIZES, Case, make_case, shuffle_cases

FORMATS = {1: ("NCW", "NWC"), 2: ("NCHW", "NHWC"), 3: ("NCDHW", "NDHWC")}
LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


def _shape(data_format: str, spatial) -> tuple:
    return (2,) + spatial + (3,) if data_format.endswith("C") else (2, 3) + spatial


def cases() -> List[Case]:
    """Every mode paddle has at each rank and layout, by size and by scale
    factor, ``align_corners`` and ``align_mode`` both ways; its pixel shuffles
    in both layouts at factors 1-4."""
    out = []
    # Paddle refuses 1-D nearest ("only support 4-D or 5-D tensor").
    modes = {1: ("linear", "area"), 2: ("nearest", "bilinear", "bicubic", "area"),
             3: ("nearest", "trilinear", "area")}
    for rank, names in modes.items():
        for mode, data_format in itertools.product(names, FORMATS[rank]):
            if mode == "area" and data_format.endswith("C"):
                # Paddle's area ignores data_format and pools the wrong axes
                # (NHWC 2x7x5x3 -> 2x7x14x10): no behaviour to port there.
                continue
            variants = [(False, 0)]
            if mode not in ("nearest", "area"):
                variants += [(True, 0), (False, 1)]
            for align, align_mode in variants:
                shape = _shape(data_format, IN[rank])
                base = dict(mode=mode, align_corners=align, align_mode=align_mode, data_format=data_format)
                for size in SIZES[rank]:
                    kw = dict(size=list(size), **base)
                    out.append(make_case("paddle", "F.interpolate", kw, shape, Upsample.from_paddle(kw)))
                if mode == "area":
                    continue  # Paddle refuses scale_factor with area
                for scale in SCALES[rank]:
                    kw = dict(scale_factor=list(scale) if isinstance(scale, tuple) else scale, **base)
                    out.append(make_case("paddle", "F.interpolate", kw, shape, Upsample.from_paddle(kw)))
    return out + _shuffle_cases()


def _shuffle_cases() -> List[Case]:
    """``F.pixel_shuffle`` / ``F.pixel_unshuffle`` in both layouts; paddle has
    float32 and float64 kernels for them only."""
    return shuffle_cases("paddle", [
        (f"F.{name}", lambda r, key=key, layout=layout: {key: r, "data_format": layout},
         lambda kw, kind=kind, name=name: kind.from_paddle({"function": f"paddle.nn.functional.{name}", **kw}))
        for name, kind, key in (("pixel_shuffle", PixelShuffle, "upscale_factor"),
                                ("pixel_unshuffle", PixelUnshuffle, "downscale_factor"))
        for layout in FORMATS[2]], dtypes=("float64",))


def showcase() -> List[Case]:
    """A few configurations on the report's test card: ``align_mode=1``
    bilinear and ``align_corners`` bicubic, enlarged x2."""
    shape = (1, 3, PICTURE, PICTURE)
    configs = [dict(size=[2 * PICTURE] * 2, mode="bilinear", align_corners=False, align_mode=1, data_format="NCHW"),
               dict(size=[2 * PICTURE] * 2, mode="bicubic", align_corners=True, align_mode=0, data_format="NCHW")]
    return [make_case("paddle", "F.interpolate", kw, shape, Upsample.from_paddle(kw)) for kw in configs]


def native_output(case: Case, x: np.ndarray) -> np.ndarray:
    """``case``'s call run by paddle on ``x``."""
    import paddle
    import paddle.nn.functional as F

    return getattr(F, case.call.partition(".")[2])(paddle.to_tensor(x), **case.kwargs).numpy()


def naive_port(spec: Upsample, size: List[int], rank: int) -> Optional[Upsample]:
    """The spec of ``F.interpolate`` called with ``spec``'s nominal arguments
    and paddle's defaults (``align_mode=0``), or None where paddle has no such call."""
    kernel = spec.kernel
    mode = {"nearest": "nearest", "linear": LINEAR[rank], "cubic": "bicubic", "area": "area"}.get(kernel)
    if mode is None or spec.antialias or (mode == "bicubic" and rank != 2) or (mode == "nearest" and rank == 1):
        return None
    corners = spec.coordinate_transform == "align_corners"
    return Upsample.from_paddle({"size": size, "mode": mode, "data_format": {1: "NCW", 2: "NCHW", 3: "NCDHW"}[rank],
                                 "align_corners": corners and kernel != "nearest"})
