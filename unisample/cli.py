"""The ``unisample`` command.

    unisample conformance [--frameworks torch,paddle] [--modes cubic,linear] [--quick]
                          [--json PATH] [--html PATH] [--case TEXT] [--workers N]
    unisample conformance --fuzz N [--seed S] [--frameworks ...] [--case TEXT]
    unisample record / compare / port / scan / resize   (``unisample CMD --help``)

``conformance`` runs every installed framework's native resize on the case
matrix, each in its own process, and checks the float64 reference and the
numpy adapter against it.

Exit status (every command): 0 success; 1 a comparison failed; 2 a usage or
input error (one line on stderr, no traceback; ``--debug`` shows it);
3 nothing was compared (no framework installed, no case selected);
130 interrupted (SIGINT), 143 terminated (SIGTERM).  Files are written
atomically (``unisample.files``): a failure leaves the old file as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import tempfile
import time
from collections import defaultdict
from typing import List, Optional

from .files import atomic_copy, atomic_write, check_output

#: exit statuses (module docstring)
OK, FAILED, ERROR, NOTHING_COMPARED, INTERRUPTED, TERMINATED = 0, 1, 2, 3, 130, 143


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks clean up
    (workers killed, temporary files removed) as for Ctrl-C."""


class CommandError(Exception):
    """An error ``main`` prints as one line, exiting with ``status``."""

    def __init__(self, message: str, status: int = ERROR):
        super().__init__(message)
        self.status = status


def _families(run) -> List[tuple]:
    """``(family, results)`` of a run, sorted by family (for the fuzz: by path)."""
    families = defaultdict(list)
    for r in run.results:
        families[r.family].append(r)
    return sorted(families.items())


def _summary_rows(runs) -> List[list]:
    rows = []
    for run in runs:
        if run.status != "ran":
            rows.append([run.framework, run.status, "", "", "", "", "", ""])
            continue
        for family, results in _families(run):
            failed = sum(not r.ok for r in results)
            exact = all(r.exact for r in results)

            def worst(attr, results=results):  # a known native defect is far off by nature: not unisample's
                values = [getattr(r, attr) for r in results
                          if getattr(r, attr) is not None and r.verdict != "native defect"]
                return f"{max(values):.1f}" if values else "-"

            rows.append([
                run.framework, family, str(len(results)), str(len(results) - failed), str(failed),
                "exact" if exact and not failed else worst("reference_error_eps"),
                "exact" if exact and not failed else worst("numpy_error_eps"),
                "exact" if exact else worst("bound_eps"),
            ])
    return rows


def _porting_table(porting) -> tuple:
    """(header, rows) of the porting matrix: native framework x adapter, passed/cases and worst eps."""
    from unisample.conformance.runner import porting_cell, porting_matrix

    sources, targets, cells = porting_matrix(porting)
    rows = [[source] + [porting_cell(cells.get((source, target))) for target in targets] for source in sources]
    return ["native \\ adapter"] + targets, rows


