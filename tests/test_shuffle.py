"""PixelShuffle / PixelUnshuffle: the spec, its reference and every adapter.

Checked against what nobody here wrote: numbers derived by hand from the two
orders' definitions (README "Pixel shuffle"), torch's ``pixel_shuffle`` /
``pixel_unshuffle``, TF's ``depth_to_space`` / ``space_to_depth``, paddle's
``pixel_shuffle`` and onnxruntime's ``DepthToSpace``.  A permutation moves
values without arithmetic, so every comparison is bit for bit.
"""

import importlib.util
import pickle

import numpy as np
import pytest
from shuffle_definition import by_definition

import unisample
from unisample import PixelShuffle, PixelUnshuffle
from unisample.adapters import get_adapter

HAS = {name: importlib.util.find_spec(name) is not None for name in ("torch", "tensorflow", "paddle", "jax",
                                                                     "onnxruntime")}
FRAMEWORKS = ["numpy"] + [f for f in ("torch", "tensorflow", "paddle", "jax") if HAS[f]]


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


# uint16/32/64: torch has no pixel_shuffle kernel for them (its adapter must not call it)
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "uint8", "int8", "bool", "uint16", "uint32",
          "uint64"]


def _array(dtype, shape):
    a = np.random.default_rng(1).standard_normal(shape) * 50
    if dtype == "bool":
        return a > 0
    return (np.abs(a) if np.dtype(dtype).kind == "u" else a).astype(dtype)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("dtype", DTYPES + ["bfloat16"])
@pytest.mark.parametrize("spec", [PixelShuffle(2), PixelShuffle(3, order="DCR", data_format="channels_last"),
                                  PixelUnshuffle(2), PixelUnshuffle(2, order="DCR", data_format="NHWC"),
                                  PixelShuffle((2, 1, 3)), PixelUnshuffle(1),
                                  PixelShuffle(2, data_format="channels_last"),
                                  PixelUnshuffle(3, data_format="channels_last")])
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


# -- reading each framework's configuration, and its layers ------------------------------------


@pytest.mark.skipif(not HAS["torch"], reason="torch is not installed")
def test_from_torch_modules_and_calls():
    import torch

    assert PixelShuffle.from_torch(torch.nn.PixelShuffle(3)) == PixelShuffle(3, data_format="NCHW")
    assert PixelUnshuffle.from_torch(torch.nn.PixelUnshuffle(2)) == PixelUnshuffle(2, data_format="NCHW")
    assert PixelShuffle.from_torch({"function": "torch.nn.functional.pixel_shuffle", "upscale_factor": 2}) == \
        PixelShuffle(2, data_format="NCHW")
    assert PixelUnshuffle.from_torch({"function": "torch.pixel_unshuffle", "downscale_factor": 4}).factor == 4
    with pytest.raises(ValueError, match="got the configuration of a PixelUnshuffle; use PixelUnshuffle.from_torch"):
        PixelShuffle.from_torch(torch.nn.PixelUnshuffle(2))
    with pytest.raises(ValueError, match="unknown torch.nn.functional.pixel_shuffle arguments \\['scale'\\]"):
        PixelShuffle.from_torch({"function": "torch.nn.functional.pixel_shuffle", "upscale_factor": 2, "scale": 1})
    with pytest.raises(ValueError, match="upscale_factor: got 0; the framework takes one int >= 1"):
        PixelShuffle.from_torch({"function": "torch.nn.functional.pixel_shuffle", "upscale_factor": 0})
    with pytest.raises(TypeError, match="expected PixelShuffle, PixelUnshuffle or a dict"):
        PixelShuffle.from_torch(torch.nn.Upsample(scale_factor=2))


@pytest.mark.skipif(not HAS["paddle"], reason="paddle is not installed")
def test_from_paddle_layers_and_calls():
    import paddle

    assert PixelShuffle.from_paddle(paddle.nn.PixelShuffle(3, data_format="NHWC")) == \
        PixelShuffle(3, data_format="NHWC")
    assert PixelUnshuffle.from_paddle(paddle.nn.PixelUnshuffle(2)) == PixelUnshuffle(2, data_format="NCHW")
    assert PixelShuffle.from_paddle({"function": "paddle.nn.functional.pixel_shuffle", "upscale_factor": 2,
                                     "data_format": "NHWC"}) == PixelShuffle(2, data_format="NHWC")


