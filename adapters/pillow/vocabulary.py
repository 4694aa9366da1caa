"""Pillow's vocabulary: ``PIL.Image.Image.resize`` as an ``Upsample`` and back.

``from_native`` reads a dict of ``Image.resize`` arguments and returns the
spec that computes the same numbers; ``native_call`` writes the Pillow code
that computes a spec, or says it cannot (None).  Nothing here imports Pillow.

What Pillow 13.0.0 computes (src/libImaging/Resample.c, Geometry.c,
src/PIL/Image.py), and the spec that says it:

=========== ==================================================================
``resample`` spec
=========== ==================================================================
NEAREST     ``mode="pillow-nearest"``: the pixel ``(int)v`` at the half-pixel
            position ``v``, accumulated by repeated addition of in/out
            (``ImagingScaleAffine``); I;16 images take the generic transform,
            one product per pixel: ``mode="pillow-nearest-i16"``
BOX         ``mode="box", antialias=True``
BILINEAR    ``mode="bilinear", antialias=True``
HAMMING     ``mode="hamming", antialias=True``
BICUBIC     ``mode="bicubic", antialias=True, cubic_coeff_a=-0.5,
            exclude_outside=True``
LANCZOS     ``mode="lanczos3", antialias=True``
MKS2013     ``mode="mks2013", antialias=True``
MKS2021     ``mode="mks2021", antialias=True``
=========== ==================================================================

Every filter is Pillow's ``precompute_coeffs``: centre ``(j + 0.5) * in /
out``, support ``radius * max(1, in / out)`` (widened when shrinking), the
window clipped to the image and the weights divided by their sum.  Box,
hamming and the MKS kernels (``Kernel.pillow``) repeat its float64 arithmetic
exactly; bilinear, bicubic and lanczos are unisample's existing modes, whose
weights (PyTorch's arithmetic) can differ from Pillow's in the last bit.

Arrays: a Pillow image of size ``(w, h)`` is the numpy array
``np.asarray(image)`` of shape ``(h, w)`` or ``(h, w, bands)``; the spec takes
it with a batch axis and a channel axis, ``(1, h, w, bands)`` (``to_nhwc``,
``from_nhwc``), ``data_format="NHWC"``.  The spec's numbers are Pillow's for
32-bit float images ('F', computed in float64 and stored as float32 after each
pass); integer images follow unisample's integer rule, not Pillow's
fixed-point one (tests/test_pillow_vocabulary.py measures the difference).
"""

from __future__ import annotations

import numbers
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = ["from_native", "native_call", "to_nhwc", "from_nhwc", "FILTERS", "DEFAULT_RESAMPLE"]

#: the function names ``from_native`` reads (``"function"``, optional)
FUNCTIONS = ("PIL.Image.Image.resize", "PIL.Image.resize")
_KEYS = ("function", "size", "resample", "box", "reducing_gap", "input_size", "mode")

#: ``PIL.Image.Resampling`` (Pillow 13): value -> name
FILTERS: Dict[int, str] = {0: "NEAREST", 1: "LANCZOS", 2: "BILINEAR", 3: "BICUBIC", 4: "BOX", 5: "HAMMING",
                           6: "MKS2013", 7: "MKS2021"}
_VALUES = {name: value for value, name in FILTERS.items()}

#: ``Image.resize``'s default filter (``resample=None``).  Images of mode "1"
#: and "P" are always resized with NEAREST, whatever ``resample`` says
#: (Image.py: ``if self.mode in ("1", "P"): resample = NEAREST``).
DEFAULT_RESAMPLE = "BICUBIC"
_ALWAYS_NEAREST = ("1", "P")
#: modes Pillow resizes premultiplied (``convert("RGBa")``, resize, convert
#: back) with every filter but NEAREST: not a linear resize of the array
_PREMULTIPLIED = {"LA": "La", "RGBA": "RGBa"}
#: the 16-bit modes, whose NEAREST is ``ImagingGenericTransform``'s
_I16 = ("I;16", "I;16L", "I;16B", "I;16N")
#: the image modes Pillow 13 has
_IMAGE_MODES = ("1", "L", "P", "RGB", "RGBA", "RGBX", "RGBa", "CMYK", "YCbCr", "LAB", "HSV", "I", "F", "LA", "La",
                "PA") + _I16

