"""Pillow's ``Image.resize`` as a spec (``adapters/pillow/vocabulary.py``), held to Pillow itself.

Two independent witnesses: Pillow 13 (installed), and a model of it written
here from its C source (``src/libImaging/Resample.c``: ``precompute_coeffs``
and the per-depth passes; ``Geometry.c``: NEAREST), which shares no code with
unisample.  The model reproduces Pillow bit for bit on every image mode
tested; the spec's taps reproduce the model's coefficients (bit for bit for
Pillow's own kernels and NEAREST, to 1e-12 for bilinear/bicubic/lanczos, which
are unisample's PyTorch-arithmetic modes).

What is held, per image mode (``float_bound``, ``integer_bound``; the bounds were
measured first on 16 800 random resizes, 1..29 pixels a side to 1..44, noise,
every filter, then held here on the catalogue and a hypothesis search):

* ``F`` (float32): Pillow sums in float64 and stores float32 after each pass.
  ``|Pillow - spec.reference(x)| <= 2**-23 * G_h * G_w * max|x|``, where
  ``G`` is an axis's largest row sum of ``|weight|`` (derived: each float32
  store is off by at most ``2**-24`` of its magnitude, and the second pass
  carries the first one's error times ``G_h``); measured at most
  ``1.06 * 2**-23 * max|x|`` (MKS2013).  ``spec(x)`` is held to the reference
  by ``tolerance.compare``.  For box, hamming, MKS and NEAREST, the reference
  rounded to float32 after each pass, in Pillow's pass order, *is* Pillow's
  output, bit for bit.
* ``L``/``RGB`` (8-bit): Pillow's weights are fixed point (22 fraction bits,
  ``PRECISION_BITS``), each pass adds a half, shifts and clips to 0..255;
  ``I;16``: each pass sums in float64, rounds half away from zero and clips
  to 0..65535; ``I``: the same without clipping.  unisample's integer rule
  (round half up after each pass, width first) lands within 1 of Pillow for
  box, bilinear and hamming (no negative weights), within 2 for bicubic,
  lanczos and MKS (negative lobes), and 'I' within 2 (negative halves round
  the other way); NEAREST is exact.  Except: where Pillow 13 runs the
  vertical pass first (the height shrinks by more than twice as many pixels
  as the width), the filters with negative lobes clip a different
  intermediate image, and the results differ by tens of levels on noise
  (measured up to 39 of 255 and 9370 of 65535): unisample's integer order is
  fixed (width first).  Pillow's own arithmetic in unisample's order lands
  within 2 again.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from unisample import Upsample
from unisample.adapters.pillow import vocabulary as pv
from unisample.kernels import KERNELS
from unisample.reference import apply_axis
from unisample.tolerance import compare

Image = pytest.importorskip("PIL.Image")
pytestmark = pytest.mark.skipif(
    not hasattr(Image.Resampling, "MKS2021"),
    reason="the semantics tested are Pillow 13's (MKS filters, vertical-first passes)")

R = Image.Resampling
FILTERS = ["NEAREST", "BOX", "BILINEAR", "HAMMING", "BICUBIC", "LANCZOS", "MKS2013", "MKS2021"]
#: filters with no negative weights: a pass is a convex combination, nothing to clip
NON_NEGATIVE = ("BOX", "BILINEAR", "HAMMING")
EPS32 = 2.0**-23


# -- a model of Pillow 13, written from its C source --------------------------------------

_A, _B = float(np.float32(0.54)), float(np.float32(0.46))  # hamming_filter's 0.54f, 0.46f


def _box(x):
    return 1.0 if -0.5 < x <= 0.5 else 0.0


def _bilinear(x):
    x = abs(x)
    return 1.0 - x if x < 1.0 else 0.0


def _hamming(x):
    x = abs(x)
    if x == 0.0:
        return 1.0
    if x >= 1.0:
        return 0.0
    x = x * math.pi
    return math.sin(x) / x * (_A + _B * math.cos(x))


def _bicubic(x):
    a = -0.5
    x = abs(x)
    if x < 1.0:
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1
    if x < 2.0:
        return (((x - 5) * x + 8) * x - 4) * a
    return 0.0


def _sinc(x):
    if x == 0.0:
        return 1.0
    x = x * math.pi
    return math.sin(x) / x


def _lanczos(x):
    return _sinc(x) * _sinc(x / 3) if -3.0 <= x < 3.0 else 0.0


# Resample.c writes pow(x, 2); the compiler folds it into x * x (Pillow 13's
# _imaging.so imports no pow), which libm's pow(x, 2), Python's x ** 2, is
# not: it is an ulp off for about 1 argument in 1000
def _mks2013(x):
    x = abs(x)
    if x < 0.5:
        return 17.0 / 16.0 - 7.0 / 4.0 * (x * x)
    if x < 1.5:
        return (1.0 - x) * (7.0 / 4.0 - x)
    if x < 2.5:
        return -1.0 / 8.0 * ((x - 5.0 / 2.0) * (x - 5.0 / 2.0))
    return 0.0


def _mks2021(x):
    x = abs(x)
    if x < 0.5:
        return 577.0 / 576.0 - 239.0 / 144.0 * (x * x)
    if x < 1.5:
        return 35.0 / 36.0 * (x - 1.0) * (x - 239.0 / 140.0)
    if x < 2.5:
        return 1.0 / 6.0 * (x - 2.0) * (65.0 / 24.0 - x)
    if x < 3.5:
        return 1.0 / 36.0 * (x - 3.0) * (x - 15.0 / 4.0)
    if x < 4.5:
        return -1.0 / 288.0 * ((x - 9.0 / 2.0) * (x - 9.0 / 2.0))
    return 0.0


MODEL_FILTERS = {"BOX": (_box, 0.5), "BILINEAR": (_bilinear, 1.0), "HAMMING": (_hamming, 1.0),
                 "BICUBIC": (_bicubic, 2.0), "LANCZOS": (_lanczos, 3.0), "MKS2013": (_mks2013, 2.5),
                 "MKS2021": (_mks2021, 4.5)}


def model_coefficients(name, in_size, out_size):
    """``precompute_coeffs`` for the whole image: per output ``(xmin, [weights])``."""
    function, radius = MODEL_FILTERS[name]
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = radius * filterscale
    inverse = 1.0 / filterscale
    rows = []
    for xx in range(out_size):
        center = 0.0 + (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size) - xmin
        k = [function((x + xmin - center + 0.5) * inverse) for x in range(xmax)]
        ww = 0.0
        for w in k:
            ww += w
        rows.append((xmin, [w / ww for w in k] if ww != 0.0 else k))
    return rows


def model_nearest(in_size, out_size, i16):
    """NEAREST's source pixel per output: ``ImagingGenericTransform`` (I;16, one
    product) or ``ImagingScaleAffine`` (the rest, ``xo += a0``)."""
    a0 = in_size / out_size
    if i16:
        return [int(a0 * (x + 0.5) + 0.0 * 0.5 + 0.0) for x in range(out_size)]
    xo, out = 0.0 + a0 * 0.5, []
    for _ in range(out_size):
        out.append(int(xo))
        xo += a0
    return out


def _model_pass(y, rows, axis, depth):
    """One pass along ``axis`` of ``y`` (int64 or float64 values) in Pillow's arithmetic for ``depth``."""
    y = np.moveaxis(y, axis, 0)
    out = []
    for xmin, k in rows:
        if depth == "8bit":
            fixed = [int(-0.5 + w * (1 << 22)) if w < 0 else int(0.5 + w * (1 << 22)) for w in k]
            ss = np.full(y.shape[1:], 1 << 21, dtype=np.int64)
            for x, w in enumerate(fixed):
                ss = ss + y[xmin + x].astype(np.int64) * w
            out.append(np.clip(ss >> 22, 0, 255))
            continue
        ss = np.zeros(y.shape[1:])
        for x, w in enumerate(k):
            ss = ss + y[xmin + x].astype(np.float64) * w
        if depth == "float":
            out.append(ss.astype(np.float32).astype(np.float64))
        else:  # ROUND_UP: half away from zero, then CLIP16 for I;16
            rounded = np.where(ss >= 0, np.trunc(ss + 0.5), np.trunc(ss - 0.5))
            out.append(np.clip(rounded, 0, 65535) if depth == "16bit" else rounded)
    return np.moveaxis(np.stack(out), 0, axis)


