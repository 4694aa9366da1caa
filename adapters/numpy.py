"""The numpy adapter: taps applied in the input's own precision.

Floating inputs come back in their dtype: float32 and float64 are computed in
that dtype; float16 is computed in float32 and rounded once at the end, as
PyTorch does on CPU.  Integer inputs keep their dtype: nearest modes gather
exactly; every other mode resamples one axis at a time, last spatial axis
first, in float64, and after each pass rounds half up (``floor(v + 0.5)``) and
saturates to the dtype's range: the rule of PyTorch's and Pillow's uint8
kernels, whose only other difference is fixed-point weights (results within
about 0.03 of a .5 tie may round the other way there).  Booleans and complex
numbers are refused.
"""

from __future__ import annotations

import numpy as np

from unisample.reference import apply_axis, apply_taps

NAME = "numpy"


def is_array(x) -> bool:
    return isinstance(x, np.ndarray)


def to_numpy(x) -> np.ndarray:
    return x


def resize(spec, x: np.ndarray) -> np.ndarray:
    dtype = x.dtype
    if not (np.issubdtype(dtype, np.floating) or np.issubdtype(dtype, np.integer)) or dtype == np.bool_:
        raise TypeError(
            f"unisample cannot resize a numpy array of dtype {dtype}; "
            "expected float16, float32, float64 or an integer dtype"
        )
    axes = spec.spatial_axes(x.ndim)
    taps = spec.taps(tuple(x.shape[i] for i in axes))
    if np.issubdtype(dtype, np.floating):
        compute = np.float32 if dtype == np.float16 else dtype
        return apply_taps(x.astype(compute, copy=False), taps, axes).astype(dtype, copy=False)
    if spec.kernel == "nearest":
        return apply_taps(x, taps, axes)
    info = np.iinfo(dtype)
    y = x.astype(np.float64)
    for axis, axis_taps in reversed(list(zip(axes, taps))):
        if axis_taps is not None:
            y = np.clip(np.floor(apply_axis(y, axis_taps, axis) + 0.5), info.min, info.max)
    return y.astype(dtype)
