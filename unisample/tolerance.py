"""Tolerances: the one place that says how close counts as the same numbers.

Nearest modes gather input values, so they are held to bit-exactness: a
different pixel is a different answer, never rounding.

Floating modes are compared to the float64 reference in units of the dtype's
epsilon times ``max(1, max|x|)`` (the output is a weighted sum of inputs, so
its rounding scales with them).  The bound has two parts, both derived, not
fitted:

* arithmetic, ``ARITHMETIC_UNITS[dtype]`` epsilons: each of up to three axis
  passes sums a few products and may renormalise; the frameworks themselves sit
  within 16 eps of float64 on the conformance matrix (measured: 15.6 eps, JAX
  linear).  float16 and bfloat16 are computed in float32 by every framework and
  rounded once, hence 2 of their own epsilons.
* coordinates, ``KERNEL_SLOPE * sum(n)`` float32 epsilons over the resized
  axes of input length ``n``: the frameworks compute each source coordinate
  in float32 (TF even for float64 images), which is off by up to one ulp,
  ``eps * n``; the output moves by at most ``sum_k |w_k'|`` times ``max|x|``
  per unit of coordinate, and that slope is at most 4 for every continuous
  kernel here (triangle 2, cubic 3.0, lanczos3 3.15, hamming 3.22, lanczos5
  3.44, mks2013 and mks2021 4.0), hence 4.  Measured on
  torch, 1000 -> 2999 bicubic: 556 eps against a bound of 4016.
  The box is discontinuous (an ulp of coordinate can move a pixel to the
  next output), but no framework computes its coordinates: every adapter
  applies the same float64 taps (Pillow's arithmetic,
  ``taps._pillow_filter_taps``), so the term never arises for it.

Whole networks (a model ported with unisample layers, end to end) get
``chain_bound``: every stage adds at most its own bound, measured against the
size of its own input, and every later stage multiplies what came before by
at most its gain (the infinity norm of a linear stage: a resize's largest sum
of ``|taps|``, a convolution's largest sum of ``|weights|`` per output; ReLU
and concatenation add no error and have gain 1).  A dot product of ``n``
terms is off by at most ``n`` epsilons times the sum of its ``|terms|``
(the classic ``gamma_n`` bound), which is a convolution's own bound.
"""

from __future__ import annotations

from typing import Iterable, Optional

import numpy as np

from .kernels import KERNELS
from .ops import is_exact

__all__ = ["EXACT_KERNELS", "ARITHMETIC_UNITS", "KERNEL_SLOPE", "bound_in_eps", "error_in_eps", "scale_of",
           "chain_bound", "dot_product_bound_in_eps", "compare", "nonfinite_classes"]

#: kernels held to bit-exactness
EXACT_KERNELS = frozenset(k for k, row in KERNELS.items() if row.exact)

#: arithmetic allowance per dtype, in that dtype's epsilons
ARITHMETIC_UNITS = {"float16": 2.0, "bfloat16": 2.0, "float32": 16.0, "float64": 16.0}

#: bound on sum_k |w_k'(t)| over every continuous kernel (measured maximum 4.0, mks2013/mks2021)
KERNEL_SLOPE = 4.0

_EPS32 = float(np.finfo(np.float32).eps)


def _eps(dtype) -> float:
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name == "bfloat16":
        return 2.0**-7
    return float(np.finfo(np.dtype(name)).eps)


def scale_of(x: np.ndarray) -> float:
    """``max(1, max|x|)`` over the finite values of ``x``: what one epsilon of error
    is measured against."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return max(1.0, float(np.abs(x).max())) if x.size else 1.0


def bound_in_eps(dtype, resized_lengths: Iterable[int]) -> float:
    """The allowed error, in ``dtype`` epsilons times ``scale_of(x)``.

    ``resized_lengths`` are the input lengths of the axes that are resampled.
    """
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    coordinate = KERNEL_SLOPE * sum(resized_lengths) * _EPS32 / _eps(name)
    return ARITHMETIC_UNITS[name] + coordinate


def error_in_eps(actual, expected, dtype, scale: float) -> float:
    """Max absolute difference in ``dtype`` epsilons times ``scale``, over the
    positions where both are finite (``compare`` checks the others)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    both = np.isfinite(actual) & np.isfinite(expected)
    if not both.any():
        return 0.0
    return float(np.abs(actual[both] - expected[both]).max()) / (_eps(dtype) * scale)


def nonfinite_classes(a) -> np.ndarray:
    """Per element 0 (finite), 1 (NaN), 2 (+inf) or 3 (-inf)."""
    a = np.asarray(a, dtype=np.float64)
    return np.select([np.isnan(a), np.isposinf(a), np.isneginf(a)], [1, 2, 3], 0).astype(np.int8)


