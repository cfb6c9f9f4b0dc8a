"""The command line: help everywhere, status, probe, add, and bad input as one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import EN_CUES, ES_CUES, make_video, write_srt
from pipeline.cli import cli
from pipeline.formats import read_track


def invoke(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env)


def walk(group: click.Group, prefix=()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from walk(command, prefix + (name,))


def test_every_command_has_help_text():
    commands = list(walk(cli))
    assert len(commands) >= 5
    for path, command in commands:
        assert (command.help or "").strip(), f"pipeline {' '.join(path)} has no help text"
        result = invoke(*path, "--help")
        assert result.exit_code == 0, path
        assert "Usage:" in result.output
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden and param.name not in ("help",):
                assert param.help, f"pipeline {' '.join(path)} {param.opts[0]} has no help"


def test_readme_command_table_lists_every_command_and_its_options():
    """The README's command table is the tour new users read: it must not drift from the real CLI."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for name in cli.list_commands(click.Context(cli)):
        assert f"`pipeline {name}" in table, f"pipeline {name} is missing from the README's command table"
    for option in ("--project", "-v", "-q"):
        assert f"`{option}" in table, f"global option {option} is not described under ## Commands"


def test_status_table_and_json(make_project):
    root = make_project()
    write_srt(root / "subtitles/talk/fr.srt", EN_CUES)
    result = invoke("--project", str(root), "status")
    assert result.exit_code == 0, result.output
    assert "talk" in result.output and "fr" in result.output
    data = json.loads(invoke("--project", str(root), "status", "--json").output)
    tracks = {t["language"]: t for t in data["videos"][0]["tracks"]}
    assert list(tracks) == ["en", "es", "fr"]  # human languages first
    assert tracks["en"]["cues"] == 2 and tracks["en"]["origin"] == "human" and tracks["en"]["publishable"]


def test_status_reports_an_unreadable_track(make_project):
    root = make_project()
    (root / "subtitles/talk/es.srt").write_text("1\n00:00:01,000 -> 00:00:02,000\nHola\n", encoding="utf-8")
    data = json.loads(invoke("--project", str(root), "status", "--json").output)
    es = [t for t in data["videos"][0]["tracks"] if t["language"] == "es"][0]
    assert not es["publishable"]
    assert "es.srt:2: " in es["reason"] and "timing line" in es["reason"]


def test_probe(tmp_path):
    video = make_video(tmp_path / "clip.mp4", 2.0, size="320x240")
    result = invoke("probe", str(video))
    assert result.exit_code == 0, result.output
    assert "320x240 @ 25 fps" in result.output and "aac" in result.output and "h264" in result.output
    data = json.loads(invoke("probe", "--json", str(video)).output)
    assert data["width"] == 320 and abs(data["duration"] - 2.0) < 0.05
    assert [s["kind"] for s in data["streams"]] == ["video", "audio"]