@pytest.mark.skipif(not HAS["tensorflow"], reason="tensorflow is not installed")
def test_from_keras_reads_tf_and_the_keras_backends_own_orders():
    import keras
    import tensorflow as tf

    x = np.random.default_rng(7).standard_normal((1, 8, 2, 3)).astype(np.float32)
    nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    spec = PixelShuffle.from_keras({"function": "tf.nn.depth_to_space", "block_size": 2})
    assert spec == PixelShuffle(2, order="DCR", data_format="NHWC")
    assert np.array_equal(spec(nhwc), tf.nn.depth_to_space(nhwc, 2).numpy())
    back = PixelUnshuffle.from_keras({"function": "tf.nn.space_to_depth", "block_size": 2, "data_format": "NHWC"})
    assert np.array_equal(back(spec(nhwc)), nhwc)
    # keras.ops, measured on this process's backend (TensorFlow): DCR in both layouts
    assert keras.backend.backend() == "tensorflow"
    first = PixelShuffle.from_keras({"function": "keras.ops.depth_to_space", "block_size": 2,
                                     "data_format": "channels_first"})
    assert first.order == "DCR"
    native = keras.ops.convert_to_numpy(keras.ops.depth_to_space(x, 2, data_format="channels_first"))
    assert np.array_equal(first(x), native) and not np.array_equal(PixelShuffle(2)(x), native)
    assert PixelShuffle.from_keras({"function": "keras.ops.depth_to_space", "block_size": 2,
                                    "data_format": "channels_first"}, backend="jax").order == "CRD"
    with pytest.raises(ValueError, match="block_size: got 1; the framework takes one int >= 2"):
        PixelShuffle.from_keras({"function": "tf.nn.depth_to_space", "block_size": 1})
    with pytest.raises(ValueError, match="on the 'openvino' backend: its order is not known here"):
        PixelShuffle.from_keras({"function": "keras.ops.depth_to_space", "block_size": 2,
                                 "data_format": "channels_first", "backend": "openvino"})


KERAS_BACKEND_CHECK = """
import numpy as np, keras
from unisample import PixelShuffle
assert keras.backend.backend() == {backend!r}
x = np.random.default_rng(7).standard_normal((1, 8, 2, 3)).astype(np.float32)
native = keras.ops.convert_to_numpy(keras.ops.depth_to_space(x, 2, data_format="channels_first"))
read = PixelShuffle.from_keras({{"function": "keras.ops.depth_to_space", "block_size": 2,
                                "data_format": "channels_first"}})
assert np.array_equal(read(x), native), read
inputs = keras.Input((8, 2, 3))
model = keras.Model(inputs, PixelShuffle(2, order="DCR").to_keras()(inputs))
out = keras.ops.convert_to_numpy(model(x))
assert np.array_equal(out, PixelShuffle(2, order="DCR")(x))
print("OK", read.order)
"""


@pytest.mark.parametrize("backend, module", [("jax", "jax"), ("torch", "torch")])
def test_keras_ops_order_and_the_layer_on_other_backends(backend, module):
    import os
    import subprocess
    import sys

    pytest.importorskip("keras")
    if not HAS[module]:
        pytest.skip(f"{module} is not installed")
    env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-c", KERAS_BACKEND_CHECK.format(backend=backend)], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "OK CRD" in proc.stdout  # Keras' channels_first depth_to_space is CRD there, DCR on TensorFlow


@pytest.mark.skipif(not HAS["tensorflow"], reason="tensorflow is not installed")
def test_keras_layer_saves_and_loads(tmp_path):
    import keras

    spec = PixelUnshuffle(2, order="CRD", data_format="channels_last")
    inputs = keras.Input((4, 6, 3))
    model = keras.Model(inputs, spec.to_keras()(inputs))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(8).standard_normal((2, 4, 6, 3)).astype(np.float32)
    assert np.array_equal(np.asarray(loaded(x)), spec(x)) and loaded.output_shape == (None, 2, 3, 12)
    assert PixelShuffle(2).to_keras(data_format="channels_last").spec == PixelShuffle(2, data_format="channels_last")


KERAS_FILE_CHECK = """
import sys
import numpy as np
if sys.argv[1] == "torch":  # import unisample after Keras on one backend, before it on the other:
    import keras, unisample  # either registers the layers (an editable install has no .pth hook)
else:
    import unisample, keras
assert keras.backend.backend() == sys.argv[1]
model = keras.models.load_model(sys.argv[2])
np.savez(sys.argv[4], *[keras.ops.convert_to_numpy(y) for y in model(np.load(sys.argv[3]))])
"""


