"""One axis pass for every framework's arrays, written once.

The torch, TensorFlow, paddle and JAX adapters apply taps with their own
framework's operations, so that results keep the input's device and dtype and
gradients flow through them.  The algorithm is the numpy engine's
(``unisample.engine``): where the engine would run a pass as blocked banded
matrix products, ``apply_axis`` cuts it into the same blocks (computed once in
numpy and cached) and multiplies them with the framework's ``matmul``; where
the engine gathers (nearest modes, taps too sparse for products) it gathers
each tap and sums.  The blocks ran 5-12x faster than the gathers with torch on
the benchmark cases (``benchmarks/adapter_overhead.py``, taps column).

XLA on CPU runs small dense products slowly and gathers no better, but fuses
slices and element-wise sums well.  For it (``ArrayOps.phases``) an enlarging
pass with periodic taps (``engine._period``) is computed per phase: every
``P``-th output is a weighted sum of ``width`` strided slices of the input, the
phases interleaved by a reshape and the few border outputs gathered
(``benchmarks/jax_speed.py``: bicubic 1024 -> 2048 90 -> 39 ms).

Each adapter supplies an ``ArrayOps``: the few operations below, nothing else
differs between frameworks.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from . import reference
from .dtypes import dtype_class, round_passes
from .engine import _INTERLEAVE_MAX, _blocks, _interleaved_blocks, _period, _use_blocks
from .taps import AxisTaps

__all__ = ["ArrayOps", "NativeOp", "apply_axis", "apply_taps", "bind", "native", "resize", "resize_with_taps",
           "shuffle", "bind_shuffle"]


class ArrayOps:
    """A framework's operations for ``apply_axis``; each adapter subclasses it.

    Arrays passed to ``constant`` and ``take`` are numpy arrays owned by
    unisample's caches: the same object comes back on every call with the same
    taps, so an adapter may cache what it builds from them by ``id`` as long as
    it keeps the numpy array alive beside it (``adapters._common.ConstantCache``).
    """

    #: whether ``apply_axis`` may use blocked products (XLA on CPU ran them
    #: slower than its gathers: the jax adapter turns them off)
    blocks = True
    #: whether ``apply_axis`` computes enlarging periodic passes per phase from
    #: strided slices (``slice`` must be implemented; the jax adapter's choice)
    phases = False

    def shape(self, x) -> Tuple[Optional[int], ...]:
        """``x``'s shape, None for a dimension unknown while tracing."""
        return tuple(x.shape)

    def constant(self, a: np.ndarray, like):
        """``a`` (float64) as an array of ``like``'s dtype on ``like``'s device."""
        raise NotImplementedError

    def take(self, x, index: np.ndarray, axis: int):
        """``x``'s elements at ``index`` (int64) along ``axis``."""
        raise NotImplementedError

    def matmul(self, a, b):
        raise NotImplementedError

    def slice(self, x, start: int, stop: int, step: int, axis: int):
        """``x[start:stop:step]`` along ``axis`` (needed only where ``phases`` is True)."""
        raise NotImplementedError

    def concat(self, parts: Sequence, axis: int):
        raise NotImplementedError

    def reshape(self, x, shape: Tuple[int, ...]):
        """``x`` reshaped; ``shape`` holds at most one -1."""
        raise NotImplementedError

    def transpose(self, x, perm: Tuple[int, ...]):
        """``x`` with its axes in the order ``perm`` (``numpy.transpose``); for pixel shuffles."""
        raise NotImplementedError

    def select(self, mask: np.ndarray, a):
        """``a`` where ``mask`` (numpy bool, broadcasting against ``a``), 0 elsewhere
        (also where ``a`` is NaN)."""
        raise NotImplementedError

    def all_finite(self, x) -> Optional[bool]:
        """Whether ``x`` holds no NaN or infinity (one read: the sum of such an array
        is not finite), or None where that cannot be known now (traced)."""
        raise NotImplementedError

    def if_finite(self, x, fast, exact):
        """``fast()`` where ``x`` is all finite, else ``exact()``; ``exact()`` where
        ``all_finite`` cannot tell.  TF overrides it with ``tf.cond`` in graphs."""
        return fast() if self.all_finite(x) else exact()

    # -- what ``resize_with_taps`` needs besides the passes: the dtype policy --

    #: the framework's name, for the message refusing a dtype
    framework = "array"

    def dtype_name(self, x) -> str:
        """``x``'s dtype as numpy names it (``"float32"``, ``"bfloat16"``, ``"uint8"``)."""
        return str(x.dtype).rsplit(".", 1)[-1]

    def cast(self, x, dtype: str):
        """``x`` converted to the dtype numpy calls ``dtype``."""
        raise NotImplementedError

    def integer_precision(self) -> str:
        """The float dtype integer inputs are resampled in (JAX without x64: float32)."""
        return "float64"

    def floor(self, x):
        raise NotImplementedError

    def clip(self, x, lo: float, hi: float):
        raise NotImplementedError

    def where(self, condition, value, a):
        """``value`` (a Python number) where ``condition``, else ``a``."""
        raise NotImplementedError

    def copy(self, x):
        """A new array equal to ``x`` (a resize never returns its input)."""
        raise NotImplementedError


