"""ffmpeg command builders. Each returns an argv list (data), built with ffmpeg-python; nothing runs here.

The subtitle path is always passed to the ``subtitles`` filter as a keyword (``filename=``): ffmpeg-python
escapes a positional path twice and breaks names with ``: ' , [`` (see toolchain.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import ffmpeg

from pipeline import languages

#: libass lays out SRT input on a 288-line script: sizes and margins below are in those units,
#: so they scale with the video's height.
SCRIPT_HEIGHT = 288


@dataclass(frozen=True)
class BurnStyle:
    """How burned-in captions look. Sizes are fractions of the picture height."""

    font: str = "Noto Sans"
    size: float = 0.060  # of height: ~43 px at 720p
    outline: float = 0.0065  # outline width, of height
    box: bool = False  # opaque box behind the text instead of an outline
    colour: str = "FFFFFF"  # RRGGBB
    outline_colour: str = "000000"
    margin_bottom: float = 0.10  # title-safe: 10% of height
    margin_sides: float = 0.10
    bold: bool = False
    alignment: int = 2  # numpad position: 2 = bottom centre, 8 = top centre

    @staticmethod
    def _ass_colour(rrggbb: str, alpha: str = "00") -> str:
        rr, gg, bb = rrggbb[0:2], rrggbb[2:4], rrggbb[4:6]
        return f"&H{alpha}{bb}{gg}{rr}".upper()

    def force_style(self) -> str:
        """The libass ``force_style`` string."""
        fields = {
            "FontName": self.font,
            "FontSize": f"{self.size * SCRIPT_HEIGHT:.1f}",
            "PrimaryColour": self._ass_colour(self.colour),
            "OutlineColour": self._ass_colour(self.outline_colour),
            "BackColour": self._ass_colour(self.outline_colour, "40"),
            "Bold": "1" if self.bold else "0",
            "BorderStyle": "3" if self.box else "1",
            "Outline": f"{max(self.outline * SCRIPT_HEIGHT, 0.5 if self.box else 0):.1f}",
            "Shadow": "0",
            "Alignment": str(self.alignment),
            "MarginV": str(round(self.margin_bottom * SCRIPT_HEIGHT)),
            "MarginL": str(round(self.margin_sides * SCRIPT_HEIGHT)),
            "MarginR": str(round(self.margin_sides * SCRIPT_HEIGHT)),
        }
        return ",".join(f"{k}={v}" for k, v in fields.items())


@dataclass(frozen=True)
class Encoding:
    """Video/audio encode settings for burned-in outputs."""

    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "128k"


@dataclass(frozen=True)
class Watermark:
    """A visible banner drawn into the picture (machine drafts)."""

    text: str
    fontfile: str | None = None


def burn_in(
    source: Path, subtitles: Path, output: Path, *, has_audio: bool = True,
    style: BurnStyle = BurnStyle(), encoding: Encoding = Encoding(), watermark: Watermark | None = None,
    fonts_dir: Path | None = None,
) -> list[str]:
    """argv: captions rendered into the picture, H.264/AAC MP4 with ``+faststart``."""
    src = ffmpeg.input(str(source))
    sub_args = {"filename": str(subtitles), "force_style": style.force_style()}
    if fonts_dir is not None:
        sub_args["fontsdir"] = str(fonts_dir)
    video = src["v:0"].filter("subtitles", **sub_args)
    if watermark is not None:
        draw = {"text": watermark.text, "fontcolor": "white", "fontsize": "h*0.045", "box": 1,
                "boxcolor": "red@0.75", "boxborderw": 12, "x": "(w-text_w)/2", "y": "h*0.05"}
        if watermark.fontfile:
            draw["fontfile"] = watermark.fontfile
        video = video.drawtext(**draw)
    streams = [video] + ([src["a:0"]] if has_audio else [])
    kwargs = {"vcodec": "libx264", "preset": encoding.preset, "crf": encoding.crf, "pix_fmt": "yuv420p",
              "movflags": "+faststart"}
    if has_audio:
        kwargs.update({"acodec": "aac", "b:a": encoding.audio_bitrate})
    out = ffmpeg.output(*streams, str(output), **kwargs)
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)


@dataclass(frozen=True)
class SoftTrack:
    path: Path
    language: str  # BCP-47
    title: str
    default: bool = False


def soft_subtitles(
    source: Path, tracks: Sequence[SoftTrack], output: Path, *, container: str, has_audio: bool = True,
) -> list[str]:
    """argv: video and audio copied, every track added as a switchable subtitle stream.

    ``container`` is ``mp4`` (mov_text; MP4 drops titles) or ``mkv`` (SRT with language and title).
    """
    if container not in ("mp4", "mkv"):
        raise ValueError(f"unsupported container {container!r}")
    src = ffmpeg.input(str(source))
    streams = [src["v:0"]] + ([src["a:0"]] if has_audio else [])
    kwargs: dict[str, object] = {"c:v": "copy", "c:a": "copy", "c:s": "mov_text" if container == "mp4" else "srt"}
    for n, track in enumerate(tracks):
        streams.append(ffmpeg.input(str(track.path), f="srt", sub_charenc="UTF-8")["s:0"])
        kwargs[f"metadata:s:s:{n}"] = f"language={languages.to_iso639_2(track.language)}"
        kwargs[f"disposition:s:{n}"] = "default" if track.default else "0"
    if container == "mp4":
        kwargs["movflags"] = "+faststart"
    out = ffmpeg.output(*streams, str(output), **kwargs)
    argv = ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)
    if container == "mkv":
        # Titles need a second metadata key per stream, which ffmpeg-python's kwargs cannot repeat:
        # insert them just before the output file.
        extra: list[str] = []
        for n, track in enumerate(tracks):
            extra += [f"-metadata:s:s:{n}", f"title={track.title}"]
        at = len(argv) - 1 - argv[::-1].index(str(output))
        argv = argv[:at] + extra + argv[at:]
    return argv


def extract_subtitle(source: Path, stream_index: int, output: Path) -> list[str]:
    """argv: one embedded text subtitle stream (absolute stream index) to SRT."""
    src = ffmpeg.input(str(source))
    out = ffmpeg.output(src[str(stream_index)], str(output), **{"c:s": "srt", "f": "srt"})
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)
