"""ONNX ``Resize`` both ways: ``Upsample`` <-> a Resize node's attributes and inputs.

ONNX's Resize (opset 11 and later) is the vocabulary the README's "Why" section borrows, so most
specs map onto it one to one:

=======================  =================================================
spec                     Resize
=======================  =================================================
kernel                   ``mode``: nearest, linear, cubic (no area, no lanczos)
coordinate_transform     ``coordinate_transformation_mode``: half_pixel,
                         asymmetric, align_corners
``nearest`` (floor)      ``nearest_mode="floor"``
``nearest-exact``        ``nearest_mode="round_prefer_ceil"`` (ties up, as
                         torch, TF and JAX round)
cubic_coeff_a            ``cubic_coeff_a``
exclude_outside          ``exclude_outside``
antialias                ``antialias`` (opset 18)
scale_factor             the ``scales`` input: ONNX maps with 1 / scale, as
                         torch does without ``recompute_scale_factor``
size                     the ``sizes`` input (with ``axes``, opset 18; older
                         opsets need the whole input shape)
=======================  =================================================

What ONNX cannot say raises ``ValueError`` naming the missing feature: area
resizing, lanczos, TF's 1024-entry cubic table, Paddle's length-1 rule, the
antialiased filters ONNX computes otherwise (linear, align_corners, cubic
without exclude_outside), and PyTorch's copy of an axis whose length a scale
factor in [1, 2) leaves unchanged (checked when the input shape is known).

Reading goes the other way, opset 7-9's ``Upsample`` too, and also reads
``pytorch_half_pixel`` (half_pixel where no output can have length 1) and
``tf_half_pixel_for_nn`` (TF's legacy half-pixel nearest).  Where ONNX says
more than unisample (``round_prefer_floor`` ties, ``tf_crop_and_resize`` and
with it ``extrapolation_value``, ``half_pixel_symmetric``, any
``keep_aspect_ratio_policy`` but stretch) it refuses instead of guessing.

``_ATTRIBUTES`` has one row per Resize attribute: its default, the values
read, the kernels it applies to, the spec field it carries as is and the
opset that added it.  Both directions read it; each mapping that is more
than a copy is one function (``_read_transform``, ``_nearest_fields``,
``_filter_fields`` reading; ``_written_transform``, ``_check_antialias``
writing).

Building protos needs the ``onnx`` package (``pip install onnx``); working out
attributes needs numpy only.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .kernels import KERNELS
from .optional import require
from .spec import Upsample

__all__ = ["resize_attributes", "resize_inputs", "resize_model", "to_onnx", "from_onnx", "resize_nodes",
           "spec_from_resize"]

_MODES = {k: row.onnx for k, row in KERNELS.items() if row.onnx is not None}

#: the spec's nearest modes -> the nearest_mode computing each (ties up, as
#: torch, TF and JAX round)
_NEAREST_MODES = {"nearest": "floor", "nearest-exact": "round_prefer_ceil"}
_SPEC_NEAREST_MODES = {rounding: mode for mode, rounding in _NEAREST_MODES.items()}


# -- the attribute table ----------------------------------------------------------

@dataclass(frozen=True)
class _Attribute:
    """One row of the Resize attribute table.

    ``default``: ONNX's value when a node leaves the attribute out.
    ``values``: the values unisample reads (empty: not a fixed set), in the
    order messages list them.  ``kernels``: the kernels it is read and
    written for (ONNX ignores it for the others).  ``field``: the spec field
    whose value it carries as is, converted by ``read`` (ONNX to spec) and
    ``write`` (spec to ONNX), float unless the row says; "" where a function
    below maps it instead.  ``opset``: the first opset that has it.
    """

    name: str
    default: Any
    values: Tuple[str, ...] = ()
    kernels: Tuple[str, ...] = tuple(_MODES)
    field: str = ""
    read: Callable[[Any], Any] = float
    write: Callable[[Any], Any] = float
    opset: int = 11


#: name -> row: every attribute of Resize (opset 11 to 19)
_ATTRIBUTES: Dict[str, _Attribute] = {a.name: a for a in (
    # the kernel; the spec's mode adds the rank (linear, bilinear, trilinear)
    # and, for nearest, the rounding (_nearest_fields)
    _Attribute("mode", "nearest", values=tuple(_MODES.values())),
    # half_pixel, asymmetric and align_corners are the spec's own; the others
    # are framework rules that _read_transform and _nearest_fields map
    _Attribute("coordinate_transformation_mode", "half_pixel",
               values=("half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners", "tf_half_pixel_for_nn")),
    # floor is nearest, round_prefer_ceil nearest-exact; round_prefer_floor
    # only where no output lands half-way (_nearest_fields)
    _Attribute("nearest_mode", "round_prefer_floor", kernels=("nearest",)),
    _Attribute("cubic_coeff_a", -0.75, kernels=("cubic",), field="cubic_coeff_a"),
    _Attribute("exclude_outside", 0, kernels=("cubic",), field="exclude_outside", read=bool, write=int),
    _Attribute("antialias", 0, kernels=("linear", "cubic"), field="antialias", read=bool, write=int, opset=18),
    # only tf_crop_and_resize uses it, and unisample refuses that transform
    _Attribute("extrapolation_value", 0.0, kernels=()),
    # anything but stretch computes the sizes from the input shape
    _Attribute("keep_aspect_ratio_policy", "stretch", values=("stretch",), opset=18),
    # which axes scales / sizes cover (all of them when left out)
    _Attribute("axes", None, opset=18),
)}


# -- writing ---------------------------------------------------------------------

def _integral(values) -> bool:
    return all(float(v).is_integer() for v in values)


def resize_attributes(spec: Upsample, input_shape: Optional[Sequence[int]] = None) -> Dict[str, Any]:
    """The Resize attributes computing ``spec``, or ``ValueError`` naming what ONNX lacks.

    ``input_shape`` (the whole shape), when known, lets the check cover the
    cases that depend on it.
    """
    where = f"to_onnx: {spec!r}"
    _check_kernel(spec, where)
    transform = _written_transform(spec, where)
    if spec.antialias:
        _check_antialias(spec, where)
    attributes: Dict[str, Any] = {"mode": _MODES[spec.kernel], "coordinate_transformation_mode": transform}
    if spec.kernel == "nearest":
        attributes["nearest_mode"] = _NEAREST_MODES[spec.mode]
    attributes.update(_carried_values(spec))
    if input_shape is not None:
        _check_unchanged_axes(spec, input_shape, where)
    return attributes


def _check_kernel(spec: Upsample, where: str) -> None:
    """``ValueError`` unless ONNX Resize has the spec's kernel, evaluated as the spec does."""
    if spec.kernel not in _MODES:
        raise ValueError(f"{where}: ONNX Resize has no {spec.kernel!r} mode (only {', '.join(_MODES)})")
    if spec.cubic_table_size is not None:
        raise ValueError(f"{where}: ONNX Resize evaluates the cubic kernel exactly; TF's {spec.cubic_table_size}-entry "
                         "coefficient table (cubic_table_size) has no attribute")


