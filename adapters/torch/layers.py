"""``unisample.adapters.torch.layers.Upsample``: a spec as a ``torch.nn.Module``.

Imported only by ``Upsample.to_torch()``.  The module holds the spec (no
parameters, no buffers: the taps depend on the input's size and are cached per
size), so ``torch.jit.trace``, ``torch.compile`` and ``torch.onnx.export``
see plain tensor operations: ``F.interpolate`` where it computes the spec,
``index_select`` / multiply / add otherwise.  ``torch.onnx.export`` (either
exporter) writes the one ``Resize`` node ``Upsample.to_onnx`` writes wherever
ONNX can express the spec, and those operations elsewhere
(``unisample.adapters.torch.onnx_export``).
"""

from __future__ import annotations

import torch

from .. import torch as adapter
from . import onnx_export


class Upsample(torch.nn.Module):
    """A ``unisample.Upsample`` spec as a torch module: ``Upsample(spec)(x)``."""

    def __init__(self, spec):
        super().__init__()
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The spec applied to ``x``; under ``torch.onnx.export``, a Resize node where ONNX can say it."""
        if onnx_export.exporting():
            return onnx_export.resize(self.spec, x)
        return adapter.resize(self.spec, x)

    def extra_repr(self) -> str:
        return repr(self.spec)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["spec"] = self.spec.to_dict()  # torch.save pickles modules: keep it plain data
        return state

    def __setstate__(self, state):
        from unisample import Upsample as Spec

        state = dict(state)
        state["spec"] = Spec.from_dict(state["spec"])
        self.__dict__.update(state)
