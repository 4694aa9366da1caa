"""``unisample port``: the code it prints runs and gives the source framework's numbers.

The round trip native -> spec -> native is checked on the quick catalogue of
every framework (the conformance suite's native outputs): each configuration
is written as the text a user would paste, ported to every other framework,
and the printed code is executed there on the same input.
"""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from unisample import Upsample, porting
from unisample.conformance.cases import catalogue
from unisample.conformance.runner import judge, native_defect

INSTALLED = {name: importlib.util.find_spec(module) is not None for name, module in
             [("torch", "torch"), ("paddle", "paddle"), ("keras", "keras"), ("tensorflow", "tensorflow"),
              ("jax", "jax"), ("pillow", "PIL"), ("opencv", "cv2")]}
needs = lambda *names: pytest.mark.skipif(not all(INSTALLED[n] for n in names),  # noqa: E731
                                          reason=f"needs {', '.join(names)}")


def to_layout(x: np.ndarray, channels_last_from: bool, channels_last_to: bool) -> np.ndarray:
    if channels_last_from == channels_last_to:
        return x
    if channels_last_to:
        return np.moveaxis(x, 1, -1)
    return np.moveaxis(x, -1, 1)


def run_code(code: str, target: str, x: np.ndarray) -> np.ndarray:
    """Execute printed code (it defines ``resize``) on ``x`` as a ``target`` array."""
    namespace = {}
    exec(code, namespace)  # the code unisample printed: what the user would paste
    resize = namespace["resize"]
    if target == "torch":
        import torch

        with torch.no_grad():
            return resize(torch.from_numpy(x)).numpy()
    if target == "paddle":
        import paddle

        return resize(paddle.to_tensor(x)).numpy()
    if target in ("keras", "tensorflow"):
        import tensorflow as tf

        return np.asarray(resize(tf.constant(x)))
    if target == "pillow" and "im.resize" in code:  # Pillow's own call: one 'F' image per plane
        from PIL import Image

        return np.stack([np.stack([np.asarray(resize(Image.fromarray(np.ascontiguousarray(x[n, :, :, c]))))
                                   for c in range(x.shape[-1])], axis=-1) for n in range(len(x))])
    if target == "opencv" and "cv2.resize" in code:  # OpenCV's own call: one HWC image at a time
        out = [resize(np.ascontiguousarray(image)) for image in x]
        return np.stack([y[:, :, None] if y.ndim == 2 else y for y in out])
    if target in ("pillow", "opencv"):  # the unisample spec, on the numpy array
        return resize(x)
    import jax.numpy as jnp

    return np.asarray(resize(jnp.asarray(x)))


def code_for(output: str, target: str) -> str:
    """The indented code block printed under ``target:``."""
    block = output.split(f"\n{target}: ", 1)[1].split("\n\n", 1)[0]
    return "\n".join(line[4:] for line in block.splitlines() if line.startswith("    "))


@needs("torch", "keras", "tensorflow")
def test_cli_port_torch_bilinear_align_corners_to_keras_gives_torch_numbers():
    import torch

    configuration = "torch: nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)"
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "port", configuration, "--to", "keras"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "keras: needs unisample" in proc.stdout and "align_corners=True" in proc.stdout
    code = code_for(proc.stdout, "keras")
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 5)).astype(np.float32)
    expected = torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)(torch.from_numpy(x)).numpy()
    got = np.moveaxis(run_code(code, "keras", np.moveaxis(x, 1, -1)), -1, 1)  # Keras: NHWC
    spec = Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    ok, error, bound, message = judge(spec, x, expected, got)
    assert ok, message


def test_port_answers_native_where_a_native_op_exists():
    import unisample

    spec, answers = unisample.port("keras: UpSampling2D(size=2, interpolation='bilinear')")
    by = {t.target: t for t in answers}
    assert by["torch"].status == "native" and "nn.Upsample(scale_factor=2, mode='bilinear')" in by["torch"].code
    assert by["tensorflow"].status == "native" and by["jax"].status == "native"
    spec, answers = porting.port("torch: nn.Upsample(scale_factor=2, mode='bicubic')")
    by = {t.target: t for t in answers}
    assert by["keras"].status == "unisample"
    assert any("a=-0.75" in r for r in by["keras"].reasons), by["keras"].reasons
    assert by["onnx"].status == "native"
    spec, answers = porting.port("tf: tf.image.resize(x, [64, 48], method='lanczos3')", to=["torch", "onnx"])
    assert [t.status for t in answers] == ["unisample", "cannot"]
    assert "no lanczos3" in answers[0].reasons[0] and "lanczos3" in answers[1].reasons[0]


