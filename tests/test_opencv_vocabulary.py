"""OpenCV's cv2.resize in unisample's vocabulary (adapters/opencv/vocabulary.py).

Every flag on every geometry: ``from_native(config)`` then the numpy adapter
and the float64 reference, held to ``cv2.resize`` with ``tolerance.compare``
(nearest modes bit for bit; the others within ``bound_in_eps``).  float64
images are held to the float32 bound: OpenCV resizes them with float32
coordinates and weights (its weight type is float for every depth), which
the float64 bound's arithmetic part (16 float64 epsilons) does not allow for:
measured, cubic 2 -> 13 pixels is off by 1e-6 of max|x|, 1.05 times the
float64 bound and 0.35 times the float32 one.  8-bit images are held to the
bounds measured below, tiny 1-D cases to numbers computed here from the
formulas, and a seeded hypothesis run draws sizes, flags and specs.
"""

import importlib.util
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from unisample import Upsample, tolerance
from unisample.adapters.opencv import vocabulary as ov

pytestmark = pytest.mark.skipif(importlib.util.find_spec("cv2") is None, reason="OpenCV is not installed")

FLAGS = ["INTER_NEAREST", "INTER_NEAREST_EXACT", "INTER_LINEAR", "INTER_CUBIC", "INTER_AREA", "INTER_LANCZOS4"]

#: (name, input (width, height), cv2.resize's dsize/fx/fy)
GEOMETRIES = [
    ("enlarge x2", (10, 12), dict(dsize=(20, 24))),
    ("shrink 1/2", (10, 12), dict(dsize=(5, 6))),
    ("up, non-integer", (10, 12), dict(dsize=(17, 19))),
    ("down, non-integer", (10, 12), dict(dsize=(7, 5))),
    ("one axis up, one down", (10, 12), dict(dsize=(23, 7))),
    ("same size", (10, 12), dict(dsize=(10, 12))),
    ("to size 1", (10, 12), dict(dsize=(1, 1))),
    ("one axis to size 1", (10, 12), dict(dsize=(1, 9))),
    ("fx, fy", (10, 12), dict(dsize=(0, 0), fx=0.5, fy=0.5)),  # a size spec: 1/f == in/out
    ("fx, fy non-integer", (10, 12), dict(dsize=None, fx=0.33, fy=1.6)),  # a scale_factor spec: 1/f != in/out
    ("fx, fy up", (7, 5), dict(dsize=(0, 0), fx=2.3, fy=1.45)),
]


def cv2_resize(x, config):
    import cv2

    kwargs = {k: v for k, v in config.items() if k in ("dsize", "fx", "fy", "interpolation")}
    kwargs["interpolation"] = getattr(cv2, config["interpolation"]) if isinstance(config["interpolation"], str) \
        else config["interpolation"]
    return cv2.resize(x, kwargs.pop("dsize"), **kwargs)


def batched(x):
    """An OpenCV image (HW or HWC) as the spec's NHWC batch of one."""
    return (x[..., None] if x.ndim == 2 else x)[None]


def check_equal(spec, x, native):
    """cv2's output against the reference and against the numpy adapter, with the one tolerance."""
    xb = batched(x)
    native = batched(native)
    reference = spec.reference(xb)
    ours = spec(xb)
    counted = "float32"  # OpenCV's precision whatever the image's (the module docstring)
    ok, _, _, message = tolerance.compare(spec, xb, ours, reference)  # the adapter: its own dtype's bound
    assert ok, f"{spec!r}: numpy adapter: {message}"
    for actual, expected in ((native, reference), (native, ours.astype(np.float64))):
        ok, _, _, message = tolerance.compare(spec, xb, actual, expected, dtype=counted)
        assert ok, f"{spec!r}: cv2: {message}"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=[g[0] for g in GEOMETRIES])
@pytest.mark.parametrize("flag", FLAGS)
def test_catalogue_every_flag_equals_cv2(flag, geometry, channels, dtype):
    """from_native's spec: its numpy adapter and its reference equal cv2.resize."""
    _, (w, h), call = geometry
    rng = np.random.default_rng([FLAGS.index(flag), GEOMETRIES.index(geometry), channels])
    shape = (h, w) if channels == 1 else (h, w, channels)
    x = rng.standard_normal(shape).astype(dtype)
    config = dict(call, interpolation=flag, input_size=(w, h))
    spec = ov.from_native(config)
    native = cv2_resize(x, config)
    check_equal(spec, x, native)
    assert spec.channels_last and batched(native).shape == spec.output_shape(batched(x).shape)