class NativeOp:
    """A framework's own resize, as ``resize`` uses it; each adapter with one subclasses it.

    ``call`` is the adapter's mapping table: what to call the op with, or None
    where the op does not compute the spec (verified by the conformance suite,
    never assumed).  ``reads_taps`` says whether the op reads exactly the
    spec's taps, so that NaN and infinities land where the reference puts
    them; where it does not, the op gets finite inputs only (README
    "Non-finite values").
    """

    def call(self, spec, x):
        """The native call computing ``spec`` on ``x`` (any object ``run`` takes), or None."""
        raise NotImplementedError

    def reads_taps(self, spec, x, call) -> bool:
        raise NotImplementedError

    def run(self, spec, x, call):
        """The op's result for ``call``, as an array of ``x``'s kind, dtype and layout."""
        raise NotImplementedError


def _known(n) -> bool:
    return bool(isinstance(n, (int, np.integer)) and n >= 0)


def _product(lengths) -> int:
    """The product of lengths all known (``_known``)."""
    total = 1
    for n in lengths:
        total *= int(n)
    return total


def _along(axis: int, ndim: int, n: int) -> Tuple[int, ...]:
    """The shape of ``n`` values that broadcast along ``axis`` of an ``ndim`` array."""
    return (1,) * axis + (n,) + (1,) * (ndim - axis - 1)


@functools.lru_cache(maxsize=256)
def _weight_columns(taps: AxisTaps, ndim: int, axis: int) -> Tuple[np.ndarray, ...]:
    """Each tap's weights, shaped to broadcast along ``axis`` of an ``ndim`` array."""
    shape = _along(axis, ndim, taps.out_size)
    weight = taps.weight
    assert weight is not None, "nearest taps have no weights and take no products"
    return tuple(np.ascontiguousarray(weight[:, k]).reshape(shape) for k in range(taps.width))


@functools.lru_cache(maxsize=256)
def _product_blocks(taps: AxisTaps, post: int) -> Tuple[Tuple[int, int, np.ndarray], ...]:
    """``(in_start, in_stop, matrix)`` per block, in the orientation ``_apply_blocks``
    multiplies: transposed for rows (``post <= _INTERLEAVE_MAX``, the blocks of
    ``engine._interleaved_blocks`` when pixels hold several values), as they
    are for an axis followed by longer rows."""
    if post == 1:
        return tuple((lo, hi, np.ascontiguousarray(w.T)) for _, _, lo, hi, w in _blocks(taps, "float64"))
    if post <= _INTERLEAVE_MAX:
        return tuple((lo, hi, np.ascontiguousarray(w.T))
                     for _, _, lo, hi, w in _interleaved_blocks(taps, "float64", post))
    return tuple((lo, hi, w) for _, _, lo, hi, w in _blocks(taps, "float64"))


