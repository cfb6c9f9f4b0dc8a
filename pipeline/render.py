"""Rendering: plan the outputs of each video's publishable tracks, run them through the one ffmpeg door,
and record every finished file in ``dist/manifest.json``.

Outputs per video, in ``dist/<video>/``:
  ``<video>.<lang>.burned-in.mp4``            captions in the picture (H.264/AAC, faststart), ``web`` profile
  ``<video>.<lang>.burned-in.<profile>.mp4``  the same for another profile (``square``, ``vertical`` ...)
  ``<video>.subtitled.mp4``                  every language as a switchable mov_text track (stream copy)
  ``<video>.subtitled.mkv``                  every language as an SRT track with language and title (stream copy)
  ``<video>.<lang>.vtt``                     WebVTT sidecar for web players
Machine drafts render only on request, with ``DRAFT`` in the name and a banner in the picture (a ``NOTE``
in a WebVTT sidecar).

Each :class:`RenderJob` carries the content hashes of everything its output is made from
(``inputs``): :mod:`pipeline.build` compares them with the manifest to rebuild only what changed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from pipeline import __version__, fonts, languages
from pipeline.cache import WorkCache
from pipeline.errors import MediaError, PipelineError
from pipeline.formats import compose_srt, compose_vtt
from pipeline.fsutil import atomic_path, atomic_write_text, sha256_file, sha256_text
from pipeline.media import commands
from pipeline.media.probe import MediaInfo, probe
from pipeline.media.runner import FfmpegRunner, Progress
from pipeline.model import Track
from pipeline.profiles import Profile, burn_style, load_profile, profile_names, style_fingerprint
from pipeline.project import Project, Video
from pipeline.publish import judge_video, rendered_as_draft  # noqa: F401 (rendered_as_draft: part of this API)
from pipeline.tracks import TrackState, load_track

log = logging.getLogger(__name__)

DRAFT_BANNER = "MACHINE DRAFT \u2014 NOT FOR PUBLICATION"
MANIFEST = "manifest.json"
WORK = ".work"
RLM = "\u200f"  # RIGHT-TO-LEFT MARK
#: Bump when a change to the code alters what outputs look like without a release: every output records
#: the pipeline's version with this revision, so the next build redoes them.
RENDER_REVISION = 2
PIPELINE_INPUT = f"{__version__}+r{RENDER_REVISION}"


@dataclass(frozen=True)
class BurnSpec:
    """What a burned-in output is drawn from: source, caption, frame and encode."""

    source: Path
    has_audio: bool
    caption: commands.Caption
    fit: commands.FrameFit | None
    encoding: commands.Encoding
    watermark: commands.Watermark | None
    source_size: tuple[int, int] | None

    def output(self, path: Path) -> commands.BurnOutput:
        return commands.BurnOutput(self.caption, path, self.fit, self.encoding, self.watermark, self.source_size)


@dataclass(frozen=True)
class SoftSpec:
    source: Path
    tracks: tuple[commands.SoftTrack, ...]
    container: str
    has_audio: bool


@dataclass
class RenderJob:
    """One output file and everything it is made from."""

    video: str
    kind: str  # burned-in | soft-mp4 | soft-mkv | webvtt
    languages: tuple[str, ...]
    output: Path
    inputs: dict[str, str] = field(default_factory=dict)  # label -> sha256 (or version)
    draft: bool = False
    profile: str | None = None  # burned-in outputs only
    burn: BurnSpec | None = None
    soft: SoftSpec | None = None
    text: str | None = None  # the content of a text output
    duration: float | None = None  # seconds of media the job processes (for progress)
    work_files: dict[Path, str] = field(default_factory=dict)  # files the command reads: path -> content
    font_links: dict[Path, Path] = field(default_factory=dict)  # fonts folder entry -> installed font file
    check: Callable[[], None] | None = field(default=None, repr=False)  # preflight, e.g. glyph coverage
    error: PipelineError | None = None  # planning failed: the job fails without running

    @property
    def label(self) -> str:
        profile = f" ({self.profile})" if self.profile and self.profile != "web" else ""
        return f"{self.video} {self.kind} {'+'.join(self.languages)}{profile}"

    @property
    def path(self) -> str:
        """The output's path relative to ``dist/`` (its key in the manifest)."""
        return f"{self.video}/{self.output.name}"

    @property
    def encodes(self) -> bool:
        return self.burn is not None

    @property
    def argv(self) -> list[str] | None:
        """The ffmpeg argv with a placeholder output (None for text outputs)."""
        return self.command(Path("{OUTPUT}" + self.output.suffix)) if self.text is None else None

    def command(self, output: Path) -> list[str]:
        """The ffmpeg argv that writes this job's output to ``output``."""
        if self.burn is not None:
            return commands.burn_in_many(self.burn.source, [self.burn.output(output)], has_audio=self.burn.has_audio)
        if self.soft is not None:
            return commands.soft_subtitles(self.soft.source, self.soft.tracks, output,
                                           container=self.soft.container, has_audio=self.soft.has_audio)
        raise ValueError(f"{self.label} is not an ffmpeg job")


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


