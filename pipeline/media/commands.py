"""ffmpeg command builders. Each returns an argv list (data), built with ffmpeg-python; nothing runs here.

The subtitle path is always passed to the ``subtitles`` filter as a keyword (``filename=``): ffmpeg-python
escapes a positional path twice and breaks names with ``: ' , [`` (see toolchain.md).

Captions are drawn *after* the picture is fitted to the output frame (scaled, padded or cropped), so
libass lays them out on the output frame and the margins keep them inside its title-safe area.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from pipeline import languages


class _FfmpegPython:
    """ffmpeg-python, imported when a command is first built: ``status`` and ``check`` read the profiles, whose
    settings are this module's data classes, and never build a command (ffmpeg-python and the subprocess
    machinery it imports were ~15 ms of their start-up)."""

    def __getattr__(self, name: str):
        import ffmpeg as module

        return getattr(module, name)


ffmpeg = _FfmpegPython()

#: ffmpeg turns SRT into ASS on a 384x288 script (its default PlayResX/PlayResY): libass scales script
#: units to the frame, so sizes and margins given in these units follow any resolution.
SCRIPT_WIDTH = 384
SCRIPT_HEIGHT = 288

#: Centred caption positions. libass applies ``force_style`` Alignment in the legacy SSA numbering
#: (bottom 1-3, top 5-7, middle 9-11), not the numpad of ASS style lines: numpad 8 came out middle-left.
POSITIONS = {"bottom": 2, "middle": 10, "top": 6}


@dataclass(frozen=True)
class BurnStyle:
    """How burned-in captions look. Sizes are fractions of the output frame's height, side margins of
    its width; margins are measured to the visible edge of the text (outline included)."""

    font: str = "auto"  # a font family, or "auto": chosen per script by pipeline.fonts
    size: float = 0.060  # of height: ~43 px at 720p
    outline: float = 0.0065  # outline width, of height
    box: bool = False  # opaque box behind the text instead of an outline
    box_opacity: float = 0.75  # 0 (clear) .. 1 (solid), with box = true
    colour: str = "FFFFFF"  # RRGGBB
    outline_colour: str = "000000"  # the outline's colour, or the box's with box = true
    margin_vertical: float = 0.10  # from the bottom (from the top when position = "top"): title-safe 10%
    margin_sides: float = 0.10  # left and right, of width
    bold: bool = False
    position: str = "bottom"  # bottom | middle | top

    @staticmethod
    def _ass_colour(rrggbb: str, alpha: str = "00") -> str:
        rr, gg, bb = rrggbb[0:2], rrggbb[2:4], rrggbb[4:6]
        return f"&H{alpha}{bb}{gg}{rr}".upper()

    def force_style(self, font_name: str | None = None, frame: tuple[int, int] | None = None,
                    rtl: bool = False, size_scale: float = 1.0, area: Insets | None = None) -> str:
        """The libass ``force_style`` string for captions drawn on a ``frame`` (width, height).

        ``font_name`` is the resolved family (default: ``font``); ``size_scale`` corrects the size for
        a font whose full height differs from Noto Sans's (see pipeline.fonts). ``rtl`` makes libass find each
        paragraph's base direction (``Encoding=-1``) instead of VSFilter's always-left-to-right, which
        puts an Arabic or Hebrew sentence's final punctuation on the wrong side. ``area``: the insets of the
        frame captions must stay out of (a profile's safe zone); the margins are measured from its edges.
        """
        width, height = frame or (SCRIPT_WIDTH, SCRIPT_HEIGHT)
        area = area or Insets()
        border = 0.15 * self.size * size_scale if self.box else self.outline  # box padding or outline
        # Margins to the ink: add the border, which libass draws outside the layout box.
        edge = area.top if self.position == "top" else area.bottom
        margin_v = (edge + self.margin_vertical + border) * SCRIPT_HEIGHT

        def side(inset: float) -> int:
            return round(((inset + self.margin_sides) * width + border * height) * SCRIPT_WIDTH / width)

        alpha = f"{round((1 - self.box_opacity) * 255):02X}" if self.box else "00"
        fields = {
            "FontName": font_name or self.font,
            "FontSize": f"{self.size * size_scale * SCRIPT_HEIGHT:.1f}",
            "PrimaryColour": self._ass_colour(self.colour),
            "OutlineColour": self._ass_colour(self.outline_colour, alpha),
            "BackColour": self._ass_colour(self.outline_colour, alpha),
            "Bold": "1" if self.bold else "0",
            "BorderStyle": "3" if self.box else "1",
            # With a box, Outline is the box's padding around the text.
            "Outline": f"{border * SCRIPT_HEIGHT:.1f}",
            "Shadow": "0",
            "Alignment": str(POSITIONS[self.position]),
            "MarginV": str(round(margin_v)),
            "MarginL": str(side(area.left)),
            "MarginR": str(side(area.right)),
        }
        if rtl:
            fields["Encoding"] = "-1"
        return ",".join(f"{k}={v}" for k, v in fields.items())


@dataclass(frozen=True)
class Insets:
    """Fractions of the frame kept clear at each edge (of its height at the top and bottom, of its width at
    the sides): a profile's safe zone, where an app draws its own buttons and text over the video."""

    top: float = 0.0
    bottom: float = 0.0
    left: float = 0.0
    right: float = 0.0


@dataclass(frozen=True)
class Encoding:
    """Video/audio encode settings for burned-in outputs."""

    preset: str = "veryfast"
    crf: int = 23
    audio_bitrate: str = "128k"


#: How the picture fills a frame of another shape: ``pad`` (the whole picture, bars of ``pad_colour``
#: around it), ``blur`` (the whole picture over a blurred, enlarged copy of itself: no bars), ``crop`` (the
#: frame filled, the sides or top and bottom cut off).
FITS = ("pad", "blur", "crop")
#: The blurred fill is made at 1/BLUR_SHRINK of the frame's size and scaled back up: a wide blur for a
#: fraction of the cost of blurring the full frame (bench/build.py measures blur against pad).
BLUR_SHRINK = 8
BLUR_RADIUS = 6  # boxblur radius at the shrunk size: ~50 px of a 1080-wide frame
BLUR_DIM = -0.08  # the fill is a little darker than the picture, so the picture and the captions stand out


@dataclass(frozen=True)
class FrameFit:
    """Fit the picture into a ``width`` x ``height`` output frame (see :data:`FITS`)."""

    width: int
    height: int
    fit: str = "pad"  # pad | blur | crop
    pad_colour: str = "000000"
    crop_x: float = 0.5  # crop: where the frame sits across a wider picture (0 left edge, 0.5 centre, 1 right)

    def picture_box(self, source_width: int, source_height: int) -> tuple[int, int, int, int]:
        """Where the picture lands in the frame: (x, y, width, height) in pixels. With ``crop`` it fills it."""
        if self.fit == "crop":
            return 0, 0, self.width, self.height
        scale = min(self.width / source_width, self.height / source_height)
        w = min(self.width, int(source_width * scale) // 2 * 2)
        h = min(self.height, int(source_height * scale) // 2 * 2)
        return (self.width - w) // 2, (self.height - h) // 2, w, h


@dataclass(frozen=True)
class Caption:
    """A subtitle file burned in with a style and explicitly chosen fonts, kept out of ``area``."""

    subtitles: Path
    style: BurnStyle = BurnStyle()
    font_name: str | None = None  # resolved family; default style.font
    fonts_dir: Path | None = None  # a folder holding just the chosen font files
    rtl: bool = False
    size_scale: float = 1.0
    area: Insets = Insets()  # the frame's edges captions keep out of (a profile's safe zone)


@dataclass(frozen=True)
class Watermark:
    """A visible banner drawn into the picture (machine drafts)."""

    text: str
    fontfile: str | None = None


@dataclass(frozen=True)
class ContainerTags:
    """What a published file says about itself: the video's title (container metadata) and the language
    of its audio (the audio stream's ISO 639-2 tag; players and platforms read it, ``und`` otherwise)."""

    title: str | None = None
    audio_language: str | None = None  # BCP-47

    def output_kwargs(self, has_audio: bool) -> dict[str, str]:
        """ffmpeg output options writing these tags (MP4 and MKV keep both)."""
        kwargs = {}
        if self.title:
            kwargs["metadata"] = f"title={self.title}"
        if self.audio_language and has_audio:
            kwargs["metadata:s:a:0"] = f"language={languages.to_iso639_2(self.audio_language)}"
        return kwargs


@dataclass(frozen=True)
class BurnOutput:
    """One burned-in output of a source: its caption, frame, encode and file."""

    caption: Caption
    output: Path
    fit: FrameFit | None = None
    encoding: Encoding = Encoding()
    watermark: Watermark | None = None
    source_size: tuple[int, int] | None = field(default=None, compare=False)
    tags: ContainerTags = ContainerTags()


def blur_radius(width: int, height: int) -> int:
    """The blurred fill's boxblur radius at its shrunk size: :data:`BLUR_RADIUS`, or less for a small frame.
    ffmpeg refuses a radius over a quarter of the shorter side (half a 4:2:0 chroma plane's): a 180x320
    vertical frame is blurred at 22x40, where 6 failed the output and its poster."""
    return max(1, min(BLUR_RADIUS, min(width, height) // 4))


def fit_picture(stream, fit: FrameFit | None):
    """Scale the picture into the frame, then pad it (letterbox/pillarbox), lay it over a blurred copy of
    itself, or crop it (at ``crop_x`` across, centred down)."""
    if fit is None:
        return stream
    if fit.fit == "crop":
        stream = stream.filter("scale", fit.width, fit.height, force_original_aspect_ratio="increase")
        stream = stream.filter("crop", fit.width, fit.height, f"(iw-ow)*{fit.crop_x:g}", "(ih-oh)/2")
    elif fit.fit == "blur":
        copies = stream.split()
        front, back = copies[0], copies[1]
        small_w, small_h = max(2, fit.width // BLUR_SHRINK), max(2, fit.height // BLUR_SHRINK)
        back = (back.filter("scale", small_w, small_h, force_original_aspect_ratio="increase")
                .filter("crop", small_w, small_h)
                .filter("boxblur", luma_radius=blur_radius(small_w, small_h), luma_power=2)
                .filter("eq", brightness=BLUR_DIM)
                .filter("scale", fit.width, fit.height)
                .filter("setsar", 1))
        front = front.filter("scale", fit.width, fit.height, force_original_aspect_ratio="decrease",
                             force_divisible_by=2).filter("setsar", 1)
        stream = ffmpeg.overlay(back, front, x="(W-w)/2", y="(H-h)/2")
    else:
        stream = stream.filter("scale", fit.width, fit.height, force_original_aspect_ratio="decrease",
                               force_divisible_by=2)
        stream = stream.filter("pad", fit.width, fit.height, "(ow-iw)/2", "(oh-ih)/2",
                               color=f"0x{fit.pad_colour}")
    return stream.filter("setsar", 1)


def draw_caption(stream, caption: Caption, frame: tuple[int, int] | None):
    """The libass ``subtitles`` filter with the caption's style and fonts."""
    args = {"filename": str(caption.subtitles),
            "force_style": caption.style.force_style(caption.font_name, frame, caption.rtl, caption.size_scale,
                                                     caption.area)}
    if caption.fonts_dir is not None:
        args["fontsdir"] = str(caption.fonts_dir)
    return stream.filter("subtitles", **args)


def draw_banner(stream, watermark: Watermark | None):
    if watermark is None:
        return stream
    draw = {"text": watermark.text, "fontcolor": "white", "fontsize": "h*0.045", "box": 1,
            "boxcolor": "red@0.75", "boxborderw": 12, "x": "(w-text_w)/2", "y": "h*0.05"}
    if watermark.fontfile:
        draw["fontfile"] = watermark.fontfile
    return stream.drawtext(**draw)


def _frame_of(out: BurnOutput) -> tuple[int, int] | None:
    return (out.fit.width, out.fit.height) if out.fit else out.source_size


def _encode_kwargs(encoding: Encoding, has_audio: bool, tags: ContainerTags = ContainerTags()) -> dict:
    kwargs = {"vcodec": "libx264", "preset": encoding.preset, "crf": encoding.crf, "pix_fmt": "yuv420p",
              "movflags": "+faststart"}
    if has_audio:
        kwargs.update({"acodec": "aac", "b:a": encoding.audio_bitrate})
    return kwargs | tags.output_kwargs(has_audio)


def burn_in_many(source: Path, outputs: Sequence[BurnOutput], *, has_audio: bool = True) -> list[str]:
    """argv: one decode of ``source`` split into several burned-in outputs (one x264 encode each)."""
    if not outputs:
        raise ValueError("no outputs")
    src = ffmpeg.input(str(source))
    video = src["v:0"]
    branches = [video] if len(outputs) == 1 else [video.split()[i] for i in range(len(outputs))]
    nodes = []
    for branch, out in zip(branches, outputs):
        picture = fit_picture(branch, out.fit)
        picture = draw_banner(draw_caption(picture, out.caption, _frame_of(out)), out.watermark)
        streams = [picture] + ([src["a:0"]] if has_audio else [])
        nodes.append(ffmpeg.output(*streams, str(out.output), **_encode_kwargs(out.encoding, has_audio, out.tags)))
    graph = nodes[0] if len(nodes) == 1 else ffmpeg.merge_outputs(*nodes)
    return ffmpeg.compile(graph, cmd="ffmpeg", overwrite_output=True)


#: x264 settings every segment encode adds: one thread (a build runs one encode per core, -j), and an IDR
#: frame (closed GOP) forced at every segment start, so each segment decodes alone and joins cleanly.
SEGMENT_THREADS = 1


@dataclass(frozen=True)
class SegmentRun:
    """Frames ``first`` .. ``first + count - 1`` of a source, cut every ``per_segment`` frames.

    ``seek`` is where the input is opened (seconds from the file's start; None: from the start), half a frame
    before frame ``first`` so the seek lands on it exactly; ``at`` is the source time of frame ``first``.
    The picture's timestamps are put back to source time before the captions are drawn, so libass draws the
    cues of that moment: restarted at zero, then shifted by ``at`` rounded to a whole tick of the stream's
    time base. (Shifting by the seek point instead left frames a tick early whenever it is not a whole number
    of ticks, as at 30 fps, and libass, which truncates to milliseconds, drew a cue that starts exactly on a
    frame one frame late.)
    """

    first: int
    count: int
    per_segment: int
    seek: float | None = None
    at: float = 0.0


def encode_segments(source: Path, outputs: Sequence[BurnOutput], run: SegmentRun) -> list[str]:
    """argv: one decode of part of ``source`` split into several burned-in outputs, each written as MPEG-TS
    segments of exactly ``run.per_segment`` frames (its ``output`` is a file pattern such as ``dir/o0_%04d.ts``).

    Video only (the audio is encoded once for the whole output); one thread per encode; an IDR frame forced
    at every segment start; frames passed through as they are (``-fps_mode passthrough``: a constant-rate
    output would repeat the first frame to fill the time before a seek point) and exactly ``run.count`` of them.
    """
    if not outputs:
        raise ValueError("no outputs")
    if run.seek:
        src = ffmpeg.input(str(source), ss=f"{run.seek:.6f}", threads=SEGMENT_THREADS)
        video = src["v:0"].setpts(f"PTS-STARTPTS+round({run.at:.9f}/TB)")  # libass sees source time
    else:
        src = ffmpeg.input(str(source), threads=SEGMENT_THREADS)
        video = src["v:0"]
    branches = [video] if len(outputs) == 1 else [video.split()[i] for i in range(len(outputs))]
    cuts = list(range(run.per_segment, run.count, run.per_segment)) + [run.count]
    nodes = []
    for branch, out in zip(branches, outputs):
        picture = draw_banner(draw_caption(fit_picture(branch, out.fit), out.caption, _frame_of(out)), out.watermark)
        nodes.append(ffmpeg.output(picture, str(out.output), **{
            "an": None, "vcodec": "libx264", "preset": out.encoding.preset, "crf": out.encoding.crf,
            "pix_fmt": "yuv420p", "threads": SEGMENT_THREADS,
            "force_key_frames": f"expr:eq(mod(n,{run.per_segment}),0)", "forced-idr": 1,
            "fps_mode": "passthrough", "frames:v": run.count,
            "f": "segment", "segment_format": "mpegts", "segment_frames": ",".join(map(str, cuts)),
        }))
    graph = nodes[0] if len(nodes) == 1 else ffmpeg.merge_outputs(*nodes)
    argv = ffmpeg.compile(graph, cmd="ffmpeg", overwrite_output=True)
    return argv[:1] + ["-filter_complex_threads", str(SEGMENT_THREADS)] + argv[1:]


def encode_audio(source: Path, output: Path, encoding: Encoding) -> list[str]:
    """argv: the source's first audio stream encoded once (AAC) for every output that carries it.

    Encoding audio per segment would add an AAC priming frame at every join: audible clicks."""
    src = ffmpeg.input(str(source))
    out = ffmpeg.output(src["a:0"], str(output), acodec="aac", **{"b:a": encoding.audio_bitrate})
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)


def join_segments(segment_list: Path, audio: Path | None, output: Path, *, timescale: int,
                  video_offset: float = 0.0, tags: ContainerTags = ContainerTags()) -> list[str]:
    """argv: the segments named in an ffconcat ``segment_list`` joined by stream copy, with the audio, into a
    ``+faststart`` MP4 whose video track has ``timescale`` (what an MP4 encoded in one piece gets; MPEG-TS
    would leave 1/90000). ``video_offset``: seconds the source's first frame starts after its audio.
    ``tags``: the file's title and its audio's language, as an output encoded in one piece has them."""
    options: dict[str, object] = {"f": "concat", "safe": 0}
    if video_offset:
        options["itsoffset"] = f"{video_offset:.6f}"
    streams = [ffmpeg.input(str(segment_list), **options)["v:0"]]
    if audio is not None:
        streams.append(ffmpeg.input(str(audio))["a:0"])
    out = ffmpeg.output(*streams, str(output), c="copy", movflags="+faststart", video_track_timescale=timescale,
                        **tags.output_kwargs(audio is not None))
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)


def segment_check_args(path: Path) -> list[str]:
    """ffprobe arguments that list every video packet of ``path`` (time, keyframe flag) and decode its
    keyframes: every segment's first frame, where the joins are. Cheap: no other frame is decoded."""
    return ["-skip_frame", "nokey", "-count_frames", "-select_streams", "v:0", "-show_entries",
            "packet=pts,flags:stream=nb_read_frames,time_base,width,height:format=duration", str(path)]


def caption_frame(
    source: Path, at: float, caption: Caption, output: Path, *, fit: FrameFit | None = None,
    source_size: tuple[int, int] | None = None, thumb_width: int | None = None,
    label: str | None = None, label_font: str | None = None, watermark: Watermark | None = None,
) -> list[str]:
    """argv: the captioned picture at ``at`` seconds as one PNG (optionally shrunk and labelled, and with
    the banner of ``watermark`` drawn as in a burned-in output).

    Seeks the input (fast) and keeps the source timestamps (``-copyts``) so libass shows the cue that
    is on screen at ``at``.
    """
    src = ffmpeg.input(str(source), ss=f"{at:.3f}")
    picture = fit_picture(src["v:0"], fit)
    frame = (fit.width, fit.height) if fit else source_size
    picture = draw_banner(draw_caption(picture, caption, frame), watermark)
    if thumb_width:
        picture = picture.filter("scale", thumb_width, -2)
    if label:
        draw = {"text": label, "fontcolor": "white", "fontsize": max(12, round((thumb_width or 320) / 18)),
                "box": 1, "boxcolor": "black@0.7",
                "boxborderw": 6, "x": 6, "y": 6}
        if label_font:
            draw["fontfile"] = label_font
        picture = picture.drawtext(**draw)
    out = ffmpeg.output(picture, str(output), vframes=1, f="image2", update=1)
    argv = ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)
    return argv[:1] + ["-copyts"] + argv[1:]


def poster_frame(source: Path, at: float, output: Path, *, fit: FrameFit | None = None) -> list[str]:
    """argv: the picture at ``at`` seconds, fitted to a profile's frame (no captions), as one JPEG."""
    src = ffmpeg.input(str(source), ss=f"{at:.3f}")
    picture = fit_picture(src["v:0"], fit).filter("format", "yuvj420p")
    out = ffmpeg.output(picture, str(output), vframes=1, f="image2", vcodec="mjpeg", update=1, **{"q:v": 2})
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)


def web_mp4(source: Path, output: Path, *, encoding: Encoding = Encoding(), has_audio: bool = True,
            tags: ContainerTags = ContainerTags()) -> list[str]:
    """argv: the picture and sound as H.264/AAC in an MP4 every browser plays (no captions: a page's
    ``<track>`` elements carry them), for a source browsers cannot play."""
    src = ffmpeg.input(str(source))
    streams = [src["v:0"]] + ([src["a:0"]] if has_audio else [])
    out = ffmpeg.output(*streams, str(output), **_encode_kwargs(encoding, has_audio, tags))
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)


def hls_segments(source: Path, playlist: Path, *, encoding: Encoding | None = None, has_audio: bool = True,
                 segment_seconds: int = 6, duration: float | None = None) -> list[str]:
    """argv: the picture and sound cut into MPEG-TS segments beside a VOD media ``playlist``
    (``<stem>NNN.ts``). Stream copy when ``encoding`` is None (the source is already H.264 and a sound
    browsers play); otherwise encoded with it, like the web MP4. Segments start at key frames."""
    src = ffmpeg.input(str(source))
    streams = [src["v:0"]] + ([src["a:0"]] if has_audio else [])
    if encoding is None:
        kwargs: dict = {"vcodec": "copy"} | ({"acodec": "copy"} if has_audio else {})
    else:
        kwargs = {k: v for k, v in _encode_kwargs(encoding, has_audio).items() if k != "movflags"}
        kwargs["force_key_frames"] = f"expr:gte(t,n_forced*{segment_seconds})"
    if duration:
        kwargs["t"] = f"{duration:.3f}"
    out = ffmpeg.output(*streams, str(playlist), f="hls", hls_time=segment_seconds, hls_playlist_type="vod",
                        hls_segment_filename=str(playlist.with_name(playlist.stem + "%03d.ts")), **kwargs)
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)


