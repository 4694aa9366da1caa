"""Which pixels of an integer resize may legitimately round the other way.

The integer rule (``adapters/numpy.py``) rounds half up after every pass.  A
backend that computes a pass with less precision than float64 (PyTorch's
fixed-point uint8 weights, JAX's float32 without x64) can land on the other
side of a .5 tie when the exact value is within ``margin`` of it; a value that
rounds differently then moves the next pass by at most the |weight| it carries.
"""

import numpy as np

from unisample import AxisTaps
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
        y = np.clip(np.floor(value + 0.5), info.min, info.max)
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
