"""ONNX for pixel shuffles: ``DepthToSpace`` / ``SpaceToDepth`` written and read.

``DepthToSpace`` (opset 11+) has both orders (``mode="DCR"``, the default, and
``"CRD"``); ``SpaceToDepth`` has no mode and computes DCR, so a CRD
unshuffle (torch's ``pixel_unshuffle``) cannot be one node: ``to_onnx`` writes
it as ``Reshape -> Transpose -> Reshape`` (the spec's ``plan``), as it does
for anything these two nodes do not cover (channels last, 1 or 3 spatial
axes, a factor per axis).  Both ops take NCHW only.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .optional import require
from .shuffle import PixelShuffle, PixelUnshuffle, ShuffleSpec

__all__ = ["to_onnx", "from_onnx", "shuffle_nodes", "node_of", "spec_of_node"]


def node_of(spec: ShuffleSpec, ndim: int) -> Optional[Tuple[str, dict]]:
    """``(op_type, attributes)`` of the one ONNX node computing ``spec`` on an
    input of ``ndim`` dimensions, or None where none does."""
    if spec.channels_last or ndim != 4 or len(set(spec.factors(2))) != 1:
        return None
    block = spec.factors(2)[0]
    if isinstance(spec, PixelShuffle):
        return "DepthToSpace", {"blocksize": block, "mode": spec.order}
    if spec.order == "DCR":
        return "SpaceToDepth", {"blocksize": block}
    return None  # SpaceToDepth has no CRD


def to_onnx(spec: ShuffleSpec, input_shape: Optional[Sequence[Optional[int]]] = None, ndim: Optional[int] = None,
            opset: int = 13, dtype=np.float32, input_name: str = "x", output_name: str = "y"):
    """An ``onnx.ModelProto`` computing ``spec``: one ``DepthToSpace`` /
    ``SpaceToDepth`` node where one computes it, else ``Reshape -> Transpose ->
    Reshape``, which needs ``input_shape`` (every length but the batch)."""
    onnx = require("onnx", "writing ONNX (to_onnx)")
    from onnx import helper, numpy_helper

    if not 11 <= opset <= 23:
        raise ValueError(f"opset: got {opset!r}; expected 11 to 23 (DepthToSpace with mode)")
    if ndim is None:
        ndim = len(input_shape) if input_shape is not None else (spec.spatial_rank or 0) + 2
    if ndim < 3:
        raise ValueError(f"to_onnx: {spec!r} does not fix its number of spatial axes; pass ndim= or input_shape=")
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    dims: List[Any] = list(input_shape) if input_shape is not None else ["N"] + [f"d{i}" for i in range(1, ndim)]
    one = node_of(spec, ndim)
    initializers = []
    if one is not None:
        op_type, attributes = one
        nodes = [helper.make_node(op_type, [input_name], [output_name], name=f"unisample_{op_type}", **attributes)]
    else:
        if input_shape is None or any(d is None for d in list(input_shape)[1:]):
            raise ValueError(f"to_onnx: {spec!r} is a Reshape/Transpose graph in ONNX (no DepthToSpace/SpaceToDepth "
                             f"computes it): pass input_shape= with every length but the batch")
        before, perm, after = spec.plan(tuple(input_shape))
        initializers = [numpy_helper.from_array(np.asarray((-1,) + before[1:], np.int64), "before"),
                        numpy_helper.from_array(np.asarray((-1,) + after[1:], np.int64), "after")]
        nodes = [helper.make_node("Reshape", [input_name, "before"], ["blocks"], name="unisample_split"),
                 helper.make_node("Transpose", ["blocks"], ["moved"], name="unisample_move", perm=list(perm)),
                 helper.make_node("Reshape", ["moved", "after"], [output_name], name="unisample_join")]
    if input_shape is not None and all(d is not None for d in input_shape):
        out_dims: List[Any] = list(spec.output_shape(tuple(input_shape)))
    else:
        out_dims = [f"out{i}" for i in range(ndim)]
    graph = helper.make_graph(nodes, "unisample_shuffle", [helper.make_tensor_value_info(input_name, elem, dims)],
                              [helper.make_tensor_value_info(output_name, elem, out_dims)], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="unisample")
    model.ir_version = min(model.ir_version, 9)  # readable by onnxruntime releases of the last two years
    onnx.checker.check_model(model)
    return model


def spec_of_node(op_type: str, attributes: Mapping[str, Any], name: str = "") -> ShuffleSpec:
    """The spec of a ``DepthToSpace`` / ``SpaceToDepth`` node given as its
    ``op_type`` and attribute values (``mode`` as text or bytes); reads no
    onnx object, so the conformance catalogue uses it without onnx."""
    where = f"{op_type} node {name!r}" if name else f"{op_type} node"
    if op_type not in ("DepthToSpace", "SpaceToDepth"):
        raise ValueError(f"from_onnx: op_type: got {op_type!r}; expected 'DepthToSpace' or 'SpaceToDepth'")
    allowed = ("blocksize", "mode") if op_type == "DepthToSpace" else ("blocksize",)
    unknown = sorted(set(attributes) - set(allowed))
    if unknown:  # an attribute this reader would drop could change the order
        raise ValueError(f"from_onnx: {where}: unknown attributes {unknown}; {op_type} has {', '.join(allowed)}")
    block = attributes.get("blocksize")
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ValueError(f"from_onnx: {where}: blocksize {block!r}; expected a whole number >= 1")
    if op_type == "SpaceToDepth":
        return PixelUnshuffle(block, order="DCR", data_format="NCHW")
    mode = attributes.get("mode", b"DCR")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode not in ("DCR", "CRD"):
        raise ValueError(f"from_onnx: {where}: mode {mode!r}; expected 'DCR' or 'CRD'")
    return PixelShuffle(block, order=mode, data_format="NCHW")


def _node_spec(node, helper) -> ShuffleSpec:
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    return spec_of_node(node.op_type, attributes, node.name or node.output[0])


def shuffle_nodes(model) -> List[Tuple[Any, Union[ShuffleSpec, ValueError]]]:
    """Every ``DepthToSpace`` / ``SpaceToDepth`` node of ``model`` (a ModelProto or
    a path) with its spec, or the ``ValueError`` saying why it has none."""
    from onnx import helper

    from .onnx import load

    if isinstance(model, (str, bytes)) or hasattr(model, "__fspath__"):
        model = load(model)
    found: List[Tuple[Any, Union[ShuffleSpec, ValueError]]] = []
    for node in model.graph.node:
        if node.op_type in ("DepthToSpace", "SpaceToDepth"):
            try:
                found.append((node, _node_spec(node, helper)))
            except ValueError as e:
                found.append((node, e))
    return found


def from_onnx(obj) -> ShuffleSpec:
    """The spec of a ``DepthToSpace`` / ``SpaceToDepth`` node (an ``onnx.NodeProto``)
    or of the only such node of a model or file."""
    from onnx import helper

    if hasattr(obj, "op_type"):
        return _node_spec(obj, helper)
    from .onnx import only_node

    return only_node(shuffle_nodes(obj), "DepthToSpace/SpaceToDepth", "the node",
                     "unisample.onnx_shuffle.shuffle_nodes")
