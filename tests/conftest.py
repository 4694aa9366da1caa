"""Shared fixtures.

Frameworks in this process: torch and paddle only (imported by the adapter
tests; either order works).  TensorFlow and JAX run only in worker processes:
``import tensorflow`` then ``import paddle`` segfaults.
"""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest


@pytest.fixture(scope="session")
def native_outputs(tmp_path_factory):
    """``load(framework)``: that framework's native outputs on its catalogue, from its worker process.

    Skips the calling test when the framework is not installed.
    """
    cache = {}

    def load(framework):
        if framework not in cache:
            if importlib.util.find_spec(framework) is None:
                cache[framework] = None
            else:
                path = str(tmp_path_factory.mktemp("native") / f"{framework}.npz")
                env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu")
                subprocess.run([sys.executable, "-m", "unisample.conformance.worker", framework, path],
                               check=True, env=env, capture_output=True)
                cache[framework] = np.load(path)
        if cache[framework] is None:
            pytest.skip(f"{framework} is not installed")
        return cache[framework]

    return load
