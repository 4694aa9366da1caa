"""Fold a tensor of an ONNX graph to its value when only the input's shape is needed.

Exported models rarely give Resize's ``scales``/``sizes``/``roi`` as
initializers: torch's exporters compute them from ``Shape`` of the input
(``Shape -> Gather -> Cast -> Mul -> Floor -> Concat`` and the like), and
ONNX's backend node tests feed them as graph inputs.  ``ConstantFolder``
evaluates the part of the graph one tensor depends on, given the shapes of
the graph inputs (and, optionally, the values of some of them):

* the leaves are initializers, ``Constant`` nodes, graph inputs named in
  ``values``, and ``Shape``/``Size`` of any tensor whose shape ONNX's shape
  inference knows once the graph inputs' shapes are set;
* the nodes between the leaves and the tensor run in
  ``onnx.reference.ReferenceEvaluator``, at the model's own opsets, so each
  op has ONNX's semantics, not a copy of them;
* a value that depends on data raises ``ValueError`` naming the node that
  reads the graph input, and a ``Shape`` whose dimensions are unknown says
  to pass ``input_shape=``.

Only numpy is imported with this module; onnx is imported when a folder is made.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np

from .optional import require

__all__ = ["ConstantFolder", "constant_value"]

InputShape = Union[Sequence[int], Mapping[str, Sequence[int]], None]
Dim = Union[int, str, None]  # a dimension as shape inference leaves it: a number, a symbol, or unknown

_PURPOSE = "reading ONNX (from_onnx, scan)"
_SHAPE_OPS = ("Shape", "Size")


def constant_value(model, name: str, input_shape: InputShape = None, values: Optional[Mapping[str, Any]] = None,
                   where: str = "from_onnx") -> np.ndarray:
    """The value of tensor ``name`` of ``model`` (an ``onnx.ModelProto``) when it is a
    constant given the shape of the input: see ``ConstantFolder`` for the arguments."""
    return ConstantFolder(model, input_shape, values).value(name, where)


class _DataDependent(ValueError):
    """The value read depends on a graph input's data (a subclass, so that a
    ``Shape`` whose input is not constant can say so in its own words)."""


class ConstantFolder:
    """Folds tensors of one ONNX model, given the shapes (and some values) of its inputs.

    ``input_shape`` is the shape of the model's first data input (the first
    graph input without an initializer of the same name), or a dict
    ``{graph input name: shape}``; where a graph input's shape is not given,
    the shape the model declares is used, and a symbolic or missing dimension
    is unknown.  ``values`` is a dict ``{graph input name: array}`` of graph
    inputs whose values are known (ONNX's node tests feed scales and sizes
    so); a graph input that also has an initializer takes the initializer
    unless ``values`` names it.

    Shape inference runs once, on the first ``value`` that needs a shape, and
    every value folded is kept, so asking one folder for several tensors (a
    Resize's roi, scales and sizes) costs one inference."""

    def __init__(self, model, input_shape: InputShape = None, values: Optional[Mapping[str, Any]] = None):
        require("onnx", _PURPOSE)
        self.model = model
        graph = model.graph
        self._initializers = {init.name: init for init in graph.initializer}
        self._inputs = [i.name for i in graph.input]
        self._producers: Dict[str, int] = {}
        for index, node in enumerate(graph.node):
            for output in node.output:
                if output:
                    self._producers[output] = index
        self._values = {name: np.asarray(v) for name, v in (values or {}).items()}
        unknown = sorted(set(self._values) - set(self._inputs))
        if unknown:
            raise ValueError(f"from_onnx: values= names {unknown}, which are not graph inputs "
                             f"(the graph inputs are {self._inputs})")
        self._given_shapes = self._input_shapes(input_shape)
        self._shapes: Optional[Dict[str, Tuple[Dim, ...]]] = None
        self._folded: Dict[str, np.ndarray] = {}

    def value(self, name: str, where: str = "from_onnx") -> np.ndarray:
        """The value of tensor ``name``; ``ValueError`` starting with ``where`` when
        no node produces it, or when it depends on data or on an unknown shape."""
        if name not in self._folded:
            self._folded[name] = self._fold(name, where)
        return self._folded[name]

    def shape(self, name: str) -> Optional[Tuple[Optional[int], ...]]:
        """Tensor ``name``'s shape as far as shape inference knows it (None for an
        unknown dimension), or None where even its rank is unknown."""
        if name in self._given_shapes:
            return self._given_shapes[name]
        dims = self._inferred_shapes().get(name)
        return None if dims is None else tuple(d if isinstance(d, int) else None for d in dims)

    # -- the graph inputs' shapes ------------------------------------------------------------

    def _data_inputs(self) -> List[str]:
        """The graph inputs that are not initializers (old-style optional inputs are)."""
        return [name for name in self._inputs if name not in self._initializers]

    def _input_shapes(self, input_shape: InputShape) -> Dict[str, Tuple[int, ...]]:
        """``input_shape`` as {graph input name: shape}."""
        if input_shape is None:
            return {}
        if isinstance(input_shape, Mapping):
            unknown = sorted(set(input_shape) - set(self._inputs))
            if unknown:
                raise ValueError(f"from_onnx: input_shape= names {unknown}, which are not graph inputs "
                                 f"(the graph inputs are {self._inputs})")
            return {name: tuple(int(d) for d in shape) for name, shape in input_shape.items()}
        data = self._data_inputs()
        if not data:
            raise ValueError("from_onnx: input_shape= is given but the model has no graph input to take it")
        return {data[0]: tuple(int(d) for d in input_shape)}

    def _inferred_shapes(self) -> Dict[str, Tuple[Dim, ...]]:
        """Every tensor's shape as far as shape inference knows it, computed once."""
        if self._shapes is None:
            self._shapes = _infer_shapes(self.model, self._given_shapes, self._values)
        return self._shapes

    # -- folding -------------------------------------------------------------------------------

    def _fold(self, name: str, where: str) -> np.ndarray:
        """Collect the leaves and the nodes between them and ``name``, then run those nodes."""
        leaf = self._leaf(name, {name: None}, where)
        if leaf is not None:
            return leaf
        nodes, feeds = self._subgraph(name, where)
        return _evaluate(self.model, nodes, feeds, name, where)

    def _subgraph(self, name: str, where: str) -> Tuple[List[int], Dict[str, np.ndarray]]:
        """The indices of the nodes to run (in graph order) and the leaves' values.

        ``reader`` maps each tensor met to the node that first needed it, so a
        data dependency can be reported with the path that leads to it."""
        nodes: Set[int] = set()
        feeds: Dict[str, np.ndarray] = {}
        reader: Dict[str, Optional[int]] = {name: None}
        todo = [name]
        while todo:  # a loop, not recursion: exported graphs can be thousands of nodes deep
            tensor = todo.pop()
            leaf = self._leaf(tensor, reader, where)
            if leaf is not None:
                feeds[tensor] = leaf
                continue
            index = self._producers[tensor]
            nodes.add(index)
            for needed in _node_inputs(self.model.graph.node[index]):
                if needed not in reader:
                    reader[needed] = index
                    todo.append(needed)
        return sorted(nodes), feeds

    def _leaf(self, tensor: str, reader: Dict[str, Optional[int]], where: str) -> Optional[np.ndarray]:
        """The value of ``tensor`` when it is a leaf (folded before, given, an initializer,
        the Shape or Size of a known shape); None when its producer must run."""
        from onnx import numpy_helper

        if tensor in self._folded:
            return self._folded[tensor]
        if tensor in self._values:
            return self._values[tensor]
        if tensor in self._initializers:
            return numpy_helper.to_array(self._initializers[tensor])
        if tensor in self._inputs:
            raise _DataDependent(self._data_message(tensor, reader, where))
        if tensor not in self._producers:
            raise ValueError(f"{where}: no node, initializer or graph input of the model gives tensor {tensor!r}")
        node = self.model.graph.node[self._producers[tensor]]
        if node.op_type in _SHAPE_OPS and node.domain in ("", "ai.onnx"):
            return self._shape_of(node, reader, where)
        return None

    def _shape_of(self, node, reader: Dict[str, Optional[int]], where: str) -> np.ndarray:
        """``Shape`` (with its start and end) or ``Size`` of a tensor whose shape is known:
        from shape inference, else from the tensor's own value when that folds."""
        source = node.input[0]
        dims = self._inferred_shapes().get(source)
        size = node.op_type == "Size"
        if dims is not None:
            # a Shape with start/end needs only the dimensions it returns; Size needs all
            picked = [d for d in dims[slice(None) if size else _shape_slice(node, len(dims))]]
            if all(isinstance(d, int) for d in picked):
                known = [int(d) for d in picked if isinstance(d, int)]
                return np.array(int(np.prod(known, dtype=np.int64)), np.int64) if size else np.array(known, np.int64)
        try:  # a Shape of a constant (or of a tensor computed from constants) folds through the value
            value = self.value(source, where)
        except _DataDependent:
            raise ValueError(self._unknown_shape_message(node, dims, reader, where)) from None
        shape = np.array(value.shape, np.int64)
        return np.array(value.size, np.int64) if size else shape[_shape_slice(node, value.ndim)]

    # -- messages ------------------------------------------------------------------------------

    def _describe(self, index: Optional[int]) -> str:
        """``node 'name' (Op)``, or the node's first output where it has no name."""
        if index is None:
            return "the tensor asked for"
        node = self.model.graph.node[index]
        if node.name:
            return f"node {node.name!r} ({node.op_type})"
        return f"node #{index} ({node.op_type}, output {node.output[0]!r})"

    def _path(self, tensor: str, reader: Dict[str, Optional[int]]) -> str:
        """The nodes from the one reading ``tensor`` to the tensor asked for."""
        names = []
        index = reader.get(tensor)
        while index is not None:  # reader is a tree rooted at the tensor asked for, so this ends there
            node = self.model.graph.node[index]
            names.append(node.name or node.output[0])
            index = _first_reader(node, reader)
        return " -> ".join(names)

    def _data_message(self, tensor: str, reader: Dict[str, Optional[int]], where: str) -> str:
        """Why a value needs the data of graph input ``tensor``, and what would fold it."""
        first = self._describe(reader.get(tensor))
        data = self._data_inputs()
        if data and tensor == data[0]:
            hint = "only its shape is known here: a Shape of it folds"
        else:
            hint = f"pass values={{{tensor!r}: array}} when it is a constant"
        path = self._path(tensor, reader)
        root = next(iter(reader), tensor)  # the first tensor met is the one asked for
        return (f"{where}: {root!r} depends on data: {first} reads graph input {tensor!r}, whose value is only known "
                f"at run time ({hint})" + (f"; the path is {path}" if path else ""))

    def _unknown_shape_message(self, node, dims: Optional[Tuple[Dim, ...]], reader, where: str) -> str:
        """A Shape/Size whose input's shape has unknown dimensions."""
        index = self._producers[node.output[0]]
        source = node.input[0]
        if dims is None:
            known = "of unknown rank"
        else:
            known = "(" + ", ".join(str(d) if d is not None else "?" for d in dims) + ") with unknown dimensions"
        given = ", ".join(self._data_inputs()[:1]) or "the data input"
        root = next(iter(reader), node.output[0])  # the first tensor met is the one asked for
        return (f"{where}: {root!r} needs the shape of {source!r}, which {self._describe(index)} reads: "
                f"the shape is {known}; pass input_shape= (the shape of {given!r}, or a dict by graph input name)")


def _first_reader(node, reader: Dict[str, Optional[int]]) -> Optional[int]:
    """The node that needed one of ``node``'s outputs."""
    for output in node.output:
        if output in reader:
            return reader[output]
    return None


def _node_inputs(node) -> List[str]:
    """The tensors ``node`` reads: its inputs, and the outer-scope names its subgraphs
    (If, Loop, Scan bodies) read, which must be fed too."""
    names = [name for name in node.input if name]
    for attribute in node.attribute:
        graphs = ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs)
        for graph in graphs:
            names.extend(_outer_names(graph))
    return names


