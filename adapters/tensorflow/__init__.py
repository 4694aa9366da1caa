"""The tensorflow adapter (and Keras' configurations).

``resize`` calls ``tf.image.resize`` or a ``tf.compat.v1.image.resize_*`` op
when the table in ``native_kwargs`` says that it computes the spec (inside a
graph, only the ops XLA compiles), and otherwise applies the taps with TF's
blocked matrix products or ``tf.gather`` / multiply / add
(``unisample.portable``): the result is a ``tf.Tensor`` of the input's dtype,
it works inside ``tf.function`` and under XLA, and ``tf.GradientTape`` sees
through both paths.  Nothing here imports tensorflow or keras until one of
their objects is seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np

from unisample import engine, portable
from unisample.dtypes import dtype_class
from unisample.optional import require

from .._common import (
    KEYS_CUBIC,
    TF1_CUBIC,
    TF_CUBIC,
    ConstantCache,
    cached_table,
    cubic_parameters,
    framework_array,
    resolved_transform,
)

NAME = "tensorflow"


def is_array(x) -> bool:
    return framework_array(x, NAME, ("Tensor", "Variable"))


def to_numpy(x) -> np.ndarray:
    if x.dtype.name == "bfloat16":
        return x.numpy().astype(np.float32)  # plain numpy has no bfloat16
    return x.numpy()

def from_numpy(x: np.ndarray, dtype=None):
    """A tensor of ``x`` (cast to ``dtype``, a name such as ``"bfloat16"``, when given)."""
    import tensorflow as tf

    t = tf.constant(x)
    return t if dtype is None else tf.cast(t, dtype)


# -- spec -> TF op ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _OpRow:
    """One row of ``native_kwargs``' table: a TF op and the specs it computes."""

    #: ``"resize"`` (``tf.image.resize``) or a TF1 op (``tf.compat.v1.image.<op>``)
    op: str
    #: the spec kernels it computes
    kernels: Tuple[str, ...]
    #: the spec coordinate transforms it computes (``paddle_half_pixel`` resolved first)
    transforms: Tuple[str, ...]
    #: whether XLA compiles the op (only these rows are used inside a graph)
    xla: bool
    #: the spec modes it computes (None: every mode of ``kernels``)
    modes: Optional[Tuple[str, ...]] = None
    #: the spec's antialias (None: either)
    antialias: Optional[bool] = None
    #: ``tf.image.resize``'s method (None: the spec's kernel's name, as lanczos3/5)
    method: Optional[str] = None
    #: whether ``tf.image.resize`` gets ``antialias=spec.antialias``
    passes_antialias: bool = False
    #: what else the spec must be (a predicate of the spec)
    condition: Callable[[Any], bool] = lambda spec: True  # nothing else


def _tf_cubic(spec) -> bool:
    """TF2's bicubic: Keys a=-0.5, outside taps dropped, read from TF's 1024-entry
    table; antialiased, computed exactly."""
    cubic = cubic_parameters(spec)
    return cubic == TF_CUBIC or (spec.antialias and cubic == KEYS_CUBIC)


def _tf1_cubic(spec) -> bool:
    """TF1's resize_bicubic: a=-0.75, edge pixels repeated, read from the table."""
    return cubic_parameters(spec) == TF1_CUBIC


def _outside_dropped(spec) -> bool:
    """TF's lanczos drops the taps outside the input and renormalises."""
    return bool(spec.exclude_outside)


_HALF_PIXEL = ("half_pixel",)
_TF1_TRANSFORMS = ("align_corners", "asymmetric")  # the TF1 ops' align_corners=True, False

