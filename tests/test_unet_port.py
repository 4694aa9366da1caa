"""A U-Net-like decoder ported from torch to Keras and Paddle with ``unisample port``,
end to end, and ``unisample scan`` on torch, Keras, paddle and ONNX models.

The decoder has three upsampling layers of mixed modes (bilinear with
align_corners, nearest, bicubic by a non-integer 1.5) with convolutions and
skip connections between them.  Each port is compared with the float64 torch
run within ``tolerance.chain_bound`` (every stage's own bound, carried through
the gains of the stages after it), so the float32 torch original and each
port are within twice that of each other.
"""

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from unisample import Upsample, porting, scanning, tolerance

HAS = {name: importlib.util.find_spec(name) is not None for name in ("torch", "paddle", "keras", "onnx")}
pytestmark = pytest.mark.skipif(not HAS["torch"], reason="torch is not installed")

UPSAMPLERS = [dict(scale_factor=2, mode="bilinear", align_corners=True), dict(scale_factor=2, mode="nearest"),
              dict(scale_factor=1.5, mode="bicubic")]
CHANNELS = [(8, 6), (6, 5), (5, 3)]  # conv k: (channels coming up, channels out); each skip brings 4
SKIP = 4


def decoder_class():
    import torch
    from torch import nn

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.ups = nn.ModuleList(nn.Upsample(**kw) for kw in UPSAMPLERS)
            self.convs = nn.ModuleList(nn.Conv2d(c + SKIP, out, 3, padding=1) for c, out in CHANNELS)
            generator = torch.Generator().manual_seed(0)
            with torch.no_grad():
                for conv in self.convs:
                    w = torch.randn(conv.weight.shape, generator=generator, dtype=torch.float64)
                    # sum |w| = 0.9 per output: the stage's gain (tolerance.chain_bound)
                    w = 0.9 * w / w.abs().sum(dim=(1, 2, 3), keepdim=True)
                    conv.weight.copy_(w)
                    conv.bias.copy_(0.1 * torch.randn(conv.bias.shape, generator=generator, dtype=torch.float64))

        def forward(self, h, s1, s2, s3, trace=None):
            for k, (up, conv, skip) in enumerate(zip(self.ups, self.convs, (s1, s2, s3))):
                u = up(h)
                c = torch.cat([u, skip], dim=1)
                if trace is not None:
                    trace += [h, c]
                h = conv(c)
                if k < 2:
                    h = torch.relu(h)
            return h

    return Decoder


def inputs():
    rng = np.random.default_rng(1)
    h = rng.standard_normal((2, 8, 5, 4))
    skips = [rng.standard_normal((2, SKIP) + size) for size in ((10, 8), (20, 16), (30, 24))]
    return [a.astype(np.float32) for a in [h, *skips]]


def ported_layer(module, target):
    """The layer ``unisample port`` prints for ``target``, built by running the printed code."""
    _, (answer,) = porting.port(Upsample.from_torch(module), to=[target])
    namespace = {}
    exec(answer.code, namespace)
    return answer.status, namespace["resize"]


def chain_bound(model, xs):
    """tolerance.chain_bound for the decoder on ``xs``, from its float64 run."""
    import torch

    trace = []
    with torch.no_grad():
        model.double()(*[torch.from_numpy(x.astype(np.float64)) for x in xs], trace=trace)
    stages = []
    for k, (module, conv) in enumerate(zip(model.ups, model.convs)):
        h, c = trace[2 * k].numpy(), trace[2 * k + 1].numpy()
        spec = Upsample.from_torch(module)
        size = h.shape[2:]
        taps = spec.taps(size)
        gain = float(np.prod([np.abs(t.matrix()).sum(axis=1).max() for t in taps if t is not None]))
        own = 0.0 if spec.kernel == "nearest" else tolerance.bound_in_eps("float32", size)
        stages.append((own, tolerance.scale_of(h), gain))
        w = conv.weight.detach().numpy()
        fan_in = w[0].size + 1  # bias included
        stages.append((tolerance.dot_product_bound_in_eps(fan_in), tolerance.scale_of(c),
                       float(np.abs(w).sum(axis=(1, 2, 3)).max())))
    model.float()
    return tolerance.chain_bound("float32", stages), trace


def torch_run(model, xs, dtype):
    import torch

    with torch.no_grad():
        return model.to(dtype)(*[torch.from_numpy(x.astype(dtype_np(dtype))) for x in xs]).numpy()