@pytest.mark.skipif(not HAS["tensorflow"], reason="tensorflow is not installed")
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_a_keras_file_saved_on_tensorflow_gives_the_same_numbers_on_another_backend(tmp_path, backend):
    # unlike keras.ops.depth_to_space, whose channels_first order is the backend's
    import os
    import subprocess
    import sys

    import keras

    if not HAS[backend]:
        pytest.skip(f"{backend} is not installed")
    inputs = keras.Input((12, 4, 6))
    x = np.random.default_rng(9).standard_normal((2, 12, 4, 6)).astype(np.float32)
    model = keras.Model(inputs, [PixelShuffle(2, order="CRD").to_keras()(inputs),
                                 PixelUnshuffle(2, order="DCR", data_format="channels_first").to_keras()(inputs)])
    path, x_path, out_path = tmp_path / "m.keras", tmp_path / "x.npy", tmp_path / "out.npz"
    model.save(path)
    np.save(x_path, x)
    on_tf = [np.asarray(y) for y in model(x)]
    env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-c", KERAS_FILE_CHECK, backend, str(path), str(x_path), str(out_path)],
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with np.load(out_path) as there:
        elsewhere = [there[f"arr_{i}"] for i in range(2)]
    assert np.array_equal(on_tf[0], PixelShuffle(2)(x)) and np.array_equal(on_tf[1], PixelUnshuffle(2, order="DCR")(x))
    for a, b in zip(elsewhere, on_tf):
        assert a.dtype == b.dtype and np.array_equal(a, b)


@pytest.mark.skipif(not HAS["torch"], reason="torch is not installed")
def test_torch_layer_saves_traces_and_exports(tmp_path):
    import io

    import torch

    x = torch.randn(2, 12, 4, 6, generator=torch.Generator().manual_seed(9))
    for spec in (PixelShuffle(2), PixelShuffle(2, order="DCR"), PixelUnshuffle(1), PixelUnshuffle(2)):
        layer = spec.to_torch()
        assert torch.equal(layer(x), torch.from_numpy(spec(x.numpy())))
        path = tmp_path / "m.pt"
        torch.save(layer, path)
        assert torch.load(path, weights_only=False).spec == spec
        assert torch.equal(torch.jit.trace(layer, (x,))(x), layer(x))
        if HAS["onnxruntime"]:
            import onnxruntime as ort

            buffer = io.BytesIO()
            torch.onnx.export(layer, (x,), buffer, dynamo=False, opset_version=17)
            session = ort.InferenceSession(buffer.getvalue())
            (y,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
            assert np.array_equal(y, layer(x).numpy()), spec


@pytest.mark.skipif(not HAS["paddle"], reason="paddle is not installed")
def test_paddle_layer():
    import paddle

    x = paddle.to_tensor(np.random.default_rng(10).standard_normal((1, 8, 3, 3)).astype(np.float32))
    layer = PixelShuffle(2, order="DCR").to_paddle()
    assert isinstance(layer, paddle.nn.Layer)
    assert np.array_equal(layer(x).numpy(), PixelShuffle(2, order="DCR")(x.numpy()))


@pytest.mark.skipif(not HAS["jax"], reason="jax is not installed")
def test_jax_function():
    import jax.numpy as jnp

    x = np.random.default_rng(11).standard_normal((1, 3, 4, 12)).astype(np.float32)
    f = PixelUnshuffle((2, 3), data_format="channels_first").to_jax()
    assert np.array_equal(np.asarray(f(jnp.asarray(x))), PixelUnshuffle((2, 3))(x))


@pytest.mark.skipif(not HAS["jax"], reason="jax is not installed")
def test_a_spec_is_jitted_as_it_is():
    # jax.jit keeps a weak reference to the function it compiles: a spec is one
    import jax
    import jax.numpy as jnp

    x = np.random.default_rng(12).standard_normal((2, 8, 3, 5)).astype(np.float32)
    for spec in (PixelShuffle(2, order="DCR"), PixelUnshuffle(1)):
        assert np.array_equal(np.asarray(jax.jit(spec)(jnp.asarray(x))), spec(x))


def espcn_torch(r=3):
    """An ESPCN-style head: a convolution to ``3 * r * r`` channels, then torch's PixelShuffle."""
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 3 * r * r, 3, padding=1), torch.nn.PixelShuffle(r)).eval()