def horizontal_first(in_wh, out_wh):
    """Pillow 13's pass order (``ImagingResampleInner``): vertical first only when
    the height shrinks by more than twice as many pixels as the width."""
    (w, h), (ow, oh) = in_wh, out_wh
    return not (h - oh > 0 and h - oh > (w - ow) * 2)


def model_resize(x, size, name, depth, order=None):
    """Pillow's ``Image.fromarray(x).resize(size, name)`` from the model; ``order``
    overrides the pass order (``"width first"``)."""
    h, w = x.shape[:2]
    ow, oh = size
    if name == "NEAREST":
        i16 = depth == "16bit"
        return x[np.array(model_nearest(h, oh, i16))][:, np.array(model_nearest(w, ow, i16))]
    y = x.astype(np.float64 if depth == "float" else np.int64)
    passes = [(w != ow, 1, w, ow), (h != oh, 0, h, oh)]
    first = horizontal_first((w, h), size) if order is None else order == "width first"
    for needed, axis, n, m in (passes if first else passes[::-1]):
        if needed:
            y = _model_pass(y, model_coefficients(name, n, m), axis, depth)
    return y


def depth_of(image_mode):
    return {"F": "float", "L": "8bit", "RGB": "8bit", "I;16": "16bit", "I": "32bit"}[image_mode]


