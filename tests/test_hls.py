"""The HLS package (issue 14, optional): a master playlist with one H.264 rendition and a subtitles group of
WebVTT renditions, built from real media and read back by ffprobe and ffmpeg."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EN_CUES, ES_CUES, ffprobe_json
from pipeline.build import BuildOptions, run_build
from pipeline.outputs.hls import referenced_package as referenced
from pipeline.project import load_project

HLS = "[render]\nhls = true\n"


def _build(root: Path):
    result = run_build(load_project(root, explicit=True), None, BuildOptions())
    assert not result.failures, result.failures
    return result


def _captions(playlist: Path) -> list[tuple[float, float, str]]:
    """The cues ffmpeg's HLS demuxer reads from a subtitle playlist, as SRT."""
    srt = subprocess.run(["ffmpeg", "-v", "error", "-i", str(playlist), "-f", "srt", "-"], check=True,
                         capture_output=True, text=True).stdout
    cues = []
    for block in srt.strip().split("\n\n"):
        lines = block.splitlines()
        start, end = (sum(float(x) * 60 ** i for i, x in enumerate(reversed(t.replace(",", ".").split(":"))))
                      for t in lines[1].split(" --> "))
        cues.append((round(start, 3), round(end, 3), "\n".join(lines[2:])))
    return cues


@pytest.mark.slow
def test_hls_package_read_back_by_ffprobe_with_a_webvtt_rendition_per_language(make_project):
    root = make_project(catalog_extra=HLS)
    _build(root)
    out = root / "dist/talk"
    master = out / "talk.m3u8"
    packages = [p for p in out.iterdir() if p.is_dir()]
    assert len(packages) == 1 and packages[0].name.startswith("talk.hls-")
    package = packages[0].name

    # ffprobe reads the master playlist: the H.264 rendition and its sound, 3 s of it.
    info = ffprobe_json(master)
    assert [(s["codec_type"], s["codec_name"]) for s in info["streams"]] == [("video", "h264"), ("audio", "aac")]
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.1)

    text = master.read_text(encoding="utf-8")
    media = [line for line in text.splitlines() if line.startswith("#EXT-X-MEDIA:")]
    assert media == [
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,'
        f'URI="{package}/en.m3u8"',
        f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Español",LANGUAGE="es",DEFAULT=NO,AUTOSELECT=YES,'
        f'URI="{package}/es.m3u8"']
    variants = [line for line in text.splitlines() if line.startswith("#EXT-X-STREAM-INF:")]
    assert len(variants) == 1 and 'SUBTITLES="subs"' in variants[0] and "RESOLUTION=320x240" in variants[0]
    assert re.search(r'CODECS="avc1\.[0-9A-F]{6},mp4a\.40\.2"', variants[0]), variants[0]
    assert int(re.search(r"BANDWIDTH=(\d+)", variants[0]).group(1)) > 0

    # Each subtitle rendition: ffprobe reads it as WebVTT and its cues are the published track's.
    for lang, cues in (("en", EN_CUES), ("es", ES_CUES)):
        playlist = out / package / f"{lang}.m3u8"
        assert [s["codec_name"] for s in ffprobe_json(playlist)["streams"]] == ["webvtt"]
        assert _captions(playlist) == [(s, e, t) for s, e, t in cues]

    # X-TIMESTAMP-MAP ties cue time 0 to the first video timestamp of the MPEG-TS segments (1.4 s, not 0).
    first_segment = next(line for line in (out / package / "video.m3u8").read_text().splitlines()
                         if line.endswith(".ts"))
    video = next(s for s in ffprobe_json(out / package / first_segment)["streams"] if s["codec_type"] == "video")
    header = (out / package / "es.vtt").read_text(encoding="utf-8").splitlines()[:2]
    assert header == ["WEBVTT", f"X-TIMESTAMP-MAP=MPEGTS:{round(float(video['start_time']) * 90000)},"
                                "LOCAL:00:00:00.000"]
    assert float(video["start_time"]) >= 1.4

    manifest = json.loads((root / "dist/manifest.json").read_text(encoding="utf-8"))
    assert manifest["channels"]["website"]["videos"]["talk"]["hls"] == "talk/talk.m3u8"
    entry = next(e for e in manifest["outputs"] if e["path"] == "talk/talk.m3u8")
    assert entry["kind"] == "hls" and entry["languages"] == ["en", "es"]

    # A changed track: a new package replaces the old one, which is deleted once the master names the new.
    es = root / "subtitles/talk/es.srt"
    es.write_text(es.read_text(encoding="utf-8").replace("escuchadas", "oídas"), encoding="utf-8")
    assert "talk/talk.m3u8" in {j.path for j in _build(root).built}
    now = [p.name for p in out.iterdir() if p.is_dir()]
    assert len(now) == 1 and now[0] != package and now[0] in master.read_text(encoding="utf-8")
    assert "oídas" in _captions(out / now[0] / "es.m3u8")[0][2]
    assert not [p for p in out.iterdir() if ".partial" in p.name]

    # A package folder deleted by hand: the master is rebuilt, not left naming nothing.
    shutil.rmtree(out / now[0])
    from pipeline.build import plan_build

    decisions = {d.job.path: d.reason for d in plan_build(load_project(root, explicit=True)).of("build")}
    assert decisions == {"talk/talk.m3u8": "HLS package folder changed"}
    _build(root)
    assert [p.name for p in out.iterdir() if p.is_dir()] != [] and _captions(out / referenced(master) / "es.m3u8")

    # Turned off: the master and its package go.
    catalog = root / "assets/catalog.toml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("hls = true", "hls = false"), encoding="utf-8")
    result = _build(root)
    assert "talk/talk.m3u8" in result.removed
    assert not master.exists() and not [p for p in out.iterdir() if p.is_dir()]


