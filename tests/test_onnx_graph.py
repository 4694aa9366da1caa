"""unisample.onnx_graph: folding computed tensors of ONNX graphs, checked against onnxruntime.

Every folded value is compared with what onnxruntime computes for the same
tensor (made an extra graph output) on a random input of the shape folded
with, and the torch exports also with the sizes torch's own formula gives.
"""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import unisample.onnx_graph as onnx_graph  # noqa: E402
from unisample.onnx_graph import ConstantFolder, constant_value  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import onnx_models  # noqa: E402


def ort_values(model, names, feeds):
    """onnxruntime's values of tensors ``names`` of ``model`` on ``feeds``: each
    is appended to the graph outputs (its type left to the runtime's inference)."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    present = {o.name for o in copy.graph.output}
    inferred = {v.name: v.type.tensor_type.elem_type
                for v in onnx.shape_inference.infer_shapes(copy).graph.value_info}
    for name in names:
        if name not in present:
            copy.graph.output.append(helper.make_tensor_value_info(name, inferred.get(name, TensorProto.FLOAT), None))
    session = ort.InferenceSession(copy.SerializeToString(), providers=["CPUExecutionProvider"])
    return dict(zip(names, session.run(list(names), feeds)))


def random_input(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# -- 1. a hand-built Shape/Gather/Cast/Mul/Floor/Slice/Concat chain --------------------------------------

@pytest.mark.parametrize("height, width", [(5, 7), (12, 3)])
def test_shape_arithmetic_folds_to_onnxruntimes_numbers(height, width):
    model, shape = onnx_models.shape_arithmetic_model(height, width)
    x = random_input(shape)
    expected = ort_values(model, ["sizes", "hw_scaled"], {"x": x})
    folder = ConstantFolder(model, shape)
    sizes = folder.value("sizes")
    np.testing.assert_array_equal(sizes, expected["sizes"])
    assert sizes.dtype == expected["sizes"].dtype == np.int64
    np.testing.assert_array_equal(folder.value("hw_scaled"), expected["hw_scaled"])
    # and the sizes are those of the Resize output onnxruntime computes
    (y,) = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"x": x})
    assert tuple(sizes) == y.shape == (1, 3, 2 * height, 2 * width)


def test_input_shape_as_a_dict_and_from_the_declared_shape():
    model, shape = onnx_models.shape_arithmetic_model(4, 6)
    np.testing.assert_array_equal(constant_value(model, "sizes", {"x": shape}), [1, 3, 8, 12])
    model.graph.input[0].type.tensor_type.shape.dim[2].dim_value = 9  # declare H and W: no input_shape needed
    model.graph.input[0].type.tensor_type.shape.dim[3].dim_value = 2
    np.testing.assert_array_equal(constant_value(model, "sizes"), [1, 3, 18, 4])
    # a given shape takes the place of the declared one
    np.testing.assert_array_equal(constant_value(model, "sizes", (1, 3, 5, 5)), [1, 3, 10, 10])


def test_shape_start_end_needs_only_the_dimensions_it_returns():
    """Shape(x, start=-2) of x (N, 3, 6, 10) folds with N unknown; Shape(x) does not."""
    nodes = [helper.make_node("Shape", ["x"], ["hw"], name="shape_hw", start=-2),
             helper.make_node("Shape", ["x"], ["c"], name="shape_c", start=1, end=2),
             helper.make_node("Shape", ["x"], ["all"], name="shape_all"),
             helper.make_node("Size", ["x"], ["size"], name="size0")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 6, 10])],
                              [helper.make_tensor_value_info("all", TensorProto.INT64, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)])
    folder = ConstantFolder(model)
    expected = ort_values(model, ["hw", "c", "all", "size"], {"x": random_input((2, 3, 6, 10))})
    np.testing.assert_array_equal(folder.value("hw"), expected["hw"])
    np.testing.assert_array_equal(folder.value("c"), expected["c"])
    for name in ("all", "size"):
        with pytest.raises(ValueError, match=r"\(N, 3, 6, 10\) with unknown dimensions; pass input_shape="):
            folder.value(name)
    folder = ConstantFolder(model, (2, 3, 6, 10))
    np.testing.assert_array_equal(folder.value("all"), expected["all"])
    assert folder.value("size") == expected["size"] == 360


def test_constant_attributes_and_intermediate_shapes():
    """Constant nodes with value_ints / value_float, and Shape of a Conv output
    (a shape only shape inference knows)."""
    weight = numpy_helper.from_array(np.ones((2, 3, 3, 3), np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["conv"], name="conv0", strides=[2, 2]),
             helper.make_node("Shape", ["conv"], ["conv_shape"], name="shape0"),
             helper.make_node("Constant", [], ["offset"], name="const0", value_ints=[0, 0, 1, 1]),
             helper.make_node("Add", ["conv_shape", "offset"], ["grown"], name="add0"),
             helper.make_node("Constant", [], ["half"], name="const1", value_float=0.5),
             helper.make_node("Cast", ["grown"], ["grown_f"], name="cast0", to=TensorProto.FLOAT),
             helper.make_node("Mul", ["grown_f", "half"], ["halved"], name="mul0")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])],
                              [helper.make_tensor_value_info("conv", TensorProto.FLOAT, None)], initializer=[weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    shape = (1, 3, 11, 16)
    expected = ort_values(model, ["grown", "halved", "offset"], {"x": random_input(shape)})
    folder = ConstantFolder(model, shape)
    for name, value in expected.items():
        np.testing.assert_array_equal(folder.value(name), value)
    np.testing.assert_array_equal(folder.value("grown"), [1, 2, 6, 8])


def test_shape_inference_runs_once_per_folder(monkeypatch):
    calls = []
    infer = onnx_graph._infer_shapes
    monkeypatch.setattr(onnx_graph, "_infer_shapes", lambda *a: calls.append(1) or infer(*a))
    model, shape = onnx_models.shape_arithmetic_model()
    folder = ConstantFolder(model, shape)
    for name in ("sizes", "hw_sizes", "nc", "shape", "sizes"):
        folder.value(name)
    assert len(calls) == 1


def test_an_unknown_name_is_named():
    model, shape = onnx_models.shape_arithmetic_model()
    with pytest.raises(ValueError, match=r"^from_onnx: no node, initializer or graph input .* 'nope'"):
        constant_value(model, "nope", shape)


# -- 2. graph inputs given in values ------------------------------------------------------------------------

def test_a_graph_input_in_values_folds_one_not_given_is_named():
    model, shape = onnx_models.scales_input_model()
    scales = np.array([1, 1, 2, 3], np.float32)
    folder = ConstantFolder(model, values={"scales": scales, "roi": np.zeros(0, np.float32)})
    expected = ort_values(model, ["scales1"], {"X": random_input(shape), "scales": scales,
                                               "roi": np.zeros(0, np.float32)})
    np.testing.assert_array_equal(folder.value("scales1"), expected["scales1"])
    np.testing.assert_array_equal(folder.value("roi"), np.zeros(0))
    where = "from_onnx: scales of Resize 'resize0'"
    with pytest.raises(ValueError) as raised:
        constant_value(model, "scales1", where=where)
    message = str(raised.value)
    assert message.startswith(where + ": 'scales1' depends on data")
    assert "node 'mul0' (Mul) reads graph input 'scales'" in message and "values=" in message


def test_an_input_with_an_initializer_uses_it_unless_values_names_it():
    """Old-style optional inputs: a graph input that is also an initializer."""
    model, _ = onnx_models.scales_input_model()
    model.graph.initializer.append(numpy_helper.from_array(np.array([1, 1, 4, 4], np.float32), "scales"))
    np.testing.assert_array_equal(constant_value(model, "scales1"), [1, 1, 4, 4])
    given = np.array([1, 1, 2, 5], np.float32)
    np.testing.assert_array_equal(constant_value(model, "scales1", values={"scales": given}), given)


def test_values_must_name_graph_inputs():
    model, _ = onnx_models.scales_input_model()
    with pytest.raises(ValueError, match=r"^from_onnx: values= names \['scales1'\]"):
        ConstantFolder(model, values={"scales1": np.ones(4, np.float32)})


# -- 3. unknown dimensions ----------------------------------------------------------------------------------

def test_unknown_dimensions_ask_for_input_shape():
    model, shape = onnx_models.shape_arithmetic_model()
    with pytest.raises(ValueError) as raised:
        constant_value(model, "sizes")
    message = str(raised.value)
    assert message.startswith("from_onnx: 'sizes' needs the shape of 'x'")
    assert "node 'shape0' (Shape)" in message and "(1, 3, H, W) with unknown dimensions" in message
    assert "pass input_shape=" in message
    np.testing.assert_array_equal(constant_value(model, "sizes", input_shape=shape), [1, 3, 10, 14])


# -- 5. data dependence -------------------------------------------------------------------------------------

def test_a_value_computed_from_data_names_the_node():
    model, shape = onnx_models.data_dependent_model()
    with pytest.raises(ValueError) as raised:
        constant_value(model, "scales", shape)
    message = str(raised.value)
    assert message.startswith("from_onnx: 'scales' depends on data: node 'reducemax0' (ReduceMax) reads graph "
                              "input 'x', whose value is only known at run time")
    assert "reducemax0 -> unsqueeze0 -> concat0" in message
    # the parts that do not read x still fold
    np.testing.assert_array_equal(constant_value(model, "ones", shape), [1, 1])


# -- 4. torch's exporters -----------------------------------------------------------------------------------

_EXPORTS = {}


def exported(builder, dynamo):
    """``builder(dynamo)``, exported once per test run (the dynamo exporter takes seconds)."""
    pytest.importorskip("torch")
    if dynamo:
        pytest.importorskip("onnxscript")
    key = (builder.__name__, dynamo)
    if key not in _EXPORTS:
        _EXPORTS[key] = builder(dynamo)
    return _EXPORTS[key]


def resize_inputs(model):
    """(Resize node, [(input name, role)]) for each Resize, its non-empty roi/scales/sizes."""
    roles = ("roi", "scales", "sizes")
    found = []
    for node in model.graph.node:
        if node.op_type == "Resize":
            found.append((node, [(name, role) for name, role in zip(node.input[1:], roles) if name]))
    return found


def computed(model, name):
    """Whether tensor ``name`` is computed in the graph (not an initializer or a Constant)."""
    if any(init.name == name for init in model.graph.initializer):
        return False
    producer = next(n for n in model.graph.node if name in n.output)
    return producer.op_type != "Constant"


def check_resize_inputs_fold(model, shape):
    """Fold every Resize's roi/scales/sizes with input_shape=shape and compare with
    onnxruntime on a random input of that shape; returns {role: folded value}."""
    folder = ConstantFolder(model, shape)
    found = resize_inputs(model)
    assert found, "the export has no Resize node"
    folded = {}
    for node, inputs in found:
        values = {name: folder.value(name, f"from_onnx: {role} of Resize {node.name!r}") for name, role in inputs}
        wanted = [name for name, value in values.items() if value.size]  # an empty roi/scales means absent
        expected = ort_values(model, wanted, {model.graph.input[0].name: random_input(shape)})
        for name, role in inputs:
            if name in expected:
                np.testing.assert_array_equal(values[name], expected[name], err_msg=f"{role} {name!r}")
                assert values[name].dtype == expected[name].dtype
                folded[role] = values[name]
    return folded


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("shape", [None, (3, 61, 45)], ids=["example", "other"])
def test_faster_rcnn_transform_export_folds(dynamo, shape):
    model, example = exported(onnx_models.faster_rcnn_transform_model, dynamo)
    shape = shape or example
    folded = check_resize_inputs_fold(model, shape)
    # torchvision's formula on the Conv output (3, H - 2, W - 2), as torch computes the output size
    h, w = shape[1] - 2, shape[2] - 2
    scale = min(80.0 / min(h, w), 133.0 / max(h, w))
    spatial = [math.floor(h * scale), math.floor(w * scale)]
    assert list(folded["sizes"][-2:]) == spatial
    (node, inputs), = resize_inputs(model)
    assert computed(model, dict((role, name) for name, role in inputs)["sizes"])


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("shape", [None, (1, 3, 17, 26)], ids=["example", "other"])
def test_unet_skip_export_folds(dynamo, shape):
    model, example = exported(onnx_models.unet_skip_model, dynamo)
    shape = shape or example
    folded = check_resize_inputs_fold(model, shape)
    assert list(folded["sizes"]) == [shape[0], 4, shape[2] - 2, shape[3] - 2]  # the skip Conv's output shape
    (node, inputs), = resize_inputs(model)
    assert computed(model, dict((role, name) for name, role in inputs)["sizes"])


def test_a_subgraph_reading_the_outer_scope_folds():
    """An If whose branches read a Shape of the outer graph: the Shape is fed to the branch."""
    def branch(name, node):
        return helper.make_graph([node], name, [], [helper.make_tensor_value_info(node.output[0], TensorProto.INT64,
                                                                                  None)])

    nodes = [helper.make_node("Shape", ["x"], ["s"], name="shape0"),
             helper.make_node("If", ["cond"], ["r"], name="if0",
                              then_branch=branch("then", helper.make_node("Mul", ["s", "two"], ["t"])),
                              else_branch=branch("else", helper.make_node("Identity", ["s"], ["e"])))]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, "W"])],
                              [helper.make_tensor_value_info("r", TensorProto.INT64, None)],
                              initializer=[numpy_helper.from_array(np.array(True), "cond"),
                                           numpy_helper.from_array(np.array(2, np.int64), "two")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    expected = ort_values(model, ["r"], {"x": random_input((1, 2, 5))})
    np.testing.assert_array_equal(constant_value(model, "r", (1, 2, 5)), expected["r"])
    with pytest.raises(ValueError, match="pass input_shape="):
        constant_value(model, "r")
