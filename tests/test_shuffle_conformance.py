"""Pixel shuffles in the conformance suite: the catalogues, the atlas, records
and the fuzz.

The catalogues' native outputs come from the frameworks' own ops, run in
worker processes by ``unisample conformance``; the atlas's expected numbers
are derived here from the two orders' definitions (``by_definition`` of
tests/shuffle_definition.py), not from unisample's plan.
"""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
from shuffle_definition import by_definition

from unisample import PixelShuffle, PixelUnshuffle, tolerance
from unisample.conformance import atlas, fuzz, runner
from unisample.conformance.cases import SHUFFLE_DTYPES, catalogue, make_input
from unisample.ops import family_of, is_exact, kernel_of, spec_from_dict

HAS = {name: importlib.util.find_spec(name) is not None for name in ("torch", "tensorflow", "paddle", "jax",
                                                                     "onnxruntime")}
CLI = [sys.executable, "-m", "unisample.cli"]


def _shuffles(framework):
    return catalogue(framework, kernels=["shuffle"])


@pytest.mark.parametrize("framework, calls, factors, dtypes", [
    ("torch", {"F.pixel_shuffle", "F.pixel_unshuffle"}, {1, 2, 3, 4}, set(SHUFFLE_DTYPES) | {"float32"}),
    # TF and Keras refuse block_size 1 (tests/test_shuffle.py measures it)
    ("tensorflow", {"tf.nn.depth_to_space", "tf.nn.space_to_depth", "keras.ops.depth_to_space",
                    "keras.ops.space_to_depth"}, {2, 3, 4}, set(SHUFFLE_DTYPES) | {"float32"}),
    # paddle's pixel shuffles have float32 and float64 kernels only
    ("paddle", {"F.pixel_shuffle", "F.pixel_unshuffle"}, {1, 2, 3, 4}, {"float32", "float64"}),
    # onnxruntime's DepthToSpace / SpaceToDepth take floats and uint8
    ("onnxruntime", {"onnx.DepthToSpace", "onnx.SpaceToDepth"}, {1, 2, 3, 4},
     {"float32", "float16", "float64", "uint8"}),
])
def test_each_catalogue_lists_its_frameworks_pixel_shuffles(framework, calls, factors, dtypes):
    cases = _shuffles(framework)
    assert {c.call for c in cases} == calls
    assert {c.spec.factors(2)[0] for c in cases} == factors
    assert {c.dtype for c in cases} == dtypes
    assert {family_of(c.spec) for c in cases} == {"pixel shuffle", "pixel unshuffle"}
    # both layouts where the framework takes both (TF's own ops NHWC only, Keras' both)
    both = framework in ("tensorflow", "paddle")
    assert {c.spec.channels_last for c in cases} == ({False, True} if both else {False})
    assert all(c.exact for c in cases)


def test_the_catalogue_reads_each_order_as_its_framework_computes_it():
    orders = {(c.framework, c.call, c.kwargs.get("data_format"), c.kwargs.get("mode")): c.spec.order
              for c in catalogue(kernels=["shuffle"])}
    assert orders[("torch", "F.pixel_shuffle", None, None)] == "CRD"
    assert orders[("tensorflow", "tf.nn.depth_to_space", None, None)] == "DCR"
    # Keras on the TF backend: DCR in both layouts (CRD on jax and torch: tests/test_shuffle.py)
    assert orders[("tensorflow", "keras.ops.depth_to_space", "channels_first", None)] == "DCR"
    assert orders[("paddle", "F.pixel_shuffle", "NHWC", None)] == "CRD"
    assert orders[("onnxruntime", "onnx.DepthToSpace", None, "CRD")] == "CRD"
    assert orders[("onnxruntime", "onnx.SpaceToDepth", None, None)] == "DCR"


