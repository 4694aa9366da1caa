"""ONNX both ways: Upsample.to_onnx / from_onnx, torch's exporter, and where
onnxruntime disagrees with torch (measured, so a change shows up here).

Every expressible spec of the conformance catalogue runs in onnxruntime in
tests/test_native.py (the ``onnxruntime`` framework of the suite)."""

import importlib.util
import io

import numpy as np
import pytest

from unisample import Upsample, tolerance
from unisample.onnx import resize_attributes, resize_model, resize_nodes, spec_from_resize

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("onnx") is None or importlib.util.find_spec("onnxruntime") is None,
    reason="onnx and onnxruntime are needed")
HAS_TORCH = importlib.util.find_spec("torch") is not None


def onnxruntime_session(model):
    import onnxruntime

    return onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def run_ort(model, x):
    session = onnxruntime_session(model)
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def x_of(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def assert_reference(spec, x, y):
    expected = spec.reference(x)
    assert y.shape == expected.shape
    if spec.kernel == "nearest":
        np.testing.assert_array_equal(y, expected.astype(np.float32))
    else:
        resized = [x.shape[a] for a in spec.spatial_axes(x.ndim) if x.shape[a] != y.shape[a]]
        error = tolerance.error_in_eps(y, expected, "float32", tolerance.scale_of(x))
        assert error <= tolerance.bound_in_eps("float32", resized)


SPECS = [
    Upsample(scale_factor=2, mode="bilinear", align_corners=True),
    Upsample(scale_factor=(2.5, 1.5), mode="bilinear"),
    Upsample(size=(5, 9), mode="bicubic"),
    Upsample(size=(5, 9), mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True),
    Upsample(size=(3, 2), mode="bicubic", antialias=True),
    Upsample(scale_factor=2.5),
    Upsample(size=(10, 8), mode="nearest-exact"),
    Upsample(size=(10, 8), mode="nearest-exact", data_format="channels_last"),
    Upsample(size=(4, 6, 5), mode="trilinear", align_corners=True),
]


@pytest.mark.parametrize("spec", SPECS, ids=repr)
def test_to_onnx_runs_in_onnxruntime_static_and_dynamic_and_reads_back(spec):
    rank = spec.spatial_rank or 2
    shape = (2, 7, 5, 3)[: rank + 2] if spec.channels_last else (2, 3, 7, 5, 4)[: rank + 2]
    x = x_of(shape)
    for model in (spec.to_onnx(shape), spec.to_onnx(ndim=len(shape))):
        assert_reference(spec, x, run_ort(model, x))
        back = Upsample.from_onnx(model)
        # scale factors come back with ONNX's rule for unchanged axes (never copied)
        expected = spec if spec.scale_factor is None else Upsample.from_dict(
            {**spec.to_dict(), "scale_factor": back.scale_factor, "same_size_copy": "never"})
        assert back == expected


def test_opset_11_with_sizes_needs_the_input_shape():
    spec = Upsample(size=(10, 8), mode="bilinear")
    with pytest.raises(ValueError, match="pass input_shape="):
        spec.to_onnx(ndim=4, opset=11)
    x = x_of((2, 3, 7, 5))
    assert_reference(spec, x, run_ort(spec.to_onnx(x.shape, opset=11), x))


@pytest.mark.parametrize("spec, missing", [
    (Upsample(size=4, mode="area"), "no 'area' mode"),
    (Upsample(size=(4, 4), mode="lanczos3"), "no 'lanczos3' mode"),
    (Upsample(size=(4, 4), mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True, cubic_table_size=1024),
     "1024-entry coefficient table"),
    (Upsample(size=(3, 2), mode="bicubic", antialias=True, align_corners=True), "align_corners"),
    (Upsample(scale_factor=2, mode="bilinear", coordinate_transform="paddle_half_pixel"), "length-1 output"),
])
def test_what_onnx_cannot_say_is_named(spec, missing):
    with pytest.raises(ValueError, match=missing):
        spec.to_onnx(ndim=4)


@pytest.mark.parametrize("spec, opset, newer", [
    (Upsample(size=(3, 2), mode="bilinear", coordinate_transform="half_pixel_symmetric"), 18, "opset 19"),
    (Upsample(size=(3, 2), keep_aspect_ratio_policy="not_larger"), 17, "opset 18"),
    (Upsample(size=(3, 2), mode="bilinear", antialias=True), 17, "opset 18"),
])
def test_what_an_older_opset_cannot_say_is_named(spec, opset, newer):
    with pytest.raises(ValueError, match=newer):
        spec.to_onnx(ndim=4, opset=opset)


def test_pytorch_copy_rule_for_unchanged_axes_is_checked_when_the_shape_is_known():
    spec = Upsample(scale_factor=1.1, mode="bilinear")  # torch copies an axis of length 5 (floor(5.5) == 5)
    with pytest.raises(ValueError, match="keeps its length 5"):
        spec.to_onnx((1, 1, 5, 20))
    x = x_of((1, 1, 20, 20))
    assert_reference(spec, x, run_ort(spec.to_onnx(x.shape), x))


@pytest.mark.parametrize("attributes, inputs", [
    # ONNX's defaults: half_pixel, round_prefer_floor, and a downscale by 2 has ties
    (dict(mode="nearest"), dict(scales=[1, 1, 0.5, 0.5])),
    (dict(mode="nearest", nearest_mode="ceil"), dict(scales=[1, 1, 0.5, 0.5])),
    (dict(mode="nearest", coordinate_transformation_mode="tf_half_pixel_for_nn", nearest_mode="round_prefer_ceil"),
     dict(scales=[1, 1, 1.5, 0.75])),
    (dict(mode="linear", coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-3.0),
     dict(scales=[1, 1, 1.5, 1.5], roi=[0, 0, -0.2, 0.3, 1, 1, 0.9, 1.4])),
    (dict(mode="nearest", coordinate_transformation_mode="tf_crop_and_resize", axes=[3, 2]),
     dict(sizes=[5, 4], roi=[0.1, -0.1, 0.8, 1.2])),
    (dict(mode="linear", coordinate_transformation_mode="half_pixel_symmetric"), dict(scales=[1, 1, 0.7, 1.7])),
    (dict(mode="cubic", keep_aspect_ratio_policy="not_larger", axes=[2, 3]), dict(sizes=[5, 9])),
    (dict(mode="cubic", keep_aspect_ratio_policy="not_smaller", axes=[3, 2]), dict(sizes=[5, 9])),
    (dict(mode="cubic", axes=[-1, -2]), dict(sizes=[5, 9])),
    (dict(mode="linear", antialias=1, axes=[2, 3]), dict(sizes=[3, 2])),  # exclude_outside=0: edges repeated
    (dict(mode="cubic", antialias=1), dict(scales=[1, 1, 0.4, 0.6])),
    (dict(mode="cubic", coordinate_transformation_mode="pytorch_half_pixel", axes=[2, 3]), dict(sizes=[1, 3])),
    (dict(mode="linear", axes=[3]), dict(scales=[2.5])),
])
def test_from_onnx_reads_onnx_vocabulary_as_onnxruntime_computes_it(attributes, inputs):
    """Each attribute ONNX has and no framework: read, applied by the numpy adapter,
    equal to onnxruntime's output (and written back by to_onnx)."""
    x = x_of((1, 2, 6, 7))
    sizes, scales = inputs.get("sizes"), inputs.get("scales")
    model = resize_model(attributes, scales, sizes, x.shape, 4, roi=inputs.get("roi"))
    spec = Upsample.from_onnx(model)
    assert_reference(spec, x, run_ort(model, x))
    assert_reference(spec, x, spec(x))
    assert_reference(spec, x, run_ort(spec.to_onnx(x.shape), x))


@pytest.mark.parametrize("attributes, inputs, refused", [
    (dict(mode="linear", antialias=1, coordinate_transformation_mode="align_corners"), dict(scales=[1, 1, .5, .5]),
     "centred on half-pixel"),
    (dict(mode="linear", coordinate_transformation_mode="tf_crop_and_resize"), dict(scales=[1, 1, 2, 2]),
     "needs a constant roi"),
    (dict(mode="linear", axes=[3]), dict(sizes=[9]), "pass input_shape="),
    (dict(mode="linear", axes=[-1, -2]), dict(sizes=[9, 9]), "pass input_shape="),
    (dict(mode="linear", coordinate_transformation_mode="tf_crop_and_resize"), dict(sizes=[1, 2, 4, 4],
     roi=[0, 0, 0, 0, 1, 0.5, 1, 1]), "crops axis 1"),
    (dict(mode="area"), dict(scales=[1, 1, 2, 2]), "expected one of"),
])
def test_from_onnx_refuses_what_unisample_cannot_reproduce(attributes, inputs, refused):
    with pytest.raises(ValueError, match=refused):
        spec_from_resize(attributes, **inputs)


@pytest.mark.parametrize("axes, scales", [
    ([2, 3, 4, 5], [2, 2, 2, 2]),  # four spatial axes
    ([0, 1], [2, 2]),              # the batch
    ([2, 2], [2, 2]),              # one axis twice
    ([2, 3], [2, 2, 2]),           # not one scale per axis
    (5, [2]),                      # not a list
])
def test_from_onnx_refuses_bad_axes_with_a_value_error(axes, scales):
    with pytest.raises(ValueError, match=r"axes .* expected 1 to 3 distinct axes"):
        spec_from_resize(dict(mode="linear", axes=axes), scales=scales)
    assert spec_from_resize(dict(mode="linear", axes=[2, 3]), scales=[2, 2]).scale_factor == (2.0, 2.0)


def test_onnx_default_nearest_is_read_where_ties_cannot_happen():
    # round_prefer_floor equals round_prefer_ceil for integer upscaling with half-pixel centres
    spec = spec_from_resize({"mode": "nearest"}, scales=[1, 1, 2, 3])
    assert spec.mode == "nearest-exact"
    x = x_of((1, 2, 5, 4))
    model = resize_model({"mode": "nearest"}, [1, 1, 2, 3], None, x.shape, 4)
    np.testing.assert_array_equal(run_ort(model, x), spec.reference(x).astype(np.float32))


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("module_kwargs", [
    dict(scale_factor=2, mode="bilinear", align_corners=True),
    dict(scale_factor=2, mode="bilinear"),
    dict(scale_factor=2, mode="nearest"),
    dict(size=(11, 9), mode="bicubic"),
    dict(scale_factor=2, mode="bicubic", align_corners=True),
])
def test_from_onnx_reads_torch_exported_models(module_kwargs):
    import torch

    module = torch.nn.Upsample(**module_kwargs)
    x = x_of((1, 3, 7, 5))
    buffer = io.BytesIO()
    torch.onnx.export(module, (torch.from_numpy(x),), buffer, dynamo=False, opset_version=17)
    import onnx

    model = onnx.load_from_string(buffer.getvalue())
    spec = Upsample.from_onnx(model)
    with torch.no_grad():
        expected = module(torch.from_numpy(x)).numpy()
    assert_reference(spec, x, expected)  # the spec read from ONNX computes torch's numbers
    (node, found), = resize_nodes(model)
    assert found == spec and node.op_type == "Resize"


def test_measured_disagreements_with_torch_are_still_there():
    """Where ONNX (onnxruntime and the ONNX reference agree) and the
    frameworks differ.  If a release changes one, this fails."""
    from onnx.reference import ReferenceEvaluator

    x = x_of((1, 1, 8, 8))
    # antialiased linear: ONNX's default exclude_outside=0 repeats the edge
    # pixel under the widened kernel; torch/TF antialias=True drop those taps,
    # which is ONNX's exclude_outside=1
    model = resize_model({"mode": "linear", "antialias": 1, "axes": [2, 3]}, None, [3, 3], x.shape, 4, (1, 1, 3, 3))
    torch_like = Upsample(size=(3, 3), mode="bilinear", antialias=True)
    onnx_like = Upsample(size=(3, 3), mode="bilinear", antialias=True, exclude_outside=False)
    assert np.abs(run_ort(model, x) - torch_like.reference(x)).max() > 0.1
    assert np.abs(ReferenceEvaluator(model).run(None, {"x": x})[0] - torch_like.reference(x)).max() > 0.1
    assert_reference(onnx_like, x, run_ort(model, x))
    assert resize_attributes(torch_like)["exclude_outside"] == 1
    assert_reference(torch_like, x, run_ort(torch_like.to_onnx(x.shape), x))
    # a length-1 output: pytorch_half_pixel samples 0, torch samples the centre
    model = resize_model({"mode": "linear", "coordinate_transformation_mode": "pytorch_half_pixel",
                          "axes": [2, 3]}, None, [1, 1], x.shape, 4, (1, 1, 1, 1))
    expected = Upsample(size=(1, 1), mode="bilinear").reference(x)
    assert abs(float(run_ort(model, x).ravel()[0]) - float(x[0, 0, 0, 0])) < 1e-6
    assert abs(float(expected.ravel()[0]) - float(x[0, 0, 0, 0])) > 0.1
    read = spec_from_resize({"mode": "linear", "coordinate_transformation_mode": "pytorch_half_pixel"},
                            sizes=[1, 1, 1, 1])
    assert read.coordinate_transform == "pytorch_half_pixel"
    assert_reference(read, x, run_ort(model, x))
    # negative axes with a kept aspect ratio: onnxruntime 1.32 returns the
    # input unchanged (with axes [3, 2] it resizes; ONNX's reference fails
    # on any negative axes), unisample reads them as the axes they count to
    x = x_of((1, 2, 6, 7))
    model = resize_model({"mode": "cubic", "keep_aspect_ratio_policy": "not_smaller", "axes": [-1, -2]}, None,
                         [5, 9], x.shape, 4)
    assert run_ort(model, x).shape == x.shape
    assert Upsample.from_onnx(model).output_shape(x.shape) == (1, 2, 9, 11)
    # 5-D tf_crop_and_resize cropping the depth axis: onnxruntime 1.32 lands
    # far from ONNX's reference, which unisample's numbers equal
    roi = ((0.168, 0.786), (-0.016, 1.056), (-0.261, 1.069))
    for mode in ("nearest", "trilinear"):
        spec = Upsample(size=(7, 6, 7), mode=mode, coordinate_transform="tf_crop_and_resize", roi=roi)
        x = x_of((1, 1, 7, 3, 5))
        model = spec.to_onnx(x.shape)
        assert np.abs(run_ort(model, x) - spec.reference(x)).max() > 1.0
        assert_reference(spec, x, ReferenceEvaluator(model).run(None, {"x": x})[0])
    # nothing outside the spec's vocabulary leaks into the attributes
    assert set(resize_attributes(Upsample(size=(3, 3), mode="bicubic", antialias=True))) == {
        "mode", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "antialias"}


@pytest.mark.skipif(importlib.util.find_spec("torch") is None or importlib.util.find_spec("onnxscript") is None,
                    reason="needs torch and onnxscript (the onnx extra)")
def test_torch_onnx_export_of_the_torch_layer_works_with_the_default_exporter(tmp_path):
    import onnxruntime
    import torch

    layer = Upsample(scale_factor=2, mode="bilinear").to_torch()
    x = torch.randn(1, 3, 8, 8)
    path = str(tmp_path / "up.onnx")
    torch.onnx.export(layer, (x,), path)  # torch's default (dynamo) exporter needs onnxscript
    session = onnxruntime.InferenceSession(path)
    y = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    assert np.abs(y - layer(x).numpy()).max() < 1e-5


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("dynamo", [False, True], ids=["legacy", "dynamo"])
@pytest.mark.parametrize("builder", ["faster_rcnn_transform_model", "unet_skip_model"])
def test_from_onnx_folds_sizes_torch_computes_from_shape(builder, dynamo):
    """torch's exporters compute a resize's sizes from Shape (H and W dynamic):
    with input_shape=, from_onnx gives the spec whose numbers onnxruntime computes,
    for the exported shape and another one."""
    import onnx
    import onnx_models

    if dynamo:
        pytest.importorskip("onnxscript")
    model, shape = getattr(onnx_models, builder)(dynamo)
    (node, _), = resize_nodes(model, input_shape=shape)
    with pytest.raises(ValueError, match="input_shape="):  # H and W are dynamic: no spec without a shape
        Upsample.from_onnx(model)
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.append(onnx.helper.make_tensor_value_info(node.input[0], onnx.TensorProto.FLOAT, None))
    probe.graph.output.append(onnx.helper.make_tensor_value_info(node.output[0], onnx.TensorProto.FLOAT, None))
    for input_shape in (shape, shape[:-2] + (shape[-2] + 13, shape[-1] - 9)):
        spec = Upsample.from_onnx(model, input_shape=input_shape)
        session = onnxruntime_session(probe)
        *_, resize_input, resize_output = session.run(None, {session.get_inputs()[0].name: x_of(input_shape)})
        assert_reference(spec, resize_input, resize_output)
