"""The review record: ``subtitles/<video>/<lang>.review.tsv``, next to the track and committed with it.

It says where a track's text came from: which cues a machine drafted (and from which source text), and
which a person approved (who, when, and exactly which text). Format 2, one tab-separated row per cue the
pipeline knows about, in track order::

    # pipeline review record for sq.srt: which cues a machine drafted and a person approved.
    # format: 2
    # source: en
    cue  start         end           source_sha        engine    model  draft_sha  approved_sha  approved_by  approved_at
    1    00:00:00,200  00:00:01,400  3f2a9c0d1e4b5a67  apertium  ...    9c1b...    9c1b...       Ana Ruiz     2024-05-02T09:14:03Z

* ``start``/``end``: the timing of the **source** cue(s) the row answers to (its identity);
* ``source_sha``: hash of that source cue's text when drafted (or last approved) — if the source text
  changes, the cue is *stale*. A cue a person made of several drafted cues (a merge) answers to all of
  them: ``h1+h2`` lists their hashes in time order, and ``start``/``end`` span them;
* ``engine``/``model``: what wrote the draft (``-`` for a cue a person made);
* ``draft_sha``: hash of the text the machine wrote — if the SRT's text differs, a person *edited* it;
* ``approved_sha``: hash of the text a person approved — approval holds only while the text is unchanged;
* ``approved_by``/``approved_at``: who approved it and when (UTC, ``YYYY-MM-DDTHH:MM:SSZ``);
* ``confidence``: how far the engine itself trusted the text it drafted, ``0.00``–``1.00`` (see
  :mod:`pipeline.confidence`; ``-`` when not known: a cue a person made, a record older than the column);
* ``unknown``: the words of the drafted text the engine marked as unknown, untranslated or badly
  generated, separated by spaces (``-`` for none);
* ``cue`` is the cue's position when the record was written; ``-`` marks a drafted cue a person deleted
  (kept so a re-draft does not bring it back).

**Columns are found by the header row**, so a record lists them in any order, an older record simply
lacks the newer columns (format 1 had no ``approved_by``/``approved_at``: read as ``-``), and columns
this version does not know are kept as read and written back. Adding an optional column is one line: a
``str`` field of :class:`Row` with the default ``NONE``. The format number changes only when an old
reader would misread a record (not for a new optional column).

A track a person declares theirs (``pipeline approve VIDEO LANG --human``) has a record with
``# origin: human`` and ``# declared_by``/``# declared_at`` lines and no rows.

Hashes are the first 16 hex digits of SHA-256 of the cue text exactly as in the file (tags, line breaks).
Rows are matched to the SRT's cues by timing (a person may insert or delete cues) and, for cues a person
retimed, by position between matched neighbours; a cue a person made in the place of drafted cues
(merging or splitting them) takes over their rows (see :func:`match_rows`).

**Crash safety.** ``draft`` writes ``<lang>.review-pending.tsv`` (the new record, with the hash of the
track it describes) *before* the track, then the record, then removes the pending file: a track with a
pending file is never publishable, and :func:`resolve_pending` tells which record belongs to the track
on disk after a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from pipeline.errors import SubtitleError
from pipeline.fsutil import TEMP_MARK, atomic_write_text, sha256_file, sha256_text
from pipeline.model import Cue, Track, format_timestamp, parse_timestamp

SUFFIX = ".review.tsv"
PENDING_SUFFIX = ".review-pending.tsv"
#: The format this version writes; it reads every format up to this one.
FORMAT = 2
NONE = "-"
DELETED = 0  # Row.cue for a drafted cue a person deleted
ORIGINS = ("machine", "human")
_CONFIDENCE = re.compile(r"^(?:-|0(?:\.\d+)?|1(?:\.0+)?)$")


class RecordError(SubtitleError):
    """A review record that cannot be read as written."""


class RecordChangedError(SubtitleError):
    """The review record changed on disk between reading and writing it (another command or the workbench)."""

    def __init__(self, path: Path):
        super().__init__(path, "changed on disk while this command ran; nothing was written",
                         hint="run the command again")


def one_line(text: str) -> str:
    """Text as one record cell: whitespace (line breaks, tabs) collapsed to single spaces."""
    return " ".join(text.split()) or NONE


def text_hash(text: str) -> str:
    """Short, stable hash of a cue's text (diff-friendly; 64 bits is plenty for one track)."""
    return sha256_text(text)[:16]