def test_fx_fy_specs_say_what_opencv_maps_with():
    # 1 / 0.5 is in / out: a size; 1 / 0.33 is not 10 / 3: the scale factor maps; INTER_NEAREST_EXACT ignores fx
    assert ov.from_native(dict(fx=0.5, fy=0.5, input_size=(10, 12))) == Upsample(
        size=(6, 5), mode="bilinear", data_format="channels_last")
    assert ov.from_native(dict(fx=0.33, fy=1.6, input_size=(10, 12), interpolation=3)) == Upsample(
        scale_factor=(1.6, 0.33), mode="opencv-area", same_size_copy="all_axes", data_format="channels_last")
    assert ov.from_native(dict(fx=0.33, fy=1.6, input_size=(10, 12), interpolation=6)) == Upsample(
        size=(19, 3), mode="opencv-nearest-exact", data_format="channels_last")
    # the image itself gives the size
    assert ov.from_native(dict(src=np.zeros((12, 10, 3)), fx=0.5, fy=0.5)) == Upsample(
        size=(6, 5), mode="bilinear", data_format="channels_last")


def test_fx_fy_output_size_rounds_half_to_even():
    import cv2

    for n in range(2, 12):
        assert cv2.resize(np.zeros((1, n), np.float32), None, fx=0.5, fy=1.0).shape[1] == round(n * 0.5)


# -- refusals -------------------------------------------------------------------------


@pytest.mark.parametrize("config, message", [
    (dict(dsize=(4, 4), interpolation=5), r"interpolation: got cv2.INTER_LINEAR_EXACT \(5\).*expected one of"),
    (dict(dsize=(4, 4), interpolation=7), r"interpolation: got 7; expected one of cv2.INTER_NEAREST \(0\)"),
    (dict(dsize=(4, 4), interpolation="INTER_MAX"), r"interpolation: got 'INTER_MAX'"),
    (dict(dsize=(4, 4), borderMode=0), r"unknown cv2.resize arguments \['borderMode'\]; allowed: function"),
    (dict(dsize=(4,)), r"dsize: got \(4,\); expected \(width, height\), two non-negative integers"),
    (dict(dsize=(0, 0), fx=0.5), r"fy: got 0.0 with dsize=\(0, 0\); with no dsize OpenCV needs fx > 0"),
    (dict(fx=0.5, fy=0.5), r"input_size: got None with dsize=\(0, 0\), fx=0.5, fy=0.5"),
    (dict(fx=0.1, fy=0.1, input_size=(4, 4)), r"fx=0.1, fy=0.1 on input_size=\(w, h\)=\(4, 4\) give an output of"),
    # 7 * 0.5 = 3.5 rounds to 4 (even), mapped with 1 / 0.5 = 2, not 7 / 4; floor gives 3
    (dict(fx=0.5, fy=0.5, input_size=(7, 8)), r"fx=0.5, fy=0.5 on input_size=\(7, 8\): OpenCV makes round\(n \* f\) "
                                              r"= \(4, 4\) pixels"),
    (dict(dsize=(4, 4), function="cv2.warpAffine"), r"function: got 'cv2.warpAffine'; expected 'cv2.resize'"),
    (dict(dsize=(4, 4), dst=np.zeros((4, 4))), r"dst: got ndarray; expected None"),
])
def test_what_cannot_be_said_exactly_is_refused(config, message):
    with pytest.raises(ValueError, match=message):
        ov.from_native(config)


def test_a_non_dict_is_refused():
    with pytest.raises(TypeError, match="expected a dict of cv2.resize arguments"):
        ov.from_native([(4, 4)])


# -- 8-bit images ---------------------------------------------------------------------

U8_SIZES = [1, 2, 3, 5, 8, 13]