#: the docstring's table, in its order: the first row that computes a spec is used
_OP_TABLE = (
    _OpRow("resize", ("nearest",), _HALF_PIXEL, xla=True, modes=("nearest-exact",), method="nearest"),
    _OpRow("resize_nearest_neighbor", ("nearest",), ("asymmetric",), xla=True, modes=("nearest",)),
    _OpRow("resize_nearest_neighbor", ("nearest",), ("align_corners",), xla=True, modes=("nearest-exact",)),
    _OpRow("resize", ("linear",), _HALF_PIXEL, xla=True, antialias=False, method="bilinear"),
    _OpRow("resize_bilinear", ("linear",), _TF1_TRANSFORMS, xla=True, antialias=False),
    _OpRow("resize", ("linear",), _HALF_PIXEL, xla=False, antialias=True, method="bilinear", passes_antialias=True),
    _OpRow("resize", ("cubic",), _HALF_PIXEL, xla=False, method="bicubic", passes_antialias=True, condition=_tf_cubic),
    _OpRow("resize_bicubic", ("cubic",), _TF1_TRANSFORMS, xla=False, antialias=False, condition=_tf1_cubic),
    _OpRow("resize", ("lanczos3", "lanczos5"), _HALF_PIXEL, xla=False, passes_antialias=True,
           condition=_outside_dropped),
)


def _tf_has_kernel(spec, in_size, dtype: str) -> bool:
    """Whether TF has an op of ``dtype`` for ``spec`` on ``in_size`` at all: TF's ops
    are 2-D, compute float64 in float32, have no uint32/uint64 kernels, and keep
    integers for nearest only (TypeError for a dtype unisample cannot resize)."""
    if len(in_size) != 2 or dtype in ("float64", "uint32", "uint64"):
        return False
    return dtype_class(dtype, NAME) != "integer" or spec.kernel == "nearest"


def _scale_is_size_mapping(spec, in_size, out_size) -> bool:
    """Whether the spec's mapping is one TF's ops, which take sizes, can make: an
    input/output mapping, or a scale factor whose inverse is exactly input/output."""
    if spec.same_size_copy is None:
        return True
    scales = spec.per_axis("scale_factor", 2)
    return not any(m != n * s for n, m, s in zip(in_size, out_size, scales))


def _row_computes(row: _OpRow, spec, transform: str, xla_safe: bool) -> bool:
    """Whether ``row``'s op computes ``spec`` (of coordinate transform ``transform``)."""
    return (spec.kernel in row.kernels
            and transform in row.transforms
            and (row.modes is None or spec.mode in row.modes)
            and (row.antialias is None or spec.antialias == row.antialias)
            and (row.xla or not xla_safe)
            and row.condition(spec))


def _op_kwargs(row: _OpRow, spec, transform: str, size: list) -> dict:
    """The keyword arguments of ``row``'s op for ``spec`` and output ``size``."""
    if row.op != "resize":  # a TF1 op: align_corners or the legacy asymmetric mapping
        return dict(size=size, align_corners=transform == "align_corners", half_pixel_centers=False)
    kwargs: Dict[str, Any] = dict(size=size, method=row.method or spec.kernel)
    if row.passes_antialias:
        kwargs["antialias"] = spec.antialias
    return kwargs


