"""Sentence-aware drafting with real engines: what survives, how text is laid over the source's cues,
glossaries, loose files, and bad input."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import write_srt
from pipeline.cli import cli
from pipeline.drafting import DraftSettings, redraft
from pipeline.engines import argos
from pipeline.formats import read_track
from pipeline.glossary import GlossaryError, findings, load_glossary, parse_glossary, source_findings
from pipeline.linebreak import fits
from pipeline.model import Cue, Track
from pipeline.review_record import read_record
from pipeline.segment import assemble, distribute, plan, sentences

REPO = Path(__file__).resolve().parents[1]
needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")

# A sentence across two cues, italics, a wrapped cue with a glossary term, dialogue with positioning,
# a URL and numbers, an organisation name.
SOURCE = [
    (1.0, 3.0, "The report listens to children"),
    (3.1, 5.0, "who were harmed online."),
    (5.2, 7.0, "<i>Child sexual abuse material is a crime.</i>"),
    (7.2, 9.0, "{\\an8}- Where are you?\n- Here, with ECPAT."),
    (9.2, 11.0, "Visit https://example.org or call 116 111."),
]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def project_with(make_project, cues=SOURCE, glossary: bool = True, **extra) -> Path:
    root = make_project(videos={"talk": {"tracks": {"en": cues}}}, seconds=1.0, **extra)
    if glossary:
        shutil.copytree(REPO / "assets" / "glossary", root / "assets" / "glossary")
    return root


# --- segmentation and layout (pure) -----------------------------------------------------------------------

def test_sentences_cross_cues_and_stop_at_turns_and_pauses():
    track = Track([Cue(0, 1000, "The report listens to"), Cue(1000, 2000, "children. They speak"),
                   Cue(2100, 3000, "about what helped."), Cue(3100, 4000, "- Where?\n- Here."),
                   Cue(9000, 9500, "A long pause"), Cue(12000, 12500, "splits this.")])
    segs = [[(p.cue, p.turn, p.text) for p in s.pieces] for s in plan(track).segments]
    assert segs == [
        [(0, 0, "The report listens to"), (1, 0, "children.")],
        [(1, 0, "They speak"), (2, 0, "about what helped.")],
        [(3, 0, "Where?")], [(3, 1, "Here.")],
        [(4, 0, "A long pause")], [(5, 0, "splits this.")],
    ]
    assert sentences("Dr. Smith met J. Doe. Then e.g. this! ¿Y ahora? Sí.") == [
        "Dr. Smith met J. Doe.", "Then e.g. this!", "¿Y ahora?", "Sí."]


def test_distribution_follows_the_source_proportions_at_word_boundaries():
    text = "Los servicios de apoyo marcan la diferencia, según el informe de este año."
    parts = distribute(text, [20, 30], "es")
    assert " ".join(parts) == text
    assert parts == ["Los servicios de apoyo marcan", "la diferencia, según el informe de este año."]
    assert distribute("a b c d", [1, 1, 1, 1]) == ["a", "b", "c", "d"]
    # never fewer words than needed are invented, never a word split
    assert distribute("uno dos", [5, 5, 5]) in (["uno", "dos", ""], ["uno", "", "dos"], ["", "uno", "dos"])


def test_cue_that_cannot_fit_keeps_its_whole_text_on_one_line():
    track = Track([Cue(0, 1000, "Short source.")])
    long_text = "Una traducción muchísimo más larga que cualquier límite razonable de caracteres por línea y por subtítulo."
    text = assemble(plan(track), {0: long_text}, language="es", max_chars=42, max_lines=2)[0]
    assert text == long_text  # not truncated, not broken into a third line
    assert not fits(text, 42, 2)
    fitting = assemble(plan(track), {0: "Los servicios de apoyo marcan la diferencia."}, language="es")[0]
    assert fitting == "Los servicios de apoyo\nmarcan la diferencia."


def test_tags_cut_by_redistribution_are_balanced_per_cue():
    track = Track([Cue(0, 1000, "one two"), Cue(1000, 2000, "three four.")])
    out = assemble(plan(track), {0: "uno <i>dos tres</i> cuatro."}, language="es")
    assert out == {0: "uno <i>dos</i>", 1: "<i>tres</i> cuatro."}


def test_words_move_to_a_neighbouring_cue_of_the_sentence_before_a_cue_is_too_long(monkeypatch):
    source = Track([Cue(0, 3000, "The report listens to children and young people who were harmed online and"),
                    Cue(3000, 4000, "their families.")], "en")
    translation = ("El informe escucha a niñas, niños y jóvenes que sufrieron daños en internet y también a sus "
                   "familias enteras.")
    out = assemble(plan(source), {0: translation}, language="es")
    assert out == {0: "El informe escucha a niñas, niños\ny jóvenes que sufrieron daños en internet",
                   1: "y también a sus familias enteras."}
    # a cue that is not being drafted (a person's) never takes words: the long cue stays whole for check
    alone = assemble(plan(source), {0: translation}, {0}, language="es")
    assert not fits(alone[0], 42, 2) and alone[0].endswith("y también")
    # before words could cross the boundary, the proportional split left cue 1 too long
    from pipeline import segment

    monkeypatch.setattr(segment, "_make_room", lambda *args, **kwargs: None)
    assert not fits(assemble(plan(source), {0: translation}, language="es")[0], 42, 2)


def test_unpunctuated_runs_are_cut_at_their_longest_pause():
    # automatic captions: no sentence punctuation, cues back to back; one pause is longer than the others
    cues = [Cue(i * 1500, i * 1500 + (1000 if i == 3 else 1400), f"words of caption number {i} go on") for i in range(40)]
    segments = plan(Track(cues, "en"), max_segment_chars=150).segments
    assert len(segments) > 5
    assert segments[0].cues == [0, 1, 2, 3]  # the 500 ms pause after cue 3 beats the 100 ms ones
    assert all(len(s.text) <= 150 + 40 for s in segments)
    assert [p.cue for s in segments for p in s.pieces] == list(range(40))  # every cue once, in order


# --- drafting with Apertium (real) ------------------------------------------------------------------------

@needs_apertium
def test_draft_spanish_keeps_timings_tags_dashes_links_numbers_and_terms(make_project):
    root = project_with(make_project)
    result = run("--project", str(root), "draft", "talk", "--to", "es")
    assert result.exit_code == 0, result.output
    assert "es: drafted 5 of 5 cues from en (5 sentences in one batch; apertium: eng-spa" in result.output
    source = read_track(root / "subtitles/talk/en.srt")
    draft = read_track(root / "subtitles/talk/es.srt")
    assert [(c.start, c.end) for c in draft] == [(c.start, c.end) for c in source]
    texts = [c.text for c in draft]
    assert texts[0] and texts[1] and texts[0] != source[0].text  # the sentence was spread over both cues
    assert texts[2].startswith("<i>") and texts[2].endswith("</i>")
    assert "material de abuso sexual infantil" in texts[2].lower().replace("\n", " ")
    assert texts[3].startswith("{\\an8}- ¿") and "\n- " in texts[3] and "ECPAT" in texts[3]
    assert "https://example.org" in texts[4] and "116 111" in texts[4]
    assert all(fits(t, 42, 2) for t in texts)
    record = read_record(root / "subtitles/talk/es.srt")
    assert record.source == "en" and len(record.rows) == 5
    assert {r.engine for r in record.rows} == {"apertium"} and all(r.approved_sha == "-" for r in record.rows)


@needs_apertium
def test_check_glossary_rule_on_a_drafted_track(make_project):
    """A draft follows the glossary (so `check` passes it), a quoted mention keeps its meaning, and a
    person's edit that breaks the glossary is an error of `check`."""
    root = project_with(make_project, [
        (1.0, 3.0, "ECPAT studies child sexual abuse material."),
        (3.2, 5.0, 'We never say "child pornography".'),
    ])
    assert run("--project", str(root), "draft", "talk", "--to", "es").exit_code == 0
    path = root / "subtitles/talk/es.srt"
    texts = [c.text.replace("\n", " ") for c in read_track(path)]
    assert "ECPAT" in texts[0] and "material de abuso sexual infantil" in texts[0]
    assert "material de abuso" not in texts[1] and re.search(r'"\S[^"]*\S"', texts[1])  # no spaces inside
    assert glossary_findings(root) == []
    errors_before = status_findings(root)["es"]["errors"]
    path.write_text(path.read_text(encoding="utf-8").replace("material de abuso sexual infantil", "pornografía infantil")
                    .replace("material\nde abuso sexual infantil", "pornografía\ninfantil"), encoding="utf-8")
    found = glossary_findings(root)
    assert (1, "error", "uses 'pornografía infantil'; the agreed term is 'material de abuso sexual infantil' "
                        "(glossary-avoid)") in found
    assert (1, "error", "the source says 'child sexual abuse material' here; translate it as "
                        "'material de abuso sexual infantil' (glossary-term)") in found
    assert run("--project", str(root), "check", "talk", "--lang", "es").exit_code == 1
    assert status_findings(root)["es"]["errors"] == errors_before + 2  # status counts them too
    table = run("--project", str(root), "status").output.splitlines()
    assert any(" es " in line and f"{errors_before + 2} errors" in line for line in table)

    # a broken glossary file: check says so in one line; status still shows the review state
    (root / "assets/glossary/en-es.toml").write_text('source = "en"\ntarget = "es"\nbogus = 1\n', encoding="utf-8")
    result = run("--project", str(root), "check", "talk")
    assert result.exit_code == 2 and "en-es.toml" in result.output and "Traceback" not in result.output
    result = run("--project", str(root), "status")
    assert result.exit_code == 0 and "check failed" in result.output
    assert status_findings(root)["es"] is None


