"""The fast numpy engine: taps applied as blocked banded matrix products.

``reference.apply_axis`` applies an axis's taps the textbook way, one
full-size gather and multiply per tap; it is the clear ground truth, and
memory-bound.  Here the same taps are cut into blocks of consecutive output
pixels: each block reads a contiguous run of input pixels (taps are banded),
so it is a small dense matrix ``W_block`` (zeros where a tap is absent) and
the pass is a loop of BLAS matrix products over those runs, with no
fancy-index temporaries and BLAS's threads.  Zero weights add exact zeros,
so the result differs from the gather only by summation order (within the
tolerance module's bound).

A block's run is about ``block * in / out + width`` input pixels long: dense
work is that many multiply-adds per output instead of ``width``, so when the
taps are sparse inside their runs (strong downscaling without antialias) the
gather is kept (``_use_blocks``).  Blocks per (taps, dtype) are computed once
and cached.

Most resizes have periodic taps: with scale 2, or 1/2, or any ratio of small
integers, output ``j + P`` reads the inputs of output ``j`` moved by ``Q``
(``_period``).  Two passes use that instead of dense blocks, which multiply
mostly zeros when the taps are narrow:

* ``_apply_windows``, an axis followed by whole rows (the height of an image):
  the inputs of every ``P``-th output form one strided view of ``width``-row
  windows, so a phase is one batched matrix product (weights times window),
  streaming the rows with no zero work;
* ``_apply_grouped``, the innermost axis (with at most a few channels after it)
  when shrinking and each group of ``P`` outputs reads only its own group of
  ``Q`` inputs (bilinear by 1/2): the pass is one product of the input viewed
  as ``(groups, Q * post)`` by a tiny ``(Q * post, P * post)`` matrix.

Outputs near the borders, where clamping breaks the period, are gathered.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Sequence, Tuple

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .reference import apply_axis, apply_taps, pass_order
from .taps import AxisTaps

__all__ = ["apply_taps_fast", "apply_axis_fast", "all_finite", "finite_check"]

#: input pixels a block should read: long enough for BLAS to run at speed
#: (measured best between 32 and 48 on the benchmark cases), short enough that
#: the dense block does little work on zeros
_RUN = 36
#: the same for a block of interleaved pixels (``_interleaved_blocks``): each
#: pixel is ``post`` values, so fewer pixels keep the product as small (18
#: pixels of 3 channels: 1024 -> 2048 channels-last width pass 8.8 ms, 36
#: pixels 12.7 ms)
_RUN_INTERLEAVED = 18
#: at most 64 outputs a block
_MAX_BLOCK = 64


def _block_outputs(taps: AxisTaps, run: int = _RUN) -> int:
    """Outputs per block: enough that a block reads about ``run`` input pixels, or
    one tap's ``width`` when that is wider (antialiased shrinking: 4000 -> 256
    bicubic has 63 taps, and 4 outputs a block ran 30x faster than the gather);
    multiples of 8 from 8 up."""
    outputs = max(run, taps.width) * taps.out_size / taps.in_size
    if outputs >= 8:
        return int(min(_MAX_BLOCK, 8 * round(outputs / 8)))
    return max(1, int(round(outputs)))


@functools.lru_cache(maxsize=256)
def _blocks(taps: AxisTaps, dtype: str, run: int = _RUN) -> Tuple[Tuple[int, int, int, int, np.ndarray], ...]:
    """``(out_start, out_stop, in_start, in_stop, W)`` per block of about ``run``
    inputs, ``W`` of shape ``(out_stop - out_start, in_stop - in_start)`` in
    ``dtype``."""
    blocks = []
    index, weight = taps.index, _weights(taps)
    step = _block_outputs(taps, run)
    for start in range(0, taps.out_size, step):
        stop = min(start + step, taps.out_size)
        idx, w = index[start:stop], weight[start:stop]
        lo, hi = int(idx.min()), int(idx.max()) + 1
        dense = np.zeros((stop - start, hi - lo))
        rows = np.broadcast_to(np.arange(stop - start)[:, None], idx.shape)
        np.add.at(dense, (rows, idx - lo), w)
        blocks.append((start, stop, lo, hi, dense.astype(dtype)))
    return tuple(blocks)


@functools.lru_cache(maxsize=64)
def _interleaved_blocks(taps: AxisTaps, dtype: str, post: int):
    """The blocks for an axis followed by ``post`` (few) contiguous values per
    pixel, e.g. the width of a channels-last image: ``kron(W, I_post)`` acts on
    the flattened (pixel, channel) axis, so the pass is one contiguous product
    per block instead of one tiny product per row."""
    eye = np.eye(post, dtype=dtype)
    return tuple((start * post, stop * post, lo * post, hi * post, np.kron(w, eye))
                 for start, stop, lo, hi, w in _blocks(taps, dtype, _RUN_INTERLEAVED))


#: a pass whose axis is followed by at most this many values uses _interleaved_blocks
_INTERLEAVE_MAX = 4


#: multiply-adds a BLAS call should do at least: below it the calls' overhead
#: costs more than the gather (8x64x64x64 -> 16x16 has 512 products of 8x30 by
#: 30x64 per block: 4x slower than the gather)
_MIN_CALL_WORK = 32768


def _use_blocks(taps: AxisTaps, pre: int, post: int) -> bool:
    """Blocks unless they would read far more input than the gather (strong
    shrinking without antialias: 15x with 2 taps reads every input row where the
    gather reads 2 in 15) or the BLAS calls would be too small to pay for
    themselves.  ``pre`` and ``post`` are the element counts before and after the
    axis."""
    if taps.weight is None:
        return False
    outputs = _block_outputs(taps, _RUN_INTERLEAVED if 1 < post <= _INTERLEAVE_MAX else _RUN)
    run = (outputs - 1) * taps.in_size / taps.out_size + taps.width  # input pixels a block reads
    if run / outputs > 2 * taps.width:
        return False
    per_call = outputs * post * (pre if post <= _INTERLEAVE_MAX else 1)
    return per_call * run >= _MIN_CALL_WORK


@dataclasses.dataclass(frozen=True)
class _Period:
    """Outputs ``first + m * outputs + p`` (``p < outputs``, ``m < count``) read
    ``width`` consecutive inputs starting at ``index[first + p, 0] + m * inputs``;
    ``exact`` when their weights repeat exactly too."""

    outputs: int
    inputs: int
    first: int
    count: int
    exact: bool

    @property
    def stop(self) -> int:
        return self.first + self.count * self.outputs


#: periods longer than this are not looked for (each phase is one call)
_MAX_PERIOD = 8


def _longest_run(flags: np.ndarray) -> Tuple[int, int]:
    """``(start, stop)`` of the longest run of True in a 1-D bool array."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags.astype(np.int8), [0]))))
    starts, stops = edges[0::2], edges[1::2]
    if len(starts) == 0:
        return 0, 0
    best = int(np.argmax(stops - starts))
    return int(starts[best]), int(stops[best])


