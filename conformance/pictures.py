"""Small pictures of arrays for the HTML report: PNG encoding with numpy and zlib only."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Optional

import numpy as np


def png(image: np.ndarray) -> bytes:
    """Encode an ``(H, W)`` or ``(H, W, 3)`` uint8 array as PNG."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = image.shape[:2]
    color_type = 2 if image.ndim == 3 else 0
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def data_uri(image: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(image)).decode("ascii")


def plane(x: np.ndarray, channels_last: bool) -> np.ndarray:
    """The first image's first channel as a 2-D float array (1-D signals as one row,
    3-D volumes by their middle slice)."""
    x = np.asarray(x, dtype=np.float64)
    x = np.moveaxis(x, -1, 1) if channels_last else x
    x = x[0, 0] if x.shape[0] and x.shape[1] else np.zeros((1, 1))
    while x.ndim > 2:
        x = x[x.shape[0] // 2]
    return x[None, :] if x.ndim == 1 else x


def grey(values: np.ndarray, lo: float, hi: float, size: int = 120) -> np.ndarray:
    """``values`` scaled from [lo, hi] to 0..255 and enlarged by pixel repetition to about ``size``."""
    scaled = np.clip((values - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    image = (scaled * 255).round().astype(np.uint8)
    factor = max(1, size // max(image.shape))
    image = np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)
    if image.shape[0] < size // 5:  # a 1-D signal: a band tall enough to see
        image = np.repeat(image, -(-(size // 5) // image.shape[0]), axis=0)
    return image


def heat(values: np.ndarray, size: int = 120, peak: Optional[float] = None) -> np.ndarray:
    """Non-negative ``values`` as white (0) to red (``peak``, default their
    maximum; above it, red too), enlarged like ``grey``."""
    if peak is None:
        peak = float(values.max()) if values.size else 0.0
    level = grey(values, 0.0, peak if peak > 0 else 1.0, size)
    return np.stack([np.full_like(level, 255), 255 - level, 255 - level], axis=-1)