def status_findings(root: Path) -> dict:
    data = json.loads(run("--project", str(root), "status", "--json").output)
    return {t["language"]: t["findings"] for t in data["videos"][0]["tracks"]}


def glossary_findings(root: Path) -> list[tuple]:
    result = run("--project", str(root), "check", "--json", "talk", "--lang", "es")
    data = json.loads(result.output)
    return [(f["cue"], f["severity"], f["message"]) for file in data["files"] for f in file["findings"]
            if f["rule"] == "glossary"]


@needs_apertium
def test_draft_bosnian_and_a_pivot_in_one_run(make_project, argos_dir):
    root = project_with(make_project)
    # Debian's eng-hbs_BS marks most words unknown: the draft is written only when forced (test_confidence.py)
    result = run("--project", str(root), "draft", "talk", "--to", "bs,pt", "--force")
    assert result.exit_code == 0, result.output
    assert "bs: drafted 5 of 5 cues" in result.output and "eng-hbs_BS" in result.output
    assert "pt: drafted 5 of 5 cues" in result.output and "> es > es-pt" in result.output
    pt = [c.text for c in read_track(root / "subtitles/talk/pt.srt")]
    # the English term went through its agreed Spanish wording, then into Portuguese
    assert "material de abuso sexual infantil" in pt[2].lower().replace("\n", " ")
    assert read_record(root / "subtitles/talk/pt.srt").rows[0].engine == "apertium+apertium"


