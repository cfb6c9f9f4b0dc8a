"""Sentences across cue boundaries, and translations laid back over the original cues.

Subtitles cut sentences wherever the speaker pauses: "The report listens to" | "children who were harmed."
Translating each cue alone gives broken grammar, so drafting works on sentences:

1. :func:`plan` strips each cue's shell (position, wrapping tag, speaker dashes; see
   :mod:`pipeline.protect`), splits the words into sentences, and groups sentence parts across cues into
   :class:`Segment` s. A segment never crosses a speaker turn, a long pause, or a dialogue cue.
2. Each segment is translated once (by the caller, all in one batch).
3. :func:`distribute` splits a translation over the cues the sentence came from, in proportion to the
   length of each cue's part, at word boundaries (after punctuation when one is near).
4. :func:`assemble` joins the parts of each cue, rebalances tags cut by step 3, breaks the text into lines
   with :func:`pipeline.linebreak.break_lines`, and puts the cue back in its shell. Timings are never
   touched. A cue whose text cannot fit the limits keeps its text on one line, whole: ``check`` reports it;
   nothing is ever cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline import languages
from pipeline.linebreak import NO_BREAK_AFTER, break_lines, visible_len
from pipeline.model import Track, strip_tags
from pipeline.protect import CueShell, balance_tags, build_cue, split_cue

#: A pause longer than this ends a sentence even without punctuation (ms).
MAX_GAP_MS = 2000
_ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "prof", "sr", "sra", "srta", "dra", "st", "vs", "no", "nr", "e.g",
                  "i.e", "p.ej", "approx", "etc", "fig", "jr", "gen", "gov", "inc", "ltd", "co"}
_BOUNDARY = re.compile(r"[.!?…]+(?:[\"'»”’)\]]|</[a-zA-Z]+>)*\s+")
_TERMINAL = re.compile(r"(?<!\.\.)[.!?](?:[\"'»”’)\]])*$")


@dataclass
class Piece:
    """The part of one cue (and one speaker turn in it) that belongs to a segment."""

    cue: int  # index in the track
    turn: int  # index in the cue's turns
    text: str


@dataclass
class Segment:
    """One sentence (or sentence fragment) to translate, made of pieces of one or more cues."""

    pieces: list[Piece] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p.text for p in self.pieces)

    @property
    def cues(self) -> list[int]:
        return sorted({p.cue for p in self.pieces})


@dataclass
class Plan:
    """A track cut into segments: what each cue is made of."""

    shells: list[CueShell]
    segments: list[Segment]
    language: str | None = None

    def cue_segments(self) -> dict[int, list[int]]:
        """cue index → indexes of the segments it takes part in."""
        out: dict[int, list[int]] = {i: [] for i in range(len(self.shells))}
        for n, seg in enumerate(self.segments):
            for cue in seg.cues:
                out[cue].append(n)
        return out


def _is_abbreviation(before: str) -> bool:
    word = strip_tags(before).rsplit(None, 1)[-1] if before.strip() else ""
    word = word.lstrip("\"'«“(¿¡").rstrip(".").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def sentences(text: str) -> list[str]:
    """Split text at sentence ends: ``.``/``?``/``!``/``…`` then a space then anything not lower-case.

    Abbreviations (``Dr.``, ``e.g.``) and initials (``J. Smith``) do not end a sentence.
    """
    out, start = [], 0
    for m in _BOUNDARY.finditer(text):
        rest = strip_tags(text[m.end():]).lstrip("\"'«“([¿¡-—– ")
        if not rest or rest[0].islower():
            continue
        if m.group(0).startswith(".") and not m.group(0).startswith("..") and _is_abbreviation(text[start:m.start()]):
            continue
        out.append(text[start:m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def ends_sentence(text: str) -> bool:
    """True when text ends a sentence (a trailing ``...`` means it continues in the next cue)."""
    return bool(_TERMINAL.search(strip_tags(text).rstrip()))


def plan(track: Track, max_gap_ms: int = MAX_GAP_MS) -> Plan:
    """Cut a (source) track into segments; see the module doc."""
    shells = [split_cue(cue.text) for cue in track.cues]
    segments: list[Segment] = []
    current: Segment | None = None

    def close() -> None:
        nonlocal current
        if current is not None and current.pieces:
            segments.append(current)
        current = None

    previous_end: int | None = None
    previous_dashed = False
    for ci, (cue, shell) in enumerate(zip(track.cues, shells)):
        if shell.dashed or previous_dashed or (previous_end is not None and cue.start - previous_end > max_gap_ms):
            close()
        for ti, turn in enumerate(shell.turns):
            if shell.dashed:
                close()
            parts = sentences(turn)
            for k, part in enumerate(parts):
                if current is None:
                    current = Segment()
                current.pieces.append(Piece(ci, ti, part))
                if k < len(parts) - 1 or ends_sentence(part):
                    close()
        if shell.dashed:
            close()
        previous_end, previous_dashed = cue.end, shell.dashed
    close()
    return Plan(shells, segments, track.language)


def distribute(translation: str, weights: list[int], language: str | None = None,
               capacity: int | None = None) -> list[str]:
    """Split a translation over pieces in proportion to ``weights`` (the source parts' lengths).

    Cuts fall between words only, preferably after punctuation and never after an article or preposition
    when another cut is as close; every piece gets at least one word while there are words enough. With
    ``capacity`` (characters a cue can show), a cut that overfills the piece before it costs extra.
    """
    words = translation.split()
    if len(weights) <= 1:
        return [" ".join(words)]
    no_after = NO_BREAK_AFTER.get(languages.base(language), set()) if language else set()
    lengths = [visible_len(w) for w in words]
    total_chars = sum(lengths) + max(0, len(words) - 1)
    total_weight = sum(weights) or len(weights)
    n, k = len(words), len(weights)
    prefix = [0]
    for length in lengths:
        prefix.append(prefix[-1] + length)
    cuts, start, cumulative = [], 0, 0
    for j in range(k - 1):
        cumulative += weights[j]
        ideal = total_chars * cumulative / total_weight
        remaining = k - 1 - j  # pieces after this cut
        if n >= k:  # enough words: every piece gets at least one
            low, high = start + 1, n - remaining
        else:
            low, high = start, n
        best, best_cost = low, None
        piece_start = prefix[start] + start  # characters before this piece, spaces included
        for c in range(low, high + 1):
            chars = prefix[c] + max(0, c - 1)
            cost = abs(chars - ideal)
            if capacity:
                cost += 2 * max(0, chars - piece_start - capacity)
            if 0 < c < n:
                last = strip_tags(words[c - 1])
                if last.endswith((".", "?", "!", "…")):
                    cost -= 10
                elif last.endswith((",", ";", ":", "—", "–")):
                    cost -= 6
                if last.lower().strip("\"'«»“”¿¡") in no_after:
                    cost += 8
            if best_cost is None or cost < best_cost:
                best, best_cost = c, cost
        cuts.append(best)
        start = best
    bounds = [0, *cuts, n]
    return [" ".join(words[a:b]) for a, b in zip(bounds, bounds[1:])]


def assemble(plan_: Plan, translations: dict[int, str], cues: set[int] | None = None, *, language: str | None = None,
             max_chars: int = 42, max_lines: int = 2) -> dict[int, str]:
    """Target text of each cue in ``cues`` (default: all) from the translations of its segments.

    Every segment of every requested cue must be in ``translations``.
    """
    wanted = set(range(len(plan_.shells))) if cues is None else set(cues)
    parts: dict[tuple[int, int], list[str]] = {}
    for n, seg in enumerate(plan_.segments):
        if not any(p.cue in wanted for p in seg.pieces):
            continue
        if n not in translations:
            raise KeyError(f"segment {n} has no translation")
        weights = [max(1, visible_len(p.text)) for p in seg.pieces]
        split = balance_tags(distribute(translations[n], weights, language, capacity=max_chars * max_lines))
        for piece, text in zip(seg.pieces, split):
            parts.setdefault((piece.cue, piece.turn), []).append(text)
    out = {}
    for ci in sorted(wanted):
        shell = plan_.shells[ci]
        turns = [" ".join(t for t in parts.get((ci, ti), []) if t) for ti in range(len(shell.turns))]
        out[ci] = layout(shell, turns, language=language, max_chars=max_chars, max_lines=max_lines)
    return out


def layout(shell: CueShell, turns: list[str], *, language: str | None = None, max_chars: int = 42,
           max_lines: int = 2) -> str:
    """A cue's final text: dialogue one turn per line with its dash, otherwise broken into lines at
    natural points; text that cannot fit stays whole on one line for ``check`` to report."""
    if shell.dashed:
        lines = [f"- {t}" if t else "-" for t in turns]
    else:
        text = " ".join(t for t in turns if t)
        lines = break_lines(text, max_chars, max_lines, language) or [" ".join(text.split())]
    return build_cue(shell, lines)
