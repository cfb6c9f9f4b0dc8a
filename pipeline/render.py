"""Rendering: plan the outputs of each video's publishable tracks, run them through the one ffmpeg door,
and record every finished file in ``dist/manifest.json``.

Outputs per video, in ``dist/<video>/``:
  ``<video>.<lang>.burned-in.mp4``  captions in the picture (H.264/AAC, faststart)
  ``<video>.subtitled.mp4``        every language as a switchable mov_text track (stream copy)
  ``<video>.subtitled.mkv``        every language as an SRT track with language and title (stream copy)
  ``<video>.<lang>.vtt``           WebVTT sidecar for web players
Machine drafts render only on request, with ``DRAFT`` in the name and a banner in the picture.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from pipeline import __version__, languages
from pipeline.errors import PipelineError
from pipeline.formats import compose_srt, compose_vtt
from pipeline.fsutil import atomic_path, atomic_write_text, sha256_file, sha256_text
from pipeline.media import commands
from pipeline.media.probe import MediaInfo, probe, probe_video
from pipeline.media.runner import FfmpegRunner, Progress
from pipeline.project import Project, Video
from pipeline.tracks import TrackState, load_track, track_states

log = logging.getLogger(__name__)

DRAFT_BANNER = "MACHINE DRAFT \u2014 NOT FOR PUBLICATION"
MANIFEST = "manifest.json"


@dataclass
class RenderJob:
    """One output file and everything it is made from."""

    video: str
    kind: str  # burned-in | soft-mp4 | soft-mkv | webvtt
    languages: tuple[str, ...]
    output: Path
    inputs: dict[str, str] = field(default_factory=dict)  # label -> sha256
    draft: bool = False
    argv: list[str] | None = None  # ffmpeg argv with a placeholder output; None for text outputs
    text: str | None = None  # the content of a text output
    duration: float | None = None  # seconds of media the job processes (for progress)

    @property
    def label(self) -> str:
        return f"{self.video} {self.kind} {'+'.join(self.languages)}"


@dataclass
class RenderEvent:
    kind: str  # start | progress | done | failed
    job: RenderJob
    index: int
    total: int
    progress: Progress | None = None
    error: PipelineError | None = None


EventCallback = Callable[[RenderEvent], None]


def _burn_style(project: Project, video: Video, language: str) -> commands.BurnStyle:
    raw = project.setting("style", video.id, language)
    allowed = set(commands.BurnStyle.__dataclass_fields__)
    unknown = sorted(set(raw) - allowed - {k for k, v in raw.items() if isinstance(v, dict)})
    if unknown:
        raise PipelineError(
            f"{project.catalog_path}: style key {unknown[0]!r} is not known",
            hint=f"known style keys: {', '.join(sorted(allowed))}",
        )
    return commands.BurnStyle(**{k: v for k, v in raw.items() if k in allowed})


def _selected(states: list[TrackState], include_drafts: bool) -> list[tuple[TrackState, bool]]:
    chosen = []
    for state in states:
        if state.publishable:
            chosen.append((state, False))
        elif include_drafts and state.origin == "machine" and state.cues:
            chosen.append((state, True))
    return chosen


def plan_video(
    project: Project, video: Video, *, include_drafts: bool = False, runner: FfmpegRunner | None = None,
    info: MediaInfo | None = None,
) -> list[RenderJob]:
    """The jobs that render one video's publishable tracks (and drafts when asked)."""
    info = info or probe_video(video.source, runner)
    work = project.dist / ".work" / video.id
    out_dir = project.dist / video.id
    source_hash = sha256_file(video.source)
    chosen = _selected(track_states(project, video.id), include_drafts)
    jobs: list[RenderJob] = []
    soft: list[tuple[commands.SoftTrack, str]] = []
    default_lang = next((s.language for s, _ in chosen if languages.base(s.language) == languages.base(video.audio_language)),
                        chosen[0][0].language if chosen else None)
    for state, draft in chosen:
        track = load_track(project, video.id, state.language)
        srt_text = compose_srt(track)
        srt_path = work / f"{state.language}.srt"
        if not srt_path.is_file() or srt_path.read_text(encoding="utf-8") != srt_text:
            atomic_write_text(srt_path, srt_text)
        track_hash = sha256_text(srt_text)
        style = _burn_style(project, video, state.language)
        mark = ".DRAFT" if draft else ""
        inputs = {"source": source_hash, f"track:{state.language}": track_hash, "pipeline": __version__}
        burned = out_dir / f"{video.id}.{state.language}{mark}.burned-in.mp4"
        watermark = commands.Watermark(DRAFT_BANNER, _font_file()) if draft else None
        jobs.append(RenderJob(
            video.id, "burned-in", (state.language,), burned,
            inputs | {"style": sha256_text(repr(style)) , "draft": str(draft)}, draft,
            argv=commands.burn_in(video.source, srt_path, Path("{OUTPUT}.mp4"), has_audio=info.has_audio,
                                  style=style, watermark=watermark),
            duration=info.duration,
        ))
        jobs.append(RenderJob(video.id, "webvtt", (state.language,), out_dir / f"{video.id}.{state.language}{mark}.vtt",
                              inputs, draft, text=compose_vtt(track)))
        if not draft:
            title = languages.display_name(state.language, state.language).capitalize()
            soft.append((commands.SoftTrack(srt_path, state.language, title, state.language == default_lang), track_hash))
    if soft:
        inputs = {"source": source_hash, "pipeline": __version__} | {f"track:{t.language}": h for t, h in soft}
        tracks = [t for t, _ in soft]
        langs = tuple(t.language for t in tracks)
        for container in ("mp4", "mkv"):
            jobs.append(RenderJob(
                video.id, f"soft-{container}", langs, out_dir / f"{video.id}.subtitled.{container}", dict(inputs),
                argv=commands.soft_subtitles(video.source, tracks, Path(f"{{OUTPUT}}.{container}"),
                                             container=container, has_audio=info.has_audio),
                duration=info.duration,
            ))
    return jobs


