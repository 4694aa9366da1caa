"""The Upsample spec: validation, equality, serialisation, shapes, dispatch."""

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

import unisample
from unisample import Upsample

# (kwargs, error type, words the message must contain: the argument, the value, what is allowed)
BAD = [
    (dict(), ValueError, ["size and scale_factor", "exactly one"]),
    (dict(size=4, scale_factor=2), ValueError, ["size and scale_factor", "exactly one"]),
    (dict(size=0), ValueError, ["size", "0", "positive integer"]),
    (dict(size=-3), ValueError, ["size", "-3", "positive integer"]),
    (dict(size=(4, 0)), ValueError, ["size", "(4, 0)", "positive integer"]),
    (dict(size=2.5), TypeError, ["size", "2.5", "positive integer"]),
    (dict(size=True), TypeError, ["size", "True", "positive integer"]),
    (dict(size="4"), TypeError, ["size", "'4'", "positive integer"]),
    (dict(size=(1, 2, 3, 4)), ValueError, ["size", "4 values", "1, 2 or 3"]),
    (dict(size=()), ValueError, ["size", "()", "1, 2 or 3"]),
    (dict(scale_factor=0), ValueError, ["scale_factor", "0", "positive finite"]),
    (dict(scale_factor=-2.0), ValueError, ["scale_factor", "-2.0", "positive finite"]),
    (dict(scale_factor=float("nan")), ValueError, ["scale_factor", "nan", "positive finite"]),
    (dict(scale_factor=float("inf")), ValueError, ["scale_factor", "inf", "positive finite"]),
    (dict(scale_factor=(2, float("inf"))), ValueError, ["scale_factor", "inf", "positive finite"]),
    (dict(scale_factor="2"), TypeError, ["scale_factor", "'2'", "positive finite"]),
    (dict(scale_factor=None, size=None, mode="bilinear"), ValueError, ["exactly one"]),
    (dict(size=4, mode="cubic"), ValueError, ["mode", "'cubic'", "'bicubic'"]),
    (dict(size=4, mode=3), TypeError, ["mode", "3", "'nearest'"]),
    (dict(size=4, mode="bilinear", data_format="NHCW"), ValueError, ["data_format", "'NHCW'", "'NHWC'"]),
    (dict(size=(4, 4, 4), mode="bilinear"), ValueError, ["spatial axes", "mode='bilinear'", "size=(4, 4, 4)"]),
    (dict(size=4, mode="linear", data_format="NCHW"), ValueError, ["spatial axes", "mode='linear'", "NCHW"]),
    (dict(size=4, mode="nearest", align_corners=True), ValueError,
     ["align_corners", "True", "'nearest'", "coordinate_transform='align_corners'"]),
    (dict(size=4, mode="area", align_corners=False), ValueError, ["align_corners", "'area'", "'bilinear'"]),
    (dict(size=4, mode="bilinear", align_corners=1), TypeError, ["align_corners", "1", "True, False or None"]),
    (dict(size=4, mode="nearest", antialias=True), ValueError, ["antialias", "'nearest'", "'bicubic'"]),
    (dict(size=4, mode="area", antialias=True), ValueError, ["antialias", "'area'"]),
    (dict(size=4, mode="bilinear", antialias="yes"), TypeError, ["antialias", "'yes'", "True or False"]),
    (dict(size=4, recompute_scale_factor=True), ValueError, ["recompute_scale_factor", "scale_factor"]),
    (dict(size=4, mode="area", coordinate_transform="half_pixel"), ValueError, ["coordinate_transform", "'area'"]),
    (dict(size=4, mode="bilinear", coordinate_transform="tf_resize"), ValueError,
     ["coordinate_transform", "'tf_resize'", "'half_pixel'", "'tf_crop_and_resize'"]),
    (dict(size=4, mode="bilinear", coordinate_transform="tf_crop_and_resize"), ValueError,
     ["roi", "None", "'tf_crop_and_resize'", "needs one", "(start, end) pair"]),
    (dict(size=4, mode="bilinear", roi=(0, 1)), ValueError, ["roi", "(0, 1)", "only read by", "'tf_crop_and_resize'"]),
    (dict(size=4, mode="bilinear", coordinate_transform="tf_crop_and_resize", roi=(0, 1, 2)), ValueError,
     ["roi", "(0, 1, 2)", "(start, end) pair"]),
    (dict(size=4, mode="bilinear", coordinate_transform="tf_crop_and_resize", roi=((0, float("nan")), (0, 1))),
     ValueError, ["roi", "nan", "finite"]),
    (dict(size=(4, 4, 4), coordinate_transform="tf_crop_and_resize", roi=((0, 1), (0, 1))), ValueError,
     ["spatial axes", "size=(4, 4, 4)", "roi="]),
    (dict(size=4, mode="bilinear", extrapolation_value=1.0), ValueError,
     ["extrapolation_value", "1.0", "'tf_crop_and_resize'"]),
    (dict(size=4, mode="bilinear", coordinate_transform="tf_crop_and_resize", roi=(0, 1), extrapolation_value="0"),
     TypeError, ["extrapolation_value", "'0'", "a number"]),
    (dict(size=4, mode="area", coordinate_transform="half_pixel_symmetric"), ValueError,
     ["coordinate_transform", "'area'"]),
    (dict(size=4, mode="box", coordinate_transform="half_pixel_symmetric"), ValueError,
     ["coordinate_transform", "'half_pixel_symmetric'", "'box'", "'bicubic'"]),
    (dict(size=4, mode="bilinear", antialias=True, coordinate_transform="pytorch_half_pixel"), ValueError,
     ["antialias", "'pytorch_half_pixel'", "half-pixel"]),
    (dict(size=4, nearest_mode="round"), ValueError, ["nearest_mode", "'round'", "'round_prefer_floor'"]),
    (dict(size=4, nearest_mode=1), TypeError, ["nearest_mode", "1", "'ceil'"]),
    (dict(size=4, mode="bilinear", nearest_mode="ceil"), ValueError, ["nearest_mode", "'ceil'", "'bilinear'"]),
    (dict(scale_factor=2, keep_aspect_ratio_policy="not_larger"), ValueError,
     ["keep_aspect_ratio_policy", "'not_larger'", "size="]),
    (dict(size=4, keep_aspect_ratio_policy="fit"), ValueError, ["keep_aspect_ratio_policy", "'fit'", "'not_smaller'"]),
    (dict(size=4, mode="bilinear", align_corners=True, coordinate_transform="asymmetric"), ValueError,
     ["coordinate_transform", "'asymmetric'", "align_corners=True", "contradict"]),
    (dict(size=4, mode="bilinear", cubic_coeff_a=-0.5), ValueError, ["cubic_coeff_a", "-0.5", "'bicubic'"]),
    (dict(size=4, mode="bicubic", cubic_coeff_a=float("nan")), ValueError, ["cubic_coeff_a", "nan", "finite"]),
    (dict(size=4, mode="bicubic", cubic_coeff_a="a"), TypeError, ["cubic_coeff_a", "'a'", "finite number"]),
    (dict(size=4, mode="bilinear", exclude_outside=True), ValueError, ["exclude_outside", "'bilinear'", "'bicubic'"]),
    (dict(size=4, mode="bicubic", antialias=True, cubic_table_size=1024), ValueError,
     ["cubic_table_size", "1024", "non-antialiased"]),
    (dict(size=4, mode="bicubic", cubic_table_size=0), ValueError, ["cubic_table_size", "0", "positive integer"]),
    (dict(size=4, mode="bicubic", cubic_table_size=10.5), TypeError, ["cubic_table_size", "10.5", "positive integer"]),
    (dict(size=4, mode="area", area_weights="gaussian"), ValueError, ["area_weights", "'gaussian'", "'overlap'"]),
    (dict(size=4, mode="bilinear", area_weights="overlap"), ValueError, ["area_weights", "'bilinear'", "'area'"]),
    (dict(size=4, mode="bilinear", same_size_copy="never"), ValueError, ["same_size_copy", "'never'", "scale_factor"]),
    (dict(scale_factor=2, mode="bilinear", same_size_copy="always"), ValueError,
     ["same_size_copy", "'always'", "'each_axis'"]),
]


