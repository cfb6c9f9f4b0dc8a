"""Poster images: ``<video>.poster.jpg`` (``web``) and ``<video>.poster.<profile>.jpg`` per profile.

The frame at the video's ``poster_time`` (catalog, default 1 s: past a fade from black), fitted to the
profile's frame like its burned-in video (pad, blur or crop), without captions: the still players show
before playing, the thumbnail YouTube asks for, the cover of a Reel. A ``poster_time`` past the end of the
video takes the middle frame instead. The ``web`` poster is always made (the player page shows it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import MediaError
from pipeline.fsutil import sha256_text
from pipeline.media import commands
from pipeline.media.probe import probe
from pipeline.outputs.base import PIPELINE_INPUT, FfmpegKind, RenderJob, VideoPlan, register
from pipeline.profiles import load_profile


@dataclass(frozen=True)
class PosterSpec:
    source: Path
    at: float  # seconds
    fit: commands.FrameFit | None
    size: tuple[int, int] | None  # the frame's (width, height), to check the result against


def poster_name(video_id: str, profile: str) -> str:
    return f"{video_id}.poster.jpg" if profile == "web" else f"{video_id}.poster.{profile}.jpg"


@register
class Poster(FfmpegKind):
    name = "poster"
    per_profile = True

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        if not any(not t.draft for t in video.tracks):
            return []  # nothing published, nothing to show a poster for
        wanted = video.video.poster_time
        at = wanted if wanted < video.info.duration else video.info.duration / 2
        jobs = []
        profiles = list(video.profiles)
        if not any(p.name == "web" for p in profiles):  # the player page's and YouTube's, whatever is built
            profiles.insert(0, load_profile(video.project, "web", video.id))
        for profile in profiles:
            fit = profile.frame(*video.size) if video.size else None
            frame = (fit.width, fit.height) if fit else video.size
            look = {"at": round(at, 3), "frame": json.dumps(profile.fingerprint(*(video.size or (0, 0)))["frame"],
                                                           sort_keys=True)}
            inputs = {"source": video.source_hash, "pipeline": PIPELINE_INPUT,
                      "poster": sha256_text(json.dumps(look, sort_keys=True))}
            jobs.append(video.job(self, (), poster_name(video.id, profile.name), inputs, profile=profile.name,
                                  spec=PosterSpec(video.video.source, at, fit, frame), source=video.video.source))
        return jobs

    def summary(self, job: RenderJob) -> str:
        return "poster image" if job.profile == "web" else f"poster image, {job.profile}"

    def command(self, job: RenderJob, output: Path) -> list[str]:
        spec: PosterSpec = job.spec
        return commands.poster_frame(spec.source, spec.at, output, fit=spec.fit)

    def describe(self, job, made, runner) -> dict:
        info = probe(made, runner)
        return {"width": info.width, "height": info.height, "duration": None, "at": job.spec.at}

    def check_complete(self, job: RenderJob, entry: dict) -> None:
        """A poster is whole when it is a picture of the profile's frame (ffmpeg writes no file, or an empty
        one, when the seek lands past the last frame it can decode)."""
        want = job.spec.size
        if want and (entry.get("width"), entry.get("height")) != tuple(want):
            raise MediaError(job.source, f"the poster frame at {job.spec.at:.1f} s could not be read "
                             f"(got {entry.get('width')}x{entry.get('height')}, not {want[0]}x{want[1]})",
                             hint="set the video's poster_time to a moment inside it, or replace a damaged file")
