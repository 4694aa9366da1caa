"""Recognising a framework's arrays without importing the framework."""

from __future__ import annotations

import sys
from typing import Sequence


def framework_array(x, module: str, class_paths: Sequence[str]) -> bool:
    """Whether ``x`` is an instance of one of ``module``'s ``class_paths``.

    Looks at the modules ``type(x)`` and its bases come from first, so that a
    framework that the caller has not imported is never imported here.
    """
    roots = {cls.__module__.partition(".")[0] for cls in type(x).__mro__}
    if not roots & {module, module + "lib"}:  # jax arrays live in jaxlib
        return False
    framework = sys.modules.get(module)
    if framework is None:
        return False
    for path in class_paths:
        cls = framework
        for part in path.split("."):
            cls = getattr(cls, part, None)
        if isinstance(cls, type) and isinstance(x, cls):
            return True
    return False


def missing_adapter(name: str, issue: int):
    """The error an adapter that is not written yet raises."""
    return NotImplementedError(
        f"unisample has no {name} adapter yet (tracked in issue #{issue}); meanwhile "
        f"resize a numpy copy (up(x.numpy())) or use up.reference(x)"
    )
