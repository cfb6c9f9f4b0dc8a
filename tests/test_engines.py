"""Engines: a tiny real Argos package (built by the tests) through CTranslate2, Debian's Apertium, pivots,
the safety checks on package archives, and the offline behaviour of downloads."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from pipeline.cli import cli
from pipeline.engines import PivotEngine, argos, select_engine
from pipeline.engines.apertium import ApertiumEngine, code_to_bcp47, installed_modes
from pipeline.errors import EngineError, UsageError
from pipeline.model import strip_tags
from pipeline.protect import TermRule, add_inverted_marks, balance_tags, mask, split_cue, unmask

needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
SENTENCES = ["Survivors deserve to be heard.", "Support services make a difference.",
             "The report listens to children and young people.", "Every child has the right to be safe."]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# --- Argos ------------------------------------------------------------------------------------------------

def test_argos_package_installs_and_translates_in_one_batch_offline(argos_dir, argos_package_files, no_network):
    result = run("models", "install", str(argos_package_files[("en", "sq")]))
    assert result.exit_code == 0, result.output
    assert "installed translate-en_sq-1_0: en → sq" in result.output
    listed = run("models", "list", "--json")
    pairs = json.loads(listed.output)["pairs"]
    assert {"engine": "argos", "source": "en", "target": "sq", "model": "translate-en_sq-1_0 1.0"} in pairs

    engine = select_engine("en", "sq")
    assert isinstance(engine, argos.ArgosEngine)
    out = engine.translate(SENTENCES + ["", "Él dijo: ¿dónde estás?"])
    # the swap-case model really ran: every letter it knows comes back with its case swapped
    assert out[:4] == [s.swapcase() for s in SENTENCES]
    assert out[4] == ""  # empty segments are not sent
    assert out[5] == "ÉL DIJO: ¿DóNDE ESTáS?"  # pieces unknown to the model are copied (replace_unknowns)
    assert (engine.calls, engine.segments_sent) == (1, 5)


def test_argos_model_is_loaded_once_per_process(argos_sq):
    argos._TRANSLATORS.clear()
    first = select_engine("en", "sq")
    first.translate(SENTENCES[:2])
    first.translate(SENTENCES[2:])
    argos.ArgosEngine(argos.read_package(argos_sq.path)).translate(SENTENCES)
    assert [k[0] for k in argos._TRANSLATORS] == [str(argos_sq.path / "model")]


def test_argos_threads_follow_argos_environment(monkeypatch):
    monkeypatch.setenv("ARGOS_INTRA_THREADS", "3")
    monkeypatch.setenv("ARGOS_BEAM_SIZE", "2")
    settings_ = argos._settings()
    assert (settings_.inter_threads, settings_.intra_threads, settings_.beam_size) == (1, 3, 2)
    monkeypatch.delenv("ARGOS_INTRA_THREADS")
    assert 1 <= argos._settings().intra_threads <= 4


def test_argostranslate_reads_the_same_package_and_agrees(argos_sq, tmp_path):
    """argostranslate's own per-cue API on the installed package gives the same text as our batched path.

    Runs in a child process with its own HOME (argostranslate creates folders at import) and its sentence
    splitter replaced by "one sentence" (MiniSBD would download a model)."""
    script = tmp_path / "argos_api.py"
    script.write_text(
        "import json, sys\n"
        "import argostranslate.sbd as sbd, argostranslate.translate as tr\n"
        "sbd.MiniSBDSentencizer.split_sentences = lambda self, text: [text]\n"
        "print(json.dumps([tr.translate(s, 'en', 'sq') for s in json.loads(sys.argv[1])]))\n", encoding="utf-8")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"),
           "XDG_CONFIG_HOME": str(tmp_path / "c"), "XDG_CACHE_HOME": str(tmp_path / "k"),
           "ARGOS_PACKAGES_DIR": str(argos_sq.path.parent)}
    res = subprocess.run([sys.executable, str(script), json.dumps(SENTENCES)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    theirs = json.loads(res.stdout.strip().splitlines()[-1])
    assert theirs == select_engine("en", "sq").translate(SENTENCES)


def _rezip(source: Path, dest: Path, mutate) -> Path:
    """Copy a package zip, letting ``mutate(name, data)`` return [(ZipInfo|name, data), ...] per member."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            for name, data in mutate(info.filename, src.read(info)):
                out.writestr(name, data)
    return dest


