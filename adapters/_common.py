"""What every adapter does the same way: recognising arrays, reading native configurations."""

from __future__ import annotations

import functools
import sys
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple


def framework_array(x, module: str, class_paths: Sequence[str]) -> bool:
    """Whether ``x`` is an instance of one of ``module``'s ``class_paths``.

    Looks at the modules ``type(x)`` and its bases come from first, so that a
    framework that the caller has not imported is never imported here.
    """
    roots = {cls.__module__.partition(".")[0] for cls in type(x).__mro__}
    if not roots & {module, module + "lib"}:  # jax arrays live in jaxlib
        return False
    framework = sys.modules.get(module)
    if framework is None:
        return False
    for path in class_paths:
        cls: Any = framework
        for part in path.split("."):
            cls = getattr(cls, part, None)
        if isinstance(cls, type) and isinstance(x, cls):
            return True
    return False


def native_config(obj, *, framework: str, call: str, keys: Sequence[str], layers: Sequence[str],
                  attributes: Sequence[str]) -> dict:
    """A native resize configuration as a dict of keyword arguments.

    ``obj`` is either a mapping of ``call``'s keyword arguments (unknown keys
    refused) or one of the framework's ``layers``, whose ``attributes`` are
    read (never its class name: ``UpsamplingBilinear2d`` sets
    ``align_corners=True`` on itself).
    """
    who = f"from_{framework}"
    if isinstance(obj, Mapping):
        unknown = sorted(set(obj) - set(keys))
        if unknown:
            raise ValueError(f"{who}: unknown {call} arguments {unknown}; allowed: {', '.join(keys)}")
        return dict(obj)
    cls = type(obj)
    if cls.__name__ in layers and cls.__module__.partition(".")[0] == framework:
        return {k: getattr(obj, k, None) for k in attributes}
    raise TypeError(
        f"{who}: got {cls.__module__}.{cls.__qualname__}; expected {', '.join(layers)} "
        f"or a dict of {call} arguments"
    )


def cached_table(table):
    """Cache an adapter's ``spec -> native call`` table per (spec, input size, dtype):
    it runs on every call, and a small tensor's resize takes microseconds.  Sizes
    that are not plain ints (tensors while tracing, None for dynamic dimensions)
    are looked up uncached."""
    cached = functools.lru_cache(maxsize=4096)(table)

    @functools.wraps(table)
    def lookup(spec, in_size, *args, **kwargs):
        if all(type(n) is int for n in in_size):
            return cached(spec, tuple(in_size), *args, **kwargs)
        return table(spec, in_size, *args, **kwargs)

    lookup.cache_clear = cached.cache_clear
    return lookup



# -- what the adapters' native tables compare ------------------------------------------

#: A cubic kernel as ``cubic_parameters`` gives it: ``(cubic_coeff_a,
#: exclude_outside, cubic_table_size)``.
CubicParameters = Tuple[Optional[float], Optional[bool], Optional[int]]

#: PyTorch's and Paddle's plain bicubic: Keys' a=-0.75, edge pixels repeated, computed exactly.
PYTORCH_CUBIC: CubicParameters = (-0.75, False, None)
#: Keys' a=-0.5 with the taps outside the input dropped and the rest renormalised,
#: computed exactly: PyTorch's antialiased bicubic, TF's antialiased one.
KEYS_CUBIC: CubicParameters = (-0.5, True, None)
#: TF's ``tf.image.resize`` bicubic without antialias: ``KEYS_CUBIC`` read from a 1024-entry table.
TF_CUBIC: CubicParameters = (-0.5, True, 1024)
#: TF1's ``resize_bicubic``: a=-0.75, edge pixels repeated, read from the 1024-entry table.
TF1_CUBIC: CubicParameters = (-0.75, False, 1024)


def cubic_parameters(spec) -> CubicParameters:
    """``spec``'s cubic kernel as ``(cubic_coeff_a, exclude_outside, cubic_table_size)``,
    the form in which the native tables compare it with the frameworks' kernels."""
    return spec.cubic_coeff_a, spec.exclude_outside, spec.cubic_table_size


def resolved_transform(coordinate_transform: str, out_size: Tuple[int, ...]) -> str:
    """``coordinate_transform``, with ``paddle_half_pixel`` read as ``half_pixel``
    where no output axis has length 1: the two differ only on such axes, so a
    framework's half-pixel kernel computes a ``paddle_half_pixel`` spec (and the
    other way round) everywhere else."""
    if coordinate_transform == "paddle_half_pixel" and 1 not in out_size:
        return "half_pixel"
    return coordinate_transform

