"""The fast numpy engine against the reference's plain gather: same taps, same
numbers up to summation order (the tolerance module's bound), every layout."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from unisample import Upsample, engine, tolerance
from unisample.engine import _use_blocks, apply_taps_fast
from unisample.reference import apply_taps, pass_order

from pass_cases import ENGINE_FORCED, PASS_CASES

SPECS = PASS_CASES

FORCED = ENGINE_FORCED


@pytest.fixture(autouse=True)
def engine_only(monkeypatch):
    """These tests are about the engine: the numpy adapter's OpenCV fast path stays out."""
    from unisample.adapters import get_adapter

    monkeypatch.setattr(get_adapter("numpy"), "_library_paths", lambda: ())


@pytest.mark.parametrize("method", ["as chosen", *FORCED])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec, shape", SPECS, ids=[repr(s) for s, _ in SPECS])
def test_fast_engine_matches_the_reference(spec, shape, dtype, method, monkeypatch):
    if method != "as chosen":
        chosen = engine._method
        monkeypatch.setattr(engine, "_method", lambda *a: method if FORCED[method](*a) else chosen(*a))
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


def test_every_forced_method_runs_on_some_spec():
    used = set()
    for spec, shape in SPECS:
        axes = spec.spatial_axes(len(shape))
        for taps, axis in zip(spec.taps(tuple(shape[a] for a in axes)), axes):
            pre, post = int(np.prod(shape[:axis])), int(np.prod(shape[axis + 1:]))
            used |= {m for m, allowed in FORCED.items() if allowed(taps, pre, post, "float32")}
    assert used == set(FORCED)


def test_periods_found_from_the_taps():
    # half-pixel bilinear 8 -> 16: output j samples (j + 0.5) / 2 - 0.5, so outputs
    # 2i + 1 and 2i + 2 read inputs (i, i + 1): two outputs per input step; output 0
    # (sample -0.25) is clamped, and so is the last
    period = engine._period(Upsample(size=(16, 16), mode="bilinear").taps((8, 8))[0])
    assert (period.outputs, period.inputs, period.first, period.count, period.exact) == (2, 1, 1, 7, True)
    # 16 -> 8: output j samples 2j + 0.5, inputs (2j, 2j + 1) with weights 1/2, no clamping
    period = engine._period(Upsample(size=(8, 8), mode="bilinear").taps((16, 16))[0])
    assert (period.outputs, period.inputs, period.first, period.count, period.exact) == (1, 2, 0, 8, True)
    # align_corners 4 -> 11 samples j * 3/10: the taps repeat every 10 outputs, longer
    # than _MAX_PERIOD (8)
    assert engine._period(Upsample(size=(11, 11), mode="bilinear", align_corners=True).taps((4, 4))[0]) is None
    assert engine._period(Upsample(size=(16, 16)).taps((8, 8))[0]) is None  # nearest: no weights


def test_methods_chosen_for_the_benchmark_images():
    # (pre, post) of each pass, NCHW, in pass order
    shrink_h, shrink_w = Upsample(size=(1080, 1920), mode="bilinear").taps((2160, 3840))
    assert engine._method(shrink_h, 3, 3840, "float32") == "windows"
    assert engine._method(shrink_w, 3 * 1080, 1, "float32") == "grouped"
    cubic_w = Upsample(size=(1080, 1920), mode="bicubic").taps((2160, 3840))[1]
    assert engine._method(cubic_w, 3 * 1080, 1, "float32") == "blocks"  # 4 taps span 2 groups
    up_h, up_w = Upsample(size=(2048, 2048), mode="bilinear").taps((1024, 1024))
    assert engine._method(up_w, 3 * 1024, 1, "float32") == "blocks"
    assert engine._method(up_h, 3, 2048, "float32") == "windows"
    # shrinking 62.5x: output pairs repeat every 125 inputs, and the windows read
    # only each output's 2 rows, like the gather; 4000 -> 63 has no short period
    strong = Upsample(size=(64, 64), mode="bilinear").taps((4000, 4000))[0]
    assert engine._method(strong, 3, 4000, "float32") == "windows"
    irregular = Upsample(size=(63, 63), mode="bilinear").taps((4000, 4000))[0]
    assert engine._method(irregular, 3, 4000, "float32") == "gather"
    # the width: a group of 125 inputs for 2 outputs would read 60x more than the gather
    assert engine._method(strong, 3 * 64, 1, "float32") == "gather"


