"""An HLS package per video, for websites and players that stream: ``<video>.m3u8`` and ``<video>.hls-<id>/``.

Made when the catalog asks for it (``[render] hls = true``, for the project or one video). The master
playlist ``dist/<video>/<video>.m3u8`` names one H.264 rendition and one subtitles group with a WebVTT
rendition per published language (labelled in its own language, the audio's language the default). The
package folder beside it holds:

- ``video.m3u8`` and ``videoNNN.ts``: the picture and sound already encoded, cut into MPEG-TS segments of
  about 6 s by stream copy (a source browsers cannot play is encoded once with the ``web`` profile's settings,
  like the web MP4);
- ``<lang>.m3u8`` and ``<lang>.vtt``: each language's captions as one WebVTT segment whose
  ``X-TIMESTAMP-MAP`` header ties cue time 0 to the video's first MPEG-TS timestamp (players place the cues
  by it; MPEG-TS starts at 1.4 s, not 0).

Atomic like every output: the package is written in a hidden temp folder, renamed to a folder of its own,
then the master is written under its final name (it is the output the build promotes); a package nobody's
master names any more is deleted once the new master is in place. Drafts never appear in it.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pipeline import languages
from pipeline.errors import MediaError
from pipeline.formats import compose_vtt
from pipeline.fsutil import TEMP_MARK, atomic_write_text, sha256_text
from pipeline.media import commands
from pipeline.outputs.base import PIPELINE_INPUT, FfmpegKind, RenderJob, VideoPlan, register
from pipeline.outputs.web_mp4 import browsers_play_copy
from pipeline.profiles import load_profile

#: Seconds per video segment (Apple's authoring guide: 6 s); with stream copy, cuts land on key frames.
SEGMENT_SECONDS = 6
#: The MPEG-TS clock: X-TIMESTAMP-MAP's MPEGTS value is in 90 kHz ticks.
MPEGTS_HZ = 90_000
#: RFC 6381 codec strings of the H.264 profiles x264 and cameras write (profile_idc, constraint flags).
AVC_PROFILES = {"Constrained Baseline": "42C0", "Baseline": "4200", "Main": "4D40", "High": "6400"}
AUDIO_CODECS = {"aac": "mp4a.40.2", "mp3": "mp4a.40.34"}
SUBTITLES_GROUP = "subs"


@dataclass(frozen=True)
class HlsTrack:
    language: str
    name: str  # the language's name in itself
    default: bool
    vtt: str  # the WebVTT text (without the timestamp map)


@dataclass(frozen=True)
class HlsSpec:
    source: Path
    encoding: commands.Encoding | None  # None: stream copy
    has_audio: bool
    tracks: tuple[HlsTrack, ...]
    size: tuple[int, int] | None


def package_dirs(master: Path) -> list[Path]:
    """The package folders of a master playlist's video (finished ones, not temp folders)."""
    return sorted(p for p in master.parent.glob(f"{master.stem}.hls-*") if p.is_dir() and TEMP_MARK not in p.name)


def referenced_package(master: Path) -> str | None:
    """The package folder a master playlist on disk names (None if there is none)."""
    try:
        text = master.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    found = re.search(rf"^({re.escape(master.stem)}\.hls-[0-9a-f]+)/video\.m3u8$", text, re.M)
    return found.group(1) if found else None


def with_timestamp_map(vtt: str, mpegts: int) -> str:
    """WebVTT text with the HLS ``X-TIMESTAMP-MAP`` header: cue time 0 is MPEG-TS time ``mpegts``."""
    first, _, rest = vtt.partition("\n")
    return f"{first}\nX-TIMESTAMP-MAP=MPEGTS:{mpegts},LOCAL:00:00:00.000\n{rest}"


def read_media_playlist(path: Path) -> list[tuple[float, str]]:
    """The (duration, URI) of each segment of a media playlist."""
    segments, duration = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:"):].split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((duration, line))
            duration = None
    return segments


def media_playlist(segments: Sequence[tuple[float, str]]) -> str:
    target = max(1, math.ceil(max(d for d, _ in segments)))
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    for duration, uri in segments:
        lines += [f"#EXTINF:{duration:.3f},", uri]
    return "\n".join(lines + ["#EXT-X-ENDLIST", ""])


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "'").replace("\n", " ") + '"'


