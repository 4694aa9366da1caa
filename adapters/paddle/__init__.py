"""The paddle adapter.

``resize`` calls ``paddle.nn.functional.interpolate`` when the table in
``native_kwargs`` says that it computes the spec, and otherwise applies the
taps with paddle's own blocked matrix products or ``index_select`` / multiply
/ add (``unisample.portable``): the result stays a paddle tensor of the
input's dtype on the input's place, and autograd flows through both paths.
Nothing here imports paddle until a tensor is seen.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Tuple

import numpy as np

from unisample import engine, portable, reference
from unisample.dtypes import dtype_class, round_passes
from unisample.taps import copied_axes

from .._common import (
    PYTORCH_CUBIC,
    ConstantCache,
    cached_table,
    cubic_parameters,
    framework_array,
    native_config,
    resolved_transform,
)

NAME = "paddle"

_FORMATS = {(1, False): "NCW", (1, True): "NWC", (2, False): "NCHW", (2, True): "NHWC",
            (3, False): "NCDHW", (3, True): "NDHWC"}


def is_array(x) -> bool:
    return framework_array(x, NAME, ("Tensor",))


def to_numpy(x) -> np.ndarray:
    if "bfloat16" in str(x.dtype) or "float16" in str(x.dtype):
        x = x.astype("float32")  # numpy has no bfloat16
    return x.numpy()

def from_numpy(x: np.ndarray, dtype=None):
    """A tensor of ``x`` (cast to ``dtype``, a name such as ``"bfloat16"``, when given)."""
    import paddle

    if x.dtype.name in ("uint16", "uint32", "uint64"):  # paddle would read uint16 as bfloat16's bits
        raise TypeError(f"paddle has no {x.dtype.name} tensors")
    t = paddle.to_tensor(x)
    return t if dtype is None else t.astype(dtype)


# -- spec -> paddle interpolate -----------------------------------------------------------


@dataclass(frozen=True)
class _InterpolateRow:
    """One row of ``native_kwargs``' table: when paddle's
    ``interpolate(mode=paddle_mode)`` computes a spec of a given mode."""

    paddle_mode: str
    #: the numbers of spatial axes paddle's kernel takes
    ranks: Tuple[int, ...]
    #: spec coordinate transform -> the arguments that make the kernel compute it,
    #: ``"half_pixel"`` standing for paddle's half-pixel rule (``_as_paddle_transform``);
    #: None: the kernel has no coordinate transform
    transforms: Optional[Mapping[str, Mapping[str, Any]]]
    #: what else the spec must be (a predicate of the spec)
    condition: Callable[[Any], bool] = lambda spec: True  # nothing else


def _paddle_cubic(spec) -> bool:
    """Paddle's bicubic: a=-0.75, edge pixels repeated, computed exactly (no table)."""
    return cubic_parameters(spec) == PYTORCH_CUBIC


def _uniform_area_channels_first(spec) -> bool:
    """Paddle's area is adaptive average pooling (the uniform weights), and it
    ignores ``data_format``: it pools the wrong axes of a channels-last tensor."""
    return spec.area_weights == "uniform" and not spec.channels_last


_ANY_RANK = (1, 2, 3)
_LINEAR_TRANSFORMS: Mapping[str, Mapping[str, Any]] = {
    "align_corners": {"align_corners": True}, "asymmetric": {"align_mode": 1}, "half_pixel": {"align_mode": 0}}
# align_mode is for the linear modes only: no asymmetric bicubic
_CUBIC_TRANSFORMS: Mapping[str, Mapping[str, Any]] = {
    "align_corners": {"align_corners": True}, "half_pixel": {"align_mode": 0}}

