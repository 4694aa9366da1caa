"""``torch.onnx.export`` of the torch layer as the one ``Resize`` node ``Upsample.to_onnx`` writes.

Outside ONNX export the layer computes ``unisample.adapters.torch.resize``
(``F.interpolate`` or the taps).  Traced as it is, that exports well only
where torch's own exporter knows the kernel: the legacy exporter has no
symbolic for nearest-exact, antialiased or area kernels, and the taps become
gathers and matrix products.  So while exporting, where
``unisample.onnx.resize_attributes`` says ONNX can express the spec, the
layer emits ``Resize`` itself, with the attributes ``to_onnx`` writes and its
scales or sizes as constants:

* legacy TorchScript exporter (``torch.onnx.export(..., dynamo=False)``):
  ``_ResizeFunction``, a ``torch.autograd.Function`` whose forward is the
  adapter's computation and whose ``symbolic`` writes the node for the
  exporter's opset (``g.opset``, 11 and later; antialias and per-axis sizes
  need 18).
* dynamo exporter (``torch.onnx.export(..., dynamo=True)``, torch's default):
  ``torch.onnx.ops.symbolic("Resize", ...)`` (torch 2.8 and later), which
  torch.export records as one op and the exporter translates into the node.
  The graph is built at opset 18 or later (torch's exporter builds below 18
  only by converting afterwards), so scales, or sizes with ``axes``, never
  depend on the input shape.

Scales do not depend on the input shape, nor do sizes with ``axes`` (opset
18); before opset 18 sizes cover every axis, and the node holds the traced
input's shape (static in the batch and channels too).  Everything else --
a spec ONNX cannot express, an opset too old for it, integer input to a
filtering kernel, a torch without ``torch.onnx.ops`` -- exports the
adapter's computation as before.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

from unisample.onnx import check_opset, resize_attributes, resize_inputs

from .. import torch as adapter

#: Resize attributes added in opset 18 (the rest are opset 11's)

#: the opset the dynamo exporter builds its graph at, at least (torch's TORCHLIB_OPSET)
_DYNAMO_OPSET = 18


def exporting() -> bool:
    """Whether ``forward`` runs under ``torch.onnx.export`` (either exporter), and
    not under ``torch.compile``: Dynamo compiling (not exporting) keeps the
    adapter's computation, as does eager, ``torch.jit.trace`` and ``script``."""
    compiling = getattr(getattr(torch, "compiler", None), "is_compiling", None)
    if compiling is not None and compiling() and not _is_exporting():
        return False
    return bool(torch.onnx.is_in_onnx_export())


def _is_exporting() -> bool:
    """``torch.compiler.is_exporting()`` where torch has it (2.6 and later)."""
    check = getattr(getattr(torch, "compiler", None), "is_exporting", None)
    return bool(check()) if check is not None else False


def resize(spec, x: torch.Tensor) -> torch.Tensor:
    """The layer's forward while exporting: a ``Resize`` node where ONNX can
    express ``spec`` on ``x`` for the exporter at work, the adapter's
    computation otherwise (see the module docstring)."""
    if torch.jit.is_tracing():  # the legacy exporter traces with torch.jit
        opset = _legacy_opset()
        shape, kind = tuple(int(n) for n in x.shape), _kind(x)
        if opset is not None and _plan(spec, shape, opset, kind) is not None:
            return _ResizeFunction.apply(x, spec, shape, kind)
    elif _is_exporting() and hasattr(torch.onnx, "ops") and hasattr(torch.onnx.ops, "symbolic"):
        y = _dynamo_resize(spec, x)
        if y is not None:
            return y
    return adapter.resize(spec, x)


def _legacy_opset() -> Optional[int]:
    """The opset the legacy exporter is writing, or None where this torch keeps it elsewhere.

    Only ``symbolic`` is handed the opset (``g.opset``); forward must decide
    before that whether the spec fits it, and reads the exporter's globals."""
    for name in ("torch.onnx._internal.torchscript_exporter._globals", "torch.onnx._globals"):
        try:
            module = __import__(name, fromlist=["GLOBALS"])
        except ImportError:
            continue
        return int(module.GLOBALS.export_onnx_opset_version)
    return None


def _static(shape) -> Optional[Tuple[int, ...]]:
    """``shape`` as ints, or None where a length is symbolic (dynamic shapes)."""
    return tuple(shape) if all(type(n) is int for n in shape) else None


def _kind(x: torch.Tensor) -> str:
    """"float", "integer" or "other" (bool, complex): what ``_plan`` needs of the input."""
    if x.is_complex() or x.dtype == torch.bool:
        return "other"
    return "float" if x.is_floating_point() else "integer"


def _plan(spec, shape, opset: int, kind: str) -> Optional[Tuple[Dict[str, Any], Dict[str, np.ndarray]]]:
    """``(attributes, {"scales" or "sizes": array})`` of the node computing ``spec``
    on an input of ``shape`` and ``kind`` (``_kind``) at ``opset`` (``axes``
    among the attributes where used), or None where ONNX cannot
    (``resize_attributes`` / ``resize_inputs`` raise) or this opset cannot."""
    if opset < 11 or kind == "other":
        return None
    static = _static(shape)
    try:
        spec.spatial_axes(len(shape))
        attributes = resize_attributes(spec, static)
        if static is None and (_may_keep_a_length(spec, len(shape))
                               or spec.keep_aspect_ratio_policy not in (None, "stretch")):
            return None  # the output shape depends on the input's: traced, not symbolic
        if kind != "float" and attributes["mode"] != "nearest":
            return None  # integer filtering rounds as torch's adapter does, not as Resize
        inputs, axes = resize_inputs(spec, len(shape), static, opset)
        if static is not None:
            spec.output_shape(static)  # the adapter's own length checks
    except ValueError:
        return None
    if axes:
        attributes = {**attributes, "axes": list(axes)}
    try:
        check_opset(attributes, opset)
    except ValueError:
        return None
    return attributes, inputs


