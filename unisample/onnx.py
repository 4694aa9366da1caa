"""ONNX ``Resize`` both ways: ``Upsample`` <-> a Resize node's attributes and inputs.

ONNX's Resize (opsets 10 to 19; opset 7-9's ``Upsample`` too) is the most
complete public vocabulary of resizing, and the spec speaks all of it
(README "ONNX"):

=================================  ==============================================
Resize                             spec
=================================  ==============================================
``mode``                           the kernel: nearest, linear, cubic (no area, no lanczos)
``coordinate_transformation_mode`` ``coordinate_transform`` of the same name
                                   (``align_corners``: ``align_corners=True``;
                                   ``pytorch_half_pixel``: half_pixel where no
                                   output can have length 1)
``nearest_mode``                   ``nearest_mode`` (``floor``: mode ``nearest``,
                                   ``round_prefer_ceil``: ``nearest-exact``)
``cubic_coeff_a``                  ``cubic_coeff_a``
``exclude_outside``                ``exclude_outside`` (cubic; linear with antialias)
``antialias`` (opset 18)           ``antialias`` (half-pixel coordinates only)
``extrapolation_value``, ``roi``   ``extrapolation_value``, ``roi`` (``tf_crop_and_resize``)
``keep_aspect_ratio_policy`` (18)  ``keep_aspect_ratio_policy`` (with sizes)
``axes`` (18)                      any order, negative; spatial axes left out keep their length
``scales``                         ``scale_factor`` with ``same_size_copy="never"``: ONNX
                                   maps with 1 / scale
``sizes``                          ``size``
=================================  ==============================================

What ONNX cannot say raises ``ValueError`` naming the missing feature: area
resizing, lanczos, TF's 1024-entry cubic table, Paddle's length-1 rule,
antialiasing around align_corners coordinates (ONNX widens its kernel around
another point than torch), and a scale factor that leaves an axis at its
length (onnxruntime copies it, ONNX's reference maps it with 1 / scale;
checked when the input shape is known).

``_ATTRIBUTES`` has one row per Resize attribute: its default, the values
read, the kernels it applies to, the spec field it carries as is, when it
means something and the opset that added it.  Both directions read it; each
mapping that is more than a copy is one function (``_read_transform``,
``_nearest_fields``, ``_filter_fields``, ``_Axes`` reading;
``_written_transform``, ``_roi_input`` writing).  Inputs computed in the
graph are folded by ``unisample.onnx_graph``.

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
from .spec import KEEP_ASPECT_RATIO_POLICIES, NEAREST_MODES, Upsample

__all__ = ["check_opset", "resize_attributes", "resize_inputs", "resize_model", "to_onnx", "from_onnx", "resize_nodes",
           "spec_from_resize"]

_MODES = {k: row.onnx for k, row in KERNELS.items() if row.onnx is not None}

#: ONNX's coordinate_transformation_mode values, each the spec's transform of that name
#: (``pytorch_half_pixel`` is read as half_pixel where no output can have length 1)
_TRANSFORMS = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric",
               "tf_half_pixel_for_nn", "tf_crop_and_resize")


# -- the attribute table ----------------------------------------------------------

def _always(resolved: Dict[str, Any], sized: bool) -> bool:
    return True


@dataclass(frozen=True)
class _Attribute:
    """One row of the Resize attribute table.

    ``default``: ONNX's value when a node leaves the attribute out.
    ``values``: the values unisample reads (empty: not a fixed set), in the
    order messages list them.  ``kernels``: the kernels it is read and
    written for (ONNX ignores it for the others).  ``field``: the spec field
    whose value it carries as is, converted by ``read`` (ONNX to spec) and
    ``write`` (spec to ONNX), float unless the row says; "" where a function
    below maps it instead.  ``when(resolved attributes, sized)``: whether a
    node's value means something (``sized``: the node gives sizes, not
    scales); where not, it is not read.  ``opset``: the first opset that has it.
    """

    name: str
    default: Any
    values: Tuple[str, ...] = ()
    kernels: Tuple[str, ...] = tuple(_MODES)
    field: str = ""
    read: Callable[[Any], Any] = float
    write: Callable[[Any], Any] = float
    when: Callable[[Dict[str, Any], bool], bool] = _always
    opset: int = 11


#: name -> row: every attribute of Resize (opset 11 to 19)
_ATTRIBUTES: Dict[str, _Attribute] = {a.name: a for a in (
    # the kernel; the spec's mode adds the rank (linear, bilinear, trilinear)
    # and, for nearest, whether it floors (_nearest_fields)
    _Attribute("mode", "nearest", values=tuple(_MODES.values())),
    # every one is the spec's transform of the same name (_read_transform,
    # _written_transform map the rest)
    _Attribute("coordinate_transformation_mode", "half_pixel", values=_TRANSFORMS),
    _Attribute("nearest_mode", "round_prefer_floor", kernels=("nearest",), field="nearest_mode", read=str, write=str,
               values=NEAREST_MODES),
    _Attribute("cubic_coeff_a", -0.75, kernels=("cubic",), field="cubic_coeff_a"),
    # a linear tap outside the input weighs the same either way, unless the
    # kernel is widened (antialias)
    _Attribute("exclude_outside", 0, kernels=("linear", "cubic"), field="exclude_outside", read=bool, write=int,
               when=lambda r, sized: r["mode"] == "cubic" or bool(r["antialias"])),
    _Attribute("antialias", 0, kernels=("linear", "cubic"), field="antialias", read=bool, write=int, opset=18),
    _Attribute("extrapolation_value", 0.0, field="extrapolation_value",
               when=lambda r, sized: r["coordinate_transformation_mode"] == "tf_crop_and_resize"),
    # ONNX reads it only with sizes
    _Attribute("keep_aspect_ratio_policy", "stretch", values=KEEP_ASPECT_RATIO_POLICIES,
               field="keep_aspect_ratio_policy", read=str, write=str, when=lambda r, sized: sized, opset=18),
    # which axes scales / sizes / roi cover (all of them when left out)
    _Attribute("axes", None, opset=18),
)}

#: the first opset of each transform that is newer than Resize-11
_TRANSFORM_OPSETS = {"half_pixel_symmetric": 19}


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
    if spec.antialias and spec.coordinate_transform == "align_corners":
        # Measured: onnxruntime 1.32 lands up to 1.57 away from torch's
        # antialiased bicubic with align_corners=True (N(0, 1), 7x5 -> 14x10):
        # ONNX widens the kernel around the align_corners coordinate, torch
        # around the half-pixel one.
        raise ValueError(f"{where}: ONNX's antialiased Resize with align_corners is not torch's "
                         "(onnxruntime differs by up to 1.57 on N(0, 1) input, 7x5 -> 14x10)")
    attributes: Dict[str, Any] = {"mode": _MODES[spec.kernel], "coordinate_transformation_mode": transform}
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
        value = getattr(spec, row.field) if row.field else None
        if value is not None and spec.kernel in row.kernels:
            value = row.write(value)
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


def _check_unchanged_axes(spec: Upsample, input_shape: Sequence[int], where: str) -> None:
    """``ValueError`` where a scale factor other than 1 leaves an axis at its length:
    onnxruntime copies such an axis, ONNX's reference maps it with 1 / scale
    (the spec decides with ``same_size_copy``), so no one Resize node says
    what the spec computes."""
    if spec.scale_factor is None or spec.same_size_copy is None:
        return
    axes = spec.spatial_axes(len(input_shape))
    factors = spec.per_axis("scale_factor", len(axes))
    for axis, f in zip(axes, factors):
        n = int(input_shape[axis])
        if f != 1 and math.floor(n * f) == n:
            raise ValueError(
                f"{where}: on input shape {tuple(input_shape)} axis {axis} keeps its length {n} under "
                f"scale_factor {f}; onnxruntime copies such an axis while ONNX's reference maps it with "
                "1 / scale (README 'ONNX'); give size= instead")


def resize_inputs(spec: Upsample, ndim: int, input_shape, opset: int) -> Tuple[Dict[str, np.ndarray], List[int]]:
    """The ``scales`` or ``sizes`` input (and ``roi`` for ``tf_crop_and_resize``),
    and the ``axes`` attribute (opset 18 and later; empty: every axis)."""
    inputs, axes = _scales_or_sizes(spec, ndim, input_shape, opset)
    if spec.roi is not None:
        inputs["roi"] = _roi_input(spec, ndim, axes)
    return inputs, axes


def _scales_or_sizes(spec: Upsample, ndim: int, input_shape, opset: int) -> Tuple[Dict[str, np.ndarray], List[int]]:
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
    if spec.keep_aspect_ratio_policy not in (None, "stretch"):
        raise ValueError(f"to_onnx: keep_aspect_ratio_policy={spec.keep_aspect_ratio_policy!r} needs opset 18 or "
                         f"later; got opset={opset}")
    if input_shape is None:
        raise ValueError(f"to_onnx: {spec!r} needs explicit output sizes, which before opset 18 (no 'axes') "
                         "or with recompute_scale_factor and a fractional scale depend on the input shape; "
                         "pass input_shape=")
    return {"sizes": np.asarray(spec.output_shape(tuple(input_shape)), np.int64)}, []


def _roi_input(spec: Upsample, ndim: int, axes: List[int]) -> np.ndarray:
    """ONNX's ``roi``: every start, then every end, over ``axes`` (or every axis: 0 and 1 elsewhere)."""
    spatial = list(spec.spatial_axes(ndim))
    pairs = dict(zip(spatial, spec.roi_per_axis(len(spatial))))
    covered = axes or list(range(ndim))
    starts = [pairs.get(a, (0.0, 1.0))[0] for a in covered]
    ends = [pairs.get(a, (0.0, 1.0))[1] for a in covered]
    return np.asarray(starts + ends, np.float32)


