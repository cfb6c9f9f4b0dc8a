"""The Dask executor on a real local cluster (worker processes): the same outputs as a local build, a worker
killed mid-build does not break it, a failing unit is retried on another worker and then reported."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_srt
from pipeline.build import BuildOptions, run_build
from pipeline.cli import cli
from pipeline.project import load_project

distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed (pip install -e '.[cluster]')")

pytestmark = pytest.mark.slow

CATALOG = "[render]\nsegment_seconds = 1\n"
EN = [(0.3, 1.5, "Survivors deserve to be heard."), (2.2, 3.5, "Help is available."),
      (5.0, 6.5, "Support services make a difference.")]
ES = [(0.3, 1.5, "Merecen ser escuchadas."), (2.2, 3.5, "Hay ayuda disponible."),
      (5.0, 6.5, "Los servicios de apoyo ayudan.")]


@pytest.fixture(scope="session")
def cluster():
    """One local cluster of two single-threaded worker processes for the session (0.8 s to start)."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 3}):
        local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.CRITICAL)
    try:
        yield local
    finally:
        local.close()


def facts(path: Path) -> dict:
    """What must match between builds: frame count, duration, and the streams."""
    data = json.loads(subprocess.run(["ffprobe", "-v", "error", "-count_packets", "-show_entries",
                                      "stream=codec_type,codec_name,width,height,nb_read_packets:format=duration",
                                      "-of", "json", str(path)], check=True, capture_output=True, text=True).stdout)
    return {"duration": round(float(data["format"]["duration"]), 2),
            "streams": [(s["codec_type"], s["codec_name"], s.get("width"), s.get("height"),
                         int(s["nb_read_packets"]) if s["codec_type"] == "video" else None)
                        for s in data["streams"]]}


def outputs(root: Path) -> dict[str, dict]:
    manifest = json.loads((root / "dist/manifest.json").read_text(encoding="utf-8"))
    return {e["path"]: facts(root / "dist" / e["path"]) for e in manifest["outputs"] if e["path"].endswith((".mp4", ".mkv"))}


def running_commands() -> list[str]:
    commands = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                commands.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:
                continue
    return commands


@pytest.fixture
def project(make_project):
    return make_project(videos={"talk": {"tracks": {"en": EN, "es": ES}}}, catalog_extra=CATALOG, seconds=8.0,
                        size="320x180")


def test_a_dask_build_makes_the_outputs_of_a_local_build(project, cluster):
    local = run_build(load_project(project, explicit=True), None, BuildOptions(jobs=2))
    assert not local.failures
    expected = outputs(project)
    assert expected["talk/talk.en.burned-in.mp4"]["streams"][0][-1] == 200
    result = run_build(load_project(project, explicit=True), None,
                       BuildOptions(force=True, executor="dask", scheduler=cluster.scheduler_address))
    assert not result.failures, result.failures
    assert result.executor == "dask" and len(result.units) >= 3  # audio and segment runs, on the workers
    assert outputs(project) == expected
    # Without a scheduler, the build starts a local cluster of -j worker processes (the CLI, as a person runs it).
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--plain", "--force", "--executor", "dask",
                                      "-j", "2"])
    assert result.exit_code == 0, result.output
    assert "on a Dask cluster" in result.output
    assert outputs(project) == expected


def test_a_worker_killed_mid_build_does_not_break_it(make_project, cluster):
    # Larger frames than the other tests: a unit must still be encoding when its worker is killed.
    project = make_project(videos={"talk": {"tracks": {"en": EN, "es": ES}}}, catalog_extra=CATALOG, seconds=8.0,
                           size="960x540")
    client = distributed.Client(cluster)
    pids = set(client.run(os.getpid).values())
    client.close()
    segments = project / "dist/.work/segments"
    killed: list[int] = []
    survivors: list[list[str]] = []

    def kill_one_at_work() -> None:
        # A unit's scratch folder is named with the pid of the worker running it; kill that worker once its
        # ffmpeg is encoding into the folder.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for scratch in segments.glob(".unit-*"):
                pid = int(scratch.name.split(".")[2])
                if pid not in pids or not [cmd for cmd in running_commands() if str(scratch) in cmd]:
                    continue
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                time.sleep(0.5)
                # Its ffmpeg dies with it (parent-death signal) instead of encoding on as an orphan.
                survivors.append([cmd for cmd in running_commands() if str(scratch) in cmd])
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one_at_work)
    killer.start()
    result = run_build(load_project(project, explicit=True), None,
                       BuildOptions(executor="dask", scheduler=cluster.scheduler_address))
    killer.join()
    assert killed, "no unit was seen running"
    assert not result.failures, result.failures
    assert survivors == [[]]
    made = outputs(project)
    assert all(made[f"talk/talk.{lang}.burned-in.mp4"]["streams"][0][-1] == 200 for lang in ("en", "es"))
    assert made["talk/talk.en.burned-in.mp4"]["streams"][0][2:4] == (960, 540)
    # Its nanny brings a new worker up; the next build cleans the killed unit's scratch folder.
    again = run_build(load_project(project, explicit=True), None,
                      BuildOptions(executor="dask", scheduler=cluster.scheduler_address))
    assert not again.built and not list(segments.glob(".unit-*"))


