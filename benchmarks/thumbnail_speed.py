"""Thumbnail speed: ``unisample resize``'s pixels against Pillow's and OpenCV's own resize.

    python benchmarks/thumbnail_speed.py [--repeat 5]

A generated 4000x3000 RGB photo (uint8, decoded outside the timing) to a
256x192 thumbnail: unisample's antialiased bicubic on the integer path (the
numpy engine, and the torch adapter), Pillow's ``resize(BICUBIC)`` (the same
filter in 8-bit fixed point: results within 1), OpenCV's ``INTER_AREA`` (box
average, a different filter) and ``INTER_CUBIC`` (no antialias: aliases).
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
from _timing import median_time  # benchmarks/ is the script's folder

from unisample.image import resize_array


def photo() -> np.ndarray:
    h, w = 3000, 4000
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([128 + 100 * np.sin(xx / 3.1) * np.cos(yy / 53.0), 255 * xx / w, 255 * yy / h], -1)
    return np.clip(img + np.random.default_rng(0).normal(0, 12, (h, w, 3)), 0, 255).astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    image = photo()
    rows = {"unisample (numpy, integer rule)": lambda: resize_array(image, 256, 192, "bicubic")}
    try:
        import torch  # noqa: F401

        rows["unisample (torch adapter)"] = lambda: resize_array(image, 256, 192, "bicubic", framework="torch")
    except ImportError:
        pass
    try:
        from PIL import Image

        pil = Image.fromarray(image)
        rows["Pillow resize(BICUBIC)"] = lambda: pil.resize((256, 192), Image.BICUBIC, reducing_gap=None)
    except ImportError:
        pass
    try:
        import cv2

        rows["OpenCV INTER_AREA"] = lambda: cv2.resize(image, (256, 192), interpolation=cv2.INTER_AREA)
        rows["OpenCV INTER_CUBIC (aliases)"] = lambda: cv2.resize(image, (256, 192), interpolation=cv2.INTER_CUBIC)
    except ImportError:
        pass
    print(f"# {platform.machine()}, {os.cpu_count()} cores, 4000x3000 RGB uint8 -> 256x192, median of {args.repeat}")
    print("| implementation | median (ms) |")
    print("|---|---:|")
    for name, fn in rows.items():
        print(f"| {name} | {median_time(fn, args.repeat) * 1e3:.1f} |", flush=True)


if __name__ == "__main__":
    main()
