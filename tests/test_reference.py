"""The taps and the reference: hand-derived values and properties.

Expected numbers here are worked out by hand from the definitions (coordinate
transform, kernel), never taken from the code under test.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from unisample import Upsample
from unisample.dtypes import HALF_UP

from integer_rule import exact_ties

MODES_ANY_RANK = ["nearest", "nearest-exact", "bicubic", "area", "lanczos3", "lanczos5"]
LINEAR_BY_RANK = {1: "linear", 2: "bilinear", 3: "trilinear"}


def row(values):
    return np.asarray(values, dtype=np.float64).reshape(1, 1, -1)


# -- hand-derived values ----------------------------------------------------------


def test_linear_half_pixel_2_to_4():
    # src = (j + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped at the edges
    np.testing.assert_allclose(Upsample(size=4, mode="linear").reference(row([0, 1])), row([0, 0.25, 0.75, 1]))


def test_linear_align_corners_2_to_4():
    # src = j * (2 - 1) / (4 - 1) = 0, 1/3, 2/3, 1
    np.testing.assert_allclose(Upsample(size=4, mode="linear", align_corners=True).reference(row([0, 1])),
                               row([0, 1 / 3, 2 / 3, 1]))


def test_linear_asymmetric_paddle_align_mode_1():
    # src = j * 5 / 12 ... with scale_factor 2.5: src = j / 2.5 = 0, 0.4, 0.8, 1.2 on x = i**2
    x = row([0, 1, 4, 9, 16])
    y = Upsample(scale_factor=2.5, mode="linear", coordinate_transform="asymmetric").reference(x)
    np.testing.assert_allclose(y[0, 0, :4], [0, 0.4, 0.8, 1.6])


def test_scale_factor_maps_with_its_inverse_unless_recomputed():
    x = row([0, 1, 4, 9, 16])
    # 1 / 2.5: src(1) = 1.5 / 2.5 - 0.5 = 0.1 -> 0.1 * 1 = 0.1
    assert Upsample(scale_factor=2.5, mode="linear").reference(x)[0, 0, 1] == pytest.approx(0.1)
    # in/out = 5/12: src(1) = 1.5 * 5 / 12 - 0.5 = 0.125
    assert Upsample(scale_factor=2.5, mode="linear", recompute_scale_factor=True).reference(x)[0, 0, 1] == \
        pytest.approx(0.125)


def test_nearest_floor_versus_half_pixel_rounding():
    x = row(np.arange(7) * 10)
    # nearest: floor(j * 7 / 10); nearest-exact: floor((j + 0.5) * 7 / 10)
    np.testing.assert_array_equal(Upsample(size=10).reference(x)[0, 0], [0, 0, 10, 20, 20, 30, 40, 40, 50, 60])
    np.testing.assert_array_equal(Upsample(size=10, mode="nearest-exact").reference(x)[0, 0],
                                  [0, 10, 10, 20, 30, 30, 40, 50, 50, 60])


def test_cubic_coefficients_at_half():
    # Keys kernel at t = 0.5: w(1.5) = -0.09375, w(0.5) = 0.59375 for a = -0.75;
    # a = -0.5: w(1.5) = -0.0625, w(0.5) = 0.5625.  align_corners 4 -> 7 samples
    # src = j / 2, so output 3 sits at 1.5, and resizing the unit vector e_k
    # there isolates the weight w(|1.5 - k|).
    for a, far, near in ((-0.75, -0.09375, 0.59375), (-0.5, -0.0625, 0.5625)):
        up = Upsample(size=(1, 7), mode="bicubic", align_corners=True, cubic_coeff_a=a)
        for k, expected in zip(range(4), (far, near, near, far)):
            e = np.zeros((1, 1, 1, 4))
            e[..., k] = 1
            assert up.reference(e)[0, 0, 0, 3] == pytest.approx(expected)


def test_paddle_half_pixel_samples_minus_half_for_size_one():
    # Paddle bicubic to length 1: src = -0.5, taps -2..1 clamped to 0,0,0,1:
    # (w(1.5) + 2 w(0.5)) * x0 + w(1.5) * x1 = 0 + -0.09375 * 1
    x = np.asarray([0, 1, 4, 9, 16], np.float64).reshape(1, 1, 1, 5)
    up = Upsample(size=(1, 1), mode="bicubic", coordinate_transform="paddle_half_pixel")
    assert up.reference(x)[0, 0, 0, 0] == pytest.approx(-0.09375)
    # PyTorch samples the centre: x[2] = 4
    assert Upsample(size=(1, 1), mode="bicubic").reference(x)[0, 0, 0, 0] == pytest.approx(4.0)


def test_area_uniform_versus_overlap():
    x = row([1, 2, 3, 4])
    # adaptive pooling 4 -> 3: [0, 2), [1, 3), [2, 4) -> 1.5, 2.5, 3.5
    np.testing.assert_allclose(Upsample(size=3, mode="area").reference(x)[0, 0], [1.5, 2.5, 3.5])
    # overlap, s = 4/3: out0 = (1 * 1 + 2 * 1/3) * 3/4, out1 = (2 * 2/3 + 3 * 2/3) * 3/4, out2 = (3/3 + 4) * 3/4
    np.testing.assert_allclose(Upsample(size=3, mode="area", area_weights="overlap").reference(x)[0, 0],
                               [(1 + 2 / 3) * 0.75, (4 / 3 + 2) * 0.75, (1 + 4) * 0.75])


def test_tf_cubic_table_rounds_the_offset():
    # With a 4-entry table the offset t = 0.2 is read as round(0.8) / 4 = 0.25.
    # Asymmetric 8 -> 10 samples src = 0.8 j; output 4 sits at 3.2, so the unit
    # vector e_3 gives the kernel at distance t = 0.2 (table: 0.25).
    x = np.zeros((1, 1, 1, 8))
    x[..., 3] = 1
    exact = Upsample(size=(1, 10), mode="bicubic", cubic_coeff_a=-0.5, coordinate_transform="asymmetric")
    table = Upsample(size=(1, 10), mode="bicubic", cubic_coeff_a=-0.5, coordinate_transform="asymmetric",
                     cubic_table_size=4)

    def keys(d):  # Keys a = -0.5 kernel at distance d <= 1
        return 1.5 * d**3 - 2.5 * d**2 + 1

    assert exact.reference(x)[0, 0, 0, 4] == pytest.approx(keys(0.2))
    assert table.reference(x)[0, 0, 0, 4] == pytest.approx(keys(0.25))


def test_antialias_widens_the_kernel_by_the_ratio():
    # 8 -> 2 linear with antialias: the triangle is stretched to half-width 4;
    # output 0 sits at src = 1.5, weights tri((i - 1.5) / 4) over i = 0..4 (i >= 5.5 is 0)
    x = row(np.arange(8.0))
    d = (np.arange(8) - 1.5) / 4
    w = np.maximum(0, 1 - np.abs(d))
    expected = (w * np.arange(8)).sum() / w.sum()
    assert Upsample(size=2, mode="linear", antialias=True).reference(x)[0, 0, 0] == pytest.approx(expected)
    # without antialias only pixels 1 and 2 count
    assert Upsample(size=2, mode="linear").reference(x)[0, 0, 0] == pytest.approx(1.5)


def test_same_size_copy_rules():
    x = row([0, 1, 4, 9, 16])
    # scale 1.1 keeps length 5; PyTorch's linear copies it, bicubic maps with 1/1.1
    np.testing.assert_array_equal(Upsample(scale_factor=1.1, mode="linear").reference(x), x)
    assert not np.array_equal(Upsample(scale_factor=1.1, mode="bicubic").reference(x.reshape(1, 1, 1, 5)),
                              x.reshape(1, 1, 1, 5))
    never = Upsample(scale_factor=1.1, mode="linear", same_size_copy="never").reference(x)
    # src(1) = 1.5 / 1.1 - 0.5
    assert never[0, 0, 1] == pytest.approx(1.5 / 1.1 - 0.5)


# -- properties -------------------------------------------------------------------

sizes = st.integers(1, 12)


def _mode_and_rank(draw):
    rank = draw(st.integers(1, 3))
    mode = draw(st.sampled_from(MODES_ANY_RANK + [LINEAR_BY_RANK[rank]]))
    return mode, rank


@st.composite
def specs_and_inputs(draw):
    mode, rank = _mode_and_rank(draw)
    shape_in = tuple(draw(sizes) for _ in range(rank))
    shape_out = tuple(draw(sizes) for _ in range(rank))
    kwargs = {"size": shape_out, "mode": mode}
    if mode in ("linear", "bilinear", "trilinear", "bicubic"):
        kwargs["align_corners"] = draw(st.booleans())
    if mode in ("linear", "bilinear", "trilinear", "bicubic", "lanczos3", "lanczos5"):
        kwargs["antialias"] = draw(st.booleans())
    channels_last = draw(st.booleans())
    kwargs["data_format"] = "channels_last" if channels_last else "channels_first"
    batch = draw(st.integers(0, 2))
    shape = (batch,) + shape_in + (2,) if channels_last else (batch, 2) + shape_in
    x = np.random.default_rng(draw(st.integers(0, 2**32 - 1))).standard_normal(shape)
    return Upsample(**kwargs), x


@settings(max_examples=150, deadline=None)
@given(specs_and_inputs())
def test_constant_in_constant_out(case):
    up, x = case
    c = np.full_like(x, 3.25)
    np.testing.assert_allclose(up.reference(c), 3.25, rtol=0, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(specs_and_inputs())
def test_identity_size_returns_the_input(case):
    up, x = case
    same = Upsample.from_dict({**up.to_dict(), "size": [x.shape[a] for a in up.spatial_axes(x.ndim)]})
    np.testing.assert_allclose(same.reference(x), x, rtol=0, atol=1e-12)
    np.testing.assert_allclose(same(x.astype(np.float32)), x.astype(np.float32), rtol=0, atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(specs_and_inputs())
def test_channels_last_is_channels_first_transposed(case):
    up, x = case
    other = "channels_first" if up.channels_last else "channels_last"
    flipped = Upsample.from_dict({**up.to_dict(), "data_format": other})
    move = (lambda a: np.moveaxis(a, -1, 1)) if up.channels_last else (lambda a: np.moveaxis(a, 1, -1))
    np.testing.assert_allclose(flipped.reference(move(x)), move(up.reference(x)), rtol=0, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(specs_and_inputs())
def test_taps_stay_in_range_and_weights_sum_to_one(case):
    up, x = case
    axes = up.spatial_axes(x.ndim)
    for taps in up.taps(tuple(x.shape[a] for a in axes)):
        if taps is None:
            continue
        assert taps.index.min() >= 0 and taps.index.max() < taps.in_size
        np.testing.assert_allclose(taps.matrix().sum(axis=1), 1.0, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3), st.integers(1, 9), st.integers(1, 4), st.booleans())
def test_nearest_with_integer_scale_is_repeat(rank, n, factor, exact):
    x = np.random.default_rng(n).standard_normal((1, 2) + (n,) * rank).astype(np.float32)
    up = Upsample(scale_factor=factor, mode="nearest-exact" if exact else "nearest")
    expected = x
    for axis in range(2, 2 + rank):
        expected = np.repeat(expected, factor, axis=axis)
    np.testing.assert_array_equal(up(x), expected)
    np.testing.assert_array_equal(up.reference(x), expected)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 12), st.integers(2, 30), st.floats(-3, 3), st.floats(-3, 3))
def test_linear_of_a_ramp_is_exact_with_align_corners(n, m, a, b):
    x = row(a + b * np.arange(n))
    src = np.arange(m) * (n - 1) / (m - 1)
    y = Upsample(size=m, mode="linear", align_corners=True).reference(x)
    np.testing.assert_allclose(y[0, 0], a + b * src, rtol=0, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 20), st.floats(0.05, 4))
def test_output_length_is_floor_of_scaled_length(n, scale):
    up = Upsample(scale_factor=scale)
    expected = int(np.floor(n * scale))
    if expected < 1:
        with pytest.raises(ValueError, match="at least 1"):
            up.output_size((n,))
    else:
        assert up.output_size((n,)) == (expected,)


# -- the numpy adapter's dtypes ----------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "area", "lanczos3", "nearest"])
def test_numpy_adapter_keeps_float_dtype_and_matches_reference(dtype, mode):
    x = np.random.default_rng(1).standard_normal((2, 3, 9, 7)).astype(dtype)
    up = Upsample(size=(13, 4), mode=mode)
    y = up(x)
    assert y.dtype == dtype
    reference = up.reference(x)
    eps = np.finfo(dtype).eps
    # float16 is computed in float32 and rounded once: within one float16 ulp
    # of values of magnitude <= 8 (2**3 ulps of 1).
    assert np.abs(y - reference).max() <= (8 * eps if dtype == np.float16 else 16 * eps * np.abs(x).max())


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int32])
def test_numpy_adapter_integer_rule(dtype):
    x = np.array([0, 15, 60, 135, 240], dtype).reshape(1, 1, 5)
    # nearest keeps values exactly
    np.testing.assert_array_equal(Upsample(size=10)(x), np.repeat(x, 2, axis=-1))
    # interpolating modes: round half up, saturate; cubic overshoots below 0 and above 255 for uint8
    up = Upsample(size=(8,), mode="bicubic")
    y = up(x)
    assert y.dtype == dtype
    info = np.iinfo(dtype)
    np.testing.assert_array_equal(y, np.clip(np.floor(up.reference(x) + HALF_UP), info.min, info.max))
    big = np.array([0, 255], np.uint8).reshape(1, 1, 2)
    assert Upsample(size=(5,), mode="bicubic")(big).max() == 255  # saturated, not wrapped
    # hand-derived ties: half-pixel 2 -> 4 linear of [0, 2] gives 0, 0.5, 1.5, 2: halves round up
    np.testing.assert_array_equal(Upsample(size=4, mode="linear")(np.array([[[0, 2]]], dtype)), [[[0, 1, 2, 2]]])


def test_integer_rule_rounds_exact_halves_up_whatever_the_summation_order():
    # The float64 gather (one product per tap, summed in tap order) and the
    # engine's BLAS blocks both land tenths-weighted halves an ulp either side;
    # HALF_UP's margin rounds both up, as exact arithmetic says (about one
    # pixel in ten of this case is an exact half).
    from unisample.dtypes import round_passes
    from unisample.reference import apply_axis

    spec, x, expected = exact_ties()
    np.testing.assert_array_equal(spec(x), expected)
    axes = spec.spatial_axes(x.ndim)
    gathered = round_passes(x.astype(np.float64), spec.taps(x.shape[2:]), axes, np.iinfo(np.uint8),
                            apply_axis=apply_axis, floor=np.floor, clip=np.clip,
                            cast=lambda y: y.astype(np.uint8), where=np.where)
    np.testing.assert_array_equal(gathered, expected)
