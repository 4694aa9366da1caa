"""The reference and the numpy adapter against every framework's native resize
and pixel-shuffle ops.

Each framework's native outputs come from its own worker process (the same
one ``unisample conformance`` runs), so frameworks never share this process:
``import tensorflow`` then ``import paddle`` segfaults.  A framework that is
not installed is skipped; CI installs all four.
"""

import importlib.util

import numpy as np
import pytest

from unisample import Upsample, tolerance
from unisample.conformance.cases import FRAMEWORKS, catalogue
from unisample.conformance.runner import native_defect

from integer_rule import assert_integer_rule

CASES = [(fw, n, case) for fw in FRAMEWORKS for n, case in enumerate(catalogue(fw))]


@pytest.mark.parametrize("framework, n, case", CASES, ids=[c.id for _, _, c in CASES])
def test_reference_and_numpy_adapter_reproduce_native(native_outputs, framework, n, case):
    data = native_outputs(framework)
    assert f"err/{n}" not in data, f"the native call raised: {data.get(f'err/{n}')}"
    x, native = data[f"in/{n}"], data[f"out/{n}"]
    reference, ours = case.spec.reference(x), case.spec(x)
    assert reference.shape == native.shape
    assert ours.dtype == native.dtype
    if native_defect(case.framework, case.spec, x.shape):
        # the native op is known to be wrong here: it is, and unisample computes the spec instead
        assert not tolerance.compare(case.spec, x, native, reference)[0]
        assert tolerance.compare(case.spec, x, ours, reference)[0]
        return
    if case.exact:
        np.testing.assert_array_equal(ours, native)
        # in float64, where 64-bit integers beyond 2**53 (pixel shuffles) round alike on both sides
        np.testing.assert_array_equal(reference, native.astype(np.float64))
        return
    axes = case.spec.spatial_axes(x.ndim)
    resized = [x.shape[a] for a in axes if x.shape[a] != native.shape[a]]
    bound = tolerance.bound_in_eps(case.dtype, resized)
    scale = tolerance.scale_of(x)
    assert tolerance.error_in_eps(reference, native, case.dtype, scale) <= bound
    assert tolerance.error_in_eps(ours, native, case.dtype, scale) <= bound


def test_catalogue_ids_are_unique_and_cover_every_mode():
    for fw in FRAMEWORKS:
        cases = catalogue(fw)
        assert len({c.id for c in cases}) == len(cases)
    resizes = [c for _, _, c in CASES if isinstance(c.spec, Upsample)]
    assert len(resizes) < len(CASES)  # and pixel shuffles (tests/test_shuffle_conformance.py)
    kernels = {(c.spec.kernel, c.spec.antialias) for c in resizes}
    for kernel in ("nearest", "linear", "cubic", "area", "lanczos3", "lanczos5"):
        assert (kernel, False) in kernels
    for kernel in ("linear", "cubic", "lanczos3", "lanczos5"):
        assert (kernel, True) in kernels
    transforms = {c.spec.coordinate_transform for c in resizes}
    assert {"half_pixel", "asymmetric", "align_corners", "paddle_half_pixel"} <= transforms
    assert any(1 in c.spec.output_shape(c.shape)[1:] for c in resizes)  # output length 1


# -- integer and half-precision paths against PyTorch's own -------------------------

torch = pytest.importorskip("torch") if importlib.util.find_spec("torch") else None


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("mode, size, antialias", [
    ("bilinear", (9, 13), False), ("bicubic", (9, 13), False), ("bilinear", (4, 3), False),
    ("bilinear", (4, 3), True), ("bicubic", (3, 2), True), ("nearest", (9, 13), False),
    ("nearest-exact", (5, 3), False)])
def test_uint8_rounds_like_pytorch(mode, size, antialias):
    import torch.nn.functional as F

    from unisample import Upsample

    x = np.random.default_rng(3).integers(0, 256, (2, 3, 7, 6), dtype=np.uint8)
    native = F.interpolate(torch.from_numpy(x), size=size, mode=mode, antialias=antialias).numpy()
    # PyTorch resamples width, rounds, then height, like our rule, but with
    # fixed-point weights of about 15 bits: at most 4 taps * 255 * 2**-15 = 0.031 off.
    assert_integer_rule(Upsample(size=size, mode=mode, antialias=antialias), x, native, margin=0.032)


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "area", "nearest"])
def test_float16_matches_pytorch(mode):
    import torch.nn.functional as F

    x = np.random.default_rng(4).standard_normal((2, 3, 7, 6)).astype(np.float16)
    native = F.interpolate(torch.from_numpy(x), size=(11, 4), mode=mode).numpy()
    ours = __import__("unisample").Upsample(size=(11, 4), mode=mode)(x)
    assert ours.dtype == np.float16
    if mode == "nearest":
        np.testing.assert_array_equal(ours, native)
    else:
        bound = tolerance.bound_in_eps("float16", [7, 6])
        assert tolerance.error_in_eps(ours, native, "float16", tolerance.scale_of(x)) <= bound
