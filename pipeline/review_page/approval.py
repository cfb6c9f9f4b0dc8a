"""The workbench's one door to approvals and to the review record.

Approving is the library's job (:func:`pipeline.drafting.approve`, the same function ``pipeline approve``
calls); this module only adapts it to the workbench's calls (cue numbers, a reviewer, a time), so that
when the record learns more (who approved, when) one function here changes and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pipeline.errors import UsageError
from pipeline.model import Track
from pipeline.project import Project
from pipeline.review_record import NONE, ReviewRecord, Row, match_rows, read_record, write_record


@dataclass
class ApprovalResult:
    changed: list[int]  # cue numbers whose approval changed
    unchanged: int  # of the cues named, already in the asked state


def rows_of(record: ReviewRecord | None, track: Track) -> list[Row | None]:
    """The record row of each cue of ``track`` (None for a cue the record does not know)."""
    return match_rows(record, track)


def approve_cues(project: Project, video_id: str, language: str, numbers: Sequence[int], reviewer: str) -> ApprovalResult:
    """Approve cues ``numbers`` of a drafted track as ``reviewer``, now (as ``pipeline approve --cues``)."""
    from pipeline.drafting import approve

    if not numbers:
        return ApprovalResult([], 0)
    report = approve(project, video_id, language, ",".join(str(n) for n in sorted(set(numbers))))
    return ApprovalResult(list(report.approved), report.already)


def unapprove_cues(project: Project, video_id: str, language: str, numbers: Sequence[int], reviewer: str,
                   track: Track) -> ApprovalResult:
    """Take back the approval of cues ``numbers`` of ``track`` (as read from disk by the caller)."""
    path = project.track_path(video_id, language)
    record = read_record(path)
    if record is None:
        raise UsageError(f"{path}: a person's track (no review record): there is no approval to take back")
    rows = rows_of(record, track)
    changes: dict[int, Row] = {}
    unchanged = 0
    for n in sorted(set(numbers)):
        row = rows[n - 1]
        if row is None or row.approved_sha == NONE:
            unchanged += 1
            continue
        changes[id(row)] = row.updated(approved_sha=NONE)
    if changes:
        write_record(path, ReviewRecord(record.source, [changes.get(id(r), r) for r in record.rows]))
    changed = [n for n in sorted(set(numbers)) if rows[n - 1] is not None and id(rows[n - 1]) in changes]
    return ApprovalResult(changed, unchanged)


def record_file(project: Project, video_id: str, language: str) -> Path:
    from pipeline.review_record import record_path

    return record_path(project.track_path(video_id, language))
