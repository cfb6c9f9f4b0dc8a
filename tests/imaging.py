"""Pixel helpers for tests: decode frames with real ffmpeg into numpy arrays, find and compare ink, word by
word, and find missing-glyph boxes."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
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


# -- word by word ------------------------------------------------------------------------------------

INK = 0.5  # a pixel is ink above this (images in 0..1, text light on dark)
#: A word matches when its width is within this of what the reference predicts (pixels, or a share of
#: the width for long words) and its shape correlates at least this well. Measured on the nine report
#: languages (tests/test_render_languages.py): matching words differ by at most 3 px and correlate at
#: 0.89 or more; one glyph dropped from or doubled in any word moves it by 5 px or more or drops the
#: correlation below 0.85.
WORD_WIDTH_SLACK = (4.0, 0.03)
WORD_MIN_CORRELATION = 0.85


def _span(mask: np.ndarray, axis: int) -> tuple[int, int]:
    idx = np.nonzero(mask.any(axis=axis))[0]
    assert len(idx), "no ink in image"
    return int(idx[0]), int(idx[-1]) + 1


def _blank_runs(line: np.ndarray, x0: int, x1: int) -> list[tuple[int, int]]:
    """Runs of columns without ink between ``x0`` and ``x1``: where words (and some letters) part."""
    cols = (line > INK).any(axis=0)
    runs, start = [], None
    for x in range(x0, x1):
        if not cols[x]:
            start = x if start is None else start
        elif start is not None:
            runs.append((start, x))
            start = None
    return runs


def _best_cuts(gaps: list[tuple[int, int]], x0: int, x1: int, expected: list[float]) -> list[tuple[int, int]]:
    """The word spans, cut at len(expected)-1 of ``gaps``, whose widths are closest (least squares) to
    ``expected``: dynamic programming over the gaps in order."""
    n, count = len(expected), len(gaps)
    if n == 1:
        return [(x0, x1)]
    assert count >= n - 1, f"the line has {count + 1} separable pieces, fewer than its {n} words"
    inf = float("inf")
    cost = [[inf] * count for _ in range(n)]
    back = [[-1] * count for _ in range(n)]
    for j in range(count):
        cost[1][j] = (gaps[j][0] - x0 - expected[0]) ** 2
    for k in range(2, n):
        for j in range(k - 1, count):
            for i in range(k - 2, j):
                c = cost[k - 1][i] + (gaps[j][0] - gaps[i][1] - expected[k - 1]) ** 2
                if c < cost[k][j]:
                    cost[k][j], back[k][j] = c, i
    last = min(range(count), key=lambda i: cost[n - 1][i] + (x1 - gaps[i][1] - expected[-1]) ** 2)
    chosen = [last]
    for k in range(n - 1, 1, -1):
        chosen.append(back[k][chosen[-1]])
    edges = [x0] + [x for i in reversed(chosen) for x in gaps[i]] + [x1]
    return [(edges[2 * i], edges[2 * i + 1]) for i in range(n)]


def resample(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``img`` resized to ``shape`` (rows, cols) by bilinear interpolation."""
    h, w = img.shape
    ys = np.clip((np.arange(shape[0]) + 0.5) * h / shape[0] - 0.5, 0, h - 1)
    xs = np.clip((np.arange(shape[1]) + 0.5) * w / shape[1] - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None], xs - x0
    top = img[y0][:, x0] * (1 - fx) + img[y0][:, x1] * fx
    bottom = img[y1][:, x0] * (1 - fx) + img[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    norm = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / norm) if norm else 0.0


@dataclass
class WordMatch:
    """One word of a rendered line against the same word of a reference rendering."""

    word: str
    width: int  # pixels, in the line
    expected: float  # the reference word's width at the line's scale
    correlation: float  # of the shapes, the reference resized onto the line's word

    @property
    def ok(self) -> bool:
        slack = max(WORD_WIDTH_SLACK[0], WORD_WIDTH_SLACK[1] * self.expected)
        return abs(self.width - self.expected) <= slack and self.correlation >= WORD_MIN_CORRELATION

    def __str__(self) -> str:
        return f"{self.word!r}: {self.width} px for {self.expected:.1f} expected, shape correlation {self.correlation:.3f}"


def compare_words(line: np.ndarray, reference: list[tuple[str, np.ndarray]]) -> list[WordMatch]:
    """Split the ink of a rendered one-line caption into the reference's words (visual order) and
    compare each: its width at the line's scale and its shape. The line is cut at the blank columns
    that make the words' widths closest to the reference's, so a glyph too many or too few in one
    word shows up in that word rather than being spread over the line."""
    mask = line > INK
    y0, y1 = _span(mask, 1)
    x0, x1 = _span(mask, 0)
    all_ref = np.concatenate([img for _, img in reference], axis=1)
    ry0, ry1 = _span(all_ref > INK, 1)
    words = []
    for word, img in reference:
        a, b = _span(img > INK, 0)
        words.append((word, img[ry0:ry1, a:b]))
    widths = [img.shape[1] for _, img in words]
    gaps = _blank_runs(line, x0, x1)
    widest = sorted(gaps, key=lambda g: g[1] - g[0], reverse=True)[: len(words) - 1]
    scale = ((x1 - x0) - sum(b - a for a, b in widest)) / sum(widths)  # first guess: word gaps are widest
    for _ in range(2):
        spans = _best_cuts(gaps, x0, x1, [w * scale for w in widths])
        scale = float(np.median([(b - a) / w for (a, b), w in zip(spans, widths)]))
    matches = []
    for (word, ref), (a, b) in zip(words, spans):
        got = line[y0:y1, a:b]
        matches.append(WordMatch(word, b - a, ref.shape[1] * scale, _correlation(got, resample(ref, got.shape))))
    return matches


def find_boxes(img: np.ndarray, min_height: int = 10) -> list[tuple[int, int, int, int]]:
    """Missing-glyph boxes (tofu) in an image of text: connected pieces of ink that are a rectangle's
    outline (ink all along the four sides of their bounding box, none inside). Returns (x, y, w, h)."""
    mask = img > INK
    seen = np.zeros(mask.shape, bool)
    height, width = mask.shape
    found = []
    for y, x in zip(*np.nonzero(mask)):
        if seen[y, x]:
            continue
        seen[y, x] = True
        stack, pixels = [(y, x)], []
        while stack:
            cy, cx = stack.pop()
            pixels.append((cy, cx))
            for ny in (cy - 1, cy, cy + 1):
                for nx in (cx - 1, cx, cx + 1):
                    if 0 <= ny < height and 0 <= nx < width and mask[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        ys, xs = np.array(pixels).T
        by, bx, h, w = ys.min(), xs.min(), ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        if h < min_height or w < 4:
            continue
        piece = np.zeros((h, w), bool)
        piece[ys - by, xs - bx] = True
        sides = (piece[:2].any(0).mean(), piece[-2:].any(0).mean(), piece[:, :2].any(1).mean(),
                 piece[:, -2:].any(1).mean())
        inside = piece[h // 4: h - h // 4, w // 4: w - w // 4].mean()
        if min(sides) > 0.9 and inside < 0.05:
            found.append((int(bx), int(by), int(w), int(h)))
    return sorted(found)
