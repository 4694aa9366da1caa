"""torch's conformance catalogue: ``F.interpolate`` and ``F.pixel_shuffle`` /
``F.pixel_unshuffle`` configurations, each with the spec ``Upsample.from_torch``
(``PixelShuffle.from_torch``, ...) reads from it; running one natively; and the
naive port of another framework's configuration to torch (the atlas)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import numpy as np

from unisample import PixelShuffle, PixelUnshuffle, Upsample
from unisample.conformance.cases import AA_IN, AA_SIZES, IN, PICTURE, SCALES, SIZES, Case, make_case, shuffle_cases

LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


def cases() -> List[Case]:
    """Every mode at ranks 1-3 by size and by scale factor (with and without
    ``recompute_scale_factor``), ``align_corners`` both ways, antialiased
    bilinear/bicubic and lanczos on inputs wide enough to widen the filter; and
    ``pixel_shuffle`` / ``pixel_unshuffle`` at factors 1-4 and in 8 dtypes."""
    out = []

    def add(rank, mode, extra, spatial=None, sizes=None, scales=True):
        spatial = spatial or IN[rank]
        shape = (2, 3) + spatial
        for size in sizes or SIZES[rank]:
            kw = dict(size=list(size), mode=mode, **extra)
            out.append(make_case("torch", "F.interpolate", kw, shape, Upsample.from_torch(kw)))
        if not scales:
            return
        for scale in SCALES[rank]:
            for recompute in (None, True):
                kw = dict(scale_factor=list(scale) if isinstance(scale, tuple) else scale, mode=mode,
                          recompute_scale_factor=recompute, **extra)
                out.append(make_case("torch", "F.interpolate", kw, shape, Upsample.from_torch(kw)))

    for rank in (1, 2, 3):
        for mode in ("nearest", "nearest-exact", "area"):
            add(rank, mode, {})
        for align in (False, True):
            add(rank, LINEAR[rank], {"align_corners": align})
    for align in (False, True):
        add(2, "bicubic", {"align_corners": align})
    for mode in ("bilinear", "bicubic"):
        for align in (False, True):
            add(2, mode, {"align_corners": align, "antialias": True}, spatial=AA_IN[2], sizes=AA_SIZES[2], scales=False)
            add(2, mode, {"align_corners": align, "antialias": True})
    # torch's lanczos: Lanczos-3 antialiased (Pillow's), 4-D only
    add(2, "lanczos", {"antialias": True}, spatial=AA_IN[2], sizes=AA_SIZES[2], scales=False)
    add(2, "lanczos", {"antialias": True})
    return out + _shuffle_cases()


def _shuffle_cases() -> List[Case]:
    """``F.pixel_shuffle`` / ``F.pixel_unshuffle`` (CRD, NCHW)."""
    return shuffle_cases("torch", [
        (f"F.{name}", lambda r, key=key: {key: r},
         lambda kw, kind=kind, name=name: kind.from_torch({"function": f"torch.nn.functional.{name}", **kw}))
        for name, kind, key in (("pixel_shuffle", PixelShuffle, "upscale_factor"),
                                ("pixel_unshuffle", PixelUnshuffle, "downscale_factor"))])


def showcase() -> List[Case]:
    """A few configurations on the report's test card: align_corners bilinear,
    bicubic, nearest at a non-integer ratio, and an antialiased shrink."""
    shape = (1, 3, PICTURE, PICTURE)
    configs = [dict(size=[2 * PICTURE] * 2, mode="bilinear", align_corners=True),
               dict(size=[2 * PICTURE] * 2, mode="bicubic", align_corners=False),
               dict(size=[PICTURE * 3 // 2] * 2, mode="nearest"),
               dict(size=[PICTURE * 3 // 8] * 2, mode="bilinear", antialias=True)]
    return [make_case("torch", "F.interpolate", kw, shape, Upsample.from_torch(kw)) for kw in configs]


def native_output(case: Case, x: np.ndarray) -> np.ndarray:
    """``case``'s call run by torch on ``x``."""
    import torch
    import torch.nn.functional as F

    kw = case.kwargs
    if case.call != "F.interpolate":  # F.pixel_shuffle, F.pixel_unshuffle
        return getattr(F, case.call.partition(".")[2])(torch.from_numpy(x), **kw).numpy()
    if kw.get("size") is not None:
        kw["size"] = tuple(kw["size"])
    if isinstance(kw.get("scale_factor"), list):
        kw["scale_factor"] = tuple(kw["scale_factor"])
    with torch.no_grad():
        return F.interpolate(torch.from_numpy(x), **kw).numpy()


def naive_port(spec: Upsample, size: List[int], rank: int) -> Optional[Upsample]:
    """The spec of ``F.interpolate`` called with ``spec``'s nominal arguments
    (mode family, output ``size``, ``align_corners``, ``antialias``), or None
    where torch has no such call."""
    kernel, aa = spec.kernel, spec.antialias
    mode = {"nearest": "nearest", "linear": LINEAR[rank], "cubic": "bicubic", "area": "area"}.get(kernel)
    if mode is None or (mode == "bicubic" and rank != 2) or (aa and rank != 2):
        return None
    kw: Dict[str, Any] = {"size": size, "mode": mode}
    if kernel in ("linear", "cubic"):
        kw.update(align_corners=spec.coordinate_transform == "align_corners", antialias=aa)
    return Upsample.from_torch(kw)