# -- inputs and the spec's outputs -----------------------------------------------------------


def image_array(image_mode, h, w, seed=0, smooth=False):
    """An array Pillow reads as ``image_mode``: noise over the mode's range (or a smooth pattern)."""
    rng = np.random.default_rng(seed)
    if image_mode == "F":
        return (rng.standard_normal((h, w)) * 100).astype(np.float32)
    top = {"L": 255, "RGB": 255, "I;16": 65535, "I": 2**20}[image_mode]
    shape = (h, w, 3) if image_mode == "RGB" else (h, w)
    if smooth:
        yy, xx = np.mgrid[0:h, 0:w]
        wave = 0.5 + 0.4 * np.sin(yy / 3.0 + seed) * np.cos(xx / 4.0)
        values = np.broadcast_to((wave * top)[..., None] if len(shape) == 3 else wave * top, shape)
    else:
        values = rng.integers(-top if image_mode == "I" else 0, top + 1, shape)
    dtype = {"L": np.uint8, "RGB": np.uint8, "I;16": np.uint16, "I": np.int32}[image_mode]
    return np.ascontiguousarray(values).astype(dtype)


def pillow(x, size, name, **kwargs):
    image = Image.fromarray(x)
    return np.asarray(image.resize(size, getattr(R, name), **kwargs))


def spec_for(name, size, image_mode=None, **extra):
    config = {"function": "PIL.Image.Image.resize", "size": size, "resample": name, **extra}
    if image_mode is not None:
        config["mode"] = image_mode
    return pv.from_native(config)


def gains(spec, in_hw):
    """Per spatial axis the largest row sum of |weight| (1 for a copied axis or NEAREST)."""
    out = []
    for taps in spec.taps(in_hw):
        if taps is None or taps.weight is None:
            out.append(1.0)
        else:
            present = taps.present()
            weight = taps.weight if present is None else np.where(present, taps.weight, 0.0)
            out.append(float(np.abs(weight).sum(axis=1).max()))
    return out


def float_bound(spec, x):
    """``|Pillow - reference|`` allowed for an 'F' image (the module docstring's derivation)."""
    gh, gw = gains(spec, x.shape[:2])
    return 2.0**-23 * gh * gw * float(np.abs(x).max()) * (1 + 1e-6)


def reference_in_pillow_order(spec, x):
    """The spec's float64 taps applied in Pillow's pass order, rounded to float32 after each pass."""
    h, w = x.shape
    th, tw = spec.taps((h, w))
    oh, ow = spec.size
    y = pv.to_nhwc(x).astype(np.float64)
    passes = [(tw, 2), (th, 1)] if horizontal_first((w, h), (ow, oh)) else [(th, 1), (tw, 2)]
    for taps, axis in passes:
        if taps is not None:
            y = apply_axis(y, taps, axis).astype(np.float32).astype(np.float64)
    return pv.from_nhwc(y, x.shape)


def integer_bound(name, image_mode, in_wh, size):
    """How far unisample's integer rule may land from Pillow (module docstring), None: no bound."""
    if name == "NEAREST":
        return 0
    if image_mode == "I":
        return 2
    if name in NON_NEGATIVE:
        return 1
    return 2 if horizontal_first(in_wh, size) else None


#: input (width, height) and the catalogue's output sizes
IN_WH = (15, 10)
CASES = {"enlarge": (40, 24), "shrink": (5, 2), "non-integer ratio": (22, 7), "same size": (15, 10),
         "to size 1": (1, 1), "height shrinks most": (14, 3)}


# -- the model is Pillow ----------------------------------------------------------------------


@pytest.mark.parametrize("image_mode", ["F", "L", "RGB", "I;16", "I"])
@pytest.mark.parametrize("name", FILTERS)
def test_the_model_is_pillow_bit_for_bit(name, image_mode):
    w, h = IN_WH
    for case, size in CASES.items():
        for seed, smooth in ((0, False), (1, True)):
            x = image_array(image_mode, h, w, seed, smooth)
            got = pillow(x, size, name)
            np.testing.assert_array_equal(model_resize(x, size, name, depth_of(image_mode)), got,
                                          err_msg=f"{name} {image_mode} {case}")


