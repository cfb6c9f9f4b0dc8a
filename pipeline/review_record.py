"""The review record: ``subtitles/<video>/<lang>.review.tsv``, next to the track and committed with it.

One tab-separated row per cue the pipeline knows about, in track order::

    # pipeline review record for sq.srt: which cues a machine drafted and a person approved.
    # format: 1
    # source: en
    cue  start         end           source_sha        engine    model            draft_sha         approved_sha
    1    00:00:00,200  00:00:01,400  3f2a9c0d1e4b5a67  apertium  eng-spa (...)    9c1b...           -

* ``start``/``end``: the timing of the **source** cue the row was drafted from (its identity);
* ``source_sha``: hash of that source cue's text when drafted (or last approved) — if the source text
  changes, the cue is *stale*;
* ``engine``/``model``: what wrote the draft (``-`` for a cue a person added);
* ``draft_sha``: hash of the text the machine wrote — if the SRT's text differs, a person *edited* it;
* ``approved_sha``: hash of the text a person approved — approval holds only while the text is unchanged.
* ``cue`` is the cue's position when the record was written; ``-`` marks a drafted cue a person deleted
  (kept so a re-draft does not bring it back).
* ``confidence`` (optional column): how far the engine itself trusted the drafted text, 0.00–1.00 (see
  :mod:`pipeline.confidence`); ``-`` when unknown (cues a person added, records written before it existed);
* ``unknown`` (optional column): the words of the drafted text the engine marked as unknown, untranslated
  or badly generated, separated by spaces; ``-`` for none.

Columns are found by the header row: the optional ones may be missing (older records read as before).

Hashes are the first 16 hex digits of SHA-256 of the cue text exactly as in the file (tags, line breaks).
Rows are matched to the SRT's cues by timing (a person may insert or delete cues) and, for cues a person
retimed, by position between matched neighbours. A track without a record is a person's track.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from pipeline.errors import SubtitleError
from pipeline.fsutil import atomic_write_text, sha256_text
from pipeline.model import Cue, Track, format_timestamp

SUFFIX = ".review.tsv"
FORMAT = 1
COLUMNS = ("cue", "start", "end", "source_sha", "engine", "model", "draft_sha", "approved_sha")
#: Columns a record may lack (records written before they existed); written every time.
OPTIONAL_COLUMNS = ("confidence", "unknown")
NONE = "-"
DELETED = 0  # Row.cue for a drafted cue a person deleted
_TIME = re.compile(r"^(\d{2}):(\d{2}):(\d{2}),(\d{3})$")


class RecordError(SubtitleError):
    """A review record that cannot be read as written."""


def text_hash(text: str) -> str:
    """Short, stable hash of a cue's text (diff-friendly; 64 bits is plenty for one track)."""
    return sha256_text(text)[:16]


@dataclass
class Row:
    cue: int  # 1-based position in the track when written; DELETED for a deleted cue
    start: int  # source cue timing (ms)
    end: int
    source_sha: str = NONE
    engine: str = NONE
    model: str = NONE
    draft_sha: str = NONE
    approved_sha: str = NONE
    confidence: float | None = None  # the engine's own confidence in the drafted text, 0..1
    unknown: tuple[str, ...] = ()  # words of the drafted text the engine marked

    @property
    def deleted(self) -> bool:
        return self.cue == DELETED

    def updated(self, **changes) -> "Row":
        return replace(self, **changes)


@dataclass
class ReviewRecord:
    source: str  # language the track was drafted from
    rows: list[Row] = field(default_factory=list)

    @property
    def live_rows(self) -> list[Row]:
        return [r for r in self.rows if not r.deleted]


def _parse_time(value: str) -> int | None:
    m = _TIME.match(value)
    if not m:
        return None
    h, mi, sec, ms = map(int, m.groups())
    return ((h * 60 + mi) * 60 + sec) * 1000 + ms


def record_path(track_path: Path) -> Path:
    """``es.srt`` → ``es.review.tsv`` in the same folder."""
    return Path(track_path).with_suffix(SUFFIX)


def _clean(value: str) -> str:
    return " ".join(value.replace("\t", " ").split()) or NONE


def compose_record(record: ReviewRecord, track_name: str) -> str:
    lines = [
        f"# pipeline review record for {track_name}: which cues a machine drafted and a person approved.",
        "# Written by `pipeline draft` and `pipeline approve`; commit it with the SRT. See README.",
        f"# format: {FORMAT}",
        f"# source: {record.source}",
        "\t".join(COLUMNS + OPTIONAL_COLUMNS),
    ]
    for row in record.rows:
        lines.append("\t".join([
            str(row.cue) if not row.deleted else NONE, format_timestamp(row.start), format_timestamp(row.end),
            row.source_sha, _clean(row.engine), _clean(row.model), row.draft_sha, row.approved_sha,
            NONE if row.confidence is None else f"{row.confidence:.2f}", _clean(" ".join(row.unknown)),
        ]))
    return "\n".join(lines) + "\n"


