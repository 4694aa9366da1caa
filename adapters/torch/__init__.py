"""The torch adapter.

``resize`` calls ``F.interpolate`` when the table in ``native_kwargs`` says
that it computes the spec, and otherwise applies the taps with torch's own
blocked matrix products or ``index_select`` / multiply / add
(``unisample.portable``): the result stays a tensor of the input's dtype on
the input's device, and autograd flows through both paths.  Nothing here
imports torch until a tensor is seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from unisample import portable
from unisample.dtypes import dtype_class
from unisample.optional import require

from .._common import (
    KEYS_CUBIC,
    PYTORCH_CUBIC,
    ConstantCache,
    cached_table,
    cubic_parameters,
    framework_array,
)

NAME = "torch"

_LINEAR_BY_RANK = {1: "linear", 2: "bilinear", 3: "trilinear"}


def is_array(x) -> bool:
    return framework_array(x, NAME, ("Tensor",))


def to_numpy(x) -> np.ndarray:
    x = x.detach().cpu()
    if x.dtype.is_floating_point and x.element_size() < 4:
        x = x.float()  # numpy has no bfloat16
    return x.numpy()

def from_numpy(x: np.ndarray, dtype=None):
    """A tensor of ``x`` (cast to ``dtype``, a name such as ``"bfloat16"``, when given)."""
    import torch

    x = np.ascontiguousarray(x)
    # torch warns on every read-only array it would share; a copy is what it would need anyway
    t = torch.from_numpy(x if x.flags.writeable else x.copy())
    return t if dtype is None else t.to(getattr(torch, dtype))


# -- spec -> F.interpolate ------------------------------------------------------------


@dataclass(frozen=True)
class _InterpolateRow:
    """One row of ``native_kwargs``' table: when ``F.interpolate(mode=torch_mode)``
    computes a spec of a given mode."""

    torch_mode: str
    #: the numbers of spatial axes torch's kernel takes
    ranks: Tuple[int, ...]
    #: the spec coordinate transforms it computes (None: the kernel has none)
    transforms: Optional[Tuple[str, ...]]
    #: whether F.interpolate takes ``align_corners`` for this mode
    has_align_corners: bool = False
    #: whether integer (uint8) tensors may take it: nearest modes only, as
    #: torch's uint8 filters use fixed-point weights that round differently near ties
    integers: bool = False
    #: what else the spec must be (a predicate of the spec)
    condition: Callable[[Any], bool] = lambda spec: True  # nothing else


def _torch_cubic(spec) -> bool:
    """Torch's bicubic: a=-0.75 with edges repeated, or with antialias a=-0.5 with
    the outside taps dropped, computed exactly (no table)."""
    return cubic_parameters(spec) == (KEYS_CUBIC if spec.antialias else PYTORCH_CUBIC)


def _uniform_area(spec) -> bool:
    """Torch's area is adaptive average pooling: the uniform weights."""
    return spec.area_weights == "uniform"


def _torch_lanczos(spec) -> bool:
    """Torch's lanczos is Pillow's: antialiased, the outside taps dropped."""
    return spec.antialias and spec.exclude_outside


_ANY_RANK = (1, 2, 3)
_ALIGN_CORNERS_CHOICES = ("half_pixel", "align_corners")  # align_corners=False, True

#: spec mode -> the F.interpolate call that may compute it (the docstring's table)
_INTERPOLATE_TABLE = {
    "nearest": _InterpolateRow("nearest", _ANY_RANK, ("asymmetric",), integers=True),
    "nearest-exact": _InterpolateRow("nearest-exact", _ANY_RANK, ("half_pixel",), integers=True),
    # each linear mode fixes its own number of axes: linear 1, bilinear 2, trilinear 3
    "linear": _InterpolateRow("linear", _ANY_RANK, _ALIGN_CORNERS_CHOICES, has_align_corners=True),
    "bilinear": _InterpolateRow("bilinear", _ANY_RANK, _ALIGN_CORNERS_CHOICES, has_align_corners=True),
    "trilinear": _InterpolateRow("trilinear", _ANY_RANK, _ALIGN_CORNERS_CHOICES, has_align_corners=True),
    "bicubic": _InterpolateRow("bicubic", (2,), _ALIGN_CORNERS_CHOICES, has_align_corners=True, condition=_torch_cubic),
    "area": _InterpolateRow("area", _ANY_RANK, None, condition=_uniform_area),
    "lanczos3": _InterpolateRow("lanczos", (2,), ("half_pixel",), condition=_torch_lanczos),
}