# -- the taps are Pillow's coefficients -----------------------------------------------------------


@pytest.mark.parametrize("name", FILTERS[1:])
def test_taps_are_precompute_coeffs(name):
    exact = KERNELS[spec_for(name, (2, 2)).kernel].pillow
    for n in range(1, 33):
        for m in range(1, 33):
            taps = spec_for(name, (m, 1)).taps((1, n))[1]
            if n == m:
                assert taps is None  # Pillow skips a pass whose length does not change
                continue
            for j, (xmin, k) in enumerate(model_coefficients(name, n, m)):
                got = np.zeros(n)
                count = taps.width if taps.count is None else taps.count[j]
                np.add.at(got, taps.index[j, :count], taps.weight[j, :count])
                want = np.zeros(n)
                want[xmin:xmin + len(k)] = k
                if exact:  # box, hamming, MKS: the same window, the same bits
                    assert (taps.index[j, 0], count) == (xmin, len(k)), (n, m, j)
                    np.testing.assert_array_equal(got, want, err_msg=f"{n} -> {m}, output {j}")
                else:  # unisample's modes: PyTorch's float32 windows (zero weights aside), float64 weights
                    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=f"{n} -> {m}, output {j}")


@pytest.mark.parametrize("i16", [False, True])
def test_nearest_taps_are_pillows_pixel_choice(i16):
    mode = spec_for("NEAREST", (2, 2), "I;16" if i16 else "L").mode
    assert mode == ("pillow-nearest-i16" if i16 else "pillow-nearest")
    for m in range(1, 120):
        spec = Upsample(size=(1, m), mode=mode, data_format="NHWC")
        for n in range(1, 120):
            taps = spec.taps((1, n))[1]
            if n != m:
                assert taps.index[:, 0].tolist() == model_nearest(n, m, i16), (n, m)


def test_pillows_two_nearest_rules_differ_at_exact_ties_and_each_mode_follows_its_own():
    # 2 -> 7: output 3 sits at (3 + 0.5) * 2 / 7 = 1 exactly.  The I;16 transform
    # computes 2/7 * 3.5 = 1.0 and picks pixel 1; ImagingScaleAffine adds 2/7
    # three times to 1/7 and lands just below 1: pixel 0.  nearest-exact (float32) picks 1.
    for dtype, mode in ((np.uint8, "pillow-nearest"), (np.uint16, "pillow-nearest-i16")):
        x = np.array([[10, 20]], dtype=dtype)
        got = pillow(x, (7, 1), "NEAREST")[0]
        spec = Upsample(size=(1, 7), mode=mode, data_format="NHWC")
        np.testing.assert_array_equal(pv.from_nhwc(spec(pv.to_nhwc(x)), x.shape)[0], got)
        assert got[3] == (10 if dtype is np.uint8 else 20)
    exact = Upsample(size=(1, 7), mode="nearest-exact", data_format="NHWC")
    assert exact.taps((1, 2))[1].index[3, 0] == 1


# -- hand-derived values (Pillow's formulas by hand, 1-D) -------------------------------------------


def _row(values):
    return np.asarray(values, dtype=np.float32)[None]


def _both(name, x, width):
    """``(Pillow's row, the spec's reference row)`` resizing the 1-row 'F' image ``x`` to ``width``."""
    got = pillow(_row(x), (width, 1), name)[0]
    spec = spec_for(name, (width, 1))
    return got, pv.from_nhwc(spec.reference(pv.to_nhwc(_row(x))), (1, len(x)))[0]


def test_box_5_to_2_counts_the_boundary_pixel_for_the_first_output():
    # scale 2.5, support 0.5 * 2.5 = 1.25.  Output 0: centre 1.25, pixels
    # int(0.5) = 0 .. int(3.0) = 3 (exclusive), distances (i + 0.5 - 1.25) / 2.5 =
    # -0.3, 0.1, 0.5: box is 1 on (-0.5, 0.5], so pixel 2 (centre 2.5, on the
    # boundary) counts.  Output 1: centre 3.75, pixels int(3.0) = 3 .. min(int(5.5), 5),
    # distances -0.1, 0.3.
    got, ref = _both("BOX", [1, 2, 4, 8, 16], 2)
    expected = [(1 + 2 + 4) / 3, (8 + 16) / 2]
    np.testing.assert_array_equal(got, np.float32(expected))
    np.testing.assert_allclose(ref, expected, rtol=1e-15)


