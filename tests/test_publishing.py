"""Publish-ready outputs (issue 14): what each channel needs, checked on real ffmpeg output (ffprobe, pixels)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import ffprobe_json
from imaging import gray, ink_box
from pipeline.build import BuildOptions, run_build
from pipeline.project import load_project

TITLE = "Survivors' voices: \"part 1\" — ¿qué cambia?"


def _retitle(root: Path, title: str = TITLE) -> None:
    catalog = root / "assets/catalog.toml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace('title = "talk title"', f"title = {json.dumps(title, ensure_ascii=False)}"),
                       encoding="utf-8")


def _build(root: Path, **options):
    result = run_build(load_project(root, explicit=True), None, BuildOptions(**options))
    assert not result.failures, result.failures
    return result


@pytest.mark.slow
def test_media_outputs_carry_the_title_and_the_audio_language(make_project):
    root = make_project({"talk": {"tracks": {"en": [(0.2, 1.4, "Help is available.")]}, "audio_language": "es"}})
    _retitle(root)
    _build(root)
    for name in ("talk.en.burned-in.mp4", "talk.subtitled.mp4", "talk.subtitled.mkv"):
        info = ffprobe_json(root / "dist/talk" / name)
        audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
        assert [s["tags"].get("language") for s in audio] == ["spa"], name
        tags = {k.lower(): v for k, v in info["format"]["tags"].items()}
        assert tags["title"] == TITLE, name

    # A new title is an input of every media output: they are rebuilt, the sidecars are not.
    _retitle(root, TITLE)  # unchanged: nothing to do
    assert not _build(root).built
    catalog = root / "assets/catalog.toml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace("part 1", "part one"), encoding="utf-8")
    result = _build(root)
    rebuilt = {j.path for j in result.built}
    assert {"talk/talk.en.burned-in.mp4", "talk/talk.subtitled.mp4", "talk/talk.subtitled.mkv"} <= rebuilt
    assert "talk/talk.en.vtt" not in rebuilt
    # The tags are written when the segments are joined: a new title encodes no segment again.
    assert not [u for u in result.units if u.key.startswith("segments-")]
    tags = {k.lower(): v for k, v in ffprobe_json(root / "dist/talk/talk.en.burned-in.mp4")["format"]["tags"].items()}
    assert tags["title"] == TITLE.replace("part 1", "part one")


# -- social formats: fill, safe zone, line breaking -------------------------------------------------------

#: A two-line web cue (42-character lines) that the vertical frame must re-break, and a short one.
LONG_ES = [(0.5, 2.5, "Las personas sobrevivientes merecen ser\nescuchadas, creídas y apoyadas por todos.")]


def caption_ink(path: Path, at: float = 1.5, before: float = 0.1) -> np.ndarray:
    """Where the caption is: the frame with a cue against the same frame before any cue (a still picture)."""
    return np.abs(gray(path, at) - gray(path, before)) > 0.25


def text_lines(ink: np.ndarray, size_px: float) -> int:
    """Lines of caption text in an ink mask (or in a frame: its white pixels): peaks of the rows' ink count,
    one per line (the x-height band is the densest), at least half a line's height apart."""
    rows = (ink if ink.dtype == bool else ink > 0.8).sum(axis=1).astype(float)
    width = max(1, int(size_px * 0.3))
    rows = np.convolve(rows, np.ones(width) / width, mode="same")
    reach, peaks, last = int(size_px * 0.45), 0, -(10 ** 9)
    for i, value in enumerate(rows):
        if value > 0.05 * rows.max() and value == rows[max(0, i - reach): i + reach + 1].max() and i - last > reach:
            peaks, last = peaks + 1, i
    return peaks


