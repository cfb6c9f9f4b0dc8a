"""Fonts for burned-in captions: which scripts a track is written in, which installed font draws each
script, and proof that the chosen fonts hold a glyph for everything libass will draw before anything is
burned. What libass draws is not only the cue's characters: its shaping rewrites Arabic into presentation
forms and puts U+FEFF after every lam-alef ligature (:mod:`pipeline.fribidi`), and a face lacking those
code points draws a box.

Fonts are found through fontconfig (``fc-match``, ``fc-list``) and read with fontTools; both are looked up
once per process. Nothing here runs at import time.
"""

from __future__ import annotations

import functools
import logging
import shutil
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pipeline import languages
from pipeline.errors import PipelineError
from pipeline.fribidi import FILL, libass_drawn_lines
from pipeline.model import Cue, Track, strip_tags

log = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install fontconfig fonts-noto-core (fonts-noto-cjk for Chinese, Japanese, Korean)"

#: Preferred families per script, best first (scripts as the first word of a character's Unicode name,
#: lower case). The first installed family that draws the track's text as libass draws it is chosen;
#: scripts not listed try "Noto Sans <Script>"; then any installed font that draws it.
SCRIPT_FAMILIES = {
    "latin": ("Noto Sans",), "greek": ("Noto Sans",), "cyrillic": ("Noto Sans",),
    # Noto Sans Arabic and Noto Kufi Arabic have no U+FEFF, which libass draws after every lam-alef
    # (and Kufi has almost no presentation forms): with them every "لا" gets a box.
    "arabic": ("Noto Naskh Arabic", "Noto Sans Arabic"), "hebrew": ("Noto Sans Hebrew",),
    "syriac": ("Noto Sans Syriac",), "devanagari": ("Noto Sans Devanagari",),
    "bengali": ("Noto Sans Bengali",), "tamil": ("Noto Sans Tamil",), "thai": ("Noto Sans Thai",),
    "armenian": ("Noto Sans Armenian",), "georgian": ("Noto Sans Georgian",),
    "ethiopic": ("Noto Sans Ethiopic",), "khmer": ("Noto Sans Khmer",), "myanmar": ("Noto Sans Myanmar",),
}
#: CJK text needs the regional family of its language (shapes of shared ideographs differ).
CJK_FAMILIES = {"ja": "Noto Sans CJK JP", "ko": "Noto Sans CJK KR", "zh-Hant": "Noto Sans CJK TC",
                "zh-TW": "Noto Sans CJK TC", "zh-HK": "Noto Sans CJK HK"}
CJK_DEFAULT = "Noto Sans CJK SC"
_CJK_SCRIPTS = {"cjk", "hiragana", "katakana", "hangul", "bopomofo", "ideographic"}
#: Scripts written right to left: libass must find the paragraph direction for them.
RTL_SCRIPTS = {"arabic", "hebrew", "syriac", "thaana", "nko", "adlam", "samaritan", "mandaic"}
#: Name prefixes that are not scripts.
_NOT_SCRIPTS = {"combining", "modifier", "fullwidth", "halfwidth", "small", "zero", "variation"}
#: Characters that need no glyph: line breaks, controls, and format characters (bidi marks, joiners)
#: that shaping engines consume.
_NO_GLYPH_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
RLM = "\u200f"  # RIGHT-TO-LEFT MARK, opening each line of a right-to-left track (pipeline.render)


class FontError(PipelineError):
    """No usable font: not installed, or missing glyphs for a track's characters."""


@dataclass(frozen=True)
class FontChoice:
    """An installed font face chosen for a script."""

    family: str
    file: Path
    index: int = 0  # face index inside a .ttc collection
    script: str = "latin"


@dataclass(frozen=True)
class FontSet:
    """The fonts of one track: the primary face (given to libass as FontName) and faces for its other
    scripts; ``files`` are every font file to hand to libass (bold faces included)."""

    primary: FontChoice
    others: tuple[FontChoice, ...] = ()
    files: tuple[Path, ...] = ()
    rtl: bool = False
    bold: bool = False

    @property
    def faces(self) -> tuple[FontChoice, ...]:
        return (self.primary, *self.others)

    @property
    def drawing_faces(self) -> tuple[FontChoice, ...]:
        """The faces libass draws with: each face's bold face when the style is bold and it has one."""
        if not self.bold:
            return self.faces
        return tuple(installed_family(face.family, bold=True) or face for face in self.faces)