def rtl_text(srt_text: str) -> str:
    """SRT text with a right-to-left mark opening every caption line.

    libass (``Encoding=-1``) takes each line's direction from its first strong character: a line of an
    Arabic track that starts with a Latin name or a number would otherwise be laid out left to right.
    """
    lines = srt_text.split("\n")
    out = []
    in_text = False
    for line in lines:
        if "-->" in line:
            in_text = True
            out.append(line)
            continue
        if not line.strip():
            in_text = False
        out.append(RLM + line if in_text and line.strip() else line)
    return "\n".join(out)


def burned_name(video_id: str, language: str, profile: str, draft: bool) -> str:
    mark = ".DRAFT" if draft else ""
    suffix = "" if profile == "web" else f".{profile}"
    return f"{video_id}.{language}{mark}.burned-in{suffix}.mp4"


def caption_for(
    project: Project, video: Video, language: str, track: Track, profile: Profile, srt_text: str,
    cache: WorkCache,
) -> tuple[commands.Caption, fonts.FontSet, dict[str, str], dict[Path, str], dict[Path, Path]]:
    """Style, fonts and files to burn one track in one profile.

    Returns the caption, the chosen fonts, the inputs they add (style and font hashes), the work files
    to write and the fonts folder to link. Raises :class:`pipeline.fonts.FontError` for a missing font.
    """
    style = burn_style(project, video.id, language, profile)
    facts = cache.font_facts()
    fontset = fonts.choose_fonts(track, language, style.font, style.bold, facts)
    work = project.dist / WORK / video.id
    font_hashes = {f"font:{path.name}": cache.file_hash(path) for path in fontset.files}
    fonts_dir = project.dist / WORK / "fonts" / sha256_text(json.dumps(sorted(font_hashes.items())))[:16]
    links = {fonts_dir / path.name: path for path in fontset.files}
    if fontset.rtl:
        subtitles = work / f"{language}.rtl.srt"
        files = {subtitles: rtl_text(srt_text)}
    else:
        subtitles = work / f"{language}.srt"
        files = {subtitles: srt_text}
    scale = facts.scale(fontset.primary)
    caption = commands.Caption(subtitles, style, fontset.primary.family, fonts_dir, fontset.rtl, scale)
    looks = json.dumps({"style": style_fingerprint(style), "font": fontset.primary.family, "rtl": fontset.rtl,
                        "scale": scale})
    return caption, fontset, {"style": sha256_text(looks)} | font_hashes, files, links