def _row_computes(row: _InterpolateRow, spec, rank: int, dtype_kind: str) -> bool:
    """Whether ``row``'s call computes ``spec`` on ``rank`` axes of ``dtype_kind``
    (``native_defect`` aside).  Torch's antialiased kernels are 2-D, and have
    no float16 version."""
    return (rank in row.ranks
            and (dtype_kind != "integer" or row.integers)
            and (row.transforms is None or spec.coordinate_transform in row.transforms)
            and (not spec.antialias or (rank == 2 and dtype_kind == "float"))
            and row.condition(spec))


def _copies_as_torch(spec, in_size, out_size) -> bool:
    """Whether torch, given the spec's ``scale_factor``, copies the axes the spec
    copies: with the PyTorch rule, and no axis keeping its length (torch's CPU
    and CUDA kernels disagree about copying those)."""
    return spec.same_size_copy == "pytorch" and all(n != m for n, m in zip(in_size, out_size))


@cached_table
def native_kwargs(spec, in_size, dtype_kind: str) -> Optional[dict]:
    """``F.interpolate`` keyword arguments that compute ``spec``, or None.

    The mapping table (``_INTERPOLATE_TABLE``; anything else goes through the taps):

    ============== ============= ======= =======================================
    spec mode      torch mode    ranks   also required
    ============== ============= ======= =======================================
    nearest        nearest       1-3     coordinate_transform asymmetric
    nearest-exact  nearest-exact 1-3     coordinate_transform half_pixel
    linear family  same          1/2/3   half_pixel or align_corners
    bicubic        bicubic       2       a=-0.75 edge-repeat (a=-0.5, excluded,
                                         with antialias), no table
    area           area          1-3     area_weights uniform
    lanczos3       lanczos       2       antialias, half_pixel, outside taps
                                         dropped; CPU tensors (``native``)
    ============== ============= ======= =======================================

    Antialias only for bilinear, bicubic and lanczos3, and only in
    float32/float64 (torch's antialiased kernels have no float16 version),
    and never where ``native_defect`` knows torch's kernel to be wrong.  Integer tensors
    only for nearest modes, and only uint8 (``native`` checks it: torch's
    nearest kernels have no other integer version): torch's uint8
    interpolation uses fixed-point weights that round differently near ties.  A ``scale_factor`` that keeps
    some axis's length goes through the taps, because torch's CPU and CUDA
    kernels disagree about copying such axes.
    """
    rank = len(in_size)
    row = _INTERPOLATE_TABLE.get(spec.mode)
    if row is None or not _row_computes(row, spec, rank, dtype_kind) or native_defect(spec, in_size) is not None:
        return None
    kwargs: Dict[str, Any] = {"mode": row.torch_mode}
    if row.has_align_corners:
        kwargs["align_corners"] = spec.coordinate_transform == "align_corners"
    if spec.antialias:
        kwargs["antialias"] = True
    out_size = spec.output_size(in_size)
    if spec.same_size_copy is None:  # input/output mapping
        kwargs["size"] = out_size
        return kwargs
    if not _copies_as_torch(spec, in_size, out_size):  # scale_factor drives the mapping
        return None
    kwargs["scale_factor"] = spec.per_axis("scale_factor", rank)
    kwargs["recompute_scale_factor"] = False
    return kwargs


def native_defect(spec, in_size) -> Optional[str]:
    """Why torch's own op for ``spec`` (``F.interpolate`` as ``from_torch`` reads it)
    gives wrong numbers on an input of spatial size ``in_size``, or None.

    torch's antialiased kernels (bilinear, bicubic, lanczos; CPU) resample
    height in a second pass that assumes height is never the innermost loop
    dimension; when the output width is 1 it is, and every output row gets the
    first row's taps: one row repeated.  Measured over every size up to 13
    (and 17, 31), both modes and layouts and dtypes: wrong exactly when the
    output width is 1 and the height changes to a length above 1 from a
    length above 1 (unless the tensor is channels-last in memory with several
    channels, which this does not rely on).  README "When a native op is
    wrong" has the figures.
    """
    if not spec.antialias or spec.kernel not in ("linear", "cubic", "lanczos3") or len(in_size) != 2:
        return None
    (h_in, _), (h, w) = in_size, spec.output_size(in_size)
    if w == 1 and h != h_in and h > 1 and h_in > 1:
        return ("torch's antialiased kernel is wrong where the output width is 1 and the height changes (it "
                "repeats the first output row); unisample computes the filter")
    return None


# -- taps with torch ops ----------------------------------------------------------------


_CONSTANTS = ConstantCache()


