"""The tensorflow adapter and the Keras 3 layer.

TensorFlow is imported in this process (after paddle: see conftest.py).  The
Keras torch backend and a fresh-process model load run in subprocesses.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from unisample import Upsample, tolerance

from integer_rule import exact_ties

pytestmark = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="tensorflow is not installed")

SPECS = [
    Upsample(size=(14, 10), mode="bilinear", data_format="channels_last"),  # tf.image.resize
    Upsample(scale_factor=2, mode="bilinear", align_corners=True),  # TF1 op, channels first
    Upsample(size=(9, 4), mode="bicubic", data_format="channels_last"),  # torch's cubic: taps
    Upsample(size=(10, 3), mode="lanczos3", antialias=True),  # tf.image.resize lanczos3
    Upsample(size=(3, 4), mode="area", area_weights="overlap"),  # taps (TF's area has no gradient)
    Upsample(scale_factor=1.5, mode="nearest"),  # TF1 nearest? no: 1/1.5 mapping -> taps
]
SPEC_IDS = [repr(s) for s in SPECS]


def _input(spec, seed=0, dtype=np.float32):
    shape = (2, 7, 5, 3) if spec.channels_last else (2, 3, 7, 5)
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _within_bound(actual, expected, x, dtype="float32"):
    error = tolerance.error_in_eps(actual, expected, dtype, tolerance.scale_of(x))
    return error <= tolerance.bound_in_eps(dtype, [7, 5])


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_tf_function_xla_and_gradient(spec):
    import tensorflow as tf

    from unisample.adapters.tensorflow import apply_taps

    x = _input(spec)
    expected = spec.reference(x)
    for path in (spec, lambda t: apply_taps(spec, t)):
        eager = path(tf.constant(x))
        assert isinstance(eager, tf.Tensor) and eager.dtype == tf.float32
        assert _within_bound(eager.numpy(), expected, x)
        for jit in (False, True):
            compiled = tf.function(path, jit_compile=jit)
            assert _within_bound(compiled(tf.constant(x)).numpy(), expected, x)
    # the gradient is the transposed taps (float64 through the taps; TF's ops compute in float32)
    x64 = tf.constant(x.astype(np.float64))
    g = np.random.default_rng(1).standard_normal(expected.shape)
    with tf.GradientTape() as tape:
        tape.watch(x64)
        y = spec(x64)
    grad = tape.gradient(y, x64, output_gradients=tf.constant(g)).numpy()
    axes = spec.spatial_axes(4)
    taps = spec.taps(tuple(x.shape[a] for a in axes))
    adjoint = g
    for axis, t in zip(axes, taps):
        if t is not None:
            adjoint = np.moveaxis(np.tensordot(t.matrix().T, np.moveaxis(adjoint, axis, 0), axes=1), 0, axis)
    np.testing.assert_allclose(grad, adjoint, atol=1e-12)


@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_tf_dtypes(spec):
    import tensorflow as tf

    x = _input(spec)
    for name in ("float16", "bfloat16"):
        y = spec(tf.cast(tf.constant(x), name))
        assert y.dtype.name == name
        reference = spec.reference(tf.cast(tf.cast(tf.constant(x), name), tf.float32).numpy())
        assert _within_bound(tf.cast(y, tf.float32).numpy(), reference, x, name)
    u8 = np.random.default_rng(2).integers(0, 256, x.shape, dtype=np.uint8)
    y = spec(tf.constant(u8))
    assert y.dtype == tf.uint8
    np.testing.assert_array_equal(y.numpy(), spec(u8))  # the numpy adapter's integer rule
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(spec(tf.constant(x64)).numpy(), spec.reference(x64), atol=1e-12)


def test_keras_layer_shapes_config_and_unknown_batch():
    import keras

    spec = Upsample(scale_factor=(2, 1.5), mode="bicubic")
    layer = spec.to_keras(data_format="channels_last")
    assert layer.spec.data_format == "channels_last" and layer.spec.scale_factor == (2.0, 1.5)
    assert layer.compute_output_shape((None, 7, 5, 3)) == (None, 14, 7, 3)
    inputs = keras.Input((7, 5, 3))
    model = keras.Model(inputs, layer(inputs))
    assert tuple(model.output_shape) == (None, 14, 7, 3)
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert clone.spec == layer.spec
    x = _input(layer.spec)
    assert _within_bound(np.asarray(model(x)), layer.spec.reference(x), x)


def test_keras_model_saves_and_loads_in_a_fresh_process(tmp_path):
    import keras

    spec = Upsample(scale_factor=1.5, mode="bicubic", align_corners=True)
    inputs = keras.Input((7, 5, 3))
    model = keras.Model(inputs, spec.to_keras(data_format="channels_last")(inputs))
    x = np.random.default_rng(3).standard_normal((2, 7, 5, 3)).astype(np.float32)
    path = tmp_path / "m.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.asarray(model(x)))
    code = textwrap.dedent(f"""
        import numpy as np, keras
        import unisample.adapters.tensorflow.layers  # registers the layer class
        model = keras.models.load_model({str(path)!r})
        y = np.asarray(model(np.load({str(tmp_path / 'x.npy')!r})))
        assert np.array_equal(y, np.load({str(tmp_path / 'y.npy')!r})), "outputs differ"
        print("identical")
    """)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "identical" in proc.stdout, proc.stderr[-2000:]


@pytest.mark.parametrize("backend, module", [("torch", "torch"), ("jax", "jax")])
def test_keras_layer_on_the_torch_and_jax_backends(backend, module):
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    code = textwrap.dedent(f"""
        import numpy as np, keras
        from unisample import Upsample
        assert keras.backend.backend() == {backend!r}
        for spec in (Upsample(size=(10, 9), mode="lanczos3", data_format="channels_last"),
                     Upsample(scale_factor=2, mode="bilinear", align_corners=True, data_format="channels_last")):
            inputs = keras.Input((7, 5, 3))
            model = keras.Model(inputs, spec.to_keras()(inputs))
            x = np.random.default_rng(0).standard_normal((2, 7, 5, 3)).astype(np.float32)
            y = model(x)
            assert type(y).__module__.partition(".")[0] in ({module!r}, {module!r} + "lib"), type(y)
            assert np.abs(keras.ops.convert_to_numpy(y) - spec.reference(x)).max() < 1e-5
            assert np.abs(model.predict(x, verbose=0) - spec.reference(x)).max() < 1e-5
        print("ok")
    """)
    env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-2000:]


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
@pytest.mark.parametrize("kwargs", [
    dict(scale_factor=2, mode="bilinear", align_corners=True),
    dict(scale_factor=2.5, mode="bicubic"),
    dict(scale_factor=(1.5, 2.25), mode="bilinear"),
    dict(scale_factor=1.7, mode="nearest"),
    dict(size=(4, 3), mode="bicubic", align_corners=True),
    dict(size=(5, 9), mode="area"),
])
def test_torch_module_ported_to_keras_gives_torch_numbers(kwargs):
    # The promise: nn.Upsample -> from_torch -> to_keras, on NHWC inside a Keras
    # model, equals PyTorch on NCHW, including what UpSampling2D cannot do.
    import keras
    import torch

    module = torch.nn.Upsample(**kwargs)
    x = np.random.default_rng(4).standard_normal((2, 3, 7, 5)).astype(np.float32)
    expected = module(torch.from_numpy(x)).numpy().transpose(0, 2, 3, 1)
    layer = Upsample.from_torch(module).to_keras(data_format="channels_last")
    inputs = keras.Input((7, 5, 3))
    y = np.asarray(keras.Model(inputs, layer(inputs))(x.transpose(0, 2, 3, 1)))
    if kwargs["mode"] == "nearest":
        np.testing.assert_array_equal(y, expected)
    else:
        assert _within_bound(y, expected, x)


def test_keras_layers_ported_to_torch_and_paddle_give_keras_numbers():
    import keras

    x = np.random.default_rng(5).standard_normal((2, 7, 5, 3)).astype(np.float32)
    layers = [keras.layers.UpSampling2D(size=(2, 3), interpolation="bicubic"),
              keras.layers.Resizing(11, 4, interpolation="lanczos3"),
              keras.layers.Resizing(3, 2, interpolation="area"),
              keras.layers.UpSampling2D(size=(3, 2))]
    for layer in layers:
        expected = np.asarray(layer(x))
        spec = Upsample.from_keras(layer)
        targets = [spec(x)]
        if importlib.util.find_spec("torch"):
            import torch

            targets.append(spec.to_torch()(torch.from_numpy(x)).numpy())
        if importlib.util.find_spec("paddle"):
            import paddle

            targets.append(spec.to_paddle()(paddle.to_tensor(x)).numpy())
        for y in targets:
            assert _within_bound(y, expected, x), layer.name


def test_from_keras_refusals_and_backends():
    import keras

    with pytest.raises(ValueError, match=r"UpSampling2D size=\(1.5, 2\).*integers.*Upsample\(scale_factor"):
        Upsample.from_keras(keras.layers.UpSampling2D(size=(1.5, 2)))
    layer = Upsample(scale_factor=1.5, mode="bilinear").to_keras(data_format="channels_last")
    x = np.random.default_rng(6).standard_normal((1, 8, 6, 2)).astype(np.float32)
    assert np.asarray(layer(x)).shape == (1, 12, 9, 2)
    with pytest.raises(ValueError, match="crop_to_aspect_ratio"):
        Upsample.from_keras(keras.layers.Resizing(4, 4, crop_to_aspect_ratio=True))
    with pytest.raises(ValueError, match="torch backend has no 'lanczos3'"):
        Upsample.from_keras(keras.layers.Resizing(4, 4, interpolation="lanczos3"), backend="torch")
    with pytest.raises(ValueError, match="unknown resize arguments"):
        Upsample.from_keras({"size": [3, 3], "methd": "bilinear"})
    with pytest.raises(TypeError, match="from_keras: got keras.src.layers.convolutional"):
        Upsample.from_keras(keras.layers.Conv2D(1, 1))
    bicubic = keras.layers.UpSampling2D(interpolation="bicubic")
    assert Upsample.from_keras(bicubic, backend="tensorflow").cubic_table_size == 1024
    assert Upsample.from_keras(bicubic, backend="jax").cubic_table_size is None
    assert Upsample.from_keras(bicubic, backend="torch").cubic_coeff_a == -0.75


def test_from_keras_resizing_as_a_dict_of_its_arguments():
    import keras
    import tensorflow as tf

    # antialias left out of a Resizing dict is Keras' default, False
    config = {"function": "keras.layers.Resizing", "height": 11, "width": 9, "interpolation": "bilinear"}
    spec = Upsample.from_keras(config, backend="tensorflow")
    assert spec == Upsample(size=(11, 9), mode="bilinear", data_format="channels_last")
    x = np.random.default_rng(8).standard_normal((2, 7, 5, 3)).astype(np.float32)
    native = np.asarray(keras.layers.Resizing(11, 9, interpolation="bilinear")(tf.constant(x)))
    assert _within_bound(spec(x), native, x)
    assert spec == Upsample.from_keras(keras.layers.Resizing(11, 9, interpolation="bilinear"), backend="tensorflow")


@pytest.mark.parametrize("in_size, out_size, method", [((2, 6), (12, 1), "bilinear"), ((3, 6), (5, 1), "bilinear"),
                                                       ((6, 6), (12, 1), "bicubic")])
def test_tf_antialias_agrees_with_the_reference_where_torchs_kernel_does_not(in_size, out_size, method):
    import tensorflow as tf

    x = np.random.default_rng(9).random((2, *in_size, 3))
    native = tf.image.resize(tf.constant(x), out_size, method=method, antialias=True).numpy()
    spec = Upsample.from_keras({"size": list(out_size), "method": method, "antialias": True})
    assert np.abs(native - spec.reference(x)).max() < 1e-6  # torch's kernel is 0.3-1.35 off here
    assert np.abs(native - native[:, :1]).max() > 0.01  # not one row repeated


def test_integer_exact_halves_round_up():
    import tensorflow as tf

    spec, x, expected = exact_ties()  # answers derived with rational arithmetic
    np.testing.assert_array_equal(spec(tf.constant(x)).numpy(), expected)