#: spec mode -> the paddle interpolate call that may compute it (the docstring's table)
_INTERPOLATE_TABLE = {
    "nearest": _InterpolateRow("nearest", (2, 3), {"asymmetric": {}}),  # paddle refuses 1-D nearest
    # each linear mode fixes its own number of axes: linear 1, bilinear 2, trilinear 3
    "linear": _InterpolateRow("linear", _ANY_RANK, _LINEAR_TRANSFORMS),
    "bilinear": _InterpolateRow("bilinear", _ANY_RANK, _LINEAR_TRANSFORMS),
    "trilinear": _InterpolateRow("trilinear", _ANY_RANK, _LINEAR_TRANSFORMS),
    "bicubic": _InterpolateRow("bicubic", (2,), _CUBIC_TRANSFORMS, condition=_paddle_cubic),
    "area": _InterpolateRow("area", _ANY_RANK, None, condition=_uniform_area_channels_first),
}


def _as_paddle_transform(coordinate_transform: str, rank: int, out_size) -> Optional[str]:
    """The spec's coordinate transform as the table names paddle's, or None where
    no paddle kernel of ``rank`` axes computes it.  Paddle's half-pixel kernels
    (``align_mode=0``) are ``paddle_half_pixel`` in 2-D and ``half_pixel`` in 1-D
    and 3-D; the two differ only on output axes of length 1."""
    if coordinate_transform not in ("half_pixel", "paddle_half_pixel"):
        return coordinate_transform
    paddle_rule = "paddle_half_pixel" if rank == 2 else "half_pixel"
    if resolved_transform(coordinate_transform, out_size) != resolved_transform(paddle_rule, out_size):
        return None
    return "half_pixel"


def _transform_kwargs(row: _InterpolateRow, spec, rank: int, out_size) -> Optional[Mapping[str, Any]]:
    """The arguments that make ``row``'s kernel map coordinates as ``spec`` does, or None."""
    if row.transforms is None:
        return {}
    transform = _as_paddle_transform(spec.coordinate_transform, rank, out_size)
    return None if transform is None else row.transforms.get(transform)


def _scale_as_paddle(spec, in_size, out_size) -> bool:
    """Whether paddle, given the spec's ``scale_factor``, makes the spec's output
    size (it multiplies in float32) and copies the axes the spec copies (paddle
    copies only when no axis changes length: ``all_axes``)."""
    rank = len(in_size)
    scales = spec.per_axis("scale_factor", rank)
    paddle_size = tuple(int(np.float32(n) * np.float32(s)) for n, s in zip(in_size, scales))
    paddle_copies = (in_size == out_size,) * rank
    return paddle_size == out_size and copied_axes(spec, in_size, out_size) == paddle_copies


@cached_table
def native_kwargs(spec, in_size, dtype_kind: str) -> Optional[dict]:
    """``paddle.nn.functional.interpolate`` keyword arguments that compute ``spec``, or None.

    The mapping table (``_INTERPOLATE_TABLE``; anything else goes through the taps):

    ============== ========= ======= ===========================================
    spec mode      paddle    ranks   also required
    ============== ========= ======= ===========================================
    nearest        nearest   2-3     coordinate_transform asymmetric
    linear family  same      1/2/3   half_pixel (align_mode=0), asymmetric
                                     (align_mode=1) or align_corners; 2-D
                                     half-pixel only as ``paddle_half_pixel``,
                                     1-D/3-D only as ``half_pixel``, either
                                     with no output axis of length 1
    bicubic        bicubic   2       a=-0.75, edges repeated, no table,
                                     half-pixel as for bilinear
    area           area      1-3     area_weights uniform, channels first
    ============== ========= ======= ===========================================

    No antialias and no lanczos in paddle; float32/float64 only (paddle's
    integer kernels truncate instead of rounding).  With ``scale_factor``,
    only when paddle computes the same output size (it multiplies in float32)
    and copies unchanged axes the same way (``all_axes``).
    """
    rank = len(in_size)
    if dtype_kind != "float" or spec.antialias:
        return None
    out_size = spec.output_size(in_size)
    row = _INTERPOLATE_TABLE.get(spec.mode)
    if row is None or rank not in row.ranks or not row.condition(spec):
        return None
    transform_kwargs = _transform_kwargs(row, spec, rank, out_size)
    if transform_kwargs is None:
        return None
    kwargs = {"mode": row.paddle_mode, "data_format": _FORMATS[(rank, spec.channels_last)], **transform_kwargs}
    if spec.same_size_copy is None:  # input/output mapping (area's always)
        kwargs["size"] = list(out_size)
        return kwargs
    if not _scale_as_paddle(spec, in_size, out_size):  # scale_factor drives the mapping
        return None
    kwargs["scale_factor"] = list(spec.per_axis("scale_factor", rank))
    return kwargs


