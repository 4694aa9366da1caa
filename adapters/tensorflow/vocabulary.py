"""TensorFlow's and Keras' vocabulary for ``unisample port``: the calls they
read (Keras layers, ``keras.ops.image.resize``, ``tf.image.resize``, the TF1
ops) and the calls they write; both read as computed on the TF backend."""

from __future__ import annotations

import itertools
from typing import Any, Dict, Iterator

from unisample.porting import NativeCall, Signature, Target, num as _num, out_size as _out_size, size_code as _size_code
from unisample.spec import Upsample

from . import from_native  # noqa: F401  (Upsample.from_keras reads it here)

#: Keras callee -> (positional parameters, whether the first positional is the input, what the callee fixes)
KERAS_SIGNATURES: Dict[str, Signature] = {
    "UpSampling1D": (("size",), False, {"function": "keras.layers.UpSampling1D"}),
    "UpSampling2D": (("size", "data_format", "interpolation"), False, {"function": "keras.layers.UpSampling2D"}),
    "UpSampling3D": (("size", "data_format"), False, {"function": "keras.layers.UpSampling3D"}),
    "Resizing": (("height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                  "fill_mode", "fill_value", "antialias", "data_format"), False, {"function": "keras.layers.Resizing"}),
    "resize": (("size", "interpolation", "antialias", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                "fill_mode", "fill_value", "data_format"), True, {"function": "keras.ops.image.resize"}),
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
}


def _spec_of(kwargs: dict) -> Upsample:
    return Upsample.from_keras(kwargs, backend="tensorflow")


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
           adapter="tensorflow"),
    Target("tensorflow", ("tf", "tensorflow"), TF_SIGNATURES, _spec_of, tf_calls, "channels_last", "{}",
           adapter="tensorflow", no_call="tf.image.resize resizes 2 spatial axes (4-D NHWC input) only"),
)
