"""The old import path of ``unisample.adapters.paddle.layer`` (kept for code and
saved models that name it)."""

from .paddle.layer import Upsample

__all__ = ["Upsample"]
