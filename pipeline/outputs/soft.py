"""Soft-subtitled outputs: the video and audio copied, every published language a switchable subtitle track.

``<video>.subtitled.mp4`` (mov_text; MP4 keeps the language, drops titles) and ``<video>.subtitled.mkv``
(SRT with language and title). The audio's language is the default track. Drafts are never included.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pipeline.fsutil import sha256_text
from pipeline.media import commands
from pipeline.outputs.base import PIPELINE_INPUT, FfmpegKind, RenderJob, VideoPlan, register


@dataclass(frozen=True)
class SoftSpec:
    source: Path
    tracks: tuple[commands.SoftTrack, ...]
    container: str
    has_audio: bool
    tags: commands.ContainerTags = commands.ContainerTags()


class SoftSubtitled(FfmpegKind):
    """Every published track of a video muxed into one file (stream copy: costs next to nothing)."""

    container: str
    all_languages = True

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        published = [t for t in video.tracks if not t.draft]
        if not published:
            return []
        files = {video.work / f"{t.language}.srt": t.srt_text for t in published}
        tracks = tuple(commands.SoftTrack(video.work / f"{t.language}.srt", t.language, None,
                                          t.language == video.default_language) for t in published)
        inputs = {"source": video.source_hash, "pipeline": PIPELINE_INPUT} | {f"track:{t.language}": t.hash
                                                                              for t in published}
        inputs["tracks"] = sha256_text(json.dumps([[t.language, t.default] for t in tracks]))
        inputs |= video.tags_input
        spec = SoftSpec(video.video.source, tracks, self.container, video.info.has_audio, video.tags)
        return [video.job(self, tuple(t.language for t in tracks), f"{video.id}.subtitled.{self.container}",
                          inputs, spec=spec, source=spec.source, duration=video.info.duration, work_files=files)]

    def cost(self, jobs: Sequence[RenderJob]) -> float:
        return jobs[0].duration or 0.0

    def summary(self, job: RenderJob) -> str:
        return f"{self.container.upper()} video with switchable captions in every language"

    def command(self, job: RenderJob, output: Path) -> list[str]:
        spec: SoftSpec = job.spec
        return commands.soft_subtitles(spec.source, spec.tracks, output, container=spec.container,
                                       has_audio=spec.has_audio, duration=job.duration, tags=spec.tags)


@register
class SoftMp4(SoftSubtitled):
    name = "soft-mp4"
    container = "mp4"


@register
class SoftMkv(SoftSubtitled):
    name = "soft-mkv"
    container = "mkv"
