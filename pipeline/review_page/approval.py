"""The workbench's one door to approvals and to the review record.

Approving is the library's job (:mod:`pipeline.approval`: the same functions ``pipeline approve`` calls,
recording who and when); this module only adapts them to the workbench's calls: cue numbers with the
versions the reviewer saw, checked under the library's own lock, so a draft or an editor that changed a
cue meanwhile makes the approval fail (409) instead of approving text nobody saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from pipeline import approval as library
from pipeline.model import Track
from pipeline.project import Project
from pipeline.review_record import ReviewRecord, Row, match_rows

#: How long an approval waits for another command (a draft) holding the video's subtitles.
LOCK_TIMEOUT = 2.0

Verify = Callable[[Path, bytes, Track], None]


@dataclass
class ApprovalResult:
    changed: list[int]  # cue numbers whose approval changed
    unchanged: int  # of the cues named, already in the asked state


def rows_of(record: ReviewRecord | None, track: Track) -> list[Row | None]:
    """The record row of each cue of ``track`` (None for a cue the record does not know)."""
    return match_rows(record, track)[0]


def approve_cues(project: Project, video_id: str, language: str, numbers: Sequence[int], reviewer: str,
                 verify: Verify) -> ApprovalResult:
    """Approve cues ``numbers`` of a drafted track as ``reviewer``, now (as ``pipeline approve --cues``);
    named stale cues are approved against the current source, as the command does."""
    if not numbers:
        return ApprovalResult([], 0)
    report = library.approve_cues(project, video_id, language, sorted(set(numbers)), by=reviewer, verify=verify,
                                  lock_timeout=LOCK_TIMEOUT)
    return ApprovalResult(list(report.approved), len(report.already))


def unapprove_cues(project: Project, video_id: str, language: str, numbers: Sequence[int], reviewer: str,
                   verify: Verify) -> ApprovalResult:
    """Take back the approval of cues ``numbers`` of a drafted track."""
    report = library.unapprove_cues(project, video_id, language, numbers, verify=verify, lock_timeout=LOCK_TIMEOUT)
    return ApprovalResult(report.withdrawn, len(report.unchanged))


@dataclass
class Declaration:
    by: str
    at: str
    already: bool  # declared before (by and at are that declaration's)


def declare_human(project: Project, video_id: str, language: str, reviewer: str, verify: Verify) -> Declaration:
    """Record that ``reviewer`` declares a track of unknown origin a person's work (as ``pipeline approve
    VIDEO LANG --human --by NAME``), the file checked under the library's lock to be the one they saw."""
    report = library.declare_human(project, video_id, language, by=reviewer, verify=verify, lock_timeout=LOCK_TIMEOUT)
    return Declaration(report.by, report.at, report.already)


def record_edit(project: Project, video_id: str, language: str, number: int, editor: str) -> bool:
    """Note in the review record that ``editor`` changed cue ``number`` (the caller holds the folder lock)."""
    return library.record_edit(project, video_id, language, number, by=editor)


def record_file(project: Project, video_id: str, language: str) -> Path:
    from pipeline.review_record import record_path

    return record_path(project.track_path(video_id, language))
