"""NaN and infinities: an output is non-finite exactly where the reference's is,
in every mode, every pass kind and every adapter; the reference's rule (which
pixels an output reads) is PyTorch's, checked against torch's own kernels and
against hand-derived answers."""

import importlib.util

import numpy as np
import pytest

from unisample import Upsample, engine, portable, tolerance
from unisample.adapters import get_adapter

from pass_cases import ENGINE_FORCED, PASS_CASE_IDS, PASS_CASES, record_calls

FRAMEWORKS = ["numpy"] + [n for n in ("torch", "tensorflow", "paddle", "jax") if importlib.util.find_spec(n)]
HAS_TORCH = "torch" in FRAMEWORKS

#: one spec per mode and extra, on inputs small enough to put a value at every pixel
MODE_SPECS = [
    (Upsample(scale_factor=2, mode="bilinear"), (1, 2, 5, 4)),
    (Upsample(size=(3, 7), mode="bilinear", align_corners=True), (1, 2, 5, 4)),
    (Upsample(size=(9, 6), mode="bicubic"), (1, 1, 5, 4)),
    (Upsample(size=(5, 7), mode="bicubic"), (1, 1, 5, 4)),  # an unchanged axis: bicubic reads neighbours
    (Upsample(size=(7, 3), mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True), (1, 1, 5, 6)),
    (Upsample(size=(3, 2), mode="bilinear", antialias=True), (1, 1, 9, 7)),
    (Upsample(size=(4, 3), mode="bicubic", antialias=True, align_corners=True), (1, 1, 9, 7)),
    (Upsample(size=(5, 4), mode="lanczos3", antialias=True, data_format="channels_last"), (1, 11, 9, 2)),
    (Upsample(size=(8, 3), mode="lanczos5"), (1, 1, 6, 5)),
    (Upsample(size=(3, 4), mode="area"), (1, 2, 7, 9)),
    (Upsample(size=(4, 5), mode="area", area_weights="overlap"), (1, 1, 7, 9)),
    (Upsample(size=(10, 3), mode="nearest"), (1, 1, 4, 7)),
    (Upsample(size=(10, 3), mode="nearest-exact"), (1, 1, 4, 7)),
    (Upsample(size=(6,), mode="linear"), (2, 1, 9)),
    (Upsample(size=(3, 5, 2), mode="trilinear"), (1, 1, 4, 3, 5)),
]
MODE_IDS = [repr(s) for s, _ in MODE_SPECS]


def with_value(x: np.ndarray, position, value) -> np.ndarray:
    y = x.copy()
    y[position] = value
    return y


def positions(spec, shape):
    """Every spatial position of channel 0, batch 0 (borders included)."""
    axes = spec.spatial_axes(len(shape))
    for spatial in np.ndindex(*(shape[a] for a in axes)):
        index = [0] * len(shape)
        for a, i in zip(axes, spatial):
            index[a] = i
        yield tuple(index)


def run(framework, spec, x):
    adapter = get_adapter(framework)
    return np.asarray(adapter.to_numpy(spec(adapter.from_numpy(x))))


def assert_matches_reference(spec, x, y):
    ok, _, _, message = tolerance.compare(spec, x, y, spec.reference(x))
    assert ok, f"{spec!r}: {message}"


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("spec, shape", MODE_SPECS, ids=MODE_IDS)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_mode_puts_non_finite_outputs_where_the_reference_does(framework, spec, shape, value):
    base = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    for position in positions(spec, shape):
        x = with_value(base, position, value)
        assert_matches_reference(spec, x, run(framework, spec, x))


