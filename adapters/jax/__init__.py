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

from .._common import cached_table, framework_array

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

    def transpose(self, x, perm):
        return x.transpose(perm)

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


# phases and gathers only (no blocks): NaN and infinity stay where the taps put them
apply_taps, native, resize = portable.bind(_OPS)


def layer(spec):
    """A jitted function computing ``spec`` (JAX has no layer class of its own)."""
    from unisample.shuffle import is_shuffle

    require("jax", f"{type(spec).__name__}.to_jax()")
    import jax

    if is_shuffle(spec):
        return jax.jit(lambda x: shuffle(spec, x))
    return jax.jit(lambda x: resize(spec, x))


permute, native_shuffle, shuffle = portable.bind_shuffle(_OPS)