def utc_now() -> str:
    """The time an approval is recorded with: UTC, to the second (``2024-05-02T09:14:03Z``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Row:
    """One cue the record knows. Every field but ``extra`` is a column, in this order when written."""

    cue: int  # 1-based position in the track when written; DELETED for a deleted cue
    start: int  # source cue timing (ms)
    end: int
    source_sha: str = NONE
    engine: str = NONE
    model: str = NONE
    draft_sha: str = NONE
    approved_sha: str = NONE
    approved_by: str = NONE
    approved_at: str = NONE
    edited_by: str = NONE  # who last changed the cue's text in the review workbench ...
    edited_at: str = NONE  # ... and when (UTC)
    #: The source text ``source_sha`` hashes, on one line: what a stale cue's source said (for the diff).
    source_text: str = NONE
    confidence: str = NONE  # the engine's confidence in the drafted text, "0.00"-"1.00" (confidence_figure)
    unknown: str = NONE  # the words of the drafted text the engine marked, space-separated (unknown_words)
    # A new optional column: one more ``str`` field here, default NONE (nothing else to change).
    extra: dict[str, str] = field(default_factory=dict)  # columns this version does not know, as read

    @property
    def deleted(self) -> bool:
        return self.cue == DELETED

    @property
    def source_parts(self) -> list[str]:
        """The hashes of the source cue(s) this row answers to, in time order (empty: none)."""
        return [] if self.source_sha == NONE else self.source_sha.split("+")

    def updated(self, **changes) -> "Row":
        return replace(self, **changes)

    @property
    def confidence_figure(self) -> float | None:
        """``confidence`` as a number (None when not known)."""
        return None if self.confidence == NONE else float(self.confidence)

    @property
    def unknown_words(self) -> tuple[str, ...]:
        return () if self.unknown == NONE else tuple(self.unknown.split())

    def approved(self, text_sha: str, by: str, at: str) -> "Row":
        return replace(self, approved_sha=text_sha, approved_by=_clean(by), approved_at=at)


#: The columns, in the order they are written: the fields of :class:`Row`.
COLUMNS = tuple(f.name for f in fields(Row) if f.name != "extra")
REQUIRED = ("cue", "start", "end")
_TIMES = ("start", "end")


@dataclass
class ReviewRecord:
    """A track's review record. ``source`` is the language it was drafted from (None for a declared track)."""

    source: str | None
    rows: list[Row] = field(default_factory=list)
    origin: str = "machine"  # machine: drafted | human: a person declared the track theirs
    declared_by: str = NONE
    declared_at: str = NONE
    #: Pending records only: sha256 of the track file this record describes, and of the one it replaces.
    track_sha: str | None = None
    previous_sha: str | None = None
    #: ``# key: value`` lines this version does not know, kept as read.
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def live_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.deleted]

    def last_approval(self) -> tuple[str, str] | None:
        """``(who, when)`` of the latest approval (or of the declaration of a human track), or None."""
        found = [(r.approved_at, r.approved_by) for r in self.rows
                 if r.approved_sha != NONE and r.approved_at != NONE]
        if self.origin == "human" and self.declared_at != NONE:
            found.append((self.declared_at, self.declared_by))
        if not found:
            return None
        at, by = max(found)
        return by, at


def record_path(track_path: Path) -> Path:
    """``es.srt`` → ``es.review.tsv`` in the same folder."""
    return Path(track_path).with_suffix(SUFFIX)


def pending_path(track_path: Path) -> Path:
    """``es.srt`` → ``es.review-pending.tsv``: the record of a draft being written (see the module doc)."""
    return Path(track_path).with_suffix(PENDING_SUFFIX)


