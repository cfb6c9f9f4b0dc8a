"""`pipeline check`: every rule on real files, its output and exit codes, tuning from the catalog, frame rate and
length from the real video, and `build` refusing to publish tracks with errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from _corpus import CORPUS, needs_corpus
from conftest import make_video, write_srt
from pipeline.checks import RULES, Problem, check_files, rule
from pipeline.checks.run import language_from_name
from pipeline.cli import cli

CHECKS_DOC = Path(__file__).resolve().parents[1] / "docs" / "tracks-and-checks.md"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def lines_of(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


# One problem per cue (times in seconds); the comments say which rule must fire on which line.
PROBLEMS = [
    (1.0, 1.5, "Short."),                                                    # line 1: min-duration
    (2.0, 6.0, "This single line is much longer than forty-two characters."),  # 5: chars-per-line, min-gap
    (6.02, 8.0, "Right after the cue above."),                               # 9
    (9.0, 17.0, "On screen for far too long."),                              # 13: max-duration
    (18.0, 20.0, "One\nTwo\nThree"),                                         # 17: lines-per-cue
    (19.5, 21.0, "Overlapping."),                                            # 23: overlap
    (22.0, 24.0, ""),                                                        # 27: empty-cue
    (25.0, 27.0, "<i>Unclosed italics"),                                     # 31: unbalanced-tags
    (28.0, 29.0, "Far too much to read in one second."),                     # 35: cps
]


def test_each_rule_reports_file_line_rule_and_message(tmp_path):
    path = write_srt(tmp_path / "notes.srt", PROBLEMS)
    result = run("check", "--fps", "25", str(path))
    out = lines_of(result.stdout)
    name = str(path)
    assert out == [
        f"{name}:1: min-duration: on screen 500 ms (min 833 ms) [warning]",
        f"{name}:5: chars-per-line: line 1 has 58 characters (max 42) [warning]",
        f"{name}:5: min-gap: gap of 20 ms (0.5 frames at 25 fps) before the next cue (min 2 frames = 80 ms) [warning]",
        f"{name}:13: max-duration: on screen 8.00 s (max 7 s) [warning]",
        f"{name}:17: lines-per-cue: 3 lines (max 2) [warning]",
        f"{name}:23: overlap: starts at 00:00:19,500, before line 17 ends (00:00:20,000) [error]",
        f"{name}:27: empty-cue: cue has no visible text [warning]",
        f"{name}:31: unbalanced-tags: <i> is not closed in this cue [error]",
        f"{name}:35: cps: 35.0 characters per second (max 17): 35 characters in 1.00 s [warning]",
        f"{name}: 9 cues: 2 error(s), 7 warning(s)",
    ]
    assert result.exit_code == 1


def test_exit_codes_clean_warnings_errors_unreadable(tmp_path):
    clean = write_srt(tmp_path / "clean.srt", [(1.0, 3.0, "Help is available."), (3.5, 5.0, "You are not alone.")])
    result = run("check", str(clean))
    assert result.exit_code == 0 and lines_of(result.stdout) == [f"{clean}: 2 cues: ok"]
    assert "min-gap assumes 25 fps" in result.stderr  # says what it assumed without a video

    slow = write_srt(tmp_path / "slow.srt", [(1.0, 9.0, "Help is available.")])
    assert run("check", str(slow)).exit_code == 0  # warnings alone do not fail

    broken = tmp_path / "broken.srt"
    broken.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n\nstray text\n", encoding="utf-8")
    result = run("check", str(clean), str(broken))
    assert result.exit_code == 2
    assert f"{broken}:5: text without a timing line: 'stray text'" in result.stdout
    assert "2 files: 0 error(s), 0 warning(s), 1 unreadable" in result.stdout

    result = run("check", str(tmp_path / "missing.srt"))
    assert result.exit_code == 2 and "file not found" in result.stdout


def test_usage_errors_exit_2(tmp_path, make_project, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no project here
    result = run("check", "talk")
    assert result.exit_code == 2
    assert "'talk' is not a file, and there is no project to find a video id in" in result.stderr
    root = make_project()
    result = run("--project", str(root), "check", "no-such-video")
    assert result.exit_code == 2
    assert "'no-such-video' is neither a subtitle file nor a video id" in result.stderr
    assert "videos: talk" in result.stderr
    assert "Traceback" not in result.output
    # a mistyped language must not pass as a clean check (or a fix of nothing)
    for command in ("check", "fix", "shift --by 1s"):
        result = run("--project", str(root), *command.split(), "--lang", "fr", "talk")
        assert result.exit_code == 2, (command, result.output)
        assert "no 'fr' track for talk (tracks: en, es)" in result.stderr
    result = run("--project", str(root), "check", "--encoding", "cp1252", "talk")
    assert result.exit_code == 2
    assert "--encoding is for files, not video ids" in result.stderr
    assert "pipeline fix --encoding cp1252 subtitles/talk/LANG.srt" in result.stderr
    # a --video the user names must be a video: not a missing file, not a subtitle file
    loose = write_srt(tmp_path / "loose.en.srt", [(0.5, 2.0, "A loose file.")])
    for video, words in ((tmp_path / "missing.mp4", "file not found"), (loose, "has no video stream")):
        for command in ("check", "fix"):
            result = run(command, "--video", str(video), str(loose))
            assert result.exit_code == 2, (command, result.output)
            assert words in result.stderr and "--fps RATE" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "loose.en.srt.bak").exists()  # nothing was rewritten


def test_json_for_scripts(tmp_path):
    path = write_srt(tmp_path / "talk.en.srt", PROBLEMS[:2])  # English text: the spelling rule finds nothing
    result = run("check", "--json", str(path))
    data = json.loads(result.stdout)
    assert data["exit_code"] == 0 == result.exit_code
    (entry,) = data["files"]
    assert entry["language"] == "en" and entry["cues"] == 2 and entry["readable"]
    assert [(f["line"], f["cue"], f["rule"], f["severity"]) for f in entry["findings"]] == [
        (1, 1, "min-duration", "warning"), (5, 2, "chars-per-line", "warning")]
    assert data["summary"] == {"files": 1, "unreadable": 0, "errors": 0, "warnings": 2}


def test_english_reads_faster_than_spanish_by_default(tmp_path):
    cue = [(1.0, 3.0, "Thirty-six characters of text here.")]  # 35 characters in 2 s: 17.5 cps
    en = write_srt(tmp_path / "talk.en.srt", cue)
    es = write_srt(tmp_path / "talk.es.srt", cue)
    report = check_files([en, es])
    rules = {t.language: [f.rule for f in t.findings] for t in report.tracks}
    assert rules["en"] == [] and "cps" in rules["es"]


@pytest.mark.parametrize("name,language", [
    ("es.srt", "es"), ("talk.es.srt", "es"), ("talk.pt-BR.vtt", "pt-BR"), ("WonderWoman.srt", None),
    ("gap.srt", None), ("notes.srt", None), ("talk.final.srt", None),
])
def test_language_from_file_name(name, language):
    assert language_from_name(Path(name)) == language


# -- catalog videos ------------------------------------------------------------------------------------------

GAP_70MS = {"en": [(0.2, 1.4, "Survivors deserve to be heard."), (1.47, 2.8, "Support services help.")],
            "es": [(0.2, 1.4, "Merecen ser escuchadas."), (1.47, 2.8, "Los servicios ayudan.")]}


def _rules(output: str, path_end: str) -> list[str]:
    return [line.split(": ")[1] for line in output.splitlines() if line.split(":")[0].endswith(path_end)
            and line.count(": ") >= 2 and "[" in line]


def test_min_gap_uses_the_videos_frame_rate(make_project):
    root = make_project({"talk": {"tracks": GAP_70MS}})  # 25 fps: 2 frames = 80 ms > 70 ms
    result = run("--project", str(root), "check", "talk")
    assert "gap of 70 ms (1.8 frames at 25 fps)" in result.stdout
    assert "note:" not in result.stderr  # frame rate and length come from probing the video
    make_video(root / "assets" / "talk.mp4", 3.0, rate=30)  # 2 frames = 66.7 ms < 70 ms
    result = run("--project", str(root), "check", "talk")
    assert "min-gap" not in result.stdout, result.stdout
    assert result.exit_code == 0


def test_past_the_end_of_the_real_video(make_project):
    root = make_project({"talk": {"tracks": {"en": [(0.5, 2.0, "Within the video."), (2.5, 3.6, "After it.")]}}})
    result = run("--project", str(root), "check", "talk")
    assert result.exit_code == 1
    assert "en.srt:5: past-end: ends at 00:00:03,600, after the video ends (00:00:03,000) [error]" in result.stdout


def test_loose_file_checked_against_the_video_named(tmp_path):
    video = tmp_path / "clip.mp4"
    make_video(video, 3.0, rate=30)  # 2 frames = 66.7 ms
    loose = write_srt(tmp_path / "clip.en.srt", [(0.2, 1.4, "Within the video."), (1.47, 2.6, "Still within it."),
                                                 (2.8, 3.5, "After its end.")])
    result = run("check", str(loose))  # 25 fps assumed: the 70 ms gap is under 2 frames (80 ms)
    assert "min-gap" in result.stdout and "past-end" not in result.stdout
    result = run("check", "--video", str(video), str(loose))
    assert "min-gap" not in result.stdout, result.stdout
    assert "clip.en.srt:9: past-end: ends at 00:00:03,500, after the video ends (00:00:03,000) [error]" in result.stdout
    assert result.exit_code == 1 and "note:" not in result.stderr


def test_catalog_tuning_per_project_language_and_video(make_project):
    tracks = {"en": [(0.2, 2.8, "A sentence of exactly thirty-six chars")],
              "es": [(0.2, 2.8, "Una frase de exactamente treinta y seis")]}
    root = make_project({"talk": {"tracks": tracks}},
                        catalog_extra='[check]\nmax_chars_per_line = 30\nseverity = { chars-per-line = "error" }\n'
                                      "[check.es]\nmax_chars_per_line = 40\n")
    result = run("--project", str(root), "check", "talk")
    assert "en.srt:1: chars-per-line: line 1 has 38 characters (max 30) [error]" in result.stdout
    assert "es.srt:1: chars-per-line" not in result.stdout
    assert result.exit_code == 1
    catalog = root / "assets" / "catalog.toml"
    catalog.write_text(catalog.read_text() + '\n[videos.check]\nseverity = { chars-per-line = "off" }\n')
    result = run("--project", str(root), "check", "talk")
    assert "chars-per-line" not in result.stdout and result.exit_code == 0


@pytest.mark.parametrize("extra,words", [
    ("[check]\nmax_chars = 40\n", "[check]: unknown key 'max_chars'"),
    ("[check]\nmax_cps = \"fast\"\n", "max_cps must be a number of 0 or more"),
    # the key is valid in [check] and wrong in [check.es]: the message names that table and its line
    ("[check]\nmax_cps = 15\n[check.es]\nmax_cps = \"fast\"\n", "catalog.toml:7: [check.es]: max_cps must be a number"),
    ("[check]\nmax_lines_per_cue = 2.5\n", "max_lines_per_cue must be a whole number"),
    ('[check]\nseverity = { cpz = "error" }\n', "severity for unknown rule 'cpz'"),
    ('[check]\nseverity = { cps = "fatal" }\n', "severity of cps must be one of error, warning, off"),
])
def test_bad_check_settings_are_one_clear_line(make_project, extra, words):
    root = make_project(catalog_extra=extra)
    result = run("--project", str(root), "check")
    assert result.exit_code == 2
    assert words in result.stderr
    assert f"{root / 'assets' / 'catalog.toml'}:" in result.stderr  # with the line of the key
    assert "Traceback" not in result.output


def test_identical_to_source_and_file_under_subtitles(make_project):
    tracks = {"en": [(0.2, 1.4, "Survivors deserve to be heard."), (1.6, 2.8, "OK.")],
              "es": [(0.2, 1.4, "Survivors deserve to be heard."), (1.6, 2.8, "OK.")]}
    root = make_project({"talk": {"tracks": tracks}})
    es = root / "subtitles" / "talk" / "es.srt"
    result = run("--project", str(root), "check", str(es))
    assert "es.srt:1: identical-to-source: identical to the source cue (en.srt:1): not translated? [warning]" \
        in result.stdout
    assert "es.srt:5: identical-to-source" not in result.stdout  # "OK." is fine in both languages
    assert "en.srt" not in result.stdout.replace("(en.srt:1)", "")  # only the file asked about is reported
    assert "note:" not in result.stderr  # checked as the catalog track: the video was probed


def test_a_rule_plugs_in_and_glossary_is_a_hook(tmp_path):
    assert RULES["glossary"].severity == "error"
    path = write_srt(tmp_path / "talk.en.srt", [(1.0, 3.0, "We use the term child pornography here.")])
    assert not [f for f in check_files([path]).tracks[0].findings if f.rule == "glossary"]

    @rule("test-no-pornography", severity="error", params={"test_banned": 1}, summary="test rule")
    def banned(ctx, settings):
        for i, cue in enumerate(ctx.track):
            if "pornography" in cue.text and settings["test_banned"]:
                yield Problem(i, 'use "child sexual abuse material"')

    try:
        report = check_files([path])
        (finding,) = report.tracks[0].findings
        assert finding.format() == (f'{path}:1: test-no-pornography: use "child sexual abuse material" [error]')
        assert report.exit_code == 1
    finally:
        del RULES["test-no-pornography"]


def test_rule_modules_is_the_one_place_rules_are_registered():
    """Adding a rule is one step: ``@rule`` in a module named in RULE_MODULES. A module with rules that the
    tuple does not name would register them only by the accident of some other import."""
    import pipeline.checks
    from pipeline.checks import RULE_MODULES

    folder = Path(pipeline.checks.__file__).parent
    with_rules = {f"pipeline.checks.{p.stem}" for p in folder.glob("*.py")
                  if "\n@rule(" in p.read_text(encoding="utf-8")}
    assert with_rules == set(RULE_MODULES)
    assert {r.func.__module__ for r in RULES.values()} == set(RULE_MODULES)
    # the order of RULES is the order of RULE_MODULES (it is the order findings of one line are listed in)
    modules = [r.func.__module__ for r in RULES.values()]
    assert sorted(modules, key=RULE_MODULES.index) == modules


def test_every_rule_is_documented():
    """Every rule id and each of its [check] keys appear in the page that lists the rules."""
    section = CHECKS_DOC.read_text(encoding="utf-8")
    for rule_id, r in RULES.items():
        assert f"`{rule_id}`" in section, rule_id
        for key in r.params:
            assert f"`{key}" in section, key


# -- build --------------------------------------------------------------------------------------------------

BROKEN_ES = [(0.2, 1.4, "<i>Merecen ser escuchadas."), (1.6, 2.8, "Los servicios de apoyo ayudan.")]


def test_build_stops_on_errors_in_a_human_track(make_project):
    root = make_project({"talk": {"tracks": {"en": GAP_70MS["en"], "es": BROKEN_ES}}})
    result = run("--project", str(root), "build")
    assert result.exit_code == 1
    assert "es.srt:1: unbalanced-tags: <i> is not closed in this cue [error]" in result.stdout
    assert "min-gap" not in result.stdout  # warnings are counted in the summary, not listed
    assert "es.srt: 2 cues: 1 error(s)" in result.stdout
    assert "check found errors in tracks that would be published" in result.stderr
    assert "--ignore-check" in result.stderr
    assert not (root / "dist").exists() or not list((root / "dist").rglob("*.mp4"))


@pytest.mark.slow
def test_build_with_ignore_check_renders_and_still_reports(make_project):
    root = make_project({"talk": {"tracks": {"en": GAP_70MS["en"], "es": BROKEN_ES}}})
    result = run("--project", str(root), "build", "--ignore-check")
    assert result.exit_code == 0, result.output
    assert "unbalanced-tags" in result.stdout
    assert "rendering despite check errors" in result.stderr
    assert (root / "dist" / "talk" / "talk.es.burned-in.mp4").is_file()


# -- the corpus ---------------------------------------------------------------------------------------------

@needs_corpus
def test_corpus_overlaps_and_unclosed_tags_are_found():
    report = check_files([CORPUS / "srt_realworld_malformed/pysrt__overlapping-dialogues.srt",
                          CORPUS / "srt_realworld_malformed/astisub__example-in-styled.srt"])
    overlaps, styled = report.tracks
    assert [f.line for f in overlaps.findings if f.rule == "overlap"] == [5, 10, 15]
    assert [f.line for f in styled.findings if f.rule == "unbalanced-tags"] == [31]
    assert report.exit_code == 1


@needs_corpus
def test_corpus_largest_file_checks_cleanly_of_errors():
    report = check_files([CORPUS / "srt_realworld_malformed/subtitlejs__WonderWoman.srt"])
    (track,) = report.tracks
    assert track.cues == 1586 and track.errors == 0 and report.exit_code == 0
    assert {f.rule for f in track.findings} == {"cps", "chars-per-line"}


def test_check_one_language_of_a_video(make_project):
    root = make_project()
    result = run("--project", str(root), "check", "talk", "--lang", "es")
    assert "es.srt: 2 cues" in result.stdout and "en.srt" not in result.stdout


def test_check_track_for_the_review_page(make_project):
    from pipeline.checks import check_track
    from pipeline.project import load_project

    root = make_project({"talk": {"tracks": {"en": GAP_70MS["en"], "es": BROKEN_ES}}})
    project = load_project(root, explicit=True)
    findings = check_track(project, "talk", "es")
    assert ("unbalanced-tags", "error", 1) in [(f.rule, f.severity, f.cue) for f in findings]
    assert {f.language for f in findings} == {"es"}
    (root / "subtitles/talk/es.srt").write_text("1\nnot a timing line\nHola\n", encoding="utf-8")
    (finding,) = check_track(project, "talk", "es")
    assert (finding.rule, finding.severity, finding.cue) == ("unreadable", "error", None)
    assert "cue number 1 is not followed by a timing line" in finding.message
