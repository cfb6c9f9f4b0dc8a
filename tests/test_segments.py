"""Segment-encoded burned-in outputs, on real ffmpeg output: an edit re-encodes exactly the segments whose
cues changed, the joined file is whole (frames, duration, no decode error) and shows the edited text at the
edited time; a bad join never replaces a good output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import write_srt
from imaging import gray
from pipeline.build import BuildOptions, plan_build, run_build
from pipeline.cli import cli
from pipeline.media.probe import FrameFacts
from pipeline.outputs import segments as seg
from pipeline.preview import preview_frame
from pipeline.project import load_project

pytestmark = pytest.mark.slow

#: 6 s at 25 fps cut every 2 s: segments 0 (frames 0-49), 1 (50-99), 2 (100-149).
CATALOG = "[render]\nsegment_seconds = 2\n"
EN = [(0.3, 1.5, "Survivors deserve to be heard."), (1.7, 2.6, "Support spans a boundary."),
      (4.3, 5.5, "Help is available.")]
ES = [(0.3, 1.5, "Merecen ser escuchadas."), (1.7, 2.6, "El apoyo cruza un límite."),
      (4.3, 5.5, "Hay ayuda disponible.")]
EN_OUT = "talk/talk.en.burned-in.mp4"
ES_OUT = "talk/talk.es.burned-in.mp4"


def build(root: Path, **options):
    result = run_build(load_project(root, explicit=True), None, BuildOptions(**options))
    assert not result.failures, result.failures
    return result


def entries(root: Path) -> dict[str, dict]:
    data = json.loads((root / "dist/manifest.json").read_text(encoding="utf-8"))
    return {e["path"]: e for e in data["outputs"]}


def segment_files(root: Path) -> dict[str, int]:
    """Segment files in the work folder -> inode (a file encoded again is a new file)."""
    return {p.name: p.stat().st_ino for p in (root / "dist/.work/segments").glob("*.ts")}


def whole(path: Path) -> tuple[int, float, str]:
    """Frames (packets), duration, and what a full decode prints at error level."""
    out = subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v:0", "-show_entries",
                          "stream=nb_read_packets:format=duration", "-of", "json", str(path)],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    errors = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                            capture_output=True, text=True).stderr
    return int(data["streams"][0]["nb_read_packets"]), float(data["format"]["duration"]), errors


BAND = slice(120, 180)  # the caption's rows in a 320x180 frame


def ink(frame: np.ndarray) -> float:
    """Share of the caption band's pixels far from the background (letters)."""
    band = frame[BAND]
    return float(np.mean(np.abs(band - np.median(band)) > 0.25))


