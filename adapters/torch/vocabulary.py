"""torch's vocabulary for ``unisample port``: the calls it reads
(``nn.Upsample``, ``F.interpolate``, ...) and the calls it writes."""

from __future__ import annotations

import itertools
from typing import Dict, Iterator

from unisample.porting import NativeCall, Signature, Target, num as _num
from unisample.spec import Upsample

LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}

#: callee -> (positional parameters, whether the first positional is the input, what the callee fixes)
SIGNATURES: Dict[str, Signature] = {
    "Upsample": (("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"), False, {}),
    "UpsamplingBilinear2d": (("size", "scale_factor"), False, {"mode": "bilinear", "align_corners": True}),
    "UpsamplingNearest2d": (("size", "scale_factor"), False, {"mode": "nearest"}),
    "interpolate": (("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"),
                    True, {}),
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



TARGETS = (Target("torch", ("torch", "pytorch"), SIGNATURES, lambda kw: Upsample.from_torch(kw), calls,
                  "channels_first", "{}.to_torch()", adapter="torch"),)
