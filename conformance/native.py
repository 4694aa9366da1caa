"""Running a case's native call in its own framework.

Each framework's ``catalogue.native_output`` imports its framework when
called, so a worker process only ever loads the framework it serves (two
frameworks in one process can crash it: README "Limits").
"""

from __future__ import annotations

import numpy as np

from unisample.adapters import framework_part

from .cases import Case


def _shuffle_model(case: Case, x: np.ndarray):
    """A model of the case's one ``DepthToSpace`` / ``SpaceToDepth`` node, built
    with onnx's own helper from the case's attributes."""
    from onnx import helper

    op_type = case.call.partition(".")[2]
    elem = helper.np_dtype_to_tensor_dtype(x.dtype)
    node = helper.make_node(op_type, ["x"], ["y"], **case.kwargs)
    graph = helper.make_graph([node], "conformance", [helper.make_tensor_value_info("x", elem, x.shape)],
                              [helper.make_tensor_value_info("y", elem, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = min(model.ir_version, 9)
    return model


def _onnxruntime(case: Case, x: np.ndarray) -> np.ndarray:
    import onnxruntime

    from unisample.onnx import resize_model

    kw = case.kwargs
    if case.call != "onnx.Resize":
        model = _shuffle_model(case, x)
    else:
        scales, sizes, roi = kw.pop("scales", None), kw.pop("sizes", None), kw.pop("roi", None)
        kw.pop("input_shape", None)  # what from_onnx needs to know of the input, not an attribute
        model = resize_model(kw, scales, sizes, x.shape, x.ndim, case.spec.output_shape(x.shape), dtype=x.dtype,
                             roi=roi)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # many tiny sessions: threads cost more than they give
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def run_native(case: Case, x: np.ndarray) -> np.ndarray:
    """The native output of ``case`` on input ``x`` (the framework's own
    ``catalogue.native_output``, or onnxruntime's session)."""
    if case.framework == "onnxruntime":
        return _onnxruntime(case, x)
    return framework_part(case.framework, "catalogue").native_output(case, x)
