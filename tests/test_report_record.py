"""The HTML report (rendered in headless Chromium), record/compare, unisample.testing,
and a worker killed mid-run."""

import importlib.util
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from unisample import Upsample
from unisample.cli import main as cli_main
from unisample.conformance import atlas, report, runner
from unisample.conformance.cases import catalogue
from unisample.testing import assert_resize_matches

HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_PADDLE = importlib.util.find_spec("paddle") is not None
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def quick_runs():
    if not (HAS_TORCH and HAS_PADDLE):
        pytest.skip("torch and paddle are needed")
    return runner.run(["torch", "paddle"], quick=True, showcase=True)


def test_report_has_heatmap_pictures_and_atlas(quick_runs, tmp_path):
    page = report.render(quick_runs)
    assert "id='summary-heatmap'" in page and "id='atlas'" in page
    assert page.count("class='visual-diff'") == 2  # nothing fails: each framework's most divergent case
    section = page[page.index("<h2>Pictures:"):page.index("<h2>Native behaviour atlas")]
    assert section.count("data:image/png;base64,") == 8
    assert page.count("class='legend'") == 3  # the heatmap's, the test card's scale, the atlas'
    for term in ("eps", "bound", "expressible", "naive port", "native defect", "median / worst", "test card"):
        assert f"<dt>{term}</dt>" in page, term
    assert len(page) < 3_000_000  # self-contained and small: PNG data, no scripts, no links
    assert "<script" not in page and "src='http" not in page
    # the atlas finds the documented differences: torch's bicubic is not paddle's with align_mode... but
    # torch's nearest ported to tensorflow's (half-pixel) is different numbers
    rows = atlas.atlas({run.framework: run.arrays for run in quick_runs})
    torch_nearest_to_tf = next(r for r in rows if (r["source"], r["family"], r["target"]) ==
                               ("torch", "nearest", "tensorflow"))
    assert torch_nearest_to_tf["worst"] > 1.0


def test_the_test_card_shows_a_naive_ports_difference_and_none_for_unisample(quick_runs):
    # torch's align_corners bilinear, ported by hand to Keras (Resizing, which has no align_corners),
    # is visibly off on the test card; unisample is torch's output to rounding
    import re

    from unisample.conformance.cases import PICTURE, showcase

    page = report.render(quick_runs)
    cards = page.split("class='visual-diff test-card'")[1:]
    assert len(cards) == len(showcase("torch")) + len(showcase("paddle"))
    corners = next(c for c in cards if "mode=&#x27;bilinear&#x27;, align_corners=True) on" in c)
    ours = [float(v) for v in re.findall(r"\|unisample - native\|, max ([0-9.e+-]+)", corners)]
    keras = [float(v) for v in re.findall(r"\|keras - native\|, max ([0-9.e+-]+)", corners)]
    assert ours and ours[0] < 1e-5 and keras and keras[0] > 0.1
    x, native = next((x, n) for c, x, n in quick_runs[0].showcase if c.spec.align_corners)
    assert np.abs(native - Upsample(size=2 * PICTURE, mode="bilinear")(x)).max() > 0.1  # measured, not assumed
    assert f"keras.layers.Resizing({2 * PICTURE}, {2 * PICTURE}, interpolation=&#x27;bilinear&#x27;)" in corners


