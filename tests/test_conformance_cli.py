"""The conformance runner and the ``unisample conformance`` command."""

import functools
import importlib.util
import json
import re
import shlex
import subprocess
import sys

import pytest

from unisample import cli
from unisample.conformance import runner

CRASH = [sys.executable, "-c", "import os; os.abort()"]
HANG = [sys.executable, "-c", "import time; time.sleep(120)"]


def fake_workers(framework, out):
    return {"torch": CRASH, "jax": HANG}[framework]


def test_crashing_hanging_and_missing_workers_are_rows_not_the_end():
    runs = runner.run(["torch", "jax", "paddle"], timeout=3, worker_command=fake_workers,
                      is_installed=lambda fw: fw != "paddle")
    by_name = {r.framework: r for r in runs}
    assert by_name["torch"].status == "crashed" and "status" in by_name["torch"].message
    assert by_name["jax"].status == "timed out" and by_name["jax"].seconds >= 3
    assert by_name["paddle"].status == "not installed" and "unisample[paddle]" in by_name["paddle"].message
    assert by_name["torch"].failed and by_name["jax"].failed and not by_name["paddle"].failed


def test_unknown_framework_is_refused():
    with pytest.raises(ValueError, match="frameworks: got 'mxnet'"):
        runner.run(["mxnet"])


def test_cli_exits_1_and_says_crashed_when_a_worker_dies(monkeypatch, capsys):
    monkeypatch.setattr(runner, "run", functools.partial(runner.run, worker_command=fake_workers,
                                                         is_installed=lambda fw: True))
    assert cli.main(["conformance", "--frameworks", "torch", "--timeout", "5"]) == 1
    out = capsys.readouterr().out
    assert "torch" in out and "crashed" in out and "FAILED" in out


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_cli_runs_torch_and_writes_json(tmp_path):
    path = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "conformance", "--frameworks", "torch",
                           "--json", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^torch\s+nearest\s+\d+\s+\d+\s+0\s+exact", proc.stdout, re.M), proc.stdout
    assert "OK:" in proc.stdout
    report = json.loads(path.read_text())
    (run,) = report["runs"]
    assert run["framework"] == "torch" and run["status"] == "ran"
    assert len(run["results"]) > 300
    first = run["results"][0]
    assert set(first) >= {"framework", "family", "case", "spec", "verdict", "reference_error_eps",
                          "numpy_error_eps", "bound_eps"}
    defects = [r for r in run["results"] if r["verdict"] == "native defect"]
    assert all(r["verdict"] == "pass" for r in run["results"] if r not in defects)
    # torch's antialiased kernels repeat a row where the output width is 1: reported, not reproduced
    assert len(defects) == 5 and all("size=[5, 1]" in r["case"] and r["spec"]["antialias"] for r in defects)
    assert "5 case(s) where the framework's own op is known to be wrong" in proc.stdout


