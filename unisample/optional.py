"""Optional dependencies: import one, or say exactly what to install.

unisample itself needs numpy only; each framework, ONNX and the image
command come with an extra (``pip install 'unisample[onnx]'``).  ``require``
imports a module or raises ``MissingDependency`` (an ``ImportError``) whose
one-line message names what needed it and the extra that brings it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Optional

__all__ = ["EXTRAS", "MissingDependency", "install_hint", "require"]

#: import name -> the extra of pyproject.toml that installs it
EXTRAS = {
    "torch": "torch",
    "tensorflow": "tensorflow",
    "keras": "tensorflow",
    "paddle": "paddle",
    "jax": "jax",
    "onnx": "onnx",
    "onnxruntime": "onnx",
    "onnxscript": "onnx",
    "PIL": "image",
    "cv2": "image",
    "skimage": "guide",
    "matplotlib": "guide",
}


class MissingDependency(ImportError):
    """An optional dependency is not installed; the message says what to install."""


def install_hint(module: str, package: Optional[str] = None) -> str:
    """``pip install 'unisample[extra]'`` for ``module`` (or ``pip install package``
    when no extra brings it)."""
    extra = EXTRAS.get(module.partition(".")[0])
    return f"pip install 'unisample[{extra}]'" if extra else f"pip install {package or module}"


def require(module: str, purpose: str, package: Optional[str] = None) -> ModuleType:
    """``import module`` for ``purpose`` (what needs it, for the message), or
    ``MissingDependency`` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        # a module that is installed but fails inside its own import is not "missing": say so
        missing = getattr(e, "name", None)
        if missing is not None and missing != module and not module.startswith(missing + "."):
            raise
        raise MissingDependency(f"{purpose} needs {package or module.partition('.')[0]}, which is not installed: "
                                f"{install_hint(module, package)}") from None
