"""ONNX models whose Resize inputs are computed in the graph, for tests of ``from_onnx``.

Each builder returns ``(model, input_shape)``: an ``onnx.ModelProto`` and the
shape of its data input to fold with.  The torch builders export with the
spatial axes dynamic, so the exporters keep the size arithmetic in the graph
(``Shape`` of the input and the ops after it) instead of baking the numbers
of the example input in as constants.
"""

from __future__ import annotations

import io
import warnings
from typing import Any, Tuple

import numpy as np


def shape_arithmetic_model(height: int = 5, width: int = 7) -> Tuple[Any, Tuple[int, ...]]:
    """x (1, 3, H, W) -> Resize whose ``sizes`` are ``Concat(Shape(x)[:2], Floor(H, W * 2.0))``,
    written by hand: Shape, Gather, Cast, Mul, Floor, Cast, Slice, Concat.  The
    graph declares H and W symbolic, so folding needs ``input_shape``."""
    from onnx import TensorProto, helper, numpy_helper

    def const(name, value):
        return numpy_helper.from_array(np.asarray(value), name)

    nodes = [
        helper.make_node("Shape", ["x"], ["shape"], name="shape0"),
        helper.make_node("Gather", ["shape", "hw_index"], ["hw"], name="gather0", axis=0),
        helper.make_node("Cast", ["hw"], ["hw_float"], name="cast0", to=TensorProto.FLOAT),
        helper.make_node("Mul", ["hw_float", "two"], ["hw_scaled"], name="mul0"),
        helper.make_node("Floor", ["hw_scaled"], ["hw_floor"], name="floor0"),
        helper.make_node("Cast", ["hw_floor"], ["hw_sizes"], name="cast1", to=TensorProto.INT64),
        helper.make_node("Slice", ["shape", "starts", "ends"], ["nc"], name="slice0"),
        helper.make_node("Concat", ["nc", "hw_sizes"], ["sizes"], name="concat0", axis=0),
        helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], name="resize0", mode="linear"),
    ]
    initializers = [const("hw_index", np.array([2, 3], np.int64)), const("two", np.array(2.0, np.float32)),
                    const("starts", np.array([0], np.int64)), const("ends", np.array([2], np.int64))]
    graph = helper.make_graph(
        nodes, "shape_arithmetic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "H", "W"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    return model, (1, 3, height, width)


def data_dependent_model() -> Tuple[Any, Tuple[int, ...]]:
    """x (1, 3, 4, 4) -> Resize whose ``scales`` are ``Concat([1, 1], ReduceMax(x) repeated twice)``:
    the scales depend on the data of x, not only on its shape."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("ReduceMax", ["x"], ["peak"], name="reducemax0", keepdims=0),
        helper.make_node("Unsqueeze", ["peak", "zero"], ["peak1"], name="unsqueeze0"),
        helper.make_node("Concat", ["ones", "peak1", "peak1"], ["scales"], name="concat0", axis=0),
        helper.make_node("Resize", ["x", "", "scales"], ["y"], name="resize0", mode="nearest"),
    ]
    initializers = [numpy_helper.from_array(np.array([0], np.int64), "zero"),
                    numpy_helper.from_array(np.array([1.0, 1.0], np.float32), "ones")]
    graph = helper.make_graph(
        nodes, "data_dependent", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), (1, 3, 4, 4)


def scales_input_model() -> Tuple[Any, Tuple[int, ...]]:
    """Resize(X, roi, scales) with ``roi`` and ``scales`` graph inputs, as ONNX's
    backend node tests write it; ``scales`` goes through a Mul first."""
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("Mul", ["scales", "one"], ["scales1"], name="mul0"),
        helper.make_node("Resize", ["X", "roi", "scales1"], ["Y"], name="resize0", mode="nearest"),
    ]
    graph = helper.make_graph(
        nodes, "scales_input",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 1, 2, 2]),
         helper.make_tensor_value_info("roi", TensorProto.FLOAT, [0]),
         helper.make_tensor_value_info("scales", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(np.array(1.0, np.float32), "one")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), (1, 1, 2, 2)


def _export(module, example, dynamo: bool, dynamic: dict) -> Any:
    """``torch.onnx.export`` (opset 17) of ``module`` on ``example``, the axes in
    ``dynamic`` ({axis: name}) of the first input dynamic, loaded as a ModelProto."""
    import onnx
    import torch

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporters' tracer and deprecation warnings
        if dynamo:
            dims = {axis: torch.export.Dim(name, min=8, max=4096) for axis, name in dynamic.items()}
            program = torch.onnx.export(module, (example,), dynamo=True, opset_version=17,
                                        dynamic_shapes=({**dims},), verbose=False)
            program.save(buffer)
        else:
            torch.onnx.export(module, (example,), buffer, dynamo=False, opset_version=17,
                              input_names=["x"], output_names=["y"], dynamic_axes={"x": dynamic})
    return onnx.load_from_string(buffer.getvalue())


def faster_rcnn_transform_model(dynamo: bool) -> Tuple[Any, Tuple[int, ...]]:
    """An image (3, H, W) -> Conv (no padding: H - 2, W - 2) -> the resize of
    torchvision's GeneralizedRCNNTransform: ``scale = min(min_size / min(h, w),
    max_size / max(h, w))`` of the Conv output's h, w, then
    ``F.interpolate(y[None], scale_factor=scale, mode="bilinear",
    recompute_scale_factor=True, align_corners=False)[0]``, exported with H and
    W dynamic.  The input shape returned is (3, 37, 53)."""
    import torch
    import torch.nn.functional as F

    class Transform(torch.nn.Module):
        def __init__(self, min_size: float = 80.0, max_size: float = 133.0):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 3, 3)
            self.min_size, self.max_size = min_size, max_size

        def forward(self, x):
            y = self.conv(x)
            if torch.jit.is_tracing():
                # torchvision under tracing: the shape as a tensor, so the scale stays in the graph
                shape = torch._shape_as_tensor(y)[-2:]
                smaller = torch.min(shape).to(torch.float32)
                larger = torch.max(shape).to(torch.float32)
                scale = torch.min(self.min_size / smaller, self.max_size / larger)
            else:
                h, w = y.shape[-2:]
                scale = min(self.min_size / min(h, w), self.max_size / max(h, w))
            return F.interpolate(y[None], scale_factor=scale, mode="bilinear", recompute_scale_factor=True,
                                 align_corners=False)[0]

    torch.manual_seed(0)
    shape = (3, 37, 53)
    model = _export(Transform().eval(), torch.randn(shape), dynamo, {1: "H", 2: "W"})
    return model, shape


def unet_skip_model(dynamo: bool) -> Tuple[Any, Tuple[int, ...]]:
    """A U-Net decoder step: x (1, 3, H, W) -> Conv (skip, H - 2, W - 2) ->
    MaxPool 2 -> Conv -> ``F.interpolate(y, size=skip.shape[-2:], mode="bilinear")``
    -> Add skip, exported with H and W dynamic.  The input shape returned is (1, 3, 30, 42)."""
    import torch
    import torch.nn.functional as F

    class Step(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.down = torch.nn.Conv2d(3, 4, 3)
            self.inner = torch.nn.Conv2d(4, 4, 3, padding=1)

        def forward(self, x):
            skip = self.down(x)
            y = self.inner(F.max_pool2d(skip, 2))
            return F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False) + skip

    torch.manual_seed(0)
    shape = (1, 3, 30, 42)
    model = _export(Step().eval(), torch.randn(shape), dynamo, {2: "H", 3: "W"})
    return model, shape