def test_inputs_span_every_dtype_and_are_distinct_where_they_can_be():
    for c in catalogue("torch", kernels=["shuffle"]):
        x = make_input(c)
        assert x.dtype == np.dtype(c.dtype) and x.shape == c.shape
        if c.dtype in ("int64", "float32", "float64"):
            assert len(np.unique(x)) == x.size  # a wrong permutation cannot hide behind equal values
        if c.dtype == "int64":
            assert np.abs(x.astype(np.float64)).max() > 2.0**53  # beyond what float64 holds exactly
        if c.dtype == "bool":
            assert x.any() and not x.all()


@pytest.mark.skipif(not HAS["torch"], reason="torch is not installed")
def test_a_spec_of_the_wrong_order_fails_against_torchs_own_op():
    import torch
    import torch.nn.functional as F

    case = next(c for c in catalogue("torch", kernels=["shuffle"]) if c.kwargs == {"upscale_factor": 2}
                and c.dtype == "float32" and c.shape[1] == 12)  # 3 channels: the orders differ
    x = make_input(case)
    native = F.pixel_shuffle(torch.from_numpy(x), 2).numpy()
    assert runner._compare(case, x, native).verdict == "pass"
    wrong = type(case)(case.framework, case.call, case.kwargs_json, case.shape,
                       PixelShuffle(2, order="DCR", data_format="NCHW"))
    result = runner._compare(wrong, x, native)
    assert result.verdict == "fail" and "bit-exactness" in result.message


def test_integers_are_compared_as_integers():
    # two int64 values beyond 2**53 one apart are one float64: compared as integers they differ
    spec = PixelShuffle(1)
    x = np.full((1, 1, 1, 2), 2**62 + 1, np.int64)
    off = x.copy()
    off[0, 0, 0, 1] -= 1
    assert float(off[0, 0, 0, 1]) == float(x[0, 0, 0, 1])
    assert tolerance.compare(spec, x, x, x)[0]
    assert not tolerance.compare(spec, x, off, x)[0]


def test_ops_know_both_families():
    for spec in (PixelShuffle((2, 3), order="DCR", data_format="NHWC"), PixelUnshuffle(4)):
        assert spec_from_dict(spec.to_dict()) == spec and kernel_of(spec) == "shuffle" and is_exact(spec)
    from unisample import Upsample

    up = Upsample(scale_factor=2, mode="bicubic", antialias=True)
    assert spec_from_dict(up.to_dict()) == up and family_of(up) == "cubic aa" and not is_exact(up)
    assert family_of(PixelUnshuffle(2)) == "pixel unshuffle"


def test_the_atlas_shows_what_a_naive_port_scrambles():
    # torch's pixel_shuffle ported to tf.nn.depth_to_space (DCR) moves the channels; ported to
    # paddle's pixel_shuffle (CRD) it does not, and JAX has no op at all.  "native" outputs here are
    # computed from the definition of each order, independently of unisample's plan.
    cases = [c for c in catalogue("torch", kernels=["shuffle"]) if c.call == "F.pixel_shuffle"
             and c.dtype == "float32"]
    items = []
    for c in cases:
        x = make_input(c)
        items.append((c, x, by_definition(x, (c.spec.factors(2)[0],) * 2, "CRD")))
    # other dtypes are left out: an int64 input spans 1e19, N(0, 1) floats do not
    wide = next(c for c in catalogue("torch", kernels=["shuffle"]) if c.dtype == "int64" and c.spec.shuffles)
    x = make_input(wide)
    extra = [(wide, x, by_definition(x, (2, 2), "CRD"))]
    rows = {(r["family"], r["target"]): r for r in atlas.atlas({"torch": items + extra})}
    to_tf, to_paddle, to_jax = (rows[("pixel shuffle", t)] for t in ("tensorflow", "paddle", "jax"))
    assert to_tf["cases"] == len(cases)
    # factor 1 cannot be ported to TF (it refuses block_size 1); the rest are
    assert to_tf["expressible"] == sum(c.spec.factors(2)[0] > 1 for c in cases)
    worst = max(float(np.abs(by_definition(x, (c.spec.factors(2)[0],) * 2, "DCR").astype(np.float64) - native).max())
                for c, x, native in items if c.spec.factors(2)[0] > 1)
    assert to_tf["worst"] == worst > 1.0
    # one output channel: both orders are the same permutation; three: every case scrambles
    assert to_tf["differ"] == sum(c.spec.factors(2)[0] > 1 and c.shape[1] // c.spec.factors(2)[0] ** 2 == 3
                                  for c in cases) > 0
    assert to_paddle["expressible"] == len(cases) and to_paddle["worst"] == 0.0 and to_paddle["differ"] == 0
    assert to_jax["expressible"] == 0 and to_jax["worst"] is None


