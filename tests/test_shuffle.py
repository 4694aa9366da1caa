"""PixelShuffle / PixelUnshuffle: the spec, its reference and every adapter.

Checked against what nobody here wrote: numbers derived by hand from the two
orders' definitions (README "Pixel shuffle"), torch's ``pixel_shuffle`` /
``pixel_unshuffle``, TF's ``depth_to_space`` / ``space_to_depth``, paddle's
``pixel_shuffle`` and onnxruntime's ``DepthToSpace``.  A permutation moves
values without arithmetic, so every comparison is bit for bit.
"""

import importlib.util
import itertools
import pickle

import numpy as np
import pytest

import unisample
from unisample import PixelShuffle, PixelUnshuffle
from unisample.adapters import get_adapter

HAS = {name: importlib.util.find_spec(name) is not None for name in ("torch", "tensorflow", "paddle", "jax",
                                                                     "onnxruntime")}
FRAMEWORKS = ["numpy"] + [f for f in ("torch", "tensorflow", "paddle", "jax") if HAS[f]]


def by_definition(x, r, order, channels_last=False):
    """A pixel shuffle of ``x`` computed element by element from the definition:
    output channel ``c`` at offset ``o`` (a tuple, one per spatial axis) of
    block ``b`` comes from input channel ``c * R + flat(o)`` (CRD) or
    ``flat(o) * C + c`` (DCR), ``flat`` row-major over the factors ``r``."""
    if channels_last:
        x = np.moveaxis(x, -1, 1)
    n, channels = x.shape[:2]
    spatial = x.shape[2:]
    blocks = int(np.prod(r))
    c_out = channels // blocks
    out = np.zeros((n, c_out) + tuple(s * f for s, f in zip(spatial, r)), x.dtype)
    for c in range(c_out):
        for offset in itertools.product(*[range(f) for f in r]):
            flat = int(np.ravel_multi_index(offset, r))
            source = c * blocks + flat if order == "CRD" else flat * c_out + c
            target = (slice(None), c) + tuple(slice(o, None, f) for o, f in zip(offset, r))
            out[target] = x[:, source]
    return np.moveaxis(out, 1, -1) if channels_last else out


def test_hand_derived_orders():
    x = np.arange(8, dtype=np.int64).reshape(1, 8, 1, 1)
    # CRD: channel c*4 + i*2 + j; DCR: channel (i*2 + j)*2 + c
    assert PixelShuffle(2)(x).tolist() == [[[[0, 1], [2, 3]], [[4, 5], [6, 7]]]]
    assert PixelShuffle(2, order="DCR")(x).tolist() == [[[[0, 2], [4, 6]], [[1, 3], [5, 7]]]]
    assert PixelShuffle((1, 2))(np.arange(2).reshape(1, 2, 1, 1)).tolist() == [[[[0, 1]]]]
    assert PixelShuffle(3)(np.arange(3).reshape(1, 3, 1)).tolist() == [[[0, 1, 2]]]


CASES = [((1, 8, 3, 2), 2, 2), ((2, 18, 2, 3), 3, 2), ((1, 32, 2, 2), 4, 2), ((1, 5, 2, 3), 1, 2),
         ((2, 6, 5), 3, 1), ((1, 12, 2, 1, 3), (2, 3, 2), 3), ((1, 4, 2, 3, 1), 1, 3), ((1, 6, 4, 2), (3, 2), 2)]


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("order", ["CRD", "DCR"])
@pytest.mark.parametrize("shape, factor, rank", CASES)
def test_reference_and_numpy_equal_the_definition(shape, factor, rank, order, channels_last):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    if channels_last:
        x = np.ascontiguousarray(np.moveaxis(x, 1, -1))
    r = factor if isinstance(factor, tuple) else (factor,) * rank
    spec = PixelShuffle(factor, order=order, data_format="channels_last" if channels_last else "channels_first")
    expected = by_definition(x, r, order, channels_last)
    assert spec(x).dtype == x.dtype and np.array_equal(spec(x), expected)
    assert spec.reference(x).dtype == np.float64 and np.array_equal(spec.reference(x), expected)
    assert spec.output_shape(x.shape) == expected.shape
    back = PixelUnshuffle(factor, order=order, data_format=spec.data_format)
    assert np.array_equal(back(expected), x) and np.array_equal(back.reference(expected), x)


DTYPES = ["float32", "float64", "float16", "int64", "int32", "uint8", "int8", "bool"]


def _array(dtype, shape):
    a = np.random.default_rng(1).standard_normal(shape) * 50
    return (a > 0) if dtype == "bool" else a.astype(dtype)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("dtype", DTYPES + ["bfloat16"])
@pytest.mark.parametrize("spec", [PixelShuffle(2), PixelShuffle(3, order="DCR", data_format="channels_last"),
                                  PixelUnshuffle(2), PixelUnshuffle(2, order="DCR", data_format="NHWC"),
                                  PixelShuffle((2, 1, 3)), PixelUnshuffle(1)])