def _carried_values(spec: Upsample) -> Dict[str, Any]:
    """The attributes of the table's rows that carry a spec field for the spec's
    kernel, as ONNX writes them.  One newer than opset 11 is left out at its
    default, so that a model for an older opset can hold the others."""
    carried = {}
    for row in _ATTRIBUTES.values():
        if row.field and spec.kernel in row.kernels:
            value = row.write(getattr(spec, row.field))
            if row.opset == 11 or value != row.default:
                carried[row.name] = value
    return carried


def _written_transform(spec: Upsample, where: str) -> str:
    """The coordinate_transformation_mode computing the spec's coordinate transform."""
    transform = spec.coordinate_transform
    if transform == "paddle_half_pixel":
        size = spec.size
        if size is None or 1 in (size if isinstance(size, tuple) else (size,)):
            raise ValueError(f"{where}: Paddle samples a length-1 output at -0.5 (coordinate_transform="
                             "'paddle_half_pixel'); ONNX has no such mode (it equals half_pixel only when no "
                             "output length is 1, which a fixed size of at least 2 guarantees)")
        return "half_pixel"
    if transform == "asymmetric" and spec.antialias:
        # an antialiased spec keeps the half-pixel formula (README: the
        # coordinate transform only lends its scale), which is ONNX's
        # half_pixel with the same scale
        return "half_pixel"
    return transform


