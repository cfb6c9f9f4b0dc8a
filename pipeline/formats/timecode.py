"""Timestamps and timing lines as translators' tools actually write them.

Accepted: ``HH:MM:SS,mmm`` (SRT), ``HH:MM:SS.mmm`` and ``MM:SS.mmm`` (WebVTT), a single-digit hour or
second (``0:00:03,700``, ``00:00:0,000``), missing milliseconds (``00:00:04``) and short fractions
(``00:00:00,1`` is 100 ms, ``00:01:41,04`` is 40 ms: the digits are a decimal fraction of a second).
Refused with a reason: negative times, minutes or seconds of 60 or more, more than three fraction digits.
"""

from __future__ import annotations

import re

_TS = r"(-?)(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[,.](\d+))?"
_TS_PARTS = re.compile(rf"^{_TS}$")
#: A timing line: ``START --> END`` and anything after it (SRT coordinates, WebVTT cue settings).
TIMING_LINE = re.compile(rf"^\s*(?P<start>{_TS})\s*-->\s*(?P<end>{_TS})(?:\s+(?P<rest>.*?))?\s*$")


class TimecodeError(ValueError):
    """A timestamp that looks like one but cannot be used; the message says why."""


def _milliseconds(raw: str, sign: str, hours: str | None, minutes: str, seconds: str, frac: str | None) -> int:
    if sign:
        raise TimecodeError(f"negative time {raw!r}")
    if int(minutes) >= 60 or int(seconds) >= 60:
        raise TimecodeError(f"{raw!r}: minutes and seconds must be below 60")
    if frac is not None and len(frac) > 3:
        raise TimecodeError(f"{raw!r}: more than three digits after the seconds")
    millis = int((frac or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def parse_timestamp(raw: str) -> int:
    """Milliseconds for one loose timestamp (see the module docstring), or :class:`TimecodeError`."""
    text = raw.strip()
    m = _TS_PARTS.match(text)
    if not m:
        raise TimecodeError(f"{text!r} is not a timestamp")
    return _milliseconds(text, *m.groups())


def parse_timing_line(line: str) -> tuple[int, int, str] | None:
    """``(start_ms, end_ms, settings)`` for a timing line; None if ``line`` is not one at all.

    A line that is a timing line but unusable (negative time, end before start) raises
    :class:`TimecodeError`.
    """
    m = TIMING_LINE.match(line)
    if not m:
        return None
    groups = m.groups()
    start = _milliseconds(m.group("start"), *groups[1:6])
    end = _milliseconds(m.group("end"), *groups[7:12])
    if end < start:
        raise TimecodeError(f"the cue ends ({m.group('end')}) before it starts ({m.group('start')})")
    return start, end, m.group("rest") or ""
