"""Which dtypes unisample resizes, and how, the same for every framework.

* ``float``: float32 and float64, computed in their own precision;
* ``half``: float16 and bfloat16, computed in float32 and rounded once at the
  end (what PyTorch does on CPU);
* ``integer``: kept as integers; nearest modes gather exactly, other modes
  compute each axis pass in float64, round half up and saturate after it
  (``round_passes``, in ``reference.pass_order``'s integer order).

Booleans, complex numbers and anything else are refused with a TypeError.
"""

from __future__ import annotations

import numpy as np

from .reference import pass_order

FLOAT = frozenset({"float32", "float64"})
HALF = frozenset({"float16", "bfloat16"})
INTEGER = frozenset({"uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64"})


def dtype_class(dtype, framework: str) -> str:
    """``"float"``, ``"half"`` or ``"integer"`` for a dtype of any framework (by its name)."""
    name = str(dtype).rsplit(".", 1)[-1]
    for cls, names in (("float", FLOAT), ("half", HALF), ("integer", INTEGER)):
        if name in names:
            return cls
    raise TypeError(
        f"unisample cannot resize a {framework} array of dtype {name}; "
        "expected float16, bfloat16, float32, float64 or an integer dtype"
    )


#: Round half up, where a value within 2**-16 below a half counts as the half:
#: ``floor(v + HALF_UP)``.  Exact halves are common (2x linear of integers, the
#: 0.3/0.7 weights of align_corners ratios), and float64 lands on either side of
#: them by an ulp depending on how the weights were rounded and in which order
#: the taps were summed (0.3 * 5 + 0.7 * 0 may come out as 1.4999999999999998).
#: With the margin, every summation order (a gather, a BLAS product, another
#: framework's kernel) rounds the same way: float64 sums of 16-bit images over
#: 63 taps differ between orders by less than 1e-9, far inside 2**-16.  The
#: rule departs from exact round-half-up only for values within 1.5e-5 below a
#: half, which no rational value of denominator below 32768 is, and which is far
#: below the ~0.03 by which PyTorch's and Pillow's fixed-point uint8 weights
#: move values.
HALF_UP = 0.5 + 2.0**-16


def round_passes(y, taps, axes, info, *, apply_axis, floor, clip, cast, where, precision=np.float64):
    """The integer rule, one pass at a time: ``y`` (a float array of any framework,
    in ``precision``) through each axis's taps with ``apply_axis``, then
    ``clip(floor(v + HALF_UP), min, max)`` of ``info`` (the integer dtype's
    ``iinfo``), and ``saturating_cast`` to the integer dtype at the end.  Every
    adapter's integer path is this function with its own framework's ``floor``,
    ``clip(a, lo, hi)``, ``cast`` (to the integer dtype) and ``where(condition,
    value, a)``."""
    lo, hi = float(info.min), float(info.max)
    for i in pass_order(taps, integer=True):
        y = clip(floor(apply_axis(y, taps[i], axes[i]) + HALF_UP), lo, hi)
    return saturating_cast(y, info, clip=clip, cast=cast, where=where, precision=precision)


def saturating_cast(y, info, *, clip, cast, where, precision=np.float64):
    """Float array ``y`` (whole numbers in ``[info.min, info.max]`` as ``precision``
    rounds those bounds) to the integer dtype of ``info``.

    ``iinfo.max`` of int64 and uint64 (and of int32/uint32 in float32) is not a
    float: it rounds up to ``2**bits``, one past the range, and a plain cast of
    that wraps (2**63 - 1 became -2**63).  Values there are the maximum:
    they are set to it after casting the rest, clipped to the largest float
    below it.
    """
    top = precision(info.max)
    if int(top) <= info.max:  # the bound is a float: a plain cast is exact
        return cast(y)
    below = float(np.nextafter(top, precision(0)))
    return where(y >= float(top), info.max, cast(clip(y, float(info.min), below)))

