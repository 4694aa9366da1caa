"""Every error of the command line is one line and a distinct exit status, never a traceback."""

import importlib.util
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

from unisample import cli

CLI = [sys.executable, "-m", "unisample.cli"]


def run(*args, cwd=None):
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


@pytest.mark.parametrize("args, message", [
    (["conformance", "--modes", "bilnear"], "argument --modes: got 'bilnear'"),
    (["conformance", "--frameworks", "tensorflw"], "argument --frameworks: got 'tensorflw'"),
    (["conformance", "--workers", "-1"], "argument --workers: got '-1'"),
    (["conformance", "--workers", "0"], "argument --workers: got '0'"),
    (["conformance", "--timeout", "0"], "argument --timeout: got '0'"),
    (["conformance", "--timeout", "nan"], "argument --timeout: got 'nan'"),
    (["conformance", "--fuzz", "0"], "argument --fuzz: got '0'"),
    (["conformance", "--frameworks", "numpy"], "numpy has no native op of its own"),
    (["conformance", "--json", "/no/such/dir/r.json"], "does not exist"),
    (["conformance", "--html", "report.txt"], "extension '.txt'"),
    (["record", "--framework", "torch", "-o", "/no/such/dir/r.npz"], "does not exist"),
    (["compare", "missing.npz", "--framework", "numpy"], "record: 'missing.npz' does not exist"),
    (["port", "torch: nn.Upsample(scale_factor=2, scale_factor=3)"], "got the argument 'scale_factor' twice"),
    (["port", "torch: nn.Upsample(2, size=3)"], "got the argument 'size' twice"),
    (["port", "torch: nn.Upsample(scale_factor=" + "-" * 9000 + "2)"], "nested too deeply"),
    (["port", "torch: nn.Upsample(scale_factor=" + "-" * 120000 + "2)"], "far shorter"),
    (["port", "torch: nn.Upsample(scale_factor=2)", "--to", "kears"], "argument --to: got 'kears'"),
    (["scan", "missing.onnx"], "'missing.onnx' does not exist"),
    (["scan", "no_such_module_here:build"], "cannot import 'no_such_module_here'"),
    (["resize", "a.png", "b.png", "--scale", "-2"], "argument --scale: got '-2'"),
    (["resize", "a.png", "b.png", "--size", "8", "--quality", "0"], "argument --quality"),
])
def test_bad_input_is_one_line_with_status_2(args, message, tmp_path):
    proc = run(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr
    assert len([line for line in proc.stderr.splitlines() if not line.startswith(("usage:", " "))]) == 1, proc.stderr


def test_onnx_files_that_are_not_models(tmp_path):
    (tmp_path / "empty.onnx").write_bytes(b"")
    (tmp_path / "corrupt.onnx").write_bytes(os.urandom(64) + b"\x00\xff" * 20)
    for name, message in (("empty.onnx", "not an ONNX model"), ("corrupt.onnx", "not an ONNX model")):
        proc = run("scan", str(tmp_path / name))
        assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_builders_that_fail_and_a_local_module_that_shadows_a_package(tmp_path):
    (tmp_path / "models.py").write_text(textwrap.dedent("""
        import urllib.error
        def needs_download():
            raise urllib.error.URLError("no network")
        def needs_arguments(depth):
            return depth
    """))
    proc = run("scan", "models:needs_download", cwd=tmp_path)
    assert proc.returncode == 2 and "building the model with models:needs_download() failed: URLError" in proc.stderr
    assert "module:attribute" in proc.stderr
    proc = run("scan", "models:needs_arguments", cwd=tmp_path)
    assert proc.returncode == 2 and "missing 1 required positional argument" in proc.stderr
    # a file named like a package in the current directory does not replace the package
    (tmp_path / "colorsys.py").write_text("raise SystemExit('the local colorsys.py was imported')")
    (tmp_path / "model_uses_colorsys.py").write_text("import colorsys\nmodel = colorsys.ONE_THIRD\n")
    proc = run("scan", "model_uses_colorsys:model", cwd=tmp_path)
    assert "local colorsys.py" not in proc.stderr and proc.returncode == 2, proc.stderr
    assert "expected a torch nn.Module" in proc.stderr


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    from unisample import porting

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(porting, "port", broken)
    assert cli.main(["port", "torch: nn.Upsample(scale_factor=2)"]) == 2
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: a bug (rerun with --debug" in err and len(err.strip().splitlines()) == 1
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["--debug", "port", "torch: nn.Upsample(scale_factor=2)"])


def test_nothing_installed_is_status_3_with_the_reason(monkeypatch, capsys):
    from unisample.conformance import runner

    real = runner.run
    monkeypatch.setattr(runner, "run", lambda *a, **k: real(*a, **{**k, "is_installed": lambda fw: False}))
    assert cli.main(["conformance", "--frameworks", "tensorflow"]) == 3
    assert "nothing was compared: tensorflow not installed (pip install 'unisample[tensorflow]')" in \
        capsys.readouterr().err
    assert cli.main(["conformance"]) == 3
    err = capsys.readouterr().err
    assert "torch, tensorflow, paddle, jax, pillow, opencv, onnxruntime not installed" in err
    assert "unisample[all-cpu]" in err
    assert cli.main(["conformance", "--frameworks", "pillow"]) == 3  # imported as PIL, installed by [image]
    assert "pillow not installed (pip install 'unisample[image]')" in capsys.readouterr().err


def test_the_fuzz_refuses_libraries_without_an_adapter(capsys):
    assert cli.main(["conformance", "--fuzz", "5", "--frameworks", "opencv"]) == 2
    err = capsys.readouterr().err
    assert "--fuzz checks adapters: opencv has none" in err and "--frameworks numpy" in err


@pytest.mark.skipif(importlib.util.find_spec("onnxruntime") is None, reason="onnxruntime is not installed")
def test_a_case_that_matches_nothing_is_status_3():
    proc = run("conformance", "--frameworks", "onnxruntime", "--case", "no such case", "--no-porting")
    assert proc.returncode == 3 and "no case matches --case 'no such case'" in proc.stderr


@pytest.mark.parametrize("module, call, extra", [
    ("PIL", lambda: cli.main(["resize", "a.png", "b.png", "--size", "8"]), "image"),
    ("onnx", lambda: __import__("unisample").Upsample(scale_factor=2).to_onnx(ndim=4), "onnx"),
    ("keras", lambda: __import__("unisample").Upsample(scale_factor=2).to_keras(), "tensorflow"),
    ("torch", lambda: __import__("unisample").Upsample(scale_factor=2).to_torch(), "torch"),
])
def test_a_missing_optional_dependency_names_its_extra(monkeypatch, capsys, module, call, extra):
    from unisample.optional import MissingDependency

    monkeypatch.setitem(sys.modules, module, None)  # what "not installed" looks like to import
    try:
        status = call()
    except MissingDependency as e:
        message = str(e)
    else:
        assert status == 2
        message = capsys.readouterr().err
    assert f"pip install 'unisample[{extra}]'" in message and module in message


def test_every_install_hint_names_an_extra_that_exists():
    import re

    from unisample.optional import EXTRAS

    text = open(os.path.join(os.path.dirname(__file__), "..", "pyproject.toml")).read()
    extras = set(re.findall(r"^([\w-]+) = \[", text.split("[project.optional-dependencies]")[1].split("\n[")[0],
                            re.M))
    assert set(EXTRAS.values()) <= extras, set(EXTRAS.values()) - extras


def test_version_and_help_with_defaults():
    from unisample import __version__

    assert run("--version").stdout.strip() == f"unisample {__version__}"
    for command in ("conformance", "record", "compare", "port", "scan", "resize"):
        proc = run(command, "--help")
        assert proc.returncode == 0 and "Traceback" not in proc.stdout
        options = [line for line in proc.stdout.splitlines() if line.strip().startswith("--")]
        assert options and all(len(line.split()) > 1 for line in options), proc.stdout  # every option explained
    resize_help = run("resize", "--help").stdout
    assert "(default: bicubic)" in resize_help and "(default: contain)" in resize_help


@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="keras is not installed")
def test_a_fresh_process_loads_a_saved_model_with_only_import_keras(tmp_path):
    # the wheel's unisample-keras.pth and its hook module, put in a site directory of their own
    root = os.path.join(os.path.dirname(__file__), "..")
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(wheel_dir), root], check=True, capture_output=True)
    site_dir = tmp_path / "site"
    (wheel,) = wheel_dir.iterdir()
    with zipfile.ZipFile(wheel) as z:
        top = [name for name in z.namelist() if "/" not in name]
        assert sorted(top) == ["_unisample_keras.py", "unisample-keras.pth"]
        z.extractall(site_dir, top)
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    save = ("import keras, unisample\n"
            "m = keras.Sequential([keras.Input((4, 4, 2)), unisample.Upsample(scale_factor=2, mode='bilinear',"
            " data_format='channels_last').to_keras()])\n"
            f"m.save({str(tmp_path / 'm.keras')!r})\n")
    subprocess.run([sys.executable, "-c", save], check=True, capture_output=True, env=env)
    load = ("import sys\n"
            "import keras\n"
            f"m = keras.models.load_model({str(tmp_path / 'm.keras')!r})\n"
            "print(type(m.layers[0]).__module__, tuple(m(keras.ops.ones((1, 4, 4, 2))).shape))\n")
    # interpreter start processes the .pth of a site directory: here, the one the wheel installs
    started = f"import site; site.addsitedir({str(site_dir)!r})\n"
    proc = subprocess.run([sys.executable, "-c", started + load], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["unisample.adapters.tensorflow.layers", "(1,", "8,", "8,", "2)"]
    # without the hook, Keras cannot find the class: what the .pth is for
    proc = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True, env=env)
    assert proc.returncode != 0 and "Could not locate class 'Upsample'" in proc.stderr


