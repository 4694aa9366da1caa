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

from typing import Optional

import numpy as np

from unisample import portable
from unisample.optional import require

from .._common import cached_table, framework_array, native_config

NAME = "jax"


def is_array(x) -> bool:
    return framework_array(x, NAME, ("Array",))


def to_numpy(x) -> np.ndarray:
    x = np.asarray(x)
    return x.astype(np.float32) if x.dtype.name == "bfloat16" else x

def from_numpy(x: np.ndarray, dtype=None):
    """An array of ``x`` (cast to ``dtype``, a name such as ``"bfloat16"``, when given)."""
    import jax.numpy as jnp

    return jnp.asarray(x) if dtype is None else jnp.asarray(x).astype(dtype)


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

    def select(self, mask, a):
        import jax.numpy as jnp

        return jnp.where(mask, a, 0)

    framework = NAME

    def cast(self, x, dtype):
        return x.astype(dtype)

    def integer_precision(self):
        import jax.numpy as jnp

        # float64 needs jax_enable_x64; float32 holds every integer up to 2**24 exactly
        return "float64" if jnp.zeros(0).dtype == jnp.float64 else "float32"

    def floor(self, x):
        import jax.numpy as jnp

        return jnp.floor(x)

    def clip(self, x, lo, hi):
        import jax.numpy as jnp

        return jnp.clip(x, lo, hi)

    def where(self, condition, value, a):
        import jax.numpy as jnp

        return jnp.where(condition, np.array(value, a.dtype), a)

    def copy(self, x):
        import jax.numpy as jnp

        return jnp.array(x, copy=True)


_OPS = _JaxOps()


def apply_taps(spec, x):
    """``spec`` applied to ``x`` through the taps with jax.numpy (any mode, any dtype)."""
    # phases and gathers only (no blocks): NaN and infinity stay where the taps put them
    return portable.resize_with_taps(spec, x, _OPS)


def resize(spec, x):
    return portable.resize(spec, x, _OPS)


def layer(spec):
    """A jittable function computing ``spec`` (JAX has no layer class of its own)."""
    require("jax", "Upsample.to_jax()")
    import jax

    return jax.jit(lambda x: resize(spec, x))


_RESIZE_KEYS = ("function", "shape", "method", "antialias", "precision", "spatial_dims", "scale", "translation",
                "data_format", "input_shape")
_METHODS = {"nearest": "nearest", "linear": "linear", "bilinear": "linear", "trilinear": "linear",
            "triangle": "linear", "cubic": "cubic", "bicubic": "cubic", "tricubic": "cubic",
            "lanczos3": "lanczos3", "lanczos5": "lanczos5"}
_LINEAR_BY_RANK = {1: "linear", 2: "bilinear", 3: "trilinear"}
_LAYOUTS = ("channels_last", "channels_first")


def _spatial(data_format: str, ndim: int) -> range:
    return range(1, ndim - 1) if data_format == "channels_last" else range(2, ndim)


def _layout(shape: tuple, input_shape, data_format) -> str:
    """Which layout makes the axes ``jax.image.resize`` resizes (those whose length
    differs between ``input_shape`` and ``shape``) the spatial ones."""
    if data_format is not None and data_format not in _LAYOUTS:
        raise ValueError(f"from_jax: data_format: got {data_format!r}; expected 'channels_last' or 'channels_first'")
    if input_shape is None:
        if data_format is None:
            raise ValueError(
                f"from_jax: shape {shape}: jax.image.resize resizes whichever axes change, so the spec needs to "
                "know which axes are spatial: give input_shape= (the input's shape) or "
                "data_format='channels_last' / 'channels_first'")
        return data_format
    input_shape = tuple(int(n) for n in input_shape)
    if len(input_shape) != len(shape):
        raise ValueError(f"from_jax: shape {shape} and input_shape {input_shape} have different numbers of axes")
    changed = {a for a, (n, m) in enumerate(zip(input_shape, shape)) if n != m}
    fits = [f for f in ([data_format] if data_format else _LAYOUTS) if changed <= set(_spatial(f, len(shape)))]
    if not fits:
        said = f" with data_format={data_format!r}" if data_format else ""
        raise ValueError(
            f"from_jax: jax.image.resize from {input_shape} to {shape} resizes axes {sorted(changed)}; unisample "
            f"resizes the spatial axes only{said} (batch first, channels first or last)")
    return fits[0]


def _called_function(kw: dict) -> str:
    """Which JAX function ``kw`` configures (``"function"``, by default ``jax.image.resize``)."""
    function = kw.get("function") or "jax.image.resize"
    if function not in ("jax.image.resize", "jax.image.scale_and_translate"):
        raise ValueError(f"from_jax: function: got {function!r}; expected 'jax.image.resize' or "
                         "'jax.image.scale_and_translate'")
    return function


def _method_kernel(method) -> str:
    """The spec kernel of JAX's ``method`` (any case)."""
    if not isinstance(method, str) or method.lower() not in _METHODS:
        raise ValueError(f"from_jax: method: got {method!r}; expected one of {', '.join(_METHODS)}")
    return _METHODS[method.lower()]


