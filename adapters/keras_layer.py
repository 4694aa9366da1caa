"""The old import path of ``unisample.adapters.tensorflow.layers`` (kept for code and
saved models that name it)."""

from .tensorflow.layers import Upsample

__all__ = ["Upsample"]
