"""Per-framework adapters: one module each, all the same shape.

Every adapter module has

* ``NAME`` – the framework's import name;
* ``is_array(x)`` – whether ``x`` is one of its arrays, decided from
  ``type(x)`` and ``sys.modules`` without importing anything;
* ``to_numpy(x)`` – a host numpy copy (for the reference and for tests), and
  ``from_numpy(a)`` – the other way;
* ``resize(spec, x)`` – ``spec`` applied to ``x``, returning the same kind of
  array.

Installed as ``unisample.adapters``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["FRAMEWORKS", "adapter_for", "get_adapter"]

#: the frameworks unisample knows, in the order arrays are recognised
FRAMEWORKS = ("numpy", "torch", "tensorflow", "paddle", "jax")


def get_adapter(name: str) -> ModuleType:
    """The adapter module of framework ``name`` (imports the adapter, not the framework)."""
    if name not in FRAMEWORKS:
        raise ValueError(f"framework: got {name!r}; expected one of {', '.join(FRAMEWORKS)}")
    return importlib.import_module(f"{__name__}.{name}")


def adapter_for(x) -> ModuleType:
    """The adapter whose framework ``x`` belongs to; TypeError for anything else."""
    for name in FRAMEWORKS:
        adapter = get_adapter(name)
        if adapter.is_array(x):
            return adapter
    raise TypeError(
        f"unisample cannot resize a {type(x).__module__}.{type(x).__qualname__}; "
        "expected a numpy.ndarray, torch.Tensor, tf.Tensor / tf.Variable, paddle.Tensor or jax.Array"
    )