def test_box_3_to_2_and_2_to_5():
    # 3 -> 2: centres 0.75, 2.25, support 0.75: [0, 2) with distances -1/6, 0.5 (in),
    # then [int(2.0), 3): pixel 1 belongs to output 0 only.
    got, ref = _both("BOX", [1, 2, 4], 2)
    np.testing.assert_array_equal(got, np.float32([1.5, 4]))
    np.testing.assert_allclose(ref, [1.5, 4], rtol=1e-15)
    # 2 -> 5: scale 0.4, not widened (support 0.5): centres 0.2, 0.6, 1.0, 1.4, 1.8 read
    # pixel int(centre): output 2 (centre exactly 1, distance 0.5) takes pixel 1.
    got, ref = _both("BOX", [1, 2], 5)
    np.testing.assert_array_equal(got, np.float32([1, 1, 2, 2, 2]))
    np.testing.assert_array_equal(ref, [1, 1, 2, 2, 2])


def _hamming_by_hand(d):
    a, b = float(np.float32(0.54)), float(np.float32(0.46))
    return math.sin(math.pi * d) / (math.pi * d) * (a + b * math.cos(math.pi * d))


def test_hamming_4_to_2():
    # scale 2, support 1 * 2: output 0, centre 1: pixels int(-0.5) = 0 .. int(3.5) = 3,
    # distances (i + 0.5 - 1) / 2 = -0.25, 0.25, 0.75; output 1, centre 3: pixels
    # 1 .. min(int(5.5), 4), distances -0.75, -0.25, 0.25.  Weights divided by their sum.
    h1, h3 = _hamming_by_hand(0.25), _hamming_by_hand(0.75)
    x = [1, 2, 4, 8]
    expected = [(h1 * 1 + h1 * 2 + h3 * 4) / (2 * h1 + h3), (h3 * 2 + h1 * 4 + h1 * 8) / (h3 + 2 * h1)]
    got, ref = _both("HAMMING", x, 2)
    np.testing.assert_allclose(got, expected, rtol=2.0**-24)  # Pillow stores float32
    np.testing.assert_allclose(ref, expected, rtol=1e-15)


def test_hamming_2_to_3():
    # scale 2/3, support 1: centres 1/3, 1, 5/3.  Output 0 reads pixels 0 .. int(1.83) = 1:
    # pixel 0 alone; output 1 reads 0 .. 2 at distances -0.5, 0.5 (equal weights);
    # output 2 reads int(1.17) = 1 .. 2: pixel 1 alone.
    got, ref = _both("HAMMING", [1, 2], 3)
    np.testing.assert_array_equal(got, np.float32([1, 1.5, 2]))
    np.testing.assert_allclose(ref, [1, 1.5, 2], rtol=1e-15)


# -- the catalogue -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", FILTERS)
def test_float_images(name, case):
    size = CASES[case]
    w, h = IN_WH
    x = image_array("F", h, w, seed=3)
    got = pillow(x, size, name).astype(np.float64)
    spec = spec_for(name, size, "F", input_size=IN_WH)
    batch = pv.to_nhwc(x)
    reference = spec.reference(batch)
    ours = spec(batch)
    assert ours.dtype == np.float32 and ours.shape == (1, size[1], size[0], 1)
    passed, error, bound, message = compare(spec, batch, ours, reference)
    assert passed, message
    reference = pv.from_nhwc(reference, x.shape)
    assert np.abs(got - reference).max() <= float_bound(spec, x)
    if name == "NEAREST":
        np.testing.assert_array_equal(pv.from_nhwc(ours, x.shape), got)
        np.testing.assert_array_equal(reference, got)
    if KERNELS[spec.kernel].pillow:  # Pillow's arithmetic, ties and renormalisation included
        np.testing.assert_array_equal(reference_in_pillow_order(spec, x), got)


@pytest.mark.parametrize("image_mode", ["L", "RGB", "I;16", "I"])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", FILTERS)
def test_integer_images(name, case, image_mode):
    size = CASES[case]
    w, h = IN_WH
    bound = integer_bound(name, image_mode, IN_WH, size)
    for seed, smooth in ((4, False), (5, True)):
        x = image_array(image_mode, h, w, seed, smooth)
        assert Image.fromarray(x).mode == image_mode
        got = pillow(x, size, name).astype(np.int64)
        spec = spec_for(name, size, image_mode)
        ours = pv.from_nhwc(spec(pv.to_nhwc(x)), x.shape)
        assert ours.dtype == x.dtype
        difference = int(np.abs(ours.astype(np.int64) - got).max())
        if bound is not None:
            assert difference <= bound, (case, seed)
        else:  # Pillow clipped the vertical pass's overshoot first: in unisample's order, within 2 again
            in_our_order = model_resize(x, size, name, depth_of(image_mode), order="width first")
            assert int(np.abs(ours.astype(np.int64) - in_our_order).max()) <= 2


