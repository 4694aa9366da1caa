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
"""

from __future__ import annotations

import functools
from typing import Optional, Sequence, Tuple

import numpy as np

from .reference import apply_axis, apply_taps
from .taps import AxisTaps

__all__ = ["apply_taps_fast", "apply_axis_fast"]

#: input pixels a block should read: long enough for BLAS to run at speed
#: (measured best between 32 and 48 on the benchmark cases), short enough that
#: the dense block does little work on zeros
_RUN = 36
#: at most 64 outputs a block
_MAX_BLOCK = 64


def _block_outputs(taps: AxisTaps) -> int:
    """Outputs per block: enough that a block reads about ``_RUN`` input pixels, or
    one tap's ``width`` when that is wider (antialiased shrinking: 4000 -> 256
    bicubic has 63 taps, and 4 outputs a block ran 30x faster than the gather);
    multiples of 8 from 8 up."""
    outputs = max(_RUN, taps.width) * taps.out_size / taps.in_size
    if outputs >= 8:
        return int(min(_MAX_BLOCK, 8 * round(outputs / 8)))
    return max(1, int(round(outputs)))


@functools.lru_cache(maxsize=256)
def _blocks(taps: AxisTaps, dtype: str) -> Tuple[Tuple[int, int, int, int, np.ndarray], ...]:
    """``(out_start, out_stop, in_start, in_stop, W)`` per block, ``W`` of shape
    ``(out_stop - out_start, in_stop - in_start)`` in ``dtype``."""
    blocks = []
    index, weight = taps.index, taps.weight
    step = _block_outputs(taps)
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
                 for start, stop, lo, hi, w in _blocks(taps, dtype))


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
    outputs = _block_outputs(taps)
    run = (outputs - 1) * taps.in_size / taps.out_size + taps.width  # input pixels a block reads
    if run / outputs > 2 * taps.width:
        return False
    per_call = outputs * post * (pre if post <= _INTERLEAVE_MAX else 1)
    return per_call * run >= _MIN_CALL_WORK


def apply_axis_fast(x: np.ndarray, taps: AxisTaps, axis: int) -> np.ndarray:
    """``reference.apply_axis`` computed with blocked matrix products (same numbers
    up to summation order), in ``x.dtype`` (float32 or float64)."""
    pre = int(np.prod(x.shape[:axis], dtype=np.int64))
    post = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
    if not _use_blocks(taps, pre, post):
        return apply_axis(x, taps, axis)
    x = np.ascontiguousarray(x)
    shape = x.shape[:axis] + (taps.out_size,) + x.shape[axis + 1:]
    out = np.empty(shape, x.dtype)
    blocks = _blocks(taps, x.dtype.name)
    if post <= _INTERLEAVE_MAX:  # the contiguous axis (post == 1) or pixels of a few channels
        if post > 1:
            blocks = _interleaved_blocks(taps, x.dtype.name, post)
        rows = x.reshape(pre, taps.in_size * post)
        out2 = out.reshape(pre, taps.out_size * post)
        for start, stop, lo, hi, w in blocks:
            np.matmul(rows[:, lo:hi], w.T, out=out2[:, start:stop])
        return out
    x3, out3 = x.reshape(pre, taps.in_size, post), out.reshape(pre, taps.out_size, post)
    for start, stop, lo, hi, w in blocks:
        np.matmul(w, x3[:, lo:hi, :], out=out3[:, start:stop, :])
    return out


def apply_taps_fast(x: np.ndarray, taps: Sequence[Optional[AxisTaps]], axes: Sequence[int]) -> np.ndarray:
    """``reference.apply_taps`` with ``apply_axis_fast``: same pass order, same dtype."""
    return apply_taps(x, taps, axes, apply_axis=apply_axis_fast)