@pytest.mark.parametrize("kwargs, error, words", BAD, ids=[repr(b[0]) for b in BAD])
def test_bad_arguments_are_refused_at_construction(kwargs, error, words):
    with pytest.raises(error) as info:
        Upsample(**kwargs)
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


GOOD = [
    dict(scale_factor=2),
    dict(size=(3, 4), mode="bilinear", align_corners=True),
    dict(scale_factor=2.5, mode="bicubic"),
    dict(size=5, mode="bicubic", antialias=True),
    dict(size=5, mode="nearest-exact", coordinate_transform="align_corners"),
    dict(size=4, mode="area", area_weights="overlap"),
    dict(size=(4, 5, 6), mode="lanczos3", antialias=True, data_format="NDHWC"),
    dict(scale_factor=(2, 3), mode="bilinear", coordinate_transform="paddle_half_pixel", same_size_copy="all_axes"),
    dict(size=(7, 7), mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True, cubic_table_size=1024,
         data_format="channels_last"),
    dict(scale_factor=1.5, mode="linear", recompute_scale_factor=True),
    # ONNX Resize's vocabulary
    dict(size=(4, 6), mode="bilinear", coordinate_transform="tf_crop_and_resize", roi=((0.1, 0.9), (-0.2, 1.1)),
         extrapolation_value=-1.0),
    dict(size=3, coordinate_transform="tf_crop_and_resize", roi=(0.2, 0.7)),
    dict(scale_factor=2, mode="nearest-exact", nearest_mode="round_prefer_floor"),
    dict(scale_factor=0.7, nearest_mode="ceil", coordinate_transform="half_pixel_symmetric"),
    dict(size=(9, 9), mode="bicubic", keep_aspect_ratio_policy="not_smaller"),
    dict(size=(3, 3), mode="bilinear", antialias=True, exclude_outside=False),
    dict(size=1, mode="bicubic", coordinate_transform="pytorch_half_pixel"),
]


