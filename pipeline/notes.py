"""Reviewers' comments on cues: ``subtitles/<video>/<lang>.notes.tsv``, next to the track, committed with it.

One tab-separated row per comment, oldest first::

    # pipeline review comments on sq.srt: one row per comment; commit it with the SRT. See docs/review.md.
    # format: 1
    id  cue  start         end           author    at                    status    resolved_by  resolved_at  text
    1   3    00:00:05,200  00:00:07,000  Ana Ruiz  2026-05-02T09:14:03Z  open      -            -            Is this the glossary term?

* ``cue``/``start``/``end``: the cue the comment is about, by its number and timing when it was written.
  A comment stays with its cue by timing when cues are inserted or deleted above it; ``cue`` 0 is a
  comment on the whole track;
* ``status``: ``open`` or ``resolved`` (with who resolved it and when);
* ``text``: backslash, tab and line breaks are written ``\\\\``, ``\\t`` and ``\\n``, so one comment is one line.

Columns are found by the header row, so a later version can add one without breaking this reader.
Nothing here decides anything about publishing: comments are for people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from pipeline.errors import SubtitleError, UsageError
from pipeline.fsutil import atomic_path
from pipeline.model import Cue, format_timestamp, parse_timestamp
from pipeline.review_record import utc_now

SUFFIX = ".notes.tsv"
FORMAT = 1
NONE = "-"
COLUMNS = ("id", "cue", "start", "end", "author", "at", "status", "resolved_by", "resolved_at", "text")
STATUSES = ("open", "resolved")
MAX_TEXT = 4000  # characters: a comment, not a document
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


class NotesError(SubtitleError):
    """A comments file that cannot be read as written."""


@dataclass(frozen=True)
class Comment:
    id: int
    cue: int  # 1-based cue number when written; 0: the whole track
    start: int  # ms: the cue's timing when written (its identity)
    end: int
    author: str
    at: str  # UTC, YYYY-MM-DDTHH:MM:SSZ
    text: str
    status: str = "open"
    resolved_by: str = NONE
    resolved_at: str = NONE

    @property
    def open(self) -> bool:
        return self.status == "open"

    def to_dict(self) -> dict:
        return {"id": self.id, "cue": self.cue, "start": self.start, "end": self.end, "author": self.author,
                "at": self.at, "text": self.text, "status": self.status,
                "resolved_by": None if self.resolved_by == NONE else self.resolved_by,
                "resolved_at": None if self.resolved_at == NONE else self.resolved_at}


def notes_path(track_path: Path) -> Path:
    """``sq.srt`` → ``sq.notes.tsv`` in the same folder."""
    return Path(track_path).with_suffix(SUFFIX)


def escape(text: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPES.get(m.group(1), m.group(0)), text)


def _name(value: str) -> str:
    """A person's name as one cell: whitespace collapsed (a tab would split the row)."""
    return " ".join(str(value).split()) or NONE


def compose_notes(comments: Sequence[Comment], track_name: str) -> str:
    lines = [
        f"# pipeline review comments on {track_name}: one row per comment; commit it with the SRT. "
        "See docs/review.md.",
        f"# format: {FORMAT}",
        "\t".join(COLUMNS),
    ]
    for c in comments:
        lines.append("\t".join([str(c.id), str(c.cue), format_timestamp(c.start), format_timestamp(c.end),
                                _name(c.author), c.at, c.status, _name(c.resolved_by), c.resolved_at,
                                escape(c.text)]))
    return "\n".join(lines) + "\n"


def parse_notes(text: str, path: Path) -> list[Comment]:
    """The comments in a notes file's text; a malformed line is a :class:`NotesError` naming it."""
    header: list[str] | None = None
    comments: list[Comment] = []
    bad = "restore it from git, or fix that line: tab-separated columns, as the header names them"
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            if colon and key.strip() == "format" and value.strip().isdigit() and int(value) > FORMAT:
                raise NotesError(path, f"comments format {value.strip()} is newer than this pipeline", number,
                                 hint="upgrade the pipeline")
            continue
        values = line.split("\t")
        if header is None:
            missing = [c for c in COLUMNS if c not in values]
            if missing:
                raise NotesError(path, f"the column header lacks {', '.join(missing)}", number, hint=bad)
            header = values
            continue
        if len(values) != len(header):
            raise NotesError(path, f"expected {len(header)} tab-separated columns, found {len(values)}", number,
                             hint=bad)
        cells = dict(zip(header, values))
        start, end = parse_timestamp(cells["start"]), parse_timestamp(cells["end"])
        if (not cells["id"].isdigit() or not cells["cue"].isdigit() or start is None or end is None
                or cells["status"] not in STATUSES):
            raise NotesError(path, f"bad id, cue, timing or status in {line!r}", number, hint=bad)
        comments.append(Comment(int(cells["id"]), int(cells["cue"]), start, end, cells["author"], cells["at"],
                                unescape(cells["text"]), cells["status"], cells["resolved_by"],
                                cells["resolved_at"]))
    return comments