#: filter name -> the ``Upsample`` arguments that compute it
_SPEC_ARGUMENTS: Dict[str, Dict[str, Any]] = {
    "NEAREST": {"mode": "pillow-nearest"},
    "BOX": {"mode": "box", "antialias": True},
    "BILINEAR": {"mode": "bilinear", "antialias": True},
    "HAMMING": {"mode": "hamming", "antialias": True},
    "BICUBIC": {"mode": "bicubic", "antialias": True, "cubic_coeff_a": -0.5, "exclude_outside": True},
    "LANCZOS": {"mode": "lanczos3", "antialias": True},
    "MKS2013": {"mode": "mks2013", "antialias": True},
    "MKS2021": {"mode": "mks2021", "antialias": True},
}

_WHO = "from_pillow"


def _allowed_filters() -> str:
    return ", ".join(f"{name} ({value})" for value, name in FILTERS.items())


def _resample_name(value: Any) -> str:
    """The filter name of an ``Image.Resampling`` member, its int value or its
    name (``"BICUBIC"``, ``"bicubic"``, ``"Image.Resampling.BICUBIC"``)."""
    if isinstance(value, str):
        name = value.rsplit(".", 1)[-1].upper()
        if name in _VALUES:
            return name
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if int(value) in FILTERS:  # Image.Resampling members are IntEnum
            return FILTERS[int(value)]
    raise ValueError(f"{_WHO}: resample={value!r} is not one of Pillow's filters; expected one of "
                     f"{_allowed_filters()}, as an Image.Resampling member, its value or its name")


def _pair(name: str, value: Any) -> Tuple[int, int]:
    """``(width, height)`` of positive integers."""
    try:
        items = tuple(value)
    except TypeError:
        items = ()
    if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1 for v in items):
        raise ValueError(f"{_WHO}: {name}={value!r}; expected (width, height), two positive integers")
    return int(items[0]), int(items[1])


def _check_box(box: Any, input_size: Optional[Tuple[int, int]]) -> None:
    """``box`` must be None or the whole image, ``(0, 0, width, height)``."""
    if box is None:
        return
    try:
        corners = tuple(float(v) for v in box)
    except (TypeError, ValueError):
        corners = ()
    if len(corners) != 4:
        raise ValueError(f"{_WHO}: box={box!r}; expected None or (left, upper, right, lower)")
    if input_size is None:
        raise ValueError(f"{_WHO}: box={box!r} without input_size; only the whole image, (0, 0, width, height), "
                         "is expressible, and checking that needs input_size=(width, height)")
    whole = (0.0, 0.0, float(input_size[0]), float(input_size[1]))
    if corners != whole:
        raise ValueError(f"{_WHO}: box={box!r} is not the whole {input_size[0]}x{input_size[1]} image; a spec "
                         f"resizes whole axes (allowed: None or {tuple(int(v) for v in whole)}; crop a region with "
                         "integer corners before resizing)")


def _check_reducing_gap(reducing_gap: Any, name: str, size: Tuple[int, int],
                        input_size: Optional[Tuple[int, int]]) -> None:
    """``reducing_gap`` is allowed where Pillow's ``Image.reduce`` step does not run."""
    if reducing_gap is None:
        return
    if isinstance(reducing_gap, bool) or not isinstance(reducing_gap, numbers.Real) or reducing_gap < 1.0:
        raise ValueError(f"{_WHO}: reducing_gap={reducing_gap!r}; Pillow expects None or a number >= 1.0")
    if name == "NEAREST":  # Image.py skips the reduce step for NEAREST
        return
    if input_size is None:
        raise ValueError(f"{_WHO}: reducing_gap={reducing_gap!r} without input_size; Pillow first reduces the "
                         "image by whole factors (Image.reduce) where in/out/reducing_gap >= 2, which changes the "
                         "numbers; allowed: None, or give input_size=(width, height) to show no reduction happens")
    gap = float(reducing_gap)
    factors = tuple(int(n / m / gap) or 1 for n, m in zip(input_size, size))
    if factors != (1, 1):
        raise ValueError(f"{_WHO}: reducing_gap={reducing_gap!r} on a {input_size[0]}x{input_size[1]} image "
                         f"resized to {size[0]}x{size[1]} makes Pillow reduce it by {factors} first "
                         "(Image.reduce, box averages of whole blocks) and resample the rest: two resamplings, "
                         "not one; allowed: None, or a gap that keeps both factors at 1")


