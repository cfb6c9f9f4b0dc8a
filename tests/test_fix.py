"""`pipeline fix` and `pipeline shift`: safe changes only, reviewable, atomic, with a backup; line breaking golden
files and properties."""

from __future__ import annotations

import itertools
import os
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from _corpus import CORPUS, needs_corpus
from conftest import write_srt
from pipeline.cli import cli
from pipeline.errors import UsageError
from pipeline.fix import FixOptions, fix_track
from pipeline.formats import parse_srt, read_track
from pipeline.linebreak import break_lines, visible_len
from pipeline.model import TAG_RE, Cue, Track
from pipeline.shift import parse_offset, parse_rate, shift_track

GOLDEN = Path(__file__).resolve().parent / "golden"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def chars(track: Track) -> list[str]:
    """Each cue's text without any whitespace: what a fix must never change."""
    return ["".join(c.text.split()) for c in track]


# -- fix_track ------------------------------------------------------------------------------------------------

def test_sorts_and_removes_empty_cues():
    track = Track([Cue(5000, 6000, "second"), Cue(1000, 2000, "first"), Cue(3000, 4000, "<i> </i>")])
    result = fix_track(track)
    assert [c.text for c in result.track] == ["first", "second"]
    assert [n.message for n in result.changes][:2] == [
        "sorted cues into time order (1 started before the cue above them)", "removed a cue with no visible text"]