def read_notes_bytes(track_path: Path) -> tuple[list[Comment], bytes | None]:
    """The comments on a track and the file's bytes (None: no comments file)."""
    path = notes_path(track_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], None
    except OSError as exc:
        raise NotesError(path, f"cannot read the comments ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotesError(path, "not UTF-8", hint="save it as UTF-8") from None
    return parse_notes(text, path), data


def read_notes(track_path: Path) -> list[Comment]:
    return read_notes_bytes(track_path)[0]


def open_count(track_path: Path) -> int | None:
    """Open comments on a track (None when its comments file cannot be read)."""
    try:
        return sum(c.open for c in read_notes(track_path))
    except NotesError:
        return None


def write_notes(track_path: Path, comments: Sequence[Comment], expect: bytes | None) -> None:
    """Write the comments atomically, unless the file changed on disk since it was read as ``expect``
    (None: it did not exist) — a :class:`pipeline.cue_edit.ChangedElsewhereError` then."""
    from pipeline.cue_edit import ChangedElsewhereError

    path = notes_path(track_path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(compose_notes(comments, Path(track_path).name).encode("utf-8"))
        try:
            now = path.read_bytes()
        except FileNotFoundError:
            now = None
        if now != expect:
            raise ChangedElsewhereError(path, "the comments file")


def _check_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise UsageError("a comment needs some text")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > MAX_TEXT:
        raise UsageError(f"a comment holds at most {MAX_TEXT} characters (this one has {len(text)})")
    return text


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise UsageError("a comment needs the reviewer's name")
    return _name(name)[:100]


def add_comment(comments: Sequence[Comment], cue_number: int, cue: Cue | None, author: str, text: str,
                at: str | None = None) -> tuple[list[Comment], Comment]:
    """The comments with a new open one on cue ``cue_number`` (0 and ``cue`` None: the whole track)."""
    comment = Comment(max((c.id for c in comments), default=0) + 1, cue_number if cue else 0,
                      cue.start if cue else 0, cue.end if cue else 0, _check_name(author), at or utc_now(),
                      _check_text(text))
    return [*comments, comment], comment


def set_status(comments: Sequence[Comment], comment_id: int, status: str, who: str,
               at: str | None = None) -> tuple[list[Comment], Comment]:
    """The comments with comment ``comment_id`` resolved (or reopened)."""
    if status not in STATUSES:
        raise UsageError(f"status {status!r} must be one of {', '.join(STATUSES)}")
    found = next((c for c in comments if c.id == comment_id), None)
    if found is None:
        raise UsageError(f"there is no comment {comment_id}")
    if status == "resolved":
        changed = replace(found, status="resolved", resolved_by=_check_name(who), resolved_at=at or utc_now())
    else:
        changed = replace(found, status="open", resolved_by=NONE, resolved_at=NONE)
    return [changed if c.id == comment_id else c for c in comments], changed


def attach(comments: Sequence[Comment], cues: Sequence[Cue]) -> tuple[dict[int, list[Comment]], list[Comment]]:
    """Which cue (1-based number) each comment belongs to: the cue with its recorded timing, else the cue
    at its recorded number if that cue overlaps the recorded time. The rest (and comments on the whole
    track) are returned apart."""
    by_timing: dict[tuple[int, int], int] = {}
    for number, cue in enumerate(cues, start=1):
        by_timing.setdefault((cue.start, cue.end), number)
    attached: dict[int, list[Comment]] = {}
    loose: list[Comment] = []
    for c in comments:
        number = by_timing.get((c.start, c.end)) if c.cue else None
        if number is None and 1 <= c.cue <= len(cues):
            cue = cues[c.cue - 1]
            if cue.start < c.end and c.start < cue.end:
                number = c.cue
        if number is None:
            loose.append(c)
        else:
            attached.setdefault(number, []).append(c)
    return attached, loose
