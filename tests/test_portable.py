"""The frameworks' taps path (``unisample.portable``): blocked products and
gathers, each forced on every spec, against the float64 reference; integers
against the numpy adapter bit for bit; traced unknown batches, empty batches
and gradients through the products."""

import importlib.util

import numpy as np
import pytest

from unisample import Upsample, portable, tolerance
from unisample.adapters import get_adapter

from pass_cases import PASS_CASE_IDS, PASS_CASES, record_calls

FRAMEWORKS = [name for name in ("torch", "paddle", "tensorflow") if importlib.util.find_spec(name) is not None]
needs = pytest.mark.skipif(not FRAMEWORKS, reason="none of torch, paddle, tensorflow is installed")

SPECS, SPEC_IDS = PASS_CASES, PASS_CASE_IDS

#: what ``portable._use_blocks`` is replaced with for each method
FORCED = {"blocks": lambda *a: True, "gather": lambda *a: False}


def tensor(framework, x):
    return get_adapter(framework).from_numpy(x)


def record_products(monkeypatch):
    """The blocks ``_apply_blocks`` ran, one entry per pass."""
    return record_calls(monkeypatch, portable, "_apply_blocks")


@needs
@pytest.mark.parametrize("method", ["as chosen", *FORCED])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec, shape", SPECS, ids=SPEC_IDS)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_taps_path_matches_the_reference(framework, spec, shape, dtype, method, monkeypatch):
    if method != "as chosen":
        monkeypatch.setattr(portable, "_use_blocks", FORCED[method])
    runs = record_products(monkeypatch)
    adapter = get_adapter(framework)
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    y = adapter.apply_taps(spec, tensor(framework, x))
    assert adapter.is_array(y) and dtype in str(y.dtype)
    out = adapter.to_numpy(y)
    if spec.kernel == "nearest":
        assert not runs
        np.testing.assert_array_equal(out, spec.reference(x).astype(dtype))
        return
    assert bool(runs) == (method == "blocks") or method == "as chosen"
    axes = spec.spatial_axes(x.ndim)
    resized = [x.shape[a] for a in axes if x.shape[a] != out.shape[a]]
    assert out.shape == spec.output_shape(shape)
    error = tolerance.error_in_eps(out, spec.reference(x), dtype, tolerance.scale_of(x))
    assert error <= tolerance.bound_in_eps(dtype, resized)


@needs
@pytest.mark.parametrize("method", list(FORCED))
@pytest.mark.parametrize("spec, shape", SPECS[:5], ids=SPEC_IDS[:5])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_integer_taps_path_equals_the_numpy_engine(framework, spec, shape, method, monkeypatch):
    # The integer rule's HALF_UP margin makes rounding independent of the
    # summation order: products, gathers and the numpy engine agree exactly.
    monkeypatch.setattr(portable, "_use_blocks", FORCED[method])
    x = np.random.default_rng(2).integers(0, 256, shape).astype(np.uint8)
    y = get_adapter(framework).apply_taps(spec, tensor(framework, x))
    np.testing.assert_array_equal(get_adapter(framework).to_numpy(y), spec(x))


@needs
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_blocks_are_chosen_for_large_inputs_and_not_for_strong_shrinking(framework, monkeypatch):
    runs = record_products(monkeypatch)
    adapter = get_adapter(framework)
    spec = Upsample(size=(256, 256), mode="bicubic", cubic_coeff_a=-0.5)  # no native op anywhere
    x = np.random.default_rng(3).standard_normal((1, 3, 128, 128)).astype(np.float32)
    adapter.apply_taps(spec, tensor(framework, x))
    assert len(runs) == 2
    runs.clear()
    # 128 -> 8 with 4 taps: a block would read every input, the gather 4 in 16
    adapter.apply_taps(Upsample(size=(8, 8), mode="bicubic", cubic_coeff_a=-0.5), tensor(framework, x))
    assert not runs


@needs
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_empty_batch_through_forced_blocks(framework, monkeypatch):
    monkeypatch.setattr(portable, "_use_blocks", FORCED["blocks"])
    adapter = get_adapter(framework)
    spec = Upsample(size=(9, 40), mode="bicubic", cubic_coeff_a=-0.5)
    y = adapter.apply_taps(spec, tensor(framework, np.zeros((0, 5, 6, 7), np.float32)))
    assert tuple(y.shape) == (0, 5, 9, 40)


@pytest.mark.skipif("tensorflow" not in FRAMEWORKS, reason="tensorflow is not installed")
@pytest.mark.parametrize("spec, shape", SPECS[:4], ids=SPEC_IDS[:4])
def test_blocks_in_a_tf_function_with_an_unknown_batch(spec, shape, monkeypatch):
    import tensorflow as tf

    from unisample.adapters.tensorflow import apply_taps

    monkeypatch.setattr(portable, "_use_blocks", FORCED["blocks"])
    runs = record_products(monkeypatch)
    traced = tf.function(lambda t: apply_taps(spec, t),
                         input_signature=[tf.TensorSpec((None,) + shape[1:], tf.float32)])
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    out = traced(tf.constant(x)).numpy()
    assert runs
    axes = spec.spatial_axes(x.ndim)
    error = tolerance.error_in_eps(out, spec.reference(x), "float32", tolerance.scale_of(x))
    assert error <= tolerance.bound_in_eps("float32", [x.shape[a] for a in axes])


@pytest.mark.skipif("torch" not in FRAMEWORKS, reason="torch is not installed")
@pytest.mark.parametrize("spec, shape", [SPECS[1], SPECS[3]], ids=[SPEC_IDS[1], SPEC_IDS[3]])
def test_torch_gradients_through_the_blocks(spec, shape, monkeypatch):
    import torch

    from unisample.adapters.torch import apply_taps

    monkeypatch.setattr(portable, "_use_blocks", FORCED["blocks"])
    x = torch.from_numpy(np.random.default_rng(5).standard_normal(shape)[:1, :9, :7]).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: apply_taps(spec, t), (x,))


@pytest.mark.skipif("paddle" not in FRAMEWORKS, reason="paddle is not installed")
def test_paddle_backward_through_the_blocks_is_the_adjoint(monkeypatch):
    import paddle

    from unisample.adapters.paddle import apply_taps

    monkeypatch.setattr(portable, "_use_blocks", FORCED["blocks"])
    spec = Upsample(size=(9, 40), mode="bicubic", cubic_coeff_a=-0.5)
    x = paddle.to_tensor(np.random.default_rng(6).standard_normal((2, 3, 6, 7)), stop_gradient=False)
    g = np.random.default_rng(7).standard_normal((2, 3, 9, 40))
    (apply_taps(spec, x) * paddle.to_tensor(g)).sum().backward()
    th, tw = spec.taps((6, 7))
    np.testing.assert_allclose(x.grad.numpy(), np.einsum("nchw,hi,wj->ncij", g, th.matrix(), tw.matrix()),
                               rtol=1e-12, atol=1e-12)