@functools.lru_cache(maxsize=256)
def _period(taps: AxisTaps) -> Optional[_Period]:
    """The taps' period, found from the taps themselves (so it holds whatever
    coordinate rule made them), or None when no period up to ``_MAX_PERIOD``
    covers at least half the outputs."""
    if taps.weight is None:
        return None
    index, weight = taps.index, taps.weight
    consecutive = np.all(index == index[:, :1] + np.arange(taps.width), axis=1)
    for outputs in range(1, _MAX_PERIOD + 1):
        if taps.out_size < 4 * outputs:
            break
        step = index[outputs:, 0] - index[:-outputs, 0]
        inputs = int(np.median(step))
        if inputs < 1:
            continue
        start, stop = _longest_run(consecutive[outputs:] & consecutive[:-outputs] & (step == inputs))
        if stop - start < taps.out_size // 2:
            continue
        count = (stop + outputs - start) // outputs
        end = start + count * outputs
        exact = np.array_equal(weight[start + outputs:end], weight[start:end - outputs])
        return _Period(outputs, inputs, start, count, bool(exact))
    return None


def _periodic(taps: AxisTaps) -> _Period:
    """``_period(taps)`` where the pass method was chosen because there is one."""
    period = _period(taps)
    assert period is not None, "windows and grouped passes need periodic taps"
    return period


