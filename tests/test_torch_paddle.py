"""Torch and paddle adapters: gradients, native layers, translation, dtypes, layouts."""

import importlib.util
import io

import numpy as np
import pytest

from unisample import Upsample, tolerance

from integer_rule import exact_ties

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_PADDLE = importlib.util.find_spec("paddle") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
needs_paddle = pytest.mark.skipif(not HAS_PADDLE, reason="paddle is not installed")

# One spec per path: torch's native op, paddle's native op, and the taps.
SPECS = [
    Upsample(scale_factor=2, mode="bilinear", align_corners=True),  # native in both
    Upsample(size=(4, 9), mode="bicubic"),  # native in both
    Upsample(size=(10, 3), mode="lanczos3", antialias=True),  # taps in both
    Upsample(size=(5, 8), mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True),  # TF/JAX cubic: taps
    Upsample(scale_factor=2.5, mode="bilinear", recompute_scale_factor=True),  # TF's mapping: native torch
    Upsample(size=(3, 4), mode="area"),
    Upsample(size=(11, 3), mode="nearest-exact"),
]
SPEC_IDS = [repr(s) for s in SPECS]


def adjoint(spec, grad_out: np.ndarray, in_hw) -> np.ndarray:
    """The gradient of sum(grad_out * spec(x)) with respect to x: the transposed taps."""
    th, tw = spec.taps(in_hw)
    mh = np.eye(in_hw[0]) if th is None else th.matrix()
    mw = np.eye(in_hw[1]) if tw is None else tw.matrix()
    return np.einsum("nchw,hi,wj->ncij", grad_out, mh, mw)


@pytest.mark.parametrize("framework", [n for n, ok in (("torch", HAS_TORCH), ("paddle", HAS_PADDLE)) if ok])
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_specs_without_a_native_op_give_the_reference_answer(framework, spec):
    # TF/JAX cubic, lanczos, TF's in/out mapping: torch and paddle tensors
    # still get the reference's numbers (the taps where their op cannot).
    from unisample.adapters import get_adapter

    adapter = get_adapter(framework)
    x = np.random.default_rng(6).standard_normal((2, 3, 7, 5)).astype(np.float32)
    tensor = __import__("torch").from_numpy(x) if framework == "torch" else __import__("paddle").to_tensor(x)
    y = spec(tensor)
    assert adapter.is_array(y)
    error = tolerance.error_in_eps(adapter.to_numpy(y), spec.reference(x), "float32", tolerance.scale_of(x))
    assert error <= tolerance.bound_in_eps("float32", [7, 5])


@pytest.mark.parametrize("framework", [n for n, ok in (("torch", HAS_TORCH), ("paddle", HAS_PADDLE)) if ok])
def test_integer_exact_halves_round_up(framework):
    from unisample.adapters import get_adapter

    spec, x, expected = exact_ties()  # answers derived with rational arithmetic
    tensor = __import__("torch").from_numpy(x) if framework == "torch" else __import__("paddle").to_tensor(x)
    np.testing.assert_array_equal(get_adapter(framework).to_numpy(spec(tensor)), expected)


# -- torch -------------------------------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_torch_gradcheck_and_adjoint(spec):
    import torch

    from unisample.adapters.torch import apply_taps

    x = torch.randn(2, 3, 7, 5, dtype=torch.float64, requires_grad=True)
    for path in (spec, lambda t: apply_taps(spec, t)):
        assert torch.autograd.gradcheck(path, (x,))
        y = path(x)
        g = torch.randn_like(y)
        (grad,) = torch.autograd.grad(y, x, g)
        np.testing.assert_allclose(grad.numpy(), adjoint(spec, g.numpy(), (7, 5)), atol=1e-12)


@needs_torch
@pytest.mark.parametrize("spec", SPECS[:3], ids=SPEC_IDS[:3])
def test_to_torch_traces_compiles_and_saves(spec, tmp_path):
    import torch

    module = spec.to_torch()
    assert isinstance(module, torch.nn.Module) and repr(spec) in repr(module)
    x = torch.randn(2, 3, 7, 5)
    expected = spec.reference(x.numpy())
    bound = 1e-5  # float32 on 7x5 inputs; tolerance.bound_in_eps gives 64 eps * max|x| ~ 3e-5
    traced = torch.jit.trace(module, x)
    assert np.abs(traced(x).numpy() - expected).max() < bound
    path = tmp_path / "m.pt"
    torch.save(module, path)
    loaded = torch.load(path, weights_only=False)
    assert loaded.spec == spec and torch.equal(loaded(x), module(x))


