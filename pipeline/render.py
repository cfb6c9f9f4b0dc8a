"""Rendering: plan the outputs of each video's publishable tracks, produce them atomically, and describe each
finished file for ``dist/manifest.json``.

What a video's outputs are is up to the output kinds (:mod:`pipeline.outputs`, one module per kind):
:func:`plan_video` decides which tracks render (and which as marked drafts) and asks every kind for its
jobs; :func:`run_jobs` has a kind produce jobs under temp names, checks them and renames them.

Each :class:`~pipeline.outputs.base.RenderJob` carries the content hashes of everything its output is made from
(``inputs``): :mod:`pipeline.build` compares them with the manifest to rebuild only what changed.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Sequence

from pipeline import languages
from pipeline.cache import WorkCache
from pipeline.errors import PipelineError
from pipeline.formats import compose_srt
from pipeline.fsutil import atomic_path, sha256_text
from pipeline.manifest import manifest_entry
from pipeline.media.probe import MediaInfo
from pipeline.media.runner import FfmpegRunner, Progress
from pipeline.outputs import KINDS, PlannedTrack, RenderJob, VideoPlan
from pipeline.profiles import load_profile, profile_names
from pipeline.project import Project, Video
from pipeline.publish import judge_video, rendered_as_draft  # noqa: F401 (rendered_as_draft: part of this API)
from pipeline.tracks import TrackState, load_track


@dataclass
class RenderEvent:
    kind: str  # start | progress | done | failed
    job: RenderJob
    index: int
    total: int
    progress: Progress | None = None
    error: PipelineError | None = None
    seconds: float | None = None  # wall time of a finished job


EventCallback = Callable[[RenderEvent], None]


def _selected(states: list[TrackState], include_drafts: bool) -> list[tuple[TrackState, bool]]:
    chosen = [(state, rendered_as_draft(state, include_drafts)) for state in states]
    return [(state, draft) for state, draft in chosen if draft is not None]


def plan_video(
    project: Project, video: Video, *, include_drafts: bool = False, runner: FfmpegRunner | None = None,
    info: MediaInfo | None = None, cache: WorkCache | None = None, profiles: Sequence[str] | None = None,
    states: list[TrackState] | None = None,
) -> list[RenderJob]:
    """The jobs that render one video's publishable tracks (and drafts when asked), every kind's in turn.

    ``states`` are the video's tracks as judged by :func:`pipeline.publish.judge_video` (judged here when
    not given): which tracks render is the publish gate's decision, never this module's.
    ``profiles`` limits the per-profile outputs to those profiles (default: the catalog's ``[profiles] build``).
    Catalog mistakes raise; an output that cannot be made (no font for a track) becomes a job with ``error``.
    """
    cache = cache or WorkCache(None)
    info = info or cache.probe(video.source, runner)
    names = list(profiles) if profiles is not None else profile_names(project, video.id)
    chosen = _selected(states if states is not None else judge_video(project, video.id, runner=runner).tracks,
                       include_drafts)
    audio_base = languages.base(video.audio_language)
    default_lang = next((s.language for s, _ in chosen if languages.base(s.language) == audio_base),
                        chosen[0][0].language if chosen else None)
    tracks = []
    for state, draft in chosen:
        track = load_track(project, video.id, state.language)
        srt_text = compose_srt(track)
        tracks.append(PlannedTrack(state, draft, track, srt_text, sha256_text(srt_text),
                                   project.track_path(video.id, state.language).relative_to(project.root)))
    plan = VideoPlan(project, video, info, cache, cache.file_hash(video.source),
                     [load_profile(project, name, video.id) for name in names], tracks, default_lang, runner)
    for kind in KINDS.values():
        plan.planned.extend(kind.plan(plan))
    return list(plan.planned)


def run_jobs(jobs: Sequence[RenderJob], runner: FfmpegRunner,
             on_progress: Callable[[Progress], None] | None = None) -> list[dict]:
    """Produce outputs atomically and return their manifest entries.

    Several jobs run together only when their kind batches them (one batch key: e.g. every burned-in output
    of one source, decoded once). Each output is written under a temp name and renamed only when complete;
    its manifest entry is computed from the finished temp file first.
    """
    if not jobs:
        return []
    for job in jobs:
        if job.error is not None:
            raise job.error
        if job.check is not None:
            job.check()
    kind = jobs[0].output_kind
    if len(jobs) > 1:
        key = kind.batch_key(jobs[0])
        if key is None or not all(j.kind == kind.name and kind.batch_key(j) == key for j in jobs):
            raise ValueError("only outputs of one kind and batch run together")
    with contextlib.ExitStack() as stack:
        temps = [stack.enter_context(atomic_path(job.output)) for job in jobs]
        kind.produce(jobs, temps, runner, on_progress)
        entries = [manifest_entry(job, runner, tmp) for job, tmp in zip(jobs, temps)]
        for job, entry in zip(jobs, entries):
            kind.check_complete(job, entry)  # raising here discards the temp files: nothing looks finished
    kind.finished(jobs)
    return entries
