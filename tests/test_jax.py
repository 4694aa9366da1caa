"""The jax adapter: jit, vmap, grad, dtypes, sharding, translation."""

import functools
import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from unisample import Upsample, portable, tolerance

from integer_rule import assert_integer_rule, exact_ties
from pass_cases import PASS_CASE_IDS, PASS_CASES, record_calls

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")

SPECS = [
    Upsample(scale_factor=2, mode="bilinear", align_corners=True),  # what jax.image.resize cannot do
    Upsample(size=(9, 4), mode="bicubic"),  # torch's a=-0.75, which jax.image.resize cannot do
    Upsample(size=(10, 3), mode="lanczos3", antialias=True),
    Upsample(size=(3, 4), mode="area"),
    Upsample(scale_factor=1.5, mode="nearest"),
    Upsample(size=(6, 8), mode="bilinear", antialias=True, data_format="channels_last"),
    # TF's cubic enlarging by 3: computed per phase (periodic taps, weights
    # repeating up to rounding) on inputs long enough for a period (``LARGER``)
    Upsample(scale_factor=3, mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True),
]
LARGER = {SPECS[-1]: (8, 10)}
SPEC_IDS = [repr(s) for s in SPECS]


def _input(spec, seed=0, dtype=np.float32, batch=2):
    h, w = LARGER.get(spec, (7, 5))
    shape = (batch, h, w, 3) if spec.channels_last else (batch, 3, h, w)
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _within_bound(actual, expected, x, dtype="float32", lengths=(7, 5)):
    error = tolerance.error_in_eps(actual, expected, dtype, tolerance.scale_of(x))
    return error <= tolerance.bound_in_eps(dtype, lengths)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_jit_vmap_and_grad(spec):
    import jax
    import jax.numpy as jnp

    x = _input(spec)
    within = functools.partial(_within_bound, lengths=LARGER.get(spec, (7, 5)))
    expected = spec.reference(x)
    eager = spec(jnp.asarray(x))
    assert isinstance(eager, jax.Array) and eager.dtype == jnp.float32
    assert within(np.asarray(eager), expected, x)
    # jit: close over the spec, or pass it as a static argument (it is hashable)
    assert within(np.asarray(jax.jit(spec)(x)), expected, x)
    assert within(np.asarray(jax.jit(lambda s, a: s(a), static_argnums=0)(spec, x)), expected, x)
    assert within(np.asarray(spec.to_jax()(x)), expected, x)
    # vmap over an extra leading axis
    stacked = np.stack([x, 2 * x])
    batched = np.asarray(jax.vmap(spec)(stacked))
    assert within(batched[1], spec.reference(2 * x), 2 * x)
    # grad: the transposed taps
    g = np.random.default_rng(1).standard_normal(expected.shape).astype(np.float32)
    grad = np.asarray(jax.grad(lambda a: jnp.sum(spec(a) * g))(jnp.asarray(x)))
    axes = spec.spatial_axes(4)
    adjoint = g.astype(np.float64)
    for axis, t in zip(axes, spec.taps(tuple(x.shape[a] for a in axes))):
        if t is not None:
            adjoint = np.moveaxis(np.tensordot(t.matrix().T, np.moveaxis(adjoint, axis, 0), axes=1), 0, axis)
    assert within(grad, adjoint, g)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_jax_dtypes(spec):
    import jax.numpy as jnp

    x = _input(spec)
    within = functools.partial(_within_bound, lengths=LARGER.get(spec, (7, 5)))
    for name in ("float16", "bfloat16"):
        y = spec(jnp.asarray(x).astype(name))
        assert y.dtype.name == name
        reference = spec.reference(np.asarray(jnp.asarray(x).astype(name).astype(jnp.float32)))
        assert within(np.asarray(y.astype(jnp.float32)), reference, x, name)
    u8 = np.random.default_rng(2).integers(0, 256, x.shape, dtype=np.uint8)
    y = spec(jnp.asarray(u8))
    assert y.dtype == jnp.uint8
    # The integer rule, computed in float32 without jax_enable_x64: passes of
    # values <= 255 are within 1e-4 of exact.
    assert_integer_rule(spec, u8, np.asarray(y), margin=1e-4)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