def _check_antialias(spec: Upsample, where: str) -> None:
    """``ValueError`` where ONNX's antialiased Resize is another filter than the spec's."""
    if spec.coordinate_transform == "align_corners":
        # Measured: onnxruntime 1.32 lands up to 1.57 away from torch's
        # antialiased bicubic with align_corners=True (N(0, 1), 7x5 -> 14x10).
        raise ValueError(f"{where}: ONNX's antialiased Resize with align_corners is not torch's "
                         "(onnxruntime differs by up to 1.57 on N(0, 1) input, 7x5 -> 14x10)")
    if spec.kernel == "linear":
        # Measured (onnxruntime 1.32 and onnx 1.23's reference agree with
        # each other): up to 0.13 away from torch/TF antialias=True on
        # N(0, 1) input, 8x8 -> 3x3 (tests/test_onnx.py shows it).
        raise ValueError(f"{where}: ONNX's antialiased linear Resize is a different filter from torch's and "
                         "TF's antialias=True (onnxruntime differs by up to 0.13 on N(0, 1) input, 8x8 -> 3x3)")
    if spec.kernel == "cubic" and not spec.exclude_outside:
        raise ValueError(f"{where}: ONNX's antialiased cubic Resize with exclude_outside=0 is a different filter "
                         "from this spec's (edge pixels repeated under the widened kernel)")


def _check_unchanged_axes(spec: Upsample, input_shape: Sequence[int], where: str) -> None:
    """``ValueError`` where the spec copies an axis its scale factor leaves at its
    length (PyTorch's rule), which ONNX would map with 1 / scale."""
    if spec.scale_factor is None or spec.same_size_copy in (None, "never"):
        return
    axes = spec.spatial_axes(len(input_shape))
    factors = spec.per_axis("scale_factor", len(axes))
    for axis, f in zip(axes, factors):
        n = int(input_shape[axis])
        if f != 1 and math.floor(n * f) == n:
            raise ValueError(
                f"{where}: on input shape {tuple(input_shape)} axis {axis} keeps its length {n} under "
                f"scale_factor {f}; the spec copies it (same_size_copy={spec.same_size_copy!r}, PyTorch's "
                "rule) while ONNX maps it with 1 / scale; give size= instead")


def resize_inputs(spec: Upsample, ndim: int, input_shape, opset: int) -> Tuple[Dict[str, np.ndarray], List[int]]:
    """The ``scales`` or ``sizes`` input (and the ``axes`` attribute, opset 18)."""
    axes = list(spec.spatial_axes(ndim))
    if spec.scale_factor is not None:
        factors = spec.per_axis("scale_factor", len(axes))
        # recompute_scale_factor maps with in/out, which is 1 / scale only for
        # integer scales; otherwise the sizes must be spelled out.
        if not spec.recompute_scale_factor or _integral(factors):
            if any(f > np.finfo(np.float32).max for f in factors):
                raise ValueError(f"to_onnx: scale_factor: got {spec.scale_factor!r}; ONNX stores scales as "
                                 f"float32, whose largest value is {float(np.finfo(np.float32).max):.4g}")
            scales = np.ones(ndim, np.float32)
            scales[axes] = factors
            return {"scales": scales}, []
    if spec.size is not None and opset >= 18:
        return {"sizes": np.asarray(spec.per_axis("size", len(axes)), np.int64)}, axes
    if input_shape is None:
        raise ValueError(f"to_onnx: {spec!r} needs explicit output sizes, which before opset 18 (no 'axes') "
                         "or with recompute_scale_factor and a fractional scale depend on the input shape; "
                         "pass input_shape=")
    return {"sizes": np.asarray(spec.output_shape(tuple(input_shape)), np.int64)}, []


