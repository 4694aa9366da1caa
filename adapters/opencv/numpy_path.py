"""OpenCV as a fast path of the numpy adapter: ``cv2.resize`` computes a spec
on numpy images where ``vocabulary.native_kwargs`` says it does (the same taps
as the spec on that size: verified by the conformance suite's ``opencv``
rows and by the fuzz, which runs the numpy adapter, never assumed), on
finite float32 inputs (nearest kernels: any dtype it takes), with two
spatial axes.  Used when OpenCV is installed; ``UNISAMPLE_OPENCV=0`` turns
it off."""

from __future__ import annotations

import importlib.util
import os
from typing import Optional, Sequence

import numpy as np

from .vocabulary import native_kwargs

#: the most cv2.resize calls (planes of a channels-first array, images of a
#: channels-last one) and channels a call for which OpenCV is faster than the
#: engine: ``benchmarks/resize_speed.py`` (README "Benchmarks") has 512 planes
#: of 128x128 and 64 interleaved channels slower than the engine, 3 planes or
#: 3 channels of a 1024x1024 image faster
MAX_CALLS = 16
MAX_FAST_CHANNELS = 4

#: whether the numpy adapter may call OpenCV at all
ENABLED = os.environ.get("UNISAMPLE_OPENCV", "1") != "0" and importlib.util.find_spec("cv2") is not None


def _may_call(spec, x: np.ndarray, axes: Sequence[int]) -> bool:
    """Whether cv2.resize may be asked at all: enabled, two spatial axes, a
    non-empty array, and no ONNX-only vocabulary (no cv2 flag has it)."""
    return ENABLED and len(axes) == 2 and x.size != 0 and not spec.onnx_only


def resize(spec, x: np.ndarray, axes: Sequence[int]) -> Optional[np.ndarray]:
    """``spec`` on ``x`` computed by ``cv2.resize``, or None where it does not
    compute it (the numpy adapter then runs its own engine).  Images are the
    planes of a channels-first array or the HWC images of a channels-last one."""
    if not _may_call(spec, x, axes):
        return None
    last = spec.channels_last
    channels = x.shape[-1] if last else 1
    calls = x.size // (channels * x.shape[axes[0]] * x.shape[axes[1]])
    if calls > MAX_CALLS or channels > MAX_FAST_CHANNELS:
        return None
    kwargs = native_kwargs(spec, tuple(x.shape[a] for a in axes), x.dtype.name, channels)
    if kwargs is None:
        return None
    if spec.kernel not in ("nearest", "opencv_nearest", "pillow_nearest"):
        from unisample.engine import all_finite

        if not all_finite(x):  # OpenCV's filters spread NaN to other pixels than the taps' own
            return None
    import cv2

    out_h, out_w = spec.output_size(tuple(x.shape[a] for a in axes))
    images = x.reshape((-1,) + x.shape[-3:]) if last else x.reshape((-1,) + x.shape[-2:])
    out = np.empty((len(images), out_h, out_w) + ((channels,) if last else ()), x.dtype)
    for image, result in zip(images, out):
        if x.dtype == np.float32:  # written in place (cv2 takes a one-channel image as (h, w))
            cv2.resize(np.ascontiguousarray(image), dst=result.reshape(out_h, out_w, -1) if last and channels > 1
                       else result.reshape(out_h, out_w), **kwargs)
        else:
            try:
                y = cv2.resize(np.ascontiguousarray(image), **kwargs)
            except cv2.error:  # a dtype this OpenCV's numpy converter refuses (uint32 before 5.0)
                return None
            if y.dtype != x.dtype:  # cv2 converted it (int64 to int32): not the spec's numbers
                return None
            result[...] = y.reshape(result.shape)
    return out.reshape(x.shape[:axes[0]] + (out_h, out_w) + x.shape[axes[1] + 1:])