def test_probe_corrupt_and_truncated_video(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    result = invoke("probe", str(bad))
    assert result.exit_code != 0
    assert result.output.startswith("error: ") and "bad.mp4" in result.output and "Traceback" not in result.output
    good = make_video(tmp_path / "good.mp4", 2.0)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    result = invoke("probe", str(truncated))
    assert result.exit_code != 0 and "truncated.mp4" in result.output


def test_missing_ffmpeg_is_one_clear_line(make_project, monkeypatch):
    root = make_project()
    monkeypatch.setenv("PATH", "/nonexistent")
    result = invoke("--project", str(root), "render")
    assert result.exit_code == 3
    assert result.output.strip().splitlines() == [
        "error: ffprobe was not found on PATH (install it: apt-get install ffmpeg (Debian/Ubuntu), "
        "or put ffmpeg and ffprobe on PATH)"]


def test_add_registers_and_extracts_embedded_tracks(make_project, tmp_path):
    root = make_project()
    en = write_srt(tmp_path / "in-en.srt", EN_CUES)
    es = write_srt(tmp_path / "in-es.srt", ES_CUES)
    clip = make_video(tmp_path / "New Clip.mkv", 3.0, subtitles=[(en, "eng"), (es, "spa")])
    write_srt(root / "subtitles/chapter-2/es.srt", [(0.0, 1.0, "Traducción de una persona.")])
    before = (root / "subtitles/chapter-2/es.srt").read_bytes()
    result = invoke("--project", str(root), "add", str(clip), "--id", "chapter-2", "--audio-language", "en",
                    "--title", "Chapter 2")
    assert result.exit_code == 0, result.output
    assert "extracted subtitles/chapter-2/en.srt" in result.output
    assert "kept existing subtitles/chapter-2/es.srt" in result.output
    assert (root / "subtitles/chapter-2/es.srt").read_bytes() == before  # never overwritten
    got = read_track(root / "subtitles/chapter-2/en.srt")
    assert [c.plain for c in got] == ["Survivors deserve to be heard.", "Support services make a difference."]
    catalog = (root / "assets/catalog.toml").read_text()
    assert 'id = "chapter-2"' in catalog and 'source = "videos/chapter-2.mkv"' in catalog
    assert (root / "assets/videos/chapter-2.mkv").is_file()
    data = json.loads(invoke("--project", str(root), "status", "--json").output)
    assert [v["video"] for v in data["videos"]] == ["talk", "chapter-2"]


def test_add_a_short_entry_after_existing_videos(make_project, tmp_path):
    # A short entry is the case a TOML writer may lay out inline (`videos = [{...}]`): after the last
    # [[videos]] table that would become a key of that video and the catalog would refuse it.
    root = make_project()
    clip = make_video(tmp_path / "c.mp4", 1.0)
    result = invoke("--project", str(root), "add", str(clip), "--id", "x", "--audio-language", "en")
    assert result.exit_code == 0, result.output
    data = json.loads(invoke("--project", str(root), "status", "--json").output)
    assert [v["video"] for v in data["videos"]] == ["talk", "x"]
    assert (root / "assets/videos/x.mp4").is_file()


@pytest.mark.parametrize("content", [b"", b"this is not a video at all\n" * 50])
def test_add_refuses_a_file_that_is_not_a_video(make_project, tmp_path, content):
    root = make_project()
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(content)
    catalog_before = (root / "assets/catalog.toml").read_text()
    result = invoke("--project", str(root), "add", str(fake), "--id", "fake", "--audio-language", "en")
    assert result.exit_code != 0
    assert result.output.startswith("error: ") and "fake.mp4" in result.output
    assert (root / "assets/catalog.toml").read_text() == catalog_before


def test_add_refuses_bad_id_and_language(make_project, tmp_path):
    root = make_project()
    clip = make_video(tmp_path / "c.mp4", 1.0)
    assert invoke("--project", str(root), "add", str(clip), "--id", "../up", "--audio-language", "en").exit_code == 2
    assert invoke("--project", str(root), "add", str(clip), "--id", "talk", "--audio-language", "en").exit_code == 2
    result = invoke("--project", str(root), "add", str(clip), "--id", "ok", "--audio-language", "klingon")
    assert result.exit_code == 2 and "unknown language code" in result.output


def test_unknown_video_id(make_project):
    root = make_project()
    result = invoke("--project", str(root), "render", "nope")
    assert result.exit_code == 2 and "no video 'nope'" in result.output and "talk" in result.output


def test_render_never_silently_drops_a_persons_track(make_project):
    root = make_project()
    (root / "subtitles/talk/es.srt").write_text("1\n00:00:01,000 -> 00:00:02,000\nHola\n", encoding="utf-8")
    result = invoke("--project", str(root), "render")
    assert result.exit_code == 1
    assert "not rendered: talk es: " in result.output and "es.srt:2: " in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: 1 track(s) written by people could not be rendered")
    # the readable track was still rendered, and nothing was made of the broken one
    names = sorted(p.name for p in (root / "dist/talk").iterdir())
    assert "talk.en.burned-in.mp4" in names and not [n for n in names if ".es." in n]


def test_every_command_shows_examples_that_parse():
    """Each command's --help ends with examples, and every example parses with that command's options."""
    import shlex

    from pipeline.cli.examples import EXAMPLES

    for path, command in walk(cli):
        name = " ".join(path)
        assert "Examples:" in invoke(*path, "--help").output, f"pipeline {name} --help has no example"
        for line in EXAMPLES[name]:
            args = shlex.split(line, comments=True)[1:]
            cmd, ctx_name = cli, "pipeline"
            while isinstance(cmd, click.Group) and args and cmd.get_command(click.Context(cmd), args[0]):
                ctx_name, cmd, args = args[0], cmd.get_command(click.Context(cmd), args[0]), args[1:]
            with cmd.make_context(ctx_name, list(args)) as ctx:  # raises click.UsageError on a wrong option
                assert_example_means_what_it_says(cmd, ctx, args, line)


def _shown(value) -> list[str]:
    """A parsed parameter value as the strings an example could have written for it."""
    if isinstance(value, (tuple, list)):
        return [text for item in value for text in _shown(item)]
    return [str(value)]


def assert_example_means_what_it_says(command: click.Command, ctx: click.Context, args: list[str], line: str):
    """Every option the example writes reaches its parameter with the value written (a flag is on), and
    every other word is a positional argument's value: nothing is dropped, misread or left over."""
    options = {name: p for p in command.params if isinstance(p, click.Option) for name in p.opts + p.secondary_opts}
    positional: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        option = options.get(token)
        if option is None:
            positional.append(token)
        elif option.is_flag or option.count:
            assert ctx.params[option.name] not in (False, 0, None), (line, token)
        else:
            i += 1
            assert args[i] in _shown(ctx.params[option.name]), (line, token, ctx.params[option.name])
        i += 1
    arguments = [text for p in command.params if isinstance(p, click.Argument)
                 for text in _shown(ctx.params[p.name]) if ctx.params[p.name] is not None]
    assert positional == arguments, (line, positional, arguments)
    assert not ctx.args, (line, ctx.args)


def test_help_lists_every_command_from_its_summary_without_importing_it():
    """`pipeline --help` reads COMMAND_SUMMARIES; each must say what the command's own help says, at any width."""
    from pipeline.cli import COMMAND_MODULES, COMMAND_SUMMARIES

    assert set(COMMAND_SUMMARIES) == set(COMMAND_MODULES)
    ctx = click.Context(cli)
    for name, summary in COMMAND_SUMMARIES.items():
        command = cli.get_command(ctx, name)
        for limit in (20, 45, 61, 80, 200, 1000):
            shown = click.Command(name, help=summary).get_short_help_str(limit)
            assert shown == command.get_short_help_str(limit), (name, limit)
    out, loaded = modules_loaded_by(["--help"])
    assert "Commands:" in out and "translate  Machine-draft a loose subtitle file" in out
    assert sorted(m for m in loaded if m.startswith("pipeline.")) == ["pipeline.cli", "pipeline.errors"]
    assert not loaded & {*HEAVY, "logging", "dataclasses", "json", "tomllib", "subprocess"}, loaded & HEAVY


#: Modules `pipeline --help` and `pipeline status` must not load: libraries only other commands need, and the
#: parts of pipeline behind them. (Start-up time is measured in bench/startup.py; this keeps the structure.)
#: pipeline.profiles is not among them: check's profile-lines rule reads the burned-in profiles of catalog
#: tracks (issue 14), so status needs it, but not ffmpeg-python nor langcodes through it.
HEAVY = {"rich", "langcodes", "language_data", "fontTools", "jinja2", "ffmpeg", "argostranslate", "ctranslate2",
         "sentencepiece", "ssl", "email", "http", "urllib.request",
         "pipeline.fonts", "pipeline.fribidi", "pipeline.render", "pipeline.build", "pipeline.outputs",
         "pipeline.engines", "pipeline.drafting", "pipeline.protect", "pipeline.review_page", "pipeline.preview",
         "pipeline.cli.draft_cmds", "pipeline.cli.media_cmds", "pipeline.cli.review_cmds", "pipeline.cli.progress"}


def modules_loaded_by(args: list[str], cwd: Path | None = None) -> tuple[str, set[str]]:
    """Run `pipeline ARGS` in a fresh interpreter: (its output, the modules it had loaded at the end)."""
    import subprocess
    import sys

    code = ("import sys; from pipeline.cli import cli\n"
            f"try:\n    cli({args!r}, prog_name='pipeline')\nexcept SystemExit:\n    pass\n"
            "print(sorted(sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=cwd).stdout
    text, _, last = out.rstrip("\n").rpartition("\n")
    return text, set(eval(last))


def test_status_of_the_sample_loads_no_heavy_module():
    """`status` checks every track (it counts findings) but loads neither rich (its table is plain text),
    langcodes (the common tags are a table), fonts nor any other command's machinery."""
    out, loaded = modules_loaded_by(["status"], cwd=Path(__file__).resolve().parents[1])
    assert "explainer-en" in out and "publishable" in out
    assert {"pipeline.checks.spelling", "pipeline.glossary", "pipeline.tracks"} <= loaded  # it did check
    assert not loaded & HEAVY, sorted(loaded & HEAVY)
    assert not {m for m in loaded if m.split(".")[0] in {"rich", "langcodes", "fontTools", "jinja2"}}


def test_status_of_a_built_project_starts_no_child_and_loads_no_process_modules(make_project):
    """Once the build's cache knows the video (a build probed it), `status` runs no ffprobe, so it need not
    load subprocess, shlex or signal (the runner imports them where a run starts), nor drafting's masking
    (pipeline.protect) or the record alignment (difflib) for tracks without a record."""
    from pipeline.cache import project_cache
    from pipeline.project import load_project

    root = make_project()
    project = load_project(root, explicit=True)
    cache = project_cache(project.dist)
    cache.probe(project.video("talk").source)
    cache.save()
    modules_loaded_by(["status"], cwd=root)  # the first run fills the spelling cache (enchant starts ldconfig)
    out, loaded = modules_loaded_by(["status"], cwd=root)
    assert "talk" in out and "publishable" in out
    assert {"pipeline.checks.spelling", "pipeline.glossary", "pipeline.media.runner"} <= loaded  # it did check
    assert not loaded & {*HEAVY, "subprocess", "shlex", "signal", "difflib"}, \
        sorted(loaded & {*HEAVY, "subprocess", "shlex", "signal", "difflib"})


def test_a_build_of_common_languages_never_imports_langcodes(make_project):
    """Every output's language names (track titles, the player page's menu, the manifest) come from the
    table of common tags: importing langcodes cost a one-cue edit build 0.3 s (bench/edit_loop.py)."""
    root = make_project()
    out, loaded = modules_loaded_by(["build"], cwd=root)
    manifest = json.loads((root / "dist/manifest.json").read_text(encoding="utf-8"))
    assert manifest["videos"]["talk"]["languages"]["es"] == {"name": "Spanish", "own_name": "Español"}, manifest
    assert "pipeline.build" in loaded and "ffmpeg" in loaded  # it did build
    assert not {m for m in loaded if m.split(".")[0] in {"langcodes", "language_data"}}


def test_command_modules_map_names_every_command_where_it_is_defined():
    import importlib

    from pipeline.cli import COMMAND_MODULES

    defined = {c.name: module for module in set(COMMAND_MODULES.values())
               for c in importlib.import_module(f"pipeline.cli.{module}").COMMANDS}
    assert defined == COMMAND_MODULES
