"""The numpy adapter's OpenCV fast path (adapters/opencv/numpy_path.py): used
where ``cv2.resize`` computes the spec, held to the reference like the engine,
and never on what it would get wrong (non-finite inputs, float64, 3-D)."""

import importlib.util

import numpy as np
import pytest

from unisample import Upsample, tolerance

pytestmark = pytest.mark.skipif(importlib.util.find_spec("cv2") is None, reason="OpenCV is not installed")

SPECS = [
    Upsample(size=(14, 10), mode="bilinear", data_format="channels_last"),
    Upsample(size=(3, 2), mode="bicubic"),  # PyTorch's bicubic is INTER_CUBIC
    Upsample(scale_factor=2, mode="nearest-exact", data_format="channels_last"),
    Upsample(size=(10, 8), mode="opencv-area", data_format="channels_last"),
    Upsample(size=(20, 13), mode="lanczos4", exclude_outside=False, data_format="channels_last"),
]


def _path():
    from unisample.adapters.opencv import numpy_path

    return numpy_path


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_claimed_specs_run_on_opencv_and_equal_the_reference(spec):
    shape = (2, 7, 5, 3) if spec.channels_last else (2, 3, 7, 5)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    axes = spec.check_input(x.shape)
    fast = _path().resize(spec, x, axes)
    assert fast is not None  # OpenCV computes it
    y = spec(x)
    assert y.dtype == np.float32 and not np.shares_memory(y, x)
    np.testing.assert_array_equal(y, fast)  # the adapter took the fast path
    reference = spec.reference(x)
    if spec.kernel == "nearest":
        np.testing.assert_array_equal(y, reference.astype(np.float32))
    else:
        resized = [x.shape[a] for a in axes if x.shape[a] != y.shape[a]]
        error = tolerance.error_in_eps(y, reference, "float32", tolerance.scale_of(x))
        assert error <= tolerance.bound_in_eps("float32", resized)


def test_what_opencv_would_get_wrong_takes_the_engine():
    spec = SPECS[0]
    x = np.random.default_rng(1).standard_normal((1, 7, 5, 3)).astype(np.float32)
    axes = spec.check_input(x.shape)
    bad = x.copy()
    bad[0, 3, 2, 1] = np.nan  # OpenCV's filters spread NaN to other pixels than the taps'
    assert _path().resize(spec, bad, axes) is None
    np.testing.assert_array_equal(np.isnan(spec(bad)), np.isnan(spec.reference(bad)))
    assert _path().resize(spec, x.astype(np.float64), axes) is None  # OpenCV's float64 weights are float32
    shrink = Upsample(size=(3, 2), mode="bilinear", antialias=True, data_format="channels_last")
    assert _path().resize(shrink, x, axes) is None  # cv2 has no antialiased bilinear (enlarging, it is the same)
    volume = Upsample(size=(4, 6, 8), mode="trilinear")
    assert _path().resize(volume, np.zeros((1, 1, 2, 3, 4), np.float32), (2, 3, 4)) is None


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float16])
@pytest.mark.parametrize("channels", [1, 2, 3])
def test_nearest_in_other_dtypes_is_exact(dtype, channels):
    spec = Upsample(scale_factor=(2.0, 1.0), data_format="channels_last")  # the fuzz's seed 32768 case 129
    x = (np.random.default_rng(2).standard_normal((1, 16, 7, channels)) * 50).astype(dtype)
    y = spec(x)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, spec.reference(x).astype(dtype))


INTEGERS = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"]


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("dtype", INTEGERS)
def test_nearest_keeps_every_integer_value(dtype, mode):
    """The whole range of each integer dtype, extremes included: cv2 returns
    int32 for 64-bit inputs, which must never reach the result."""
    info = np.iinfo(dtype)
    x = np.random.default_rng(6).integers(info.min, info.max, (1, 1, 6, 4), dtype=dtype, endpoint=True)
    x[0, 0, 0, :2] = info.min, info.max
    spec = Upsample(size=(12, 8), mode=mode)
    y = spec(x)
    assert y.dtype == dtype
    # an exact x2: both modes read input pixel j // 2 for output j
    np.testing.assert_array_equal(y, x.repeat(2, axis=2).repeat(2, axis=3))


def test_turned_off_by_the_environment(monkeypatch):
    path = _path()
    monkeypatch.setattr(path, "ENABLED", False)
    spec = SPECS[0]
    x = np.zeros((1, 7, 5, 3), np.float32)
    assert path.resize(spec, x, spec.check_input(x.shape)) is None


def test_a_dtype_cv2_refuses_falls_back_to_the_engine(monkeypatch):
    """OpenCV 4's numpy converter refuses uint32 with cv2.error: the engine answers instead."""
    import cv2

    def refuse(*args, **kwargs):
        raise cv2.error("unsupported depth")

    monkeypatch.setattr(cv2, "resize", refuse)
    x = np.arange(24, dtype=np.uint32).reshape(1, 1, 6, 4) * 100_000_000
    y = Upsample(size=(12, 8), mode="nearest-exact")(x)
    np.testing.assert_array_equal(y, x.repeat(2, axis=2).repeat(2, axis=3))
