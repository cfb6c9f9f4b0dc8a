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


@dataclass(frozen=True)
class FrameFacts:
    """The frames of a file's first video stream, from one demux pass (no decoding): what segment encodes need.

    ``start`` is the first frame's time from the file's start (what ffmpeg's timeline calls 0);
    ``constant`` says every frame lasts exactly ``1 / rate`` (a constant frame rate);
    ``keyframes`` are frame numbers (in display order) a decoder can start at.
    """

    count: int
    rate: Fraction | None
    start: float
    constant: bool
    keyframes: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        return {"count": self.count, "rate": str(self.rate) if self.rate else None, "start": self.start,
                "constant": self.constant, "keyframes": list(self.keyframes)}

    @classmethod
    def from_dict(cls, data: dict) -> "FrameFacts":
        return cls(int(data["count"]), Fraction(data["rate"]) if data.get("rate") else None, float(data["start"]),
                   bool(data["constant"]), tuple(int(k) for k in data.get("keyframes") or ()))

    def key_before(self, frame: int) -> int:
        """The last keyframe at or before ``frame`` (where a decoder seeking to it starts)."""
        best = 0
        for key in self.keyframes:
            if key > frame:
                break
            best = key
        return best


def frame_facts(path: Path | str, runner: FfmpegRunner | None = None) -> FrameFacts:
    """Count and time the video frames of a file by listing its packets (ffprobe demuxes; nothing is decoded)."""
    path = Path(path)
    runner = runner or FfmpegRunner()
    code, out, err = runner.ffprobe_json(["-select_streams", "v:0", "-show_entries",
                                          "packet=pts,flags:stream=time_base,start_time,r_frame_rate,avg_frame_rate"
                                          ":format=start_time", str(path)])
    if code != 0:
        tail = meaningful_tail(err, 1)
        raise MediaError(path, f"its frames could not be listed ({tail[-1] if tail else 'ffprobe failed'})",
                         hint="check the file is complete and playable")
    data = json.loads(out or "{}")
    streams = data.get("streams") or [{}]
    stream = streams[0]
    try:
        base = Fraction(stream.get("time_base") or "1/1")
    except (ValueError, ZeroDivisionError):
        base = Fraction(1)
    rate = _fraction(stream.get("r_frame_rate")) or _fraction(stream.get("avg_frame_rate"))
    packets = [(int(p["pts"]), "K" in (p.get("flags") or "")) for p in data.get("packets", [])
               if str(p.get("pts", "")).lstrip("-").isdigit()]
    packets.sort()
    try:
        format_start = float((data.get("format") or {}).get("start_time") or 0.0)
    except ValueError:
        format_start = 0.0
    start = float(packets[0][0] * base) - format_start if packets else 0.0
    constant = False
    if rate and len(packets) > 1:
        step = 1 / (rate * base)  # ticks per frame
        constant = all(abs((b[0] - a[0]) - step) <= 1 for a, b in zip(packets, packets[1:]))
    keyframes = tuple(i for i, (_pts, key) in enumerate(packets) if key)
    return FrameFacts(len(packets), rate, round(start, 6), constant, keyframes)
