"""Shared fixtures: real media generated with ffmpeg's lavfi sources, and throwaway projects."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
#: CI sets CI=true: the suite must then be reproducible and may not skip what it needs.
IN_CI = os.environ.get("CI", "").lower() == "true"

# Hypothesis: in CI the same examples every run (derandomised, no example database), so a red build is
# reproducible and a green one is not luck; locally new random examples every run, so the suite keeps
# finding cases. A failing example found either way is kept in the test as an @example.
# Both start from Hypothesis's own defaults: Hypothesis loads its built-in "ci" profile by itself when any CI
# variable is set (even CI=""), and a profile registered without a parent would inherit that.
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True, database=None,
                          deadline=None, print_blob=True)
settings.register_profile("dev", parent=settings.get_profile("default"), deadline=None)
settings.load_profile("ci" if IN_CI else "dev")


@pytest.fixture
def corpus_present():
    """For ``@needs_corpus`` tests (tests/_corpus.py): skip with how to get the corpus, or fail under CI."""
    from _corpus import CORPUS as found
    from _corpus import MISSING

    if found.is_dir():
        return found
    if IN_CI:
        pytest.fail(f"CI=true and a test needs the corpus: {MISSING}", pytrace=False)
    pytest.skip(MISSING)


def make_video(path: Path, seconds: float = 3.0, *, audio: bool = True, size: str = "320x240", rate: int = 25,
               colour: str = "0x3a5f8a", subtitles: list[tuple[Path, str]] | None = None) -> Path:
    """Write a small real H.264(+AAC) file with ffmpeg lavfi sources (optionally with embedded SRT tracks)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    argv = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"color=c={colour}:s={size}:r={rate}:d={seconds}"]
    if audio:
        argv += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
    for srt, _lang in subtitles or []:
        argv += ["-i", str(srt)]
    argv += ["-map", "0:v"] + (["-map", "1:a"] if audio else [])
    first_sub = 2 if audio else 1
    for n, (_srt, lang) in enumerate(subtitles or []):
        argv += ["-map", f"{first_sub + n}:s", f"-metadata:s:s:{n}", f"language={lang}"]
    argv += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        argv += ["-c:a", "aac", "-b:a", "64k"]
    if subtitles:
        argv += ["-c:s", "mov_text" if path.suffix == ".mp4" else "srt"]
    argv += ["-t", str(seconds), str(path)]
    subprocess.run(argv, check=True)
    return path


