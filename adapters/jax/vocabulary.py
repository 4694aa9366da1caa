"""jax's vocabulary for ``unisample port``: the calls it reads
(``jax.image.resize``, ``jax.image.scale_and_translate``) and the calls it writes."""

from __future__ import annotations

from typing import Dict, Iterator

import numpy as np

from unisample.porting import NativeCall, Signature, Target, out_size as _out_size, size_code as _size_code
from unisample.spec import Upsample

from .._common import native_config

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
                  "{}.to_jax()", adapter="jax",
                  no_shuffle="JAX has no pixel-shuffle op; to_jax() is the spec's reshape and transpose, jitted"),)


# -- reading jax's configurations ---------------------------------------------------------


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

    kw = native_config(obj, framework="jax", call="jax.image.resize", keys=_RESIZE_KEYS, layers=(), attributes=())
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