def test_every_adapter_is_bit_exact_in_every_dtype(framework, dtype, spec):
    rank = spec.spatial_rank or 2
    shape = (2, 36 if isinstance(spec, PixelShuffle) else 3) + (6,) * rank
    if spec.channels_last:
        shape = (shape[0],) + shape[2:] + (shape[1],)
    adapter = get_adapter(framework)
    if dtype == "bfloat16" and framework in ("numpy",):
        pytest.skip("numpy has no bfloat16")
    data = _array("float32" if dtype == "bfloat16" else dtype, shape)
    try:
        x = adapter.from_numpy(data, dtype=dtype)
    except (TypeError, ValueError) as e:
        pytest.skip(f"{framework} has no {dtype}: {e}")
    y = spec(x)
    assert type(y) is type(x) or framework == "tensorflow"
    assert adapter.to_numpy(y).shape == spec.output_shape(shape)
    assert str(y.dtype).rsplit(".", 1)[-1] == str(x.dtype).rsplit(".", 1)[-1]
    expected = spec.reference(adapter.to_numpy(x).astype(np.float64))
    assert np.array_equal(adapter.to_numpy(y).astype(np.float64), expected)


@pytest.mark.skipif(not HAS["torch"], reason="torch is not installed")
@pytest.mark.parametrize("r", [1, 2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3])
def test_torch_native_ops_are_crd(r, channels):
    import torch
    import torch.nn.functional as F

    x = torch.randn(2, channels * r * r, 5, 3, generator=torch.Generator().manual_seed(r))
    for framework in FRAMEWORKS:
        adapter = get_adapter(framework)
        y = adapter.to_numpy(PixelShuffle(r)(adapter.from_numpy(x.numpy())))
        assert np.array_equal(y, F.pixel_shuffle(x, r).numpy()), framework
        small = F.pixel_shuffle(x, r)
        back = adapter.to_numpy(PixelUnshuffle(r)(adapter.from_numpy(small.numpy())))
        assert np.array_equal(back, F.pixel_unshuffle(small, r).numpy()), framework
    # the order torch's op does not compute
    if r > 1 and channels > 1:
        assert not np.array_equal(PixelShuffle(r, order="DCR")(x.numpy()), F.pixel_shuffle(x, r).numpy())


@pytest.mark.skipif(not HAS["tensorflow"], reason="tensorflow is not installed")
@pytest.mark.parametrize("r", [2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3])
def test_tensorflow_native_ops_are_dcr_channels_last(r, channels):
    import tensorflow as tf

    x = np.random.default_rng(r).standard_normal((2, 5, 3, channels * r * r)).astype(np.float32)
    spec = PixelShuffle(r, order="DCR", data_format="channels_last")
    for framework in FRAMEWORKS:
        adapter = get_adapter(framework)
        y = adapter.to_numpy(spec(adapter.from_numpy(x)))
        assert np.array_equal(y, tf.nn.depth_to_space(x, r).numpy()), framework
        small = tf.nn.depth_to_space(x, r).numpy()
        back = adapter.to_numpy(PixelUnshuffle(r, order="DCR", data_format="channels_last")(adapter.from_numpy(small)))
        assert np.array_equal(back, tf.nn.space_to_depth(small, r).numpy()), framework


@pytest.mark.skipif(not HAS["paddle"], reason="paddle is not installed")
@pytest.mark.parametrize("data_format", ["NCHW", "NHWC"])
def test_paddle_pixel_shuffle_is_crd_in_both_layouts(data_format):
    import paddle
    import paddle.nn.functional as F

    r, channels = 3, 2
    shape = (2, channels * r * r, 4, 3) if data_format == "NCHW" else (2, 4, 3, channels * r * r)
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    native = F.pixel_shuffle(paddle.to_tensor(x), r, data_format=data_format).numpy()
    assert np.array_equal(PixelShuffle(r, data_format=data_format)(x), native)
    assert not np.array_equal(PixelShuffle(r, order="DCR", data_format=data_format)(x), native)
    back = F.pixel_unshuffle(paddle.to_tensor(native), r, data_format=data_format).numpy()
    assert np.array_equal(PixelUnshuffle(r, data_format=data_format)(native), back)


@pytest.mark.skipif(not HAS["onnxruntime"], reason="onnxruntime is not installed")
@pytest.mark.parametrize("mode", ["CRD", "DCR"])
def test_onnxruntime_depth_to_space_modes(mode):
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    x = np.random.default_rng(6).standard_normal((1, 12, 2, 3)).astype(np.float32)
    node = helper.make_node("DepthToSpace", ["x"], ["y"], blocksize=2, mode=mode)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, (1, 3, 4, 6))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    (y,) = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})
    assert np.array_equal(PixelShuffle(2, order=mode)(x), y)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_result_never_shares_the_input_memory(framework):
    adapter = get_adapter(framework)
    for spec, shape in ((PixelShuffle(1), (1, 3, 4, 4)), (PixelShuffle(2), (1, 4, 1, 1)),
                        (PixelUnshuffle((1, 1)), (2, 3, 2, 2)), (PixelShuffle(2), (1, 8, 3, 3))):
        data = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
        x = adapter.from_numpy(data)
        y = spec(x)
        if framework == "numpy":
            assert not np.shares_memory(x, y)
            y[...] = -1
            assert np.array_equal(x, data)
        elif framework in ("torch", "paddle"):
            y[...] = -1  # in place: must not reach x
            assert np.array_equal(adapter.to_numpy(x), data)