@pytest.mark.parametrize("kwargs", [dict(scale_factor=2, mode="bilinear", align_corners=True),
                                    dict(scale_factor=3, mode="bilinear", align_corners=True),
                                    dict(size=(9, 4), mode="bicubic"),
                                    dict(scale_factor=2.5, mode="bicubic", align_corners=True)])
def test_jax_arrays_get_torch_numbers(kwargs):
    import jax.numpy as jnp
    import torch

    x = np.random.default_rng(3).standard_normal((2, 3, 7, 5)).astype(np.float32)
    module = torch.nn.Upsample(**kwargs)
    expected = module(torch.from_numpy(x)).numpy()
    y = np.asarray(Upsample.from_torch(module)(jnp.asarray(x)))
    assert _within_bound(y, expected, x)


def test_sharded_input_stays_sharded_under_jit():
    code = textwrap.dedent("""
        import numpy as np, jax, jax.numpy as jnp
        from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
        from unisample import Upsample
        assert len(jax.devices()) == 8, jax.devices()
        mesh = Mesh(np.array(jax.devices()), ("batch",))
        sharding = NamedSharding(mesh, P("batch"))
        x = np.random.default_rng(0).standard_normal((16, 3, 8, 10)).astype(np.float32)
        xs = jax.device_put(x, sharding)
        for spec in (Upsample(scale_factor=2, mode="bilinear", align_corners=True),
                     Upsample(size=(4, 9), mode="lanczos3", antialias=True),
                     Upsample(scale_factor=2, mode="bicubic")):  # per phase: strided slices
            y = jax.jit(spec)(xs)
            assert y.sharding.is_equivalent_to(sharding, y.ndim), y.sharding
            assert np.abs(np.asarray(y) - spec.reference(x)).max() < 1e-5
        print("sharded ok")
    """)
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "sharded ok" in proc.stdout, proc.stderr[-2000:]


def test_from_jax_resize_scale_and_translate_and_refusals():
    import jax

    x = np.random.default_rng(4).standard_normal((2, 9, 6, 3)).astype(np.float32)
    for method, antialias in (("linear", True), ("cubic", False), ("lanczos5", True), ("nearest", False)):
        kw = dict(shape=(2, 4, 11, 3), method=method, data_format="channels_last")
        if not antialias:
            kw["antialias"] = False
        native = np.asarray(jax.image.resize(x, **{k: v for k, v in kw.items() if k != "data_format"}))
        spec = Upsample.from_jax(kw)
        assert spec.antialias == (antialias and method != "nearest") or method == "nearest"
        assert _within_bound(spec(x), native, x)
    kw = dict(function="jax.image.scale_and_translate", shape=(2, 4, 12, 3), spatial_dims=(1, 2),
              scale=np.array([4 / 9, 2.0]), translation=np.zeros(2), method="linear")
    native = np.asarray(jax.image.scale_and_translate(x, kw["shape"], kw["spatial_dims"], kw["scale"],
                                                      kw["translation"], "linear"))
    assert _within_bound(Upsample.from_jax(kw)(x), native, x)
    with pytest.raises(ValueError, match="translation .* is not expressible"):
        Upsample.from_jax({**kw, "translation": [0.5, 0.0]})
    with pytest.raises(ValueError, match="method: got 'gaussian'"):
        Upsample.from_jax(dict(shape=(2, 4, 4, 3), method="gaussian", data_format="channels_last"))
    with pytest.raises(ValueError, match=r"unknown jax.image.resize arguments \['size'\]"):
        Upsample.from_jax(dict(size=(4, 4), method="linear"))


def test_integer_exact_halves_round_up():
    # float32 without jax_enable_x64: tenths are off by ~1e-8, inside HALF_UP's 2**-16
    import jax.numpy as jnp

    spec, x, expected = exact_ties()
    np.testing.assert_array_equal(np.asarray(spec(jnp.asarray(x))), expected)