def to_onnx(spec: Upsample, input_shape: Optional[Sequence[int]] = None, ndim: Optional[int] = None,
            opset: int = 19, dtype=np.float32, input_name: str = "x", output_name: str = "y"):
    """A one-node ``onnx.ModelProto`` running ``spec``: ``y = Resize(x, roi, scales | sizes)``.

    The rank comes from ``input_shape`` (whole shape; ``None`` entries are
    dynamic), ``ndim``, or the spec itself.  ``opset`` 11 to 19 (18+ for
    ``antialias`` and for sizes given per spatial axis).  Raises ``ValueError``
    naming the feature when ONNX cannot express the spec.
    """
    if not 11 <= opset <= 19:
        raise ValueError(f"opset: got {opset!r}; expected 11 to 19 (Resize with scales and sizes)")
    static = None if input_shape is None or any(d is None for d in input_shape) else tuple(input_shape)
    if ndim is None:
        ndim = len(input_shape) if input_shape is not None else (spec.spatial_rank or 0) + 2
    if ndim < 3:
        raise ValueError(f"to_onnx: {spec!r} does not fix its number of spatial axes; pass ndim= or input_shape=")
    attributes = resize_attributes(spec, static)
    _check_opset(attributes, opset)
    inputs, axes = resize_inputs(spec, ndim, static, opset)
    if axes:
        attributes["axes"] = axes
    out_shape = spec.output_shape(static) if static else None
    return resize_model(attributes, inputs.get("scales"), inputs.get("sizes"), input_shape, ndim, out_shape,
                        opset=opset, dtype=dtype, input_name=input_name, output_name=output_name)


def _check_opset(attributes: Dict[str, Any], opset: int) -> None:
    """``ValueError`` where an attribute is newer than ``opset`` (antialias: 18)."""
    for name in attributes:
        if _ATTRIBUTES[name].opset > opset:
            raise ValueError(f"to_onnx: {name} needs opset {_ATTRIBUTES[name].opset} or later; got opset={opset}")


def resize_model(attributes: Dict[str, Any], scales, sizes, input_shape, ndim: int, output_shape=None,
                 opset: int = 19, dtype=np.float32, input_name: str = "x", output_name: str = "y"):
    """A checked one-node model ``y = Resize(x, roi, scales | sizes)`` with these attributes."""
    onnx = require("onnx", "writing ONNX (to_onnx)")
    from onnx import helper, numpy_helper

    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    initializers = [numpy_helper.from_array(np.zeros(0, np.float32), "roi")]
    names = [input_name, "roi"]
    if scales is not None:
        initializers.append(numpy_helper.from_array(np.asarray(scales, np.float32), "scales"))
        names.append("scales")
    else:
        initializers.append(numpy_helper.from_array(np.asarray(sizes, np.int64), "sizes"))
        if opset < 13:  # scales is not optional before opset 13: an empty one
            initializers.append(numpy_helper.from_array(np.zeros(0, np.float32), "scales"))
            names += ["scales", "sizes"]
        else:
            names += ["", "sizes"]
    node = helper.make_node("Resize", names, [output_name], name="unisample_resize", **attributes)
    dims = list(input_shape) if input_shape is not None else ["N"] + [f"d{i}" for i in range(1, ndim)]
    out_dims = list(output_shape) if output_shape is not None else [f"out{i}" for i in range(ndim)]
    graph = helper.make_graph(
        [node], "unisample_resize", [helper.make_tensor_value_info(input_name, elem, dims)],
        [helper.make_tensor_value_info(output_name, elem, out_dims)], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="unisample")
    model.ir_version = min(model.ir_version, 9)  # readable by onnxruntime releases of the last two years
    onnx.checker.check_model(model)
    return model


# -- reading ---------------------------------------------------------------------

