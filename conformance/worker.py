"""One framework's worker: runs its native calls and writes the outputs to a file.

    python -m unisample.conformance.worker FRAMEWORK OUT.npz

The parent process never imports the framework: it reads ``OUT.npz``, whose
keys are ``in/<n>`` and ``out/<n>`` (or ``err/<n>``, the error text of a call
that raised) for the n-th case of ``cases.catalogue(FRAMEWORK)``.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from .cases import catalogue, make_input
from .native import run_native


def run(framework: str, path: str) -> int:
    arrays = {}
    for n, case in enumerate(catalogue(framework)):
        x = make_input(case)
        arrays[f"in/{n}"] = x
        try:
            arrays[f"out/{n}"] = np.asarray(run_native(case, x))
        except Exception as e:  # a refused call is a result, reported per case
            arrays[f"err/{n}"] = np.array(f"{type(e).__name__}: {e}")
    tmp = path + ".part.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)  # the parent never sees a half-written file
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("framework")
    parser.add_argument("out")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    return run(args.framework, args.out)


if __name__ == "__main__":
    sys.exit(main())
