"""WebVTT sidecars for web players: ``<video>.<lang>.vtt`` per track.

A sidecar is made from the track alone (a new cut of the video does not change it). A machine draft's
sidecar (rendered only on request) has ``DRAFT`` in its name and says so in a ``NOTE`` inside the file too,
for whoever opens it without its name.
"""

from __future__ import annotations

from pipeline.formats import compose_vtt
from pipeline.outputs.base import DRAFT_BANNER, PlannedTrack, RenderJob, TextKind, VideoPlan, register


@register
class WebVtt(TextKind):
    name = "webvtt"

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        return [self._job(video, track) for track in video.tracks]

    def _job(self, video: VideoPlan, planned: PlannedTrack) -> RenderJob:
        inputs = video.track_inputs(planned, with_source=False)
        vtt = compose_vtt(planned.track)
        if planned.draft:
            vtt = vtt.replace("WEBVTT\n\n", f"WEBVTT\n\nNOTE {DRAFT_BANNER}: machine translation nobody has "
                              "approved yet (pipeline approve)\n\n", 1)
            inputs["draft"] = "True"
        mark = ".DRAFT" if planned.draft else ""
        return video.job(self, (planned.language,), f"{video.id}.{planned.language}{mark}.vtt", inputs,
                         draft=planned.draft, spec=vtt)

    def summary(self, job: RenderJob) -> str:
        return "WebVTT captions, for web players"
