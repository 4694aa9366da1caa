"""The old import path of ``unisample.adapters.torch.layers`` (kept for code and
saved models that name it)."""

from .torch.layers import Upsample

__all__ = ["Upsample"]