def plan_video(
    project: Project, video: Video, *, include_drafts: bool = False, runner: FfmpegRunner | None = None,
    info: MediaInfo | None = None, cache: WorkCache | None = None, profiles: Sequence[str] | None = None,
    states: list[TrackState] | None = None,
) -> list[RenderJob]:
    """The jobs that render one video's publishable tracks (and drafts when asked).

    ``states`` are the video's tracks as judged by :func:`pipeline.publish.judge_video` (judged here when
    not given).
    ``profiles`` limits the burned-in outputs to those profiles (default: the catalog's ``[profiles] build``).
    Catalog mistakes raise; a track that cannot be burned (no font for it) becomes a job with ``error``.
    """
    cache = cache or WorkCache(None)
    info = info or cache.probe(video.source, runner)
    work = project.dist / WORK / video.id
    out_dir = project.dist / video.id
    source_hash = cache.file_hash(video.source)
    names = list(profiles) if profiles is not None else profile_names(project, video.id)
    chosen_profiles = [load_profile(project, name, video.id) for name in names]
    # Which tracks render is the publish gate's decision, never this module's.
    chosen = _selected(states if states is not None else judge_video(project, video.id, runner=runner).tracks,
                       include_drafts)
    size = (info.width, info.height) if info.width and info.height else None
    jobs: list[RenderJob] = []
    soft: list[tuple[commands.SoftTrack, str]] = []
    soft_files: dict[Path, str] = {}
    audio_base = languages.base(video.audio_language)
    default_lang = next((s.language for s, _ in chosen if languages.base(s.language) == audio_base),
                        chosen[0][0].language if chosen else None)
    track_file = {lang: project.track_path(video.id, lang).relative_to(project.root) for lang in
                  (s.language for s, _ in chosen)}
    for state, draft in chosen:
        lang = state.language
        track = load_track(project, video.id, lang)
        srt_text = compose_srt(track)
        srt_path = work / f"{lang}.srt"
        track_hash = sha256_text(srt_text)
        base_inputs = {"source": source_hash, f"track:{lang}": track_hash, "pipeline": PIPELINE_INPUT}
        watermark = commands.Watermark(DRAFT_BANNER, fonts.ui_font()) if draft else None
        for profile in chosen_profiles:
            output = out_dir / burned_name(video.id, lang, profile.name, draft)
            job = RenderJob(video.id, "burned-in", (lang,), output, dict(base_inputs), draft, profile.name,
                            duration=info.duration)
            try:
                caption, fontset, looks, files, links = caption_for(project, video, lang, track, profile,
                                                                    srt_text, cache)
            except fonts.FontError as exc:
                job.error = exc
                jobs.append(job)
                continue
            fit = profile.frame(*size) if size else None
            job.burn = BurnSpec(video.source, info.has_audio, caption, fit, profile.encoding, watermark, size)
            job.inputs |= looks | {"draft": str(draft),
                                   "profile": sha256_text(json.dumps(profile.fingerprint(*(size or (0, 0))),
                                                                     sort_keys=True))}
            job.work_files, job.font_links = files, links
            job.check = (lambda t=track, f=fontset, p=track_file[lang]: fonts.check_glyphs(t, f, p))
            jobs.append(job)
        mark = ".DRAFT" if draft else ""
        # A sidecar is made from the track alone: a new cut of the video does not change it.
        vtt_inputs = {k: v for k, v in base_inputs.items() if k != "source"}
        vtt = compose_vtt(track)
        if draft:  # says so inside the file too, for whoever opens it without its name
            vtt = vtt.replace("WEBVTT\n\n", f"WEBVTT\n\nNOTE {DRAFT_BANNER}: machine translation nobody has "
                              "approved yet (pipeline approve)\n\n", 1)
            vtt_inputs["draft"] = str(draft)
        jobs.append(RenderJob(video.id, "webvtt", (lang,), out_dir / f"{video.id}.{lang}{mark}.vtt", vtt_inputs,
                              draft, text=vtt))
        if not draft:
            soft.append((commands.SoftTrack(srt_path, lang, None, lang == default_lang), track_hash))
            soft_files[srt_path] = srt_text
    if soft:
        tracks = tuple(t for t, _ in soft)
        langs = tuple(t.language for t in tracks)
        inputs = {"source": source_hash, "pipeline": PIPELINE_INPUT} | {f"track:{t.language}": h for t, h in soft}
        inputs["tracks"] = sha256_text(json.dumps([[t.language, t.default] for t in tracks]))
        for container in ("mp4", "mkv"):
            jobs.append(RenderJob(
                video.id, f"soft-{container}", langs, out_dir / f"{video.id}.subtitled.{container}", dict(inputs),
                soft=SoftSpec(video.source, tracks, container, info.has_audio), duration=info.duration,
                work_files=dict(soft_files),
            ))
    return jobs


def prepare_job(job: RenderJob) -> None:
    """Write the work files a job's command reads and link its fonts (see :func:`materialize`)."""
    materialize(job.work_files, job.font_links)


def materialize(files: dict[Path, str], font_links: dict[Path, Path]) -> None:
    """Write work files (only when their content changed) and the links of a fonts folder.

    The fonts folder holds links to just the chosen font files: libass loads every file of a
    ``fontsdir``, so the system's whole font folder would be slow, and an explicit set is what we checked.
    """
    for path, content in files.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            atomic_write_text(path, content)
    for link, target in font_links.items():
        if link.is_symlink() and os.readlink(link) == str(target):
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        tmp = link.with_name(f".{link.name}.{os.getpid()}.partial")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, link)


