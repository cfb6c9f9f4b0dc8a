"""Regressions from the adversarial pass of issue 10, each reproduced with the real commands.

Numbers are the issue's: 1-7 lost data, 8-13 gave internal or unclear errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from _corpus import CORPUS, needs_corpus
from pipeline.cli import cli
from pipeline.formats import read_track


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- 1. WebVTT: nothing before the first cue is dropped silently ----------------------------------------------

ONE_DASH = ("WEBVTT\n\n00:00:01.000 -> 00:00:03.000\nSurvivors deserve to be heard.\n\n"
            "00:00:04.000 --> 00:00:06.000\nHelp is available.\n")
TEXT_FIRST = ("WEBVTT\n\nSurvivors deserve to be heard.\n\n"
              "00:00:04.000 --> 00:00:06.000\nHelp is available.\n")


@pytest.mark.parametrize("text,line,words", [
    (ONE_DASH, 3, "malformed timing line '00:00:01.000 -> 00:00:03.000'"),
    (ONE_DASH.replace("\n00:00:01", "\nintro\n00:00:01"), 4, "malformed timing line"),  # after a cue identifier
    (TEXT_FIRST, 3, "text before the first cue, without a timing line: 'Survivors deserve to be heard.'"),
    (ONE_DASH.replace("00:00:01.000 -> 00:00:03.000\nSurvivors deserve to be heard.\n\n", "")
     + "\n00:00:07.000 -> 00:00:08.000\nThank you.\n", 6, "malformed timing line"),  # after the first cue
])
def test_1_webvtt_text_or_bad_timing_before_a_cue_is_an_error(tmp_path, text, line, words):
    path = tmp_path / "talk.en.vtt"
    path.write_text(text, encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}: {words}" in result.stdout
    result = run("fix", str(path))
    assert result.exit_code == 2 and f"{path}:{line}: " in result.stderr
    assert path.read_text(encoding="utf-8") == text and files_in(tmp_path) == ["talk.en.vtt"]
    out = tmp_path / "talk.es.vtt"
    result = run("translate", str(path), "--to", "es", "--engine", "apertium", "-o", str(out))
    assert result.exit_code == 2 and f"{path}:{line}: " in result.stderr and not out.exists()


# -- 2. a save made while fix or shift runs is never lost -----------------------------------------------------

SAVED = "\n3\n00:00:09,000 --> 00:00:10,000\nA cue the translator saved meanwhile.\n"


def _two_cues(tmp_path: Path) -> Path:
    path = tmp_path / "talk.es.srt"
    path.write_text("2\n00:00:05,000 --> 00:00:07,000\nSegundo.\n\n1\n00:00:01,000 --> 00:00:04,000\nPrimero.\n",
                    encoding="utf-8")
    return path


def _assert_the_save_survived(result, path: Path) -> None:
    assert result.exit_code == 1, result.output
    assert f"{path}: changed on disk while it was being rewritten; nothing was written" in result.stderr
    assert path.read_text(encoding="utf-8").endswith(SAVED)
    assert files_in(path.parent) == [path.name]  # no backup of a version that was never replaced, nothing partial


def test_2_fix_refuses_to_replace_a_file_saved_while_it_ran(tmp_path, monkeypatch):
    import pipeline.fix

    path = _two_cues(tmp_path)
    real = pipeline.fix.fix_track

    def fix_while_a_person_saves(track, options=None):
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(SAVED)
        return real(track, options)

    monkeypatch.setattr(pipeline.fix, "fix_track", fix_while_a_person_saves)
    _assert_the_save_survived(run("fix", str(path)), path)
    # with other files, the others are still fixed
    other = tmp_path / "other" / "talk.en.srt"
    other.parent.mkdir()
    other.write_text("2\n00:00:05,000 --> 00:00:07,000\nSecond.\n\n1\n00:00:01,000 --> 00:00:04,000\nFirst.\n")
    path.write_text(path.read_text().removesuffix(SAVED))
    result = run("fix", str(path), str(other))
    assert result.exit_code == 1 and "changed on disk" in result.stderr
    assert [c.text for c in read_track(other)] == ["First.", "Second."]


def test_2_fix_checks_again_just_before_the_replace(tmp_path, monkeypatch):
    """The save lands after the backup is written, while the new text is being written."""
    import pipeline.fix

    path = _two_cues(tmp_path)
    real = pipeline.fix.atomic_write_text

    def write_while_a_person_saves(target, text, expect=None):
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(SAVED)
        return real(target, text, expect=expect)

    monkeypatch.setattr(pipeline.fix, "atomic_write_text", write_while_a_person_saves)
    result = run("fix", str(path))
    assert result.exit_code == 1 and "changed on disk" in result.stderr
    assert path.read_text(encoding="utf-8").endswith(SAVED)
    assert not [n for n in files_in(tmp_path) if "partial" in n]


def test_2_shift_refuses_to_replace_a_file_saved_while_it_ran(tmp_path, monkeypatch):
    import pipeline.cli.subtitle_cmds as commands

    path = _two_cues(tmp_path)
    real = commands.shift_track

    def shift_while_a_person_saves(*args, **kwargs):
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(SAVED)
        return real(*args, **kwargs)

    monkeypatch.setattr(commands, "shift_track", shift_while_a_person_saves)
    _assert_the_save_survived(run("shift", str(path), "--by", "+1s"), path)


# -- 3. words players hide are kept and reported --------------------------------------------------------------

def test_3_fix_keeps_cues_whose_only_text_players_hide(tmp_path):
    path = tmp_path / "talk.en.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:02,000\n<sigh>\n\n2\n00:00:03,000 --> 00:00:05,000\n"
                    "Help is available.\n\n3\n00:00:06,000 --> 00:00:08,000\n<Music>\n\n"
                    "4\n00:00:09,000 --> 00:00:10,000\n<i> </i>\n", encoding="utf-8")
    result = run("fix", str(path))
    assert result.exit_code == 1, result.output
    assert "line 1 (00:00:01,000): players show nothing of this cue: <sigh> reads as a tag" in result.stdout
    assert "line 9 (00:00:06,000): players show nothing of this cue: <Music>" in result.stdout
    assert [c.text for c in read_track(path)] == ["<sigh>", "Help is available.", "<Music>"]  # only <i> </i> went
    result = run("check", str(path))
    assert f"{path}:1: hidden-text: players hide text in angle brackets that reads as a tag: <sigh> " \
           "(the cue shows nothing)" in result.stdout
    assert "empty-cue" not in result.stdout


# -- 4. cues that start together keep their order ------------------------------------------------------------

def test_4_fix_keeps_the_file_order_of_cues_with_the_same_timing(tmp_path):
    path = tmp_path / "talk.en.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:02,000\nSurvivors\n\n2\n00:00:00,000 --> 00:00:02,000\ndeserve\n\n"
                    "3\n00:00:02,040 --> 00:00:03,000\nto be heard.\n", encoding="utf-8")
    result = run("fix", str(path))
    assert result.exit_code == 1, result.output  # the two cues overlap: a person decides
    assert [c.text for c in read_track(path)] == ["Survivors", "deserve", "to be heard."]
    again = run("fix", str(path))
    assert "nothing to change" in again.stdout


# -- 5. WebVTT cue identifiers survive fix ---------------------------------------------------------------------

def test_5_fix_keeps_webvtt_cue_identifiers(tmp_path):
    path = tmp_path / "talk.es.vtt"
    path.write_text("WEBVTT\n\nsecond-line\n00:00:03.000 --> 00:00:04.000\nSegunda.\n\n"
                    "intro\n00:00:01.000 --> 00:00:02.000\nPrimera.\n\n00:00:05.000 --> 00:00:06.000\nSin id.\n",
                    encoding="utf-8")
    assert run("fix", str(path)).exit_code == 0
    assert path.read_text(encoding="utf-8") == (
        "WEBVTT\n\nintro\n00:00:01.000 --> 00:00:02.000\nPrimera.\n\n"
        "second-line\n00:00:03.000 --> 00:00:04.000\nSegunda.\n\n00:00:05.000 --> 00:00:06.000\nSin id.\n")
    assert [c.identifier for c in read_track(path)] == ["intro", "second-line", None]


# -- 6. fix repairs a blank line inside a cue when that is the only reading -----------------------------------

STRAY = ("1\n00:00:01,000 --> 00:00:03,000\nSurvivors deserve\n\nto be heard.\n\n"
         "2\n00:00:04,000 --> 00:00:06,000\nHelp is available.\n")


def test_6_fix_joins_text_after_a_blank_line_to_the_cue_above(tmp_path):
    path = tmp_path / "talk.en.srt"
    path.write_text(STRAY, encoding="utf-8")
    check = run("check", str(path))
    assert check.exit_code == 2 and f"{path}:5: text without a timing line: 'to be heard.'" in check.stdout
    assert "pipeline fix does that" in check.stdout
    dry = run("-v", "fix", "--dry-run", str(path))
    assert dry.exit_code == 0, dry.output
    assert " Survivors deserve\n-\n to be heard.\n" in dry.stdout  # the diff shows the blank line going
    assert "line 5 (00:00:01,000): joined text after a blank line to the cue above (line 1): 'to be heard.'" \
        in dry.stdout
    assert path.read_text(encoding="utf-8") == STRAY
    result = run("fix", str(path))
    assert result.exit_code == 0, result.output
    assert [c.text for c in read_track(path)] == ["Survivors deserve\nto be heard.", "Help is available."]


@pytest.mark.parametrize("text,line", [
    ("1\n00:00:01,000 --> 00:00:03,000\nHello\n\n2\nWorld\n", 6),  # a cue number that lost its timing line
    ("1\n00:00:01,000 --> 00:00:03,000\nHello\n\n00:00:04,000 -> 00:00:05,000\nWorld\n", 5),  # a broken timing
    ("Before any cue.\n\n1\n00:00:01,000 --> 00:00:03,000\nHello\n", 1),  # no cue above
])
def test_6_fix_names_the_line_when_joining_is_not_the_only_reading(tmp_path, text, line):
    path = tmp_path / "talk.en.srt"
    path.write_text(text, encoding="utf-8")
    result = run("fix", str(path))
    assert result.exit_code == 2 and f"{path}:{line}: " in result.stderr
    assert "pipeline fix does that" not in result.stderr
    assert path.read_text(encoding="utf-8") == text and files_in(tmp_path) == ["talk.en.srt"]


@needs_corpus
def test_6_fix_repairs_the_real_file_with_text_after_a_blank_line(tmp_path):
    path = tmp_path / "promo.en.srt"
    path.write_bytes((CORPUS / "parallel/mediaelement_promo/mediaelement.en.srt").read_bytes())
    assert run("check", str(path)).exit_code == 2  # line 61: text without a timing line
    result = run("fix", str(path))
    assert result.exit_code in (0, 1), result.output
    track = read_track(path)
    assert len(track) == 15 and track[14].text.startswith("Hope you like it.\nCome follow me at <a href=")


# -- 11. only real tags count as tags --------------------------------------------------------------------------

def test_11_less_than_and_greater_than_are_not_tags(tmp_path):
    path = tmp_path / "talk.en.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:03,000\nIf a < b > c, say so.\n", encoding="utf-8")
    result = run("check", str(path))
    assert "unbalanced-tags" not in result.stdout and result.exit_code == 0, result.output
    path.write_text("1\n00:00:01,000 --> 00:00:03,000\n<i>Still unclosed.\n", encoding="utf-8")
    assert "unbalanced-tags: <i> is not closed" in run("check", str(path)).stdout


# -- 12. fix --dry-run does not send a cue's escape sequences to the terminal --------------------------------

def test_12_dry_run_shows_control_characters_escaped(tmp_path):
    path = tmp_path / "talk.en.srt"
    text = ("2\n00:00:05,000 --> 00:00:07,000\n\x1b]0;pwned\x07\x1b[2JSecond.\n\n"
            "1\n00:00:01,000 --> 00:00:04,000\nFirst \x1b[31mred\x1b[0m.\n")
    path.write_text(text, encoding="utf-8")
    result = run("fix", "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "+First \\x1b[31mred\\x1b[0m." in result.stdout and "\\x1b]0;pwned\\x07\\x1b[2JSecond." in result.stdout
    assert path.read_text(encoding="utf-8") == text


# -- 9. what is not a regular file, or far too large, is refused without blocking ----------------------------

REPO = Path(__file__).resolve().parents[1]


def pipeline_cmd(*args: str, cwd: Path | None = None, timeout: float = 30):
    """The real command in a child process with 2 GiB of address space: a read that blocks forever fails the
    test instead of hanging it, and one that never ends fails with MemoryError instead of exhausting the
    machine's memory."""
    import os
    import resource
    import subprocess
    import sys

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd or REPO, env=env,
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit_memory)