def dtype_np(dtype):
    import torch

    return np.float64 if dtype == torch.float64 else np.float32


@pytest.fixture(scope="module")
def decoder():
    import torch

    model = decoder_class()().eval()
    xs = inputs()
    bound, _ = chain_bound(model, xs)
    exact = torch_run(model, xs, torch.float64)
    original = torch_run(model, xs, torch.float32)
    return model, xs, bound, exact, original


@pytest.mark.skipif(not HAS["keras"], reason="keras is not installed")
def test_decoder_ported_to_keras_gives_torch_numbers(decoder):
    import keras

    model, xs, bound, exact, original = decoder
    nhwc = lambda a: np.moveaxis(a, 1, -1)  # noqa: E731
    ins = [keras.Input(shape=nhwc(x).shape[1:]) for x in xs]
    statuses, layers = zip(*(ported_layer(module, "keras") for module in model.ups))
    rebuilt = keras.Model(ins, keras_decoder(model, ins, layers))
    ported = np.moveaxis(np.asarray(rebuilt([nhwc(x) for x in xs])), -1, 1)
    # bilinear align_corners and bicubic x1.5 need unisample in Keras; nearest x2 is UpSampling2D
    assert list(statuses) == ["unisample", "native", "unisample"]
    assert np.abs(ported - exact).max() <= bound
    assert np.abs(original - exact).max() <= bound
    assert np.abs(ported - original).max() <= 2 * bound
    # and without unisample, Keras' own layers (same nominal modes) fail that check; UpSampling2D
    # cannot do 1.5, so the nearest a porter could write for the last one is Resizing
    naive_layers = [keras.layers.UpSampling2D(size=2, interpolation="bilinear"),
                    keras.layers.UpSampling2D(size=2, interpolation="nearest"),
                    keras.layers.Resizing(30, 24, interpolation="bicubic")]
    naive = keras.Model(ins, keras_decoder(model, ins, naive_layers))
    assert np.abs(np.moveaxis(np.asarray(naive([nhwc(x) for x in xs])), -1, 1) - exact).max() > 2 * bound


def keras_decoder(model, ins, upsamplers):
    """The torch decoder in Keras (NHWC) with these upsampling layers and the torch convolutions' weights."""
    import keras

    h = ins[0]
    for k, (upsample, conv, skip) in enumerate(zip(upsamplers, model.convs, ins[1:])):
        h = keras.layers.Concatenate(axis=-1)([upsample(h), skip])
        keras_conv = keras.layers.Conv2D(conv.out_channels, 3, padding="same")
        h = keras_conv(h)
        keras_conv.set_weights([np.transpose(conv.weight.detach().numpy(), (2, 3, 1, 0)),
                                conv.bias.detach().numpy()])
        if k < 2:
            h = keras.layers.ReLU()(h)
    return h


@pytest.mark.skipif(not HAS["paddle"], reason="paddle is not installed")
def test_decoder_ported_to_paddle_gives_torch_numbers(decoder):
    import paddle

    model, xs, bound, exact, original = decoder
    layers, statuses = [], []
    for module in model.ups:
        status, layer = ported_layer(module, "paddle")
        statuses.append(status)
        layers.append(layer)
    convs = []
    for conv in model.convs:
        p = paddle.nn.Conv2D(conv.in_channels, conv.out_channels, 3, padding=1)
        p.weight.set_value(conv.weight.detach().numpy())
        p.bias.set_value(conv.bias.detach().numpy())
        convs.append(p)
    h, *skips = [paddle.to_tensor(x) for x in xs]
    for k, (layer, conv, skip) in enumerate(zip(layers, convs, skips)):
        h = conv(paddle.concat([layer(h), skip], axis=1))
        if k < 2:
            h = paddle.nn.functional.relu(h)
    ported = h.numpy()
    assert statuses == ["native", "native", "native"]  # paddle's interpolate computes torch's numbers here
    assert np.abs(ported - exact).max() <= bound
    assert np.abs(ported - original).max() <= 2 * bound


# -- scan -----------------------------------------------------------------------------------


