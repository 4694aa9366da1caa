"""The resize specification: ``Upsample``.

``Upsample`` speaks PyTorch's ``nn.Upsample`` vocabulary (``size``,
``scale_factor``, ``mode``, ``align_corners``) so that a PyTorch user needs no
new words, and takes as keyword-only extras what the other frameworks do
beyond it.  Construction validates every argument and resolves the extras the
caller left out to the values the mode implies, so that two specs that compute
the same numbers compare equal, hash equal and serialise to the same dict.

Nothing here imports a framework: ``import unisample`` costs numpy only.
"""

from __future__ import annotations

import functools
import math
import numbers
import os
from typing import Any, Dict, Mapping, Optional, Tuple, Union, cast

import numpy as np

from .adapters import adapter_for  # imports no framework
from .kernels import KERNELS, MODE_ROWS, MODES, modes_where

__all__ = ["Upsample", "MODES", "DATA_FORMATS", "COORDINATE_TRANSFORMS", "NEAREST_MODES",
           "KEEP_ASPECT_RATIO_POLICIES"]


# data_format -> (channels_last, spatial rank or None)
DATA_FORMATS = {
    "channels_first": (False, None),
    "channels_last": (True, None),
    "NCW": (False, 1),
    "NWC": (True, 1),
    "NCHW": (False, 2),
    "NHWC": (True, 2),
    "NCDHW": (False, 3),
    "NDHWC": (True, 3),
}

# How an output index maps to a source coordinate (ONNX's vocabulary):
#   half_pixel        src = (dst + 0.5) * scale - 0.5
#   asymmetric        src = dst * scale
#   align_corners     src = dst * (in - 1) / (out - 1)   (0 when out == 1)
#   paddle_half_pixel half_pixel, but an axis of output length 1 uses scale 0,
#                     i.e. samples at -0.5 (Paddle's kernels do this; torch
#                     samples the centre of the input instead).
# and ONNX Resize's own (README "ONNX"), which no framework's native op has:
#   half_pixel_symmetric  half_pixel shifted so that the output's centre maps
#                     to the input's: + (in - out * scale) / 2
#   pytorch_half_pixel half_pixel, but a length-1 output samples 0 (ONNX's
#                     definition and onnxruntime's)
#   tf_half_pixel_for_nn  src = (dst + 0.5) * scale (TF1's legacy nearest)
#   tf_crop_and_resize    src = start * (in - 1) + dst * (end - start) * (in - 1)
#                     / (out - 1) over the region of interest ``roi`` (its centre
#                     when out == 1); outputs whose source lies outside
#                     [0, in - 1] are ``extrapolation_value``
COORDINATE_TRANSFORMS = ("half_pixel", "asymmetric", "align_corners", "paddle_half_pixel", "half_pixel_symmetric",
                         "pytorch_half_pixel", "tf_half_pixel_for_nn", "tf_crop_and_resize")
#: the transforms only ONNX has: no antialias with them, and no native op but ONNX's
ONNX_TRANSFORMS = COORDINATE_TRANSFORMS[4:]
#: how a nearest mode rounds the source coordinate (ONNX's nearest_mode): the
#: mode ``nearest`` floors, ``nearest-exact`` rounds halves up
NEAREST_MODES = ("floor", "round_prefer_ceil", "round_prefer_floor", "ceil")
KEEP_ASPECT_RATIO_POLICIES = ("stretch", "not_larger", "not_smaller")

AREA_WEIGHTS = ("uniform", "overlap")
SAME_SIZE_COPY = ("pytorch", "each_axis", "all_axes", "never")


#: The longest output axis unisample makes: the frameworks' resize ops take
#: sizes as int32 (TF, ONNX runtimes), and no allocation of that many pixels
#: along one axis of an image is real.  README "Limits".
MAX_LENGTH = 2**31 - 1
#: The most elements an output may have (batch and channels included), unless
#: ``UNISAMPLE_MAX_ELEMENTS`` says otherwise: 2**34 float32 values are 64 GiB,
#: more than one array holds on the machines this is for; a resize asked for
#: more is refused before any work instead of failing to allocate late.
DEFAULT_MAX_ELEMENTS = 2**34

SizeArg = Union[int, Tuple[int, ...], None]
ScaleArg = Union[float, Tuple[float, ...], None]


def _allowed(values) -> str:
    return ", ".join(repr(v) for v in values)


