"""Rendering with real ffmpeg on generated media, checked with ffprobe and pixels."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EN_CUES, ffprobe_json
from pipeline.cli import cli
from pipeline.formats import read_track
from pipeline.fsutil import sha256_file

pytestmark = pytest.mark.slow


def run_cli(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def frame_bytes(path: Path, at: float, crop: str | None = None) -> bytes:
    vf = ["-vf", crop] if crop else []
    return subprocess.run(["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(path), *vf, "-frames:v", "1",
                           "-f", "rawvideo", "-pix_fmt", "gray", "-"], check=True, capture_output=True).stdout


def test_render_all_outputs(make_project):
    root = make_project()
    result = run_cli("--project", str(root), "render")
    assert result.exit_code == 0, result.output
    out = root / "dist" / "talk"
    names = sorted(p.name for p in out.iterdir())
    assert names == ["index.html", "talk.en.burned-in.mp4", "talk.en.srt", "talk.en.vtt", "talk.es.burned-in.mp4",
                     "talk.es.srt", "talk.es.vtt", "talk.poster.jpg", "talk.subtitled.mkv", "talk.subtitled.mp4"]

    burned = ffprobe_json(out / "talk.en.burned-in.mp4")
    kinds = [(s["codec_type"], s["codec_name"]) for s in burned["streams"]]
    assert kinds == [("video", "h264"), ("audio", "aac")]
    assert abs(float(burned["format"]["duration"]) - 3.0) <= 0.05

    soft = ffprobe_json(out / "talk.subtitled.mp4")
    subs = [s for s in soft["streams"] if s["codec_type"] == "subtitle"]
    assert [s["codec_name"] for s in subs] == ["mov_text", "mov_text"]
    assert [s["tags"]["language"] for s in subs] == ["eng", "spa"]
    assert [s["disposition"]["default"] for s in subs] == [1, 0]  # audio language is English
    video = [s for s in soft["streams"] if s["codec_type"] == "video"][0]
    assert video["codec_name"] == "h264"

    mkv = ffprobe_json(out / "talk.subtitled.mkv")
    subs = [s for s in mkv["streams"] if s["codec_type"] == "subtitle"]
    assert [s["codec_name"] for s in subs] == ["subrip", "subrip"]
    assert [s["tags"]["language"] for s in subs] == ["eng", "spa"]
    assert [s["tags"]["title"] for s in subs] == ["English", "Español"]

    # +faststart: the index (moov) comes before the media data, so players start before the download ends
    for name in ("talk.en.burned-in.mp4", "talk.subtitled.mp4"):
        head = (out / name).read_bytes()
        assert head.index(b"moov") < head.index(b"mdat"), name
    # soft outputs are stream copies: the video packets are the source's, bit for bit
    def video_md5(path):
        return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "md5",
                               "-"], capture_output=True, text=True, check=True).stdout.strip()
    source_md5 = video_md5(root / "assets/talk.mp4")
    assert video_md5(out / "talk.subtitled.mp4") == source_md5 == video_md5(out / "talk.subtitled.mkv")

    vtt = (out / "talk.en.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n") and "00:00:00.200 --> 00:00:01.400" in vtt

    manifest = json.loads((root / "dist" / "manifest.json").read_text())
    by_path = {e["path"]: e for e in manifest["outputs"]}
    assert set(by_path) == {f"talk/{n}" for n in names}
    for rel, entry in by_path.items():
        assert entry["sha256"] == sha256_file(root / "dist" / rel)
        assert entry["size"] == (root / "dist" / rel).stat().st_size
        # Media outputs are made from the source video; a WebVTT or SRT sidecar and the page from the tracks.
        assert ("source" in entry["inputs"]) == (entry["kind"] not in ("webvtt", "srt", "player"))
        assert all(f"track:{lang}" in entry["inputs"] for lang in entry["languages"])
    assert by_path["talk/talk.subtitled.mkv"]["languages"] == ["en", "es"]
    assert abs(by_path["talk/talk.en.burned-in.mp4"]["duration"] - 3.0) < 0.05
    # nothing partial left behind
    assert not [p for p in (root / "dist").rglob("*") if ".partial" in p.name]


def test_soft_track_round_trips(make_project, tmp_path):
    root = make_project()
    assert run_cli("--project", str(root), "render").exit_code == 0
    for container in ("mp4", "mkv"):
        extracted = tmp_path / f"es-{container}.srt"
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(root / "dist/talk" / f"talk.subtitled.{container}"),
                        "-map", "0:s:m:language:spa", str(extracted)], check=True)
        # Cue times are compared with the picture's: a muxer may shift every stream together (MKV makes
        # the AAC priming packet non-negative), which keeps sync and is what a player shows.
        info = ffprobe_json(root / "dist/talk" / f"talk.subtitled.{container}")
        video_start = round(float([s for s in info["streams"] if s["codec_type"] == "video"][0]["start_time"]) * 1000)
        got = read_track(extracted)
        want = read_track(root / "subtitles/talk/es.srt")
        assert [(c.start - video_start, c.end - video_start, c.text) for c in got] == \
            [(c.start, c.end, c.text) for c in want]


def test_burned_in_caption_changes_caption_area_only(make_project):
    root = make_project(size="640x360")
    assert run_cli("--project", str(root), "render").exit_code == 0
    burned = root / "dist/talk/talk.en.burned-in.mp4"
    source = root / "assets/talk.mp4"
    at = (EN_CUES[0][0] + EN_CUES[0][1]) / 2
    # bottom quarter holds the caption: it must differ from the source frame
    bottom = "crop=iw:ih/4:0:ih*3/4"
    a, b = frame_bytes(burned, at, bottom), frame_bytes(source, at, bottom)
    changed = sum(1 for x, y in zip(a, b) if abs(x - y) > 40)
    assert changed > 500, changed
    # top half stays the picture (no caption there)
    top = "crop=iw:ih/2:0:0"
    a, b = frame_bytes(burned, at, top), frame_bytes(source, at, top)
    assert sum(1 for x, y in zip(a, b) if abs(x - y) > 40) == 0
    # the bottom 10% (title-safe margin) stays clear
    margin = "crop=iw:ih/20:0:ih*19/20"
    a, b = frame_bytes(burned, at, margin), frame_bytes(source, at, margin)
    assert sum(1 for x, y in zip(a, b) if abs(x - y) > 40) == 0


def test_odd_paths_and_no_audio(make_project):
    root = make_project(videos={"odd": {"source": "it's a [clip]; v1, final: x.mp4", "audio": False,
                                         "tracks": {"en": EN_CUES}}},
                        dirname="my project's [x]; a, b: c")
    result = run_cli("--project", str(root), "render")
    assert result.exit_code == 0, result.output
    burned = ffprobe_json(root / "dist/odd/odd.en.burned-in.mp4")
    assert [s["codec_type"] for s in burned["streams"]] == ["video"]
    soft = ffprobe_json(root / "dist/odd/odd.subtitled.mkv")
    assert [s["codec_type"] for s in soft["streams"]] == ["video", "subtitle"]


def test_truncated_source_fails_instead_of_a_short_output(make_project):
    # A cut-off MKV still says 3 s in its header and ffmpeg stops quietly where the data ends: the
    # outputs would look finished while missing most of the video.
    root = make_project(videos={"talk": {"source": "talk.mkv", "tracks": {"en": EN_CUES}}})
    source = root / "assets/talk.mkv"
    data = source.read_bytes()
    source.write_bytes(data[: len(data) * 2 // 5])
    result = run_cli("--project", str(root), "render", "--plain")
    assert result.exit_code == 1, result.output
    assert "truncated or damaged" in result.output and "talk.mkv" in result.output
    assert "Traceback" not in result.output
    # No burned-in output looks finished. (The stream-copied soft files may pass: their subtitle track
    # keeps the container's duration up to the last cue, so a shortfall is seen only past it.)
    assert not list((root / "dist/talk").glob("*burned-in*"))
    manifest = json.loads((root / "dist/manifest.json").read_text())
    assert not [o for o in manifest["outputs"] if o["kind"] == "burned-in"]
