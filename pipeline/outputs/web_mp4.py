"""A browser-playable MP4 for the player page, made only when browsers cannot play the source's streams.

The player page plays ``<video>.subtitled.mp4`` (a stream copy of the source) when its video is H.264 and its
sound AAC or MP3, which every browser decodes. A master in another codec (ProRes, HEVC, MPEG-4 Part 2 ...)
gets ``<video>.web.mp4`` instead: H.264/AAC with the ``web`` profile's encoding, no captions in the picture
(the page's ``<track>`` elements carry them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pipeline.media import commands
from pipeline.media.probe import MediaInfo
from pipeline.outputs.base import PIPELINE_INPUT, FfmpegKind, RenderJob, VideoPlan, register
from pipeline.profiles import load_profile

#: Codecs every browser decodes in MP4.
BROWSER_VIDEO = {"h264"}
BROWSER_AUDIO = {"aac", "mp3"}


def browsers_play_copy(info: MediaInfo) -> bool:
    """True when a stream copy of the source into MP4 (the soft-subtitled MP4) plays in every browser."""
    video = [s.codec for s in info.of_kind("video")][:1]
    audio = [s.codec for s in info.of_kind("audio")][:1]
    return bool(video) and set(video) <= BROWSER_VIDEO and set(audio) <= BROWSER_AUDIO


@dataclass(frozen=True)
class WebSpec:
    source: Path
    encoding: commands.Encoding
    has_audio: bool
    tags: commands.ContainerTags


@register
class WebMp4(FfmpegKind):
    name = "web-mp4"
    encodes = True

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        if browsers_play_copy(video.info) or not any(not t.draft for t in video.tracks):
            return []
        encoding = load_profile(video.project, "web", video.id).encoding
        inputs = {"source": video.source_hash, "pipeline": PIPELINE_INPUT,
                  "profile": f"{encoding.preset}/{encoding.crf}/{encoding.audio_bitrate}"} | video.tags_input
        spec = WebSpec(video.video.source, encoding, video.info.has_audio, video.tags)
        return [video.job(self, (), f"{video.id}.web.mp4", inputs, spec=spec, source=spec.source,
                          duration=video.info.duration)]

    def summary(self, job: RenderJob) -> str:
        return "MP4 for web browsers (captions come from the WebVTT files)"

    def cost(self, jobs: Sequence[RenderJob]) -> float:
        return (jobs[0].duration or 1.0) * 1e6

    def command(self, job: RenderJob, output: Path) -> list[str]:
        spec: WebSpec = job.spec
        return commands.web_mp4(spec.source, output, encoding=spec.encoding, has_audio=spec.has_audio, tags=spec.tags)
