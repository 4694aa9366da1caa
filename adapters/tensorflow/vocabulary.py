"""TensorFlow's and Keras' vocabulary for ``unisample port``: the calls they
read (Keras layers, ``keras.ops.image.resize``, ``tf.image.resize``, the TF1
ops) and the calls they write; both read as computed on the TF backend."""

from __future__ import annotations

import itertools
import sys
from typing import Any, Dict, Iterator, Optional

import numpy as np

from unisample.porting import NativeCall, Signature, Target, num as _num, out_size as _out_size, size_code as _size_code
from unisample.spec import Upsample

from .._common import native_config, shuffle_config, spec_reader, whole_factor

#: Keras callee -> (positional parameters, whether the first positional is the input, what the callee fixes)
KERAS_SIGNATURES: Dict[str, Signature] = {
    "UpSampling1D": (("size",), False, {"function": "keras.layers.UpSampling1D"}),
    "UpSampling2D": (("size", "data_format", "interpolation"), False, {"function": "keras.layers.UpSampling2D"}),
    "UpSampling3D": (("size", "data_format"), False, {"function": "keras.layers.UpSampling3D"}),
    "Resizing": (("height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                  "fill_mode", "fill_value", "antialias", "data_format"), False, {"function": "keras.layers.Resizing"}),
    "resize": (("size", "interpolation", "antialias", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                "fill_mode", "fill_value", "data_format"), True, {"function": "keras.ops.image.resize"}),
    "depth_to_space": (("block_size", "data_format"), True, {"function": "keras.ops.depth_to_space"}),
    "space_to_depth": (("block_size", "data_format"), True, {"function": "keras.ops.space_to_depth"}),
}
#: TensorFlow callees; Keras' layers read under ``tf:`` too
TF_SIGNATURES: Dict[str, Signature] = {
    **{name: KERAS_SIGNATURES[name] for name in ("UpSampling1D", "UpSampling2D", "UpSampling3D", "Resizing")},
    "resize": (("size", "method", "preserve_aspect_ratio", "antialias"), True, {"function": "tf.image.resize"}),
    "resize_bilinear": (("size", "align_corners", "half_pixel_centers"), True,
                        {"function": "tf.compat.v1.image.resize_bilinear"}),
    "resize_bicubic": (("size", "align_corners", "half_pixel_centers"), True,
                       {"function": "tf.compat.v1.image.resize_bicubic"}),
    "resize_nearest_neighbor": (("size", "align_corners", "half_pixel_centers"), True,
                                {"function": "tf.compat.v1.image.resize_nearest_neighbor"}),
    "depth_to_space": (("block_size", "data_format", "name"), True, {"function": "tf.nn.depth_to_space"}),
    "space_to_depth": (("block_size", "data_format", "name"), True, {"function": "tf.nn.space_to_depth"}),
}


def _spec_of(kwargs: dict):
    return spec_of(kwargs, backend="tensorflow")


def spec_of(obj, backend: Optional[str] = None):
    """The spec of any TF/Keras configuration unisample reads: a resize's
    (``Upsample.from_keras``) or a pixel shuffle's (``shuffle_from_native``)."""
    return spec_reader(Upsample.from_keras, shuffle_from_native, (), _SHUFFLE_FUNCTIONS)(obj, backend=backend)


def _shuffle_calls(module: str, code: str):
    """The pixel-shuffle calls of ``module`` (``keras.ops`` / ``tf.nn``, imported by
    ``code``): DCR, channels last, 2 spatial axes, one factor of at least 2."""
    def calls(spec) -> Iterator[NativeCall]:
        r = spec.factors(2)[0]
        if spec.spatial_rank not in (None, 2) or r < 2:
            return
        name = "depth_to_space" if spec.shuffles else "space_to_depth"
        yield NativeCall(f"{code}\nresize = lambda x: {module}.{name}(x, {r})",
                         lambda n, kw={"function": f"{module}.{name}", "block_size": r}: kw)
    return calls


_KERAS_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


def keras_calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    """Keras' own layers for a spec of ``rank`` spatial axes."""
    factors = spec.scale_factor and spec.per_axis("scale_factor", rank)
    if factors and all(float(f).is_integer() for f in factors):
        size = tuple(int(f) for f in factors)
        shown = _num(size)
        if rank == 2:
            for interpolation in _KERAS_INTERPOLATIONS:
                extra = "" if interpolation == "nearest" else f", interpolation={interpolation!r}"
                kw: Dict[str, Any] = {"function": "keras.layers.UpSampling2D", "size": size,
                                      "interpolation": interpolation}
                yield NativeCall(f"import keras\nresize = keras.layers.UpSampling2D(size={shown}{extra})",
                                 lambda n, kw=kw: kw)
        else:
            name = f"UpSampling{rank}D"
            kw = {"function": f"keras.layers.{name}", "size": size[0] if rank == 1 else size}
            yield NativeCall(f"import keras\nresize = keras.layers.{name}(size={_num(kw['size'])})",
                             lambda n, kw=kw: kw)
    if rank == 2 and spec.size is not None:
        height, width = spec.per_axis("size", 2)
        for interpolation in _KERAS_INTERPOLATIONS + ("area",):
            for aa in (False, True) if interpolation not in ("nearest", "area") else (False,):
                kw = {"function": "keras.layers.Resizing", "height": height, "width": width,
                      "interpolation": interpolation, "antialias": aa}
                extra = ", antialias=True" if aa else ""
                yield NativeCall(f"import keras\nresize = keras.layers.Resizing({height}, {width}, "
                                 f"interpolation={interpolation!r}{extra})", lambda n, kw=kw: kw)


def tf_calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    """TensorFlow's own ops for a spec of ``rank`` spatial axes (2 only)."""
    if rank != 2:
        return
    size = _size_code(spec, 2, 1)
    for method in ("nearest", "bilinear", "bicubic", "area", "lanczos3", "lanczos5"):
        for aa in (False, True) if method not in ("nearest", "area") else (False,):
            extra = ", antialias=True" if aa else ""
            yield NativeCall(f"import tensorflow as tf\nresize = lambda x: tf.image.resize(x, [{size}], "
                             f"method={method!r}{extra})",
                             lambda n, m=method, a=aa: {"size": _out_size(spec, n), "method": m, "antialias": a})
    for op, (corners, half) in itertools.product(
            ("resize_bilinear", "resize_bicubic", "resize_nearest_neighbor"), ((True, False), (False, False))):
        function = f"tf.compat.v1.image.{op}"
        yield NativeCall(f"import tensorflow as tf\nresize = lambda x: {function}(x, [{size}], "
                         f"align_corners={corners}, half_pixel_centers={half})",
                         lambda n, f=function, c=corners, h=half: {"function": f, "size": _out_size(spec, n),
                                                                    "align_corners": c, "half_pixel_centers": h})



TARGETS = (
    Target("keras", ("keras",), KERAS_SIGNATURES, _spec_of, keras_calls, "channels_last", "{}.to_keras()",
           adapter="tensorflow", shuffle_calls=_shuffle_calls("keras.ops", "import keras"),
           no_shuffle="keras.ops.depth_to_space takes 2 spatial axes (4-D input) and a block size of at least 2"),
    Target("tensorflow", ("tf", "tensorflow"), TF_SIGNATURES, _spec_of, tf_calls, "channels_last", "{}",
           adapter="tensorflow", no_call="tf.image.resize resizes 2 spatial axes (4-D NHWC input) only",
           shuffle_calls=_shuffle_calls("tf.nn", "import tensorflow as tf"),
           no_shuffle="tf.nn.depth_to_space takes 2 spatial axes (4-D input) and a block size of at least 2"),
)


# -- reading tensorflow's configurations --------------------------------------------------


_V1_OPS = {
    "tf.compat.v1.image.resize_bilinear": "bilinear",
    "tf.compat.v1.image.resize_bicubic": "bicubic",
    "tf.compat.v1.image.resize_nearest_neighbor": "nearest",
}
_LAYERS = ("UpSampling1D", "UpSampling2D", "UpSampling3D", "Resizing")
_LAYER_FUNCTIONS = {f"keras.layers.{name}": name for name in _LAYERS}
_FUNCTIONS = ("tf.image.resize", "keras.ops.image.resize") + tuple(_V1_OPS) + tuple(_LAYER_FUNCTIONS)
_RESIZE_KEYS = ("function", "size", "method", "interpolation", "antialias", "preserve_aspect_ratio",
                "align_corners", "half_pixel_centers", "data_format", "backend", "name",
                "height", "width", "crop_to_aspect_ratio", "pad_to_aspect_ratio")
_LAYER_DEFAULTS: Dict[str, Dict[str, Any]] = {"UpSampling1D": {"size": 2}, "UpSampling2D": {"size": (2, 2)},
                   "UpSampling3D": {"size": (2, 2, 2)},
                   "Resizing": {"interpolation": "bilinear", "antialias": False}}
_LAYER_ATTRIBUTES = ("size", "height", "width", "interpolation", "antialias", "data_format",
                     "crop_to_aspect_ratio", "pad_to_aspect_ratio")


def _keras_backend() -> str:
    keras = sys.modules.get("keras")
    return keras.backend.backend() if keras is not None else "tensorflow"


def _resize_spec(size, method: str, antialias: bool, backend: str, data_format: str, scale=None):
    """The spec of ``tf.image.resize`` / Keras ``ops.image.resize`` on ``backend``.

    Keras resizes with its backend's own op, so the same Keras layer computes
    different numbers per backend: TF's bicubic reads a 1024-entry table, JAX's
    is exact, and the torch backend calls ``F.interpolate`` (a=-0.75).
    """
    from unisample import Upsample

    where: Dict[str, Any] = dict(data_format=data_format)
    if scale is not None:  # UpSampling2D: resize to in * factor, mapped with in/out
        where.update(scale_factor=scale, recompute_scale_factor=True)
    else:
        where.update(size=size)
    method = method.lower()
    if method == "nearest":
        return Upsample(mode="nearest-exact", **where)
    if method == "bilinear":
        return Upsample(mode="bilinear" if len(size or scale) == 2 else "linear", antialias=antialias, **where)
    if method == "bicubic":
        if backend == "torch":
            return Upsample(mode="bicubic", antialias=antialias, **where)
        if antialias or backend == "jax":
            return Upsample(mode="bicubic", antialias=antialias, cubic_coeff_a=-0.5, exclude_outside=True, **where)
        return Upsample(mode="bicubic", cubic_coeff_a=-0.5, exclude_outside=True, cubic_table_size=1024, **where)
    if method == "area":
        if backend != "tensorflow":
            raise ValueError(f"from_keras: interpolation 'area' exists on the tensorflow backend only, not {backend!r}")
        return Upsample(mode="area", area_weights="overlap", **where)
    if method in ("lanczos3", "lanczos5"):
        if backend == "torch":
            raise ValueError(f"from_keras: Keras' torch backend has no {method!r}")
        return Upsample(mode=method, antialias=antialias, **where)
    raise ValueError(
        f"from_keras: interpolation/method {method!r} is not supported; expected nearest, bilinear, bicubic, "
        "area, lanczos3 or lanczos5"
    )


def _resizing_spec(kw: dict, backend: str, data_format: str):
    """The spec of a Keras ``Resizing`` layer (its attributes or constructor arguments ``kw``)."""
    if kw["crop_to_aspect_ratio"] or kw["pad_to_aspect_ratio"]:
        raise ValueError("from_keras: Resizing with crop_to_aspect_ratio or pad_to_aspect_ratio crops or "
                         "pads before resizing; unisample resizes the whole image only")
    return _resize_spec((kw["height"], kw["width"]), kw["interpolation"], kw["antialias"], backend, data_format)


def _upsampling_spec(cls: str, kw: dict, backend: str, data_format: str):
    """The spec of a Keras ``UpSampling1D/2D/3D`` layer (``cls``; its attributes or
    constructor arguments ``kw``): whole factors only."""
    from unisample import Upsample

    rank = int(cls[-2])
    size = kw["size"]
    size = tuple(size) if isinstance(size, (list, tuple)) else (size,) * rank
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) for s in size):
        raise ValueError(
            f"from_keras: {cls} size={kw['size']!r}: Keras repeats rows and columns, so the factors must be "
            "integers; for a fractional factor use unisample.Upsample(scale_factor=..., mode=...).to_keras()"
        )
    interpolation = (kw["interpolation"] or "nearest").lower()
    if interpolation == "nearest":  # ops.repeat: every nearest rule agrees on integer factors
        return Upsample(scale_factor=tuple(float(s) for s in size), mode="nearest", data_format=data_format)
    return _resize_spec(None, interpolation, False, backend, data_format, scale=tuple(float(s) for s in size))