def spec_from_resize(attributes: Dict[str, Any], scales=None, sizes=None, data_format: Optional[str] = None,
                     op_type: str = "Resize") -> Upsample:
    """The spec of a Resize (or opset-9 ``Upsample``) with these attributes and
    constant ``scales`` / ``sizes`` (over every axis, or over ``axes``).

    ``data_format`` says where the channels are; left out, it is read from
    ``axes`` (channels first if the first is 2) or from which axes the scales
    leave alone (channels first unless they resize the second axis and leave
    the last alone).
    """
    resolved = _read_attributes(attributes, op_type)
    where = f"from_onnx: {op_type}({', '.join(f'{k}={v!r}' for k, v in attributes.items())})"
    if (scales is None) == (sizes is None):
        raise ValueError(f"{where}: needs exactly one of constant scales and sizes")
    values, data_format = _spatial_values(resolved["axes"], scales, sizes, data_format, where)
    if resolved["keep_aspect_ratio_policy"] not in _ATTRIBUTES["keep_aspect_ratio_policy"].values:
        raise ValueError(f"{where}: keep_aspect_ratio_policy={resolved['keep_aspect_ratio_policy']!r} makes the "
                         "size depend on the input; give the sizes it computes")
    resize = _resize_fields(values, scaled=scales is not None)
    transform = _read_transform(resolved, resize, where)
    if resolved["mode"] == "nearest":
        fields = _nearest_fields(transform, resolved["nearest_mode"], resize.get("scale_factor"), where)
    else:
        fields = _filter_fields(resolved, transform, len(values), where)
    return Upsample(data_format=data_format, **resize, **fields)


#: what opset 7-9's Upsample operator fixes: the asymmetric mapping, nearest floors
_UPSAMPLE_OPERATOR = {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}


def _read_attributes(attributes: Dict[str, Any], op_type: str) -> Dict[str, Any]:
    """Every attribute of the table, as given or its default, strings decoded
    (protobuf gives bytes); ``ValueError`` for an attribute Resize has not."""
    unknown = sorted(set(attributes) - set(_ATTRIBUTES))
    if unknown:
        raise ValueError(f"from_onnx: unknown {op_type} attributes {unknown}")
    resolved = {**{name: row.default for name, row in _ATTRIBUTES.items()}, **attributes}
    resolved = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in resolved.items()}
    if op_type == "Upsample":
        resolved.update(_UPSAMPLE_OPERATOR)
        resolved["mode"] = {"bilinear": "linear"}.get(resolved["mode"], resolved["mode"])
    return resolved


def _spatial_values(axes, scales, sizes, data_format: Optional[str], where: str) -> Tuple[np.ndarray, str]:
    """The scales or sizes of the spatial axes, and ``data_format`` (guessed where not given)."""
    values = np.asarray(scales if scales is not None else sizes).ravel()
    if axes is not None:  # the values are the spatial axes' already
        spatial = _checked_axes(axes, len(values), where)
        if data_format is None:
            data_format = "channels_first" if min(spatial) == 2 else "channels_last"
        return values, data_format
    ndim = len(values)
    if not 3 <= ndim <= 5:
        raise ValueError(f"{where}: {ndim} scales/sizes; expected 3 to 5 (batch, channels, 1-3 spatial axes)")
    if data_format is None:
        data_format = _guessed_data_format(values, scaled=scales is not None)
    spatial = list(range(1, ndim - 1)) if data_format == "channels_last" else list(range(2, ndim))
    if scales is not None and any(values[i] != 1 for i in range(ndim) if i not in spatial):
        raise ValueError(f"{where}: scales {values.tolist()} resize the batch or channel axis; "
                         "unisample resizes spatial axes only")
    return values[spatial], data_format


def _checked_axes(axes, count: int, where: str) -> List[int]:
    """The ``axes`` attribute as a list, or ValueError unless it names 1 to 3
    distinct axes after the batch, one per scale or size."""
    spatial = np.asarray(axes).ravel().tolist() if isinstance(axes, (list, tuple, np.ndarray)) else None
    if (spatial is None or not 1 <= len(spatial) <= 3 or len(spatial) != count
            or not all(isinstance(a, int) and a >= 1 for a in spatial) or len(set(spatial)) != len(spatial)):
        raise ValueError(f"{where}: axes {axes!r} with {count} scales/sizes; expected 1 to 3 distinct "
                         "axes, each >= 1 (never the batch), one per scale or size")
    return spatial


def _guessed_data_format(values: np.ndarray, scaled: bool) -> str:
    """Where the channels are, from scales over every axis: last if the scales
    leave the last axis alone and not the second (sizes say nothing: first)."""
    return "channels_last" if scaled and values[1] != 1 and values[-1] == 1 else "channels_first"