@pytest.mark.slow
def test_vertical_captions_stay_in_the_safe_zone_rebroken_to_its_lines_over_a_blurred_fill(make_project):
    root = make_project({"talk": {"tracks": {"es": LONG_ES}, "audio_language": "es"}}, size="1280x720",
                        catalog_extra='[profiles]\nbuild = ["vertical", "padded"]\n'
                                      '[profiles.padded]\naspect = "9:16"\nfit = "pad"\n')
    _build(root)
    path = root / "dist/talk/talk.es.burned-in.vertical.mp4"
    w, h = 720, 1280
    audio = [s for s in ffprobe_json(path)["streams"] if s["codec_type"] == "audio"]
    assert [s["tags"].get("language") for s in audio] == ["spa"]  # the social profiles are tagged too
    ink = caption_ink(path)
    x0, y0, x1, y1 = ink_box(ink.astype(float), 0.5)
    # The safe zone of the vertical profile: clear of the bottom 20%, the right 15%, the left 6%, the top 14%.
    assert x0 >= 0.06 * w and x1 <= 0.85 * w, (x0, x1)
    assert y0 >= 0.14 * h and y1 <= 0.80 * h, (y0, y1)
    assert y1 >= 0.76 * h  # on the safe zone's bottom edge, not floating
    # Re-broken for the narrow frame: 3 lines (the profile's most), not libass's own wrap of 2 long lines.
    assert text_lines(gray(path, 1.5)[y0:y1 + 1, x0:x1 + 1], 0.034 * h) == 3
    broken = (root / "dist/.work/talk/es.vertical.srt").read_text(encoding="utf-8").strip().split("\n")[2:]
    assert broken == ["Las personas sobrevivientes", "merecen ser escuchadas,", "creídas y apoyadas por todos."]
    # The counter counts what is drawn: the custom profile's larger captions take 6 lines of 18 characters.
    padded_srt = (root / "dist/.work/talk/es.padded.srt").read_text(encoding="utf-8").strip().split("\n")[2:]
    assert text_lines(gray(root / "dist/talk/talk.es.burned-in.padded.mp4", 1.5), 0.06 * h) == len(padded_srt) == 6

    # Blur fill: the whole frame is picture or its blurred copy, no black bars above or below it.
    frame = gray(path, 0.1)
    picture = gray(root / "assets/talk.mp4", 0.1)[360, 640]
    top, bottom = frame[: int(0.3 * h)], frame[int(0.7 * h):]
    assert top.min() > 0.5 * picture and bottom.min() > 0.5 * picture, (top.min(), bottom.min(), picture)
    padded = gray(root / "dist/talk/talk.es.burned-in.padded.mp4", 0.1)
    assert padded[: int(0.3 * h)].max() < 0.1  # the same frame padded: black bars