@pytest.mark.parametrize("method", ["as chosen", *ENGINE_FORCED])
@pytest.mark.parametrize("spec, shape", PASS_CASES, ids=PASS_CASE_IDS)
def test_numpy_engine_every_pass_kind(spec, shape, method, monkeypatch):
    # The engine's blocks would spread a NaN over whole blocks: whatever method
    # a pass takes, a non-finite input ends with the reference's footprint
    # (passes that read exactly the taps run as they are; the others are
    # checked, on the input or the result, and replaced by the gather).
    chosen = engine._method
    used = []

    def method_of(*a):
        used.append(method if method != "as chosen" and ENGINE_FORCED[method](*a) else chosen(*a))
        return used[-1]

    monkeypatch.setattr(engine, "_method", method_of)
    # the engine's own passes, not the OpenCV fast path that computes some of these specs
    monkeypatch.setattr(get_adapter("numpy"), "_library_paths", lambda: ())
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    axes = spec.spatial_axes(len(shape))
    for value in (np.nan, np.inf, -np.inf):
        for where in (0, -1, 7):  # a border pixel of every spatial axis, and an interior one
            position = [0] * len(shape)
            for a in axes:
                position[a] = where % shape[a]
            bad = with_value(x, tuple(position), value)
            assert_matches_reference(spec, bad, run("numpy", spec, bad))
    used.clear()
    assert_matches_reference(spec, x, run("numpy", spec, x))
    if method != "as chosen":
        assert spec.kernel == "nearest" or method in used or not any(
            ENGINE_FORCED[method](t, 1, 1, "float32") for t in spec.taps([shape[a] for a in axes]) if t is not None)


@pytest.mark.parametrize("method", ["blocks", "gather"])
@pytest.mark.parametrize("spec, shape", PASS_CASES, ids=PASS_CASE_IDS)
@pytest.mark.parametrize("framework", [f for f in FRAMEWORKS if f in ("torch", "tensorflow", "paddle")])
def test_framework_taps_path_every_pass_kind(framework, spec, shape, method, monkeypatch):
    monkeypatch.setattr(portable, "_use_blocks", lambda *a: method == "blocks")
    blocks = record_calls(monkeypatch, portable, "_apply_blocks")
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    adapter = get_adapter(framework)
    axes = spec.spatial_axes(len(shape))
    position = [0] * len(shape)
    for a in axes:
        position[a] = shape[a] - 1
    for value in (np.nan, -np.inf):
        bad = with_value(x, tuple(position), value)
        y = np.asarray(adapter.to_numpy(adapter.apply_taps(spec, adapter.from_numpy(bad))))
        assert_matches_reference(spec, bad, y)
    assert not blocks  # the exact passes took the non-finite inputs
    y = np.asarray(adapter.to_numpy(adapter.apply_taps(spec, adapter.from_numpy(x))))
    assert_matches_reference(spec, x, y)
    assert bool(blocks) == (method == "blocks" and spec.kernel != "nearest")


@pytest.mark.skipif("jax" not in FRAMEWORKS, reason="jax is not installed")
@pytest.mark.parametrize("spec, shape", PASS_CASES, ids=PASS_CASE_IDS)
def test_jax_phases_and_gathers(spec, shape, monkeypatch):
    import jax

    phases = record_calls(monkeypatch, portable, "_apply_phases")
    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    axes = spec.spatial_axes(len(shape))
    position = [0] * len(shape)
    for a in axes:
        position[a] = 1 % shape[a]
    bad = with_value(x, tuple(position), np.inf)
    y = np.asarray(jax.jit(spec)(jax.numpy.asarray(bad)))
    assert_matches_reference(spec, bad, y)
    periodic = any(t is not None and portable._phases(t) is not None for t in spec.taps([shape[a] for a in axes]))
    assert bool(phases) == periodic


def test_hand_derived_footprints():
    # Linear, align_corners, 3 -> 5: outputs sit at 0, 0.5, 1, 1.5, 2, and
    # each reads the two pixels floor(src) and floor(src) + 1 (clamped), the
    # second with weight 0 at an exact hit, as PyTorch's kernel does.
    up = Upsample(size=5, mode="linear", align_corners=True)
    for x, expected in (([1, np.inf, 3], [1, 1, 1, 1, 0]),   # 0 * inf = NaN at output 0
                        ([1, 2, np.inf], [0, 0, 1, 1, 1])):  # the last pixel is read from output 2 on
        got = ~np.isfinite(up.reference(np.array([[x]], np.float64)))[0, 0]
        np.testing.assert_array_equal(got, np.array(expected, bool))
    # Half-pixel linear 4 -> 8 reads pixel 1 from output 0 (src -0.25, clamped
    # to 0, taps 0 and 1); area 7 -> 10 reads exactly its window.
    got = ~np.isfinite(Upsample(size=8, mode="linear").reference(np.array([[[0, np.nan, 0, 0]]])))[0, 0]
    np.testing.assert_array_equal(got, [1, 1, 1, 1, 1, 0, 0, 0])
    got = ~np.isfinite(Upsample(size=10, mode="area").reference(np.array([[[0, np.nan, 0, 0, 0, 0, 0]]])))[0, 0]
    np.testing.assert_array_equal(got, [0, 1, 1, 0, 0, 0, 0, 0, 0, 0])