def to_onnx(spec: Upsample, input_shape: Optional[Sequence[int]] = None, ndim: Optional[int] = None,
            opset: int = 19, dtype=np.float32, input_name: str = "x", output_name: str = "y"):
    """A one-node ``onnx.ModelProto`` running ``spec``: ``y = Resize(x, roi, scales | sizes)``.

    The rank comes from ``input_shape`` (whole shape; ``None`` entries are
    dynamic), ``ndim``, or the spec itself.  ``opset`` 11 to 19 (18+ for
    ``antialias``, ``keep_aspect_ratio_policy`` and sizes given per spatial
    axis; 19 for ``half_pixel_symmetric``).  Raises ``ValueError`` naming the
    feature when ONNX cannot express the spec.
    """
    if not 11 <= opset <= 19:
        raise ValueError(f"opset: got {opset!r}; expected 11 to 19 (Resize with scales and sizes)")
    static = None if input_shape is None or any(d is None for d in input_shape) else tuple(input_shape)
    if ndim is None:
        ndim = len(input_shape) if input_shape is not None else (spec.spatial_rank or 0) + 2
    if ndim < 3:
        raise ValueError(f"to_onnx: {spec!r} does not fix its number of spatial axes; pass ndim= or input_shape=")
    attributes = resize_attributes(spec, static)
    check_opset(attributes, opset)
    inputs, axes = resize_inputs(spec, ndim, static, opset)
    if axes:
        attributes["axes"] = axes
    out_shape = spec.output_shape(static) if static else None
    return resize_model(attributes, inputs.get("scales"), inputs.get("sizes"), input_shape, ndim, out_shape,
                        opset=opset, dtype=dtype, input_name=input_name, output_name=output_name,
                        roi=inputs.get("roi"))


