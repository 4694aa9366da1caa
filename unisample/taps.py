"""The one algorithm: per-axis taps.

Every mode is separable.  Along one spatial axis, output pixel ``j`` is

    out[j] = sum_k weight[j, k] * in[index[j, k]]

with ``index`` and ``weight`` depending only on the spec and the axis's input
and output lengths.  They are computed once, in float64 with numpy, and each
backend applies them with its own gather / multiply / sum.  This module is the
only place that knows what a mode, a coordinate transform or antialiasing
means.

Three families of taps:

* nearest: one tap of weight 1 (``weight`` is None).  Indices are computed in
  float32, exactly as PyTorch, TF and Paddle compute them, because at exact
  ties (``dst * in / out`` an integer) float32 rounding decides which pixel is
  picked, and nearest modes are held to bit-exactness.
* area: PyTorch's adaptive average pooling (``uniform``) or TF's pixel
  overlap (``overlap``).
* filters (linear, cubic, lanczos): kernel values at the distances between the
  source coordinate and the neighbouring pixel centres; antialiasing widens the
  kernel by input/output when downsampling (Pillow, PyTorch, TF and JAX agree
  on this).

OpenCV's own rules (``cv2.resize``, kernels ``opencv_nearest`` and
``opencv_area``) are at the end: OpenCV computes nearest indices in float64
(``modules/imgproc/src/resize.cpp``, ``resizeNN`` and
``resizeNN_bitexact``), and its INTER_AREA chooses its rule from every axis at
once (``hal::resize``), so ``spec_taps`` tells each axis what the others do.

Pillow's own kernels (``box``, ``hamming``, ``mks2013``, ``mks2021`` and the
``pillow-nearest`` rules, ``Kernel.pillow`` in the kernel table) have no other
implementation to agree with, and the box filter's numbers hang on exact
ties: their taps repeat Pillow 13's float64 arithmetic operation for
operation (``_pillow_filter_taps``, ``_pillow_nearest_taps``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import numpy as np

from .kernels import KERNELS
from .spec import ONNX_TRANSFORMS

__all__ = ["AxisTaps", "axis_taps", "spec_taps", "kernel_function"]

_F32 = np.float32


@dataclass(frozen=True, eq=False)
class AxisTaps:
    """Taps of one axis: ``out[j] = sum_k weight[j, k] * in[index[j, k]]``.

    ``index`` is an int64 array of shape ``(out_size, width)`` whose entries all
    lie in ``[0, in_size)``; ``weight`` is float64 of the same shape, or None
    for nearest modes (one tap of weight exactly 1).

    Every entry is read, zero weights included (``0 * nan`` and ``0 * inf`` are
    NaN: which pixels an output reads decides where NaN and infinities go),
    except where ``count`` is given: output ``j`` then reads its first
    ``count[j]`` entries only, and the rest (weight 0) pad the row to
    ``width``: no backend reads them (``present``).
    """

    index: np.ndarray
    weight: Optional[np.ndarray]
    in_size: int
    count: Optional[np.ndarray] = None
    #: ``tf_crop_and_resize`` only: bool ``(out_size,)``, the outputs whose source
    #: lies outside the input, which are the spec's ``extrapolation_value``
    #: whatever the other axes say (``reference.fill_outside``); None: none
    outside: Optional[np.ndarray] = None

    @property
    def out_size(self) -> int:
        return self.index.shape[0]

    @property
    def width(self) -> int:
        """Taps per output pixel."""
        return self.index.shape[1]

    def present(self) -> Optional[np.ndarray]:
        """Boolean ``(out_size, width)``: which entries are read; None when all are."""
        if self.count is None:
            return None
        return np.arange(self.width) < self.count[:, None]

    def rows(self, rows) -> "AxisTaps":
        """The taps of some outputs (an index array or a slice)."""
        count = None if self.count is None else self.count[rows]
        outside = None if self.outside is None else self.outside[rows]
        return AxisTaps(self.index[rows], None if self.weight is None else self.weight[rows], self.in_size, count,
                        outside)

    def matrix(self) -> np.ndarray:
        """The dense ``(out_size, in_size)`` float64 matrix the taps stand for.

        Its transpose is the adjoint (the gradient with respect to the input).
        """
        m = np.zeros((self.out_size, self.in_size))
        w = np.ones(self.index.shape) if self.weight is None else self.weight
        rows = np.broadcast_to(np.arange(self.out_size)[:, None], self.index.shape)
        np.add.at(m, (rows, self.index), w)
        return m


def _windows(start: np.ndarray, count: np.ndarray, in_size: int) -> Tuple[np.ndarray, np.ndarray]:
    """``index`` (clipped into range) and ``present`` of rows reading ``count[j]``
    consecutive pixels from ``start[j]``, padded to the longest."""
    width = max(1, int(count.max()))
    k = np.arange(width)
    return np.clip(start[:, None] + k, 0, in_size - 1), k < count[:, None]


# -- kernels --------------------------------------------------------------------


def kernel_function(spec):
    """``(function of distance, radius)`` of the spec's filter kernel (``kernels.KERNELS``)."""
    row = KERNELS[spec.kernel]
    if row.function is None:
        raise ValueError(f"mode {spec.mode!r} has no filter kernel")
    function = row.function
    return (lambda d: function(d, spec)), row.radius


