"""Running a case's native call in its own framework.

Each function imports its framework when called, so a worker process only
ever loads the framework it serves (``import tensorflow`` then ``import
paddle`` in one process segfaults).
"""

from __future__ import annotations

import numpy as np

from .cases import Case


def _torch(case: Case, x: np.ndarray) -> np.ndarray:
    import torch
    import torch.nn.functional as F

    kw = case.kwargs
    if kw.get("size") is not None:
        kw["size"] = tuple(kw["size"])
    if isinstance(kw.get("scale_factor"), list):
        kw["scale_factor"] = tuple(kw["scale_factor"])
    assert case.call == "F.interpolate", case.call
    with torch.no_grad():
        return F.interpolate(torch.from_numpy(x), **kw).numpy()


def _tensorflow(case: Case, x: np.ndarray) -> np.ndarray:
    import tensorflow as tf

    kw = case.kwargs
    if case.call.startswith("keras.layers."):
        import keras

        layer = getattr(keras.layers, case.call.rsplit(".", 1)[1])(**kw)
        return np.asarray(layer(tf.constant(x)))
    size = kw.pop("size")
    if case.call == "tf.image.resize":
        return tf.image.resize(tf.constant(x), size, **kw).numpy()
    op = getattr(tf.compat.v1.image, case.call.rsplit(".", 1)[1])
    return op(tf.constant(x), size, **kw).numpy()


def _paddle(case: Case, x: np.ndarray) -> np.ndarray:
    import paddle
    import paddle.nn.functional as F

    assert case.call == "F.interpolate", case.call
    return F.interpolate(paddle.to_tensor(x), **case.kwargs).numpy()


def _jax(case: Case, x: np.ndarray) -> np.ndarray:
    import jax

    kw = case.kwargs
    assert case.call == "jax.image.resize", case.call
    assert tuple(kw["input_shape"]) == x.shape, (kw["input_shape"], x.shape)
    return np.asarray(jax.image.resize(x, tuple(kw["shape"]), kw["method"], antialias=kw["antialias"]))


def _onnxruntime(case: Case, x: np.ndarray) -> np.ndarray:
    import onnxruntime

    from unisample.onnx import resize_model

    kw = case.kwargs
    scales, sizes = kw.pop("scales", None), kw.pop("sizes", None)
    model = resize_model(kw, scales, sizes, x.shape, x.ndim, case.spec.output_shape(x.shape), dtype=x.dtype)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # many tiny sessions: threads cost more than they give
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


RUNNERS = {"torch": _torch, "tensorflow": _tensorflow, "paddle": _paddle, "jax": _jax, "onnxruntime": _onnxruntime}


def run_native(case: Case, x: np.ndarray) -> np.ndarray:
    """The native output of ``case`` on input ``x``."""
    return RUNNERS[case.framework](case, x)