def test_a_failing_unit_is_retried_on_another_worker_then_reported(project, cluster):
    from pipeline.executors.cluster import DaskExecutor
    from pipeline.work import UnitInputChanged, WorkUnit

    executor = DaskExecutor(cluster.scheduler_address, workers=2)
    try:
        source = project / "assets/talk.mp4"
        unit = WorkUnit("test-bad-input", "talk test unit", ["ffmpeg", "-version"],
                        [("x.txt", project / "dist/.work/x.txt")], inputs={source: "0" * 64})
        future = executor.submit(unit)
        with pytest.raises(UnitInputChanged, match="not the file the build was planned from") as failure:
            future.result(timeout=60)
        assert executor.retried == [("talk test unit", executor.retried[0][1])]
        assert failure.value.worker and failure.value.worker != executor.retried[0][1]
    finally:
        executor.close()


def test_without_dask_the_executor_says_how_to_install_it(project, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--executor", "dask"])
    assert result.exit_code == 2, result.output
    assert "--executor dask needs dask.distributed, which is not installed" in result.output
    assert "pip install -e '.[cluster]'" in result.output
    assert not (project / "dist/manifest.json").exists()


@pytest.mark.parametrize("address, says", [
    ("not-an-address", "missing port number"),
    ("tcp://host:notaport", "its port is not a number"),
    ("udp://10.0.0.1:8786", "unknown address scheme 'udp'"),
    ("tcp://:8786", "it names no host"),
])
def test_a_malformed_scheduler_address_is_one_line_before_any_work(project, address, says):
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--scheduler", address])
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(f"error: --scheduler {address!r} is not a Dask scheduler address: ") and says in last, last
    assert "tcp://HOST:8786" in last and "Traceback" not in result.output and "internal error" not in result.output
    assert not (project / "dist/manifest.json").exists()


def test_a_scheduler_address_from_the_catalog_is_named_as_such(make_project):
    root = make_project(catalog_extra='[render]\nexecutor = "dask"\nscheduler = "tcp://host:port"\n')
    result = CliRunner().invoke(cli, ["--project", str(root), "build"])
    assert result.exit_code == 2, result.output
    assert "catalog.toml: [render] scheduler 'tcp://host:port' is not a Dask scheduler address" in result.output


def test_an_unreachable_scheduler_is_one_line_and_nothing_is_built(project):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = CliRunner().invoke(cli, ["--project", str(project), "build", "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert result.exit_code == 1, result.output
    assert f"cannot reach the Dask scheduler tcp://127.0.0.1:{port}" in result.output, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert not list((project / "dist").rglob("*.mp4")) and not (project / "dist/manifest.json").exists()


def test_a_changed_cue_on_the_cluster_encodes_only_its_segment(project, cluster):
    run_build(load_project(project, explicit=True), None, BuildOptions(executor="dask",
                                                                       scheduler=cluster.scheduler_address))
    write_srt(project / "subtitles/talk/es.srt", ES[:2] + [(5.0, 6.5, "El apoyo ayuda.")])
    result = run_build(load_project(project, explicit=True), None,
                       BuildOptions(executor="dask", scheduler=cluster.scheduler_address))
    assert not result.failures
    # The cue (5.0-6.5 s) is drawn in segments 5 and 6, and reaches into 4 by the frame of margin.
    assert {u.jobs for u in result.units} == {("talk/talk.es.burned-in.mp4",)}
    assert sum(u.frames for u in result.units) == 75
