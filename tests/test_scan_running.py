"""``unisample scan`` by running a model: every resize found as it executes.

The decoders below reproduce what real segmentation decoders do and what a
static scan cannot read: ``forward`` branches on a shape (``torch.fx`` cannot
trace it), one ``interpolate`` runs in a loop, sizes come from a skip
connection's or the input's shape, and a resize module sits among them.  The
calls are counted here by patching ``interpolate`` (independently of
unisample), and each recorded spec, applied by unisample to the input that
call received, must give the framework's own output for it.

The builders are module-level functions so that the command line can name
them (``tests.test_scan_running:torch_decoder``); they import their
framework only when called.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from unisample import Upsample, scanning, tolerance

ROOT = Path(__file__).resolve().parent.parent
SHAPE = (1, 3, 8, 8)
#: rows the decoders' resizes fall into, in the order they first run, and the calls of each
ROW_CALLS = [1, 2, 1, 1]


def torch_decoder():
    """A torch decoder ``torch.fx`` cannot trace, with 5 resize calls in 4 places."""
    import torch
    import torch.nn.functional as F

    class Decoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = torch.nn.ModuleList([torch.nn.Conv2d(3, 3, 3, padding=1) for _ in range(2)])
            self.up = torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)

        def forward(self, x):
            skip = x
            y = F.interpolate(x, scale_factor=2.0, mode="nearest")
            if x.shape[-1] > 8:  # a branch on a shape: torch.fx cannot trace it
                y = y * 0.5
            for conv in self.convs:  # runs twice: 16 -> 5 -> 8, then 8 -> 2 -> 8
                y = F.interpolate(F.avg_pool2d(conv(y), 3), size=skip.shape[-2:], mode="bilinear",
                                  align_corners=False)
            y = self.up(y)
            return F.interpolate(y, size=x.shape[-2:])

    torch.manual_seed(0)
    return Decoder().eval()


def paddle_decoder():
    """The same decoder in paddle, ``paddle.nn.functional.interpolate`` in ``forward``."""
    import paddle
    import paddle.nn.functional as F

    class Decoder(paddle.nn.Layer):
        def __init__(self):
            super().__init__()
            self.convs = paddle.nn.LayerList([paddle.nn.Conv2D(3, 3, 3, padding=1) for _ in range(2)])
            self.up = paddle.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)

        def forward(self, x):
            skip = x
            y = F.interpolate(x, scale_factor=2.0, mode="nearest")
            if x.shape[-1] > 8:
                y = y * 0.5
            for conv in self.convs:
                y = F.interpolate(F.avg_pool2d(conv(y), 3), size=skip.shape[-2:], mode="bilinear",
                                  align_corners=False)
            y = self.up(y)
            return F.interpolate(y, size=x.shape[-2:])

    paddle.seed(0)
    model = Decoder()
    model.eval()
    return model


def _counted(module, run):
    """``run()`` with ``module.interpolate`` counting its calls: ``[(input, output)]`` as numpy."""
    original, calls = module.interpolate, []

    def counting(*args, **kwargs):
        out = original(*args, **kwargs)
        calls.append((args[0].numpy(), out.numpy()))
        return out

    module.interpolate = counting
    try:
        run()
    finally:
        module.interpolate = original
    return calls


def _check_rows(found, calls, to_numpy, from_numpy):
    """Rows and calls agree: one row per place, ``calls`` summing to the count,
    and each row's spec reproducing the native output of each of its calls."""
    assert sum(f.calls for f in found) == len(calls) == sum(ROW_CALLS)
    assert [f.calls for f in found] == ROW_CALLS
    assert all(f.spec is not None and f.site.startswith("tests/test_scan_running.py:") for f in found)
    assert len({f.site for f in found}) == len(found)
    rows = [f for f in found for _ in range(f.calls)]  # the loop's two calls are consecutive
    for row, (x, native) in zip(rows, calls):
        assert x.shape in row.shapes
        ours = to_numpy(row.spec(from_numpy(x)))
        passed, error, bound, message = tolerance.compare(row.spec, x, ours, native)
        assert passed, (row, message)