def tile_images(pattern: str, columns: int, rows: int, output: Path) -> list[str]:
    """argv: numbered PNGs (``pattern`` like ``dir/%04d.png``) tiled into one contact sheet PNG."""
    src = ffmpeg.input(pattern, f="image2", framerate=1)
    sheet = src.filter("tile", f"{columns}x{rows}", padding=4, margin=4, color="0x202020")
    out = ffmpeg.output(sheet, str(output), vframes=1, f="image2", update=1)
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)


@dataclass(frozen=True)
class SoftTrack:
    path: Path
    language: str  # BCP-47
    title: str | None = None  # default: the language's name in itself ("Español")
    default: bool = False

    @property
    def display_title(self) -> str:
        return self.title or languages.own_name(self.language)


def soft_subtitles(
    source: Path, tracks: Sequence[SoftTrack], output: Path, *, container: str, has_audio: bool = True,
    tags: ContainerTags = ContainerTags(),
    duration: float | None = None,
) -> list[str]:
    """argv: video and audio copied, every track added as a switchable subtitle stream.

    ``container`` is ``mp4`` (mov_text; MP4 drops titles) or ``mkv`` (SRT with language and title).
    ``tags``: the file's title and its audio's language.
    ``duration`` (the source's, in seconds) cuts the output there: a cue past the video's end would
    otherwise stretch the file (a cue at 999999 h made an MKV lasting 3.6e9 s).
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
    kwargs |= tags.output_kwargs(has_audio)
    if duration:
        kwargs["t"] = f"{duration:.3f}"
    out = ffmpeg.output(*streams, str(output), **kwargs)
    argv = ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)
    if container == "mkv":
        # Titles need a second metadata key per stream, which ffmpeg-python's kwargs cannot repeat:
        # insert them just before the output file.
        extra: list[str] = []
        for n, track in enumerate(tracks):
            extra += [f"-metadata:s:s:{n}", f"title={track.display_title}"]
        at = len(argv) - 1 - argv[::-1].index(str(output))
        argv = argv[:at] + extra + argv[at:]
    return argv


def extract_subtitle(source: Path, stream_index: int, output: Path) -> list[str]:
    """argv: one embedded text subtitle stream (absolute stream index) to SRT."""
    src = ffmpeg.input(str(source))
    out = ffmpeg.output(src[str(stream_index)], str(output), **{"c:s": "srt", "f": "srt"})
    return ffmpeg.compile(out, cmd="ffmpeg", overwrite_output=True)