class _TorchOps(portable.ArrayOps):
    """``unisample.portable``'s operations in torch."""

    def constant(self, a, like):
        return self._tensor(a, like.device, like.dtype)

    def take(self, x, index, axis):
        return x.index_select(axis, self._tensor(index, x.device, None))

    @staticmethod
    def _tensor(a, device, dtype):
        import torch

        if isinstance(a, np.ndarray) and not a.flags.writeable:
            a = a.copy()  # taps are read-only; torch.as_tensor warns on sharing one

        if torch.jit.is_tracing():
            # torch.jit.trace runs forward twice and requires the same graph
            # both times: build afresh (they become constants either way)
            return torch.as_tensor(a, dtype=dtype, device=device)
        return _CONSTANTS.get(a, (device, dtype), lambda: torch.as_tensor(a, dtype=dtype, device=device))

    def matmul(self, a, b):
        return a @ b

    def concat(self, parts, axis):
        import torch

        return torch.cat(parts, axis)

    def reshape(self, x, shape):
        return x.reshape(shape)

    def transpose(self, x, perm):
        return x.permute(perm)

    def select(self, mask, a):
        import torch

        return torch.where(self._tensor(mask, a.device, torch.bool), a, 0.0)

    framework = NAME

    def cast(self, x, dtype):
        import torch

        return x.to(getattr(torch, dtype))

    def floor(self, x):
        import torch

        return torch.floor(x)

    def clip(self, x, lo, hi):
        import torch

        return torch.clamp(x, lo, hi)

    def where(self, condition, value, a):
        import torch

        return torch.where(condition, torch.tensor(value, dtype=a.dtype), a)

    def copy(self, x):
        return x.clone()

    def all_finite(self, x):
        import torch

        if not x.is_floating_point():
            return True
        if torch.jit.is_tracing() or torch.compiler.is_compiling():
            return None  # a branch on the data would be baked into the graph
        return math.isfinite(x.sum().item())


_OPS = _TorchOps()


class _Interpolate(portable.NativeOp):
    """``F.interpolate`` as ``portable.resize`` uses it: the call is ``native_kwargs``'s."""

    def call(self, spec, x):
        import torch

        axes = spec.check_input(tuple(x.shape))
        kind = dtype_class(x.dtype, NAME)
        if kind == "integer" and x.dtype != torch.uint8:
            return None  # torch's nearest kernels have uint8 versions only
        kwargs = native_kwargs(spec, tuple(x.shape[a] for a in axes), kind)
        if kwargs is not None and kwargs["mode"] == "lanczos" and (
                x.device.type != "cpu" or torch.onnx.is_in_onnx_export()):
            return None  # torch's lanczos kernel is CPU only, and has no ONNX export: the taps have
        return kwargs

    def reads_taps(self, spec, x, call):
        import torch

        # torch's float64 kernels place their taps with float64 coordinates,
        # the spec (as torch's float32 ones) with float32: at an exact hit
        # they read other pixels with weight 0, which only NaN and infinities see
        return x.dtype != torch.float64 or spec.kernel == "nearest"

    def run(self, spec, x, call):
        import torch.nn.functional as F

        if spec.channels_last:  # F.interpolate wants channels first: permute views, no copies
            order = (0, x.ndim - 1) + tuple(range(1, x.ndim - 1))
            y = F.interpolate(x.permute(order), **call)
            return y.permute((0,) + tuple(range(2, x.ndim)) + (1,))
        return F.interpolate(x, **call)


_INTERPOLATE = _Interpolate()


apply_taps, native, resize = portable.bind(_OPS, _INTERPOLATE)


# -- native layer and configurations -----------------------------------------------------


def layer(spec):
    """A ``torch.nn.Module`` computing ``spec`` (see ``unisample.adapters.torch.layers``)."""
    from unisample.shuffle import is_shuffle

    require("torch", f"{type(spec).__name__}.to_torch()")
    from . import layers

    return layers.PixelShuffle(spec) if is_shuffle(spec) else layers.Upsample(spec)


def _native_shuffle(spec, x):
    """torch's ``pixel_shuffle`` / ``pixel_unshuffle`` where it computes ``spec``:
    the CRD order, channels first, two spatial axes, one factor for both, any
    dtype but uint16/32/64 (which it has no kernel for)."""
    import torch.nn.functional as F

    r = spec.square_factor(x.ndim)
    if r is None or spec.order != "CRD" or spec.channels_last or _OPS.dtype_name(x) in ("uint16", "uint32", "uint64"):
        return None
    return (F.pixel_shuffle if spec.shuffles else F.pixel_unshuffle)(x, r)


permute, native_shuffle, shuffle = portable.bind_shuffle(_OPS, _native_shuffle)
