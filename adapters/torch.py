"""The torch adapter: recognises torch arrays; resizing them is issue #3."""

from __future__ import annotations

from ._detect import framework_array, missing_adapter

NAME = "torch"


def is_array(x) -> bool:
    return framework_array(x, NAME, ("Tensor",))


def to_numpy(x):
    x = x.detach().cpu()
    if x.dtype.is_floating_point and x.element_size() < 4:
        x = x.float()  # numpy has no bfloat16
    return x.numpy()


def resize(spec, x):
    raise missing_adapter(NAME, 3)
