"""What each track of a video is and whether it may be published.

A track is ``subtitles/<video>/<lang>.srt``. Its origin is *human* unless it has a review record
(``<lang>.review.tsv``, see :mod:`pipeline.review_record`): then it was machine-drafted.

Each cue of a machine track is in one state (:data:`CUE_STATES`):

* ``machine``  — the machine's text, nobody reviewed it (machine-unreviewed);
* ``edited``   — a person changed the machine's text (or changed it again after approving it);
* ``approved`` — a person approved exactly this text (edited or not) and its source has not changed since;
* ``stale``    — its source cue changed or disappeared since it was drafted or approved;
* ``human``    — a cue a person added that nobody approved (every cue of a human track is ``human``).

A drafted cue also carries the engine's own **confidence** in it and the words it marked (see
:mod:`pipeline.confidence`); an unreviewed cue below the project's ``[draft] low_confidence`` counts as
*low confidence* in ``status``.

**The publish gate.** A human track is publishable when it can be read and has cues. A machine track is
publishable only when it has cues and *every* cue is ``approved`` — machine text nobody approved, edits
nobody approved, added cues nobody approved and stale cues all keep it out of ``build``/``render``
(``render --drafts`` renders it anyway, visibly marked as a draft).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.confidence import is_low, low_confidence_threshold
from pipeline.errors import PipelineError
from pipeline.formats import read_track
from pipeline.model import Track
from pipeline.project import Project
from pipeline.review_record import ReviewRecord, Row, SourceIndex, cue_state, match_rows, read_record, record_path

#: Cue review states, shown by ``status`` and the review page.
CUE_STATES = ("human", "machine", "edited", "approved", "stale")


@dataclass
class TrackState:
    video: str
    language: str
    path: Path
    cues: int = 0
    origin: str = "human"  # human | machine
    publishable: bool = False
    reason: str | None = None  # why not publishable
    counts: dict[str, int] = field(default_factory=dict)  # cues per state in CUE_STATES ("machine" = unreviewed)
    source: str | None = None  # the language a machine track was drafted from
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


def _source_index(project: Project, video_id: str, record: ReviewRecord) -> SourceIndex:
    """The source track a draft came from, matched to the record's rows; unreadable or missing → a
    :class:`PipelineError`."""
    path = project.track_path(video_id, record.source)
    if not path.exists():
        raise PipelineError(f"{path}: the source track of this draft is missing",
                            hint="restore it, or approve nothing until it is back")
    return SourceIndex(read_track(path, record.source), record.rows)


def _classify(project: Project, video_id: str, language: str) -> tuple[Track, ReviewRecord | None, list[str],
                                                                   list[Row | None]]:
    track = load_track(project, video_id, language)
    record = read_record(project.track_path(video_id, language))
    if record is None:
        return track, None, ["human"] * len(track), [None] * len(track)
    index = _source_index(project, video_id, record)
    rows = match_rows(record, track)
    states = [cue_state(cue, row, row is not None and index.changed(row)) for cue, row in zip(track.cues, rows)]
    return track, record, states, rows


def cue_states(project: Project, video_id: str, language: str) -> list[CueState]:
    """Every cue of a track with its review state and the engine's confidence (see the module doc). Raises
    for an unreadable track, record or source track."""
    track, _, states, rows = _classify(project, video_id, language)
    threshold = low_confidence_threshold(project, video_id, language)
    out = []
    for i, (c, s, row) in enumerate(zip(track.cues, states, rows), start=1):
        confidence = row.confidence if row is not None else None
        out.append(CueState(i, c.start, c.end, c.text, s, confidence, row.unknown if row is not None else (),
                            s == "machine" and is_low(confidence, threshold)))
    return out


def _why_not(counts: dict[str, int]) -> str:
    labels = {"machine": "unreviewed", "edited": "edited", "stale": "stale", "human": "added"}
    parts = [f"{counts[k]} {labels[k]}" for k in ("machine", "edited", "stale", "human") if counts.get(k)]
    return "needs approval: " + ", ".join(parts)


def track_state(project: Project, video_id: str, language: str) -> TrackState:
    """Describe one track; never raises for a bad file (the reason says what is wrong)."""
    path = project.track_path(video_id, language)
    state = TrackState(video_id, language, path)
    if record_path(path).exists():
        state.origin = "machine"  # even if something below cannot be read: never publish by accident
    try:
        track, record, states, rows = _classify(project, video_id, language)
        threshold = low_confidence_threshold(project, video_id, language)
    except PipelineError as exc:
        state.reason = str(exc)
        return state
    state.cues = len(track)
    state.counts = {name: states.count(name) for name in CUE_STATES}
    state.low_confidence = sum(1 for s, row in zip(states, rows)
                               if s == "machine" and row is not None and is_low(row.confidence, threshold))
    if record is not None:
        state.origin, state.source = "machine", record.source
    if not track.cues:
        state.reason = "empty track"
        return state
    if state.origin == "machine" and state.counts["approved"] != len(track):
        state.reason = _why_not(state.counts)
        return state
    state.publishable = True
    return state


def track_states(project: Project, video_id: str) -> list[TrackState]:
    return [track_state(project, video_id, lang) for lang in project.track_languages(video_id)]
