"""The ``unisample`` command.

    unisample conformance [--frameworks torch,paddle] [--json PATH] [--case TEXT]

runs every installed framework's native resize on the case matrix, each in its
own process, and checks the float64 reference and the numpy adapter against
it.  Exit status 0 only when nothing failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from typing import List, Optional


def _summary_rows(runs) -> List[list]:
    rows = []
    for run in runs:
        if run.status != "ran":
            rows.append([run.framework, run.status, "", "", "", "", "", ""])
            continue
        families = defaultdict(list)
        for r in run.results:
            families[r.family].append(r)
        for family in sorted(families):
            results = families[family]
            failed = sum(r.verdict != "pass" for r in results)
            exact = all(r.exact for r in results)

            def worst(attr):
                values = [getattr(r, attr) for r in results if getattr(r, attr) is not None]
                return f"{max(values):.1f}" if values else "-"

            rows.append([
                run.framework, family, str(len(results)), str(len(results) - failed), str(failed),
                "exact" if exact and not failed else worst("reference_error_eps"),
                "exact" if exact and not failed else worst("numpy_error_eps"),
                "exact" if exact else worst("bound_eps"),
            ])
    return rows


def _table(header: List[str], rows: List[list]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def conformance(args) -> int:
    from unisample.conformance import runner

    frameworks = args.frameworks.split(",") if args.frameworks else None
    print("unisample conformance: each framework's native resize, in its own process, "
          "against the float64 reference and the numpy adapter", flush=True)

    def progress(run):
        extra = f"{len(run.results)} cases" if run.status == "ran" else run.message.splitlines()[0][:200]
        print(f"  {run.framework:<11} {run.status} ({run.seconds:.1f} s) {extra}", flush=True)

    runs = runner.run(frameworks, timeout=args.timeout, progress=progress)
    if args.case:
        for run in runs:
            run.results = [r for r in run.results if args.case in r.case]
    print()
    print(_table(["framework", "family", "cases", "passed", "failed", "worst ref (eps)", "worst numpy (eps)",
                  "bound (eps)"], _summary_rows(runs)))
    failures = [r for run in runs for r in run.results if r.verdict != "pass"]
    if failures:
        print(f"\n{len(failures)} failing case(s); reproduce one with: unisample conformance "
              "--frameworks FRAMEWORK --case 'CASE'")
        for r in failures[:25]:
            print(f"  [{r.verdict}] {r.case}\n      spec {r.spec}\n      {r.message}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": [run.to_dict() for run in runs]}, f, indent=1)
        print(f"\nwrote {args.json}")
    ran = [run for run in runs if run.status == "ran"]
    if not ran and not any(run.failed for run in runs):
        print("\nno framework installed: nothing was compared (pip install 'unisample[all]')")
    failed = any(run.failed for run in runs)
    print("\nFAILED" if failed else "\nOK: every installed framework's native output is reproduced")
    return 1 if failed else 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="unisample", description="Same resize numbers in every framework.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("conformance", help="check the reference and adapters against native resize ops")
    p.add_argument("--frameworks", help="comma-separated subset of torch,tensorflow,paddle,jax (default: all)")
    p.add_argument("--json", metavar="PATH", help="write every case's result as JSON")
    p.add_argument("--case", metavar="TEXT", help="report only cases whose id contains TEXT")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds a framework's worker may take")
    p.set_defaults(func=conformance)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