def confidence_text(figure: float | None) -> str:
    """A confidence figure as the record writes it (``0.62``; ``-`` for none)."""
    return NONE if figure is None else f"{min(1.0, max(0.0, figure)):.2f}"


def _clean(value: str) -> str:
    return " ".join(str(value).replace("\t", " ").split()) or NONE


def _row_values(row: Row, extra_columns: Sequence[str]) -> list[str]:
    values = []
    for name in COLUMNS:
        value = getattr(row, name)
        if name == "cue":
            values.append(NONE if row.deleted else str(value))
        elif name in _TIMES:
            values.append(format_timestamp(value))
        else:
            values.append(_clean(value))
    return values + [_clean(row.extra.get(name, NONE)) for name in extra_columns]


def compose_record(record: ReviewRecord, track_name: str) -> str:
    """The text of a record (format :data:`FORMAT`)."""
    lines = [
        f"# pipeline review record for {track_name}: which cues a machine drafted and a person approved.",
        "# Written by `pipeline draft` and `pipeline approve`; commit it with the SRT. See docs/drafting.md.",
        f"# format: {FORMAT}",
    ]
    if record.origin != "machine":
        lines.append(f"# origin: {record.origin}")
    if record.source:
        lines.append(f"# source: {record.source}")
    if record.declared_by != NONE or record.declared_at != NONE:
        lines += [f"# declared_by: {_clean(record.declared_by)}", f"# declared_at: {_clean(record.declared_at)}"]
    if record.track_sha:
        lines += [f"# track_sha: {record.track_sha}", f"# previous_sha: {record.previous_sha or NONE}"]
    lines += [f"# {key}: {_clean(value)}" for key, value in record.meta.items()]
    extra_columns = list(dict.fromkeys(name for row in record.rows for name in row.extra))
    lines.append("\t".join(COLUMNS + tuple(extra_columns)))
    lines += ["\t".join(_row_values(row, extra_columns)) for row in record.rows]
    return "\n".join(lines) + "\n"


_META_FIELDS = {"source", "origin", "declared_by", "declared_at", "track_sha", "previous_sha"}


def parse_record(text: str, path: Path) -> ReviewRecord:
    """Parse a record's text (any format up to :data:`FORMAT`); a malformed line is a :class:`RecordError`
    naming it."""
    meta: dict[str, str] = {}
    rows: list[Row] = []
    header: list[str] | None = None
    bad = "restore the file from git"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            key, value = key.strip(), value.strip()
            if not colon or " " in key:
                continue  # a comment
            if key == "format":
                if not value.isdigit():
                    raise RecordError(path, f"bad format line {line!r}", number, hint=bad)
                if int(value) > FORMAT:
                    raise RecordError(path, f"review record format {value} is newer than this pipeline "
                                            f"(it reads up to format {FORMAT})", number, hint="upgrade the pipeline")
            else:
                meta[key] = value
            continue
        values = line.split("\t")
        if header is None:
            missing = [name for name in REQUIRED if name not in values]
            if missing or len(set(values)) != len(values):
                raise RecordError(path, "missing column header (a row naming the columns, with "
                                        f"{', '.join(REQUIRED)})", number, hint=bad)
            header = values
            continue
        if len(values) != len(header):
            raise RecordError(path, f"expected {len(header)} tab-separated columns, found {len(values)}", number,
                              hint=bad)
        cells = dict(zip(header, values))
        cue, start, end = cells["cue"], parse_timestamp(cells["start"]), parse_timestamp(cells["end"])
        if start is None or end is None or not (cue == NONE or cue.isdigit()):
            raise RecordError(path, f"bad cue number or timing in {line!r}", number, hint=bad)
        known = {name: cells[name] for name in COLUMNS[3:] if name in cells}
        extra = {name: value for name, value in cells.items() if name not in COLUMNS}
        if not _CONFIDENCE.match(known.get("confidence", NONE)):
            raise RecordError(path, f"confidence {known['confidence']!r} is not a figure from 0.00 to 1.00", number,
                              hint=bad)
        rows.append(Row(DELETED if cue == NONE else int(cue), start, end, **known, extra=extra))
    origin = meta.get("origin", "machine")
    if origin not in ORIGINS:
        raise RecordError(path, f"origin {origin!r} is not one of {', '.join(ORIGINS)}", hint=bad)
    source = meta.get("source") or None
    if origin == "machine" and not source:
        raise RecordError(path, "no '# source: LANG' line", hint=bad)
    if header is None and origin == "machine":
        raise RecordError(path, "missing column header", hint=bad)
    track_sha = meta.get("track_sha")
    previous = meta.get("previous_sha")
    return ReviewRecord(source, rows, origin, meta.get("declared_by", NONE), meta.get("declared_at", NONE),
                        track_sha, None if previous in (None, NONE) else previous,
                        {k: v for k, v in meta.items() if k not in _META_FIELDS})


