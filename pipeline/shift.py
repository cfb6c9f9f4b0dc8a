"""Moving a track in time: a fixed offset, or a frame-rate conversion (25 -> 23.976 fps).

A frame-rate conversion keeps every frame and plays them at another rate, so a time ``t`` timed against
the ``from`` rate lands at ``t x from / to``. Times are rounded to the millisecond. A cue moved before
0:00 or past 99:59:59,999 is refused (not clipped): the person decides what to do with it. Offsets over a
day and frame rates outside 1-1000 fps are refused as typos.
"""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction

from pipeline.errors import UsageError
from pipeline.formats.timecode import TimecodeError, parse_timestamp
from pipeline.model import Track, format_timestamp

#: Rates people write as decimals that are really NTSC fractions.
_NTSC = {"23.976": Fraction(24000, 1001), "23.98": Fraction(24000, 1001), "29.97": Fraction(30000, 1001),
         "47.952": Fraction(48000, 1001), "59.94": Fraction(60000, 1001), "119.88": Fraction(120000, 1001)}
_OFFSET = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)(ms|s|m)?$")
#: Bounds that no real correction comes near: a day of offset, frame rates from 1 to 1000 fps, and times
#: that fit the two-digit hours of a timestamp. Beyond them a typo wrote hour fields hundreds of digits long.
MAX_OFFSET_MS = 24 * 3_600_000
MIN_FPS, MAX_FPS = 1, 1000
MAX_TIME_MS = 100 * 3_600_000 - 1  # 99:59:59,999


def parse_offset(raw: str) -> int:
    """Milliseconds for ``+1.5s``, ``-200ms``, ``2m``, ``1.5`` (seconds) or ``-00:00:01,500``."""
    text = raw.strip()
    m = _OFFSET.match(text)
    if m:
        sign, number, unit = m.groups()
        scale = {"ms": 1, "s": 1000, "m": 60_000, None: 1000}[unit]
        ms = round(Fraction(number) * scale)
        ms = -ms if sign == "-" else ms
    else:
        sign = -1 if text.startswith("-") else 1
        try:
            ms = sign * parse_timestamp(text.lstrip("+-"))
        except TimecodeError:
            raise UsageError(f"cannot read the offset {raw!r}", hint="write e.g. +1.5s, -200ms or -00:00:01,500") from None
    if abs(ms) > MAX_OFFSET_MS:
        raise UsageError(f"the offset {raw!r} is more than a day", hint="write e.g. +1.5s, -200ms or -00:00:01,500")
    return ms


def parse_rate(raw: str) -> Fraction:
    """A frame rate: ``25``, ``23.976`` (= 24000/1001), ``30000/1001``."""
    text = raw.strip()
    if text in _NTSC:
        return _NTSC[text]
    try:
        rate = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"cannot read the frame rate {raw!r}", hint="write e.g. 25, 23.976 or 30000/1001") from None
    if not MIN_FPS <= rate <= MAX_FPS:
        raise UsageError(f"the frame rate {raw!r} is outside {MIN_FPS}-{MAX_FPS} fps",
                         hint="write e.g. 25, 23.976 or 30000/1001")
    return rate


def parse_rate_change(raw: str) -> tuple[Fraction, Fraction]:
    """``FROM:TO`` such as ``25:23.976``."""
    source, colon, target = raw.partition(":")
    if not colon:
        raise UsageError(f"cannot read the frame-rate change {raw!r}", hint="write FROM:TO, e.g. 25:23.976")
    return parse_rate(source), parse_rate(target)


def shift_track(track: Track, offset_ms: int = 0, rates: tuple[Fraction, Fraction] | None = None,
                path: str = "track") -> Track:
    """Every cue scaled by ``from/to`` (when ``rates`` is given), then moved by ``offset_ms``."""
    ratio = rates[0] / rates[1] if rates else Fraction(1)
    cues = []
    for cue in track.cues:
        start = round(cue.start * ratio) + offset_ms
        end = round(cue.end * ratio) + offset_ms
        where = f"{path}:{cue.line}" if cue.line else path
        if start < 0:
            raise UsageError(f"{where}: the cue at {format_timestamp(cue.start)} would start "
                             f"{-start / 1000:.3f} s before 0:00",
                             hint="use a smaller offset, or remove or retime that cue first")
        if end > MAX_TIME_MS:
            raise UsageError(f"{where}: the cue at {format_timestamp(cue.start)} would end after "
                             f"{format_timestamp(MAX_TIME_MS)}", hint="check the offset and frame rates")
        cues.append(replace(cue, start=start, end=end))
    return Track(cues, track.language)