# -- the source coordinate --------------------------------------------------------


def mapping_scale(spec, in_size: int, out_size: int, scale: Optional[float]) -> float:
    """The input-pixels-per-output-pixel factor of the coordinate transform.

    ``scale`` is ``1 / scale_factor`` when the scale factor drives the mapping
    (PyTorch/Paddle), else None and input/output lengths are used.
    """
    ct = spec.coordinate_transform
    if ct == "align_corners":
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if ct == "paddle_half_pixel" and out_size == 1:
        return 0.0
    return scale if scale is not None else in_size / out_size


def source_coordinates(spec, in_size: int, out_size: int, scale: Optional[float]) -> np.ndarray:
    """Float64 source coordinate of every output pixel (pixel centres at integers)."""
    s = mapping_scale(spec, in_size, out_size, scale)
    dst = np.arange(out_size, dtype=np.float64)
    if spec.coordinate_transform in ("align_corners", "asymmetric") and not spec.antialias:
        return dst * s
    # half_pixel; and PyTorch's antialiased kernels, which keep the half-pixel
    # formula even with align_corners=True and only borrow its scale.
    return (dst + 0.5) * s - 0.5


def onnx_source(spec, in_size: int, out_size: int, scale: Optional[float],
                roi: Optional[Tuple[float, float]] = None,
                float_type=np.float64) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """``(source coordinate, outside)`` of ONNX Resize's own coordinate transforms,
    computed in ``float_type`` operation for operation as onnxruntime does
    (``GetOriginalCoordinate``, in float32: what nearest modes round, where one
    ulp picks another pixel; ONNX's reference, in float64, agrees on every node
    test).  ``outside`` flags the outputs ``tf_crop_and_resize`` samples beyond
    the input (None for the others).  ``scale`` as in ``mapping_scale``;
    ``roi`` is the axis's ``(start, end)``."""
    f = float_type
    dst = np.arange(out_size, dtype=f)
    n, m = f(in_size), f(out_size)
    x_scale = f(1.0 / scale) if scale is not None else m / n  # output per input pixel
    ct = spec.coordinate_transform
    if ct == "tf_crop_and_resize":
        assert roi is not None
        start, end = f(roi[0]), f(roi[1])
        if out_size > 1:
            src = start * (n - f(1)) + (dst * (end - start) * (n - f(1))) / (m - f(1))
        else:  # a double expression in onnxruntime
            src = np.full(1, f(0.5 * (float(start) + float(end)) * (in_size - 1)))
        return src, (src < 0) | (src > n - f(1))
    if ct == "tf_half_pixel_for_nn":
        return (dst + f(0.5)) / x_scale, None
    if ct == "pytorch_half_pixel" and out_size == 1:
        return np.zeros(1, f), None
    src = (dst + f(0.5)) / x_scale - f(0.5)
    if ct == "half_pixel_symmetric":
        # the output's centre on the input's: differs from half_pixel where
        # out != in * scale (a scale whose output length was rounded down)
        adjustment = m / (x_scale * n)
        src = (n / f(2)) * (f(1) - adjustment) + src
    return src, None


def _mapping_scale_f32(spec, in_size: int, out_size: int, scale: Optional[float]):
    """``mapping_scale`` as the frameworks' float32 kernels compute it."""
    ct = spec.coordinate_transform
    if ct == "align_corners":
        return _F32(in_size - 1) / _F32(out_size - 1) if out_size > 1 else _F32(0)
    if ct == "paddle_half_pixel" and out_size == 1:
        return _F32(0)
    if scale is not None:
        return _F32(scale)
    return _F32(in_size) / _F32(out_size)  # a float32 division, as in C++


def _source_coordinates_f32(spec, in_size: int, out_size: int, scale: Optional[float]) -> np.ndarray:
    """The source coordinate as the frameworks' float32 kernels compute it."""
    s = _mapping_scale_f32(spec, in_size, out_size, scale)
    dst = np.arange(out_size, dtype=_F32)
    if spec.coordinate_transform in ("align_corners", "asymmetric"):
        return dst * s
    return (dst + _F32(0.5)) * s - _F32(0.5)


