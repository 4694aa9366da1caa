"""The ``unisample`` command.

    unisample conformance [--frameworks torch,paddle] [--modes cubic,linear] [--quick]
                          [--json PATH] [--html PATH] [--case TEXT] [--workers N]
    unisample conformance --fuzz N [--seed S] [--frameworks ...] [--case TEXT]

runs every installed framework's native resize on the case matrix, each in its
own process, and checks the float64 reference and the numpy adapter against
it.  Exit status 0 only when nothing failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from collections import defaultdict
from typing import List, Optional


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

            def worst(attr):  # a known native defect is far off by nature: not a figure of unisample's
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
    cells = defaultdict(list)
    for run in porting:
        for r in run.results:
            cells[(r.framework.split(" -> ")[0], run.framework)].append(r)
    targets = [run.framework for run in porting]
    sources = sorted({source for source, _ in cells}, key=lambda n: targets.index(n) if n in targets else 99)
    rows = []
    for source in sources:
        row = [source]
        for target in targets:
            results = cells.get((source, target), [])
            passed = sum(r.ok for r in results)
            errors = [r.adapter_error_eps for r in results if r.adapter_error_eps is not None and not r.exact]
            worst = f" (worst {max(errors):.1f} eps)" if errors else ""
            row.append(f"{passed}/{len(results)}{worst}" if results else "-")
        rows.append(row)
    return ["native \\ adapter"] + targets, rows


def _table(header: List[str], rows: List[list], left: int = 2) -> str:
    """Plain-text table; the first ``left`` columns are left-aligned, the rest right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i < left else str(c).rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join(line(cells).rstrip() for cells in [header, ["-" * w for w in widths], *rows])


def conformance(args) -> int:
    if args.fuzz is not None:
        return fuzz_conformance(args)
    from unisample.conformance import runner
    from unisample.conformance.cases import ADAPTER_FRAMEWORKS

    frameworks = args.frameworks.split(",") if args.frameworks else None
    kernels = args.modes.split(",") if args.modes else None
    print("unisample conformance: each framework's native resize, in its own process, "
          "against the float64 reference and the numpy adapter", flush=True)
    tty = sys.stdout.isatty()

    def progress(run):
        extra = f"{len(run.results)} cases" if run.status == "ran" else run.message.splitlines()[0][:200]
        print(("\r\033[K" if tty else "") + f"  {run.framework:<11} {run.status} ({run.seconds:.1f} s) {extra}",
              flush=True)

    def ticker(states):
        # One line of bars on a terminal; nothing in logs and pipes.
        if tty and states:
            bars = []
            for name, (done, total) in sorted(states.items()):
                filled = int(20 * done / total) if total else 0
                bars.append(f"{name} [{'#' * filled}{'.' * (20 - filled)}] {done}/{total or '?'}")
            print("\r\033[K  " + "  ".join(bars), end="", flush=True)

    with tempfile.TemporaryDirectory(prefix="unisample-recorded-") as keep:
        runs = runner.run(frameworks, timeout=args.timeout or 300.0, progress=progress, ticker=ticker, quick=args.quick,
                          kernels=kernels, workers=args.workers, keep_dir=keep, case=args.case)
        porting = []
        ran = [run.framework for run in runs if run.status == "ran"]
        if ran and not args.no_porting:
            print("  porting: every native output above through every installed adapter ...", flush=True)
            recorded = [os.path.join(keep, f"{name}.npz") for name in ran]
            targets = [name for name in ran if name in ADAPTER_FRAMEWORKS]  # onnxruntime has no adapter
            with ThreadPoolExecutor(max_workers=args.workers or 2) as pool:
                porting = list(pool.map(lambda target: runner.replay(recorded, target, timeout=args.timeout or 300.0),
                                        targets))
            for run in porting:
                print(f"  {run.framework:<11} adapter {run.status} ({run.seconds:.1f} s) {len(run.results)} cases",
                      flush=True)
    print()
    print(_table(["framework", "family", "cases", "passed", "failed", "worst ref (eps)", "worst numpy (eps)",
                  "bound (eps)"], _summary_rows(runs)))
    if porting:
        print("\nporting matrix: native outputs (rows) reproduced by each adapter (columns), passed/cases")
        print(_table(*_porting_table(porting), left=99))
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
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": "unisample.conformance/1", "runs": [run.to_dict() for run in runs],
                       "porting": [run.to_dict() for run in porting]}, f, indent=1)
        print(f"\nwrote {args.json}")
    if args.html:
        from unisample.conformance import report

        with open(args.html, "w") as f:
            f.write(report.render(runs, porting))
        print(f"wrote {args.html}")
    ran = [run for run in runs if run.status == "ran"]
    if not ran and not any(run.failed for run in runs):
        print("\nno framework installed: nothing was compared (pip install 'unisample[all]')")
    failed = any(run.failed for run in runs + porting)
    known = f" (but the {len(defects)} known native defects above)" if defects else ""
    print("\nFAILED" if failed else f"\nOK: every installed framework's native output is reproduced{known}")
    return 1 if failed else 0