@needs_torch
def test_torch_compile():
    import torch

    spec = Upsample(size=(10, 9), mode="lanczos3")
    x = torch.randn(2, 3, 7, 5)
    compiled = torch.compile(spec.to_torch())
    assert np.abs(compiled(x).numpy() - spec.reference(x.numpy())).max() < 1e-5


@needs_torch
@pytest.mark.parametrize("spec", SPECS[:3], ids=SPEC_IDS[:3])
def test_torch_onnx_export_runs_in_onnxruntime(spec):
    import torch

    ort = pytest.importorskip("onnxruntime")
    x = torch.randn(2, 3, 7, 5)
    buffer = io.BytesIO()
    torch.onnx.export(spec.to_torch(), (x,), buffer, dynamo=False, opset_version=17)
    session = ort.InferenceSession(buffer.getvalue())
    (out,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    assert np.abs(out - spec.reference(x.numpy())).max() < 1e-5


@needs_torch
def test_from_torch_modules_and_kwargs():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    x = torch.randn(1, 2, 6, 5)
    cases = [
        (nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
         Upsample(scale_factor=2, mode="bilinear", align_corners=True)),
        (nn.UpsamplingBilinear2d(scale_factor=2), Upsample(scale_factor=2, mode="bilinear", align_corners=True)),
        (nn.UpsamplingNearest2d(size=(9, 4)), Upsample(size=(9, 4))),
        (nn.Upsample(scale_factor=1.5, mode="bicubic", recompute_scale_factor=True),
         Upsample(scale_factor=1.5, mode="bicubic", recompute_scale_factor=True)),
        ({"size": [3, 2], "mode": "bilinear", "antialias": True},
         Upsample(size=(3, 2), mode="bilinear", antialias=True)),
    ]
    for native, expected in cases:
        spec = Upsample.from_torch(native)
        assert spec == expected
        reference_out = native(x) if isinstance(native, nn.Module) else F.interpolate(x, **{
            k: tuple(v) if isinstance(v, list) else v for k, v in native.items()})
        assert np.abs(spec(x).numpy() - reference_out.numpy()).max() < 1e-5
        assert np.abs(spec(x.numpy()) - reference_out.numpy()).max() < 1e-5
    with pytest.raises(TypeError, match=r"from_torch: got torch.nn.modules.conv.Conv2d"):
        Upsample.from_torch(nn.Conv2d(1, 1, 1))
    with pytest.raises(ValueError, match=r"unknown F.interpolate arguments \['sizes'\]"):
        Upsample.from_torch({"sizes": 3})
    with pytest.raises(ValueError, match="align_corners: got True with mode='nearest'"):
        Upsample.from_torch({"size": 3, "mode": "nearest", "align_corners": True})


@needs_torch
def test_from_torch_lanczos_and_the_refusals_torch_makes():
    import torch
    import torch.nn.functional as F

    from unisample.adapters import torch as adapter

    # torch 2.13's lanczos: Pillow's Lanczos-3, antialiased, 4-D, CPU only
    x = torch.randn(2, 3, 17, 13, dtype=torch.float64)
    for size in ((5, 4), (30, 20), (8, 13)):
        spec = Upsample.from_torch({"size": size, "mode": "lanczos", "antialias": True})
        assert spec == Upsample(size=size, mode="lanczos3", antialias=True)
        native = F.interpolate(x, size=size, mode="lanczos", antialias=True).numpy()
        assert np.abs(spec.reference(x) - native).max() < 1e-12
        assert np.abs(spec(x).numpy() - native).max() < 1e-12
        assert adapter.native_kwargs(spec, (17, 13), "float")["mode"] == "lanczos"  # torch's own kernel, verified
    for refused, message in (({"mode": "lanczos"}, "requires antialias=True"),
                             ({"mode": "lanczos", "antialias": False}, "requires antialias=True"),
                             ({"mode": "lanczos", "antialias": True, "align_corners": True}, "torch refuses it")):
        with pytest.raises(ValueError, match=message):
            Upsample.from_torch({"size": (4, 4), **refused})
        with pytest.raises(ValueError):  # torch itself
            F.interpolate(x, size=(4, 4), **refused)
    # recompute_scale_factor=True with a size: torch refuses it, so does from_torch
    with pytest.raises(ValueError, match="recompute_scale_factor"):
        F.interpolate(x, size=(3, 3), mode="bilinear", recompute_scale_factor=True)
    with pytest.raises(ValueError, match="recompute_scale_factor=True with an explicit size; torch refuses it"):
        Upsample.from_torch({"size": (3, 3), "mode": "bilinear", "recompute_scale_factor": True})
    assert Upsample.from_torch({"size": (3, 3), "mode": "bilinear", "recompute_scale_factor": False}) == Upsample(
        size=(3, 3), mode="bilinear")


ANTIALIAS_DEFECT = [((2, 6), (12, 1), "bilinear"), ((3, 6), (5, 1), "bilinear"), ((6, 6), (12, 1), "bicubic"),
                    ((9, 1), (4, 1), "bilinear"), ((12, 8), (3, 1), "lanczos")]


@needs_torch
@pytest.mark.parametrize("in_size, out_size, mode", ANTIALIAS_DEFECT, ids=[str(c) for c in ANTIALIAS_DEFECT])
def test_torch_antialias_defect_is_not_used(in_size, out_size, mode):
    import torch
    import torch.nn.functional as F

    from unisample.adapters import torch as adapter

    x = torch.rand(2, 3, *in_size, dtype=torch.float64)
    spec = Upsample.from_torch({"size": out_size, "mode": mode, "antialias": True})
    native = F.interpolate(x, size=out_size, mode=mode, antialias=True).numpy()
    reference = spec.reference(x)
    # torch's own kernel repeats the first output row: far from the filter
    assert np.abs(native - native[:, :, :1]).max() == 0 and np.abs(native - reference).max() > 0.01
    # (TF's antialiased resize agrees with the reference: tests/test_tensorflow_keras.py)
    assert adapter.native_kwargs(spec, in_size, "float") is None
    assert adapter.native_defect(spec, in_size) is not None
    for y in (spec(x), spec(x.float()), spec.to_torch()(x)):
        assert np.abs(y.double().numpy() - reference).max() < 1e-5
    # one length more or less and the kernel is right again, and used
    fine = Upsample.from_torch({"size": (out_size[0], 2), "mode": mode, "antialias": True})
    assert adapter.native_kwargs(fine, in_size, "float") is not None and adapter.native_defect(fine, in_size) is None


@needs_torch
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_torch_half_precision_and_integers(spec):
    import torch

    x = np.random.default_rng(0).standard_normal((2, 3, 7, 5)).astype(np.float32)
    for dtype, name in ((torch.float16, "float16"), (torch.bfloat16, "bfloat16")):
        t = torch.from_numpy(x).to(dtype)
        y = spec(t)
        assert y.dtype == dtype
        reference = spec.reference(t.float().numpy())
        resized = [7, 5]
        assert tolerance.error_in_eps(y.float().numpy(), reference, name, tolerance.scale_of(x)) <= \
            tolerance.bound_in_eps(name, resized)
    u8 = np.random.default_rng(1).integers(0, 256, (2, 3, 7, 5), dtype=np.uint8)
    y = spec(torch.from_numpy(u8))
    assert y.dtype == torch.uint8
    np.testing.assert_array_equal(y.numpy(), spec(u8))  # the same integer rule as numpy


@needs_torch
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_torch_layouts_noncontiguous_and_empty_batch(spec):
    import torch

    x = torch.randn(2, 3, 7, 5)
    expected = spec(x)
    # channels_last memory format, and a non-contiguous view
    assert torch.allclose(spec(x.contiguous(memory_format=torch.channels_last)), expected, atol=1e-6)
    wide = torch.randn(2, 3, 7, 10)[..., ::2]
    assert not wide.is_contiguous()
    assert torch.allclose(spec(wide), spec(wide.contiguous()), atol=1e-6)
    # channels-last data format on an NHWC tensor
    nhwc = Upsample.from_dict({**spec.to_dict(), "data_format": "channels_last"})
    assert torch.allclose(nhwc(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2), expected, atol=1e-6)
    # empty batch
    empty = spec(torch.randn(0, 3, 7, 5))
    assert tuple(empty.shape) == (0,) + tuple(expected.shape[1:])


@needs_torch
@pytest.mark.skipif(not HAS_TORCH or not __import__("torch").cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_torch_cuda_stays_on_device(spec):
    import torch

    x = torch.randn(2, 3, 7, 5, device="cuda")
    y = spec(x)
    assert y.device == x.device
    assert np.abs(y.cpu().numpy() - spec.reference(x.cpu().numpy())).max() < 1e-5


# -- paddle ---------------------------------------------------------------------------------


@needs_paddle
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_paddle_backward_is_the_adjoint(spec):
    import paddle

    from unisample.adapters.paddle import apply_taps

    data = np.random.default_rng(2).standard_normal((2, 3, 7, 5))
    for path in (spec, lambda t: apply_taps(spec, t)):
        x = paddle.to_tensor(data, dtype="float64", stop_gradient=False)
        y = path(x)
        g = np.random.default_rng(3).standard_normal(y.shape)
        (y * paddle.to_tensor(g)).sum().backward()
        # paddle's own kernels compute coordinates in float32 even for float64
        # tensors: the tolerance module's coordinate term covers exactly that.
        error = tolerance.error_in_eps(x.grad.numpy(), adjoint(spec, g, (7, 5)), "float64", tolerance.scale_of(g))
        assert error <= tolerance.bound_in_eps("float64", [7, 5])


@needs_paddle
@pytest.mark.parametrize("spec", SPECS[:3], ids=SPEC_IDS[:3])
def test_to_paddle_layer_and_to_static(spec):
    import paddle

    layer = spec.to_paddle()
    assert isinstance(layer, paddle.nn.Layer) and repr(spec) in repr(layer)
    x = paddle.randn([2, 3, 7, 5])
    expected = spec.reference(x.numpy())
    static = paddle.jit.to_static(spec.to_paddle())
    for out in (layer(x), static(x)):
        assert np.abs(out.numpy() - expected).max() < 1e-5


@needs_paddle
def test_from_paddle_layers_and_kwargs():
    import paddle
    import paddle.nn as nn
    import paddle.nn.functional as F

    x = paddle.randn([1, 2, 6, 5])
    cases = [
        (nn.Upsample(scale_factor=2, mode="bilinear", align_mode=1),
         Upsample(scale_factor=2, mode="bilinear", coordinate_transform="asymmetric", same_size_copy="all_axes",
                  data_format="NCHW")),
        (nn.UpsamplingBilinear2D(size=(9, 4)),
         Upsample(size=(9, 4), mode="bilinear", align_corners=True, data_format="NCHW")),
        (nn.UpsamplingNearest2D(scale_factor=3),
         Upsample(scale_factor=3, same_size_copy="all_axes", data_format="NCHW")),
        (nn.Upsample(size=(1, 3), mode="bicubic"),
         Upsample(size=(1, 3), mode="bicubic", coordinate_transform="paddle_half_pixel", data_format="NCHW")),
    ]
    for native, expected in cases:
        spec = Upsample.from_paddle(native)
        assert spec == expected
        native_out = native(x).numpy()
        assert np.abs(spec(x).numpy() - native_out).max() < 1e-5
        assert np.abs(spec(x.numpy()) - native_out).max() < 1e-5
    kwargs = {"size": [3, 7], "mode": "bilinear", "align_mode": 1, "data_format": "NHWC"}
    nhwc = paddle.randn([1, 6, 5, 2])
    assert np.abs(Upsample.from_paddle(kwargs)(nhwc.numpy()) - F.interpolate(nhwc, **kwargs).numpy()).max() < 1e-5
    with pytest.raises(TypeError, match=r"from_paddle: got paddle.nn.layer.conv.Conv2D"):
        Upsample.from_paddle(nn.Conv2D(1, 1, 1))
    with pytest.raises(ValueError, match=r"unknown interpolate arguments \['align'\]"):
        Upsample.from_paddle({"size": 3, "align": True})
    with pytest.raises(ValueError, match="align_mode: got 2"):
        Upsample.from_paddle({"size": [3, 3], "mode": "bilinear", "align_mode": 2})
    with pytest.raises(ValueError, match="refuses scale_factor with mode='area'"):
        Upsample.from_paddle({"scale_factor": 0.5, "mode": "area"})


@needs_paddle
@pytest.mark.parametrize("spec", SPECS, ids=SPEC_IDS)
def test_paddle_dtypes_and_empty_batch(spec):
    import paddle

    u8 = np.random.default_rng(1).integers(0, 256, (2, 3, 7, 5), dtype=np.uint8)
    y = spec(paddle.to_tensor(u8))
    assert str(y.dtype).endswith("uint8")
    np.testing.assert_array_equal(y.numpy(), spec(u8))  # rounds (paddle's own op truncates)
    x64 = np.random.default_rng(4).standard_normal((2, 3, 7, 5))
    y64 = spec(paddle.to_tensor(x64))
    assert str(y64.dtype).endswith("float64")
    error = tolerance.error_in_eps(y64.numpy(), spec.reference(x64), "float64", tolerance.scale_of(x64))
    assert error <= tolerance.bound_in_eps("float64", [7, 5])
    x = np.random.default_rng(5).standard_normal((2, 3, 7, 5)).astype(np.float32)
    for name in ("float16", "bfloat16"):
        t = paddle.to_tensor(x).astype(name)
        y = spec(t)
        assert str(y.dtype).endswith(name)
        reference = spec.reference(t.astype("float32").numpy())
        error = tolerance.error_in_eps(y.astype("float32").numpy(), reference, name, tolerance.scale_of(x))
        assert error <= tolerance.bound_in_eps(name, [7, 5])
    empty = spec(paddle.zeros([0, 3, 7, 5]))
    assert tuple(empty.shape) == (0,) + tuple(spec.output_shape((2, 3, 7, 5))[1:])
