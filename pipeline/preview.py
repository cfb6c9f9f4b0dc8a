"""Previews for reviewers: one captioned frame, or a contact sheet with a frame per cue.

Frames are drawn exactly as a burned-in output of the same profile would be (same fit, style, fonts
and glyph check), without encoding a video. Any track can be previewed, drafts included: a machine
draft that is not publishable carries the same draft banner as its ``--drafts`` render, so a shared
preview can never pass for approved captions.
"""

from __future__ import annotations

import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from pipeline import fonts
from pipeline.cache import WorkCache
from pipeline.errors import UsageError
from pipeline.formats import compose_srt
from pipeline.fsutil import atomic_path
from pipeline.media import commands
from pipeline.media.probe import MediaInfo
from pipeline.media.runner import FfmpegRunner
from pipeline.model import Track, format_timestamp
from pipeline.profiles import load_profile
from pipeline.project import Project
from pipeline.outputs import DRAFT_BANNER, WORK, materialize
from pipeline.outputs.burned_in import caption_for
from pipeline.tracks import load_track, track_state

_TIME = re.compile(r"^(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:[.,]\d+)?)$")


def parse_time(text: str) -> float:
    """Seconds from ``12.5``, ``1:02.5``, ``00:01:02,500`` (a :class:`UsageError` otherwise)."""
    match = _TIME.match(str(text).strip())
    if not match:
        raise UsageError(f"time {text!r} is not understood", hint="give seconds (12.5) or [HH:]MM:SS[.mmm]")
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds.replace(",", "."))


@dataclass
class _Setup:
    info: MediaInfo
    track: Track
    caption: commands.Caption
    fit: commands.FrameFit | None
    watermark: commands.Watermark | None = None

    @property
    def size(self) -> tuple[int, int] | None:
        return (self.info.width, self.info.height) if self.info.width and self.info.height else None


def _setup(project: Project, video_id: str, language: str, profile_name: str, runner: FfmpegRunner) -> _Setup:
    video = project.video(video_id)
    path = project.track_path(video_id, language)
    if not path.is_file():
        have = ", ".join(project.track_languages(video_id)) or "none"
        raise UsageError(f"no {language} track for {video_id}: {path.relative_to(project.root)} does not exist",
                         hint=f"tracks of {video_id}: {have}")
    cache = WorkCache(project.dist / WORK / "cache.json")
    info = cache.probe(video.source, runner)
    track = load_track(project, video_id, language)
    profile = load_profile(project, profile_name, video_id)
    size = (info.width, info.height) if info.width and info.height else None
    caption, fontset, _inputs, files, links = caption_for(project, video, language, track, profile,
                                                         compose_srt(track), cache, size)
    fonts.check_glyphs(track, fontset, path.relative_to(project.root))
    materialize(files, links)
    cache.save()
    fit = profile.frame(info.width, info.height) if info.width and info.height else None
    # The banner of a --drafts render: a track that is not a person's and not yet fully approved. (Whether an
    # approved track also passes the check is the gate's business at render time, not the frame's.)
    state = track_state(project, video_id, language)
    draft = state.origin != "human" and not state.reviewed
    watermark = commands.Watermark(DRAFT_BANNER, fonts.ui_font()) if draft else None
    return _Setup(info, track, caption, fit, watermark)


def preview_frame(project: Project, video_id: str, language: str, at: float, output: Path, *,
                  profile: str = "web", runner: FfmpegRunner | None = None) -> Path:
    """Write the captioned frame at ``at`` seconds to ``output`` (PNG)."""
    runner = runner or FfmpegRunner()
    setup = _setup(project, video_id, language, profile, runner)
    if not 0 <= at < setup.info.duration:
        raise UsageError(f"time {at:.3f} s is outside {video_id} (0 to {setup.info.duration:.3f} s)")
    output = Path(output)
    with atomic_path(output) as tmp:
        runner.run(commands.caption_frame(project.video(video_id).source, at, setup.caption, tmp, fit=setup.fit,
                                          source_size=setup.size, watermark=setup.watermark))
    return output


@dataclass
class Sheet:
    path: Path
    cues: list[int]  # 1-based numbers of the cues shown, in order
    columns: int
    rows: int


def contact_sheet(
    project: Project, video_id: str, language: str, output: Path, *, every: int = 1, profile: str = "web",
    columns: int = 4, thumb_width: int = 320, runner: FfmpegRunner | None = None,
    on_frame: Callable[[int, int], None] | None = None,
) -> Sheet:
    """Write a contact sheet: the frame in the middle of every ``every``-th cue, each labelled with its
    cue number and start time, tiled ``columns`` wide. ``on_frame(done, total)`` reports progress."""
    if every < 1:
        raise UsageError("--every must be at least 1")
    runner = runner or FfmpegRunner()
    setup = _setup(project, video_id, language, profile, runner)
    chosen = [(n, cue) for n, cue in enumerate(setup.track.cues, start=1) if (n - 1) % every == 0]
    if not chosen:
        raise UsageError(f"the {language} track of {video_id} has no cues to show")
    frame_width = setup.fit.width if setup.fit else (setup.info.width or thumb_width)
    width = min(thumb_width, frame_width)
    width -= width % 2
    label_font = fonts.ui_font()
    source = project.video(video_id).source
    columns = max(1, min(columns, len(chosen)))
    rows = math.ceil(len(chosen) / columns)
    with tempfile.TemporaryDirectory(prefix="pipeline-sheet-") as tmp:
        for i, (number, cue) in enumerate(chosen, start=1):
            at = min((cue.start + cue.end) / 2000, max(setup.info.duration - 0.001, 0))
            label = f"#{number}  {format_timestamp(cue.start, '.')}"
            runner.run(commands.caption_frame(source, at, setup.caption, Path(tmp) / f"{i:05d}.png", fit=setup.fit,
                                              source_size=setup.size, thumb_width=width, label=label,
                                              label_font=label_font, watermark=setup.watermark))
            if on_frame is not None:
                on_frame(i, len(chosen))
        with atomic_path(Path(output)) as out:
            runner.run(commands.tile_images(str(Path(tmp) / "%05d.png"), columns, rows, out))
    return Sheet(Path(output), [n for n, _ in chosen], columns, rows)