@pytest.mark.skipif(not (HAS["torch"] and HAS["tensorflow"]), reason="needs torch and tensorflow")
def test_espcn_ported_to_keras_keeps_torch_numbers_and_the_naive_port_does_not():
    import keras
    import torch

    from unisample import tolerance

    model = espcn_torch()
    conv, shuffle = model[0], model[1]
    x = np.random.default_rng(12).standard_normal((1, 3, 6, 5)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy().transpose(0, 2, 3, 1)  # as NHWC

    def keras_model(head):
        inputs = keras.Input((6, 5, 3))
        keras_conv = keras.layers.Conv2D(27, 3, padding="same")
        y = keras_conv(inputs)
        # torch (out, in, kh, kw) -> Keras (kh, kw, in, out)
        keras_conv.set_weights([conv.weight.detach().numpy().transpose(2, 3, 1, 0), conv.bias.detach().numpy()])
        return keras.Model(inputs, head(y))

    nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    ported = np.asarray(keras_model(PixelShuffle.from_torch(shuffle).to_keras(data_format="channels_last"))(nhwc))
    naive = np.asarray(keras_model(lambda y: keras.ops.depth_to_space(y, 3))(nhwc))
    # the convolution is the only arithmetic: 28 terms of sum |w| times max |x| (tolerance.dot_product_bound_in_eps)
    w = conv.weight.detach().abs().sum(dim=(1, 2, 3)).max().item()
    bound = 2 * tolerance.dot_product_bound_in_eps(28) * np.finfo(np.float32).eps * (w * np.abs(x).max() + 1)
    assert np.abs(ported - expected).max() <= bound
    assert np.abs(naive - expected).max() > 0.1  # Keras' depth_to_space is DCR: the channels scrambled


@pytest.mark.skipif(not HAS["onnxruntime"], reason="onnxruntime is not installed")
@pytest.mark.parametrize("spec, shape, nodes", [
    (PixelShuffle(2), (2, 12, 3, 5), ["DepthToSpace"]),
    (PixelShuffle(3, order="DCR"), (1, 18, 2, 2), ["DepthToSpace"]),
    (PixelUnshuffle(2, order="DCR"), (1, 3, 4, 6), ["SpaceToDepth"]),
    (PixelUnshuffle(2), (1, 3, 4, 6), ["Reshape", "Transpose", "Reshape"]),  # SpaceToDepth has no CRD
    (PixelShuffle((2, 3)), (1, 12, 2, 2), ["Reshape", "Transpose", "Reshape"]),
    (PixelShuffle(2, data_format="channels_last"), (1, 3, 2, 8), ["Reshape", "Transpose", "Reshape"]),
    (PixelUnshuffle(2, order="DCR", data_format="NCDHW"), (1, 2, 4, 2, 6), ["Reshape", "Transpose", "Reshape"]),
])
def test_to_onnx_runs_in_onnxruntime_and_reads_back(spec, shape, nodes):
    import onnxruntime as ort

    x = np.random.default_rng(13).standard_normal(shape).astype(np.float32)
    model = spec.to_onnx(input_shape=(None,) + shape[1:])
    assert [n.op_type for n in model.graph.node] == nodes
    (y,) = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})
    assert np.array_equal(y, spec(x))
    (y2,) = ort.InferenceSession(model.SerializeToString()).run(None, {"x": np.concatenate([x, x])})
    assert np.array_equal(y2, spec(np.concatenate([x, x])))  # the batch stays dynamic
    if len(nodes) == 1:
        assert type(spec).from_onnx(model) == type(spec)(spec.factor, spec.order, "NCHW")


def test_to_onnx_says_what_it_needs():
    pytest.importorskip("onnx")
    with pytest.raises(ValueError, match="pass input_shape= with every length but the batch"):
        PixelUnshuffle(2).to_onnx(ndim=4)
    with pytest.raises(ValueError, match="got a PixelShuffle node; use PixelShuffle.from_onnx"):
        PixelUnshuffle.from_onnx(PixelShuffle(2).to_onnx(ndim=4))


# -- port: the printed code, run in every target, gives the source's own numbers -----------------


