"""Burned-in outputs: captions drawn into the picture, one H.264/AAC MP4 (faststart) per language and profile.

``<video>.<lang>.burned-in.mp4`` for the ``web`` profile, ``<video>.<lang>.burned-in.<profile>.mp4`` for
the others. A machine draft (rendered only on request) has ``DRAFT`` in its name and a banner in the
picture.

By default the picture is encoded in segments (:mod:`pipeline.outputs.segments`): after an edit only the
segments whose cues changed are encoded again, and the work is cut into units that run on every core (or
on a cluster). With ``[render] segment_seconds = 0``, or a source without a constant frame rate, each
output is encoded in one piece; with decode-once, every such output of one source by one ffmpeg process.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from pipeline import fonts
from pipeline.cache import WorkCache
from pipeline.errors import CatalogError, MediaError
from pipeline.formats import compose_srt
from pipeline.fsutil import sha256_text
from pipeline.media import commands
from pipeline.media.probe import probe
from pipeline.model import Track
from pipeline.outputs import segments as seg
from pipeline.outputs.base import (
    DRAFT_BANNER, SHORT_OUTPUT_SECONDS, WORK, FfmpegKind, PlannedTrack, RenderJob, VideoPlan, register,
)
from pipeline.profiles import Profile, burn_style, caption_area, line_layout, rebreak_track, style_fingerprint
from pipeline.project import Project, Video

log = logging.getLogger(__name__)

RLM = "\u200f"  # RIGHT-TO-LEFT MARK


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
    tags: commands.ContainerTags = commands.ContainerTags()
    #: How the picture is cut into segments, and which this build encodes (None: encoded in one piece).
    segments: seg.SegmentPlan | None = field(default=None, compare=False)

    @property
    def pixels(self) -> int:
        w, h = (self.fit.width, self.fit.height) if self.fit else (self.source_size or (640, 360))
        return w * h

    def output(self, path: Path) -> commands.BurnOutput:
        return commands.BurnOutput(self.caption, path, self.fit, self.encoding, self.watermark, self.source_size,
                                   self.tags)


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


def segment_seconds(project: Project, video_id: str) -> float:
    """``[render] segment_seconds`` (per video or project): the length of a burned-in output's segments;
    0 encodes each output in one piece."""
    value = project.setting("render", video_id).get("segment_seconds", seg.DEFAULT_SEGMENT_SECONDS)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value == 0 or 1 <= value <= 60):
        raise CatalogError(project.catalog_path, f"[render] segment_seconds must be 0 (no segments) or from 1 to "
                           f"60 seconds, got {value!r}", hint="the default, 4, suits most videos")
    return float(value)


def burned_name(video_id: str, language: str, profile: str, draft: bool) -> str:
    mark = ".DRAFT" if draft else ""
    suffix = "" if profile == "web" else f".{profile}"
    return f"{video_id}.{language}{mark}.burned-in{suffix}.mp4"


def caption_for(
    project: Project, video: Video, language: str, track: Track, profile: Profile, srt_text: str,
    cache: WorkCache, source_size: tuple[int, int] | None = None,
) -> tuple[commands.Caption, fonts.FontSet, dict[str, str], dict[Path, str], dict[Path, Path]]:
    """Style, fonts and files to burn one track in one profile (also what a preview draws).

    The captions are re-broken for the profile's line layout and kept inside its safe zone (and below the
    picture of a ``source_size`` source when the profile says ``over_picture = false``).
    Returns the caption, the chosen fonts, the inputs they add (style and font hashes), the work files
    to write and the fonts folder to link. Raises :class:`pipeline.fonts.FontError` for a missing font and
    :class:`CatalogError` for a layout that cannot hold the captions.
    """
    style = burn_style(project, video.id, language, profile)
    frame = profile.frame(*source_size) if source_size else None
    try:
        area, style = caption_area(profile, style, frame, source_size)
    except ValueError as exc:
        raise CatalogError(project.catalog_path, str(exc), hint=f"lower [profiles.{profile.name}] max_lines or "
                           "the caption size, or drop over_picture") from None
    broken = rebreak_track(track, line_layout(profile, style, language), language)
    rebroken = broken.cues != track.cues
    if rebroken:
        srt_text = compose_srt(broken)
    facts = cache.font_facts()
    fontset = fonts.choose_fonts(track, language, style.font, style.bold, facts)
    work = project.dist / WORK / video.id
    font_hashes = {f"font:{path.name}": cache.file_hash(path) for path in fontset.files}
    fonts_dir = project.dist / WORK / "fonts" / sha256_text(json.dumps(sorted(font_hashes.items())))[:16]
    links = {fonts_dir / path.name: path for path in fontset.files}
    # The track's own text goes in <lang>.srt (the soft outputs read it too); re-broken lines in a file of
    # the profile's.
    stem = f"{language}.{profile.name}" if rebroken else language
    if fontset.rtl:
        subtitles = work / f"{stem}.rtl.srt"
        files = {subtitles: rtl_text(srt_text)}
    else:
        subtitles = work / f"{stem}.srt"
        files = {subtitles: srt_text}
    scale = facts.scale(fontset.primary)
    caption = commands.Caption(subtitles, style, fontset.primary.family, fonts_dir, fontset.rtl, scale, area)
    looks = json.dumps({"style": style_fingerprint(style), "font": fontset.primary.family, "rtl": fontset.rtl,
                        "scale": scale, "area": dataclasses.asdict(area)})
    return caption, fontset, {"style": sha256_text(looks)} | font_hashes, files, links


@register
class BurnedIn(FfmpegKind):
    """A track drawn into the picture, per profile."""

    name = "burned-in"
    per_profile = True
    encodes = True

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        pairs = [(track, profile) for track in video.tracks for profile in video.profiles]
        jobs = [self._job(video, track, profile) for track, profile in pairs]
        seconds = segment_seconds(video.project, video.id) if jobs else 0.0
        if seconds:
            facts = video.cache.frames(video.video.source, video.runner)
            readable = facts.count / float(facts.rate) if facts.rate else 0.0
            if facts.rate and readable < video.info.duration - SHORT_OUTPUT_SECONDS:
                # ffmpeg would stop quietly where the data ends: fail these outputs before any encode.
                error = MediaError(video.video.source, f"only {readable:.1f} s of its {video.info.duration:.1f} s "
                                   "could be read; the file is truncated or damaged",
                                   hint="replace it with a complete copy")
                for job in jobs:
                    job.error = job.error or error
            elif facts.constant and facts.rate:
                for job, (track, _profile) in zip(jobs, pairs):
                    if job.spec is not None:
                        self._segment(video, job, track, facts, seconds)
            else:
                log.info("%s: frame rate not constant; burned-in outputs are encoded in one piece", video.id)
        return jobs

    def _segment(self, video: VideoPlan, job: RenderJob, planned: PlannedTrack, facts, seconds: float) -> None:
        """Cut the job's picture into segments named by what each is made of (its cues among it)."""
        spec: BurnSpec = job.spec
        # The container's tags (title, audio language) are written by the join: a new title re-encodes nothing.
        base = sha256_text(json.dumps({"inputs": {k: v for k, v in sorted(job.inputs.items())
                                                  if not k.startswith("track:") and k != "tags"},
                                       "threads": commands.SEGMENT_THREADS}, sort_keys=True))
        audio_base = json.dumps([video.source_hash, "aac", spec.encoding.audio_bitrate]) if spec.has_audio else None
        work = video.project.dist / WORK
        plan = seg.plan_segments(facts, seconds, base, planned.track.cues, work / seg.SEGMENTS,
                                 work / seg.AUDIO, audio_base)
        job.spec = dataclasses.replace(spec, segments=plan)

    def _job(self, video: VideoPlan, planned: PlannedTrack, profile: Profile) -> RenderJob:
        lang, draft, size = planned.language, planned.draft, video.size
        job = video.job(self, (lang,), burned_name(video.id, lang, profile.name, draft), video.track_inputs(planned),
                        draft=draft, profile=profile.name, source=video.video.source, duration=video.info.duration)
        try:
            caption, fontset, looks, files, links = caption_for(video.project, video.video, lang, planned.track,
                                                                profile, planned.srt_text, video.cache, size)
        except (fonts.FontError, CatalogError) as exc:
            job.error = exc
            return job
        watermark = commands.Watermark(DRAFT_BANNER, fonts.ui_font()) if draft else None
        fit = profile.frame(*size) if size else None
        job.spec = BurnSpec(video.video.source, video.info.has_audio, caption, fit, profile.encoding, watermark, size,
                            video.tags)
        job.inputs |= looks | video.tags_input | {"draft": str(draft),
                               "profile": sha256_text(json.dumps(profile.fingerprint(*(size or (0, 0))),
                                                                 sort_keys=True))}
        job.work_files, job.font_links = files, links
        job.check = (lambda t=planned.track, f=fontset, p=planned.file: fonts.check_glyphs(t, f, p))
        return job

    def summary(self, job: RenderJob) -> str:
        shape = "" if job.profile == "web" else f", {job.profile}"
        return f"video with the captions in the picture{shape}"

    def batch_key(self, job: RenderJob) -> Path:
        return job.source  # decode the source once for all of its burned-in outputs

    def cost(self, jobs: Sequence[RenderJob]) -> float:
        return (jobs[0].duration or 1.0) * sum(job.spec.pixels for job in jobs)

    def batch_size(self, jobs, workers, memory_mib) -> int:
        """Outputs one decode-once process encodes in one piece: x264 with its own threads holds ~1.55 times
        the frames of a single-threaded encode (240 vs 155 MiB at 1080p, measured)."""
        size = jobs[0].spec.source_size or (640, 360)
        biggest = max(job.spec.pixels for job in jobs if job.spec is not None) if jobs[0].spec else 0
        return seg.outputs_per_process(workers, memory_mib / seg.THREADED_ENCODE_FACTOR, size[0] * size[1],
                                       biggest)

    # -- in segments ------------------------------------------------------------------------------------

    def in_pieces(self, job: RenderJob) -> bool:
        return job.spec is not None and job.spec.segments is not None

    def plan_work(self, job, entry, force, changed) -> str | None:
        if not self.in_pieces(job):
            return None
        return seg.decide_segments(job.spec.segments, entry, force, changed) or None

    def units(self, jobs, workers, memory_mib):
        groups: dict[Path, seg.SourceJobs] = {}
        for job in jobs:
            spec: BurnSpec = job.spec
            size = spec.source_size or (640, 360)
            group = groups.setdefault(spec.source, seg.SourceJobs(spec.source, size[0] * size[1], [], 1))
            inputs = {spec.source: job.inputs["source"]}
            inputs |= {path: sha256_text(text) for path, text in job.work_files.items()}
            inputs |= {link: job.inputs[f"font:{target.name}"] for link, target in job.font_links.items()
                       if f"font:{target.name}" in job.inputs}
            group.jobs.append(seg.SegmentJob(job.path, job.label, spec.segments, spec.output(Path()), spec.pixels,
                                             inputs))
        for group in groups.values():
            biggest = max(j.pixels for j in group.jobs)
            group.max_outputs = seg.outputs_per_process(workers, memory_mib, group.source_pixels, biggest)
        return seg.segment_units(list(groups.values()), workers)

    def produce(self, jobs, temps, runner, on_progress=None) -> None:
        if not self.in_pieces(jobs[0]):
            return super().produce(jobs, temps, runner, on_progress)
        for job, temp in zip(jobs, temps):
            self._join(job, temp, runner)

    def _join(self, job: RenderJob, temp: Path, runner) -> None:
        """Join a job's segments and audio into ``temp`` and check the result (facts kept for its entry)."""
        spec: BurnSpec = job.spec
        plan = spec.segments
        missing = [s.index for s in plan.segments if not plan.path(s).is_file()]
        if missing or (plan.audio is not None and not plan.audio.is_file()):
            what = f"segment {missing[0]}" if missing else "its audio"
            raise MediaError(spec.source, f"{what} of {job.path} is missing from dist/.work",
                             hint="build again (another process may have removed it)")
        listing = temp.with_name(temp.name + ".ffconcat")  # beside the temp output: a partial file too
        try:
            listing.write_text(seg.ffconcat(plan), encoding="utf-8")
            runner.run(commands.join_segments(listing, plan.audio, temp, timescale=seg.timescale(plan.facts.rate),
                                              video_offset=max(0.0, plan.facts.start), tags=spec.tags),
                       total_seconds=job.duration)
        finally:
            listing.unlink(missing_ok=True)
        try:
            facts = seg.verify_joined(plan, temp, spec.source, job.duration or 0.0, runner)
        except MediaError:
            seg.discard(plan)
            raise
        job.facts = {"width": facts.width, "height": facts.height, "duration": round(facts.duration, 3),
                     "frames": facts.frames, "segments": plan.manifest()}

    def sweep(self, dist: Path, planned: Sequence[RenderJob]) -> int:
        keep: set[Path] = set()
        for job in planned:
            plan = job.spec.segments if job.spec is not None else None
            if plan is not None:
                keep |= {plan.path(s) for s in plan.segments}
                if plan.audio is not None:
                    keep.add(plan.audio)
        return seg.sweep(dist / WORK / seg.SEGMENTS, keep) + seg.sweep(dist / WORK / seg.AUDIO, keep)

    def command(self, job: RenderJob, output: Path) -> list[str]:
        return self.command_many([job], [output])

    def command_many(self, jobs: Sequence[RenderJob], outputs: Sequence[Path]) -> list[str]:
        """One decode of the source split into every job's encode."""
        first: BurnSpec = jobs[0].spec
        if not all(j.spec.source == first.source for j in jobs):
            raise ValueError("only burned-in outputs of one source run together")
        return commands.burn_in_many(first.source, [j.spec.output(o) for j, o in zip(jobs, outputs)],
                                     has_audio=first.has_audio)

    def describe(self, job, made, runner) -> dict:
        if "segments" in job.facts:  # joined from segments: the check already read the file
            return dict(job.facts)
        if "duration" in job.facts and job.spec is not None:  # what ffmpeg reported; the frame is the spec's
            w, h = (job.spec.fit.width, job.spec.fit.height) if job.spec.fit else (job.spec.source_size or (None, None))
            return {"width": w, "height": h, "duration": job.facts["duration"]}
        info = probe(made, runner)
        return {"width": info.width, "height": info.height, "duration": round(info.duration, 3)}
