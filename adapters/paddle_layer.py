"""The old import path of ``unisample.adapters.paddle.layers`` (kept for code and
saved models that name it)."""

from .paddle.layers import Upsample

__all__ = ["Upsample"]
