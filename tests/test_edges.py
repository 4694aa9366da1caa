"""The edges, on every adapter: integer extremes saturate, results never share
memory with the input, absurd sizes fail early and clearly, byte orders."""

import importlib.util

import numpy as np
import pytest

from unisample import Upsample, spec as spec_module, taps as taps_module, tolerance
from unisample.adapters import get_adapter
from unisample.reference import integer_reference

FRAMEWORKS = ["numpy"] + [n for n in ("torch", "tensorflow", "paddle", "jax") if importlib.util.find_spec(n)]

#: integer dtypes each framework has arrays of (jax: with x64 on, as below)
INTEGERS = {
    "numpy": ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"),
    "torch": ("uint8", "int8", "int16", "int32", "int64"),
    "tensorflow": ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"),
    "paddle": ("uint8", "int8", "int16", "int32", "int64"),
    "jax": ("uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"),
}
RESIZING = [Upsample(scale_factor=2, mode="bilinear"), Upsample(size=(5, 3), mode="bicubic"),
            Upsample(size=(3, 2), mode="lanczos3", antialias=True), Upsample(size=(2, 5), mode="area")]


def run(framework, spec, x):
    adapter = get_adapter(framework)
    return np.asarray(adapter.to_numpy(spec(adapter.from_numpy(x))))


@pytest.mark.parametrize("spec", RESIZING, ids=[repr(s) for s in RESIZING])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_integer_extremes_saturate(framework, spec, x64):
    for dtype in INTEGERS[framework]:
        info = np.iinfo(dtype)
        for value in (info.min, info.max):
            x = np.full((1, 2, 4, 4), value, dtype)
            y = run(framework, spec, x)
            assert y.dtype == np.dtype(dtype)
            # a constant image stays that constant: no float rounding of the
            # bound into overflow (2**63 - 1 wrapped to -2**63, uint64 max to
            # 0); 64-bit values only to float64's rounding (weights that sum
            # to 1 - 2**-53 land a unit of 2048 below 2**63)
            slack = 0 if info.bits < 64 else 64 * 2048.0
            assert np.abs(y.astype(np.float64) - float(value)).max() <= slack, (dtype, value, np.unique(y))
        # mixed extremes: cubic overshoots past both ends and saturates there
        x = np.where(np.indices((1, 2, 4, 4)).sum(0) % 2 == 0, info.min, info.max).astype(dtype)
        y = run(framework, spec, x)
        assert y.dtype == np.dtype(dtype) and y.min() >= info.min and y.max() <= info.max
        expected = integer_reference(spec, x)
        if info.bits < 64:
            np.testing.assert_array_equal(y, expected)
        else:  # float64 holds 2**63 only to 2048: summation orders differ by units of that
            assert np.abs(y.astype(np.float64) - expected.astype(np.float64)).max() <= 64 * 2048.0


def test_integer_extremes_by_hand():
    # the cases, on the reference's own rule too
    up = Upsample(scale_factor=2, mode="bilinear")
    for dtype in ("int64", "uint64"):
        value = np.iinfo(dtype).max
        assert np.all(up(np.full((1, 1, 2, 2), value, dtype)) == value)
        assert np.all(integer_reference(up, np.full((1, 1, 2, 2), value, dtype)) == value)


SAME_SIZE = [Upsample(size=(4, 5)), Upsample(size=(4, 5), mode="bilinear"), Upsample(scale_factor=1.0, mode="bicubic"),
             Upsample(size=(4, 5), mode="lanczos3"), Upsample(size=(4, 5), mode="area"),
             Upsample(scale_factor=1.1, mode="bilinear")]  # 4 * 1.1 -> 4, 5 * 1.1 -> 5: both axes copied


