"""Language-aware tracks: legacy encodings inferred from the track's language, the per-language table (line
length, reading speed), scripts and mojibake, punctuation conventions. Files are encoded by the tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import write_srt
from pipeline.cli import cli
from pipeline.errors import SubtitleEncodingError
from pipeline.formats import read_track
from pipeline.formats.encoding import legacy_readings


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def srt_text(lines: list[str]) -> str:
    """SRT with one cue per text (2 s each), CRLF as Windows tools write it."""
    blocks = [f"{n}\r\n00:00:{2 * n - 1:02d},000 --> 00:00:{2 * n:02d},000\r\n{t.replace(chr(10), chr(13) + chr(10))}\r\n"
              for n, t in enumerate(lines, start=1)]
    return "\r\n".join(blocks)


# Respectful, factual lines as the report's translators write them, with the punctuation their tools put in.
LEGACY_CASES = {
    # name: (file language, code page it is saved in, cue texts)
    "ru-cp1251": ("ru", "cp1251", ["Каждый ребёнок заслуживает защиты.", "Пострадавшие рассказывают «свои истории»."]),
    "bs-cp1250": ("bs", "cp1250", ["Djeca zaslužuju zaštitu.", "Preživjeli pričaju svoje priče — „nikad nije kasno”."]),
    "sq-cp1250": ("sq", "cp1250", ["Fëmijët meritojnë mbrojtje.", "Të mbijetuarit tregojnë historitë e tyre."]),
    "ro-iso-8859-16": ("ro", "iso8859-16", ["Copiii merită să fie ascultați.", "Supraviețuitorii își spun povestea: „Nu e prea târziu”."]),
    "ro-cp1250": ("ro", "cp1250", ["Copiii merită să fie ascultaţi.", "Supravieţuitorii îşi spun povestea — „Nu e prea târziu”."]),
    "es-cp1252": ("es", "cp1252", ["¿Qué ayuda más?", "¡Nunca es tarde para pedir ayuda!", "Los niños merecen protección."]),
    "ar-cp1256": ("ar", "cp1256", ["كل طفل يستحق الحماية.", "الناجون يروون قصصهم."]),
    "ru-utf-16-le": ("ru", "utf-16-le", ["Каждый ребёнок заслуживает защиты.", "Никогда не поздно попросить о помощи."]),
    "en-utf-16-be": ("en", "utf-16-be", ["Survivors deserve to be heard.", "It’s never too late to ask for help."]),
}


def legacy_file(tmp_path, case: str):
    language, code_page, texts = LEGACY_CASES[case]
    path = tmp_path / f"talk.{language}.srt"
    path.write_bytes(srt_text(texts).encode(code_page))
    return path, language, code_page, texts


@pytest.mark.parametrize("case", sorted(LEGACY_CASES))
def test_check_names_the_code_page_and_fix_converts_to_the_original_text(tmp_path, case):
    path, language, code_page, texts = legacy_file(tmp_path, case)
    label = (f"UTF-16 {code_page[-2:].upper()} without a byte-order mark" if code_page.startswith("utf-16")
             else code_page)
    result = run("check", str(path))
    assert result.exit_code == 2, result.output
    sample = next(t for t in texts if not t.isascii())
    assert f"not UTF-8; reads as {label}" in result.stdout
    assert repr(sample) in result.stdout  # a decoded sample, so a person can see it is right
    assert "pipeline fix" in result.stdout

    # the reading is exactly the text that was written
    readings = legacy_readings(path.read_bytes(), language)
    assert len(readings) == 1 and readings[0].encoding == code_page
    assert [c.text for c in read_track(path, language, code_page)] == texts

    result = run("fix", str(path))  # no --encoding: the language's code pages decide
    assert result.exit_code == 0, result.output
    assert f"encoding {label}" in result.stdout and "-> UTF-8" in result.stdout
    expected = texts
    # now UTF-8, the words exactly as written (fix may re-break a long line: compare words)
    assert [" ".join(c.text.split()) for c in read_track(path)] == expected
    assert path.with_name(path.name + ".bak").read_bytes().decode(code_page) == srt_text(texts)


def test_a_file_in_another_languages_code_page_is_not_converted(tmp_path):
    """A Serbian Cyrillic file named as Russian: cp1251 decodes, but ђ ј љ њ ћ џ are not Russian letters."""
    path = tmp_path / "talk.ru.srt"
    path.write_bytes(srt_text(["Ђаци и њихови родитељи.", "Џеп, љубав и ћутање."]).encode("cp1251"))
    with pytest.raises(SubtitleEncodingError) as caught:
        read_track(path, "ru")
    assert "does not read as Russian text in cp1251, koi8-r" in str(caught.value)
    assert caught.value.readings == ()
    result = run("fix", str(path))
    assert result.exit_code == 2 and "--encoding NAME" in result.stderr
    assert path.read_bytes().decode("cp1251")  # untouched


def test_koi8_r_is_told_from_cp1251_by_how_the_words_read(tmp_path):
    texts = ["Каждый ребёнок заслуживает защиты", "Никогда не поздно попросить о помощи"]
    for code_page in ("cp1251", "koi8-r"):
        data = srt_text(texts).encode(code_page)
        readings = legacy_readings(data, "ru")
        assert [r.encoding for r in readings] == [code_page]


def test_without_a_language_the_hint_names_no_code_page(tmp_path):
    path = tmp_path / "delivery.srt"
    path.write_bytes(srt_text(["Каждый ребёнок заслуживает защиты."]).encode("cp1251"))
    result = run("check", str(path))
    assert result.exit_code == 2
    assert "not UTF-8: byte 0xca" in result.stdout and "--lang" in result.stdout
    assert "cp125" not in result.stdout
    result = run("check", "--lang", "ru", str(path))
    assert "reads as cp1251 (Russian, Cyrillic): 'Каждый ребёнок заслуживает защиты.'" in result.stdout
    result = run("fix", "--lang", "ru", str(path))
    assert result.exit_code == 0 and read_track(path).cues[0].text == "Каждый ребёнок заслуживает защиты."


def test_the_hint_of_the_issue_no_longer_leads_to_mojibake(tmp_path):
    """Issue 13: a cp1251 ru.srt was refused with "e.g. --encoding cp1252"; following it wrote Êàæäûé."""
    path, *_ = legacy_file(tmp_path, "ru-cp1251")
    before = path.read_bytes()
    result = run("check", str(path))
    assert "cp1252" not in result.stdout
    result = run("fix", "--encoding", "cp1252", str(path))  # a wrong code page named by hand
    assert result.exit_code == 2
    assert "read as cp1252 it is not Russian text ('Êàæäûé ðåá¸íîê" in result.stderr
    assert "it reads as cp1251 (Russian, Cyrillic): 'Каждый ребёнок" in result.stderr
    assert path.read_bytes() == before  # nothing written
