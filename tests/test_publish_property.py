"""The publish gate, as a property (issue 9): random sequences of what people and the pipeline do to a
track — draft, edit, delete, merge, split, retime the source, change the source text, approve all / some /
stale cues, and kill -9 a real ``pipeline draft`` process in the middle of its writes — and after every
step:

* no cue a person wrote (or approved) is lost;
* ``status`` never calls the track publishable unless every cue in it was approved by a person at its
  current text, answering to source text that is still the current one.

The oracle is a model kept by the test, independent of the review record: which source cues each cue
answers to (the one a machine cue was drafted from; the union for a merge; the parent's for a split) and,
for every approval, the text approved and the source texts it was approved against.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import make_video, write_srt
from pipeline.approval import approve_cues
from pipeline.build import plan_build
from pipeline.cli import cli
from pipeline.engines import argos, forget_engines
from pipeline.errors import UsageError
from pipeline.formats import read_track, write_track
from pipeline.model import Cue, Track
from pipeline.project import load_project

CRASHKIT = Path(__file__).resolve().parent / "crashkit"
VIDEO_SECONDS = 40
WORDS = ["survivors", "support", "children", "report", "safe", "heard", "online"]
LANG = "sq"  # drafted with the tiny real Argos package (en→sq swaps case); a human language here, like es


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, argos_package_files):
    """A project (video made once) and an environment in which real pipeline processes find the package."""
    root = tmp_path_factory.mktemp("gate-property")
    xdg = root / "xdg"
    env = {"ARGOS_PACKAGES_DIR": str(root / "argos"), "XDG_DATA_HOME": str(xdg / "data"),
           "XDG_CONFIG_HOME": str(xdg / "config"), "XDG_CACHE_HOME": str(xdg / "cache")}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    forget_engines()
    argos.install_package(argos_package_files[("en", LANG)], root / "argos")
    forget_engines()
    project = root / "proj"
    make_video(project / "assets/talk.mp4", VIDEO_SECONDS, size="160x120")
    (project / "assets/catalog.toml").write_text(
        f'[project]\nname = "gate"\nhuman_languages = ["en", "{LANG}"]\n\n'
        '[[videos]]\nid = "talk"\nsource = "talk.mp4"\naudio_language = "en"\n', encoding="utf-8")
    yield project, env
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    forget_engines()


class Model:
    """What the test knows, without reading the review record."""

    def __init__(self, root: Path, texts: list[str]):
        self.root = root
        self.source = {i: [i * 2000 + 200, i * 2000 + 1600, text] for i, text in enumerate(texts)}
        self.history = {i: {(c[0], c[1])} for i, c in self.source.items()}  # every timing each source cue had
        self.person: dict[str, frozenset[int]] = {}  # a person's text -> the source cues it answers to
        self.approvals: set[tuple[str, frozenset[int], tuple]] = set()  # (text, ties, source texts then)
        self.kept: set[tuple[str, frozenset[int]]] = set()  # cues that must survive (a person's or approved)
        self.counter = 0

    # -- files
    @property
    def track_path(self) -> Path:
        return self.root / f"subtitles/talk/{LANG}.srt"

    def write_source(self) -> None:
        write_srt(self.root / "subtitles/talk/en.srt",
                  [(s / 1000, e / 1000, t) for s, e, t in sorted(self.source.values())])

    def cues(self) -> list[Cue]:
        return list(read_track(self.track_path).cues) if self.track_path.exists() else []

    # -- the oracle
    def ties(self, cue: Cue) -> frozenset[int]:
        if cue.text in self.person:
            return self.person[cue.text]
        owners = [i for i, timings in self.history.items() if (cue.start, cue.end) in timings]
        assert len(owners) == 1, f"a machine cue at a timing no single source cue had: {cue}"
        return frozenset(owners)

    def now(self, ties: frozenset[int]) -> tuple:
        return tuple(sorted((i, self.source[i][2]) for i in ties))

    def new_text(self) -> str:
        self.counter += 1
        return f"Frazë e shkruar nga një person {self.counter}."

    def forget(self, cue: Cue) -> None:
        """A person removed or rewrote this cue: it need not survive any more."""
        self.kept.discard((cue.text, self.ties(cue)))

    def check(self) -> None:
        cues = self.cues()
        present = Counter((c.text, self.ties(c)) for c in cues)
        for item in self.kept:
            assert present[item] >= 1, f"a person's cue was lost: {item}"
        state = status(self.root).get(LANG)
        if state is None or not state["publishable"]:
            return
        for cue in cues:
            ties = self.ties(cue)
            assert (cue.text, ties, self.now(ties)) in self.approvals, \
                f"publishable, but {cue.text!r} was never approved at its current text and source ({state})"


def status(root: Path) -> dict:
    result = CliRunner().invoke(cli, ["--project", str(root), "status", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return {t["language"]: t for t in json.loads(result.stdout)["videos"][0]["tracks"]}


def kill_draft_at(root: Path, env: dict, point: str, tmp: Path) -> None:
    """Run a real `pipeline draft` and kill -9 it just before the given write (if it gets there)."""
    flag = tmp / f"paused-{time.monotonic_ns()}"
    proc_env = dict(os.environ, **env, PYTHONPATH=str(CRASHKIT), PIPELINE_TEST_FAULT=f"pause:{point}:{flag}")
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "--project", str(root), "draft", "talk", "--to", LANG],
                            env=proc_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


_text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(lambda w: " ".join(w).capitalize() + ".")
_step = st.one_of(
    st.tuples(st.just("draft"), st.just(0)),
    st.tuples(st.just("edit"), st.integers(0, 20)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
    st.tuples(st.just("merge"), st.integers(0, 20)),
    st.tuples(st.just("split"), st.integers(0, 20)),
    st.tuples(st.just("retime"), st.integers(-1500, 2500)),
    st.tuples(st.just("source"), st.tuples(st.integers(0, 5), _text)),
    st.tuples(st.just("approve-all"), st.just(0)),
    st.tuples(st.just("approve-some"), st.lists(st.integers(0, 20), min_size=1, max_size=3)),
    st.tuples(st.just("approve-stale"), st.just(0)),
    st.tuples(st.just("kill-draft"), st.sampled_from(["replace:1", "replace:2", "replace:3", "unlink:1"])),
)


def _approve(model: Model, cues: list[int] | None, include_stale: bool) -> None:
    before = model.cues()
    try:
        report = approve_cues(load_project(model.root, explicit=True), "talk", LANG, cues,
                              by="Property Test", include_stale=include_stale)
    except UsageError:
        return  # no draft yet, or an empty track
    assert model.cues() == before  # approving never changes the track
    for n in report.approved:
        cue = before[n - 1]
        ties = model.ties(cue)
        model.approvals.add((cue.text, ties, model.now(ties)))
        model.kept.add((cue.text, ties))


def apply(model: Model, step: tuple, env: dict, tmp: Path) -> None:
    kind, arg = step
    cues = model.cues()
    if kind == "draft":
        result = CliRunner().invoke(cli, ["--project", str(model.root), "draft", "talk", "--to", LANG])
        assert result.exit_code == 0, result.output
    elif kind == "kill-draft":
        kill_draft_at(model.root, env, arg, tmp)
    elif kind == "retime":
        moved = {i: (s + arg, e + arg) for i, (s, e, _t) in model.source.items()}
        taken = {t for i, timings in model.history.items() for t in timings}
        if arg == 0 or min(s for s, _ in moved.values()) < 0 or max(e for _, e in moved.values()) > VIDEO_SECONDS * 1000 \
                or taken & set(moved.values()):
            return  # off the video, or onto a timing another cue once had (the oracle could not tell them apart)
        for i, (s, e) in moved.items():
            model.source[i][:2] = [s, e]
            model.history[i].add((s, e))
        model.write_source()
    elif kind == "source":
        i, text = arg
        model.source[i][2] = text
        model.write_source()
    elif kind == "approve-all":
        _approve(model, None, include_stale=False)
    elif kind == "approve-stale":
        _approve(model, None, include_stale=True)
    elif kind == "approve-some":
        if cues:
            _approve(model, sorted({n % len(cues) + 1 for n in arg}), include_stale=False)
    elif cues:  # a person works on the track in their editor
        k = arg % len(cues)
        if kind == "edit":
            model.forget(cues[k])
            text = model.new_text()
            model.person[text] = model.ties(cues[k])
            model.kept.add((text, model.person[text]))
            cues[k] = cues[k].with_text(text)
        elif kind == "delete":
            model.forget(cues.pop(k))
        elif kind == "merge" and k + 1 < len(cues):
            first, second = cues[k], cues[k + 1]
            text = model.new_text()
            model.person[text] = model.ties(first) | model.ties(second)
            model.forget(first)
            model.forget(second)
            cues[k:k + 2] = [Cue(first.start, max(first.end, second.end), text)]
            model.kept.add((text, model.person[text]))
        elif kind == "split" and cues[k].duration >= 400:
            cue = cues[k]
            middle = cue.start + cue.duration // 2
            halves = [Cue(cue.start, middle, model.new_text()), Cue(middle, cue.end, model.new_text())]
            for half in halves:
                model.person[half.text] = model.ties(cue)
                model.kept.add((half.text, model.person[half.text]))
            model.forget(cue)
            cues[k:k + 1] = halves
        else:
            return
        write_track(Track(cues, LANG), model.track_path)


@given(texts=st.lists(_text, min_size=6, max_size=6), steps=st.lists(_step, min_size=1, max_size=12))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
def test_no_persons_cue_is_lost_and_nothing_unapproved_is_publishable(workspace, tmp_path, texts, steps):
    root, env = workspace
    import shutil

    shutil.rmtree(root / "subtitles", ignore_errors=True)
    shutil.rmtree(root / "dist", ignore_errors=True)
    model = Model(root, texts)
    model.write_source()
    for step in [("draft", 0), *steps]:
        apply(model, step, env, tmp_path)
        model.check()
    # build plans exactly what status calls publishable
    plan = plan_build(load_project(root, explicit=True), remember=False)
    rendered = {lang for d in plan.decisions for lang in d.job.languages}
    assert rendered == {lang for lang, t in status(root).items() if t["publishable"]}