def _weights(taps: AxisTaps) -> np.ndarray:
    """The taps' weights; nearest taps have none, and never reach the products."""
    assert taps.weight is not None, "products need weighted taps"
    return taps.weight


@functools.lru_cache(maxsize=256)
def _edge_taps(taps: AxisTaps, first: int, stop: int) -> Tuple[np.ndarray, AxisTaps]:
    """The outputs outside ``[first, stop)`` and their taps."""
    outputs = np.r_[0:first, stop:taps.out_size]
    return outputs, taps.rows(outputs)


def _apply_edges(x3: np.ndarray, out3: np.ndarray, taps: AxisTaps, first: int, stop: int) -> None:
    """Gather the outputs outside ``[first, stop)`` (``x3``, ``out3``: pre, axis, post)."""
    outputs, edge = _edge_taps(taps, first, stop)
    if len(outputs):
        out3[:, outputs, :] = apply_axis(x3, edge, 1)


@functools.lru_cache(maxsize=64)
def _window_weights(taps: AxisTaps, dtype: str) -> Tuple[np.ndarray, ...]:
    """Per phase, the weights of its outputs as ``(count, 1, width)`` in ``dtype``:
    each output keeps its own weights, so the result is the gather's up to
    summation order even where the weights repeat only up to rounding."""
    period = _periodic(taps)
    return tuple(_weights(taps)[period.first + p:period.stop:period.outputs, None, :].astype(dtype)
                 for p in range(period.outputs))


#: ``_apply_windows`` needs rows this long: each window is one BLAS call, and
#: shorter rows make the calls' overhead dominate (512 rows of 256 values ran
#: slower than the blocks)
_WINDOW_MIN_POST = 1024

#: the windows and grouped passes stream memory through small BLAS calls that
#: run on one core; split them over the cores this process may use (two
#: threads took the 4K -> 1080p height pass from 13 ms to 9 ms here) once a
#: pass writes this many bytes
_PARALLEL_MIN_BYTES = 1 << 22
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@functools.lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(_CORES, thread_name_prefix="unisample")


