"""The mode guide: enlargement quality, aliasing, ringing and speed of every mode, measured.

    pip install ".[all-cpu,guide]"
    python benchmarks/mode_guide.py [--repeat 5] [--figures docs] [--frameworks torch,tensorflow,paddle,jax]

Prints three Markdown tables (the README's "Choosing a mode") and, with
``--figures DIR``, writes two pictures there.  Every number comes from this
run; nothing is downloaded.

Material: scikit-image's bundled photos (``camera``, ``astronaut``,
``coffee``, ``chelsea``), centre-cropped to 288x288 and scaled to [0, 1]; a
zone plate ``cos(pi r**2 / N)`` on an N = 512 grid (its local frequency is
``r / N`` cycles per pixel, the input's Nyquist 0.5 at r = N/2); a step edge.

* **Enlargement** (x2, x4): each photo is shrunk by averaging blocks (what a
  sensor does; ``area`` with an integer factor), enlarged back by the mode,
  and compared with the original: PSNR (peak 1) and SSIM
  (``skimage.metrics.structural_similarity``, data range 1), means over the
  photos' channels and photos.
* **Aliasing** (shrinking the zone plate by 4): the share of the energy of the
  band that the smaller grid cannot hold (local frequency above 1.25x its
  Nyquist, 0.125 cycles per input pixel, up to r = 0.45 N) that is still in
  the output: the mean square of the output over that band's output pixels,
  over the input's mean square there (1/2).  A perfect low-pass leaves 0%;
  leaving every pixel as it was, 100%.
* **Ringing**: a step from 0 to 1 enlarged x4: how far the output goes above
  1 (overshoot) and below 0 (undershoot).
* **Native defaults** (the clean-fid comparison, Parmar et al., CVPR 2022): the
  photos as uint8 shrunk by 4 with each framework's *default* bicubic and
  bilinear call (torch and paddle ``F.interpolate``, ``tf.image.resize``,
  ``jax.image.resize``, ``cv2.resize``) and with unisample's antialiased
  filter, against Pillow's ``Image.resize`` of the same filter (which
  antialiases), in PSNR (peak 255, outputs rounded to uint8 like saved
  images); with the aliasing share of the same call on the zone plate.
* **Speed**: the median time of ``Upsample(...)(x)`` per mode on an
  8x3x256x256 float32 input enlarged to 512x512, on numpy and on each
  framework's adapter (each framework in a process of its own: TensorFlow and
  Paddle must not share one), taking turns (``_timing.turn_times``); "x
  bilinear" is the mode's time over bilinear's on numpy in the same run.
Not a test: nothing here asserts a number; ``tests/test_mode_guide.py``
checks the measures themselves.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import numpy as np
from _timing import turn_times  # benchmarks/ is the script's folder

from unisample import Upsample

#: the modes of the guide: (name, Upsample arguments); antialias is tried both ways where it applies
MODES: List[Tuple[str, dict]] = [
    ("nearest", {"mode": "nearest"}),
    ("nearest-exact", {"mode": "nearest-exact"}),
    ("bilinear", {"mode": "bilinear"}),
    ("bicubic a=-0.75", {"mode": "bicubic"}),
    ("bicubic a=-0.5", {"mode": "bicubic", "cubic_coeff_a": -0.5}),
    ("lanczos3", {"mode": "lanczos3"}),
    ("lanczos5", {"mode": "lanczos5"}),
    ("area", {"mode": "area"}),
    ("box", {"mode": "box"}),
    ("hamming", {"mode": "hamming"}),
]
PHOTOS = ("camera", "astronaut", "coffee", "chelsea")
FRAMEWORKS = ("torch", "tensorflow", "paddle", "jax")
ZONE = 512
BAND = (1.25 * 0.125, 0.45)  # the aliasing band, in local frequency (cycles per input pixel)
#: how each framework's default call of a filter is written (for the table)
DEFAULT_CALLS = {
    "torch": "F.interpolate(x, size, mode={m!r})",
    "tensorflow": "tf.image.resize(x, size, method={m!r})",
    "paddle": "F.interpolate(x, size, mode={m!r})",
    "jax": "jax.image.resize(x, shape, {m!r})",
    "opencv": "cv2.resize(img, size, interpolation=cv2.INTER_{M})",
}


# -- material ---------------------------------------------------------------------------------


def photos(side: int = 288) -> List[np.ndarray]:
    """The photos as (1, C, side, side) float64 in [0, 1], centre crops."""
    from skimage import data

    if side % 4 or not 4 <= side <= 300:  # chelsea, the smallest photo, is 300 pixels high
        raise SystemExit(f"--side: got {side}; expected a multiple of 4 from 4 to 300")
    out = []
    for name in PHOTOS:
        a = np.asarray(getattr(data, name)(), dtype=np.float64) / 255.0
        a = a[..., None] if a.ndim == 2 else a
        top, left = (a.shape[0] - side) // 2, (a.shape[1] - side) // 2
        out.append(np.ascontiguousarray(np.moveaxis(a[top:top + side, left:left + side], -1, 0)[None]))
    return out


def zone_plate(n: int = ZONE) -> np.ndarray:
    """``cos(pi r**2 / n)`` on an n x n grid centred on the middle: local frequency ``r / n``."""
    c = np.arange(n) - (n - 1) / 2
    r2 = c[:, None] ** 2 + c[None, :] ** 2
    return np.cos(np.pi * r2 / n)[None, None]


def step_edge(length: int = 32) -> np.ndarray:
    """0 then 1, the step between two pixels, as (1, 1, 8, length)."""
    row = (np.arange(length) >= length // 2).astype(np.float64)
    return np.broadcast_to(row, (1, 1, 8, length)).copy()


# -- measures ---------------------------------------------------------------------------------


def psnr(a: np.ndarray, b: np.ndarray, peak: float) -> float:
    """Peak signal-to-noise ratio in dB: ``10 log10(peak**2 / mean((a - b)**2))``."""
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(peak ** 2 / mse)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """scikit-image's SSIM of two (1, C, H, W) arrays in [0, 1], the mean over channels."""
    from skimage.metrics import structural_similarity

    return float(np.mean([structural_similarity(a[0, c], b[0, c], data_range=1.0) for c in range(a.shape[1])]))


