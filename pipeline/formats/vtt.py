"""WebVTT: composing sidecars for web players, and reading .vtt deliveries from translators."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import SubtitleError
from pipeline.model import Cue, Track, format_timestamp

_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})$")
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")


def _vtt_time(raw: str) -> int | None:
    m = _TIME.match(raw.strip())
    if not m:
        return None
    h, mi, s, ms = m.groups()
    return ((int(h or 0) * 60 + int(mi)) * 60 + int(s)) * 1000 + int(ms)


def parse_vtt(text: str, path: Path | str = "<string>", language: str | None = None) -> Track:
    """Parse decoded WebVTT text (header, NOTE/STYLE/REGION blocks and cue ids are skipped)."""
    lines = text.split("\n")
    if not lines or not lines[0].startswith("WEBVTT"):
        raise SubtitleError(path, "not a WebVTT file: the first line must be 'WEBVTT'", line=1)
    cues: list[Cue] = []
    i = 1
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        start_line = i
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i].rstrip())
            i += 1
        head = block[0]
        if head.startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = 0 if "-->" in head else 1
        if timing_at >= len(block) or "-->" not in block[timing_at]:
            raise SubtitleError(path, f"malformed cue: no timing line in block {head!r}", line=start_line + 1)
        start_raw, _, rest = block[timing_at].partition("-->")
        end_raw = rest.strip().split()[0] if rest.strip() else ""
        start, end = _vtt_time(start_raw), _vtt_time(end_raw)
        if start is None or end is None:
            raise SubtitleError(path, f"malformed timing line {block[timing_at]!r}", line=start_line + 1 + timing_at)
        cues.append(Cue(start, end, "\n".join(block[timing_at + 1 :]), line=start_line + 1))
    return Track(cues, language)


def compose_vtt(track: Track) -> str:
    """WebVTT text for web players. ASS positioning overrides (``{\\an8}``) have no WebVTT meaning
    in the cue text and are dropped (top placement becomes ``line:10%``); HTML-ish tags are kept."""
    out = ["WEBVTT", ""]
    for number, cue in enumerate(track.cues, start=1):
        settings = " line:10%" if "{\\an8}" in cue.text else ""
        body = _ASS_OVERRIDE.sub("", cue.text)
        out.append(str(number))
        out.append(f"{format_timestamp(cue.start, '.')} --> {format_timestamp(cue.end, '.')}{settings}")
        out.extend(body.split("\n"))
        out.append("")
    return "\n".join(out)