def test_integer_bounds_are_reached():
    # the bounds are tight: measured cases that reach them
    x = image_array("L", 10, 15, seed=4)
    for name in ("BOX", "BILINEAR", "HAMMING"):
        diff = [np.abs(pv.from_nhwc(spec_for(name, s)(pv.to_nhwc(x)), x.shape).astype(int)
                       - pillow(x, s, name)).max() for s in CASES.values()]
        assert max(diff) == 1, name
    # vertical first (15x10 -> 14x3), lanczos on noise: far apart
    spec = spec_for("LANCZOS", (14, 3))
    far = np.abs(pv.from_nhwc(spec(pv.to_nhwc(x)), x.shape).astype(int) - pillow(x, (14, 3), "LANCZOS")).max()
    assert far > 2


@settings(max_examples=120, deadline=None, derandomize=True)
@given(w=st.integers(1, 24), h=st.integers(1, 24), ow=st.integers(1, 32), oh=st.integers(1, 32),
       name=st.sampled_from(FILTERS), seed=st.integers(0, 2**16))
def test_random_sizes(w, h, ow, oh, name, seed):
    size = (ow, oh)
    x = image_array("F", h, w, seed)
    spec = spec_for(name, size, "F", input_size=(w, h))
    got = pillow(x, size, name).astype(np.float64)
    reference = pv.from_nhwc(spec.reference(pv.to_nhwc(x)), x.shape)
    assert np.abs(got - reference).max() <= float_bound(spec, x)
    if KERNELS[spec.kernel].pillow:
        np.testing.assert_array_equal(reference_in_pillow_order(spec, x), got)
    grey = image_array("L", h, w, seed)
    got8 = pillow(grey, size, name).astype(np.int64)
    ours8 = pv.from_nhwc(spec(pv.to_nhwc(grey)), grey.shape).astype(np.int64)
    bound = integer_bound(name, "L", (w, h), size)
    if bound is not None:
        assert np.abs(ours8 - got8).max() <= bound


# -- from_native: defaults, spellings, what is refused ---------------------------------------------------


def test_default_resample_is_pillows():
    x = image_array("L", 10, 15)
    image = Image.fromarray(x)
    np.testing.assert_array_equal(np.asarray(image.resize((7, 4))), np.asarray(image.resize((7, 4), R.BICUBIC)))
    assert pv.from_native({"size": (7, 4)}) == spec_for("BICUBIC", (7, 4))
    assert pv.DEFAULT_RESAMPLE == "BICUBIC"
    # "1" and "P": always NEAREST, whatever resample says
    for image_mode in ("1", "P"):
        other = image.convert(image_mode)
        np.testing.assert_array_equal(np.asarray(other.resize((7, 4), R.BICUBIC)),
                                      np.asarray(other.resize((7, 4), R.NEAREST)))
        spec = pv.from_native({"size": (7, 4), "resample": "BICUBIC", "mode": image_mode})
        assert spec.mode == "pillow-nearest"
        indices = np.asarray(other).astype(np.uint8)  # "1" reads as bool
        np.testing.assert_array_equal(pv.from_nhwc(spec(pv.to_nhwc(indices)), indices.shape),
                                      np.asarray(other.resize((7, 4), R.BICUBIC)).astype(np.uint8))


def test_resample_spellings():
    specs = {pv.from_native({"size": (3, 2), "resample": r})
             for r in (R.HAMMING, 5, "HAMMING", "hamming", "Image.Resampling.HAMMING", np.int64(5))}
    assert len(specs) == 1
    assert specs.pop() == Upsample(size=(2, 3), mode="hamming", antialias=True, data_format="NHWC")
    assert pv.FILTERS == {int(r): r.name for r in R}


