"""What each track of a video is and whether it may be published.

A track is ``subtitles/<video>/<lang>.srt``. Its origin is *human* unless the pipeline's review record
says it was machine-drafted; a machine track is publishable only when a person approved every cue.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.formats import read_track
from pipeline.model import Track
from pipeline.project import Project


@dataclass
class TrackState:
    video: str
    language: str
    path: Path
    cues: int = 0
    origin: str = "human"  # human | machine
    publishable: bool = False
    reason: str | None = None  # why not publishable
    counts: dict[str, int] = field(default_factory=dict)  # machine-unreviewed, edited, approved, stale ...

    def to_dict(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        return data


def load_track(project: Project, video_id: str, language: str) -> Track:
    """Read ``subtitles/<video>/<lang>.srt`` (a :class:`SubtitleError` if it cannot be read)."""
    return read_track(project.track_path(video_id, language), language)


def track_state(project: Project, video_id: str, language: str) -> TrackState:
    """Describe one track; never raises for a bad file (the reason says what is wrong)."""
    path = project.track_path(video_id, language)
    state = TrackState(video_id, language, path)
    try:
        track = load_track(project, video_id, language)
    except PipelineError as exc:
        state.reason = str(exc)
        return state
    state.cues = len(track)
    if not track.cues:
        state.reason = "empty track"
        return state
    state.publishable = True
    return state


def track_states(project: Project, video_id: str) -> list[TrackState]:
    return [track_state(project, video_id, lang) for lang in project.track_languages(video_id)]


#: Cue review states, shown by ``status`` and the review page.
CUE_STATES = ("human", "machine", "edited", "approved", "stale")


@dataclass
class CueState:
    """One cue of a track and where its text came from."""

    number: int  # 1-based position in the track
    start: int
    end: int
    text: str
    state: str = "human"  # one of CUE_STATES


def cue_states(project: Project, video_id: str, language: str) -> list[CueState]:
    """Every cue of a track with its review state. Without a review record every cue is a person's."""
    track = load_track(project, video_id, language)
    return [CueState(i, c.start, c.end, c.text) for i, c in enumerate(track.cues, start=1)]
