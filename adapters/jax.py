"""The jax adapter.

``resize`` applies the taps through ``unisample.portable``: an enlarging pass
with periodic taps as weighted sums of strided slices per phase (XLA fuses
them), every other pass with ``jnp.take`` / multiply / add.  It never calls
``jax.image.resize``: that op builds a dense ``(in, out)`` weight matrix per
axis and contracts with it, which is several times slower
(``benchmarks/jax_speed.py``).  The taps are numpy constants computed from
static shapes, so ``resize`` works under ``jax.jit`` (the spec is hashable:
pass it as a static argument, or close over it), ``jax.vmap`` and
``jax.grad``, and keeps the input's sharding: slices and gathers along a
spatial axis leave a batch-sharded input batch-sharded.  Nothing here imports
jax until one of its arrays is seen.
"""

from __future__ import annotations

import functools
from typing import Optional

import numpy as np

from unisample import portable
from unisample.dtypes import dtype_class, round_passes
from unisample.reference import apply_taps as apply_passes

from ._common import cached_table, framework_array, native_config

NAME = "jax"


def is_array(x) -> bool:
    return framework_array(x, NAME, ("Array",))


def to_numpy(x) -> np.ndarray:
    x = np.asarray(x)
    return x.astype(np.float32) if x.dtype.name == "bfloat16" else x

def from_numpy(x: np.ndarray):
    import jax.numpy as jnp

    return jnp.asarray(x)


@cached_table
def native_kwargs(spec, in_size, dtype_kind: str) -> Optional[dict]:
    """Always None: ``jax.image.resize`` is never faster than the taps (see the module docstring)."""
    return None


def native(spec, x):
    return None


class _JaxOps(portable.ArrayOps):
    """``unisample.portable``'s operations in jax.numpy.  Numpy constants stay
    numpy (jit embeds them).  Enlarging passes run per phase from strided
    slices, which XLA fuses; no blocked products: XLA on CPU ran them slower
    than its gathers (see ``benchmarks/jax_speed.py``)."""

    blocks = False
    phases = True

    def constant(self, a, like):
        return a.astype(like.dtype)

    def take(self, x, index, axis):
        import jax.numpy as jnp

        return jnp.take(x, index, axis=axis)

    def slice(self, x, start, stop, step, axis):
        import jax

        return jax.lax.slice_in_dim(x, start, stop, step, axis)

    def concat(self, parts, axis):
        import jax.numpy as jnp

        return jnp.concatenate(parts, axis=axis)

    def reshape(self, x, shape):
        return x.reshape(shape)


_apply_axis = functools.partial(portable.apply_axis, ops=_JaxOps())


def apply_taps(spec, x):
    """``spec`` applied to ``x`` through the taps with jax.numpy (any mode, any dtype)."""
    import jax.numpy as jnp

    kind = dtype_class(x.dtype.name, NAME)
    axes = spec.spatial_axes(x.ndim)
    taps = spec.taps(tuple(int(x.shape[a]) for a in axes))
    if kind == "integer" and spec.kernel != "nearest":
        # float64 needs jax_enable_x64; float32 holds every integer up to 2**24 exactly
        y = x.astype(jnp.float64 if jnp.zeros(0).dtype == jnp.float64 else jnp.float32)
        y = round_passes(y, taps, axes, np.iinfo(x.dtype.name), apply_axis=_apply_axis, floor=jnp.floor, clip=jnp.clip)
        return y.astype(x.dtype)
    y = x.astype(jnp.float32) if kind == "half" else x
    y = apply_passes(y, taps, axes, apply_axis=_apply_axis)
    return y.astype(x.dtype)


def resize(spec, x):
    return apply_taps(spec, x)


def layer(spec):
    """A jittable function computing ``spec`` (JAX has no layer class of its own)."""
    import jax

    return jax.jit(lambda x: resize(spec, x))


_RESIZE_KEYS = ("function", "shape", "method", "antialias", "precision", "spatial_dims", "scale", "translation",
                "data_format")
