"""Pixel shuffle cost: ``shuffle(x)`` against each framework's own op, in one run.

    python benchmarks/shuffle_speed.py [--repeat 15] [--frameworks torch,tensorflow,paddle,jax,numpy]

For each framework, the median time of its own pixel shuffle (torch and
paddle ``pixel_shuffle``, ``tf.nn.depth_to_space`` on NHWC; JAX and numpy
have none: their reshape-transpose-reshape) and of ``PixelShuffle(2)(x)`` for
the spec that op computes (CRD channels first, DCR channels last on TF), on
8x256x64x64 -> 8x64x128x128 float32, taking turns (``_timing.turn_times``);
"ratio" is the median of the paired per-round ratios.  Not a test: nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
from _timing import paired_ratio, turn_times  # benchmarks/ is the script's folder

from unisample import PixelShuffle

SHAPE = (8, 256, 64, 64)


def _plain_numpy(x, r=2):
    n, c, h, w = x.shape
    return np.ascontiguousarray(x.reshape(n, c // (r * r), r, r, h, w).transpose(0, 1, 4, 2, 5, 3)).reshape(
        n, c // (r * r), h * r, w * r)


def torch_pair(x):
    import torch
    import torch.nn.functional as F

    t = torch.from_numpy(x)
    spec = PixelShuffle(2)
    return {"native": lambda: F.pixel_shuffle(t, 2), "unisample": lambda: spec(t)}


def tensorflow_pair(x):
    import tensorflow as tf

    t = tf.constant(np.ascontiguousarray(x.transpose(0, 2, 3, 1)))
    spec = PixelShuffle(2, order="DCR", data_format="channels_last")
    return {"native": lambda: tf.nn.depth_to_space(t, 2).numpy(), "unisample": lambda: spec(t).numpy()}


def paddle_pair(x):
    import paddle
    import paddle.nn.functional as F

    t = paddle.to_tensor(x)
    spec = PixelShuffle(2)
    return {"native": lambda: F.pixel_shuffle(t, 2), "unisample": lambda: spec(t)}


def jax_pair(x):
    import jax
    import jax.numpy as jnp

    t = jnp.asarray(x)
    spec = PixelShuffle(2)
    n, c, h, w = x.shape

    @jax.jit
    def native(a):
        return a.reshape(n, c // 4, 2, 2, h, w).transpose(0, 1, 4, 2, 5, 3).reshape(n, c // 4, h * 2, w * 2)

    jitted = spec.to_jax()
    return {"native": lambda: native(t).block_until_ready(), "unisample": lambda: jitted(t).block_until_ready()}


def numpy_pair(x):
    spec = PixelShuffle(2)
    return {"native": lambda: _plain_numpy(x), "unisample": lambda: spec(x)}


PAIRS = {"torch": torch_pair, "tensorflow": tensorflow_pair, "paddle": paddle_pair, "jax": jax_pair,
         "numpy": numpy_pair}
NATIVE = {"torch": "F.pixel_shuffle", "tensorflow": "tf.nn.depth_to_space (NHWC)", "paddle": "F.pixel_shuffle",
          "jax": "jitted reshape/transpose", "numpy": "reshape/transpose/copy"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--frameworks", default="paddle,torch,tensorflow,jax,numpy")
    args = parser.parse_args()
    x = np.random.default_rng(0).standard_normal(SHAPE, dtype=np.float32)
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, float32 "
          f"{'x'.join(map(str, SHAPE))} -> 8x64x128x128, median of {args.repeat}")
    print("| framework | native op | native (ms) | PixelShuffle(x) (ms) | ratio |")
    print("|---|---|---:|---:|---:|")
    for name in args.frameworks.split(","):  # paddle before tensorflow: the other order segfaults
        try:
            fns = PAIRS[name](x)
        except ImportError:
            continue
        rounds = turn_times(fns, args.repeat, warmup=5)
        native, ours = (sorted(rounds[k])[len(rounds[k]) // 2] * 1e3 for k in ("native", "unisample"))
        print(f"| {name} | {NATIVE[name]} | {native:.2f} | {ours:.2f} | "
              f"{paired_ratio(rounds, 'unisample', 'native'):.3f} |", flush=True)


if __name__ == "__main__":
    main()
