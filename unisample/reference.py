"""The float64 reference: the spec's taps applied with numpy.

This file is the whole operation in numpy.  ``apply_taps`` is also what the
numpy adapter runs (in the input's precision instead of float64): there is one
way to apply taps, and the reference differs from it only in the dtype.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import numpy as np

from .taps import AxisTaps

__all__ = ["reference", "integer_reference", "apply_taps", "apply_axis", "pass_order", "extrapolated", "fill_outside"]


def apply_axis(x: np.ndarray, taps: AxisTaps, axis: int) -> np.ndarray:
    """One axis pass: ``out[..., j, ...] = sum_k weight[j, k] * x[..., index[j, k], ...]``."""
    if taps.weight is None:
        # Nearest: a pure gather, exact for every dtype.
        return np.take(x, taps.index[:, 0], axis=axis)
    shape = [1] * x.ndim
    shape[axis] = taps.out_size
    weight = taps.weight.astype(x.dtype, copy=False)
    # NaN and infinity spread through every tap that reads them, 0 * inf
    # included: that is the rule (README "Non-finite values"), not an accident
    present = taps.present()
    with np.errstate(invalid="ignore", over="ignore"):
        out = None
        for k in range(taps.width):
            term = np.take(x, taps.index[:, k], axis=axis)
            term *= weight[:, k].reshape(shape)
            if present is not None and not present[:, k].all():  # padding: not read
                term = np.where(present[:, k].reshape(shape), term, 0)
            if out is None:
                out = term
            else:
                out += term
    assert out is not None  # every axis pass has at least one tap
    return out


def pass_order(taps: Sequence[Optional[AxisTaps]], integer: bool = False) -> List[int]:
    """The axes to resample (positions in ``taps``), in the order every backend uses.

    Floating point: the axis that shrinks most goes first, so that later passes
    touch fewer elements; among axes scaled alike, the innermost (the costliest
    pass in numpy, the one that cannot stream whole rows) runs where the array
    is smallest: first when enlarging, last when shrinking.  Integer: the last
    axis first, because the rule for integers (round half up and saturate after
    each pass) is PyTorch's and Pillow's uint8 rule, and they resample width
    before height.  ``None`` taps leave their axis unchanged and are skipped.
    """
    active = [i for i, t in enumerate(taps) if t is not None]
    if integer:
        return active[::-1]
    def key(i):
        ratio = taps[i].out_size / taps[i].in_size
        return ratio, -i if ratio > 1 else i

    return sorted(active, key=key)


def apply_taps(x, taps: Sequence[Optional[AxisTaps]], axes: Sequence[int], *, apply_axis=apply_axis):
    """Apply per-axis ``taps`` to the ``axes`` of ``x``, computing in ``x.dtype``, in
    ``pass_order``.  ``apply_axis`` is the one-axis pass: numpy's gather here; the
    engine and every adapter pass their own (same order, their framework's ops)."""
    for i in pass_order(taps):
        x = apply_axis(x, taps[i], axes[i])
    return x


def extrapolated(spec, taps: Sequence[Optional[AxisTaps]], axes: Sequence[int], ndim: int, dtype: str):
    """``(mask, value)``: where ``tf_crop_and_resize`` samples outside the input
    (a numpy bool array broadcasting against the result: an output whose
    source lies outside on any axis) and the ``extrapolation_value`` in
    ``dtype`` (integers: rounded half up and saturated, the integer rule);
    None where no output does.  Every adapter ends with ``where(mask, value,
    result)``: the value replaces whatever the clamped taps read, NaN
    included, as in ONNX's reference."""
    mask = None
    for t, axis in zip(taps, axes):
        if t is not None and t.outside is not None and t.outside.any():
            shape = [1] * ndim
            shape[axis] = t.out_size
            mask = t.outside.reshape(shape) if mask is None else mask | t.outside.reshape(shape)
    if mask is None:
        return None
    value = spec.extrapolation_value
    from .dtypes import HALF_UP, INTEGER

    if dtype in INTEGER:
        if not np.isfinite(value):
            raise ValueError(f"{spec!r}: extrapolation_value {value!r} has no {dtype} value")
        info = np.iinfo(dtype)
        return mask, int(min(max(np.floor(value + HALF_UP), info.min), info.max))
    return mask, value


def reference(spec, x) -> np.ndarray:
    """``spec`` applied to ``x`` in float64: the ground truth every adapter is held to.
    A new array, never ``x`` itself."""
    from .adapters import adapter_for

    a = np.array(adapter_for(x).to_numpy(x), dtype=np.float64)
    axes = spec.check_input(a.shape)
    taps = spec.taps(tuple(a.shape[i] for i in axes))
    return fill_outside(spec, apply_taps(a, taps, axes), taps, axes)


def fill_outside(spec, y: np.ndarray, taps, axes) -> np.ndarray:
    """numpy's ``where(mask, value, y)`` of ``extrapolated``: ``y`` where no output is extrapolated."""
    outside = extrapolated(spec, taps, axes, y.ndim, y.dtype.name)
    return y if outside is None else np.where(outside[0], np.asarray(outside[1], y.dtype), y)


def integer_reference(spec, x: np.ndarray) -> np.ndarray:
    """What every adapter returns for integer numpy array ``x``: the integer rule
    (``dtypes.round_passes``) applied with this module's gather in float64, in
    ``x``'s dtype.  Nearest modes gather exactly."""
    from .dtypes import round_passes

    axes = spec.check_input(x.shape)
    taps = spec.taps(tuple(x.shape[i] for i in axes))
    if spec.kernel == "nearest":
        return fill_outside(spec, np.array(apply_taps(x, taps, axes), copy=True), taps, axes)
    return fill_outside(spec, round_passes(x.astype(np.float64), taps, axes, np.iinfo(x.dtype), apply_axis=apply_axis,
                                           floor=np.floor, clip=np.clip, cast=lambda y: y.astype(x.dtype),
                                           where=np.where), taps, axes)


