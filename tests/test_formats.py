"""Reading and writing subtitle files: the real corpus, odd-but-honest deliveries, broken blocks, round trips."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _corpus import CORPUS, needs_corpus
from pipeline.errors import SubtitleEncodingError, SubtitleError
from pipeline.formats import compose_srt, compose_vtt, parse_srt, parse_vtt, read_track, write_track
from pipeline.formats.timecode import TimecodeError, parse_timestamp
from pipeline.model import Cue, Track

# Every subtitle file in the corpus and what must happen to it: read with this many cues (the count of
# timing lines in SOURCES.md), or refused with a message naming the line. New corpus files fail
# test_every_corpus_file_has_a_decision until someone decides about them.
READ = {
    "parallel/avatar_excerpt/avatar_excerpt.en+es_combined.srt": 6,
    "parallel/avatar_excerpt/avatar_excerpt.en.srt": 8,  # numbered from 18
    "parallel/avatar_excerpt/avatar_excerpt.es.srt": 5,
    "parallel/elephants_dream/elephants_dream.ar.vtt": 77,
    "parallel/elephants_dream/elephants_dream.en.vtt": 78,
    "parallel/elephants_dream/elephants_dream.ja.vtt": 77,
    "parallel/elephants_dream/elephants_dream.ru.vtt": 84,
    "parallel/perl_debugger_screencast/perl_debugger.en.srt": 198,  # 0:00:03,700 single-digit hours
    "parallel/perl_debugger_screencast/perl_debugger.he.srt": 198,
    "parallel/perl_debugger_screencast/perl_debugger.ru.srt": 198,
    "parallel/perl_metacpan_screencast/what_is_metacpan.en.sbv": 85,
    "parallel/perl_metacpan_screencast/what_is_metacpan.es.sbv": 85,
    "parallel/react_documentary/react_documentary.ar.vtt": 864,  # BOM + CRLF
    "parallel/react_documentary/react_documentary.en.srt": 864,
    "parallel/react_documentary/react_documentary.es.srt": 816,  # CRLF
    "parallel/sintel/sintel_full.en.vtt": 26,
    "parallel/sintel/sintel_full.fr.vtt": 26,
    "parallel/sintel/sintel_mdn_excerpt.de.vtt": 14,
    "parallel/sintel/sintel_mdn_excerpt.en.vtt": 14,
    "parallel/sintel/sintel_mdn_excerpt.es.vtt": 14,
    "parallel/tears_of_steel/tears_of_steel.en.vtt": 75,
    "parallel/tears_of_steel/tears_of_steel.fr.vtt": 76,
    "srt_realworld_malformed/astisub__example-in-carriage-return.srt": 3,  # CR-only line endings
    "srt_realworld_malformed/astisub__example-in-non-utf8.srt": 6,  # UTF-16LE with BOM, loose timestamps
    "srt_realworld_malformed/astisub__example-in-styled.srt": 10,
    "srt_realworld_malformed/astisub__example-in.srt": 6,  # 00:01:39, ,04 fractions, '.' separators
    "srt_realworld_malformed/astisub__missing-sequence-in.srt": 6,  # no cue numbers
    "srt_realworld_malformed/pysrt__bom-utf-16-be.srt": 7,
    "srt_realworld_malformed/pysrt__bom-utf-16-le.srt": 7,
    "srt_realworld_malformed/pysrt__bom-utf-8.srt": 7,
    "srt_realworld_malformed/pysrt__capability_tester.srt": 37,  # zero-length cues, {\an} tags
    "srt_realworld_malformed/pysrt__invalid.srt": 1,  # timestamps without milliseconds
    "srt_realworld_malformed/pysrt__no-indexes.srt": 7,
    "srt_realworld_malformed/pysrt__overlapping-dialogues.srt": 4,  # 00:00:0,000
    "srt_realworld_malformed/subtitleedit__auto_detect_Russian.srt": 183,
    "srt_realworld_malformed/subtitlejs__LaLaLand.srt": 1333,
    "srt_realworld_malformed/subtitlejs__WonderWoman.srt": 1586,
    "webvtt/astisub__example-in.vtt": 6,  # STYLE split by a blank line, legacy Region: lines
    "webvtt/gaupol__webvtt.vtt": 10,  # MM:SS.mmm
    "webvtt/pysubs2__vtt_example.vtt": 11,  # X-TIMESTAMP-MAP, STYLE/REGION/NOTE, an empty cue
    "webvtt/webvttpy__captions_with_bom.vtt": 4,
    "webvtt/webvttpy__netflix_chicas_del_cable.vtt": 865,
    "webvtt/webvttpy__youtube_dl.vtt": 4,  # Kind:/Language: header, a cue right after another's text
}
# Legacy encodings: refused by default (line of the first bad byte), read when the encoding is named.
LEGACY = {
    "parallel/perl_debugger_screencast/perl_debugger.es.srt": ("latin-1", 24, 191),
    "srt_realworld_malformed/cdown-srt__gb2312.srt": ("gb2312", 3, 3),
    "srt_realworld_malformed/pysrt__windows-1252.srt": ("cp1252", 7, 1332),
    "srt_realworld_malformed/subtitleedit__auto_detect_windows-1250.srt": ("cp1250", 7, 1132),
    "srt_realworld_malformed/subtitleedit__auto_detect_windows-1251.srt": ("cp1251", 7, 595),
}
# Refused: (line or None, words the message must contain).
REFUSED = {
    # after cue 14, a blank line then text with no timing: not merged into cue 14, not dropped
    "parallel/mediaelement_promo/mediaelement.en.srt": (61, "text without a timing line"),
    "parallel/mediaelement_promo/mediaelement.es.srt": (61, "text without a timing line"),
    "srt_realworld_malformed/gaupol__subrip-extended.srt": (2, "negative time"),
    "ass/astisub__example-in.ssa": (None, "ASS/SSA scripts are not supported"),
    "ass/libass-tests__aegisub-format-tests.ass": (None, "ASS/SSA scripts are not supported"),
    "ass/libass-tests__effect-delay.ass": (None, "ASS/SSA scripts are not supported"),
    "ass/libass-tests__karaoke-and-runsplits.ass": (None, "ASS/SSA scripts are not supported"),
    "ass/libass-tests__kt-karaoke.ass": (None, "ASS/SSA scripts are not supported"),
    "ass/libass-tests__ssa-alpha.ass": (None, "ASS/SSA scripts are not supported"),
    "ass/pysubs2__subtitle_with_attached_images_aegisub.ass": (None, "ASS/SSA scripts are not supported"),
}
SUBTITLE_SUFFIXES = {".srt", ".vtt", ".sbv", ".ass", ".ssa"}


@needs_corpus
def test_every_corpus_file_has_a_decision():
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.suffix.lower() in SUBTITLE_SUFFIXES}
    decided = set(READ) | set(LEGACY) | set(REFUSED)
    assert files == decided


@needs_corpus
@pytest.mark.parametrize("name", sorted(READ))
def test_corpus_file_is_read_with_every_cue(name):
    track = read_track(CORPUS / name)
    assert len(track) == READ[name]
    raw = (CORPUS / name).read_bytes()
    text = raw.decode("utf-16") if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else raw.decode("utf-8-sig")
    # no cue lost: every timing line of the file became a cue (SBV has a comma instead of an arrow)
    marker = "," if name.endswith(".sbv") else "-->"
    timing_lines = [ln for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                    if marker in ln and ln[:1].isdigit()]
    assert len(timing_lines) == len(track)
    assert all(cue.end >= cue.start >= 0 for cue in track)


@needs_corpus
@pytest.mark.parametrize("name", sorted(LEGACY))
def test_legacy_encoding_is_refused_then_read_when_named(name):
    encoding, bad_line, count = LEGACY[name]
    with pytest.raises(SubtitleEncodingError) as caught:
        read_track(CORPUS / name)
    assert caught.value.line == bad_line
    message = str(caught.value)
    assert f"{CORPUS / name}:{bad_line}: not UTF-8" in message
    assert "--encoding" in message and "pipeline fix --encoding" in message
    assert len(read_track(CORPUS / name, encoding=encoding)) == count


@needs_corpus
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_broken_or_unsupported_corpus_file_is_refused_clearly(name):
    line, words = REFUSED[name]
    with pytest.raises(SubtitleError) as caught:
        read_track(CORPUS / name)
    assert caught.value.line == line
    assert words in str(caught.value)
    assert str(caught.value).startswith(str(CORPUS / name))


@needs_corpus
def test_mediaelement_reads_once_the_stray_block_is_resolved(tmp_path):
    """The refused promo file is otherwise honest: cue 0, '00:00:00,1' and '00:00:04' timestamps."""
    text = (CORPUS / "parallel/mediaelement_promo/mediaelement.en.srt").read_text(encoding="utf-8")
    head, _, _stray = text.rpartition("\n\nCome follow me")
    (tmp_path / "promo.srt").write_text(head + "\n", encoding="utf-8")
    track = read_track(tmp_path / "promo.srt")
    assert len(track) == 15
    assert (track[0].start, track[0].end) == (100, 4000)  # ",1" is a tenth of a second
    assert (track[1].start, track[1].end) == (4000, 7000)


@needs_corpus
def test_loose_timestamps_are_decimal_fractions():
    track = read_track(CORPUS / "srt_realworld_malformed/astisub__example-in.srt")
    assert [(c.start, c.end) for c in track.cues[:3]] == [(99000, 101040), (124080, 127120), (132160, 135200)]
    assert track[1].text == "MAN:\nHow did we end up here?"  # X1/Y1 coordinates are not text


@needs_corpus
def test_webvtt_cue_right_after_another_cues_text_is_its_own_cue():
    track = read_track(CORPUS / "webvtt/webvttpy__youtube_dl.vtt")
    assert track[1].text == "yeah\n<c.colorCCCCCC>what</c>"
    assert (track[2].start, track[2].end) == (304080, 305069)


# -- honest deliveries written by hand ------------------------------------------------------------------------

BASIC = "1\n00:00:01,000 --> 00:00:02,500\nSurvivors deserve to be heard.\n\n2\n00:00:03,000 --> 00:00:04,000\nHelp is available.\n"


@pytest.mark.parametrize("encoded", [
    BASIC.encode("utf-8"),
    codecs.BOM_UTF8 + BASIC.encode("utf-8"),
    BASIC.replace("\n", "\r\n").encode("utf-8"),
    BASIC.replace("\n", "\r").encode("utf-8"),
    codecs.BOM_UTF16_LE + BASIC.encode("utf-16-le"),
    codecs.BOM_UTF16_BE + BASIC.replace("\n", "\r\n").encode("utf-16-be"),
    (BASIC.replace(",", ".") + "\n\n   \n").encode("utf-8"),  # '.' for ',' and trailing blank lines
    BASIC.replace("\n2\n", "\n").replace("1\n00", "00", 1).encode("utf-8"),  # no cue numbers
    BASIC.replace("\n2\n", "\n7\n").replace("1\n00", "0\n00", 1).encode("utf-8"),  # 0, then 7
    BASIC.replace("Survivors deserve to be heard.", "Survivors deserve to be heard.   ").encode("utf-8"),
], ids=["utf8", "bom", "crlf", "cr", "utf16le", "utf16be-crlf", "dots-trailing", "no-numbers", "odd-numbers",
        "trailing-spaces"])
def test_honest_variants_read_the_same(tmp_path, encoded):
    path = tmp_path / "es.srt"
    path.write_bytes(encoded)
    track = read_track(path)
    assert [(c.start, c.end, c.text) for c in track] == [
        (1000, 2500, "Survivors deserve to be heard."), (3000, 4000, "Help is available.")]


@pytest.mark.parametrize("raw,ms", [
    ("00:00:04", 4000), ("00:00:00,1", 100), ("00:01:41,04", 101040), ("0:00:03,700", 3700),
    ("00:00:0,000", 0), ("01:02.500", 62500), ("10:00:00.000", 36_000_000),
])
def test_loose_timestamps(raw, ms):
    assert parse_timestamp(raw) == ms


@pytest.mark.parametrize("raw", ["-00:00:01,000", "00:61:00,000", "00:00:75,000", "00:00:01,0000", "1.5"])
def test_impossible_timestamps(raw):
    with pytest.raises(TimecodeError):
        parse_timestamp(raw)


@pytest.mark.parametrize("text,line,words", [
    ("1\n00:00:01,000 --> 00:00:02,000\nHello\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n", 5,
     "a timing line inside the text of the cue at line 1"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHello\n\nthere\n\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n", 5,
     "text without a timing line: 'there'"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHello\n\nthere\n2\n00:00:03,000 --> 00:00:04,000\nWorld\n", 5,
     "unexpected text 'there' before a cue's timing line"),
    ("1\n00:00:05,000 --> 00:00:02,000\nHello\n", 2, "ends (00:00:02,000) before it starts"),
    ("1\n-00:00:01,000 --> 00:00:02,000\nHello\n", 2, "negative time"),
    ("1\n00:00:01 -> 00:00:02\nHello\n", 2, "malformed timing line '00:00:01 -> 00:00:02'"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\nWorld\n", 6, "cue number 2 is not followed by a timing line"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:03;000 --> 00:00:04,000\nWorld\n", 6,
     "malformed timing line '00:00:03;000 --> 00:00:04,000'"),
    ("1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n", 5, "text without a timing line: '2'"),
])
def test_malformed_block_names_file_line_and_text(tmp_path, text, line, words):
    path = tmp_path / "es.srt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubtitleError) as caught:
        read_track(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")
    assert words in str(caught.value)


def test_utf16_without_bom_is_recognised_not_read_as_garbage(tmp_path):
    path = tmp_path / "en.srt"
    for codec in ("utf-16-le", "utf-16-be"):
        path.write_bytes(BASIC.encode(codec))
        with pytest.raises(SubtitleEncodingError, match=f"{path}:1: not UTF-8; reads as UTF-16 {codec[-2:].upper()} "
                                                        "without a byte-order mark: 'Survivors deserve to be heard.'"):
            read_track(path)


def test_unknown_encoding_name_is_a_clear_error(tmp_path):
    path = tmp_path / "en.srt"
    path.write_text(BASIC, encoding="utf-8")
    with pytest.raises(SubtitleError, match="unknown encoding 'klingon'"):
        read_track(path, encoding="klingon")


def test_legacy_encoding_named_for_a_unicode_file_is_refused(tmp_path):
    path = tmp_path / "es.srt"
    path.write_text(BASIC.replace("\n\n", " en línea\n\n", 1), encoding="utf-8")
    with pytest.raises(SubtitleEncodingError, match="is already UTF-8 .* would garble its letters"):
        read_track(path, encoding="cp1252")
    assert read_track(path, encoding="utf-8") == read_track(path)  # naming the right encoding is fine
    path.write_text(BASIC, encoding="utf-16")
    with pytest.raises(SubtitleEncodingError, match="is UTF-16 .*, not latin-1"):
        read_track(path, encoding="latin-1")
    path.write_text(BASIC, encoding="ascii")  # plain ASCII reads the same in any of them
    assert read_track(path, encoding="cp1252") == read_track(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(SubtitleError, match="file not found"):
        read_track(tmp_path / "nope.srt")
    with pytest.raises(SubtitleError, match="is a folder"):
        read_track(tmp_path)


def test_webvtt_header_blocks_and_orphan_text(tmp_path):
    vtt = ("WEBVTT - report\nKind: captions\nX-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:0\n\n"
           "STYLE\n::cue { color: white; }\n\nNOTE translators' note\n\n"
           "intro\n00:00:01.000 --> 00:00:02.000 line:10%\n<i>Hello</i>\n\n"
           "00:03.000 --> 00:04.000\nWorld\n")
    track = parse_vtt(vtt, "talk.vtt")
    # line:10% is how a top cue is written to WebVTT: it reads back as one ({\an8})
    assert [(c.start, c.end, c.text) for c in track] == [(1000, 2000, "{\\an8}<i>Hello</i>"), (3000, 4000, "World")]
    assert [c.identifier for c in track] == ["intro", None]
    with pytest.raises(SubtitleError, match="text without a timing line: 'stray'") as caught:
        parse_vtt(vtt + "\nstray\n", "talk.vtt")
    assert caught.value.line == 17


def test_writing_is_normalised(tmp_path):
    path = tmp_path / "es.srt"
    track = Track([Cue(3000, 4000, "segunda"), Cue(1000, 2000, "primera  \n\n{\\an8}<i>arriba</i>")])
    write_track(track, path)
    data = path.read_bytes()
    assert not data.startswith(codecs.BOM_UTF8) and b"\r" not in data
    assert data.decode("utf-8") == ("1\n00:00:01,000 --> 00:00:02,000\nprimera\n{\\an8}<i>arriba</i>\n\n"
                                    "2\n00:00:03,000 --> 00:00:04,000\nsegunda\n")
    assert not list(tmp_path.glob("*.partial*"))


def test_ass_is_refused_by_content_too(tmp_path):
    path = tmp_path / "es.srt"
    path.write_text("[Script Info]\nScriptType: v4.00+\n", encoding="utf-8")
    with pytest.raises(SubtitleError, match="ASS/SSA scripts are not supported"):
        read_track(path)


# -- round trips ----------------------------------------------------------------------------------------------

TAGGED = ["<i>Survivors</i> deserve", "<b>to be heard</b>", "<u>now</u>", '<font color="#ffff00">help</font>',
          "{\\an8}Top line", "<i>open", "close</i>"]
_word = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
                min_size=1, max_size=8).filter(lambda w: "-->" not in w)
_line = st.one_of(st.lists(_word, min_size=1, max_size=6).map(" ".join), st.sampled_from(TAGGED))
_text = st.one_of(st.just(""), st.lists(_line, min_size=1, max_size=3).map("\n".join))


@st.composite
def tracks(draw, text=_text):
    cues = []
    for _ in range(draw(st.integers(0, 12))):
        start = draw(st.integers(0, 36_000_000))
        cues.append(Cue(start, start + draw(st.integers(0, 60_000)), draw(text)))
    return Track(cues)


@given(tracks())
@settings(max_examples=150, deadline=None)
def test_srt_write_then_read_is_identical(track):
    assert parse_srt(compose_srt(track)).cues == track.sorted().cues


@given(tracks(text=_text.filter(lambda t: "{\\" not in t)))
@settings(max_examples=100, deadline=None)
def test_vtt_write_then_read_is_identical(track):
    assert parse_vtt(compose_vtt(track)).cues == track.sorted().cues


def test_tags_survive_a_round_trip_through_a_file(tmp_path):
    track = Track([Cue(0, 1000, "\n".join(TAGGED[:4])), Cue(1000, 2000, "{\\an8}<i>Top</i>")])
    write_track(track, tmp_path / "en.srt")
    assert read_track(tmp_path / "en.srt").cues == track.cues