@pytest.mark.skipif(not HAS["torch"], reason="torch is not installed")
def test_torch_gradient_is_the_inverse_permutation():
    import torch

    x = torch.randn(1, 8, 3, 2, dtype=torch.float64, requires_grad=True)
    w = torch.randn(1, 2, 6, 4, dtype=torch.float64)
    for order in ("CRD", "DCR"):
        x.grad = None
        (PixelShuffle(2, order=order)(x) * w).sum().backward()
        assert torch.equal(x.grad, PixelUnshuffle(2, order=order)(w))


def test_spec_is_immutable_hashable_and_round_trips():
    spec = PixelShuffle((2, 3), order="DCR", data_format="channels_last")
    with pytest.raises(AttributeError, match="immutable"):
        spec.order = "CRD"
    assert hash(spec) == hash(PixelShuffle((2, 3), "DCR", "channels_last")) and spec != PixelUnshuffle((2, 3), "DCR",
                                                                                                       "channels_last")
    assert eval(repr(spec), {"PixelShuffle": PixelShuffle}) == spec
    assert PixelShuffle.from_dict(spec.to_dict()) == spec and pickle.loads(pickle.dumps(spec)) == spec
    import json

    assert PixelUnshuffle.from_dict(json.loads(json.dumps(PixelUnshuffle(2).to_dict()))) == PixelUnshuffle(2)
    assert spec.upscale_factor == (2, 3) and PixelUnshuffle(4).downscale_factor == 4
    assert unisample.PixelShuffle is PixelShuffle


@pytest.mark.parametrize("make, error, message", [
    (lambda: PixelShuffle(0), ValueError, "upscale_factor: got 0; expected an int >= 1"),
    (lambda: PixelShuffle(-2), ValueError, "upscale_factor: got -2; expected an int >= 1"),
    (lambda: PixelShuffle(1.5), TypeError, "upscale_factor: got 1.5; expected an int >= 1"),
    (lambda: PixelShuffle(2.0), TypeError, "upscale_factor: got 2.0; expected an int >= 1"),
    (lambda: PixelShuffle(True), TypeError, "upscale_factor: got True; expected an int >= 1"),
    (lambda: PixelShuffle("2"), TypeError, "upscale_factor: got '2'"),
    (lambda: PixelShuffle((2, 2, 2, 2)), ValueError, "one factor per spatial axis, 1 to 3 of them"),
    (lambda: PixelShuffle(()), ValueError, "one factor per spatial axis, 1 to 3 of them"),
    (lambda: PixelUnshuffle((2, 0)), ValueError, "downscale_factor: got (2, 0)"),
    (lambda: PixelShuffle(2, order="crd"), ValueError, "order: got 'crd'; expected one of 'CRD', 'DCR'"),
    (lambda: PixelShuffle(2, data_format="NCHWD"), ValueError, "data_format: got 'NCHWD'; expected one of"),
    (lambda: PixelShuffle((2, 2, 2), data_format="NCHW"), ValueError,
     "got (2, 2, 2), 3 factor(s), but data_format='NCHW' has 2 spatial axes"),
    (lambda: PixelShuffle.from_dict({"upscale_factor": 2, "mode": "CRD"}), ValueError, "unknown key(s) 'mode'"),
    (lambda: PixelShuffle.from_dict({"op": "PixelUnshuffle", "upscale_factor": 2}), ValueError,
     "op 'PixelUnshuffle' is not PixelShuffle"),
])
def test_bad_arguments_name_the_argument_and_the_value(make, error, message):
    with pytest.raises(error) as e:
        make()
    assert message in str(e.value)


@pytest.mark.parametrize("spec, shape, message", [
    (PixelShuffle(2), (1, 6, 3, 3), "has 6 channels, not a multiple of 2 * 2 = 4"),
    (PixelShuffle((2, 3)), (1, 8, 3, 3), "has 8 channels, not a multiple of 2 * 3 = 6"),
    (PixelShuffle(2, data_format="channels_last"), (1, 3, 3, 6), "has 6 channels, not a multiple of 2 * 2 = 4"),
    (PixelUnshuffle(2), (1, 3, 4, 5), "has spatial lengths (4, 5), not multiples of the factors (2, 2)"),
    (PixelShuffle(2), (4, 4), "has 2 dimensions; expected 3, 4 or 5"),
    (PixelShuffle((2, 2)), (1, 4, 4), "has 3 dimensions; expected 4"),
    (PixelShuffle(2, data_format="NCDHW"), (1, 8, 2, 2), "has 4 dimensions; expected 5"),
])
def test_bad_inputs_name_the_shape_and_what_is_allowed(spec, shape, message):
    with pytest.raises(ValueError) as e:
        spec(np.zeros(shape, np.float32))
    assert message in str(e.value) and repr(spec) in str(e.value)