def char_script(ch: str) -> str | None:
    """The script of one character (``latin``, ``arabic``, ``cjk`` ...), or None for characters every
    script shares (digits, punctuation, spaces, symbols, combining marks)."""
    category = unicodedata.category(ch)
    if category[0] not in "LM":
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return None
    first = name.split(" ", 1)[0].lower()
    if first in _NOT_SCRIPTS:
        if first in ("fullwidth", "halfwidth") and "LATIN" in name:
            return "latin"
        if first in ("fullwidth", "halfwidth") and "KATAKANA" in name:
            return "cjk"
        return None
    if first in _CJK_SCRIPTS:
        return "cjk"
    return first


def visible_chars(track: Track) -> Counter:
    """Characters a viewer sees (tags removed), counted; line breaks and format characters left out."""
    counts: Counter = Counter()
    for cue in track:
        for ch in strip_tags(cue.text):
            if unicodedata.category(ch) not in _NO_GLYPH_CATEGORIES:
                counts[ch] += 1
    return counts


def track_scripts(track: Track) -> Counter:
    """How many letters of each script the track holds."""
    scripts: Counter = Counter()
    for ch, n in visible_chars(track).items():
        script = char_script(ch)
        if script:
            scripts[script] += n
    return scripts


def is_rtl(track: Track) -> bool:
    """True when the track is mostly written in a right-to-left script."""
    scripts = track_scripts(track)
    return bool(scripts) and scripts.most_common(1)[0][0] in RTL_SCRIPTS


# -- fontconfig -------------------------------------------------------------------------------------

def _fc(tool: str, *args: str) -> str:
    exe = shutil.which(tool)
    if not exe:
        raise FontError(f"{tool} was not found on PATH", hint=f"install it: {INSTALL_HINT}")
    proc = subprocess.run([exe, *args], capture_output=True, text=True, errors="replace")
    return proc.stdout


@functools.lru_cache(maxsize=None)
def match(pattern: str) -> FontChoice | None:
    """fontconfig's best match for a pattern (``"Noto Sans:bold"``); None if nothing is installed."""
    out = _fc("fc-match", "-f", "%{family[0]}\t%{file}\t%{index}", pattern).strip()
    if not out or out.count("\t") != 2:
        return None
    family, file, index = out.split("\t")
    return FontChoice(family, Path(file), int(index or 0))


@functools.lru_cache(maxsize=None)
def _covering(codepoint: int) -> tuple[tuple[str, str, int], ...]:
    """Installed faces whose charset holds ``codepoint``: (family, file, index), Noto Sans first."""
    out = _fc("fc-list", f":charset={codepoint:x}", "--format", "%{family[0]}\t%{file}\t%{index}\n")
    faces = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[1]:
            faces.append((parts[0], parts[1], int(parts[2] or 0)))
    # Prefer regular upright Noto Sans faces, then Noto, then anything (stable by name).
    def rank(face):
        fam, file, _ = face
        name = Path(file).name
        return (not fam.startswith("Noto Sans"), not fam.startswith("Noto"),
                "Regular" not in name, fam, file)
    return tuple(sorted(faces, key=rank))


def installed_family(family: str, bold: bool = False) -> FontChoice | None:
    """The installed face of exactly ``family`` (its bold face with ``bold``), or None."""
    found = match(f"{family}:bold" if bold else family)
    if found is None or found.family.casefold() != family.casefold():
        return None
    return found


def ui_font() -> str | None:
    """A font file for labels and banners drawn with drawtext (Noto Sans Bold, or fontconfig's sans)."""
    found = installed_family("Noto Sans", bold=True) or match("sans-serif:bold")
    return str(found.file) if found else None


