"""Adapter cost: ``up(x)`` and the taps path against the framework's own resize.

    python benchmarks/adapter_overhead.py [--frameworks torch,paddle,tensorflow] [--repeat 15] [--small]

For each framework, shape and mode: the median time of the direct native call
(``F.interpolate``, paddle's ``interpolate``, ``tf.image.resize`` on NHWC), of
``up(x)`` for the spec that reproduces that call (``from_torch`` /
``from_paddle`` / ``from_keras``: the adapter's native call where its table
allows, the taps elsewhere), and of the adapter's taps path alone, all
measured in the same run, taking turns.  The ratios to the native call are
medians of the per-round ratios (``paired_ratio``): the fast path differs from
the native call by a table lookup, and on this VM a fresh 134 MB output
sometimes costs 250-500 ms more to fault in than usual, so a ratio of two
medians of 5 wandered between 0.84 and 1.26 from run to run.  On a small
input (``--small``: that table and the import time only) the adapter's own
cost is also timed with the native op stubbed out (``dispatch_us``).  Not a
test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import platform
import statistics

import numpy as np
from _timing import paired_ratio, turn_times  # benchmarks/ is the script's folder

from unisample import Upsample

SHAPES = [((1, 3, 1024, 1024), (2048, 2048)), ((8, 64, 128, 128), (256, 256))]
MODES = ("bilinear", "bicubic", "nearest")


def torch_setup(shape):
    import torch
    import torch.nn.functional as F

    from unisample.adapters.torch import apply_taps

    x = torch.from_numpy(np.random.default_rng(0).standard_normal(shape, dtype=np.float32))

    def native(size, mode):
        with torch.no_grad():
            return F.interpolate(x, size=size, mode=mode)

    def taps(spec):
        with torch.no_grad():
            return apply_taps(spec, x)

    def ours(spec):
        with torch.no_grad():
            return spec(x)

    return native, ours, taps


def paddle_setup(shape):
    import paddle
    import paddle.nn.functional as F

    from unisample.adapters.paddle import apply_taps

    x = paddle.to_tensor(np.random.default_rng(0).standard_normal(shape, dtype=np.float32))

    def native(size, mode):
        with paddle.no_grad():
            return F.interpolate(x, size=list(size), mode=mode)

    def taps(spec):
        with paddle.no_grad():
            return apply_taps(spec, x)

    def ours(spec):
        with paddle.no_grad():
            return spec(x)

    return native, ours, taps


def tensorflow_setup(shape):
    import tensorflow as tf

    from unisample.adapters.tensorflow import apply_taps

    n, c, h, w = shape  # TF resizes NHWC images
    x = tf.constant(np.random.default_rng(0).standard_normal((n, h, w, c), dtype=np.float32))

    def native(size, mode):
        return tf.image.resize(x, size, method=mode)

    return native, (lambda spec: spec(x)), (lambda spec: apply_taps(spec, x))


SETUPS = {"torch": torch_setup, "paddle": paddle_setup, "tensorflow": tensorflow_setup}
SPECS = {
    "torch": lambda size, mode: Upsample.from_torch({"size": size, "mode": mode}),
    "paddle": lambda size, mode: Upsample.from_paddle({"size": list(size), "mode": mode}),
    "tensorflow": lambda size, mode: Upsample.from_keras({"size": list(size), "method": mode}),
}


SMALL = ((1, 3, 32, 32), (64, 64))

#: (module, attribute) of the native resize each adapter's fast path calls
#: for the small case, stubbed out to time the adapter's own Python
NATIVE_OPS = {"torch": ("torch.nn.functional", "interpolate"), "paddle": ("paddle.nn.functional", "interpolate"),
              "tensorflow": ("tensorflow.image", "resize")}


def per_call_us(fns: dict, calls: int = 2000, rounds: int = 9) -> dict:
    """Per function of ``fns``: the best of ``rounds`` rounds of ``calls``
    back-to-back calls, per call, in microseconds (the least noisy figure for a
    call this short on a shared VM).  The functions take turns round by round,
    so a slow spell of the VM does not fall on one of them only."""
    import time

    for fn in fns.values():
        for _ in range(200):
            fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: t / calls * 1e6 for name, t in best.items()}


def dispatch_us(name: str, native, ours, spec) -> float:
    """The adapter's own cost per ``up(x)`` call on the small input, in
    microseconds: the same two calls as the small-input table, with the native
    op (``NATIVE_OPS``) replaced by a stub that returns its input, so that what
    is left is the adapter's Python.  The native op's own time varies between
    runs by more than this whole cost, so the difference of the real calls
    cannot show it."""
    import importlib

    module = importlib.import_module(NATIVE_OPS[name][0])
    original = getattr(module, NATIVE_OPS[name][1])
    setattr(module, NATIVE_OPS[name][1], lambda x, *args, **kwargs: x)
    try:
        times = per_call_us({"native": lambda: native(SMALL[1], "bilinear"), "ours": lambda: ours(spec)},
                            calls=20000)
    finally:
        setattr(module, NATIVE_OPS[name][1], original)
    return times["ours"] - times["native"]


def import_ms() -> tuple:
    """(``import unisample``, of which ``import numpy``) in ms, cumulative, from ``-X importtime``."""
    import subprocess
    import sys

    err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import unisample"],
                         capture_output=True, text=True).stderr
    cumulative = {line.split("|")[2].strip(): int(line.split("|")[1]) for line in err.splitlines()
                  if line.startswith("import time:") and line.count("|") == 2 and "cumulative" not in line}
    return cumulative["unisample"] / 1e3, cumulative.get("numpy", 0) / 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", default="torch,paddle,tensorflow")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--small", action="store_true", help="the small input and the import time only")
    args = parser.parse_args()
    print(f"# {platform.machine()}, Python {platform.python_version()}, median of {args.repeat}, "
          "ratios: median of the per-round ratios, float32, CPU")
    if not args.small:
        print("| framework | case | native (ms) | up(x) (ms) | up(x) / native | taps (ms) | taps / native |")
        print("|---|---|---:|---:|---:|---:|---:|")
    for name in [] if args.small else args.frameworks.split(","):
        for shape, size in SHAPES:
            native, ours, taps = SETUPS[name](shape)
            for mode in MODES:
                spec = SPECS[name](size, mode)
                times = turn_times({"native": lambda: native(size, mode), "ours": lambda: ours(spec),
                                    "taps": lambda: taps(spec)}, args.repeat)
                t_native, t_ours, t_taps = (statistics.median(times[k]) for k in ("native", "ours", "taps"))
                case = f"{mode} {'x'.join(map(str, shape))} -> {size[0]}x{size[1]}"
                print(f"| {name} | {case} | {t_native * 1e3:.1f} | {t_ours * 1e3:.1f} "
                      f"| {paired_ratio(times, 'ours', 'native'):.2f} "
                      f"| {t_taps * 1e3:.1f} | {paired_ratio(times, 'taps', 'native'):.2f} |", flush=True)
    print(f"\nSmall input, {'x'.join(map(str, SMALL[0]))} -> {SMALL[1][0]}x{SMALL[1][1]} bilinear, per call:\n")
    print("| framework | native (us) | up(x) (us) | difference (us) | dispatch, native op stubbed (us) |")
    print("|---|---:|---:|---:|---:|")
    for name in args.frameworks.split(","):
        native, ours, _ = SETUPS[name](SMALL[0])
        spec = SPECS[name](SMALL[1], "bilinear")
        times = per_call_us({"native": lambda: native(SMALL[1], "bilinear"), "ours": lambda: ours(spec)})
        t_native, t_ours = times["native"], times["ours"]
        dispatch = dispatch_us(name, native, ours, spec)
        print(f"| {name} | {t_native:.1f} | {t_ours:.1f} | {t_ours - t_native:.1f} | {dispatch:.1f} |", flush=True)
    total, numpy_part = import_ms()
    print(f"\n`import unisample`: {total:.0f} ms, of which numpy {numpy_part:.0f} ms")


if __name__ == "__main__":
    main()
