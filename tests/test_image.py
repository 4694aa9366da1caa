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
    assert "(4000x3000 RGB) ->" in proc.stdout and "(256x192)" in proc.stdout
    with Image.open(photo) as img:
        source = np.asarray(img.convert("RGB"))
    thumb = np.asarray(Image.open(out))
    assert thumb.shape == (192, 256, 3) and thumb.dtype == np.uint8
    # the rule, computed here independently with dense matrices: width pass, round half up and
    # saturate, height pass, round and saturate (bicubic a=-0.5 widened by the shrink factor).
    # HALF_UP's margin makes the dense products' summation order round like the engine's.
    spec = Upsample(size=(192, 256), mode="bicubic", antialias=True, data_format="channels_last")
    th, tw = spec.taps((3000, 4000))
    wide = np.einsum("wi,hic->hwc", tw.matrix(), source.astype(np.float64), optimize=True)
    wide = np.clip(np.floor(wide + HALF_UP), 0, 255)
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


def _run(*args):
    return subprocess.run([sys.executable, "-m", "unisample.cli", "resize", *map(str, args)], capture_output=True,
                          text=True)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_viewers_show_it(tmp_path, orientation):
    from PIL import Image, ImageOps

    pixels = np.random.default_rng(orientation).integers(0, 256, (30, 40, 3), dtype=np.uint8)
    img = Image.fromarray(pixels)
    exif = img.getexif()
    exif[0x0112] = orientation
    src = tmp_path / "phone.png"
    img.save(src, exif=exif)
    out = tmp_path / "out.png"
    assert _run(src, out, "--scale", "1", "--mode", "nearest").returncode == 0
    with Image.open(src) as original:
        upright = np.asarray(ImageOps.exif_transpose(original))  # Pillow's own reading of the tag
    with Image.open(out) as result:
        assert result.getexif().get(0x0112) is None  # not turned a second time by a viewer
        np.testing.assert_array_equal(np.asarray(result), upright)


def test_rgba_is_filtered_with_premultiplied_alpha_like_pillow(tmp_path):
    from PIL import Image

    # opaque red on the left, fully transparent on the right hiding bright green
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[:, :32] = (255, 0, 0, 255)
    rgba[:, 32:] = (0, 255, 0, 0)
    rgba[20:40, 28:36, 3] = 19  # a translucent seam
    src, out = tmp_path / "sprite.png", tmp_path / "thumb.png"
    Image.fromarray(rgba).save(src)
    assert _run(src, out, "--size", "24", "--mode", "bilinear").returncode == 0
    ours = np.asarray(Image.open(out)).astype(int)
    pillow = np.asarray(Image.fromarray(rgba).resize((24, 24), Image.BILINEAR, reducing_gap=None)).astype(int)
    visible = pillow[..., 3] > 0
    assert np.abs(ours[..., 3] - pillow[..., 3]).max() <= 1
    assert np.abs(ours[visible] - pillow[visible]).max() <= 1
    clear = np.zeros_like(visible)
    clear[:5], clear[18:] = True, True  # rows the translucent seam does not reach
    assert ours[visible & clear][:, 1].max() <= 1  # no green bleeds out from under the transparent half
    naive = resize_array(rgba, 24, 24, "bilinear").astype(int)  # each channel filtered on its own
    assert naive[visible & clear][:, 1].max() > 50


def test_palette_transparency_becomes_alpha(tmp_path):
    from PIL import Image

    pal = Image.new("P", (20, 10))
    pal.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    pal.paste(1, (10, 0, 20, 10))
    pal.info["transparency"] = 1
    src, out = tmp_path / "pal.png", tmp_path / "out.png"
    pal.save(src, transparency=1)
    proc = _run(src, out, "--scale", "2", "--mode", "nearest")
    assert proc.returncode == 0 and "RGBA" in proc.stdout
    result = np.asarray(Image.open(out))
    assert result.shape == (20, 40, 4) and (result[:, 20:, 3] == 0).all() and (result[:, :20, 3] == 255).all()