def test_port_says_which_onnx_attribute_no_framework_has():
    # ties down at half-pixel x0.5 are torch's floor of 2j: native; ceil and a kept aspect ratio are no one's
    text = "onnx: Resize(mode='nearest', nearest_mode='round_prefer_floor', scales=[1, 1, .5, .5])"
    _, (answer,) = porting.port(text, to=["torch"])
    assert answer.status == "native" and "mode='nearest'" in answer.code
    _, (answer,) = porting.port("onnx: Resize(mode='nearest', nearest_mode='ceil', sizes=[1, 1, 9, 9])", to=["torch"])
    assert answer.status == "unisample" and "with ceil" in answer.reasons[0]
    _, (answer,) = porting.port("onnx: Resize(mode='linear', keep_aspect_ratio_policy='not_larger', axes=[2, 3], "
                                "sizes=[9, 9])", to=["paddle"])
    assert answer.status == "unisample" and "keeps the aspect ratio" in answer.reasons[0]


@pytest.mark.parametrize("text, message", [
    ("torch: nn.Upsample(scale_factor=__import__('os').getpid(), mode='nearest')", "is not a literal"),
    ("torch: os.system('echo pwned')", "not a resize unisample reads"),
    ("mxnet: UpSampling(scale=2)", "framework 'mxnet'"),
    ("torch nn.Upsample(scale_factor=2)", "expected 'framework: call"),
    ("torch: nn.Upsample(scale_factor=2", "cannot parse"),
    ("torch: nn.Upsample(**kw)", r"\*\*kwargs"),
    ("torch: nn.Upsample(scale_factor=2, mode='bicubic', align_corners=True, antialias=True)",
     "no argument 'antialias'"),
])
def test_configurations_are_parsed_never_run(text, message, capsys):
    with pytest.raises((ValueError, TypeError), match=message):
        porting.port(text)
    from unisample import cli

    assert cli.main(["port", text]) == 2
    assert "unisample port:" in capsys.readouterr().err


# -- the round trip over the catalogue ---------------------------------------------------------

def case_text(case) -> str:
    """A catalogue case written as a user would: ``framework: call(arguments)``."""
    kw = case.kwargs
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    if case.framework == "onnxruntime" and case.call != "onnx.Resize":  # DepthToSpace, SpaceToDepth: NCHW
        return f"onnx: {case.call.partition('.')[2]}({args})"
    if case.framework == "onnxruntime":
        return f"onnx: Resize({args}, data_format={'channels_last' if case.spec.channels_last else 'channels_first'!r})"
    if case.call.startswith("keras.layers."):
        return f"keras: {case.call}({args})"
    if case.call.startswith("keras.ops."):
        return f"keras: {case.call}(x, {args})"
    if case.framework == "pillow":  # input_size: what Pillow knows from the image itself
        args = ", ".join(f"{k}={v!r}" for k, v in kw.items() if k != "input_size")
        return f"pillow: Image.resize({args})"
    prefix = {"tensorflow": "tf"}.get(case.framework, case.framework)
    return f"{prefix}: {case.call}(x, {args})"


TARGETS = [t for t in ("torch", "paddle", "keras", "tensorflow", "jax", "pillow", "opencv") if INSTALLED[t]]
ROUND_TRIP = [(c.framework, n, c) for fw in ("torch", "tensorflow", "paddle", "jax", "onnxruntime", "pillow", "opencv")
              for n, c in enumerate(catalogue(fw, quick=True))
              if c.dtype == "float32" and "fx" not in c.kwargs]  # fx/fy: a spec for one input size


@pytest.mark.parametrize("framework, n, case", ROUND_TRIP, ids=[c.id for _, _, c in ROUND_TRIP])
def test_round_trip_native_spec_native(native_outputs_quick, framework, n, case):
    data = native_outputs_quick(framework)
    if f"err/{n}" in data:
        pytest.fail(f"the native call raised: {data[f'err/{n}']}")
    x, native = data[f"in/{n}"], data[f"out/{n}"]
    if native_defect(framework, case.spec, x.shape):  # the native op is known wrong here: the spec is the answer
        native = case.spec.reference(x).astype(native.dtype)
    rank = len(case.shape) - 2
    spec, answers = porting.port(case_text(case), to=[t for t in TARGETS if t != framework], rank=rank)
    assert spec == case.spec or spec.to_dict() == case.spec.to_dict()
    failures = []
    for answer in answers:
        layout_last = porting.layout(answer.target) == "channels_last"
        got = run_code(answer.code, answer.target, np.ascontiguousarray(to_layout(x, spec.channels_last, layout_last)))
        got = to_layout(got, layout_last, spec.channels_last)
        ok, error, bound, message = judge(spec, x, native, got)
        if not ok:
            failures.append(f"{answer.target} ({answer.status}): {message}\n{answer.code}")
    assert not failures, "\n".join(failures)
