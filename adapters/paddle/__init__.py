"""The paddle adapter.

``resize`` calls ``paddle.nn.functional.interpolate`` when the table in
``native_kwargs`` says that it computes the spec, and otherwise applies the
taps with paddle's own blocked matrix products or ``index_select`` / multiply
/ add (``unisample.portable``): the result stays a paddle tensor of the
input's dtype on the input's place, and autograd flows through both paths.
Nothing here imports paddle until a tensor is seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Tuple

import numpy as np

from unisample import engine, portable
from unisample.dtypes import dtype_class
from unisample.optional import require
from unisample.taps import copied_axes

from .._common import (
    PYTORCH_CUBIC,
    ConstantCache,
    cached_table,
    cubic_parameters,
    framework_array,
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



#: dtypes paddle's where has no CPU kernel for -> the dtype holding every value exactly
_WHERE_DTYPES = {"uint8": "int32", "int8": "int32", "int16": "int32", "float16": "float32", "bfloat16": "float32"}

class _PaddleOps(portable.ArrayOps):
    """``unisample.portable``'s operations in paddle (places are not hashable:
    their text is the cache key)."""

    def shape(self, x):
        return tuple(None if n < 0 else n for n in x.shape)  # -1: unknown in a static graph

    def constant(self, a, like):
        return self._tensor(a, like.place, like.dtype)

    framework = NAME

    def take(self, x, index, axis):
        import paddle

        # paddle's index_select has no uint8/int8/int16 kernel: gather in
        # int32, which holds those values exactly
        small = self.dtype_name(x) in ("uint8", "int8", "int16")
        y = paddle.index_select(x.astype("int32") if small else x, self._tensor(index, x.place, None), axis=axis)
        return y.astype(x.dtype) if small else y

    def cast(self, x, dtype):
        return x.astype(dtype)

    def floor(self, x):
        import paddle

        return paddle.floor(x)

    def clip(self, x, lo, hi):
        import paddle

        return paddle.clip(x, lo, hi)

    def where(self, condition, value, a):
        import paddle

        wider = _WHERE_DTYPES.get(self.dtype_name(a))
        if wider is not None:  # paddle's where has no kernel for it: exact in the wider dtype
            return self.cast(self.where(condition, value, self.cast(a, wider)), self.dtype_name(a))
        return paddle.where(condition, paddle.full(a.shape, value, dtype=a.dtype), a)

    def copy(self, x):
        return x.clone()

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

    def transpose(self, x, perm):
        import paddle

        return paddle.transpose(x, list(perm))

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


class _Interpolate(portable.NativeOp):
    """``paddle.nn.functional.interpolate`` as ``portable.resize`` uses it: the
    call is ``native_kwargs``'s.  Paddle's linear, bicubic and area kernels
    read other pixels than the spec's taps (README "Non-finite values"), so
    where NaN and infinities go would differ: except for nearest, the native
    op gets finite inputs only (one read to know; in a static graph, always
    the taps)."""

    def call(self, spec, x):
        shape = x.shape  # a new list on every access: read it once
        axes = spec.check_input(shape)
        return native_kwargs(spec, tuple(shape[a] for a in axes), dtype_class(x.dtype, NAME))

    def reads_taps(self, spec, x, call):
        return spec.kernel == "nearest"

    def run(self, spec, x, call):
        import paddle.nn.functional as F

        return F.interpolate(x, **call)


_INTERPOLATE = _Interpolate()


apply_taps, native, resize = portable.bind(_OPS, _INTERPOLATE)


# -- native layer and configurations ---------------------------------------------------------


def layer(spec):
    """A ``paddle.nn.Layer`` computing ``spec`` (see ``unisample.adapters.paddle.layers``)."""
    from unisample.shuffle import is_shuffle

    require("paddle", f"{type(spec).__name__}.to_paddle()")
    from . import layers

    return layers.PixelShuffle(spec) if is_shuffle(spec) else layers.Upsample(spec)


def _native_shuffle(spec, x):
    """paddle's ``pixel_shuffle`` / ``pixel_unshuffle`` where they compute ``spec``: the
    CRD order in either layout (measured: ``tests/test_shuffle.py``), two spatial
    axes, one factor, float32 or float64 (its only kernels)."""
    import paddle.nn.functional as F

    r = spec.square_factor(len(x.shape))
    if r is None or spec.order != "CRD" or _OPS.dtype_name(x) not in ("float32", "float64"):
        return None
    layout = "NHWC" if spec.channels_last else "NCHW"
    return (F.pixel_shuffle if spec.shuffles else F.pixel_unshuffle)(x, r, data_format=layout)


permute, native_shuffle, shuffle = portable.bind_shuffle(_OPS, _native_shuffle)