# --- drafting with the tiny Argos package (real CTranslate2) ----------------------------------------------

def test_draft_with_argos_protects_what_the_model_must_not_touch(make_project, argos_sq, no_network):
    root = project_with(make_project)
    result = run("--project", str(root), "draft", "talk", "--to", "sq", "--engine", "argos")
    assert result.exit_code == 0, result.output
    texts = [c.text for c in read_track(root / "subtitles/talk/sq.srt")]
    # the swap-case "translation" touched the words, never the tags, link, numbers or kept names
    assert texts[0] == "tHE REPORT LISTENS TO CHILDREN"
    assert texts[1] == "WHO WERE HARMED ONLINE."
    assert texts[2] == "<i>cHILD SEXUAL ABUSE MATERIAL IS A CRIME.</i>"
    assert texts[3] == "{\\an8}- wHERE ARE YOU?\n- hERE, WITH ECPAT."
    assert texts[4] == "vISIT https://example.org OR CALL 116 111."
    assert read_record(root / "subtitles/talk/sq.srt").rows[0].model == "translate-en_sq-1_0 1.0"


def test_redraft_sends_only_the_changed_sentence(make_project, argos_sq):
    cues = [(i * 2.0, i * 2.0 + 1.8, f"Survivors told us about point {i}.") for i in range(200)]
    root = project_with(make_project, cues, glossary=False)
    first = run("--project", str(root), "draft", "talk", "--to", "sq")
    assert "drafted 200 of 200 cues from en (200 sentences in one batch" in first.output
    cues[120] = (cues[120][0], cues[120][1], "Support services make a difference.")
    write_srt(root / "subtitles/talk/en.srt", cues)
    second = run("--project", str(root), "draft", "talk", "--to", "sq")
    assert "drafted 1 of 200 cues from en (1 sentence in one batch" in second.output
    assert "kept 199 unchanged machine cues" in second.output
    assert read_track(root / "subtitles/talk/sq.srt")[120].text == "sUPPORT SERVICES MAKE A DIFFERENCE."
    third = run("--project", str(root), "draft", "talk", "--to", "sq")
    assert "nothing to draft" in third.output