@pytest.mark.parametrize("flag", FLAGS)
def test_uint8_within_one_of_the_reference_rounded_once(flag):
    """OpenCV's 8-bit linear, cubic and lanczos4 weights are 11-bit fixed point
    (``INTER_RESIZE_COEF_BITS``), the horizontal pass kept in int and rounded
    once at the end; its area weights float32.  Measured over every size pair
    of 1..31 (1.2 million values): each output within 1 of the float64 reference
    rounded half up and saturated once, never further; the nearest flags gather."""
    import cv2

    rng = np.random.default_rng(FLAGS.index(flag))
    worst = 0
    for h, w, oh, ow in zip(*(rng.choice(U8_SIZES, 40) for _ in range(4))):
        x = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        spec = ov.from_native(dict(dsize=(int(ow), int(oh)), interpolation=flag))
        native = cv2.resize(x, (int(ow), int(oh)), interpolation=getattr(cv2, flag)).reshape(oh, ow, 3)
        once = np.clip(np.floor(spec.reference(x[None])[0] + 0.5), 0, 255)
        worst = max(worst, int(np.abs(native - once).max()))
        if flag in ("INTER_NEAREST", "INTER_NEAREST_EXACT"):
            np.testing.assert_array_equal(native, spec(x[None])[0])
    assert worst <= 1


@pytest.mark.parametrize("flag", ["INTER_LINEAR", "INTER_AREA"])
def test_uint8_linear_and_area_within_one_of_the_numpy_adapter(flag):
    """unisample's integer rule rounds half up and saturates after each pass; for
    weights that never overshoot (linear, area) that is within 1 of OpenCV's
    fixed point: measured over every size pair of 1..31, 14% of linear outputs
    (4% of area ones) differ by 1, none by more.  Cubic and lanczos4 overshoot:
    saturating the first pass moves them by up to 29 and 44 there (an output
    near a hard edge), so only the rounding-once bound above holds for them."""
    import cv2

    rng = np.random.default_rng(7)
    differ = worst = 0
    total = 0
    for h, w, oh, ow in zip(*(rng.choice(U8_SIZES + [16, 31], 60) for _ in range(4))):
        x = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        spec = ov.from_native(dict(dsize=(int(ow), int(oh)), interpolation=flag))
        native = cv2.resize(x, (int(ow), int(oh)), interpolation=getattr(cv2, flag)).reshape(oh, ow, 3)
        d = np.abs(native.astype(int) - spec(x[None])[0])
        worst, differ, total = max(worst, int(d.max())), differ + int((d > 0).sum()), total + d.size
    assert worst == 1 and 0 < differ < 0.3 * total


# -- hand-derived numbers ---------------------------------------------------------------


def row(values):
    return np.array([values], dtype=np.float32)


def test_inter_nearest_floors_with_the_reciprocal_scale():
    # resizeNN: pixel floor(j * ifx), ifx = 1 / (out / in) in float64
    import cv2

    x = row([10, 20, 30, 40, 50])
    expected = [x[0, min(math.floor(j * (1.0 / (3 / 5))), 4)] for j in range(3)]
    assert expected == [10, 20, 40]
    spec = ov.from_native(dict(dsize=(3, 1), interpolation="INTER_NEAREST"))
    for got in (cv2.resize(x, (3, 1), interpolation=cv2.INTER_NEAREST)[0], spec(batched(x))[0, 0, :, 0]):
        np.testing.assert_array_equal(got, expected)
    # exact ties: 49 * 2 / 98 is 1, but 49 * (1 / 49.0) lands below it: pixel 0; 41 * (1 / 41.0) is 1
    # where PyTorch's float32 41 * (2 / 82) lands below (pixel 0)
    x = row([0, 1])
    for out, tie, pixel in ((98, 49, 0), (82, 41, 1)):
        j = np.arange(out)
        expected = np.minimum(np.floor(j * (1.0 / (out / 2))), 1)
        assert expected[tie] == pixel and tie * 2 // out == 1
        spec = ov.from_native(dict(dsize=(out, 1), interpolation=0))
        np.testing.assert_array_equal(cv2.resize(x, (out, 1), interpolation=0)[0], expected)
        np.testing.assert_array_equal(spec(batched(x))[0, 0, :, 0], expected)
    assert Upsample(size=(1, 82), mode="nearest").taps((1, 2))[1].index[41, 0] == 0


def test_inter_nearest_exact_walks_a_running_sum():
    # resizeNN_bitexact: f = in / out / 2, then f += in / out per pixel, in float64
    import cv2

    x = row([0, 1])
    s, f, expected = 2 / 7, 2 / 7 / 2, []
    for _ in range(7):
        expected.append(min(math.floor(f), 1))
        f += s
    assert expected == [0, 0, 0, 0, 1, 1, 1]  # output 3: (3 + 0.5) * 2 / 7 is 1 exactly, the sum 0.99999...
    spec = ov.from_native(dict(dsize=(7, 1), interpolation="INTER_NEAREST_EXACT"))
    np.testing.assert_array_equal(cv2.resize(x, (7, 1), interpolation=cv2.INTER_NEAREST_EXACT)[0], expected)
    np.testing.assert_array_equal(spec(batched(x))[0, 0, :, 0], expected)


