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


_LOADED: dict = {}
# type(x) -> its adapter: recognising an array type once is enough (a call
# on a small tensor costs microseconds, and this is on every call's path).
_BY_TYPE: dict = {}


def get_adapter(name: str) -> ModuleType:
    """The adapter module of framework ``name`` (imports the adapter, not the framework)."""
    adapter = _LOADED.get(name)
    if adapter is None:
        if name not in FRAMEWORKS:
            raise ValueError(f"framework: got {name!r}; expected one of {', '.join(FRAMEWORKS)}")
        adapter = _LOADED[name] = importlib.import_module(f"{__name__}.{name}")
    return adapter


def adapter_for(x) -> ModuleType:
    """The adapter whose framework ``x`` belongs to; TypeError for anything else."""
    adapter = _BY_TYPE.get(type(x))
    if adapter is not None:
        return adapter
    for name in FRAMEWORKS:
        adapter = get_adapter(name)
        if adapter.is_array(x):
            _BY_TYPE[type(x)] = adapter
            return adapter
    raise TypeError(
        f"unisample cannot resize a {type(x).__module__}.{type(x).__qualname__}; "
        "expected a numpy.ndarray, torch.Tensor, tf.Tensor / tf.Variable, paddle.Tensor or jax.Array"
    )