def test_box_and_reducing_gap_where_they_change_nothing():
    x = image_array("F", 10, 15)
    image = Image.fromarray(x)
    plain = pv.from_native({"size": (7, 4), "resample": "BOX"})
    for box in ((0, 0, 15, 10), (0.0, 0.0, 15.0, 10.0), [0, 0, 15, 10]):
        assert pv.from_native({"size": (7, 4), "resample": "BOX", "box": box, "input_size": (15, 10)}) == plain
        np.testing.assert_array_equal(np.asarray(image.resize((7, 4), R.BOX, box=tuple(box))),
                                      np.asarray(image.resize((7, 4), R.BOX)))
    # int(15 / 7 / 2.5) == int(10 / 4 / 2.5) == 0 -> no Image.reduce step: the same numbers
    assert pv.from_native({"size": (7, 4), "resample": "BOX", "reducing_gap": 2.5, "input_size": (15, 10)}) == plain
    np.testing.assert_array_equal(np.asarray(image.resize((7, 4), R.BOX, reducing_gap=2.5)),
                                  np.asarray(image.resize((7, 4), R.BOX)))
    # NEAREST never reduces
    assert pv.from_native({"size": (2, 2), "resample": "NEAREST", "reducing_gap": 1.0}).mode == "pillow-nearest"
    # same size: Pillow copies before looking at the mode or the gap
    same = pv.from_native({"size": (15, 10), "mode": "RGBA", "reducing_gap": 1.0, "input_size": (15, 10)})
    assert same.size == (10, 15)


def test_reducing_gap_that_reduces_is_refused_and_would_change_the_numbers():
    x = image_array("F", 64, 64)
    image = Image.fromarray(x)
    reduced = np.asarray(image.resize((8, 8), R.BICUBIC, reducing_gap=2.0))  # reduce(4) first
    assert np.abs(reduced - np.asarray(image.resize((8, 8), R.BICUBIC))).max() > 1e-3
    with pytest.raises(ValueError, match=r"reducing_gap=2\.0 .* reduce it by \(4, 4\)"):
        pv.from_native({"size": (8, 8), "reducing_gap": 2.0, "input_size": (64, 64)})


@pytest.mark.parametrize("config, words", [
    ({"size": (8, 8), "resample": 99}, r"resample=99 .*NEAREST \(0\).*MKS2021 \(7\)"),
    ({"size": (8, 8), "resample": "ANTIALIAS"}, r"resample='ANTIALIAS'"),
    ({"size": (8, 8), "resample": True}, r"resample=True"),
    ({"size": (8, 8), "resample": 2.0}, r"resample=2\.0"),
    ({"size": (8, 8), "box": (0, 0, 4, 4), "input_size": (8, 8)}, r"box=\(0, 0, 4, 4\) is not the whole 8x8"),
    ({"size": (8, 8), "box": (0.5, 0, 8, 8), "input_size": (8, 8)}, r"box=\(0\.5, 0, 8, 8\)"),
    ({"size": (8, 8), "box": (0, 0, 16, 16)}, r"box=.* without input_size"),
    ({"size": (8, 8), "box": (0, 0, 16)}, r"box=\(0, 0, 16\); expected None or"),
    ({"size": (8, 8), "reducing_gap": 3.0}, r"reducing_gap=3\.0 without input_size"),
    ({"size": (8, 8), "reducing_gap": 0.5}, r"reducing_gap=0\.5; Pillow expects None or a number >= 1\.0"),
    ({"size": (8, 8), "mode": "RGBA"}, r"mode='RGBA' with resample=BICUBIC: .*premultiplied"),
    ({"size": (8, 8), "mode": "LA", "resample": "BOX"}, r"mode='LA' .*'La'"),
    ({"size": (8, 8), "mode": "XYZ"}, r"mode='XYZ' is not a Pillow image mode"),
    ({"size": (0, 8)}, r"size=\(0, 8\); expected \(width, height\)"),
    ({"size": 8}, r"size=8; expected \(width, height\)"),
    ({"size": (8, 8, 8)}, r"size=\(8, 8, 8\)"),
    ({"resample": "BOX"}, r"size is missing"),
    ({"size": (8, 8), "function": "PIL.Image.Image.thumbnail"}, r"function='PIL.Image.Image.thumbnail'"),
    ({"size": (8, 8), "antialias": True}, r"unknown keys \['antialias'\]"),
])
def test_refused(config, words):
    with pytest.raises(ValueError, match=words):
        pv.from_native(config)


def test_not_a_dict():
    with pytest.raises(TypeError, match="expected a dict of PIL.Image.Image.resize arguments"):
        pv.from_native([(8, 8)])


def test_rgba_nearest_and_premultiplied_modes_are_accepted():
    assert pv.from_native({"size": (4, 4), "mode": "RGBA", "resample": "NEAREST"}).mode == "pillow-nearest"
    x = image_array("RGB", 10, 15)
    rgba = np.concatenate([x, np.full((10, 15, 1), 255, np.uint8)], axis=-1)
    image = Image.fromarray(rgba).convert("RGBa")  # premultiplied: resized as it is
    spec = pv.from_native({"size": (7, 4), "mode": "RGBa", "resample": "BOX"})
    ours = pv.from_nhwc(spec(pv.to_nhwc(np.asarray(image))), rgba.shape)
    assert np.abs(ours.astype(int) - np.asarray(image.resize((7, 4), R.BOX))).max() <= 1


