"""Catalog discovery and validation: every bad entry is one clear line with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import CatalogError, ProjectNotFound
from pipeline.project import find_root, load_project


def write_catalog(root, body: str):
    (root / "assets").mkdir(parents=True, exist_ok=True)
    (root / "assets" / "v.mp4").write_bytes(b"not checked here")
    (root / "assets" / "catalog.toml").write_text(body, encoding="utf-8")
    return root


GOOD = '''[project]
name = "P"
human_languages = ["en", "es"]

[[videos]]
id = "intro-1"
title = "Intro"
source = "v.mp4"
audio_language = "en"
'''


def test_found_from_a_subfolder_like_git(tmp_path, monkeypatch):
    root = write_catalog(tmp_path / "p", GOOD)
    deep = root / "subtitles" / "intro-1"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_root() == root.resolve()
    project = load_project()
    assert list(project.videos) == ["intro-1"]
    assert project.videos["intro-1"].source == (root / "assets" / "v.mp4").resolve()
    assert project.dist == root.resolve() / "dist"


def test_no_project_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProjectNotFound):
        load_project()
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 2
    assert "no project found" in result.output and "--project" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("edit, expected", [
    (lambda s: s.replace('audio_language = "en"', 'audio_language = "en"\ncolour = "red"'), "unknown key 'colour'"),
    (lambda s: s.replace('source = "v.mp4"', 'source = "missing.mp4"'), "does not exist"),
    (lambda s: s + s[s.index("[[videos]]"):], "duplicate video id 'intro-1'"),
    (lambda s: s.replace('id = "intro-1"', 'id = "../escape"'), "must use only a-z, 0-9"),
    (lambda s: s.replace('id = "intro-1"', 'id = "Intro"'), "must use only a-z, 0-9"),
    (lambda s: s.replace('audio_language = "en"', 'audio_language = "english"'), "unknown language code 'english'"),
    (lambda s: s.replace('["en", "es"]', '["en", "xx"]'), "unknown language code 'xx'"),
    (lambda s: s.replace('audio_language = "en"\n', ''), "missing required key 'audio_language'"),
    (lambda s: s.replace('[project]', '[project'), "not valid TOML"),
])
def test_bad_catalog_entries(tmp_path, edit, expected):
    root = write_catalog(tmp_path / "p", edit(GOOD))
    with pytest.raises(CatalogError) as info:
        load_project(root)
    assert expected in str(info.value)
    assert "catalog.toml" in str(info.value)
    result = CliRunner().invoke(cli, ["--project", str(root), "status"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert expected in result.output


def test_error_names_the_line_of_the_key(tmp_path):
    body = GOOD + GOOD[GOOD.index("[[videos]]"):].replace("intro-1", "second").replace('"en"', '"zz"')
    root = write_catalog(tmp_path / "p", body)
    with pytest.raises(CatalogError) as info:
        load_project(root)
    assert info.value.line == body.splitlines().index('audio_language = "zz"') + 1


def test_settings_merge_project_video_language(tmp_path):
    body = GOOD.replace('human_languages = ["en", "es"]',
                        'human_languages = ["en", "es"]\n[project.check]\nmax_cps = 17\n[project.check.en]\nmax_cps = 20')
    body += '[videos.check]\nmax_lines_per_cue = 3\n'
    root = write_catalog(tmp_path / "p", body)
    project = load_project(root)
    assert project.setting("check", "intro-1", "es") == {"max_cps": 17, "max_lines_per_cue": 3}
    assert project.setting("check", "intro-1", "en") == {"max_cps": 20, "max_lines_per_cue": 3}


def test_bundled_sample_is_the_working_default():
    """The sample that ships with the repository: two 20-40 s narrations (<= 3 MB together), each with
    audio, and human en/es tracks that load, stay inside the video, and pass check with no finding."""
    from pipeline.checks import check_project
    from pipeline.formats import read_track
    from pipeline.media.probe import probe_video

    project = load_project(Path(__file__).resolve().parents[1], explicit=True)
    assert set(project.videos) == {"explainer-en", "explainer-es"}
    assert sum(v.source.stat().st_size for v in project.videos.values()) <= 3 * 1024 * 1024
    for video_id, video in project.videos.items():
        info = probe_video(video.source)
        assert 20 <= info.duration <= 40 and info.has_audio, video_id
        assert project.track_languages(video_id) == ["en", "es"]
        for lang in ("en", "es"):
            track = read_track(project.track_path(video_id, lang), lang)
            assert len(track.cues) >= 8 and track.cues[-1].end <= info.duration * 1000, (video_id, lang)
    report = check_project(project)
    assert [(str(t.path), f.rule, f.message) for t in report.tracks for f in t.findings] == []
    assert all(t.unreadable is None for t in report.tracks) and len(report.tracks) == 4
