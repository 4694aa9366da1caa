"""``torch.onnx.export`` of ``Upsample.to_torch()``: the Resize node ``to_onnx``
writes where ONNX can express the spec (legacy and dynamo exporters), the
adapter's computation elsewhere, and onnxruntime reproducing torch either way."""

import io
import warnings

import numpy as np
import pytest

from unisample import Upsample, tolerance
from unisample.onnx import resize_attributes

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

#: (spec, input shape): each expressible in ONNX (once resize_attributes says so)
EXPRESSIBLE = [
    (Upsample(scale_factor=2, mode="nearest-exact"), (1, 2, 8, 8)),
    (Upsample(size=(3, 3), mode="bilinear", antialias=True), (1, 2, 8, 8)),
    (Upsample(size=(3, 2), mode="bilinear", antialias=True), (1, 2, 7, 5)),
    (Upsample(scale_factor=2, mode="bilinear"), (1, 2, 8, 8)),
    (Upsample(size=(5, 7), mode="bicubic", align_corners=True), (1, 2, 8, 8)),
    (Upsample(scale_factor=2.5), (1, 2, 7, 5)),  # nearest (floor), a non-integer scale
    # ONNX's own vocabulary, which only the taps compute in torch
    (Upsample(size=(3, 5), mode="nearest-exact", nearest_mode="round_prefer_floor"), (1, 2, 6, 10)),
    (Upsample(size=(4, 6), mode="bilinear", coordinate_transform="tf_crop_and_resize",
              roi=((0.1, 1.2), (-0.2, 0.7)), extrapolation_value=-1.0), (1, 2, 6, 7)),
    (Upsample(size=(9, 8), mode="bicubic", keep_aspect_ratio_policy="not_larger"), (1, 2, 6, 7)),
    (Upsample(size=(4, 3), mode="bilinear", antialias=True, exclude_outside=False), (1, 2, 8, 8)),
]
#: specs ONNX cannot express: they export as the adapter's operations
INEXPRESSIBLE = [
    (Upsample(size=(4, 3), mode="area"), (1, 2, 8, 6)),  # divisible: torch exports AveragePool
    (Upsample(size=(10, 9), mode="lanczos3"), (1, 2, 7, 5)),
]
#: "legacy" with an opset, or "dynamo" (torch's default exporter, opset 18 and later)
EXPORTERS = ["legacy18", "legacy17", "dynamo"]


def x_of(shape, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def export(layer, x, exporter):
    """The ONNX model ``exporter`` writes for ``layer`` on ``x``."""
    if exporter == "dynamo":
        pytest.importorskip("onnxscript")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return torch.onnx.export(layer, (x,), dynamo=True, verbose=False).model_proto
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter's deprecation warning
        torch.onnx.export(layer, (x,), buffer, dynamo=False, opset_version=int(exporter[-2:]))
    return onnx.load_from_string(buffer.getvalue())


def run_ort(model, x):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]


def assert_reproduces(spec, x, y, expected):
    """``y`` (onnxruntime) against ``expected`` (torch eager), by ``tolerance.compare``'s rule."""
    passed, error, bound, message = tolerance.compare(spec, x.numpy(), y, expected.numpy().astype(np.float64))
    assert passed, message


def attributes_of(node):
    values = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    return {k: (v.decode() if isinstance(v, bytes) else list(v) if k == "axes" else v) for k, v in values.items()}


def expected_attributes(spec, shape, exporter):
    """``resize_attributes``, with ``axes`` where sizes are per spatial axis (opset 18)."""
    attributes = dict(resize_attributes(spec, shape))
    if spec.size is not None and exporter != "legacy17":
        attributes["axes"] = list(spec.spatial_axes(len(shape)))
    return attributes


def expressible_or_skip(spec, shape, exporter):
    try:
        attributes = resize_attributes(spec, shape)
    except ValueError as e:
        pytest.skip(f"resize_attributes raises ValueError for this spec: {e}")
    if exporter == "legacy17" and {"antialias", "keep_aspect_ratio_policy"} & set(attributes):
        pytest.skip("antialias and keep_aspect_ratio_policy need opset 18")


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("spec, shape", EXPRESSIBLE, ids=[repr(s) for s, _ in EXPRESSIBLE])
def test_expressible_specs_export_as_one_resize_node(spec, shape, exporter):
    expressible_or_skip(spec, shape, exporter)
    layer, x = spec.to_torch(), x_of(shape)
    model = export(layer, x, exporter)
    resizes = [n for n in model.graph.node if n.op_type == "Resize"]
    assert len(resizes) == 1, [n.op_type for n in model.graph.node]
    assert all(n.op_type in ("Resize", "Constant") for n in model.graph.node)
    assert attributes_of(resizes[0]) == expected_attributes(spec, shape, exporter)
    with torch.no_grad():
        expected = layer(x)
    assert_reproduces(spec, x, run_ort(model, x), expected)


@pytest.mark.parametrize("exporter", EXPORTERS)
@pytest.mark.parametrize("spec, shape", INEXPRESSIBLE, ids=[repr(s) for s, _ in INEXPRESSIBLE])
def test_inexpressible_specs_export_as_before(spec, shape, exporter):
    with pytest.raises(ValueError):
        resize_attributes(spec, shape)
    layer, x = spec.to_torch(), x_of(shape)
    model = export(layer, x, exporter)
    assert "Resize" not in {n.op_type for n in model.graph.node}
    with torch.no_grad():
        expected = layer(x)
    assert_reproduces(spec, x, run_ort(model, x), expected)


@pytest.mark.parametrize("spec", [Upsample(scale_factor=2, mode="nearest-exact"),
                                  Upsample(size=(5, 7), mode="bicubic", align_corners=True)], ids=repr)
def test_dynamic_batch_and_spatial_sizes_need_no_input_shape(spec):
    # scales, or sizes with axes (opset 18), do not depend on the input shape
    pytest.importorskip("onnxscript")
    layer, x = spec.to_torch(), x_of((2, 3, 8, 6))
    batch, height = torch.export.Dim("batch"), torch.export.Dim("height", min=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torch.onnx.export(layer, (x,), dynamo=True, verbose=False,
                                  dynamic_shapes=({0: batch, 2: height},)).model_proto
    assert [n.op_type for n in model.graph.node] == ["Resize"]
    other = x_of((3, 3, 5, 6), seed=1)
    with torch.no_grad():
        expected = layer(other)
    assert_reproduces(spec, other, run_ort(model, other), expected)


def test_eager_trace_and_compile_do_not_take_the_export_branch():
    spec = Upsample(scale_factor=2, mode="nearest-exact")
    layer, x = spec.to_torch(), x_of((1, 2, 5, 4))
    expected = spec.reference(x.numpy()).astype(np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), expected)
    np.testing.assert_array_equal(torch.jit.trace(layer, x)(x).numpy(), expected)
    np.testing.assert_array_equal(torch.compile(layer, backend="eager")(x).numpy(), expected)