def _apply_blocks(x, taps: AxisTaps, axis: int, shape, pre: int, post: int, ops: ArrayOps):
    """The pass as blocked products: ``x`` viewed as ``(pre, in, post)`` (or as rows
    of ``in * post`` values when ``post`` is small), one product per block, the
    blocks' results concatenated along the axis.  ``pre`` is -1 where the batch
    is unknown (traced)."""
    blocks = _product_blocks(taps, post)
    if post <= _INTERLEAVE_MAX:
        rows = ops.reshape(x, (pre, taps.in_size * post))
        parts = [ops.matmul(rows[:, lo:hi], ops.constant(w, x)) for lo, hi, w in blocks]
    else:
        x3 = ops.reshape(x, (pre, taps.in_size, post))
        parts = [ops.matmul(ops.constant(w, x), x3[:, lo:hi, :]) for lo, hi, w in blocks]
    out = parts[0] if len(parts) == 1 else ops.concat(parts, 1)
    out_shape = tuple(n if _known(n) else -1 for n in shape[:axis]) + (taps.out_size,) + tuple(shape[axis + 1:])
    return ops.reshape(out, out_shape)


@functools.lru_cache(maxsize=256)
def _index_columns(taps: AxisTaps) -> Tuple[np.ndarray, ...]:
    return tuple(np.ascontiguousarray(taps.index[:, k]) for k in range(taps.width))


@functools.lru_cache(maxsize=256)
def _padding_columns(taps: AxisTaps, ndim: int, axis: int) -> Tuple[Optional[np.ndarray], ...]:
    """Per tap, where its entries are read (bool, shaped along ``axis``), or None
    where every output reads it (``AxisTaps.count``)."""
    present = taps.present()
    if present is None:
        return (None,) * taps.width
    shape = _along(axis, ndim, taps.out_size)
    return tuple(None if present[:, k].all() else np.ascontiguousarray(present[:, k]).reshape(shape)
                 for k in range(taps.width))


def _apply_gather(x, taps: AxisTaps, axis: int, ndim: int, ops: ArrayOps, exact: bool = True):
    """The pass as ``reference.apply_axis`` computes it: one gather per tap, weighted
    and summed; with ``exact``, a padding entry (``AxisTaps.count``) adds 0
    even where the pixel it points at is NaN or infinite, as in the reference."""
    index, weight = _index_columns(taps), _weight_columns(taps, ndim, axis)
    padding = _padding_columns(taps, ndim, axis) if exact else (None,) * taps.width
    out = None
    for k in range(taps.width):
        term = ops.take(x, index[k], axis) * ops.constant(weight[k], x)
        reads = padding[k]
        if reads is not None:
            term = ops.select(reads, term)
        out = term if out is None else out + term
    return out


#: a per-phase pass is one slice, multiply and add per phase and tap: beyond
#: this many terms (long periods of wide taps) the graph grows for no gain
_MAX_PHASE_TERMS = 64


#: one tap of one phase: a weight that repeats exactly, a column of them, or None (padding)
PhaseWeight = Union[None, float, np.ndarray]


@dataclasses.dataclass(frozen=True, eq=False)  # hashed by identity: ``_phases`` caches one per taps
class _Phases:
    """An enlarging pass cut by its period: outputs ``first + m * outputs + p``
    (``m < count``) are ``sum_k weight[p][k] * x[start[p] + k + m * inputs]``;
    ``left`` and ``right`` hold the border outputs' taps (None where empty)."""

    outputs: int
    inputs: int
    count: int
    start: Tuple[int, ...]
    #: per phase and tap: a float where the weight repeats exactly along the
    #: period, else the ``count`` weights of its outputs (float64 column);
    #: None for a padding entry, which no output of the phase reads
    weight: Tuple[Tuple[PhaseWeight, ...], ...]
    left: Optional[AxisTaps]
    right: Optional[AxisTaps]


