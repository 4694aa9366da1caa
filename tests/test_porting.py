"""The porting matrix for torch, paddle, tensorflow and jax arrays.

Every native configuration of every framework (torch, TF/Keras, paddle, JAX;
resizes and pixel shuffles),
turned into a spec (by ``Upsample.from_torch`` / ``from_paddle`` /
``from_keras`` for those), applied to torch, paddle, TF and jax arrays, must give
that framework's native output:
through ``up(x)`` (the adapter's native call where its table allows, taps
elsewhere) and through the taps alone (a pixel shuffle: its permutation alone).
"""

import importlib.util

import numpy as np
import pytest

from unisample import tolerance
from unisample.conformance.cases import FRAMEWORKS, catalogue
from unisample.conformance.runner import native_defect
from unisample.shuffle import is_shuffle

CASES = [(fw, n, case) for fw in FRAMEWORKS for n, case in enumerate(catalogue(fw))]
ADAPTERS = [name for name in ("torch", "paddle", "tensorflow", "jax") if importlib.util.find_spec(name) is not None]


def assert_reproduces(case, x, native, ours):
    assert ours.shape == native.shape
    if case.exact:
        np.testing.assert_array_equal(ours, native)
        return
    axes = case.spec.spatial_axes(x.ndim)
    resized = [x.shape[a] for a in axes if x.shape[a] != native.shape[a]]
    error = tolerance.error_in_eps(ours, native, case.dtype, tolerance.scale_of(x))
    assert error <= tolerance.bound_in_eps(case.dtype, resized)


@pytest.mark.skipif(not ADAPTERS, reason="none of torch, paddle, tensorflow, jax is installed")
@pytest.mark.parametrize("adapter", ADAPTERS or ["torch"])
@pytest.mark.parametrize("framework, n, case", CASES, ids=[c.id for _, _, c in CASES])
def test_porting_matrix(native_outputs, adapter, framework, n, case, request):
    from unisample.adapters import get_adapter

    if adapter == "jax" and case.dtype in ("float64", "int64"):
        request.getfixturevalue("x64")  # else jax holds them in 32 bits (README "JAX")

    data = native_outputs(framework)
    x, native = data[f"in/{n}"], data[f"out/{n}"]
    if native_defect(framework, case.spec, x.shape):  # the native op is known wrong here: the spec is the answer
        native = case.spec.reference(x).astype(native.dtype)
    module = get_adapter(adapter)
    paths = [case.spec]
    if is_shuffle(case.spec):  # its portable permutation, beside the native op the adapter may call
        paths.append(lambda t: module.permute(case.spec, t))
    elif adapter != "jax":  # jax's resize is its taps path
        paths.append(lambda t: module.apply_taps(case.spec, t))
    for path in paths:
        given = module.from_numpy(x)
        result = path(given)
        assert module.is_array(result)
        assert str(result.dtype) == str(given.dtype)
        assert_reproduces(case, x, native, module.to_numpy(result))
