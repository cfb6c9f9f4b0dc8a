"""The spelling rule's answers kept between runs (pipeline/spelling_cache.py), with the real Debian dictionaries.

Each "run" is a new Python process (or, in-process, forgotten dictionaries), as `pipeline check` is run.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _corpus import CORPUS, needs_corpus
from conftest import write_srt
from pipeline import spelling
from pipeline.checks import check_files

# Prints the spelling findings of each FILE:LANG argument as JSON, then whether enchant was imported at all.
RUN = """
import json, sys
from pipeline.checks import check_files
out = []
for arg in sys.argv[1:]:
    path, lang = arg.rsplit(":", 1)
    (track,) = check_files([path], language=lang).tracks
    out.append([[f.line, f.message] for f in track.findings if f.rule == "spelling"])
print(json.dumps({"findings": out, "enchant": "enchant" in sys.modules}))
"""


def run_check(args: list[str], cache: Path, config: Path) -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "XDG_CONFIG_HOME": str(config)}
    done = subprocess.run([sys.executable, "-c", RUN, *args], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def cache_file(cache: Path, language: str) -> Path:
    return cache / "pipeline" / "spelling" / f"{language}.json"


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty cache folder for this test, and no dictionary remembered in this process."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    spelling.forget_dictionaries()
    yield cache
    spelling.forget_dictionaries()


def spelling_of(path, language=None):
    spelling.forget_dictionaries()  # as a new process would
    (track,) = check_files([path], language=language).tracks
    return [(f.cue, f.message) for f in track.findings if f.rule == "spelling"]


@needs_corpus
def test_findings_are_identical_with_and_without_the_cache_and_a_warm_run_loads_no_dictionary(tmp_path):
    files = [f"{CORPUS}/srt_realworld_malformed/subtitlejs__WonderWoman.srt:en",
             f"{CORPUS}/webvtt/webvttpy__netflix_chicas_del_cable.vtt:es",
             f"{CORPUS}/parallel/perl_debugger_screencast/perl_debugger.ru.srt:ru"]
    cache, config = tmp_path / "cache", tmp_path / "config"
    cold = run_check(files, cache, config)
    assert cold["enchant"] and all(cache_file(cache, lang).is_file() for lang in ("en", "es", "ru"))
    # the Russian screencast: its 12 misspellings (следущую ...); its English code words are the script rule's
    assert [len(f) for f in cold["findings"]] == [25, 14, 12]
    assert [708, "'Therma' is not in the en_US dictionary: Thermal, Thelma, Therme?"] in cold["findings"][0]
    assert [1256, "'dire' is not in the es_ES dictionary: diré, aire, gire?"] in cold["findings"][1]
    assert [143, "'Vámonos' is not in the es_ES dictionary: Veámonos?"] in cold["findings"][1]  # its own cue, 29
    warm = run_check(files, cache, config)
    assert warm == {"findings": cold["findings"], "enchant": False}
    # a cache folder that cannot be written costs speed, never a finding
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    assert run_check(files, blocked, config) == cold


def test_a_changed_dictionary_or_personal_word_list_forgets_the_answers(tmp_path):
    """Enchant reads a user's Hunspell folder first (~/.config/enchant/hunspell) and adds the personal word
    list (~/.config/enchant/en_US.dic): a change to either must not be hidden by remembered answers."""
    cache, config = tmp_path / "cache", tmp_path / "config"
    hunspell = config / "enchant" / "hunspell"
    hunspell.mkdir(parents=True)
    for ext in (".aff", ".dic"):
        shutil.copy(f"/usr/share/hunspell/en_US{ext}", hunspell / f"en_US{ext}")
    track = write_srt(tmp_path / "talk.en.srt", [(1.0, 3.0, "A glimmerwing and a lumosprout.")])
    args = [f"{track}:en"]
    words = lambda result: [m.split("'")[1] for _, m in result["findings"][0]]  # noqa: E731
    assert words(run_check(args, cache, config)) == ["glimmerwing", "lumosprout"]
    assert run_check(args, cache, config)["enchant"] is False  # remembered
    with open(hunspell / "en_US.dic", "a", encoding="utf-8") as fh:
        fh.write("glimmerwing\n")
    changed = run_check(args, cache, config)
    assert words(changed) == ["lumosprout"] and changed["enchant"]
    (config / "enchant" / "en_US.dic").write_text("lumosprout\n", encoding="utf-8")
    assert words(run_check(args, cache, config)) == []


def test_the_project_word_list_applies_on_top_of_remembered_answers(make_project, fresh):
    """The cache holds the dictionary's answers only: listing a word, and unlisting it, takes effect at once."""
    from pipeline.checks import check_track
    from pipeline.project import load_project

    root = make_project({"talk": {"tracks": {"en": [(0.2, 2.9, "Survivers met a glimmerwing.")]}}})

    def findings():
        spelling.forget_dictionaries()  # as a new process would
        return [f.message for f in check_track(load_project(root), "talk", "en") if f.rule == "spelling"]

    first = findings()
    assert first == ["'Survivers' is not in the en_US dictionary: Survivors, Survives?",
                     "'glimmerwing' is not in the en_US dictionary: glimmering?"]
    words = root / "assets" / "glossary" / "words.en.txt"
    words.parent.mkdir(parents=True, exist_ok=True)
    words.write_text("glimmerwing\n", encoding="utf-8")
    assert findings() == first[:1]
    assert not spelling.dictionary_for("en").loaded  # every answer came from the cache
    words.write_text("# nobody listed\n", encoding="utf-8")
    assert findings() == first
    assert not spelling.dictionary_for("en").loaded