@functools.lru_cache(maxsize=256)
def _phases(taps: AxisTaps) -> Optional[_Phases]:
    """``taps`` as ``_Phases``, or None where the pass does not enlarge, has no
    period or would take more than ``_MAX_PHASE_TERMS`` terms.  Measured with
    XLA on CPU (``benchmarks/jax_speed.py``): per phase 1.3-2.5x faster than
    the gathers when enlarging; when shrinking by 2 strided slices ran up to
    3x slower on some rows, so shrinking passes keep the gathers."""
    period = _period(taps)
    if (period is None or taps.out_size <= taps.in_size
            or period.outputs * taps.width > _MAX_PHASE_TERMS):
        return None
    P, first, stop = period.outputs, period.first, period.stop

    def border(a, b):
        return taps.rows(slice(a, b)) if b > a else None

    present, all_weights = taps.present(), taps.weight
    assert all_weights is not None, "nearest taps have no weights and take no products"
    weight = []
    for p in range(P):
        columns = all_weights[first + p:stop:P]
        reads = np.ones(columns.shape, bool) if present is None else present[first + p:stop:P]
        if not np.all(reads == reads[:1]):
            return None  # outputs of one phase that read different numbers of pixels
        weight.append(tuple(None if not r else float(c[0]) if np.all(c == c[0]) else np.ascontiguousarray(c)
                            for c, r in zip(columns.T, reads[0])))
    return _Phases(P, period.inputs, period.count, tuple(int(taps.index[first + p, 0]) for p in range(P)),
                   tuple(weight), border(0, first), border(stop, taps.out_size))


@functools.lru_cache(maxsize=256)
def _phase_weights(phases: _Phases, ndim: int, axis: int) -> Tuple[Tuple[PhaseWeight, ...], ...]:
    """``phases.weight`` with each column shaped to broadcast along ``axis`` (the
    same arrays on every call, as ``ArrayOps.constant`` caches expect)."""
    shape = _along(axis, ndim, phases.count)
    return tuple(tuple(w if w is None or isinstance(w, float) else w.reshape(shape) for w in weights)
                 for weights in phases.weight)


def _apply_phases(x, phases: _Phases, axis: int, shape, ops: ArrayOps):
    """The pass per phase (``shape``: ``x``'s, all known): strided slices weighted
    and summed, the phases interleaved through a reshape, borders gathered."""
    ndim, count, P, Q = len(shape), phases.count, phases.outputs, phases.inputs
    parts = []
    for start, weights in zip(phases.start, _phase_weights(phases, ndim, axis)):
        total = None
        for k, w in enumerate(weights):
            if w is None:
                continue
            piece = ops.slice(x, start + k, start + k + Q * (count - 1) + 1, Q, axis)
            term = piece * (w if isinstance(w, float) else ops.constant(w, x))
            total = term if total is None else total + term
        # each phase gets an axis of length 1 after ``axis``: concatenated there
        # and merged with ``axis``, outputs follow in order m * P + p
        parts.append(ops.reshape(total, shape[:axis] + (count, 1) + shape[axis + 1:]))
    merged = shape[:axis] + (count * P,) + shape[axis + 1:]
    inner = parts[0] if P == 1 else ops.concat(parts, axis + 1)
    pieces = [ops.reshape(inner, merged)]
    if phases.left is not None:
        pieces.insert(0, _apply_gather(x, phases.left, axis, ndim, ops))
    if phases.right is not None:
        pieces.append(_apply_gather(x, phases.right, axis, ndim, ops))
    return pieces[0] if len(pieces) == 1 else ops.concat(pieces, axis)


def apply_axis(x, taps: AxisTaps, axis: int, ops: ArrayOps, exact: bool = False):
    """One axis pass of ``taps`` on framework array ``x`` with ``ops``: the same
    numbers as ``reference.apply_axis`` up to summation order, in ``x``'s dtype.

    Per phase where ``ops.phases`` asks for it and ``_phases`` finds the pass
    enlarging and periodic (every dimension known); blocked products where
    ``engine._use_blocks`` says they pay (the element counts before and after
    the axis decide; a batch unknown while tracing counts as large),
    ``ops.blocks`` allows them and ``exact`` is False; a gather per tap
    otherwise, and wherever more than the batch is unknown.  Phases and
    gathers read exactly the taps, so their non-finite outputs are the
    reference's; blocks multiply zeros too (see ``apply_taps``).
    """
    if taps.weight is None:  # nearest: a pure gather, exact for every dtype
        return ops.take(x, _index_columns(taps)[0], axis)
    shape = ops.shape(x)
    if ops.phases and all(_known(n) for n in shape):
        phases = _phases(taps)
        if phases is not None:
            return _apply_phases(x, phases, axis, shape, ops)
    before, after = shape[:axis], shape[axis + 1:]
    unknown = sum(not _known(n) for n in before)
    if ops.blocks and not exact and unknown <= 1 and all(_known(n) for n in after):
        post = _product(after)
        pre = -1 if unknown else _product(before)
        # an unknown batch counts as large; an empty one gathers (nothing to multiply)
        if pre != 0 and post != 0 and _use_blocks(taps, 1 << 30 if unknown else pre, post):
            return _apply_blocks(x, taps, axis, shape, pre, post, ops)
    return _apply_gather(x, taps, axis, len(shape), ops, exact)