@pytest.mark.slow
def test_hls_of_a_source_browsers_cannot_play_is_encoded_to_h264(make_project):
    root = make_project({"talk": {"tracks": {"en": [(0.2, 1.4, "Help is available.")]}, "source": "talk.avi"}},
                        catalog_extra=HLS)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:d=3", "-f", "lavfi",
                    "-i", "sine=d=3", "-c:v", "mpeg4", "-c:a", "mp2", "-shortest", str(root / "assets/talk.avi")],
                   check=True)
    _build(root)
    info = ffprobe_json(root / "dist/talk/talk.m3u8")
    assert [(s["codec_type"], s["codec_name"]) for s in info["streams"]] == [("video", "h264"), ("audio", "aac")]


def test_hls_is_opt_in_and_its_setting_is_checked(make_project):
    from pipeline.build import plan_build
    from pipeline.errors import PipelineError

    root = make_project()
    assert "hls" not in {j.kind for j in plan_build(load_project(root, explicit=True), remember=False).to_build}
    bad = make_project(dirname="bad", catalog_extra='[render]\nhls = "yes"\n')
    with pytest.raises(PipelineError, match=r"hls must be true or false, got 'yes'"):
        load_project(bad, explicit=True)


@pytest.mark.slow
def test_a_package_folder_left_by_a_killed_build_is_cleared_and_never_named(make_project):
    """kill -9 while ffmpeg writes segments leaves a hidden temp folder and no master: the next build
    (under the project lock) deletes the folder and writes a whole package."""
    root = make_project(catalog_extra=HLS)
    left = root / "dist/talk/.talk.hls-deadbeef.partial"
    left.mkdir(parents=True)
    (left / "video000.ts").write_bytes(b"\x47" * 188)  # half a package, as a killed ffmpeg leaves it
    result = _build(root)
    assert left in result.cleaned and not left.exists()
    master = (root / "dist/talk/talk.m3u8").read_text(encoding="utf-8")
    folders = [p.name for p in (root / "dist/talk").iterdir() if p.is_dir()]
    assert len(folders) == 1 and f"{folders[0]}/video.m3u8" in master and "deadbeef" not in master