def test_a_corrupt_truncated_or_foreign_cache_is_ignored_and_rebuilt(tmp_path, fresh):
    track = write_srt(tmp_path / "talk.en.srt", [(1.0, 3.0, "Survivers deserve to be heard.")])
    expected = [(1, "'Survivers' is not in the en_US dictionary: Survivors, Survives?")]
    assert spelling_of(track) == expected
    path = cache_file(fresh, "en")
    good = json.loads(path.read_text(encoding="utf-8"))
    assert "Survivers" in good["unknown"].split("\n") and good["suggestions"]["Survivers"] == ["Survivors", "Survives"]

    text = path.read_text(encoding="utf-8")
    foreign = dict(good, key="another dictionary", known=good["known"] + "\nSurvivers", unknown="", suggestions={})
    for broken in (text[: len(text) // 2], "\0\1 not json", json.dumps(foreign), json.dumps(dict(good, known=5)),
                   json.dumps(dict(good, suggestions={"Survivers": "Survivors"})), "[]"):
        path.write_text(broken, encoding="utf-8")
        assert spelling_of(track) == expected
        assert json.loads(path.read_text(encoding="utf-8"))["key"] == good["key"]  # rebuilt
    assert not list(path.parent.glob("*.partial"))


def test_processes_saving_at_once_keep_every_answer(tmp_path):
    """Saving merges under a lock: while one writer holds it (here the test, adding an answer of its own),
    three processes checking different words wait, and none of the four loses another's answers."""
    cache, config = tmp_path / "cache", tmp_path / "config"
    tracks = [write_srt(tmp_path / f"t{n}.en.srt", [(1.0, 3.0, text)]) for n, text in
              enumerate(["Survivers deserve to be heard.", "Proteccion matters.", "Childern are safe."])]
    run_check([f"{tracks[0]}:en"], cache, config)  # the cache exists, so its key is known
    path = cache_file(cache, "en")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "XDG_CONFIG_HOME": str(config)}
    with open(path.with_name("en.json.lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # a writer that has read the file, as saving does
        data = json.loads(path.read_text(encoding="utf-8"))
        procs = [subprocess.Popen([sys.executable, "-c", RUN, f"{t}:en"], env=env, stdout=subprocess.PIPE)
                 for t in tracks[1:]]
        time.sleep(3)  # long enough for them to reach the save and wait for the lock
        data["known"] += "\nbesidesolder"
        path.write_text(json.dumps(data), encoding="utf-8")
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        for proc in procs:
            assert proc.wait(timeout=120) == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    unknown, known = set(data["unknown"].split("\n")), set(data["known"].split("\n"))
    assert {"Survivers", "Proteccion", "Childern"} <= unknown and {"besidesolder", "deserve", "matters", "safe"} <= known
