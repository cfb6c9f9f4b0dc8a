"""The pure model: cues and tracks. Knows nothing of pysrt, ffmpeg or translation engines.

Times are integer milliseconds. Cue text keeps its lines joined with ``\\n`` and its tags
(``<i>``, ``{\\an8}``) exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Iterator

TAG_RE = re.compile(r"</?[a-zA-Z][^<>]*>|<\d{1,2}:\d{2}(?::\d{2})?\.\d{3}>|\{\\[^{}]*\}")


def strip_tags(text: str) -> str:
    """Text as a viewer reads it: HTML-ish tags and ``{\\...}`` overrides removed."""
    return TAG_RE.sub("", text)


@dataclass(frozen=True)
class Cue:
    """One subtitle event. ``line`` is where it started in its file (for messages), not part of equality."""

    start: int
    end: int
    text: str
    line: int | None = field(default=None, compare=False)

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
        """Cues in time order (stable for equal starts)."""
        return Track(sorted(self.cues, key=lambda c: (c.start, c.end)), self.language)


def format_timestamp(ms: int, sep: str = ",") -> str:
    """``HH:MM:SS,mmm`` (SRT) or with ``sep='.'`` ``HH:MM:SS.mmm`` (WebVTT)."""
    if ms < 0:
        raise ValueError(f"negative time {ms} ms")
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"
