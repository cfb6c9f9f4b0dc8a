"""Decoding subtitle bytes: UTF-8 (BOM allowed) and BOM-marked UTF-16 are read as they are; anything else is
recognised, never guessed.

Generic detectors guess legacy encodings badly (chardet said cp1252 at 5% confidence; charset-normalizer said
cp1250 for a cp1252 file), and a wrong guess silently garbles a translation. What the pipeline knows instead is
the track's language (its file name, or ``--lang``). So a file that is not UTF-8 is tried in the code pages
that language is written in (:mod:`pipeline.language_table`), and a code page is accepted only when the bytes
decode cleanly (no control characters, box-drawing or unassigned bytes) and the result is that language's
text: every letter beyond ASCII in its script, hardly any outside its alphabet, and word case that reads
(``кАЖДЫЙ`` is cp1251 read as koi8-r). UTF-16 without a byte-order mark is recognised by its zero bytes.

Reading stays strict: a file that is not UTF-8 is refused with what it reads as (``not UTF-8; reads as cp1251
(Russian, Cyrillic): 'Каждый ребёнок...'``), so the build never renders a file nobody converted.
``pipeline fix`` converts it when exactly one reading fits (:func:`detect_reading`); when several fit it
lists them, and when none does it says so without naming a code page: the message never points at one
that would garble the text.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import SubtitleEncodingError, SubtitleError
from pipeline.language_table import LanguageProfile, profile, script_of

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: Characters a real subtitle file never holds: a reading that produces one is not the file's encoding.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\u2500-\u259f\ue000-\uf8ff]")
_SAMPLE = 48  # characters of decoded text shown in a message


def _line_text(data: bytes, start: int) -> str:
    """The line holding byte ``start``, decoded leniently for the message (bad bytes shown as U+FFFD)."""
    begin = data.rfind(b"\n", 0, start) + 1
    end = data.find(b"\n", start)
    line = data[begin: end if end >= 0 else len(data)].decode("utf-8", "replace").strip()
    return line if len(line) <= 60 else line[:60] + "…"


def _normalise(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class Reading:
    """One way to decode a file: the codec, the text it gives (LF endings, no BOM) and the language it was
    judged against. ``detected``: found by the pipeline rather than read as UTF-8 or named by the user."""

    encoding: str
    text: str
    language: LanguageProfile | None = None
    detected: bool = True

    @property
    def label(self) -> str:
        """``cp1251 (Russian, Cyrillic)``, ``UTF-16 LE without a byte-order mark``."""
        if self.encoding.startswith("utf-16"):
            return f"UTF-16 {self.encoding[-2:].upper()} without a byte-order mark"
        return f"{self.encoding} ({self.language.label})" if self.language else self.encoding

    @property
    def sample(self) -> str:
        """The first text line with letters beyond ASCII (else the first text line), shortened."""
        lines = [ln.strip() for ln in self.text.split("\n") if ln.strip() and "-->" not in ln and not ln.strip().isdigit()]
        line = next((ln for ln in lines if not ln.isascii()), lines[0] if lines else "")
        return line if len(line) <= _SAMPLE else line[:_SAMPLE] + "…"


def check_encoding_name(encoding: str, path: Path | str = "<string>") -> str:
    """The codec's canonical name, or a :class:`SubtitleError` for a name Python does not know."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise SubtitleError(path, f"unknown encoding {encoding!r}", hint="use a name such as cp1252, cp1251 or gb2312") from None


# -- judging a reading ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Judgement:
    fits: bool
    #: Lower is better: letters outside the alphabet, then words whose case reads wrongly.
    score: tuple[int, int]


_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_BEYOND_ASCII = re.compile(r"[^\W\d_]*[^\x00-\x7f][^\W\d_]*")