class ConstantCache:
    """Framework arrays built from unisample's cached numpy arrays (taps, blocks),
    per array and ``place`` (device and dtype, in the framework's words), so
    that repeated calls do not copy them to the device again.  Keyed by the
    numpy array's ``id``, which it keeps alive: the id cannot be reused while
    its entry exists.  Cleared whole when full."""

    def __init__(self, maxsize: int = 2048):
        self._items: Dict[tuple, tuple] = {}
        self._maxsize = maxsize

    def get(self, a, place, build):
        """The cached ``build()`` for numpy array ``a`` on ``place``."""
        key = (id(a), place)
        hit = self._items.get(key)
        if hit is not None and hit[0] is a:
            return hit[1]
        value = build()
        if len(self._items) >= self._maxsize:
            self._items.clear()
        self._items[key] = (a, value)
        return value


def shuffle_config(obj, *, framework: str, functions: Mapping[str, Tuple[str, Sequence[str]]],
                   layers: Mapping[str, Tuple[str, Mapping[str, str]]]) -> Tuple[str, dict]:
    """``(kind, arguments)`` of a native pixel-shuffle configuration, ``kind``
    ``"PixelShuffle"`` or ``"PixelUnshuffle"``: a dict whose ``"function"``
    names one of ``functions`` (name -> (kind, the arguments it takes)), or a
    layer of ``layers`` (class name -> (kind, argument -> the attribute
    holding it)) of the framework's own package."""
    who = f"from_{framework}"
    if isinstance(obj, Mapping):
        kw = dict(obj)
        function = kw.pop("function", None)
        if function not in functions:
            raise ValueError(f"{who}: function: got {function!r}; expected one of {', '.join(functions)}")
        kind, allowed = functions[function]
        unknown = sorted(set(kw) - set(allowed))
        if unknown:
            raise ValueError(f"{who}: unknown {function} arguments {unknown}; allowed: {', '.join(allowed)}")
        if allowed[0] not in kw:
            raise ValueError(f"{who}: {function} needs {allowed[0]}")
        return kind, kw
    cls = type(obj)
    if cls.__name__ in layers and cls.__module__.partition(".")[0] == framework:
        kind, attributes = layers[cls.__name__]
        return kind, {name: getattr(obj, attribute) for name, attribute in attributes.items()}
    raise TypeError(f"{who}: got {cls.__module__}.{cls.__qualname__}; expected {', '.join(layers)} or a dict "
                    f"with 'function' one of {', '.join(functions)}")


def layer_shuffle_calls(spec, code: str, functional: str):
    """The ``PixelShuffle(r)`` / ``PixelUnshuffle(r)`` layer call (``code`` with
    ``{name}`` and ``{r}``) of a framework whose layers match its functional
    ``functional.pixel_shuffle`` / ``pixel_unshuffle`` (torch, paddle): two
    spatial axes, one factor.  ``porting.NativeCall``s."""
    from unisample.porting import NativeCall

    if spec.spatial_rank not in (None, 2):
        return
    name = type(spec).__name__
    function, key = {"PixelShuffle": ("pixel_shuffle", "upscale_factor"),
                     "PixelUnshuffle": ("pixel_unshuffle", "downscale_factor")}[name]
    r = spec.factors(2)[0]
    yield NativeCall(code.format(name=name, r=r), lambda n, kw={"function": f"{functional}.{function}", key: r}: kw)


def spec_reader(resize, shuffle, layers, functions):
    """A reader of any of a framework's configurations: ``shuffle`` for its
    pixel-shuffle ``layers`` (class names) and call dicts (``functions``),
    ``resize`` (its ``Upsample.from_<framework>``) for the rest."""
    def spec_of(obj, **kwargs):
        if type(obj).__name__ in layers or (isinstance(obj, Mapping) and obj.get("function") in functions):
            return shuffle(obj, **kwargs)
        return resize(obj, **kwargs)
    return spec_of


def whole_factor(who: str, name: str, value, smallest: int = 1) -> int:
    """One int factor of at least ``smallest``, as the framework's own op takes it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
        raise ValueError(f"{who}: {name}: got {value!r}; the framework takes one int >= {smallest}")
    return value
