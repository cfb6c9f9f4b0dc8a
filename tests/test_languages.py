"""Language-aware tracks: legacy encodings inferred from the track's language, the per-language table (line
length, reading speed), scripts and mojibake, punctuation conventions. Files are encoded by the tests."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pathlib import Path

from _corpus import CORPUS, needs_corpus
from conftest import write_srt
from pipeline.cli import cli
from pipeline.errors import SubtitleEncodingError
from pipeline.formats import read_track
from pipeline.formats.encoding import CEDILLA_TO_COMMA, legacy_readings


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
    # a cp1250 Romanian file can only hold cedillas: fix writes the comma-below letters Romanian uses
    expected = [t.translate(CEDILLA_TO_COMMA) for t in texts] if language == "ro" else texts
    # now UTF-8, the words exactly as written (fix may re-break a long line: compare words)
    assert [" ".join(c.text.split()) for c in read_track(path)] == expected
    assert path.with_name(path.name + ".bak").read_bytes().decode(code_page) == srt_text(texts)


def test_cp1250_romanian_reads_with_its_cedillas_and_fix_writes_comma_below(tmp_path):
    path, _language, _code_page, texts = legacy_file(tmp_path, "ro-cp1250")
    assert [c.text for c in read_track(path, "ro", "cp1250")] == texts  # read as it is
    result = run("-v", "fix", str(path))
    assert result.exit_code == 0, result.output
    assert "ş ţ with a cedilla -> ș ț with a comma below" in result.stdout
    written = path.read_text(encoding="utf-8")
    assert "ţ" not in written and "ascultați" in written and "Supraviețuitorii își" in written


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


def test_several_fitting_code_pages_are_listed_for_a_person_to_choose(tmp_path):
    """Albanian is written in cp1250 and cp1252; a name with è reads as 'Michèle' in one and 'Mičele' in the
    other (Michčle), both plausible: fix converts neither and names both with a sample."""
    path = tmp_path / "talk.sq.srt"
    path.write_bytes(srt_text(["Fëmijët e Michèle meritojnë mbrojtje."]).encode("cp1252"))
    result = run("fix", str(path))
    assert result.exit_code == 2
    assert "reads as cp1250 (Albanian, Latin): 'Fëmijët e Michčle" in result.stderr
    assert "or as cp1252 (Albanian, Latin): 'Fëmijët e Michèle" in result.stderr
    assert "--encoding cp1250 or --encoding cp1252" in result.stderr
    result = run("fix", "--encoding", "cp1252", str(path))  # --encoding stays the override
    assert result.exit_code == 0 and read_track(path).cues[0].text == "Fëmijët e Michèle meritojnë mbrojtje."


# -- the per-language table -----------------------------------------------------------------------------------

from pipeline import language_table  # noqa: E402
from pipeline.checks import check_files, resolve  # noqa: E402
from pipeline.drafting import layout_defaults  # noqa: E402


def test_every_language_in_the_table_names_its_sources_and_the_makefile_installs_its_dictionary():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    system = makefile.split("SYSTEM_PACKAGES :=", 1)[1].split("\n\n", 1)[0]
    for lang in language_table.PROFILES.values():
        assert lang.sources and lang.code_pages, lang.code
        assert lang.max_chars_per_line and lang.max_cps
        if lang.dictionary_package:
            assert lang.dictionary_package in system, lang.code


def test_russian_lines_are_39_characters_in_check_fix_and_drafting(tmp_path):
    line = "Каждый ребёнок имеет право на защиту, да"  # 40 characters
    assert len(line) == 40
    ru = write_srt(tmp_path / "talk.ru.srt", [(1.0, 5.0, line)])
    es = write_srt(tmp_path / "talk.es.srt", [(1.0, 5.0, "Cada niño tiene derecho a protección, sí.")])
    report = check_files([ru, es])
    findings = {t.language: [f.message for f in t.findings if f.rule == "chars-per-line"] for t in report.tracks}
    assert findings == {"ru": ["line 1 has 40 characters (max 39)"], "es": []}
    assert resolve("ru")["max_chars_per_line"] == 39 and resolve("es")["max_chars_per_line"] == 42
    assert resolve("ar")["max_cps"] == 20 and resolve("en")["max_cps"] == 20 and resolve("ro")["max_cps"] == 17
    result = run("fix", str(ru))
    assert result.exit_code == 0, result.output
    assert all(len(x) <= 39 for x in read_track(ru).cues[0].text.split("\n"))
    assert "\n" in read_track(ru).cues[0].text
    assert layout_defaults(None, None, "ru") == {"max_chars": 39, "max_lines": 2}
    assert layout_defaults(None, None, "pt-BR") == {"max_chars": 42, "max_lines": 2}


def test_drafts_are_laid_out_to_the_languages_numbers(make_project, argos_sq):
    """A project's [check.sq] line length reaches drafting (and translate), as the table's does."""
    long = "Survivors told us what helped them most."  # 40 characters: two lines of 30 at most
    root = make_project({"talk": {"tracks": {"en": [(0.2, 2.8, long)]}}},
                        catalog_extra="[check.sq]\nmax_chars_per_line = 30\n")
    result = run("--project", str(root), "draft", "talk", "--to", "sq", "--engine", "argos")
    assert result.exit_code == 0, result.output
    lines = read_track(root / "subtitles/talk/sq.srt").cues[0].text.split("\n")
    assert len(lines) >= 2 and all(len(x) <= 30 for x in lines), lines
    out = root / "clip.sq.srt"
    result = run("--project", str(root), "translate", str(root / "subtitles/talk/en.srt"), "--from", "en",
                 "--to", "sq", "--engine", "argos", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert all(len(x) <= 30 for x in read_track(out).cues[0].text.split("\n"))


# -- punctuation conventions ------------------------------------------------------------------------------------

def rules_of(path, language=None, **kwargs):
    (track,) = check_files([path], language=language, **kwargs).tracks
    return [(f.cue, f.rule, f.message) for f in track.findings if f.rule not in ("min-gap", "cps", "spelling")]


def test_spanish_closing_marks_need_their_opening_marks(tmp_path):
    path = write_srt(tmp_path / "talk.es.srt", [
        (1.0, 3.0, "¿Qué ayuda más?"), (3.5, 5.0, "Pedir ayuda?"), (5.5, 7.0, "¡Nunca es tarde!"),
        (7.5, 9.0, "Nunca es tarde!"), (9.5, 11.0, "¿Sabías que puedes"), (11.5, 13.0, "pedir ayuda?"),
        (13.5, 15.0, "¡¿De verdad?!")])
    assert rules_of(path) == [
        (2, "opening-marks", "'?' without an opening ¿: Spanish opens questions with ¿ and exclamations with ¡"),
        (4, "opening-marks", "'!' without an opening ¡: Spanish opens questions with ¿ and exclamations with ¡")]
    en = write_srt(tmp_path / "talk.en.srt", [(1.0, 3.0, "What helps most?")])
    assert rules_of(en) == []  # an English rule it is not


def test_romanian_cedillas_are_a_warning_fix_converts_them_and_a_listed_name_is_kept(make_project):
    root = make_project({"talk": {"tracks": {"en": [(1.0, 3.0, "Şahin says survivors must be heard.")],
                                             "ro": [(1.0, 3.0, "Şahin spune că supravieţuitorii trebuie ascultaţi.")]}}})
    (root / "assets/glossary").mkdir(exist_ok=True)
    (root / "assets/glossary/words.ro.txt").write_text("# names spelt as their owners spell them\nŞahin\n",
                                                       encoding="utf-8")
    path = root / "subtitles/talk/ro.srt"
    result = run("--project", str(root), "check", str(path))
    assert "comma-below: cedilla in 'supravieţuitorii', 'ascultaţi': Romanian writes 'supraviețuitorii', " \
           "'ascultați' (pipeline fix converts them) [warning]" in result.stdout
    assert "Şahin" not in result.stdout.split("comma-below")[1].split("\n")[0]
    assert "spelling" not in result.stdout  # the cedilla is comma-below's finding, not a misspelling too
    result = run("--project", str(root), "fix", str(path))
    assert result.exit_code == 0, result.output
    assert " ".join(read_track(path).cues[0].text.split()) == "Şahin spune că supraviețuitorii trebuie ascultați."


def test_ellipsis_and_dialogue_dash_follow_the_languages_guide(tmp_path):
    ru = write_srt(tmp_path / "talk.ru.srt", [(1.0, 4.0, "Дай-ка подумать...")])
    ro = write_srt(tmp_path / "talk.ro.srt", [(1.0, 4.0, "-Aștepți?\n-Da...")])
    en = write_srt(tmp_path / "talk.en.srt", [(1.0, 4.0, "- Are you coming?\n– In a minute.")])
    es = write_srt(tmp_path / "talk.es.srt", [(1.0, 4.0, "- ¿Vienes?\n- Ahora...")])
    assert rules_of(ru) == [(1, "ellipsis", "'...' where Russian subtitles use the single character '…' "
                                            "(pipeline fix writes it)")]
    assert [r for _, r, _ in rules_of(ro)] == ["dialogue-dash", "ellipsis"]
    assert rules_of(en) == [(1, "dialogue-dash", "dialogue lines 1, 2 open like '- Are you ': English opens a "
                                                 "speaker's line with a hyphen and no space ('-Are you c'); "
                                                 "pipeline fix writes it so")]
    assert rules_of(es) == []  # no guide states Spanish dialogue spacing in words: nothing enforced
    for path in (ru, ro, en, es):
        assert run("fix", str(path)).exit_code == 0
    assert read_track(ru).cues[0].text == "Дай-ка подумать…"
    assert read_track(ro).cues[0].text == "- Aștepți?\n- Da…"
    assert read_track(en).cues[0].text == "-Are you coming?\n-In a minute."
    assert read_track(es).cues[0].text == "- ¿Vienes?\n- Ahora..."


def test_a_rule_switched_off_is_not_repaired_by_fix(make_project):
    root = make_project({"talk": {"tracks": {"en": [(1.0, 3.0, "Wait...")], "es": [(1.0, 3.0, "Espera.")]}}},
                        catalog_extra='[check.en]\nseverity = { ellipsis = "off" }\n')
    path = root / "subtitles/talk/en.srt"
    assert "ellipsis" not in run("--project", str(root), "check", str(path)).stdout
    run("--project", str(root), "fix", str(path))
    assert read_track(path).cues[0].text == "Wait..."


# -- script and mojibake ------------------------------------------------------------------------------------

def test_a_wrong_encoding_is_caught_by_the_script_rule(tmp_path):
    """Done-when of issue 13: reading a cp1251 Russian file as cp1252 gives Latin mojibake; check says so."""
    path, *_ = legacy_file(tmp_path, "ru-cp1251")
    result = run("check", "--encoding", "cp1252", str(path))
    assert result.exit_code == 1
    assert "script: 'Êàæäûé ðåá¸íîê çàñëóæèâàåò çàùèòû.' is cp1251 read as cp1252: it reads " \
           "'Каждый ребёнок заслуживает защиты.' (pipeline fix repairs it) [error]" in result.stdout


def test_mojibake_saved_as_utf8_is_found_and_fix_repairs_it(tmp_path):
    def misread(text: str) -> str:  # saved as UTF-8, opened as cp1252, saved again
        return text.encode("utf-8").decode("cp1252")

    cues = [(1.0, 3.0, misread("Los niños merecen protección.")), (3.5, 5.0, misread("¿Qué ayuda más?")),
            (5.5, 7.0, "Las niñas y los niños, también.")]
    path = write_srt(tmp_path / "talk.es.srt", cues)
    found = rules_of(path)
    assert found[:2] == [
        (1, "script", "mojibake: 'niÃ±os' is UTF-8 read as cp1252: 'niños' and 1 more word(s) (pipeline fix repairs it)"),
        (2, "script", "mojibake: 'Â¿QuÃ©' is UTF-8 read as cp1252: '¿Qué' and 1 more word(s) (pipeline fix repairs it)")]
    ru = write_srt(tmp_path / "talk.ru.srt", [(1.0, 3.0, misread("привет, мир"))])
    assert [r for _, r, _ in rules_of(ru)] == ["script"]
    for p in (path, ru):
        assert run("fix", str(p)).exit_code == 0
    assert [c.text for c in read_track(path)] == ["Los niños merecen protección.", "¿Qué ayuda más?",
                                                   "Las niñas y los niños, también."]
    assert read_track(ru).cues[0].text == "привет, мир"


def test_letters_of_another_script_and_look_alike_words(tmp_path):
    path = write_srt(tmp_path / "talk.sr.srt", [(1.0, 3.0, "Aлекс-сан, то је легенда."),
                                                 (3.5, 5.0, "Не знам шта је strøm.")])
    assert rules_of(path) == [
        (1, "script", "'Aлекс' mixes Cyrillic and Latin letters (pipeline fix writes 'Алекс')"),
        (2, "script", "Latin letters in a Serbian (Cyrillic) track: 'strøm'")]
    run("fix", str(path))
    assert [c.text for c in read_track(path)] == ["Алекс-сан, то је легенда.", "Не знам шта је strøm."]
    names = write_srt(tmp_path / "talk.ru.srt", [(1.0, 3.0, "WeProtect Global Alliance и UNICEF.")])
    assert rules_of(names) == []  # plain Latin names in a Cyrillic track are fine


# -- spelling (real Debian dictionaries) ----------------------------------------------------------------------

def spelling_of(path, **kwargs):
    (track,) = check_files([path], **kwargs).tracks
    return [(f.cue, f.message) for f in track.findings if f.rule == "spelling"]


def test_a_misspelt_word_is_found_with_suggestions(tmp_path):
    es = write_srt(tmp_path / "talk.es.srt", [(1.0, 3.0, "Los sobrevivientes merecen proteccion."),
                                               (3.5, 5.0, "El abuso sexual infantil en línea.")])
    assert spelling_of(es) == [(1, "'proteccion' is not in the es_ES dictionary: protección?")]
    sq = write_srt(tmp_path / "talk.sq.srt", [(1.0, 3.0, "Femijet meritojnë mbrojtje.")])
    assert spelling_of(sq) == [(1, "'Femijet' is not in the sq_AL dictionary: Fëmijët?")]
    bs = write_srt(tmp_path / "talk.bs.srt", [(1.0, 3.0, "Prezivjeli pričaju svoje priče.")])
    assert spelling_of(bs)[0][1].startswith("'Prezivjeli' is not in the bs_BA dictionary: Preživjeli")
    en = write_srt(tmp_path / "talk.en.srt", [(1.0, 3.0, "Survivers deserve to be heard.")])
    assert spelling_of(en) == [(1, "'Survivers' is not in the en_US dictionary: Survivors, Survives?")]


def test_a_misspelling_after_a_skipped_web_address_or_number_names_its_own_cue(tmp_path):
    """Skipped tokens were blanked to one space, shifting every later offset: the finding named an earlier cue."""
    en = write_srt(tmp_path / "talk.en.srt", [
        (1.0, 3.0, "Call 0800123456789 or visit https://www.example.org/help/survivors today."),
        (3.5, 5.0, "Survivers are heard.")])
    assert spelling_of(en) == [(2, "'Survivers' is not in the en_US dictionary: Survivors, Survives?")]


def test_words_in_another_script_are_the_script_rules_business_not_the_dictionarys(tmp_path):
    """An Arabic track quoting an English sentence gave a spelling finding per English word (9,921 on the
    corpus's Arabic documentary, and a minute spent on suggestions from the Arabic dictionary)."""
    ar = write_srt(tmp_path / "talk.ar.srt", [(1.0, 3.0, "تجربة، واحد، إثنان"),
                                               (3.5, 5.0, '"The quick brown fox jumps over the lazy dog."')])
    assert spelling_of(ar) == [(1, "'إثنان' is not in the ar dictionary: آثنان, اثنان, تثنان?")]
    es = write_srt(tmp_path / "talk.es.srt", [(1.0, 3.0, "Dijo привет y se fue."), (3.5, 5.0, "Sin proteccion.")])
    assert spelling_of(es) == [(2, "'proteccion' is not in the es_ES dictionary: protección?")]
    assert rules_of(es) == [(1, "script", "Cyrillic letters in a Spanish (Latin) track: 'привет'")]


@needs_corpus
def test_the_arabic_documentarys_spelling_findings_are_its_arabic_words():
    (track,) = check_files([CORPUS / "parallel/react_documentary/react_documentary.ar.vtt"]).tracks
    words = [f.message.split("'")[1] for f in track.findings if f.rule == "spelling"]
    assert words and all(any(language_table.script_of(ch) == "Arabic" for ch in w) for w in words)
    assert "quick" not in words and "رياكت" in words


def test_glossary_terms_listed_names_acronyms_and_names_in_mid_sentence_are_not_flagged(make_project):
    es = [(0.2, 0.9, "WeProtect Global Alliance y ECPAT escuchan."), (1.0, 1.6, "Aiyana habló con Lumbardha."),
          (1.7, 2.2, "Nkechi, despues."), (2.3, 2.9, "Lumbardha vive en Prishtina.")]
    root = make_project({"talk": {"tracks": {"en": [(0.2, 2.9, "WeProtect Global Alliance and ECPAT listen.")],
                                             "es": es}}})
    glossary = root / "assets/glossary"
    glossary.mkdir(exist_ok=True)
    (glossary / "en.toml").write_text('source = "en"\nkeep = ["WeProtect Global Alliance", "ECPAT"]\n', encoding="utf-8")
    (glossary / "words.es.txt").write_text("Aiyana\nNkechi  # advocates who spoke to us\n", encoding="utf-8")
    report = run("--project", str(root), "check", "talk", "--lang", "es").stdout
    spelling = [line for line in report.splitlines() if ": spelling: " in line]
    assert len(spelling) == 1 and "'despues' is not in the es_ES dictionary: después" in spelling[0]
    # a do-not-translate term, listed names, and a name the track capitalises in mid-sentence (Lumbardha, and
    # Prishtina) are not flagged; without the list and glossary, the names that open a sentence would be
    (glossary / "words.es.txt").unlink()
    (glossary / "en.toml").unlink()
    report = run("--project", str(root), "check", "talk", "--lang", "es").stdout
    flagged = {w for w in ("WeProtect", "Aiyana", "Nkechi", "Lumbardha", "Prishtina") if f"'{w}' is not" in report}
    assert flagged == {"WeProtect", "Aiyana", "Nkechi"}


def test_a_language_without_a_dictionary_says_so_once(tmp_path):
    path = write_srt(tmp_path / "talk.pl.srt", [(1.0, 3.0, "Dzieci zasługują na ochronę."),
                                                 (3.5, 5.0, "Nigdy nie jest za późno.")])
    assert spelling_of(path) == [(None, "no spelling dictionary for Polish (pl) is installed: spelling is not "
                                        "checked (install a Hunspell dictionary for it (Debian: hunspell-<lang> "
                                        "or myspell-<lang>), or set spelling = \"off\" for it)")]


# -- property: a single reading is never a wrong one ----------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pipeline.formats.encoding import canonical_text  # noqa: E402

_LEGACY_LANGUAGES = [code for code, lang in language_table.PROFILES.items() if lang.letters]


@st.composite
def language_text(draw):
    """Sentence-case words in a language's alphabet (mostly its own letters, some ASCII), and one of its code
    pages that can hold them."""
    code = draw(st.sampled_from(_LEGACY_LANGUAGES))
    lang = language_table.PROFILES[code]
    lower = sorted({ch for ch in lang.letters if ch.islower()})
    ascii_letters = "aeinorst" if lang.script == "Latin" else ""
    letter = st.sampled_from(lower + list(ascii_letters))
    words = draw(st.lists(st.text(letter, min_size=2, max_size=9), min_size=3, max_size=14))
    text = " ".join(words)
    text = text[:1].upper() + text[1:] + draw(st.sampled_from([".", "?", "!", "…", " — «да»" if lang.script == "Cyrillic" else "."]))
    code_page = draw(st.sampled_from(lang.code_pages))
    return code, code_page, text


@given(language_text())
@settings(max_examples=300, deadline=None)
def test_a_single_reading_is_always_the_text_that_was_written(case):
    code, code_page, text = case
    lang = language_table.PROFILES[code]
    try:
        data = srt_text([text]).encode(code_page)
    except UnicodeEncodeError:
        return  # this code page cannot hold these letters: nobody saved such a file
    readings = legacy_readings(data, code)
    written = canonical_text(text, lang)
    if len(readings) == 1:  # fix would convert it without asking: it must be right
        assert canonical_text(readings[0].text, lang).split("\n")[2] == written
    else:  # several (a person chooses) or none: the right one is never left out of several
        assert not readings or any(canonical_text(r.text, lang).split("\n")[2] == written for r in readings)


def test_the_common_tags_table_gives_exactly_langcodes_answers():
    """pipeline.languages answers common tags from a table so that `status` need not import langcodes: every
    entry must say what langcodes says, for every function the table short-cuts."""
    import langcodes

    from pipeline import languages

    assert len(languages.COMMON) > 80 and set(languages.OWN_NAMES) == set(languages.COMMON)
    for tag, (alpha3, name) in languages.COMMON.items():
        lang = langcodes.Language.get(tag)
        plain = langcodes.Language.get(tag, normalize=False)
        assert bool(plain.language) and plain.is_valid(), tag
        assert languages.is_known(tag), tag
        assert languages.is_track_tag(tag) and not (plain.extlangs or plain.extensions or plain.private), tag
        assert languages.normalize(tag) == langcodes.standardize_tag(tag) == tag
        assert languages.base(tag) == lang.language, tag
        assert languages.to_iso639_2(tag) == lang.to_alpha3() == alpha3, tag
        assert languages.display_name(tag) == lang.display_name("en") == name, tag
        assert languages.display_name(tag, tag) == lang.display_name(tag) == languages.OWN_NAMES[tag], tag
        if "-" not in tag:
            assert languages.from_iso639_2(alpha3) == str(langcodes.Language.get(alpha3)) == tag, alpha3
    # what the table does not hold still goes to langcodes
    assert languages.normalize("pt-br") == "pt-BR" and languages.base("EN") == "en"
    assert languages.is_known("tl") and languages.normalize("tl") == "fil" and not languages.is_known("xx")
    assert languages.from_iso639_2("fre") == "fr" and languages.from_iso639_2("und") is None
    assert languages.display_name("es", "es") == "español"