def _layer_spec(cls: str, kw: dict, backend: Optional[str]):
    """The spec of Keras layer ``cls`` from its attributes or constructor arguments ``kw``."""
    backend = backend or _keras_backend()
    data_format = kw["data_format"] or "channels_last"
    if cls == "Resizing":
        return _resizing_spec(kw, backend, data_format)
    return _upsampling_spec(cls, kw, backend, data_format)


def _v1_op_spec(function: str, size: tuple, kw: dict):
    """The spec of a ``tf.compat.v1.image.resize_*`` call (``function``) with arguments ``kw``."""
    from unisample import Upsample

    method = _V1_OPS[function]
    align, half = bool(kw.get("align_corners")), bool(kw.get("half_pixel_centers"))
    if align and half:
        raise ValueError("from_keras: align_corners and half_pixel_centers cannot both be True (TF refuses it)")
    if half:
        return _resize_spec(size, method, False, "tensorflow", "channels_last")
    ct = "align_corners" if align else "asymmetric"
    if method == "nearest":
        return Upsample(size=size, mode="nearest-exact" if align else "nearest", coordinate_transform=ct,
                        data_format="channels_last")
    extras: Dict[str, Any] = ({"cubic_coeff_a": -0.75, "exclude_outside": False, "cubic_table_size": 1024}
              if method == "bicubic" else {})
    return Upsample(size=size, mode=method, coordinate_transform=ct, data_format="channels_last", **extras)