@cached_table
def native_kwargs(spec, in_size, dtype: str, xla_safe: bool = True) -> Optional[Tuple[str, dict]]:
    """``(op, keyword arguments)`` of the TF op that computes ``spec`` on an input of
    spatial size ``in_size`` and dtype name ``dtype``, or None.

    TF's ops are 2-D, take sizes (so the mapping must be input/output, or a
    scale factor whose inverse equals it), and return float32.  XLA compiles
    only ResizeBilinear and ResizeNearestNeighbor, so inside a graph (which
    ``tf.function(jit_compile=True)`` or Keras may compile) ``xla_safe`` keeps
    to the first rows; executing eagerly, every row is used.  TF's area has no
    gradient, so area always goes through the taps, which reproduce it.

    ============== ================== ============================= =========
    spec           TF op              also required                 XLA
    ============== ================== ============================= =========
    nearest-exact  resize nearest     half_pixel                    yes
    nearest        v1 nearest         asymmetric                    yes
    nearest-exact  v1 nearest         align_corners                 yes
    bilinear       resize bilinear    half_pixel, no antialias      yes
    bilinear       v1 bilinear        align_corners, or asymmetric  yes
                                      (no antialias)
    bilinear       resize bilinear    half_pixel, antialias         no
    bicubic        resize bicubic     half_pixel, a=-0.5, outside   no
                                      dropped, table 1024; or
                                      antialias, a=-0.5, dropped
    bicubic        v1 bicubic         align_corners or asymmetric,  no
                                      a=-0.75, edges kept, table
                                      (no antialias)
    lanczos3/5     resize lanczosN    half_pixel, outside dropped   no
    ============== ================== ============================= =========

    The table is ``_OP_TABLE`` (the first row that computes a spec is used).
    ``paddle_half_pixel`` counts as ``half_pixel`` when no output axis has
    length 1.  float64 goes through the taps (TF's ops would compute it in
    float32); integers only for nearest (which keeps them).
    """
    if not _tf_has_kernel(spec, in_size, dtype):
        return None
    out_size = spec.output_size(in_size)
    if not _scale_is_size_mapping(spec, in_size, out_size):
        return None
    transform = resolved_transform(spec.coordinate_transform, out_size)
    row = next((row for row in _OP_TABLE if _row_computes(row, spec, transform, xla_safe)), None)
    if row is None:
        return None
    return row.op, _op_kwargs(row, spec, transform, list(out_size))


class _Resize(portable.NativeOp):
    """TF's own resize ops as ``portable.resize`` uses them: the call is
    ``native_kwargs``'s.  TF's filter kernels read other pixels than the spec's
    taps (bilinear fewer, bicubic, lanczos and antialiased ones more: README
    "Non-finite values"), so where NaN and infinities go would differ: except
    for nearest modes, the native op gets finite inputs only (one read to know;
    in a graph, a ``tf.cond``) and the taps take the others."""

    def call(self, spec, x):
        import tensorflow as tf

        dims = x.shape.as_list()  # one call: indexing a TensorShape costs a microsecond a time
        axes = spec.check_input(dims)
        return native_kwargs(spec, portable.spatial_size(dims, axes), x.dtype.name,
                             xla_safe=not tf.executing_eagerly())

    def reads_taps(self, spec, x, call):
        return spec.kernel == "nearest" or not x.dtype.is_floating

    def run(self, spec, x, call):
        import tensorflow as tf

        dtype = x.dtype
        op, kwargs = call
        y = tf.transpose(x, (0, 2, 3, 1)) if not spec.channels_last else x
        if op == "resize":
            y = tf.image.resize(y, **kwargs)
        else:  # the kernels of tf.compat.v1.image.resize_*, without their deprecation notice on every call
            raw = {"resize_bilinear": tf.raw_ops.ResizeBilinear, "resize_bicubic": tf.raw_ops.ResizeBicubic,
                   "resize_nearest_neighbor": tf.raw_ops.ResizeNearestNeighbor}[op]
            y = raw(images=y, **kwargs)
        if y.dtype != dtype:
            y = tf.cast(y, dtype)  # TF returns float32 for every method but nearest
        return tf.transpose(y, (0, 3, 1, 2)) if not spec.channels_last else y


_RESIZE = _Resize()


# -- taps with TF ops -------------------------------------------------------------------------


_CONSTANTS = ConstantCache()