def _table(header: List[str], rows: List[list], left: int = 2) -> str:
    """Plain-text table; the first ``left`` columns are left-aligned, the rest right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join(line(cells).rstrip() for cells in [header, ["-" * w for w in widths], *rows])


def conformance(args) -> int:
    """``unisample conformance``: the catalogue, or the fuzz with ``--fuzz``."""
    if args.fuzz is not None:
        return fuzz_conformance(args)
    if args.frameworks and "numpy" in args.frameworks:
        raise CommandError("--frameworks: numpy has no native op of its own to check; it is checked in every run "
                           "(and with --fuzz, its adapter alone: --fuzz N --frameworks numpy)")
    _check_outputs(args)
    print("unisample conformance: each framework's native resize and pixel-shuffle ops, in its own process, "
          "against the float64 reference and the numpy adapter", flush=True)
    runs, porting = _run_catalogue(args)
    defects = _print_catalogue_report(runs, porting)
    _write_reports(args, runs, porting)
    failed = any(run.failed for run in runs + porting)
    compared = sum(len(run.results) for run in runs)
    if not failed and not compared:
        _nothing_compared(runs, args)
    known = f", except the {len(defects)} known native defects above" if defects else ""
    print("\nFAILED" if failed else f"\nOK: {compared} native outputs of {len([r for r in runs if r.results])} "
          f"framework(s) are reproduced{known}")
    return FAILED if failed else OK


def _progress_printers(tty: bool):
    """``(progress, ticker)`` for ``runner.run``: a line per finished framework, and
    on a terminal one line of bars while workers run (nothing in logs and pipes)."""
    def progress(run):
        extra = f"{len(run.results)} cases" if run.status == "ran" else run.message.splitlines()[0][:200]
        print(("\r\033[K" if tty else "") + f"  {run.framework:<11} {run.status} ({run.seconds:.1f} s) {extra}",
              flush=True)

    def ticker(states):
        if tty and states:
            bars = []
            for name, (done, total) in sorted(states.items()):
                filled = int(20 * done / total) if total else 0
                bars.append(f"{name} [{'#' * filled}{'.' * (20 - filled)}] {done}/{total or '?'}")
            print("\r\033[K  " + "  ".join(bars), end="", flush=True)

    return progress, ticker


def _run_catalogue(args) -> tuple:
    """``(runs, porting)``: every framework's worker on the catalogue, and every
    native output replayed through every installed adapter (``runner.Porting``:
    the replays start while the last native worker still runs)."""
    from unisample.conformance import runner
    from unisample.conformance.cases import ADAPTER_FRAMEWORKS

    progress, ticker = _progress_printers(sys.stdout.isatty())
    timeout = args.timeout or 300.0
    frameworks = list(args.frameworks or runner.FRAMEWORKS)
    expected = [name for name in frameworks if runner.installed(name)]
    with tempfile.TemporaryDirectory(prefix="unisample-recorded-") as keep:
        porting = None if args.no_porting else runner.Porting(
            [name for name in expected if name in ADAPTER_FRAMEWORKS], len(expected), timeout, args.workers or 2)

        def ended(run):
            progress(run)
            if porting is not None and run.status != "not installed":
                found = run.status == "ran" and run.results
                porting.ended(run, os.path.join(keep, f"{run.framework}.npz") if found else None)

        try:
            runs = runner.run(frameworks, timeout=timeout, progress=ended, ticker=ticker, quick=args.quick,
                              kernels=args.modes, workers=args.workers, keep_dir=keep, case=args.case,
                              showcase=bool(args.html))
            ran = [run.framework for run in runs if run.status == "ran" and run.results]
            if not ran or porting is None:
                if porting is not None:
                    porting.close()
                return runs, []
            print("  porting: every native output above through every installed adapter ...", flush=True)
            replays = porting.finish(ran)
        except BaseException:
            if porting is not None:
                porting.close()
            raise
    for run in replays:
        print(f"  {run.framework:<11} adapter {run.status} ({run.seconds:.1f} s) {len(run.results)} cases", flush=True)
    return runs, replays


def _print_catalogue_report(runs, porting) -> list:
    """The summary, the porting matrix, the known native defects and the failures
    with the commands that re-run them; the defects' results."""
    print()
    print(_table(["framework", "family", "cases", "passed", "failed", "worst ref (eps)", "worst numpy (eps)",
                  "bound (eps)"], _summary_rows(runs)))
    if porting:
        print("\nporting matrix: native outputs (rows) reproduced by each adapter (columns), passed/cases")
        header, rows = _porting_table(porting)
        print(_table(header, rows, left=99))
    defects = [r for run in runs for r in run.results if r.verdict == "native defect"]
    if defects:
        print(f"\n{len(defects)} case(s) where the framework's own op is known to be wrong (README 'When a native "
              "op is wrong'); unisample computes the spec there, and adapters never call that op for it:")
        for r in defects[:10]:
            print(f"  {r.case}\n      {r.message}")
    failures = [r for run in runs + porting for r in run.results if not r.ok]
    if failures:
        print(f"\n{len(failures)} failing case(s), each with the command that re-runs it alone:")
        for r in failures[:25]:
            involved = ",".join(dict.fromkeys(r.framework.split(" -> ")))  # native, then adapter if porting
            print(f"  [{r.verdict}] {r.framework}: {r.case}\n      spec {r.spec}\n      {r.message}\n"
                  f"      unisample conformance --frameworks {involved} --case {shlex.quote(r.case)}")
    return defects


def _write_reports(args, runs, porting) -> None:
    """``--json`` and ``--html``, each written atomically."""
    if args.json:
        with atomic_write(args.json) as f:
            json.dump({"schema": "unisample.conformance/1", "runs": [run.to_dict() for run in runs],
                       "porting": [run.to_dict() for run in porting]}, f, indent=1)
        print(f"\nwrote {args.json}")
    if args.html:
        from unisample.conformance import report

        with atomic_write(args.html) as f:
            f.write(report.render(runs, porting))
        print(f"wrote {args.html}")