TAMPERING_WORKER = """
import sys
import numpy as np
from unisample.conformance.worker import main
framework, out = sys.argv[1:3]
main([framework, out, "--quick", "--kernels", "nearest"])
data = dict(np.load(out))
data["out/3"] = data["out/3"] + 1  # what a framework upgrade that changed one case would record
np.savez(out, **data)
"""


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_a_failing_case_is_printed_with_the_command_that_reruns_it_alone(monkeypatch, capsys, tmp_path):
    script = tmp_path / "tampering_worker.py"
    script.write_text(TAMPERING_WORKER)
    real_run = runner.run
    monkeypatch.setattr(runner, "run", functools.partial(
        real_run, worker_command=lambda fw, out: [sys.executable, str(script), fw, out]))
    assert cli.main(["conformance", "--frameworks", "torch", "--quick", "--modes", "nearest", "--no-porting"]) == 1
    out = capsys.readouterr().out
    assert "1 failing case(s)" in out, out
    (command,) = re.findall(r"^\s+(unisample conformance .*)$", out, re.M)
    argv = shlex.split(command)[1:]
    case = argv[argv.index("--case") + 1]
    assert case.startswith("torch:") and case in out
    # the printed command, run for real (untampered), selects exactly that case
    monkeypatch.setattr(runner, "run", real_run)
    assert cli.main(argv + ["--json", str(tmp_path / "one.json")]) == 0
    (run,) = json.loads((tmp_path / "one.json").read_text())["runs"]
    assert [r["case"] for r in run["results"]] == [case]


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_workers_ignore_a_unisample_folder_in_the_current_directory(monkeypatch, tmp_path, capsys):
    # The README's first command runs from a source checkout, whose unisample/
    # folder lacks the adapters and conformance packages of the installed one;
    # a worker started with `python -m` imported that folder and crashed.
    decoy = tmp_path / "unisample"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("raise ImportError('the decoy in the current directory was imported')\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["conformance", "--frameworks", "torch", "--quick", "--modes", "nearest", "--no-porting"]) == 0
    assert "OK:" in capsys.readouterr().out
    out = tmp_path / "recorded.npz"
    assert cli.main(["record", "--framework", "torch", "-o", str(out), "--quick", "--modes", "nearest"]) == 0
    assert out.exists()


def test_porting_replays_start_while_the_last_native_worker_runs(monkeypatch):
    """``runner.Porting``: the records written when one native worker is left are
    replayed at once; the last one's after; each adapter's batches are one run
    whose results follow the native frameworks' order."""
    calls = []

    def fake_replay(files, target, timeout):
        calls.append((tuple(files), target))
        results = [runner.CaseResult(f"{f.split('.')[0]} -> {target}", "linear", f, {}, "pass", False) for f in files]
        return runner.FrameworkRun(target, "ran", 1.5, version="9", results=results)

    monkeypatch.setattr(runner, "replay", fake_replay)
    porting = runner.Porting(["torch", "jax"], expected=3, timeout=10)
    porting.ended(runner.FrameworkRun("paddle", "ran"), "paddle.npz")
    assert calls == []
    porting.ended(runner.FrameworkRun("torch", "crashed"), None)  # wrote nothing: nothing to replay
    porting.ended(runner.FrameworkRun("jax", "ran"), "jax.npz")  # (started before this, in a real run)
    runs = porting.finish(["jax", "paddle"])
    assert sorted(calls) == sorted([(("paddle.npz",), "torch"), (("paddle.npz",), "jax"),
                                    (("jax.npz",), "torch"), (("jax.npz",), "jax")])
    # torch crashed natively, yet its adapter replays the others' records (as JAX's, which has no
    # native pixel shuffle, replays everyone's); each column holds both batches, jax's record first
    assert [run.framework for run in runs] == ["torch", "jax"]
    for run in runs:
        assert run.seconds == 3.0 and run.status == "ran"
        assert [r.framework for r in run.results] == [f"jax -> {run.framework}", f"paddle -> {run.framework}"]


def test_porting_waits_for_nothing_with_one_framework(monkeypatch):
    calls = []
    monkeypatch.setattr(runner, "replay", lambda files, target, timeout: calls.append(files) or
                        runner.FrameworkRun(target, "crashed", message="boom"))
    porting = runner.Porting(["torch"], expected=1, timeout=10)
    porting.ended(runner.FrameworkRun("torch", "ran"), "torch.npz")
    assert calls == []  # one native worker: nothing runs beside it
    (run,) = porting.finish(["torch"])
    assert calls == [["torch.npz"]] and run.status == "crashed" and run.message == "boom"


def test_worker_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    from unisample.conformance import worker

    monkeypatch.setenv("UNISAMPLE_CACHE_DIR", str(tmp_path / "c"))
    assert worker.cache_dir("jax") == str(tmp_path / "c" / "jax") and (tmp_path / "c" / "jax").is_dir()
    monkeypatch.setenv("UNISAMPLE_CACHE_DIR", "")
    assert worker.cache_dir("jax") is None  # turned off
    monkeypatch.delenv("UNISAMPLE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert worker.cache_dir("jax") == str(tmp_path / "xdg" / "unisample" / "jax")
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("UNISAMPLE_CACHE_DIR", str(tmp_path / "file"))  # not a folder: no cache, no error
    assert worker.cache_dir("jax") is None


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_a_jax_worker_keeps_its_compiled_programs_for_the_next_run(tmp_path):
    env = dict(runner.worker_env(), UNISAMPLE_CACHE_DIR=str(tmp_path / "cache"))
    out = tmp_path / "jax.npz"
    argv = runner.worker_argv("jax", str(out), "--case", "shape=[2, 14, 3], method='cubic', antialias=False")
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=600)
    assert out.exists() and any((tmp_path / "cache" / "jax").iterdir())


def test_porting_keeps_to_the_workers_limit(monkeypatch):
    """With ``workers=1`` (``--workers 1``) no replay runs beside the last native worker."""
    import threading
    import time

    started = threading.Event()

    def fake_replay(files, target, timeout):
        started.set()
        return runner.FrameworkRun(target, "ran")

    monkeypatch.setattr(runner, "replay", fake_replay)
    porting = runner.Porting(["torch"], expected=2, timeout=10, workers=1)
    porting.ended(runner.FrameworkRun("torch", "ran"), "torch.npz")  # one native worker left: it holds the slot
    time.sleep(0.3)
    assert not started.is_set()
    porting.ended(runner.FrameworkRun("jax", "ran"), "jax.npz")
    assert started.wait(5)
    assert [run.framework for run in porting.finish(["torch", "jax"])] == ["torch"]


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_a_jax_native_worker_computes_what_jax_users_get_by_default(tmp_path):
    # JAX's resize computes its weights in float64 once 64-bit types are on (as replays and the
    # fuzz turn them on for the adapter): the native worker must not, or it checks another output
    import jax
    import numpy as np

    from unisample.conformance.cases import catalogue, make_input

    case = next(c for c in catalogue("jax") if c.kwargs["method"] == "cubic" and not c.kwargs["antialias"])
    out = tmp_path / "jax.npz"
    proc = subprocess.run(runner.worker_argv("jax", str(out), "--case", case.id), capture_output=True, text=True,
                          env=runner.worker_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with np.load(out) as data:
        assert str(data["id/0"]) == case.id
        native = data["out/0"]
    x = make_input(case)
    shape, method = tuple(case.kwargs["shape"]), case.kwargs["method"]
    default = np.asarray(jax.image.resize(x, shape, method, antialias=False))
    jax.config.update("jax_enable_x64", True)
    try:
        wide = np.asarray(jax.image.resize(x, shape, method, antialias=False))
    finally:
        jax.config.update("jax_enable_x64", False)
    assert not np.array_equal(default, wide)  # the two settings give other numbers here
    assert np.array_equal(native, default)