def _read(path: Path) -> tuple[ReviewRecord, str] | None:
    """A record file and the hash of its bytes, or None when there is none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RecordError(path, f"cannot read the review record ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordError(path, "the review record is not UTF-8 text", hint="restore the file from git") from None
    return parse_record(text, path), hashlib.sha256(data).hexdigest()


def _file_hash(path: Path) -> str | None:
    try:
        return sha256_file(path)
    except FileNotFoundError:
        return None


def read_record(track_path: Path) -> ReviewRecord | None:
    """The record of a track as committed (``<lang>.review.tsv``), or None when it has none."""
    found = _read(record_path(track_path))
    return found[0] if found else None


def read_record_hashed(track_path: Path) -> tuple[ReviewRecord | None, str | None]:
    """The record and the hash of its file (for :func:`write_record`'s ``expect``); ``(None, None)`` without one."""
    found = _read(record_path(track_path))
    return found if found else (None, None)


_ANY = object()


def write_record(track_path: Path, record: ReviewRecord, *, expect=_ANY) -> Path:
    """Write a track's record atomically. With ``expect`` (the hash :func:`read_record_hashed` gave, None
    for "there was none"), first check the file is still the one read: :class:`RecordChangedError` if not."""
    path = record_path(track_path)
    if expect is not _ANY and _file_hash(path) != expect:
        raise RecordChangedError(path)
    atomic_write_text(path, compose_record(record, Path(track_path).name))
    return path


# --- a draft in progress ------------------------------------------------------------------------------------

def has_pending(track_path: Path) -> bool:
    """True while a draft of this track is being written, or was interrupted (see the module doc)."""
    return pending_path(track_path).exists()


def write_pending(track_path: Path, record: ReviewRecord, track_sha: str, previous_sha: str | None) -> Path:
    """Write the record a draft is about to make true, with the hashes of the track it will write and of
    the one it replaces (None for a new track)."""
    path = pending_path(track_path)
    atomic_write_text(path, compose_record(replace(record, track_sha=track_sha, previous_sha=previous_sha),
                                           Path(track_path).name))
    return path


def drop_pending(track_path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(pending_path(track_path))


def clean_partials(track_path: Path) -> list[Path]:
    """Remove the temp files a killed writer of this track left (hidden ``.<lang>.….partial.…`` files of the
    track, its record and its pending record). Call only while holding the folder lock."""
    track_path = Path(track_path)
    removed = []
    for path in track_path.parent.glob(f".{track_path.stem}.*{TEMP_MARK}*"):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def _agreement(record: ReviewRecord | None, track: Track | None) -> int:
    """How many cues of the track have exactly the text a record says the machine wrote or a person approved."""
    if record is None or track is None:
        return 0
    matched, _ = match_rows(record, track)
    return sum(1 for cue, row in zip(track.cues, matched)
               if row is not None and text_hash(cue.text) in (row.draft_sha, row.approved_sha))


def resolve_pending(track_path: Path, read_track_file) -> tuple[ReviewRecord | None, str]:
    """After an interrupted draft: which record describes the track on disk, and what happened.

    Returns ``(record, outcome)`` with outcome ``none`` (no draft pending: the committed record),
    ``finished`` (the track was written: the pending record is the track's), or ``discarded`` (the track
    was not written: the committed record still is). A track a person changed since the crash gets the
    record that agrees with more of its cues; either way every cue that differs from what the machine
    wrote counts as a person's. ``read_track_file(path)`` reads the track (this module does not parse SRT).
    """
    track_path = Path(track_path)
    found = _read(pending_path(track_path))
    committed = read_record(track_path)
    if found is None:
        return committed, "none"
    marked = found[0]
    pending = replace(marked, track_sha=None, previous_sha=None)
    now = _file_hash(track_path)
    if now is None:
        return committed, "discarded"
    if now == marked.track_sha or marked.previous_sha is None:
        # written; or a new track (there was none before the draft), so the machine wrote it
        return pending, "finished"
    if now == marked.previous_sha:
        return committed, "discarded"
    try:
        track = read_track_file(track_path)
    except SubtitleError:
        return committed, "discarded"
    if _agreement(pending, track) > _agreement(committed, track):
        return pending, "finished"
    return committed, "discarded"


def settle_pending(track_path: Path, read_track_file) -> str:
    """Finish (or undo) an interrupted draft's record on disk; returns the outcome of :func:`resolve_pending`."""
    record, outcome = resolve_pending(track_path, read_track_file)
    if outcome == "finished":
        write_record(track_path, record)
    if outcome != "none":
        drop_pending(track_path)
    return outcome


# --- matching rows to cues, and rows to source cues ---------------------------------------------------------

def _overlaps_enough(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two spans share at least half of the shorter one."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared > 0 and 2 * shared >= min(a[1] - a[0], b[1] - b[0])


def match_rows(record: ReviewRecord | None, track: Track) -> tuple[list[Row | None], list[Row]]:
    """The record row of each cue of the track (None for a cue the record does not know), and the rows
    left without a cue (drafted cues a person deleted).

    Rows are aligned to cues by timing; between two aligned neighbours, rows and cues that differ only in
    timing (a person retimed them) are paired in order when their counts agree and each pair overlaps in
    time. A cue left without a row that covers rows left without a cue (at least half of the shorter of
    the two) was made by a person in their place — two drafted cues merged, one split in two, one
    rewritten and retimed — and takes them over: the person's decision answers to their source cues, so a
    change of that source makes it stale and a re-draft does not bring the drafted cues back.
    """
    if record is None:
        return [None] * len(track), []
    import difflib  # here: a track without a record (most of `status`) needs no alignment

    rows = record.live_rows
    matched: list[Row | None] = [None] * len(track)
    matcher = difflib.SequenceMatcher(a=[(r.start, r.end) for r in rows], b=[(c.start, c.end) for c in track.cues],
                                      autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and a1 - a0 == b1 - b0):
            for i, j in zip(range(a0, a1), range(b0, b1)):
                cue = track.cues[j]
                if tag == "equal" or (rows[i].start < cue.end and cue.start < rows[i].end):
                    matched[j] = rows[i]
    used = {id(r) for r in matched if r is not None}
    orphans = [r for r in rows if id(r) not in used] + [r for r in record.rows if r.deleted]
    takes: dict[int, list[Row]] = {}
    takers: dict[int, int] = {}  # id(row) -> how many cues took it over
    for j, cue in enumerate(track.cues):
        if matched[j] is None:
            taken = [r for r in orphans if r.source_parts and _overlaps_enough((r.start, r.end), (cue.start, cue.end))]
            sha = text_hash(cue.text)
            own = [r for r in taken if sha in (r.approved_sha, r.draft_sha)]
            if len(own) == 1:  # its own row, found by its text (a person moved the cue; its neighbours changed)
                taken = own
            if taken:
                takes[j] = taken
                for r in taken:
                    takers[id(r)] = takers.get(id(r), 0) + 1
    for j, taken in takes.items():
        if len(taken) == 1 and takers[id(taken[0])] == 1:
            row = taken[0]  # one for one (rewritten and retimed): it keeps what it knew
            matched[j] = row.updated(cue=j + 1) if row.deleted else row
        else:  # merged or split: the person's text answers to the source cues, nothing else carries over
            ordered = sorted({(r.start, r.end, r.source_sha): r for r in taken}.values(), key=lambda r: (r.start, r.end))
            parts = [part for r in ordered for part in r.source_parts]
            matched[j] = Row(j + 1, ordered[0].start, max(r.end for r in ordered), "+".join(parts))
    adopted = {id(r) for taken in takes.values() for r in taken}
    return matched, [r for r in orphans if id(r) not in adopted]


class SourceIndex:
    """Which current source cues each record row answers to.

    Rows that answer to the same source cues (a drafted cue a person split, a cue a person added and
    approved over it) form one group. A group claims the cues at its recorded timing when their texts are
    the recorded ones. The other groups whose recorded spans do not overlap (the usual case: one per
    source cue or per merge) are aligned with the cues left, by text and in time order between those
    claimed: equal texts pair up wherever they moved (the source was retimed); in between, a group claims
    the cues at its recorded timing (its text changed in place), and the rest pair up in order when their
    numbers agree (retimed *and* changed). A group overlapping those follows them: it claims, among the
    cues they went to, the ones with its texts (else the ones at its timing). A row with no source cue
    left, or whose source cues' texts differ from the recorded ones, has a *changed* source.
    """

    def __init__(self, source: Track, rows: Iterable[Row] = ()):
        self.hashes = [text_hash(cue.text) for cue in source.cues]
        self.texts = [cue.text for cue in source.cues]
        self.timings = [(cue.start, cue.end) for cue in source.cues]
        self._runs: dict[int, tuple[int, int]] = {}
        groups: dict[tuple[int, int, str], list[Row]] = {}
        for row in rows:
            if row.source_sha != NONE:
                groups.setdefault((row.start, row.end, row.source_sha), []).append(row)
        found: dict[tuple[int, int, str], tuple[int, int]] = {}
        for key in groups:  # unchanged, in place
            run = self._at_timing(key, range(len(self.timings)))
            if run is not None and self.current_sha(run) == key[2]:
                found[key] = run
        primary, secondary, last_end = [], [], None
        for key in sorted(groups):
            if last_end is None or key[0] >= last_end:
                primary.append(key)
                last_end = key[1]
            else:
                secondary.append(key)
        found |= self._align(primary, found)
        for key in secondary:
            if key not in found:
                run = self._follow(key, primary, found)
                if run is not None:
                    found[key] = run
        for key, run in found.items():
            for row in groups[key]:
                self._runs[id(row)] = run

    def _at_timing(self, key: tuple[int, int, str], within: range) -> tuple[int, int] | None:
        k = len(key[2].split("+"))
        for i in within:
            j = i + k - 1
            if self.timings[i][0] == key[0] and j < len(self.timings) and j in within \
                    and self.timings[j][1] == key[1]:
                return i, j
        return None

    def _align(self, keys: list[tuple[int, int, str]], found: dict) -> dict[tuple[int, int, str], tuple[int, int]]:
        """Runs for the groups of ``keys`` not in ``found``, aligned by text between those that are."""
        import difflib

        anchored = {i: ("claimed", i) for key in keys if key in found for i in range(found[key][0], found[key][1] + 1)}
        tokens = [(g, ("claimed", found[key][0] + d) if key in found else part)
                  for g, key in enumerate(keys) for d, part in enumerate(key[2].split("+"))]
        theirs = [anchored.get(i, h) for i, h in enumerate(self.hashes)]
        placed: dict[int, list[int]] = {}
        matcher = difflib.SequenceMatcher(a=[t[1] for t in tokens], b=theirs, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag == "equal":
                for t, i in zip(range(a0, a1), range(b0, b1)):
                    placed.setdefault(tokens[t][0], []).append(i)
                continue
            free = [i for i in range(b0, b1) if i not in anchored]
            todo = [t for t in range(a0, a1) if keys[tokens[t][0]] not in found]
            by_timing = set()
            for g in sorted({tokens[t][0] for t in todo}):  # changed in place: the cues at its timing
                run = self._at_timing(keys[g], range(b0, b1))
                if g not in placed and run is not None and all(i in free for i in range(run[0], run[1] + 1)):
                    placed[g] = list(range(run[0], run[1] + 1))
                    by_timing.add(g)
                    free = [i for i in free if not run[0] <= i <= run[1]]
            rest = [t for t in todo if tokens[t][0] not in by_timing]
            if rest and len(rest) == len(free):  # retimed and changed: in order
                for t, i in zip(rest, free):
                    placed.setdefault(tokens[t][0], []).append(i)
        out = {}
        for g, key in enumerate(keys):
            cues = sorted(placed.get(g, []))
            if key not in found and cues and len(cues) == len(key[2].split("+")) \
                    and cues == list(range(cues[0], cues[-1] + 1)):
                out[key] = (cues[0], cues[-1])
        return out

    def _follow(self, key, primary, found) -> tuple[int, int] | None:
        """A group overlapping others goes where the cues it overlapped went."""
        exact = self._at_timing(key, range(len(self.timings)))
        parts = key[2].split("+")
        if exact is not None and self.hashes[exact[0]:exact[1] + 1] == parts:
            return exact
        near = sorted({i for other in primary if other in found and other[0] < key[1] and key[0] < other[1]
                       for i in range(found[other][0], found[other][1] + 1)})
        k = len(parts)
        for i in near:
            if self.hashes[i:i + k] == parts and all(i + d in near for d in range(k)):
                return i, i + k - 1
        if exact is not None:
            return exact
        if len(near) == k and near == list(range(near[0], near[0] + k)):
            return near[0], near[-1]
        return None

    def run_of(self, row: Row) -> tuple[int, int] | None:
        """First and last index of the source cues a row answers to (rows given to the constructor)."""
        return self._runs.get(id(row))

    def source_of(self, row: Row) -> int | None:
        """Index of the (first) source cue a row answers to."""
        run = self._runs.get(id(row))
        return run[0] if run else None

    def current_sha(self, run: tuple[int, int]) -> str:
        return "+".join(self.hashes[run[0]:run[1] + 1])

    def current_text(self, run: tuple[int, int]) -> str:
        """The source text of a run of cues now, on one line (a record's ``source_text``)."""
        return one_line(" ".join(self.texts[run[0]:run[1] + 1]))

    def span(self, run: tuple[int, int]) -> tuple[int, int]:
        return self.timings[run[0]][0], self.timings[run[1]][1]

    def changed(self, row: Row) -> bool:
        """True when the source text a row was drafted (or approved) from is no longer there."""
        if row.source_sha == NONE:
            return False
        run = self._runs.get(id(row))
        return run is None or self.current_sha(run) != row.source_sha

    def covering(self, start: int, end: int) -> tuple[int, int] | None:
        """The source cues spoken during ``[start, end)`` (each sharing at least half of the shorter span),
        when they are consecutive; None when there are none."""
        found = [i for i, timing in enumerate(self.timings) if _overlaps_enough(timing, (start, end))]
        if not found or found != list(range(found[0], found[-1] + 1)):
            return None
        return found[0], found[-1]


def cue_state(cue: Cue, row: Row | None, stale: bool) -> str:
    """One cue's review state: human | machine | edited | approved | stale (see tracks.CUE_STATES)."""
    if row is None:
        return "human"
    if stale:
        return "stale"
    current = text_hash(cue.text)
    if row.approved_sha == current:
        return "approved"
    if row.draft_sha == NONE:
        return "human"
    return "edited" if current != row.draft_sha else "machine"