def from_native(obj: Mapping[str, Any]):
    """The ``Upsample`` that computes ``PIL.Image.Image.resize`` with these arguments.

    ``obj`` is a dict of ``Image.resize`` arguments:

    ``size``
        ``(width, height)``, Pillow's order; the spec's ``size`` is ``(height,
        width)``, for arrays laid out ``(1, height, width, bands)``
        (``data_format="NHWC"``, see ``to_nhwc``).
    ``resample``
        an ``Image.Resampling`` member, its int value or its name (any case);
        left out or None, Pillow's default, ``DEFAULT_RESAMPLE`` (BICUBIC).
    ``box``
        None or the whole image (needs ``input_size``); any other region is
        refused: it shifts and stretches Pillow's mapping.
    ``reducing_gap``
        None; or any gap where Pillow's ``Image.reduce`` step does not run
        (NEAREST, or ``input_size`` given and ``int(in / out / gap) <= 1`` on
        both axes).  Otherwise refused: reducing first changes the numbers.

    and optionally, about the image:

    ``function``
        one of ``FUNCTIONS`` (default ``"PIL.Image.Image.resize"``).
    ``input_size``
        the image's ``(width, height)``: lets ``box`` and ``reducing_gap`` be checked.
    ``mode``
        the image's mode.  "1" and "P" are resized with NEAREST whatever
        ``resample`` says (as Pillow does; "1" reads as a bool array, which
        the spec takes as uint8); "I;16" images' NEAREST picks pixels by
        another rule (``mode="pillow-nearest-i16"``); "LA" and "RGBA" with any
        filter but NEAREST are refused: Pillow premultiplies their alpha,
        which is not a resize of the array (give the premultiplied image, mode
        "La" or "RGBa", instead).  Where ``input_size`` equals ``size``, Pillow
        returns a copy before looking at the mode or the gap, and so does
        every spec: nothing is refused for them.

    ``ValueError`` naming the argument, its value and what is allowed for
    anything unknown or that no spec computes exactly; ``TypeError`` for an
    ``obj`` that is not a mapping.
    """
    from unisample import Upsample

    if not isinstance(obj, Mapping):
        raise TypeError(f"{_WHO}: got {type(obj).__name__}; expected a dict of PIL.Image.Image.resize arguments "
                        f"(keys: {', '.join(_KEYS)})")
    unknown = sorted(set(obj) - set(_KEYS))
    if unknown:
        raise ValueError(f"{_WHO}: unknown keys {unknown}; allowed: {', '.join(_KEYS)}")
    function = obj.get("function", FUNCTIONS[0])
    if function not in FUNCTIONS:
        raise ValueError(f"{_WHO}: function={function!r}; expected one of {', '.join(FUNCTIONS)}")
    if "size" not in obj:
        raise ValueError(f"{_WHO}: size is missing; expected (width, height), two positive integers")
    size = _pair("size", obj["size"])
    input_size = None if obj.get("input_size") is None else _pair("input_size", obj["input_size"])
    image_mode = obj.get("mode")
    if image_mode is not None and image_mode not in _IMAGE_MODES:
        raise ValueError(f"{_WHO}: mode={image_mode!r} is not a Pillow image mode; expected one of "
                         f"{', '.join(_IMAGE_MODES)}")
    resample = obj.get("resample")
    name = DEFAULT_RESAMPLE if resample is None else _resample_name(resample)
    _check_box(obj.get("box"), input_size)
    if input_size == size:  # Image.py returns self.copy() before looking at the mode: every spec copies too
        _check_reducing_gap(obj.get("reducing_gap"), "NEAREST", size, input_size)
        image_mode = None
    if image_mode in _ALWAYS_NEAREST:
        name = "NEAREST"
    if image_mode in _PREMULTIPLIED and name != "NEAREST":
        raise ValueError(f"{_WHO}: mode={image_mode!r} with resample={name}: Pillow converts the image to "
                         f"{_PREMULTIPLIED[image_mode]!r} (premultiplied alpha), resizes and converts back, which "
                         f"is not a linear resize of the array; allowed: resample=NEAREST, or the premultiplied "
                         f"image (mode {_PREMULTIPLIED[image_mode]!r})")
    _check_reducing_gap(obj.get("reducing_gap"), name, size, input_size)
    arguments = dict(_SPEC_ARGUMENTS[name])
    if name == "NEAREST" and image_mode in _I16:
        arguments["mode"] = "pillow-nearest-i16"
    return Upsample(size=(size[1], size[0]), data_format="NHWC", **arguments)


