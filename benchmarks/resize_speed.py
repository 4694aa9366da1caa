"""Resize speed: unisample's numpy engine against native ops and a naive gather.

    python benchmarks/resize_speed.py [--repeat 5] [--quick]

Prints, per case, the median wall time of each implementation measured in
this run, and its ratio to the unisample numpy engine.  Implementations whose
package is not installed are skipped.  Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import platform

import numpy as np

from _timing import median_time  # benchmarks/ is the script's folder

from unisample import Upsample

CASES = [
    # (input shape NCHW, output spatial size)
    ((1, 3, 1024, 1024), (2048, 2048)),
    ((8, 64, 128, 128), (256, 256)),
    ((1, 3, 2160, 3840), (1080, 1920)),
]
QUICK = [((1, 3, 256, 256), (512, 512)), ((2, 16, 64, 64), (128, 128))]


def naive_gather(up: Upsample, x: np.ndarray) -> np.ndarray:
    """The textbook 2-D numpy resize: one fancy-index gather per pair of taps."""
    th, tw = up.taps(x.shape[2:])
    out = np.zeros(x.shape[:2] + (th.out_size, tw.out_size), np.float32)
    for k in range(th.width):
        for m in range(tw.width):
            w = (th.weight[:, k, None] * tw.weight[None, :, m]).astype(np.float32)
            out += w * x[:, :, th.index[:, k, None], tw.index[None, :, m]]
    return out


def implementations(mode: str):
    impls = {
        "unisample numpy": lambda x, size: Upsample(size=size, mode=mode)(x),
        "naive numpy gather": lambda x, size: naive_gather(Upsample(size=size, mode=mode), x),
    }
    try:
        import torch
        import torch.nn.functional as F

        def run_torch(x, size):
            with torch.no_grad():
                return F.interpolate(torch.from_numpy(x), size=size, mode=mode).numpy()

        impls["torch F.interpolate"] = run_torch
    except ImportError:
        pass
    try:
        import cv2

        flag = {"bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}[mode]

        def run_cv2(x, size):
            # OpenCV works on HWC images: one call per image, channels last.
            return [cv2.resize(np.ascontiguousarray(img.transpose(1, 2, 0)), size[::-1], interpolation=flag)
                    for img in x]

        impls["OpenCV cv2.resize"] = run_cv2
    except ImportError:
        pass
    return impls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="small shapes only")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {platform.python_version()}, numpy {np.__version__}, "
          f"median of {args.repeat}")
    print("| case | implementation | median (ms) | ratio to unisample numpy |")
    print("|---|---|---:|---:|")
    rng = np.random.default_rng(0)
    for shape, size in QUICK if args.quick else CASES:
        x = rng.standard_normal(shape, dtype=np.float32)
        for mode in ("bilinear", "bicubic"):
            label = f"{mode} {'x'.join(map(str, shape))} -> {size[0]}x{size[1]}"
            timings = {}
            for name, fn in implementations(mode).items():
                if name == "naive numpy gather" and np.prod(shape) > 4e6 and not args.quick:
                    timings[name] = median_time(lambda: fn(x, size), 1)  # slow: one run is enough
                else:
                    timings[name] = median_time(lambda: fn(x, size), args.repeat)
            base = timings["unisample numpy"]
            for name, t in timings.items():
                print(f"| {label} | {name} | {t * 1e3:.1f} | {t / base:.2f} |", flush=True)


if __name__ == "__main__":
    main()
