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

Pillow's filters that no other framework has (``box``, ``hamming``,
``mks2013``, ``mks2021``) and Pillow's nearest rules (``pillow-nearest``,
``pillow-nearest-i16``) are defined by Pillow's own arithmetic
(``src/libImaging/Resample.c`` and ``Geometry.c``, Pillow 13.0.0), which their
taps repeat operation for operation (``Kernel.pillow``): a box filter's
numbers are decided by exact ties, where one rounding more or less moves a
pixel from one output to the next.

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

__all__ = ["Kernel", "Mode", "KERNELS", "MODES", "MODE_ROWS", "modes_where"]


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


def box(d: np.ndarray, spec=None) -> np.ndarray:
    """Pillow's box filter: 1 on the half-open interval ``-0.5 < d <= 0.5``, else 0
    (``box_filter``; with the window of ``Kernel.pillow`` taps, each input pixel
    whose centre lies exactly on the boundary between two outputs counts for the
    first of them only)."""
    return np.where((d > -0.5) & (d <= 0.5), 1.0, 0.0)


#: Pillow's Hamming window coefficients are the C float literals 0.54f and
#: 0.46f, widened to double: 0.540000021457672..., 0.460000008344650...
_HAMMING_A = float(np.float32(0.54))
_HAMMING_B = float(np.float32(0.46))


def hamming(d: np.ndarray, spec=None) -> np.ndarray:
    """Pillow's Hamming-windowed sinc of support 1 (``hamming_filter``):
    ``sin(pi d) / (pi d) * (0.54f + 0.46f cos(pi d))`` for ``0 < |d| < 1``, 1 at
    0, 0 from 1 on, evaluated in Pillow's order of operations (its window
    coefficients are float32 constants, ``_HAMMING_A``/``_HAMMING_B``)."""
    d = np.abs(np.asarray(d, dtype=np.float64))
    x = d * np.pi
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = np.sin(x) / x * (_HAMMING_A + _HAMMING_B * np.cos(x))
    return np.where(d == 0.0, 1.0, np.where(d >= 1.0, 0.0, inside))


def mks2013(d: np.ndarray, spec=None) -> np.ndarray:
    """Costella's Magic Kernel Sharp 2013, support 2.5, as Pillow 13 writes it
    (``mks_2013_filter``): ``17/16 - 7/4 d^2`` below 1/2, ``(1 - d)(7/4 - d)`` below
    3/2, ``-1/8 (d - 5/2)^2`` below 5/2."""
    d = np.abs(np.asarray(d, dtype=np.float64))
    return np.where(d < 0.5, 17.0 / 16.0 - 7.0 / 4.0 * (d * d),
                    np.where(d < 1.5, (1.0 - d) * (7.0 / 4.0 - d),
                             np.where(d < 2.5, -1.0 / 8.0 * ((d - 2.5) * (d - 2.5)), 0.0)))


