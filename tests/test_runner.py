"""The one door to ffmpeg, against real ffmpeg: logging, progress, failures with meaningful stderr."""

from __future__ import annotations

import logging

import pytest
from click.testing import CliRunner

from conftest import ffprobe_json, make_video
from pipeline.cli import cli
from pipeline.errors import FfmpegError, ToolMissing
from pipeline.media.runner import FfmpegRunner, meaningful_tail


def encode_argv(src, out):
    return ["ffmpeg", "-y", "-i", str(src), "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(out)]


def test_run_logs_the_command_and_reports_progress(tmp_path, caplog):
    src = make_video(tmp_path / "in put's [1].mp4", 2.0)
    out = tmp_path / "out.mp4"
    seen = []
    with caplog.at_level(logging.INFO, logger="pipeline.media.runner"):
        FfmpegRunner().run(encode_argv(src, out), total_seconds=2.0, on_progress=seen.append)
    assert abs(float(ffprobe_json(out)["format"]["duration"]) - 2.0) < 0.05
    # the exact command, shell-quoted so it can be pasted
    assert any("'" in r.message and "in put" in r.message and r.message.startswith("$ ") for r in caplog.records)
    assert seen and seen[-1].fraction == 1.0
    assert all(0.0 <= p.fraction <= 1.0 for p in seen)


def test_failure_carries_the_meaningful_stderr_lines(tmp_path):
    src = make_video(tmp_path / "in.mp4", 1.0)
    argv = ["ffmpeg", "-y", "-i", str(src), "-vf", "nosuchfilter=1", str(tmp_path / "out.mp4")]
    with pytest.raises(FfmpegError) as info:
        FfmpegRunner().run(argv)
    err = info.value
    assert err.returncode != 0
    assert any("nosuchfilter" in line for line in err.stderr_tail)
    assert "Conversion failed!" not in err.stderr_tail
    assert str(err).startswith("ffmpeg failed: ")
    assert not (tmp_path / "out.mp4").exists() or (tmp_path / "out.mp4").stat().st_size == 0


def test_meaningful_tail_drops_blank_and_generic_lines():
    stderr = "Input #0\n\n[AVFilterGraph] No such filter: 'x'\nError opening filters!\nConversion failed!\n"
    assert meaningful_tail(stderr) == ["Input #0", "[AVFilterGraph] No such filter: 'x'", "Error opening filters!"]


def test_missing_binary_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PIPELINE_FFMPEG", "no-such-ffmpeg-binary")
    with pytest.raises(ToolMissing) as info:
        FfmpegRunner().ffmpeg
    assert "apt-get install ffmpeg" in str(info.value)


def test_verbose_cli_shows_the_ffmpeg_command(make_project):
    root = make_project(videos={"talk": {"tracks": {"en": [(0.2, 1.0, "Survivors deserve to be heard.")]}}})
    result = CliRunner().invoke(cli, ["-v", "--project", str(root), "render", "--plain"])
    assert result.exit_code == 0, result.output
    assert "$ " in result.output and "libx264" in result.output and "subtitles=" in result.output