def _resize_fields(values: np.ndarray, scaled: bool) -> Dict[str, Any]:
    """The spec's ``size``, or its ``scale_factor`` with ONNX's rule for an axis the scale leaves unchanged."""
    if not scaled:
        return {"size": tuple(int(v) for v in values)}
    # ONNX maps with 1 / scale on every axis; PyTorch's rule copies such an axis
    return {"scale_factor": tuple(float(v) for v in values), "same_size_copy": "never"}


def _read_transform(resolved: Dict[str, Any], resize: Dict[str, Any], where: str) -> str:
    """The coordinate transformation mode as unisample names it (tf_half_pixel_for_nn
    stays, for ``_nearest_fields``), or ``ValueError`` where it has no equivalent."""
    transform = resolved["coordinate_transformation_mode"]
    if transform == "pytorch_half_pixel":
        # torch's exporter writes it; it differs from half_pixel only on a
        # length-1 output, which torch samples at the centre (README "Why").
        if 1 in resize.get("size", ()) or any(f < 1 for f in resize.get("scale_factor", ())):
            raise ValueError(f"{where}: pytorch_half_pixel maps a length-1 output to 0, torch and unisample to the "
                             "input's centre; with these sizes/scales an output may have length 1")
        transform = "half_pixel"
    known = _ATTRIBUTES["coordinate_transformation_mode"].values
    if transform not in known:
        raise ValueError(f"{where}: coordinate_transformation_mode={transform!r} has no unisample equivalent "
                         f"({', '.join(known)})")
    # extrapolation_value only applies to tf_crop_and_resize, refused above;
    # it is still read, so that a value that is no number is an error
    float(resolved["extrapolation_value"])
    return transform


def _nearest_fields(transform: str, rounding: str, factor: Optional[Tuple[float, ...]], where: str) -> Dict[str, Any]:
    """The spec's mode and coordinate transform for ``mode="nearest"`` with this ``nearest_mode``."""
    if transform == "tf_half_pixel_for_nn":
        # v = (dst + 0.5) * in/out, then the rounding: floor(v) is TF's
        # legacy half-pixel nearest, i.e. nearest-exact.
        if rounding != "floor":
            raise ValueError(f"{where}: tf_half_pixel_for_nn with nearest_mode={rounding!r} is not a "
                             "framework's rule; only 'floor' (TF's) is supported")
        return {"mode": "nearest-exact"}
    if rounding == "round_prefer_floor" and _no_ties(transform, factor):
        rounding = "round_prefer_ceil"  # the two agree where no output lands half-way
    if rounding in _NEAREST_MODES.values():
        return {"mode": _SPEC_NEAREST_MODES[rounding], "coordinate_transform": transform}
    raise ValueError(f"{where}: nearest_mode={rounding!r} rounds exact halves "
                     f"{'down' if rounding == 'round_prefer_floor' else 'up (ceil)'}; unisample's nearest modes "
                     "floor or round halves up (torch, TF, JAX), which differ here "
                     "(for example when downsampling by 2)")


def _filter_fields(resolved: Dict[str, Any], transform: str, rank: int, where: str) -> Dict[str, Any]:
    """The spec's mode and extras for ``mode="linear"`` or ``"cubic"``: the table's
    rows that carry a field, and the transform (align_corners is a flag of these modes)."""
    mode = resolved["mode"]
    if transform == "tf_half_pixel_for_nn":
        raise ValueError(f"{where}: tf_half_pixel_for_nn is a nearest-only mode")
    known = _ATTRIBUTES["mode"].values
    if mode not in known:
        raise ValueError(f"{where}: mode={mode!r}; expected {', '.join(known[:-1])} or {known[-1]}")
    fields = {row.field: row.read(resolved[row.name])
              for row in _ATTRIBUTES.values() if row.field and mode in row.kernels}
    fields["mode"] = "bicubic" if mode == "cubic" else {1: "linear", 2: "bilinear", 3: "trilinear"}[rank]
    if transform == "align_corners":
        fields["align_corners"] = True
    else:
        fields["coordinate_transform"] = transform
    return fields


def _no_ties(transform: str, factor) -> bool:
    """Whether round_prefer_floor and round_prefer_ceil agree: no output pixel
    lands exactly half-way, which holds for integer upscaling with half-pixel
    centres ((2j + 1) / 2s is never an integer + 1/2)."""
    return transform == "half_pixel" and factor is not None and all(f >= 1 and float(f).is_integer() for f in factor)