def _check_outputs(args) -> None:
    """The report paths, checked before the long run that ends in writing them."""
    if getattr(args, "json", None):
        check_output(args.json, (".json",), what="--json")
    if getattr(args, "html", None):
        check_output(args.html, (".html", ".htm"), what="--html")


def _nothing_compared(runs, args) -> None:
    """``CommandError`` (exit 3) saying why a run that failed nothing compared nothing."""
    missing = [run.framework for run in runs if run.status == "not installed"]
    if not any(run.status == "ran" for run in runs):
        from unisample.conformance.cases import module_name
        from unisample.optional import install_hint

        hint = install_hint(module_name(missing[0])) if len(missing) == 1 else "pip install 'unisample[all-cpu]'"
        raise CommandError(f"nothing was compared: {', '.join(missing)} not installed ({hint})", NOTHING_COMPARED)
    selection = [f"--{name} {getattr(args, name)!r}" for name in ("case", "modes") if getattr(args, name, None)]
    raise CommandError(f"nothing was compared: no case matches {' '.join(selection) or 'the selection'}",
                       NOTHING_COMPARED)


def _fuzz_rows(runs) -> List[list]:
    """The fuzz's table: per framework and path, outputs, passed, failed, skipped and
    the worst error as a share of its own bound (dtypes differ from case to case)."""
    rows = []
    for run in runs:
        if run.status != "ran":
            rows.append([run.framework, run.status, "", "", "", "", ""])
            continue
        for path, results in _families(run):
            failed = sum(not r.ok for r in results)
            skipped = sum(r.verdict == "skipped" for r in results)
            shares = [r.reference_error_eps / r.bound_eps for r in results
                      if r.reference_error_eps is not None and r.bound_eps and r.verdict == "pass"]
            rows.append([run.framework, path, str(len(results)), str(len(results) - failed - skipped), str(failed),
                         str(skipped), f"{100 * max(shares):.1f}%" if shares else "exact"])
    return rows


def _print_fuzz_notes(runs, seed: int) -> list:
    """Why outputs were skipped, and each failure with the command that replays its case;
    the failures as ``(run, result)``."""
    from unisample.conformance import fuzz

    skips = sorted({r.message[:120] for run in runs for r in run.results if r.verdict == "skipped"})
    for why in skips[:5]:
        print(f"  skipped (the framework has no arrays of that dtype): {why}")
    failures = [(run, r) for run in runs for r in run.results if not r.ok]
    if failures:
        print(f"\n{len(failures)} failing output(s), each with the command that re-runs its case alone:")
        for run, r in failures[:25]:
            print(f"  [{r.verdict}] {run.framework} {r.family}: {r.case}\n      {r.message}\n"
                  f"      {fuzz.replay_command(fuzz.case_of(seed, r.case), run.framework)}")
    return failures


def fuzz_conformance(args) -> int:
    """``unisample conformance --fuzz N``: the differential fuzz on every installed framework."""
    print(f"unisample conformance --fuzz {args.fuzz} --seed {args.seed}: random specs and inputs through every "
          "installed adapter, its taps path and the native op its table claims, against the float64 reference",
          flush=True)
    runs = _run_fuzz(args)
    return _report_fuzz(runs, args)


def _print_fuzz_progress(run) -> None:
    """One line per framework as its fuzz run ends."""
    extra = f"{len(run.results)} outputs" if run.status == "ran" else run.message.splitlines()[0][:200]
    print(f"  {run.framework:<11} {run.status} ({run.seconds:.1f} s) {extra}", flush=True)


def _run_fuzz(args) -> list:
    """The fuzz's runs: numpy's adapter in this process (unless ``--frameworks`` leaves
    it out), then the other frameworks, each in its worker; a ``CommandError`` (after
    numpy's run) for a framework the fuzz cannot check."""
    from unisample.conformance import fuzz, runner

    frameworks, count = args.frameworks, args.fuzz
    runs = [] if frameworks and "numpy" not in frameworks else [fuzz.check_numpy(count, args.seed, args.case)]
    for run in runs:
        _print_fuzz_progress(run)
    others = _fuzz_workers(frameworks)
    if others:
        # a worker compiles or dispatches each case afresh: the default timeout grows with the count
        timeout = args.timeout if args.timeout is not None else 300.0 + 0.5 * count
        runs += runner.run(others, timeout=timeout, progress=_print_fuzz_progress, workers=args.workers,
                           case=args.case, fuzz=(count, args.seed))
    return runs


