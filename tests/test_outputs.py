"""The output kind registry: a new kind plugs in with one class and one registration, and the build plans,
orders, batches, runs, records and removes outputs through the kinds alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.build import BuildOptions, group_tasks, plan_build, run_build
from pipeline.formats import read_track
from pipeline.outputs import KINDS, RenderJob, TextKind, VideoPlan, register
from pipeline.outputs.burned_in import BurnedIn
from pipeline.project import load_project


class SrtSidecar(TextKind):
    """The example of pipeline/outputs/base.py and docs/contributing.md (the real one is
    pipeline/outputs/srt.py), under another kind name and file name so the two never meet."""

    name = "srt-test"

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        return [video.job(self, (t.language,), f"{video.id}.{t.language}.test.srt",
                          video.track_inputs(t, with_source=False), spec=t.srt_text)
                for t in video.tracks if not t.draft]


@pytest.fixture
def srt_kind():
    register(SrtSidecar)
    yield KINDS[SrtSidecar.name]
    del KINDS[SrtSidecar.name]


def _manifest(root: Path) -> dict[str, dict]:
    data = json.loads((root / "dist/manifest.json").read_text(encoding="utf-8"))
    return {e["path"]: e for e in data["outputs"]}


@pytest.mark.slow
def test_a_registered_kind_is_built_recorded_kept_and_removed_without_touching_the_build(make_project, srt_kind):
    root = make_project()
    project = load_project(root, explicit=True)
    first = run_build(project, None, BuildOptions())
    assert not first.failures
    made = {j.path for j in first.built if j.kind == "srt-test"}
    assert made == {"talk/talk.en.test.srt", "talk/talk.es.test.srt"}
    entry = _manifest(root)["talk/talk.es.test.srt"]
    assert entry["kind"] == "srt-test" and entry["languages"] == ["es"] and entry["duration"] is None
    assert "source" not in entry["inputs"] and "track:es" in entry["inputs"]
    written = read_track(root / "dist/talk/talk.es.test.srt", "es")
    assert [c.text for c in written.cues] == [c.text for c in read_track(root / "subtitles/talk/es.srt", "es").cues]

    # Up to date next time; a changed track rebuilds its sidecar like any other output of that track.
    assert {d.job.path for d in plan_build(project).to_build} == set()
    es = root / "subtitles/talk/es.srt"
    es.write_text(es.read_text(encoding="utf-8").replace("escuchadas", "oídas"), encoding="utf-8")
    assert "talk/talk.es.test.srt" in {j.path for j in plan_build(project).to_build}

    # --profile limits a build to per-profile kinds: the sidecar is neither planned nor removed.
    assert {j.kind for j in plan_build(project, options=BuildOptions(profiles=("web",))).to_build} == {"burned-in"}

    # A kind no longer registered: its outputs are no longer built, so the build removes them.
    del KINDS["srt-test"]
    try:
        plan = plan_build(project)
        assert {p for p, _ in plan.remove} == {"talk/talk.en.test.srt", "talk/talk.es.test.srt"}
    finally:
        register(SrtSidecar)


def test_registering_two_kinds_under_one_name_is_refused(srt_kind):
    class Other(SrtSidecar):
        pass

    with pytest.raises(ValueError, match="already registered"):
        register(Other)
    assert type(KINDS["srt-test"]) is SrtSidecar


def test_kinds_order_and_batch_the_work_units(make_project):
    """Every burned-in output of one source is one task with decode-once (the costliest first), one task each
    without; the others always run alone."""
    root = make_project(catalog_extra='[profiles]\nbuild = ["web", "square"]\n')
    plan = plan_build(load_project(root, explicit=True), remember=False)
    jobs = plan.to_build
    assert [j.kind for j in jobs] == (["burned-in"] * 4 + ["webvtt"] * 2 + ["srt"] * 2 + ["soft-mp4", "soft-mkv"]
                                      + ["poster"] * 2 + ["player"])
    assert isinstance(jobs[0].output_kind, BurnedIn) and jobs[0].encodes and not jobs[-1].encodes

    together = group_tasks(jobs, decode_once=True)
    assert [len(t) for t in together] == [4] + [1] * 9
    assert {j.kind for j in together[0]} == {"burned-in"}
    assert {j.kind for j in together[1]} <= {"soft-mp4", "soft-mkv"}  # media before text
    apart = group_tasks(jobs, decode_once=False)
    assert [len(t) for t in apart] == [1] * 13 and {j.kind for t in apart[:4] for j in t} == {"burned-in"}