# -- taps with paddle ops -----------------------------------------------------------------


_CONSTANTS = ConstantCache()


class _PaddleOps(portable.ArrayOps):
    """``unisample.portable``'s operations in paddle (places are not hashable:
    their text is the cache key)."""

    def shape(self, x):
        return tuple(None if n < 0 else n for n in x.shape)  # -1: unknown in a static graph

    def constant(self, a, like):
        return self._tensor(a, like.place, like.dtype)

    def take(self, x, index, axis):
        import paddle

        return paddle.index_select(x, self._tensor(index, x.place, None), axis=axis)

    @staticmethod
    def _tensor(a, place, dtype):
        import paddle

        return _CONSTANTS.get(a, (str(place), str(dtype)), lambda: paddle.to_tensor(a, dtype=dtype, place=place))

    def matmul(self, a, b):
        import paddle

        return paddle.matmul(a, b)

    def concat(self, parts, axis):
        import paddle

        return paddle.concat(parts, axis=axis)

    def reshape(self, x, shape):
        import paddle

        return paddle.reshape(x, shape)

    def select(self, mask, a):
        import paddle

        return paddle.where(self._tensor(mask, a.place, "bool"), a, paddle.zeros_like(a))

    def all_finite(self, x):
        import paddle

        if not paddle.in_dynamic_mode():
            return None  # a static graph: the data is not there yet
        try:  # a CPU tensor is numpy memory: the engine's check, no paddle op
            host = np.from_dlpack(x.detach())
        except Exception:  # on a device, bfloat16 (no numpy dtype), no DLPack in this paddle: a paddle op
            return not paddle.is_floating_point(x) or math.isfinite(x.sum().item())
        return host.dtype.kind != "f" or engine.all_finite(host)


_OPS = _PaddleOps()
_apply_axis = functools.partial(portable.apply_axis, ops=_OPS)


def apply_taps(spec, x):
    """``spec`` applied to paddle tensor ``x`` through the taps (any mode, any dtype): a new tensor."""
    import paddle

    kind = dtype_class(x.dtype, NAME)
    axes = spec.check_input(x.shape)
    taps = spec.taps(tuple(x.shape[a] for a in axes))
    if kind == "integer":
        name = str(x.dtype).rsplit(".", 1)[-1]
        if spec.kernel == "nearest":
            # paddle's index_select has no uint8/int8/int16 kernel: gather in
            # int32, which holds those values exactly.
            small = name in ("uint8", "int8", "int16")
            y = x.astype("int32") if small else x
            y = reference.apply_taps(y, taps, axes, apply_axis=_apply_axis)
            y = y.astype(x.dtype) if small else y
            return x.clone() if y is x else y
        return round_passes(x.astype("float64"), taps, axes, np.iinfo(name), apply_axis=_apply_axis,
                            floor=paddle.floor, clip=paddle.clip, cast=lambda y: y.astype(x.dtype),
                            where=lambda c, v, a: paddle.where(c, paddle.full(a.shape, v, dtype=a.dtype), a))
    y = x.astype("float32") if kind == "half" else x
    y = portable.apply_taps(y, taps, axes, _OPS)
    y = y.astype(x.dtype) if kind == "half" else y
    return x.clone() if y is x else y