def _filter_of(spec) -> Optional[str]:
    """The Pillow filter whose resize is ``spec`` (any layout with 2 spatial axes), or None."""
    if spec.size is not None:
        shape: Dict[str, Any] = {"size": spec.size}
    elif spec.recompute_scale_factor:  # output floor(n * f), mapped with in / out: Pillow's
        shape = {"scale_factor": spec.scale_factor, "recompute_scale_factor": True}
    else:  # mapped with 1 / scale_factor, which is not in / out
        return None
    from unisample import Upsample

    for name, arguments in _SPEC_ARGUMENTS.items():
        if name == "NEAREST" and spec.mode == "pillow-nearest-i16":
            arguments = dict(arguments, mode="pillow-nearest-i16")
        if arguments["mode"] != spec.mode:
            continue
        if Upsample(data_format=spec.data_format, **shape, **arguments) == spec:
            return name
    return None


def native_call(spec) -> Optional[str]:
    """Python code text defining ``resize``, a function of a ``PIL.Image.Image``
    that computes ``spec`` with Pillow, or None where no Pillow call does.

    ``spec`` must have 2 spatial axes (or leave the number open: the code is for
    2-D images), one of the filters of the module docstring's table with
    exactly its extras, and ``size`` (or ``scale_factor`` with
    ``recompute_scale_factor=True``, which Pillow's in/out mapping is).  For
    example ``from_native({"size": (48, 64)})`` gives::

        from PIL import Image
        resize = lambda im: im.resize((48, 64), Image.Resampling.BICUBIC)

    The code computes the spec on images Pillow resizes as they are: not
    "1"/"P" (always NEAREST) nor "LA"/"RGBA" (premultiplied) unless the filter
    is NEAREST; ``pillow-nearest`` is NEAREST on every mode but I;16,
    ``pillow-nearest-i16`` on I;16.
    """
    if spec.spatial_rank not in (None, 2):
        return None
    name = _filter_of(spec)
    if name is None:
        return None
    if spec.size is not None:
        height, width = spec.size if isinstance(spec.size, tuple) else (spec.size, spec.size)
        size, header = f"({width}, {height})", "from PIL import Image\n"
    else:
        scales = spec.scale_factor if isinstance(spec.scale_factor, tuple) else (spec.scale_factor,) * 2
        size = f"(math.floor(im.width * {scales[1]!r}), math.floor(im.height * {scales[0]!r}))"
        header = "import math\n\nfrom PIL import Image\n"
    return f"{header}resize = lambda im: im.resize({size}, Image.Resampling.{name})"


def to_nhwc(image: np.ndarray) -> np.ndarray:
    """A Pillow image's array (``np.asarray(image)``, ``(h, w)`` or ``(h, w, bands)``)
    as the ``(1, h, w, bands)`` array the spec takes (a view)."""
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"to_nhwc: got an array of shape {image.shape}; expected (height, width) or "
                         "(height, width, bands), as np.asarray(PIL image) gives")
    return image[None, :, :, None] if image.ndim == 2 else image[None]


def from_nhwc(batch: np.ndarray, like: Sequence[int]) -> np.ndarray:
    """``to_nhwc``'s inverse: a ``(1, h, w, bands)`` result back to ``(h, w)`` when
    the image's array (of shape ``like``) was 2-D, else ``(h, w, bands)``."""
    return batch[0, :, :, 0] if len(like) == 2 else batch[0]


# -- unisample port ------------------------------------------------------------------


def _calls(spec, rank: int):
    """Pillow's own ``Image.resize`` calls for a spec of ``rank`` spatial axes (2 only)."""
    from unisample.porting import NativeCall, out_size, width_height_code

    if rank != 2:
        return
    size = width_height_code(spec, "im.width", "im.height")
    for name in FILTERS.values():
        code = f"from PIL import Image\nresize = lambda im: im.resize({size}, Image.Resampling.{name})"
        yield NativeCall(code, lambda n, name=name: {"size": tuple(out_size(spec, n))[::-1], "resample": name,
                                                     "input_size": (n[1], n[0])})


def _targets():
    from unisample.porting import Target

    signatures = {"resize": (("size", "resample", "box", "reducing_gap"), False, {})}
    return (Target("pillow", ("pillow", "pil"), signatures, from_native, _calls, "channels_last", "{}",
                   constants=tuple(FILTERS.values()),
                   no_call="Image.resize resizes the 2 axes of an image only"),)
