"""Safe, reviewable automatic fixes for a subtitle track.

What ``fix`` does, in this order: join text after a blank line inside a cue to the cue above (when that is
the only reading); sort cues by start (cues that start together keep their order); remove cues with no text
(a cue whose only text players hide, ``<sigh>``, is kept and reported); resolve overlaps by
ending the earlier cue a minimum gap before the next starts; close small gaps (up to ``close_gap_frames``,
12 by default) to exactly ``min_gap_frames`` (2) by moving the earlier cue's end ("chaining"); re-break the
lines of cues over the characters-per-line or lines-per-cue limits at natural points. Writing renumbers
from 1 and normalises the file (UTF-8 without BOM, LF).

Before that, the text repairs the track's language makes unambiguous (:mod:`pipeline.language_table`),
each one only while its check rule is on: mojibake (``script``: UTF-8 or a code page read as another, and
words mixing look-alike letters of two scripts), Romanian cedillas (``comma-below``), three dots where the
language's guide wants ``…`` (``ellipsis``), and how a dialogue line opens (``dialogue-dash``). Words in the
project's word list and glossary are left as written. Beyond those, text other than line breaks and
whitespace never changes: no word is added, dropped or altered.
A change that would make things worse (a cue cut below the minimum duration, a dialogue cue re-broken
across speakers) is not made; it is reported for a person instead.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from pipeline import conventions, language_table, mojibake
from pipeline.errors import FileChangedError, UsageError
from pipeline.formats import (
    Join, Reading, compose_track, conversion_notes, format_of, lost_cue_settings, lost_vtt_blocks, parse_track,
    read_for_rewrite,
)
from pipeline.fsutil import atomic_write_bytes, atomic_write_text, read_bytes_or_none
from pipeline.linebreak import break_lines, visible_len
from pipeline.model import Cue, Track, format_timestamp, hidden_text, strip_tags

#: What a backup of a file is called: ``es.srt`` -> ``es.srt.bak`` (it does not end in .srt, so the
#: pipeline never mistakes it for a track).
BACKUP_SUFFIX = ".bak"
_DIALOGUE_DASH = ("-", "–", "—")


#: Check rules whose findings fix repairs in the text (when the rule is on for the track).
TEXT_REPAIRS = frozenset({"script", "comma-below", "ellipsis", "dialogue-dash"})


@dataclass(frozen=True)
class FixOptions:
    """Limits a fix works to (from the ``[check]`` settings and the video's frame rate)."""

    max_chars: int = 42
    max_lines: int = 2
    min_gap_ms: int = 80  # the gap chained cues get: ceil(min_gap_frames x frame)
    close_gap_ms: float = 480.0  # gaps up to this are closed to min_gap_ms
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    language: str | None = None
    #: The text repairs to make (ids of the check rules whose findings they repair; see the module docstring).
    repairs: frozenset[str] = TEXT_REPAIRS
    #: The project's own words in the language (casefolded): never rewritten.
    keep: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], frame_ms: float, language: str | None,
                      keep: frozenset[str] = frozenset()) -> "FixOptions":
        from pipeline.checks.settings import level

        return cls(
            max_chars=int(settings["max_chars_per_line"]), max_lines=int(settings["max_lines_per_cue"]),
            min_gap_ms=math.ceil(settings["min_gap_frames"] * frame_ms - 1e-9),
            close_gap_ms=settings["close_gap_frames"] * frame_ms,
            min_duration_ms=int(settings["min_duration_ms"]), max_duration_ms=int(settings["max_duration_ms"]),
            language=language, repairs=frozenset(r for r in TEXT_REPAIRS if level(settings, r) != "off"), keep=keep,
        )


@dataclass(frozen=True)
class Note:
    """One change made (or, for ``unresolved``, one left for a person), pointing at the original line."""

    line: int | None
    start: int
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "cue"
        return f"{where} ({format_timestamp(max(self.start, 0))}): {self.message}"


@dataclass
class FixResult:
    track: Track
    changes: list[Note] = field(default_factory=list)
    unresolved: list[Note] = field(default_factory=list)