def native(spec, x):
    """paddle's interpolate on ``x`` if it computes ``spec``, else None (also for an
    input with NaN or infinities, except in nearest modes: see ``resize``)."""
    import paddle.nn.functional as F

    shape = x.shape  # a new list on every access: read it once
    axes = spec.check_input(shape)
    kwargs = native_kwargs(spec, tuple(shape[a] for a in axes), dtype_class(x.dtype, NAME))
    if kwargs is None or (spec.kernel != "nearest" and not _OPS.all_finite(x)):
        return None
    return F.interpolate(x, **kwargs)


def resize(spec, x):
    """``spec`` applied to ``x``: paddle's interpolate where it computes the spec, else the taps.

    Paddle's linear, bicubic and area kernels read other pixels than the
    spec's taps (README "Non-finite values"), so where NaN and infinities go
    would differ: except for nearest, the native op gets finite inputs only
    (one read to know; in a static graph, always the taps)."""
    y = native(spec, x)
    return apply_taps(spec, x) if y is None else y


# -- native layer and configurations ---------------------------------------------------------


def layer(spec):
    """A ``paddle.nn.Layer`` computing ``spec`` (see ``unisample.adapters.paddle.layers``)."""
    from .layers import Upsample

    return Upsample(spec)


_INTERPOLATE_KEYS = ("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format", "name")
_LAYERS = ("Upsample", "UpsamplingBilinear2D", "UpsamplingNearest2D")
_LAYER_ATTRIBUTES = ("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format")


def from_native(obj):
    """The spec of a paddle resize: ``paddle.nn.Upsample``, ``UpsamplingBilinear2D``,
    ``UpsamplingNearest2D``, or a dict of ``paddle.nn.functional.interpolate`` arguments."""
    from unisample import Upsample

    kw = native_config(obj, framework=NAME, call="interpolate", keys=_INTERPOLATE_KEYS, layers=_LAYERS,
                       attributes=_LAYER_ATTRIBUTES)
    if type(obj).__name__ == "UpsamplingBilinear2D":  # its mode and corners are fixed, not attributes
        kw.update(mode="bilinear", align_corners=True)
    elif type(obj).__name__ == "UpsamplingNearest2D":
        kw.update(mode="nearest")
    mode = str(kw.get("mode") or "nearest").lower()
    align = bool(kw.get("align_corners") or False)
    align_mode = 0 if kw.get("align_mode") is None else int(kw["align_mode"])
    if align_mode not in (0, 1):
        raise ValueError(f"from_paddle: align_mode: got {align_mode!r}; expected 0 or 1")
    data_format = kw.get("data_format") or "NCHW"
    size, scale = kw.get("size"), kw.get("scale_factor")
    size = tuple(size) if isinstance(size, (list, tuple)) else size
    scale = tuple(scale) if isinstance(scale, (list, tuple)) else scale
    kernel = {"nearest": "nearest", "area": "area", "bicubic": "cubic"}.get(mode, "linear")
    extras = {}
    if kernel == "linear" and align_mode == 1 and not align:
        extras["coordinate_transform"] = "asymmetric"
    elif mode in ("bilinear", "bicubic") and not align:
        # paddle's 2-D kernels map an output axis of length 1 with scale 0
        # (its 1-D and 3-D ones sample the centre, as PyTorch does).
        extras["coordinate_transform"] = "paddle_half_pixel"
    if scale is not None and kernel != "area":
        extras["same_size_copy"] = "all_axes"  # paddle copies only when no axis changes
    if kernel == "area" and scale is not None:
        raise ValueError("from_paddle: paddle refuses scale_factor with mode='area' (it needs a size)")
    return Upsample(size=size, scale_factor=scale, mode=mode,
                    align_corners=align if kernel in ("linear", "cubic") else None,
                    data_format=data_format, **extras)
