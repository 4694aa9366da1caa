"""Pillow's conformance catalogue: ``Image.resize`` on 32-bit float ('F')
images with every filter, each with the spec ``Upsample.from_pillow`` reads
from it, and running one natively.  Integer images are not in it: unisample's
integer rule is not Pillow's fixed-point arithmetic (README "Pillow and OpenCV")."""

from __future__ import annotations

from typing import List

import numpy as np

from unisample import Upsample
from unisample.conformance.cases import AA_IN, AA_SIZES, IN, SIZES, Case, make_case

from .vocabulary import FILTERS


def cases() -> List[Case]:
    """Every filter, on an image of 7x5 resized to every size of the 2-D grid
    (up, down, non-integer ratios, same size, size 1) and on a 17x13 one shrunk
    (the filters widen)."""
    out = []
    for name in FILTERS.values():
        for (h, w), sizes in ((IN[2], SIZES[2]), (AA_IN[2], AA_SIZES[2])):
            for oh, ow in sizes:
                kw = {"size": [ow, oh], "resample": name, "input_size": [w, h]}
                out.append(make_case("pillow", "PIL.Image.Image.resize", kw, (1, h, w, 1), Upsample.from_pillow(kw)))
    return out


def native_output(case: Case, x: np.ndarray) -> np.ndarray:
    """``case``'s call run by Pillow on ``x`` (``(1, h, w, 1)``, one 'F' image)."""
    from PIL import Image

    kw = case.kwargs
    image = Image.fromarray(np.ascontiguousarray(x[0, :, :, 0], dtype=np.float32))
    resized = image.resize(tuple(kw["size"]), getattr(Image.Resampling, kw["resample"]))
    return np.asarray(resized, dtype=np.float32)[None, :, :, None]
