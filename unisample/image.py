"""Image files in, image files out: ``unisample resize IN OUT``.

Pillow reads and writes the files.  The pixels are resized by an
``Upsample`` spec on the image as a channels-last array, so the numbers follow
unisample's integer rule: each axis pass (width first) rounds half up and
saturates, as PyTorch's and Pillow's 8-bit kernels do.  Shrinking
antialiases unless told otherwise (what Pillow's ``resize`` and ``thumbnail``
do), so a thumbnail keeps the detail averaged rather than aliased.

What a viewer shows is what is resized:

* the EXIF orientation is applied to the pixels (and the tag not written
  again, so no viewer turns the result a second time);
* images with alpha (RGBA, LA, palettes with transparency) are filtered with
  premultiplied alpha, as Pillow does, so colour hidden under transparent
  pixels does not bleed into the edges; written to a format without alpha
  (JPEG) they are composited over white;
* depth is kept: 8-bit, 16-bit grey, 32-bit integer and 32-bit float images
  come back in their own depth, 16-bit colour PNG/TIFF too (read and written
  with OpenCV, which Pillow cannot do); a format that cannot store the depth
  (16-bit as JPEG, float as PNG) is refused before any work, naming the mode.

Pillow's decompression-bomb limit (``--max-pixels``) bounds both the input
and the output.  Errors are ``ValueError`` with one line of text.
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from typing import NamedTuple, Optional, Tuple

import numpy as np

from .files import atomic_path, check_output
from .kernels import modes_where
from .optional import require
from .spec import Upsample

__all__ = ["output_size", "parse_size", "resize_array", "resize_file", "Resized", "FITS", "MODES"]

FITS = ("contain", "cover", "stretch")
#: the modes of a 2-D image (nearest meaning half-pixel rounding, as in Pillow and TF)
MODES = tuple(m for m in modes_where(lambda k: True, rank=2) if m != "nearest-exact")
_ANTIALIAS_MODES = modes_where(lambda k: k.antialias, rank=2)

#: Pillow modes read as they are: the array's dtype is the mode's depth
_KEPT = {"L": np.uint8, "RGB": np.uint8, "CMYK": np.uint8, "YCbCr": np.uint8, "LAB": np.uint8, "HSV": np.uint8,
         "I;16": np.uint16, "I": np.int32, "F": np.float32}
#: modes whose last band is alpha (filtered premultiplied)
_ALPHA = ("LA", "RGBA")
#: modes whose depth only TIFF keeps (Pillow writes "I" to PNG as 16 bits, clipping)
_TIFF_ONLY = ("I", "F")
#: EXIF orientation -> the array operation that shows the image upright (Pillow's ImageOps.exif_transpose)
_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}
_ORIENTATION_TAG = 0x0112


class Resized(NamedTuple):
    """What ``resize_file`` did: sizes as (width, height), the image's mode and
    whether the kernel was widened (antialiased) because the image shrank."""

    input_size: Tuple[int, int]
    output_size: Tuple[int, int]
    mode: str
    antialiased: bool


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
        if max(width, height) * scale > 2**31:
            raise ValueError(f"scale: got {scale!r}; {width}x{height} times it is over 2**31 pixels per side")
        return (max(1, round(width * scale)), max(1, round(height * scale))), None
    assert size is not None  # exactly one of size and scale, checked above
    box_w, box_h = size
    if fit == "stretch":
        return (box_w, box_h), None
    ratio = (min if fit == "contain" else max)(box_w / width, box_h / height)
    new = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    if fit == "contain":
        return new, None
    left, top = (new[0] - box_w) // 2, (new[1] - box_h) // 2
    return new, (left, top, left + box_w, top + box_h)


def _will_antialias(image_shape, width: int, height: int, mode: str, antialias: Optional[bool]) -> bool:
    if antialias is None:
        return (height < image_shape[0] or width < image_shape[1]) and mode in _ANTIALIAS_MODES
    return bool(antialias)


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
    spec = Upsample(size=(height, width), mode="nearest-exact" if mode == "nearest" else mode,
                    data_format="channels_last", antialias=_will_antialias(image.shape, width, height, mode,
                                                                           antialias))
    adapter = get_adapter(framework)
    y = np.asarray(adapter.to_numpy(spec(adapter.from_numpy(np.ascontiguousarray(x)))))
    return y[0, :, :, 0] if grey else y[0]


def _premultiply(image: np.ndarray) -> np.ndarray:
    """Colour times alpha / full scale, rounded (Pillow's "RGBa" for 8 bits); alpha kept."""
    top = np.iinfo(image.dtype).max
    alpha = image[..., -1:].astype(np.uint64)
    colour = (image[..., :-1].astype(np.uint64) * alpha + top // 2) // top
    return np.concatenate([colour.astype(image.dtype), image[..., -1:]], axis=-1)


def _unpremultiply(image: np.ndarray) -> np.ndarray:
    """The inverse of ``_premultiply``: colour * full scale / alpha, rounded and
    saturated; 0 where alpha is 0."""
    top = np.iinfo(image.dtype).max
    alpha = image[..., -1:].astype(np.uint64)
    colour = (image[..., :-1].astype(np.uint64) * top + alpha // 2) // np.maximum(alpha, 1)
    colour = np.where(alpha == 0, 0, np.minimum(colour, top))
    return np.concatenate([colour.astype(image.dtype), image[..., -1:]], axis=-1)


def _is_deep_colour(img) -> bool:
    """A 16-bit-per-channel colour file, which Pillow decodes as 8-bit RGB(A)."""
    return img.mode in ("RGB", "RGBA") and any(_rawmode(tile).startswith(("RGB;16", "RGBA;16"))
                                               for tile in getattr(img, "tile", ()) or ())


def _rawmode(tile) -> str:
    """The raw mode a Pillow tile decodes from: its args, or their first item (TIFF)."""
    args = tile[3]
    return str(args[0] if isinstance(args, tuple) and args else args)


def _read(source: str, max_pixels: Optional[int]):
    """``(array, mode, info)`` of an image file, upright; ``ValueError`` for what cannot be read."""
    require("PIL", "unisample resize")
    from PIL import Image

    if not os.path.exists(source):
        raise ValueError(f"input: {source!r} does not exist")
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as img:
                deep = _is_deep_colour(img)  # before getexif, which loads a PNG (and forgets its tiles)
                # older Pillow opens 16-bit grey PNG as 32-bit "I": it is 16-bit
                grey16 = img.mode == "I" and any(_rawmode(t).startswith("I;16") for t in img.tile or ())
                orientation = img.getexif().get(_ORIENTATION_TAG, 1)
                info = {k: img.info[k] for k in ("icc_profile",) if img.info.get(k)}
                if deep:
                    array, mode = _read_deep_colour(source, img.mode), img.mode + ";16"
                else:
                    img.load()
                    array, mode = _pixels(img)
                    if grey16:
                        array, mode = array.astype(np.uint16), "I;16"
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ValueError(f"input: {source!r} has more pixels than the limit of {max_pixels} (Pillow's "
                         "decompression-bomb guard); raise it with --max-pixels if the file is trusted") from None
    except Image.UnidentifiedImageError:
        raise ValueError(f"input: {source!r} is not an image file Pillow can read") from None
    except (OSError, SyntaxError) as e:  # truncated or corrupt data (Pillow raises SyntaxError for some)
        raise ValueError(f"input: {source!r} cannot be read: {e}") from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    orient = _ORIENT.get(orientation)
    return (np.ascontiguousarray(orient(array)) if orient else array), mode, info


def _pixels(img) -> Tuple[np.ndarray, str]:
    """A loaded Pillow image as ``(array, mode)``: its own depth, palettes and bilevel expanded."""
    mode = img.mode
    if mode == "1":
        img, mode = img.convert("L"), "L"
    elif mode in ("P", "PA"):
        mode = "RGBA" if mode == "PA" or "transparency" in img.info else "RGB"
        img = img.convert(mode)
    elif mode in ("RGBa", "La", "RGBX"):
        mode = {"RGBa": "RGBA", "La": "LA", "RGBX": "RGB"}[mode]
        img = img.convert(mode)
    elif mode.startswith("I;16"):
        return np.asarray(img).astype(np.uint16), "I;16"
    if mode not in _KEPT and mode not in _ALPHA:
        raise ValueError(f"input: image mode {mode!r} is not supported; expected one of "
                         f"{', '.join([*_KEPT, *_ALPHA, 'P', '1'])}")
    return np.asarray(img), mode


def _read_deep_colour(source: str, mode: str) -> np.ndarray:
    cv2 = require("cv2", f"16-bit {mode} images (Pillow reads them as 8-bit)", package="opencv-python-headless")
    array = cv2.imread(source, cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    if array is None or array.dtype != np.uint16 or array.ndim != 3:
        raise ValueError(f"input: {source!r}: OpenCV cannot read it as 16-bit colour")
    order = [2, 1, 0, 3][: array.shape[2]]  # OpenCV's BGR(A) -> RGB(A)
    return np.ascontiguousarray(array[..., order])


def _format_of(target: str) -> str:
    from PIL import Image

    Image.init()
    extension = os.path.splitext(target)[1].lower()
    fmt = Image.registered_extensions().get(extension)
    if fmt is None or fmt not in Image.SAVE:
        raise ValueError(f"output: {target!r}: Pillow cannot write files with the extension "
                         f"{extension or '(none)'!r}; use .png, .jpg, .tif, .webp, ...")
    return fmt


def _stores(target: str, mode: str) -> bool:
    """Whether Pillow writes a 1 x 1 image of ``mode`` in ``target``'s format."""
    from PIL import Image

    try:
        Image.new(mode, (1, 1)).save(io.BytesIO(), format=_format_of(target))
    except (OSError, ValueError, KeyError):
        return False
    return True


def _check_storable(target: str, mode: str) -> None:
    """``ValueError`` unless ``target``'s format keeps an image of ``mode`` as it is
    (``_stores``, before any work)."""
    fmt = _format_of(target)
    if mode.endswith(";16") and mode != "I;16":  # 16-bit colour: OpenCV writes PNG and TIFF
        if fmt not in ("PNG", "TIFF"):
            raise ValueError(f"output: {target!r}: {fmt} cannot store 16-bit {mode[:-3]}; write .png or .tif")
        require("cv2", f"16-bit {mode[:-3]} images", package="opencv-python-headless")
        return
    if mode in _TIFF_ONLY and fmt != "TIFF":
        depth = "32-bit float" if mode == "F" else "32-bit integer"
        raise ValueError(f"output: {target!r}: {fmt} cannot store a {depth} image (mode {mode!r}); write .tif")
    if not _stores(target, mode):
        raise ValueError(f"output: {target!r}: {fmt} cannot store an image of mode {mode!r}; write .png or .tif")


def _write(target: str, array: np.ndarray, mode: str, info: dict, quality: int) -> None:
    """Write ``array`` (of ``mode``) to ``target`` atomically (``files.atomic_path``)."""
    if mode.endswith(";16") and mode != "I;16":
        import cv2

        order = [2, 1, 0, 3][: array.shape[2]]
        with atomic_path(target) as temporary:
            if not cv2.imwrite(temporary, np.ascontiguousarray(array[..., order])):
                raise ValueError(f"output: OpenCV could not write {target!r}")
        return
    from PIL import Image

    fmt = _format_of(target)
    dtype = {"I;16": "<u2", "I": "=i4", "F": "=f4"}.get(mode, np.uint8)
    height, width = array.shape[:2]
    image = Image.frombytes(mode, (width, height), np.ascontiguousarray(array, dtype=dtype).tobytes())
    options = dict(info)
    if fmt == "JPEG":
        options["quality"] = quality
    with atomic_path(target) as temporary:
        image.save(temporary, format=fmt, **options)


def resize_file(source: str, target: str, size: Optional[Tuple[int, int]] = None, scale: Optional[float] = None,
                fit: str = "contain", mode: str = "bicubic", antialias: Optional[bool] = None,
                framework: str = "numpy", quality: int = 95, max_pixels: Optional[int] = None) -> Resized:
    """Read ``source``, resize it, write ``target`` (atomically: a failure leaves
    ``target`` as it was, even when it is ``source``); see the module docstring.

    ``max_pixels`` bounds the input's and the output's pixel count (default:
    Pillow's decompression-bomb limit, ``PIL.Image.MAX_IMAGE_PIXELS``)."""
    require("PIL", "unisample resize")
    from PIL import Image

    if mode not in MODES:
        raise ValueError(f"mode: got {mode!r}; expected one of {', '.join(MODES)}")
    check_output(target, what="output")
    _format_of(target)
    if max_pixels is None:
        max_pixels = Image.MAX_IMAGE_PIXELS
    image, image_mode, info = _read(source, max_pixels)
    in_size = image.shape[1], image.shape[0]
    (width, height), crop = output_size(in_size[0], in_size[1], size, scale, fit)
    if max_pixels is not None and width * height > max_pixels:
        raise ValueError(f"output: {width}x{height} is {width * height} pixels, over the limit of {max_pixels} "
                         "(--max-pixels)")
    alpha = image_mode in _ALPHA or image_mode == "RGBA;16"
    # a format without alpha (JPEG): the image composited over white, as viewers show it
    flatten = image_mode in _ALPHA and not _stores(target, image_mode)
    write_mode = image_mode[:-1] if flatten else image_mode
    _check_storable(target, write_mode)
    antialiased = _will_antialias(image.shape, width, height, mode, antialias)
    try:
        out = resize_array(_premultiply(image) if alpha else image, width, height, mode, antialiased, framework)
        if flatten:  # premultiplied colour over white: c * a + 255 * (1 - a)
            out = (out[..., :-1].astype(np.uint16) + (255 - out[..., -1:])).astype(np.uint8)
        elif alpha:
            out = _unpremultiply(out)
    except MemoryError:
        raise ValueError(f"output: {width}x{height} does not fit in memory") from None
    if crop is not None:
        left, top, right, bottom = crop
        out = out[top:bottom, left:right]
    _write(target, out, write_mode, info, quality)
    return Resized(in_size, (out.shape[1], out.shape[0]), image_mode, antialiased)