class _TensorFlowOps(portable.ArrayOps):
    """``unisample.portable``'s operations in TF.  Constants are cached only
    when running eagerly: inside a ``tf.function`` they belong to its graph."""

    def constant(self, a, like):
        import tensorflow as tf

        if not tf.executing_eagerly():
            return tf.constant(a, dtype=like.dtype)
        return _CONSTANTS.get(a, like.dtype.name, lambda: tf.constant(a, dtype=like.dtype))

    def take(self, x, index, axis):
        import tensorflow as tf

        return tf.gather(x, index, axis=axis)

    def matmul(self, a, b):
        import tensorflow as tf

        return tf.linalg.matmul(a, b)

    def concat(self, parts, axis):
        import tensorflow as tf

        return tf.concat(parts, axis)

    def reshape(self, x, shape):
        import tensorflow as tf

        return tf.reshape(x, shape)

    def transpose(self, x, perm):
        import tensorflow as tf

        return tf.transpose(x, perm)

    def select(self, mask, a):
        import tensorflow as tf

        return tf.where(mask, a, tf.zeros_like(a))

    framework = NAME

    def dtype_name(self, x):
        return x.dtype.name

    def cast(self, x, dtype):
        import tensorflow as tf

        return tf.cast(x, dtype)

    def floor(self, x):
        import tensorflow as tf

        return tf.floor(x)

    def clip(self, x, lo, hi):
        import tensorflow as tf

        return tf.clip_by_value(x, lo, hi)

    def where(self, condition, value, a):
        import tensorflow as tf

        return tf.where(condition, tf.constant(value, dtype=a.dtype), a)

    def copy(self, x):
        import tensorflow as tf

        # a tf.Variable comes back as itself where no axis changes: a new tensor instead
        return tf.identity(x)

    def all_finite(self, x):
        import tensorflow as tf

        if not x.dtype.is_floating:
            return True
        if not tf.executing_eagerly():
            return None  # a graph: the data is not there yet (``if_finite`` branches in it)
        try:
            # an eager CPU tensor is numpy memory: the engine's check, no op
            # (an eager TF op costs 30 us or more on a small image)
            return engine.all_finite(np.from_dlpack(x))
        except Exception:  # on a device, bfloat16 (no numpy dtype), a Variable (no __dlpack__): a TF op
            pass
        # the Sum kernel with a kept axes constant: a third of tf.reduce_sum's
        # eager cost, which builds its axes afresh (30 against 90 us on a
        # 1x32x32x3 image)
        rank = x.shape.rank
        axes = _SUM_AXES.get(rank)
        if axes is None:
            axes = _SUM_AXES[rank] = tf.constant(list(range(rank)), tf.int32)
        return math.isfinite(float(tf.raw_ops.Sum(input=x, axis=axes)))

    def if_finite(self, x, fast, exact):
        import tensorflow as tf

        if tf.executing_eagerly():
            return fast() if self.all_finite(x) else exact()
        # in a graph (tf.function, Keras, XLA) the branch is part of it
        return tf.cond(tf.math.is_finite(tf.reduce_sum(x)), fast, exact)


_SUM_AXES: dict = {}  # rank -> eager int32 constant of every axis
_OPS = _TensorFlowOps()


apply_taps, native, resize = portable.bind(_OPS, _RESIZE)


# -- the Keras layer and Keras / TF configurations ------------------------------------------------


def layer(spec, data_format: Optional[str] = None):
    """A Keras 3 layer computing ``spec`` (see ``unisample.adapters.tensorflow.layers``)."""
    from unisample.shuffle import is_shuffle

    require("keras", f"{type(spec).__name__}.to_keras()")
    from . import layers

    return (layers.PixelShuffle if is_shuffle(spec) else layers.Upsample)(spec, data_format=data_format)


def _native_shuffle(spec, x):
    """``tf.nn.depth_to_space`` / ``space_to_depth`` where they compute ``spec``: the
    DCR order, channels last (TF has no CPU kernel for NCHW), two spatial axes,
    one factor of at least 2 for both (TF refuses 1)."""
    import tensorflow as tf

    r = spec.square_factor(len(x.shape))
    if r is None or r < 2 or spec.order != "DCR" or not spec.channels_last:
        return None
    return (tf.nn.depth_to_space if spec.shuffles else tf.nn.space_to_depth)(x, r)


permute, native_shuffle, shuffle = portable.bind_shuffle(_OPS, _native_shuffle)
