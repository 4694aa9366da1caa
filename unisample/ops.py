"""The op families as the conformance suite and records see them: one place that
knows which spec classes there are.

A spec is an ``Upsample`` or a pixel shuffle (``PixelShuffle`` /
``PixelUnshuffle``).  The suite stores specs as ``to_dict()`` JSON, summarises
its cases by family, selects them by kernel (``--modes``) and compares their
outputs exactly or within a bound; these functions answer each of those
questions for any spec, so that the suite's code names no op class.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["spec_from_dict", "family_of", "kernel_of", "is_exact", "SHUFFLE_KERNEL"]

#: what ``kernel_of`` calls every pixel shuffle: ``--modes shuffle`` selects them
SHUFFLE_KERNEL = "shuffle"


def spec_from_dict(d: Mapping[str, Any]):
    """The spec whose ``to_dict()`` ``d`` is: a pixel shuffle where ``d["op"]``
    names one, else an ``Upsample`` (whose dicts have no ``"op"``)."""
    from .shuffle import from_dict as shuffle_from_dict
    from .spec import Upsample

    if isinstance(d, Mapping) and "op" in d:
        return shuffle_from_dict(d)
    return Upsample.from_dict(d)


def family_of(spec) -> str:
    """The row a case of ``spec`` is summarised under: the kernel and whether it
    antialiases ("linear aa"), or "pixel shuffle" / "pixel unshuffle"."""
    from .shuffle import is_shuffle

    if is_shuffle(spec):
        return "pixel shuffle" if spec.shuffles else "pixel unshuffle"
    return spec.kernel + (" aa" if spec.antialias else "")


def kernel_of(spec) -> str:
    """The kernel ``--modes`` selects ``spec`` by: ``Upsample.kernel``, or
    ``SHUFFLE_KERNEL`` for a pixel shuffle."""
    from .shuffle import is_shuffle

    return SHUFFLE_KERNEL if is_shuffle(spec) else spec.kernel


def is_exact(spec) -> bool:
    """Whether ``spec``'s outputs are held to bit-exactness: nearest kernels (one
    tap of weight 1) and pixel shuffles (a permutation)."""
    from .kernels import KERNELS

    kernel = kernel_of(spec)
    return kernel == SHUFFLE_KERNEL or KERNELS[kernel].exact