def fuzz_conformance(args) -> int:
    """``unisample conformance --fuzz N``: the differential fuzz on every installed framework."""
    from unisample.conformance import fuzz, runner

    frameworks = args.frameworks.split(",") if args.frameworks else None
    count, seed = args.fuzz, args.seed
    print(f"unisample conformance --fuzz {count} --seed {seed}: random specs and inputs through every installed "
          "adapter, its taps path and the native op its table claims, against the float64 reference", flush=True)

    def progress(run):
        extra = f"{len(run.results)} outputs" if run.status == "ran" else run.message.splitlines()[0][:200]
        print(f"  {run.framework:<11} {run.status} ({run.seconds:.1f} s) {extra}", flush=True)

    runs = [] if frameworks and "numpy" not in frameworks else [fuzz.check_numpy(count, seed, args.case)]
    if runs:
        progress(runs[0])
    others = [f for f in (frameworks or runner.FRAMEWORKS) if f != "numpy"]
    if others:
        # a worker compiles or dispatches each case afresh (JAX: about 0.2 s a case on 2 cores)
        timeout = args.timeout if args.timeout is not None else 300.0 + 0.5 * count
        runs += runner.run(others, timeout=timeout, progress=progress, workers=args.workers, case=args.case,
                           fuzz=(count, seed))
    rows = []
    for run in runs:
        if run.status != "ran":
            rows.append([run.framework, run.status, "", "", "", ""])
            continue
        for path, results in _families(run):
            failed = sum(not r.ok for r in results)
            skipped = sum(r.verdict == "skipped" for r in results)
            errors = [r.reference_error_eps for r in results if r.reference_error_eps is not None and not r.exact]
            rows.append([run.framework, path, str(len(results)), str(len(results) - failed - skipped), str(failed),
                         str(skipped), f"{max(errors):.1f}" if errors else "exact"])
    print()
    print(_table(["framework", "path", "outputs", "passed", "failed", "skipped", "worst (eps)"], rows))
    skips = sorted({r.message[:120] for run in runs for r in run.results if r.verdict == "skipped"})
    for why in skips[:5]:
        print(f"  skipped (the framework has no arrays of that dtype): {why}")
    failures = [(run, r) for run in runs for r in run.results if not r.ok]
    if failures:
        print(f"\n{len(failures)} failing output(s), each with the command that re-runs its case alone:")
        for run, r in failures[:25]:
            label = r.case.split(":", 1)[0] + ":"
            index = int(label.split()[-1].rstrip(":"))
            print(f"  [{r.verdict}] {run.framework} {r.family}: {r.case}\n      {r.message}\n"
                  f"      {fuzz.replay_command(fuzz.draw(seed, index), index + 1, run.framework)}")
    compared = sum(r.verdict != "skipped" for run in runs for r in run.results)
    failed = bool(failures) or any(run.failed for run in runs)
    if not compared and not failed:
        print("\nnothing was compared (no case matched, or no framework installed): FAILED")
        return 1
    print("\nFAILED" if failed else f"\nOK: {compared} outputs of {count} random cases equal the reference")
    return 1 if failed else 0


def record(args) -> int:
    import subprocess

    from unisample.conformance.runner import worker_argv, worker_env

    command = worker_argv(args.framework, args.output)
    if args.quick:
        command.append("--quick")
    if args.modes:
        command += ["--kernels", args.modes]
    proc = subprocess.run(command, capture_output=True, text=True, env=worker_env())
    if proc.returncode != 0:
        print(f"recording {args.framework} failed (status {proc.returncode}):\n{proc.stderr[-2000:]}")
        return 1
    import numpy as np

    with np.load(args.output) as data:
        count = sum(1 for key in data.files if key.startswith("in/"))
        print(f"recorded {count} native {args.framework} {data['version']} cases (inputs, specs, outputs) "
              f"to {args.output}")
    return 0


