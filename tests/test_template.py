"""The adapter template (``portable.resize_with_taps``, ``portable.resize``):
a compute-only adapter is an ``ArrayOps`` of a few one-line primitives.

``NumpyOps`` below is such an adapter, written the way one for CuPy or MLX
would be (numpy stands in for the array library).  Its results are checked
against what nobody wrote for it: the float64 reference, and the numpy
adapter (the engine, another implementation) bit for bit on integers.  The
native-or-taps decision is checked with a recording stand-in for a native op.
"""

import numpy as np
import pytest

from unisample import Upsample, portable, tolerance
from unisample.adapters import get_adapter

from pass_cases import PASS_CASE_IDS, PASS_CASES


class NumpyOps(portable.ArrayOps):
    """A whole compute-only adapter: numpy as if it were another array library."""

    framework = "numpy-as-a-library"

    def constant(self, a, like):
        return a.astype(like.dtype)

    def take(self, x, index, axis):
        return np.take(x, index, axis=axis)

    def matmul(self, a, b):
        return a @ b

    def concat(self, parts, axis):
        return np.concatenate(parts, axis)

    def reshape(self, x, shape):
        return x.reshape(shape)

    def select(self, mask, a):
        return np.where(mask, a, 0)

    def all_finite(self, x):
        return bool(np.isfinite(x).all()) if x.dtype.kind == "f" else True

    def cast(self, x, dtype):
        return x.astype(dtype)

    def floor(self, x):
        return np.floor(x)

    def clip(self, x, lo, hi):
        return np.clip(x, lo, hi)

    def where(self, condition, value, a):
        return np.where(condition, np.array(value, a.dtype), a)

    def copy(self, x):
        return x.copy()


OPS = NumpyOps()


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("spec, shape", PASS_CASES, ids=PASS_CASE_IDS)
def test_compute_only_adapter_matches_the_reference(spec, shape, dtype):
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    y = portable.resize_with_taps(spec, x, OPS)
    assert y.dtype == x.dtype and y.shape == spec.output_shape(shape)
    if spec.kernel == "nearest":
        np.testing.assert_array_equal(y, spec.reference(x).astype(dtype))
        return
    resized = [n for n, m in zip(shape, y.shape) if n != m]
    error = tolerance.error_in_eps(y, spec.reference(x), dtype, tolerance.scale_of(x))
    assert error <= tolerance.bound_in_eps(dtype, resized)


@pytest.mark.parametrize("dtype", ["uint8", "int16", "int64", "uint64"])
@pytest.mark.parametrize("spec, shape", PASS_CASES, ids=PASS_CASE_IDS)
def test_compute_only_adapter_integers_equal_the_numpy_adapter(spec, shape, dtype):
    info = np.iinfo(dtype)
    x = np.random.default_rng(4).integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    y = portable.resize_with_taps(spec, x, OPS)
    assert y.dtype == x.dtype
    theirs = get_adapter("numpy").resize(spec, x)
    # bit for bit, except 64-bit values beyond 2**53: float64 sums them to its
    # rounding, and BLAS kernels (FMA or not, per CPU) sum in their own order;
    # each side is within integer_slack of the integer rule
    slack = 2 * tolerance.integer_slack(dtype, x)
    assert max((abs(int(a) - int(b)) for a, b in zip(y.ravel().tolist(), theirs.ravel().tolist())), default=0) <= slack


def test_compute_only_adapter_refuses_what_every_adapter_refuses():
    spec = Upsample(scale_factor=2, mode="bilinear")
    with pytest.raises(TypeError, match="numpy-as-a-library array of dtype bool"):
        portable.resize_with_taps(spec, np.zeros((1, 1, 2, 2), bool), OPS)
    with pytest.raises(ValueError, match="spatial"):
        portable.resize_with_taps(spec, np.zeros((2, 2)), OPS)


def test_a_result_is_never_the_input():
    x = np.arange(12.0).reshape(1, 1, 3, 4)
    y = portable.resize_with_taps(Upsample(size=(3, 4), mode="bilinear"), x, OPS)
    assert y is not x and not np.shares_memory(x, y)
    np.testing.assert_array_equal(y, x)


class RecordingOp(portable.NativeOp):
    """A native op that computes the reference and records being run."""

    def __init__(self, supported, reads_taps):
        self.supported, self._reads_taps, self.runs = supported, reads_taps, 0

    def call(self, spec, x):
        return {} if self.supported else None

    def reads_taps(self, spec, x, call):
        return self._reads_taps

    def run(self, spec, x, call):
        self.runs += 1
        return spec.reference(x).astype(x.dtype)


@pytest.mark.parametrize("supported, reads_taps, finite, native_runs", [
    (False, True, True, 0),   # the table says no: the taps
    (True, True, True, 1),    # the op reads the taps: always the op
    (True, True, False, 1),
    (True, False, True, 1),   # the op reads other pixels: only on finite inputs
    (True, False, False, 0),
])
def test_native_or_taps(supported, reads_taps, finite, native_runs):
    spec = Upsample(scale_factor=2, mode="bilinear")
    x = np.random.default_rng(5).standard_normal((1, 1, 4, 4)).astype("float32")
    if not finite:
        x[0, 0, 1, 2] = np.nan
    op = RecordingOp(supported, reads_taps)
    y = portable.resize(spec, x, OPS, op)
    assert op.runs == native_runs
    expected = spec.reference(x)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(expected))  # NaN where the taps put it
    assert (portable.native(spec, x, OPS, op) is None) == (native_runs == 0)