@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8", "int32"])
@pytest.mark.parametrize("spec", SAME_SIZE, ids=[repr(s) for s in SAME_SIZE])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_results_never_share_memory_with_the_input(framework, spec, dtype):
    x = np.arange(40).reshape(1, 2, 4, 5).astype(dtype)
    adapter = get_adapter(framework)
    tensor = adapter.from_numpy(x.copy())
    y = spec(tensor)
    assert y is not tensor
    if framework == "numpy":
        assert not np.shares_memory(y, tensor)
        y[...] = 7
        np.testing.assert_array_equal(tensor, x)
    elif framework == "torch":
        y.fill_(7)
        np.testing.assert_array_equal(tensor.numpy(), x)
    elif framework == "paddle":
        y.fill_(7)
        np.testing.assert_array_equal(tensor.numpy(), x)
    elif framework == "tensorflow":
        import tensorflow as tf

        variable = tf.Variable(x)  # a Variable can be written: the result must not be it
        out = spec(variable)
        assert out is not variable
        variable.assign(np.full_like(x, 9))
        assert tolerance.compare(spec, x, out.numpy(), spec.reference(x))[0]  # still x's resize, not 9s
    # jax arrays are immutable: a new object is all there is to check
    fresh = np.asarray(adapter.to_numpy(spec(adapter.from_numpy(x))))
    if x.dtype.kind == "f":  # TF's lanczos computes the copy (within rounding)
        assert tolerance.compare(spec, x, fresh, spec.reference(x))[0]
    else:
        np.testing.assert_array_equal(fresh, x)


def test_the_reference_never_returns_its_input():
    x = np.ones((1, 1, 3, 3))
    r = Upsample(size=3, mode="bilinear").reference(x)
    assert r is not x and not np.shares_memory(r, x)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_absurd_sizes_fail_early_naming_the_size(framework, monkeypatch):
    adapter = get_adapter(framework)
    x = adapter.from_numpy(np.zeros((1, 1, 4, 4), np.float32))
    with pytest.raises(ValueError, match=r"size: got \(9223372036854775808, 4\); every value must be at most 2\*\*31"):
        Upsample(size=(2**63, 4))

    def never(*args, **kwargs):
        raise AssertionError("taps were computed for an output that cannot be made")

    monkeypatch.setattr(taps_module, "axis_taps", never)
    with pytest.raises(ValueError, match=r"scale_factor=1e\+308 on spatial size \(4, 4\) gives output size "
                                         r"\(inf, inf\); every output length must be at most"):
        Upsample(scale_factor=1e308)(x)
    with pytest.raises(ValueError, match=r"scale_factor=1000000000.0 on spatial size \(4, 4\) gives output size "
                                         r"\(4000000000, 4000000000\)"):
        Upsample(scale_factor=1e9, mode="bilinear")(x)
    # each length allowed, the whole output not: 2**40 elements
    with pytest.raises(ValueError, match=r"on input shape \(1, 1, 4, 4\) gives output shape \(1, 1, 1048576, "
                                         r"1048576\): 1099511627776 elements, over unisample's budget"):
        Upsample(size=(2**20, 2**20), mode="bilinear")(x)


def test_the_element_budget_and_the_taps_budget():
    assert spec_module.MAX_ELEMENTS == 2**34  # README "Limits"
    # a long 1-D signal: 2**27 outputs of 2 linear taps fit, 2**28 do not
    up = Upsample(size=2**28, mode="linear")
    with pytest.raises(ValueError, match=r"an axis of length 3 resized to 268435456 needs about .* taps, over "
                                         r"unisample's budget of 2\*\*28 per axis"):
        up.taps((3,))
    # a budget from the environment, read at import; a bad one says what is wrong
    import subprocess
    import sys

    code = "import numpy as np, unisample; unisample.Upsample(size=(8, 8))(np.zeros((1, 1, 2, 2)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**__import__("os").environ, "UNISAMPLE_MAX_ELEMENTS": "32"})
    assert "64 elements, over unisample's budget of 32" in proc.stderr
    proc = subprocess.run([sys.executable, "-c", "import unisample"], capture_output=True, text=True,
                          env={**__import__("os").environ, "UNISAMPLE_MAX_ELEMENTS": "lots"})
    assert "UNISAMPLE_MAX_ELEMENTS: got 'lots'; expected a whole number >= 1" in proc.stderr


@pytest.mark.parametrize("dtype", [">f4", ">f8", ">i2", "<f4", ">u8"])
def test_non_native_byte_orders_come_back_in_the_callers_dtype(dtype):
    x = np.arange(24).reshape(1, 2, 3, 4).astype(dtype)
    native = x.astype(np.dtype(dtype).newbyteorder("="))
    for spec in (Upsample(scale_factor=2, mode="bilinear"), Upsample(size=(2, 7))):
        y = spec(x)
        assert y.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(y, spec(native))