def _in_parallel(work, n: int, nbytes: int) -> None:
    """``work(start, stop)`` over ``range(n)`` cut into one part per core (numpy
    releases the GIL inside each call), or at once for small passes."""
    parts = min(_CORES, n) if nbytes >= _PARALLEL_MIN_BYTES else 1
    if parts <= 1:
        work(0, n)
        return
    cuts = [n * i // parts for i in range(parts + 1)]
    for done in [_pool().submit(work, a, b) for a, b in zip(cuts, cuts[1:])]:
        done.result()


def _apply_windows(x3: np.ndarray, out3: np.ndarray, taps: AxisTaps, period: _Period) -> None:
    """An axis followed by whole rows (``x3``: pre, axis, post; contiguous):
    per phase, one batched product of each output's weights with its strided
    window of ``width`` input rows."""
    pre, _, post = x3.shape
    s0, s1, s2 = x3.strides
    P, Q = period.outputs, period.inputs
    for p, weight in enumerate(_window_weights(taps, x3.dtype.name)):
        j = period.first + p

        def work(a, b, j=j, weight=weight):
            start = taps.index[j, 0] + a * Q
            windows = as_strided(x3[:, start:], (pre, b - a, taps.width, post), (s0, Q * s1, s1, s2),
                                 writeable=False)
            np.matmul(weight[a:b], windows, out=out3[:, j + a * P:j + (b - 1) * P + 1:P, None, :])

        _in_parallel(work, period.count, out3.nbytes // P)
    _apply_edges(x3, out3, taps, period.first, period.stop)


@functools.lru_cache(maxsize=64)
def _grouped(taps: AxisTaps, dtype: str, post: int):
    """``(first, stop, shift, matrix)`` for ``_apply_grouped``, or None where the
    taps have no exact period that divides both sizes, or an output group's
    inputs span more than one input group.  Output group ``g`` (``P`` pixels of
    ``post`` values) is ``x_group[g + shift] @ matrix`` for the groups
    ``first // P <= g < stop // P`` of each row."""
    period = _period(taps)
    if period is None or not period.exact:
        return None
    P, Q = period.outputs, period.inputs
    if Q > 2 * taps.width:  # strong shrinking without antialias: like the blocks, reads every input
        return None
    groups = taps.out_size // P
    if groups * P != taps.out_size or groups * Q != taps.in_size:
        return None
    g0, g1 = -(-period.first // P), period.stop // P  # whole groups inside the period's run
    if g1 <= g0:
        return None
    # the inputs of group g0's outputs, counted from the group's first input
    rel = taps.index[g0 * P:(g0 + 1) * P] - g0 * Q
    shift = int(rel.min()) // Q
    matrices = np.zeros((int(rel.max()) // Q - shift + 1, Q, P))
    phase = np.broadcast_to(np.arange(P)[:, None], rel.shape)
    np.add.at(matrices, (rel // Q - shift, rel % Q, phase), _weights(taps)[g0 * P:(g0 + 1) * P])
    if len(matrices) > 1:
        # windows wider than a group (bicubic shrinking by 2: 4 taps, groups of
        # 2) need a sum of products with temporaries: measured slower than the
        # blocks (21 ms vs 15 ms on a 3x1080x3840 width pass)
        return None
    return g0 * P, g1 * P, shift, np.kron(matrices[0], np.eye(post)).astype(dtype)


def _apply_grouped(x: np.ndarray, out: np.ndarray, taps: AxisTaps, post: int, grouped) -> None:
    """The innermost axis (``post`` values a pixel, contiguous ``x``, ``out``) as
    one product of pixel groups by a tiny matrix.  Rows are processed as one
    long run of groups: a group near a row's end may read into the next row,
    and is one of the border outputs ``_apply_edges`` gathers afterwards."""
    first, stop, shift, matrix = grouped
    period = _periodic(taps)
    xg = x.reshape(-1, period.inputs * post)
    og = out.reshape(-1, period.outputs * post)
    lo, hi = max(0, -shift), len(og) - max(0, shift)

    def work(a, b):
        np.matmul(xg[lo + a + shift:lo + b + shift], matrix, out=og[lo + a:lo + b])

    _in_parallel(work, hi - lo, out.nbytes)
    pre = len(og) // (taps.out_size // period.outputs)
    _apply_edges(x.reshape(pre, taps.in_size, post), out.reshape(pre, taps.out_size, post), taps, first, stop)


def _method(taps: AxisTaps, pre: int, post: int, dtype: str) -> str:
    """How ``apply_axis_fast`` runs a pass: "windows", "grouped", "blocks" or
    "gather" (``pre``, ``post``: element counts before and after the axis)."""
    period = _period(taps)
    if period is not None and post >= _WINDOW_MIN_POST:
        return "windows"
    if (period is not None and post <= _INTERLEAVE_MAX and taps.out_size < taps.in_size
            and _grouped(taps, dtype, post) is not None):
        return "grouped"
    return "blocks" if _use_blocks(taps, pre, post) else "gather"


@functools.lru_cache(maxsize=64)
def _group_has_every_entry(taps: AxisTaps) -> bool:
    """Whether each output group of ``_apply_grouped`` (one channel a pixel) reads
    every input of its group, so that its matrix has no zero where no tap is."""
    period = _periodic(taps)
    P, Q = period.outputs, period.inputs
    g0 = -(-period.first // P)
    rel = taps.index[g0 * P:(g0 + 1) * P] - g0 * Q
    phase = np.broadcast_to(np.arange(P)[:, None], rel.shape)
    return len(set(zip((rel % Q).ravel().tolist(), phase.ravel().tolist()))) == P * Q


def _reads_only_the_taps(taps: AxisTaps, method: str, post: int) -> bool:
    """Whether a pass computed by ``method`` multiplies exactly the pixels the taps
    read, so that its non-finite outputs are the gather's: gathers and windows
    do (windows also read padding entries, if the taps have them), grouped
    pixels where every entry of the group's matrix is a tap (one channel a
    pixel), blocks never (their runs are dense)."""
    present = taps.present()
    padded = present is not None and not bool(present.all())
    if method == "gather":
        return True
    if method == "windows":
        return not padded
    if method == "grouped":
        return post == 1 and not padded and _group_has_every_entry(taps)
    return False


def _every_pass_exact(x: np.ndarray, taps: Sequence[Optional[AxisTaps]], axes: Sequence[int]) -> bool:
    """Whether every pass ``apply_taps_fast`` would run reads only the taps."""
    shape = list(x.shape)
    for i in pass_order(taps):
        t, axis = taps[i], axes[i]
        assert t is not None  # pass_order lists the axes that change
        pre = int(np.prod(shape[:axis], dtype=np.int64))
        post = int(np.prod(shape[axis + 1:], dtype=np.int64))
        if not _reads_only_the_taps(t, _method(t, pre, post, x.dtype.name), post):
            return False
        shape[axis] = t.out_size
    return True


def apply_axis_fast(x: np.ndarray, taps: AxisTaps, axis: int, out: Optional[np.ndarray] = None) -> np.ndarray:
    """``reference.apply_axis`` computed with strided windows, grouped pixels or
    blocked matrix products (same numbers up to summation order), in
    ``x.dtype`` (float32 or float64).  ``out``, a C-contiguous array of the
    result's shape and dtype, is written and returned when given, except where
    the pass gathers (nearest, or taps too sparse for products)."""
    pre = int(np.prod(x.shape[:axis], dtype=np.int64))
    post = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    method = _method(taps, pre, post, x.dtype.name)
    if method == "gather":
        return apply_axis(x, taps, axis)
    x = np.ascontiguousarray(x)
    if out is None:
        out = np.empty(x.shape[:axis] + (taps.out_size,) + x.shape[axis + 1:], x.dtype)
    x3, out3 = x.reshape(pre, taps.in_size, post), out.reshape(pre, taps.out_size, post)
    if method == "windows":
        _apply_windows(x3, out3, taps, _periodic(taps))
    elif method == "grouped":
        _apply_grouped(x, out, taps, post, _grouped(taps, x.dtype.name, post))
    elif post <= _INTERLEAVE_MAX:  # the contiguous axis (post == 1) or pixels of a few channels
        blocks = _interleaved_blocks(taps, x.dtype.name, post) if post > 1 else _blocks(taps, x.dtype.name)
        rows = x.reshape(pre, taps.in_size * post)
        out2 = out.reshape(pre, taps.out_size * post)
        for start, stop, lo, hi, w in blocks:
            np.matmul(rows[:, lo:hi], w.T, out=out2[:, start:stop])
    else:
        for start, stop, lo, hi, w in _blocks(taps, x.dtype.name):
            np.matmul(w, x3[:, lo:hi, :], out=out3[:, start:stop, :])
    return out


#: intermediates (every pass's result but the last) up to this size are
#: written into per-thread buffers kept for the next call: a fresh array over
#: 32 MB is new memory whose pages fault in on first write, 4-8 ms for the
#: 50 MB intermediate of a 4K -> 1080p shrink, a third of the whole resize
_SCRATCH_MAX_BYTES = 1 << 27
_scratch = threading.local()


def _scratch_array(shape: Tuple[int, ...], dtype: np.dtype, slot: int) -> np.ndarray:
    """A C-contiguous array in this thread's buffer ``slot`` (0 or 1: a pass reads
    one and writes the other), or a new array when it would be too large."""
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if nbytes > _SCRATCH_MAX_BYTES:
        return np.empty(shape, dtype)
    buffers = _scratch.__dict__.setdefault("buffers", [np.empty(0, np.uint8), np.empty(0, np.uint8)])
    if buffers[slot].nbytes < nbytes:
        buffers[slot] = np.empty(nbytes, np.uint8)
    return buffers[slot][:nbytes].view(dtype).reshape(shape)


class _KeptOutputs:
    """The memory of the last few large results, reused once nothing else holds it.

    A result over 32 MB is fresh memory from the kernel (glibc maps arrays that
    large and unmaps them when they are freed), and every one of its pages
    faults in on first write: 20 ms for a 134 MB result here, and 250-500 ms
    on one call in five to seven on this VM, which hands freed memory back to
    its host (see the README's benchmarks).  A loop that resizes batch after
    batch and drops each result pays that every time.  So the memory of the
    last ``keep`` large results stays referenced here, and a new result of
    the same size takes it when the reference count shows that nothing else
    holds it: neither the result nor any view of it (a view references the
    same memory) nor anything built on its buffer (torch.from_numpy, a
    memoryview).  The cost: up to ``keep`` such buffers stay allocated after
    the caller has dropped them.  ``UNISAMPLE_KEEP_OUTPUTS=0`` turns it off.
    """

    #: smaller results come from glibc's heap, which recycles them itself
    min_bytes = 1 << 25

    def __init__(self, keep: int):
        self.keep = keep
        self._lock = threading.Lock()
        self._kept: list = []  # [buffer, reference count while only this list holds it]

    def array(self, shape: Tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """An uninitialised C-contiguous array, as ``np.empty(shape, dtype)``."""
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if self.keep <= 0 or nbytes < self.min_bytes:
            return np.empty(shape, dtype)
        with self._lock:
            for i, entry in enumerate(self._kept):
                if entry[0].nbytes == nbytes and sys.getrefcount(entry[0]) == entry[1]:
                    self._kept.append(self._kept.pop(i))  # most recently used last
                    return entry[0].view(dtype).reshape(shape)
            entry = [np.empty(nbytes, np.uint8), 0]
            self._kept.append(entry)
            entry[1] = sys.getrefcount(entry[0])
            del self._kept[:-self.keep]
            return entry[0].view(dtype).reshape(shape)


def _keep_from_environment() -> int:
    """``UNISAMPLE_KEEP_OUTPUTS``: how many large results' memory to keep (default 2)."""
    value = os.environ.get("UNISAMPLE_KEEP_OUTPUTS", "2")
    try:
        keep = int(value)
    except ValueError:
        keep = -1
    if keep < 0:
        raise ValueError(f"UNISAMPLE_KEEP_OUTPUTS: got {value!r}; expected a whole number >= 0 of large "
                         "results whose memory is kept for reuse (0 turns keeping off)")
    return keep


_kept_outputs = _KeptOutputs(_keep_from_environment())


def _products_spread_nan() -> bool:
    """Whether this BLAS multiplies zeros too (0 * nan = nan), as OpenBLAS and MKL
    do; a BLAS that skipped zero weights would let a NaN read with weight 0
    vanish from a fast pass's result, so ``apply_taps_fast`` could not check
    the result instead of the input."""
    with np.errstate(invalid="ignore"):
        return all(bool(np.isnan(np.matmul(np.zeros((16, 16), t), np.full((16, 16), np.nan, t))).all()) and
                   bool(np.isnan(np.matmul(np.full((16, 16), np.nan, t), np.zeros((16, 16), t))).all())
                   for t in (np.float32, np.float64))


_PRODUCTS_SPREAD_NAN = _products_spread_nan()

#: arrays smaller than this are summed in one call (threads cost more)
_SUM_PARALLEL_MIN = 1 << 18


def all_finite(x: np.ndarray) -> bool:
    """Whether ``x`` holds no NaN or infinity, at the cost of one read: a NaN or an
    infinity makes the sum non-finite.  A sum that overflows counts as
    non-finite too, which only costs the exact path.  A large contiguous array
    is summed in one part per core on the engine's own threads, which sleep
    when done: a BLAS product with ones was faster alone, but OpenBLAS's
    threads then kept spinning on the cores through the passes that followed
    (measured: the feature-map rows 15-25% slower).  A small array is checked
    with ``np.isfinite`` instead: the mask costs less than entering numpy's
    error state for the sum."""
    if x.size < _SUM_PARALLEL_MIN:
        return bool(np.isfinite(x).all())
    with np.errstate(over="ignore", invalid="ignore"):
        if not x.flags.c_contiguous:
            return bool(np.isfinite(np.add.reduce(x, axis=None)))
        flat = x.reshape(-1)
        parts = [0.0] * _CORES

        def work(a, b):
            for part in range(a, b):  # numpy releases the GIL inside the sum
                lo, hi = flat.size * part // _CORES, flat.size * (part + 1) // _CORES
                parts[part] = np.add.reduce(flat[lo:hi])

        _in_parallel(work, _CORES, _PARALLEL_MIN_BYTES)
        return bool(np.isfinite(np.add.reduce(np.asarray(parts, dtype=x.dtype))))


def apply_taps_fast(x: np.ndarray, taps: Sequence[Optional[AxisTaps]], axes: Sequence[int]) -> np.ndarray:
    """``reference.apply_taps`` with ``apply_axis_fast``: same pass order, same
    dtype; intermediates go to scratch buffers, the result to a new array or
    to the memory of an earlier large result nothing holds any more
    (``_KeptOutputs``).  The result never shares memory with ``x``.

    Blocks and grouped products multiply every input of a run by its weight
    for every output of the block, zeros included, and ``0 * nan`` is NaN: one
    NaN or infinity would spoil a whole block.  An input that is not all
    finite therefore takes the reference's own gather, in ``x.dtype``, whose
    non-finite outputs are exactly those whose taps read a non-finite input.
    One read tells: of the input when enlarging, of the result when
    shrinking (the smaller array; the result is recomputed if it is not all
    finite); where every pass reads exactly the taps (windows, grouped
    pixels of one channel, gathers), none is needed.
    """
    if not any(t is not None for t in taps):
        return np.array(x, copy=True)
    check = finite_check(x, taps, axes)
    if check == "input":
        return _fast_passes(x, taps, axes) if all_finite(x) else apply_taps(x, taps, axes)
    # NaN and infinities the passes multiply here are expected, not an error:
    # exact passes put them where the taps do, a checked result is redone
    with np.errstate(invalid="ignore", over="ignore"):
        y = _fast_passes(x, taps, axes)
    return y if check == "none" or all_finite(y) else apply_taps(x, taps, axes)


def finite_check(x: np.ndarray, taps: Sequence[Optional[AxisTaps]], axes: Sequence[int]) -> str:
    """What ``apply_taps_fast`` reads to know that NaN and infinities cannot have
    spread: ``"none"`` (integers, or every pass reads exactly the taps),
    ``"input"`` (enlarging: the smaller array) or ``"result"`` (shrinking).

    The result is enough: every fast pass reads at least the pixels the taps
    read, and a NaN or infinity it reads makes the outputs it reaches
    non-finite (``0 * nan`` included, which ``_PRODUCTS_SPREAD_NAN`` checks of
    this BLAS); so an all-finite result read nothing non-finite, and equals
    the gather's up to summation order.
    """
    if x.dtype.kind != "f" or _every_pass_exact(x, taps, axes):
        return "none"
    out_count = int(np.prod([x.shape[a] if t is None else t.out_size for t, a in zip(taps, axes)], dtype=np.int64))
    out_count *= x.size // max(1, int(np.prod([x.shape[a] for a in axes], dtype=np.int64)))
    return "input" if x.size <= out_count or not _PRODUCTS_SPREAD_NAN else "result"


def _fast_passes(x: np.ndarray, taps: Sequence[Optional[AxisTaps]], axes: Sequence[int]) -> np.ndarray:
    """The passes of ``apply_taps_fast`` on an input known to be finite (or on
    which products may spread NaN: ``benchmarks/resize_speed.py`` times the
    finite check against them)."""
    passes = len(pass_order(taps))
    done = 0

    def one_pass(x, axis_taps, axis):
        nonlocal done
        done += 1
        shape = x.shape[:axis] + (axis_taps.out_size,) + x.shape[axis + 1:]
        if done == passes:
            return apply_axis_fast(x, axis_taps, axis, out=_kept_outputs.array(shape, x.dtype))
        return apply_axis_fast(x, axis_taps, axis, out=_scratch_array(shape, x.dtype, done % 2))

    return apply_taps(x, taps, axes, apply_axis=one_pass)
