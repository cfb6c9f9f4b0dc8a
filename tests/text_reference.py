"""An independent rendering of a caption line, word by word: HarfBuzz shapes each word in the fonts the
pipeline chose (OpenType shaping, as a browser would), fontTools draws the glyph outlines, librsvg (through
ffmpeg's SVG decoder) rasterizes them. Nothing of libass or FriBidi is involved, so a glyph libass draws
that this rendering does not (a box) or one it leaves out shows up as a word that differs."""

from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_RTL = {"R", "AL"}


def direction(word: str) -> str | None:
    """'L' or 'R' from a word's first strong character, 'N' for a number with none, else None."""
    kinds = [unicodedata.bidirectional(ch) for ch in word]
    strong = next((k for k in kinds if k == "L" or k in _RTL), None)
    if strong:
        return "L" if strong == "L" else "R"
    return "N" if any(k in ("EN", "AN") for k in kinds) else None


def visual_words(text: str, rtl: bool) -> list[str]:
    """The words of a one-line paragraph in the order they appear on screen, left to right. A
    right-to-left paragraph keeps each run of left-to-right words (a Latin name, with a number right
    after it) in its own order and reverses everything else: Unicode bidi for text without embeddings."""
    words = text.split()
    if not rtl:
        return words
    groups: list[list[str]] = []
    for word in words:
        kind = direction(word)
        if kind in ("L", "N") and groups and direction(groups[-1][0]) == "L":
            groups[-1].append(word)
        else:
            groups.append([word])
    return [w for group in reversed(groups) for w in group]


@dataclass
class _Face:
    path: Path
    hb_font: object
    tt: object
    cmap: set[int]

    def em(self, size: float) -> float:
        """Pixels per em at font size ``size``: libass (like VSFilter and GDI) makes a face's full
        height, OS/2 winAscent + winDescent, the size; every face of a line gets the same size."""
        os2 = self.tt["OS/2"]
        return size * self.tt["head"].unitsPerEm / (os2.usWinAscent + os2.usWinDescent)


def _faces(paths: list[Path]) -> list[_Face]:
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    faces = []
    for path in paths:
        tt = TTFont(str(path))
        faces.append(_Face(path, hb.Font(hb.Face(hb.Blob.from_file_path(str(path)))), tt, set(tt.getBestCmap())))
    return faces


def _word_paths(word: str, faces: list[_Face], size: float, x0: float, baseline: float) -> tuple[list[str], float]:
    """SVG paths of one word shaped by HarfBuzz, starting at ``x0``; returns the paths and the advance."""
    import uharfbuzz as hb
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen

    rtl = direction(word) == "R"
    runs: list[tuple[_Face, str]] = []
    for ch in word:
        face = next((f for f in faces if ord(ch) in f.cmap), faces[0])
        if runs and runs[-1][0] is face:
            runs[-1] = (face, runs[-1][1] + ch)
        else:
            runs.append((face, ch))
    x, paths = x0, []
    for face, run in (reversed(runs) if rtl else runs):
        glyphs, order = face.tt.getGlyphSet(), face.tt.getGlyphOrder()
        scale = face.em(size) / face.tt["head"].unitsPerEm
        buf = hb.Buffer()
        buf.add_str(run)
        buf.guess_segment_properties()
        buf.direction = "rtl" if rtl else "ltr"
        hb.shape(face.hb_font, buf, {})
        for info, pos in zip(buf.glyph_infos, buf.glyph_positions):
            pen = SVGPathPen(glyphs)
            transform = (scale, 0, 0, -scale, x + pos.x_offset * scale, baseline - pos.y_offset * scale)
            glyphs[order[info.codepoint]].draw(TransformPen(pen, transform))
            if pen.getCommands():
                paths.append(f'<path d="{pen.getCommands()}"/>')
            x += pos.x_advance * scale
    return paths, x - x0


def reference_words(text: str, fonts: list[Path], folder: Path, *, rtl: bool = False,
                    size: float = 96.0) -> list[tuple[str, np.ndarray]]:
    """Each word of ``text`` (visual order, left to right) with its ink, drawn at font size ``size`` in
    the first of ``fonts`` that has each character (the chosen face, then its companions, as libass
    falls back). The words share one baseline, in one image as tall as the line."""
    faces = _faces(fonts)
    words = visual_words(text, rtl)
    x, spans, paths = size, [], []
    for word in words:
        drawn, advance = _word_paths(word, faces, size, x, size * 1.1)
        paths += drawn
        spans.append((int(x - size / 2), int(x + advance + size / 2)))
        x += advance + size  # far apart: each word's ink crops cleanly
    width, height = int(x), int(size * 1.8)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
           f'<rect width="100%" height="100%" fill="black"/><g fill="white">{"".join(paths)}</g></svg>')
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "reference.svg"
    src.write_text(svg, encoding="utf-8")
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(src), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         check=True, capture_output=True).stdout  # ffmpeg's SVG decoder is librsvg
    image = np.frombuffer(raw, np.uint8).reshape(height, width).astype(float) / 255.0
    return [(word, image[:, a:b]) for word, (a, b) in zip(words, spans)]