def mismatch(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the caption band's pixels that differ clearly between two frames."""
    return float(np.mean(np.abs(a[BAND] - b[BAND]) > 0.25))


@pytest.fixture
def project(make_project):
    return make_project(videos={"talk": {"tracks": {"en": EN, "es": ES}}}, catalog_extra=CATALOG, seconds=6.0,
                        size="320x180")


def test_an_edit_re_encodes_exactly_the_segments_of_the_changed_cue(project):
    root = project
    first = build(root, jobs=2)
    made = entries(root)
    assert made[EN_OUT]["segments"]["encoded"] == {"new output": [0, 1, 2]}
    assert made[EN_OUT]["frames"] == 150
    before = segment_files(root)
    assert len(before) == 6  # 3 per language
    assert sum(1 for u in first.units if u.key.startswith("audio-")) == 1  # one audio for both languages
    old_frame = gray(root / "dist" / ES_OUT, 5.0)

    # One cue inside segment 2, in Spanish: exactly that segment of that output is encoded again.
    write_srt(root / "subtitles/talk/es.srt", ES[:2] + [(4.3, 5.5, "Hay ayuda, siempre.")])
    plan = plan_build(load_project(root, explicit=True), remember=False)
    reasons = {d.job.path: d.reason for d in plan.of("build")}
    assert reasons[ES_OUT] == "track es changed; 1 of 3 segments to encode: segment 2 (cue 3 changed)"
    assert EN_OUT not in reasons
    result = build(root)
    units = [u for u in result.units if u.key.startswith("segments-")]
    assert [(u.jobs, u.frames) for u in units] == [((ES_OUT,), 50)]
    assert not any(u.key.startswith("audio-") for u in result.units)  # the audio is reused
    after = segment_files(root)
    assert len(set(after) - set(before)) == 1 and len(set(before) - set(after)) == 1  # the old one swept
    assert all(after[name] == inode for name, inode in before.items() if name in after)  # the rest untouched
    es = entries(root)[ES_OUT]["segments"]
    assert es["encoded"] == {"cue 3 changed": [2]} and es["reused"] == 2

    # The joined file is whole: the source's frames and duration, a clean full decode.
    frames, duration, errors = whole(root / "dist" / ES_OUT)
    assert (frames, errors) == (150, "")
    assert abs(duration - 6.0) < 0.06
    # The edited text is drawn at the edited time: the frame matches a preview of the new text, not the old.
    preview = preview_frame(load_project(root, explicit=True), "talk", "es", 5.0, root / "new.png")
    new_frame, expected = gray(root / "dist" / ES_OUT, 5.0), gray(preview)
    assert ink(new_frame) > 0.005  # there is text ...
    assert mismatch(new_frame, expected) < 0.002  # ... the new text, where the preview draws it
    assert mismatch(old_frame, expected) > 0.005
    # libass saw source time in the re-encoded segment: no caption before the cue starts (4.3 s).
    assert ink(gray(root / "dist" / ES_OUT, 4.1)) == 0

    # A cue spanning the boundary at 2 s is in both segments: both are encoded again.
    write_srt(root / "subtitles/talk/en.srt", [EN[0], (1.7, 2.6, "Support crosses a boundary."), EN[2]])
    build(root)
    assert entries(root)[EN_OUT]["segments"]["encoded"] == {"cue 2 changed": [0, 1]}

    # --force encodes every segment again (and the audio).
    result = build(root, force=True)
    assert entries(root)[EN_OUT]["segments"]["encoded"] == {"forced (--force)": [0, 1, 2]}
    assert any(u.key.startswith("audio-") for u in result.units)


def test_segments_join_into_the_picture_of_a_whole_file_encode(project, tmp_path):
    root = project
    build(root, jobs=2)
    plain = tmp_path / "plain"
    subprocess.run(["cp", "-r", str(root), str(plain)], check=True)
    catalog = plain / "assets/catalog.toml"
    catalog.write_text(catalog.read_text().replace("segment_seconds = 2", "segment_seconds = 0"))
    build(plain, force=True)
    assert "segments" not in entries(plain)[EN_OUT]
    psnr = subprocess.run(["ffmpeg", "-v", "info", "-i", str(root / "dist" / EN_OUT), "-i", str(plain / "dist" / EN_OUT),
                           "-lavfi", "psnr", "-f", "null", "-"], capture_output=True, text=True).stderr
    lowest = float(psnr.split(" min:")[1].split()[0])
    assert lowest > 35, psnr.splitlines()[-1]  # a frame out of place scores ~16 dB
    assert whole(root / "dist" / EN_OUT)[:1] == whole(plain / "dist" / EN_OUT)[:1] == (150,)


def test_a_bad_join_never_replaces_the_output(project):
    root = project
    build(root)
    out = root / "dist" / EN_OUT
    good = out.read_bytes()
    # A segment damaged in the work folder, and the output changed by hand: the build joins again from the
    # (damaged) segments, the check refuses the result, and the file on disk is left as it was.
    keys = entries(root)[EN_OUT]["segments"]["keys"]
    damaged = root / "dist/.work/segments" / f"{keys[1]}.ts"
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 3])
    out.write_bytes(good + b"x")
    result = CliRunner().invoke(cli, ["--project", str(root), "build", "--plain"])
    assert result.exit_code == 1, result.output
    assert "its joined burned-in output has" in result.output and "frames, the source 150" in result.output
    assert "Traceback" not in result.output
    assert out.read_bytes() == good + b"x"
    assert not damaged.exists()  # its segments were discarded ...
    again = build(root)  # ... so the next build encodes them anew
    assert EN_OUT in {j.path for j in again.built}
    assert whole(out)[0] == 150