def _fuzz_workers(frameworks: Optional[List[str]]) -> List[str]:
    """The frameworks of ``--frameworks`` (default: every one the fuzz checks) that run
    in a worker; a ``CommandError`` for one without an adapter (Pillow, OpenCV)."""
    from unisample.conformance.cases import ADAPTER_FRAMEWORKS

    fuzzed = ADAPTER_FRAMEWORKS + ("onnxruntime",)  # what has arrays of its own (Pillow, OpenCV: numpy's)
    unfuzzed = [f for f in frameworks or () if f != "numpy" and f not in fuzzed]
    if unfuzzed:
        raise CommandError(f"--fuzz checks adapters: {', '.join(unfuzzed)} has none (its images are numpy arrays: "
                           f"--frameworks numpy); expected some of numpy, {', '.join(fuzzed)}")
    return [f for f in (frameworks or fuzzed) if f != "numpy"]


def _report_fuzz(runs, args) -> int:
    """Print the fuzz's table, notes and verdict; the exit status."""
    from unisample.conformance import fuzz
    from unisample.shuffle import is_shuffle

    print()
    print(_table(["framework", "path", "outputs", "passed", "failed", "skipped", "worst / bound"], _fuzz_rows(runs)))
    failures = _print_fuzz_notes(runs, args.seed)
    compared = sum(r.verdict != "skipped" for run in runs for r in run.results)
    failed = bool(failures) or any(run.failed for run in runs)
    if not compared and not failed:
        _nothing_compared(runs, args)
    drawn = fuzz.cases(args.fuzz, args.seed, args.case)
    shuffles = sum(is_shuffle(c.spec) for c in drawn)
    print("\nFAILED" if failed else f"\nOK: {compared} outputs of {len(drawn) - shuffles} random resizes and "
          f"{shuffles} pixel shuffles equal the reference")
    return FAILED if failed else OK


def record(args) -> int:
    import subprocess

    from unisample.conformance.runner import installed, worker_argv, worker_env
    from unisample.optional import install_hint

    check_output(args.output, (".npz",), what="--output")
    if not installed(args.framework):
        raise CommandError(f"{args.framework} is not installed: {install_hint(args.framework)}", NOTHING_COMPARED)
    with tempfile.TemporaryDirectory(prefix="unisample-record-") as tmp:
        # the worker writes into a directory of ours, which goes with it if the worker is killed
        out = os.path.join(tmp, "record.npz")
        command = worker_argv(args.framework, out)
        if args.quick:
            command.append("--quick")
        if args.modes:
            command += ["--kernels", ",".join(args.modes)]
        proc = subprocess.run(command, capture_output=True, text=True, env=worker_env())
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:] or [f"status {proc.returncode}"]
            raise CommandError(f"recording {args.framework} failed (worker status {proc.returncode}): {tail[0]}",
                               FAILED)
        import numpy as np

        with np.load(out) as data:
            count = sum(1 for key in data.files if key.startswith("in/"))
            version = data["version"]
        if not count:
            raise CommandError(f"nothing was recorded: no case matches --modes {','.join(args.modes or [])}",
                               NOTHING_COMPARED)
        atomic_copy(out, args.output)
    print(f"recorded {count} native {args.framework} {version} cases (inputs, specs, outputs) to {args.output}")
    return OK


def _compare_rows(run) -> List[list]:
    """``unisample compare``'s table: per family, cases, passed, failed and the worst
    error (a known native defect is far off by nature: not the adapter's figure)."""
    rows = []
    for family, results in _families(run):
        failed = sum(not r.ok for r in results)
        errors = [r.adapter_error_eps for r in results
                  if r.adapter_error_eps is not None and r.verdict != "native defect"]
        exact = all(r.exact for r in results)
        rows.append([run.framework, family, str(len(results)), str(len(results) - failed), str(failed),
                     "exact" if exact and not failed else (f"{max(errors):.1f}" if errors else "-")])
    return rows