def _note(cue: Cue, message: str) -> Note:
    return Note(cue.line, cue.start, message)


def _is_dialogue(text: str) -> bool:
    lines = [line.strip() for line in strip_tags(text).split("\n") if line.strip()]
    return len(lines) >= 2 and sum(line.startswith(_DIALOGUE_DASH) for line in lines) >= 2


def _too_long(text: str, options: FixOptions) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    return len(lines) > options.max_lines or any(visible_len(line) > options.max_chars for line in lines)


def _shortest_allowed(cue: Cue, options: FixOptions) -> int:
    """A cue may be shortened, but not below the minimum duration (or its own length, if already shorter)."""
    return min(cue.duration, options.min_duration_ms)


def fix_track(track: Track, options: FixOptions | None = None) -> FixResult:
    """Apply the safe fixes (see the module docstring) and say what changed and what needs a person.

    Passes repeat until nothing changes, so fixing a fixed track is a no-op: retiming one of two cues that
    start together can change their order, which a second pass would otherwise act on.
    """
    options = options or FixOptions()
    result = _full_pass(track, options)
    for _ in range(4):
        again = _full_pass(result.track, options)
        if again.track.cues == result.track.cues:
            break
        result = FixResult(again.track, result.changes + again.changes, again.unresolved)
    return result


def text_fixes(track: Track, options: FixOptions | None = None) -> dict[int, str]:
    """What ``fix`` would write as each cue's text, by cue index, for the cues it would change (timing
    aside): the language's text repairs, then lines re-broken where over the limits (as :func:`fix_track`:
    not a dialogue cue, and only when the text fits). The review workbench offers these to the reviewer."""
    options = options or FixOptions()
    repaired, _notes = repair_text(track, options)
    out = {}
    for i, (old, cue) in enumerate(zip(track.cues, repaired.cues)):
        text = cue.text
        if _too_long(text, options) and not _is_dialogue(text):
            lines = break_lines(text, options.max_chars, options.max_lines, options.language)
            if lines is not None:
                text = "\n".join(lines)
        if text != old.text:
            out[i] = text
    return out


def _full_pass(track: Track, options: FixOptions) -> FixResult:
    """The text repairs, then the timing and layout fixes (line breaking can make a cue dialogue, which the
    next pass's dash repair then sees: passes repeat until nothing changes)."""
    track, repaired = repair_text(track, options)
    result = _fix_pass(track, options)
    result.changes[:0] = repaired
    return result


def _shown(text: str) -> str:
    text = text.replace("\n", " | ")
    return repr(text if len(text) <= 40 else text[:40] + "…")


def repair_text(track: Track, options: FixOptions) -> tuple[Track, list[Note]]:
    """The language's unambiguous text repairs (see the module docstring), and a note for each cue changed."""
    lang = language_table.profile(options.language)
    if lang is None or not options.repairs:
        return track, []
    keep, on = options.keep, options.repairs
    misread = mojibake.track_misread([c.plain for c in track.cues], lang) if "script" in on else None
    cues, notes = [], []
    for cue in track.cues:
        text, done = cue.text, []
        if "script" in on and not text.isascii():
            fixed, how = text, "mojibake"
            if misread is not None:
                try:
                    fixed, how = misread.repair(text), misread.how
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
            fixed = mojibake.repair_mixed(mojibake.repair_utf8(fixed, lang), lang, keep)
            if fixed != text:
                done.append(f"{how} repaired: {_shown(text)} -> {_shown(fixed)}")
                text = fixed
        for rule_id, repair, what in (
                ("comma-below", lambda t: conventions.repair_cedillas(t, lang, keep), "ş ţ with a cedilla -> ș ț with a comma below"),
                ("ellipsis", lambda t: conventions.repair_ellipsis(t, lang), "'...' -> '…'"),
                ("dialogue-dash", lambda t: conventions.repair_dialogue_dash(t, lang), "dialogue lines opened as "
                                                                                      f"{lang.name} writes them")):
            if rule_id in on:
                fixed = repair(text)
                if fixed != text:
                    done.append(what)
                    text = fixed
        if done:
            notes.append(_note(cue, "; ".join(done)))
            cue = cue.with_text(text)
        cues.append(cue)
    return Track(cues, track.language), notes