def _native_sources():
    """``(configuration, native function of numpy input in its layout, its layout)`` for each source installed."""
    sources = []
    if HAS["torch"]:
        import torch
        import torch.nn.functional as F

        sources += [("torch: nn.PixelShuffle(2)", lambda x: F.pixel_shuffle(torch.from_numpy(x), 2).numpy(), "NCHW"),
                    ("torch: F.pixel_unshuffle(x, 2)", lambda x: F.pixel_unshuffle(torch.from_numpy(x), 2).numpy(),
                     "NCHW")]
    if HAS["tensorflow"]:
        import tensorflow as tf

        sources += [("tf: tf.nn.depth_to_space(x, 2)", lambda x: tf.nn.depth_to_space(x, 2).numpy(), "NHWC"),
                    ("tf: tf.nn.space_to_depth(x, 2)", lambda x: tf.nn.space_to_depth(x, 2).numpy(), "NHWC")]
    if HAS["paddle"]:
        import paddle
        import paddle.nn.functional as PF

        sources += [("paddle: nn.PixelShuffle(2, data_format='NHWC')",
                     lambda x: PF.pixel_shuffle(paddle.to_tensor(x), 2, data_format="NHWC").numpy(), "NHWC")]
    return sources


def _run_printed(code, target, x):
    namespace = {"x": x}
    exec(code, namespace)  # noqa: S102  (the code port printed)
    resize = namespace["resize"]
    if target in ("torch", "paddle"):
        adapter = get_adapter(target)
        return adapter.to_numpy(resize(adapter.from_numpy(x)))
    return np.asarray(resize(x))


@pytest.mark.parametrize("source, native, layout", _native_sources(), ids=lambda v: v if isinstance(v, str) else "")
def test_port_prints_code_that_gives_the_sources_numbers(source, native, layout):
    shuffling = "depth_to_space" in source or "PixelShuffle" in source
    nchw = np.random.default_rng(14).standard_normal((1, 8, 2, 4) if shuffling else (1, 2, 4, 6)).astype(np.float32)
    to_layout = {"NCHW": lambda a: a, "NHWC": lambda a: np.ascontiguousarray(a.transpose(0, 2, 3, 1))}
    back = {"NCHW": lambda a: a, "NHWC": lambda a: np.ascontiguousarray(a.transpose(0, 3, 1, 2))}
    expected = back[layout](native(to_layout[layout](nchw)))  # the source's own op, as NCHW
    available = {"torch": HAS["torch"], "keras": HAS["tensorflow"], "tensorflow": HAS["tensorflow"],
                 "paddle": HAS["paddle"], "jax": HAS["jax"], "onnx": HAS["onnxruntime"]}
    targets = [t for t, installed in available.items() if installed]
    spec, answers = unisample.port(source, to=targets)
    statuses = {}
    for answer in answers:
        style = "NCHW" if answer.target in ("torch", "paddle", "onnx") else "NHWC"
        got = back[style](_run_printed(answer.code, answer.target, to_layout[style](nchw)))
        assert np.array_equal(got, expected), (answer.target, answer.code)
        statuses[answer.target] = answer.status
    order = spec.order
    for target, status in statuses.items():  # native exactly where the target's op has the source's order
        native_order = {"torch": "CRD", "paddle": "CRD", "keras": "DCR", "tensorflow": "DCR"}.get(target)
        if native_order:
            assert (status == "native") == (native_order == order), (target, status)
    assert statuses.get("jax", "unisample") == "unisample" and statuses.get("onnx", "native") == "native"


# -- scan lists pixel shuffles, and the port risk of a naive depth_to_space ------------------------


def shuffling_decoder():
    """A torch super-resolution tail: an nn.PixelShuffle module and an F.pixel_unshuffle call."""
    import torch
    import torch.nn.functional as F

    class Tail(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, 12, 3, padding=1)
            self.shuffle = torch.nn.PixelShuffle(2)

        def forward(self, x):
            y = self.shuffle(self.conv(x))
            return F.pixel_unshuffle(y, 2) + self.conv(x)

    torch.manual_seed(0)
    return Tail().eval()


@pytest.mark.skipif(not HAS["torch"], reason="torch is not installed")
def test_scan_finds_torch_pixel_shuffles_statically_and_by_running():
    import torch

    from unisample import scanning

    model = shuffling_decoder()
    static = scanning.scan(model, to=["keras", "onnx"])
    assert [(f.where, f.what, f.spec) for f in static] == [
        ("shuffle", "torch.nn.PixelShuffle", PixelShuffle(2, data_format="NCHW")),
        ("pixel_unshuffle", "F.pixel_unshuffle", PixelUnshuffle(2, data_format="NCHW"))]
    assert static[0].verdicts == {"keras": "needs unisample", "onnx": "native ok"}
    ran = scanning.scan(model, to=["keras"], example_input=torch.zeros(1, 3, 4, 4))
    assert [(f.where, f.what, f.calls, f.shapes) for f in ran] == [
        ("shuffle", "torch.nn.PixelShuffle", 1, ((1, 12, 4, 4),)),
        ("(root)", "F.pixel_unshuffle", 1, ((1, 3, 8, 8),))]