def test_depth_is_kept_or_refused_before_any_work(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(1)
    floats = rng.normal(size=(20, 30)).astype(np.float32)
    Image.fromarray(floats).save(tmp_path / "f.tif")
    assert _run(tmp_path / "f.tif", tmp_path / "f2.tif", "--size", "15x10", "--mode", "bilinear").returncode == 0
    result = np.asarray(Image.open(tmp_path / "f2.tif"))
    expected = Upsample(size=(10, 15), mode="bilinear", antialias=True)(floats[None, None])[0, 0]
    assert result.dtype == np.float32 and np.abs(result - expected).max() < 1e-5
    wide = rng.integers(-2**31, 2**31 - 1, (20, 30), dtype=np.int64).astype(np.int32)
    Image.fromarray(wide).save(tmp_path / "i.tif")
    assert _run(tmp_path / "i.tif", tmp_path / "i2.tif", "--scale", "2", "--mode", "nearest").returncode == 0
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "i2.tif")), wide.repeat(2, 0).repeat(2, 1))
    # formats that cannot hold the depth: refused, nothing written, existing file untouched
    (tmp_path / "keep.png").write_bytes(b"old")
    for src, dst, what in (("f.tif", "keep.png", "32-bit float"), ("i.tif", "keep.png", "32-bit integer")):
        proc = _run(tmp_path / src, tmp_path / dst, "--size", "8")
        assert proc.returncode == 2 and what in proc.stderr and "Traceback" not in proc.stderr
    grey16 = (np.arange(600, dtype=np.uint16).reshape(20, 30) * 100)
    Image.fromarray(grey16).save(tmp_path / "g16.png")
    proc = _run(tmp_path / "g16.png", tmp_path / "keep.jpg", "--size", "8")
    assert proc.returncode == 2 and "I;16" in proc.stderr and not (tmp_path / "keep.jpg").exists()
    assert (tmp_path / "keep.png").read_bytes() == b"old"


@pytest.mark.skipif(importlib.util.find_spec("cv2") is None, reason="OpenCV is not installed")
def test_16_bit_colour_stays_16_bit(tmp_path):
    import cv2

    rgb = np.random.default_rng(2).integers(0, 65536, (24, 36, 3), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / "deep.png"), rgb[..., ::-1])
    proc = _run(tmp_path / "deep.png", tmp_path / "up.png", "--scale", "2", "--mode", "nearest")
    assert proc.returncode == 0 and "RGB;16" in proc.stdout, proc.stderr
    back = cv2.imread(str(tmp_path / "up.png"), cv2.IMREAD_UNCHANGED)[..., ::-1]
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back, rgb.repeat(2, 0).repeat(2, 1))
    proc = _run(tmp_path / "deep.png", tmp_path / "deep.jpg", "--size", "8")
    assert proc.returncode == 2 and "cannot store 16-bit RGB" in proc.stderr


def test_bad_and_huge_images_are_one_line_errors(tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((100, 100), np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "junk.png").write_bytes(b"\x89PNG not really")
    cases = [
        ((tmp_path / "junk.png", tmp_path / "o.png", "--size", "8"), "not an image file Pillow can read"),
        ((tmp_path / "missing.png", tmp_path / "o.png", "--size", "8"), "does not exist"),
        ((tmp_path / "a.png", tmp_path / "o.png", "--size", "100000x100000"), "over the limit"),
        ((tmp_path / "a.png", tmp_path / "o.png", "--size", "8", "--max-pixels", "5000"), "decompression-bomb"),
        ((tmp_path / "a.png", tmp_path / "nodir" / "o.png", "--size", "8"), "does not exist"),
        ((tmp_path / "a.png", tmp_path / "o.xyz", "--size", "8"), "extension '.xyz'"),
    ]
    for args, message in cases:
        proc = _run(*args)
        assert proc.returncode == 2 and message in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert not (tmp_path / "o.png").exists()


def test_the_summary_says_antialiased_only_when_it_was(tmp_path):
    from PIL import Image

    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(tmp_path / "a.png")
    up = _run(tmp_path / "a.png", tmp_path / "b.png", "--scale", "2.5")
    down = _run(tmp_path / "a.png", tmp_path / "c.png", "--scale", "0.5")
    assert up.returncode == down.returncode == 0
    assert "antialiased" not in up.stdout and ", antialiased," in down.stdout


@pytest.mark.skipif(importlib.util.find_spec("cv2") is None, reason="OpenCV is not installed")
def test_16_bit_colour_tiff_stays_16_bit(tmp_path):
    import cv2

    rgb = np.random.default_rng(3).integers(0, 65536, (10, 14, 3), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / "deep.tif"), rgb[..., ::-1])
    proc = _run(tmp_path / "deep.tif", tmp_path / "up.tif", "--scale", "2", "--mode", "nearest")
    assert proc.returncode == 0 and "RGB;16" in proc.stdout, proc.stdout + proc.stderr
    back = cv2.imread(str(tmp_path / "up.tif"), cv2.IMREAD_UNCHANGED)[..., ::-1]
    np.testing.assert_array_equal(back, rgb.repeat(2, 0).repeat(2, 1))


def test_alpha_written_to_jpeg_is_composited_over_white(tmp_path):
    from PIL import Image

    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:, :4, 3] = 255  # opaque red-ish left half, transparent right half
    Image.fromarray(rgba).save(tmp_path / "logo.png")
    proc = _run(tmp_path / "logo.png", tmp_path / "logo.jpg", "--scale", "1", "--mode", "nearest")
    assert proc.returncode == 0, proc.stderr
    out = np.asarray(Image.open(tmp_path / "logo.jpg")).astype(int)
    assert out.shape == (8, 8, 3)
    assert np.abs(out[:, 6:] - 255).max() <= 8  # white where transparent (JPEG's loss aside)
    assert np.abs(out[:, :2] - (200, 0, 0)).max() <= 12
