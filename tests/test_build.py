"""Incremental and parallel builds with real ffmpeg: what is rebuilt and why, failures, interruption, lock."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EN_CUES, ES_CUES, write_srt
from pipeline.build import BuildOptions, clean_partials, default_jobs, plan_build, project_lock, resolve_jobs, run_build
from pipeline.cli import cli
from pipeline.errors import LockedError, UsageError
from pipeline.fsutil import sha256_file
from pipeline.project import load_project

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ALL = {"talk/talk.en.burned-in.mp4", "talk/talk.es.burned-in.mp4", "talk/talk.en.vtt", "talk/talk.es.vtt",
       "talk/talk.en.srt", "talk/talk.es.srt", "talk/talk.subtitled.mp4", "talk/talk.subtitled.mkv",
       "talk/talk.poster.jpg", "talk/index.html"}
#: What a Spanish track is in: its burn and sidecars, the soft files, the player page.
ES_OUTPUTS = {"talk/talk.es.burned-in.mp4", "talk/talk.es.vtt", "talk/talk.es.srt", "talk/talk.subtitled.mp4",
              "talk/talk.subtitled.mkv", "talk/index.html"}
#: What is made from the track alone (not from the source video).
TEXT_ONLY = {"talk/talk.en.vtt", "talk/talk.es.vtt", "talk/talk.en.srt", "talk/talk.es.srt", "talk/index.html"}


def build(root: Path, **options):
    return run_build(load_project(root, explicit=True), None, BuildOptions(**options))


def built_paths(result) -> set[str]:
    return {job.path for job in result.built}


def manifest(root: Path) -> dict[str, dict]:
    data = json.loads((root / "dist" / "manifest.json").read_text(encoding="utf-8"))
    return {e["path"]: e for e in data["outputs"]}


def assert_dist_matches_manifest(root: Path) -> None:
    """Every file in dist/ with a final name is listed, complete and as recorded; nothing else is."""
    entries = manifest(root)
    finished = {p.relative_to(root / "dist").as_posix() for p in (root / "dist").rglob("*")
                if p.is_file() and not p.name.startswith(".") and p.name != "manifest.json"
                and ".work" not in p.parts}
    assert finished == set(entries)
    for rel, entry in entries.items():
        assert sha256_file(root / "dist" / rel) == entry["sha256"], rel
        assert (root / "dist" / rel).stat().st_size == entry["size"], rel


def test_second_build_does_nothing_and_one_changed_track_rebuilds_exactly_its_outputs(make_project):
    root = make_project()
    first = build(root, jobs=2)
    assert built_paths(first) == ALL and not first.failures
    assert_dist_matches_manifest(root)
    stamps = {p: (root / "dist" / p).stat().st_mtime_ns for p in ALL}

    second = build(root, jobs=2)
    assert built_paths(second) == set() and {d.job.path for d in second.skipped} == ALL
    assert {d.reason for d in second.skipped} == {"up to date"}
    assert stamps == {p: (root / "dist" / p).stat().st_mtime_ns for p in ALL}

    # Touching a file without changing it changes nothing: decisions are made on content hashes.
    es = root / "subtitles/talk/es.srt"
    os.utime(es, (time.time() + 5, time.time() + 5))
    os.utime(root / "assets/talk.mp4", (time.time() + 5, time.time() + 5))
    assert plan_build(load_project(root, explicit=True)).to_build == []

    # One track's text changes: exactly that track's outputs (its burn, its sidecar, the soft files).
    write_srt(es, [ES_CUES[0], (1.6, 2.8, "Los servicios de apoyo\ncambian vidas.")])
    plan = plan_build(load_project(root, explicit=True))
    assert {j.path for j in plan.to_build} == ES_OUTPUTS
    assert {d.reason for d in plan.of("build")} == {"track es changed"}
    third = build(root)
    assert built_paths(third) == ES_OUTPUTS
    assert stamps["talk/talk.en.burned-in.mp4"] == (root / "dist/talk/talk.en.burned-in.mp4").stat().st_mtime_ns
    assert_dist_matches_manifest(root)

    # Timing alone is a change too.
    write_srt(root / "subtitles/talk/en.srt", [(0.3, 1.4, EN_CUES[0][2]), EN_CUES[1]])
    assert {j.path for j in plan_build(load_project(root, explicit=True)).to_build} == \
        {p.replace(".es.", ".en.") for p in ES_OUTPUTS}


def test_style_profile_source_and_force_changes(make_project):
    root = make_project()
    build(root)
    catalog = root / "assets/catalog.toml"
    text = catalog.read_text(encoding="utf-8")

    # A style for Spanish only: only the Spanish burn is redone.
    catalog.write_text(text + '\n[style.es]\ncolour = "FFE000"\n', encoding="utf-8")
    plan = plan_build(load_project(root, explicit=True))
    assert {(j.path, d.reason) for d, j in zip(plan.of("build"), plan.to_build)} == \
        {("talk/talk.es.burned-in.mp4", "style changed")}

    # A font named for English: style and font inputs change.
    catalog.write_text(text + '\n[style.en]\nfont = "DejaVu Sans"\n', encoding="utf-8")
    plan = plan_build(load_project(root, explicit=True))
    reasons = {j.path: d.reason for d, j in zip(plan.of("build"), plan.to_build)}
    assert set(reasons) == {"talk/talk.en.burned-in.mp4"}
    assert "font DejaVuSans.ttf" in reasons["talk/talk.en.burned-in.mp4"]
    assert "style" in reasons["talk/talk.en.burned-in.mp4"]

    # A new profile: only its outputs are new; its codec settings are an input.
    catalog.write_text('[profiles]\nbuild = ["web", "vertical"]\n' + text, encoding="utf-8")
    plan = plan_build(load_project(root, explicit=True))
    assert {j.path for j in plan.to_build} == {"talk/talk.en.burned-in.vertical.mp4",
                                               "talk/talk.es.burned-in.vertical.mp4", "talk/talk.poster.vertical.jpg",
                                               "talk/index.html"}  # the page lists the new files
    build(root)
    catalog.write_text('[profiles]\nbuild = ["web", "vertical"]\n[profiles.vertical]\ncrf = 28\n' + text,
                       encoding="utf-8")
    plan = plan_build(load_project(root, explicit=True))
    assert {(j.path, d.reason) for d, j in zip(plan.of("build"), plan.to_build)} == \
        {("talk/talk.en.burned-in.vertical.mp4", "profile changed"),
         ("talk/talk.es.burned-in.vertical.mp4", "profile changed")}

    # Dropping the profile again removes its outputs from dist/ and the manifest.
    catalog.write_text(text, encoding="utf-8")
    result = build(root)
    assert sorted(result.removed) == ["talk/talk.en.burned-in.vertical.mp4", "talk/talk.es.burned-in.vertical.mp4",
                                      "talk/talk.poster.vertical.jpg"]
    assert not (root / "dist/talk/talk.en.burned-in.vertical.mp4").exists()
    assert_dist_matches_manifest(root)

    # A new source video: everything made from it.
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0x8a5f3a:s=320x240:r=25:d=3",
                    "-f", "lavfi", "-i", "sine=frequency=330:duration=3", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "3", str(root / "assets/talk.mp4")], check=True)
    plan = plan_build(load_project(root, explicit=True))
    assert {j.path for j in plan.to_build} == ALL - TEXT_ONLY
    assert {d.reason for d in plan.of("build")} == {"source video changed"}

    assert {d.reason for d in plan_build(load_project(root, explicit=True), options=BuildOptions(force=True))
            .decisions} == {"forced (--force)"}


def test_deleted_track_and_deleted_output(make_project):
    root = make_project()
    build(root)
    (root / "dist/talk/talk.en.vtt").unlink()
    (root / "dist/talk/talk.en.burned-in.mp4").write_bytes(b"edited by hand")
    plan = plan_build(load_project(root, explicit=True))
    reasons = {j.path: d.reason for d, j in zip(plan.of("build"), plan.to_build)}
    assert reasons == {"talk/talk.en.vtt": "output file is missing",
                       "talk/talk.en.burned-in.mp4": "output file changed since it was built; nothing to encode: "
                                                     "1 segment reused"}
    (root / "subtitles/talk/es.srt").unlink()
    result = build(root)
    assert sorted(result.removed) == ["talk/talk.es.burned-in.mp4", "talk/talk.es.srt", "talk/talk.es.vtt"]
    assert built_paths(result) == {"talk/talk.en.vtt", "talk/talk.en.burned-in.mp4", "talk/talk.subtitled.mp4",
                                   "talk/talk.subtitled.mkv", "talk/index.html"}
    assert manifest(root)["talk/talk.subtitled.mkv"]["languages"] == ["en"]
    assert_dist_matches_manifest(root)


def test_a_persons_unreadable_track_keeps_its_last_good_outputs_and_fails_the_soft_files(make_project):
    """A typo in es.srt must not delete the Spanish outputs nor replace the soft-subtitled files with ones
    that silently lack Spanish: those fail (exit 1), the rest builds, dist/ still matches the manifest."""
    root = make_project()
    build(root)
    before = manifest(root)
    (root / "subtitles/talk/es.srt").write_text("1\n00:00:01,000 -> 00:00:02,000\nHola\n", encoding="utf-8")
    (root / "subtitles/talk/en.srt").write_text(
        (root / "subtitles/talk/en.srt").read_text(encoding="utf-8").replace("heard", "believed"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--project", str(root), "render", "--plain"])
    assert result.exit_code == 1, result.output
    assert "failed: talk soft-mp4 en: not built without the es track, which cannot be read" in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: 1 track(s) written by people")
    after = manifest(root)
    assert set(after) == ALL  # the Spanish outputs are kept until the track is fixed
    changed = {path for path in ALL if after[path]["sha256"] != before[path]["sha256"]}
    assert changed == {"talk/talk.en.burned-in.mp4", "talk/talk.en.vtt", "talk/talk.en.srt"}
    assert_dist_matches_manifest(root)


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
def test_an_unreadable_drafted_track_is_an_error_not_a_draft_note(make_project):
    root = make_project(videos={"talk": {"tracks": {"en": EN_CUES}}})
    invoke = lambda *a: CliRunner().invoke(cli, ["--project", str(root), *a])  # noqa: E731
    assert invoke("draft", "talk", "--to", "bs", "--force").exit_code == 0  # real Apertium
    plan = plan_build(load_project(root, explicit=True), options=BuildOptions(include_drafts=True), remember=False)
    assert plan.left_out == []
    assert [(i.language, i.error) for i in plan_build(load_project(root, explicit=True), remember=False).left_out] \
        == [("bs", False)]  # an unreviewed draft is a note
    assert invoke("approve", "talk", "bs").exit_code == 0
    with (root / "subtitles/talk/bs.srt").open("a", encoding="utf-8") as f:
        f.write("\n3\n00:00:03,000 -> 00:00:04,000\nx\n")  # a person's edit breaks the approved track
    result = invoke("render", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "not rendered: talk bs: " in result.output and "render --drafts" not in result.output
    plan = plan_build(load_project(root, explicit=True), remember=False)
    assert [(i.language, i.error) for i in plan.left_out] == [("bs", True)]


def test_cli_dry_run_plain_log_and_quiet(make_project):
    root = make_project()
    runner = CliRunner()
    dry = runner.invoke(cli, ["--project", str(root), "build", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would build   talk/talk.es.burned-in.mp4  (new output)" in dry.output
    assert "dry run: 10 to build, 0 up to date, 0 failing, 0 to remove" in dry.output
    assert not (root / "dist").exists()  # nothing built, nothing written

    plain = runner.invoke(cli, ["--project", str(root), "render", "-j", "2"])
    assert plain.exit_code == 0, plain.output
    assert "10 to build, 0 up to date" in plain.output
    assert "[10/10] built talk/" in plain.output
    assert "built 10, 0 up to date (" in plain.output and "2 at once" in plain.output

    write_srt(root / "subtitles/talk/en.srt", [EN_CUES[0], (1.6, 2.8, "Support services\nchange lives.")])
    dry = runner.invoke(cli, ["--project", str(root), "build", "--dry-run"])
    assert "would build   talk/talk.en.vtt  (track en changed)" in dry.output
    assert "dry run: 6 to build, 4 up to date" in dry.output

    quiet = runner.invoke(cli, ["--project", str(root), "build", "-q"])
    assert quiet.exit_code == 0, quiet.output
    assert "[1/6]" not in quiet.output and "Test project" not in quiet.output
    assert "built 6, 4 up to date" in quiet.output


def test_failed_jobs_do_not_stop_the_others(make_project, tmp_path, monkeypatch):
    # One process per output here, so that one failing encode fails one output (decoding once, the
    # outputs of a video share a process and fail together).
    root = make_project(catalog_extra='[profiles]\nbuild = ["web", "square"]\n[render]\ndecode_once = false\n')
    # A character no installed font has (a private-use code point) in one Spanish cue:
    write_srt(root / "subtitles/talk/es.srt", [ES_CUES[0], (1.6, 2.8, "Servicios de apoyo \ue000")])
    # ...and a real ffmpeg that fails every square encode (a stand-in for a crash mid-build).
    (tmp_path / "failing").mkdir()
    wrapper = tmp_path / "failing" / "ffmpeg"
    wrapper.write_text('#!/bin/sh\ncase "$*" in *burned-in.square*) echo "Simulated encoder crash" >&2; exit 1;;'
                       f' esac\nexec {shutil.which("ffmpeg")} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PIPELINE_FFMPEG", str(wrapper))
    result = CliRunner().invoke(cli, ["--project", str(root), "build", "-j", "2"])
    assert result.exit_code == 1
    assert "error: 3 of 13 outputs failed" in result.output
    assert ("subtitles/talk/es.srt:6: Noto Sans (NotoSans-Regular.ttf) has no glyph for '\\ue000' U+E000 (cue 2)"
            in result.output)
    assert "failed: talk burned-in en (square): ffmpeg failed: Simulated encoder crash" in result.output
    assert "Traceback" not in result.output
    done = manifest(root)
    assert set(done) == ALL - {"talk/talk.es.burned-in.mp4"} | {"talk/talk.poster.square.jpg"}
    assert_dist_matches_manifest(root)
    # The next build retries exactly the failed ones.
    monkeypatch.delenv("PIPELINE_FFMPEG")
    write_srt(root / "subtitles/talk/es.srt", ES_CUES)
    plan = plan_build(load_project(root, explicit=True))
    assert {j.path for j in plan.to_build} >= {"talk/talk.en.burned-in.square.mp4", "talk/talk.es.burned-in.mp4",
                                               "talk/talk.es.burned-in.square.mp4"}


def test_interrupted_build_leaves_nothing_finished_looking_and_next_build_completes(make_project):
    # Outputs in one piece: a burned-in encode writes its .partial.mp4 for seconds. With segments the only
    # .partial.mp4 files are joins and stream copies that live ~0.1 s, so the file seen was often renamed
    # to its final name before the kill landed (the test raced). A killed segment unit: tests/test_cluster.py.
    root = make_project(seconds=12.0, size="640x360", catalog_extra="[render]\nsegment_seconds = 0\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(root), "build", "-j", "1",
                             "--plain"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    partial = None
    try:
        while time.monotonic() < deadline and partial is None:
            for p in (root / "dist").rglob(".*.partial.mp4"):
                if p.exists() and p.stat().st_size > 0:  # ffmpeg is writing: mid-encode
                    partial = p
            time.sleep(0.01)
        assert partial is not None, proc.stderr.read().decode() if proc.poll() is not None else "no encode seen"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its ffmpeg, as a crash or kill -9 would
        proc.wait()
    assert partial.exists()
    final = partial.parent / (partial.name.split(".")[1] + "." + ".".join(partial.name.split(".")[2:-3]) + ".mp4")
    assert not final.exists()
    if (root / "dist/manifest.json").exists():
        assert_dist_matches_manifest(root)
    else:
        assert not [p for p in (root / "dist").rglob("*.mp4") if not p.name.startswith(".")]

    result = build(root)
    assert partial in result.cleaned and not partial.exists()
    assert final.relative_to(root / "dist").as_posix() in built_paths(result)
    assert built_paths(result) | {d.job.path for d in result.skipped} == ALL
    assert not result.failures
    assert_dist_matches_manifest(root)
    assert not [p for p in (root / "dist").rglob("*") if ".partial" in p.name]


def test_sigterm_stops_every_encode_and_leaves_no_partial_file(make_project):
    root = make_project(seconds=12.0, size="640x360")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(root), "build", "-j", "2",
                             "--plain"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not [p for p in (root / "dist").rglob(".*.partial.mp4")
                                               if p.exists() and p.stat().st_size > 0]:
        time.sleep(0.01)
    # ffmpeg runs from the build's worker threads: each thread lists its own children.
    children = [int(c) for task in Path(f"/proc/{proc.pid}/task").iterdir()
                for c in (task / "children").read_text().split()]
    assert children, "no ffmpeg running"
    proc.send_signal(signal.SIGTERM)  # as CI does when a job is cancelled
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted: nothing unfinished was left with a final name" in err
    assert "Traceback" not in err
    assert not [p for p in (root / "dist").rglob("*") if ".partial" in p.name]
    assert all(not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
               for pid in children)
    if (root / "dist/manifest.json").exists():
        assert_dist_matches_manifest(root)


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


def test_ffmpeg_dies_with_a_build_killed_by_sigkill(make_project):
    """kill -9 gives the build no chance to stop its encodes: they must die with it (issue 10, item 7),
    not keep encoding as orphans of PID 1 (which they did until the encode ended: ~8 s here)."""
    root = make_project(seconds=30.0, size="640x360")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(root), "build", "-j", "2",
                             "--plain"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    children: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not children:
            if [p for p in (root / "dist").rglob(".*.partial.mp4") if p.exists() and p.stat().st_size > 0]:
                children = [int(c) for task in Path(f"/proc/{proc.pid}/task").iterdir()
                            for c in (task / "children").read_text().split()]
            time.sleep(0.01)
        assert children, "no ffmpeg running"
        os.kill(proc.pid, signal.SIGKILL)  # the build only: nothing forwards a signal to its children
        proc.wait()
        deadline = time.monotonic() + 2  # they die at once (measured: under 0.05 s)
        while time.monotonic() < deadline and any(_alive(pid) for pid in children):
            time.sleep(0.05)
        assert not [pid for pid in children if _alive(pid)], "ffmpeg outlived the killed build"
    finally:
        for pid in children:  # before the fix they kept encoding: stop them here
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_two_builds_at_once_wait_for_each_other(make_project):
    root = make_project(seconds=6.0, size="640x360")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    argv = [sys.executable, "-m", "pipeline", "--project", str(root), "build", "-j", "1", "--plain"]
    first = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (root / "dist/.lock.owner").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    refused = subprocess.run(argv + ["--no-wait"], cwd=REPO, env=env, capture_output=True, text=True)
    second = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert refused.returncode == 1
    assert f"error: another build of {root} is running (pid {first.pid}, started " in refused.stderr
    assert refused.stderr.count("\n") == 1
    assert second.returncode == 0, second.stderr
    assert f"another build of this project is running (pid {first.pid}" in second.stderr
    assert "waiting for it to finish" in second.stderr
    assert f"built 0, {len(ALL)} up to date" in second.stdout  # it saw the first build's finished work
    assert_dist_matches_manifest(root)


def test_lock_in_process_and_wait_callback(make_project):
    root = make_project(videos={"talk": {"tracks": {"en": EN_CUES}}})
    project = load_project(root, explicit=True)
    with project_lock(project):
        with pytest.raises(LockedError, match="another build of .* is running \\(pid "):
            run_build(project, None, BuildOptions(wait=False))
    waited = []
    release = threading.Event()

    def holder():
        with project_lock(load_project(root, explicit=True)):
            release.set()
            time.sleep(0.5)

    thread = threading.Thread(target=holder)
    thread.start()
    release.wait(5)
    result = run_build(project, None, BuildOptions(), on_wait=waited.append)
    thread.join()
    assert waited and waited[0].startswith(f"pid {os.getpid()}")
    assert len(result.built) == len({p for p in ALL if ".es." not in p})


def test_stale_partials_are_cleaned_only_by_name(tmp_path):
    dist = tmp_path / "dist"
    (dist / "v").mkdir(parents=True)
    stale = dist / "v" / ".v.en.burned-in.k2j3.partial.mp4"
    stale.write_bytes(b"half")
    kept = dist / "v" / "v.en.vtt"
    kept.write_text("WEBVTT\n")
    assert clean_partials(dist) == [stale]
    assert kept.exists() and not stale.exists()


def test_decode_once_matches_separate_encodes(make_project, tmp_path):
    root = make_project()
    separate = build(root, decode_once=False)
    frames = {}
    for name in ("talk.en.burned-in.mp4", "talk.es.burned-in.mp4"):
        frames[name] = subprocess.run(["ffmpeg", "-v", "error", "-i", str(root / "dist/talk" / name), "-map", "0:v",
                                       "-f", "md5", "-"], check=True, capture_output=True, text=True).stdout
    result = build(root, decode_once=True, force=True)
    assert built_paths(result) == built_paths(separate) == ALL
    for name, digest in frames.items():
        again = subprocess.run(["ffmpeg", "-v", "error", "-i", str(root / "dist/talk" / name), "-map", "0:v",
                                "-f", "md5", "-"], check=True, capture_output=True, text=True).stdout
        assert again == digest, name
    assert_dist_matches_manifest(root)


def test_jobs_setting_precedence(make_project, monkeypatch):
    root = make_project(videos={}, catalog_extra="[render]\njobs = 3\n")
    project = load_project(root, explicit=True)
    monkeypatch.delenv("PIPELINE_JOBS", raising=False)
    assert resolve_jobs(project, None) == 3
    monkeypatch.setenv("PIPELINE_JOBS", "5")
    assert resolve_jobs(project, None) == 5
    assert resolve_jobs(project, 1) == 1
    monkeypatch.setenv("PIPELINE_JOBS", "lots")
    with pytest.raises(UsageError, match="PIPELINE_JOBS must be a whole number"):
        resolve_jobs(project, None)
    assert 1 <= default_jobs() <= 8


def test_unknown_profile_and_video_are_usage_errors(make_project):
    root = make_project()
    result = CliRunner().invoke(cli, ["--project", str(root), "build", "--profile", "billboard"])
    assert result.exit_code == 2
    assert "profile 'billboard': is not a built-in profile and has no aspect" in result.output
    result = CliRunner().invoke(cli, ["--project", str(root), "render", "nope"])
    assert result.exit_code == 2 and "no video 'nope'" in result.output


def test_profile_option_builds_only_that_profile(make_project):
    root = make_project()
    result = CliRunner().invoke(cli, ["--project", str(root), "render", "--profile", "square"])
    assert result.exit_code == 0, result.output
    assert set(manifest(root)) == {"talk/talk.en.burned-in.square.mp4", "talk/talk.es.burned-in.square.mp4",
                                   "talk/talk.poster.square.jpg"}
    assert manifest(root)["talk/talk.es.burned-in.square.mp4"]["profile"] == "square"