def _constant(model, name: str):
    from onnx import numpy_helper

    if not name:
        return None
    for init in model.graph.initializer:
        if init.name == name:
            return numpy_helper.to_array(init)
    for node in model.graph.node:
        if node.op_type == "Constant" and name in node.output:
            for attr in node.attribute:
                if attr.name == "value":
                    return numpy_helper.to_array(attr.t)
    raise ValueError(f"from_onnx: input {name!r} is computed in the graph; unisample reads constant scales/sizes")


def _sizes(model, name: str):
    """The constant ``sizes`` input, or ``(spatial sizes, axes)`` of the pattern torch's
    exporter writes for ``size=``: ``Concat(Shape(x)[:2], constant spatial sizes)``."""
    if not name:
        return None, None
    try:
        return _constant(model, name), None
    except ValueError:
        producer = next((n for n in model.graph.node if name in n.output), None)
        if producer is None or producer.op_type != "Concat" or len(producer.input) != 2:
            raise
        tail = _constant(model, producer.input[1])  # the batch and channel sizes come from Shape(x)
        return tail, list(range(2, 2 + tail.size))


def load(path) -> Any:
    """``onnx.load(path)``, with ``ValueError`` naming the file when it is missing,
    unreadable, or not an ONNX model (an empty file parses as an empty model:
    it would list no nodes, silently)."""
    onnx = require("onnx", "reading ONNX (from_onnx, scan)")
    name = os.fspath(path) if not isinstance(path, bytes) else path.decode(errors="replace")
    if not os.path.isfile(name):
        raise ValueError(f"{name!r} does not exist or is not a file")
    try:
        model = onnx.load(name)
    except Exception as e:  # protobuf's DecodeError and friends: the file is not a model
        raise ValueError(f"{name!r} is not an ONNX model: {type(e).__name__}: {str(e)[:200]}") from None
    if not model.HasField("graph") or not model.graph.node:
        raise ValueError(f"{name!r} is not an ONNX model with a graph (empty or truncated file?)")
    return model


def resize_nodes(model) -> List[Tuple[Any, Union[Upsample, ValueError]]]:
    """Every Resize / Upsample node of ``model`` (a ModelProto or a path) with its
    spec, or the ``ValueError`` saying why it has none: ``[(node, spec or error)]``."""
    from onnx import helper

    if isinstance(model, (str, bytes)) or hasattr(model, "__fspath__"):
        model = load(model)
    found: List[Tuple[Any, Union[Upsample, ValueError]]] = []
    for node in model.graph.node:
        if node.op_type not in ("Resize", "Upsample"):
            continue
        attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if "axes" in attributes:
            attributes["axes"] = list(attributes["axes"])
        try:
            inputs = list(node.input) + [""] * 4
            if node.op_type == "Upsample" or len(node.input) == 2 and node.op_type == "Resize":
                scales, sizes = _constant(model, inputs[1]), None  # opset 9-10: (X, scales)
            else:
                scales = _constant(model, inputs[2])
                if scales is not None and scales.size == 0:
                    scales = None
                sizes, axes = _sizes(model, inputs[3])
                if axes is not None:
                    attributes["axes"] = axes
            found.append((node, spec_from_resize(attributes, scales, sizes, op_type=node.op_type)))
        except ValueError as e:
            found.append((node, e))
    return found


def from_onnx(obj) -> Upsample:
    """The spec of a Resize node (with its model, for constant inputs: pass
    ``(model, node)``) or of the only Resize/Upsample node of a model or file."""
    if isinstance(obj, tuple):
        model, node = obj
        matches = [(n, s) for n, s in resize_nodes(model) if n is node or n.name == node.name]
    else:
        matches = resize_nodes(obj)
    if len(matches) != 1:
        raise ValueError(f"from_onnx: found {len(matches)} Resize/Upsample nodes; pass (model, node) to pick one "
                         "or use unisample.onnx.resize_nodes(model) for all of them")
    (_, spec), = matches
    if isinstance(spec, Exception):
        raise spec
    return spec