def test_inter_area_non_integer_shrink_weighs_pixel_overlap():
    # 5 -> 2: cells [0, 2.5) and [2.5, 5); pixel 2 is half in each
    import cv2

    x = row([1, 2, 3, 4, 5])
    expected = [(1 + 2 + 0.5 * 3) / 2.5, (0.5 * 3 + 4 + 5) / 2.5]
    assert expected == pytest.approx([1.8, 4.2])
    spec = ov.from_native(dict(dsize=(2, 1), interpolation="INTER_AREA"))
    for got in (cv2.resize(x, (2, 1), interpolation=cv2.INTER_AREA)[0], spec(batched(x))[0, 0, :, 0],
                spec.reference(batched(x))[0, 0, :, 0]):
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    # the other axis grows (1 -> 2), so hal::resize's two-tap rule runs on both: 8 -> 5 (scale 1.6) takes
    # pixel sx = floor(j * 1.6) and the next, the next weighing t = (j + 1) - (sx + 1) * 5 / 8 (its fraction)
    values = [0.0, 1.0, 4.0, 9.0, 16.0, 25.0, 36.0, 49.0]
    expected = []
    for j in range(5):
        sx = math.floor(j * 1.6)
        t = (j + 1) - (sx + 1) * (5 / 8)
        t = 0.0 if t <= 0 else t - math.floor(t)
        expected.append((1 - t) * values[sx] + t * values[min(sx + 1, 7)])
    overlap = (0.2 * 16 + 1.0 * 25 + 0.4 * 36) / 1.6  # cell 3 is [4.8, 6.4): three pixels
    assert expected[3] == pytest.approx(0.125 * 16 + 0.875 * 25) and abs(expected[3] - overlap) > 2
    x = row(values)
    spec = ov.from_native(dict(dsize=(5, 2), interpolation="INTER_AREA"))
    for got in (cv2.resize(x, (5, 2), interpolation=cv2.INTER_AREA), spec(batched(x))[0, :, :, 0]):
        np.testing.assert_allclose(got, [expected, expected], rtol=1e-6)


def lanczos4(d):
    if abs(d) < 1e-12:
        return 1.0
    if abs(d) >= 4:
        return 0.0
    return 4 * math.sin(math.pi * d) * math.sin(math.pi * d / 4) / (math.pi * d) ** 2


def test_inter_lanczos4_eight_taps_edges_repeated_normalised():
    import cv2

    values = [1.0, 5.0, -2.0, 4.0]
    x = row(values)
    expected = []
    for j in range(7):
        src = (j + 0.5) * 4 / 7 - 0.5
        taps = [math.floor(src) - 3 + k for k in range(8)]
        w = [lanczos4(i - src) for i in taps]
        expected.append(sum(wi * values[min(max(i, 0), 3)] for wi, i in zip(w, taps)) / sum(w))
    spec = ov.from_native(dict(dsize=(7, 1), interpolation="INTER_LANCZOS4"))
    assert spec == Upsample(size=(1, 7), mode="lanczos4", exclude_outside=False, data_format="channels_last")
    for got in (cv2.resize(x, (7, 1), interpolation=cv2.INTER_LANCZOS4)[0], spec(batched(x))[0, 0, :, 0],
                spec.reference(batched(x))[0, 0, :, 0]):
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


# -- native_call and native_kwargs ------------------------------------------------------


@pytest.mark.parametrize("flag", FLAGS)
def test_native_call_runs_the_spec(flag):
    code = ov.native_call(ov.from_native(dict(dsize=(7, 5), interpolation=flag)))
    assert code == f"import cv2\nresize = lambda img: cv2.resize(img, (7, 5), interpolation=cv2.{flag})"
    namespace: dict = {}
    exec(code, namespace)
    x = np.random.default_rng(0).standard_normal((9, 4, 3)).astype(np.float32)
    spec = ov.from_native(dict(dsize=(7, 5), interpolation=flag))
    check_equal(spec, x, namespace["resize"](x))


