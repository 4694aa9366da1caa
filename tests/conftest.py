"""Shared fixtures, and a safe import order.

``import tensorflow`` followed by ``import paddle`` segfaults (the other order
works), so paddle, when installed, is imported here, before any test module
can import TensorFlow.  The conformance workers keep each framework in its own
process anyway.
"""

import fcntl
import importlib.util
import os
import subprocess

import numpy as np
import pytest

if importlib.util.find_spec("paddle") is not None:
    import paddle  # noqa: F401  (must precede tensorflow: see above)

from unisample.conformance.runner import installed, worker_argv, worker_env  # noqa: E402


def _native_loader(tmp_path_factory, *selection):
    """``load(framework)``: the framework's native outputs, computed once per test run.

    Under pytest-xdist every worker process has its own session, so the file
    goes in the directory the workers share (the parent of each one's base
    temporary directory), and a lock lets the first worker compute it while
    the others wait and read it (the JAX catalogue alone takes a minute)."""
    cache = {}
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    tag = "-".join(s.strip("-") for s in selection) or "full"

    def load(framework):
        if framework not in cache:
            if not installed(framework):
                cache[framework] = None
            else:
                path = shared / f"native-{framework}-{tag}.npz"
                with open(shared / f"native-{framework}-{tag}.lock", "w") as lock:
                    fcntl.flock(lock, fcntl.LOCK_EX)
                    if not path.exists():
                        subprocess.run(worker_argv(framework, str(path), *selection), check=True,
                                       env=worker_env(), capture_output=True)
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


@pytest.fixture
def x64():
    """jax with 64-bit types for the test (its integers are 32-bit and its
    float64 float32 without), as a conformance worker runs it."""
    if importlib.util.find_spec("jax") is None:
        yield
        return
    import jax

    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", False)