def check_opset(attributes: Dict[str, Any], opset: int) -> None:
    """``ValueError`` where an attribute (or its value) is newer than ``opset``."""
    for name in attributes:
        if _ATTRIBUTES[name].opset > opset:
            raise ValueError(f"to_onnx: {name} needs opset {_ATTRIBUTES[name].opset} or later; got opset={opset}")
    transform = attributes["coordinate_transformation_mode"]
    if _TRANSFORM_OPSETS.get(transform, 11) > opset:
        raise ValueError(f"to_onnx: coordinate_transformation_mode={transform!r} needs opset "
                         f"{_TRANSFORM_OPSETS[transform]} or later; got opset={opset}")


def resize_model(attributes: Dict[str, Any], scales, sizes, input_shape, ndim: int, output_shape=None,
                 opset: int = 19, dtype=np.float32, input_name: str = "x", output_name: str = "y", roi=None):
    """A checked one-node model ``y = Resize(x, roi, scales | sizes)`` with these attributes."""
    onnx = require("onnx", "writing ONNX (to_onnx)")
    from onnx import helper, numpy_helper

    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    roi = np.zeros(0, np.float32) if roi is None else np.asarray(roi, np.float32)
    initializers = [numpy_helper.from_array(roi, "roi")]
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
                     op_type: str = "Resize", roi=None, input_shape: Optional[Sequence[Optional[int]]] = None
                     ) -> Upsample:
    """The spec of a Resize (or opset 7-9 ``Upsample``) with these attributes and
    constant ``scales`` / ``sizes`` / ``roi`` (over every axis, or over ``axes``).

    ``input_shape`` (the data input's whole shape, ``None`` for an unknown
    dimension), where known, fixes the rank (negative ``axes``) and the
    lengths of spatial axes that ``axes`` leaves out of ``sizes``.
    ``data_format`` says where the channels are; left out, it is read from
    ``axes`` (channels last if they name axis 1) or from which axes the
    scales leave alone (channels first unless they resize the second axis and
    leave the last alone).
    """
    resolved = _read_attributes(attributes, op_type)
    where = f"from_onnx: {op_type}({', '.join(f'{k}={v!r}' for k, v in attributes.items())})"
    if (scales is None) == (sizes is None):
        raise ValueError(f"{where}: needs exactly one of constant scales and sizes")
    axes = _Axes.read(resolved["axes"], scales if scales is not None else sizes, scales is not None, data_format,
                      input_shape, where)
    values = axes.spatial_values(np.asarray(scales if scales is not None else sizes, np.float64).ravel(),
                                 scaled=scales is not None, input_shape=input_shape, where=where)
    resize = _resize_fields(values, scaled=scales is not None)
    transform = _read_transform(resolved, resize, where)
    fields = _carried_fields(resolved, sized=sizes is not None)
    if transform == "tf_crop_and_resize":
        fields["roi"] = axes.spatial_roi(roi, where)
    else:
        fields.pop("extrapolation_value", None)
    if resolved["mode"] == "nearest":
        fields.update(_nearest_fields(transform, fields.pop("nearest_mode"), resize.get("scale_factor")))
    else:
        fields.update(_filter_fields(resolved, transform, len(values), where))
    try:
        return Upsample(data_format=axes.data_format, **resize, **fields)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: {e}") from None