def test_9_check_refuses_a_device_instead_of_running_out_of_memory():
    result = pipeline_cmd("check", "/dev/zero")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "/dev/zero: is a device, not a regular file" in result.stdout


def test_9_a_fifo_named_like_a_subtitle_file_is_refused_not_waited_on(tmp_path, make_project):
    import os

    fifo = tmp_path / "talk.es.srt"
    os.mkfifo(fifo)
    for command in (["check", str(fifo)], ["fix", str(fifo)], ["shift", str(fifo), "--by", "1s"]):
        result = pipeline_cmd(*command)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert f"{fifo}: is a FIFO, not a regular file" in result.stdout + result.stderr
    root = make_project()
    track = root / "subtitles/talk/sq.srt"
    os.mkfifo(track)
    for command in (["status", "--json"], ["check"], ["draft", "talk", "--to", "sq", "--engine", "apertium"]):
        result = pipeline_cmd("--project", str(root), *command)
        assert f"{track}: is a FIFO, not a regular file" in result.stdout + result.stderr, (command, result.stdout)
        assert "Traceback" not in result.stderr


def test_9_a_huge_file_is_refused_with_its_size(tmp_path):
    path = tmp_path / "talk.en.srt"
    with open(path, "wb") as fh:
        fh.truncate(40 * 1024 * 1024)  # sparse: costs no disk
    result = run("check", str(path))
    assert result.exit_code == 2
    assert f"{path}: is 40.0 MiB: larger than any subtitle file (the limit is 16 MiB)" in result.stdout