@pytest.mark.parametrize("per_phase", [True, False], ids=["per phase", "gathers"])
@pytest.mark.parametrize("spec, shape", PASS_CASES, ids=PASS_CASE_IDS)
def test_per_phase_passes_match_the_reference(spec, shape, per_phase, monkeypatch):
    import jax
    import jax.numpy as jnp

    if not per_phase:
        monkeypatch.setattr(portable, "_phases", lambda taps: None)
    runs = record_calls(monkeypatch, portable, "_apply_phases")
    x = np.random.default_rng(6).standard_normal(shape).astype(np.float32)
    # a new function each time: ``jax.jit(spec)`` would reuse the other variant's trace
    out = np.asarray(jax.jit(lambda a: spec(a))(jnp.asarray(x)))
    axes = spec.spatial_axes(x.ndim)
    taps = spec.taps(tuple(shape[a] for a in axes))
    # per phase exactly where the pass enlarges with periodic taps
    assert len(runs) == (per_phase and sum(t is not None and portable._phases(t) is not None for t in taps))
    if spec.kernel == "nearest":
        np.testing.assert_array_equal(out, spec.reference(x).astype(np.float32))
        return
    error = tolerance.error_in_eps(out, spec.reference(x), "float32", tolerance.scale_of(x))
    assert error <= tolerance.bound_in_eps("float32", [x.shape[a] for a in axes if x.shape[a] != out.shape[a]])


def test_per_phase_cases_cover_every_branch():
    # the cases above run passes with exact and rounded weights, several
    # phases and gathered borders on both sides
    phases = [portable._phases(t) for spec, shape in PASS_CASES
              for t in spec.taps(tuple(shape[a] for a in spec.spatial_axes(len(shape)))) if t is not None]
    phases = [p for p in phases if p is not None]
    weights = [w for p in phases for ws in p.weight for w in ws]
    assert any(isinstance(w, float) for w in weights) and any(isinstance(w, np.ndarray) for w in weights)
    assert any(p.outputs > 1 for p in phases)
    assert any(p.left is not None for p in phases) and any(p.right is not None for p in phases)


def test_shrinking_and_aperiodic_passes_keep_the_gathers():
    taps = Upsample(size=(20, 13), mode="bicubic").taps((40, 7))
    assert portable._phases(taps[0]) is None  # shrinking by 2: strided slices measured slower
    assert portable._phases(taps[1]) is None  # 7 -> 13: no period up to 8 outputs
    assert portable._phases(Upsample(size=(80, 80), mode="bicubic").taps((40, 40))[0]) is not None


def test_from_jax_resizes_the_axes_jax_resizes():
    import jax

    # jax.image.resize has no layout: it resizes every axis whose length changes
    x = np.random.default_rng(5).standard_normal((2, 3, 6, 5)).astype(np.float32)  # NCHW
    kw = {"shape": (2, 3, 3, 2), "method": "linear"}
    native = np.asarray(jax.image.resize(x, kw["shape"], "linear"))
    with pytest.raises(ValueError, match=r"shape \(2, 3, 3, 2\): jax.image.resize resizes whichever axes change.*"
                                         r"give input_shape="):
        Upsample.from_jax(kw)  # which axes? it cannot know
    spec = Upsample.from_jax(kw, input_shape=x.shape)
    assert spec == Upsample(size=(3, 2), mode="bilinear", antialias=True)  # channels first, found from the shapes
    assert spec(x).shape == native.shape == (2, 3, 3, 2)
    assert _within_bound(spec(x), native, x)
    assert Upsample.from_jax({**kw, "input_shape": list(x.shape)}) == spec
    # channels last, and an axis kept: still the layout the shapes allow
    y = np.random.default_rng(6).standard_normal((2, 6, 5, 3)).astype(np.float32)
    spec = Upsample.from_jax({"shape": (2, 6, 10, 3), "method": "cubic"}, input_shape=y.shape)
    assert _within_bound(spec(y), np.asarray(jax.image.resize(y, (2, 6, 10, 3), "cubic")), y)
    # what unisample cannot do: resize the batch, or channels and spatial axes at once
    with pytest.raises(ValueError, match=r"resizes axes \[0, 2\]; unisample resizes the spatial axes only"):
        Upsample.from_jax({"shape": (4, 3, 3, 5), "method": "linear"}, input_shape=(2, 3, 6, 5))
    with pytest.raises(ValueError, match=r"resizes axes \[1, 3\]"):
        Upsample.from_jax({"shape": (2, 4, 6, 6), "method": "linear"}, input_shape=(2, 3, 6, 5))
    with pytest.raises(ValueError, match="with data_format='channels_last'"):
        Upsample.from_jax({"shape": (2, 3, 3, 2), "method": "linear", "data_format": "channels_last"},
                          input_shape=(2, 3, 6, 5))
    with pytest.raises(ValueError, match="different numbers of axes"):
        Upsample.from_jax(kw, input_shape=(2, 6, 5))