@pytest.mark.slow
def test_over_picture_false_hangs_captions_below_the_picture_and_crop_x_chooses_the_part_kept(make_project):
    root = make_project({"talk": {"tracks": {"es": LONG_ES}, "audio_language": "es"}}, size="1280x720",
                        catalog_extra='[profiles]\nbuild = ["vertical", "left", "right"]\n'
                                      '[profiles.vertical]\nover_picture = false\n'
                                      '[profiles.left]\naspect = "9:16"\nfit = "crop"\ncrop_x = 0\n'
                                      '[profiles.right]\naspect = "9:16"\nfit = "crop"\ncrop_x = 1\n')
    # A picture white on its left half and black on its right half.
    source = root / "assets/talk.mp4"
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=white:s=640x720:d=3[l];color=c=black:s=640x720:d=3[r];[l][r]hstack",
                    "-f", "lavfi", "-i", "sine=d=3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(source)], check=True)
    _build(root)
    w, h = 720, 1280
    path = root / "dist/talk/talk.es.burned-in.vertical.mp4"
    x0, y0, x1, y1 = ink_box(caption_ink(path).astype(float), 0.5)
    picture_bottom = (h + w * 9 // 16) // 2  # a 16:9 picture in the middle of the 9:16 frame
    assert y0 >= picture_bottom and y1 <= 0.80 * h, (y0, y1, picture_bottom)
    # Text over a bright blurred fill: count the caption's ink (text and outline) against the still picture.
    assert text_lines(caption_ink(path)[y0:y1 + 1, x0:x1 + 1], 0.034 * h) == 3
    left, right = (gray(root / f"dist/talk/talk.es.burned-in.{name}.mp4", 0.1) for name in ("left", "right"))
    assert left.mean() > 0.9 and right.mean() < 0.1  # crop_x 0 keeps the white left, 1 the black right


def test_a_layout_that_cannot_hold_its_lines_fails_that_output_with_what_to_change(make_project):
    from pipeline.build import plan_build

    root = make_project(catalog_extra='[profiles]\nbuild = ["web", "vertical"]\n'
                                      '[profiles.vertical]\nover_picture = false\nfit = "crop"\n')
    plan = plan_build(load_project(root, explicit=True), remember=False)
    failed = {d.job.path: d.reason for d in plan.of("fail")}
    assert set(failed) == {"talk/talk.en.burned-in.vertical.mp4", "talk/talk.es.burned-in.vertical.mp4"}
    assert "over_picture = false needs fit = \"pad\" or \"blur\"" in failed["talk/talk.en.burned-in.vertical.mp4"]
    assert "talk/talk.en.burned-in.mp4" in {j.path for j in plan.to_build}


# -- sidecars, posters, the manifest's channels --------------------------------------------------------------

def _two_tone_source(path: Path, seconds: float = 3.0) -> None:
    """A picture black for its first half second, white after it (a poster's time shows in its pixels)."""
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=black:s=640x360:d=0.5,format=yuv420p[a];color=c=white:s=640x360:d={seconds - 0.5},"
                    "format=yuv420p[b];[a][b]concat=n=2:v=1:a=0", "-f", "lavfi", "-i", f"sine=d={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(path)], check=True)


@pytest.mark.slow
def test_posters_per_profile_at_the_catalogs_time_and_the_manifests_channels(make_project):
    root = make_project(catalog_extra='[profiles]\nbuild = ["web", "square", "vertical"]\n')
    _two_tone_source(root / "assets/talk.mp4")
    _build(root)
    out = root / "dist/talk"
    shapes = {}
    for name in ("talk.poster.jpg", "talk.poster.square.jpg", "talk.poster.vertical.jpg"):
        stream = ffprobe_json(out / name)["streams"][0]
        shapes[name] = (stream["codec_name"], stream["width"], stream["height"])
    assert shapes == {"talk.poster.jpg": ("mjpeg", 640, 360), "talk.poster.square.jpg": ("mjpeg", 360, 360),
                      "talk.poster.vertical.jpg": ("mjpeg", 360, 640)}
    assert gray(out / "talk.poster.jpg").mean() > 0.9  # one second in: past the black opening
    vertical = gray(out / "talk.poster.vertical.jpg")
    assert vertical[:100].min() > 0.5  # blurred fill, no bars; square is padded (black bars)
    assert gray(out / "talk.poster.square.jpg")[:40].max() < 0.1

    # The SRT sidecar is the published track, as SRT.
    from pipeline.formats import read_track

    sidecar, track = read_track(out / "talk.es.srt", "es"), read_track(root / "subtitles/talk/es.srt", "es")
    assert [(c.start, c.end, c.text) for c in sidecar.cues] == [(c.start, c.end, c.text) for c in track.cues]

    manifest = json.loads((root / "dist/manifest.json").read_text(encoding="utf-8"))
    assert manifest["videos"] == {"talk": {"title": "talk title", "audio_language": "en", "languages": {
        "en": {"name": "English", "own_name": "English"}, "es": {"name": "Spanish", "own_name": "Español"}}}}
    channels = {name: channel["videos"]["talk"] for name, channel in manifest["channels"].items()}
    assert channels["youtube"] == {"video": "talk/talk.subtitled.mp4", "thumbnail": "talk/talk.poster.jpg",
                                   "captions": {lang: {"srt": f"talk/talk.{lang}.srt", "vtt": f"talk/talk.{lang}.vtt"}
                                                for lang in ("en", "es")}}
    assert channels["website"] == {"page": "talk/index.html",
                                   "files": ["talk/talk.subtitled.mp4", "talk/talk.poster.jpg"]}
    for name, profile in (("vertical", "vertical"), ("feeds", "square")):
        assert channels[name] == {lang: {"video": f"talk/talk.{lang}.burned-in.{profile}.mp4",
                                         "cover": f"talk/talk.poster.{profile}.jpg"} for lang in ("en", "es")}
    assert channels["anywhere"] == {lang: {"video": f"talk/talk.{lang}.burned-in.mp4"} for lang in ("en", "es")}
    assert channels["download"] == {"video": "talk/talk.subtitled.mkv"}
    assert "TikTok" in manifest["channels"]["vertical"]["platforms"]
    every = {e["path"] for e in manifest["outputs"]}
    named = {path for channel in channels.values() for path in _paths(channel)}
    assert named <= every  # the channels name only files that exist...
    assert every - named == set()  # ...and every published file goes somewhere

    # A poster time in the catalog (and one past the end: the middle frame).
    catalog = root / "assets/catalog.toml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('audio_language = "en"',
                                                                   'audio_language = "en"\nposter_time = 0.2'),
                       encoding="utf-8")
    rebuilt = _build(root)
    assert {j.path for j in rebuilt.built} == {"talk/talk.poster.jpg", "talk/talk.poster.square.jpg",
                                               "talk/talk.poster.vertical.jpg"}
    assert {d.reason for d in rebuilt.plan.of("build")} == {"poster time or frame changed"}
    assert gray(out / "talk.poster.jpg").mean() < 0.1


