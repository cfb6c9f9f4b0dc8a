"""The pure model: cues and tracks. Knows nothing of pysrt, ffmpeg or translation engines.

Times are integer milliseconds. Cue text keeps its lines joined with ``\\n`` and its tags
(``<i>``, ``{\\an8}``) exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterator

TAG_RE = re.compile(r"</?[a-zA-Z][^<>]*>|<\d{1,2}:\d{2}(?::\d{2})?\.\d{3}>|\{\\[^{}]*\}")

#: Tags that format text (SRT as ffmpeg/libass reads it, and WebVTT's): they hide no words.
FORMAT_TAG_NAMES = frozenset({"i", "b", "u", "s", "font", "br", "c", "v", "lang", "ruby", "rt"})
_SRT_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2}),(\d{3})$")
_FORMAT_TAG = re.compile(r"</?(?P<name>[a-zA-Z]+)(?:[\s.][^<>]*)?/?>")
#: Anything in angle brackets that starts like a tag (``<sigh>``, ``<Music>``, ``< b >``): players hide it.
_ANGLE = re.compile(r"<\s*/?\s*[a-zA-Z][^<>\n]*>")
#: A quoted passage: a term in quotes is mentioned ("we never say 'X'"), not used (the glossary check
#: skips it, translation keeps it).
QUOTED_RE = re.compile(r'"[^"]*"|“[^”]*”|«[^»]*»|„[^“”]*[“”]')


def strip_tags(text: str) -> str:
    """Text as a viewer reads it: HTML-ish tags and ``{\\...}`` overrides removed."""
    return TAG_RE.sub("", text)


def hidden_text(text: str) -> list[str]:
    """Words in angle brackets that players hide because they read as a tag (``<sigh>``, ``<Music>``,
    ``< b >``), in order. Formatting tags (``<i>``, ``<font color=...>``, ``<v Name>``) are not listed."""
    hidden = []
    for m in _ANGLE.finditer(text):
        tag = _FORMAT_TAG.fullmatch(m.group())
        if tag is None or tag.group("name").lower() not in FORMAT_TAG_NAMES:
            hidden.append(m.group())
    return hidden


@dataclass(frozen=True)
class Cue:
    """One subtitle event. ``line`` is where it started in its file (for messages) and ``identifier`` its
    WebVTT cue identifier (``intro``, ``42``; None when it has none): neither is part of equality."""

    start: int
    end: int
    text: str
    line: int | None = field(default=None, compare=False)
    identifier: str | None = field(default=None, compare=False)

    @property
    def duration(self) -> int:
        return self.end - self.start

    @property
    def plain(self) -> str:
        """Visible text with tags removed and lines joined by spaces."""
        return " ".join(part.strip() for part in strip_tags(self.text).split("\n") if part.strip())

    def with_text(self, text: str) -> "Cue":
        return replace(self, text=text)


@dataclass
class Track:
    """An ordered list of cues in one language."""

    cues: list[Cue]
    language: str | None = None

    def __iter__(self) -> Iterator[Cue]:
        return iter(self.cues)

    def __len__(self) -> int:
        return len(self.cues)

    def __getitem__(self, i: int) -> Cue:
        return self.cues[i]

    @property
    def end(self) -> int:
        return max((c.end for c in self.cues), default=0)

    def sorted(self) -> "Track":
        """Cues in order of their start; cues that start together keep their order in the file (sorting by
        end too would let retiming one of them swap two cues a person put in that order)."""
        return Track(sorted(self.cues, key=lambda c: c.start), self.language)


def format_timestamp(ms: int, sep: str = ",") -> str:
    """``HH:MM:SS,mmm`` (SRT) or with ``sep='.'`` ``HH:MM:SS.mmm`` (WebVTT)."""
    if ms < 0:
        raise ValueError(f"negative time {ms} ms")
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def parse_timestamp(value: str) -> int | None:
    """Milliseconds of exactly ``HH:MM:SS,mmm`` as :func:`format_timestamp` writes it (the review record's and
    notes' cells); None for anything else. Subtitle files have their own, more forgiving readers."""
    m = _SRT_TIME.match(value)
    if not m:
        return None
    h, mi, sec, ms = map(int, m.groups())
    return ((h * 60 + mi) * 60 + sec) * 1000 + ms