# --- loose files ------------------------------------------------------------------------------------------

@needs_apertium
def test_translate_a_loose_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # outside any project
    src = write_srt(tmp_path / "clip.en.srt", SOURCE[:3])
    glossary = REPO / "assets" / "glossary" / "en-es.toml"
    out = tmp_path / "clip.es.vtt"
    result = run("translate", str(src), "--to", "es", "-o", str(out), "--glossary", str(glossary))
    assert result.exit_code == 0, result.output
    track = read_track(out)
    assert out.read_text(encoding="utf-8").startswith("WEBVTT")
    assert [(c.start, c.end) for c in track] == [(1000, 3000), (3100, 5000), (5200, 7000)]
    assert "material de abuso sexual infantil" in track[2].text.lower().replace("\n", " ")
    again = CliRunner().invoke(cli, ["translate", str(src), "--to", "es", "-o", str(out)])
    assert again.exit_code != 0 and "already exists" in again.output
    unknown = CliRunner().invoke(cli, ["translate", str(write_srt(tmp_path / "clip.srt", SOURCE[:1])), "--to", "es",
                                       "-o", str(tmp_path / "x.srt")])
    assert unknown.exit_code != 0 and "--from" in unknown.output
    # a track named like the ones in subtitles/ (en.srt) says its language too
    bare = write_srt(tmp_path / "en.srt", SOURCE[:1])
    result = run("translate", str(bare), "--to", "es", "-o", str(tmp_path / "es.srt"))
    assert result.exit_code == 0 and "from en" in result.output, result.output