def apply_taps(x, taps: Sequence[Optional[AxisTaps]], axes: Sequence[int], ops: ArrayOps):
    """Every pass of ``taps`` on floating framework array ``x``, in
    ``reference.pass_order``.

    Blocked products multiply each input of a block's run by the block's
    weights for all of its outputs, zeros included, and ``0 * nan`` is NaN: a
    NaN or infinity would spread over the whole block; gathers read padding
    entries unless told not to.  Where blocks may run, an input that is not
    all finite (``ops.if_finite``) therefore takes the exact passes (phases or
    gathers that skip padding), whose non-finite outputs are exactly the
    reference's; without blocks (JAX) the passes are always the exact ones.
    """
    # partials, not closures: paddle's bytecode translator (to_static) has read a
    # closed-over ``ops`` as its cell object
    fast = functools.partial(reference.apply_taps, x, taps, axes, apply_axis=functools.partial(apply_axis, ops=ops))
    exact = functools.partial(reference.apply_taps, x, taps, axes,
                              apply_axis=functools.partial(apply_axis, ops=ops, exact=True))
    if not ops.blocks:  # phases and gathers only: exact at no extra cost
        return exact()
    if all(t is None or t.weight is None for t in taps):
        return fast()  # nearest: a gather, exact
    return ops.if_finite(x, fast, exact)


# -- the adapter template: written once over an ArrayOps and a NativeOp ----------------------------


def spatial_size(shape, axes) -> Tuple[int, ...]:
    """The lengths of ``shape`` at ``axes``; ValueError where one is unknown (traced)."""
    size = tuple(shape[a] for a in axes)
    # torch's tracers give 0-d tensors for lengths it knows: int() reads them
    if any(n is None or (isinstance(n, (int, np.integer)) and n < 0) for n in size):
        raise ValueError(
            f"input has shape {tuple(shape)}: unisample needs static spatial sizes (the batch may be unknown)"
        )
    return tuple(int(n) for n in size)


def resize_with_taps(spec, x, ops: ArrayOps):
    """``spec`` applied to framework array ``x`` through the taps, with the dtype
    policy of ``unisample.dtypes``: float32 and float64 in their own precision,
    float16 and bfloat16 in float32 rounded once at the end, integers gathered
    exactly (nearest) or resampled per pass with ``round_passes``.  A new
    array of ``x``'s dtype, on its device."""
    dtype = ops.dtype_name(x)
    kind = dtype_class(dtype, ops.framework)
    shape = ops.shape(x)
    axes = spec.check_input(shape)
    taps = spec.taps(spatial_size(shape, axes))
    if kind == "integer" and spec.kernel != "nearest":
        precision = ops.integer_precision()
        y = round_passes(ops.cast(x, precision), taps, axes, np.iinfo(dtype),
                         apply_axis=functools.partial(apply_axis, ops=ops), floor=ops.floor, clip=ops.clip,
                         cast=lambda y: ops.cast(y, dtype), where=ops.where, precision=np.dtype(precision).type)
    else:
        y = ops.cast(x, "float32") if kind == "half" else x
        y = apply_taps(y, taps, axes, ops)
        if ops.dtype_name(y) != dtype:
            y = ops.cast(y, dtype)
    outside = reference.extrapolated(spec, taps, axes, len(shape), dtype)
    if outside is not None:  # tf_crop_and_resize: the value wherever the source lies outside, NaN too
        mask, value = outside
        # a cast, not a comparison: torch has no comparison kernels for uint16/32/64
        y = ops.where(ops.cast(ops.constant(mask.astype(np.float64), like=y), "bool"), value, y)
    return ops.copy(x) if y is x else y


