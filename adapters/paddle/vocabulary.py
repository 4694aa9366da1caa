"""paddle's vocabulary for ``unisample port``: the calls it reads
(``paddle.nn.Upsample``, ``F.interpolate``, ...) and the calls it writes."""

from __future__ import annotations

from typing import Dict, Iterator

from unisample.porting import NativeCall, Signature, Target, num as _num
from unisample.spec import Upsample

LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}

#: callee -> (positional parameters, whether the first positional is the input, what the callee fixes)
SIGNATURES: Dict[str, Signature] = {
    "Upsample": (("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format"), False, {}),
    "UpsamplingBilinear2D": (("size", "scale_factor", "data_format"), False,
                             {"mode": "bilinear", "align_corners": True}),
    "UpsamplingNearest2D": (("size", "scale_factor", "data_format"), False, {"mode": "nearest"}),
    "interpolate": (("size", "scale_factor", "mode", "align_corners", "align_mode", "data_format"), True, {}),
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



TARGETS = (Target("paddle", ("paddle", "paddlepaddle"), SIGNATURES, lambda kw: Upsample.from_paddle(kw), calls,
                  "channels_first", "{}.to_paddle()", adapter="paddle"),)