@needs_apertium
def test_translate_uses_the_glossary_of_the_project_the_file_is_in(make_project, tmp_path, monkeypatch):
    # regression: run from outside the project, "child sexual abuse material" lost "infantil"
    root = project_with(make_project)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = elsewhere / "talk.es.srt"
    result = run("translate", str(root / "subtitles/talk/en.srt"), "--to", "es", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "glossary: " in result.output and "en-es.toml" in result.output
    assert "material de abuso sexual infantil" in read_track(out)[2].text.lower().replace("\n", " ")
    # and from inside it, with the file given relative to a subfolder
    monkeypatch.chdir(root / "subtitles")
    result = run("translate", "talk/en.srt", "--to", "es", "-o", str(out), "--force")
    assert "material de abuso sexual infantil" in read_track(out)[2].text.lower().replace("\n", " ")


# --- bad input --------------------------------------------------------------------------------------------

def test_bad_input_is_one_clear_line(make_project, argos_dir):
    root = project_with(make_project)
    cases = [
        (["draft", "talk", "--to", "xx-nope"], "unknown language code 'xx-nope'"),
        (["draft", "talk", "--to", "sq"], "no engine translates en → sq"),
        (["draft", "talk", "--to", "es", "--from", "fr"], "fr.srt: file not found"),
        (["draft", "nope", "--to", "es"], "no video 'nope'"),
        (["draft", "talk", "--to", "en"], "same language"),
        (["approve", "talk", "en"], "a person's track"),
    ]
    for args, expected in cases:
        result = CliRunner().invoke(cli, ["--project", str(root), *args])
        lines = result.output.strip().splitlines()
        assert result.exit_code != 0 and len(lines) == 1 and expected in lines[0], (args, result.output)
        assert "Traceback" not in result.output
    nothing = CliRunner().invoke(cli, ["--project", str(root), "draft", "talk", "--to", ","])
    assert nothing.exit_code == 2 and "name at least one language" in nothing.output


def test_empty_source_track_and_human_track_are_refused(make_project):
    root = make_project(videos={"talk": {"tracks": {"en": SOURCE, "es": [(1.0, 2.0, "Hola.")]}}}, seconds=1.0)
    (root / "subtitles/talk/en.srt").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--project", str(root), "draft", "talk", "--to", "bs"])
    assert result.exit_code != 0 and "the source track has no cues" in result.output
    write_srt(root / "subtitles/talk/en.srt", SOURCE)
    before = (root / "subtitles/talk/es.srt").read_bytes()
    result = CliRunner().invoke(cli, ["--project", str(root), "draft", "talk", "--to", "es"])
    assert result.exit_code != 0 and "a person's track" in result.output
    assert (root / "subtitles/talk/es.srt").read_bytes() == before
    assert not (root / "subtitles/talk/es.review.tsv").exists()


def test_several_languages_go_on_after_one_fails(make_project, argos_sq):
    root = project_with(make_project)
    result = CliRunner().invoke(cli, ["--project", str(root), "draft", "talk", "--to", "ru,sq", "--engine", "argos"])
    assert result.exit_code != 0
    assert "error: ru: no argos translates en → ru" in result.output
    assert "sq: drafted 5 of 5 cues" in result.output
    assert "1 of 2 languages failed: ru" in result.output
    assert (root / "subtitles/talk/sq.srt").exists() and not (root / "subtitles/talk/ru.srt").exists()


# --- glossary ---------------------------------------------------------------------------------------------

def test_glossary_findings_in_a_persons_tracks():
    glossary = load_glossary(REPO, "en", "es")
    assert "ECPAT" in glossary.keep
    source = Track([Cue(0, 1000, "Child sexual abuse material is a crime."), Cue(1000, 2000, "ECPAT helps."),
                    Cue(2000, 3000, "They call it child pornography.")])
    target = Track([Cue(0, 1000, "La pornografía infantil es un delito."), Cue(1000, 2000, "Ayuda."),
                    Cue(2000, 3000, "Lo llaman material de abuso sexual infantil.")])
    found = [(f.cue, f.rule) for f in findings(glossary, target, source)]
    assert found == [(1, "glossary-avoid"), (1, "glossary-term"), (2, "glossary-keep")]
    assert [(f.cue, f.rule) for f in source_findings(glossary, source)] == [(3, "glossary-avoid")]
    messages = [f.message for f in findings(glossary, target, source)]
    assert "'material de abuso sexual infantil'" in messages[0]


def test_glossary_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "en-es.toml"
    with pytest.raises(GlossaryError, match=r"en-es.toml:3: unknown key 'terms'"):
        parse_glossary('source = "en"\ntarget = "es"\nterms = []\n', path)
    with pytest.raises(GlossaryError, match="need a target language"):
        parse_glossary('source = "en"\n[[term]]\nsource = "a"\ntarget = "b"\n', path)
    with pytest.raises(GlossaryError, match="not valid TOML"):
        parse_glossary("source = ", path)


def test_avoided_source_term_is_drafted_with_the_required_wording(argos_dir, argos_package_files):
    """An English source that says 'child pornography' is drafted with the agreed Spanish term."""
    from pipeline.engines import select_engine

    argos.install_package(argos_package_files[("en", "es")], argos_dir)
    source = Track([Cue(0, 2000, "They call it child pornography.")], "en")
    track, _, report = redraft(source, None, None, "es", lambda: select_engine("en", "es", "argos"),
                               lambda s, t: load_glossary(REPO, s, t), DraftSettings())
    # the copy model keeps the rest; the line is broken at a natural point
    assert track[0].text == "They call it material\nde abuso sexual infantil."
