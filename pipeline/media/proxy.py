"""Browser-playable copies of a source video, for the review page. Builders return argv lists (data),
built with ffmpeg-python like :mod:`pipeline.media.commands`; nothing runs here.

Every browser plays H.264/AAC in MP4 and VP8/VP9/AV1 with Opus/Vorbis in WebM. A source that already is
one of those is used as it is (no command at all); H.264 in another container (MOV, MKV) is remuxed to MP4
without re-encoding; anything else gets a small VP9/Opus WebM proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from pipeline.media.probe import MediaInfo

#: Containers by file extension, and the codecs browsers decode in them.
_PLAYABLE = {
    "video/mp4": ({".mp4", ".m4v"}, {"h264"}, {"aac", "mp3", "opus"}),
    "video/webm": ({".webm"}, {"vp8", "vp9", "av1"}, {"opus", "vorbis"}),
}
_REMUXABLE_VIDEO = {"h264"}
_REMUXABLE_AUDIO = {"aac", "mp3"}

#: Proxy picture height: enough to read burned-in text and faces' expressions, small enough to encode fast.
PROXY_HEIGHT = 480


@dataclass(frozen=True)
class BrowserMedia:
    """How to put a source in front of a browser."""

    method: str  # "as-is" | "remux" | "proxy"
    mime: str  # type of the file the page points at
    suffix: str  # its extension


def browser_media(info: MediaInfo) -> BrowserMedia:
    """Decide how a browser gets to play the probed source."""
    video = [s.codec for s in info.of_kind("video")][:1]
    audio = [s.codec for s in info.of_kind("audio")][:1]
    suffix = info.path.suffix.lower()
    for mime, (suffixes, vcodecs, acodecs) in _PLAYABLE.items():
        if suffix in suffixes and set(video) <= vcodecs and video and set(audio) <= acodecs:
            return BrowserMedia("as-is", mime, suffix)
    if video and set(video) <= _REMUXABLE_VIDEO and set(audio) <= _REMUXABLE_AUDIO:
        return BrowserMedia("remux", "video/mp4", ".mp4")
    return BrowserMedia("proxy", "video/webm", ".webm")


def mp4_remux(source: Path, output: Path, *, has_audio: bool = True) -> list[str]:
    """argv: the first video and audio streams copied into an MP4 with the index up front."""
    src = ffmpeg.input(str(source))
    streams = [src["v:0"]] + ([src["a:0"]] if has_audio else [])
    out = ffmpeg.output(*streams, str(output), c="copy", movflags="+faststart")
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)


def proxy_height(source_height: int | None, limit: int = PROXY_HEIGHT) -> int:
    """Picture height of the proxy: the source's, capped at ``limit``, even (VP9 with 4:2:0 needs it)."""
    height = min(source_height or limit, limit)
    return max(2, height - height % 2)


def webm_proxy(source: Path, output: Path, *, has_audio: bool = True, height: int = PROXY_HEIGHT) -> list[str]:
    """argv: a small VP9/Opus WebM for review in any browser (realtime speed settings: seconds, not minutes)."""
    src = ffmpeg.input(str(source))
    video = src["v:0"].filter("scale", -2, height)
    streams = [video] + ([src["a:0"]] if has_audio else [])
    kwargs: dict[str, object] = {
        "c:v": "libvpx-vp9", "deadline": "realtime", "cpu-used": 8, "row-mt": 1, "b:v": 0, "crf": 36,
        "pix_fmt": "yuv420p",
    }
    if has_audio:
        kwargs.update({"c:a": "libopus", "b:a": "64k"})
    out = ffmpeg.output(*streams, str(output), **kwargs)
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)