def test_dry_run_names_the_segments_and_why(project):
    root = project
    build(root)
    write_srt(root / "subtitles/talk/en.srt", [EN[0], EN[1], (4.3, 5.5, "Help is here.")])
    result = CliRunner().invoke(cli, ["--project", str(root), "render", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would build   {EN_OUT}  (track en changed; 1 of 3 segments to encode: segment 2 (cue 3 changed))" \
        in result.output
    for path in (root / "dist/.work/segments").glob("*.ts"):
        path.unlink()
    result = CliRunner().invoke(cli, ["--project", str(root), "render", "--dry-run"])
    assert f"would build   {EN_OUT}  (track en changed; 3 of 3 segments to encode: segments 0, 1 (its file is " \
        "gone from dist/.work); segment 2 (cue 3 changed))" in result.output


# -- planning, without encoding ----------------------------------------------------------------------

def facts(count: int = 250, keyframes: tuple[int, ...] = (0, 100, 200)) -> FrameFacts:
    from fractions import Fraction

    return FrameFacts(count, Fraction(25), 0.0, True, keyframes)


def cue(start: float, end: float, text: str):
    from pipeline.model import Cue

    return Cue(round(start * 1000), round(end * 1000), text)


def test_segment_identity_is_what_it_is_made_of(tmp_path):
    cues = [cue(0.5, 1.5, "one"), cue(3.8, 4.4, "two spans"), cue(9.0, 9.5, "three")]
    plan = seg.plan_segments(facts(), 4.0, "base", cues, tmp_path, None, None)
    assert [(s.first, s.frames, s.numbers) for s in plan.segments] == [(0, 100, (1, 2)), (100, 100, (2,)),
                                                                       (200, 50, (3,))]
    edited = seg.plan_segments(facts(), 4.0, "base", [cues[0], cue(3.8, 4.4, "two, spanning"), cues[2]],
                               tmp_path, None, None)
    assert [a.key == b.key for a, b in zip(plan.segments, edited.segments)] == [False, False, True]
    restyled = seg.plan_segments(facts(), 4.0, "other style", cues, tmp_path, None, None)
    assert not any(a.key == b.key for a, b in zip(plan.segments, restyled.segments))
    # A cue ending a frame before a boundary still reaches the next segment (libass rounds to milliseconds):
    # the margin re-encodes one segment too many rather than one too few.
    near = seg.plan_segments(facts(), 4.0, "base", [cue(2.0, 3.98, "x")], tmp_path, None, None)
    assert [s.numbers for s in near.segments] == [(1,), (1,), ()]


def test_units_follow_the_work_the_cores_and_the_memory(tmp_path):
    from pipeline.media import commands

    def job(name: str, todo: set[int], pixels: int = 1920 * 1080) -> seg.SegmentJob:
        plan = seg.plan_segments(facts(1500, tuple(range(0, 1500, 250))), 4.0, name, [], tmp_path, None, None)
        plan.todo = {i: "new output" for i in todo}
        return seg.SegmentJob(f"v/{name}.mp4", name, plan, commands.BurnOutput(commands.Caption(tmp_path / "x.srt"),
                                                                              tmp_path / "o.mp4"), pixels, {})

    source = tmp_path / "src.mp4"
    everything = set(range(15))
    # One output, one core: one unit for the whole video; two cores: cut in two near a source keyframe.
    assert [(u.frames, u.argv.count("-ss")) for u in seg.segment_units(
        [seg.SourceJobs(source, 1920 * 1080, [job("en", everything)], 2)], workers=1)] == [(1500, 0)]
    halves = seg.segment_units([seg.SourceJobs(source, 1920 * 1080, [job("en", everything)], 2)], workers=2)
    assert sorted(u.frames for u in halves) == [700, 800]  # the cut at frame 800 is 50 frames after a keyframe
    # Two languages within the memory budget share one decode; over it, one output per process.
    k_1080 = seg.outputs_per_process(2, 600, 1920 * 1080, 1920 * 1080)
    k_720 = seg.outputs_per_process(2, 600, 1280 * 720, 1280 * 720)
    assert (k_1080, k_720) == (1, 3)
    both = seg.segment_units([seg.SourceJobs(source, 1920 * 1080, [job("en", everything), job("es", everything)],
                                             k_1080)], workers=2)
    assert sorted(len(u.jobs) for u in both) == [1, 1] and all(u.memory_mib * 2 <= 600 for u in both)
    # An edit: only the segment that changed, one unit, opened half a frame before its first frame.
    edit = seg.segment_units([seg.SourceJobs(source, 1920 * 1080, [job("es", {7})], 2)], workers=2)
    assert [(u.frames, u.argv[u.argv.index("-ss") + 1]) for u in edit] == [(100, "27.980000")]


def test_a_re_encoded_segment_draws_a_cue_from_its_exact_first_frame(make_project, tmp_path):
    """At 30 fps the seek point (half a frame before a segment) is not a whole number of ticks: shifting the
    timestamps back by it left every frame of a re-encoded segment a tick early, and libass (which truncates
    to milliseconds) drew a cue that starts exactly on a frame one frame late (found by bench/edit_loop.py:
    one frame at 23.7 dB against a one-piece encode)."""
    from conftest import make_video

    cues = [(0.5, 1.0, "Survivors deserve to be heard."), (2.2, 2.6, "Help is available.")]  # frames 66-78
    root = make_project(videos={"talk": {"tracks": {"en": cues}}}, catalog_extra=CATALOG, seconds=4.0,
                        size="320x180", human_languages=("en",))
    make_video(root / "assets/talk.mp4", 4.0, size="320x180", rate=30)
    build(root, jobs=1)  # one unit from the start: no seek
    write_srt(root / "subtitles/talk/en.srt", [cues[0], (2.2, 2.6, "Help is available now.")])
    plain = tmp_path / "plain"
    subprocess.run(["cp", "-r", str(root), str(plain)], check=True)
    catalog = plain / "assets/catalog.toml"
    catalog.write_text(catalog.read_text().replace("segment_seconds = 2", "segment_seconds = 0"))
    build(root)  # segment 1 (frames 60-119) again, opened by a seek
    assert entries(root)[EN_OUT]["segments"]["encoded"] == {"cue 2 changed": [1]}
    build(plain, force=True)
    psnr = subprocess.run(["ffmpeg", "-v", "info", "-i", str(root / "dist" / EN_OUT), "-i", str(plain / "dist" / EN_OUT),
                           "-lavfi", "psnr", "-f", "null", "-"], capture_output=True, text=True).stderr
    lowest = float(psnr.split(" min:")[1].split()[0])
    assert lowest > 35, psnr.splitlines()[-1]