# -- native_call ----------------------------------------------------------------------------------


def _run(code, image):
    namespace: dict = {}
    exec(code, namespace)
    return np.asarray(namespace["resize"](image))


@pytest.mark.parametrize("name", FILTERS)
def test_native_call_computes_the_spec(name):
    spec = spec_for(name, (9, 4))
    code = pv.native_call(spec)
    assert code == f"from PIL import Image\nresize = lambda im: im.resize((9, 4), Image.Resampling.{name})"
    x = image_array("F", 10, 15, seed=6)
    got = _run(code, Image.fromarray(x)).astype(np.float64)
    reference = pv.from_nhwc(spec.reference(pv.to_nhwc(x)), x.shape)
    assert np.abs(got - reference).max() <= float_bound(spec, x)
    # the same spec in another layout or spelling: the same call
    other = Upsample(size=(4, 9), data_format="channels_first", **pv._SPEC_ARGUMENTS[name])
    assert pv.native_call(other) == code


def test_native_call_i16_nearest_and_scale_factor():
    assert pv.native_call(spec_for("NEAREST", (9, 4), "I;16")).endswith("Image.Resampling.NEAREST)")
    spec = Upsample(scale_factor=(0.5, 1.5), mode="box", antialias=True, recompute_scale_factor=True,
                    data_format="NHWC")
    code = pv.native_call(spec)
    assert "math.floor(im.width * 1.5), math.floor(im.height * 0.5)" in code
    x = image_array("F", 10, 15, seed=7)
    got = _run(code, Image.fromarray(x))
    assert got.shape == (5, 22)
    np.testing.assert_array_equal(reference_in_pillow_order(Upsample(size=(5, 22), mode="box", antialias=True,
                                                                      data_format="NHWC"), x), got)
    np.testing.assert_array_equal(spec.reference(pv.to_nhwc(x)),
                                  Upsample(size=(5, 22), mode="box", antialias=True,
                                           data_format="NHWC").reference(pv.to_nhwc(x)))


@pytest.mark.parametrize("spec", [
    Upsample(size=(4, 9), mode="nearest", data_format="NHWC"),  # floor of dst * in / out
    Upsample(size=(4, 9), mode="nearest-exact", data_format="NHWC"),  # float32 ties
    Upsample(size=(4, 9), mode="bilinear", data_format="NHWC"),  # not widened when shrinking
    Upsample(size=(4, 9), mode="bicubic", antialias=True, cubic_coeff_a=-0.75, data_format="NHWC"),
    Upsample(size=(4, 9), mode="bicubic", antialias=True, exclude_outside=False, data_format="NHWC"),
    Upsample(size=(4, 9), mode="lanczos5", antialias=True, data_format="NHWC"),
    Upsample(size=(4, 9), mode="box", data_format="NHWC"),  # Pillow always widens
    Upsample(size=(4, 9), mode="hamming", antialias=True, coordinate_transform="align_corners",
             data_format="NHWC"),
    Upsample(size=(4, 9), mode="area", data_format="NHWC"),
    Upsample(size=(4, 9, 2), mode="box", antialias=True),  # 3 spatial axes
    Upsample(scale_factor=2.0, mode="box", antialias=True, data_format="NHWC"),  # mapped with 1 / 2
])
def test_native_call_none(spec):
    assert pv.native_call(spec) is None


def test_round_trip():
    for name in FILTERS:
        for image_mode in ("L", "F", "I;16"):
            spec = spec_for(name, (6, 5), image_mode)
            assert pv.from_native({"size": (6, 5), "resample": pv._filter_of(spec), "mode": image_mode}) == spec


def test_layout_helpers():
    grey = np.zeros((5, 7), np.uint8)
    colour = np.zeros((5, 7, 3), np.uint8)
    assert pv.to_nhwc(grey).shape == (1, 5, 7, 1) and pv.to_nhwc(colour).shape == (1, 5, 7, 3)
    assert pv.from_nhwc(pv.to_nhwc(grey), grey.shape).shape == (5, 7)
    assert pv.from_nhwc(pv.to_nhwc(colour), colour.shape).shape == (5, 7, 3)
    with pytest.raises(ValueError, match="expected \\(height, width\\)"):
        pv.to_nhwc(np.zeros(3))
