"""Burned-in outputs: captions drawn into the picture, one H.264/AAC MP4 (faststart) per language and profile.

``<video>.<lang>.burned-in.mp4`` for the ``web`` profile, ``<video>.<lang>.burned-in.<profile>.mp4`` for
the others. A machine draft (rendered only on request) has ``DRAFT`` in its name and a banner in the
picture. With decode-once, every burned-in output of one source is encoded by one ffmpeg process.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pipeline import fonts
from pipeline.cache import WorkCache
from pipeline.errors import CatalogError
from pipeline.formats import compose_srt
from pipeline.fsutil import sha256_text
from pipeline.media import commands
from pipeline.media.probe import probe
from pipeline.model import Track
from pipeline.outputs.base import (
    DRAFT_BANNER, WORK, FfmpegKind, PlannedTrack, RenderJob, VideoPlan, register,
)
from pipeline.profiles import Profile, burn_style, caption_area, line_layout, rebreak_track, style_fingerprint
from pipeline.project import Project, Video

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
        return [self._job(video, track, profile) for track in video.tracks for profile in video.profiles]

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
        spec: BurnSpec = jobs[0].spec
        w, h = (spec.fit.width, spec.fit.height) if spec.fit else (spec.source_size or (640, 360))
        return (jobs[0].duration or 1.0) * w * h * len(jobs)

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
        info = probe(made, runner)
        return {"width": info.width, "height": info.height, "duration": round(info.duration, 3)}
