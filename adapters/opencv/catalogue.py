"""OpenCV's conformance catalogue: ``cv2.resize`` on float32 HWC images (1
and 3 channels) with every ``INTER_*`` flag unisample reads, by ``dsize`` and
by ``fx``/``fy``, each with the spec ``Upsample.from_opencv`` reads from it,
and running one natively."""

from __future__ import annotations

from typing import Any, Dict, List

import numpy as np

from unisample import Upsample
from unisample.conformance.cases import AA_IN, AA_SIZES, IN, SIZES, Case, make_case

from .vocabulary import _MODE_OF_FLAG

#: (fx, fy) tried on the small image: whole and non-integer factors, up and down
FACTORS = [(2.0, 2.0), (0.5, 0.5), (1.5, 2.5), (0.6, 0.5)]


def cases() -> List[Case]:
    """Every flag on 7x5 images resized to every size of the 2-D grid and by
    ``FACTORS``, and on 17x13 images shrunk, with 1 and 3 channels."""
    out = []
    for flag in _MODE_OF_FLAG:
        for channels in (1, 3):
            for (h, w), sizes in ((IN[2], SIZES[2]), (AA_IN[2], AA_SIZES[2])):
                for oh, ow in sizes:
                    kw: Dict[str, Any] = {"dsize": [ow, oh], "interpolation": flag}
                    out.append(make_case("opencv", "cv2.resize", kw, (1, h, w, channels), Upsample.from_opencv(kw)))
            h, w = IN[2]
            for fx, fy in FACTORS:
                kw = {"dsize": [0, 0], "fx": fx, "fy": fy, "interpolation": flag, "input_size": [w, h]}
                try:
                    spec = Upsample.from_opencv(kw)
                except ValueError:
                    continue  # OpenCV rounds n * f where no spec can say it
                out.append(make_case("opencv", "cv2.resize", kw, (1, h, w, channels), spec))
    return out


def native_output(case: Case, x: np.ndarray) -> np.ndarray:
    """``case``'s call run by OpenCV on ``x`` (``(1, h, w, c)``, one HWC image)."""
    import cv2

    kw = case.kwargs
    image = np.ascontiguousarray(x[0])
    y = cv2.resize(image, tuple(kw["dsize"]), fx=kw.get("fx", 0), fy=kw.get("fy", 0),
                   interpolation=getattr(cv2, kw["interpolation"]))
    return (y[:, :, None] if y.ndim == 2 else y)[None]