@pytest.mark.skipif(not all(HAS[f] for f in ("torch", "tensorflow", "paddle", "jax", "onnxruntime")),
                    reason="needs every framework")
def test_the_shuffle_conformance_rows_are_green_on_every_framework():
    proc = subprocess.run([*CLI, "conformance", "--modes", "shuffle"], capture_output=True, text=True, timeout=600)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr[-2000:]
    for framework in ("torch", "tensorflow", "paddle", "onnxruntime"):
        for family in ("pixel shuffle", "pixel unshuffle"):
            assert any(line.split()[:3] == [framework, *family.split()] for line in out.splitlines()), (framework,
                                                                                                        family)
    expected = len(catalogue(kernels=["shuffle"]))
    assert f"OK: {expected} native outputs of 4 framework(s) are reproduced" in out
    # JAX has no op of its own, yet its adapter replays everyone's outputs
    matrix = out[out.index("porting matrix"):].splitlines()
    assert matrix[1].split()[-4:] == ["torch", "tensorflow", "paddle", "jax"]
    for line in matrix[3:7]:
        cells = line.split()[1:]
        assert len(cells) == 4 and all(a == b for a, b in (cell.split("/") for cell in cells)), line


@pytest.mark.skipif(not (HAS["torch"] and HAS["jax"]), reason="needs torch and jax")
def test_a_shuffle_record_replays_through_another_adapter(tmp_path):
    recorded = tmp_path / "torch.npz"
    proc = subprocess.run([*CLI, "record", "--framework", "torch", "--modes", "shuffle", "-o", str(recorded)],
                          capture_output=True, text=True)
    count = len(catalogue("torch", kernels=["shuffle"]))
    assert proc.returncode == 0 and f"recorded {count} native torch" in proc.stdout, proc.stdout + proc.stderr
    # jax replays float64 and int64 in 64 bits, as every other adapter computes them
    proc = subprocess.run([*CLI, "compare", str(recorded), "--framework", "jax"], capture_output=True, text=True)
    assert proc.returncode == 0 and "recorded outputs are reproduced" in proc.stdout, proc.stdout
    with np.load(recorded) as data:
        arrays = dict(data)
    n = next(i for i in range(count) if "int64" in str(arrays[f"id/{i}"]))
    arrays[f"out/{n}"] = arrays[f"out/{n}"][:, ::-1]  # channels in the other order
    np.savez(tmp_path / "tampered.npz", **arrays)
    proc = subprocess.run([*CLI, "compare", str(tmp_path / "tampered.npz"), "--framework", "numpy"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "[fail]" in proc.stdout and "pixel_shuffle" in proc.stdout


def test_the_fuzz_draws_every_kind_of_pixel_shuffle():
    drawn = [fuzz.draw_shuffle(0, k) for k in range(400)]
    assert {type(c.spec) for c in drawn} == {PixelShuffle, PixelUnshuffle}
    assert {c.spec.order for c in drawn} == {"CRD", "DCR"}
    assert {c.spec.channels_last for c in drawn} == {False, True}
    assert {len(c.shape) - 2 for c in drawn} == {1, 2, 3}
    assert any(isinstance(c.spec.factor, tuple) for c in drawn)
    assert {"bool", "int64", "uint64", "bfloat16", "float16"} <= {c.dtype for c in drawn}
    assert any(c.nonfinite for c in drawn) and any(c.fill == "extremes" for c in drawn)
    # where the frameworks' own ops apply (2 axes, one factor, channels first, CRD: torch's)
    assert sum(c.spec.square_factor(4) is not None and c.spec.order == "CRD" and not c.spec.channels_last
               and len(c.shape) == 4 for c in drawn) > 20
    # the resize cases of a seed are what they were: the shuffles come after them
    assert [c.id for c in fuzz.cases(10, 0)][:10] == [fuzz.draw(0, k).id for k in range(10)]
    assert len(fuzz.cases(10, 0)) == 12


def test_the_fuzz_judge_holds_a_shuffle_to_the_inputs_own_elements():
    case = next(c for c in (fuzz.draw_shuffle(1, k) for k in range(200))
                if c.dtype == "int64" and c.spec.shuffles and np.prod(c.shape) > 8)
    x = fuzz.make_input(case)
    y = case.spec(x)
    assert fuzz.judge(case, x, y)[0]
    assert not fuzz.judge(case, x, y.astype(np.int32))[0]  # another dtype
    flat = y.reshape(-1).copy()
    flat[[0, -1]] = flat[[-1, 0]]
    assert not fuzz.judge(case, x, flat.reshape(y.shape))[0] or flat[0] == flat[-1]


def test_the_fuzz_runs_pixel_shuffles_on_numpy():
    proc = subprocess.run([*CLI, "conformance", "--fuzz", "20", "--seed", "7", "--frameworks", "numpy"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "shuffle adapter" in proc.stdout and "20 random resizes and 4 pixel shuffles" in proc.stdout


def test_an_onnx_attribute_the_reader_does_not_know_is_refused():
    # a misspelled mode would otherwise leave DepthToSpace's default, DCR: the other order
    from unisample import port
    from unisample.onnx_shuffle import spec_of_node

    with pytest.raises(ValueError, match=r"unknown attributes \['Mode'\]; DepthToSpace has blocksize, mode"):
        spec_of_node("DepthToSpace", {"blocksize": 2, "Mode": "CRD"})
    with pytest.raises(ValueError, match=r"unknown attributes \['mode'\]; SpaceToDepth has blocksize"):
        port("onnx: SpaceToDepth(blocksize=2, mode='CRD')")
    assert port("onnx: DepthToSpace(blocksize=2, mode='CRD')")[0] == PixelShuffle(2, order="CRD", data_format="NCHW")


def test_integers_of_another_dtype_are_not_the_same_output():
    x = np.arange(8, dtype=np.int64).reshape(1, 8, 1, 1)
    ok, _, _, message = tolerance.compare(PixelShuffle(2), x, x.astype(np.int32), x)
    assert not ok and message == "output dtype int32, expected int64"


def test_the_fuzz_judge_holds_floats_to_their_dtype_and_sign():
    case = next(c for c in (fuzz.draw_shuffle(2, k) for k in range(300)) if c.dtype == "float32" and not c.nonfinite)
    x = fuzz.make_input(case)
    y = case.spec(x)
    assert fuzz.judge(case, x, y)[0]
    assert fuzz.judge(case, x, y.astype(np.float64))[2:] == (None, "output dtype float64, expected float32")
    zeros = np.zeros_like(x)
    assert not fuzz.judge(case, zeros, -case.spec(zeros))[0]  # -0.0 is not the input's 0.0


def test_the_numpy_fuzz_counts_a_dtype_it_cannot_make_as_skipped(monkeypatch):
    monkeypatch.setattr(fuzz, "outputs", lambda framework, case, x: iter([("skipped", TypeError("no bfloat16"))]))
    run = fuzz.check_numpy(3, 0)
    assert {r.verdict for r in run.results} == {"skipped"}


def test_the_report_pictures_no_failing_case_without_an_output():
    from unisample.conformance import report

    case = catalogue("torch", kernels=["shuffle"])[0]
    result = runner.CaseResult("torch", "pixel shuffle", case.id, case.spec.to_dict(), "native error", True,
                               message="RuntimeError: no kernel")
    page = report.render([runner.FrameworkRun("torch", "ran", results=[result])])
    assert "FAILED" in page and "class='visual-diff'" not in page