def _paths(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _paths(v)]
    return [p for v in value for p in _paths(v)]


@pytest.mark.slow
def test_a_source_browsers_cannot_play_gets_a_web_mp4_for_the_player(make_project):
    import subprocess

    root = make_project({"talk": {"tracks": {"en": [(0.2, 1.4, "Help is available.")]}, "source": "talk.avi"}})
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x240:d=3", "-f", "lavfi",
                    "-i", "sine=d=3", "-c:v", "mpeg4", "-c:a", "mp2", "-shortest", str(root / "assets/talk.avi")],
                   check=True)
    _build(root)
    web = ffprobe_json(root / "dist/talk/talk.web.mp4")
    assert [(s["codec_type"], s["codec_name"]) for s in web["streams"]] == [("video", "h264"), ("audio", "aac")]
    assert web["format"]["tags"]["title"] == "talk title"
    assert web["streams"][1]["tags"]["language"] == "eng"  # the catalog's audio_language
    page = (root / "dist/talk/index.html").read_text(encoding="utf-8")
    assert '<source src="talk.web.mp4" type="video/mp4">' in page
    assert '<a href="talk.subtitled.mp4" download>' in page  # the copy of the master is still offered


THREE_LINES_ES = "Nadie tiene la culpa de lo que le pasó,\ny pedir ayuda es un acto de valentía\nque merece respeto y apoyo inmediato."


def test_check_reports_per_profile_the_cues_that_need_more_lines_than_it_allows(make_project):
    from click.testing import CliRunner

    from pipeline.cli import cli

    es = [LONG_ES[0], (2.6, 2.9, THREE_LINES_ES)]
    root = make_project({"talk": {"tracks": {"es": es}, "audio_language": "es"}},
                        catalog_extra='[profiles]\nbuild = ["web", "vertical"]\n[check]\nmax_lines_per_cue = 3\n')
    result = CliRunner().invoke(cli, ["--project", str(root), "check", "talk"])
    found = [line for line in result.output.splitlines() if "profile-lines" in line]
    # The two-line cue fits the vertical video in 3 lines; the three-line one needs 5 there.
    assert found == [f"{root}/subtitles/talk/es.srt:6: profile-lines: needs 5 lines in the vertical video (it shows at most 3 "
                     "of 29 characters): shorten the cue or split it [warning]"], result.output
    # Where the vertical video is not built, nothing to say; a profile allowing 5 lines takes it.
    for extra in ('[profiles]\nbuild = ["web"]\n', '[profiles]\nbuild = ["vertical"]\n[profiles.vertical]\nmax_lines = 5\n'):
        catalog = root / "assets/catalog.toml"
        text = catalog.read_text(encoding="utf-8")
        start = text.index("[profiles]")
        catalog.write_text(text[:start] + extra + text[text.index("[check]"):], encoding="utf-8")
        result = CliRunner().invoke(cli, ["--project", str(root), "check", "talk"])
        assert "profile-lines" not in result.output, result.output