def test_native_call_recomputed_scale_factor_and_none():
    spec = Upsample(scale_factor=(1.5, 0.5), recompute_scale_factor=True, mode="opencv-area",
                    data_format="channels_last")
    code = ov.native_call(spec)
    assert code == ("import cv2\nresize = lambda img: cv2.resize(img, (int(img.shape[1] * 0.5), "
                    "int(img.shape[0] * 1.5)), interpolation=cv2.INTER_AREA)")
    namespace: dict = {}
    exec(code, namespace)
    x = np.random.default_rng(1).standard_normal((7, 9, 2)).astype(np.float32)
    check_equal(spec, x, namespace["resize"](x))
    for other in (Upsample(size=(4, 4), mode="lanczos3"), Upsample(size=(4, 4), mode="bicubic", cubic_coeff_a=-0.5),
                  Upsample(size=(4, 4), mode="nearest"), Upsample(size=(4, 4, 4), mode="opencv-area"),
                  Upsample(scale_factor=0.5, mode="bilinear"), Upsample(size=(4, 4), mode="bilinear", antialias=True),
                  Upsample(size=(4, 4), mode="opencv-nearest", coordinate_transform="half_pixel")):  # no flag
        assert ov.native_call(other) is None, other
    # opencv-nearest's default mapping is INTER_NEAREST's (asymmetric)
    assert ov.native_call(Upsample(size=(4, 4), mode="opencv-nearest")) == ov.native_call(
        ov.from_native(dict(dsize=(4, 4), interpolation=0)))
    # PyTorch's plain bicubic is OpenCV's: a = -0.75, edge pixels repeated
    assert ov.native_call(Upsample(size=(4, 4), mode="bicubic")) == ov.native_call(
        ov.from_native(dict(dsize=(4, 4), interpolation=2)))


def test_native_kwargs_claims():
    nearest = Upsample(size=(1, 82), mode="nearest", data_format="channels_last")
    assert ov.native_kwargs(nearest, (1, 2)) is None  # the float32 tie at output 41
    assert ov.native_kwargs(Upsample(size=(8, 8), mode="nearest"), (4, 4)) == dict(dsize=(8, 8), interpolation=0)
    assert ov.native_kwargs(Upsample(size=(8, 8), mode="nearest-exact"), (5, 4)) == dict(dsize=(8, 8),
                                                                                      interpolation=6)
    for kernel_spec in (Upsample(size=(3, 4), mode="area"), Upsample(size=(3, 4), mode="area", area_weights="overlap")):
        assert ov.native_kwargs(kernel_spec, (6, 8)) == dict(dsize=(4, 3), interpolation=3)  # boxes
    assert ov.native_kwargs(Upsample(size=(3, 4), mode="area"), (7, 8)) is None  # uniform: not overlap
    assert ov.native_kwargs(Upsample(size=(3, 4), mode="area", area_weights="overlap"), (7, 8)) == dict(
        dsize=(4, 3), interpolation=3)
    assert ov.native_kwargs(Upsample(size=(9, 9), mode="bilinear", antialias=True), (4, 5)) == dict(
        dsize=(9, 9), interpolation=1)  # enlarging: antialias changes nothing
    assert ov.native_kwargs(Upsample(size=(2, 2), mode="bilinear", antialias=True), (4, 5)) is None
    scaled = Upsample(scale_factor=(1.6, 0.33), mode="bilinear", same_size_copy="all_axes")
    assert ov.native_kwargs(scaled, (12, 10)) == dict(dsize=(0, 0), fx=0.33, fy=1.6, interpolation=1)
    assert ov.native_kwargs(scaled, (12, 8)) is None  # 8 * 0.33 = 2.64: OpenCV makes 3 pixels, the spec 2
    area = ov.from_native(dict(dsize=(4, 4), interpolation=3))
    assert ov.native_kwargs(area, (9, 9), channels=5) is None  # the overlap path takes 4 channels at most
    assert ov.native_kwargs(area, (8, 8), channels=5) == dict(dsize=(4, 4), interpolation=3)  # boxes: any
    assert ov.native_kwargs(area, (8, 8), channels=129) is None
    assert ov.native_kwargs(area, (8, 8), dtype="uint8") is None  # float weights, then rounded: not the rule
    near = ov.from_native(dict(dsize=(4, 4), interpolation=0))
    assert ov.native_kwargs(near, (9, 9), dtype="int32") == dict(dsize=(4, 4), interpolation=0)
    assert ov.native_kwargs(near, (9, 9), dtype="int64") is None  # cv2 returns int32 for it
    assert ov.native_kwargs(near, (9, 9), dtype="bfloat16") is None
    assert ov.native_kwargs(area, (8, 8), dtype="float64") is None  # float32 weights: not float64's accuracy
    assert ov.native_kwargs(near, (9, 9), dtype="float64") == dict(dsize=(4, 4), interpolation=0)
    assert ov.native_kwargs(Upsample(size=(4, 4, 4), mode="opencv-area"), (8, 8, 8)) is None
    assert ov.native_kwargs(Upsample(size=(4, 4), mode="lanczos3"), (8, 8)) is None


