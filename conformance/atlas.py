"""The native behaviour atlas: what porting without unisample would change.

For a native configuration of framework A (a catalogue case), the *naive port*
to framework B is B's own resize called with the same nominal arguments: the
same mode family, output size, ``align_corners`` and ``antialias``, and B's
defaults for everything else (JAX antialiases by default).  Its spec comes
from ``Upsample.from_<B>``, so the atlas is computed in numpy from the
references: how far B's naive port lands from A's native output, per mode
family.  Configurations B cannot express at all (``align_corners`` in TF2 and
JAX, lanczos in PyTorch and Paddle, ...) are counted as such.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List, Optional

import numpy as np

from unisample import Upsample

from .cases import ADAPTER_FRAMEWORKS, Case

_LINEAR = {1: "linear", 2: "bilinear", 3: "trilinear"}


def naive_port(case: Case, target: str) -> Optional[Upsample]:
    """The spec of ``target``'s own resize called with ``case``'s nominal arguments, or None."""
    spec = case.spec
    axes = spec.spatial_axes(len(case.shape))
    rank = len(axes)
    size = [spec.output_shape(case.shape)[a] for a in axes]
    kernel, aa = spec.kernel, spec.antialias
    corners = spec.coordinate_transform == "align_corners"
    layout = "channels_last" if spec.channels_last else "channels_first"
    try:
        if target == "torch":
            mode = {"nearest": "nearest", "linear": _LINEAR[rank], "cubic": "bicubic", "area": "area"}.get(kernel)
            if mode is None or (mode == "bicubic" and rank != 2) or (aa and rank != 2):
                return None
            kw = {"size": size, "mode": mode}
            if kernel in ("linear", "cubic"):
                kw.update(align_corners=corners, antialias=aa)
            port = Upsample.from_torch(kw)
        elif target == "paddle":
            mode = {"nearest": "nearest", "linear": _LINEAR[rank], "cubic": "bicubic", "area": "area"}.get(kernel)
            if mode is None or aa or (mode == "bicubic" and rank != 2) or (mode == "nearest" and rank == 1):
                return None
            data_format = {1: "NCW", 2: "NCHW", 3: "NCDHW"}[rank]
            port = Upsample.from_paddle({"size": size, "mode": mode, "data_format": data_format,
                                         "align_corners": corners and kernel != "nearest"})
        elif target == "tensorflow":
            if rank != 2 or corners:
                return None
            method = {"nearest": "nearest", "linear": "bilinear", "cubic": "bicubic"}.get(kernel, kernel)
            port = Upsample.from_keras({"size": size, "method": method, "antialias": aa})
        else:  # jax: its defaults, antialias included
            if corners or kernel == "area":
                return None
            method = {"nearest": "nearest", "linear": "linear", "cubic": "cubic"}.get(kernel, kernel)
            port = Upsample.from_jax({"shape": [1, *size, 1], "method": method, "data_format": "channels_last"})
    except ValueError:
        return None
    return Upsample.from_dict({**port.to_dict(), "data_format": layout})


def atlas(cases_and_outputs: Dict[str, List[tuple]]) -> List[dict]:
    """Rows ``{source, family, target, cases, expressible, worst, median, native_wrong,
    why_wrong}`` (differences in output units, max over each case) from
    ``{framework: [(case, x, native), ...]}``.  ``native_wrong`` counts the
    expressible cases where the target's own op is known to compute its spec
    wrongly (its adapter's ``native_defect``, say why ``why_wrong``): a naive
    port there lands further off than the references show."""
    from .runner import native_defect

    cells = defaultdict(list)
    counts = defaultdict(int)
    wrong = defaultdict(list)
    for source, items in cases_and_outputs.items():
        for case, x, native in items:
            family = case.spec.kernel + (" aa" if case.spec.antialias else "")
            for target in ADAPTER_FRAMEWORKS:
                if target == source:
                    continue
                counts[(source, family, target)] += 1
                port = naive_port(case, target)
                if port is None:
                    continue
                try:
                    ported = port.reference(x)
                except ValueError:
                    continue
                if ported.shape != native.shape or native.size == 0:
                    continue
                cells[(source, family, target)].append(float(np.abs(ported - native).max()))
                defect = native_defect(target, port, case.shape)
                if defect:
                    wrong[(source, family, target)].append(defect)
    rows = []
    for key, total in sorted(counts.items()):
        diffs = cells.get(key, [])
        source, family, target = key
        rows.append(dict(source=source, family=family, target=target, cases=total, expressible=len(diffs),
                         worst=max(diffs) if diffs else None,
                         median=float(np.median(diffs)) if diffs else None,
                         native_wrong=len(wrong[key]), why_wrong=wrong[key][0] if wrong[key] else ""))
    return rows