def integer_slack(dtype, x) -> float:
    """How far an integer output may lie from the integer rule: 0, except for
    64-bit integers beyond 2**53, which float64 holds only to its rounding:
    summed in another order their values move by a few units in the last
    place of the largest input (2048 at 2**63); 64 such units are allowed."""
    info = np.iinfo(dtype)
    if info.bits < 64:
        return 0.0
    largest = float(np.abs(np.asarray(x, dtype=np.float64)).max()) if np.size(x) else 0.0
    return 0.0 if largest <= 2.0**53 else 64 * float(np.spacing(largest))


def compare(spec, x, actual, expected, dtype: Optional[str] = None) -> tuple:
    """``(passed, error in eps, bound in eps, message)`` for ``actual`` (any dtype)
    against ``expected`` (the float64 reference of input ``x``).

    The one comparison every check uses.  Shapes must agree; outputs must be
    non-finite exactly where the reference, rounded to the input's dtype
    (float16 overflows where float64 does not), is: a non-finite input reaches
    exactly the outputs whose taps read it, in every adapter (the README's
    "Non-finite values").  Which of NaN, +inf and -inf an output is may differ
    (``a + (b - a) * t``, TF's and Paddle's linear formula, makes NaN of an
    infinity that ``(1 - t) * a + t * b`` keeps).  The finite rest is bit-exact
    for nearest modes and pixel shuffles (``ops.is_exact``; integers compared as
    integers) and within ``bound_in_eps`` otherwise.  ``dtype`` is the dtype the
    bound is counted in (default: ``x``'s).
    """
    actual, x, given = np.asarray(actual), np.asarray(x), np.asarray(expected)
    expected = given.astype(np.float64)
    if actual.shape != expected.shape:
        return False, None, None, f"output shape {actual.shape}, expected {expected.shape}"
    dtype = dtype or (x.dtype.name if x.dtype.kind == "f" else "float32")
    with np.errstate(over="ignore"):  # bfloat16 has float32's range: numpy has no bfloat16
        rounded = expected.astype(np.float32 if dtype == "bfloat16" else dtype)
    got, want = nonfinite_classes(actual), nonfinite_classes(rounded)
    error = error_in_eps(actual, expected, dtype, scale_of(x))
    if not np.array_equal(got > 0, want > 0):
        wrong = np.argwhere((got > 0) != (want > 0))
        names = ("finite", "nan", "inf", "-inf")
        first = tuple(int(i) for i in wrong[0])
        return False, error, None, (f"non-finite outputs differ from the reference's at {len(wrong)} position(s), "
                                    f"first {first}: {names[got[first]]}, expected {names[want[first]]}")
    if is_exact(spec):
        if actual.dtype.kind in "biu" and given.dtype.kind in "biu":
            # integers compared as integers (float64 holds 64-bit ones only to 2**53), in one dtype
            if actual.dtype != given.dtype:
                return False, error, 0.0, f"output dtype {actual.dtype}, expected {given.dtype}"
            same = np.array_equal(actual, given)
        else:
            finite = want == 0
            same = np.array_equal(actual[finite].astype(np.float64), expected[finite])
        return same, error, 0.0, "" if same else "output differs (bit-exactness required)"
    axes = spec.spatial_axes(x.ndim)
    resized = [x.shape[a] for a in axes if x.shape[a] != expected.shape[a]]
    bound = bound_in_eps(dtype, resized)
    return error <= bound, error, bound, "" if error <= bound else f"error {error:.1f} eps > bound {bound:.1f} eps"


def dot_product_bound_in_eps(terms: int) -> float:
    """A dot product of ``terms`` products (a convolution output, bias included):
    ``terms`` epsilons times ``sum |w| max|x|`` (``gamma_n``, worst case)."""
    return float(terms)


def chain_bound(dtype, stages: Iterable[tuple]) -> float:
    """Absolute error bound at the end of a chain of stages.

    ``stages``: ``(bound_in_eps, input_scale, gain)`` per stage, in order, where
    ``bound_in_eps`` is the stage's own allowance (``bound_in_eps`` for a
    resize, ``dot_product_bound_in_eps`` times the weights' ``sum |w|`` for a
    convolution), ``input_scale`` is ``scale_of`` its input and ``gain`` its
    infinity norm.  Errors made by stage k reach the end multiplied by the gains
    of the stages after it.
    """
    stages = list(stages)
    eps = _eps(dtype)
    total = 0.0
    for k, (bound, scale, _) in enumerate(stages):
        after = float(np.prod([gain for _, _, gain in stages[k + 1:]])) if k + 1 < len(stages) else 1.0
        total += bound * eps * scale * after
    return total
