"""The numpy adapter: taps applied in the input's own precision.

Floating inputs come back in their dtype: float32 and float64 are computed in
that dtype; float16 is computed in float32 and rounded once at the end, as
PyTorch does on CPU.  Integer inputs keep their dtype: nearest modes gather
exactly; every other mode computes in float64, rounds half up (``floor(v +
0.5)``, the rule of PyTorch's and Pillow's uint8 kernels) and saturates to the
dtype's range.  Booleans and complex numbers are refused.
"""

from __future__ import annotations

import numpy as np

from unisample.reference import apply_taps

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
    y = apply_taps(x.astype(np.float64), taps, axes)
    return np.clip(np.floor(y + 0.5), info.min, info.max).astype(dtype)
