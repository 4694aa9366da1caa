"""Shared fixtures, and a safe import order.

``import tensorflow`` followed by ``import paddle`` segfaults (the other order
works), so paddle, when installed, is imported here, before any test module
can import TensorFlow.  The conformance workers keep each framework in its own
process anyway.
"""

import importlib.util
import subprocess

import numpy as np
import pytest

if importlib.util.find_spec("paddle") is not None:
    import paddle  # noqa: F401  (must precede tensorflow: see above)

from unisample.conformance.runner import worker_argv, worker_env  # noqa: E402


def _native_loader(tmp_path_factory, *selection):
    cache = {}

    def load(framework):
        if framework not in cache:
            if importlib.util.find_spec(framework) is None:
                cache[framework] = None
            else:
                path = str(tmp_path_factory.mktemp("native") / f"{framework}.npz")
                subprocess.run(worker_argv(framework, path, *selection), check=True, env=worker_env(),
                               capture_output=True)
                cache[framework] = np.load(path)
        if cache[framework] is None:
            pytest.skip(f"{framework} is not installed")
        return cache[framework]

    return load


@pytest.fixture(scope="session")
def native_outputs(tmp_path_factory):
    """``load(framework)``: that framework's native outputs on its catalogue, from its worker process.

    Skips the calling test when the framework is not installed.
    """
    return _native_loader(tmp_path_factory)


@pytest.fixture(scope="session")
def native_outputs_quick(tmp_path_factory):
    """``load(framework)`` on the quick catalogue (``catalogue(framework, quick=True)``)."""
    return _native_loader(tmp_path_factory, "--quick")
