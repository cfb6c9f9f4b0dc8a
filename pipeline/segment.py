"""Sentences across cue boundaries, and translations laid back over the original cues.

Subtitles cut sentences wherever the speaker pauses: "The report listens to" | "children who were harmed."
Translating each cue alone gives broken grammar, so drafting works on sentences:

1. :func:`plan` strips each cue's shell (position, wrapping tag, speaker dashes; see
   :mod:`pipeline.protect`), splits the words into sentences, and groups sentence parts across cues into
   :class:`Segment` s. A segment never crosses a speaker turn, a long pause, or a dialogue cue. A run
   without sentence punctuation (common in automatic captions) is cut at its longest pause between cues
   once it passes :data:`MAX_SEGMENT_CHARS`, so drafting stays linear in the length of the track.
2. Each segment is translated once (by the caller, all in one batch).
3. :func:`distribute` splits a translation over the cues the sentence came from, in proportion to the
   length of each cue's part, at word boundaries (after punctuation when one is near).
4. :func:`assemble` moves words across the cue boundaries inside a sentence when a cue's share cannot fit
   the line limits and its neighbour in the same sentence has room, joins the parts of each cue,
   rebalances tags cut by step 3, breaks the text into lines with :func:`pipeline.linebreak.break_lines`,
   and puts the cue back in its shell. Timings are never touched. A cue whose text still cannot fit keeps
   its text on one line, whole: ``check`` reports it; nothing is ever cut off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline import languages
from pipeline.linebreak import NO_BREAK_AFTER, break_lines, fits, visible_len
from pipeline.model import Track, strip_tags
from pipeline.protect import CueShell, balance_tags, build_cue, split_cue

#: A pause longer than this ends a sentence even without punctuation (ms).
MAX_GAP_MS = 2000
#: A segment longer than this (visible characters) without a sentence end is cut at its longest pause
#: between cues: about four full cues, longer than nearly every spoken sentence.
MAX_SEGMENT_CHARS = 300
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


def plan(track: Track, max_gap_ms: int = MAX_GAP_MS, max_segment_chars: int | None = None) -> Plan:
    """Cut a (source) track into segments; see the module doc (``max_segment_chars``: default
    :data:`MAX_SEGMENT_CHARS`)."""
    if max_segment_chars is None:
        max_segment_chars = MAX_SEGMENT_CHARS
    shells = [split_cue(cue.text) for cue in track.cues]
    segments: list[Segment] = []
    current: Segment | None = None
    length = 0  # visible characters in current
    # Where a new cue starts inside current: (piece index, pause before that cue in ms).
    boundaries: list[tuple[int, int]] = []

    def close() -> None:
        nonlocal current, length
        if current is not None and current.pieces:
            segments.append(current)
        current, length = None, 0
        boundaries.clear()

    def cut_run_on() -> None:
        """Close the first part of an over-long unpunctuated run at its longest pause (the latest of
        equal ones); the rest stays open."""
        nonlocal current, length
        at = max(boundaries, key=lambda b: (b[1], b[0]))[0]
        rest = current.pieces[at:]
        current.pieces = current.pieces[:at]
        segments.append(current)
        current = Segment(rest)
        length = sum(visible_len(p.text) + 1 for p in rest)
        shifted = [(i - at, gap) for i, gap in boundaries if i > at]
        boundaries.clear()
        boundaries.extend(shifted)

    previous_end: int | None = None
    previous_dashed = False
    for ci, (cue, shell) in enumerate(zip(track.cues, shells)):
        if shell.dashed or previous_dashed or (previous_end is not None and cue.start - previous_end > max_gap_ms):
            close()
        if current is not None and current.pieces:
            boundaries.append((len(current.pieces), cue.start - (previous_end or cue.start)))
        for ti, turn in enumerate(shell.turns):
            if shell.dashed:
                close()
            parts = sentences(turn)
            for k, part in enumerate(parts):
                if current is None:
                    current = Segment()
                current.pieces.append(Piece(ci, ti, part))
                length += visible_len(part) + 1
                if k < len(parts) - 1 or ends_sentence(part):
                    close()
        if shell.dashed:
            close()
        while current is not None and length > max_segment_chars and boundaries:
            cut_run_on()
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


@dataclass
class Assembled:
    """A drafted track's cue texts, and how each segment's translation was shared out over its cues."""

    texts: dict[int, str]  # cue index → final text
    pieces: dict[int, list[tuple[int, str]]]  # segment → [(cue index, its part of the translation)]


def assemble(plan_: Plan, translations: dict[int, str], cues: set[int] | None = None, *, language: str | None = None,
             max_chars: int = 42, max_lines: int = 2) -> dict[int, str]:
    """Target text of each cue in ``cues`` (default: all) from the translations of its segments."""
    return assemble_track(plan_, translations, cues, language=language, max_chars=max_chars,
                          max_lines=max_lines).texts


def assemble_track(plan_: Plan, translations: dict[int, str], cues: set[int] | None = None, *,
                   language: str | None = None, max_chars: int = 42, max_lines: int = 2) -> Assembled:
    """Like :func:`assemble`, also returning each segment's split (confidence is counted per cue from it).

    Every segment of every requested cue must be in ``translations``.
    """
    wanted = set(range(len(plan_.shells))) if cues is None else set(cues)
    splits: dict[int, list[list[str]]] = {}
    for n, seg in enumerate(plan_.segments):
        if not any(p.cue in wanted for p in seg.pieces):
            continue
        if n not in translations:
            raise KeyError(f"segment {n} has no translation")
        weights = [max(1, visible_len(p.text)) for p in seg.pieces]
        split = distribute(translations[n], weights, language, capacity=max_chars * max_lines)
        splits[n] = [part.split() for part in split]
    _make_room(plan_, splits, wanted, language, max_chars, max_lines)
    parts: dict[tuple[int, int], list[str]] = {}
    shared: dict[int, list[tuple[int, str]]] = {}
    for n, words in splits.items():
        seg = plan_.segments[n]
        balanced = balance_tags([" ".join(w) for w in words])
        shared[n] = [(piece.cue, text) for piece, text in zip(seg.pieces, balanced)]
        for piece, text in zip(seg.pieces, balanced):
            parts.setdefault((piece.cue, piece.turn), []).append(text)
    out = {}
    for ci in sorted(wanted):
        shell = plan_.shells[ci]
        turns = [" ".join(t for t in parts.get((ci, ti), []) if t) for ti in range(len(shell.turns))]
        out[ci] = layout(shell, turns, language=language, max_chars=max_chars, max_lines=max_lines)
    return Assembled(out, shared)


#: How many words at most move across one cue boundary to make room.
MAX_MOVED_WORDS = 6


def _make_room(plan_: Plan, splits: dict[int, list[list[str]]], wanted: set[int], language: str | None,
               max_chars: int, max_lines: int) -> None:
    """Move words across cue boundaries within a sentence (in place) so that a cue whose share cannot fit
    the line limits fits, when a neighbouring cue of the same sentence has room for them.

    Only cues being drafted give or take words; a move is kept only when the overfull cue then fits and
    the cue taking the words still fits. Among such moves the fewest words win, and a move that leaves a
    cue ending on an article or preposition comes last.
    """
    where: dict[int, list[tuple[int, int]]] = {}  # cue → [(segment, piece index)]
    for n, words in splits.items():
        for k, piece in enumerate(plan_.segments[n].pieces):
            where.setdefault(piece.cue, []).append((n, k))
    no_after = NO_BREAK_AFTER.get(languages.base(language), set()) if language else set()

    def cue_text_fits(ci: int) -> bool:
        shell = plan_.shells[ci]
        turns: dict[int, list[str]] = {}
        for n, k in where.get(ci, ()):
            turns.setdefault(plan_.segments[n].pieces[k].turn, []).extend(splits[n][k])
        if shell.dashed:
            text = layout(shell, [" ".join(turns.get(t, [])) for t in range(len(shell.turns))],
                          language=language, max_chars=max_chars, max_lines=max_lines)
            return fits(text, max_chars, max_lines)
        return _greedy_fits([w for t in sorted(turns) for w in turns[t]], max_chars, max_lines)

    def ends_badly(words: list[str]) -> bool:
        return bool(words) and strip_tags(words[-1]).lower().strip("\"'«»“”¿¡") in no_after

    for ci in sorted(c for c in where if c in wanted):
        if cue_text_fits(ci):
            continue
        for n, k in where[ci]:
            pieces = splits[n]
            seg = plan_.segments[n]
            back_ok = k > 0 and seg.pieces[k - 1].cue in wanted and seg.pieces[k - 1].cue != ci
            on_ok = k + 1 < len(pieces) and seg.pieces[k + 1].cue in wanted and seg.pieces[k + 1].cue != ci
            if not (back_ok or on_ok):
                continue
            original = [list(p) for p in pieces]
            options = []
            for back in range(0, MAX_MOVED_WORDS + 1 if back_ok else 1):
                for on in range(0, MAX_MOVED_WORDS + 1 if on_ok else 1):
                    if back + on and back + on < len(original[k]):
                        options.append((back, on))
            chosen = None
            for back, on in sorted(options, key=lambda o: (o[0] + o[1], o)):
                mine = original[k][back:len(original[k]) - on]
                splits[n] = [list(p) for p in original]
                splits[n][k] = mine
                if back:
                    splits[n][k - 1] = original[k - 1] + original[k][:back]
                if on:
                    splits[n][k + 1] = original[k][len(original[k]) - on:] + original[k + 1]
                receivers = ([seg.pieces[k - 1].cue] if back else []) + ([seg.pieces[k + 1].cue] if on else [])
                if cue_text_fits(ci) and all(cue_text_fits(r) for r in receivers):
                    bad = ends_badly(splits[n][k - 1] if back else []) or ends_badly(mine if on else [])
                    if not bad:
                        chosen = None
                        break
                    if chosen is None:
                        chosen = [list(p) for p in splits[n]]
            else:
                splits[n] = chosen if chosen is not None else original
            if cue_text_fits(ci):
                break


def _greedy_fits(words: list[str], max_chars: int, max_lines: int) -> bool:
    """Whether words can be laid out in the limits at all (filling lines greedily is optimal for that)."""
    lines, current = 1, -1
    for word in words:
        length = visible_len(word)
        if length > max_chars:
            return False
        if current + 1 + length <= max_chars:
            current += 1 + length
        else:
            lines, current = lines + 1, length
    return lines <= max_lines


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