def _output_shape(kw: dict) -> tuple:
    """The whole output shape: a batch axis, 1 to 3 spatial axes and a channel axis."""
    shape = tuple(kw["shape"])
    if not 3 <= len(shape) <= 5:
        raise ValueError(f"from_jax: shape {shape}: expected batch, 1 to 3 spatial axes and channels")
    return shape


def _input_shape(kw: dict, input_shape):
    """The input's shape, given as ``from_native``'s argument or the dict's key
    (both: they must agree), or None."""
    if input_shape is not None and kw.get("input_shape") is not None and tuple(input_shape) != tuple(kw["input_shape"]):
        raise ValueError(f"from_jax: input_shape {tuple(input_shape)} and the dict's {tuple(kw['input_shape'])} differ")
    return input_shape if input_shape is not None else kw.get("input_shape")


def _check_no_translation(kw: dict) -> None:
    """Refuse a ``scale_and_translate`` translation: a spec has none."""
    translation = np.asarray(kw.get("translation", 0.0), dtype=np.float64)
    if np.any(translation != 0):
        raise ValueError(f"from_jax: translation {translation.tolist()} is not expressible: unisample's "
                         "specs map pixel centres onto each other (translation 0)")


def _spatial_dims_layout(kw: dict, shape: tuple) -> str:
    """The layout whose spatial axes are ``scale_and_translate``'s ``spatial_dims``
    (within ``data_format`` where ``kw`` gives one)."""
    spatial = tuple(kw.get("spatial_dims") or ())
    layouts = [kw["data_format"]] if kw.get("data_format") else list(_LAYOUTS)
    data_format = next((f for f in layouts if spatial == tuple(_spatial(f, len(shape)))), None)
    if data_format is None:
        raise ValueError(f"from_jax: spatial_dims {spatial}: with output shape {shape} the spatial axes are "
                         + " or ".join(f"{tuple(_spatial(f, len(shape)))} ({f})" for f in layouts))
    return data_format


def _scale_and_translate_spec(kw: dict, shape: tuple, kernel: str, antialias: bool):
    """The spec of ``jax.image.scale_and_translate`` arguments ``kw`` (output ``shape``)."""
    from unisample import Upsample

    _check_no_translation(kw)
    data_format = _spatial_dims_layout(kw, shape)
    size = tuple(shape[a] for a in _spatial(data_format, len(shape)))
    # JAX samples (j + 0.5) / scale - 0.5 and widens by 1 / scale: the
    # scale-factor mapping, never copying an axis.  The output length is
    # floor(in * scale), which is JAX's ``shape`` when the two agree.
    scale = np.broadcast_to(np.asarray(kw["scale"], dtype=np.float64), (len(size),))
    return Upsample(scale_factor=tuple(float(s) for s in scale), data_format=data_format,
                    same_size_copy="never", **_mode_extras(kernel, len(size), antialias))


def from_native(obj, input_shape=None):
    """The spec of ``jax.image.resize`` (``{"shape", "method", "antialias"}``) or of
    ``jax.image.scale_and_translate`` (``"function": "jax.image.scale_and_translate"``,
    with ``spatial_dims``, ``scale``, ``translation``) arguments.

    ``shape`` is the whole output shape.  jax resizes every axis whose length
    changes; ``input_shape`` (argument or key) or ``data_format`` says which
    axes are spatial (``spatial_dims`` does for ``scale_and_translate``).  JAX
    antialiases by default: ``antialias`` left out means True.
    """
    from unisample import Upsample

    kw = native_config(obj, framework=NAME, call="jax.image.resize", keys=_RESIZE_KEYS, layers=(), attributes=())
    function = _called_function(kw)
    kernel = _method_kernel(kw.get("method"))
    antialias = True if kw.get("antialias") is None else bool(kw["antialias"])  # JAX's default: True
    shape = _output_shape(kw)
    input_shape = _input_shape(kw, input_shape)
    if function == "jax.image.scale_and_translate":
        return _scale_and_translate_spec(kw, shape, kernel, antialias)
    data_format = _layout(shape, input_shape, kw.get("data_format"))
    size = tuple(shape[a] for a in _spatial(data_format, len(shape)))
    return Upsample(size=size, data_format=data_format, **_mode_extras(kernel, len(size), antialias))


def _mode_extras(kernel: str, rank: int, antialias: bool) -> dict:
    if kernel == "nearest":  # half-pixel, rounded: JAX's nearest
        return {"mode": "nearest-exact"}
    if kernel == "linear":
        return {"mode": _LINEAR_BY_RANK[rank], "antialias": antialias}
    if kernel == "cubic":  # Keys a=-0.5, outside taps dropped and renormalised
        return {"mode": "bicubic", "antialias": antialias, "cubic_coeff_a": -0.5, "exclude_outside": True}
    return {"mode": kernel, "antialias": antialias}
