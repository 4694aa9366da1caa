"""jax's vocabulary for ``unisample port``: the calls it reads
(``jax.image.resize``, ``jax.image.scale_and_translate``) and the calls it writes."""

from __future__ import annotations

from typing import Dict, Iterator

from unisample.porting import NativeCall, Signature, Target, out_size as _out_size, size_code as _size_code
from unisample.spec import Upsample

from . import from_native  # noqa: F401  (Upsample.from_jax reads it here)

#: callee -> (positional parameters, whether the first positional is the input, what the callee fixes);
#: data_format: unisample's own keyword saying where JAX's channels are (default last)
SIGNATURES: Dict[str, Signature] = {
    "resize": (("shape", "method", "antialias", "precision", "data_format", "input_shape"), True, {}),
    "scale_and_translate": (("shape", "spatial_dims", "scale", "translation", "method", "antialias",
                             "precision", "data_format"), True, {"function": "jax.image.scale_and_translate"}),
}


def calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    """jax's own calls for a spec of ``rank`` spatial axes."""
    size = _size_code(spec, rank, 1)
    for method in ("nearest", "linear", "cubic", "lanczos3", "lanczos5"):
        for aa in (False, True) if method != "nearest" else (False,):
            code = (f"import jax\nresize = lambda x: jax.image.resize(x, (x.shape[0], {size}, x.shape[-1]), "
                    f"method={method!r}, antialias={aa})")
            yield NativeCall(code, lambda n, m=method, a=aa: {"shape": (1, *_out_size(spec, n), 1), "method": m,
                                                               "antialias": a, "data_format": "channels_last"})
            if spec.scale_factor is not None and method != "nearest":
                factors = spec.per_axis("scale_factor", rank)
                code = ("import jax, jax.numpy as jnp\nresize = lambda x: jax.image.scale_and_translate("
                        f"x, (x.shape[0], {size}, x.shape[-1]), spatial_dims={tuple(range(1, rank + 1))}, "
                        f"scale=jnp.array({[float(f) for f in factors]}), translation=jnp.zeros({rank}), "
                        f"method={method!r}, antialias={aa})")
                yield NativeCall(code, lambda n, m=method, a=aa, fs=factors: {
                    "function": "jax.image.scale_and_translate", "shape": (1, *_out_size(spec, n), 1),
                    "spatial_dims": tuple(range(1, rank + 1)), "scale": fs, "translation": 0.0,
                    "method": m, "antialias": a})



TARGETS = (Target("jax", ("jax",), SIGNATURES, lambda kw: Upsample.from_jax(kw), calls, "channels_last",
                  "{}.to_jax()", adapter="jax"),)
