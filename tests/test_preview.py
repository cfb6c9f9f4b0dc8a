"""Previews for reviewers: one captioned frame and contact sheets, with real ffmpeg and pixels."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import EN_CUES
from imaging import gray, ink_box, similarity, size_of
from pipeline.build import BuildOptions, run_build
from pipeline.cli import cli
from pipeline.preview import parse_time
from pipeline.project import load_project

pytestmark = pytest.mark.slow

FOUR = [(0.2, 0.9, "One: survivors speak."), (1.0, 1.7, "Two: we listen."),
        (1.8, 2.4, "Three: support matters."), (2.5, 2.9, "Four: help exists.")]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_parse_time():
    assert parse_time("12.5") == 12.5
    assert parse_time("1:02.5") == 62.5
    assert parse_time("00:01:02,500") == 62.5
    assert parse_time("2") == 2.0


def test_frame_shows_the_cue_on_screen_at_that_time(make_project, tmp_path):
    root = make_project(size="640x360")
    frame, empty = tmp_path / "at-1.png", tmp_path / "before.png"
    result = invoke("--project", root, "preview", "talk", "en", "--at", "0.8", "-o", frame)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(frame)
    assert invoke("--project", root, "preview", "talk", "en", "--at", "0.1", "-o", empty).exit_code == 0
    assert size_of(frame) == (640, 360)
    source = gray(root / "assets/talk.mp4", 0.8)
    assert np.abs(gray(empty) - source).max() < 0.1  # no cue at 0.1 s: the picture alone
    box = ink_box(np.abs(gray(frame) - source))
    assert box is not None and box[1] > 360 / 2  # a caption in the lower half
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]

    # The preview is what the burned-in output shows.
    run_build(load_project(root, explicit=True), None, BuildOptions())
    burned = gray(root / "dist/talk/talk.en.burned-in.mp4", 0.8)
    assert similarity(np.abs(gray(frame) - source), np.abs(burned - source)) > 0.9


def test_frame_in_another_profile_and_position(make_project, tmp_path):
    root = make_project(size="640x360", catalog_extra='[style]\nposition = "middle"\n')
    frame = tmp_path / "vertical.png"
    assert invoke("--project", root, "preview", "talk", "es", "--at", "0:00.8", "--profile", "vertical",
                  "-o", frame).exit_code == 0
    assert size_of(frame) == (360, 640)
    picture = gray(frame)
    # Padded picture in the middle band; the caption drawn over its centre.
    box = ink_box(np.abs(picture - np.median(picture[200:440], axis=None)), 0.4)
    assert box is not None
    x0, y0, x1, y1 = box
    assert abs((y0 + y1) / 2 - 320) < 40 and abs((x0 + x1) / 2 - 180) < 20, box


def test_contact_sheet_one_frame_per_cue_labelled(make_project, tmp_path):
    root = make_project(videos={"talk": {"tracks": {"en": FOUR}}}, size="640x360")
    sheet = tmp_path / "sheet.png"
    result = invoke("--project", root, "preview", "talk", "en", "--sheet", "--width", "320", "-o", sheet)
    assert result.exit_code == 0, result.output
    assert f"{sheet}: 4 cues (4x1)" in result.output
    # 4 tiles of 320x180 with 4 px padding between them and a 4 px margin.
    assert size_of(sheet) == (4 * 320 + 3 * 4 + 2 * 4, 180 + 2 * 4)
    image = gray(sheet)
    tiles = [image[4:184, 4 + i * 324: 4 + i * 324 + 320] for i in range(4)]
    for tile in tiles:
        label = tile[4:30, 4:60]
        assert (label > 0.8).sum() > 20 and (label < 0.15).sum() > 50  # white text in a dark box
    # Each tile shows its own cue: the caption areas differ from one another.
    captions = [t[100:170] for t in tiles]
    for a in range(4):
        for b in range(a + 1, 4):
            assert np.abs(captions[a] - captions[b]).max() > 0.5

    every = tmp_path / "every.png"
    result = invoke("--project", root, "preview", "talk", "en", "--sheet", "--every", "2", "--columns", "1",
                    "--width", "160", "-o", every)
    assert result.exit_code == 0, result.output
    assert "2 cues (1x2)" in result.output
    assert size_of(every) == (160 + 2 * 4, 2 * 90 + 4 + 2 * 4)


@pytest.mark.parametrize("args,message", [
    (["talk", "en"], "give --at TIME for one frame, or --sheet"),
    (["talk", "en", "--at", "soon"], "time 'soon' is not understood"),
    (["talk", "en", "--at", "99"], "time 99.000 s is outside talk (0 to 3.000 s)"),
    (["talk", "ar", "--at", "1"], "no ar track for talk: subtitles/talk/ar.srt does not exist (tracks of talk: en, es)"),
    (["film", "en", "--at", "1"], "no video 'film'"),
    (["talk", "en", "--at", "1", "--profile", "billboard"], "is not a built-in profile"),
])
def test_bad_preview_requests_are_one_line(make_project, tmp_path, args, message):
    root = make_project()
    result = invoke("--project", root, "preview", *args, "-o", tmp_path / "x.png")
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_preview_help_is_there():
    result = invoke("preview", "--help")
    assert result.exit_code == 0 and "contact sheet" in result.output


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
def test_machine_drafts_carry_a_visible_banner_in_renders_and_previews(make_project, argos_dir, tmp_path):
    """`render --drafts` of a machine draft and its preview show the draft banner at the top of the picture;
    a person's track and an approved draft do not."""
    root = make_project(videos={"talk": {"tracks": {"en": EN_CUES}}}, size="640x360")
    assert invoke("--project", root, "draft", "talk", "--to", "bs", "--force").exit_code == 0  # real Apertium (eng-hbs_BS)
    result = invoke("--project", root, "render", "--drafts")
    assert result.exit_code == 0, result.output
    source = gray(root / "assets/talk.mp4", 0.8)

    def top_ink(picture):  # ink in the top fifth of the frame, where the banner goes and captions never do
        return ink_box(np.abs(picture - source)[: 360 // 5])

    draft = root / "dist/talk/talk.bs.DRAFT.burned-in.mp4"
    box = top_ink(gray(draft, 0.8))
    assert box is not None and box[2] - box[0] > 640 / 3, box  # a wide banner, centred
    assert abs((box[0] + box[2]) / 2 - 320) < 20, box
    assert top_ink(gray(root / "dist/talk/talk.en.burned-in.mp4", 0.8)) is None
    vtt = (root / "dist/talk/talk.bs.DRAFT.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\nNOTE MACHINE DRAFT \u2014 NOT FOR PUBLICATION") and "\n00:00:00.200 --> " in vtt
    assert "NOTE" not in (root / "dist/talk/talk.en.vtt").read_text(encoding="utf-8")

    frame = tmp_path / "bs.png"
    assert invoke("--project", root, "preview", "talk", "bs", "--at", "0.8", "-o", frame).exit_code == 0
    assert similarity(np.abs(gray(frame) - source), np.abs(gray(draft, 0.8) - source)) > 0.9
    sheet = tmp_path / "bs-sheet.png"
    assert invoke("--project", root, "preview", "talk", "bs", "--sheet", "-o", sheet).exit_code == 0

    assert invoke("--project", root, "approve", "talk", "bs").exit_code == 0
    assert invoke("--project", root, "preview", "talk", "bs", "--at", "0.8", "-o", frame).exit_code == 0
    assert top_ink(gray(frame)) is None
