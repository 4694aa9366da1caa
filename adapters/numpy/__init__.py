"""The numpy adapter: taps applied in the input's own precision.

Taps are applied by ``unisample.engine`` (blocked matrix products; the
reference keeps the plain gather).  Floating inputs come back in their dtype:
float32 and float64 are computed in that dtype; float16 is computed in
float32 and rounded once at the end, as PyTorch does on CPU.  Integer inputs keep their dtype: nearest modes gather
exactly; every other mode resamples one axis at a time, last spatial axis
first, in float64, and after each pass rounds half up and saturates to the
dtype's range (``unisample.dtypes.round_passes``): the rule of PyTorch's and
Pillow's uint8 kernels, whose only other difference is fixed-point weights
(results within about 0.03 of a .5 tie may round the other way there).
Booleans and complex numbers are refused.

Where a library's own kernel computes the spec (OpenCV's ``cv2.resize`` on
finite float32 images with two spatial axes, when OpenCV is installed:
``adapters/opencv/numpy_path.py``), it is called instead of the engine;
``UNISAMPLE_OPENCV=0`` turns that off.

Floating results over 32 MB may be written into the memory of an earlier
result that nothing references any more (``engine._KeptOutputs``: it saves the
page faults of fresh memory in a loop; ``UNISAMPLE_KEEP_OUTPUTS=0`` turns it
off).
"""

from __future__ import annotations

import functools

import numpy as np

from unisample.dtypes import dtype_class, round_passes
from unisample.engine import apply_axis_fast, apply_taps_fast
from unisample.reference import apply_taps, fill_outside

NAME = "numpy"


def is_array(x) -> bool:
    return isinstance(x, np.ndarray)


def to_numpy(x) -> np.ndarray:
    return x

def from_numpy(x: np.ndarray, dtype=None) -> np.ndarray:
    """``x`` itself, or cast to ``dtype`` (a name; bfloat16 needs ml_dtypes, which jax and TF bring)."""
    if dtype is None or dtype == x.dtype.name:
        return x
    if dtype == "bfloat16":
        import ml_dtypes

        return x.astype(ml_dtypes.bfloat16)
    return x.astype(dtype)


@functools.lru_cache(maxsize=1)
def _library_paths() -> tuple:
    """The ``numpy_path`` parts of the registry's packages that are enabled here."""
    from unisample.adapters import PACKAGES, framework_part, has_part

    parts = [framework_part(name, "numpy_path") for name in PACKAGES if has_part(name, "numpy_path")]
    return tuple(part for part in parts if part.ENABLED)


def _library_path(spec, x: np.ndarray, axes):
    """A library's own kernel computing ``spec`` on ``x`` (OpenCV's ``cv2.resize``
    where it computes the spec: ``adapters/opencv/numpy_path.py``), or None."""
    for path in _library_paths():
        y = path.resize(spec, x, axes)
        if y is not None:
            return y
    return None


def resize(spec, x: np.ndarray) -> np.ndarray:
    """``spec`` applied to ``x``: a new array of ``x``'s dtype (byte order included)."""
    dtype = x.dtype
    if not dtype.isnative:  # '>f4' on a little-endian machine: compute in native order
        return resize(spec, x.astype(dtype.newbyteorder("="))).astype(dtype)
    kind = dtype_class(dtype.name, NAME)
    axes = spec.check_input(x.shape)
    taps = spec.taps(tuple(x.shape[i] for i in axes))
    fast = _library_path(spec, x, axes)
    if fast is not None:
        return fast
    if kind != "integer":
        compute = np.float32 if kind == "half" else dtype
        y = apply_taps_fast(x.astype(compute, copy=False), taps, axes).astype(dtype, copy=False)
    elif spec.kernel == "nearest":
        y = apply_taps(x, taps, axes)
        y = np.array(y, copy=True) if y is x else y
    else:
        # The engine's summation order differs from the other adapters' gathers:
        # HALF_UP's margin makes the rounding independent of it.
        y = round_passes(x.astype(np.float64), taps, axes, np.iinfo(dtype), apply_axis=apply_axis_fast,
                         floor=np.floor, clip=np.clip, cast=lambda y: y.astype(dtype), where=np.where)
    return fill_outside(spec, y, taps, axes)


def shuffle(spec, x: np.ndarray) -> np.ndarray:
    """A ``PixelShuffle`` / ``PixelUnshuffle`` of ``x``: its permutation, in ``x``'s
    dtype, in new memory (the reshape copies where the transpose moved data;
    where it moved none, the result is copied)."""
    before, perm, after = spec.plan(x.shape)
    out = x.reshape(before).transpose(perm).reshape(after)
    return out.copy() if np.may_share_memory(out, x) else out