def parse_record(text: str, path: Path) -> ReviewRecord:
    """Parse a record's text; a malformed line is a :class:`RecordError` naming it."""
    source = None
    rows: list[Row] = []
    header: tuple[str, ...] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            if key.strip() == "source":
                source = value.strip()
            elif key.strip() == "format" and value.strip() != str(FORMAT):
                raise RecordError(path, f"review record format {value.strip()} is not {FORMAT}", number,
                                  hint="upgrade the pipeline")
            continue
        fields = line.split("\t")
        if header is None:
            header = _read_header(fields, path, number)
            continue
        if len(fields) != len(header):
            raise RecordError(path, f"expected {len(header)} tab-separated columns, found {len(fields)}", number,
                              hint="restore the file from git")
        values = dict(zip(header, fields))
        cue, start, end = values["cue"], _parse_time(values["start"]), _parse_time(values["end"])
        if start is None or end is None or not (cue == NONE or cue.isdigit()):
            raise RecordError(path, f"bad cue number or timing in {line!r}", number, hint="restore the file from git")
        confidence = _parse_confidence(values.get("confidence", NONE), path, number)
        unknown = tuple(values.get("unknown", NONE).split()) if values.get("unknown", NONE) != NONE else ()
        rows.append(Row(DELETED if cue == NONE else int(cue), start, end,
                        *(values[c] for c in COLUMNS[3:]), confidence=confidence, unknown=unknown))
    if not source:
        raise RecordError(path, "no '# source: LANG' line", hint="restore the file from git")
    return ReviewRecord(source, rows)


def _read_header(fields: list[str], path: Path, number: int) -> tuple[str, ...]:
    """The columns named by the header row: every required one, optional ones if present, nothing else."""
    names = tuple(fields)
    if not set(COLUMNS) <= set(names):
        raise RecordError(path, "missing column header", number, hint="restore the file from git")
    extra = [n for n in names if n not in COLUMNS + OPTIONAL_COLUMNS]
    if extra or len(set(names)) != len(names):
        raise RecordError(path, f"unknown column {extra[0] if extra else 'repeated'!r} in the header", number,
                          hint="written by a newer pipeline? upgrade, or restore the file from git")
    return names


def _parse_confidence(value: str, path: Path, number: int) -> float | None:
    if value == NONE:
        return None
    try:
        figure = float(value)
    except ValueError:
        figure = -1.0
    if not 0.0 <= figure <= 1.0:
        raise RecordError(path, f"confidence {value!r} is not a figure from 0 to 1", number,
                          hint="restore the file from git")
    return figure


def read_record(track_path: Path) -> ReviewRecord | None:
    """The record of a track, or None when it has none (a person's track)."""
    path = record_path(track_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(path, f"cannot read the review record ({exc})") from None
    return parse_record(text, path)


def write_record(track_path: Path, record: ReviewRecord) -> Path:
    path = record_path(track_path)
    atomic_write_text(path, compose_record(record, Path(track_path).name))
    return path


def match_rows(record: ReviewRecord | None, track: Track) -> list[Row | None]:
    """The record row of each cue of the track (None for a cue the record does not know).

    Rows are aligned to cues by timing; between two aligned neighbours, rows and cues that differ only in
    timing (a person retimed them) are paired in order when their counts agree and each pair overlaps in
    time. A row left without a cue is a drafted cue a person deleted.
    """
    if record is None:
        return [None] * len(track)
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
    return matched


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


class SourceIndex:
    """Which current source cue each record row belongs to, one to one.

    A row claims the source cue at its recorded timing; rows left over claim, in order, an unclaimed
    source cue with the text they were drafted from (the source was retimed, not changed). A row with no
    source cue left, or whose source cue's text differs from the recorded one, has a *changed* source.
    """

    def __init__(self, source: Track, rows: Iterable[Row] = ()):
        self.hashes = [text_hash(cue.text) for cue in source.cues]
        self.timings = [(cue.start, cue.end) for cue in source.cues]
        self._assigned: dict[int, int] = {}
        rows = [r for r in rows if r.source_sha != NONE]
        by_timing: dict[tuple[int, int], list[int]] = {}
        by_hash: dict[str, list[int]] = {}
        for i, cue in enumerate(source.cues):
            by_timing.setdefault((cue.start, cue.end), []).append(i)
            by_hash.setdefault(self.hashes[i], []).append(i)
        claimed: set[int] = set()
        for table, key in ((by_timing, lambda r: (r.start, r.end)), (by_hash, lambda r: r.source_sha)):
            for row in rows:
                if id(row) in self._assigned:
                    continue
                free = next((i for i in table.get(key(row), []) if i not in claimed), None)
                if free is not None:
                    claimed.add(free)
                    self._assigned[id(row)] = free

    def source_of(self, row: Row) -> int | None:
        """Index of the source cue a row belongs to (rows must be ones given to the constructor)."""
        return self._assigned.get(id(row))

    def changed(self, row: Row) -> bool:
        """True when the source text a row was drafted (or approved) from is no longer there."""
        if row.source_sha == NONE:
            return False
        i = self.source_of(row)
        return i is None or self.hashes[i] != row.source_sha