TORCH_CALLS = [
    dict(size=(14, 10), mode="bilinear", align_corners=False),
    dict(size=(3, 9), mode="bilinear", align_corners=True),
    dict(size=(7, 12), mode="bicubic", align_corners=False),  # height unchanged: read, not copied
    dict(size=(10, 8), mode="area"),
    dict(size=(3, 2), mode="bilinear", antialias=True),
    dict(size=(4, 3), mode="bicubic", antialias=True, align_corners=True),
    dict(size=(2, 3), mode="lanczos", antialias=True),
    dict(scale_factor=(2.5, 1.5), mode="bilinear"),
    dict(size=(9,), mode="linear"),
    dict(size=(3, 4, 6), mode="trilinear"),
]


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
@pytest.mark.parametrize("kwargs", TORCH_CALLS, ids=[str(k) for k in TORCH_CALLS])
def test_the_reference_reads_what_torchs_kernels_read(kwargs):
    # Not unisample's code: torch's own F.interpolate, a NaN and an infinity
    # at every input pixel in turn.
    import torch
    import torch.nn.functional as F

    spec = Upsample.from_torch(kwargs)
    rank = len(kwargs.get("size") or kwargs["scale_factor"])
    shape = (1, 1) + (7, 5, 4)[:rank] if rank < 3 else (1, 1, 5, 4, 3)
    base = np.random.default_rng(8).standard_normal(shape).astype(np.float32)
    for position in positions(spec, shape):
        for value in (np.nan, np.inf):
            x = with_value(base, position, value)
            with torch.no_grad():
                native = F.interpolate(torch.from_numpy(x), **kwargs).numpy()
            np.testing.assert_array_equal(~np.isfinite(native), ~np.isfinite(spec.reference(x)),
                                          err_msg=f"{kwargs} with {value} at {position}")
            # torch's float64 kernels place taps with float64 coordinates: the
            # adapter gives them finite inputs only, and computes the rest
            x64 = x.astype(np.float64)
            ours = spec(torch.from_numpy(x64)).numpy()
            np.testing.assert_array_equal(~np.isfinite(ours), ~np.isfinite(spec.reference(x64)))


@pytest.mark.parametrize("method", list(ENGINE_FORCED))
@pytest.mark.parametrize("spec, shape", PASS_CASES, ids=PASS_CASE_IDS)
def test_engine_passes_called_exact_read_only_the_taps(spec, shape, method, monkeypatch):
    # the engine skips the finite check where every pass "reads only the
    # taps": each such pass, run alone on NaN inputs, must give the gather's
    # footprint (a wrong claim here would be a silent wrong answer)
    from unisample.reference import apply_axis

    chosen = engine._method
    monkeypatch.setattr(engine, "_method", lambda *a: method if ENGINE_FORCED[method](*a) else chosen(*a))
    axes = spec.spatial_axes(len(shape))
    taps = spec.taps([shape[a] for a in axes])
    x = np.random.default_rng(9).standard_normal(shape).astype(np.float32)
    claimed = 0
    for t, axis in zip(taps, axes):
        if t is None:
            continue
        pre, post = int(np.prod(shape[:axis])), int(np.prod(shape[axis + 1:]))
        if not engine._reads_only_the_taps(t, engine._method(t, pre, post, "float32"), post):
            continue
        claimed += 1
        for where in range(0, shape[axis], max(1, shape[axis] // 7)):
            index = [slice(None)] * len(shape)
            index[axis] = where
            bad = x.copy()
            bad[tuple(index)] = np.nan
            bad.reshape(-1)[::97] = np.inf
            np.testing.assert_array_equal(~np.isfinite(engine.apply_axis_fast(bad, t, axis)),
                                          ~np.isfinite(apply_axis(bad.astype(np.float64), t, axis)))
    if method == "blocks":
        assert claimed == sum(t is not None and t.weight is None for t in taps)  # dense runs: never exact