def alias_share(small: np.ndarray, n: int = ZONE, band: Tuple[float, float] = BAND) -> float:
    """The aliasing share of a zone plate of side ``n`` shrunk to ``small``
    (1, 1, m, m): the mean square of the output over the pixels whose centres
    map to local frequencies in ``band`` (cycles per input pixel), over the
    input's mean square there, 1/2."""
    m = small.shape[-1]
    centres = (np.arange(m) + 0.5) * n / m - n / 2  # output pixel centres in input coordinates, from the middle
    freq = np.sqrt(centres[:, None] ** 2 + centres[None, :] ** 2) / n
    inside = (freq >= band[0]) & (freq <= band[1])
    return float(np.mean(np.asarray(small, np.float64)[0, 0][inside] ** 2) / 0.5)


def enlargement(spec_kwargs: dict, images: List[np.ndarray], factor: int) -> Tuple[float, float]:
    """Mean PSNR and SSIM of the photos shrunk by block averages and enlarged by the mode."""
    scores = []
    for x in images:
        side = x.shape[-1]
        small = Upsample(size=side // factor, mode="area")(x)
        big = np.clip(Upsample(size=side, **spec_kwargs)(small), 0.0, 1.0)
        scores.append((psnr(big, x, 1.0), ssim(big, x)))
    return float(np.mean([s[0] for s in scores])), float(np.mean([s[1] for s in scores]))


def ringing(spec_kwargs: dict) -> Tuple[float, float]:
    """(overshoot above 1, undershoot below 0) of the step edge enlarged x4."""
    x = step_edge()
    y = Upsample(scale_factor=4, **spec_kwargs)(x)
    return max(0.0, float(y.max()) - 1.0), max(0.0, -float(y.min()))


def antialias_variants(kwargs: dict) -> List[bool]:
    """The antialias settings the mode takes."""
    out = []
    for antialias in (False, True):
        try:
            Upsample(size=4, antialias=antialias, **kwargs)
            out.append(antialias)
        except ValueError:
            pass
    return out


# -- each framework's own defaults and its adapter's speed (in a process of its own) ----------


def _uint8(a: np.ndarray) -> np.ndarray:
    return np.clip(np.round(a), 0, 255).astype(np.uint8)


def _default_call(framework: str, filter_: str):
    """A function (1, C, H, W) float32 -> (1, C, h, w) float32: the framework's default
    call of ``filter_`` ("bicubic" or "bilinear") to size (h, w)."""
    if framework == "torch":
        import torch
        import torch.nn.functional as F

        return lambda x, size: F.interpolate(torch.from_numpy(x), size=size, mode=filter_).numpy()
    if framework == "paddle":
        import paddle
        import paddle.nn.functional as F

        return lambda x, size: F.interpolate(paddle.to_tensor(x), size=list(size), mode=filter_).numpy()
    if framework == "tensorflow":
        import tensorflow as tf

        return lambda x, size: np.moveaxis(tf.image.resize(np.moveaxis(x, 1, -1), size, method=filter_).numpy(),
                                           -1, 1)
    if framework == "jax":
        import jax

        return lambda x, size: np.asarray(jax.image.resize(x, x.shape[:2] + tuple(size), filter_))
    if framework == "opencv":
        import cv2

        flag = {"bicubic": cv2.INTER_CUBIC, "bilinear": cv2.INTER_LINEAR}[filter_]
        return lambda x, size: np.stack([cv2.resize(np.ascontiguousarray(c), size[::-1], interpolation=flag)
                                         for c in x[0]])[None]
    raise ValueError(framework)


def natives(framework: str, side: int) -> Dict[str, np.ndarray]:
    """The framework's default bicubic and bilinear shrink by 4 of the photos (0..255)
    and of the zone plate."""
    out = {}
    for filter_ in ("bicubic", "bilinear"):
        call = _default_call(framework, filter_)
        for k, x in enumerate(photos(side)):
            out[f"{filter_}/photo{k}"] = call((x * 255).astype(np.float32), (side // 4, side // 4))
        out[f"{filter_}/zone"] = call(zone_plate().astype(np.float32), (ZONE // 4, ZONE // 4))
    return out


def adapter_times(framework: str, repeat: int) -> Dict[str, float]:
    """Median seconds of ``Upsample(size=512, ...)(x)`` per mode on 8x3x256x256 float32
    (a batch: a single image takes well under a millisecond, where waking the
    thread pools after ``turn_times``' pause is most of the time)."""
    from unisample.adapters import get_adapter

    adapter = get_adapter(framework)
    x = adapter.from_numpy(np.random.default_rng(0).random((8, 3, 256, 256), dtype=np.float32))
    block = (lambda y: y.block_until_ready()) if framework == "jax" else (lambda y: y)
    fns = {}
    for name, kwargs in MODES:
        spec = Upsample(size=512, **kwargs)
        fns[name] = (lambda spec=spec: block(spec(x)))
    rounds = turn_times(fns, repeat, warmup=2)
    return {name: float(np.median(t)) for name, t in rounds.items()}


def child(framework: str, out: str, repeat: int, side: int) -> None:
    """``--child``: this framework's natives and adapter times, into ``out`` (npz)."""
    arrays = natives(framework, side)
    arrays["times"] = np.array(json.dumps(adapter_times(framework, repeat)))
    np.savez(out, **arrays)


def run_child(framework: str, repeat: int, side: int, tmp: str) -> Optional[dict]:
    """A child process's results, or None where the framework is not installed."""
    import importlib.util

    if importlib.util.find_spec(framework) is None:
        return None
    out = os.path.join(tmp, f"{framework}.npz")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", JAX_PLATFORMS="cpu", PYTHONWARNINGS="ignore")
    subprocess.run([sys.executable, __file__, "--child", framework, "--out", out, "--repeat", str(repeat),
                    "--side", str(side)], check=True, env=env)
    with np.load(out) as data:
        result = {k: data[k] for k in data.files if k != "times"}
        result["times"] = json.loads(str(data["times"]))
    return result


# -- the guide --------------------------------------------------------------------------------


def pillow_shrink(x255: np.ndarray, filter_: str) -> np.ndarray:
    """Pillow's ``Image.resize`` by 4 of a (1, C, H, W) 0..255 image, as float64."""
    from PIL import Image

    img = np.moveaxis(_uint8(x255)[0], 0, -1)
    img = img[..., 0] if img.shape[-1] == 1 else img
    h, w = img.shape[:2]
    resample = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}[filter_]
    out = np.asarray(Image.fromarray(img).resize((w // 4, h // 4), resample), np.float64)
    out = out[..., None] if out.ndim == 2 else out
    return np.moveaxis(out, -1, 0)[None]


def pillow_zone(filter_: str) -> np.ndarray:
    """Pillow's shrink by 4 of the zone plate, in float mode ("F"), to its own values."""
    from PIL import Image

    resample = {"bicubic": Image.Resampling.BICUBIC, "bilinear": Image.Resampling.BILINEAR}[filter_]
    img = Image.fromarray(zone_plate()[0, 0].astype(np.float32), mode="F")
    return np.asarray(img.resize((ZONE // 4, ZONE // 4), resample), np.float64)[None, None]


UNISAMPLE_AA = {"bicubic": {"mode": "bicubic", "cubic_coeff_a": -0.5, "antialias": True},
                "bilinear": {"mode": "bilinear", "antialias": True}}


def default_rows(children: Dict[str, dict], side: int) -> List[list]:
    """The clean-fid table: per framework's default call (and unisample's antialiased
    filter), PSNR against Pillow per filter and the zone-plate aliasing share."""
    images = [x * 255 for x in photos(side)]
    rows = []
    sources = {fw: res for fw, res in children.items() if res is not None}
    sources["opencv"] = natives("opencv", side)
    for fw, res in sources.items():
        row = [fw]
        for filter_ in ("bicubic", "bilinear"):
            scores = [psnr(_uint8(res[f"{filter_}/photo{k}"]), pillow_shrink(x, filter_), 255.0)
                      for k, x in enumerate(images)]
            row += [DEFAULT_CALLS[fw].format(m=filter_, M={"bicubic": "CUBIC", "bilinear": "LINEAR"}[filter_]),
                    f"{np.mean(scores):.1f}", f"{100 * alias_share(res[f'{filter_}/zone']):.1f}%"]
        rows.append(row)
    row = ["unisample"]
    for filter_, kw in UNISAMPLE_AA.items():
        spec = Upsample(size=side // 4, **kw)
        scores = [psnr(_uint8(spec(x)), pillow_shrink(x, filter_), 255.0) for x in images]
        row += [f"Upsample({', '.join(f'{k}={v!r}' for k, v in kw.items())})", f"{np.mean(scores):.1f}",
                f"{100 * alias_share(Upsample(size=ZONE // 4, **kw)(zone_plate())):.1f}%"]
    rows.append(row)
    row = ["pillow (reference)"]
    for filter_ in ("bicubic", "bilinear"):
        row += [f"Image.resize(size, Image.{filter_.upper()})", "-", f"{100 * alias_share(pillow_zone(filter_)):.1f}%"]
    rows.append(row)
    return rows


def mode_rows(children: Dict[str, dict], repeat: int, side: int) -> Tuple[List[list], List[list]]:
    """The enlargement table (quality, ringing, speed) and the shrinking table (aliasing)."""
    images = photos(side)
    numpy_times = adapter_times("numpy", repeat)
    big, small = [], []
    zone = zone_plate()
    for name, kwargs in MODES:
        p2, s2 = enlargement(kwargs, images, 2)
        p4, s4 = enlargement(kwargs, images, 4)
        over, under = ringing(kwargs)
        speeds = [f"{1e3 * numpy_times[name]:.1f}"] + [
            f"{1e3 * children[fw]['times'][name]:.1f}" if children.get(fw) else "-" for fw in FRAMEWORKS]
        big.append([name, f"{p2:.2f}", f"{s2:.3f}", f"{p4:.2f}", f"{s4:.3f}", f"{over:.3f}", f"{under:.3f}",
                    *speeds, f"{numpy_times[name] / numpy_times['bilinear']:.2f}"])
        shares = {aa: 100 * alias_share(Upsample(size=ZONE // 4, antialias=aa, **kwargs)(zone))
                  for aa in antialias_variants(kwargs)}
        small.append([name] + [f"{shares[aa]:.1f}%" if aa in shares else "-" for aa in (False, True)])
    return big, small


def table(header: List[str], rows: List[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


# -- figures ----------------------------------------------------------------------------------


def _grid(path: str, panels: List[Tuple[str, np.ndarray]], rows: int, columns: int, title: str, draw) -> str:
    """``panels`` (caption, picture) on a grid of ``rows`` x ``columns``, each
    drawn by ``draw(ax, picture)``, saved as a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, columns, figsize=(2.5 * columns, 2.9 * rows + 0.6))
    for ax, (caption, image) in zip(axes.flat, panels):
        draw(ax, image)
        ax.set_title(caption, fontsize=9)
    for ax in axes.flat:
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=85)
    plt.close(fig)
    return path


def figures(directory: str, children: Dict[str, dict], side: int) -> List[str]:
    """The zone plate shrunk by 4 by each framework's default bicubic and by the
    antialiased filters; a photo crop enlarged x4 by each mode.  PNG paths."""
    from skimage import data

    os.makedirs(directory, exist_ok=True)
    panels = [("zone plate 512x512", zone_plate()[0, 0])]
    panels += [(f"{fw} default bicubic", children[fw]["bicubic/zone"][0, 0]) for fw in FRAMEWORKS
               if children.get(fw) is not None]
    panels += [("cv2 INTER_CUBIC", natives("opencv", side)["bicubic/zone"][0, 0]),
               ("Pillow BICUBIC (antialiased)", pillow_zone("bicubic")[0, 0]),
               ("unisample bicubic antialias=True",
                Upsample(size=ZONE // 4, **UNISAMPLE_AA["bicubic"])(zone_plate())[0, 0])]
    zone = _grid(os.path.join(directory, "guide_zone_plate.png"), panels, 2, 4,
                 "A zone plate shrunk by 4 (512 -> 128): rings beyond the centre are aliasing",
                 lambda ax, image: ax.imshow(image, cmap="gray", vmin=-1, vmax=1, interpolation="nearest"))
    crop = np.asarray(data.astronaut(), np.float64)[90:138, 180:228] / 255.0  # her eye, 48x48
    x = np.ascontiguousarray(np.moveaxis(crop, -1, 0))[None]
    views = [("input 48x48", x)] + [(name, np.clip(Upsample(scale_factor=4, **kw)(x), 0, 1)) for name, kw in MODES]
    enlarged = _grid(os.path.join(directory, "guide_enlarge.png"), views, 2, 6, "A 48x48 crop enlarged x4 by each mode",
                     lambda ax, image: ax.imshow(np.moveaxis(image[0], 0, -1), interpolation="nearest"))
    return [zone, enlarged]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--frameworks", default=",".join(FRAMEWORKS))
    parser.add_argument("--figures", metavar="DIR", help="write the guide's pictures into DIR")
    parser.add_argument("--side", type=int, default=288, help="the photos' crop (a multiple of 4, at most 300)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.out, args.repeat, args.side)
        return
    from unisample.optional import MissingDependency, require

    try:
        for module in ("skimage", "PIL", "cv2") + (("matplotlib",) if args.figures else ()):
            require(module, "benchmarks/mode_guide.py")
    except MissingDependency as e:
        raise SystemExit(str(e)) from None
    if args.side % 4 or not 4 <= args.side <= 300:  # before any child runs
        raise SystemExit(f"--side: got {args.side}; expected a multiple of 4 from 4 to 300")
    if args.repeat < 1:
        raise SystemExit(f"--repeat: got {args.repeat}; expected a whole number >= 1")
    wanted = [f for f in args.frameworks.split(",") if f]
    unknown = [f for f in wanted if f not in FRAMEWORKS]
    if unknown:
        raise SystemExit(f"--frameworks: got {', '.join(unknown)}; expected some of {', '.join(FRAMEWORKS)}")
    with tempfile.TemporaryDirectory(prefix="unisample-guide-") as tmp:
        try:
            children = {fw: run_child(fw, args.repeat, args.side, tmp) for fw in FRAMEWORKS if fw in wanted}
        except subprocess.CalledProcessError as e:
            raise SystemExit(f"mode_guide: the {e.cmd[3]} process failed (status {e.returncode}); "
                             "its error is above") from None
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; photos "
          f"{', '.join(PHOTOS)} ({args.side}x{args.side} crops); speed: 8x3x256x256 float32 -> 512x512, "
          f"median of {args.repeat}")
    big, small = mode_rows(children, args.repeat, args.side)
    print("\nEnlarging (shrunk by block averages, enlarged back; PSNR in dB, SSIM; ringing on a step; ms):\n")
    print(table(["mode", "x2 PSNR", "x2 SSIM", "x4 PSNR", "x4 SSIM", "overshoot", "undershoot", "numpy ms",
                 *[f"{fw} ms" for fw in FRAMEWORKS], "x bilinear"], big))
    print("\nShrinking a zone plate by 4: share of the unrepresentable band left in the output (aliasing):\n")
    print(table(["mode", "antialias=False", "antialias=True"], small))
    print("\nEach framework's default shrink by 4, against Pillow's (which antialiases): PSNR in dB of uint8 "
          "photos, and its aliasing on the zone plate:\n")
    print(table(["framework", "bicubic call", "PSNR vs Pillow", "aliasing", "bilinear call", "PSNR vs Pillow",
                 "aliasing"], default_rows(children, args.side)))
    if args.figures:
        for path in figures(args.figures, children, args.side):
            print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