def test_torch_scan_by_running_finds_every_call():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    model = torch_decoder()
    x = torch.from_numpy(np.random.default_rng(1).standard_normal(SHAPE).astype(np.float32))
    with torch.no_grad():
        calls = _counted(F, lambda: model(x))
    found = scanning.scan(model, to=["keras", "onnx"], example_input=x)
    _check_rows(found, calls, lambda t: t.numpy(), torch.from_numpy)
    assert [f.where for f in found] == ["(root)", "(root)", "up", "(root)"]
    assert [f.what for f in found] == ["F.interpolate", "F.interpolate", "torch.nn.Upsample", "F.interpolate"]
    assert found[1].shapes == ((1, 3, 5, 5), (1, 3, 2, 2))
    assert found[3].spec.size == (8, 8)  # size=x.shape[-2:]: known by running
    assert set(found[0].verdicts) == {"keras", "onnx"}
    assert all(not m._forward_pre_hooks and not m._forward_hooks for m in model.modules())
    assert F.interpolate(x, scale_factor=2.0).shape == (1, 3, 16, 16)  # no mode left behind
    text = scanning.render(found)
    assert "4 resize op(s), 5 call(s) run" in text and "input shapes" in text and "1x3x5x5, 1x3x2x2" in text
    # a numpy input is converted by the adapter
    assert [f.calls for f in scanning.scan(model, example_input=x.numpy())] == ROW_CALLS


def test_torch_static_scan_says_what_it_could_not_trace():
    pytest.importorskip("torch")
    found = scanning.scan(torch_decoder(), to=["onnx"])
    assert [(f.where, f.what) for f in found] == [("up", "torch.nn.Upsample"), ("(forward)", "F.interpolate")]
    assert found[1].spec is None and found[1].verdicts == {"onnx": "unreadable"}
    assert found[1].error.startswith("call sites not analysed: torch.fx could not trace forward (TraceError: ")
    assert found[1].error.endswith("pass --input-shape to scan by running")
    text = scanning.render(found)
    assert "1 resize op(s); 1 place(s) not analysed" in text and "0 resize op(s)" not in text


def test_torch_static_scan_of_a_computed_size_names_the_way_out():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    class Head(torch.nn.Module):
        def forward(self, x, skip):
            return F.interpolate(x, size=skip.shape[-2:], mode="bilinear")

    (found,) = scanning.scan(Head(), to=["onnx"])
    assert found.spec is None and "pass --input-shape to scan by running" in found.error


def test_paddle_scan_by_running_finds_every_call():
    paddle = pytest.importorskip("paddle")
    import paddle.nn.functional as F

    model = paddle_decoder()
    data = np.random.default_rng(1).standard_normal(SHAPE).astype(np.float32)
    x = paddle.to_tensor(data)
    original = F.interpolate
    with paddle.no_grad():
        calls = _counted(F, lambda: model(x))
    found = scanning.scan(model, to=["torch", "onnx"], example_input=x)
    assert F.interpolate is original and paddle.nn.functional.common.interpolate is original
    _check_rows(found, calls, lambda t: t.numpy(), paddle.to_tensor)
    assert [f.where for f in found] == ["(root)", "(root)", "up", "(root)"]
    assert [f.what for f in found] == ["F.interpolate", "F.interpolate", "paddle.nn.Upsample", "F.interpolate"]
    assert found[3].spec.size == (8, 8)
    assert all(not layer._forward_pre_hooks and not layer._forward_post_hooks for layer in model.sublayers())
    assert [f.calls for f in scanning.scan(model, example_input=data)] == ROW_CALLS


def test_paddle_static_scan_says_functional_calls_need_a_run():
    pytest.importorskip("paddle")
    found = scanning.scan(paddle_decoder(), to=["torch"])
    assert [(f.where, f.what) for f in found] == [("up", "paddle.nn.Upsample"), ("(forward)", "F.interpolate")]
    assert "only found by running; pass --input-shape" in found[1].error


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "unisample.cli", "scan", *args], capture_output=True, text=True,
                          cwd=ROOT)