_FONT_FILE: list[str | None] = []


def _font_file() -> str | None:
    """A font file for drawtext banners (fontconfig's match for Noto Sans), looked up once."""
    if not _FONT_FILE:
        import shutil
        import subprocess

        found = None
        if shutil.which("fc-match"):
            res = subprocess.run(["fc-match", "-f", "%{file}", "Noto Sans:bold"], capture_output=True, text=True)
            found = res.stdout.strip() or None
        _FONT_FILE.append(found)
    return _FONT_FILE[0]


def run_job(job: RenderJob, runner: FfmpegRunner, on_progress: Callable[[Progress], None] | None = None) -> dict:
    """Produce one output atomically; return its manifest entry."""
    with atomic_path(job.output) as tmp:
        if job.text is not None:
            tmp.write_bytes(job.text.encode("utf-8"))
        else:
            assert job.argv is not None
            placeholder = "{OUTPUT}" + job.output.suffix
            argv = [str(tmp) if a == placeholder else a for a in job.argv]
            runner.run(argv, total_seconds=job.duration, on_progress=on_progress)
    return manifest_entry(job, runner)


def manifest_entry(job: RenderJob, runner: FfmpegRunner) -> dict:
    root = job.output.parent.parent
    duration = None
    if job.argv is not None:
        duration = round(probe(job.output, runner).duration, 3)
    elif job.text is not None:
        duration = None
    return {
        "video": job.video,
        "kind": job.kind,
        "languages": list(job.languages),
        "draft": job.draft,
        "path": job.output.relative_to(root).as_posix(),
        "size": job.output.stat().st_size,
        "sha256": sha256_file(job.output),
        "duration": duration,
        "inputs": dict(sorted(job.inputs.items())),
    }


def read_manifest(dist: Path) -> dict:
    path = dist / MANIFEST
    if not path.is_file():
        return {"pipeline_version": __version__, "outputs": []}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        log.warning("%s is not valid JSON; starting a new manifest", path)
        return {"pipeline_version": __version__, "outputs": []}


def write_manifest(dist: Path, entries: Iterable[dict], replace_videos: set[str]) -> Path:
    """Merge ``entries`` into the manifest: outputs of ``replace_videos`` are replaced, others kept
    (only if their file still exists)."""
    old = read_manifest(dist)
    kept = [e for e in old.get("outputs", []) if e.get("video") not in replace_videos and (dist / e.get("path", "")).is_file()]
    outputs = sorted(kept + list(entries), key=lambda e: e["path"])
    data = {"pipeline_version": __version__, "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "outputs": outputs}
    path = dist / MANIFEST
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


@dataclass
class RenderResult:
    entries: list[dict]
    failures: list[tuple[RenderJob, PipelineError]]
    manifest: Path | None


def render(
    project: Project, video_ids: Iterable[str] | None = None, *, include_drafts: bool = False,
    runner: FfmpegRunner | None = None, on_event: EventCallback | None = None,
) -> RenderResult:
    """Render every publishable track of the given videos (all by default) into ``dist/``."""
    runner = runner or FfmpegRunner()
    ids = list(video_ids) if video_ids else list(project.videos)
    jobs: list[RenderJob] = []
    for vid in ids:
        jobs += plan_video(project, project.video(vid), include_drafts=include_drafts, runner=runner)
    entries, failures = [], []
    for i, job in enumerate(jobs):
        emit = on_event or (lambda _e: None)
        emit(RenderEvent("start", job, i, len(jobs)))
        try:
            entries.append(run_job(job, runner, lambda p, job=job, i=i: emit(RenderEvent("progress", job, i, len(jobs), p))))
        except PipelineError as exc:
            failures.append((job, exc))
            emit(RenderEvent("failed", job, i, len(jobs), error=exc))
            continue
        emit(RenderEvent("done", job, i, len(jobs)))
    manifest = write_manifest(project.dist, entries, set(ids)) if jobs else None
    return RenderResult(entries, failures, manifest)