def test_atlas_says_where_the_targets_own_op_is_wrong():
    # TF's antialiased resize to width 1, naively ported to torch: torch's own
    # kernel is known wrong there (numpy only: the references stand for the outputs)
    from unisample.conformance.cases import catalogue, make_input

    cases = [c for c in catalogue("tensorflow") if c.call == "tf.image.resize" and c.spec.antialias
             and c.spec.output_size(c.shape[1:3])[1] == 1 and c.spec.output_size(c.shape[1:3])[0] > 1]
    assert cases
    rows = atlas.atlas({"tensorflow": [(c, make_input(c), c.spec.reference(make_input(c))) for c in cases]})
    to_torch = [r for r in rows if r["target"] == "torch" and r["expressible"]]
    assert to_torch and all(r["native_wrong"] == r["expressible"] for r in to_torch)
    assert "repeats the first output row" in to_torch[0]["why_wrong"]
    assert all(r["native_wrong"] == 0 for r in rows if r["target"] != "torch")
    page = report._atlas_table(rows)
    assert "where torch&#x27;s own op is wrong" in page or "where torch's own op is wrong" in page


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_report_renders_in_headless_chromium(quick_runs, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(report.render(quick_runs))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    assert 'id="summary-heatmap"' in dom and 'id="atlas"' in dom and "visual-diff" in dom
    assert dom.count("<img") == path.read_text().count("<img") > 8  # every picture, the test card's too
    assert dom.count('class="legend"') == 3 and "test-card" in dom
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *flags, "--window-size=1200,1600", f"--screenshot={shot}", path.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000  # a page with a coloured table and pictures, not a blank one


@pytest.mark.skipif(not (HAS_TORCH and HAS_PADDLE), reason="torch and paddle are needed")
def test_record_in_one_process_compare_in_another(tmp_path):
    recorded = tmp_path / "torch.npz"
    cli = [sys.executable, "-m", "unisample.cli"]
    proc = subprocess.run([*cli, "record", "--framework", "torch", "--quick", "-o", str(recorded)],
                          capture_output=True, text=True)
    count = len(catalogue("torch", quick=True))
    assert proc.returncode == 0 and f"recorded {count} native torch" in proc.stdout, proc.stdout + proc.stderr
    for target in ("paddle", "numpy"):
        proc = subprocess.run([*cli, "compare", str(recorded), "--framework", target], capture_output=True, text=True)
        assert proc.returncode == 0 and "recorded outputs are reproduced" in proc.stdout, proc.stdout
    # a recorded output that a framework upgrade changed is caught
    with np.load(recorded) as data:
        arrays = dict(data)
    n = next(i for i in range(count) if "bicubic" in str(arrays[f"id/{i}"]))
    arrays[f"out/{n}"] = arrays[f"out/{n}"] + 1e-3
    tampered = tmp_path / "tampered.npz"
    np.savez(tampered, **arrays)
    proc = subprocess.run([*cli, "compare", str(tampered), "--framework", "numpy"], capture_output=True, text=True)
    assert proc.returncode == 1 and "[fail]" in proc.stdout and "bicubic" in proc.stdout


DIES_MID_RUN = """
import os, signal, sys
from unisample.conformance import worker

def print_then_die(*args, **kwargs):  # the worker's progress lines go through its module's print
    print_(*args, **kwargs)
    if args and str(args[0]).startswith("progress 20 "):
        os.kill(os.getpid(), signal.SIGKILL)

print_ = print
worker.print = print_then_die
sys.exit(worker.main(sys.argv[1:]))
"""


@pytest.mark.skipif(not (HAS_TORCH and HAS_PADDLE), reason="torch and paddle are needed")
def test_killed_worker_is_a_crashed_row_exit_1_and_the_others_complete(tmp_path, monkeypatch, capsys):
    script = tmp_path / "dies_mid_run.py"
    script.write_text(DIES_MID_RUN)

    def command(framework, out):
        if framework == "paddle":
            return [sys.executable, str(script), framework, out, "--quick"]
        return runner.worker_argv(framework, out, "--quick")

    real_run = runner.run
    monkeypatch.setattr(runner, "run", lambda *a, **kw: real_run(*a, worker_command=command,
                                                                 is_installed=lambda fw: True, **kw))
    assert cli_main(["conformance", "--frameworks", "torch,paddle", "--quick", "--no-porting",
                     "--json", str(tmp_path / "r.json")]) == 1
    out = capsys.readouterr().out
    assert re.search(r"^  paddle\s+crashed .*status -9", out, re.M), out
    assert re.search(r"^paddle\s+crashed", out, re.M) and "FAILED" in out
    torch_run, paddle_run = json.loads((tmp_path / "r.json").read_text())["runs"]
    assert paddle_run["status"] == "crashed" and paddle_run["results"] == []
    assert torch_run["status"] == "ran" and len(torch_run["results"]) == len(catalogue("torch", quick=True))
    # torch's antialiased kernels are wrong on the (5, 1) cases: known, not failures
    assert {r["verdict"] for r in torch_run["results"]} == {"pass", "native defect"}


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_json_schema(tmp_path):
    path = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "conformance", "--frameworks", "torch",
                           "--quick", "--modes", "cubic", "--json", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    data = json.loads(path.read_text())
    assert data["schema"] == "unisample.conformance/1"
    (run,) = data["runs"]
    assert set(run) == {"framework", "status", "seconds", "message", "version", "results"}
    assert set(run["results"][0]) == {"framework", "family", "case", "spec", "verdict", "exact",
                                      "reference_error_eps", "numpy_error_eps", "adapter_error_eps", "bound_eps",
                                      "message"}
    assert {r["family"] for r in run["results"]} == {"cubic", "cubic aa"}


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_assert_resize_matches():
    import torch
    import torch.nn.functional as F

    spec = Upsample(scale_factor=2, mode="bicubic", align_corners=True)
    assert_resize_matches(lambda x: F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=True),
                          spec, to_array=torch.from_numpy)
    assert_resize_matches(spec.to_torch(), spec, to_array=torch.from_numpy)
    # TF's bicubic (a=-0.5) is not torch's
    with pytest.raises(AssertionError, match=r"max difference .* eps > bound"):
        assert_resize_matches(Upsample(scale_factor=2, mode="bicubic", cubic_coeff_a=-0.5, align_corners=True),
                              spec)
    # half-pixel nearest is not floor nearest
    with pytest.raises(AssertionError, match="bit-exactness"):
        assert_resize_matches(lambda x: F.interpolate(x, size=(10, 8), mode="nearest-exact"),
                              Upsample(size=(10, 8)), to_array=torch.from_numpy)