def _call_spec(kw: dict, backend: Optional[str]):
    """The spec of a dict of ``tf.image.resize``, ``keras.ops.image.resize`` or
    ``tf.compat.v1.image.resize_*`` arguments (``"function"`` naming the call)."""
    function = kw.get("function") or ("keras.ops.image.resize" if "interpolation" in kw else "tf.image.resize")
    if function not in _FUNCTIONS:
        raise ValueError(f"from_keras: function: got {function!r}; expected one of {', '.join(_FUNCTIONS)}")
    size = tuple(kw["size"])
    if function in _V1_OPS:
        return _v1_op_spec(function, size, kw)
    if kw.get("preserve_aspect_ratio"):
        raise ValueError("from_keras: preserve_aspect_ratio=True makes the output size depend on the input; "
                         "give the size it computes instead")
    if function == "keras.ops.image.resize":
        return _resize_spec(size, kw.get("interpolation") or "bilinear", bool(kw.get("antialias")),
                            kw.get("backend") or backend or _keras_backend(), kw.get("data_format") or "channels_last")
    return _resize_spec(size, kw.get("method") or "bilinear", bool(kw.get("antialias")), "tensorflow",
                        "channels_last")


def from_native(obj, backend: Optional[str] = None):
    """The spec of a Keras layer (``UpSampling1D/2D/3D``, ``Resizing``) or of a dict of
    ``tf.image.resize`` / ``keras.ops.image.resize`` / ``tf.compat.v1.image.resize_*``
    arguments or of a Keras layer's constructor arguments, with ``"function"``
    naming the call (``tf.image.resize`` by default, ``keras.layers.UpSampling2D``...).

    Keras layers and ``keras.ops.image.resize`` compute what their backend's op
    computes: ``backend`` (default: Keras' current backend) says which.
    """
    kw = native_config(obj, framework="keras", call="resize", keys=_RESIZE_KEYS, layers=_LAYERS,
                       attributes=_LAYER_ATTRIBUTES)
    cls = type(obj).__name__
    if kw.get("function") in _LAYER_FUNCTIONS:  # a layer's constructor arguments
        cls = _LAYER_FUNCTIONS[kw.pop("function")]
        kw = {**dict.fromkeys(_LAYER_ATTRIBUTES), **_LAYER_DEFAULTS[cls], **kw}
    if cls in _LAYERS:
        return _layer_spec(cls, kw, backend)
    if not isinstance(obj, dict):
        raise TypeError(f"from_keras: got {type(obj).__qualname__}")
    return _call_spec(kw, backend)