#: what opset 7-9's Upsample operator fixes: the asymmetric mapping, nearest floors
_UPSAMPLE_OPERATOR = {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}


def _read_attributes(attributes: Dict[str, Any], op_type: str) -> Dict[str, Any]:
    """Every attribute of the table, as given or its default, strings decoded
    (protobuf gives bytes); ``ValueError`` for an attribute Resize has not or
    a value unisample does not know."""
    unknown = sorted(set(attributes) - set(_ATTRIBUTES))
    if unknown:
        raise ValueError(f"from_onnx: unknown {op_type} attributes {unknown}")
    resolved = {**{name: row.default for name, row in _ATTRIBUTES.items()}, **attributes}
    resolved = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in resolved.items()}
    if op_type == "Upsample":
        resolved.update(_UPSAMPLE_OPERATOR)
        resolved["mode"] = {"bilinear": "linear"}.get(resolved["mode"], resolved["mode"])
    for name, row in _ATTRIBUTES.items():
        if row.values and resolved[name] not in row.values:
            raise ValueError(f"from_onnx: {op_type}({name}={resolved[name]!r}): expected one of "
                             f"{', '.join(repr(v) for v in row.values)}")
    return resolved


@dataclass(frozen=True)
class _Axes:
    """Which axes a Resize node's scales / sizes / roi cover (``given``, in their
    order), the input's rank where known, and the spec's ``data_format``."""

    given: Tuple[int, ...]
    ndim: Optional[int]
    data_format: str

    @classmethod
    def read(cls, axes, values, scaled: bool, data_format: Optional[str], input_shape, where: str) -> "_Axes":
        count = int(np.asarray(values).size)
        ndim = None if input_shape is None else len(input_shape)
        if axes is None:
            if not 3 <= count <= 5 or (ndim is not None and ndim != count):
                raise ValueError(f"{where}: {count} scales/sizes"
                                 f"{'' if ndim is None else f' on a {ndim}-D input'}; expected one per axis "
                                 "of the input: 3 to 5 (batch, channels, 1-3 spatial axes)")
            if data_format is None:
                data_format = _guessed_data_format(np.asarray(values).ravel(), scaled=scaled)
            return cls(tuple(range(count)), count, data_format)
        given = _checked_axes(axes, count, ndim, where)
        if data_format is None:
            data_format = "channels_last" if 1 in given else "channels_first"
        return cls(given, ndim, data_format)

    def spatial(self, where: str) -> List[int]:
        """The spatial axes of the input (from its rank, or the ones given)."""
        last = self.data_format == "channels_last"
        if self.ndim is None:
            first = 1 if last else 2
            if sorted(self.given) != list(range(first, first + len(self.given))):
                raise ValueError(f"{where}: axes {list(self.given)} leave spatial axes out, whose lengths depend on "
                                 "the input; pass input_shape=")
            return sorted(self.given)
        return list(range(1, self.ndim - 1)) if last else list(range(2, self.ndim))

    def spatial_values(self, values: np.ndarray, scaled: bool, input_shape, where: str) -> np.ndarray:
        """One scale or size per spatial axis, in axis order; 1 (or the input's length) where not given."""
        by_axis = dict(zip(self.given, values.tolist()))
        spatial = self.spatial(where)
        for axis, v in by_axis.items():
            # sizes of the batch and channel axes are the input's lengths
            # (unknown here: nothing to check against)
            kept = 1 if scaled else _length(input_shape, axis)
            if axis not in spatial and kept is not None and v != kept:
                kind = "scales" if scaled else "sizes"
                raise ValueError(f"{where}: {kind} {values.tolist()} resize axis {axis}, the batch or channel "
                                 f"axis ({self.data_format}); unisample resizes spatial axes only")
        out = []
        for axis in spatial:
            if axis in by_axis:
                out.append(by_axis[axis])
            elif scaled:
                out.append(1.0)
            else:
                n = _length(input_shape, axis)
                if n is None:
                    raise ValueError(f"{where}: sizes over axes {list(self.given)} leave axis {axis} at the input's "
                                     "length, which is not known here; pass input_shape=")
                out.append(n)
        return np.asarray(out, np.float64)

    def spatial_roi(self, roi, where: str) -> Tuple[Tuple[float, float], ...]:
        """``roi`` (starts then ends over the given axes) as one (start, end) pair per spatial axis."""
        if roi is None or np.asarray(roi).size != 2 * len(self.given):
            raise ValueError(f"{where}: tf_crop_and_resize needs a constant roi of {2 * len(self.given)} values "
                             f"(starts then ends over axes {list(self.given)}); got "
                             f"{None if roi is None else np.asarray(roi).tolist()}")
        flat = np.asarray(roi, np.float64).ravel().tolist()
        pairs = {a: (flat[i], flat[i + len(self.given)]) for i, a in enumerate(self.given)}
        spatial = self.spatial(where)
        for axis, pair in pairs.items():
            if axis not in spatial and pair != (0.0, 1.0):
                raise ValueError(f"{where}: roi {flat} crops axis {axis}, the batch or channel axis; unisample "
                                 "crops spatial axes only")
        return tuple(pairs.get(a, (0.0, 1.0)) for a in spatial)