def _outer_names(graph) -> List[str]:
    """The names ``graph`` reads from the scope around it."""
    defined = {i.name for i in graph.input} | {i.name for i in graph.initializer}
    outer: List[str] = []
    for node in graph.node:
        outer.extend(name for name in _node_inputs(node) if name not in defined and name not in outer)
        defined.update(node.output)
    return outer


def _shape_slice(node, rank: int) -> slice:
    """The dimensions a Shape node returns: its ``start`` and ``end`` attributes (opset
    15), which count from the back when negative and clamp to [0, rank] as a Python slice does."""
    start, end = 0, rank
    for attribute in node.attribute:
        if attribute.name == "start":
            start = attribute.i
        elif attribute.name == "end":
            end = attribute.i
    return slice(start, end)


def _infer_shapes(model, given: Dict[str, Tuple[int, ...]],
                  values: Dict[str, np.ndarray]) -> Dict[str, Tuple[Dim, ...]]:
    """{tensor name: shape} from ``onnx.shape_inference`` on a copy of ``model`` whose
    graph inputs have the shapes ``given`` and whose ``values`` are initializers
    (so that data propagation can carry them into shapes)."""
    onnx = require("onnx", _PURPOSE)
    from onnx import numpy_helper

    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    graph = copy.graph
    # the exporters' own value_info has symbolic dims; inference would keep them rather than the given numbers
    del graph.value_info[:]
    for output in graph.output:
        output.type.tensor_type.ClearField("shape")
    for graph_input in graph.input:
        if graph_input.name in given:
            _set_shape(graph_input, given[graph_input.name])
    kept = [init for init in graph.initializer if init.name not in values]
    del graph.initializer[:]
    graph.initializer.extend(kept + [numpy_helper.from_array(v, name) for name, v in values.items()])
    try:
        inferred = onnx.shape_inference.infer_shapes(copy, data_prop=True)
    except (onnx.shape_inference.InferenceError, ValueError):
        inferred = copy  # a model inference rejects still has its inputs' shapes: Shape of those folds
    shapes: Dict[str, Tuple[Dim, ...]] = {}
    for info in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
        dims = _dims(info)
        if dims is not None:
            shapes[info.name] = dims
    for init in inferred.graph.initializer:
        shapes[init.name] = tuple(int(d) for d in init.dims)
    return shapes