def native(spec, x, ops: ArrayOps, op: NativeOp):
    """``op``'s result for ``spec`` on ``x`` where it computes the spec (for an op
    that does not read the spec's taps, only on an input known to be finite),
    else None."""
    call = None if spec.onnx_only else op.call(spec, x)
    if call is None or (not op.reads_taps(spec, x, call) and ops.all_finite(x) is not True):
        return None
    return op.run(spec, x, call)


def resize(spec, x, ops: ArrayOps, op: Optional[NativeOp] = None):
    """``spec`` applied to ``x``: the native op where it computes the spec (an op
    that reads other pixels than the taps only on finite inputs: one read to
    know, or ``ops.if_finite``'s graph branch), else ``resize_with_taps``."""
    # ONNX's own vocabulary has no framework kernel: the tables never see it
    call = None if op is None or spec.onnx_only else op.call(spec, x)
    if call is None:
        return resize_with_taps(spec, x, ops)
    assert op is not None
    if op.reads_taps(spec, x, call):
        return op.run(spec, x, call)
    return ops.if_finite(x, lambda: op.run(spec, x, call), lambda: resize_with_taps(spec, x, ops))


def bind(ops: ArrayOps, op: Optional[NativeOp] = None):
    """An adapter's ``(apply_taps, native, resize)`` over its ``ops`` and native
    ``op`` (None: a compute-only adapter, whose ``native`` is always None)::

        apply_taps, native, resize = portable.bind(_OPS, _INTERPOLATE)
    """
    def apply_taps(spec, x):
        return resize_with_taps(spec, x, ops)

    def native_result(spec, x):
        return None if op is None else native(spec, x, ops, op)

    def resize_array(spec, x):
        return resize(spec, x, ops, op)

    name = ops.framework
    apply_taps.__doc__ = f"``spec`` applied to {name} array ``x`` through the taps (any mode, any dtype): a new array."
    native_result.__doc__ = (f"{name}'s own op on ``x`` where it computes ``spec`` (on finite inputs only where "
                             "it reads other pixels than the taps), else None.")
    resize_array.__doc__ = (f"``spec`` applied to {name} array ``x``: its own op where that computes the spec, "
                            "else the taps.")
    for function, public in ((apply_taps, "apply_taps"), (native_result, "native"), (resize_array, "resize")):
        function.__name__ = function.__qualname__ = public
    return apply_taps, native_result, resize_array


# -- pixel shuffles: a permutation, the same three operations everywhere --------------------


def shuffle(spec, x, ops: ArrayOps, native=None):
    """A ``PixelShuffle`` or ``PixelUnshuffle`` applied to ``x`` with ``ops``:
    ``native(spec, x)`` where the adapter's table has the framework's own op
    for it (None elsewhere), else ``spec.plan``'s reshape, transpose and
    reshape.  Either is the permutation itself, exact in every dtype; the
    result never shares the input's memory."""
    from .shuffle import moves_data

    plan = spec.plan(ops.shape(x))
    out = native(spec, x) if native is not None else None
    if out is None:
        before, perm, after = plan
        out = ops.reshape(ops.transpose(ops.reshape(x, before), perm), after)
    return out if moves_data(plan) else ops.copy(out)


def bind_shuffle(ops: ArrayOps, native=None):
    """``(permute, native_shuffle, shuffle)`` for one framework, each a function of
    ``(spec, x)``: ``spec.plan``'s reshapes and transpose with its ``ops`` (the
    portable path), its own op where its table claims one (None elsewhere:
    ``native``), and ``shuffle`` with both bound (what ``spec(x)`` calls)."""
    def no_native(spec, x):
        return None

    return (functools.partial(shuffle, ops=ops), native or no_native,
            functools.partial(shuffle, ops=ops, native=native))