def test_onnx_vocabulary_resolves_to_the_framework_modes_where_it_is_theirs():
    # floor is the mode nearest, round_prefer_ceil nearest-exact (the mode decides nothing else with size=)
    assert Upsample(size=3, nearest_mode="round_prefer_ceil", coordinate_transform="half_pixel") == Upsample(
        size=3, mode="nearest-exact")
    assert Upsample(size=3, mode="nearest-exact", nearest_mode="floor") == Upsample(
        size=3, mode="nearest", coordinate_transform="half_pixel")
    assert not Upsample(size=3, mode="nearest-exact").onnx_only
    assert Upsample(size=3, mode="nearest-exact", nearest_mode="ceil").onnx_only
    # antialiased linear drops the outside taps unless told (torch's and TF's antialias=True)
    assert Upsample(size=3, mode="bilinear", antialias=True).exclude_outside is True
    assert Upsample(size=3, mode="bilinear", antialias=True, exclude_outside=False).onnx_only
    assert Upsample(size=3, mode="bilinear").exclude_outside is None
    # a kept aspect ratio: one scale for every axis, lengths rounded half up
    spec = Upsample(size=(7, 8), keep_aspect_ratio_policy="not_larger")
    assert spec.output_size((2, 2)) == (7, 7) and spec.aspect_scale((2, 2)) == 3.5
    assert Upsample(size=(7, 8), keep_aspect_ratio_policy="not_smaller").output_size((2, 2)) == (8, 8)
    assert Upsample(size=(3, 3), keep_aspect_ratio_policy="not_larger").output_size((4, 7)) == (2, 3)


@pytest.mark.parametrize("kwargs", GOOD, ids=[repr(g) for g in GOOD])
def test_repr_dict_json_and_pickle_round_trip(kwargs):
    up = Upsample(**kwargs)
    assert eval(repr(up), {"Upsample": Upsample}) == up
    assert Upsample.from_dict(json.loads(json.dumps(up.to_dict()))) == up
    assert pickle.loads(pickle.dumps(up)) == up
    assert hash(Upsample(**kwargs)) == hash(up)


def test_defaults_resolve_so_equal_behaviour_is_equal():
    assert Upsample(size=3, mode="bilinear") == Upsample(
        size=3, mode="bilinear", align_corners=False, coordinate_transform="half_pixel")
    assert Upsample(size=3, mode="bilinear", align_corners=True) == Upsample(
        size=3, mode="bilinear", coordinate_transform="align_corners")
    assert Upsample(size=3, mode="bicubic").cubic_coeff_a == -0.75
    assert Upsample(size=3, mode="bicubic", antialias=True).cubic_coeff_a == -0.5  # PyTorch's aa kernel
    assert Upsample(size=3, mode="nearest").coordinate_transform == "asymmetric"
    assert Upsample(size=3, mode="nearest-exact").coordinate_transform == "half_pixel"
    assert Upsample(scale_factor=2).recompute_scale_factor is False
    assert Upsample(size=3, mode="bilinear") != Upsample(size=3, mode="bilinear", antialias=True)
    assert repr(Upsample(size=3, mode="bilinear")) == "Upsample(size=3, mode='bilinear')"


def test_from_dict_refuses_unknown_keys_and_non_dicts():
    with pytest.raises(ValueError, match="unknown keys.*'scale'"):
        Upsample.from_dict({"size": 3, "scale": 2})
    with pytest.raises(TypeError, match="from_dict: got list"):
        Upsample.from_dict([("size", 3)])