# -- seeded random runs -----------------------------------------------------------------


@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flag=st.sampled_from(FLAGS), h=st.integers(1, 24), w=st.integers(1, 24), oh=st.integers(1, 40),
       ow=st.integers(1, 40), channels=st.sampled_from([1, 2, 3, 4]), scaled=st.booleans(),
       fy=st.floats(0.1, 3.0), fx=st.floats(0.1, 3.0))
def test_random_configs_equal_cv2(flag, h, w, oh, ow, channels, scaled, fy, fx):
    config = dict(interpolation=flag, input_size=(w, h))
    config.update(dict(dsize=(0, 0), fx=fx, fy=fy) if scaled else dict(dsize=(ow, oh)))
    try:
        spec = ov.from_native(config)
    except ValueError as e:  # only what the module refuses: a size OpenCV rounds where a spec floors
        assert scaled and ("OpenCV makes round" in str(e) or "refuses an empty output" in str(e)), e
        return
    rng = np.random.default_rng([h, w, oh, ow, channels])
    x = rng.standard_normal((h, w) if channels == 1 else (h, w, channels)).astype(np.float32)
    check_equal(spec, x, cv2_resize(x, config))
    # and the spec's own claim: this flag's call, or one whose rule has the same taps here (same size)
    kwargs = ov.native_kwargs(spec, (h, w), channels=channels)
    assert kwargs is not None
    check_equal(spec, x, cv2_resize(x, dict(kwargs, input_size=(w, h))))


SPECS = st.sampled_from([
    dict(mode="nearest"), dict(mode="nearest-exact"), dict(mode="bilinear"), dict(mode="bilinear", antialias=True),
    dict(mode="bicubic"), dict(mode="bicubic", exclude_outside=False), dict(mode="bicubic", cubic_coeff_a=-0.5),
    dict(mode="area"), dict(mode="area", area_weights="overlap"), dict(mode="lanczos4", exclude_outside=False),
    dict(mode="opencv-nearest", coordinate_transform="asymmetric"), dict(mode="opencv-nearest-exact"),
    dict(mode="opencv-area"), dict(mode="lanczos3"), dict(mode="bilinear", align_corners=True)])


@settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extras=SPECS, h=st.integers(1, 20), w=st.integers(1, 20), oh=st.integers(1, 30), ow=st.integers(1, 30),
       scale=st.sampled_from([None, (0.5, 2.0), (1.5, 0.4), (0.37, 1.6), (2.0, 2.0)]),
       dtype=st.sampled_from(["float32", "float64"]))
def test_what_native_kwargs_claims_cv2_computes(extras, h, w, oh, ow, scale, dtype):
    import cv2

    where = dict(size=(oh, ow)) if scale is None else dict(scale_factor=scale)
    spec = Upsample(data_format="channels_last", **where, **extras)
    try:
        spec.output_size((h, w))
    except ValueError:
        return
    kwargs = ov.native_kwargs(spec, (h, w), dtype=dtype, channels=3)
    if kwargs is None:
        return
    x = np.random.default_rng([h, w, oh, ow]).standard_normal((h, w, 3)).astype(dtype)
    native = cv2.resize(x, kwargs.pop("dsize"), **kwargs)
    ok, _, _, message = tolerance.compare(spec, x[None], native[None], spec.reference(x[None]), dtype="float32")
    assert ok, f"{spec!r} on {(h, w)}: {message}"
    if dtype == "float64" or spec.kernel in ("nearest", "opencv_nearest"):  # gathers: bit for bit
        assert spec.kernel in ("nearest", "opencv_nearest")
        np.testing.assert_array_equal(native, spec(x[None])[0].reshape(native.shape))