def _fix_pass(track: Track, options: FixOptions) -> FixResult:
    result = FixResult(track)
    cues = list(track.cues)
    ordered = track.sorted().cues  # by start only: retiming an end never swaps two cues a person ordered
    early = [b for a, b in zip(cues, cues[1:]) if b.start < a.start]
    if early:
        result.changes.append(_note(early[0], f"sorted cues into time order ({len(early)} started before "
                                              "the cue above them)"))
    cues = []
    for cue in ordered:
        hidden = hidden_text(cue.text)
        if strip_tags(cue.text).strip():
            cues.append(cue)
        elif hidden:  # words a player hides are still words: a person decides
            cues.append(cue)
            result.unresolved.append(_note(cue, f"players show nothing of this cue: {', '.join(hidden)} reads as a "
                                                "tag (write it without angle brackets, e.g. [sigh], or delete the cue)"))
        else:
            result.changes.append(_note(cue, "removed a cue with no visible text"))

    for k in range(len(cues) - 1):
        a, b = cues[k], cues[k + 1]
        gap = b.start - a.end
        if gap < 0:
            new_end = b.start - options.min_gap_ms
            if new_end - a.start >= _shortest_allowed(a, options):
                cues[k] = replace(a, end=new_end)
                result.changes.append(_note(a, f"overlap resolved: ends at {format_timestamp(new_end)} "
                                                f"(was {format_timestamp(a.end)})"))
            else:
                result.unresolved.append(_note(a, f"overlaps the next cue by {-gap} ms; ending it earlier would "
                                                  "leave it too short (retime or merge the two cues)"))
        elif gap != options.min_gap_ms and gap <= options.close_gap_ms + 1e-9:
            new_end = b.start - options.min_gap_ms
            duration = new_end - a.start
            if new_end > a.end and duration > options.max_duration_ms:
                continue  # chaining would keep it on screen too long; a small gap is fine
            if new_end < a.end and duration < _shortest_allowed(a, options):
                result.unresolved.append(_note(a, f"gap of {gap} ms before the next cue; closing it to "
                                                  f"{options.min_gap_ms} ms would leave this cue too short"))
                continue
            cues[k] = replace(a, end=new_end)
            result.changes.append(_note(a, f"gap of {gap} ms set to {options.min_gap_ms} ms: ends at "
                                            f"{format_timestamp(new_end)} (was {format_timestamp(a.end)})"))

    for k, cue in enumerate(cues):
        if not _too_long(cue.text, options):
            continue
        if _is_dialogue(cue.text):
            result.unresolved.append(_note(cue, "dialogue cue over the line limits: shorten or split it "
                                                "(re-breaking would mix the speakers' lines)"))
            continue
        lines = break_lines(cue.text, options.max_chars, options.max_lines, options.language)
        if lines is None:
            result.unresolved.append(_note(cue, f"{visible_len(' '.join(cue.text.split()))} characters do not fit "
                                                f"in {options.max_lines} lines of {options.max_chars}: "
                                                "shorten or split the cue"))
            continue
        cues[k] = cue.with_text("\n".join(lines))
        result.changes.append(_note(cue, "lines re-broken: " + " | ".join(lines)))
    result.track = Track(cues, track.language)
    return result


# -- files ----------------------------------------------------------------------------------------------------

