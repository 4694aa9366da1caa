"""TensorFlow's and Keras' conformance catalogue: ``tf.image.resize``, the TF1
``tf.compat.v1.image.resize_*`` ops, the Keras layers (TF backend), and
``tf.nn.depth_to_space`` / ``space_to_depth`` and their ``keras.ops`` twins,
each with the spec ``Upsample.from_keras`` (``PixelShuffle.from_keras``, ...)
reads from it; running one natively; and
the naive port of another framework's configuration to ``tf.image.resize``
(the atlas)."""

from __future__ import annotations

import os
import sys
from typing import List, Optional

import numpy as np

from unisample import PixelShuffle, PixelUnshuffle, Upsample
from unisample.conformance.cases import AA_IN, AA_SIZES, IN, PICTURE, SIZES, Case, make_case, shuffle_cases


def cases() -> List[Case]:
    """Every ``tf.image.resize`` method with and without antialias, the TF1 ops
    with ``align_corners`` and the legacy asymmetric mapping, Keras'
    UpSampling1D/2D/3D and Resizing in both layouts, and the pixel shuffles."""
    out = []

    def add(call, kwargs, shape):
        spec = Upsample.from_keras({**kwargs, "function": call}, backend="tensorflow")
        out.append(make_case("tensorflow", call, kwargs, shape, spec))

    methods = {"bilinear": True, "nearest": False, "bicubic": True, "area": False, "lanczos3": True, "lanczos5": True}
    for method, has_antialias in methods.items():
        for antialias in (False, True) if has_antialias else (False,):
            for spatial, sizes in ((IN[2], SIZES[2]), (AA_IN[2], AA_SIZES[2])):
                if spatial == AA_IN[2] and not antialias and method not in ("area", "bilinear"):
                    continue
                for size in sizes:
                    add("tf.image.resize", dict(size=list(size), method=method, antialias=antialias),
                        (2,) + spatial + (3,))
    # TF1 ops: align_corners, and the legacy asymmetric mapping (half_pixel_centers=False).
    for op in ("resize_bilinear", "resize_bicubic", "resize_nearest_neighbor"):
        for align in (True, False):
            for size in SIZES[2]:
                add(f"tf.compat.v1.image.{op}", dict(size=list(size), align_corners=align, half_pixel_centers=False),
                    (2,) + IN[2] + (3,))
    # Keras layers (TF backend): UpSampling repeats or resizes to in * factor; Resizing.
    for data_format in ("channels_last", "channels_first"):
        def shape(spatial, data_format=data_format):
            return (2,) + spatial + (3,) if data_format == "channels_last" else (2, 3) + spatial

        for interpolation in ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5"):
            for size in ([2, 3], [3, 1], [1, 2]):
                add("keras.layers.UpSampling2D", dict(size=size, interpolation=interpolation,
                                                      data_format=data_format), shape(IN[2]))
        for interpolation in ("nearest", "bilinear", "bicubic", "area", "lanczos3"):
            for antialias in (False, True):
                for spatial, size in ((IN[2], (10, 8)), (AA_IN[2], (5, 4))):
                    add("keras.layers.Resizing", dict(height=size[0], width=size[1], interpolation=interpolation,
                                                      antialias=antialias, data_format=data_format), shape(spatial))
        add("keras.layers.UpSampling3D", dict(size=[2, 1, 3], data_format=data_format), shape(IN[3]))
    add("keras.layers.UpSampling1D", dict(size=3), (2, 7, 3))
    return out + _shuffle_cases()


def _shuffle_cases() -> List[Case]:
    """TF's NHWC pixel shuffles (no CPU kernel for NCHW) and Keras' in both
    layouts, whose channels_first order is the backend's (DCR here); both refuse factor 1."""
    layouts = {"tf.nn": ({},), "keras.ops": ({"data_format": "channels_last"}, {"data_format": "channels_first"})}
    return shuffle_cases("tensorflow", [
        (f"{module}.{name}", lambda r, extra=extra: {"block_size": r, **extra},
         lambda kw, kind=kind, call=f"{module}.{name}": kind.from_keras({"function": call, **kw}, backend="tensorflow"))
        for module, extras in layouts.items() for extra in extras
        for name, kind in (("depth_to_space", PixelShuffle), ("space_to_depth", PixelUnshuffle))],
        factors=(2, 3, 4))


def showcase() -> List[Case]:
    """A few configurations on the report's test card: ``tf.image.resize``
    bicubic (Keys, a=-0.5) and nearest at a non-integer ratio, Keras'
    ``UpSampling2D`` bilinear, and an area shrink."""
    shape = (1, PICTURE, PICTURE, 3)
    configs = [("tf.image.resize", dict(size=[2 * PICTURE] * 2, method="bicubic", antialias=False)),
               ("keras.layers.UpSampling2D", dict(size=[2, 2], interpolation="bilinear", data_format="channels_last")),
               ("tf.image.resize", dict(size=[PICTURE * 3 // 2] * 2, method="nearest", antialias=False)),
               ("tf.image.resize", dict(size=[PICTURE * 3 // 8] * 2, method="area", antialias=False))]
    read = lambda call, kw: Upsample.from_keras({**kw, "function": call}, backend="tensorflow")  # noqa: E731
    return [make_case("tensorflow", call, kw, shape, read(call, kw)) for call, kw in configs]


def native_output(case: Case, x: np.ndarray) -> np.ndarray:
    """``case``'s call run by TensorFlow (or Keras on its TF backend) on ``x``."""
    if "keras" not in sys.modules:  # the catalogue's specs are the TF backend's, whatever the environment says
        os.environ["KERAS_BACKEND"] = "tensorflow"
    import tensorflow as tf

    kw = case.kwargs
    if case.call.startswith("keras.ops."):
        import keras

        return np.asarray(getattr(keras.ops, case.call.rsplit(".", 1)[1])(tf.constant(x), **kw))
    if case.call.startswith("keras.layers."):
        import keras

        layer = getattr(keras.layers, case.call.rsplit(".", 1)[1])(**kw)
        return np.asarray(layer(tf.constant(x)))
    if case.call.startswith("tf.nn."):
        return getattr(tf.nn, case.call.rsplit(".", 1)[1])(tf.constant(x), **kw).numpy()
    size = kw.pop("size")
    if case.call == "tf.image.resize":
        return tf.image.resize(tf.constant(x), size, **kw).numpy()
    op = getattr(tf.compat.v1.image, case.call.rsplit(".", 1)[1])
    return op(tf.constant(x), size, **kw).numpy()


def naive_port(spec: Upsample, size: List[int], rank: int) -> Optional[Upsample]:
    """The spec of ``tf.image.resize`` called with ``spec``'s method, output size
    and ``antialias``, or None where TF2 has no such call (align_corners, not 2-D)."""
    if rank != 2 or spec.coordinate_transform == "align_corners":
        return None
    method = {"nearest": "nearest", "linear": "bilinear", "cubic": "bicubic"}.get(spec.kernel, spec.kernel)
    return Upsample.from_keras({"size": size, "method": method, "antialias": spec.antialias})
