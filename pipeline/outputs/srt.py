"""SRT sidecars: ``<video>.<lang>.srt`` per published track, next to the WebVTT.

YouTube, Facebook, LinkedIn and X take SRT caption files (web players take the WebVTT). Made from the track
alone, like the WebVTT. Machine drafts never get one, even with ``--drafts``: an SRT has no place to say it
is a draft, and these files are uploaded as they are.
"""

from __future__ import annotations

from pipeline.outputs.base import RenderJob, TextKind, VideoPlan, register


@register
class Srt(TextKind):
    name = "srt"

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        return [video.job(self, (t.language,), f"{video.id}.{t.language}.srt",
                          video.track_inputs(t, with_source=False), spec=t.srt_text)
                for t in video.tracks if not t.draft]

    def summary(self, job: RenderJob) -> str:
        return "SRT captions, to upload to YouTube, Facebook, LinkedIn or X"
