"""Pixel helpers for tests: decode frames with real ffmpeg into numpy arrays, find and compare ink."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np


def size_of(path: Path) -> tuple[int, int]:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=width,height", "-of", "json", str(path)], check=True, capture_output=True,
                         text=True).stdout
    stream = json.loads(out)["streams"][0]
    return int(stream["width"]), int(stream["height"])


def gray(path: Path, at: float | None = None) -> np.ndarray:
    """One frame (the first, or the one at ``at`` seconds) as a float array in 0..1, shape (h, w)."""
    seek = ["-ss", f"{at:.3f}"] if at is not None else []
    raw = subprocess.run(["ffmpeg", "-v", "error", *seek, "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout
    w, h = size_of(path)
    return np.frombuffer(raw, np.uint8).reshape(h, w).astype(float) / 255.0


def ink_box(diff: np.ndarray, threshold: float = 0.25) -> tuple[int, int, int, int] | None:
    """Bounding box (x0, y0, x1, y1), inclusive, of pixels above ``threshold``; None if there are none."""
    ys, xs = np.nonzero(diff > threshold)
    if not len(xs):
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def normalized(img: np.ndarray, shape: tuple[int, int] = (12, 96), threshold: float = 0.5) -> np.ndarray:
    """The ink of an image cropped to its bounding box and area-averaged to ``shape`` (rows, cols):
    comparable across renderers whatever the size and position of the text."""
    box = ink_box(img, threshold)
    assert box is not None, "no ink in image"
    x0, y0, x1, y1 = box
    crop = img[y0:y1 + 1, x0:x1 + 1]
    h, w = crop.shape
    fy, fx = -(-shape[0] * 4 // h), -(-shape[1] * 4 // w)
    big = np.kron(crop, np.ones((fy, fx)))
    rows = np.arange(shape[0] + 1) * big.shape[0] // shape[0]
    cols = np.arange(shape[1] + 1) * big.shape[1] // shape[1]
    c = np.pad(big.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    return c[rows[1:]][:, cols[1:]] - c[rows[:-1]][:, cols[1:]] - c[rows[1:]][:, cols[:-1]] + c[rows[:-1]][:, cols[:-1]]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two images' normalized ink (1 = same shapes in the same order)."""
    x, y = normalized(a), normalized(b)
    x, y = x - x.mean(), y - y.mean()
    return float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum()))
