"""Which dtypes unisample resizes, and how, the same for every framework.

* ``float``: float32 and float64, computed in their own precision;
* ``half``: float16 and bfloat16, computed in float32 and rounded once at the
  end (what PyTorch does on CPU);
* ``integer``: kept as integers; nearest modes gather exactly, other modes
  round half up and saturate after each axis pass (``reference.pass_order``).

Booleans, complex numbers and anything else are refused with a TypeError.
"""

from __future__ import annotations

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