def _symlink_member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16)
    return info


HOSTILE = {
    "climbs out": (lambda n, d: [(n, d)] + ([("translate-en_sq-1_0/../../evil.txt", b"x")] if n.endswith("README.md") else []),
                   "climbs out of the package folder"),
    "absolute path": (lambda n, d: [(n, d)] + ([("/tmp/evil.txt", b"x")] if n.endswith("README.md") else []),
                      "absolute path"),
    "symlink": (lambda n, d: [(n, d)] + ([(_symlink_member("translate-en_sq-1_0/link"), b"/etc/passwd")]
                                         if n.endswith("README.md") else []), "symbolic link"),
    "two folders": (lambda n, d: [(n, d)] + ([("other/file.txt", b"x")] if n.endswith("README.md") else []),
                    "exactly one top-level folder"),
    "no metadata": (lambda n, d: [] if n.endswith("metadata.json") else [(n, d)], "metadata.json is missing"),
    "metadata without to_code": (lambda n, d: [(n, json.dumps({"from_code": "en"}).encode() if n.endswith("metadata.json") else d)],
                                 "no to_code"),
    "broken model": (lambda n, d: [(n, b"not a model" if n.endswith("model.bin") else d)], "cannot load this model"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_install_refuses_hostile_or_broken_packages(case, argos_dir, argos_package_files, tmp_path):
    mutate, expected = HOSTILE[case]
    bad = _rezip(argos_package_files[("en", "sq")], tmp_path / "bad.argosmodel", mutate)
    result = CliRunner().invoke(cli, ["models", "install", str(bad)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.output
    assert list(argos_dir.iterdir()) == []  # nothing extracted, nothing left behind
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_install_refuses_files_that_are_not_packages(argos_dir, argos_package_files, tmp_path):
    text = tmp_path / "notes.argosmodel"
    text.write_text("hello", encoding="utf-8")
    data = argos_package_files[("en", "sq")].read_bytes()
    truncated = tmp_path / "truncated.argosmodel"
    truncated.write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF  # inside a compressed member: its CRC no longer matches
    corrupt = tmp_path / "corrupt.argosmodel"
    corrupt.write_bytes(bytes(flipped))
    for path, expected in ((text, "not a zip archive"), (truncated, "not a zip archive"), (corrupt, "corrupt")):
        result = CliRunner().invoke(cli, ["models", "install", str(path)])
        assert result.exit_code != 0 and expected in result.output, (path, result.output)
        assert len(result.output.strip().splitlines()) == 1
    assert list(argos_dir.iterdir()) == []


def test_install_keeps_an_installed_package_unless_forced(argos_sq, argos_package_files):
    again = run("models", "install", str(argos_package_files[("en", "sq")]))
    assert again.exit_code != 0 and "already installed" in again.output and "--force" in again.output
    forced = run("models", "install", "--force", str(argos_package_files[("en", "sq")]))
    assert forced.exit_code == 0, forced.output
    assert [p.name for p in argos.installed_packages()] == ["translate-en_sq-1_0"]
    assert not [p for p in argos_sq.path.parent.iterdir() if p.name.startswith(".")]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_download_offline_says_so_in_one_line_within_seconds(argos_dir, monkeypatch):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", f"http://127.0.0.1:{_closed_port()}/")
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["models", "download", "en", "sq"])
    took = time.monotonic() - started
    assert result.exit_code != 0
    assert result.output.strip().startswith("error: offline: cannot reach 127.0.0.1")
    assert len(result.output.strip().splitlines()) == 1
    assert took < 5, took


def test_download_offline_unresolvable_host_is_bounded(argos_dir, monkeypatch, no_network):
    monkeypatch.setenv("ARGOS_PACKAGE_INDEX", "https://index.invalid/")
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["models", "download", "en", "sq"])
    assert result.exit_code != 0 and "offline" in result.output
    assert time.monotonic() - started < 5


def test_download_from_an_index_installs_the_package(argos_dir, argos_package_files, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(argos_package_files[("en", "sq")], site / "en_sq.argosmodel")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(site), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    port = server.server_address[1]
    (site / "index.json").write_text(json.dumps([
        {"from_code": "en", "to_code": "sq", "package_version": "1.0", "type": "translate",
         "links": [f"http://127.0.0.1:{port}/en_sq.argosmodel"]}]), encoding="utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("ARGOS_PACKAGE_INDEX", f"http://127.0.0.1:{port}/")
        missing = CliRunner().invoke(cli, ["models", "download", "en", "ro"])
        assert missing.exit_code != 0 and "has no en→ro package" in missing.output and "sq" in missing.output
        result = run("models", "download", "en", "sq")
        assert result.exit_code == 0, result.output
    finally:
        server.shutdown()
    assert [p.target for p in argos.installed_packages()] == ["sq"]
    assert select_engine("en", "sq").translate(["Hello."]) == ["hELLO."]


# --- Apertium and the choice of engine --------------------------------------------------------------------

@needs_apertium
def test_apertium_translates_a_batch_in_one_process_like_one_by_one():
    engine = select_engine("en", "es", "apertium")
    assert isinstance(engine, ApertiumEngine) and engine.mode == "eng-spa"
    batch = engine.translate(SENTENCES)
    assert engine.calls == 1 and engine.segments_sent == len(SENTENCES)
    one_by_one = [engine.translate([s])[0] for s in SENTENCES[:2]]
    assert batch[:2] == one_by_one
    assert batch[0] != SENTENCES[0] and "supervivientes" in batch[0].lower()


@needs_apertium
def test_bosnian_uses_apertium_eng_hbs_bs(argos_dir):
    engine = select_engine("en", "bs")
    assert isinstance(engine, ApertiumEngine) and engine.mode == "eng-hbs_BS"
    assert "apertium-hbs-eng" in engine.model
    out = engine.translate(["Support services make a difference.", "XZ1ZX children."])
    assert out[0] and out[0] != "Support services make a difference."
    assert out[1].startswith("XZ1ZX")  # placeholders pass through


def test_apertium_codes_map_to_bcp47():
    assert code_to_bcp47("eng") == "en"
    assert code_to_bcp47("hbs_BS") == "bs"
    assert code_to_bcp47("pt_BR") == "pt-BR"
    assert code_to_bcp47("Cyrl") is None


@needs_apertium
def test_auto_prefers_argos_then_apertium_then_a_pivot(argos_dir, argos_package_files):
    assert isinstance(select_engine("en", "es"), ApertiumEngine)
    argos.install_package(argos_package_files[("en", "es")], argos_dir)
    from pipeline.engines import forget_engines

    forget_engines()
    assert isinstance(select_engine("en", "es"), argos.ArgosEngine)
    assert isinstance(select_engine("en", "es", "apertium"), ApertiumEngine)
    pivot = select_engine("en", "pt", "apertium")
    assert isinstance(pivot, PivotEngine) and pivot.pivot == "es"
    assert (pivot.first.mode, pivot.second.mode) == ("eng-spa", "es-pt")
    back = select_engine("bs", "es", "apertium")
    assert isinstance(back, PivotEngine) and back.pivot == "en" and back.first.mode == "hbs-eng"
    assert back.translate(["Djeca zaslužuju podršku."])[0]


def test_no_engine_and_unknown_language_are_clear_errors(argos_dir):
    with pytest.raises(EngineError) as err:
        select_engine("en", "sq")
    assert "no engine translates en → sq (Albanian)" in str(err.value)
    assert "pipeline models download en sq" in str(err.value)
    with pytest.raises(UsageError, match="unknown language code 'klingon'"):
        select_engine("en", "klingon")
    with pytest.raises(EngineError, match="no argos translates"):
        select_engine("en", "bs", "argos")
    with pytest.raises(UsageError, match="same language"):
        select_engine("en", "en")


@needs_apertium
def test_modes_listed_include_the_installed_pairs():
    pairs = {(s, t) for _, s, t in installed_modes()}
    assert {("en", "es"), ("es", "en"), ("en", "bs"), ("es", "pt"), ("ro", "es")} <= pairs


# --- placeholders and typography --------------------------------------------------------------------------

def test_mask_protects_tags_numbers_urls_emails_and_terms():
    text = "<i>Call</i> 116 111, write to Help@Example.org or see https://Example.org/a?b=1. ECPAT said so."
    masked = mask(text, [TermRule("ECPAT", "ECPAT")])
    for kept in ("<i>", "</i>", "116", "111", "Help@Example.org", "https://Example.org", "ECPAT"):
        assert kept not in masked.text
    # an engine may change the case of a placeholder or put a space inside it
    garbled = masked.text.lower().replace("xz1zx", "XZ 1ZX")
    restored, lost = unmask(garbled, masked)
    assert lost == []
    assert restored == "<i>call</i> 116 111, write to Help@Example.org or see https://Example.org/a?b=1. ECPAT said so."


def test_placeholders_stay_glued_to_quotes_and_brackets():
    """An engine copies `"XZ1ZX"` as it is; spaces added inside the quotes would come back in the draft."""
    masked = mask('We say "ECPAT", (ECPAT) and «ECPAT».', [TermRule("ECPAT", "ECPAT")])
    assert masked.text == 'We say "XZ1ZX", (XZ2ZX) and «XZ3ZX».'
    assert unmask(masked.text, masked)[0] == 'We say "ECPAT", (ECPAT) and «ECPAT».'


def test_a_quoted_avoided_term_is_a_mention_left_to_the_engine():
    """'We never say "child pornography"' must not be drafted as 'we never say "<the agreed term>"'."""
    rule = TermRule("child pornography", "material de abuso sexual infantil", in_quotes=False)
    masked = mask('We never say "child pornography"; child pornography is wrong.', [rule])
    assert masked.text == 'We never say "child pornography"; XZ1ZX is wrong.'
    assert unmask(masked.text, masked)[0] == ('We never say "child pornography"; '
                                             'material de abuso sexual infantil is wrong.')


def test_unmask_puts_back_what_an_engine_dropped():
    masked = mask("Visit https://example.org today.")
    restored, lost = unmask("Visita hoy.", masked)
    assert [s.original for s in lost] == ["https://example.org"]
    assert "https://example.org" in restored


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZáéñ", min_size=1, max_size=8)
_token = st.one_of(_word, _word.map(lambda w: f"<i>{w}</i>"), st.integers(0, 99999).map(str),
                   st.just("https://example.org/x"), st.just("a.b@example.org"), _word.map(lambda w: w + ","),
                   # Apertium's mark characters, which must reach no engine as text
                   _word.map(lambda w: f"#{w}"), _word.map(lambda w: f"@{w}"), _word.map(lambda w: f"*{w}*"),
                   st.sampled_from(["#", "*", "@", "<br>", "<br/>"]))


@given(st.lists(_token, min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_mask_then_unmask_of_an_identity_translation_gives_the_text_back(tokens):
    text = " ".join(tokens)
    masked = mask(text)
    assert not any(mark in masked.text for mark in "#@*")
    restored, lost = unmask(masked.text, masked)
    assert lost == []
    assert restored == " ".join(text.split())


_piece_token = st.one_of(_word, st.sampled_from(["<i>", "</i>", "<b>", "</b>", "<br>", "<j>"]))


@given(st.lists(st.lists(_piece_token, max_size=6).map(" ".join), min_size=1, max_size=5))
@settings(max_examples=300, deadline=None)
def test_balancing_tags_changes_no_words_and_never_multiplies_an_unclosed_tag(pieces):
    out = balance_tags(pieces)
    assert [strip_tags(p).split() for p in out] == [strip_tags(p).split() for p in pieces]
    joined_in, joined_out = " ".join(pieces), " ".join(out)
    for never_closed in ("<br>", "<j>"):
        assert joined_out.count(never_closed) == joined_in.count(never_closed)


def test_cue_shell_and_spanish_marks():
    shell = split_cue("{\\an8}<i>- Where are you?\n- Here.</i>")
    assert (shell.prefix, shell.wrap, shell.dashed, shell.turns) == (
        "{\\an8}", ("<i>", "</i>"), True, ["Where are you?", "Here."])
    assert split_cue("- Not a dialogue, one dash.").dashed is False
    assert add_inverted_marks("Dónde estás?") == "¿Dónde estás?"
    assert add_inverted_marks("<i>\"Ayuda!\"</i>") == "<i>\"¡Ayuda!\"</i>"
    assert add_inverted_marks("¿Ya está?") == "¿Ya está?"
    assert add_inverted_marks("Sí.") == "Sí."
