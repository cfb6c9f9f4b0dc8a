"""English/Spanish parity: counterparts in time, timing differences, a track much shorter than its partner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from _corpus import CORPUS, needs_corpus
from conftest import write_srt
from pipeline.checks import check_files
from pipeline.checks.align import Aligner, covered_ms
from pipeline.cli import cli
from pipeline.model import Cue, Track

EN = [(1.0, 3.0, "Survivors told us what helped them."), (3.5, 6.0, "Being believed came first."),
      (6.5, 9.0, "Then support that lasted."), (9.5, 12.0, "Nobody should face this alone.")]
ES = [(1.0, 3.0, "Nos contaron qué les ayudó."), (3.5, 6.0, "Primero, que les creyeran."),
      (6.5, 9.0, "Después, un apoyo duradero."), (9.5, 12.0, "Nadie debería enfrentarlo en soledad.")]


def parity(tmp_path, en, es, **kwargs) -> dict[str, list[tuple[int | None, str, str]]]:
    paths = [write_srt(tmp_path / "talk.en.srt", en), write_srt(tmp_path / "talk.es.srt", es)]
    report = check_files(paths, **kwargs)
    return {t.language: [(f.line, f.rule, f.message) for f in t.findings if f.rule.startswith("parity")]
            for t in report.tracks}


def test_tracks_in_step_have_no_parity_findings(tmp_path):
    assert parity(tmp_path, EN, ES) == {"en": [], "es": []}


def test_resegmented_translation_is_not_a_timing_problem(tmp_path):
    merged = [(1.0, 6.0, "Nos contaron qué les ayudó: primero, que les creyeran."), *ES[2:]]
    assert parity(tmp_path, EN, merged) == {"en": [], "es": []}


def test_counterpart_out_of_step_beyond_the_tolerance(tmp_path):
    late = [ES[0], (4.7, 7.2, ES[1][2]), (6.9, 9.3, ES[2][2]), ES[3]]  # +1.2 s, then within 0.5 s
    found = parity(tmp_path, EN, late)
    assert found["es"] == [(5, "parity-timing", "starts 1.20 s later and ends 1.20 s later than its en "
                                                "counterpart (talk.en.srt:5; tolerance 0.5 s)")]
    assert found["en"] == []


def test_cue_without_counterpart_in_either_direction(tmp_path):
    es = [ES[0], ES[1], ES[3], (13.0, 14.5, "Gracias.")]
    found = parity(tmp_path, EN, es)
    assert found["en"] == [(9, "parity-missing", "no es counterpart in time (00:00:06,500 --> 00:00:09,000)")]
    assert found["es"] == [(13, "parity-missing", "no en counterpart in time (00:00:13,000 --> 00:00:14,500)")]


def test_track_much_shorter_than_its_partner_is_an_error(tmp_path):
    found = parity(tmp_path, EN, ES[:2])
    assert (None, "parity-length", "much shorter than en: text on screen for 4.5 s in 2 cues, en 9.5 s in 4 cues "
                                   "(47%, min 75%)") in found["es"]
    assert [rule for _, rule, _ in found["en"]] == ["parity-missing", "parity-missing"]
    report = check_files([tmp_path / "talk.en.srt", tmp_path / "talk.es.srt"])
    assert report.exit_code == 1


def test_parity_tolerance_tuned_in_the_catalog(make_project):
    late = {"en": [(0.2, 1.4, "Survivors deserve to be heard.")], "es": [(0.9, 2.1, "Merecen ser escuchadas.")]}
    root = make_project({"talk": {"tracks": late}})
    result = CliRunner().invoke(cli, ["--project", str(root), "check", "talk"])
    assert "es.srt:1: parity-timing: starts 0.70 s later and ends 0.70 s later than its en counterpart" \
        in result.stdout
    catalog = root / "assets" / "catalog.toml"
    catalog.write_text(catalog.read_text().replace("[project]\n", "[project]\n", 1)
                       + "\n[videos.check.es]\nparity_tolerance_ms = 1000\n")
    result = CliRunner().invoke(cli, ["--project", str(root), "check", "talk"])
    assert "parity-timing" not in result.stdout


def test_only_human_languages_are_paired(make_project):
    tracks = {"en": EN, "es": ES, "sq": [(1.0, 3.0, "Të mbijetuarit na treguan.")]}
    root = make_project({"talk": {"tracks": tracks}}, seconds=3.0)
    result = CliRunner().invoke(cli, ["--project", str(root), "check", "talk"])
    assert "sq.srt" in result.stdout  # checked by the style rules
    assert "no sq counterpart" not in result.stdout and "much shorter than en" not in result.stdout


def test_aligner_matches_by_overlap():
    other = Track([Cue(0, 1000, "a"), Cue(500, 5000, "long"), Cue(1200, 1800, "b"), Cue(6000, 7000, "c")])
    aligner = Aligner(other)
    assert aligner.overlapping(Cue(900, 1300, "x")) == [(0, 100), (1, 400), (2, 100)]
    assert aligner.best(Cue(900, 1300, "x")) == (1, 400)
    assert aligner.overlapping(Cue(5000, 6000, "gap")) == []
    assert covered_ms(other) == 6000


# -- real parallel tracks -----------------------------------------------------------------------------------

@needs_corpus
@pytest.mark.parametrize("pair,encoding,expected", [
    # same timings in both languages
    (("perl_metacpan_screencast/what_is_metacpan.en.sbv", "perl_metacpan_screencast/what_is_metacpan.es.sbv"),
     None, {"en": [], "es": []}),
    (("sintel/sintel_mdn_excerpt.en.vtt", "sintel/sintel_mdn_excerpt.es.vtt"), None, {"en": [], "es": []}),
    # segmented differently (8 vs 5 cues): only the untranslated sound cue and one late end
    (("avatar_excerpt/avatar_excerpt.en.srt", "avatar_excerpt/avatar_excerpt.es.srt"), None,
     {"en": [(10, "parity-missing")], "es": [(18, "parity-timing")]}),
    # 198 vs 191 cues: "I run this" was folded into the cue before it, as was one more
    (("perl_debugger_screencast/perl_debugger.en.srt", "perl_debugger_screencast/perl_debugger.es.srt"),
     "latin-1", {"en": [(49, "parity-missing"), (799, "parity-missing")], "es": []}),
])
def test_corpus_pairs(pair, encoding, expected):
    report = check_files([CORPUS / "parallel" / name for name in pair], encoding=encoding)
    found = {t.language: [(f.line, f.rule) for f in t.findings if f.rule.startswith("parity")]
             for t in report.tracks}
    assert found == expected


@needs_corpus
def test_corpus_documentary_resegmented_is_mostly_in_step():
    """864 English ASR cues against 816 community-translated ones, 589 with identical timings and the rest
    re-segmented: re-segmented cues are not compared; cues retimed one-to-one are reported."""
    report = check_files([CORPUS / "parallel/react_documentary/react_documentary.en.srt",
                          CORPUS / "parallel/react_documentary/react_documentary.es.srt"])
    en, es = report.tracks
    timing = [f for f in es.findings if f.rule == "parity-timing"]
    assert 0 < len(timing) < 0.15 * es.cues
    # "[Música]" shown for 1 s where "[Music]" stays 10.9 s: a real difference a reviewer should see
    assert (timing[0].line, timing[0].message) == (
        79, "ends 9.88 s earlier than its en counterpart (react_documentary.en.srt:69; tolerance 0.5 s)")
    assert not [f for f in en.findings + es.findings if f.rule == "parity-length"]
    assert len([f for f in en.findings if f.rule == "parity-missing"]) <= 5


def test_loose_files_named_by_language_alone_are_paired(tmp_path):
    (tmp_path / "delivery").mkdir()
    en = write_srt(tmp_path / "delivery" / "en.srt", EN)
    es = write_srt(tmp_path / "delivery" / "es.srt", ES[:2])
    found = {t.language: [f.rule for f in t.findings] for t in check_files([en, es]).tracks}
    assert "parity-length" in found["es"]