_METHODS = {"nearest": "nearest", "linear": "linear", "bilinear": "linear", "trilinear": "linear",
            "triangle": "linear", "cubic": "cubic", "bicubic": "cubic", "tricubic": "cubic",
            "lanczos3": "lanczos3", "lanczos5": "lanczos5"}
_LINEAR_BY_RANK = {1: "linear", 2: "bilinear", 3: "trilinear"}


def from_native(obj):
    """The spec of ``jax.image.resize`` (``{"shape", "method", "antialias"}``) or of
    ``jax.image.scale_and_translate`` (``"function": "jax.image.scale_and_translate"``,
    with ``spatial_dims``, ``scale``, ``translation``) arguments.

    ``shape`` is the whole output shape; ``data_format`` (default
    ``channels_last``, JAX's image convention) says which axes are spatial.
    JAX antialiases by default: ``antialias`` left out means True.
    """
    from unisample import Upsample

    kw = native_config(obj, framework=NAME, call="jax.image.resize", keys=_RESIZE_KEYS, layers=(), attributes=())
    function = kw.get("function") or "jax.image.resize"
    if function not in ("jax.image.resize", "jax.image.scale_and_translate"):
        raise ValueError(f"from_jax: function: got {function!r}; expected 'jax.image.resize' or "
                         "'jax.image.scale_and_translate'")
    method = kw.get("method")
    if not isinstance(method, str) or method.lower() not in _METHODS:
        raise ValueError(f"from_jax: method: got {method!r}; expected one of {', '.join(_METHODS)}")
    kernel = _METHODS[method.lower()]
    antialias = True if kw.get("antialias") is None else bool(kw["antialias"])
    data_format = kw.get("data_format") or "channels_last"
    shape = tuple(kw["shape"])
    if not 3 <= len(shape) <= 5:
        raise ValueError(f"from_jax: shape {shape}: expected batch, 1 to 3 spatial axes and channels")
    size = shape[1:-1] if data_format == "channels_last" else shape[2:]
    if function == "jax.image.scale_and_translate":
        translation = np.asarray(kw.get("translation", 0.0), dtype=np.float64)
        if np.any(translation != 0):
            raise ValueError(f"from_jax: translation {translation.tolist()} is not expressible: unisample's "
                             "specs map pixel centres onto each other (translation 0)")
        spatial = tuple(kw.get("spatial_dims") or ())
        expected = tuple(range(1, 1 + len(size))) if data_format == "channels_last" else tuple(range(2, 2 + len(size)))
        if spatial != expected:
            raise ValueError(f"from_jax: spatial_dims {spatial}: with data_format={data_format!r} and output "
                             f"shape {shape} the spatial axes are {expected}")
        # JAX samples (j + 0.5) / scale - 0.5 and widens by 1 / scale: the
        # scale-factor mapping, never copying an axis.  The output length is
        # floor(in * scale), which is JAX's ``shape`` when the two agree.
        scale = np.broadcast_to(np.asarray(kw["scale"], dtype=np.float64), (len(size),))
        return Upsample(scale_factor=tuple(float(s) for s in scale), data_format=data_format,
                        same_size_copy="never", **_mode_extras(kernel, len(size), antialias))
    return Upsample(size=size, data_format=data_format, **_mode_extras(kernel, len(size), antialias))


def _mode_extras(kernel: str, rank: int, antialias: bool) -> dict:
    if kernel == "nearest":  # half-pixel, rounded: JAX's nearest
        return {"mode": "nearest-exact"}
    if kernel == "linear":
        return {"mode": _LINEAR_BY_RANK[rank], "antialias": antialias}
    if kernel == "cubic":  # Keys a=-0.5, outside taps dropped and renormalised
        return {"mode": "bicubic", "antialias": antialias, "cubic_coeff_a": -0.5, "exclude_outside": True}
    return {"mode": kernel, "antialias": antialias}
