"""The mode guide's measures (benchmarks/mode_guide.py), checked against what
they claim to measure: scikit-image's PSNR, an ideal low-pass (the zone plate
filtered in the frequency domain) and hand-derived ringing of the cubic kernel.
The guide's own numbers are benchmark output, not asserted here."""

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

HAS_GUIDE = all(importlib.util.find_spec(m) is not None for m in ("skimage", "matplotlib", "PIL", "cv2"))
pytestmark = pytest.mark.skipif(not HAS_GUIDE, reason='needs the guide extra: pip install ".[guide]"')

BENCHMARKS = os.path.join(os.path.dirname(__file__), "..", "benchmarks")
sys.path.insert(0, BENCHMARKS)

guide = pytest.importorskip("mode_guide") if HAS_GUIDE else None


def test_psnr_is_scikit_images():
    from skimage.metrics import peak_signal_noise_ratio

    rng = np.random.default_rng(0)
    a, b = rng.random((1, 3, 20, 20)), rng.random((1, 3, 20, 20))
    assert guide.psnr(a, b, 1.0) == pytest.approx(peak_signal_noise_ratio(a, b, data_range=1.0))


def test_the_zone_plates_local_frequency_is_r_over_n():
    # cos(pi r**2 / n): between two neighbouring pixels on the axis at radius r the phase moves by
    # about 2 pi r / n, so r / n cycles per pixel; the input's Nyquist (0.5) is reached at r = n / 2
    z = guide.zone_plate(512)[0, 0]
    row = z[256, 256:]  # from the middle outwards: the middle is between pixels 255 and 256 both ways
    r2 = 0.5 ** 2 + (np.arange(256) + 0.5) ** 2
    assert np.allclose(row, np.cos(np.pi * r2 / 512))


def test_an_ideal_low_pass_leaves_no_aliasing_and_keeping_every_fourth_pixel_leaves_it_all():
    z = guide.zone_plate()[0, 0]
    n = z.shape[0]
    f = np.fft.fftfreq(n)
    keep = (np.abs(f)[:, None] < 0.125) & (np.abs(f)[None, :] < 0.125)  # the smaller grid's band
    ideal = np.real(np.fft.ifft2(np.fft.fft2(z) * keep))[1::4, 1::4]  # sampled at output pixel centres
    assert guide.alias_share(ideal[None, None]) < 0.02
    kept = z[1::4, 1::4]  # nearest: every fourth pixel, nothing filtered
    assert guide.alias_share(kept[None, None]) > 0.9


def test_ringing_of_cubic_and_of_linear():
    # linear interpolation stays within the step.  Keys' cubic (a=-0.75) overshoots: an output at
    # d = 0.125, 0.375, 0.625, 0.875 past the edge is 1 - w(1 + d), w(t) = a(t^3 - 5t^2 + 8t - 4) on
    # [1, 2] (negative there); by hand the largest is at t = 1.375, and below the edge it mirrors
    over, under = guide.ringing({"mode": "bilinear"})
    assert over == 0 and under == 0
    a, t = -0.75, 1.375
    w = a * (t ** 3 - 5 * t ** 2 + 8 * t - 4)
    over, under = guide.ringing({"mode": "bicubic"})
    assert over == pytest.approx(-w, abs=1e-12) and under == pytest.approx(-w, abs=1e-12)


def test_every_mode_of_the_guide_is_a_valid_spec_both_ways_where_it_antialiases():
    # nearest and area have no antialiased form; every filter has both
    one_way = {"nearest", "nearest-exact", "area"}
    for name, kwargs in guide.MODES:
        assert guide.antialias_variants(kwargs) == ([False] if name in one_way else [False, True]), name


def test_a_bad_side_is_one_line_before_any_framework_runs():
    proc = subprocess.run([sys.executable, os.path.join(BENCHMARKS, "mode_guide.py"), "--side", "301"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "--side: got 301; expected a multiple of 4 from 4 to 300"


def test_the_guide_runs_and_its_tables_say_what_the_papers_say(tmp_path):
    # small photos and one framework keep it short; the README's figures come from the full run
    env = dict(os.environ, PYTHONPATH=BENCHMARKS + os.pathsep + os.environ.get("PYTHONPATH", ""))
    frameworks = "torch" if importlib.util.find_spec("torch") else ""
    proc = subprocess.run([sys.executable, os.path.join(BENCHMARKS, "mode_guide.py"), "--repeat", "1", "--side",
                           "128", "--frameworks", frameworks, "--figures", str(tmp_path)],
                          capture_output=True, text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    tables = []  # each Markdown table of the output: {first cell: the other cells}
    for line in proc.stdout.splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if not line.startswith("|"):
            continue
        if cells[0] in ("mode", "framework"):
            tables.append({})
        elif not set(cells[0]) <= set("-"):
            tables[-1][cells[0]] = cells[1:]
    big, small, defaults = tables
    assert set(big) == set(small) == {name for name, _ in guide.MODES}
    # enlarging: bicubic keeps more than nearest; lanczos3 rings more than bilinear (which does not)
    assert float(big["bicubic a=-0.75"][0]) > float(big["nearest"][0])
    assert float(big["bilinear"][4]) == 0.0 < float(big["lanczos3"][4])
    # shrinking: antialiasing removes most of what aliases
    share = lambda text: float(text.rstrip("%"))  # noqa: E731
    assert share(small["bicubic a=-0.75"][1]) < share(small["bicubic a=-0.75"][0]) / 5
    # the defaults that do not antialias alias more than Pillow and unisample's antialiased filter
    assert share(defaults["opencv"][2]) > 5 * share(defaults["unisample"][2])
    assert float(defaults["unisample"][1]) > float(defaults["opencv"][1]) + 3  # dB closer to Pillow
    if frameworks:
        assert share(defaults["torch"][2]) > 5 * share(defaults["unisample"][2])
    for name in ("guide_zone_plate.png", "guide_enlarge.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