def ffprobe_json(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_format", "-show_streams",
                          str(path)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def write_srt(path: Path, cues: list[tuple[float, float, str]]) -> Path:
    def ts(sec: float) -> str:
        ms = round(sec * 1000)
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

    path.parent.mkdir(parents=True, exist_ok=True)
    blocks = [f"{i}\n{ts(a)} --> {ts(b)}\n{t}\n" for i, (a, b, t) in enumerate(cues, start=1)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def _enchant_config_in_a_temp_folder(tmp_path_factory):
    """Enchant writes an empty personal word list (~/.config/enchant/<tag>.dic) when it opens a dictionary,
    and the spelling rule keeps its answers in ~/.cache/pipeline/spelling: the tests must not write into the
    home folder (tests of the cache itself point XDG_CACHE_HOME at their own folder)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture(scope="session", autouse=True)
def _media_facts_in_a_temp_folder(tmp_path_factory):
    """The build keeps probe results by content hash in the user's cache folder: not the tester's home."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        patch.delenv("PIPELINE_CACHE_DIR", raising=False)
        yield


EN_CUES = [(0.2, 1.4, "Survivors deserve to be heard."), (1.6, 2.8, "Support services\nmake a difference.")]
ES_CUES = [(0.2, 1.4, "Las personas sobrevivientes\nmerecen ser escuchadas."), (1.6, 2.8, "Los servicios de apoyo\nmarcan la diferencia.")]


@pytest.fixture
def make_project(tmp_path):
    """Build a project folder: ``make_project(videos={'talk': {...}}, name='dir name')``."""

    def build(videos: dict | None = None, dirname: str = "proj", catalog_extra: str = "", seconds: float = 3.0,
              audio: bool = True, size: str = "320x240", human_languages: tuple[str, ...] = ("en", "es")) -> Path:
        root = tmp_path / dirname
        (root / "assets").mkdir(parents=True)
        videos = videos if videos is not None else {"talk": {"tracks": {"en": EN_CUES, "es": ES_CUES}}}
        entries = []
        for vid, spec in videos.items():
            src = spec.get("source", f"{vid}.mp4")
            make_video(root / "assets" / src, seconds, audio=spec.get("audio", audio), size=size)
            for lang, cues in spec.get("tracks", {}).items():
                write_srt(root / "subtitles" / vid / f"{lang}.srt", cues)
            entries.append(textwrap.dedent(f"""
                [[videos]]
                id = "{vid}"
                title = "{vid} title"
                source = "{src}"
                audio_language = "{spec.get('audio_language', 'en')}"
            """))
        (root / "assets" / "catalog.toml").write_text(
            '[project]\nname = "Test project"\nhuman_languages = ' + json.dumps(list(human_languages)) + "\n"
            + catalog_extra + "".join(entries),
            encoding="utf-8")
        return root

    return build


# --- machine drafts: a tiny real Argos package, installed offline (tests/argos_fixture.py) ---------------

@pytest.fixture(scope="session")
def argos_package_files(tmp_path_factory):
    """Built once per run: {(from, to): path of a .argosmodel}. en→sq swaps case (a visible "translation");
    en→es copies (to check that an installed Argos package wins over Apertium)."""
    from argos_fixture import build_package

    folder = tmp_path_factory.mktemp("argos-build")
    return {("en", "sq"): build_package(folder, "en", "sq", transform="swapcase"),
            ("en", "es"): build_package(folder, "en", "es", transform="copy")}


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails at once (proves a path needs no network)."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def argos_dir(tmp_path, monkeypatch):
    """An empty Argos packages folder for this test (ARGOS_PACKAGES_DIR), engine choices forgotten."""
    from pipeline.engines import forget_engines

    folder = tmp_path / "argos-packages"
    folder.mkdir()
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(folder))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var.lower()))
    forget_engines()
    yield folder
    forget_engines()


@pytest.fixture
def argos_sq(argos_dir, argos_package_files):
    """The en→sq swap-case package installed into this test's packages folder."""
    from pipeline.engines import argos, forget_engines

    package = argos.install_package(argos_package_files[("en", "sq")], argos_dir)
    forget_engines()
    return package


def start_for_ctrl_c(args: list[str], **kwargs) -> subprocess.Popen:
    """Start a ``pipeline`` process that a test will stop with :func:`stop_with_ctrl_c`: text pipes, unbuffered,
    every thread's stack printed on SIGABRT, and Ctrl-C delivered whatever this test run inherited (a suite
    started in the background by a non-interactive shell ignores SIGINT, and so would its children: the
    server then ran on after Ctrl-C, which a person at a terminal never sees)."""
    import signal

    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1")
    return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs)


def stop_with_ctrl_c(proc: subprocess.Popen, timeout: float = 60.0) -> tuple[str, str]:
    """Send Ctrl-C (SIGINT) to a process from :func:`start_for_ctrl_c` and return its (stdout, stderr). One that
    has not stopped within ``timeout`` (generous: the machine may be loaded) is aborted and the test fails with
    where each of its threads was."""
    import signal

    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)  # faulthandler dumps every thread's stack to stderr
        out, err = proc.communicate()
        pytest.fail(f"the process did not stop {timeout:.0f} s after Ctrl-C; stdout: {out!r}; stderr: {err}")


def pytest_sessionfinish(session, exitstatus):
    """Under CI=true a skipped test fails the run, whatever skipped it (``importorskip`` of a missing extra, a
    Debian package or browser not installed): a missing install step must not turn CI green by skipping."""
    if not IN_CI or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            reporter.write_line(f"CI=true and skipped: {report.nodeid}: {reason}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
