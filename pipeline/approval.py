"""A person's word on a track: approving drafted cues, and declaring a track one's own work.

These are plain library functions (the ``approve`` command and the browser workbench both call them):

* :func:`approve_cues` — approve cues of a drafted track, recording who and when (UTC). Approving every
  cue skips *stale* ones (their source text changed since they were drafted or approved) and says which;
  a stale cue is approved only when named, or with ``include_stale``. Approval re-ties a cue to the
  current source text and holds for its exact text: a later edit needs a new approval.
* :func:`declare_human` — record that a person wrote a track that has no draft record and is not in a
  language of ``[project] human_languages`` (its origin is otherwise unknown, and it is not published).

Both hold the video's folder lock and write the review record atomically, refusing to overwrite one that
changed since it was read.
"""

from __future__ import annotations

import getpass
import re
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from pipeline.engines import check_language
from pipeline.errors import UsageError
from pipeline.formats import read_track
from pipeline.fsutil import folder_lock
from pipeline.model import Track
from pipeline.project import Project
from pipeline.review_record import (
    DELETED, NONE, ReviewRecord, Row, SourceIndex, clean_partials, has_pending, match_rows, read_record_hashed, settle_pending,
    text_hash, utc_now, write_record,
)


def default_reviewer(root: Path | None = None) -> str:
    """Who approves when nobody says: ``git config user.name`` (in ``root``), else the login name."""
    try:
        name = subprocess.run(["git", "config", "user.name"], cwd=root, capture_output=True, text=True,
                              timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    if name:
        return name
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return "unknown"


def parse_ranges(spec: str, count: int) -> list[int]:
    """``"1-5,8"`` → [1, 2, 3, 4, 5, 8] (cue numbers, 1-based), checked against the track's size.

    An empty or blank ``spec`` is an error: an empty shell variable must never mean "every cue".
    """
    if not spec or not spec.strip():
        raise UsageError("no cue numbers given (--cues is empty)",
                         hint="name cues like 1-5,8, or leave --cues out to approve every cue")
    numbers: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not m:
            raise UsageError(f"bad cue range {part!r}", hint="write cue numbers and ranges like 1-5,8")
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if first < 1 or last < first:
            raise UsageError(f"bad cue range {part!r}", hint="ranges go from a smaller to a larger number, from 1")
        if last > count:
            raise UsageError(f"cue {last} does not exist: the track has {count} cues")
        numbers.update(range(first, last + 1))
    return sorted(numbers)


@dataclass
class ApproveReport:
    """What one approval did."""

    language: str
    path: Path
    approved: list[int]  # cue numbers approved in this run
    already: list[int]  # of the chosen cues, already approved with this text and source
    stale_skipped: list[int] = field(default_factory=list)  # stale cues left unapproved (name them to approve)
    remaining: int = 0  # cues of the track still not approved
    by: str = NONE
    at: str = NONE

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["path"] = str(self.path)
        return data


def approve_track(source: Track, track: Track, record: ReviewRecord, numbers: Sequence[int], *, by: str = NONE,
                  at: str | None = None, skip_stale: bool = False) -> tuple[ReviewRecord, ApproveReport]:
    """Approve cues (1-based ``numbers``) of a drafted track against the current source: the pure part of
    :func:`approve_cues`. With ``skip_stale``, stale cues among them are left as they are and listed.
    Returns the new record and what changed (``language``/``path`` left empty)."""
    at = at or utc_now()
    matched, orphans = match_rows(record, track)
    index = SourceIndex(source, [r for r in matched if r is not None] + orphans)  # all rows: deleted ones hold their place
    rows = list(matched)
    report = ApproveReport(track.language or "", Path(), [], [], by=by, at=at)
    for n in numbers:
        cue, row = track.cues[n - 1], rows[n - 1]
        current = text_hash(cue.text)
        stale = row is not None and index.changed(row)
        if stale and skip_stale:
            report.stale_skipped.append(n)
            continue
        if row is not None and row.approved_sha == current and not stale:
            report.already.append(n)
            continue
        # Approval ties the cue to the source text it was reviewed against: the source cue(s) it answers to,
        # else those spoken while it is on screen (a cue a person added), else none.
        run = index.run_of(row) if row is not None else None
        if run is None:
            run = index.covering(cue.start, cue.end)
            start, end = index.span(run) if run is not None else (cue.start, cue.end)
            row = (row or Row(n, cue.start, cue.end)).updated(start=start, end=end)
        row = row.updated(source_sha=index.current_sha(run) if run is not None else NONE,
                          source_text=index.current_text(run) if run is not None else NONE)
        rows[n - 1] = row.approved(current, by, at)
        report.approved.append(n)
    final = SourceIndex(source, [r for r in rows if r is not None] + orphans)
    report.remaining = sum(1 for cue, row in zip(track.cues, rows)
                           if row is None or row.approved_sha != text_hash(cue.text) or final.changed(row))
    new_rows = [row.updated(cue=n) for n, row in enumerate(rows, start=1) if row is not None]
    new_rows += [row.updated(cue=DELETED) for row in orphans]  # deleted by a person
    new = ReviewRecord(record.source, new_rows, record.origin, record.declared_by, record.declared_at,
                       meta=dict(record.meta))
    return new, report


def _drafted_track(project: Project, video_id: str, language: str) -> tuple[Path, str]:
    project.video(video_id)
    language = check_language(language)
    path = project.track_path(video_id, language)
    if not path.is_file():
        have = ", ".join(project.track_languages(video_id)) or "none"
        raise UsageError(f"{path}: no {language} track for {video_id}", hint=f"tracks: {have}")
    return path, language


def approve_cues(project: Project, video_id: str, language: str, cues: Sequence[int] | None = None, *,
                 by: str | None = None, include_stale: bool = False,
                 verify: Callable[[Path, bytes, Track], None] | None = None,
                 lock_timeout: float | None = None) -> ApproveReport:
    """Record that a person reviewed cues of a drafted track: ``cues`` (1-based numbers), or every cue.

    Every cue: stale cues are skipped (listed in ``stale_skipped``) unless ``include_stale``. Named cues
    are approved even when stale: naming them is the explicit choice. ``by`` defaults to
    :func:`default_reviewer`; the time is now, in UTC. Raises :class:`UsageError` for a track that is not
    a machine draft, an empty track, or cue numbers out of range.

    ``verify(path, data, track)`` is called under the lock with the track's bytes and cues as approved: the
    review workbench refuses there an approval of cues that changed since the reviewer saw them (it raises).
    ``lock_timeout``: wait at most that long for another command (a draft) to finish (:class:`LockedError`).
    """
    path, language = _drafted_track(project, video_id, language)
    by = by.strip() if by and by.strip() else default_reviewer(project.root)
    with folder_lock(path.parent, timeout=lock_timeout):
        clean_partials(path)
        settle_pending(path, lambda p: read_track(p, language))  # an interrupted draft is finished first
        data = path.read_bytes()
        track = read_track(path, language)
        if verify is not None:
            verify(path, data, track)
        record, record_hash = read_record_hashed(path)
        if record is None and language not in project.human_languages:
            raise UsageError(f"{path}: no draft record says where this track came from: there is no machine text "
                             "to approve", hint=f"if a person wrote it: pipeline approve {video_id} {language} --human")
        if record is None or record.origin != "machine":
            raise UsageError(f"{path}: a person's track (no draft record): there is no machine text to approve",
                             hint="a person's tracks are published as they are, once check passes")
        if not track.cues:
            raise UsageError(f"{path}: the track has no cues")
        numbers = list(range(1, len(track) + 1)) if cues is None else sorted(set(cues))
        if not numbers:
            raise UsageError("no cues named", hint="name cues like 1-5,8, or name none to approve every cue")
        bad = [n for n in numbers if not 1 <= n <= len(track)]
        if bad:
            raise UsageError(f"cue {bad[0]} does not exist: the track has {len(track)} cues")
        source_path = project.track_path(video_id, record.source)
        if not source_path.exists():
            raise UsageError(f"{source_path}: the source track this draft came from is missing",
                             hint="restore it so approvals can be tied to the source text")
        new_record, report = approve_track(read_track(source_path, record.source), track, record, numbers, by=by,
                                           skip_stale=cues is None and not include_stale)
        if report.approved:
            write_record(path, new_record, expect=record_hash)
    report.language, report.path = language, path
    return report


@dataclass
class UnapproveReport:
    language: str
    path: Path
    withdrawn: list[int]  # cue numbers whose approval was taken back
    unchanged: list[int]  # of the chosen cues, not approved anyway


def unapprove_cues(project: Project, video_id: str, language: str, cues: Sequence[int], *,
                   verify: Callable[[Path, bytes, Track], None] | None = None,
                   lock_timeout: float | None = None) -> UnapproveReport:
    """Take back the approval of cues (1-based numbers) of a drafted track: they need a person's review
    again, and the track is not published until they have it. ``verify`` and ``lock_timeout`` as for
    :func:`approve_cues`."""
    path, language = _drafted_track(project, video_id, language)
    with folder_lock(path.parent, timeout=lock_timeout):
        clean_partials(path)
        data = path.read_bytes()
        track = read_track(path, language)
        if verify is not None:
            verify(path, data, track)
        record, record_hash = read_record_hashed(path)
        if record is None or record.origin != "machine":
            raise UsageError(f"{path}: a person's track (no draft record): there is no approval to take back")
        numbers = sorted(set(cues))
        bad = [n for n in numbers if not 1 <= n <= len(track)]
        if bad:
            raise UsageError(f"cue {bad[0]} does not exist: the track has {len(track)} cues")
        matched, _orphans = match_rows(record, track)
        changes: dict[int, Row] = {}
        report = UnapproveReport(language, path, [], [])
        for n in numbers:
            row = matched[n - 1]
            if row is None or row.approved_sha == NONE:
                report.unchanged.append(n)
                continue
            changes[id(row)] = row.updated(approved_sha=NONE, approved_by=NONE, approved_at=NONE)
            report.withdrawn.append(n)
        if changes:
            write_record(path, replace(record, rows=[changes.get(id(r), r) for r in record.rows]), expect=record_hash)
    return report


def record_edit(project: Project, video_id: str, language: str, number: int, *, by: str,
                at: str | None = None) -> bool:
    """Record in a drafted track's review record that a person changed cue ``number``'s text (who, when).
    The caller holds the folder lock and has just written the track. False when the record has no row
    for the cue (a person's track, or a cue a person added)."""
    path = project.track_path(video_id, language)
    record, record_hash = read_record_hashed(path)
    if record is None or record.origin != "machine":
        return False
    track = read_track(path, language)
    matched, _orphans = match_rows(record, track)
    row = matched[number - 1] if 1 <= number <= len(matched) else None
    if row is None:
        return False
    edited = row.updated(edited_by=by.strip() or NONE, edited_at=at or utc_now())
    write_record(path, replace(record, rows=[edited if r is row else r for r in record.rows]), expect=record_hash)
    return True


def approve(project: Project, video_id: str, language: str, cues: str | None = None, *, by: str | None = None,
            include_stale: bool = False) -> ApproveReport:
    """:func:`approve_cues` with the cues written as ranges (``"1-5,8"``); None means every cue."""
    numbers = None
    if cues is not None:
        path, language = _drafted_track(project, video_id, language)
        numbers = parse_ranges(cues, len(read_track(path, language)))
    return approve_cues(project, video_id, language, numbers, by=by, include_stale=include_stale)


@dataclass
class DeclareReport:
    language: str
    path: Path
    by: str
    at: str
    already: bool = False  # it was declared before (by and at are that declaration's)


def declare_human(project: Project, video_id: str, language: str, *, by: str | None = None,
                  verify: Callable[[Path, bytes, Track], None] | None = None,
                  lock_timeout: float | None = None) -> DeclareReport:
    """Record that a person wrote a track (who and when, in its review record), so it may be published.

    For a track in a language outside ``[project] human_languages`` that no draft record describes.
    A machine draft cannot be declared (approve its cues instead); a human language needs no declaration.
    ``verify`` and ``lock_timeout`` as for :func:`approve_cues`: the review workbench refuses there a
    declaration of a file that changed since the reviewer saw it.
    """
    path, language = _drafted_track(project, video_id, language)
    by = by.strip() if by and by.strip() else default_reviewer(project.root)
    with folder_lock(path.parent, timeout=lock_timeout):
        if has_pending(path):
            raise UsageError(f"{path}: a draft of this track was interrupted",
                             hint=f"run pipeline draft {video_id} --to {language} to finish it, then approve its cues")
        record, record_hash = read_record_hashed(path)
        if record is not None and record.origin == "machine":
            raise UsageError(f"{path}: a machine draft cannot be declared a person's work",
                             hint=f"review it and approve its cues: pipeline approve {video_id} {language}")
        if record is not None:
            return DeclareReport(language, path, record.declared_by, record.declared_at, already=True)
        if language in project.human_languages:
            raise UsageError(f"{language} is a human language of the project: its tracks are a person's work already")
        data = path.read_bytes()
        track = read_track(path, language)
        if verify is not None:
            verify(path, data, track)
        if not track.cues:
            raise UsageError(f"{path}: the track has no cues")
        at = utc_now()
        write_record(path, ReviewRecord(None, [], "human", by, at), expect=record_hash)
    return DeclareReport(language, path, by, at)