def test_cli_scans_by_running():
    pytest.importorskip("torch")
    proc = _cli("tests.test_scan_running:torch_decoder", "--input-shape", "1,3,8,8", "--to", "keras,onnx")
    assert proc.returncode == 0, proc.stderr
    assert "4 resize op(s), 5 call(s) run" in proc.stdout
    assert "tests/test_scan_running.py:" in proc.stdout and "calls" in proc.stdout


@pytest.mark.parametrize("args, message", [
    (["--input-shape", "1,3,x,8"], "argument --input-shape: got '1,3,x,8'"),
    (["--input-shape", "1,3,0,8"], "argument --input-shape: got '1,3,0,8'"),
    (["--input-shape", "1,3,8,8", "--dtype", "int8"], "argument --dtype: got 'int8'"),
    (["--input-shape", "1,3"], "running tests.test_scan_running:torch_decoder on a random 1,3 float32 input"),
])
def test_cli_bad_input_shape_is_one_line_with_status_2(args, message):
    pytest.importorskip("torch")
    proc = _cli("tests.test_scan_running:torch_decoder", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if not line.startswith(("usage:", " "))]) == 1, \
        proc.stderr


def test_torch_run_records_unisample_layers_once_not_their_inner_calls():
    torch = pytest.importorskip("torch")

    model = torch.nn.Sequential(torch.nn.Upsample(scale_factor=2, mode="bicubic"), torch.nn.Conv2d(3, 3, 1))
    scanning.rewrite(model)
    found = scanning.scan(model, to=["onnx"], example_input=torch.zeros(SHAPE))
    assert [(f.where, f.what, f.calls, f.shapes) for f in found] == [("0", "unisample layer", 1, (SHAPE,))]


