"""How far to trust a machine draft: the engine's own signals per cue (real Apertium, the tiny real Argos
package), stored in the review record, shown by status, check and the review page; the draft threshold;
and drafts free of engine artefacts (invented tags, raw marks, placeholders)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from _corpus import CORPUS, needs_corpus
from conftest import write_srt
from pipeline.cli import cli
from pipeline.confidence import CueConfidence, cue_confidences
from pipeline.drafting import redraft
from pipeline.engines import select_engine
from pipeline.engines.apertium import read_marks
from pipeline.engines.base import Translation
from pipeline.formats import read_track
from pipeline.model import strip_tags
from pipeline.protect import balance_tags, mask, unmask
from pipeline.review_page import gather
from pipeline.review_record import ReviewRecord, Row, compose_record, parse_record, read_record

REPO = Path(__file__).resolve().parents[1]
needs_apertium = pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")

# The sample explainer's English: Debian's eng-hbs_BS marks most of its words; eng-spa very few.
EXPLAINER = [(c.start / 1000, c.end / 1000, c.text) for c in read_track(REPO / "subtitles/explainer-en/en.srt", "en")]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def project(make_project, cues=EXPLAINER, catalog_extra: str = "", dirname: str = "proj") -> Path:
    root = make_project(videos={"talk": {"tracks": {"en": cues}}}, seconds=1.0, catalog_extra=catalog_extra,
                        dirname=dirname)
    shutil.copytree(REPO / "assets" / "glossary", root / "assets" / "glossary")
    return root


# --- the engine's own marks ------------------------------------------------------------------------------

def test_apertium_marks_are_counted_and_stripped():
    # Apertium's marked output as it really comes (eng-hbs_BS and eng-spa, copied from runs of the pair).
    read = read_marks("#Free #reći “#dijete”, @ask# for @X*Z1ZX #pomoć#!", 'We say "child", ask for XZ1ZX help!')
    assert read.text == 'Free reći "dijete", ask for XZ1ZX pomoć!'
    assert read.unknown == ("Free", "reći", "\"dijete\",", "ask", "pomoć!")
    assert read.words == 6  # the placeholder is not a word
    # a mark on punctuation alone does not mark a word
    assert read_marks("kasno#.", "late.").unknown == ()


@needs_apertium
def test_apertium_reports_unknown_words_and_leaves_no_marks():
    engine = select_engine("en", "es", "apertium")
    out = engine.translate_scored(["We have a Zorblax plan.", "Survivors deserve to be heard."])
    assert "Zorblax" in out[0].unknown and not re.search(r"[*@#]", out[0].text)
    assert out[1].unknown == () and out[1].probability is None
    bosnian = select_engine("en", "bs", "apertium").translate_scored(['We say "child sexual abuse material".'])[0]
    assert "parquote" not in bosnian.text and bosnian.text.count('"') == 2  # eng-hbs's name for a quote mark
    assert len(bosnian.unknown) >= bosnian.words // 2


def test_cue_confidence_follows_the_words_into_their_cues():
    pieces = {0: [(0, "Tenemos un"), (1, "Zorblax plan.")], 1: [(1, "Hola.")]}
    translations = {0: Translation("Tenemos un Zorblax plan.", ("*Zorblax",)), 1: Translation("Hola.", ())}
    found = cue_confidences(pieces, translations)
    assert found[0] == CueConfidence(2, ())
    assert found[1].words == 3 and found[1].unknown == ("Zorblax",)
    assert found[1].confidence == pytest.approx(2 / 3)
    neural = cue_confidences({0: [(0, "a b"), (1, "c")]}, {0: Translation("a b c", (), 0.5)})
    assert neural[0].confidence == pytest.approx(0.5) and neural[1].probability == pytest.approx(0.5)


# --- the review record ------------------------------------------------------------------------------------

def test_record_keeps_confidence_and_unknown_words_and_reads_old_records(tmp_path):
    record = ReviewRecord("en", [Row(1, 0, 1000, "a" * 16, "apertium", "eng-hbs_BS (x)", "b" * 16,
                                     confidence="0.25", unknown="Free dijete's"),
                                 Row(2, 1000, 2000, "c" * 16, "apertium", "eng-hbs_BS (x)", "d" * 16)])
    text = compose_record(record, "bs.srt")
    assert "confidence\tunknown" in text and "\t0.25\tFree dijete's" in text
    assert parse_record(text, tmp_path / "bs.review.tsv") == record
    # a record written before the columns existed
    old = "\n".join(line.rsplit("\t", 2)[0] if "\t" in line else line for line in text.splitlines())
    back = parse_record(old, tmp_path / "bs.review.tsv")
    assert back.rows[0].confidence_figure is None and back.rows[0].unknown_words == ()
    assert [r.draft_sha for r in back.rows] == ["b" * 16, "d" * 16]
    bad = text.replace("\t0.25\t", "\t1.5\t")
    with pytest.raises(Exception, match=r"bs.review.tsv:\d+.*confidence '1.5'"):
        parse_record(bad, tmp_path / "bs.review.tsv")


# --- the draft threshold ----------------------------------------------------------------------------------

@needs_apertium
def test_a_draft_the_engine_could_not_translate_is_refused_in_one_line(make_project):
    root = project(make_project)
    result = run("--project", str(root), "draft", "talk", "--to", "bs", "--engine", "apertium")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert re.match(r"error: eng-hbs_BS left \d\d% of words unknown or untranslated \(\d+ of \d+; the limit is "
                    r"25%\): this draft would cost a reviewer more than it saves; install a stronger engine for "
                    r"bs \(pipeline models install DIR.*\) or pass --force to write it anyway$", lines[0]), lines[0]
    assert not (root / "subtitles/talk/bs.srt").exists() and not (root / "subtitles/talk/bs.review.tsv").exists()

    forced = run("--project", str(root), "draft", "talk", "--to", "bs", "--engine", "apertium", "--force")
    assert forced.exit_code == 0, forced.output
    assert re.search(r"engine-marked words \(unknown or untranslated\): \d+ of \d+ \(\d+%\)", forced.output)
    rows = read_record(root / "subtitles/talk/bs.srt").rows
    assert len(rows) == len(EXPLAINER) and all(r.confidence_figure is not None for r in rows)
    assert sum(len(r.unknown_words) for r in rows) > 0
    assert min(r.confidence_figure for r in rows) < 0.5


@needs_apertium
def test_threshold_is_a_project_setting(make_project):
    root = project(make_project, catalog_extra="[draft]\nmax_unknown_share = 0.95\n")
    assert run("--project", str(root), "draft", "talk", "--to", "bs", "--engine", "apertium").exit_code == 0
    root2 = project(make_project, catalog_extra="[draft]\nmax_unknown_share = 2\n", dirname="proj2")
    bad = run("--project", str(root2), "draft", "talk", "--to", "bs")
    assert bad.exit_code == 2 and "max_unknown_share must be a share from 0 to 1" in bad.output


@needs_apertium
def test_spanish_draft_passes_and_status_check_and_page_show_the_signals(make_project):
    cues = [(0.5, 2.0, "We met the Zorblax team."), (2.2, 3.5, "Survivors deserve to be heard.")]
    root = project(make_project, cues)
    result = run("--project", str(root), "draft", "talk", "--to", "es", "--engine", "apertium")
    assert result.exit_code == 0, result.output
    rows = read_record(root / "subtitles/talk/es.srt").rows
    assert rows[0].unknown_words == ("Zorblax",) and rows[0].confidence_figure < 1 and rows[1].confidence == "1.00"

    check = json.loads(run("--project", str(root), "check", "talk", "--json").output)
    marked = [f for file in check["files"] for f in file["findings"] if f["rule"] == "engine-marked-words"]
    assert [(f["cue"], f["severity"]) for f in marked] == [(1, "warning")]
    assert "eng-spa marked 1 word unknown or untranslated: Zorblax (confidence 75%)" in marked[0]["message"]

    status = json.loads(run("--project", str(root), "status", "--json").output)
    es = next(t for t in status["videos"][0]["tracks"] if t["language"] == "es")
    assert es["low_confidence"] == 0  # one unknown word in five is not low confidence

    from pipeline.project import load_project
    from pipeline.review_page import collect_findings
    from pipeline.review_page.html import mark_words

    project_ = load_project(root)
    view = gather(project_, "talk", ["es"], collect_findings(project_, "talk", ["es"])).view("es")
    assert view.rows[0].flagged_words == ("Zorblax",) and view.rows[1].flagged_words == ()
    assert '<mark class="flagged">Zorblax</mark>' in mark_words(view.rows[0].text, view.rows[0].flagged_words)

    # approving the cue ends the warning: a person has looked at it
    run("--project", str(root), "approve", "talk", "es", "--cues", "1")
    check = json.loads(run("--project", str(root), "check", "talk", "--json").output)
    assert not [f for file in check["files"] for f in file["findings"] if f["rule"] == "engine-marked-words"]


@needs_apertium
def test_status_counts_low_confidence_cues_and_the_page_highlights_them(make_project):
    root = project(make_project)
    run("--project", str(root), "draft", "talk", "--to", "bs", "--engine", "apertium", "--force")
    rows = read_record(root / "subtitles/talk/bs.srt").rows
    low = sum(1 for r in rows if r.confidence_figure < 0.6)
    assert low > len(rows) // 2
    status = json.loads(run("--project", str(root), "status", "--json").output)
    bs = next(t for t in status["videos"][0]["tracks"] if t["language"] == "bs")
    assert bs["low_confidence"] == low
    table = run("--project", str(root), "status").output
    assert "low conf." in table
    assert run("--project", str(root), "review", "talk", "bs").exit_code == 0
    page = (root / "dist/review/talk/index.html").read_text(encoding="utf-8")
    assert page.count('class="state-machine attention low-confidence"') == low
    assert '<mark class="flagged">' in page  # the words the engine marked, named by check
    # edited cues no longer count: the person changed the text
    track = read_track(root / "subtitles/talk/bs.srt", "bs")
    first_low = next(i for i, r in enumerate(rows) if r.confidence_figure < 0.6)
    texts = [c.text for c in track.cues]
    texts[first_low] = "Ovaj izvještaj sluša preživjele."
    write_srt(root / "subtitles/talk/bs.srt", [(c.start / 1000, c.end / 1000, t) for c, t in zip(track.cues, texts)])
    status = json.loads(run("--project", str(root), "status", "--json").output)
    assert next(t for t in status["videos"][0]["tracks"] if t["language"] == "bs")["low_confidence"] == low - 1


def test_argos_scores_and_copied_unknown_pieces(argos_sq):
    engine = select_engine("en", "sq", "argos")
    known, unknown = engine.translate_scored(["Survivors deserve support.", "We met Zörblax."])
    assert known.text == "sURVIVORS DESERVE SUPPORT." and known.unknown == ()
    assert 0.9 < known.probability <= 1.0
    assert unknown.unknown == ("zöRBLAX.",)  # ö is not in the package's vocabulary: copied through


# --- no engine artefacts in drafts ------------------------------------------------------------------------

def test_a_tag_never_closed_is_not_carried_into_the_next_cue():
    # regression: <br> and a stray <j> came back as "</j></br>" and "<br><j>" in every following cue
    assert balance_tags(["Hello <br> there <j>report", "is here", "now."]) == [
        "Hello <br> there <j>report", "is here", "now."]
    assert balance_tags(["uno <i>dos", "tres</i> <j>cuatro"]) == ["uno <i>dos</i>", "<i>tres</i> <j>cuatro"]


def test_placeholders_an_engine_repeats_or_invents_are_removed():
    masked = mask("Call 116 111 now.")
    text, lost = unmask(masked.text.replace("XZ1ZX", "XZ1ZX XZ1ZX XZ7ZX"), masked)
    assert text == "Call 116 111 now." and lost == []


def artefacts(source: str, draft: str) -> list[str]:
    """What a draft holds that its source did not: tags, Apertium marks, placeholders, tag-words."""
    found = []
    tags = lambda t: sorted(m.lower() for m in re.findall(r"</?[a-zA-Z][^<>]*>", t))  # noqa: E731
    if tags(draft) != tags(source):
        found.append(f"tags {tags(draft)} vs {tags(source)}")
    for mark in "*@#":
        if draft.count(mark) > source.count(mark):
            found.append(f"mark {mark}")
    if re.search(r"X\s?Z\s?\d+\s?Z\s?X|X\s?Q\s?\d\s?Q\s?X", draft, re.IGNORECASE):
        found.append("placeholder")
    if "parquote" in draft.lower():
        found.append("parquote")
    return found


TRICKY = [
    (1.0, 3.0, "Hello <br> there and the <j>report"),
    (3.1, 5.0, "is here now for the people"),
    (5.1, 7.0, 'who need it. We say "child sexual abuse material".'),
    (7.2, 9.0, "Follow #SafeOnline and @ECPAT, or write to help@example.org *today*."),
    (9.2, 11.0, "<i>It is never too late</i> to ask for help!"),
    (11.2, 13.0, "Call 116 111 # or press * then 2."),
]


@needs_apertium
@pytest.mark.parametrize("target", ["es", "bs"])
def test_drafts_hold_no_engine_artefacts(make_project, target):
    root = project(make_project, TRICKY)
    result = run("--project", str(root), "draft", "talk", "--to", target, "--engine", "apertium", "--force")
    assert result.exit_code == 0, result.output
    source = " ".join(c[2] for c in TRICKY)
    drafted = " ".join(c.text for c in read_track(root / f"subtitles/talk/{target}.srt", target))
    assert artefacts(source, drafted) == []
    for kept in ("#SafeOnline", "@ECPAT", "help@example.org", "116 111", "<i>", "</i>"):
        assert kept in drafted


@needs_apertium
@needs_corpus
@pytest.mark.parametrize("mode", ["es", "bs"])
def test_corpus_drafts_hold_no_engine_artefacts(mode):
    engine = select_engine("en", mode, "apertium")
    for name in ("avatar_excerpt/avatar_excerpt.en.srt", "sintel/sintel_mdn_excerpt.en.vtt",
                 "perl_debugger_screencast/perl_debugger.en.srt", "react_documentary/react_documentary.en.srt",
                 "tears_of_steel/tears_of_steel.en.vtt", "elephants_dream/elephants_dream.en.vtt"):
        path = CORPUS / "parallel" / name
        track = read_track(path, "en")
        drafted, record, _ = redraft(track, None, None, mode, lambda: engine)
        source = " ".join(c.text for c in track.cues)
        text = " ".join(c.text for c in drafted.cues)
        assert artefacts(source, text) == [], path.name
        assert all(r.confidence_figure is not None for r, c in zip(record.rows, drafted.cues) if strip_tags(c.text).strip())
        assert all(strip_tags(c.text).strip() for c, s in zip(drafted.cues, track.cues) if strip_tags(s.text).strip())