def test_scan_torch_decoder_and_rewrite(decoder):
    import torch

    model, xs, bound, exact, original = decoder
    found = scanning.scan(model)
    assert [f.where for f in found] == ["ups.0", "ups.1", "ups.2"]
    assert [f.spec for f in found] == [Upsample(**kw) for kw in UPSAMPLERS]
    assert found[0].verdicts["keras"] == "needs unisample" and found[1].verdicts["keras"] == "native ok"
    assert found[0].verdicts["onnx"] == "native ok"
    text = scanning.render(found)
    assert "3 resize op(s)" in text and "needs unisample" in text
    copy = decoder_class()().eval()
    copy.load_state_dict(model.state_dict())
    scanning.rewrite(copy)
    assert all(type(m).__module__ == "unisample.adapters.torch.layers" for m in copy.ups)
    assert [f.what for f in scanning.scan(copy)] == ["unisample layer"] * 3
    assert np.abs(torch_run(copy, xs, torch.float32) - exact).max() <= bound


def test_scan_finds_f_interpolate_inside_forward():
    import torch
    import torch.nn.functional as F

    class Head(torch.nn.Module):
        def forward(self, x):
            return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False) + \
                F.interpolate(x, size=(8, 8), mode="nearest")

    found = scanning.scan(Head(), to=["keras"])
    assert [(f.what, f.spec) for f in found] == [
        ("F.interpolate", Upsample(scale_factor=2.0, mode="bilinear")),
        ("F.interpolate", Upsample(size=(8, 8)))]
    assert [f.verdicts["keras"] for f in found] == ["native ok", "needs unisample"]


@pytest.mark.skipif(not HAS["onnx"], reason="onnx is not installed")
def test_scan_onnx_export_of_the_decoder(decoder, tmp_path):
    import torch

    model, xs, *_ = decoder
    path = tmp_path / "decoder.onnx"
    torch.onnx.export(model, tuple(torch.from_numpy(x) for x in xs), str(path), dynamo=False, opset_version=17)
    found = scanning.scan(str(path))
    assert [f.spec for f in found] == [Upsample.from_dict({**Upsample(**kw).to_dict(), "scale_factor": (2.0, 2.0) if
                                       kw["scale_factor"] == 2 else (1.5, 1.5), "same_size_copy": "never"})
                                       for kw in UPSAMPLERS]
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "scan", str(path), "--to", "keras,paddle"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "3 resize op(s)" in proc.stdout and "onnx Resize" in proc.stdout


@pytest.mark.skipif(not HAS["paddle"], reason="paddle is not installed")
def test_scan_paddle_layer():
    import paddle

    net = paddle.nn.Sequential(paddle.nn.Upsample(scale_factor=2, mode="bilinear", align_mode=1),
                               paddle.nn.UpsamplingBilinear2D(scale_factor=2))
    found = scanning.scan(net, to=["torch"])
    assert [f.what for f in found] == ["paddle.nn.Upsample", "paddle.nn.UpsamplingBilinear2D"]
    assert [f.where for f in found] == ["0", "1"]
    assert [f.verdicts["torch"] for f in found] == ["needs unisample", "native ok"]


@pytest.mark.skipif(not HAS["keras"], reason="keras is not installed")
def test_scan_keras_file_and_rewrite_it(tmp_path):
    import keras

    x = keras.Input((6, 5, 3))
    y = keras.layers.UpSampling2D(size=2, interpolation="bicubic")(x)
    y = keras.layers.Conv2D(2, 3, padding="same")(y)
    y = keras.layers.Resizing(7, 9, interpolation="lanczos3")(y)
    model = keras.Model(x, y)
    path, rewritten = tmp_path / "m.keras", tmp_path / "rewritten.keras"
    model.save(path)
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "scan", str(path), "--to", "torch,paddle,onnx",
                           "--rewrite", str(rewritten)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    row = next(line for line in lines if "keras.layers.Resizing" in line)
    assert "needs unisample" in row and "cannot be expressed" in row  # lanczos3: no torch, paddle or ONNX op
    import unisample.adapters.tensorflow.layers  # noqa: F401

    loaded = keras.models.load_model(rewritten)
    assert [type(layer).__module__ for layer in loaded.layers if "Conv" not in type(layer).__name__][1:] == \
        ["unisample.adapters.tensorflow.layers"] * 2
    data = np.random.default_rng(0).standard_normal((2, 6, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(loaded(data)), np.asarray(model(data)), rtol=0, atol=1e-5)


def test_scan_cli_imports_a_model_builder(tmp_path):
    (tmp_path / "mymodels.py").write_text(textwrap.dedent("""
        import torch
        def build():
            return torch.nn.Sequential(torch.nn.Upsample(scale_factor=2, mode="bicubic"))
    """))
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "scan", "mymodels:build", "--to", "keras"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "1 resize op(s)" in proc.stdout and "needs unisample" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "scan", "mymodels:nothing"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and "unisample scan:" in proc.stderr