# -- the three families -----------------------------------------------------------


#: nearest_mode -> the index it picks at source coordinate ``x`` (ONNX's rules:
#: an integer ``x`` is itself under each)
_ROUNDINGS: Dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "floor": np.floor,
    "ceil": np.ceil,
    "round_prefer_ceil": lambda x: np.floor(x + 0.5),
    "round_prefer_floor": lambda x: np.ceil(x - 0.5),
}


def _nearest_taps(spec, in_size: int, out_size: int, scale: Optional[float],
                  roi: Optional[Tuple[float, float]] = None) -> AxisTaps:
    # The frameworks compute v = dst * s (asymmetric, align_corners) or
    # v = (dst + 0.5) * s (half-pixel) in float32, then round x = v (or
    # v - 0.5, exact in float64) as nearest_mode says: floor (nearest),
    # half up (nearest-exact, TF's align_corners nearest).  ONNX's own
    # transforms have no framework kernel but onnxruntime's to agree with:
    # its float32 arithmetic.
    outside = None
    if spec.coordinate_transform in ONNX_TRANSFORMS:
        x32, outside = onnx_source(spec, in_size, out_size, scale, roi, float_type=_F32)
        x = x32.astype(np.float64)
    else:
        half_pixel = spec.coordinate_transform not in ("align_corners", "asymmetric")
        s = _mapping_scale_f32(spec, in_size, out_size, scale)
        dst = np.arange(out_size, dtype=_F32)
        v = ((dst + _F32(0.5)) if half_pixel else dst) * s
        x = v.astype(np.float64) - (0.5 if half_pixel else 0.0)
    index = _ROUNDINGS[spec.nearest_mode](x).astype(np.int64)
    index = np.clip(index, 0, in_size - 1)
    return AxisTaps(index[:, None], None, in_size, outside=outside)


