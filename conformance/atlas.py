"""The native behaviour atlas: what porting without unisample would change.

For a native configuration of framework A (a catalogue case), the *naive port*
to framework B is B's own resize called with the same nominal arguments: the
same mode family, output size, ``align_corners`` and ``antialias``, and B's
defaults for everything else (``naive_port`` of B's
``adapters/<B>/catalogue.py``).  Its spec comes from ``Upsample.from_<B>``, so the atlas is computed in numpy from the
references: how far B's naive port lands from A's native output, per mode
family.  A pixel shuffle's naive port is B's own op of the same kind with the
same factor, whatever its channel order.  Configurations B cannot express at
all are counted as such.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Dict, List

import numpy as np

from unisample import Upsample
from unisample.adapters import framework_part
from unisample.ops import family_of
from unisample.shuffle import is_shuffle

from .cases import ADAPTER_FRAMEWORKS, Case


def naive_port(case: Case, target: str):
    """The spec of ``target``'s own resize called with ``case``'s nominal arguments
    (for a pixel shuffle: its own op of that kind, ``porting.naive_shuffle_call``),
    or None where it has none."""
    spec = case.spec
    if is_shuffle(spec):
        from unisample.porting import naive_shuffle_call

        try:
            found = naive_shuffle_call(spec, target)
        except ValueError:  # its op refuses this factor (TF: 1)
            return None
        return None if found is None else found[1]
    axes = spec.spatial_axes(len(case.shape))
    rank = len(axes)
    size = [spec.output_shape(case.shape)[a] for a in axes]
    try:
        port = framework_part(target, "catalogue").naive_port(spec, size, rank)
    except ValueError:
        return None
    if port is None:
        return None
    layout = "channels_last" if spec.channels_last else "channels_first"
    return Upsample.from_dict({**port.to_dict(), "data_format": layout})


#: a naive port's difference above this (output units, N(0, 1) inputs) is another answer, not rounding
ANOTHER_ANSWER = 1e-5


def atlas(cases_and_outputs: Dict[str, List[tuple]]) -> List[dict]:
    """Rows ``{source, family, target, cases, expressible, worst, median, differ,
    native_wrong, why_wrong}`` (``differ``: the expressible cases whose difference
    is above ``ANOTHER_ANSWER``) (differences in output units, max over each case; float32
    cases only, whose inputs are N(0, 1)) from ``{framework: [(case, x, native), ...]}``.  ``native_wrong`` counts the
    expressible cases where the target's own op is known to compute its spec
    wrongly (its adapter's ``native_defect``, say why ``why_wrong``): a naive
    port there lands further off than the references show."""
    from .runner import native_defect

    cells = defaultdict(list)
    counts = defaultdict(int)
    wrong = defaultdict(list)
    for source, items in cases_and_outputs.items():
        for case, x, native in items:
            if case.dtype != "float32":  # differences in output units of N(0, 1) inputs, not of int64's range
                continue
            family = family_of(case.spec)
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
                         differ=sum(d > ANOTHER_ANSWER for d in diffs),
                         native_wrong=len(wrong[key]), why_wrong=wrong[key][0] if wrong[key] else ""))
    return rows