def test_pass_order_runs_the_innermost_axis_where_the_array_is_smallest():
    up = Upsample(size=(2048, 2048), mode="bilinear").taps((1024, 1024))
    assert pass_order(up) == [1, 0]  # enlarging: width first
    down = Upsample(size=(1080, 1920), mode="bilinear").taps((2160, 3840))
    assert pass_order(down) == [0, 1]  # shrinking: width last
    mixed = Upsample(size=(20, 80), mode="bilinear").taps((40, 40))
    assert pass_order(mixed) == [0, 1]  # the shrinking axis first whatever its position


def test_results_never_share_the_scratch_buffers():
    up = Upsample(size=(96, 96), mode="bilinear")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 1, 3, 64, 64)).astype(np.float32)
    first = up(a)
    kept = first.copy()
    second = up(b)  # the same shapes: the same scratch buffers
    np.testing.assert_array_equal(first, kept)
    assert not np.shares_memory(first, second)


def keep_small_outputs(monkeypatch, keep=2):
    """``engine._kept_outputs`` replaced by one that keeps results of any size."""
    kept = engine._KeptOutputs(keep)
    kept.min_bytes = 0
    monkeypatch.setattr(engine, "_kept_outputs", kept)
    return kept


def test_a_kept_result_is_reused_only_once_nothing_holds_it(monkeypatch):
    kept = keep_small_outputs(monkeypatch)
    up = Upsample(size=(96, 96), mode="bilinear")
    a, b, c, d = np.random.default_rng(3).standard_normal((4, 1, 3, 64, 64)).astype(np.float32)
    expected = {name: up.reference(x) for name, x in zip("abcd", (a, b, c, d))}

    def check(y, name, part=(...,)):
        error = tolerance.error_in_eps(y, expected[name][part], "float32", tolerance.scale_of(a))
        assert error <= tolerance.bound_in_eps("float32", [64, 64])

    first, second = up(a), up(b)
    assert not np.shares_memory(first, second)
    view = first[0, 1:]  # a view holds the memory, not the result object
    del first
    third = up(c)
    assert not np.shares_memory(third, view) and not np.shares_memory(third, second)
    buffer = memoryview(second)  # nor may anything built on the buffer lose it
    del second
    fourth = up(d)
    assert not np.shares_memory(fourth, np.asarray(buffer)) and not np.shares_memory(fourth, view)
    check(view, "a", (0, slice(1, None)))
    check(np.asarray(buffer), "b")
    check(third, "c")
    check(fourth, "d")
    assert len(kept._kept) == 2
    # once nothing holds a kept result, the next result of its size is written there
    # (addresses, not arrays: holding a kept buffer here would keep it in use)
    kept_addresses = {entry[0].__array_interface__["data"][0] for entry in kept._kept}
    del view, buffer, third, fourth
    fifth = up(a)
    assert fifth.__array_interface__["data"][0] in kept_addresses
    check(fifth, "a")


def test_no_result_is_kept_when_turned_off(monkeypatch):
    kept = keep_small_outputs(monkeypatch, keep=0)
    up = Upsample(size=(96, 96), mode="bilinear")
    up(np.ones((1, 3, 64, 64), np.float32))
    assert not kept._kept


@pytest.mark.parametrize("value, keep", [("0", 0), ("5", 5), (" 3 ", 3), ("-1", None), ("two", None)])
def test_keep_outputs_setting_from_the_environment(value, keep, monkeypatch):
    monkeypatch.setenv("UNISAMPLE_KEEP_OUTPUTS", value)
    if keep is None:
        with pytest.raises(ValueError, match=f"UNISAMPLE_KEEP_OUTPUTS: got '{value}'; expected a whole number >= 0"):
            engine._keep_from_environment()
    else:
        assert engine._keep_from_environment() == keep


def test_threads_resize_at_once_with_the_right_numbers(monkeypatch):
    # every pass split over the pool, four callers sharing it, and the results
    # taken from the kept outputs (held in a list: each must get its own)
    keep_small_outputs(monkeypatch)
    monkeypatch.setattr(engine, "_PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(engine, "_WINDOW_MIN_POST", 1)
    up = Upsample(size=(40, 60), mode="bicubic")
    inputs = np.random.default_rng(2).standard_normal((8, 1, 3, 80, 120)).astype(np.float32)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(up, inputs))
    for x, y in zip(inputs, results):
        error = tolerance.error_in_eps(y, up.reference(x), "float32", tolerance.scale_of(x))
        assert error <= tolerance.bound_in_eps("float32", [80, 120])