#: TF's and Keras' pixel-shuffle calls: name -> (kind, the arguments it takes)
_SHUFFLE_FUNCTIONS = {
    "tf.nn.depth_to_space": ("PixelShuffle", ("block_size", "data_format", "name")),
    "tf.nn.space_to_depth": ("PixelUnshuffle", ("block_size", "data_format", "name")),
    "keras.ops.depth_to_space": ("PixelShuffle", ("block_size", "data_format", "backend")),
    "keras.ops.space_to_depth": ("PixelUnshuffle", ("block_size", "data_format", "backend")),
}
#: Keras backend -> the order ``keras.ops.depth_to_space`` computes with channels first (each
#: backend's own code: TF transposes to NHWC for tf.nn.depth_to_space; JAX and torch reshape CRD)
_KERAS_CHANNELS_FIRST_ORDER = {"tensorflow": "DCR", "jax": "CRD", "torch": "CRD"}


def shuffle_from_native(obj, backend: Optional[str] = None):
    """The spec of a dict of ``tf.nn.depth_to_space`` / ``space_to_depth`` or
    ``keras.ops.depth_to_space`` / ``space_to_depth`` arguments (``"function"``
    naming it).  TF's ops are DCR in both layouts; Keras' are DCR channels last,
    and channels first DCR on the TensorFlow backend but CRD on JAX and torch:
    ``backend`` (default: Keras' current one) says which."""
    from unisample import shuffle

    kind, kw = shuffle_config(obj, framework="keras", functions=_SHUFFLE_FUNCTIONS, layers={})
    function = obj["function"]
    factor = whole_factor("from_keras", "block_size", kw["block_size"], smallest=2)  # both refuse 1
    if function.startswith("tf."):
        data_format = kw.get("data_format") or "NHWC"
        if data_format not in ("NHWC", "NCHW"):
            raise ValueError(f"from_keras: {function} data_format: got {data_format!r}; unisample reads 'NHWC' "
                             "and 'NCHW'")
        return getattr(shuffle, kind)(factor, order="DCR", data_format=data_format)
    data_format = kw.get("data_format") or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"from_keras: {function} data_format: got {data_format!r}; expected 'channels_last' or "
                         "'channels_first'")
    backend = kw.get("backend") or backend or _keras_backend()
    if data_format == "channels_last":
        order = "DCR"
    elif backend in _KERAS_CHANNELS_FIRST_ORDER:
        order = _KERAS_CHANNELS_FIRST_ORDER[backend]
    else:
        raise ValueError(f"from_keras: {function} with channels_first on the {backend!r} backend: its order is "
                         f"not known here; known backends: {', '.join(_KERAS_CHANNELS_FIRST_ORDER)}")
    return getattr(shuffle, kind)(factor, order=order, data_format="NHWC" if data_format == "channels_last"
                                  else "NCHW")