def test_immutable():
    up = Upsample(size=3)
    with pytest.raises(AttributeError, match="immutable"):
        up.size = 4
    with pytest.raises(AttributeError, match="immutable"):
        del up.mode


def test_output_shape_follows_pytorch_rules():
    # floor(in * scale), per axis; channels first and last; size broadcast.
    assert Upsample(scale_factor=2.5).output_shape((2, 3, 7, 5)) == (2, 3, 17, 12)
    assert Upsample(scale_factor=(0.5, 1.5), data_format="NHWC").output_shape((2, 7, 5, 3)) == (2, 3, 7, 3)
    assert Upsample(size=4).output_shape((1, 1, 9)) == (1, 1, 4)
    assert Upsample(size=(4, 5, 6)).output_shape((1, 2, 9, 9, 9)) == (1, 2, 4, 5, 6)


def test_call_time_errors_name_the_shape():
    x4 = np.zeros((1, 2, 5, 5), np.float32)
    with pytest.raises(ValueError, match=r"input has 4 dimensions.*expects 3"):
        Upsample(size=4, mode="linear")(x4)
    with pytest.raises(ValueError, match=r"input has 4 dimensions; Upsample\(size=\(4, 4, 4\)\) expects 5"):
        Upsample(size=(4, 4, 4))(x4)
    with pytest.raises(ValueError, match=r"size=\(4, 4\) has 2 values but the input has 1 spatial axes"):
        Upsample(size=(4, 4)).output_size((5,))
    with pytest.raises(ValueError, match=r"input has 2 dimensions.*expects 3, 4 or 5"):
        Upsample(size=4)(np.zeros((5, 5), np.float32))
    with pytest.raises(ValueError, match=r"output size \(0, 0\).*at least 1"):
        Upsample(scale_factor=0.1)(x4)
    with pytest.raises(TypeError, match=r"cannot resize a builtins.list.*numpy.ndarray"):
        Upsample(size=4)([[1.0, 2.0]])
    with pytest.raises(TypeError, match="dtype bool"):
        Upsample(size=4)(np.zeros((1, 1, 3), bool))


def test_functional_form_equals_the_layer():
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 4)).astype(np.float32)
    np.testing.assert_array_equal(
        unisample.resize(x, scale_factor=2, mode="bicubic", align_corners=True),
        Upsample(scale_factor=2, mode="bicubic", align_corners=True)(x))


def test_import_unisample_imports_no_framework():
    code = ("import unisample, unisample.adapters, unisample.conformance.cases, unisample.tolerance, sys;"
            "print([m for m in ('torch','tensorflow','paddle','jax','keras') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_arrays_are_recognised_without_importing_their_framework(monkeypatch):
    # A class whose module claims to be jax's, and a stand-in "jax" module:
    # recognition reads type(x) and sys.modules, and imports nothing.
    from unisample.adapters import adapter_for, jax as jax_adapter

    class Array:
        pass

    class Unloaded:  # the same claim, but its framework is not loaded: refused, nothing imported
        pass

    Array.__module__ = Unloaded.__module__ = "jaxlib._jax"
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    with pytest.raises(TypeError, match="cannot resize a jaxlib._jax"):
        adapter_for(Unloaded())
    assert "jax" not in sys.modules
    fake_jax = type(sys)("jax")
    fake_jax.Array = Array
    monkeypatch.setitem(sys.modules, "jax", fake_jax)
    assert jax_adapter.is_array(Array()) and not jax_adapter.is_array(Unloaded())
    assert adapter_for(Array()) is jax_adapter


def test_crop_and_resize_by_hand():
    # a plane whose value is 4 * row + column: bilinear interpolation of it is exact,
    # so the output is 4 * source row + source column, sources by TF's formula
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    spec = Upsample(size=3, mode="bilinear", coordinate_transform="tf_crop_and_resize",
                    roi=((0.4, 0.6), (0.6, 1.2)), extrapolation_value=-7.0)
    rows = 0.4 * 3 + np.arange(3) * (0.2 * 3) / 2  # start * (in - 1) + j * (end - start) * (in - 1) / (out - 1)
    cols = 0.6 * 3 + np.arange(3) * (0.6 * 3) / 2  # the last, 3.6, lies past the last pixel (3)
    expected = 4 * rows[:, None] + cols[None, :]
    expected[:, 2] = -7.0
    np.testing.assert_allclose(spec(x)[0, 0], expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(spec.reference(x)[0, 0], expected, rtol=0, atol=1e-12)