# -- 10. absurd values: bounded shifts, and nothing runs past the video's end --------------------------------

@pytest.mark.parametrize("args,words", [
    (["--by", "99999999999999999999"], "the offset '99999999999999999999' is more than a day"),
    (["--fps", "25:1e-300"], "the frame rate '1e-300' is outside 1-1000 fps"),
    (["--fps", "0.5:25"], "the frame rate '0.5' is outside 1-1000 fps"),
    (["--by", "+23:30:00"], "would end after 99:59:59,999"),
])
def test_10_shift_refuses_absurd_values(tmp_path, args, words):
    path = tmp_path / "talk.es.srt"
    text = "1\n00:00:01,000 --> 00:00:02,000\nHola.\n\n2\n80:00:00,000 --> 80:00:02,000\nAdiós.\n"
    path.write_text(text, encoding="utf-8")
    result = run("shift", str(path), *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr
    assert path.read_text(encoding="utf-8") == text and files_in(tmp_path) == ["talk.es.srt"]


@pytest.mark.slow
def test_10_a_cue_past_the_videos_end_stops_publishing_and_never_stretches_an_output(make_project):
    from conftest import ffprobe_json

    late = [(0.2, 1.4, "Las personas sobrevivientes merecen ser escuchadas."), (7200.0, 7202.0, "Dos horas después.")]
    root = make_project({"talk": {"tracks": {"en": [(0.2, 2.8, "Survivors deserve to be heard.")], "es": late}}})
    result = run("--project", str(root), "check")
    assert result.exit_code == 1
    assert "es.srt:5: past-end: ends at 02:00:02,000, after the video ends (00:00:03,000) [error]" in result.stdout
    build = run("--project", str(root), "build")
    assert build.exit_code == 1 and "check found errors in tracks that would be published" in build.output
    assert not (root / "dist/talk").exists()
    build = run("--project", str(root), "build", "--ignore-check")
    assert build.exit_code == 0, build.output
    for name in ("talk.subtitled.mkv", "talk.subtitled.mp4", "talk.es.burned-in.mp4"):
        info = ffprobe_json(root / "dist/talk" / name)
        assert float(info["format"]["duration"]) < 3.2, name  # the video's 3 s, not two hours


# -- 8 and 13. the catalog: not UTF-8, and every section validated at load with its line --------------------

def test_8_a_catalog_that_is_not_utf8_is_a_catalog_error(make_project):
    root = make_project()
    catalog = root / "assets/catalog.toml"
    catalog.write_bytes(catalog.read_bytes().replace(b'title = "talk title"', 'title = "Presentación"'.encode("cp1252")))
    line = catalog.read_bytes().split(b"\n").index('title = "Presentación"'.encode("cp1252")) + 1
    result = run("--project", str(root), "status")
    assert result.exit_code == 2
    assert result.output == (f"error: {catalog}:{line}: not UTF-8: byte 0xf3 in 'title = \"Presentaci\ufffdn\"' "
                             "(save the catalog as UTF-8 (TOML files are always UTF-8))\n")


BAD_SECTIONS = '''[render]
jobz = 3
decode_once = "yes"

[check]
max_cps = "fast"

[style]
size = 2

[draft]
engine = "google"

[profiles.vertical]
crf = 70
'''


def test_13_every_catalog_section_is_validated_at_load_and_every_error_reported(make_project):
    root = make_project(catalog_extra=BAD_SECTIONS)
    catalog = root / "assets/catalog.toml"
    catalog.write_text(catalog.read_text(encoding="utf-8") + "[videos.check.es]\nmax_chars = 40\n", encoding="utf-8")
    lines = catalog.read_text(encoding="utf-8").splitlines()

    def at(text: str, start: int = 0) -> str:
        return f"{catalog}:{lines.index(text, start) + 1}: "

    for command in (["status"], ["check"], ["build", "--dry-run"]):
        result = run("--project", str(root), *command)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output and "internal error" not in result.output
        out = result.output.splitlines()
        assert out[0] == f"error: 7 problems in {catalog}:"
        assert out[1:] == [
            at("jobz = 3") + "[render]: unknown key 'jobz' (known keys: jobs, decode_once, hls, segment_seconds, "
                             "memory_mib, executor, scheduler)",
            at('decode_once = "yes"') + "[render]: decode_once must be true or false, got 'yes' "
                                        "(write decode_once = true (no quotes))",
            at('max_cps = "fast"') + "[check]: max_cps must be a number of 0 or more, got 'fast'",
            at("size = 2") + "[style]: size = 2 is outside 0.01-0.3 (sizes and margins are fractions of the frame: "
                             "0.06 = 6%)",
            at('engine = "google"') + "[draft]: engine must be one of auto, marian, nllb, argos, apertium, got 'google'",
            at("crf = 70") + "[profiles.vertical]: crf must be a whole number from 0 to 51 (23 is x264's default)",
            at("max_chars = 40") + "[videos.check.es] of video 'talk': unknown key 'max_chars' (known keys: "
            + ", ".join(sorted(__import__("pipeline.checks", fromlist=["defaults"]).defaults())) + ")",
        ]


@pytest.mark.parametrize("extra,words", [
    ("[render]\njobs = 0\n", "[render]: jobs must be a whole number of jobs, at least 1, got 0"),
    ("[render.es]\njobs = 2\n", "[render] has no per-language settings ([render.es])"),
    ('[draft]\nfrom = "klingon"\n', "[draft]: from: unknown language code 'klingon'"),
    ("[draft.sq]\nmax_lines = 0\n", "[draft.sq]: max_lines must be a positive whole number, got 0"),
    ('[profiles]\nbuild = ["web", "story"]\n', "[profiles.story]: is not a built-in profile"),
    ('[profiles.es]\naspect = "1:1"\n', "[profiles.es]: is a language code"),
    ('[style.ar]\nshadow = 1\n', "[style.ar]: style key 'shadow' is not known"),
    ('[check]\nmax_cps = 15\n[project.check]\nmax_cps = 16\n', "[check] and [project.check] are both given"),
])
def test_13_each_section_names_its_table_and_line(make_project, extra, words):
    root = make_project(catalog_extra=extra)
    result = run("--project", str(root), "status")
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {root / 'assets/catalog.toml'}:") and words in result.output
    assert result.output.count("\n") == 1
