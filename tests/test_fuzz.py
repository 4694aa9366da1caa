"""The differential fuzz (``unisample conformance --fuzz``): its generator drives
property tests here (hypothesis, derandomised) on every adapter in this
process; the command runs a fixed seed on every installed framework; a
recorded case of torch's antialias defect fails it once torch's own op is
let back in."""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from unisample import Upsample
from unisample.conformance import fuzz
from unisample.spec import MODES

FRAMEWORKS = ["numpy"] + [n for n in ("torch", "tensorflow", "paddle", "jax") if importlib.util.find_spec(n)]
HAS_TORCH = "torch" in FRAMEWORKS

#: examples per framework: the frameworks dispatch each op of every case
#: afresh (JAX compiles them), so fewer for them
EXAMPLES = {"numpy": 300, "torch": 150, "tensorflow": 60, "paddle": 100, "jax": 20}

#: case 938 of seed 1, as drawn when this test was last updated (the draws
#: follow the mode table and the extras drawn): torch's own antialiased kernel
#: repeats the first output row here (output width 1, the height changing
#: from 5 to 2), and the torch adapter must not call it
RECORDED = (1, 938, "fuzz seed 1 case 938: Upsample(size=(2, 1), mode='bilinear', antialias=True) "
                    "on float32[1, 3, 5, 16] (normal)")


def check(framework, case):
    x = fuzz.make_input(case)
    outputs = list(fuzz.outputs(framework, case, x))
    assert outputs
    for path, y in outputs:
        if path == "skipped":
            continue
        assert not isinstance(y, Exception), f"{case.id}: {path} raised {y!r}"
        ok, _, _, message = fuzz.judge(case, x, y)
        assert ok, f"{framework} {path}: {case.id}: {message}"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_random_cases_equal_the_reference(framework):
    if framework == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)  # as in the fuzz's worker: integers and float64 as elsewhere

    @settings(max_examples=EXAMPLES[framework], derandomize=True, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(0, 2**32 - 1), index=st.integers(0, 10**6))
    def property(seed, index):
        check(framework, fuzz.draw(seed, index))

    try:
        property()
    finally:
        if framework == "jax":
            jax.config.update("jax_enable_x64", False)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_random_pixel_shuffles_equal_the_input_permuted(framework, x64):
    @settings(max_examples=EXAMPLES[framework], derandomize=True, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(seed=st.integers(0, 2**32 - 1), index=st.integers(0, 10**6))
    def property(seed, index):
        check(framework, fuzz.draw_shuffle(seed, index))

    property()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_unsigned_crop_and_resize_case_the_fuzz_found(framework, x64):
    # case 1101 of seed 1: tf_crop_and_resize's fill on uint32; the torch adapter compared a mask of the
    # output's dtype, and torch has no comparison kernels for uint16/32/64
    case = fuzz.draw(1, 1101)
    assert case.dtype == "uint32" and case.spec.coordinate_transform == "tf_crop_and_resize"
    check(framework, case)


def test_cases_are_the_same_in_every_process():
    code = "from unisample.conformance import fuzz; print(fuzz.draw(7, 123).id)"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == fuzz.draw(7, 123).id
    a, b = fuzz.make_input(fuzz.draw(7, 123)), fuzz.make_input(fuzz.draw(7, 123))
    np.testing.assert_array_equal(a, b)


def test_generator_covers_modes_dtypes_ranks_and_non_finite_inputs():
    drawn = [c for c in fuzz.cases(2000, 1) if isinstance(c.spec, Upsample)]  # the resizes
    assert len(drawn) == 2000
    assert {c.spec.mode for c in drawn} == set(MODES)  # every row of the mode table
    assert {c.dtype for c in drawn} == set(fuzz.FLOAT_DTYPES) | set(fuzz.INTEGER_DTYPES)
    assert {len(c.shape) for c in drawn} == {3, 4, 5}
    assert sum(bool(c.nonfinite) for c in drawn) > 300
    assert sum(c.spec.antialias for c in drawn) > 150
    assert sum(1 in c.spec.output_size([c.shape[a] for a in c.spec.spatial_axes(len(c.shape))]) for c in drawn) > 200
    assert {c.spec.channels_last for c in drawn} == {False, True}


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed")
def test_recorded_torch_antialias_case_fails_once_torchs_op_is_let_back_in(monkeypatch):
    from unisample.adapters import torch as adapter

    seed, index, recorded = RECORDED
    case = fuzz.draw(seed, index)
    assert case.id == recorded  # the generator still draws it
    shape = case.spec.output_size(case.shape[2:])
    assert case.spec.antialias and shape[1] == 1 and shape[0] not in (1, case.shape[2])
    check("torch", case)  # adapter, taps path: the filter; no native output (the table refuses it)
    x = fuzz.make_input(case)
    assert "native" not in dict(fuzz.outputs("torch", case, x))
    # the mutation: torch's native op allowed again for this case
    monkeypatch.setattr(adapter, "native_defect", lambda spec, in_size: None)
    adapter.native_kwargs.cache_clear()
    try:
        results = dict(fuzz.outputs("torch", case, x))
        assert "native" in results
        for path in ("adapter", "native"):
            ok, error, bound, message = fuzz.judge(case, x, results[path])
            assert not ok and error > 1000 * bound, (path, message)
    finally:
        monkeypatch.undo()
        adapter.native_kwargs.cache_clear()


def test_the_command_runs_a_fixed_seed_on_every_installed_framework():
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "conformance", "--fuzz", "150", "--seed", "0"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "OK:" in proc.stdout
    for framework in FRAMEWORKS + (["onnxruntime"] if importlib.util.find_spec("onnxruntime") else []):
        assert f"\n{framework} " in proc.stdout


def test_a_failure_prints_the_command_that_replays_it(tmp_path):
    case = fuzz.draw(3, 41)
    command = fuzz.replay_command(case, "torch")
    assert command == f"unisample conformance --fuzz 42 --seed 3 --frameworks torch --case '{case.label}'"
    assert [c.id for c in fuzz.cases(42, 3, case.label)] == [case.id]
    assert fuzz.case_of(3, case.id) == case


def test_a_pixel_shuffle_failure_replays_its_own_stream():
    # shuffle case 8 comes with 41 resize cases (one per five, rounded up) and
    # no fewer; its label matches neither resize case 8 nor shuffle case 18
    case = fuzz.draw_shuffle(3, 8)
    command = fuzz.replay_command(case, "numpy")
    assert command == f"unisample conformance --fuzz 41 --seed 3 --case '{case.label}'"
    assert [c.id for c in fuzz.cases(41, 3, case.label)] == [case.id]
    assert fuzz.cases(40, 3, case.label) == []
    assert fuzz.case_of(3, case.id) == case and fuzz.case_of(3, fuzz.draw(3, 8).id) == fuzz.draw(3, 8)


def test_nothing_compared_is_a_failure():
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "conformance", "--fuzz", "5", "--frameworks",
                           "numpy", "--case", "no such case"], capture_output=True, text=True)
    assert proc.returncode == 3 and "nothing was compared: no case matches --case 'no such case'" in proc.stderr