def _set_shape(info, shape: Tuple[int, ...]) -> None:
    """Replace the shape of value info ``info`` (a graph input) by ``shape``."""
    tensor_type = info.type.tensor_type
    tensor_type.ClearField("shape")
    for d in shape:
        tensor_type.shape.dim.add().dim_value = d


def _dims(info) -> Optional[Tuple[Dim, ...]]:
    """The shape in value info ``info``: ints where known, the symbol or None where
    not; None when the rank is unknown (or the value is not a tensor)."""
    if info.type.WhichOneof("value") != "tensor_type" or not info.type.tensor_type.HasField("shape"):
        return None
    dims: List[Dim] = []
    for d in info.type.tensor_type.shape.dim:
        kind = d.WhichOneof("value")
        dims.append(d.dim_value if kind == "dim_value" else d.dim_param if kind == "dim_param" else None)
    return tuple(dims)


def _evaluate(model, indices: List[int], feeds: Dict[str, np.ndarray], name: str, where: str) -> np.ndarray:
    """Run the nodes ``indices`` of ``model`` on ``feeds`` in ``onnx.reference``, at the
    model's opsets and with its local functions, and return tensor ``name``."""
    onnx = require("onnx", _PURPOSE)
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    nodes = [model.graph.node[i] for i in indices]
    inputs = [helper.make_tensor_value_info(feed, helper.np_dtype_to_tensor_dtype(value.dtype), value.shape)
              for feed, value in feeds.items()]
    graph = helper.make_graph(nodes, "fold", inputs, [helper.make_value_info(name, onnx.TypeProto())])
    small = helper.make_model(graph, opset_imports=list(model.opset_import), functions=list(model.functions),
                              ir_version=model.ir_version)
    try:
        (result,) = ReferenceEvaluator(small).run([name], feeds)
    except Exception as e:  # any failure of the evaluator (an op it lacks, a shape mismatch) is the caller's error
        ops = sorted({n.op_type for n in nodes})
        raise ValueError(f"{where}: folding tensor {name!r} through {ops} failed: {type(e).__name__}: {e}") from e
    return np.asarray(result)
