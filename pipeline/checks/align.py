"""Finding a cue's counterparts in another track by time overlap (tracks may be segmented differently)."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from pipeline.model import Cue, Track


def overlap(a: Cue, b: Cue) -> int:
    """Milliseconds two cues are on screen together (0 when they do not meet)."""
    return max(0, min(a.end, b.end) - max(a.start, b.start))


@dataclass
class Aligner:
    """Answers "which cues of ``other`` overlap this time span" in O(log n + k) for ordinary tracks."""

    other: Track

    def __post_init__(self) -> None:
        cues = self.other.cues
        self._order = sorted(range(len(cues)), key=lambda i: (cues[i].start, cues[i].end))
        self._starts = [cues[i].start for i in self._order]
        # running maximum of ends: lets the backwards scan stop at the first cue that cannot reach back
        self._max_end: list[int] = []
        running = -1
        for i in self._order:
            running = max(running, cues[i].end)
            self._max_end.append(running)

    def overlapping(self, cue: Cue) -> list[tuple[int, int]]:
        """``(index in other, overlap ms)`` for every cue of ``other`` that overlaps ``cue``, by index."""
        cues = self.other.cues
        found = []
        j = bisect_left(self._starts, cue.end) - 1
        while j >= 0 and self._max_end[j] > cue.start:
            k = self._order[j]
            amount = overlap(cue, cues[k])
            if amount > 0:
                found.append((k, amount))
            j -= 1
        return sorted(found)

    def best(self, cue: Cue) -> tuple[int, int] | None:
        """The cue of ``other`` sharing the most time with ``cue`` (earliest on ties), or None."""
        found = self.overlapping(cue)
        return max(found, key=lambda f: (f[1], -f[0])) if found else None


def covered_ms(track: Track) -> int:
    """Total time with text on screen (overlapping cues counted once)."""
    total = 0
    end = -1
    for cue in sorted(track.cues, key=lambda c: (c.start, c.end)):
        if cue.end <= end:
            continue
        total += cue.end - max(cue.start, end)
        end = cue.end
    return total
