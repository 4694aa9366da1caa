"""Assertions for your own test suite: does your resize compute a spec?

    from unisample import Upsample
    from unisample.testing import assert_resize_matches

    def test_decoder_upsampling():
        spec = Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        assert_resize_matches(my_model.up1, spec, to_array=torch.from_numpy)

``fn`` is called on each input (converted by ``to_array``) and its output,
converted back to numpy, is compared with ``spec.reference`` by
``unisample.tolerance.compare``: NaN and infinities where the reference has
them, the rest bit-exact for nearest modes and within the bound the frameworks
themselves are held to otherwise.  Imports numpy only.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional

import numpy as np

from . import tolerance
from .spec import Upsample

__all__ = ["assert_resize_matches", "default_inputs"]


def default_inputs(spec: Upsample, dtype=np.float32) -> list:
    """A few N(0, 1) inputs shaped for ``spec``: odd, even and length-1 spatial sizes."""
    rank = spec.spatial_rank or 2
    rng = np.random.default_rng(0)
    inputs = []
    for lengths in ((7, 5, 3), (8, 6, 4), (1, 9, 2)):
        spatial = lengths[:rank]
        shape = (2,) + spatial + (3,) if spec.channels_last else (2, 3) + spatial
        try:
            spec.output_shape(shape)
        except ValueError:
            continue  # a scale factor that shrinks this input to nothing
        inputs.append(rng.standard_normal(shape).astype(dtype))
    return inputs


def assert_resize_matches(fn: Callable, spec: Upsample, inputs: Optional[Iterable] = None,
                          to_array: Optional[Callable] = None) -> None:
    """Raise ``AssertionError`` unless ``fn(x)`` computes ``spec`` on every input.

    ``inputs``: numpy arrays or arrays of any supported framework (default:
    ``default_inputs(spec)``); ``to_array`` converts each before the call
    (e.g. ``torch.from_numpy``).
    """
    from .adapters import adapter_for

    if not isinstance(spec, Upsample):
        raise TypeError(f"spec: got {type(spec).__name__}; expected a unisample.Upsample")
    for x in default_inputs(spec) if inputs is None else inputs:
        x_in = to_array(x) if to_array is not None else x
        x_np = np.asarray(adapter_for(x_in).to_numpy(x_in))
        y = fn(x_in)
        try:
            y_np = np.asarray(adapter_for(y).to_numpy(y))
        except TypeError:
            y_np = np.asarray(y)
        expected = spec.reference(x_np)
        where = f"on input {x_np.dtype}{list(x_np.shape)}"
        ok, error, bound, message = tolerance.compare(spec, x_np, y_np, expected)
        if ok:
            continue
        if bound:  # within the finite values: say by how much
            worst = float(np.nanmax(np.abs(y_np.astype(np.float64) - expected)))
            message = f"max difference {worst:.3g} = {error:.1f} eps > bound {bound:.1f} eps"
        elif bound == 0.0:
            message = f"nearest output differs from the spec (bit-exactness required; max difference {error:.1f} eps)"
        raise AssertionError(f"{spec!r} {where}: {message}: not the same numbers")