@pytest.mark.parametrize("fps,gap,new_gap", [
    (25, 300, 80),      # 7.5 frames: chained to 2 frames by extending the earlier cue
    (25, 480, 80),      # 12 frames: still closed
    (25, 520, 520),     # 13 frames: a real pause, left alone
    (25, 40, 80),       # 1 frame: opened to 2 frames by ending the earlier cue sooner
    (25, 0, 80),
    (24000 / 1001, 300, 84),  # 2 frames at 23.976 fps = 83.4 ms, rounded up
])
def test_small_gaps_become_two_frames(fps, gap, new_gap):
    options = FixOptions(min_gap_ms=-(-2000 * 1001 // 24000) if fps != 25 else 80, close_gap_ms=12 * 1000 / fps)
    track = Track([Cue(1000, 3000, "Help is available."), Cue(3000 + gap, 5000 + gap, "You are not alone.")])
    result = fix_track(track, options)
    a, b = result.track.cues
    assert b.start - a.end == new_gap
    assert (a.start, b.start, b.end) == (1000, 3000 + gap, 5000 + gap)  # only the earlier cue's end moves


def test_gap_closing_never_makes_a_cue_too_short_or_too_long():
    short = Track([Cue(1000, 1850, "Short cue."), Cue(1870, 3000, "Next.")])  # 850 ms: may not lose 60 ms
    result = fix_track(short)
    assert result.track.cues == short.cues
    assert "closing it to 80 ms would leave this cue too short" in result.unresolved[0].message
    long = Track([Cue(0, 6900, "Long cue."), Cue(7300, 9000, "Next.")])  # extending would pass 7 s
    assert fix_track(long).track.cues == long.cues and not fix_track(long).unresolved


def test_overlaps_resolved_when_safe_reported_when_not():
    track = Track([Cue(0, 3000, "First speaker."), Cue(2500, 4000, "Second."), Cue(3800, 5000, "Third.")])
    result = fix_track(track)
    assert [(c.start, c.end) for c in result.track] == [(0, 2420), (2500, 3720), (3800, 5000)]
    nested = Track([Cue(0, 1000, "Outer."), Cue(300, 2000, "Inner starts too soon.")])
    result = fix_track(nested)
    assert result.track.cues == nested.cues
    assert "overlaps the next cue by 700 ms" in result.unresolved[0].message


def test_lines_re_broken_only_when_over_the_limits():
    fits = Cue(0, 3000, "Survivors deserve\nto be heard.")  # a translator's choice that fits: kept
    long = Cue(4000, 8000, "Survivors told us that being believed was the first step towards recovery.")
    three = Cue(9000, 12000, "Help\nis\navailable.")
    result = fix_track(Track([fits, long, three]), FixOptions(language="en"))
    assert [c.text for c in result.track] == [
        "Survivors deserve\nto be heard.",
        "Survivors told us that being believed\nwas the first step towards recovery.",
        "Help is available."]


def test_dialogue_and_impossible_cues_are_left_for_a_person():
    dialogue = Cue(0, 3000, "- Did you tell anyone what was happening to you?\n- Not for a long time.")
    huge = Cue(4000, 9000, " ".join(["Survivors deserve to be heard and believed."] * 3))
    result = fix_track(Track([dialogue, huge]))
    assert result.track.cues == [dialogue, huge]
    assert [n.line for n in result.unresolved] == [None, None]
    assert "dialogue cue over the line limits" in result.unresolved[0].message
    assert "do not fit in 2 lines of 42" in result.unresolved[1].message


_text = st.lists(st.sampled_from(["Survivors", "deserve", "to", "be", "heard.", "<i>Support</i>", "services",
                                  "{\\an8}Help", "is", "available,", "and", "the", "abuse", "stops.", "-",
                                  "María", "González", "supercalifragilisticexpialidocious"]),
                 min_size=0, max_size=25).map(" ".join)


@st.composite
def messy_tracks(draw):
    cues = []
    for _ in range(draw(st.integers(0, 10))):
        start = draw(st.integers(0, 60_000))
        text = draw(_text)
        if draw(st.booleans()) and " " in text:
            text = text.replace(" ", "\n", draw(st.integers(1, 3)))
        cues.append(Cue(start, start + draw(st.integers(0, 9000)), text))
    return Track(cues)


@given(messy_tracks(), st.sampled_from([25.0, 24000 / 1001, 30.0]))
@example(Track([Cue(913, 913, "Survivors"), Cue(0, 0, ""), Cue(0, 0, ""), Cue(0, 834, "Survivors"),
                Cue(0, 834, "Survivors")]), 25.0)  # retiming flipped two cues that start together
@example(Track([Cue(0, 1, "deserve"), Cue(0, 0, ""), Cue(0, 0, "Survivors")]), 25.0)  # sorted by end: flipped
@example(Track([Cue(0, 2000, "Survivors"), Cue(0, 2000, "deserve"), Cue(2040, 3000, "heard.")]), 25.0)  # issue 10
@example(Track([Cue(0, 0, "- Survivors Survivors Survivors heard. - Survivors")]), 25.0)  # re-breaking made it
# dialogue, whose dash spacing the next fix changed
@settings(max_examples=200, deadline=None)
def test_fix_never_changes_words_and_is_idempotent(track, fps):
    frame = 1000 / fps
    options = FixOptions(min_gap_ms=-int(-2 * frame // 1), close_gap_ms=12 * frame, language="en")
    once = fix_track(track, options)
    visible = [c for c in track.sorted() if "".join(c.text.split()).replace("<i>", "").replace("</i>", "")
               .replace("{\\an8}", "")]
    assert chars(once.track) == chars(Track(visible))  # same cues, same characters, in time order
    twice = fix_track(once.track, options)
    assert twice.track.cues == once.track.cues and not twice.changes
    # and as a file: writing the fixed track and fixing the file again changes nothing
    from pipeline.formats import compose_srt
    reread = parse_srt(compose_srt(once.track))
    assert fix_track(reread, options).track.cues == reread.cues


# -- line breaking --------------------------------------------------------------------------------------------

def golden_cases(language: str) -> list[tuple[str, list[str] | None]]:
    text = (GOLDEN / f"linebreak.{language}.txt").read_text(encoding="utf-8")
    cases = []
    for block in text.split("\n\n"):
        lines = [ln for ln in block.strip().split("\n") if not ln.startswith("#")]
        if not lines:
            continue
        assert lines[0].startswith("> "), block
        expected = None if lines[1:] == ["(does not fit)"] else lines[1:]
        cases.append((lines[0][2:], expected))
    return cases


@pytest.mark.parametrize("language", ["en", "es"])
def test_line_breaking_golden_files(language):
    cases = golden_cases(language)
    assert len(cases) >= 20
    for text, expected in cases:
        assert break_lines(text, 42, 2, language) == expected, text
        if expected:
            assert all(visible_len(line) <= 42 for line in expected)


@pytest.mark.parametrize("text,language,never", [
    # the most balanced split would be after "the", between the names, or before "%"
    ("Many children never told anyone about the abuse they faced.", "en", ("the", "abuse")),
    ("Our thanks go to survivors and to Maria Gonzalez of the helpline.", "en", ("Maria", "Gonzalez")),
    ("Hablamos con las familias y con María González, de la línea.", "es", ("María", "González,")),
    ("Las denuncias de captación aumentaron un 25 % el año pasado.", "es", ("25", "%")),
    ("Los servicios de apoyo marcan la diferencia para las familias.", "es", ("la", "diferencia")),
])
def test_never_after_an_article_between_names_or_before_a_unit(text, language, never):
    lines = break_lines(text, 42, 2, language)
    assert lines is not None and len(lines) == 2
    assert (lines[0].split()[-1], lines[1].split()[0]) != never, lines


def _fits_somewhere(words: list[str], max_chars: int, max_lines: int) -> bool:
    n = len(words)
    for k in range(min(max_lines, n)):
        for cuts in itertools.combinations(range(1, n), k):
            bounds = (0, *cuts, n)
            if all(visible_len(" ".join(words[a:b])) <= max_chars for a, b in zip(bounds, bounds[1:])):
                return True
    return False


_plain_word = st.text(alphabet="abcdefghijklmnñ.,¿?-", min_size=1, max_size=14).filter(lambda w: w.strip())
_tagged_word = st.one_of(_plain_word, _plain_word.map("<i>{}</i>".format), _plain_word.map("{{\\an8}}{}".format),
                         _plain_word.map('<font color="#ffff00">{}</font>'.format))


@given(st.lists(_tagged_word, min_size=1, max_size=12),
       st.integers(8, 42), st.integers(1, 3))
@settings(max_examples=300, deadline=None)
def test_breaking_never_exceeds_the_limits_when_a_valid_break_exists(words, max_chars, max_lines):
    text = " ".join(words)
    result = break_lines(text, max_chars, max_lines, "en")
    if _fits_somewhere(words, max_chars, max_lines):
        assert result is not None
        assert len(result) <= max_lines and all(visible_len(line) <= max_chars for line in result)
        assert "".join("".join(result).split()) == "".join(text.split())
        assert [tag for line in result for tag in TAG_RE.findall(line)] == TAG_RE.findall(text)  # no tag split
    else:
        assert result is None


# -- the fix command ----------------------------------------------------------------------------------------

MESSY = "2\r\n00:00:05,000 --> 00:00:07,000\r\nSecond.\r\n\r\n1\r\n00:00:01,000 --> 00:00:04,970\r\n" \
        "Survivors told us that being believed was the first step towards recovery.\r\n\r\n" \
        "3\r\n00:00:08,000 --> 00:00:09,000\r\n\r\n"
FIXED = ("1\n00:00:01,000 --> 00:00:04,920\nSurvivors told us that being believed\n"
         "was the first step towards recovery.\n\n2\n00:00:05,000 --> 00:00:07,000\nSecond.\n")


def test_dry_run_prints_a_diff_and_writes_nothing(tmp_path):
    path = tmp_path / "talk.en.srt"
    path.write_bytes(MESSY.encode("utf-8"))
    result = run("fix", "--dry-run", str(path))
    assert result.exit_code == 0, result.output
    name = path.as_posix().lstrip("/")  # "a/tmp/...", not "a//tmp/...": `patch -p1` from / applies it
    assert f"--- a/{name}\n+++ b/{name}\n" in result.stdout
    assert "+00:00:01,000 --> 00:00:04,920" in result.stdout and "-3" in result.stdout
    assert "CRLF line endings -> LF" in result.stdout and "dry run: nothing written" in result.stdout
    assert path.read_bytes() == MESSY.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.en.srt"]


def test_fix_writes_atomically_keeps_a_backup_and_is_idempotent(tmp_path):
    path = tmp_path / "talk.en.srt"
    path.write_bytes(MESSY.encode("utf-8"))
    result = run("fix", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == FIXED
    backup = tmp_path / "talk.en.srt.bak"
    assert backup.read_bytes() == MESSY.encode("utf-8")
    assert f"previous file kept as {backup}" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.en.srt", "talk.en.srt.bak"]  # nothing partial

    stamp = path.stat().st_mtime_ns
    result = run("fix", str(path))
    assert result.exit_code == 0 and "nothing to change" in result.stdout
    assert path.stat().st_mtime_ns == stamp and backup.read_bytes() == MESSY.encode("utf-8")


def test_fix_converts_a_legacy_encoding(tmp_path):
    text = "1\r\n00:00:01,000 --> 00:00:03,000\r\nÉvénements réels, señales de alerta.\r\n"
    path = tmp_path / "delivery.srt"  # the name does not say the language: no code page can be tried
    path.write_bytes(text.encode("cp1252"))
    result = run("fix", str(path))
    assert result.exit_code == 2
    assert f"{path}:3: not UTF-8: byte 0xc9" in result.stderr and "--encoding NAME" in result.stderr
    assert "cp1252" not in result.stderr  # the hint never names a code page nobody checked
    result = run("fix", "--encoding", "cp1252", str(path))
    assert result.exit_code == 0, result.output
    assert "encoding cp1252 -> UTF-8" in result.stdout
    assert read_track(path).cues[0].text == "Événements réels, señales de alerta."
    assert (tmp_path / "delivery.srt.bak").read_bytes() == text.encode("cp1252")
    # now UTF-8: naming cp1252 again would turn "é" into "Ã©" silently, so it is refused and nothing is written
    converted = path.read_bytes()
    result = run("fix", "--encoding", "cp1252", str(path))
    assert result.exit_code == 2
    assert f"{path}:3: is already UTF-8 ('Événements réels, señales de alerta.'); reading it as cp1252 would " \
           "garble its letters (leave out --encoding for this file)" in result.stderr
    assert path.read_bytes() == converted


def test_fix_converts_a_legacy_file_in_its_languages_code_page_without_being_told(tmp_path):
    text = "1\r\n00:00:01,000 --> 00:00:03,000\r\nÉvénements réels, signaux d'alerte.\r\n"
    path = tmp_path / "talk.fr.srt"
    path.write_bytes(text.encode("cp1252"))
    result = run("fix", str(path))
    assert result.exit_code == 0, result.output
    assert "encoding cp1252 (French, Latin) -> UTF-8: \"Événements réels, signaux d'alerte.\"" in result.stdout
    assert read_track(path).cues[0].text == "Événements réels, signaux d'alerte."


def test_fix_a_video_track_and_report_what_needs_a_person(make_project):
    es = [(0.2, 1.4, "Las personas sobrevivientes merecen ser escuchadas y creídas siempre."),
          (1.0, 1.5, "Se superpone."), (1.6, 2.8, "Los servicios de apoyo marcan la diferencia.")]
    root = make_project({"talk": {"tracks": {"en": [(0.2, 2.8, "Survivors deserve to be heard.")], "es": es}}})
    en_before = (root / "subtitles/talk/en.srt").read_bytes()
    result = run("--project", str(root), "fix", "talk", "--lang", "es")
    assert result.exit_code == 1  # the overlap cannot be resolved safely
    assert "es.srt: needs a person: line 1 (00:00:00,200): overlaps the next cue by 400 ms" in result.stdout
    fixed = read_track(root / "subtitles/talk/es.srt")
    assert fixed[0].text == "Las personas sobrevivientes merecen\nser escuchadas y creídas siempre."
    assert fixed[2].text == "Los servicios de apoyo\nmarcan la diferencia."
    assert (root / "subtitles/talk/en.srt").read_bytes() == en_before  # --lang es only
    assert not (root / "subtitles/talk/en.srt.bak").exists()
    assert [s for s in os.listdir(root / "subtitles/talk")] and "note:" not in result.stderr


def test_fix_keeps_webvtt_as_webvtt(tmp_path):
    path = tmp_path / "talk.es.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHola\n\n00:00:00.100 --> 00:00:00.900\nAntes\n")
    assert run("fix", str(path)).exit_code == 0
    assert path.read_text().startswith("WEBVTT\n\n1\n00:00:00.100 --> 00:00:00.920\nAntes\n")


def test_fix_says_what_a_rewrite_does_not_keep(tmp_path):
    """Cue settings, SRT coordinates and WebVTT comments are not kept: a real run (no diff shown) says so."""
    vtt = tmp_path / "talk.es.vtt"
    vtt.write_text("WEBVTT\n\nNOTE checked by the Madrid team\n\n00:00:01.000 --> 00:00:02.500 align:start\nHola\n")
    srt = tmp_path / "talk.en.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,500 X1:40 X2:600 Y1:20 Y2:50\nHello\n")
    result = run("fix", str(vtt), str(srt))
    assert result.exit_code == 0
    assert "talk.es.vtt: cue settings or coordinates not kept on 1 timing line(s): 'align:start'" in result.stdout
    assert "talk.es.vtt: not kept: 1 NOTE block(s)" in result.stdout
    assert "talk.en.srt: cue settings or coordinates not kept on 1 timing line(s): 'X1:40 X2:600 Y1:20 Y2:50'" \
        in result.stdout
    assert "NOTE checked" in (tmp_path / "talk.es.vtt.bak").read_text()  # the backup still has it
    assert "not kept" not in run("fix", str(vtt), str(srt)).stdout  # nothing more is lost the second time


@needs_corpus
def test_fix_on_real_overlapping_file(tmp_path):
    path = tmp_path / "en.srt"
    path.write_bytes((CORPUS / "srt_realworld_malformed/pysrt__overlapping-dialogues.srt").read_bytes())
    result = run("fix", str(path))
    assert result.exit_code == 1
    assert result.stdout.count("needs a person") == 2
    before = read_track(tmp_path / "en.srt.bak")
    after = read_track(path)
    assert sorted(chars(before)) == sorted(chars(after))  # no cue lost, no word changed


# -- shift --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,ms", [("+1.5s", 1500), ("-200ms", -200), ("2m", 120_000), ("1.5", 1500),
                                    ("-00:00:01,500", -1500), ("+00:01:00.250", 60_250)])
def test_offsets(raw, ms):
    assert parse_offset(raw) == ms


def test_bad_offset_and_rate_are_usage_errors():
    with pytest.raises(UsageError):
        parse_offset("soon")
    with pytest.raises(UsageError):
        parse_rate("0")
    assert parse_rate("23.976") == Fraction(24000, 1001) and parse_rate("25") == 25


def test_shift_track_offset_and_frame_rate():
    track = Track([Cue(1000, 2000, "a"), Cue(3_600_000, 3_601_000, "b")])
    assert [(c.start, c.end) for c in shift_track(track, -500)] == [(500, 1500), (3_599_500, 3_600_500)]
    converted = shift_track(track, 0, (Fraction(25), Fraction(24000, 1001)))
    assert [(c.start, c.end) for c in converted] == [(1043, 2085), (3_753_750, 3_754_793)]
    with pytest.raises(UsageError, match="would start 0.500 s before 0:00"):
        shift_track(track, -1500)


def test_shift_command(tmp_path):
    path = write_srt(tmp_path / "talk.es.srt", [(1.0, 2.0, "Hola."), (3.0, 4.0, "Adiós.")])
    before = path.read_bytes()
    result = run("shift", str(path), "--by", "-200ms", "--dry-run")
    assert result.exit_code == 0 and "+00:00:00,800 --> 00:00:01,800" in result.stdout
    assert path.read_bytes() == before
    result = run("shift", str(path), "--fps", "25:23.976", "--by", "+1s")
    assert result.exit_code == 0, result.output
    assert [(c.start, c.end) for c in read_track(path)] == [(2043, 3085), (4128, 5171)]
    assert (tmp_path / "talk.es.srt.bak").read_bytes() == before
    result = run("shift", str(path), "--by", "-5s")
    assert result.exit_code == 2 and "would start" in result.stderr
    assert run("shift", str(path)).exit_code == 2