def compare(args) -> int:
    """``unisample compare``: a record replayed through one adapter."""
    from unisample.conformance import runner

    if args.json:
        check_output(args.json, (".json",), what="--json")
    run = runner.replay(args.recorded, args.framework, timeout=args.timeout)
    print(f"unisample compare: {args.recorded} replayed through the {args.framework} adapter")
    if run.status == "not installed":
        raise CommandError(f"{args.framework} is not installed: {run.message}", NOTHING_COMPARED)
    if run.status != "ran":
        print(f"  {run.status}: {run.message}")
        return FAILED
    rows = _compare_rows(run)
    print(_table(["framework", "family", "cases", "passed", "failed", "worst (eps)"], rows))
    failures = [r for r in run.results if not r.ok]
    for r in failures[:25]:
        print(f"  [{r.verdict}] {r.case}\n      spec {r.spec}\n      {r.message}")
    if args.json:
        with atomic_write(args.json) as f:
            json.dump({"schema": "unisample.compare/1", "runs": [run.to_dict()]}, f, indent=1)
    if not run.results:
        raise CommandError(f"nothing was compared: {args.recorded} holds no case", NOTHING_COMPARED)
    defects = sum(r.verdict == "native defect" for r in run.results)
    known = (f", except {defects} where the recorded op is known to be wrong (README 'When a native op is wrong'; "
             "the adapter computes the spec there)") if defects else ""
    print("\nFAILED" if failures else f"\nOK: {len(run.results)} recorded outputs are reproduced{known}")
    return FAILED if failures else OK


def port(args) -> int:
    from unisample import porting

    spec, translations = porting.port(args.configuration, to=args.to, rank=args.rank)
    print(porting.render(spec, translations, source=args.configuration))
    return OK


def _load_model(target: str, kwargs: Optional[dict] = None):
    """A path (.onnx, .keras) as is, or ``package.module:attribute`` imported (called,
    with ``kwargs``, when it is a function or class that builds the model)."""
    if os.path.exists(target) or ":" not in target:
        if not os.path.exists(target):
            raise CommandError(f"{target!r} does not exist; expected a .onnx or .keras file or "
                               "package.module:attribute")
        if kwargs is not None:
            raise CommandError(f"--kwargs: {target} is a model file, not a builder; drop --kwargs")
        return target
    import importlib

    module_name, _, attribute = target.partition(":")
    # The current directory goes last, so that a local file named like an
    # installed package (torch.py) cannot shadow it.
    here = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", here)] + [here]
    try:
        obj = importlib.import_module(module_name)
    except ImportError as e:
        raise CommandError(f"cannot import {module_name!r}: {e}") from None
    for part in attribute.split("."):
        if not hasattr(obj, part):
            raise CommandError(f"{module_name!r} has no attribute {attribute!r}")
        obj = getattr(obj, part)
    from unisample import scanning

    if callable(obj) and not scanning.is_model(obj):
        shown = ", ".join(f"{k}={v!r}" for k, v in (kwargs or {}).items())
        try:
            obj = obj(**(kwargs or {}))
        except Exception as e:
            raise CommandError(f"building the model with {target}({shown}) failed: {type(e).__name__}: "
                               f"{_one_line(e)} (name an instance as module:attribute, or a builder and the "
                               "--kwargs it needs, without downloads)") from None
    elif kwargs is not None:
        raise CommandError(f"--kwargs: {target} is a model, not a builder; drop --kwargs or name the function "
                           "or class that builds it")
    return obj


#: the dtypes --dtype takes: floating ones (a random N(0, 1) input)
SCAN_DTYPES = ("float32", "float64", "float16", "bfloat16")


def _example_input(model, shape: List[int], dtype: str):
    """A seeded N(0, 1) input of ``shape`` for ``model``: a tensor of its framework
    (made by the adapter), or a numpy array for one unisample has no adapter of."""
    import numpy as np

    from unisample import adapters, scanning

    source = scanning.source_of(model)
    if not scanning.runs(model):
        raise CommandError(f"--input-shape: {source} models are not scanned by running yet; scan without it")
    x = np.random.default_rng(0).standard_normal(shape)
    if source not in adapters.FRAMEWORKS:  # ONNX: only the shape is read
        return x.astype("float32" if dtype == "bfloat16" else dtype)
    return adapters.get_adapter(source).from_numpy(x.astype(np.float32), dtype=dtype)


def _print_port_risk(model, example, args) -> None:
    """``port_risk.render`` for the frameworks of ``--to`` (ONNX is a graph: its verdicts say it all)."""
    from unisample import port_risk, scanning

    frameworks = [t for t in args.to if t != "onnx"]
    if not frameworks or scanning.source_of(model) == "onnx":
        return
    try:
        risks = port_risk.port_risk(model, example, to=frameworks)
    except Exception as e:
        raise CommandError(f"measuring the port risk of {args.model} failed: {type(e).__name__}: "
                           f"{_one_line(e)}") from None
    print()
    print(port_risk.render(risks))


