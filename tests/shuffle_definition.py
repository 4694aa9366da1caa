"""Pixel shuffles computed element by element from the definition of the two
orders (README "Pixel shuffle"): what the shuffle tests hold unisample and
the frameworks to, written without unisample's plan."""

import itertools

import numpy as np


def by_definition(x, r, order, channels_last=False):
    """A pixel shuffle of ``x`` computed element by element from the definition:
    output channel ``c`` at offset ``o`` (a tuple, one per spatial axis) of
    block ``b`` comes from input channel ``c * R + flat(o)`` (CRD) or
    ``flat(o) * C + c`` (DCR), ``flat`` row-major over the factors ``r``."""
    if channels_last:
        x = np.moveaxis(x, -1, 1)
    n, channels = x.shape[:2]
    spatial = x.shape[2:]
    blocks = int(np.prod(r))
    c_out = channels // blocks
    out = np.zeros((n, c_out) + tuple(s * f for s, f in zip(spatial, r)), x.dtype)
    for c in range(c_out):
        for offset in itertools.product(*[range(f) for f in r]):
            flat = int(np.ravel_multi_index(offset, r))
            source = c * blocks + flat if order == "CRD" else flat * c_out + c
            target = (slice(None), c) + tuple(slice(o, None, f) for o, f in zip(offset, r))
            out[target] = x[:, source]
    return np.moveaxis(out, 1, -1) if channels_last else out