def compare(args) -> int:
    from unisample.conformance import runner

    run = runner.replay(args.recorded, args.framework, timeout=args.timeout)
    print(f"unisample compare: {args.recorded} replayed through the {args.framework} adapter")
    if run.status != "ran":
        print(f"  {run.status}: {run.message}")
        return 1
    rows = []
    for family, results in _families(run):
        failed = sum(not r.ok for r in results)
        errors = [r.adapter_error_eps for r in results if r.adapter_error_eps is not None]
        exact = all(r.exact for r in results)
        rows.append([run.framework, family, str(len(results)), str(len(results) - failed), str(failed),
                     "exact" if exact and not failed else (f"{max(errors):.1f}" if errors else "-")])
    print(_table(["framework", "family", "cases", "passed", "failed", "worst (eps)"], rows))
    failures = [r for r in run.results if not r.ok]
    for r in failures[:25]:
        print(f"  [{r.verdict}] {r.case}\n      spec {r.spec}\n      {r.message}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"schema": "unisample.compare/1", "runs": [run.to_dict()]}, f, indent=1)
    print("\nFAILED" if failures else "\nOK: every recorded output is reproduced")
    return 1 if failures else 0


def port(args) -> int:
    from unisample import porting

    try:
        spec, translations = porting.port(args.configuration, to=args.to.split(",") if args.to else None,
                                          rank=args.rank)
    except (ValueError, TypeError) as e:
        print(f"unisample port: {e}", file=sys.stderr)
        return 2
    print(porting.render(spec, translations, source=args.configuration))
    return 0


def _load_model(target: str):
    """A path (.onnx, .keras) as is, or ``package.module:attribute`` imported (called
    when it is a function or class that builds the model)."""
    if os.path.exists(target) or ":" not in target:
        return target
    import importlib

    module_name, _, attribute = target.partition(":")
    sys.path.insert(0, os.getcwd())
    obj = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    if callable(obj) and not any(c.__module__.partition(".")[0] in ("torch", "paddle", "keras")
                                 for c in type(obj).__mro__):
        obj = obj()
    return obj


def scan(args) -> int:
    from unisample import scanning

    try:
        model = _load_model(args.model)
        found = scanning.scan(model, to=args.to.split(",") if args.to else None)
    except (ValueError, TypeError, ImportError, AttributeError) as e:
        print(f"unisample scan: {e}", file=sys.stderr)
        return 2
    print(scanning.render(found, label=f"{args.model}: "))
    if args.rewrite:
        new = scanning.rewrite(model if not isinstance(model, str) else _keras_model(model))
        new.save(args.rewrite)
        print(f"\nwrote {args.rewrite}: every resize layer replaced by a unisample layer")
    return 0


def _keras_model(path: str):
    import keras

    import unisample.adapters.keras_layer  # noqa: F401  (registers unisample's layer)

    return keras.models.load_model(path)


def resize_command(args) -> int:
    from unisample import image

    try:
        size = image.parse_size(args.size) if args.size is not None else None
        antialias = False if args.no_antialias else None
        start = time.perf_counter()
        (w, h), (ow, oh) = image.resize_file(args.input, args.output, size=size, scale=args.scale, fit=args.fit,
                                             mode=args.mode, antialias=antialias, framework=args.framework)
    except (ValueError, TypeError, OSError) as e:
        print(f"unisample resize: {e}", file=sys.stderr)
        return 2
    print(f"{args.input} ({w}x{h}) -> {args.output} ({ow}x{oh}), {args.mode}"
          f"{'' if args.no_antialias else ', antialiased when shrinking'}, {args.framework}, "
          f"{(time.perf_counter() - start) * 1e3:.0f} ms")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="unisample", description="Same resize numbers in every framework.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("conformance", help="check the reference and adapters against native resize ops")
    p.add_argument("--frameworks",
                   help="comma-separated subset of torch,tensorflow,paddle,jax,onnxruntime (default: all)")
    p.add_argument("--json", metavar="PATH", help="write every case's result as JSON")
    p.add_argument("--html", metavar="PATH", help="write the HTML report (heatmap, pictures, atlas)")
    p.add_argument("--case", metavar="TEXT", help="report only cases whose id contains TEXT")
    p.add_argument("--modes", help="comma-separated kernels: nearest,linear,cubic,area,lanczos3,lanczos5")
    p.add_argument("--quick", action="store_true", help="every fourth case of each mode family")
    p.add_argument("--workers", type=int, help="framework processes at once (default: all)")
    p.add_argument("--no-porting", action="store_true",
                   help="skip replaying every native output through every installed adapter")
    p.add_argument("--timeout", type=float, help="seconds a framework's worker may take (default 300; with "
                                                 "--fuzz N, 300 + N / 2)")
    p.add_argument("--fuzz", type=int, metavar="N",
                   help="instead of the catalogue: N random specs and inputs through every adapter, its taps path "
                        "and the native ops its table claims, against the reference (README 'Differential fuzz')")
    p.add_argument("--seed", type=int, default=0, help="with --fuzz: which random cases (default 0)")
    p.set_defaults(func=conformance)
    p = sub.add_parser("record", help="store one framework's native outputs (inputs, specs, outputs) in a file")
    p.add_argument("--framework", required=True, choices=["torch", "tensorflow", "paddle", "jax", "onnxruntime"])
    p.add_argument("-o", "--output", required=True, metavar="PATH.npz")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--modes")
    p.set_defaults(func=record)
    p = sub.add_parser("compare", help="replay a recorded file through another framework's adapter")
    p.add_argument("recorded", metavar="PATH.npz")
    p.add_argument("--framework", required=True, choices=["numpy", "torch", "tensorflow", "paddle", "jax"])
    p.add_argument("--json", metavar="PATH")
    p.add_argument("--timeout", type=float, default=300.0)
    p.set_defaults(func=compare)
    p = sub.add_parser("port", help="translate a resize configuration to the other frameworks",
                       description="Print, per target framework, the native call that reproduces a resize "
                                   "configuration exactly, or the unisample layer to use and why the native "
                                   "one differs.  Example: unisample port \"torch: nn.Upsample(scale_factor=2, "
                                   "mode='bilinear', align_corners=True)\" --to keras")
    p.add_argument("configuration", help="'framework: call(...)', framework one of torch, paddle, keras, tf, jax, "
                                          "onnx; literal arguments only (parsed, never run)")
    p.add_argument("--to", help="comma-separated targets: torch,paddle,keras,tensorflow,jax,onnx (default: all others)")
    p.add_argument("--rank", type=int, help="spatial axes (1-3) where the configuration leaves it open (default 2)")
    p.set_defaults(func=port)
    p = sub.add_parser("scan", help="list every resize of a model and where it ports natively")
    p.add_argument("model", help="a .onnx or .keras file, or package.module:attribute naming a torch module, "
                                 "Keras model or paddle Layer (or a function building one)")
    p.add_argument("--to", help="comma-separated targets (default: every framework but the model's own)")
    p.add_argument("--rewrite", metavar="OUT.keras",
                   help="Keras models: save a copy whose resize layers are unisample layers")
    p.set_defaults(func=scan)
    p = sub.add_parser("resize", help="resize an image file (PNG, JPEG; 8-bit, 16-bit grey)",
                       description="Resize an image file with a unisample spec: integer pixels rounded half up "
                                   "and saturated after each axis pass; antialiased when shrinking.")
    p.add_argument("input")
    p.add_argument("output")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--size", help="WIDTHxHEIGHT, or N for an N x N box")
    how.add_argument("--scale", type=float, help="both sides times this")
    p.add_argument("--fit", choices=["contain", "cover", "stretch"], default="contain",
                   help="with --size: fit inside the box (default), fill it and crop the centre, or stretch")
    p.add_argument("--mode", choices=["nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"],
                   default="bicubic")
    p.add_argument("--no-antialias", action="store_true", help="do not widen the kernel when shrinking")
    p.add_argument("--framework", choices=["numpy", "torch", "tensorflow", "paddle", "jax"], default="numpy",
                   help="whose adapter computes it (the same numbers)")
    p.set_defaults(func=resize_command)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