def _may_keep_a_length(spec, ndim: int) -> bool:
    """Whether, on an input of unknown size, a scale factor could leave some axis
    at its length, which the spec copies (PyTorch's rule) and ONNX maps with
    1 / scale (onnxruntime copies it, ONNX's reference maps it):
    ``resize_attributes`` checks it only on a known shape.
    ``floor(n * f) == n`` for some n needs 1 < f < 2."""
    if spec.scale_factor is None or spec.same_size_copy is None:
        return False
    return any(1 < f < 2 for f in spec.per_axis("scale_factor", len(spec.spatial_axes(ndim))))


# -- legacy (TorchScript) exporter ------------------------------------------------------


def _legacy_attributes(attributes: Dict[str, Any]) -> Dict[str, Any]:
    """Attributes with the type suffixes the legacy graph builder wants
    (``_s`` string, ``_i`` int or int list -- the builder reads a list's type
    from its elements -- and ``_f`` float)."""
    suffixed: Dict[str, Any] = {}
    for name, value in attributes.items():
        if isinstance(value, str):
            suffixed[f"{name}_s"] = value
        elif isinstance(value, (list, tuple)):
            suffixed[f"{name}_i"] = [int(v) for v in value]
        elif isinstance(value, (bool, int, np.integer)):
            suffixed[f"{name}_i"] = int(value)
        else:
            suffixed[f"{name}_f"] = float(value)
    return suffixed


class _ResizeFunction(torch.autograd.Function):
    """The adapter's computation, exported by the legacy exporter as one ``Resize``.

    ``shape`` is the traced input's shape (the node's sizes before opset 18),
    ``kind`` its ``_kind``."""

    @staticmethod
    def forward(ctx, x, spec, shape, kind):
        """The adapter's result (what eager computes)."""
        return adapter.resize(spec, x)

    @staticmethod
    def symbolic(g, x, spec, shape, kind):
        """``Resize(x, roi, scales | sizes)`` for the exporter's opset ``g.opset``."""
        # forward checked the plan exists at the exporter's opset, which g.opset is
        attributes, inputs = _plan(spec, shape, g.opset, kind)
        roi = g.op("Constant", value_t=torch.from_numpy(inputs.get("roi", np.zeros(0, np.float32))))
        if "scales" in inputs:
            values = [g.op("Constant", value_t=torch.from_numpy(inputs["scales"].astype(np.float32)))]
        else:
            values = [_no_scales(g), g.op("Constant", value_t=torch.from_numpy(inputs["sizes"].astype(np.int64)))]
        return g.op("Resize", x, roi, *values, **_legacy_attributes(attributes))


def _no_scales(g):
    """The scales input beside sizes, as ``to_onnx`` writes it: left out (opset 13
    and later; the builder's optional-input placeholder, which the exporter
    writes as ""), an empty tensor before (scales is not optional there)."""
    if g.opset >= 13:
        placeholder = g.op("prim::Constant")
        placeholder.setType(torch._C.OptionalType.ofTensor())
        return placeholder
    return g.op("Constant", value_t=torch.zeros(0, dtype=torch.float32))


# -- dynamo exporter ----------------------------------------------------------------------


def _dynamo_resize(spec, x: torch.Tensor) -> Optional[torch.Tensor]:
    """``torch.onnx.ops.symbolic("Resize", ...)`` where ONNX can express the spec, else None."""
    plan = _plan(spec, tuple(x.shape), _DYNAMO_OPSET, _kind(x))
    if plan is None:
        return None
    attributes, inputs = plan
    values: List[Optional[torch.Tensor]] = []
    if "scales" in inputs:
        values = [torch.tensor(inputs["scales"].tolist(), dtype=torch.float32)]
    else:
        values = [None, torch.tensor(inputs["sizes"].tolist(), dtype=torch.int64)]
    # roi (read by tf_crop_and_resize only) is left out elsewhere, as scales is beside sizes (opset 13+)
    roi = torch.tensor(inputs["roi"].tolist(), dtype=torch.float32) if "roi" in inputs else None
    operands = [x, roi, *values]  # None: an input left out
    return torch.onnx.ops.symbolic("Resize", operands, attributes, dtype=x.dtype,
                                   shape=_output_shape(spec, x.shape))


def _output_shape(spec, shape) -> Tuple[Any, ...]:
    """The output shape, symbolic where the input's is (dynamic shapes):
    ``floor(n * scale)`` per axis, as ``Upsample.output_size`` computes it."""
    static = _static(shape)
    if static is not None:
        return spec.output_shape(static)
    axes = spec.spatial_axes(len(shape))
    out = list(shape)
    if spec.size is not None:
        for axis, n in zip(axes, spec.per_axis("size", len(axes))):
            out[axis] = n
        return tuple(out)
    for axis, f in zip(axes, spec.per_axis("scale_factor", len(axes))):
        n = shape[axis]
        out[axis] = math.floor(n * f) if type(n) is int else torch.sym_int(torch.sym_float(n) * f)
    return tuple(out)
