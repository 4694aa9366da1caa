"""Running the conformance suite: workers per framework, comparison, summary.

Each framework's native calls run in a worker process of their own
(``python -m unisample.conformance.worker``), so that frameworks never share a
process (TF then Paddle segfaults) and a crash or a hang is a row of the
report, not the end of the run.  This process imports numpy only: it compares
the workers' outputs with ``spec.reference`` and with the numpy adapter.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from unisample import tolerance

from .cases import FRAMEWORKS, Case, catalogue

__all__ = ["CaseResult", "FrameworkRun", "run", "installed", "family_of"]


def installed(framework: str) -> bool:
    """Whether ``framework`` can be imported here (found without importing it)."""
    return importlib.util.find_spec(framework) is not None


def family_of(case: Case) -> str:
    """The row a case is summarised under: the kernel, and whether it antialiases."""
    return case.spec.kernel + (" aa" if case.spec.antialias else "")


@dataclass
class CaseResult:
    framework: str
    family: str
    case: str  # the case id: the native call, its arguments, the input
    spec: dict
    verdict: str  # "pass", "fail", "native error"
    exact: bool  # held to bit-exactness
    reference_error_eps: Optional[float] = None
    numpy_error_eps: Optional[float] = None
    bound_eps: Optional[float] = None
    message: str = ""


@dataclass
class FrameworkRun:
    framework: str
    status: str  # "ran", "not installed", "crashed", "timed out"
    seconds: float = 0.0
    message: str = ""
    results: List[CaseResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in ("crashed", "timed out") or any(r.verdict != "pass" for r in self.results)

    def to_dict(self) -> dict:
        return asdict(self)


def _compare(case: Case, x: np.ndarray, native: np.ndarray) -> CaseResult:
    spec = case.spec
    result = CaseResult(case.framework, family_of(case), case.id, spec.to_dict(), "pass", case.exact)
    reference = spec.reference(x)
    ours = spec(x)
    if native.shape != reference.shape:
        result.verdict = "fail"
        result.message = f"native output shape {native.shape}, spec gives {reference.shape}"
        return result
    dtype = case.dtype
    scale = tolerance.scale_of(x)
    result.reference_error_eps = tolerance.error_in_eps(reference, native, dtype, scale)
    result.numpy_error_eps = tolerance.error_in_eps(ours, native, dtype, scale)
    if case.exact:
        result.bound_eps = 0.0
        same = np.array_equal(ours, native) and np.array_equal(reference.astype(native.dtype), native)
        if not same:
            result.verdict = "fail"
            result.message = "nearest output differs (bit-exactness required)"
        return result
    axes = spec.spatial_axes(x.ndim)
    out_shape = spec.output_shape(x.shape)
    resized = [x.shape[a] for a in axes if x.shape[a] != out_shape[a]]
    result.bound_eps = tolerance.bound_in_eps(dtype, resized)
    if max(result.reference_error_eps, result.numpy_error_eps) > result.bound_eps:
        result.verdict = "fail"
        result.message = (
            f"error {max(result.reference_error_eps, result.numpy_error_eps):.1f} eps "
            f"> bound {result.bound_eps:.1f} eps"
        )
    return result


def _check(framework: str, path: str) -> List[CaseResult]:
    results = []
    with np.load(path) as data:
        for n, case in enumerate(catalogue(framework)):
            if f"err/{n}" in data:
                results.append(CaseResult(framework, family_of(case), case.id, case.spec.to_dict(),
                                          "native error", case.exact, message=str(data[f"err/{n}"])))
                continue
            results.append(_compare(case, data[f"in/{n}"], data[f"out/{n}"]))
    return results


def run(
    frameworks: Optional[Sequence[str]] = None,
    timeout: float = 300.0,
    progress: Optional[Callable[[FrameworkRun], None]] = None,
    worker_command: Optional[Callable[[str, str], List[str]]] = None,
    is_installed: Callable[[str], bool] = installed,
) -> List[FrameworkRun]:
    """Run the suite for ``frameworks`` (default: all four), workers in parallel.

    ``worker_command(framework, out_path)`` gives the worker's argv and
    ``is_installed`` decides which frameworks get one (tests replace both to
    simulate crashing and hanging workers).
    """
    frameworks = list(frameworks or FRAMEWORKS)
    for name in frameworks:
        if name not in FRAMEWORKS:
            raise ValueError(f"frameworks: got {name!r}; expected some of {', '.join(FRAMEWORKS)}")
    worker_command = worker_command or (
        lambda fw, out: [sys.executable, "-m", "unisample.conformance.worker", fw, out]
    )
    runs: Dict[str, FrameworkRun] = {}
    procs = {}
    with tempfile.TemporaryDirectory(prefix="unisample-conformance-") as tmp:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu", PYTHONWARNINGS="ignore")
        for name in frameworks:
            if not is_installed(name):
                runs[name] = FrameworkRun(name, "not installed", message=f"pip install 'unisample[{name}]'")
                if progress:
                    progress(runs[name])
                continue
            out = os.path.join(tmp, f"{name}.npz")
            log = open(os.path.join(tmp, f"{name}.log"), "w+")
            proc = subprocess.Popen(worker_command(name, out), stdout=log, stderr=subprocess.STDOUT, env=env)
            procs[name] = (proc, out, log, time.monotonic())
        while procs:
            for name, (proc, out, log, started) in list(procs.items()):
                elapsed = time.monotonic() - started
                code = proc.poll()
                if code is None and elapsed < timeout:
                    continue
                if code is None:
                    proc.kill()
                    proc.wait()
                    run_ = FrameworkRun(name, "timed out", elapsed, f"no answer after {timeout:.0f} s")
                elif code != 0 or not os.path.exists(out):
                    log.seek(0)
                    tail = log.read()[-2000:].strip()
                    run_ = FrameworkRun(name, "crashed", elapsed, f"worker exited with status {code}: {tail}")
                else:
                    run_ = FrameworkRun(name, "ran", elapsed, results=_check(name, out))
                log.close()
                del procs[name]
                runs[name] = run_
                if progress:
                    progress(run_)
            time.sleep(0.05)
    return [runs[name] for name in frameworks]

