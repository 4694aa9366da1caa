"""The registry of frameworks: one package each, all the same shape.

``adapters/<framework>/`` holds everything that knows that framework; the rest
of unisample iterates over ``FRAMEWORKS`` and names none.  Its parts:

* ``__init__`` – the adapter (below);
* ``layers`` – the framework's layer computing a spec (``Upsample.to_<framework>``);
* ``vocabulary`` – reading the framework's own calls into specs and writing
  the calls ``unisample port`` prints;
* ``scan`` – the model patterns ``unisample scan`` records;
* ``catalogue`` – its conformance cases, running them natively, and the naive
  port of another framework's configuration (the atlas).

A part a framework lacks is looked up and not found (``has_part``): numpy has
no layer and no catalogue.  Every adapter module has

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
import importlib.util
from types import ModuleType

__all__ = ["FRAMEWORKS", "adapter_for", "get_adapter", "framework_part", "has_part", "catalogued_frameworks",
           "import_name", "PACKAGES"]

#: the frameworks unisample computes on, in the order arrays are recognised
FRAMEWORKS = ("numpy", "torch", "tensorflow", "paddle", "jax")
#: every package of the registry: the frameworks, then libraries whose images
#: are numpy arrays (they have a vocabulary and a catalogue, no adapter)
PACKAGES = FRAMEWORKS + ("pillow", "opencv")


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


def framework_part(name: str, part: str) -> ModuleType:
    """Module ``part`` of package ``name`` of the registry (imports that module,
    which imports its framework only where it says so)."""
    if name not in PACKAGES:
        raise ValueError(f"framework: got {name!r}; expected one of {', '.join(PACKAGES)}")
    return importlib.import_module(f"{__name__}.{name}.{part}")


def has_part(name: str, part: str) -> bool:
    """Whether framework ``name``'s package has module ``part`` (imports no framework)."""
    return name in PACKAGES and importlib.util.find_spec(f"{__name__}.{name}.{part}") is not None


def catalogued_frameworks() -> tuple:
    """The packages with a conformance catalogue, in registry order."""
    return tuple(name for name in PACKAGES if has_part(name, "catalogue"))


def import_name(name: str) -> str:
    """What package ``name`` of the registry is imported as (``pillow``: ``PIL``)."""
    if name not in PACKAGES:
        raise ValueError(f"framework: got {name!r}; expected one of {', '.join(PACKAGES)}")
    return importlib.import_module(f"{__name__}.{name}").NAME


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