def _judge(text: str, lang: LanguageProfile) -> _Judgement:
    """Is ``text`` this language's text? Clean, every letter beyond ASCII in its script, hardly any outside
    its alphabet (a name or two is fine), and case that reads (no ``кАЖДЫЙ``)."""
    if _NOT_TEXT.search(text):
        return _Judgement(False, (0, 0))
    beyond = [ch for ch in _BEYOND_ASCII.findall(text) if ch.isalpha()]
    if any(script_of(ch) != lang.script for ch in beyond):
        return _Judgement(False, (0, 0))
    outside = sum(1 for ch in beyond if not lang.is_letter_of(ch))
    words = len(text.split())
    odd = sum(1 for w in _WORD_BEYOND_ASCII.findall(text) if any(a.islower() and b.isupper() for a, b in zip(w, w[1:])))
    fits = outside <= max(1, len(beyond) // 20) and odd <= max(1, words // 20)
    return _Judgement(fits, (outside, odd))


def is_language_text(text: str, lang: LanguageProfile) -> bool:
    """True when ``text`` reads as the language's text (the test a code page must pass, see the module)."""
    return _judge(text, lang).fits


def canonical_text(text: str, lang: LanguageProfile) -> str:
    """Text as the language writes it today: two code pages that differ only in Romanian's legacy cedillas
    (cp1250 ş, iso-8859-16 ș) read the same text."""
    return text.translate(CEDILLA_TO_COMMA) if lang.comma_below else text


#: Romanian's cedilla letters (cp1250, ISO 8859-2 fonts) and the comma-below letters the orthography uses.
CEDILLA_TO_COMMA = str.maketrans("şţŞŢ", "șțȘȚ")


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when the zero bytes say so (ASCII of timing lines leaves one byte of each
    pair zero) and the bytes decode cleanly; None otherwise."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    even, odd = data[0::2].count(0), data[1::2].count(0)
    for codec, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros >= half // 5 and others <= half // 50:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            return codec if not _NOT_TEXT.search(text.replace("\x00", "")) and "\x00" not in text else None
    return None


def legacy_readings(data: bytes, language: str | None) -> list[Reading]:
    """The readings of ``data`` that fit: UTF-16 without a BOM, or the language's code pages that give its
    text. Best first; several only when they disagree and score the same (a person must choose)."""
    utf16 = _utf16_without_bom(data)
    if utf16:
        return [Reading(utf16, _normalise(data.decode(utf16)), profile(language))]
    lang = profile(language)
    if lang is None:
        return []
    judged: list[tuple[tuple[int, int], Reading]] = []
    for code_page in lang.code_pages:
        try:
            text = _normalise(data.decode(code_page))
        except UnicodeDecodeError:
            continue
        judgement = _judge(text, lang)
        if judgement.fits:
            judged.append((judgement.score, Reading(codecs.lookup(code_page).name, text, lang)))
    if not judged:
        return []
    best = min(score for score, _ in judged)
    groups: dict[str, list[Reading]] = {}
    for score, reading in judged:
        if score == best:
            groups.setdefault(canonical_text(reading.text, lang), []).append(reading)
    # within a group the texts agree; prefer the one that is already written as the language writes today
    return [next((r for r in group if r.text == canon), group[0]) for canon, group in groups.items()]


def _first_bad_byte(data: bytes) -> int:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return exc.start
    return data.index(b"\x00") if b"\x00" in data else 0


def _not_unicode_error(data: bytes, path: Path | str, language: str | None) -> SubtitleEncodingError:
    """What a file that is not UTF-8 reads as, and what to do: one line."""
    start = _first_bad_byte(data)
    line = data[:start].count(b"\n") + 1
    readings = legacy_readings(data, language)
    lang = profile(language)
    if len(readings) == 1:
        reading = readings[0]
        if reading.encoding.startswith("utf-16"):
            line = 1
        return SubtitleEncodingError(
            path, f"not UTF-8; reads as {reading.label}: {reading.sample!r}", line=line,
            hint="convert it once with: pipeline fix FILE", readings=tuple(readings))
    if readings:
        listed = "; or as ".join(f"{r.label}: {r.sample!r}" for r in readings)
        return SubtitleEncodingError(
            path, f"not UTF-8; reads as {listed}", line=line,
            hint="say which is right: pipeline fix --encoding "
                 f"{' or --encoding '.join(r.encoding for r in readings)} FILE", readings=tuple(readings))
    where = f"byte 0x{data[start]:02x} in {_line_text(data, start)!r}"
    if lang is not None:
        tried = ", ".join(lang.code_pages) or "none"
        return SubtitleEncodingError(
            path, f"not UTF-8: {where}; it does not read as {lang.name} text in {tried}", line=line,
            hint="check its language, or name the encoding it was saved in: pipeline fix --encoding NAME FILE")
    if language:
        return SubtitleEncodingError(
            path, f"not UTF-8: {where}; no code pages are known for {language!r}", line=line,
            hint="name the encoding it was saved in: pipeline fix --encoding NAME FILE")
    return SubtitleEncodingError(
        path, f"not UTF-8: {where}", line=line,
        hint="give its language (--lang, or a name such as talk.ru.srt) so its code pages can be tried, "
             "or name its encoding: pipeline fix --encoding NAME FILE")


# -- decoding -------------------------------------------------------------------------------------------------

def _refuse_if_unicode(data: bytes, path: Path | str, encoding: str) -> None:
    """A file that is already UTF-8 (with letters beyond ASCII) or BOM-marked UTF-16 must not be read in a
    legacy encoding: cp1252 would turn "línea" into "lÃ­nea" without any error, and fix would write that."""
    if data.startswith(_UTF16_BOMS):
        raise SubtitleEncodingError(path, f"is UTF-16 (it has a byte-order mark), not {encoding}",
                                    hint="leave out --encoding for this file") from None
    if data.isascii():
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return
    first = next(i for i, byte in enumerate(data) if byte >= 0x80)
    raise SubtitleEncodingError(
        path, f"is already UTF-8 ({_line_text(data, first)!r}); reading it as {encoding} would garble its letters",
        line=data[:first].count(b"\n") + 1, hint="leave out --encoding for this file",
    )


def _decode_named(data: bytes, path: Path | str, encoding: str) -> str:
    name = check_encoding_name(encoding, path)
    if not name.startswith("utf"):
        _refuse_if_unicode(data, path, encoding)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubtitleEncodingError(path, f"not valid {encoding} (byte 0x{data[exc.start]:02x})", line=line,
                                    hint="name the encoding the file was saved in") from None
    return _normalise(text)


def _decode_unicode(data: bytes, path: Path | str) -> str | None:
    """UTF-16 with a BOM or UTF-8 (BOM allowed); None when the bytes are neither."""
    if data.startswith(_UTF16_BOMS):
        try:
            return _normalise(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise SubtitleEncodingError(path, f"broken UTF-16 at byte {exc.start}",
                                        hint="re-export the file as UTF-8") from None
    if b"\x00" in data:
        if _utf16_without_bom(data):
            return None  # UTF-16 without a BOM: ASCII in it is valid UTF-8, so look before decoding
        at = data.index(b"\x00")
        raise SubtitleEncodingError(path, "a NUL byte in the text", line=data[:at].count(b"\n") + 1,
                                    hint="the file is damaged or not a subtitle file; re-export it as UTF-8")
    try:
        return _normalise(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None


def decode_subtitle_bytes(data: bytes, path: Path | str, encoding: str | None = None,
                          language: str | None = None) -> str:
    """Decode and normalise line endings (CRLF and CR-only become ``\\n``); strip a BOM.

    Without ``encoding``: UTF-16 with a BOM, else strict UTF-8. Anything else is refused with what it reads
    as in ``language``'s code pages (see the module docstring). A legacy ``encoding`` for a file that is
    plainly Unicode (UTF-8 beyond ASCII, or UTF-16 with a BOM) is refused too: it would garble the text.
    """
    if encoding:
        return _decode_named(data, path, encoding)
    text = _decode_unicode(data, path)
    if text is None:
        raise _not_unicode_error(data, path, language)
    return text


def detect_reading(data: bytes, path: Path | str, encoding: str | None = None,
                   language: str | None = None) -> Reading:
    """How to read a file that is about to be rewritten as UTF-8: as named, as Unicode, or the one reading
    of the language's code pages that fits. Several or none: :class:`SubtitleEncodingError` listing them.

    A named legacy ``encoding`` that gives text in the wrong script for ``language`` while one of the
    language's code pages fits is refused: writing it would save mojibake over the translation.
    """
    lang = profile(language)
    if encoding:
        text = _decode_named(data, path, encoding)
        name = codecs.lookup(encoding).name
        if lang is not None and not name.startswith("utf") and not _judge(text, lang).fits:
            better = [r for r in legacy_readings(data, language) if r.encoding != name]
            if better:
                wrong = Reading(name, text).sample
                raise SubtitleEncodingError(
                    path, f"read as {encoding} it is not {lang.name} text ({wrong!r}); "
                          f"it reads as {better[0].label}: {better[0].sample!r}",
                    hint=f"leave out --encoding, or name --encoding {better[0].encoding}", readings=tuple(better))
        return Reading(name, text, lang, detected=False)
    text = _decode_unicode(data, path)
    if text is not None:
        return Reading("utf-16" if data.startswith(_UTF16_BOMS) else "utf-8", text, lang, detected=False)
    error = _not_unicode_error(data, path, language)
    if len(error.readings) == 1:
        return error.readings[0]
    raise error


def conversion_notes(data: bytes, reading: Reading | str | None = None) -> list[str]:
    """What normalised writing changes besides the cues: encoding, byte-order mark, line endings."""
    notes = []
    if isinstance(reading, Reading) and reading.detected:
        notes.append(f"encoding {reading.label} -> UTF-8: {reading.sample!r}")
    else:
        encoding = reading.encoding if isinstance(reading, Reading) else reading
        if encoding and codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig", "utf-16"):
            notes.append(f"encoding {encoding} -> UTF-8")
        elif data.startswith(_UTF16_BOMS):
            notes.append("encoding UTF-16 -> UTF-8")
    if data.startswith((codecs.BOM_UTF8, *_UTF16_BOMS)):
        notes.append("byte-order mark removed")
    if isinstance(reading, Reading) and reading.encoding.startswith("utf-16") and not data.startswith(_UTF16_BOMS):
        sample = data.decode(reading.encoding)
    elif data.startswith(_UTF16_BOMS):
        sample = data.decode("utf-16")
    else:
        sample = data.decode("latin-1")
    if "\r\n" in sample:
        notes.append("CRLF line endings -> LF")
    elif "\r" in sample:
        notes.append("CR line endings -> LF")
    return notes
