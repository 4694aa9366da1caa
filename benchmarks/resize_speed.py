"""Resize speed: unisample's numpy engine against OpenCV, Pillow, torch and a naive gather.

    python benchmarks/resize_speed.py [--repeat 5] [--quick]

Per case, mode and layout: the median wall time of each implementation
(``unisample numpy`` is ``up(x)``, which calls OpenCV where it computes the
spec; ``unisample engine`` the numpy engine alone),
measured in this run (taking turns, one call each per round), and the ratios
the README reports (numpy engine / OpenCV, naive gather / numpy engine, and
what the finite check costs: the read ``up(x)`` makes to know that NaN and
infinities cannot have spread, ``engine.finite_check``, timed alone, as a
share of ``up(x)``: the median of the paired per-round ratios).
OpenCV and Pillow get their own layout (HWC images, single-channel float
planes) prepared outside the timing; torch gets NCHW, or NHWC as channels_last
memory format. Pillow's filters widen when shrinking (antialias), so its
downscale rows do more work than the others. Each is called 10 times before
timing: the first calls of a large resize in a fresh process ran 3-4x slower
here (allocator and BLAS threads settling), for every implementation.
Implementations whose package is not installed are skipped. Not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics

import numpy as np
from _timing import median_time, paired_ratio, turn_times  # benchmarks/ is the script's folder

from unisample import Upsample, engine

CASES = [
    # (N, C, H, W), output (H, W)
    ((1, 3, 1024, 1024), (2048, 2048)),
    ((1, 3, 2160, 3840), (1080, 1920)),
    ((8, 64, 128, 128), (256, 256)),
]
QUICK = [((1, 3, 256, 256), (512, 512)), ((2, 16, 64, 64), (128, 128))]


def naive_gather(up: Upsample, x: np.ndarray) -> np.ndarray:
    """The textbook 2-D numpy resize (NCHW): one fancy-index gather per pair of taps."""
    th, tw = up.taps(x.shape[2:])
    out = np.zeros(x.shape[:2] + (th.out_size, tw.out_size), np.float32)
    for k in range(th.width):
        for m in range(tw.width):
            w = (th.weight[:, k, None] * tw.weight[None, :, m]).astype(np.float32)
            out += w * x[:, :, th.index[:, k, None], tw.index[None, :, m]]
    return out


def contenders(mode: str, size, nchw: np.ndarray, layout: str) -> dict:
    """name -> zero-argument callable, inputs prepared in each one's own layout."""
    data_format = "channels_last" if layout == "NHWC" else "channels_first"
    x = np.ascontiguousarray(nchw.transpose(0, 2, 3, 1)) if layout == "NHWC" else nchw
    up = Upsample(size=size, mode=mode, data_format=data_format)
    axes = up.check_input(x.shape)
    taps = up.taps(tuple(x.shape[a] for a in axes))
    check = engine.finite_check(x, taps, axes)
    checked = {"input": x, "result": up(x)}.get(check)
    found = {"unisample numpy": lambda: up(x),
             # the engine alone: what up(x) runs where OpenCV does not compute the spec
             "unisample engine": lambda: engine.apply_taps_fast(x, taps, axes),
             # the one read that tells NaN and infinities apart, as up(x) makes it
             "finite check": (lambda: engine.all_finite(checked)) if checked is not None else (lambda: None)}
    if layout == "NCHW":
        found["naive numpy gather"] = lambda: naive_gather(Upsample(size=size, mode=mode), nchw)
    try:
        import cv2

        flag = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}[mode]
        # cv2.resize takes at most 512 channels per image, HWC
        hwc = [np.ascontiguousarray(img.transpose(1, 2, 0)) for img in nchw]
        found["OpenCV cv2.resize"] = lambda: [cv2.resize(img, size[::-1], interpolation=flag) for img in hwc]
    except ImportError:
        pass
    try:
        from PIL import Image

        resample = {"bilinear": Image.BILINEAR, "bicubic": Image.BICUBIC}[mode]
        planes = [Image.fromarray(plane, mode="F") for img in nchw for plane in img]
        found["Pillow (float planes)"] = lambda: [p.resize(size[::-1], resample) for p in planes]
    except ImportError:
        pass
    try:
        import torch
        import torch.nn.functional as F

        t = torch.from_numpy(nchw)
        if layout == "NHWC":
            t = t.contiguous(memory_format=torch.channels_last)

        def run_torch():
            with torch.no_grad():
                return F.interpolate(t, size=size, mode=mode)

        found["torch F.interpolate"] = run_torch
    except ImportError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small shapes only")
    args = parser.parse_args()
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, float32, median of {args.repeat}")
    names = ["unisample numpy", "unisample engine", "OpenCV cv2.resize", "Pillow (float planes)", "torch F.interpolate",
             "naive numpy gather"]
    print("| case | layout | " + " | ".join(f"{n} (ms)" for n in names)
          + " | numpy / OpenCV | engine / OpenCV | gather / numpy | finite check |")
    print("|---|---|" + "---:|" * (len(names) + 4))
    rng = np.random.default_rng(0)
    for shape, size in QUICK if args.quick else CASES:
        nchw = rng.standard_normal(shape, dtype=np.float32)
        for mode in ("bilinear", "bicubic"):
            for layout in ("NCHW", "NHWC"):
                fns = contenders(mode, size, nchw, layout)
                # the gather takes seconds a call: one warm-up, one timed call
                slow = {} if args.quick else {"naive numpy gather": fns.pop("naive numpy gather", None)}
                rounds = turn_times(fns, args.repeat, warmup=10)
                times = {name: statistics.median(t) for name, t in rounds.items()}
                times.update({name: median_time(fn, 1, warmup=1) for name, fn in slow.items() if fn})
                check = f"{100 * paired_ratio(rounds, 'finite check', 'unisample numpy'):.1f}%"
                cells = [f"{times[n] * 1e3:.1f}" if n in times else "-" for n in names]
                ours = times["unisample numpy"]
                cv = times.get("OpenCV cv2.resize")
                vs_cv = f"{ours / cv:.2f}" if cv else "-"
                engine_vs_cv = f"{times['unisample engine'] / cv:.2f}" if cv else "-"
                vs_gather = f"{times['naive numpy gather'] / ours:.1f}x" if "naive numpy gather" in times else "-"
                label = f"{mode} {'x'.join(map(str, shape))} -> {size[0]}x{size[1]}"
                ratios = f" | {vs_cv} | {engine_vs_cv} | {vs_gather} | {check} |"
                print(f"| {label} | {layout} | " + " | ".join(cells) + ratios, flush=True)


if __name__ == "__main__":
    main()