def scan(args) -> int:
    from unisample import scanning

    if args.rewrite:
        check_output(args.rewrite, scanning.rewrite_suffixes(), what="--rewrite")
    model = _load_model(args.model, args.kwargs)
    example = _example_input(model, args.input_shape, args.dtype) if args.input_shape else None
    try:
        found = scanning.scan(model, to=args.to, example_input=example)
    except Exception as e:
        if example is None or isinstance(e, CommandError):
            raise
        # the model's own failure (a wrong channel count...), not unisample's
        shape = ",".join(str(n) for n in args.input_shape)
        raise CommandError(f"running {args.model} on a random {shape} {args.dtype} input failed: "
                           f"{type(e).__name__}: {_one_line(e)}") from None
    print(scanning.render(found, label=f"{args.model}: "))
    if example is not None and args.to:
        _print_port_risk(model, example, args)
    if args.rewrite:
        done = scanning.rewrite_to(model, args.rewrite)
        print(f"\nwrote {args.rewrite}")
        print(done.summary())
    return OK



def resize_command(args) -> int:
    from unisample import image

    size = image.parse_size(args.size) if args.size is not None else None
    antialias = False if args.no_antialias else None
    start = time.perf_counter()
    done = image.resize_file(args.input, args.output, size=size, scale=args.scale, fit=args.fit, mode=args.mode,
                             antialias=antialias, framework=args.framework, quality=args.quality,
                             max_pixels=args.max_pixels)
    (w, h), (ow, oh) = done.input_size, done.output_size
    print(f"{args.input} ({w}x{h} {done.mode}) -> {args.output} ({ow}x{oh}), {args.mode}"
          f"{', antialiased' if done.antialiased else ''}, {args.framework}, "
          f"{(time.perf_counter() - start) * 1e3:.0f} ms")
    return OK


