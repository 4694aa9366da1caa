"""Image files in, image files out: ``unisample resize IN OUT``.

Pillow reads and writes the files (PNG, JPEG and whatever else it knows; 8-bit
greyscale, RGB and RGBA, and 16-bit greyscale PNG).  The pixels are resized by
a ``Upsample`` spec on the image as a channels-last integer array, so the
numbers follow unisample's integer rule: each axis pass (width first) rounds
half up and saturates, as PyTorch's and Pillow's 8-bit kernels do.  Shrinking
antialiases unless told otherwise (what Pillow's ``resize`` and ``thumbnail``
do), so a thumbnail keeps the detail averaged rather than aliased.
"""

from __future__ import annotations

import math
import re
from typing import Optional, Tuple

import numpy as np

from .spec import Upsample

__all__ = ["output_size", "resize_array", "resize_file", "FITS", "MODES"]

FITS = ("contain", "cover", "stretch")
MODES = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area")
_ANTIALIAS_MODES = ("bilinear", "bicubic", "lanczos3", "lanczos5")


def parse_size(text: str) -> Tuple[int, int]:
    """``"WxH"`` or ``"N"`` (an N x N box) -> ``(width, height)``."""
    m = re.fullmatch(r"\s*(\d+)\s*(?:[xX]\s*(\d+))?\s*", str(text))
    if not m or int(m.group(1)) < 1 or (m.group(2) is not None and int(m.group(2)) < 1):
        raise ValueError(f"size: got {text!r}; expected WIDTHxHEIGHT (e.g. 640x480) or N for an N x N box, "
                         "positive integers")
    width = int(m.group(1))
    return width, int(m.group(2)) if m.group(2) is not None else width


def output_size(width: int, height: int, size: Optional[Tuple[int, int]] = None, scale: Optional[float] = None,
                fit: str = "contain") -> Tuple[Tuple[int, int], Optional[Tuple[int, int, int, int]]]:
    """``((width, height) to resize to, crop box or None)`` for an image of ``width`` x ``height``.

    ``scale``: both sides times ``scale`` (rounded, at least 1).  ``size`` with
    ``fit``: ``contain`` fits inside the box keeping the aspect ratio,
    ``cover`` fills the box keeping the aspect ratio and crops the centre,
    ``stretch`` takes the box's size exactly.
    """
    if (size is None) == (scale is None):
        raise ValueError(f"size and scale: got size={size!r}, scale={scale!r}; give exactly one")
    if fit not in FITS:
        raise ValueError(f"fit: got {fit!r}; expected one of {', '.join(FITS)}")
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0:
            raise ValueError(f"scale: got {scale!r}; expected a positive finite number")
        return (max(1, round(width * scale)), max(1, round(height * scale))), None
    box_w, box_h = size
    if fit == "stretch":
        return (box_w, box_h), None
    ratio = (min if fit == "contain" else max)(box_w / width, box_h / height)
    new = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    if fit == "contain":
        return new, None
    left, top = (new[0] - box_w) // 2, (new[1] - box_h) // 2
    return new, (left, top, left + box_w, top + box_h)


def resize_array(image: np.ndarray, width: int, height: int, mode: str = "bicubic",
                 antialias: Optional[bool] = None, framework: str = "numpy") -> np.ndarray:
    """An ``H x W`` or ``H x W x C`` array resized to ``height x width`` with the spec
    ``Upsample(size=(height, width), mode, data_format="channels_last", antialias)``,
    computed by ``framework``'s adapter; same dtype back.  ``antialias=None``: on
    when either side shrinks and the mode has a kernel to widen."""
    from .adapters import get_adapter

    if mode not in MODES:
        raise ValueError(f"mode: got {mode!r}; expected one of {', '.join(MODES)}")
    grey = image.ndim == 2
    x = image[None, :, :, None] if grey else image[None]
    shrinking = height < x.shape[1] or width < x.shape[2]
    if antialias is None:
        antialias = shrinking and mode in _ANTIALIAS_MODES
    spec = Upsample(size=(height, width), mode="nearest-exact" if mode == "nearest" else mode,
                    data_format="channels_last", antialias=bool(antialias))
    adapter = get_adapter(framework)
    y = np.asarray(adapter.to_numpy(spec(adapter.from_numpy(np.ascontiguousarray(x)))))
    return y[0, :, :, 0] if grey else y[0]


def resize_file(source: str, target: str, size: Optional[Tuple[int, int]] = None, scale: Optional[float] = None,
                fit: str = "contain", mode: str = "bicubic", antialias: Optional[bool] = None,
                framework: str = "numpy", quality: int = 95) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """Read ``source`` with Pillow, resize, write ``target``; ``(input size, output size)`` as (w, h)."""
    from PIL import Image

    with Image.open(source) as img:
        img.load()
        if img.mode not in ("L", "RGB", "RGBA", "I;16"):
            img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
        image = np.asarray(img)
        in_size = img.size
    (width, height), crop = output_size(in_size[0], in_size[1], size, scale, fit)
    out = resize_array(image, width, height, mode, antialias, framework)
    if crop is not None:
        left, top, right, bottom = crop
        out = out[top:bottom, left:right]
    result = Image.fromarray(np.ascontiguousarray(out))
    if target.lower().endswith((".jpg", ".jpeg")):
        if result.mode == "RGBA":
            result = result.convert("RGB")
        result.save(target, quality=quality)
    else:
        result.save(target)
    return in_size, result.size
