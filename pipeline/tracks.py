"""What each track of a video is: where its text came from and how far a person reviewed it.

A track is ``subtitles/<video>/<lang>.srt`` with ``<lang>`` a canonical language tag (see
:meth:`pipeline.project.Project.track_languages`). Its **origin** is:

* ``machine`` — it has a review record (``<lang>.review.tsv``, see :mod:`pipeline.review_record`)
  written by ``pipeline draft``;
* ``human`` — its language is one of the project's ``human_languages`` and no draft record says
  otherwise, or a person declared it theirs (``pipeline approve VIDEO LANG --human``, recorded with
  who and when);
* ``unknown`` — neither: nobody has said where it came from.

Each cue of a machine track is in one state (:data:`CUE_STATES`):

* ``machine``  — the machine's text, nobody reviewed it (machine-unreviewed);
* ``edited``   — a person changed the machine's text (or changed it again after approving it);
* ``approved`` — a person approved exactly this text (edited or not) and its source has not changed since;
* ``stale``    — its source cue changed or disappeared since it was drafted or approved;
* ``human``    — a cue a person added that nobody approved (every cue of a human track is ``human``).

A drafted cue also carries the engine's own **confidence** in it and the words it marked (see
:mod:`pipeline.confidence`); an unreviewed cue below the project's ``[draft] low_confidence`` counts as
*low confidence* in ``status``.

:func:`track_state` says whether origin and review allow publishing (``reviewed``): a human track with
cues, or a machine track whose every cue is ``approved`` and no draft of which is being written. Whether
a track **is published** also depends on ``pipeline check``: that is decided, once, by
:func:`pipeline.publish.judge_video`, which fills in ``publishable``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.confidence import is_low, low_confidence_threshold
from pipeline.errors import PipelineError
from pipeline.formats import read_track
from pipeline.model import Track
from pipeline.project import Project
from pipeline.review_record import (
    ReviewRecord, Row, SourceIndex, cue_state, has_pending, match_rows, record_path, resolve_pending,
)

#: Cue review states, shown by ``status`` and the review page.
CUE_STATES = ("human", "machine", "edited", "approved", "stale")


@dataclass
class TrackState:
    video: str
    language: str
    path: Path
    cues: int = 0
    origin: str = "human"  # human | machine | unknown
    #: Origin and review allow publishing (see the module doc); the check is still to come.
    reviewed: bool = False
    #: The publish decision, set only by :func:`pipeline.publish.judge_video` (False until then).
    publishable: bool = False
    reason: str | None = None  # why not publishable
    counts: dict[str, int] = field(default_factory=dict)  # cues per state in CUE_STATES ("machine" = unreviewed)
    source: str | None = None  # the language a machine track was drafted from
    drafting: bool = False  # a draft of it is being written, or was interrupted
    declared: bool = False  # a person declared it theirs (pipeline approve --human)
    approved_by: str | None = None  # the latest approval (or declaration): who ...
    approved_at: str | None = None  # ... and when (UTC)
    unreadable: bool = False  # the track, its record or its source cannot be read (``reason`` says why)
    findings: dict[str, int] | None = None  # check errors and warnings (set by the publish gate)
    #: It would be published but for its check errors (a build stops for it unless told to ignore the check).
    blocking: bool = False
    low_confidence: int = 0  # unreviewed machine cues the engine itself had low confidence in

    def to_dict(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def load_track(project: Project, video_id: str, language: str) -> Track:
    """Read ``subtitles/<video>/<lang>.srt`` (a :class:`SubtitleError` if it cannot be read)."""
    return read_track(project.track_path(video_id, language), language)


@dataclass
class CueState:
    """One cue of a track and where its text came from."""

    number: int  # 1-based position in the track
    start: int
    end: int
    text: str
    state: str = "human"  # one of CUE_STATES
    confidence: float | None = None  # the engine's confidence in the drafted text (None: not drafted / unknown)
    unknown: tuple[str, ...] = ()  # words the engine marked in the drafted text
    low: bool = False  # unreviewed machine text below the project's low_confidence


def current_record(project: Project, video_id: str, language: str) -> ReviewRecord | None:
    """The record that describes the track on disk now, an interrupted draft taken into account (read only)."""
    return resolve_pending(project.track_path(video_id, language), lambda p: read_track(p, language))[0]


def source_index(project: Project, video_id: str, record: ReviewRecord, rows) -> SourceIndex:
    """The source track a draft came from, matched to ``rows``; unreadable or missing → a :class:`PipelineError`."""
    path = project.track_path(video_id, record.source)
    if not path.exists():
        raise PipelineError(f"{path}: the source track of this draft is missing",
                            hint="restore it, or approve nothing until it is back")
    return SourceIndex(read_track(path, record.source), rows)


def _classify(project: Project, video_id: str, language: str) -> tuple[Track, ReviewRecord | None, list[str],
                                                                   list[Row | None]]:
    track = load_track(project, video_id, language)
    record = current_record(project, video_id, language)
    if record is None or record.origin != "machine":
        return track, record, ["human"] * len(track), [None] * len(track)
    matched, orphans = match_rows(record, track)
    index = source_index(project, video_id, record, [r for r in matched if r is not None] + orphans)
    states = [cue_state(cue, row, row is not None and index.changed(row)) for cue, row in zip(track.cues, matched)]
    return track, record, states, matched


def cue_states(project: Project, video_id: str, language: str) -> list[CueState]:
    """Every cue of a track with its review state and the engine's confidence (see the module doc). Raises
    for an unreadable track, record or source track."""
    track, _, states, rows = _classify(project, video_id, language)
    threshold = low_confidence_threshold(project, video_id, language)
    out = []
    for i, (c, s, row) in enumerate(zip(track.cues, states, rows), start=1):
        confidence = row.confidence_figure if row is not None else None
        out.append(CueState(i, c.start, c.end, c.text, s, confidence, row.unknown_words if row is not None else (),
                            s == "machine" and is_low(confidence, threshold)))
    return out


def _why_not(counts: dict[str, int]) -> str:
    labels = {"machine": "unreviewed", "edited": "edited", "stale": "stale", "human": "added"}
    parts = [f"{counts[k]} {labels[k]}" for k in ("machine", "edited", "stale", "human") if counts.get(k)]
    return "needs approval: " + ", ".join(parts)


def track_state(project: Project, video_id: str, language: str) -> TrackState:
    """Describe one track's origin and review; never raises for a bad file (the reason says what is wrong)."""
    path = project.track_path(video_id, language)
    state = TrackState(video_id, language, path)
    state.drafting = has_pending(path)
    if state.drafting or record_path(path).exists():
        state.origin = "machine"  # even if something below cannot be read: never publish by accident
    elif language not in project.human_languages:
        state.origin = "unknown"
    try:
        track, record, states, rows = _classify(project, video_id, language)
        threshold = low_confidence_threshold(project, video_id, language)
    except PipelineError as exc:
        state.reason, state.unreadable = str(exc), True
        return state
    state.cues = len(track)
    state.counts = {name: states.count(name) for name in CUE_STATES}
    state.low_confidence = sum(1 for s, row in zip(states, rows)
                               if s == "machine" and row is not None and is_low(row.confidence_figure, threshold))
    if record is not None:
        state.declared = record.origin == "human"
        state.origin = "human" if state.declared else "machine"
        state.source = record.source
        last = record.last_approval()
        if last:
            state.approved_by, state.approved_at = last
    if state.drafting:
        state.origin = "machine"
        state.reason = (f"a draft was interrupted (or is being written): run `pipeline draft {video_id} --to "
                        f"{language}` to finish it")
    elif not track.cues:
        state.reason = "empty track"
    elif state.origin == "unknown":
        human = ", ".join(project.human_languages)
        state.reason = (f"unknown origin: {language} is not a human language of the project ({human}) and no draft "
                        f"record says where it came from; if a person wrote it: pipeline approve {video_id} "
                        f"{language} --human")
    elif state.origin == "machine" and state.counts["approved"] != len(track):
        state.reason = _why_not(state.counts)
    else:
        state.reviewed = True
    return state


def track_states(project: Project, video_id: str) -> list[TrackState]:
    """Origin and review of every track of a video (the publish decision is :func:`pipeline.publish.judge_video`'s)."""
    return [track_state(project, video_id, lang) for lang in project.track_languages(video_id)]
