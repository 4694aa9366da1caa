"""The paddle adapter: recognises paddle arrays; resizing them is issue #3."""

from __future__ import annotations

from ._detect import framework_array, missing_adapter

NAME = "paddle"


def is_array(x) -> bool:
    return framework_array(x, NAME, ("Tensor",))


def to_numpy(x):
    return x.numpy()


def resize(spec, x):
    raise missing_adapter(NAME, 3)