def _length(input_shape, axis: int) -> Optional[int]:
    if input_shape is None or input_shape[axis] is None:
        return None
    return int(input_shape[axis])


def _checked_axes(axes, count: int, ndim: Optional[int], where: str) -> Tuple[int, ...]:
    """The ``axes`` attribute as non-negative axes, or ValueError unless it names 1
    to 3 distinct axes after the batch (negative ones need the input's rank),
    one per scale or size."""
    given = np.asarray(axes).ravel().tolist() if isinstance(axes, (list, tuple, np.ndarray)) else None
    if given is not None and any(isinstance(a, int) and a < 0 for a in given):
        if ndim is None:
            raise ValueError(f"{where}: negative axes {axes!r} count from the input's rank, which is not known "
                             "here; pass input_shape=")
        given = [a + ndim if isinstance(a, int) and -ndim <= a < 0 else a for a in given]
    if given is None or not _valid_axes(given, count, ndim):
        raise ValueError(f"{where}: axes {axes!r} with {count} scales/sizes; expected 1 to 3 distinct "
                         "axes of the input, never the batch (0), one per scale or size")
    return tuple(given)


def _valid_axes(axes: List[Any], count: int, ndim: Optional[int]) -> bool:
    """1 to 3 distinct int axes in [1, ndim), one per scale or size."""
    return (1 <= len(axes) <= 3 and len(axes) == count and len(set(axes)) == len(axes)
            and all(isinstance(a, int) and 1 <= a < (ndim or 1 << 30) for a in axes))


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
    """The spec's coordinate transform: ONNX's of the same name, ``pytorch_half_pixel``
    as half_pixel where no output can have length 1."""
    transform = resolved["coordinate_transformation_mode"]
    if transform == "pytorch_half_pixel":
        # torch's exporter writes it; it differs from half_pixel only on a
        # length-1 output (README "ONNX")
        if not (1 in resize.get("size", ()) or any(f < 1 for f in resize.get("scale_factor", ()))):
            return "half_pixel"
    if resolved["antialias"] and transform not in ("half_pixel", "pytorch_half_pixel"):
        # ONNX widens its kernel around the transform's own coordinate; the
        # spec's antialiased filters keep the half-pixel one (torch's)
        raise ValueError(f"{where}: ONNX's antialiased Resize with coordinate_transformation_mode={transform!r} "
                         "widens the kernel around that transform's coordinate; unisample's antialiased "
                         "filters (torch's, TF's) are centred on half-pixel coordinates")
    return transform