def run_jobs(jobs: Sequence[RenderJob], runner: FfmpegRunner,
             on_progress: Callable[[Progress], None] | None = None) -> list[dict]:
    """Produce outputs atomically and return their manifest entries.

    One job runs its own command; several burned-in jobs of one source run as one ffmpeg process that
    decodes the source once and encodes each output. Each output is written under a temp name and
    renamed only when complete; its manifest entry is computed from the finished temp file first.
    """
    if not jobs:
        return []
    for job in jobs:
        if job.error is not None:
            raise job.error
        if job.check is not None:
            job.check()
    if len(jobs) > 1 and not all(j.burn is not None and j.burn.source == jobs[0].burn.source for j in jobs):
        raise ValueError("only burned-in outputs of one source run together")
    entries: list[dict] = []
    with contextlib.ExitStack() as stack:
        temps = [stack.enter_context(atomic_path(job.output)) for job in jobs]
        first = jobs[0]
        if first.text is not None:
            temps[0].write_bytes(first.text.encode("utf-8"))
        else:
            if len(jobs) == 1:
                argv = first.command(temps[0])
            else:
                argv = commands.burn_in_many(first.burn.source, [j.burn.output(t) for j, t in zip(jobs, temps)],
                                             has_audio=first.burn.has_audio)
            runner.run(argv, total_seconds=first.duration, on_progress=on_progress)
        entries = [manifest_entry(job, runner, tmp) for job, tmp in zip(jobs, temps)]
        for job, entry in zip(jobs, entries):
            _check_complete(job, entry)  # raising here discards the temp files: nothing looks finished
    return entries


#: How much shorter than its source an output may be before it counts as cut short (container and stream
#: ends differ by a few frames; a damaged source comes out seconds short).
SHORT_OUTPUT_SECONDS = 0.5


def _check_complete(job: RenderJob, entry: dict) -> None:
    """Refuse an output much shorter than its source: ffmpeg stops quietly at the end of a truncated or
    damaged file, and the result would look finished while missing the rest of the video."""
    source = job.burn.source if job.burn is not None else job.soft.source if job.soft is not None else None
    made = entry.get("duration")
    if source is None or not job.duration or made is None or made >= job.duration - SHORT_OUTPUT_SECONDS:
        return
    raise MediaError(source, f"only {made:.1f} s of its {job.duration:.1f} s could be read; "
                             "the file is truncated or damaged",
                     hint="replace it with a complete copy")


def manifest_entry(job: RenderJob, runner: FfmpegRunner, made: Path | None = None) -> dict:
    """The manifest entry of a job's output (read from ``made``, the finished file, default the output)."""
    made = made or job.output
    entry: dict = {
        "video": job.video,
        "kind": job.kind,
        "languages": list(job.languages),
        "draft": job.draft,
        "path": job.path,
    }
    if job.profile:
        entry["profile"] = job.profile
    duration = None
    if job.text is None:
        info = probe(made, runner)
        duration = round(info.duration, 3)
        if job.burn is not None:
            entry["width"], entry["height"] = info.width, info.height
    entry.update({
        "size": made.stat().st_size,
        "sha256": sha256_file(made),
        "duration": duration,
        "inputs": dict(sorted(job.inputs.items())),
    })
    return entry


def read_manifest(dist: Path) -> dict:
    path = dist / MANIFEST
    if not path.is_file():
        return {"pipeline_version": __version__, "outputs": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        log.warning("%s is not valid JSON; starting a new manifest", path)
        return {"pipeline_version": __version__, "outputs": []}
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), list):
        log.warning("%s is not a manifest; starting a new one", path)
        return {"pipeline_version": __version__, "outputs": []}
    return data


def _save_manifest(dist: Path, outputs: Iterable[dict]) -> Path:
    data = {"pipeline_version": __version__, "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "outputs": sorted(outputs, key=lambda e: e["path"])}
    path = dist / MANIFEST
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def update_manifest(dist: Path, add: Iterable[dict] = (), remove: Iterable[str] = ()) -> Path:
    """Add (or replace) entries by path and drop the paths in ``remove``; entries whose file is gone
    are dropped too, so the manifest only ever lists files that exist."""
    add = list(add)
    drop = set(remove) | {e["path"] for e in add}
    old = read_manifest(dist)
    kept = [e for e in old["outputs"] if isinstance(e, dict) and e.get("path") not in drop
            and (dist / str(e.get("path", ""))).is_file()]
    return _save_manifest(dist, kept + add)


def render(
    project: Project, video_ids: Iterable[str] | None = None, *, include_drafts: bool = False,
    runner: FfmpegRunner | None = None, on_event: EventCallback | None = None,
):
    """Render every publishable track of the given videos (all by default) into ``dist/``.

    An incremental build (see :func:`pipeline.build.run_build`): outputs already up to date are kept.
    Returns a :class:`pipeline.build.BuildResult` (``entries``, ``failures``, ``manifest``).
    """
    from pipeline.build import BuildOptions, run_build  # build imports this module

    return run_build(project, video_ids, BuildOptions(include_drafts=include_drafts), runner=runner,
                     on_event=on_event)
