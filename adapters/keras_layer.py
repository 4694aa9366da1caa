"""The old import path of ``unisample.adapters.tensorflow.layer`` (kept for code and
saved models that name it)."""

from .tensorflow.layer import Upsample

__all__ = ["Upsample"]