@pytest.mark.skipif(not (HAS["torch"] and HAS["tensorflow"]), reason="needs torch and tensorflow")
def test_port_risk_of_a_naive_depth_to_space_equals_keras_own_op():
    import keras
    import torch

    from unisample import port_risk

    model = espcn_torch(r=2)
    x = torch.randn(1, 3, 4, 5, generator=torch.Generator().manual_seed(15))
    (risk,) = port_risk.port_risk(model, x, to=["keras"])
    (row,) = risk.resizes
    assert row.row.what == "torch.nn.PixelShuffle" and row.naive.code == "lambda x: keras.ops.depth_to_space(x, 2)"
    with torch.no_grad():
        features = model[0](x).numpy()
        expected = model(x).numpy()
    keras_out = np.asarray(keras.ops.depth_to_space(np.ascontiguousarray(features.transpose(0, 2, 3, 1)), 2))
    diff = np.abs(keras_out.transpose(0, 3, 1, 2).astype(np.float64) - expected)
    # a permutation: both figures are exact
    assert row.resize.max == diff.max() > 0.1 and row.resize.mean == pytest.approx(diff.mean(), rel=1e-12)
    assert risk.naive == row.alone == row.resize and risk.unisample == port_risk.Difference(0.0, 0.0)


@pytest.mark.skipif(not HAS["paddle"], reason="paddle is not installed")
def test_scan_finds_paddle_pixel_shuffles():
    import paddle
    import paddle.nn.functional as F

    from unisample import scanning

    class Tail(paddle.nn.Layer):
        def __init__(self):
            super().__init__()
            self.shuffle = paddle.nn.PixelShuffle(2)

        def forward(self, x):
            return F.pixel_unshuffle(self.shuffle(x), 2, data_format="NCHW")

    model = Tail()
    assert [(f.where, f.what) for f in scanning.scan(model, to=["torch"])][:1] == [("shuffle",
                                                                                   "paddle.nn.PixelShuffle")]
    ran = scanning.scan(model, to=["torch"], example_input=paddle.zeros([1, 8, 2, 2]))
    assert [(f.where, f.what, f.spec, f.verdicts["torch"]) for f in ran] == [
        ("shuffle", "paddle.nn.PixelShuffle", PixelShuffle(2, data_format="NCHW"), "native ok"),
        ("(root)", "F.pixel_unshuffle", PixelUnshuffle(2, data_format="NCHW"), "native ok")]


@pytest.mark.skipif(not HAS["tensorflow"], reason="tensorflow is not installed")
def test_scan_finds_keras_depth_to_space_by_running():
    import keras

    from unisample import scanning

    inputs = keras.Input((2, 3, 8))
    y = keras.layers.Lambda(lambda t: keras.ops.depth_to_space(t, 2), name="d2s")(inputs)
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: keras.ops.space_to_depth(t, 2), name="s2d")(y))
    found = scanning.scan(model, to=["torch"], example_input=np.zeros((1, 2, 3, 8), np.float32))
    assert [(f.where, f.what, f.spec, f.verdicts["torch"]) for f in found] == [
        ("d2s", "keras.ops.depth_to_space", PixelShuffle(2, order="DCR", data_format="NHWC"), "needs unisample"),
        ("s2d", "keras.ops.space_to_depth", PixelUnshuffle(2, order="DCR", data_format="NHWC"), "needs unisample")]


@pytest.mark.skipif(not (HAS["torch"] and HAS["onnxruntime"]), reason="needs torch and onnx")
def test_scan_reads_depth_to_space_nodes(tmp_path):
    import torch

    from unisample import scanning

    path = str(tmp_path / "tail.onnx")
    torch.onnx.export(shuffling_decoder(), (torch.zeros(1, 3, 4, 4),), path, dynamo=False, opset_version=17)
    found = scanning.scan(path, to=["keras"])
    assert [f.what for f in found] == ["onnx DepthToSpace"]  # torch writes pixel_unshuffle as Reshape/Transpose
    assert found[0].spec == PixelShuffle(2, data_format="NCHW") and found[0].verdicts == {"keras": "needs unisample"}
