"""``up(x)`` today against the numpy engine of an earlier commit, in one run.

    python benchmarks/against_baseline.py [--rev 94773ef^] [--repeat 9] [--quick]

A change to the engine must not make finite input slower.  This script loads
``unisample/engine.py`` as it was at ``--rev`` (read with ``git show`` from
the checkout it lies in; its imports resolve to today's taps and reference)
and times, for each case of ``resize_speed.py`` on finite float32 input:

- ``up(x) now``: the public call as a user makes it today (the finite check,
  OpenCV where it computes the spec, the engine elsewhere);
- ``engine at REV``: that commit's ``engine.apply_taps_fast`` alone, which is
  what ``up(x)`` ran then less the spec's own overhead (so the comparison
  leans towards the baseline).

The default ``--rev`` is the commit before the finite check (NaN and
infinities kept where the taps put them) entered the engine.  The two take
turns, one call each per round (``_timing.turn_times``), and "now / REV" is the
median of the paired per-round ratios: a slow spell of this shared VM falls
on both.  Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile

import numpy as np
from _timing import paired_ratio, turn_times  # benchmarks/ is the script's folder
from resize_speed import CASES, QUICK

import unisample
from unisample import Upsample

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def engine_at(rev: str):
    """``unisample/engine.py`` at ``rev`` as a module of today's package."""
    try:
        source = subprocess.run(["git", "show", f"{rev}:unisample/engine.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"--rev {rev!r}: cannot read unisample/engine.py at it ({e}); run this in a git checkout")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(source)
    name = f"{unisample.__name__}._engine_at_baseline"
    spec = importlib.util.spec_from_file_location(name, f.name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    os.unlink(f.name)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="94773ef^", help="the baseline commit; default: before the finite check")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--quick", action="store_true", help="small shapes only")
    args = parser.parse_args()
    baseline = engine_at(args.rev)
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, float32, finite input, median of {args.repeat}, baseline {args.rev}")
    print(f"| case | layout | up(x) now (ms) | engine at {args.rev} (ms) | now / {args.rev} |")
    print("|---|---|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for shape, size in QUICK if args.quick else CASES:
        nchw = rng.standard_normal(shape, dtype=np.float32)
        for mode in ("bilinear", "bicubic"):
            for layout in ("NCHW", "NHWC"):
                x = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1)) if layout == "NHWC" else nchw
                up = Upsample(size=size, mode=mode,
                              data_format="channels_last" if layout == "NHWC" else "channels_first")
                axes = up.check_input(x.shape)
                taps = up.taps(tuple(x.shape[a] for a in axes))
                rounds = turn_times({"now": lambda: up(x), "then": lambda: baseline.apply_taps_fast(x, taps, axes)},
                                    args.repeat, warmup=10)
                now, then = (sorted(rounds[k])[len(rounds[k]) // 2] * 1e3 for k in ("now", "then"))
                label = f"{mode} {'x'.join(map(str, shape))} -> {size[0]}x{size[1]}"
                print(f"| {label} | {layout} | {now:.1f} | {then:.1f} | {paired_ratio(rounds, 'now', 'then'):.2f} |",
                      flush=True)


if __name__ == "__main__":
    main()