def test_onnx_input_shape_fixes_dynamic_sizes(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")

    class Head(torch.nn.Module):
        def forward(self, x):
            return torch.nn.functional.interpolate(x, size=(x.shape[-2] * 2, x.shape[-1] * 2))

    path = str(tmp_path / "head.onnx")
    torch.onnx.export(Head(), (torch.zeros(SHAPE),), path, dynamo=False, input_names=["x"],
                      dynamic_axes={"x": {2: "h", 3: "w"}})
    assert scanning.scan(path, to=["torch"])[0].spec is None
    (found,) = scanning.scan(path, to=["torch"], example_input=np.zeros((1, 3, 5, 6), np.float32))
    assert found.spec.size == (10, 12)
    proc = _cli(path, "--input-shape", "1,3,5,6", "--to", "torch")
    assert proc.returncode == 0 and "size=(10, 12)" in proc.stdout, proc.stderr


def keras_decoder():
    """A Keras model with resizes a static scan cannot see: a nested model's
    layer, ``ops.image.resize`` in a ``Lambda`` and in a subclassed model's
    ``call``, a layer created inside that ``call``, and a top-level layer."""
    import keras
    from keras import layers, ops

    keras.utils.set_random_seed(0)
    inner = keras.Sequential([layers.Conv2D(3, 3, padding="same"),
                              layers.UpSampling2D(2, interpolation="bilinear", name="up")], name="inner")

    class Head(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.conv = layers.Conv2D(3, 1)

        def call(self, x):
            y = ops.image.resize(self.conv(x), (5, 5), interpolation="bicubic")
            return layers.Resizing(8, 8, interpolation="nearest", name="made_in_call")(y)

    inputs = keras.Input((8, 8, 3))
    y = inner(inputs)
    y = layers.Lambda(lambda t: ops.image.resize(t, (8, 8), interpolation="bilinear", antialias=True),
                      name="shrink")(y)
    y = Head(name="head")(y)
    return keras.Model(inputs, layers.UpSampling2D(2, name="out")(y))


#: (where, kind) of the rows keras_decoder's resizes fall into, in the order they run
KERAS_ROWS = [("inner/up", "keras.layers.UpSampling2D"), ("shrink", "keras.ops.image.resize"),
              ("head", "keras.ops.image.resize"), ("head/made_in_call", "keras.layers.Resizing"),
              ("out", "keras.layers.UpSampling2D")]


def _keras_counted(run, replace=None):
    """``run()`` with Keras' resize layers' ``call`` and ``keras.ops.image.resize``
    counting their calls (outermost only): ``[(input, output)]`` as numpy.
    ``replace(index, input)``, where it returns an array, gives that call's output instead."""
    import keras

    calls, depth = [], [0]

    def counting(original):
        def wrapper(*args, **kwargs):
            data = args[1] if isinstance(args[0], keras.layers.Layer) else args[0]
            depth[0] += 1
            try:
                out = original(*args, **kwargs)
            finally:
                depth[0] -= 1
            if not depth[0]:
                calls.append((np.asarray(data), np.asarray(out)))
                other = replace(len(calls) - 1, np.asarray(data)) if replace else None
                if other is not None:
                    return keras.ops.convert_to_tensor(other)
            return out
        return wrapper

    originals = {cls: cls.call for cls in (keras.layers.UpSampling2D, keras.layers.Resizing)}
    resize = keras.ops.image.resize
    try:
        for cls, call in originals.items():
            cls.call = counting(call)
        keras.ops.image.resize = counting(resize)
        run()
    finally:
        for cls, call in originals.items():
            cls.call = call
        keras.ops.image.resize = resize
    return calls


def test_keras_scan_by_running_finds_every_call():
    pytest.importorskip("tensorflow")
    import keras

    model = keras_decoder()
    x = np.random.default_rng(1).standard_normal((1, 8, 8, 3)).astype(np.float32)
    calls = _keras_counted(lambda: model(x, training=False))
    found = scanning.scan(model, to=["torch", "onnx"], example_input=x)
    assert [(f.where, f.what) for f in found] == KERAS_ROWS
    assert [f.calls for f in found] == [1] * len(KERAS_ROWS) and len(calls) == len(KERAS_ROWS)
    for row, (data, native) in zip(found, calls):
        assert row.shapes == (data.shape,)
        passed, error, bound, message = tolerance.compare(row.spec, data, row.spec(data), native)
        assert passed, (row, message)
    # the lines of the model that called them; a layer a Keras container called has none
    assert [f.site.split(":")[0] for f in found] == ["", "tests/test_scan_running.py", "tests/test_scan_running.py",
                                                     "tests/test_scan_running.py", ""]
    assert keras.layers.Layer.__call__.__module__.startswith("keras.")  # nothing left patched
    assert keras.ops.image.resize.__module__ == "keras.src.ops.image"
    assert found[2].verdicts == {"torch": "needs unisample", "onnx": "cannot be expressed"}  # TF's 1024-entry table


def test_keras_static_scan_says_what_only_a_run_sees():
    pytest.importorskip("tensorflow")
    found = scanning.scan(keras_decoder(), to=["torch"])
    assert [(f.where, f.what) for f in found] == [KERAS_ROWS[0], KERAS_ROWS[4], ("(call)", "keras.ops.image.resize")]
    assert found[2].spec is None and "inside the code of shrink, head (Lambda or a subclassed call)" in found[2].error
    assert "2 resize op(s); 1 place(s) not analysed" in scanning.render(found)


def test_cli_scans_a_keras_model_by_running():
    pytest.importorskip("tensorflow")
    proc = _cli("tests.test_scan_running:keras_decoder", "--input-shape", "1,8,8,3", "--to", "torch")
    assert proc.returncode == 0, proc.stderr
    assert "5 resize op(s), 5 call(s) run" in proc.stdout and "head/made_in_call" in proc.stdout


def risky_decoder(channels=3):
    """A torch decoder whose naive Keras port changes its output: align_corners
    bilinear (Keras' UpSampling2D maps half-pixel) and a=-0.75 bicubic (Keras'
    Resizing is a=-0.5 with TF's table); the nearest x2 ports exactly."""
    import torch
    import torch.nn.functional as F

    class Decoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(3, channels, 3, padding=1)

        def forward(self, x):
            y = F.interpolate(self.conv(x), scale_factor=2, mode="bilinear", align_corners=True)
            y = F.interpolate(torch.relu(y), size=x.shape[-2:], mode="bicubic", align_corners=False)
            return F.interpolate(y, scale_factor=2, mode="nearest")

    torch.manual_seed(0)
    return Decoder().eval()


#: what a port by hand to Keras writes for each resize of risky_decoder (of the input's NHWC shape)
KERAS_BY_HAND = [
    lambda keras, shape: keras.layers.UpSampling2D(2, interpolation="bilinear"),
    lambda keras, shape: keras.layers.Resizing(shape[1] // 2, shape[2] // 2, interpolation="bicubic"),
    lambda keras, shape: keras.layers.UpSampling2D(2),
]


def _ported_by_hand(model, x, only=None):
    """``model(x)`` with its ``F.interpolate`` calls (the ``only``-th, all for
    None, none for -1) done by the real Keras layers a port by hand writes
    (``KERAS_BY_HAND``, on NHWC numpy), not by unisample; and per call, the
    |difference| of its Keras output from torch's own on that call's input, and
    the input's ``tolerance.scale_of``."""
    import keras
    import torch
    import torch.nn.functional as F

    original, count, diffs = F.interpolate, [0], []

    def keras_interpolate(t, *args, **kwargs):
        index = count[0]
        count[0] += 1
        native = original(t, *args, **kwargs)
        nhwc = t.numpy().transpose(0, 2, 3, 1)
        ported = np.asarray(KERAS_BY_HAND[index](keras, nhwc.shape)(nhwc)).transpose(0, 3, 1, 2)
        diffs.append((np.abs(ported.astype(np.float64) - native.numpy()), tolerance.scale_of(t.numpy())))
        return torch.from_numpy(np.ascontiguousarray(ported)) if only in (None, index) else native

    F.interpolate = keras_interpolate
    try:
        with torch.no_grad():
            return model(x).numpy(), diffs
    finally:
        F.interpolate = original


def _gain(spec, shape):
    """The infinity norm of ``spec`` on an input of ``shape``: the product of its axes' (separable)."""
    return float(np.prod([np.abs(t.matrix()).sum(axis=1).max() for t in spec.taps(shape[2:]) if t is not None]))


def test_port_risk_equals_a_port_by_hand_with_the_real_keras_ops():
    torch = pytest.importorskip("torch")
    pytest.importorskip("tensorflow")
    from unisample import port_risk

    model = risky_decoder()
    x = torch.from_numpy(np.random.default_rng(2).standard_normal((1, 3, 16, 12)).astype(np.float32))
    with torch.no_grad():
        reference = model(x).numpy()
    (risk,) = port_risk.port_risk(model, x, to=["keras"])
    assert [r.naive.code for r in risk.resizes] == [
        "keras.layers.UpSampling2D(size=2, interpolation='bilinear')",
        "keras.layers.Resizing(16, 12, interpolation='bicubic')", "keras.layers.UpSampling2D(size=2)"]
    whole, _ = _ported_by_hand(model, x)
    _, diffs = _ported_by_hand(model, x, only=-1)  # each resize on the inputs the model gives it
    # Each figure is measured twice: unisample's two specs vs torch's and Keras'
    # own ops, each side within tolerance's bound of the other; through the
    # stages after it, that bound grows by their gains (tolerance.chain_bound).
    stages = []
    for r, (_, scale) in zip(risk.resizes, diffs):
        (shape,) = r.row.shapes
        gain = max(_gain(spec, shape) for spec in (r.row.spec, r.naive.spec))
        stages.append((2 * tolerance.bound_in_eps("float32", shape[2:]), scale, gain))
    for i, (r, (diff, _)) in enumerate(zip(risk.resizes, diffs)):
        slack = tolerance.chain_bound("float32", stages[i:i + 1])
        assert abs(r.resize.max - diff.max()) <= slack and abs(r.resize.mean - diff.mean()) <= slack
    assert risk.resizes[0].resize.max > 0.05 and risk.resizes[1].resize.max > 0.01  # real differences
    assert risk.resizes[2].resize == port_risk.Difference(0.0, 0.0)
    end, slack = np.abs(whole.astype(np.float64) - reference), tolerance.chain_bound("float32", stages)
    assert abs(risk.naive.max - end.max()) <= slack and abs(risk.naive.mean - end.mean()) <= slack
    for i, r in enumerate(risk.resizes[:2]):
        alone = np.abs(_ported_by_hand(model, x, only=i)[0].astype(np.float64) - reference)
        assert abs(r.alone.max - alone.max()) <= slack and abs(r.alone.mean - alone.mean()) <= slack
    assert risk.unisample.max <= slack / 2  # unisample's layers: one side's rounding only
    text = port_risk.render([risk])
    assert "keras native call" in text and "keras, end to end: every resize native" in text


def test_cli_prints_the_port_risk_and_builds_with_kwargs():
    pytest.importorskip("torch")
    pytest.importorskip("tensorflow")
    proc = _cli("tests.test_scan_running:risky_decoder", "--kwargs", '{"channels": 3}', "--input-shape",
                "1,3,64,64", "--to", "keras,onnx")
    assert proc.returncode == 0, proc.stderr
    assert "3 resize op(s), 3 call(s) run" in proc.stdout and "port risk:" in proc.stdout
    assert "keras.layers.Resizing(64, 64, interpolation='bicubic')" in proc.stdout
    # the printed figures (3 significant digits) are those of a port by hand, on the CLI's seeded input
    torch = pytest.importorskip("torch")
    model = risky_decoder()
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32))
    with torch.no_grad():
        reference = model(x).numpy()
    end = np.abs(_ported_by_hand(model, x)[0].astype(np.float64) - reference)
    line = next(line for line in proc.stdout.splitlines() if line.startswith("keras, end to end:"))
    printed = [float(v) for v in line.split("every resize native ")[1].split(";")[0].split(" / ")]
    slack = 2 * _chain_bound(model, x)  # each side within the chain bound of the exact output
    for value, expected in zip(printed, (end.max(), end.mean())):
        assert abs(value - expected) <= 5e-3 * expected + slack, (line, end.max(), end.mean())


@pytest.mark.parametrize("args, message", [
    (["--kwargs", "{bad"], "argument --kwargs: got '{bad': not JSON"),
    (["--kwargs", "[1]"], "argument --kwargs: got '[1]'; expected a JSON object"),
    (["--kwargs", '{"depth": 3}'], "building the model with tests.test_scan_running:risky_decoder(depth=3) failed: "
                                   "TypeError"),
])
def test_cli_bad_kwargs_are_one_line_with_status_2(args, message):
    pytest.importorskip("torch")
    proc = _cli("tests.test_scan_running:risky_decoder", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr


# -- rewrite: every resize that runs computed by unisample ------------------------------------


def _chain_bound(model, x):
    """``tolerance.chain_bound`` of a decoder's float32 output on ``x``: its
    convolutions, average poolings and resizes, in the order a float64 run
    calls them (ReLU and scaling by 1/2 are exact, gains at most 1)."""
    import copy

    import torch
    import torch.nn.functional as F
    from torch.overrides import TorchFunctionMode

    stages = []

    class Stages(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            data = args[0] if args else None
            scale = tolerance.scale_of(data.numpy()) if isinstance(data, torch.Tensor) else 1.0
            if func is F.conv2d:
                w = args[1].abs().sum(dim=(1, 2, 3)).max().item()  # sum |w| per output: the gain
                terms = args[1][0].numel() + 1  # the bias too
                stages.append((tolerance.dot_product_bound_in_eps(terms) * w, scale, w))
            elif func is F.avg_pool2d:
                stages.append((tolerance.dot_product_bound_in_eps(9), scale, 1.0))
            elif func is F.interpolate:
                spec = Upsample.from_torch({**kwargs, **dict(zip(("size", "scale_factor", "mode", "align_corners"),
                                                                  args[1:]))})
                stages.append((tolerance.bound_in_eps("float32", data.shape[2:]), scale, _gain(spec, data.shape)))
            return func(*args, **kwargs)

    with torch.no_grad(), Stages():
        copy.deepcopy(model).double()(x.double())
    return tolerance.chain_bound("float32", stages)


def _same_rows_as_unisample_layers(before, after):
    """A scan by running of the rewritten model finds the same calls, each a unisample layer of the same spec."""
    assert [(f.calls, f.shapes, f.spec) for f in after] == [(f.calls, f.shapes, f.spec) for f in before]
    assert all(f.what == "unisample layer" for f in after)
    assert [f.site for f in after] == [f.site for f in before]


@pytest.mark.parametrize("build", [torch_decoder, risky_decoder])
def test_torch_rewrite_routes_functional_calls_and_exports_to_onnx(build):
    torch = pytest.importorskip("torch")
    ort = pytest.importorskip("onnxruntime")
    import io

    x = torch.from_numpy(np.random.default_rng(3).standard_normal(SHAPE).astype(np.float32))
    original = build()
    with torch.no_grad():
        expected = original(x).numpy()
    before = scanning.scan(original, to=["onnx"], example_input=x)
    done = scanning.rewrite_report(build())
    model = done.model
    assert type(model).__name__ == "Routed" and "(forward) F.interpolate calls" in done.replaced
    with torch.no_grad():
        ours = model(x).numpy()
    # unisample's torch layers call F.interpolate where it computes the spec: the same kernels
    assert np.array_equal(ours, expected)
    assert model.specs == list(dict.fromkeys(f.spec for f in before if f.what == "F.interpolate"))
    assert model.sites == {f.site: f.spec for f in before if f.what == "F.interpolate"}  # the model's own lines
    _same_rows_as_unisample_layers(before, scanning.scan(model, to=["onnx"], example_input=x))
    assert scanning.rewrite(model) is model  # rewriting again changes nothing
    traced = torch.jit.trace(model, (x,), check_trace=False)
    assert np.array_equal(traced(x).detach().numpy(), expected)
    for dynamo in (False, True):
        buffer = io.BytesIO()
        torch.onnx.export(model, (x,), buffer, dynamo=dynamo, opset_version=18)
        session = ort.InferenceSession(buffer.getvalue())
        exported = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
        # onnxruntime's convolutions are not torch's: both within the chain bound of the exact output
        assert np.abs(exported - expected).max() <= 2 * _chain_bound(original, x), dynamo
        import onnx

        ops = [node.op_type for node in onnx.load_from_string(buffer.getvalue()).graph.node]
        assert ops.count("Resize") == sum(f.calls for f in before), (dynamo, ops)


def test_paddle_rewrite_routes_functional_calls():
    paddle = pytest.importorskip("paddle")
    import paddle.nn.functional as F

    x = paddle.to_tensor(np.random.default_rng(3).standard_normal(SHAPE).astype(np.float32))
    original = paddle_decoder()
    with paddle.no_grad():
        expected = original(x).numpy()
    before = scanning.scan(original, to=["torch"], example_input=x)
    done = scanning.rewrite_report(paddle_decoder())
    assert done.replaced == ["up", "(forward) interpolate calls"] and done.kept == []
    interpolate = F.interpolate
    with paddle.no_grad():
        ours = done.model(x).numpy()
    assert F.interpolate is interpolate and paddle.nn.functional.common.interpolate is interpolate
    assert done.model.sites == {f.site: f.spec for f in before if f.what == "F.interpolate"}
    assert np.array_equal(ours, expected)
    _same_rows_as_unisample_layers(before, scanning.scan(done.model, to=["torch"], example_input=x))


def test_keras_rewrite_enters_nested_models_and_says_what_it_keeps():
    pytest.importorskip("tensorflow")

    model = keras_decoder()
    x = np.random.default_rng(3).standard_normal((1, 8, 8, 3)).astype(np.float32)
    expected = np.asarray(model(x, training=False))
    done = scanning.rewrite_report(model)
    assert done.replaced == ["inner/up", "out"]
    assert [path for path, _ in done.kept] == ["shrink", "head"]
    assert "a Lambda (its function is code)" in done.kept[0][1] and "a subclassed Head" in done.kept[1][1]
    new = done.model
    assert type(new.get_layer("inner").get_layer("up")).__module__.startswith("unisample.")
    # weights copied layer by layer: the convolutions compute what the original's do
    assert np.array_equal(np.asarray(new(x, training=False)), expected)
    assert new.get_layer("inner").layers[0] is not model.get_layer("inner").layers[0]
    found = scanning.scan(new, to=["torch"], example_input=x)
    assert [(f.where, f.what) for f in found] == [("inner/up", "unisample layer")] + KERAS_ROWS[1:4] + [
        ("out", "unisample layer")]
    assert "not rewritten: shrink: a Lambda" in done.summary()


def test_keras_rewrite_refuses_a_subclassed_model_clearly():
    pytest.importorskip("tensorflow")
    import keras

    class Net(keras.Model):
        def call(self, x):
            return keras.ops.image.resize(x, (4, 4))

    with pytest.raises(ValueError, match="is a subclassed Net: its call is code unisample cannot rewrite"):
        scanning.rewrite(Net())


#: what a port by hand to torch writes for each resize of keras_decoder (NCHW; the sizes of KERAS_ROWS' calls)
TORCH_BY_HAND = [
    dict(scale_factor=2, mode="bilinear"),
    dict(size=(8, 8), mode="bilinear", antialias=True),
    dict(size=(5, 5), mode="bicubic", antialias=True),  # port's closest: a=-0.5 Keys, as TF's (not its table)
    dict(size=(8, 8), mode="nearest-exact"),
    dict(scale_factor=2, mode="nearest"),
]


def test_port_risk_of_a_keras_model_equals_a_port_by_hand_with_torch_ops():
    torch = pytest.importorskip("torch")
    pytest.importorskip("tensorflow")
    import torch.nn.functional as F

    from unisample import port_risk

    model = keras_decoder()
    x = np.random.default_rng(4).standard_normal((1, 8, 8, 3)).astype(np.float32)
    reference = np.asarray(model(x, training=False))
    (risk,) = port_risk.port_risk(model, x, to=["torch"])
    assert [r.naive.code.split("(")[0] for r in risk.resizes] == [
        "nn.Upsample", "lambda x: F.interpolate", "lambda x: F.interpolate", "nn.Upsample", "nn.Upsample"]

    def by_hand(only):
        def replace(index, data):
            if only not in (None, index):
                return None
            t = torch.from_numpy(np.ascontiguousarray(data.transpose(0, 3, 1, 2)))
            return F.interpolate(t, **TORCH_BY_HAND[index]).numpy().transpose(0, 2, 3, 1)
        return replace

    calls = _keras_counted(lambda: model(x, training=False))
    results = {}
    for only in (None, 2):
        _keras_counted(lambda only=only: results.update({only: np.asarray(model(x, training=False))}),
                       replace=by_hand(only))
    for r, (data, native), kw in zip(risk.resizes, calls, TORCH_BY_HAND):
        t = torch.from_numpy(np.ascontiguousarray(data.transpose(0, 3, 1, 2)))
        diff = np.abs(F.interpolate(t, **kw).numpy().transpose(0, 2, 3, 1).astype(np.float64) - native)
        # each side (unisample's two specs, Keras' and torch's ops) within tolerance's bound of the other
        slack = tolerance.chain_bound("float32", [(2 * tolerance.bound_in_eps("float32", data.shape[1:3]),
                                                   tolerance.scale_of(data), 1.0)])
        assert abs(r.resize.max - diff.max()) <= slack and abs(r.resize.mean - diff.mean()) <= slack, r.row
    assert risk.resizes[2].resize.max > 0.05 and all(r.resize.max < 1e-5 for i, r in enumerate(risk.resizes) if i != 2)
    # end to end, every stage's bound carried through the gains after it (tolerance.chain_bound)
    stages = []
    for r, (data, _) in zip(risk.resizes, calls):
        nchw = (1, data.shape[3]) + data.shape[1:3]
        specs = [Upsample.from_dict({**spec.to_dict(), "data_format": "NCHW"}) for spec in (r.row.spec, r.naive.spec)]
        gain = max(_gain(spec, nchw) for spec in specs)
        stages.append((2 * tolerance.bound_in_eps("float32", data.shape[1:3]), tolerance.scale_of(data), gain))
        if r.row.where == "shrink":  # the head's 1x1 convolution follows
            w = np.abs(np.asarray(model.get_layer("head").conv.kernel)).sum(axis=(0, 1, 2)).max()
            stages.append((0.0, 1.0, float(w)))
    slack = tolerance.chain_bound("float32", stages)
    for only, figure in ((None, risk.naive), (2, risk.resizes[2].alone)):
        end = np.abs(results[only].astype(np.float64) - reference)
        assert abs(figure.max - end.max()) <= slack and abs(figure.mean - end.mean()) <= slack