def _area_taps(spec, in_size: int, out_size: int) -> AxisTaps:
    # Each output reads exactly the pixels of its window (as adaptive average
    # pooling does): rows are padded to the longest window with entries no
    # backend reads.
    j = np.arange(out_size, dtype=np.int64)
    if spec.area_weights == "uniform":
        # Adaptive average pooling: exact integer bounds, equal weights.
        start = (j * in_size) // out_size
        end = -((-(j + 1) * in_size) // out_size)
        count = end - start
        index, present = _windows(start, count, in_size)
        weight = np.where(present, 1.0 / count[:, None], 0.0)
    else:
        # Output pixel j covers [j*s, (j+1)*s) of the input; each input pixel
        # counts by the length it shares with that interval, over s.
        s = in_size / out_size
        lo = (j * in_size) / out_size
        hi = ((j + 1) * in_size) / out_size
        start = np.floor(lo).astype(np.int64)
        count = np.ceil(hi).astype(np.int64) - start
        index, present = _windows(start, count, in_size)
        unclipped = start[:, None] + np.arange(index.shape[1])
        covered = np.minimum(unclipped + 1, hi[:, None]) - np.maximum(unclipped, lo[:, None])
        weight = np.where(present, np.clip(covered, 0.0, None) / s, 0.0)
    return AxisTaps(index, weight, in_size, count)


def _normalise(weight: np.ndarray) -> np.ndarray:
    total = weight.sum(axis=1, keepdims=True)
    return np.where(total != 0.0, weight / np.where(total != 0.0, total, 1.0), 0.0)


def _source(spec, in_size: int, out_size: int, scale: Optional[float]) -> np.ndarray:
    if spec.cubic_table_size:
        # TF's bicubic: float32 coordinate, fractional offset rounded (half to
        # even, lrintf) to a multiple of 1/table_size before the kernel is read.
        src32 = _source_coordinates_f32(spec, in_size, out_size, scale)
        base = np.floor(src32)
        t = np.rint((src32 - base) * _F32(spec.cubic_table_size)).astype(np.float64)
        return base.astype(np.float64) + t / spec.cubic_table_size
    return source_coordinates(spec, in_size, out_size, scale)


def _linear_taps(src: np.ndarray, src32: np.ndarray, in_size: int) -> AxisTaps:
    """PyTorch's linear taps: the coordinate clamped at 0, then the two pixels
    ``i0 = floor(src)`` and ``min(i0 + 1, in - 1)``, both read whatever their
    weights (an exact hit reads its neighbour with weight 0; past the last
    pixel both taps are the last pixel).  Dropping taps outside the input and
    renormalising gives the same numbers.  ``i0`` comes from the float32
    coordinate ``src32``, as the frameworks' kernels compute it (an exact hit
    may land an ulp below the pixel there, and read the pixel before it), the
    weights from the float64 one."""
    i0 = np.minimum(np.floor(np.maximum(src32, 0)), in_size - 1).astype(np.int64)
    t = np.clip(np.maximum(src, 0.0) - i0, 0.0, 1.0)
    index = np.stack([i0, np.minimum(i0 + 1, in_size - 1)], axis=1)
    return AxisTaps(index, np.stack([1.0 - t, t], axis=1), in_size)


def _antialiased_window(spec, in_size: int, out_size: int, scale: Optional[float], radius: int):
    """``(start, count)`` of the pixels each output's antialiased filter reads,
    computed in float32 as PyTorch's kernels compute them: pixels ``i`` with
    ``-support < i - src <= support``, clamped to the input."""
    s = _mapping_scale_f32(spec, in_size, out_size, scale)
    support = _F32(radius * float(s)) if s >= 1 else _F32(radius)
    center = (float(s) * (np.arange(out_size) + 0.5)).astype(_F32)
    start = np.maximum(np.trunc((center - support).astype(np.float64) + 0.5).astype(np.int64), 0)
    stop = np.minimum(np.trunc((center + support).astype(np.float64) + 0.5).astype(np.int64), in_size)
    longest = int(np.ceil(support)) * 2 + 1
    return start, np.clip(stop - start, 0, longest)


def _pillow_centres(spec, in_size: int, out_size: int, scale: Optional[float]):
    """``(centre, step)``: each output's source position in Pillow's continuous
    coordinates (pixel ``i`` covers ``[i, i + 1)``), and ``mapping_scale``.

    Pillow: ``center = in0 + (xx + 0.5) * scale`` with ``in0 = 0`` and ``scale =
    (double)(in1 - in0) / outSize`` (Resample.c ``precompute_coeffs``), which is
    ``in_size / out_size`` for the whole image.  The other coordinate transforms
    keep their meaning: ``asymmetric`` and ``align_corners`` (not antialiased)
    put output ``j`` at ``j * scale + 0.5``, the centre of pixel ``j * scale``.
    """
    s = mapping_scale(spec, in_size, out_size, scale)
    j = np.arange(out_size, dtype=np.float64)
    if spec.coordinate_transform in ("align_corners", "asymmetric") and not spec.antialias:
        return j * s + 0.5, s
    return (j + 0.5) * s, s


def _pillow_filter_taps(spec, in_size: int, out_size: int, scale: Optional[float]) -> AxisTaps:
    """Taps of Pillow's kernels as ``precompute_coeffs`` (Pillow 13.0.0,
    src/libImaging/Resample.c) computes them, in float64 like it:

    * ``filterscale = max(scale, 1)`` (antialias; 1 without), ``support =
      radius * filterscale``;
    * output ``j`` reads pixels ``xmin <= i < xmax`` with ``xmin = (int)(center -
      support + 0.5)`` clipped at 0 and ``xmax = (int)(center + support + 0.5)``
      clipped at the input length (C's truncation; the pixels whose centres lie
      in ``(center - support, center + support]``, so a pixel on the boundary
      between two outputs belongs to the first);
    * weight ``filter(((i - center) + 0.5) * (1.0 / filterscale))``, divided by
      the weights' sum, summed left to right, unless that sum is 0.

    Pixels outside the input are never read (the window is clipped), so the
    row is renormalised over the pixels that exist.
    """
    kernel, radius = kernel_function(spec)
    centre, s = _pillow_centres(spec, in_size, out_size, scale)
    filterscale = max(s, 1.0) if spec.antialias else 1.0
    support = radius * filterscale
    start = np.maximum(np.trunc(centre - support + 0.5), 0).astype(np.int64)
    stop = np.minimum(np.trunc(centre + support + 0.5), in_size).astype(np.int64)
    count = np.maximum(stop - start, 0)
    index, present = _windows(start, count, in_size)
    unclipped = (start[:, None] + np.arange(index.shape[1])).astype(np.float64)
    weight = np.where(present, kernel(((unclipped - centre[:, None]) + 0.5) * (1.0 / filterscale)), 0.0)
    total = np.cumsum(weight, axis=1)[:, -1:]  # sequential, as Pillow's ``ww += w``
    weight = np.where(total != 0.0, weight / np.where(total != 0.0, total, 1.0), weight)
    return AxisTaps(index, weight, in_size, count)


def _pillow_nearest_taps(spec, in_size: int, out_size: int, scale: Optional[float]) -> AxisTaps:
    """Pillow's NEAREST (``Image.resize`` with the whole image as box: an affine
    transform with ``a0 = in / out``, Pillow 13.0.0 src/libImaging/Geometry.c):
    the pixel ``(int)v`` at source position ``v`` (``COORD``, truncation).

    * ``pillow-nearest`` (``ImagingScaleAffine``: every image mode but I;16):
      ``v`` starts at ``a2 + a0 * 0.5`` and grows by ``xo += a0`` per output,
      so rounding accumulates: 2 -> 7 picks pixel 0 for output 3, where
      ``3.5 * 2 / 7`` is exactly 1.
    * ``pillow-nearest-i16`` (``ImagingGenericTransform`` with
      ``affine_transform``, which I;16 images take): ``v = a0 * (x + 0.5) + a2``,
      one product per output.

    Both agree with ``floor((j + 0.5) * in / out)`` except where that is an exact
    tie (the accumulated rounding, about ``out * in`` ulps, stays below the
    ``1 / (2 out)`` between a non-tie and an integer while ``out**2 * in`` is
    below about 2**51), and both differ there from ``nearest-exact`` (float32,
    PyTorch's and TF's arithmetic).  ``asymmetric``/``align_corners`` start
    from 0.5 instead (round half up of ``j * scale``, the meaning
    ``nearest-exact`` gives them).  Indices are clipped into the input, where
    Pillow would leave a pixel at 0 (past the last pixel, which the same
    rounding bound keeps out of reach).
    """
    centre, s = _pillow_centres(spec, in_size, out_size, scale)
    if spec.mode == "pillow-nearest-i16":
        v = centre
    else:
        steps = np.full(out_size, s, dtype=np.float64)
        steps[0] = centre[0]
        v = np.cumsum(steps)  # sequential: xo = a2 + a0 * 0.5, then xo += a0
    index = np.clip(np.trunc(np.maximum(v, 0.0)).astype(np.int64), 0, in_size - 1)
    return AxisTaps(index[:, None], None, in_size)


def _filter_taps(spec, in_size: int, out_size: int, scale: Optional[float],
                 roi: Optional[Tuple[float, float]] = None) -> AxisTaps:
    """Linear, cubic and lanczos taps, with PyTorch's rule for which pixels an
    output reads (float32 kernels): without antialias ``2 * radius``
    consecutive pixels from ``floor(src) - radius + 1`` (edge pixels repeated
    where they fall outside), with antialias the window its widened filter
    covers."""
    if KERNELS[spec.kernel].pillow:
        return _pillow_filter_taps(spec, in_size, out_size, scale)
    kernel, radius = kernel_function(spec)
    exclude = spec.exclude_outside if spec.exclude_outside is not None else True
    if spec.coordinate_transform in ONNX_TRANSFORMS:  # no antialias with these (the spec refuses it)
        src, outside = onnx_source(spec, in_size, out_size, scale, roi)
        taps = _linear_taps(src, src, in_size) if spec.kernel == "linear" else \
            _plain_filter_taps(spec, src, src, in_size, kernel, radius, exclude)
        return AxisTaps(taps.index, taps.weight, in_size, taps.count, outside)
    src = _source(spec, in_size, out_size, scale)
    src32 = src if spec.cubic_table_size else _source_coordinates_f32(spec, in_size, out_size, scale)
    if spec.kernel == "linear" and not spec.antialias:
        return _linear_taps(src, src32, in_size)
    if not spec.antialias:
        return _plain_filter_taps(spec, src, src32, in_size, kernel, radius, exclude)
    widen = max(1.0, mapping_scale(spec, in_size, out_size, scale))
    if exclude:
        start, count = _antialiased_window(spec, in_size, out_size, scale, radius)
        index, present = _windows(start, count, in_size)
        unclipped = start[:, None] + np.arange(index.shape[1])
        weight = np.where(present, kernel((unclipped - src[:, None]) / widen), 0.0)
        return AxisTaps(index, _normalise(weight), in_size, count)
    # antialiased, edges repeated (ONNX's exclude_outside=0): every pixel i
    # with |i - src| < support, clamped into the input
    support = radius * widen
    lo = np.floor(src - support).astype(np.int64) + 1
    width = int((np.ceil(src + support).astype(np.int64) - 1 - lo).max()) + 1
    unclipped = lo[:, None] + np.arange(width)
    weight = _normalise(kernel((unclipped - src[:, None]) / widen))
    return AxisTaps(np.clip(unclipped, 0, in_size - 1), weight, in_size)


def _plain_filter_taps(spec, src: np.ndarray, src32: np.ndarray, in_size: int, kernel, radius: int,
                       exclude: bool) -> AxisTaps:
    """Cubic and lanczos taps without antialias: the ``2 * radius`` pixels around
    the float32 coordinate ``src32``, as for linear, weighted at ``src``; the
    outside ones dropped (``exclude``) or the edge pixel repeated."""
    lo = np.floor(src32).astype(np.int64) - radius + 1
    unclipped = lo[:, None] + np.arange(2 * radius)
    weight = kernel(unclipped - src[:, None])
    if exclude:
        weight = np.where((unclipped >= 0) & (unclipped < in_size), weight, 0.0)
    if exclude or KERNELS[spec.kernel].normalised:
        weight = _normalise(weight)
    return AxisTaps(np.clip(unclipped, 0, in_size - 1), weight, in_size)


#: The most tap entries (index and weight pairs, 16 bytes each) one axis may
#: hold: 4 GiB.  Taps are about ``out * width`` entries, so this bounds long
#: 1-D signals (2**27 outputs of linear taps) and extreme antialiased shrinks;
#: images stay far below it (a 65536-pixel axis of bicubic taps: 2**18).
MAX_TAP_ENTRIES = 2**28


def tap_width_bound(spec, in_size: int, out_size: int, scale: Optional[float] = None) -> int:
    """An upper bound of the taps' ``width`` for one axis, computed without building them."""
    kernel = spec.kernel
    if kernel in ("nearest", "opencv_nearest", "pillow_nearest"):
        return 1
    if kernel == "area":
        return -(-in_size // out_size) + 1
    if kernel == "opencv_area":  # a cell of 1 / factor pixels (factor: out/in or the scale factor)
        cell = scale if scale is not None else in_size / out_size
        return int(math.ceil(max(cell, 1.0))) + 2
    _, radius = kernel_function(spec)
    s = mapping_scale(spec, in_size, out_size, scale)
    widen = max(1.0, s) if spec.antialias else 1.0
    return int(math.ceil(2 * radius * widen)) + 2


def axis_taps(spec, in_size: int, out_size: int, scale: Optional[float] = None, *,
              factor: Optional[float] = None, area_rule: Optional[str] = None,
              roi: Optional[Tuple[float, float]] = None) -> AxisTaps:
    """The taps of one axis.

    ``scale`` is ``1 / scale_factor`` when the scale factor drives the mapping,
    None when input/output lengths do.  ``ValueError`` before any work where
    they would hold more than ``MAX_TAP_ENTRIES``.

    ``opencv_area`` only: ``factor`` is the scale factor itself (OpenCV's
    ``inv_scale``; None: ``out / in``) and ``area_rule`` the rule every axis
    of the resize follows (``opencv_area_rule``; None: this axis's alone).
    ``roi``: the axis's ``(start, end)`` (``tf_crop_and_resize``).
    """
    if in_size < 1 or out_size < 1:
        raise ValueError(f"cannot resize an axis of length {in_size} to length {out_size}")
    entries = out_size * tap_width_bound(spec, in_size, out_size, scale)
    if entries > MAX_TAP_ENTRIES:
        raise ValueError(
            f"{spec!r}: an axis of length {in_size} resized to {out_size} needs about {entries} taps, over "
            f"unisample's budget of 2**28 per axis (README 'Limits')"
        )
    kernel = spec.kernel
    if kernel == "nearest":
        return _nearest_taps(spec, in_size, out_size, scale, roi)
    if kernel == "pillow_nearest":
        return _pillow_nearest_taps(spec, in_size, out_size, scale)
    if kernel == "area":
        return _area_taps(spec, in_size, out_size)
    if kernel == "opencv_nearest":
        return _opencv_nearest_taps(spec, in_size, out_size, scale)
    if kernel == "opencv_area":
        inv = factor if factor is not None else (1.0 / scale if scale is not None else out_size / in_size)
        rule = area_rule or opencv_area_rule([inv])
        return _opencv_area_taps(in_size, out_size, inv, rule)
    return _filter_taps(spec, in_size, out_size, scale, roi)


def _pytorch_same_size_copy(spec, rank: int) -> str:
    # Measured on torch 2.13 CPU: its linear and antialiased kernels copy an
    # axis whose length does not change whatever the scale factor; its 2-D
    # nearest kernel does too, but not the 1-D and 3-D ones; nearest-exact and
    # plain bicubic always map with 1 / scale_factor.
    if spec.kernel == "linear" or spec.antialias:
        return "each_axis"
    if spec.mode == "nearest" and rank == 2:
        return "each_axis"
    return "never"


def copied_axes(spec, input_size: Tuple[int, ...], output_size: Tuple[int, ...]) -> Tuple[bool, ...]:
    """Which axes the spec copies unchanged (their taps are None)."""
    same = tuple(n == m for n, m in zip(input_size, output_size))
    rule = spec.same_size_copy
    if spec.coordinate_transform in ("tf_half_pixel_for_nn", "tf_crop_and_resize"):
        # neither maps an axis onto itself at its own length
        return (False,) * len(same)
    if spec.keep_aspect_ratio_policy in ("not_larger", "not_smaller"):
        # one scale for every axis: an axis keeps its length under another
        # scale by rounding, and is mapped with that scale
        return (spec.aspect_scale(input_size) == 1.0,) * len(same)
    if rule is None:
        # With input/output mapping every mode maps an unchanged axis onto
        # itself, so copying it gives the same numbers; but PyTorch's plain
        # bicubic computes it, reading each pixel's neighbours with weight 0,
        # and where NaN and infinities go follows the pixels read.
        if spec.kernel == "cubic" and not spec.antialias:
            return (False,) * len(same)
        return same
    if rule == "pytorch":
        rule = _pytorch_same_size_copy(spec, len(input_size))
    if rule == "each_axis":
        return same
    if rule == "all_axes":
        return (all(same),) * len(same)
    return (False,) * len(same)


@functools.lru_cache(maxsize=1024)
def spec_taps(spec, input_size: Tuple[int, ...]) -> Tuple[Optional[AxisTaps], ...]:
    """Taps for every spatial axis of an input of spatial size ``input_size``.

    An axis that the spec leaves unchanged is ``None``.  Cached.
    """
    output_size = spec.output_size(input_size)
    factors: Tuple[Optional[float], ...] = (None,) * len(input_size)
    scales: Tuple[Optional[float], ...] = (None,) * len(input_size)
    if spec.same_size_copy is not None:  # scale_factor drives the mapping
        given = spec.per_axis("scale_factor", len(input_size))
        factors, scales = given, tuple(1.0 / f for f in given)
    elif spec.keep_aspect_ratio_policy in ("not_larger", "not_smaller"):  # so does the one kept scale
        scales = (1.0 / spec.aspect_scale(input_size),) * len(input_size)
    extra: dict = {}
    if spec.roi is not None:
        rois = spec.roi_per_axis(len(input_size))
    else:
        rois = (None,) * len(input_size)
    if spec.kernel == "opencv_area":
        extra["area_rule"] = opencv_area_rule([m / n if f is None else f
                                               for n, m, f in zip(input_size, output_size, factors)])
    return tuple(
        None if keep else axis_taps(spec, n, m, s, factor=f, roi=r, **extra)
        for n, m, s, f, r, keep in zip(input_size, output_size, scales, factors, rois,
                                       copied_axes(spec, input_size, output_size))
    )


# -- OpenCV's rules (cv2.resize; modules/imgproc/src/resize.cpp) ---------------------


def _opencv_nearest_taps(spec, in_size: int, out_size: int, scale: Optional[float]) -> AxisTaps:
    """``opencv-nearest`` and ``opencv-nearest-exact``: the ``nearest`` and
    ``nearest-exact`` rules (floor, or round half up, of the source coordinate;
    the same coordinate transforms) computed as OpenCV computes them, in float64.

    * ``opencv-nearest`` (INTER_NEAREST is its ``asymmetric`` form): OpenCV's
      ``resizeNN`` takes ``floor(dst * ifx)`` with ``ifx = 1 / inv_scale``, the
      reciprocal of ``out / in`` (or of ``fx``) in float64, so an exact tie may
      land an ulp below the integer: 2 -> 82 maps output 41 to pixel 0 where
      ``41 * 2 / 82`` is 1 (PyTorch's float32 gives 1).
    * ``opencv-nearest-exact`` (INTER_NEAREST_EXACT is its ``half_pixel``
      form): OpenCV's ``resizeNN_bitexact`` starts at ``in / out / 2`` and adds
      ``in / out`` once per output pixel in float64 (Pillow's walk), so ties
      fall as the running sum does: 2 -> 7 maps output 3 to pixel 0.  The
      running sum here is ``np.cumsum``, which adds in the same order.

    With ``scale`` (``1 / scale_factor``) the mapping uses it, as OpenCV's
    ``ifx = 1 / fx``; indices are clamped into the input.
    """
    ct = spec.coordinate_transform
    if ct == "align_corners":
        s = (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    elif ct == "paddle_half_pixel" and out_size == 1:
        s = 0.0
    elif scale is not None:
        s = scale
    elif spec.mode == "opencv-nearest":
        s = 1.0 / (out_size / in_size)
    else:
        s = in_size / out_size
    half_pixel = ct not in ("align_corners", "asymmetric")
    if spec.mode == "opencv-nearest":
        dst = np.arange(out_size, dtype=np.float64)
        position = (dst + 0.5) * s - 0.5 if half_pixel else dst * s
    else:
        steps = np.full(out_size, s)
        steps[0] = 0.5 * s if half_pixel else 0.5  # round half up: floor(source + 0.5), summed from the first
        position = np.cumsum(steps)
    index = np.clip(np.floor(position), 0, in_size - 1).astype(np.int64)
    return AxisTaps(index[:, None], None, in_size)


#: OpenCV's INTER_AREA rules: ``box`` (every axis shrinks by a whole factor or
#: keeps its length), ``overlap`` (every axis shrinks or keeps its length),
#: ``two_tap`` (some axis grows: every axis, shrinking ones included, takes
#: OpenCV's two-tap rule)
OPENCV_AREA_RULES = ("box", "overlap", "two_tap")

_DBL_EPSILON = float(np.finfo(np.float64).eps)


def opencv_area_rule(factors) -> str:
    """The INTER_AREA rule OpenCV's ``hal::resize`` picks from every axis's
    factor (``inv_scale``: ``out / in``, or the scale factor ``fx``): the
    true area rule only where no axis grows (``scale = 1 / factor >= 1``), its
    fast box path only where each scale is within DBL_EPSILON of an integer."""
    scales = [1.0 / f for f in factors]
    if min(scales) < 1.0:
        return "two_tap"
    return "box" if all(abs(s - round(s)) < _DBL_EPSILON for s in scales) else "overlap"


def _opencv_area_taps(in_size: int, out_size: int, factor: float, rule: str) -> AxisTaps:
    """One axis of OpenCV's INTER_AREA (``factor``: ``inv_scale``; ``scale = 1 / factor``).

    * ``box``: output ``j`` averages pixels ``j*k .. j*k + k - 1`` that exist
      (``resizeAreaFast_``; ``k = round(scale)``).
    * ``overlap``: output ``j`` covers ``[j*scale, (j+1)*scale)``; a pixel
      weighs the length it shares with that cell over the cell's length within
      the input (``computeResizeAreaTab``, its ``cellWidth``); a partial pixel
      sharing at most 1e-3 of its length is left out (weights not renormalised).
    * ``two_tap``: pixel ``sx = floor(j * scale)`` and the next one, the next
      weighing ``(j + 1) - (sx + 1) * factor`` in float32, 0 where that is not
      positive, its fraction otherwise: the share of output cell ``j`` lying
      in pixel ``sx + 1`` when the axis grows (pixel overlap), a two-tap
      rule that is no average when the axis shrinks (``hal::resize``'s
      ``area_mode``); the last pixel stands alone past the input.

    No coordinate transform: OpenCV's cells start at ``j * scale``.  The
    spec's ``coordinate_transform`` (which ``Upsample`` resolves for every
    kernel but ``area``) is not read.
    """
    scale = 1.0 / factor
    j = np.arange(out_size, dtype=np.int64)
    if rule == "box":
        k = int(round(scale))
        start = np.minimum(j * k, in_size - 1)
        count = np.clip(in_size - j * k, 1, k)
        index, present = _windows(start, count, in_size)
        weight = np.where(present, 1.0 / count[:, None], 0.0)
        return AxisTaps(index, weight, in_size, count)
    if rule == "overlap":
        lo = j * scale
        hi = lo + scale
        cell = np.minimum(scale, in_size - lo)
        first = np.ceil(lo).astype(np.int64)
        last = np.minimum(np.floor(hi).astype(np.int64), in_size - 1)
        first = np.minimum(first, last)
        left = first - lo > 1e-3  # pixel first - 1, partly covered
        right = hi - last > 1e-3  # pixel last, partly (or, past the input, wholly) covered
        start = first - left
        count = last + right - start
        index, present = _windows(start, count, in_size)
        unclipped = start[:, None] + np.arange(index.shape[1])
        share = np.where(unclipped < first[:, None], (first - lo)[:, None],
                         np.where(unclipped < last[:, None], 1.0,
                                  np.minimum(np.minimum(hi - last, 1.0), cell)[:, None]))
        weight = np.where(present, share / cell[:, None], 0.0)
        return AxisTaps(index, weight, in_size, count)
    sx = np.floor(j * scale).astype(np.int64)
    t = ((j + 1) - (sx + 1) * factor).astype(np.float32).astype(np.float64)
    t = np.where(t <= 0, 0.0, t - np.floor(t))
    past = sx >= in_size - 1
    sx, t = np.where(past, in_size - 1, sx), np.where(past, 0.0, t)
    index = np.stack([sx, np.minimum(sx + 1, in_size - 1)], axis=1)
    return AxisTaps(index, np.stack([1.0 - t, t], axis=1), in_size)