# -- builds people can follow ------------------------------------------------------------------------------

@pytest.mark.slow
def test_plain_progress_lines_every_few_seconds_during_a_multi_output_encode(make_project, capsys):
    from pipeline.cli.progress import BuildReporter

    root = make_project(seconds=8.0, size="640x360",
                        catalog_extra='[profiles]\nbuild = ["web", "square", "vertical"]\n')
    with BuildReporter("plain", every=0.5) as reporter:
        result = run_build(load_project(root, explicit=True), None, BuildOptions(jobs=1), on_event=reporter,
                           on_plan=reporter.planned)
    assert not result.failures
    lines = capsys.readouterr().err.splitlines()
    encoding = [line for line in lines if " encoding " in line]
    # The six burned-in outputs are one decode-once encode: one line for all of them, again and again.
    assert len(encoding) >= 2, lines
    assert all("encoding talk burned-in en+es (web, square, vertical), 6 outputs: " in line for line in encoding)
    percents = [int(line.split(": ")[1].split("%")[0]) for line in encoding]
    assert percents == sorted(percents) and percents[-1] > percents[0]
    assert " of 0:08" in encoding[-1] and "so far" in encoding[-1]
    first_done = next(i for i, line in enumerate(lines) if "built talk/talk.en.burned-in" in line)
    assert lines.index(encoding[0]) < first_done  # while it runs, not after


def test_progress_interval_from_the_environment(monkeypatch):
    from pipeline.cli.progress import PROGRESS_SECONDS, BuildReporter

    monkeypatch.setenv("PIPELINE_PROGRESS_SECONDS", "30")
    assert BuildReporter("plain").every == 30.0
    monkeypatch.setenv("PIPELINE_PROGRESS_SECONDS", "soon")
    assert BuildReporter("plain").every == PROGRESS_SECONDS == 5.0


def test_language_names_in_themselves_keep_their_own_capitals():
    """Track titles and the page's labels: 'Português (Brasil)', not str.capitalize()'s 'Português (brasil)'."""
    from pipeline.languages import own_name
    from pipeline.media.commands import SoftTrack

    assert [own_name(c) for c in ("es", "pt-BR", "sq", "en")] == ["Español", "Português (Brasil)", "Shqip", "English"]
    assert SoftTrack(Path("x.srt"), "pt-BR").display_title == "Português (Brasil)"


@pytest.mark.parametrize("source, frame", [("320x180", (180, 320)), ("160x90", (90, 160)), ("1280x720", (720, 1280))])
def test_the_blurred_fill_works_on_small_frames(tmp_path, source, frame):
    """A 320x180 source made a 180x320 vertical frame blurred at 22x40, where ffmpeg refused boxblur's radius
    6 (over a quarter of the side): the vertical output and its poster failed."""
    from conftest import make_video
    from pipeline.media import commands, runner

    video, poster = tmp_path / "in.mp4", tmp_path / "poster.png"
    make_video(video, 1.0, audio=False, size=source)
    fit = commands.FrameFit(frame[0], frame[1], fit="blur")
    runner.FfmpegRunner().run(commands.poster_frame(video, 0.5, poster, fit=fit))
    stream = ffprobe_json(poster)["streams"][0]
    assert (stream["width"], stream["height"]) == frame
    assert gray(poster)[: frame[1] // 8].mean() > 0.05  # a blurred copy of the picture, not black bars
