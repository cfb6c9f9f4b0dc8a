"""Starting a project and adding videos people can follow: `pipeline init`, and what `pipeline add` says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conftest import EN_CUES, make_video, write_srt
from pipeline.cli import cli
from pipeline.project import load_project

REPO = Path(__file__).resolve().parents[1]


def invoke(*args, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, list(args))
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args))
    finally:
        os.chdir(old)


def test_init_starts_a_project_that_commands_find(tmp_path):
    result = invoke("init", str(tmp_path / "report"), "--name", 'Survivors "voices"', "--languages", "en,es,fr")
    assert result.exit_code == 0, result.output
    root = tmp_path / "report"
    project = load_project(root, explicit=True)
    assert (project.name, project.human_languages, project.source_language, project.videos) == \
        ('Survivors "voices"', ("en", "es", "fr"), "en", {})
    assert all((root / d).is_dir() for d in ("assets/videos", "assets/glossary", "subtitles"))
    assert (root / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "dist/"
    assert git_ignores(root, "dist/talk/talk.en.burned-in.mp4") and not git_ignores(root, "subtitles/talk/en.srt")
    assert "next:" in result.output and "pipeline add VIDEO.mp4 --id talk --audio-language en" in result.output
    assert f"cd {tmp_path / 'report'}" in result.output
    # Commands run inside it find it, like git finds its repository.
    status = invoke("status", cwd=root / "subtitles")
    assert status.exit_code == 0 and 'Survivors "voices"' in status.output


def git_ignores(root: Path, path: str) -> bool:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return subprocess.run(["git", "-C", str(root), "check-ignore", "-q", path]).returncode == 0


def test_init_keeps_what_is_there(tmp_path):
    root = tmp_path / "here"
    root.mkdir()
    (root / ".gitignore").write_text("*.bak\n", encoding="utf-8")
    assert invoke("init", cwd=root).exit_code == 0
    assert (root / ".gitignore").read_text(encoding="utf-8").splitlines()[0] == "*.bak"
    assert load_project(root, explicit=True).name == "here"
    catalog = (root / "assets/catalog.toml").read_bytes()
    again = invoke("init", str(root))
    assert again.exit_code == 2
    assert again.output.strip() == (f"error: {root} is already a project (assets/catalog.toml exists) "
                                    "(add videos with pipeline add, or choose another folder)")
    assert (root / "assets/catalog.toml").read_bytes() == catalog
    bad = invoke("init", str(tmp_path / "other"), "--languages", "en,klingon")
    assert bad.exit_code == 2 and "unknown language code 'klingon'" in bad.output
    assert not (tmp_path / "other" / "assets/catalog.toml").exists()


def test_add_says_what_it_copied_creates_the_track_folder_and_prints_next_steps(tmp_path):
    assert invoke("init", str(tmp_path / "p")).exit_code == 0
    root = tmp_path / "p"
    clip = make_video(tmp_path / "masters" / "Chapter 1.mp4", 2.0)
    size = clip.stat().st_size
    result = invoke("--project", str(root), "add", str(clip), "--id", "chapter-1", "--audio-language", "en",
                    "--title", "Chapter 1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    shown = f"{size / 1e3:.1f} kB" if size < 1e6 else f"{size / 1e6:.1f} MB"
    assert lines[0] == f"added chapter-1: copied {clip} ({shown}) to assets/videos/chapter-1.mp4"
    assert (root / "assets/videos/chapter-1.mp4").read_bytes() == clip.read_bytes()
    assert (root / "subtitles/chapter-1").is_dir()
    assert lines[1:] == ["next:", "  put its tracks in subtitles/chapter-1/, one per language: en.srt, es.srt",
                         "  pipeline check chapter-1      the style rules and the languages' parity",
                         "  pipeline build chapter-1      check, then render everything publishable into "
                         "dist/chapter-1/"]


def test_add_link_keeps_the_file_where_it_is(tmp_path):
    assert invoke("init", str(tmp_path / "p")).exit_code == 0
    root = tmp_path / "p"
    clip = make_video(tmp_path / "masters" / "big master.mp4", 2.0)
    inside = make_video(root / "raw" / "b.mp4", 2.0)
    result = invoke("--project", str(root), "add", str(clip), "--id", "a", "--audio-language", "en", "--link")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(f"added a: {clip} (") and "left where it is (--link)" in result.output
    assert not (root / "assets/videos/a.mp4").exists()
    assert invoke("--project", str(root), "add", str(inside), "--id", "b", "--audio-language", "en",
                  "--link").exit_code == 0
    project = load_project(root, explicit=True)
    assert project.videos["a"].source == clip and project.videos["b"].source == inside
    catalog = (root / "assets/catalog.toml").read_text(encoding="utf-8")
    assert f'source = "{clip}"' in catalog and 'source = "../raw/b.mp4"' in catalog  # inside: moves with it
    # A linked video builds like any other.
    write_srt(root / "subtitles/a/en.srt", EN_CUES[:1])
    build = invoke("--project", str(root), "render", "a", "--plain")
    assert build.exit_code == 0, build.output
    assert (root / "dist/a/a.en.burned-in.mp4").is_file()


def test_add_lists_extracted_tracks_in_its_next_steps(tmp_path):
    assert invoke("init", str(tmp_path / "p")).exit_code == 0
    root = tmp_path / "p"
    en = write_srt(tmp_path / "en.srt", EN_CUES)
    clip = make_video(tmp_path / "c.mkv", 3.0, subtitles=[(en, "eng")])
    result = invoke("--project", str(root), "add", str(clip), "--id", "c", "--audio-language", "en")
    assert result.exit_code == 0, result.output
    assert "  extracted subtitles/c/en.srt" in result.output
    assert "  tracks are in subtitles/c/ (en.srt); add the others as <language>.srt" in result.output


def test_init_in_a_fresh_process_needs_no_project(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "pipeline", "init", str(tmp_path / "x")], cwd=tmp_path,
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "x/assets/catalog.toml").is_file()