@register
class HlsPackage(FfmpegKind):
    name = "hls"
    all_languages = True

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        if not video.project.setting("render", video.id).get("hls"):
            return []
        published = [t for t in video.tracks if not t.draft]
        if not published or not video.info.has_video:
            return []
        encoding = None if browsers_play_copy(video.info) else load_profile(video.project, "web", video.id).encoding
        tracks = tuple(HlsTrack(t.language, languages.own_name(t.language), t.language == video.default_language,
                                compose_vtt(t.track)) for t in published)
        inputs = {"source": video.source_hash, "pipeline": PIPELINE_INPUT} | {
            f"track:{t.language}": t.hash for t in published}
        inputs["tracks"] = sha256_text(json.dumps([[t.language, t.name, t.default] for t in tracks]))
        if encoding is not None:
            inputs["profile"] = f"{encoding.preset}/{encoding.crf}/{encoding.audio_bitrate}"
        # The master is the recorded output; a package folder deleted by hand must rebuild it too.
        master = video.out_dir / f"{video.id}.m3u8"
        named = referenced_package(master)
        whole = not master.exists() or (named is not None and (master.parent / named / "video.m3u8").is_file())
        inputs["package"] = "whole" if whole else "missing"
        spec = HlsSpec(video.video.source, encoding, video.info.has_audio, tracks, video.size)
        return [video.job(self, tuple(t.language for t in tracks), f"{video.id}.m3u8", inputs, spec=spec,
                          source=spec.source, duration=video.info.duration)]

    def summary(self, job: RenderJob) -> str:
        return "HLS master playlist (streaming, captions in every language)"

    def cost(self, jobs: Sequence[RenderJob]) -> float:
        spec: HlsSpec = jobs[0].spec
        return (jobs[0].duration or 1.0) * (1e6 if spec.encoding is not None else 1.0)

    def command(self, job: RenderJob, output: Path) -> list[str]:
        spec: HlsSpec = job.spec
        return commands.hls_segments(spec.source, output.with_name("video.m3u8"), encoding=spec.encoding,
                                     has_audio=spec.has_audio, segment_seconds=SEGMENT_SECONDS,
                                     duration=job.duration)

    def argv(self, job: RenderJob) -> list[str]:
        return self.command(job, Path("{PACKAGE}/video.m3u8"))

    def produce(self, jobs, temps, runner, on_progress=None) -> None:
        job, temp = jobs[0], temps[0]
        spec: HlsSpec = job.spec
        out_dir = job.output.parent
        for stale in out_dir.glob(f".{job.output.stem}.hls-*{TEMP_MARK}"):  # an interrupted build's
            shutil.rmtree(stale, ignore_errors=True)
        work = Path(tempfile.mkdtemp(prefix=f".{job.output.stem}.hls-", suffix=TEMP_MARK, dir=out_dir))
        try:
            runner.run(self.command(job, work / "video.m3u8"), total_seconds=job.duration, on_progress=on_progress)
            segments = read_media_playlist(work / "video.m3u8")
            if not segments:
                raise MediaError(spec.source, "ffmpeg wrote no HLS segments", hint="check that the video plays")
            first = _streams(runner, work / segments[0][1])
            video = next(s for s in first if s.get("codec_type") == "video")
            source_start = next((float(s.get("start_time") or 0) for s in _streams(runner, spec.source)
                                 if s.get("codec_type") == "video"), 0.0)
            mpegts = round((float(video.get("start_time") or 0) - source_start) * MPEGTS_HZ)
            total = sum(d for d, _ in segments)
            for t in spec.tracks:
                atomic_write_text(work / f"{t.language}.vtt", with_timestamp_map(t.vtt, mpegts))
                atomic_write_text(work / f"{t.language}.m3u8", media_playlist([(total, f"{t.language}.vtt")]))
            package = out_dir / f"{job.output.stem}.hls-{secrets.token_hex(4)}"
            master = self._master(spec, package.name, work, segments, video, first)
            work.rename(package)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        temp.write_text(master, encoding="utf-8")

    def _master(self, spec: HlsSpec, package: str, work: Path, segments, video: dict, streams: list[dict]) -> str:
        rates = [(work / uri).stat().st_size * 8 / max(d, 0.001) for d, uri in segments]
        total = sum(d for d, _ in segments)
        average = sum((work / uri).stat().st_size for _, uri in segments) * 8 / max(total, 0.001)
        codecs = []
        profile = AVC_PROFILES.get(video.get("profile", ""))
        if profile and isinstance(video.get("level"), int):
            codecs.append(f"avc1.{profile}{video['level']:02X}")
        audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
        if audio is not None and audio.get("codec_name") in AUDIO_CODECS:
            codecs.append(AUDIO_CODECS[audio["codec_name"]])
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-INDEPENDENT-SEGMENTS"]
        for t in spec.tracks:
            lines.append(f"#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID={_quoted(SUBTITLES_GROUP)},NAME={_quoted(t.name)},"
                         f"LANGUAGE={_quoted(t.language)},DEFAULT={'YES' if t.default else 'NO'},AUTOSELECT=YES,"
                         f"URI={_quoted(f'{package}/{t.language}.m3u8')}")
        attributes = [f"BANDWIDTH={math.ceil(max(rates))}", f"AVERAGE-BANDWIDTH={math.ceil(average)}"]
        if len(codecs) == (2 if audio is not None else 1):  # all or nothing: a partial CODECS misleads players
            attributes.append(f"CODECS={_quoted(','.join(codecs))}")
        if video.get("width") and video.get("height"):
            attributes.append(f"RESOLUTION={video['width']}x{video['height']}")
        if spec.tracks:
            attributes.append(f"SUBTITLES={_quoted(SUBTITLES_GROUP)}")
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attributes), f"{package}/video.m3u8", ""]
        return "\n".join(lines)

    def finished(self, jobs: Sequence[RenderJob]) -> None:
        """After the masters are in place: delete the packages none of them names."""
        for job in jobs:
            self.removed(job.output)

    def removed(self, output: Path) -> None:
        """A master playlist was replaced or removed: delete the package folders it does not name."""
        if output.suffix != ".m3u8":
            return
        keep = referenced_package(output)
        for folder in package_dirs(output):
            if folder.name != keep:
                with contextlib.suppress(OSError):
                    shutil.rmtree(folder)


def _streams(runner, path: Path) -> list[dict]:
    code, out, err = runner.probe_json(str(path))
    if code != 0:
        raise MediaError(path, f"ffprobe cannot read it: {err.strip().splitlines()[-1:] or ''}")
    return json.loads(out).get("streams", [])
