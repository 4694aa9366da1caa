"""Which pixels of an integer resize may legitimately round the other way.

The integer rule (``adapters/numpy.py``) rounds half up after every pass.  A
backend that computes a pass with less precision than float64 (PyTorch's
fixed-point uint8 weights, JAX's float32 without x64) can land on the other
side of a .5 tie when the exact value is within ``margin`` of it; a value that
rounds differently then moves the next pass by at most the |weight| it carries.
"""

import numpy as np

from unisample import AxisTaps
from unisample.dtypes import HALF_UP
from unisample.reference import apply_axis, pass_order


def doubtful(spec, x: np.ndarray, margin: float) -> np.ndarray:
    """Boolean mask of output pixels whose rounding a ``margin``-precise backend may flip."""
    axes = spec.spatial_axes(x.ndim)
    taps = spec.taps(tuple(x.shape[a] for a in axes))
    info = np.iinfo(x.dtype)
    y = x.astype(np.float64)
    deviation = np.zeros_like(y)
    near = np.zeros_like(y, dtype=bool)
    for i in pass_order(taps, integer=True):
        t, axis = taps[i], axes[i]
        value = apply_axis(y, t, axis)
        spread = apply_axis(deviation, AxisTaps(t.index, np.abs(t.weight), t.in_size), axis)
        near = np.abs(value - np.floor(value) - 0.5) < margin + spread
        deviation = near.astype(np.float64)  # a flipped rounding is off by exactly 1
        y = np.clip(np.floor(value + HALF_UP), info.min, info.max)
    return near


def assert_integer_rule(spec, x: np.ndarray, ours: np.ndarray, margin: float) -> None:
    """``ours`` follows the integer rule except, by at most 1, where ``doubtful``."""
    expected = spec(x)
    assert ours.dtype == expected.dtype
    if spec.kernel == "nearest":
        np.testing.assert_array_equal(ours, expected)
        return
    mask = doubtful(spec, x, margin)
    assert (~mask).any()  # something is compared exactly
    np.testing.assert_array_equal(ours[~mask], expected[~mask])
    assert np.abs(ours.astype(np.int64) - expected.astype(np.int64)).max() <= 1


def exact_ties():
    """A spec, a uint8 input and the exact round-half-up answer, derived here with
    rational arithmetic, not with unisample's taps.

    Linear with ``align_corners`` from 4 to 11 pixels puts output ``j`` at
    ``src = 3j/10``: weights are tenths, so about one value in ten is exactly
    ``k + 1/2``, and in float64 the tenths (0.3 is 0.29999999999999998...) land
    such values an ulp below or above the half depending on the summation order.
    Both axes are resized; each pass rounds half up and saturates.
    """
    from fractions import Fraction

    from unisample import Upsample

    def one_pass(values, n_out):  # linear, align_corners, along the last axis
        n = values.shape[-1]
        out = np.empty(values.shape[:-1] + (n_out,), np.int64)
        for j in range(n_out):
            src = Fraction(j * (n - 1), n_out - 1)
            i = min(int(src), n - 2)
            f = src - i
            for pos in np.ndindex(values.shape[:-1]):
                v = (1 - f) * int(values[pos + (i,)]) + f * int(values[pos + (i + 1,)])
                out[pos + (j,)] = min(255, max(0, int(v + Fraction(1, 2))))  # v >= 0: int() floors
        return out

    x = np.random.default_rng(7).integers(0, 256, (2, 3, 4, 4), dtype=np.uint8)
    wide = one_pass(x, 11)  # the integer rule resamples the last axis first
    expected = np.swapaxes(one_pass(np.swapaxes(wide, -1, -2), 11), -1, -2)
    return Upsample(size=(11, 11), mode="bilinear", align_corners=True), x, expected.astype(np.uint8)
