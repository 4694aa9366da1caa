"""The old import path of ``unisample.adapters.torch.layer`` (kept for code and
saved models that name it)."""

from .torch.layer import Upsample

__all__ = ["Upsample"]
