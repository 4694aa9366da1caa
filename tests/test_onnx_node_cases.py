"""ONNX's own backend node tests for ``Resize`` and ``Upsample``, as a test of ours.

The installed onnx package defines 40 cases (``onnx.backend.test.case.node``:
the models and the expected outputs every ONNX backend is tested against; no
download).  Each model is read as shipped, its ``scales``/``sizes``/``roi``
graph inputs folded with the case's own input values, and the spec is applied
on every installed adapter: nearest modes must equal the expected output bit
for bit, the others lie within the tolerance module's bound.

Two expected outputs are ONNX's reference's own, not what onnxruntime, torch
or unisample compute: align_corners with a scale whose output length is
fractional (``in * scale`` not an integer) divides by ``in * scale - 1``
instead of ``out - 1`` (onnx/onnx#2462; onnxruntime skips these two tests).
They are checked to disagree by the measured amount, and to agree with
onnxruntime.
"""

import importlib.util
import warnings

import numpy as np
import pytest

from unisample import Upsample, tolerance
from unisample.adapters import get_adapter

pytest.importorskip("onnx")

FRAMEWORKS = ["numpy"] + [n for n in ("torch", "tensorflow", "paddle", "jax") if importlib.util.find_spec(n)]

#: the cases whose expected output is ONNX's reference's own, with the measured
#: largest difference from the output of length out - 1 (unisample, onnxruntime)
REFERENCE_ONLY = {
    "test_resize_downsample_scales_linear_align_corners": 0.857,
    "test_resize_downsample_scales_cubic_align_corners": 1.05,
}


def _cases():
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():  # the other operators' cases divide by zero on purpose
        warnings.simplefilter("ignore")
        every = collect_testcases(None)
    found = [c for c in every if c.model.graph.node and c.model.graph.node[0].op_type in ("Resize", "Upsample")]
    return sorted(found, key=lambda c: c.name)


CASES = _cases()


def _read(case):
    """The case's data input, expected output and spec (from the model as shipped)."""
    (inputs, outputs), = case.data_sets
    names = [i.name for i in case.model.graph.input]
    values = dict(zip(names, inputs))
    x = values.pop(names[0])
    return x, outputs[0], Upsample.from_onnx(case.model, input_shape=x.shape, values=values)


def test_onnx_ships_the_forty_resize_and_upsample_cases():
    assert len(CASES) == 40
    assert len(REFERENCE_ONLY.keys() & {c.name for c in CASES}) == 2


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("case", [c for c in CASES if c.name not in REFERENCE_ONLY], ids=lambda c: c.name)
def test_onnx_node_case_on_every_adapter(case, framework):
    x, expected, spec = _read(case)
    adapter = get_adapter(framework)
    y = np.asarray(adapter.to_numpy(spec(adapter.from_numpy(x))))
    passed, error, bound, message = tolerance.compare(spec, x, y, expected)
    assert passed, f"{case.name} on {framework}: {spec!r}: {message}"


@pytest.mark.parametrize("case", [c for c in CASES if c.name in REFERENCE_ONLY], ids=lambda c: c.name)
def test_onnx_reference_alone_divides_align_corners_by_a_fractional_length(case):
    onnxruntime = pytest.importorskip("onnxruntime")
    x, expected, spec = _read(case)
    ours = spec.reference(x)
    assert abs(np.abs(ours - expected).max() - REFERENCE_ONLY[case.name]) < 0.01
    (inputs, _), = case.data_sets
    session = onnxruntime.InferenceSession(case.model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: v for i, v in zip(case.model.graph.input, inputs)}
    passed, _, _, message = tolerance.compare(spec, x, session.run(None, feeds)[0], ours)
    assert passed, message