@dataclass
class FileEdit:
    """A planned rewrite of one subtitle file: reviewable as a diff, applied atomically with a backup."""

    path: Path
    old_bytes: bytes
    old_text: str  # decoded, LF line endings
    new_text: str
    notes: list[str] = field(default_factory=list)  # encoding / BOM / line endings
    changes: list[Note] = field(default_factory=list)
    unresolved: list[Note] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.old_bytes != self.new_text.encode("utf-8")

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + BACKUP_SUFFIX)

    def diff(self) -> str:
        """A unified diff of the text (encoding and line-ending changes are in ``notes``)."""
        name = self.path.as_posix().lstrip("/")  # git style: a/x and b/x, also for an absolute path
        lines = difflib.unified_diff(self.old_text.splitlines(), self.new_text.splitlines(),
                                     fromfile=f"a/{name}", tofile=f"b/{name}", lineterm="")
        return "".join(line + "\n" for line in lines)

    def apply(self) -> Path | None:
        """Keep the current file as ``<name>.bak``, then write the new text atomically.

        Returns the backup's path, or None when nothing changed (nothing is written then). A file that changed
        on disk since it was read (a translator's editor saving meanwhile) is left alone, and so is its backup:
        :class:`FileChangedError`. The check is made before the backup and again just before the replace.
        """
        if not self.changed:
            return None
        if read_bytes_or_none(self.path) != self.old_bytes:
            raise FileChangedError(self.path)
        atomic_write_bytes(self.backup_path, self.old_bytes)
        atomic_write_text(self.path, self.new_text, expect=self.old_bytes)
        return self.backup_path


@dataclass(frozen=True)
class Loaded:
    """A file read for rewriting: its bytes, how they were read, the track, and the format it is written in."""

    data: bytes
    reading: Reading
    track: Track
    fmt: str

    @property
    def text(self) -> str:
        return self.reading.text


def load_for_edit(path: Path, language: str | None = None, encoding: str | None = None,
                  joins: list[Join] | None = None) -> Loaded:
    """Read a file for rewriting. A file that is not UTF-8 is read in the one code page of ``language`` that
    fits (or as ``encoding`` names it); several or none stop with a :class:`SubtitleEncodingError`.

    With a ``joins`` list, text after a blank line inside a cue is joined to the cue above where that is the
    only reading (see :func:`pipeline.formats.parse_track`); otherwise such a file is refused."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".srt", ".vtt"):
        raise UsageError(f"{path}: only .srt and .vtt files are rewritten",
                         hint="convert it to SRT first (e.g. with Subtitle Edit)")
    data, reading = read_for_rewrite(path, encoding, language)
    fmt = format_of(path, reading.text)
    return Loaded(data, reading, parse_track(reading.text, path, language, fmt, joins), "vtt" if suffix == ".vtt" else "srt")


def plan_edit(path: Path, loaded: Loaded, track: Track) -> FileEdit:
    """A :class:`FileEdit` that writes ``track`` over ``path`` (read as ``loaded``)."""
    data, text = loaded.data, loaded.text
    try:
        new_text = compose_track(track, loaded.fmt)
    except ValueError as exc:
        raise UsageError(f"{path}: cannot write the result: {exc}") from None
    notes = conversion_notes(data, loaded.reading)
    lost = lost_cue_settings(text, new_text)
    if lost:
        notes.append(f"cue settings or coordinates not kept on {len(lost)} timing line(s): {lost[0]!r}"
                     + (" ..." if len(lost) > 1 else ""))
    blocks = lost_vtt_blocks(text, new_text)
    if blocks:
        notes.append("not kept: " + ", ".join(f"{n} {kind} block(s)" for kind, n in sorted(blocks.items())))
    return FileEdit(Path(path), data, text, new_text, notes=notes)


def plan_fix(path: Path, options: FixOptions, encoding: str | None = None) -> FileEdit:
    """Read ``path`` (with ``encoding`` if it is not UTF-8), fix it, and return the planned edit."""
    joins: list[Join] = []
    loaded = load_for_edit(path, options.language, encoding, joins)
    result = fix_track(loaded.track, options)
    edit = plan_edit(path, loaded, result.track)
    joined = [Note(j.line, j.cue_start, f"joined text after a blank line to the cue above (line {j.cue_line}): {j.text!r}")
              for j in joins]
    edit.changes, edit.unresolved = joined + result.changes, result.unresolved
    return edit
