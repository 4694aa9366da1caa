"""unisample: one resize specification, the same numbers in every framework.

>>> import numpy as np, unisample
>>> up = unisample.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
>>> up(np.zeros((1, 3, 4, 4), np.float32)).shape
(1, 3, 8, 8)

``import unisample`` imports numpy only; a framework is touched only when its
arrays are passed in.
"""

from __future__ import annotations

from .shuffle import PixelShuffle, PixelUnshuffle
from .spec import COORDINATE_TRANSFORMS, DATA_FORMATS, MODES, Upsample
from .taps import AxisTaps

__all__ = ["Upsample", "PixelShuffle", "PixelUnshuffle", "resize", "port", "scan", "AxisTaps", "MODES",
           "DATA_FORMATS", "COORDINATE_TRANSFORMS", "__version__"]

__version__ = "0.1.0"


def _register_keras_layers() -> None:
    """``keras.models.load_model`` finds unisample's layers once ``unisample`` is
    imported, before Keras or after it (a wheel install also registers them
    with only ``import keras``: README "Set up").  Imports nothing else."""
    from .adapters import keras_autoload

    keras_autoload.register()


_register_keras_layers()


def resize(x, size=None, scale_factor=None, mode="nearest", align_corners=None,
           data_format="channels_first", **extras):
    """Functional form: ``Upsample(size, scale_factor, mode, align_corners, data_format, **extras)(x)``."""
    return Upsample(size, scale_factor, mode, align_corners, data_format, **extras)(x)


def port(source, to=None, rank=None):
    """Translate a resize configuration (``"torch: nn.Upsample(...)"``, an ``Upsample``)
    to other frameworks: ``(spec, [Translation])``, see ``unisample.porting``."""
    from .porting import port as _port

    return _port(source, to=to, rank=rank)


def scan(model, to=None, example_input=None):
    """Every resize of a torch / Keras / paddle / ONNX model with per-framework verdicts
    (recorded while the model runs on ``example_input`` when given); see ``unisample.scanning``."""
    from .scanning import scan as _scan

    return _scan(model, to=to, example_input=example_input)
