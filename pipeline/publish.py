"""What gets published: the one rule, decided here for ``build``, ``render``, ``status``, the review page
and the benchmarks (they all call :func:`judge_video`; none has a rule of its own).

A track is published only if

1. its file name is a language tag (``es.srt``, ``pt-BR.srt``) — any other ``.srt`` in
   ``subtitles/<video>/`` is listed as "not a track" and ignored;
2. it is a person's work — its language is one of the project's ``human_languages``, or a person
   declared it theirs (``pipeline approve VIDEO LANG --human``) — or every cue in it is approved at its
   current text and current source, and no draft of it is being written (:mod:`pipeline.tracks`);
3. it has cues; and
4. ``pipeline check`` finds no errors in it — among them that it covers the video's speech (the
   ``coverage`` rule: at least ``[check] min_coverage`` percent of the time the audio-language track
   has text on screen).

Everything else is left out with the reason. A track that passes 1-3 but fails the check *blocks*: a
build or render stops before rendering anything (``ignore_check`` renders it anyway, said loudly), since
a person expects it published. ``render --drafts`` renders tracks that fail 2 as visibly marked drafts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pipeline.errors import PipelineError
from pipeline.project import Project, not_track_message
from pipeline.tracks import TrackState, track_states


class GateError(PipelineError):
    """Tracks that would be published fail ``pipeline check``: nothing was rendered."""

    def __init__(self, blocking: list[TrackState], check_error: str | None = None):
        names = ", ".join(f"{s.video} {s.language}" for s in blocking)
        if check_error:
            super().__init__(f"the check could not run ({check_error}), so nothing was rendered",
                             hint=f"fix that first; it stops {names}, or render anyway with --ignore-check")
        else:
            super().__init__(f"check found errors in tracks that would be published: {names}",
                             hint="pipeline check lists them; fix them (pipeline fix can do much of it), or render "
                                  "anyway with --ignore-check")
        self.blocking = blocking
        self.check_error = check_error


@dataclass
class VideoVerdict:
    """The publish decision for every track of one video."""

    video: str
    tracks: list[TrackState]
    #: ``.srt`` files that are not tracks (name not a language tag), with the name they should have if clear.
    not_tracks: list[tuple[Path, str | None]] = field(default_factory=list)
    check_error: str | None = None  # the check could not run (e.g. a broken glossary): nothing passes it
    #: Tracks published despite check errors because the caller said ``ignore_check``.
    ignored: list[TrackState] = field(default_factory=list)

    @property
    def publishable(self) -> list[TrackState]:
        return [s for s in self.tracks if s.publishable]

    @property
    def blocking(self) -> list[TrackState]:
        return [s for s in self.tracks if s.blocking]

    def track(self, language: str) -> TrackState | None:
        return next((s for s in self.tracks if s.language == language), None)

    @property
    def notes(self) -> list[str]:
        return [f"{self.video}: {not_track_message(path, suggestion)}" for path, suggestion in self.not_tracks]


def judge_video(project: Project, video_id: str, *, report=None, runner=None,
                ignore_check: bool = False) -> VideoVerdict:
    """Decide, for every track of a video, whether it is published and why not (see the module doc).

    ``report`` is a :class:`pipeline.checks.CheckReport` already made for this video (``build`` checks
    once for its table and its gate); without it the video is checked here (``runner`` probes the video).
    Sets ``publishable``, ``reason``, ``findings`` and ``blocking`` on each :class:`TrackState`.
    """
    states = track_states(project, video_id)
    verdict = VideoVerdict(video_id, states, project.not_tracks(video_id))
    checked: dict = {}
    if report is None:
        from pipeline.checks import check_video  # rules load lazily: status of one video need not import them

        try:
            report = check_video(project, video_id, runner)
        except PipelineError as exc:
            verdict.check_error = str(exc)
    if report is not None:
        checked = {t.language: t for t in report.tracks if t.video == video_id}
    for state in states:
        found = checked.get(state.language)
        if verdict.check_error is None:
            state.findings = {"errors": (found.errors + (1 if found.unreadable else 0)) if found else 0,
                              "warnings": found.warnings if found else 0}
        state.publishable = state.reviewed
        if not state.reviewed:
            continue
        failed = verdict.check_error is not None or bool(state.findings and state.findings["errors"])
        if not failed:
            continue
        if ignore_check:
            verdict.ignored.append(state)
            continue
        state.publishable, state.blocking = False, True
        state.reason = (f"check could not run: {verdict.check_error}" if verdict.check_error is not None else
                        f"check found {state.findings['errors']} error(s) (pipeline check {video_id} --lang "
                        f"{state.language} lists them)")
    return verdict


def judge(project: Project, video_ids: Iterable[str] | None = None, *, report=None, runner=None,
          ignore_check: bool = False) -> list[VideoVerdict]:
    """:func:`judge_video` for the given videos (default: every video in the catalog)."""
    return [judge_video(project, vid, report=report, runner=runner, ignore_check=ignore_check)
            for vid in (list(video_ids) if video_ids else list(project.videos))]


def rendered_as_draft(state: TrackState, include_drafts: bool) -> bool | None:
    """How a judged track renders: False as published, True as a visibly marked draft (only with
    ``include_drafts``, for a readable track that is not a person's), None not at all."""
    if state.publishable:
        return False
    if include_drafts and state.origin != "human" and state.cues and not state.unreadable:
        return True
    return None
