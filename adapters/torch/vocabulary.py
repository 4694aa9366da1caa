"""torch's vocabulary for ``unisample port``: the calls it reads
(``nn.Upsample``, ``F.interpolate``, ...) and the calls it writes."""

from __future__ import annotations

import itertools
from typing import Dict, Iterator

from unisample.porting import NativeCall, Signature, Target, num as _num
from unisample.spec import Upsample

from .._common import layer_shuffle_calls, native_config, shuffle_config, spec_reader, whole_factor

LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}

#: callee -> (positional parameters, whether the first positional is the input, what the callee fixes)
SIGNATURES: Dict[str, Signature] = {
    "Upsample": (("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"), False, {}),
    "UpsamplingBilinear2d": (("size", "scale_factor"), False, {"mode": "bilinear", "align_corners": True}),
    "UpsamplingNearest2d": (("size", "scale_factor"), False, {"mode": "nearest"}),
    "interpolate": (("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"),
                    True, {}),
    "PixelShuffle": (("upscale_factor",), False, {"function": "torch.nn.functional.pixel_shuffle"}),
    "PixelUnshuffle": (("downscale_factor",), False, {"function": "torch.nn.functional.pixel_unshuffle"}),
    "pixel_shuffle": (("upscale_factor",), True, {"function": "torch.nn.functional.pixel_shuffle"}),
    "pixel_unshuffle": (("downscale_factor",), True, {"function": "torch.nn.functional.pixel_unshuffle"}),
}


def calls(spec: Upsample, rank: int) -> Iterator[NativeCall]:
    """torch's own calls for a spec of ``rank`` spatial axes."""
    modes = ["nearest", "nearest-exact", LINEAR[rank], "area"] + (["bicubic"] if rank == 2 else [])
    where = ([("size", spec.size, None)] if spec.size is not None
             else [("scale_factor", spec.scale_factor, r) for r in (None, True)])
    for mode, (arg, value, recompute) in itertools.product(modes, where):
        interpolating = mode in ("linear", "bilinear", "trilinear", "bicubic")
        for corners, aa in itertools.product((None, True) if interpolating else (None,),
                                             (False, True) if mode in ("bilinear", "bicubic") else (False,)):
            kw = {arg: value, "mode": mode}
            if corners:
                kw["align_corners"] = True
            if recompute:
                kw["recompute_scale_factor"] = True
            args = ", ".join(f"{k}={_num(v) if k in ('size', 'scale_factor') else repr(v)}" for k, v in kw.items())
            if aa:
                code = f"import torch.nn.functional as F\nresize = lambda x: F.interpolate(x, {args}, antialias=True)"
                if mode == "bicubic" and not spec.antialias:
                    code += "  # torch's antialiased bicubic is Keys' a=-0.5 kernel, as in TF/JAX"
                kw["antialias"] = True
            else:
                code = f"import torch.nn as nn\nresize = nn.Upsample({args})"
            yield NativeCall(code, lambda n, kw=kw: kw)



def shuffle_calls(spec) -> Iterator[NativeCall]:
    """torch's own pixel-shuffle modules for ``spec``'s kind: 2 spatial axes, one factor."""
    return layer_shuffle_calls(spec, "import torch.nn as nn\nresize = nn.{name}({r})", "torch.nn.functional")


def spec_of(obj):
    """The spec of any torch configuration unisample reads: a resize's
    (``Upsample.from_torch``) or a pixel shuffle's (``shuffle_from_native``)."""
    return spec_reader(Upsample.from_torch, shuffle_from_native, _SHUFFLE_MODULES, _SHUFFLE_FUNCTIONS)(obj)


TARGETS = (Target("torch", ("torch", "pytorch"), SIGNATURES, lambda kw: spec_of(kw), calls,
                  "channels_first", "{}.to_torch()", adapter="torch", shuffle_calls=lambda spec: shuffle_calls(spec),
                  no_shuffle="torch's pixel_shuffle takes 2 spatial axes (4-D input) only"),)


# -- reading torch's configurations ------------------------------------------------------


_INTERPOLATE_KEYS = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias")
_MODULES = ("Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d")
_MODULE_ATTRIBUTES = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")


def from_native(obj):
    """The spec of a torch resize: ``nn.Upsample``, ``nn.UpsamplingBilinear2d``,
    ``nn.UpsamplingNearest2d``, or a dict of ``F.interpolate`` keyword arguments."""
    kwargs = native_config(obj, framework="torch", call="F.interpolate", keys=_INTERPOLATE_KEYS,
                           layers=_MODULES, attributes=_MODULE_ATTRIBUTES)
    kwargs.setdefault("mode", "nearest")
    if kwargs["mode"] == "lanczos":  # torch's: Pillow's Lanczos-3, antialiased, half-pixel
        if not kwargs.get("antialias"):
            raise ValueError("from_torch: mode='lanczos' requires antialias=True (torch refuses it otherwise)")
        if kwargs.get("align_corners"):
            raise ValueError("from_torch: mode='lanczos' with align_corners=True: torch refuses it")
        kwargs.update(mode="lanczos3", antialias=True)
        kwargs.pop("align_corners", None)
    for key in ("size", "scale_factor"):
        if isinstance(kwargs.get(key), list):
            kwargs[key] = tuple(kwargs[key])
    if kwargs.get("antialias") is None:
        kwargs.pop("antialias", None)
    if kwargs.get("scale_factor") is None:
        if kwargs.get("recompute_scale_factor"):  # torch refuses it too
            raise ValueError("from_torch: recompute_scale_factor=True with an explicit size; torch refuses "
                             "it (it is only meaningful with scale_factor)")
        kwargs.pop("recompute_scale_factor", None)  # None or False: nothing to say with a size, as in torch
    return Upsample(**kwargs)


#: torch's pixel-shuffle calls: name -> (kind, the arguments it takes); its modules: class -> (kind, attributes)
_SHUFFLE_FUNCTIONS = {
    **{f"{prefix}.pixel_shuffle": ("PixelShuffle", ("upscale_factor",)) for prefix in ("torch.nn.functional", "torch")},
    **{f"{prefix}.pixel_unshuffle": ("PixelUnshuffle", ("downscale_factor",))
       for prefix in ("torch.nn.functional", "torch")},
}
_SHUFFLE_MODULES = {"PixelShuffle": ("PixelShuffle", {"upscale_factor": "upscale_factor"}),
                    "PixelUnshuffle": ("PixelUnshuffle", {"downscale_factor": "downscale_factor"})}


def shuffle_from_native(obj):
    """The spec of ``nn.PixelShuffle`` / ``nn.PixelUnshuffle`` or of a dict of
    ``F.pixel_shuffle`` / ``F.pixel_unshuffle`` arguments (``"function"`` naming
    it): the CRD order on two channels-first spatial axes, torch's only kind."""
    from unisample import shuffle

    kind, kw = shuffle_config(obj, framework="torch", functions=_SHUFFLE_FUNCTIONS, layers=_SHUFFLE_MODULES)
    (name, value), = kw.items()
    return getattr(shuffle, kind)(whole_factor("from_torch", name, value), order="CRD", data_format="NCHW")