def mks2021(d: np.ndarray, spec=None) -> np.ndarray:
    """Costella's Magic Kernel Sharp 2021, support 4.5, as Pillow 13 writes it
    (``mks_2021_filter``)."""
    d = np.abs(np.asarray(d, dtype=np.float64))
    return np.select(
        [d < 0.5, d < 1.5, d < 2.5, d < 3.5, d < 4.5],
        [577.0 / 576.0 - 239.0 / 144.0 * (d * d),
         35.0 / 36.0 * (d - 1.0) * (d - 239.0 / 140.0),
         1.0 / 6.0 * (d - 2.0) * (65.0 / 24.0 - d),
         1.0 / 36.0 * (d - 3.0) * (d - 15.0 / 4.0),
         -1.0 / 288.0 * ((d - 4.5) * (d - 4.5))],
        0.0)


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
    pixels each side (0.5 for the box).  ``antialias``: it can be widened by
    input/output when shrinking.  ``exclude_outside``: the extra applies:
    the kernel can either drop the taps outside the input (and renormalise)
    or repeat the edge pixel, and the two give different numbers (Pillow's
    kernels only ever drop them, so they do not offer it).  ``normalised``:
    its weights are always divided by their sum (a lanczos row does not sum
    to 1).  ``exact``: results are held to bit-exactness.  ``onnx``: ONNX
    Resize's name for it, None where ONNX has none.  ``pillow``: its taps
    repeat Pillow's arithmetic exactly (``taps._pillow_filter_taps``,
    ``taps._pillow_nearest_taps``) rather than PyTorch's float32 windows.
    """

    name: str
    function: Optional[Callable[..., np.ndarray]] = None
    radius: float = 0
    antialias: bool = False
    exclude_outside: bool = False
    normalised: bool = False
    exact: bool = False
    onnx: Optional[str] = None
    pillow: bool = False


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
    Kernel("box", box, 0.5, antialias=True, normalised=True, pillow=True),
    Kernel("hamming", hamming, 1, antialias=True, normalised=True, pillow=True),
    Kernel("mks2013", mks2013, 2.5, antialias=True, normalised=True, pillow=True),
    Kernel("mks2021", mks2021, 4.5, antialias=True, normalised=True, pillow=True),
    Kernel("pillow_nearest", exact=True, pillow=True),
)}


@dataclass(frozen=True)
class Mode:
    """One row of the mode table: a mode's kernel, the number of spatial axes
    its name fixes (None: 1, 2 or 3), whether ``align_corners`` applies, and
    the coordinate transform it implies when none is given (None: the kernel
    has none, as area's whole-pixel boxes)."""

    name: str
    kernel: str
    rank: Optional[int] = None
    align_corners: bool = False
    transform: Optional[str] = "half_pixel"


_MODE_ROWS = (
    Mode("nearest", "nearest", transform="asymmetric"),  # PyTorch's nearest floors dst * in / out
    Mode("nearest-exact", "nearest"),
    Mode("linear", "linear", 1, align_corners=True),
    Mode("bilinear", "linear", 2, align_corners=True),
    Mode("trilinear", "linear", 3, align_corners=True),
    Mode("bicubic", "cubic", align_corners=True),
    Mode("area", "area", transform=None),
    Mode("lanczos3", "lanczos3"),
    Mode("lanczos5", "lanczos5"),
    Mode("lanczos4", "lanczos4"),
    # OpenCV's INTER_NEAREST is coordinate_transform="asymmetric" (the spec
    # resolves a missing one to "half_pixel" for every mode but "nearest")
    Mode("opencv-nearest", "opencv_nearest", transform="asymmetric"),
    Mode("opencv-nearest-exact", "opencv_nearest"),
    Mode("opencv-area", "opencv_area", transform=None),
    Mode("box", "box"),
    Mode("hamming", "hamming"),
    Mode("mks2013", "mks2013"),
    Mode("mks2021", "mks2021"),
    # Pillow's NEAREST: the half-pixel coordinate truncated, accumulated by
    # repeated addition (ImagingScaleAffine: every image mode but I;16) or
    # computed as one product (ImagingGenericTransform: I;16)
    Mode("pillow-nearest", "pillow_nearest"),
    Mode("pillow-nearest-i16", "pillow_nearest"),
)

#: mode name -> its row
MODE_ROWS: Dict[str, Mode] = {m.name: m for m in _MODE_ROWS}

#: mode -> (kernel, spatial rank or None for "1, 2 or 3", has align_corners):
#: the spec's public view of the mode table
MODES: Dict[str, Tuple[str, Optional[int], bool]] = {m.name: (m.kernel, m.rank, m.align_corners)
                                                      for m in _MODE_ROWS}


def modes_where(test: Callable[[Kernel], bool], rank: Optional[int] = None) -> Tuple[str, ...]:
    """The modes whose kernel passes ``test`` (and, with ``rank``, that work on
    that many spatial axes), in table order: for messages and choices."""
    return tuple(m.name for m in _MODE_ROWS
                 if test(KERNELS[m.kernel]) and (rank is None or m.rank in (None, rank)))