def _shape(text: str) -> List[int]:
    """An argparse type: a comma-separated list of positive ints (an input shape)."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() and int(p) > 0 for p in parts):
        raise argparse.ArgumentTypeError(f"got {text!r}; expected comma-separated positive ints such as 1,3,224,224")
    return [int(p) for p in parts]


def _json_kwargs(text: str) -> dict:
    """An argparse type: a JSON object of keyword arguments (``{"weights": null}``)."""
    try:
        value = json.loads(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"got {text!r}: not JSON ({e}); expected an object such as "
                                         '\'{"weights": null}\'') from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a JSON object of keyword arguments such as "
                                         '\'{"weights": null}\'')
    return value


def _float_dtype(text: str) -> str:
    """An argparse type: a floating dtype name."""
    if text not in SCAN_DTYPES:
        raise argparse.ArgumentTypeError(f"got {text!r}; expected a float dtype among {', '.join(SCAN_DTYPES)}")
    return text


def _choices(allowed, what: str):
    """An argparse type: a comma-separated subset of ``allowed`` (a list, duplicates dropped)."""
    def parse(text: str) -> List[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        if not names:
            raise argparse.ArgumentTypeError(f"got {text!r}; expected a comma-separated list of {what}: "
                                             f"{', '.join(allowed)}")
        for name in names:
            if name not in allowed:
                raise argparse.ArgumentTypeError(f"got {name!r}; expected {what} among {', '.join(allowed)}")
        return list(dict.fromkeys(names))
    return parse


def _kernels(text: str) -> List[str]:
    """``--modes``: kernels (nearest, linear, ...), mode names (bilinear -> linear)
    or ``shuffle`` (the pixel shuffles: ``ops.kernel_of``)."""
    from unisample.ops import SHUFFLE_KERNEL
    from unisample.spec import MODES

    kernels = list(dict.fromkeys(kernel for kernel, _, _ in MODES.values())) + [SHUFFLE_KERNEL]
    names = _choices(kernels + [m for m in MODES if m not in kernels], "kernels or modes")(text)
    return list(dict.fromkeys(MODES[n][0] if n in MODES else n for n in names))


def _positive(kind, what: str):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"got {text!r}; expected {what}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"got {text!r}; expected {what}")
        return value
    return parse


def _parser() -> argparse.ArgumentParser:
    from unisample import __version__, porting
    from unisample.adapters import FRAMEWORKS as ADAPTERS
    from unisample.conformance.cases import FRAMEWORKS
    from unisample.image import FITS, MODES as IMAGE_MODES
    from unisample.kernels import KERNELS

    targets, prefixes = list(porting.TARGETS), porting.prefixes()

    formatter = argparse.ArgumentDefaultsHelpFormatter
    parser = argparse.ArgumentParser(prog="unisample", description="Same resize numbers in every framework.",
                                     epilog="Exit status: 0 success, 1 a comparison failed, 2 usage or input error, "
                                            "3 nothing was compared, 130/143 interrupted.",
                                     formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"unisample {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    workers = _positive(int, "a whole number of processes >= 1")
    seconds = _positive(float, "seconds > 0")
    p = sub.add_parser("conformance", help="check the reference and adapters against native resize ops",
                       description="Run every installed framework's native resize on the case catalogue, each in "
                                   "its own process, and check unisample against it.", formatter_class=formatter)
    p.add_argument("--frameworks", type=_choices(list(FRAMEWORKS) + ["numpy"], "frameworks"), metavar="LIST",
                   help=f"comma-separated subset of {','.join(FRAMEWORKS)} (with --fuzz also numpy); default: all")
    p.add_argument("--json", metavar="PATH", help="write every case's result as JSON")
    p.add_argument("--html", metavar="PATH", help="write the HTML report (heatmap, pictures, atlas)")
    p.add_argument("--case", metavar="TEXT", help="only cases whose id contains TEXT")
    p.add_argument("--modes", type=_kernels, metavar="LIST",
                   help=f"comma-separated kernels ({','.join(KERNELS)}), modes (bilinear, ...) or shuffle "
                        "(pixel shuffles); default: all")
    p.add_argument("--quick", action="store_true", help="every fourth case of each mode family")
    p.add_argument("--workers", type=workers, metavar="N", help="framework processes at once; default: all")
    p.add_argument("--no-porting", action="store_true",
                   help="skip replaying every native output through every installed adapter")
    p.add_argument("--timeout", type=seconds, metavar="S",
                   help="give up on a framework's worker when no case finished for S seconds; default 300 "
                        "(with --fuzz N, 300 + N / 2)")
    p.add_argument("--fuzz", type=workers, metavar="N",
                   help="instead of the catalogue: N random specs and inputs through every adapter, its taps path "
                        "and the native ops its table claims, against the reference (README 'Differential fuzz')")
    p.add_argument("--seed", type=int, default=0, help="with --fuzz: which random cases")
    p.set_defaults(func=conformance)
    p = sub.add_parser("record", help="store one framework's native outputs (inputs, specs, outputs) in a file",
                       formatter_class=formatter)
    p.add_argument("--framework", required=True, choices=list(FRAMEWORKS), help="whose native op to record")
    p.add_argument("-o", "--output", required=True, metavar="PATH.npz", help="the record file to write")
    p.add_argument("--quick", action="store_true", help="every fourth case of each mode family")
    p.add_argument("--modes", type=_kernels, metavar="LIST", help="comma-separated kernels or modes; default: all")
    p.set_defaults(func=record)
    p = sub.add_parser("compare", help="replay a recorded file through another framework's adapter",
                       formatter_class=formatter)
    p.add_argument("recorded", metavar="PATH.npz", help="a file written by unisample record")
    p.add_argument("--framework", required=True, choices=list(ADAPTERS), help="whose adapter replays it")
    p.add_argument("--json", metavar="PATH", help="write every case's result as JSON")
    p.add_argument("--timeout", type=seconds, default=300.0, metavar="S",
                   help="give up when no case finished for S seconds")
    p.set_defaults(func=compare)
    p = sub.add_parser("port", help="translate a resize configuration to the other frameworks",
                       formatter_class=formatter,
                       description="Print, per target framework, the native call that reproduces a resize "
                                   "configuration exactly, or the unisample layer to use and why the native "
                                   "one differs.  Example: unisample port \"torch: nn.Upsample(scale_factor=2, "
                                   "mode='bilinear', align_corners=True)\" --to keras")
    p.add_argument("configuration", help=f"'framework: call(...)', framework one of {', '.join(prefixes)}; "
                                          "literal arguments only (parsed, never run)")
    p.add_argument("--to", type=_choices(targets, "targets"),
                   metavar="LIST", help=f"comma-separated targets: {','.join(targets)}; default: all others")
    p.add_argument("--rank", type=int, choices=[1, 2, 3],
                   help="spatial axes where the configuration leaves it open; default 2")
    p.set_defaults(func=port)
    p = sub.add_parser("scan", help="list every resize of a model and where it ports natively",
                       formatter_class=formatter)
    p.add_argument("model", help="a .onnx or .keras file, or package.module:attribute naming a torch module, "
                                 "Keras model or paddle Layer (or a function building one)")
    p.add_argument("--to", type=_choices(targets, "targets"),
                   metavar="LIST", help="comma-separated targets; default: every framework but the model's own. "
                                        "With --input-shape, also the port risk for each framework named: how much "
                                        "each resize and the model's output change if ported with its native ops")
    p.add_argument("--kwargs", type=_json_kwargs, metavar="JSON",
                   help="keyword arguments (a JSON object) for a MODEL that names a builder, "
                        "such as '{\"weights\": null}'")
    p.add_argument("--rewrite", metavar="OUT.keras",
                   help="Keras models: save a copy whose resize layers are unisample layers")
    p.add_argument("--input-shape", type=_shape, metavar="N,C,H,W",
                   help="scan by running: run a torch, Keras or paddle model once on a random input of this shape "
                        "and record every resize as it executes (F.interpolate in forward, keras.ops.image.resize "
                        "in a Lambda or a call included, sizes computed from shapes known); ONNX models: fix the "
                        "graph's dynamic shapes")
    p.add_argument("--dtype", type=_float_dtype, default="float32",
                   help=f"the random input's dtype, one of {', '.join(SCAN_DTYPES)}; default float32")
    p.set_defaults(func=scan)
    p = sub.add_parser("resize", help="resize an image file (PNG, JPEG, TIFF, ...; 8/16-bit, float)",
                       formatter_class=formatter,
                       description="Resize an image file with a unisample spec: integer pixels rounded half up "
                                   "and saturated after each axis pass; antialiased when shrinking; EXIF "
                                   "orientation applied; alpha premultiplied; depth kept.  The output is written "
                                   "atomically: a failure leaves an existing file as it was.")
    p.add_argument("input", help="the image file to read")
    p.add_argument("output", help="the image file to write (its extension picks the format); may be the input")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--size", help="WIDTHxHEIGHT, or N for an N x N box")
    how.add_argument("--scale", type=_positive(float, "a positive number"), help="both sides times this")
    p.add_argument("--fit", choices=list(FITS), default="contain",
                   help="with --size: fit inside the box, fill it and crop the centre, or stretch")
    p.add_argument("--mode", choices=list(IMAGE_MODES), default="bicubic", help="the filter")
    p.add_argument("--no-antialias", action="store_true", help="do not widen the kernel when shrinking")
    p.add_argument("--framework", choices=list(ADAPTERS), default="numpy",
                   help="whose adapter computes it (the same numbers)")
    p.add_argument("--quality", type=int, default=95, choices=range(1, 101), metavar="1-100",
                   help="JPEG quality")
    p.add_argument("--max-pixels", type=workers, metavar="N",
                   help="the most pixels an input or output may have; default: Pillow's decompression-bomb "
                        "limit (89478485)")
    p.set_defaults(func=resize_command)
    return parser


def _terminate(signum, frame):
    raise Terminated()


def main(argv: Optional[List[str]] = None) -> int:
    """Run ``unisample`` with ``argv``; the exit status (module docstring)."""
    parser = _parser()
    args = parser.parse_args(argv)
    command = f"unisample {args.command}"
    previous = None
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread (a test calling main): no handler, nothing to restore
        pass
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"\n{command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Terminated:
        print(f"\n{command}: terminated", file=sys.stderr)
        return TERMINATED
    except CommandError as e:
        if args.debug:
            raise
        print(f"{command}: {e}", file=sys.stderr)
        return e.status
    except (ValueError, TypeError, OSError, ImportError) as e:  # bad input, files, missing extras
        if args.debug:
            raise
        print(f"{command}: {_one_line(e)}", file=sys.stderr)
        return ERROR
    except MemoryError:
        if args.debug:
            raise
        print(f"{command}: out of memory", file=sys.stderr)
        return ERROR
    except Exception as e:  # a defect of unisample's: still one line, with the way to see more
        if args.debug:
            raise
        print(f"{command}: internal error: {type(e).__name__}: {_one_line(e)} (rerun with --debug for the "
              "traceback, and please report it)", file=sys.stderr)
        return ERROR
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _one_line(error: BaseException) -> str:
    """An exception's message on one line (frameworks' messages span several)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 1000 else text[:997] + "..."


if __name__ == "__main__":
    sys.exit(main())
