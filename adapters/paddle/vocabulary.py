"""paddle's vocabulary for ``unisample port``: the calls it reads
(``paddle.nn.Upsample``, ``F.interpolate``, ...) and the calls it writes."""

from __future__ import annotations

from typing import Dict, Iterator

from unisample.porting import NativeCall, Signature, Target, num as _num
from unisample.spec import Upsample

from .._common import layer_shuffle_calls, native_config, shuffle_config, spec_reader, whole_factor

LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}

#: callee -> (positional parameters, whether the first positional is the input, what the callee fixes)
SIGNATURES: Dict[str, Signature] = {
    "Upsample": (("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format"), False, {}),
    "UpsamplingBilinear2D": (("size", "scale_factor", "data_format"), False,
                             {"mode": "bilinear", "align_corners": True}),
    "UpsamplingNearest2D": (("size", "scale_factor", "data_format"), False, {"mode": "nearest"}),
    "interpolate": (("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format"), True, {}),
    "PixelShuffle": (("upscale_factor", "data_format"), False, {"function": "paddle.nn.functional.pixel_shuffle"}),
    "PixelUnshuffle": (("downscale_factor", "data_format"), False,
                       {"function": "paddle.nn.functional.pixel_unshuffle"}),
    "pixel_shuffle": (("upscale_factor", "data_format"), True, {"function": "paddle.nn.functional.pixel_shuffle"}),
    "pixel_unshuffle": (("downscale_factor", "data_format"), True,
                        {"function": "paddle.nn.functional.pixel_unshuffle"}),
}


def calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    """paddle's own calls for a spec of ``rank`` spatial axes."""
    modes = (["nearest"] if rank > 1 else []) + [LINEAR[rank], "area"] + (["bicubic"] if rank == 2 else [])
    data_format = {1: "NCW", 2: "NCHW", 3: "NCDHW"}[rank]
    arg, value = ("size", spec.size) if spec.size is not None else ("scale_factor", spec.scale_factor)
    for mode in modes:
        if mode == "area" and arg == "scale_factor":
            continue  # paddle's area refuses scale_factor
        interpolating = mode in ("linear", "bilinear", "trilinear", "bicubic")
        for corners, align_mode in ((False, 0), (True, 0), (False, 1)) if interpolating else ((False, 0),):
            if align_mode and mode == "bicubic":
                continue
            kw = {arg: value, "mode": mode, "align_corners": corners, "align_mode": align_mode,
                  "data_format": data_format}
            shown = {arg: repr(list(value)) if arg == "size" and isinstance(value, tuple) else _num(value),
                     "mode": repr(mode)}
            if corners:
                shown["align_corners"] = "True"
            if align_mode:
                shown["align_mode"] = "1"
            if rank != 2:
                shown["data_format"] = repr(data_format)
            args = ", ".join(f"{k}={v}" for k, v in shown.items())
            yield NativeCall(f"import paddle\nresize = paddle.nn.Upsample({args})", lambda n, kw=kw: kw)



def shuffle_calls(spec) -> Iterator[NativeCall]:
    """paddle's own pixel-shuffle layers for ``spec``'s kind: 2 spatial axes, one factor (CRD)."""
    return layer_shuffle_calls(spec, "import paddle\nresize = paddle.nn.{name}({r})", "paddle.nn.functional")


def spec_of(obj):
    """The spec of any paddle configuration unisample reads: a resize's
    (``Upsample.from_paddle``) or a pixel shuffle's (``shuffle_from_native``)."""
    return spec_reader(Upsample.from_paddle, shuffle_from_native, _SHUFFLE_LAYERS, _SHUFFLE_FUNCTIONS)(obj)


TARGETS = (Target("paddle", ("paddle", "paddlepaddle"), SIGNATURES, lambda kw: spec_of(kw), calls,
                  "channels_first", "{}.to_paddle()", adapter="paddle", shuffle_calls=lambda spec: shuffle_calls(spec),
                  no_shuffle="paddle's pixel_shuffle takes 2 spatial axes (4-D input) only"),)


# -- reading paddle's configurations ------------------------------------------------------


