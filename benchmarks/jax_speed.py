"""The jax adapter against jax.image.resize, both jitted, on the same input.

    python benchmarks/jax_speed.py [--repeat 5]

``jax.image.resize`` contracts with a dense (in, out) weight matrix per axis;
the adapter sums strided slices per phase when enlarging and gathers the few
taps each output needs when shrinking.  Both are asked for the same numbers
(the spec is ``Upsample.from_jax`` of the resize call) and the script checks
that they agree before timing.  The "output alone" column times a jitted
function that only fills an array of the output's shape: what any jitted
resize pays before computing anything, so ``jax.image.resize`` over it bounds
the speed-up any implementation could show.  Not a test: nothing here
asserts a time.
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from _timing import median_times  # benchmarks/ is the script's folder

from unisample import Upsample, tolerance

CASES = [((1, 3, 1024, 1024), (2048, 2048)), ((8, 64, 128, 128), (256, 256)), ((1, 3, 2160, 3840), (1080, 1920))]


def main() -> None:
    import jax
    import jax.numpy as jnp

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"# {platform.machine()}, jax {jax.__version__}, {jax.devices()[0].platform}, median of {args.repeat}, "
          "float32, NCHW, both jitted")
    print("| case | jax.image.resize (ms) | unisample (ms) | speed-up | output alone (ms) | speed-up bound "
          "| max difference (eps) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for shape, size in CASES:
        x = jnp.asarray(np.random.default_rng(0).standard_normal(shape, dtype=np.float32))
        out_shape = shape[:2] + size
        fill = jax.jit(lambda a: jnp.full(out_shape, a[0, 0, 0, 0]))
        for method in ("linear", "cubic"):
            native = jax.jit(lambda a, m=method: jax.image.resize(a, out_shape, m))
            spec = Upsample.from_jax({"shape": out_shape, "method": method, "data_format": "channels_first"})
            ours = jax.jit(spec)
            difference = tolerance.error_in_eps(np.asarray(ours(x)), np.asarray(native(x)), "float32",
                                                tolerance.scale_of(np.asarray(x)))
            times = median_times({"native": lambda: native(x).block_until_ready(),
                                  "ours": lambda: ours(x).block_until_ready(),
                                  "fill": lambda: fill(x).block_until_ready()}, args.repeat)
            t_native, t_ours, t_fill = times["native"], times["ours"], times["fill"]
            label = f"{method} {'x'.join(map(str, shape))} -> {size[0]}x{size[1]}"
            print(f"| {label} | {t_native * 1e3:.1f} | {t_ours * 1e3:.1f} | {t_native / t_ours:.1f}x "
                  f"| {t_fill * 1e3:.1f} | {t_native / t_fill:.1f}x | {difference:.1f} |", flush=True)


if __name__ == "__main__":
    main()