NORMAL_USE = textwrap.dedent("""
    import importlib, sys, warnings
    import numpy as np
    framework = sys.argv[1]
    importlib.import_module(framework)  # the framework's own import-time notices are not ours
    warnings.simplefilter("error")
    import unisample
    from unisample.adapters import get_adapter
    adapter = get_adapter(framework)
    x = np.random.default_rng(0).normal(size=(1, 2, 6, 6)).astype(np.float32)
    x.flags.writeable = False  # e.g. an array from np.load(mmap_mode="r") or a frozen buffer
    for spec in (unisample.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
                 unisample.Upsample(size=(5, 3), mode="bicubic", align_corners=True),
                 unisample.Upsample(scale_factor=2, mode="nearest"),
                 unisample.Upsample(size=(3, 4), mode="bilinear", antialias=True),
                 unisample.Upsample(size=(9, 5), mode="lanczos3")):
        spec(adapter.from_numpy(x))
    print("done")
""")


@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_normal_use_prints_no_framework_warnings(framework):
    if importlib.util.find_spec(framework) is None:
        pytest.skip(f"{framework} is not installed")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    proc = subprocess.run([sys.executable, "-c", NORMAL_USE, framework], capture_output=True, text=True, env=env)
    assert proc.returncode == 0 and proc.stdout.strip() == "done", proc.stderr[-2000:]
    assert "deprecat" not in proc.stderr.lower() and "not writable" not in proc.stderr, proc.stderr[-2000:]
