"""``unisample resize``: image files, the integer rounding rule, Pillow as an independent check."""

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from unisample import Upsample
from unisample.dtypes import HALF_UP
from unisample.image import output_size, parse_size, resize_array

pytestmark = pytest.mark.skipif(importlib.util.find_spec("PIL") is None, reason="Pillow is not installed")


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A generated 4000x3000 JPEG: smooth gradients, a fine pattern that aliases if not filtered, noise."""
    from PIL import Image

    h, w = 3000, 4000
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(0)
    img = np.stack([128 + 100 * np.sin(xx / 3.1) * np.cos(yy / 53.0), 255 * xx / w, 255 * yy / h], -1)
    img = np.clip(img + rng.normal(0, 12, (h, w, 3)), 0, 255).astype(np.uint8)
    path = tmp_path_factory.mktemp("photo") / "photo.jpg"
    Image.fromarray(img).save(path, quality=92)
    return path


def test_thumbnail_of_a_4000x3000_jpeg(photo, tmp_path):
    from PIL import Image

    out = tmp_path / "thumb.png"
    proc = subprocess.run([sys.executable, "-m", "unisample.cli", "resize", str(photo), str(out), "--size", "256"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "(4000x3000) ->" in proc.stdout and "(256x192)" in proc.stdout
    with Image.open(photo) as img:
        source = np.asarray(img.convert("RGB"))
    thumb = np.asarray(Image.open(out))
    assert thumb.shape == (192, 256, 3) and thumb.dtype == np.uint8
    # the rule, computed here independently with dense matrices: width pass, round half up and
    # saturate, height pass, round and saturate (bicubic a=-0.5 widened by the shrink factor).
    # HALF_UP's margin makes the dense products' summation order round like the engine's.
    spec = Upsample(size=(192, 256), mode="bicubic", antialias=True, data_format="channels_last")
    th, tw = spec.taps((3000, 4000))
    wide = np.clip(np.floor(np.einsum("wi,hic->hwc", tw.matrix(), source.astype(np.float64), optimize=True) + HALF_UP), 0, 255)
    expected = np.clip(np.floor(np.einsum("hi,iwc->hwc", th.matrix(), wide, optimize=True) + HALF_UP), 0, 255)
    np.testing.assert_array_equal(thumb, expected)
    # Pillow's own antialiased bicubic is the same filter in 8-bit fixed point: within 1
    pillow = np.asarray(Image.fromarray(source).resize((256, 192), Image.BICUBIC, reducing_gap=None))
    assert np.abs(thumb.astype(int) - pillow).max() <= 1
    # without antialias the fine pattern aliases: far from Pillow's
    aliased = resize_array(source, 256, 192, "bicubic", antialias=False)
    assert np.abs(aliased.astype(int) - pillow).mean() > 5 * np.abs(thumb.astype(int) - pillow).mean()


def test_16_bit_png_and_fits(tmp_path):
    from PIL import Image

    grey = (np.arange(60 * 80, dtype=np.uint32).reshape(60, 80) * 13 % 65536).astype(np.uint16)
    src = tmp_path / "deep.png"
    Image.fromarray(grey).save(src)
    for fit, expected in (("contain", (40, 30)), ("cover", (40, 40)), ("stretch", (40, 40))):
        out = tmp_path / f"{fit}.png"
        proc = subprocess.run([sys.executable, "-m", "unisample.cli", "resize", str(src), str(out), "--size", "40",
                               "--fit", fit, "--mode", "bilinear"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        result = np.asarray(Image.open(out))
        assert result.dtype == np.uint16 and result.shape[::-1] == expected
    up = tmp_path / "up.png"
    assert subprocess.run([sys.executable, "-m", "unisample.cli", "resize", str(src), str(up), "--scale", "2",
                           "--mode", "nearest"], capture_output=True).returncode == 0
    np.testing.assert_array_equal(np.asarray(Image.open(up)), grey.repeat(2, 0).repeat(2, 1))


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_every_framework_gives_the_same_pixels():
    image = np.random.default_rng(0).integers(0, 256, (90, 70, 3), dtype=np.uint8)
    ours = resize_array(image, 31, 40, "bilinear")
    np.testing.assert_array_equal(resize_array(image, 31, 40, "bilinear", framework="torch"), ours)


def test_sizes_and_bad_arguments(capsys):
    assert parse_size("640x480") == (640, 480) and parse_size("256") == (256, 256)
    assert output_size(4000, 3000, size=(256, 256)) == ((256, 192), None)
    assert output_size(4000, 3000, size=(256, 256), fit="cover") == ((341, 256), (42, 0, 298, 256))
    assert output_size(4000, 3000, scale=0.1) == ((400, 300), None)
    for bad in ("0x5", "12x", "wide"):
        with pytest.raises(ValueError, match="size: got"):
            parse_size(bad)
    with pytest.raises(ValueError, match="fit: got 'crop'"):
        output_size(10, 10, size=(5, 5), fit="crop")
    from unisample import cli

    assert cli.main(["resize", "missing.png", "out.png", "--size", "0x3"]) == 2
    assert "unisample resize: size: got '0x3'" in capsys.readouterr().err