# -- glyph coverage ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=64)
def cmap(file: Path, index: int = 0) -> frozenset[int]:
    """Code points a font face has glyphs for (read with fontTools)."""
    from fontTools.ttLib import TTFont  # fontTools is only needed when a burn is planned

    try:
        with TTFont(str(file), fontNumber=index, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception as exc:  # a broken font file is the user's to fix, with its name
        raise FontError(f"{file}: cannot read the font ({exc})", hint="reinstall the font package") from None


#: libass sizes a font by its full GDI height (OS/2 winAscent + winDescent), not its em: Noto Sans
#: Arabic, tall for its marks, would come out at two thirds of Noto Sans's size. Sizes in a style are
#: for a font of Noto Sans's height (1.362 em) and are scaled for others, so every script reads alike.
REFERENCE_HEIGHT = 1.362
_MAX_SIZE_SCALE = 1.8


@functools.lru_cache(maxsize=64)
def size_scale(file: Path, index: int = 0) -> float:
    """Factor for a style's font size so this face's letters come out as large as Noto Sans's."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(str(file), fontNumber=index, lazy=True) as font:
            upem = font["head"].unitsPerEm
            os2 = font["OS/2"] if "OS/2" in font else None
            height = (os2.usWinAscent + os2.usWinDescent) if os2 else font["hhea"].ascent - font["hhea"].descent
    except Exception as exc:
        raise FontError(f"{file}: cannot read the font ({exc})", hint="reinstall the font package") from None
    if not upem or height <= 0:
        return 1.0
    return round(max(1 / _MAX_SIZE_SCALE, min(_MAX_SIZE_SCALE, height / upem / REFERENCE_HEIGHT)), 3)


class FontFacts:
    """What planning needs to know about font files: their size correction and which characters they
    lack. Read with fontTools; :class:`pipeline.cache.WorkCache` remembers the answers by each file's
    content hash, so a build that changes nothing opens no font."""

    def scale(self, face: FontChoice) -> float:
        return size_scale(face.file, face.index)

    def missing(self, face: FontChoice, chars: str) -> str:
        """The characters of ``chars`` the face has no glyph for."""
        have = cmap(face.file, face.index)
        return "".join(c for c in chars if ord(c) not in have)


def _families_for(script: str, language: str | None) -> tuple[str, ...]:
    if script == "cjk":
        lang = languages.normalize(language) if language else ""
        return (CJK_FAMILIES.get(lang, CJK_FAMILIES.get(lang.split("-")[0], CJK_DEFAULT)),)
    return SCRIPT_FAMILIES.get(script, (f"Noto Sans {script.title()}",))


def font_for_script(script: str, language: str | None, sample: Iterable[str],
                    facts: FontFacts | None = None) -> FontChoice:
    """The installed font for ``script``: the first of its preferred families whose face holds every
    code point of ``sample`` (what libass draws for the track's text in that script), else any installed
    face that holds them, else the first preferred family installed (the glyph check then names what it
    lacks)."""
    facts = facts or FontFacts()
    chars = "".join(sorted(set(sample)))
    families = _families_for(script, language)
    installed = [found for found in map(installed_family, families) if found is not None]
    for found in installed:
        if not chars or not facts.missing(found, chars):
            return FontChoice(found.family, found.file, found.index, script)
    for ch in chars[:1]:
        faces = [f for f in _covering(ord(ch)) if all(ord(c) in cmap(Path(f[1]), f[2]) for c in chars)]
        if faces:
            fam, file, index = faces[0]
            log.info("%s cannot draw this %s text; using %s", " or ".join(families), script, fam)
            return FontChoice(fam, Path(file), index, script)
    if installed:
        return FontChoice(installed[0].family, installed[0].file, installed[0].index, script)
    raise FontError(f"no installed font draws {script.title()} text (tried {', '.join(families)})",
                    hint=f"install one: {INSTALL_HINT}")


def libass_skips(ch: str) -> bool:
    """True for a character libass draws nothing for: controls, and what HarfBuzz treats as default
    ignorable (bidi marks, joiners, variation selectors, U+FEFF in the text ...), as libass 0.17's
    ``is_harfbuzz_ignorable`` lists them."""
    cp = ord(ch)
    if cp < 0xAD:
        return cp < 0x20
    return (cp in (0x00AD, 0x034F, 0x061C, 0xFEFF) or 0x17B4 <= cp <= 0x17B5
            or 0x180B <= cp <= 0x180E or 0x200B <= cp <= 0x200F or 0x202A <= cp <= 0x202E
            or 0x2060 <= cp <= 0x206F or 0xFE00 <= cp <= 0xFE0F or 0xFFF0 <= cp <= 0xFFF8
            or 0x1D173 <= cp <= 0x1D17A or 0xE0000 <= cp <= 0xE0FFF)


def _face_char(ch: str) -> str:
    """The character libass picks a face by: a no-break space as a space (it then looks U+00A0 up there)."""
    return " " if ch == "\u00a0" else ch


def _caption_lines(track: Track) -> list[tuple[int, Cue, str]]:
    return [(number, cue, line) for number, cue in enumerate(track, start=1)
            for line in strip_tags(cue.text).split("\n")]


def _drawn_lines(lines: list[str], rtl: bool) -> list[str]:
    """What libass looks up for each character of each caption line (see :mod:`pipeline.fribidi`)."""
    if not rtl:
        return libass_drawn_lines(lines, False)
    return [glyphs[1:] for glyphs in libass_drawn_lines([RLM + line for line in lines], True)]


def drawn_pairs(track: Track, rtl: bool) -> set[tuple[str, str]]:
    """Every distinct (character, code point libass looks up for it) of ``track`` burned in; ``rtl``:
    with a right-to-left mark opening each line and Encoding=-1, as :mod:`pipeline.render` burns
    right-to-left tracks. Spaces and characters libass skips are left out."""
    lines = [line for _number, _cue, line in _caption_lines(track)]
    pairs: set[tuple[str, str]] = set()
    for line, glyphs in zip(lines, _drawn_lines(lines, rtl)):
        pairs.update(zip(line, glyphs))
    return {(ch, glyph) for ch, glyph in pairs if ch != " " and not libass_skips(ch)}


@dataclass(frozen=True)
class Drawn:
    """One character of a cue as libass draws it: ``char`` picks the face, ``glyph`` is looked up in it."""

    char: str
    glyph: str
    cue: int  # 1-based cue number
    line: int | None  # the cue's line in its file
    text: str  # the caption line it is on
    at: int  # its index in ``text``

    @property
    def word(self) -> str:
        start = self.text.rfind(" ", 0, self.at) + 1
        end = self.text.find(" ", self.at)
        return self.text[start:end if end >= 0 else len(self.text)]


def drawn_text(track: Track, rtl: bool) -> list[Drawn]:
    """Every character libass draws for ``track``, where it is (see :func:`drawn_pairs`)."""
    lines = _caption_lines(track)
    return [Drawn(ch, glyph, number, cue.line, line, i)
            for (number, cue, line), glyphs in zip(lines, _drawn_lines([line for _n, _c, line in lines], rtl))
            for i, (ch, glyph) in enumerate(zip(line, glyphs)) if ch != " " and not libass_skips(ch)]


def choose_fonts(track: Track, language: str | None = None, family: str = "auto", bold: bool = False,
                 facts: FontFacts | None = None) -> FontSet:
    """Pick the fonts that draw a track: ``family`` if the style names one (it must be installed),
    else one per script, the track's main script first, each able to draw what libass draws."""
    facts = facts or FontFacts()
    scripts = track_scripts(track)
    ordered = [s for s, _ in scripts.most_common()] or ["latin"]
    rtl = ordered[0] in RTL_SCRIPTS
    by_script: dict[str | None, set[str]] = {}
    for ch, glyph in drawn_pairs(track, rtl):
        by_script.setdefault(char_script(ch), set()).update((_face_char(ch), glyph))
    if family != "auto":
        found = installed_family(family)
        if found is None:
            raise FontError(f"font {family!r} is not installed",
                            hint="install it, or set style font = \"auto\" to choose one per script")
        primary = FontChoice(found.family, found.file, found.index, ordered[0])
        others: list[FontChoice] = []
    else:
        faces = [font_for_script(s, language, by_script.get(s, ()), facts) for s in ordered]
        # Script fonts (Noto Sans Hebrew, Arabic ...) often leave digits and punctuation to a
        # companion font: add the Latin one when the chosen faces miss any shared character.
        lacking = "".join(sorted(by_script.get(None, set()) - {" "}))
        for face in faces:
            lacking = facts.missing(face, lacking) if lacking else lacking
        if lacking:
            faces.append(font_for_script("latin", language, lacking, facts))
        primary, others = faces[0], []
        for face in faces[1:]:
            if face.file != primary.file and face.file not in {o.file for o in others}:
                others.append(face)
    files = []
    for face in (primary, *others):
        files.append(face.file)
        if bold:
            heavy = installed_family(face.family, bold=True)
            if heavy is not None:
                files.append(heavy.file)
    return FontSet(primary, tuple(others), tuple(dict.fromkeys(files)), rtl, bold)


def _cues(numbers: list[int]) -> str:
    listed = ", ".join(str(n) for n in numbers[:5]) + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")
    return f"cue{'s' if len(numbers) > 1 else ''} {listed}"


def check_glyphs(track: Track, fonts: FontSet, source: Path | str) -> None:
    """Raise :class:`FontError` if libass would draw a box for anything in ``track``: a character no
    chosen face holds, or a code point libass looks up in its place (an Arabic presentation form, U+FEFF
    after a lam-alef ligature, a mirrored bracket) that the face drawing that character lacks. One line
    naming the characters, the cues that hold them and, for shaped forms, a word where it happens."""
    faces = [(face, cmap(face.file, face.index)) for face in fonts.drawing_faces]

    def problem(ch: str, glyph: str) -> tuple[FontChoice | None, str] | None:
        """(None, ch) when no face holds ``ch``; (face, glyph) when the face drawing it lacks ``glyph``."""
        face = next(((f, have) for f, have in faces if ord(_face_char(ch)) in have), None)
        if face is None:
            return None, ch
        return None if ord(glyph) in face[1] else (face[0], glyph)

    bad = {pair: found for pair in drawn_pairs(track, fonts.rtl) if (found := problem(*pair)) is not None}
    if not bad:
        return
    missing: dict[str, list[int]] = {}  # a character no face holds -> its cues
    boxes: dict[tuple[Path, str], tuple[FontChoice, Drawn, list[int]]] = {}  # (face, glyph) -> first, cues
    first_line: int | None = None
    for item in drawn_text(track, fonts.rtl):
        found = bad.get((item.char, item.glyph))
        if found is None:
            continue
        face, glyph = found
        if face is None:
            cues = missing.setdefault(glyph, [])
        else:
            cues = boxes.setdefault((face.file, glyph), (face, item, []))[2]
        if item.cue not in cues:
            cues.append(item.cue)
        if first_line is None:
            first_line = item.line
    parts = []
    if missing:
        shown = [f"{ch!r} U+{ord(ch):04X} ({_cues(cues)})" for ch, cues in list(missing.items())[:8]]
        more = f" and {len(missing) - 8} more characters" if len(missing) > 8 else ""
        names = " + ".join(f"{face.family} ({face.file.name})" for face, _ in faces)
        parts.append(f"{names} has no glyph for {'; '.join(shown)}{more}")
    for face, item, cues in list(boxes.values())[:5]:
        if item.glyph == FILL:
            how = f", which libass draws after the lam-alef ligature, as in «{item.word}»"
        elif item.glyph != item.char:
            how = f", libass's shaped form of {item.char!r} U+{ord(item.char):04X}, as in «{item.word}»"
        else:
            how = ""
        parts.append(f"{face.family} ({face.file.name}) has no glyph for {item.glyph!r} U+{ord(item.glyph):04X}"
                     f" ({_cues(cues)}){how}")
    if len(boxes) > 5:
        parts[-1] += f" and {len(boxes) - 5} more shaped forms"
    where = f"{source}:{first_line}" if first_line else f"{source}"
    raise FontError(f"{where}: {'; '.join(parts)}",
                    hint="fix the text, or choose a font that covers it in the catalog's [style.<lang>] font "
                         "(\"auto\" picks one per script that does)")
