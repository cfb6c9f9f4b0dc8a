"""Publish-ready outputs (issue 14): what each channel needs, checked on real ffmpeg output (ffprobe, pixels)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ffprobe_json
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
    rebuilt = {j.path for j in _build(root).built}
    assert {"talk/talk.en.burned-in.mp4", "talk/talk.subtitled.mp4", "talk/talk.subtitled.mkv"} <= rebuilt
    assert "talk/talk.en.vtt" not in rebuilt