def _carried_fields(resolved: Dict[str, Any], sized: bool) -> Dict[str, Any]:
    """The spec fields the table's rows carry as is, for the node's kernel, where they mean something."""
    return {row.field: row.read(resolved[row.name]) for row in _ATTRIBUTES.values()
            if row.field and resolved["mode"] in row.kernels and row.when(resolved, sized)}


def _nearest_fields(transform: str, rounding: str, factor: Optional[Tuple[float, ...]]) -> Dict[str, Any]:
    """The spec's mode, nearest_mode and coordinate transform for ``mode="nearest"``."""
    if transform == "tf_half_pixel_for_nn" and rounding == "floor":
        # floor((dst + 0.5) * in/out) is the half-pixel coordinate rounded
        # half up: TF's legacy half-pixel nearest, nearest-exact
        return {"mode": "nearest-exact"}
    if rounding == "round_prefer_floor" and _no_ties(transform, factor):
        rounding = "round_prefer_ceil"  # the two agree where no output lands half-way
    return {"mode": "nearest" if rounding == "floor" else "nearest-exact", "nearest_mode": rounding,
            "coordinate_transform": transform}


def _filter_fields(resolved: Dict[str, Any], transform: str, rank: int, where: str) -> Dict[str, Any]:
    """The spec's mode and transform for ``mode="linear"`` or ``"cubic"`` (align_corners
    is a flag of these modes)."""
    mode = resolved["mode"]
    fields: Dict[str, Any] = {"mode": "bicubic" if mode == "cubic" else {1: "linear", 2: "bilinear",
                                                                         3: "trilinear"}[rank]}
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


