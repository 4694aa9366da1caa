"""One framework's worker: runs its native calls and writes the outputs to a file.

    python -m unisample.conformance.worker FRAMEWORK OUT.npz [--quick] [--kernels nearest,linear] [--case TEXT]

The parent process never imports the framework: it reads ``OUT.npz``, whose
keys are ``in/<n>`` and ``out/<n>`` (or ``err/<n>``, the error text of a call
that raised) for the n-th case of ``cases.catalogue(FRAMEWORK, quick,
kernels, case)``, ``id/<n>`` and ``spec/<n>`` (the case id and its spec as JSON, so
that the file stands alone: ``unisample record`` keeps it), and ``version``.
Progress goes to stdout as ``progress N TOTAL`` lines.

    python -m unisample.conformance.worker FRAMEWORK OUT.npz --replay A.npz [--replay B.npz ...]

replays recorded files instead: each recorded input through FRAMEWORK's
adapter (``numpy`` included) with the recorded spec; ``OUT.npz`` holds
``out/<k>/<n>`` (or ``err/<k>/<n>``) for case n of the k-th file.

    python -m unisample.conformance.worker FRAMEWORK OUT.npz --fuzz N [--seed S] [--case TEXT]

runs the differential fuzz's cases instead (``fuzz.run_worker``).  With
``--showcase PICTURES.npz`` a native run also writes its showcase (a few
configurations on a test card, for the report's pictures) there.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional

import numpy as np

from .cases import catalogue, make_input, module_name
from .native import run_native


def save(path: str, arrays) -> None:
    """``numpy.savez`` to exactly ``path``, atomically: the parent never sees a
    half-written file, and a failed write leaves nothing behind."""
    from unisample.files import atomic_write

    with atomic_write(path, binary=True) as f:
        np.savez(f, **arrays)


def run_showcase(framework: str, path: str, kernels=None) -> None:
    """The showcase's native outputs on the test card (``cases.showcase``,
    ``cases.picture``), into ``path``: ``in/<k>``, ``out/<k>`` or ``err/<k>``, ``id/<k>``."""
    from .cases import picture, showcase

    arrays = {}
    for k, case in enumerate(showcase(framework, kernels)):
        x = picture(case.shape, case.spec.channels_last)
        arrays[f"in/{k}"], arrays[f"id/{k}"] = x, np.array(case.id)
        try:
            arrays[f"out/{k}"] = np.asarray(run_native(case, x))
        except Exception as e:  # shown as such in the report
            arrays[f"err/{k}"] = np.array(f"{type(e).__name__}: {e}")
    save(path, arrays)


def run(framework: str, path: str, quick: bool = False, kernels=None, case=None) -> int:
    import importlib

    arrays = {"framework": np.array(framework),
              "version": np.array(getattr(importlib.import_module(module_name(framework)), "__version__", "?"))}
    cases = catalogue(framework, quick=quick, kernels=kernels, case=case)
    for n, case in enumerate(cases):
        if n % 10 == 0:
            print(f"progress {n} {len(cases)}", flush=True)
        x = make_input(case)
        arrays[f"in/{n}"] = x
        arrays[f"id/{n}"] = np.array(case.id)
        arrays[f"spec/{n}"] = np.array(json.dumps(case.spec.to_dict()))
        try:
            arrays[f"out/{n}"] = np.asarray(run_native(case, x))
        except Exception as e:  # a refused call is a result, reported per case
            arrays[f"err/{n}"] = np.array(f"{type(e).__name__}: {e}")
    print(f"progress {len(cases)} {len(cases)}", flush=True)
    save(path, arrays)
    return 0


def replay(framework: str, recorded, path: str) -> int:
    from unisample.adapters import get_adapter
    from unisample.ops import spec_from_dict

    adapter = get_adapter(framework)
    arrays = {"framework": np.array(framework)}
    for k, name in enumerate(recorded):
        with np.load(name) as data:
            count = sum(1 for key in data.files if key.startswith("in/"))
            for n in range(count):
                if n % 10 == 0:
                    print(f"progress {n} {count}", flush=True)
                spec = spec_from_dict(json.loads(str(data[f"spec/{n}"])))
                try:
                    y = spec(adapter.from_numpy(data[f"in/{n}"]))
                    arrays[f"out/{k}/{n}"] = np.asarray(adapter.to_numpy(y))
                except Exception as e:  # reported per case
                    arrays[f"err/{k}/{n}"] = np.array(f"{type(e).__name__}: {e}")
    arrays["version"] = np.array(getattr(sys.modules.get(framework), "__version__", "?"))
    save(path, arrays)
    return 0


def cache_dir(framework: str) -> Optional[str]:
    """Where ``framework``'s worker keeps what it may reuse in a later run
    (compiled programs): ``$UNISAMPLE_CACHE_DIR/<framework>``, by default under
    ``$XDG_CACHE_HOME`` or ``~/.cache`` (``unisample/<framework>``); None where
    ``UNISAMPLE_CACHE_DIR`` is set empty or the folder cannot be made."""
    root = os.environ.get("UNISAMPLE_CACHE_DIR")
    if root is None:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "unisample")
    if not root:
        return None
    path = os.path.join(root, framework)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return path


def _prepare(framework: str, adapter: bool) -> None:
    """The framework's catalogue's ``use_compilation_cache`` hook and, where the
    worker runs the adapter (replays, the fuzz: ``adapter``), its
    ``prepare_worker`` (JAX: 64-bit types on, so that float64 and int64 inputs
    reach the adapter as they are).  Native runs keep the framework's defaults:
    what its users' own calls compute (JAX's resize computes its weights in
    float64 with 64-bit types on)."""
    from unisample.adapters import PACKAGES, framework_part, has_part

    if framework not in PACKAGES or not has_part(framework, "catalogue"):
        return
    if adapter:
        getattr(framework_part(framework, "catalogue"), "prepare_worker", lambda: None)()
    hook = getattr(framework_part(framework, "catalogue"), "use_compilation_cache", None)
    path = cache_dir(framework) if hook is not None else None
    if path is not None:
        hook(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("framework")
    parser.add_argument("out")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--kernels")
    parser.add_argument("--case")
    parser.add_argument("--replay", metavar="RECORDED", action="append")
    parser.add_argument("--fuzz", type=int, metavar="N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--showcase", metavar="PICTURES.npz")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    _prepare(args.framework, adapter=args.fuzz is not None or bool(args.replay))
    if args.fuzz is not None:
        from .fuzz import run_worker

        return run_worker(args.framework, args.out, args.fuzz, args.seed, args.case)
    if args.replay:
        return replay(args.framework, args.replay, args.out)
    kernels = args.kernels.split(",") if args.kernels else None
    if args.showcase:
        run_showcase(args.framework, args.showcase, kernels)
    return run(args.framework, args.out, args.quick, kernels, args.case)


if __name__ == "__main__":
    sys.exit(main())
