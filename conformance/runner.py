"""Running the conformance suite: workers per framework, comparison, summary.

Each framework's native calls run in a worker process of their own
(``python -m unisample.conformance.worker``), so that frameworks never share a
process (TF then Paddle segfaults) and a crash or a hang is a row of the
report, not the end of the run.  This process imports numpy only: it compares
the workers' outputs with ``spec.reference`` and with the numpy adapter.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from unisample import ops, tolerance

from . import records
from .cases import ADAPTER_FRAMEWORKS, FRAMEWORKS, Case, catalogue, module_name

__all__ = ["CaseResult", "FrameworkRun", "run", "replay", "installed", "family_of", "stop_workers", "worker_argv",
           "worker_env", "porting_matrix", "porting_cell"]

#: how a worker process starts.  Not ``python -m``: that puts the current
#: directory first on ``sys.path``, and run from a source checkout with a
#: non-editable install (the README's first command) the checkout's
#: ``unisample/`` folder, which lacks ``adapters`` and ``conformance`` (they are
#: mapped in at install time), shadowed the installed package and every worker
#: crashed.  ``-c`` puts "" (the current directory) first instead; the worker
#: drops it before importing anything of ours.
_WORKER_BOOT = ("import runpy, sys; sys.path[:] = [p for p in sys.path if p != '']; "
                "runpy.run_module('unisample.conformance.worker', run_name='__main__', alter_sys=True)")


def worker_argv(*args: str) -> List[str]:
    """The command line of a conformance worker process with ``args``
    (``unisample.conformance.worker``'s own arguments)."""
    return [sys.executable, "-c", _WORKER_BOOT, *args]


def worker_env() -> Dict[str, str]:
    """The environment of a worker process: quiet TF logs and warnings, JAX on
    the CPU (the suite compares numbers, not devices)."""
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu", PYTHONWARNINGS="ignore")


def installed(framework: str) -> bool:
    """Whether ``framework`` can be imported here (found without importing it)."""
    return importlib.util.find_spec(module_name(framework)) is not None


def family_of(case: Case) -> str:
    """The row a case is summarised under (``ops.family_of``): the kernel and
    whether it antialiases, or pixel shuffle / unshuffle."""
    return ops.family_of(case.spec)


#: verdicts that are not failures: "native defect" is a native output that the
#: framework's adapter knows to be wrong (its ``native_defect``) and that
#: unisample does not reproduce, computing the spec instead; "skipped" is a
#: fuzz case whose dtype the framework has no arrays of
PASSING = ("pass", "native defect", "skipped")


@dataclass
class CaseResult:
    framework: str
    family: str
    case: str  # the case id: the native call, its arguments, the input
    spec: dict
    verdict: str  # "pass", "fail", "native error", "native defect", ...
    exact: bool  # held to bit-exactness
    reference_error_eps: Optional[float] = None
    numpy_error_eps: Optional[float] = None
    adapter_error_eps: Optional[float] = None  # unisample compare: the replaying adapter's error
    bound_eps: Optional[float] = None
    message: str = ""

    @property
    def ok(self) -> bool:
        """Not a failure (``PASSING``)."""
        return self.verdict in PASSING


@dataclass
class FrameworkRun:
    framework: str
    status: str  # "ran", "not installed", "crashed", "timed out"
    seconds: float = 0.0
    message: str = ""
    version: str = ""
    results: List[CaseResult] = field(default_factory=list)
    # (case, input, native output) per case, for the report's pictures and atlas; not in to_dict
    arrays: list = field(default_factory=list, repr=False)
    # (case, test card, native output or the error's text) per showcase case (``cases.showcase``); not in to_dict
    showcase: list = field(default_factory=list, repr=False)

    @property
    def failed(self) -> bool:
        return self.status in ("crashed", "timed out") or any(not r.ok for r in self.results)

    def to_dict(self) -> dict:
        d = asdict(self)
        del d["arrays"], d["showcase"]
        return d


def judge(spec, x: np.ndarray, expected: np.ndarray, actual: np.ndarray) -> tuple:
    """``(passed, error in eps, bound in eps, message)`` for ``actual`` against
    ``expected``: ``tolerance.compare``."""
    return tolerance.compare(spec, x, actual, expected)


def native_defect(framework: str, spec, shape) -> Optional[str]:
    """Why ``framework``'s own op is known to compute ``spec`` wrongly on an input of
    ``shape`` (its adapter's ``native_defect``), or None."""
    from unisample.adapters import FRAMEWORKS as ADAPTERS, get_adapter

    check = getattr(get_adapter(framework), "native_defect", None) if framework in ADAPTERS else None
    if check is None or ops.kernel_of(spec) == ops.SHUFFLE_KERNEL:  # the defects known are resizes'
        return None
    axes = spec.spatial_axes(len(shape))
    return check(spec, tuple(shape[a] for a in axes))


def _compare(case: Case, x: np.ndarray, native: np.ndarray) -> CaseResult:
    result = CaseResult(case.framework, family_of(case), case.id, case.spec.to_dict(), "pass", case.exact)
    reference = case.spec.reference(x)
    checks = [judge(case.spec, x, native, reference), judge(case.spec, x, native, case.spec(x))]
    (ok_ref, result.reference_error_eps, bound, why_ref), (ok_np, result.numpy_error_eps, _, why_np) = checks
    result.bound_eps = bound
    if not (ok_ref and ok_np):
        defect = native_defect(case.framework, case.spec, x.shape)
        numpy_right = judge(case.spec, x, reference, case.spec(x))[0]
        if defect is not None and numpy_right:
            result.verdict, result.message = "native defect", f"{defect} ({why_ref})"
        else:
            result.verdict = "fail"
            result.message = why_ref or why_np
    return result


def _check(run_: "FrameworkRun", path: str, quick: bool, kernels, text) -> None:
    with np.load(path) as data:
        run_.version = str(data["version"]) if "version" in data else ""
        for n, case in enumerate(catalogue(run_.framework, quick=quick, kernels=kernels, case=text)):
            if f"err/{n}" in data:
                run_.results.append(CaseResult(run_.framework, family_of(case), case.id, case.spec.to_dict(),
                                               "native error", case.exact, message=str(data[f"err/{n}"])))
                continue
            x, native = data[f"in/{n}"], data[f"out/{n}"]
            run_.results.append(_compare(case, x, native))
            run_.arrays.append((case, x, native))


def _read_showcase(run_: "FrameworkRun", path: str, kernels) -> None:
    """The showcase a worker wrote to ``path`` (``worker.run_showcase``), into ``run_.showcase``."""
    from .cases import showcase

    if not os.path.exists(path):
        return
    with np.load(path) as data:
        for k, case in enumerate(showcase(run_.framework, kernels)):
            native = str(data[f"err/{k}"]) if f"err/{k}" in data else data[f"out/{k}"]
            run_.showcase.append((case, data[f"in/{k}"], native))


def _progress_of(log) -> Optional[tuple]:
    """The last ``progress N TOTAL`` line a worker wrote, as (N, TOTAL)."""
    log.seek(0)
    lines = [line for line in log.read().splitlines() if line.startswith("progress ")]
    if not lines:
        return None
    _, done, total = lines[-1].split()
    return int(done), int(total)


#: every worker process started and not yet reaped, so that an interrupted run stops them all
_LIVE: set = set()


class _Worker:
    """A worker process, the file its output goes to, and when that output last grew.

    A worker is given up on when it has written nothing for ``timeout`` seconds
    (it writes a progress line every few cases), not after a fixed total: a
    loaded machine makes a run slower, not stuck."""

    def __init__(self, command: List[str], log, env: Dict[str, str]):
        self.log = log
        self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        _LIVE.add(self.proc)
        self.started = self.since = time.monotonic()
        self.size = 0

    def silent_for(self) -> float:
        """Seconds since the worker last wrote anything."""
        size = os.fstat(self.log.fileno()).st_size
        now = time.monotonic()
        if size != self.size:
            self.size, self.since = size, now
        return now - self.since

    def reap(self, kill: bool = False) -> Optional[int]:
        """The exit status (killing the worker first with ``kill``), None while it runs."""
        if kill:
            self.proc.kill()
            self.proc.wait()
        code = self.proc.poll()
        if code is not None:
            _LIVE.discard(self.proc)
        return code


def _ended(name: str, worker: _Worker, code: Optional[int], out: str, timeout: float) -> "FrameworkRun":
    """The run of a worker that exited (``code``) or fell silent (None: killed now):
    "ran" with its file written, else "crashed" with its log's tail or "timed out"."""
    elapsed = time.monotonic() - worker.started
    if code is None:
        worker.reap(kill=True)
        return FrameworkRun(name, "timed out", elapsed,
                            f"no case finished in {timeout:.0f} s (after {elapsed:.0f} s in all)")
    if code != 0 or not os.path.exists(out):
        worker.log.seek(0)
        tail = worker.log.read()[-2000:].strip()
        return FrameworkRun(name, "crashed", elapsed, f"worker exited with status {code}: {tail}")
    return FrameworkRun(name, "ran", elapsed)


def stop_workers() -> None:
    """Kill every worker still running (an interrupted run calls this before unwinding)."""
    for proc in list(_LIVE):
        try:
            proc.kill()
            proc.wait()
        except OSError:
            pass
        _LIVE.discard(proc)


def _not_installed(name: str) -> "FrameworkRun":
    from unisample.optional import install_hint

    return FrameworkRun(name, "not installed", message=install_hint(module_name(name)))


def _checked_arguments(frameworks, workers, timeout) -> List[str]:
    frameworks = list(frameworks or FRAMEWORKS)
    for name in frameworks:
        if name not in FRAMEWORKS:
            raise ValueError(f"frameworks: got {name!r}; expected some of {', '.join(FRAMEWORKS)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers: got {workers!r}; expected a whole number >= 1")
    if not timeout > 0:
        raise ValueError(f"timeout: got {timeout!r}; expected seconds > 0")
    return frameworks


def _drive(waiting: List[str], command, limit: int, timeout: float, judge_file, ticker) -> Iterator["FrameworkRun"]:
    """Run a worker per framework of ``waiting``, at most ``limit`` at once, and yield
    each one's run as it ends (``judge_file(run, out)`` reads what a worker that ran
    wrote).  Any exception, and leaving the generator early, kills the workers left."""
    procs: Dict[str, Tuple[_Worker, str]] = {}
    waiting = list(waiting)
    with tempfile.TemporaryDirectory(prefix="unisample-conformance-") as tmp:
        env = worker_env()
        try:
            while waiting or procs:
                while waiting and len(procs) < limit:
                    name = waiting.pop(0)
                    out = os.path.join(tmp, f"{name}.npz")
                    log = open(os.path.join(tmp, f"{name}.log"), "w+")
                    procs[name] = (_Worker(command(name, out), log, env), out)
                if ticker:
                    ticker({name: _progress_of(w.log) or (0, 0) for name, (w, _) in procs.items()})
                for name, (worker, out) in list(procs.items()):
                    code = worker.reap()
                    if code is None and worker.silent_for() < timeout:
                        continue
                    run_ = _ended(name, worker, code, out, timeout)
                    if run_.status == "ran":
                        judge_file(run_, out)
                    worker.log.close()
                    del procs[name]
                    yield run_
                time.sleep(0.1)
        finally:
            for worker, _ in procs.values():
                worker.reap(kill=True)
                worker.log.close()


def run(
    frameworks: Optional[Sequence[str]] = None,
    timeout: float = 300.0,
    progress: Optional[Callable[[FrameworkRun], None]] = None,
    worker_command: Optional[Callable[[str, str], List[str]]] = None,
    is_installed: Callable[[str], bool] = installed,
    quick: bool = False,
    kernels: Optional[Sequence[str]] = None,
    workers: Optional[int] = None,
    ticker: Optional[Callable[[Dict[str, tuple]], None]] = None,
    keep_dir: Optional[str] = None,
    case: Optional[str] = None,
    fuzz: Optional[Tuple[int, int]] = None,
    showcase: bool = False,
) -> List[FrameworkRun]:
    """Run the suite for ``frameworks`` (default: all four).

    At most ``workers`` framework processes run at once (default: all).  A
    worker that writes nothing (no case finished) for ``timeout`` seconds is
    killed and reported "timed out".
    ``quick``, ``kernels`` and ``case`` select cases (``cases.catalogue``).  ``progress``
    is called with each finished ``FrameworkRun``, ``ticker`` with
    ``{framework: (cases done, total)}`` while workers run.
    ``worker_command(framework, out_path)`` gives the worker's argv and
    ``is_installed`` decides which frameworks get one (tests replace both to
    simulate crashing and hanging workers).  With ``keep_dir``, each worker's
    file (a ``unisample record`` file) is kept there as ``<framework>.npz``.
    With ``fuzz=(count, seed)`` the workers run the differential fuzz's cases
    instead of the catalogue (``fuzz.check`` judges them).  With ``showcase``
    each native worker also runs its showcase on the test card, for the
    report's pictures (``FrameworkRun.showcase``).  An exception
    (``KeyboardInterrupt`` included) kills the running workers before it
    propagates.
    """
    frameworks = _checked_arguments(frameworks, workers, timeout)
    selection = ((["--quick"] if quick else []) + (["--kernels", ",".join(kernels)] if kernels else [])
                 + (["--case", case] if case is not None else [])
                 + (["--fuzz", str(fuzz[0]), "--seed", str(fuzz[1])] if fuzz else []))
    pictures = showcase and not fuzz and case is None  # a re-run of one case shows none

    def default_command(fw: str, out: str) -> List[str]:
        return worker_argv(fw, out, *selection, *(["--showcase", out + ".show.npz"] if pictures else []))

    command = worker_command or default_command
    runs: Dict[str, FrameworkRun] = {}
    waiting = []
    for name in frameworks:
        if is_installed(name):
            waiting.append(name)
        else:
            runs[name] = _not_installed(name)
            if progress:
                progress(runs[name])

    def judge_file(run_: FrameworkRun, out: str) -> None:
        if fuzz:
            from .fuzz import check

            check(run_, out, fuzz[0], fuzz[1], case)
        else:
            _check(run_, out, quick, kernels, case)
            if pictures:
                _read_showcase(run_, out + ".show.npz", kernels)
        if keep_dir:
            shutil.copy(out, os.path.join(keep_dir, f"{run_.framework}.npz"))

    # closing: an exception here (Ctrl-C in ``progress``) stops the workers at once
    with contextlib.closing(_drive(waiting, command, workers or len(frameworks), timeout, judge_file,
                                   ticker)) as ended:
        for run_ in ended:
            runs[run_.framework] = run_
            if progress:
                progress(run_)
    return [runs[name] for name in frameworks]


def _judge_replayed(rec, got, k: int, n: int, label: str) -> CaseResult:
    """Case ``n`` of the ``k``-th record ``rec``, replayed (``got``), against its recorded output."""
    import json

    spec = ops.spec_from_dict(json.loads(str(rec[f"spec/{n}"])))
    result = CaseResult(label, ops.family_of(spec), str(rec[f"id/{n}"]), spec.to_dict(), "pass", ops.is_exact(spec))
    if f"err/{k}/{n}" in got or f"out/{n}" not in rec:
        result.verdict = "adapter error" if f"err/{k}/{n}" in got else "not recorded"
        result.message = str(got[f"err/{k}/{n}"]) if f"err/{k}/{n}" in got else ""
        return result
    x, replayed = rec[f"in/{n}"], got[f"out/{k}/{n}"]
    ok, result.adapter_error_eps, result.bound_eps, result.message = judge(spec, x, rec[f"out/{n}"], replayed)
    result.verdict = "pass" if ok else "fail"
    defect = None if ok else native_defect(str(rec["framework"]), spec, x.shape)
    if defect is not None and judge(spec, x, spec.reference(x), replayed)[0]:
        # the recorded output is the native op's known error; the adapter computes the spec
        result.verdict, result.message = "native defect", defect
    return result


def replay(recorded, framework: str, timeout: float = 300.0) -> FrameworkRun:
    """Replay files of ``unisample record`` (a path or a list) through ``framework``'s
    adapter (``numpy`` included), in one worker process, and judge each output
    against the recorded one.  Results are labelled ``<recorded framework> -> <framework>``."""
    files = [recorded] if isinstance(recorded, str) else list(recorded)
    if framework != "numpy" and framework not in ADAPTER_FRAMEWORKS:
        raise ValueError(f"framework: got {framework!r}; expected numpy or one of {', '.join(ADAPTER_FRAMEWORKS)}")
    if not installed(framework):
        return _not_installed(framework)
    for name in files:
        records.validate(name)
    replays = [arg for name in files for arg in ("--replay", name)]

    def judge_file(run_: FrameworkRun, out: str) -> None:
        with np.load(out) as got:
            run_.version = str(got["version"])
            for k, name in enumerate(files):
                with np.load(name) as rec:
                    label = f"{rec['framework']} -> {framework}"
                    count = sum(1 for key in rec.files if key.startswith("in/"))
                    run_.results += [_judge_replayed(rec, got, k, n, label) for n in range(count)]

    command = lambda name, out: worker_argv(framework, out, *replays)  # noqa: E731
    with contextlib.closing(_drive([framework], command, 1, timeout, judge_file, None)) as ended:
        (run_,) = ended
    return run_


def porting_matrix(porting: Sequence[FrameworkRun]) -> Tuple[List[str], List[str], Dict[tuple, tuple]]:
    """``(sources, targets, cells)`` of the porting matrix: the native frameworks
    (in the adapters' order, then the others), the adapters, and per
    ``(source, target)`` ``(passed, cases, worst error in eps or None)``; the
    worst leaves out exact cases and known native defects (far off by nature)."""
    results: Dict[tuple, List[CaseResult]] = {}
    for run_ in porting:
        for r in run_.results:
            results.setdefault((r.framework.split(" -> ")[0], run_.framework), []).append(r)
    targets = [run_.framework for run_ in porting]
    sources = sorted({source for source, _ in results}, key=lambda n: targets.index(n) if n in targets else 99)
    cells = {}
    for key, rs in results.items():
        errors = [r.adapter_error_eps for r in rs
                  if r.adapter_error_eps is not None and not r.exact and r.verdict != "native defect"]
        cells[key] = (sum(r.ok for r in rs), len(rs), max(errors) if errors else None)
    return sources, targets, cells


def porting_cell(cell: Optional[tuple]) -> str:
    """A cell of the porting matrix as text: ``passed/cases (worst N eps)``, or "-"."""
    if cell is None:
        return "-"
    passed, total, worst = cell
    return f"{passed}/{total}" + ("" if worst is None else f" (worst {worst:.1f} eps)")


def merged(parts: Sequence[FrameworkRun]) -> FrameworkRun:
    """One adapter's replays of several batches of record files, as one run: the
    results in order, the seconds summed, the first status that is not "ran"."""
    first = parts[0]
    bad = next((p for p in parts if p.status != "ran"), None)
    return FrameworkRun(first.framework, first.status if bad is None else bad.status,
                        sum(p.seconds for p in parts), "" if bad is None else bad.message,
                        next((p.version for p in parts if p.version), ""),
                        [r for p in parts for r in p.results])


class Porting:
    """Every native record replayed through every adapter (``replay``), started
    before the last native worker ends.

    The native workers end one by one and the slowest runs alone at the end;
    waiting for it would leave the other cores idle.  So the records written
    so far are replayed as soon as one native worker is left (``ended``: call
    it with each finished native run), and ``finish`` replays the records that
    came after; at most ``workers`` processes run at once, that native worker
    included.  Each adapter's batches
    are one run in the end (``merged``), its results in the order of
    ``order`` (the native frameworks as listed)."""

    def __init__(self, targets: Sequence[str], expected: int, timeout: float, workers: int = 2):
        self.targets, self.expected, self.timeout = list(targets), expected, timeout
        self.records: Dict[str, str] = {}  # native framework -> its record file
        self.ended_count = 0
        self._replayed: List[str] = []
        self._futures: List[tuple] = []  # (target, future)
        self._pool = ThreadPoolExecutor(max_workers=workers)
        # ``workers`` processes at once in all: the last native worker holds a
        # slot while it runs beside the replays
        self._slots = threading.Semaphore(workers)
        self._native_slot = False
        self._native_seconds: Dict[str, float] = {}

    def ended(self, run_: FrameworkRun, record: Optional[str]) -> None:
        """A native worker ended (``record``: its file, None where it wrote no result)."""
        self.ended_count += 1
        self._native_seconds[run_.framework] = run_.seconds
        if record is not None:
            self.records[run_.framework] = record
        if self.ended_count == self.expected - 1 and self.expected > 1:
            self._native_slot = self._slots.acquire(blocking=False)
            self._start()
        elif self.ended_count == self.expected and self._native_slot:
            self._native_slot = False
            self._slots.release()

    def _replay(self, files: List[str], target: str) -> FrameworkRun:
        with self._slots:
            return replay(files, target, self.timeout)

    def _start(self) -> None:
        batch = [name for name in self.records if name not in self._replayed]
        if not batch:
            return
        self._replayed += batch
        files = [self.records[name] for name in batch]
        # the slowest first, so that the others fill the cores beside it: a
        # framework's native run says how slow it is (the one still running most)
        slowest = sorted(self.targets, key=lambda t: -self._native_seconds.get(t, float("inf")))
        for target in slowest:
            self._futures.append((target, self._pool.submit(self._replay, files, target)))

    def finish(self, order: Sequence[str]) -> List[FrameworkRun]:
        """Replay what is left and wait: one run per target replayed, native
        cases of its own or not (JAX has no pixel-shuffle op, yet its adapter
        replays everyone's), its results grouped by record in ``order`` (the
        native frameworks whose records were replayed)."""
        try:
            self._start()
            parts: Dict[str, List[FrameworkRun]] = {}
            for target, future in self._futures:
                parts.setdefault(target, []).append(future.result())
        except BaseException:  # Ctrl-C, SIGTERM: stop the replays now, start no queued one
            self.close()
            raise
        self._pool.shutdown()
        rank = {name: k for k, name in enumerate(order)}
        runs = []
        for target in self.targets:
            if target in parts:
                run_ = merged(parts[target])
                run_.results.sort(key=lambda r: rank.get(r.framework.split(" -> ")[0], len(rank)))
                runs.append(run_)
        return runs

    def close(self) -> None:
        """Stop every replay now and start no queued one (an interrupted run)."""
        stop_workers()
        self._pool.shutdown(wait=False, cancel_futures=True)
        stop_workers()  # one a thread started meanwhile