def _quoted(names) -> str:
    """``'a', 'b' and 'c'``."""
    names = [repr(n) for n in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _check_per_axis(name: str, value: Any, check_value, allowed: str):
    """A single value or one per spatial axis (1 to 3), each checked by ``check_value``."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if not 1 <= len(value) <= 3:
            raise ValueError(
                f"{name}: got {value!r} with {len(value)} values; expected one {allowed} "
                "per spatial axis (1, 2 or 3 values) or a single one"
            )
        return tuple(check_value(v, value) for v in value)
    return check_value(value, value)


def _size_value(value: Any, whole: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"size: got {whole!r}; every value must be a positive integer, "
            f"not {type(value).__name__} {value!r}"
        )
    value = int(value)
    if value <= 0:
        raise ValueError(f"size: got {whole!r}; every value must be a positive integer")
    if value > MAX_LENGTH:
        raise ValueError(f"size: got {whole!r}; every value must be at most 2**31 - 1 = {MAX_LENGTH} "
                         "(README 'Limits')")
    return value


def _scale_value(value: Any, whole: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"scale_factor: got {whole!r}; every value must be a positive finite number, "
            f"not {type(value).__name__} {value!r}"
        )
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(
            f"scale_factor: got {whole!r}; every value must be a positive finite number"
        )
    return value


def _check_choice(name: str, value: Any, allowed) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{name}: got {type(value).__name__} {value!r}; expected one of {_allowed(allowed)}")
    if value not in allowed:
        raise ValueError(f"{name}: got {value!r}; expected one of {_allowed(allowed)}")


def _check_bool(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not isinstance(value, (bool, np.bool_)):
        allowed = "True, False or None" if allow_none else "True or False"
        raise TypeError(f"{name}: got {type(value).__name__} {value!r}; expected {allowed}")

# -- one validator per argument (Upsample.__init__) -----------------------------------


def _check_ranks_agree(mode: str, data_format: str, size, scale_factor, roi=None) -> None:
    """The number of spatial axes, where the arguments already fix it, must agree."""
    ranks = {}
    mode_rank, format_rank = MODES[mode][1], DATA_FORMATS[data_format][1]
    if mode_rank is not None:
        ranks[f"mode={mode!r}"] = mode_rank
    if format_rank is not None:
        ranks[f"data_format={data_format!r}"] = format_rank
    for name, value in (("size", size), ("scale_factor", scale_factor)):
        if isinstance(value, tuple):
            ranks[f"{name}={value!r}"] = len(value)
    if roi is not None and isinstance(roi[0], tuple):
        ranks[f"roi={roi!r}"] = len(roi)
    if len(set(ranks.values())) > 1:
        said = ", ".join(f"{k} ({v} spatial axes)" for k, v in ranks.items())
        raise ValueError(f"the arguments disagree on the number of spatial axes: {said}")


def _check_align_corners(align_corners, mode: str) -> None:
    _check_bool("align_corners", align_corners, allow_none=True)
    kernel, _, has_corners = MODES[mode]
    if align_corners is None or has_corners:
        return
    hint = ""
    if kernel == "nearest" and align_corners:
        hint = (
            "; for TF1's nearest with align_corners=True use "
            "mode='nearest-exact', coordinate_transform='align_corners'"
        )
    elif kernel.startswith("lanczos") and align_corners:
        hint = "; use coordinate_transform='align_corners'"
    raise ValueError(
        f"align_corners: got {align_corners!r} with mode={mode!r}; align_corners can "
        f"only be set with the interpolating modes {_quoted(m for m in MODES if MODES[m][2])}{hint}"
    )


def _checked_antialias(antialias, mode: str) -> bool:
    _check_bool("antialias", antialias)
    if antialias and not KERNELS[MODES[mode][0]].antialias:
        raise ValueError(
            f"antialias: got True with mode={mode!r}; antialias only applies to "
            f"{_quoted(modes_where(lambda k: k.antialias))} "
            "('area' averages already, nearest modes pick one pixel)"
        )
    return bool(antialias)


def _checked_recompute(recompute_scale_factor, scale_factor) -> Optional[bool]:
    _check_bool("recompute_scale_factor", recompute_scale_factor, allow_none=True)
    if scale_factor is None:
        if recompute_scale_factor is not None:
            raise ValueError(
                f"recompute_scale_factor: got {recompute_scale_factor!r} with an explicit size; "
                "it is only meaningful with scale_factor"
            )
        return None
    return bool(recompute_scale_factor)


def _onnx_transform_modes() -> Tuple[str, ...]:
    """The modes ONNX's own coordinate transforms apply to: nearest and the
    framework filters (Pillow's and OpenCV's own rules keep theirs)."""
    return tuple(m for m, row in MODE_ROWS.items()
                 if row.kernel == "nearest" or (KERNELS[row.kernel].function is not None
                                                and not KERNELS[row.kernel].pillow))


def _check_coordinate_transform(coordinate_transform: str, mode: str, align_corners) -> None:
    _check_choice("coordinate_transform", coordinate_transform, COORDINATE_TRANSFORMS)
    if MODE_ROWS[mode].transform is None:
        raise ValueError(
            f"coordinate_transform: got {coordinate_transform!r} with mode={mode!r}; "
            "it covers whole pixels and has no coordinate transform"
        )
    if coordinate_transform in ONNX_TRANSFORMS and mode not in _onnx_transform_modes():
        raise ValueError(
            f"coordinate_transform: got {coordinate_transform!r} with mode={mode!r}; ONNX's transforms apply "
            f"to {_quoted(_onnx_transform_modes())}"
        )
    if align_corners is not None and align_corners != (coordinate_transform == "align_corners"):
        raise ValueError(
            f"coordinate_transform: got {coordinate_transform!r} with "
            f"align_corners={align_corners!r}; they contradict each other (leave one out)"
        )


def _checked_cubic_coeff_a(cubic_coeff_a, mode: str) -> Optional[float]:
    if cubic_coeff_a is None:
        return None
    if MODES[mode][0] != "cubic":
        raise ValueError(
            f"cubic_coeff_a: got {cubic_coeff_a!r} with mode={mode!r}; only mode='bicubic' has one"
        )
    if isinstance(cubic_coeff_a, bool) or not isinstance(cubic_coeff_a, numbers.Real):
        raise TypeError(
            f"cubic_coeff_a: got {type(cubic_coeff_a).__name__} {cubic_coeff_a!r}; "
            "expected a finite number such as -0.75 or -0.5"
        )
    value = float(cubic_coeff_a)
    if not math.isfinite(value):
        raise ValueError(
            f"cubic_coeff_a: got {value!r}; expected a finite number such as -0.75 or -0.5"
        )
    return value


def _checked_exclude_outside(exclude_outside, mode: str, antialias: bool) -> Optional[bool]:
    if exclude_outside is None:
        return None
    _check_bool("exclude_outside", exclude_outside)
    kernel = MODES[mode][0]
    if kernel == "linear" and antialias:
        # the widened triangle reaches past the edge: dropping those taps
        # (torch, TF) or repeating the edge pixel (ONNX's default) differ
        return bool(exclude_outside)
    if not KERNELS[kernel].exclude_outside:
        raise ValueError(
            f"exclude_outside: got {exclude_outside!r} with mode={mode!r}; it only "
            f"changes {_quoted(modes_where(lambda k: k.exclude_outside))} and antialiased linear modes (a "
            "linear tap outside the input has the same effect either way)"
        )
    return bool(exclude_outside)


def _checked_cubic_table_size(cubic_table_size, mode: str, antialias: bool) -> Optional[int]:
    if cubic_table_size is None:
        return None
    if MODES[mode][0] != "cubic" or antialias:
        raise ValueError(
            f"cubic_table_size: got {cubic_table_size!r} with mode={mode!r}, "
            f"antialias={antialias!r}; only non-antialiased 'bicubic' reads a table"
        )
    if isinstance(cubic_table_size, bool) or not isinstance(cubic_table_size, numbers.Integral):
        raise TypeError(
            f"cubic_table_size: got {type(cubic_table_size).__name__} {cubic_table_size!r}; "
            "expected a positive integer (TF uses 1024) or None"
        )
    if cubic_table_size <= 0:
        raise ValueError(
            f"cubic_table_size: got {cubic_table_size!r}; expected a positive integer "
            "(TF uses 1024) or None"
        )
    return int(cubic_table_size)


def _kernel_choice(name: str, value, allowed, mode: str, kernel: str, only: str) -> Optional[str]:
    """``value`` (None: left out), one of ``allowed``, which only ``kernel``'s modes
    take (``only`` says so in the message)."""
    if value is None:
        return None
    _check_choice(name, value, allowed)
    if MODES[mode][0] != kernel:
        raise ValueError(f"{name}: got {value!r} with mode={mode!r}; {only}")
    return value


def _checked_same_size_copy(same_size_copy, kernel: str, scale_factor, recompute_scale_factor) -> Optional[str]:
    if same_size_copy is None:
        return None
    _check_choice("same_size_copy", same_size_copy, SAME_SIZE_COPY)
    if scale_factor is None or recompute_scale_factor or kernel == "area":
        raise ValueError(
            f"same_size_copy: got {same_size_copy!r}; it only applies when scale_factor "
            "drives the mapping (scale_factor given, recompute_scale_factor not True, "
            "mode not 'area')"
        )
    return same_size_copy


def _checked_policy(policy, size) -> Optional[str]:
    if policy is None:
        return None
    _check_choice("keep_aspect_ratio_policy", policy, KEEP_ASPECT_RATIO_POLICIES)
    if size is None:
        raise ValueError(
            f"keep_aspect_ratio_policy: got {policy!r} with scale_factor; it says how size= is met "
            "(ONNX Resize's sizes), so it needs size="
        )
    return policy


def _roi_pair(pair, whole) -> Tuple[float, float]:
    if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in pair):
        raise ValueError(
            f"roi: got {whole!r}; expected one (start, end) pair of finite numbers per spatial axis (or one "
            "pair for every axis), in units of the input's length: (0, 1) is the whole axis"
        )
    return float(pair[0]), float(pair[1])


def _checked_roi(roi, coordinate_transform) -> Any:
    """``(start, end)`` for every axis, or one such pair per axis, as floats."""
    if roi is None and coordinate_transform != "tf_crop_and_resize":
        return None
    if roi is None:
        raise ValueError(
            "roi: got None with coordinate_transform='tf_crop_and_resize', which needs one: the region "
            "it crops and resizes, a (start, end) pair per spatial axis"
        )
    if coordinate_transform != "tf_crop_and_resize":
        raise ValueError(
            f"roi: got {roi!r} with coordinate_transform={coordinate_transform!r}; a region of interest is "
            "only read by coordinate_transform='tf_crop_and_resize'"
        )
    if isinstance(roi, (list, tuple)) and len(roi) == 2 and all(isinstance(v, numbers.Real) for v in roi):
        return _roi_pair(roi, roi)  # one pair for every axis
    if not isinstance(roi, (list, tuple)) or not 1 <= len(roi) <= 3:
        raise ValueError(f"roi: got {roi!r}; expected one (start, end) pair per spatial axis (1 to 3 pairs)")
    return tuple(_roi_pair(pair, roi) for pair in roi)


def _checked_extrapolation(value, coordinate_transform) -> Optional[float]:
    if value is None:
        return None
    if coordinate_transform != "tf_crop_and_resize":
        raise ValueError(
            f"extrapolation_value: got {value!r} with coordinate_transform={coordinate_transform!r}; only "
            "'tf_crop_and_resize' samples outside the input"
        )
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"extrapolation_value: got {type(value).__name__} {value!r}; expected a number")
    return float(value)


def _check_antialias_transform(antialias: bool, coordinate_transform: Optional[str]) -> None:
    if antialias and coordinate_transform in ONNX_TRANSFORMS:
        raise ValueError(
            f"antialias: got True with coordinate_transform={coordinate_transform!r}; antialiased filters "
            "are centred on half-pixel coordinates (README 'ONNX'), ONNX's own transforms are not"
        )


class Upsample:
    """A resize specification that computes the same numbers in every framework.

    Arguments follow PyTorch's ``nn.Upsample``:

    size
        Output spatial size: an int (every spatial axis) or one int per axis.
    scale_factor
        Multiplier for the spatial size: a number or one per axis.  Exactly
        one of ``size`` and ``scale_factor`` must be given.  The output length
        is ``floor(input_length * scale_factor)``, and, as in PyTorch and
        Paddle, ``1 / scale_factor`` (not input/output) maps output pixels to
        input pixels unless ``recompute_scale_factor=True``.
    mode
        ``nearest`` (floor of ``dst * in / out``: PyTorch/Paddle), ``nearest-exact``
        (rounds half-pixel coordinates: TF, JAX, PyTorch's nearest-exact),
        ``linear`` (3-D input), ``bilinear`` (4-D), ``trilinear`` (5-D),
        ``bicubic``, ``area`` (adaptive average pooling), ``lanczos3``, ``lanczos5``.
        ``nearest``, ``nearest-exact``, ``bicubic``, ``area`` and the lanczos
        modes work on 1, 2 or 3 spatial axes.
    align_corners
        PyTorch's meaning; only with linear, bilinear, trilinear and bicubic.
    data_format
        ``"channels_first"`` (default), ``"channels_last"`` or a Paddle spelling
        (``NCW``, ``NWC``, ``NCHW``, ``NHWC``, ``NCDHW``, ``NDHWC``), which also
        fixes the number of spatial axes.

    Keyword-only extras (left out, each takes the value the mode implies):

    antialias
        Widen the kernel by input/output when downsampling (PyTorch's and TF's
        ``antialias=True``; JAX's default).  Linear, bicubic and lanczos modes.
    recompute_scale_factor
        PyTorch's meaning: with ``True`` the mapping uses input/output
        lengths, not ``1 / scale_factor``.  Only with ``scale_factor``.
    coordinate_transform
        ``half_pixel``, ``asymmetric``, ``align_corners`` or
        ``paddle_half_pixel`` (see ``COORDINATE_TRANSFORMS``).  Default:
        ``asymmetric`` for ``nearest``, ``align_corners`` when
        ``align_corners=True``, else ``half_pixel``.  Paddle's
        ``align_mode=1`` is ``asymmetric``; TF1's nearest with
        ``align_corners=True`` is ``nearest-exact`` with ``align_corners``.
    cubic_coeff_a
        The cubic kernel's ``a``: -0.75 (PyTorch, Paddle, OpenCV; the default)
        or -0.5 (Keys: TF, JAX, Pillow, and PyTorch with ``antialias=True``).
    exclude_outside
        Drop taps that fall outside the input and renormalise the rest (TF,
        JAX, antialiased PyTorch), instead of repeating the edge pixel
        (PyTorch, Paddle bicubic).  Bicubic and lanczos modes.
    cubic_table_size
        TF's non-antialiased bicubic reads the kernel from a table, rounding
        the fractional offset to ``1 / 1024``; ``cubic_table_size=1024``
        reproduces it.  ``None`` evaluates the kernel exactly.
    area_weights
        ``uniform`` (PyTorch/Paddle adaptive average pooling over
        ``floor(j*in/out) .. ceil((j+1)*in/out)``, the default) or
        ``overlap`` (TF ``area``: each input pixel weighted by how much of it
        the output pixel covers).
    same_size_copy
        With ``scale_factor`` mapping, what happens to an axis whose output
        length equals its input length although ``scale_factor != 1``:
        ``each_axis`` copies it, ``all_axes`` copies only when no axis changes
        length (Paddle), ``never`` maps it with ``1 / scale_factor``.  The
        default, ``pytorch``, is PyTorch CPU's rule, which depends on the mode:
        linear modes and antialiased ones copy each such axis, ``nearest``
        does so only with 2 spatial axes, ``nearest-exact`` and plain
        ``bicubic`` never do.

    ONNX Resize's vocabulary, which no other framework's resize offers
    (README "ONNX"):

    nearest_mode
        How ``nearest`` modes round the source coordinate: ``floor`` (the
        ``nearest`` mode's), ``round_prefer_ceil`` (``nearest-exact``'s),
        ``round_prefer_floor`` (ONNX's default: halves down) or ``ceil``.
    coordinate_transform
        also ``half_pixel_symmetric``, ``pytorch_half_pixel`` (ONNX's: a
        length-1 output samples 0), ``tf_half_pixel_for_nn`` and
        ``tf_crop_and_resize`` (see ``COORDINATE_TRANSFORMS``); not with
        antialias.
    roi
        With ``tf_crop_and_resize``: the region resized, a ``(start, end)``
        pair per spatial axis (or one for all) in units of the input's length
        minus one, as TF's ``crop_and_resize`` boxes and ONNX's ``roi``.
    extrapolation_value
        With ``tf_crop_and_resize``: the value of outputs whose source lies
        outside the input (default 0.0).
    keep_aspect_ratio_policy
        With ``size``: ``stretch`` (each axis to its size, the default),
        ``not_larger`` / ``not_smaller`` (one scale for every axis, the
        smallest / largest of ``size / input``; lengths ``round(scale * in)``).
    exclude_outside
        also applies to antialiased linear modes: ONNX's default repeats the
        edge pixel under the widened kernel (``False``), PyTorch and TF drop
        the taps outside (``True``, the default).

    Call it on a numpy, torch, tensorflow, paddle or jax array to get the same
    kind of array back; ``reference`` gives the float64 ground truth.
    """

    #: the arguments in constructor order; the keys of ``to_dict``
    FIELDS = (
        "size",
        "scale_factor",
        "mode",
        "align_corners",
        "data_format",
        "antialias",
        "recompute_scale_factor",
        "coordinate_transform",
        "cubic_coeff_a",
        "exclude_outside",
        "cubic_table_size",
        "area_weights",
        "same_size_copy",
        "nearest_mode",
        "keep_aspect_ratio_policy",
        "roi",
        "extrapolation_value",
    )
    # __weakref__: tf.function and other wrappers keep weak references to callables.
    __slots__ = FIELDS + ("_key", "_onnx_only", "__weakref__")

    # The fields' types, for readers and type checkers (set once, in __init__).
    size: SizeArg
    scale_factor: ScaleArg
    mode: str
    align_corners: Optional[bool]
    data_format: str
    antialias: bool
    recompute_scale_factor: Optional[bool]
    coordinate_transform: str
    cubic_coeff_a: Optional[float]
    exclude_outside: Optional[bool]
    cubic_table_size: Optional[int]
    area_weights: Optional[str]
    same_size_copy: Optional[str]
    nearest_mode: Optional[str]
    keep_aspect_ratio_policy: Optional[str]
    roi: Any
    extrapolation_value: Optional[float]
    _key: tuple
    _onnx_only: bool

    def __init__(
        self,
        size: SizeArg = None,
        scale_factor: ScaleArg = None,
        mode: str = "nearest",
        align_corners: Optional[bool] = None,
        data_format: str = "channels_first",
        *,
        antialias: bool = False,
        recompute_scale_factor: Optional[bool] = None,
        coordinate_transform: Optional[str] = None,
        cubic_coeff_a: Optional[float] = None,
        exclude_outside: Optional[bool] = None,
        cubic_table_size: Optional[int] = None,
        area_weights: Optional[str] = None,
        same_size_copy: Optional[str] = None,
        nearest_mode: Optional[str] = None,
        keep_aspect_ratio_policy: Optional[str] = None,
        roi=None,
        extrapolation_value: Optional[float] = None,
    ) -> None:
        size = _check_per_axis("size", size, _size_value, "positive integer")
        scale_factor = _check_per_axis("scale_factor", scale_factor, _scale_value, "positive finite number")
        if (size is None) == (scale_factor is None):
            raise ValueError(
                f"size and scale_factor: got size={size!r}, scale_factor={scale_factor!r}; "
                "give exactly one of them"
            )
        _check_choice("mode", mode, MODES)
        kernel, _, has_corners = MODES[mode]
        _check_choice("data_format", data_format, DATA_FORMATS)
        if coordinate_transform is not None:
            _check_choice("coordinate_transform", coordinate_transform, COORDINATE_TRANSFORMS)
        roi = _checked_roi(roi, coordinate_transform)
        _check_ranks_agree(mode, data_format, size, scale_factor, roi)
        _check_align_corners(align_corners, mode)
        antialias = _checked_antialias(antialias, mode)
        _check_antialias_transform(antialias, coordinate_transform)
        recompute_scale_factor = _checked_recompute(recompute_scale_factor, scale_factor)
        # Explicit extras are checked against the mode; missing ones are
        # filled in from _implied_defaults, the single source of defaults.
        if coordinate_transform is not None:
            _check_coordinate_transform(coordinate_transform, mode, align_corners)
            if has_corners:
                align_corners = coordinate_transform == "align_corners"
        elif has_corners:
            align_corners = bool(align_corners)
        cubic_coeff_a = _checked_cubic_coeff_a(cubic_coeff_a, mode)
        exclude_outside = _checked_exclude_outside(exclude_outside, mode, antialias)
        cubic_table_size = _checked_cubic_table_size(cubic_table_size, mode, antialias)
        area_weights = _kernel_choice("area_weights", area_weights, AREA_WEIGHTS, mode, "area",
                                      "only mode='area' has them")
        same_size_copy = _checked_same_size_copy(same_size_copy, kernel, scale_factor, recompute_scale_factor)
        nearest_mode = _kernel_choice("nearest_mode", nearest_mode, NEAREST_MODES, mode, "nearest",
                                      "only 'nearest' and 'nearest-exact' round a source coordinate")
        keep_aspect_ratio_policy = _checked_policy(keep_aspect_ratio_policy, size)
        extrapolation_value = _checked_extrapolation(extrapolation_value, coordinate_transform)
        given = dict(coordinate_transform=coordinate_transform, cubic_coeff_a=cubic_coeff_a,
                     exclude_outside=exclude_outside, area_weights=area_weights, same_size_copy=same_size_copy,
                     nearest_mode=nearest_mode, keep_aspect_ratio_policy=keep_aspect_ratio_policy,
                     extrapolation_value=extrapolation_value)
        implied = _implied_defaults(mode, align_corners, antialias, scale_factor, recompute_scale_factor,
                                    size, coordinate_transform)
        extras = {name: implied[name] if value is None else value for name, value in given.items()}
        mode = _canonical_nearest(mode, extras)

        values = dict(
            size=size,
            scale_factor=scale_factor,
            mode=mode,
            align_corners=align_corners,
            data_format=data_format,
            antialias=antialias,
            recompute_scale_factor=recompute_scale_factor,
            coordinate_transform=extras["coordinate_transform"],
            cubic_coeff_a=extras["cubic_coeff_a"],
            exclude_outside=extras["exclude_outside"],
            cubic_table_size=cubic_table_size,
            area_weights=extras["area_weights"],
            same_size_copy=extras["same_size_copy"],
            nearest_mode=extras["nearest_mode"],
            keep_aspect_ratio_policy=extras["keep_aspect_ratio_policy"],
            roi=roi,
            extrapolation_value=extras["extrapolation_value"],
        )
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_key", tuple(values.values()))
        object.__setattr__(self, "_onnx_only", self._uses_onnx_vocabulary())  # read on every call

    # -- immutability, equality, repr -------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Upsample is immutable; build a new one (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Upsample is immutable (cannot delete {name!r})")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Upsample) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __reduce__(self):
        return (_from_dict_for_pickle, (self.to_dict(),))

    def __repr__(self) -> str:
        # Only what differs from what the other arguments imply, so that the
        # repr reads like the call a user would write and evaluates back.
        implied = _implied_defaults(
            self.mode, self.align_corners, self.antialias, self.scale_factor, self.recompute_scale_factor,
            self.size, self.coordinate_transform
        )
        implied["roi"] = None
        parts = []
        for name in self.FIELDS:
            value = getattr(self, name)
            if name in ("size", "scale_factor"):
                if value is not None:
                    parts.append(f"{name}={value!r}")
            elif value != implied[name]:
                parts.append(f"{name}={value!r}")
        return f"Upsample({', '.join(parts)})"

    # -- serialisation ------------------------------------------------------

    def to_dict(self) -> dict:
        """A JSON-able dict of every resolved field; ``Upsample.from_dict`` reads it back."""
        d = {}
        for name in self.FIELDS:
            value = getattr(self, name)
            d[name] = [list(v) if isinstance(v, tuple) else v for v in value] if isinstance(value, tuple) else value
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Upsample":
        """Build an ``Upsample`` from ``to_dict()`` output (or any subset of its keys)."""
        if not isinstance(d, Mapping):
            raise TypeError(f"from_dict: got {type(d).__name__}; expected a dict from Upsample.to_dict()")
        unknown = sorted(set(d) - set(cls.FIELDS))
        if unknown:
            raise ValueError(f"from_dict: unknown keys {unknown}; allowed keys: {', '.join(cls.FIELDS)}")
        kwargs: Dict[str, Any] = {k: _tuples(v) for k, v in d.items()}
        return cls(**kwargs)

    # -- geometry -------------------------------------------------------------

    @property
    def kernel(self) -> str:
        """The resampling kernel the mode uses: nearest, linear, cubic, area, lanczos3, lanczos5."""
        return MODES[self.mode][0]

    @property
    def channels_last(self) -> bool:
        """Whether channels come after the spatial axes."""
        return DATA_FORMATS[self.data_format][0]

    @property
    def spatial_rank(self) -> Optional[int]:
        """The number of spatial axes if the arguments fix it, else None (taken from the input)."""
        _, mode_rank, _ = MODES[self.mode]
        if mode_rank is not None:
            return mode_rank
        format_rank = DATA_FORMATS[self.data_format][1]
        if format_rank is not None:
            return format_rank
        for value in (self.size, self.scale_factor):
            if isinstance(value, tuple):
                return len(value)
        return None

    def spatial_axes(self, ndim: int) -> Tuple[int, ...]:
        """The spatial axes of an input of ``ndim`` dimensions (checked as ``_check_ndim`` does)."""
        rank = self._check_ndim(ndim)
        first = 1 if self.channels_last else 2
        return tuple(range(first, first + rank))

    def _check_ndim(self, ndim: int) -> int:
        rank = self.spatial_rank
        if rank is None:
            if not 3 <= ndim <= 5:
                raise ValueError(
                    f"input has {ndim} dimensions; {self!r} expects 3, 4 or 5 "
                    f"(batch, channels and 1 to 3 spatial axes, {self._layout_words()})"
                )
            return ndim - 2
        if ndim != rank + 2:
            raise ValueError(
                f"input has {ndim} dimensions; {self!r} expects {rank + 2} "
                f"(batch, channels and {rank} spatial axes, {self._layout_words()})"
            )
        return rank

    def _layout_words(self) -> str:
        return "channels last" if self.channels_last else "channels first"

    def output_size(self, input_size: Tuple[int, ...]) -> Tuple[int, ...]:
        """The output spatial size for an input spatial size (one int per spatial axis).

        ``ValueError`` where a length would be below 1 or above ``MAX_LENGTH``."""
        input_size = tuple(int(n) for n in input_size)
        rank = len(input_size)
        if self.size is not None:
            sizes = self._per_axis("size", self.size, rank)
            if self.keep_aspect_ratio_policy in (None, "stretch"):
                return sizes
            scale = self.aspect_scale(input_size)
            # ONNX: round half up of scale * in, every length at least 1
            return tuple(max(1, min(MAX_LENGTH, int(math.floor(scale * n + 0.5)))) for n in input_size)
        scales = self._per_axis("scale_factor", self.scale_factor, rank)
        # PyTorch: floor(float(in * scale)), computed in double.
        exact = tuple(n * s for n, s in zip(input_size, scales))
        if max(exact) > MAX_LENGTH:  # inf included: 1e308 * 4
            shown = tuple(int(math.floor(v)) if math.isfinite(v) else v for v in exact)
            raise ValueError(
                f"scale_factor={self.scale_factor!r} on spatial size {input_size} gives output size "
                f"{shown}; every output length must be at most 2**31 - 1 = {MAX_LENGTH} (README 'Limits')"
            )
        out = tuple(int(math.floor(v)) for v in exact)
        if min(out) < 1:
            raise ValueError(
                f"scale_factor={self.scale_factor!r} on spatial size {input_size} gives "
                f"output size {out}; every output length must be at least 1"
            )
        return out

    def aspect_scale(self, input_size: Tuple[int, ...]) -> float:
        """With ``keep_aspect_ratio_policy`` ``not_larger`` (``not_smaller``): the one
        scale every axis takes, the smallest (largest) of ``size / input`` (ONNX
        Resize); it also maps output pixels to input pixels, as a scale factor does."""
        sizes = self._per_axis("size", self.size, len(input_size))
        ratios = [m / int(n) for m, n in zip(sizes, input_size)]
        if self.keep_aspect_ratio_policy == "not_larger":
            return min(ratios)
        if self.keep_aspect_ratio_policy == "not_smaller":
            return max(ratios)
        raise ValueError(f"{self!r} stretches each axis to its size; it has no one scale")

    def roi_per_axis(self, rank: int) -> Tuple[Tuple[float, float], ...]:
        """The region of interest as one ``(start, end)`` pair per spatial axis (``tf_crop_and_resize``)."""
        if self.roi is None:
            raise ValueError(f"{self!r} has no region of interest")
        if isinstance(self.roi[0], tuple):
            return self._per_axis("roi", self.roi, rank)
        return (self.roi,) * rank

    @property
    def onnx_only(self) -> bool:
        """Whether the spec uses what only ONNX Resize says: a nearest rounding
        other than its mode's, one of ONNX's own coordinate transforms, a kept
        aspect ratio, or antialiased linear with the edge pixel repeated.  No
        framework's native resize computes such a spec: adapters take the
        taps (README "ONNX")."""
        return self._onnx_only

    def _uses_onnx_vocabulary(self) -> bool:
        own = {"nearest": "floor", "nearest-exact": "round_prefer_ceil"}
        return (self.coordinate_transform in ONNX_TRANSFORMS
                or (self.nearest_mode is not None and self.nearest_mode != own.get(self.mode))
                or self.keep_aspect_ratio_policy not in (None, "stretch")
                or (self.kernel == "linear" and self.antialias and not self.exclude_outside))

    def output_shape(self, input_shape: Tuple[int, ...]) -> Tuple[int, ...]:
        """The whole output shape for an input shape (batch and channels kept)."""
        input_shape = tuple(int(n) for n in input_shape)
        axes = self.spatial_axes(len(input_shape))
        out = list(input_shape)
        for axis, n in zip(axes, self.output_size(tuple(input_shape[a] for a in axes))):
            out[axis] = n
        return tuple(out)

    def check_input(self, shape) -> Tuple[int, ...]:
        """The spatial axes of an input of ``shape`` (``None`` for a dimension unknown
        while tracing), after checking everything a call can check before any
        work: the number of dimensions, each output length (``output_size``),
        and the output's element count against ``MAX_ELEMENTS``.  Every
        adapter calls it first."""
        shape = tuple(shape)
        if all(type(n) is int for n in shape):
            return _checked_axes(self, shape)
        return _checked_axes.__wrapped__(self, tuple(None if n is None or n < 0 else int(n) for n in shape))

    def per_axis(self, name: str, rank: int) -> tuple:
        """The spec's ``size`` or ``scale_factor`` (``name``) as one value per spatial
        axis of an input with ``rank`` of them; ValueError where a per-axis value
        has another length."""
        if name not in ("size", "scale_factor"):
            raise ValueError(f"name: got {name!r}; expected 'size' or 'scale_factor'")  # roi: roi_per_axis
        return self._per_axis(name, getattr(self, name), rank)

    def _per_axis(self, name: str, value, rank: int) -> tuple:
        if isinstance(value, tuple):
            if len(value) != rank:
                raise ValueError(
                    f"{name}={value!r} has {len(value)} values but the input has {rank} spatial axes"
                )
            return value
        return (value,) * rank

    def taps(self, input_size: Tuple[int, ...]):
        """Per spatial axis, the ``AxisTaps`` (or ``None`` for an unchanged axis).

        Cached per (spec, input spatial size): repeated calls cost a dict lookup.
        """
        from .taps import spec_taps

        return spec_taps(self, tuple(int(n) for n in input_size))

    # -- applying it ------------------------------------------------------------

    def __call__(self, x):
        """Resize ``x`` (numpy, torch, tensorflow, paddle or jax array); same kind of array out."""
        return adapter_for(x).resize(self, x)

    def reference(self, x) -> np.ndarray:
        """The float64 numpy ground truth for ``x`` (any supported array kind)."""
        from .reference import reference

        return reference(self, x)

    # -- native layers and configurations ----------------------------------------

    def to_torch(self):
        """This spec as a ``torch.nn.Module``."""
        return _adapter("torch").layer(self)

    def to_keras(self, data_format: Optional[str] = None):
        """This spec as a Keras 3 layer; ``data_format`` re-lays it out
        (``"channels_last"`` is Keras' default), left out the spec's layout is kept."""
        return _adapter("tensorflow").layer(self, data_format=data_format)

    def to_paddle(self):
        """This spec as a ``paddle.nn.Layer``."""
        return _adapter("paddle").layer(self)

    @classmethod
    def from_torch(cls, obj) -> "Upsample":
        """The spec of ``nn.Upsample``, ``nn.UpsamplingBilinear2d``, ``nn.UpsamplingNearest2d``
        or a dict of ``F.interpolate`` keyword arguments."""
        return _vocabulary("torch").from_native(obj)

    @classmethod
    def from_keras(cls, obj, backend: Optional[str] = None) -> "Upsample":
        """The spec of ``keras.layers.UpSampling1D/2D/3D`` or ``Resizing``, or of a dict of
        ``tf.image.resize`` / ``keras.ops.image.resize`` / ``tf.compat.v1.image.resize_*``
        arguments (``"function"`` names the call).  Keras layers compute what their
        backend's op computes; ``backend`` (default: Keras' current one) says which."""
        return _vocabulary("tensorflow").from_native(obj, backend=backend)

    @classmethod
    def from_jax(cls, obj, input_shape=None) -> "Upsample":
        """The spec of a dict of ``jax.image.resize`` arguments (``shape``, ``method``,
        ``antialias``; JAX antialiases by default) or of ``jax.image.scale_and_translate``
        arguments (``"function": "jax.image.scale_and_translate"``, translation 0).

        ``jax.image.resize`` has no layout: it resizes every axis whose length
        differs from ``shape``.  Say which axes are spatial with the input's
        shape (``input_shape=``, or an ``"input_shape"`` key) or with a
        ``"data_format"`` key; without either, ``ValueError``."""
        return _vocabulary("jax").from_native(obj, input_shape=input_shape)

    def to_jax(self):
        """This spec as a jitted function of a jax array."""
        return _adapter("jax").layer(self)

    def to_onnx(self, input_shape=None, ndim: Optional[int] = None, opset: int = 19, dtype=np.float32):
        """A one-node ONNX model (``onnx.ModelProto``) computing this spec with ``Resize``;
        ``ValueError`` naming the missing feature where ONNX cannot (see ``unisample.onnx``)."""
        from .onnx import to_onnx

        return to_onnx(self, input_shape=input_shape, ndim=ndim, opset=opset, dtype=dtype)

    @classmethod
    def from_onnx(cls, obj, input_shape=None, values=None) -> "Upsample":
        """The spec of an ONNX model's only Resize/Upsample node (a ``ModelProto`` or a
        path), or of ``(model, node)``; ``unisample.onnx.resize_nodes`` lists them all.

        Scales and sizes computed in the graph from the input's shape (torch's
        exporters) are folded: ``input_shape`` gives the data input's shape
        where the model leaves it dynamic; ``values`` gives graph inputs'
        values (``{"scales": array}``)."""
        from .onnx import from_onnx

        return from_onnx(obj, input_shape=input_shape, values=values)

    @classmethod
    def from_pillow(cls, obj) -> "Upsample":
        """The spec of a dict of ``PIL.Image.Image.resize`` arguments (``size`` as
        ``(width, height)``, ``resample``: a ``Image.Resampling`` member, its value
        or its name, ``box``, ``reducing_gap``, the image's ``mode`` and
        ``input_size`` where they matter), for the image's array with a batch
        axis, ``(1, h, w, bands)`` (README "Pillow and OpenCV")."""
        return _vocabulary("pillow").from_native(obj)

    @classmethod
    def from_opencv(cls, obj) -> "Upsample":
        """The spec of a dict of ``cv2.resize`` arguments (``dsize`` as ``(width,
        height)``, or ``fx``/``fy`` with ``input_size``; ``interpolation``: a
        ``cv2.INTER_*`` flag or its name), for HWC images with a batch axis
        (README "Pillow and OpenCV")."""
        return _vocabulary("opencv").from_native(obj)

    @classmethod
    def from_paddle(cls, obj) -> "Upsample":
        """The spec of ``paddle.nn.Upsample``, ``UpsamplingBilinear2D``, ``UpsamplingNearest2D``
        or a dict of ``paddle.nn.functional.interpolate`` keyword arguments (with
        ``align_mode`` and ``data_format``)."""
        return _vocabulary("paddle").from_native(obj)


def _adapter(framework: str):
    """The registry's adapter of ``framework``: ``to_<framework>`` builds its layer."""
    from .adapters import get_adapter

    return get_adapter(framework)


def _vocabulary(framework: str):
    """The registry's vocabulary of ``framework``: ``from_<framework>`` reads its configurations."""
    from .adapters import framework_part

    return framework_part(framework, "vocabulary")


def _implied_defaults(mode: str, align_corners, antialias: bool, scale_factor, recompute_scale_factor,
                      size=None, given_transform=None) -> dict:
    """What each field resolves to when the caller leaves it out.

    The one place that says which extras a mode implies: ``__init__`` fills
    missing arguments from it and ``__repr__`` hides the values it would give.
    """
    kernel, _, has_corners = MODES[mode]
    coordinate_transform = MODE_ROWS[mode].transform
    if align_corners and coordinate_transform is not None:
        coordinate_transform = "align_corners"
    scale_mapped = scale_factor is not None and not recompute_scale_factor and kernel != "area"
    return dict(
        mode="nearest",
        align_corners=False if has_corners else None,
        data_format="channels_first",
        antialias=False,
        recompute_scale_factor=False if scale_factor is not None else None,
        coordinate_transform=coordinate_transform,
        # PyTorch's antialiased bicubic uses Keys' a=-0.5 (as Pillow does).
        cubic_coeff_a=(-0.5 if antialias else -0.75) if kernel == "cubic" else None,
        # PyTorch's plain bicubic repeats edge pixels; every antialiased
        # kernel and TF/JAX lanczos drop outside taps and renormalise.
        exclude_outside=(antialias or kernel != "cubic") if KERNELS[kernel].exclude_outside
        else (True if kernel == "linear" and antialias else None),
        cubic_table_size=None,
        area_weights="uniform" if kernel == "area" else None,
        same_size_copy="pytorch" if scale_mapped else None,
        nearest_mode=("floor" if mode == "nearest" else "round_prefer_ceil") if kernel == "nearest" else None,
        keep_aspect_ratio_policy="stretch" if size is not None else None,
        extrapolation_value=0.0 if given_transform == "tf_crop_and_resize" else None,
    )


def _canonical_nearest(mode: str, extras: dict) -> str:
    """``nearest`` or ``nearest-exact``, whichever rounds as ``nearest_mode`` says,
    where the mode decides nothing else (PyTorch's same-size rule reads it), so
    that two specs computing the same numbers compare equal."""
    rounding = extras["nearest_mode"]
    own = {"floor": "nearest", "round_prefer_ceil": "nearest-exact"}
    if rounding in own and extras["same_size_copy"] != "pytorch":
        return own[rounding]
    return mode


def _max_elements_from_environment() -> int:
    """``UNISAMPLE_MAX_ELEMENTS``, read once at import, or ``DEFAULT_MAX_ELEMENTS``."""
    value = os.environ.get("UNISAMPLE_MAX_ELEMENTS")
    if value is None:
        return DEFAULT_MAX_ELEMENTS
    try:
        budget = int(value)
    except ValueError:
        budget = 0
    if budget < 1:
        raise ValueError(f"UNISAMPLE_MAX_ELEMENTS: got {value!r}; expected a whole number >= 1 of output "
                         "elements a resize may make")
    return budget


#: the output element budget in force (README "Limits")
MAX_ELEMENTS = _max_elements_from_environment()


@functools.lru_cache(maxsize=4096)
def _checked_axes(spec: "Upsample", shape: Tuple[Optional[int], ...]) -> Tuple[int, ...]:
    """``Upsample.check_input``, cached per (spec, shape) for shapes of plain ints."""
    axes = spec.spatial_axes(len(shape))
    in_size = tuple(shape[a] for a in axes)
    if any(n is None for n in in_size):
        return axes
    out_size = spec.output_size(cast(Tuple[int, ...], in_size))
    out = tuple(out_size[axes.index(a)] if a in axes else n for a, n in enumerate(shape))
    count = 1
    for n in out:
        count *= 1 if n is None else n
    if count > MAX_ELEMENTS:
        raise ValueError(
            f"{spec!r} on input shape {shape} gives output shape {out}: {count} elements, over "
            f"unisample's budget of {MAX_ELEMENTS} (README 'Limits'; UNISAMPLE_MAX_ELEMENTS raises it)"
        )
    return axes


def _tuples(value):
    """JSON's lists back to tuples, nested ones too (``roi``)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _from_dict_for_pickle(d):
    return Upsample.from_dict(d)
