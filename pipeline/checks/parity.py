"""English/Spanish parity: two tracks of one video stay in step.

Tracks may be segmented differently (one Spanish cue for two English ones), so cues are matched by time
overlap, and start/end differences are only judged for one-to-one counterparts.
"""

from __future__ import annotations

from typing import Iterator

from pipeline.checks.align import Aligner, covered_ms
from pipeline.checks.base import PairContext, Problem, TrackContext, rule, time_label
from pipeline.model import Track


def _significant(found: list[tuple[int, int]], cue_duration: int, minimum: int) -> list[tuple[int, int]]:
    """Counterparts that share enough time: the setting, or half the cue for very short cues."""
    need = min(minimum, max(cue_duration // 2, 1))
    return [f for f in found if f[1] >= need]


def _label(ctx: TrackContext) -> str:
    return ctx.language or ctx.path.name


@rule("parity-missing", severity="warning", scope="pair", params={"parity_min_overlap_ms": 250},
      summary="every cue has a counterpart in time in the partner language")
def parity_missing(pair: PairContext, s) -> Iterator[tuple[TrackContext, Problem]]:
    minimum = s["parity_min_overlap_ms"]
    for this, other in ((pair.first, pair.second), (pair.second, pair.first)):
        if not other.track.cues:
            continue  # parity-length reports an empty partner once
        aligner = Aligner(other.track)
        for i, cue in enumerate(this.track.cues):
            if cue.duration <= 0 or not this.plain[i]:
                continue
            if not _significant(aligner.overlapping(cue), cue.duration, minimum):
                yield this, Problem(i, f"no {_label(other)} counterpart in time "
                                       f"({time_label(cue.start)} --> {time_label(cue.end)})")


def _inside(found: list[tuple[int, int]], other: Track) -> int:
    """How many of the overlapping cues of ``other`` lie mostly (half or more) inside this cue."""
    return sum(1 for k, amount in found if amount * 2 >= other.cues[k].duration > 0)


@rule("parity-timing", severity="warning", scope="pair", params={"parity_tolerance_ms": 500},
      summary="one-to-one counterparts start and end together, within a tolerance")
def parity_timing(pair: PairContext, s) -> Iterator[tuple[TrackContext, Problem]]:
    """Counterparts are each other's best match by overlap; a cue holding two or more cues of the other
    track (re-segmented: one Spanish cue for two English ones, or the other way round) is not compared."""
    tolerance = s["parity_tolerance_ms"]
    first, second = pair.first, pair.second
    to_first, to_second = Aligner(first.track), Aligner(second.track)
    for i, cue in enumerate(second.track.cues):
        found = to_first.overlapping(cue)
        if not found or _inside(found, first.track) > 1:
            continue  # no counterpart (parity-missing) or re-segmented: nothing one-to-one to compare
        j = max(found, key=lambda f: (f[1], -f[0]))[0]
        counterpart = first.track.cues[j]
        back = to_second.overlapping(counterpart)
        if to_second.best(counterpart)[0] != i or _inside(back, second.track) > 1:
            continue
        d_start, d_end = cue.start - counterpart.start, cue.end - counterpart.end
        parts = []
        if abs(d_start) > tolerance:
            parts.append(f"starts {abs(d_start) / 1000:.2f} s {'later' if d_start > 0 else 'earlier'}")
        if abs(d_end) > tolerance:
            parts.append(f"ends {abs(d_end) / 1000:.2f} s {'later' if d_end > 0 else 'earlier'}")
        if parts:
            where = f"{first.path.name}:{counterpart.line}" if counterpart.line else time_label(counterpart.start)
            yield second, Problem(i, f"{' and '.join(parts)} than its {_label(first)} counterpart ({where}; "
                                     f"tolerance {tolerance / 1000:g} s)")


@rule("parity-length", severity="error", scope="pair", params={"parity_min_ratio": 0.75},
      summary="neither track is much shorter than its partner (time with text on screen)")
def parity_length(pair: PairContext, s) -> Iterator[tuple[TrackContext, Problem]]:
    ratio = s["parity_min_ratio"]
    covered = {id(c): covered_ms(c.track) for c in (pair.first, pair.second)}
    for this, other in ((pair.first, pair.second), (pair.second, pair.first)):
        mine, theirs = covered[id(this)], covered[id(other)]
        if theirs and mine < ratio * theirs:
            yield this, Problem(None, f"much shorter than {_label(other)}: text on screen for {mine / 1000:.1f} s "
                                      f"in {len(this.track)} cues, {_label(other)} {theirs / 1000:.1f} s in "
                                      f"{len(other.track)} cues ({mine / theirs:.0%}, min {ratio:.0%})")


def _spans(track: Track) -> list[tuple[int, int]]:
    """The times with text on screen, as sorted disjoint ``[start, end)`` spans."""
    merged: list[list[int]] = []
    for cue in sorted(track.cues, key=lambda c: (c.start, c.end)):
        if cue.end <= cue.start:
            continue
        if merged and cue.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], cue.end)
        else:
            merged.append([cue.start, cue.end])
    return [(a, b) for a, b in merged]


def _uncovered(spans: list[tuple[int, int]], cover: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``spans`` that no span of ``cover`` covers (both sorted and disjoint)."""
    out, j = [], 0
    for start, end in spans:
        at = start
        while j < len(cover) and cover[j][1] <= at:
            j += 1
        k = j
        while k < len(cover) and cover[k][0] < end:
            if cover[k][0] > at:
                out.append((at, cover[k][0]))
            at = max(at, cover[k][1])
            k += 1
        if at < end:
            out.append((at, end))
    return out


#: Uncovered ranges shorter than this are not listed (timing differs a little between languages).
COVERAGE_LIST_MIN_MS = 1000


@rule("coverage", severity="error", params={"min_coverage": 90}, needs=("reference",),
      summary="the track covers the video's speech: text on screen for at least min_coverage percent of the "
              "time the track in the video's audio language has text (or the drafts' source track)")
def coverage(ctx: TrackContext, s) -> Iterator[Problem]:
    speech = _spans(ctx.reference)
    total = sum(b - a for a, b in speech)
    if not total:
        return
    gaps = _uncovered(speech, _spans(ctx.track))
    share = 100.0 * (total - sum(b - a for a, b in gaps)) / total
    minimum = s["min_coverage"]
    if share + 1e-9 >= minimum:
        return
    listed = [g for g in gaps if g[1] - g[0] >= COVERAGE_LIST_MIN_MS] or sorted(
        sorted(gaps, key=lambda g: g[0] - g[1])[:5])
    shown = ", ".join(f"{time_label(a)}-{time_label(b)}" for a, b in listed[:5])
    more = f" and {len(listed) - 5} more" if len(listed) > 5 else ""
    yield Problem(None, f"covers {share:.0f}% of the speech in the {ctx.reference_language or 'reference'} track "
                        f"(min {minimum:g}%): no text at {shown}{more}")