_INTERPOLATE_KEYS = ("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format", "name")
_LAYERS = ("Upsample", "UpsamplingBilinear2D", "UpsamplingNearest2D")
_LAYER_ATTRIBUTES = ("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format")


def from_native(obj):
    """The spec of a paddle resize: ``paddle.nn.Upsample``, ``UpsamplingBilinear2D``,
    ``UpsamplingNearest2D``, or a dict of ``paddle.nn.functional.interpolate`` arguments."""
    kw = native_config(obj, framework="paddle", call="interpolate", keys=_INTERPOLATE_KEYS, layers=_LAYERS,
                       attributes=_LAYER_ATTRIBUTES)
    if type(obj).__name__ == "UpsamplingBilinear2D":  # its mode and corners are fixed, not attributes
        kw.update(mode="bilinear", align_corners=True)
    elif type(obj).__name__ == "UpsamplingNearest2D":
        kw.update(mode="nearest")
    mode = str(kw.get("mode") or "nearest").lower()
    align = bool(kw.get("align_corners") or False)
    align_mode = 0 if kw.get("align_mode") is None else int(kw["align_mode"])
    if align_mode not in (0, 1):
        raise ValueError(f"from_paddle: align_mode: got {align_mode!r}; expected 0 or 1")
    data_format = kw.get("data_format") or "NCHW"
    size, scale = kw.get("size"), kw.get("scale_factor")
    size = tuple(size) if isinstance(size, (list, tuple)) else size
    scale = tuple(scale) if isinstance(scale, (list, tuple)) else scale
    kernel = {"nearest": "nearest", "area": "area", "bicubic": "cubic"}.get(mode, "linear")
    extras = {}
    if kernel == "linear" and align_mode == 1 and not align:
        extras["coordinate_transform"] = "asymmetric"
    elif mode in ("bilinear", "bicubic") and not align:
        # paddle's 2-D kernels map an output axis of length 1 with scale 0
        # (its 1-D and 3-D ones sample the centre, as PyTorch does).
        extras["coordinate_transform"] = "paddle_half_pixel"
    if scale is not None and kernel != "area":
        extras["same_size_copy"] = "all_axes"  # paddle copies only when no axis changes
    if kernel == "area" and scale is not None:
        raise ValueError("from_paddle: paddle refuses scale_factor with mode='area' (it needs a size)")
    return Upsample(size=size, scale_factor=scale, mode=mode,
                    align_corners=align if kernel in ("linear", "cubic") else None,
                    data_format=data_format, **extras)


#: paddle's pixel-shuffle calls: name -> (kind, the arguments it takes); its layers: class -> (kind, attributes)
_SHUFFLE_FUNCTIONS = {
    "paddle.nn.functional.pixel_shuffle": ("PixelShuffle", ("upscale_factor", "data_format", "name")),
    "paddle.nn.functional.pixel_unshuffle": ("PixelUnshuffle", ("downscale_factor", "data_format", "name")),
}
_SHUFFLE_LAYERS = {
    "PixelShuffle": ("PixelShuffle", {"upscale_factor": "_upscale_factor", "data_format": "_data_format"}),
    "PixelUnshuffle": ("PixelUnshuffle", {"downscale_factor": "_downscale_factor", "data_format": "_data_format"}),
}


def shuffle_from_native(obj):
    """The spec of ``paddle.nn.PixelShuffle`` / ``PixelUnshuffle`` or of a dict of
    ``paddle.nn.functional.pixel_shuffle`` / ``pixel_unshuffle`` arguments: the
    CRD order in both of paddle's layouts (measured: ``tests/test_shuffle.py``)."""
    from unisample import shuffle

    kind, kw = shuffle_config(obj, framework="paddle", functions=_SHUFFLE_FUNCTIONS, layers=_SHUFFLE_LAYERS)
    kw.pop("name", None)
    data_format = kw.pop("data_format", None) or "NCHW"
    if data_format not in ("NCHW", "NHWC"):
        raise ValueError(f"from_paddle: data_format: got {data_format!r}; paddle takes 'NCHW' or 'NHWC'")
    (name, value), = kw.items()
    return getattr(shuffle, kind)(whole_factor("from_paddle", name, value), order="CRD", data_format=data_format)
