"""What a media file holds, from ffprobe JSON, as plain dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from pipeline.errors import MediaError
from pipeline.media.runner import FfmpegRunner, meaningful_tail


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: str  # video, audio, subtitle, data
    codec: str
    language: str | None = None  # ISO 639-2 as stored in the container
    title: str | None = None
    default: bool = False


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    format_name: str
    duration: float
    width: int | None = None
    height: int | None = None
    frame_rate: Fraction | None = None
    streams: tuple[StreamInfo, ...] = field(default_factory=tuple)

    def of_kind(self, kind: str) -> list[StreamInfo]:
        return [s for s in self.streams if s.kind == kind]

    @property
    def has_video(self) -> bool:
        return bool(self.of_kind("video"))

    @property
    def has_audio(self) -> bool:
        return bool(self.of_kind("audio"))

    @property
    def frame_ms(self) -> float:
        """Duration of one frame in ms (25 fps when unknown)."""
        fps = self.frame_rate or Fraction(25)
        return 1000.0 / float(fps)

    def to_dict(self) -> dict:
        return {
            "path": str(self.path),
            "format": self.format_name,
            "duration": round(self.duration, 3),
            "width": self.width,
            "height": self.height,
            "frame_rate": str(self.frame_rate) if self.frame_rate else None,
            "streams": [s.__dict__ for s in self.streams],
        }


def _fraction(raw: str | None) -> Fraction | None:
    if not raw or raw in ("0/0", "0"):
        return None
    try:
        value = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def probe(path: Path | str, runner: FfmpegRunner | None = None) -> MediaInfo:
    """Probe a media file. A missing, unreadable or corrupt file raises :class:`MediaError`."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(path, "file not found")
    runner = runner or FfmpegRunner()
    code, out, err = runner.probe_json(str(path))
    if code != 0:
        tail = meaningful_tail(err, 1)
        raise MediaError(path, f"not a readable media file ({tail[-1] if tail else 'ffprobe failed'})",
                         hint="check the file is complete and playable")
    data = json.loads(out or "{}")
    fmt = data.get("format", {})
    streams = []
    width = height = None
    rate = None
    for s in data.get("streams", []):
        kind = s.get("codec_type", "data")
        tags = {k.lower(): v for k, v in (s.get("tags") or {}).items()}
        if kind == "video" and (s.get("disposition") or {}).get("attached_pic"):
            kind = "attachment"
        streams.append(StreamInfo(
            index=int(s.get("index", len(streams))), kind=kind, codec=s.get("codec_name", "?"),
            language=tags.get("language"), title=tags.get("title"),
            default=bool((s.get("disposition") or {}).get("default")),
        ))
        if kind == "video" and width is None:
            width, height = s.get("width"), s.get("height")
            rate = _fraction(s.get("avg_frame_rate")) or _fraction(s.get("r_frame_rate"))
    try:
        duration = float(fmt.get("duration") or 0.0)
    except ValueError:
        duration = 0.0
    return MediaInfo(path, fmt.get("format_name", "?"), duration, width, height, rate, tuple(streams))


def probe_video(path: Path | str, runner: FfmpegRunner | None = None) -> MediaInfo:
    """Probe a file that must be a playable video with sound (a source for captioned renders)."""
    info = probe(path, runner)
    if not info.has_video:
        raise MediaError(path, "has no video stream", hint="give a video file")
    if info.duration <= 0:
        raise MediaError(path, "has no duration (truncated or not a playable video?)", hint="re-export the video")
    return info
