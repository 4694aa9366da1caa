"""The fast numpy engine against the reference's plain gather: same taps, same
numbers up to summation order (the tolerance module's bound), every layout."""

import numpy as np
import pytest

from unisample import Upsample, tolerance
from unisample import engine
from unisample.engine import _use_blocks, apply_taps_fast
from unisample.reference import apply_taps

SPECS = [
    (Upsample(scale_factor=2, mode="bilinear"), (2, 3, 37, 29)),
    (Upsample(scale_factor=2, mode="bilinear", data_format="channels_last"), (2, 37, 29, 3)),
    (Upsample(size=(70, 20), mode="bicubic", align_corners=True), (1, 5, 37, 129)),
    (Upsample(size=(9, 40), mode="bicubic", antialias=True, data_format="channels_last"), (1, 131, 97, 4)),
    (Upsample(size=(64, 48), mode="lanczos3", antialias=True), (2, 2, 300, 200)),
    (Upsample(size=(11, 13, 17), mode="trilinear"), (1, 2, 5, 30, 8)),
    (Upsample(size=(7, 9), mode="area"), (1, 3, 50, 64)),
    (Upsample(size=(12, 8)), (1, 3, 50, 64)),  # nearest: a gather, exact
]


@pytest.mark.parametrize("blocks", ["as chosen", "forced"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec, shape", SPECS, ids=[repr(s) for s, _ in SPECS])
def test_fast_engine_matches_the_reference(spec, shape, dtype, blocks, monkeypatch):
    if blocks == "forced":  # these inputs are small: without this, most passes would gather
        monkeypatch.setattr(engine, "_MIN_CALL_WORK", 0)
        monkeypatch.setattr(engine, "_use_blocks", lambda taps, pre, post: taps.weight is not None)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    axes = spec.spatial_axes(x.ndim)
    taps = spec.taps(tuple(shape[a] for a in axes))
    fast, plain = apply_taps_fast(x, taps, axes), apply_taps(x, taps, axes)
    assert fast.dtype == plain.dtype and fast.shape == plain.shape
    if spec.kernel == "nearest":
        np.testing.assert_array_equal(fast, plain)
        return
    resized = [x.shape[a] for a in axes if x.shape[a] != fast.shape[a]]
    error = tolerance.error_in_eps(fast, spec.reference(x), dtype, tolerance.scale_of(x))
    assert error <= tolerance.bound_in_eps(dtype, resized)


def test_blocks_are_used_where_dense_work_stays_small():
    # (pre, post): the element counts before and after the axis, NCHW 1x3x1024x1024
    up_h, up_w = Upsample(size=(2048, 2048), mode="bilinear").taps((1024, 1024))
    assert _use_blocks(up_h, 3, 1024) and _use_blocks(up_w, 3 * 2048, 1)
    # shrinking 62x without antialias: a block reads every input, the gather 2 in 62
    strong = Upsample(size=(64, 64), mode="bilinear").taps((4000, 4000))
    assert not any(_use_blocks(t, 3, 4000) for t in strong)
    # antialiased, the same shrink has 2 * 2 * 62 taps an output: blocks of 4 outputs
    wide = Upsample(size=(64, 64), mode="bicubic", antialias=True).taps((4000, 4000))
    assert all(_use_blocks(t, 3, 4000) for t in wide)
    # a small feature map's batch of 512 products of 8x30 by 30x64 per block: the gather
    small_h, _ = Upsample(size=(16, 16), mode="bilinear").taps((64, 64))
    assert not _use_blocks(small_h, 8 * 64, 64)