def resize_nodes(model, input_shape=None, values=None) -> List[Tuple[Any, Union[Upsample, ValueError]]]:
    """Every Resize / Upsample node of ``model`` (a ModelProto or a path) with its
    spec, or the ``ValueError`` saying why it has none: ``[(node, spec or error)]``.

    Scales, sizes and roi may be initializers, ``Constant`` nodes, or computed
    from shapes (``Shape -> Gather -> Concat``, as torch's exporters write):
    ``input_shape`` (the data input's shape, or ``{graph input: shape}``)
    fixes the shapes the model leaves dynamic, and ``values`` gives graph
    inputs' values (``unisample.onnx_graph.ConstantFolder``)."""
    from onnx import helper

    from .onnx_graph import ConstantFolder

    if isinstance(model, (str, bytes)) or hasattr(model, "__fspath__"):
        model = load(model)
    folder = ConstantFolder(model, input_shape, values)
    found: List[Tuple[Any, Union[Upsample, ValueError]]] = []
    for node in model.graph.node:
        if node.op_type not in ("Resize", "Upsample"):
            continue
        try:
            found.append((node, _node_spec(node, folder, helper)))
        except ValueError as e:
            found.append((node, e))
    return found


def _node_spec(node, folder, helper) -> Upsample:
    """The spec of one Resize / Upsample node, its inputs folded by ``folder``."""
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if "axes" in attributes:
        attributes["axes"] = list(attributes["axes"])
    label = f"from_onnx: {node.op_type} node {node.name or node.output[0]!r}"

    def value(position: int, what: str):
        name = node.input[position] if position < len(node.input) else ""
        if not name:
            return None
        folded = folder.value(name, where=f"{label}: {what}")
        return None if folded.size == 0 else folded

    if node.op_type == "Upsample" and "scales" in attributes:  # opset 7: an attribute
        scales, sizes, roi = np.asarray(attributes.pop("scales"), np.float32), None, None
    elif node.op_type == "Upsample" or len(node.input) == 2:  # opset 9-10: (X, scales)
        scales, sizes, roi = value(1, "scales"), None, None
    else:
        roi, scales, sizes = value(1, "roi"), value(2, "scales"), value(3, "sizes")
    return spec_from_resize(attributes, scales, sizes, op_type=node.op_type, roi=roi,
                            input_shape=folder.shape(node.input[0]))


def only_node(matches: list, kinds: str, pick: str, listing: str):
    """The spec of the one ``(node, spec or error)`` of ``matches``: ``ValueError``
    where there are none or several (naming ``kinds``, how to ``pick`` one and
    the function that lists them all, ``listing``), or where that node has no spec."""
    if len(matches) != 1:
        raise ValueError(f"from_onnx: found {len(matches)} {kinds} nodes; pass {pick} to pick one or use "
                         f"{listing}(model) for all of them")
    (_, spec), = matches
    if isinstance(spec, Exception):
        raise spec
    return spec


def from_onnx(obj, input_shape=None, values=None) -> Upsample:
    """The spec of a Resize node (with its model: pass ``(model, node)``) or of the
    only Resize/Upsample node of a model or file; ``input_shape`` and ``values``
    as in ``resize_nodes``."""
    if isinstance(obj, tuple):
        model, node = obj
        matches = [(n, s) for n, s in resize_nodes(model, input_shape, values) if n is node or n.name == node.name]
    else:
        matches = resize_nodes(obj, input_shape, values)
    return only_node(matches, "Resize/Upsample", "(model, node)", "unisample.onnx.resize_nodes")
