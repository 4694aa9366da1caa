"""The kernel table and the mode table: what each mode is, written once.

A *kernel* is how output pixels weigh input pixels: ``nearest`` (one tap),
``area`` (boxes of whole pixels) or a filter, a function of the distance
between an output's source coordinate and an input pixel, with a support of
``radius`` input pixels each side.  A *mode* is the name users give
(PyTorch's vocabulary, plus unisample's extras): a kernel, the number of
spatial axes the name fixes, and whether ``align_corners`` applies.

Two kernels are OpenCV's own rules, for ``cv2.resize`` (``unisample.adapters.
opencv_vocabulary``), where OpenCV's arithmetic picks other pixels or other
weights than any framework's: ``opencv_nearest`` (modes ``opencv-nearest``,
INTER_NEAREST, and ``opencv-nearest-exact``, INTER_NEAREST_EXACT: the
``nearest`` and ``nearest-exact`` rules with OpenCV's float64 arithmetic) and
``opencv_area`` (mode ``opencv-area``, INTER_AREA: box or pixel-overlap
weights when no axis grows, a two-tap overlap rule on every axis when one
does).  ``unisample.taps`` says exactly what they compute.

Everything that depends on a kernel reads its row here: the spec's
validation and its error messages, the taps (``taps.kernel_function``), the
tolerance (``exact``), the ONNX mode, the image command's choices.  Adding a
filter is one function and one row of ``KERNELS`` (and a row of ``MODES`` to
name it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import numpy as np

__all__ = ["Kernel", "Mode", "KERNELS", "MODES", "modes_where"]


def triangle(d: np.ndarray, spec=None) -> np.ndarray:
    """The linear kernel: ``max(0, 1 - |d|)``."""
    return np.maximum(0.0, 1.0 - np.abs(d))


def cubic(d: np.ndarray, spec=None, a: Optional[float] = None) -> np.ndarray:
    """Keys' cubic convolution kernel with coefficient ``a`` (the spec's
    ``cubic_coeff_a`` when ``a`` is not given): -0.75 PyTorch/OpenCV, -0.5 Keys/TF/Pillow."""
    a = float(spec.cubic_coeff_a) if a is None else a
    d = np.abs(d)
    near = ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0
    far = ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a
    return np.where(d <= 1.0, near, np.where(d < 2.0, far, 0.0))


def lanczos(radius: int) -> Callable[..., np.ndarray]:
    """The Lanczos kernel of ``radius`` lobes: ``sinc(d) sinc(d / radius)`` inside the support."""
    def kernel(d: np.ndarray, spec=None) -> np.ndarray:
        d = np.abs(d)
        return np.where(d < radius, np.sinc(d) * np.sinc(d / radius), 0.0)
    kernel.__name__ = f"lanczos{radius}"
    return kernel


@dataclass(frozen=True)
class Kernel:
    """One row of the kernel table.

    ``function(d, spec)`` is the filter's weight at distance ``d`` (None for
    nearest and area, which are not filters), ``radius`` its support in input
    pixels each side.  ``antialias``: it can be widened by input/output when
    shrinking.  ``exclude_outside``: dropping the taps outside the input
    (and renormalising) changes its numbers, so the extra applies.
    ``normalised``: its weights are always divided by their sum (a lanczos
    row does not sum to 1).  ``exact``: results are held to bit-exactness.
    ``onnx``: ONNX Resize's name for it, None where ONNX has none.
    """

    name: str
    function: Optional[Callable[..., np.ndarray]] = None
    radius: int = 0
    antialias: bool = False
    exclude_outside: bool = False
    normalised: bool = False
    exact: bool = False
    onnx: Optional[str] = None


KERNELS: Dict[str, Kernel] = {k.name: k for k in (
    Kernel("nearest", exact=True, onnx="nearest"),
    Kernel("linear", triangle, 1, antialias=True, onnx="linear"),
    Kernel("cubic", cubic, 2, antialias=True, exclude_outside=True, onnx="cubic"),
    Kernel("area"),
    Kernel("lanczos3", lanczos(3), 3, antialias=True, exclude_outside=True, normalised=True),
    Kernel("lanczos5", lanczos(5), 5, antialias=True, exclude_outside=True, normalised=True),
    # OpenCV's INTER_LANCZOS4: 8 taps, edge pixels repeated (exclude_outside=False)
    Kernel("lanczos4", lanczos(4), 4, antialias=True, exclude_outside=True, normalised=True),
    Kernel("opencv_nearest", exact=True),
    Kernel("opencv_area"),
)}


@dataclass(frozen=True)
class Mode:
    """One row of the mode table: a mode's kernel, the number of spatial axes
    its name fixes (None: 1, 2 or 3) and whether ``align_corners`` applies."""

    name: str
    kernel: str
    rank: Optional[int] = None
    align_corners: bool = False


_MODE_ROWS = (
    Mode("nearest", "nearest"),
    Mode("nearest-exact", "nearest"),
    Mode("linear", "linear", 1, align_corners=True),
    Mode("bilinear", "linear", 2, align_corners=True),
    Mode("trilinear", "linear", 3, align_corners=True),
    Mode("bicubic", "cubic", align_corners=True),
    Mode("area", "area"),
    Mode("lanczos3", "lanczos3"),
    Mode("lanczos5", "lanczos5"),
    Mode("lanczos4", "lanczos4"),
    # OpenCV's INTER_NEAREST is coordinate_transform="asymmetric" (the spec
    # resolves a missing one to "half_pixel" for every mode but "nearest")
    Mode("opencv-nearest", "opencv_nearest"),
    Mode("opencv-nearest-exact", "opencv_nearest"),
    Mode("opencv-area", "opencv_area"),
)

#: mode -> (kernel, spatial rank or None for "1, 2 or 3", has align_corners):
#: the spec's public view of the mode table
MODES: Dict[str, Tuple[str, Optional[int], bool]] = {m.name: (m.kernel, m.rank, m.align_corners)
                                                      for m in _MODE_ROWS}


def modes_where(test: Callable[[Kernel], bool], rank: Optional[int] = None) -> Tuple[str, ...]:
    """The modes whose kernel passes ``test`` (and, with ``rank``, that work on
    that many spatial axes), in table order: for messages and choices."""
    return tuple(m.name for m in _MODE_ROWS
                 if test(KERNELS[m.kernel]) and (rank is None or m.rank in (None, rank)))
