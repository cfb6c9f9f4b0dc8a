"""Mojibake: text decoded with the wrong code page, found and repaired with the track's language as evidence.

Two kinds reach subtitle files:

* UTF-8 read as a legacy code page by an editor and saved again: ``niÃ±os`` (cp1252), ``Ð¿Ñ€Ð¸`` (cp1252),
  ``РїСЂРё`` (cp1251), sometimes twice. Each word is re-encoded in the code page and decoded as UTF-8; strict
  UTF-8 is strong evidence (a real word almost never re-encodes to valid UTF-8), and the repair must give
  letters of the track's language while the original holds characters that language does not write.
* A legacy file read through another legacy code page: ``Êàæäûé`` (cp1251 read as cp1252), ``prièaju``
  (cp1250 read as cp1252). Any single word could be a foreign name, so this is judged on the whole track:
  the track is re-encoded in the wrong code page (impossible when it holds letters that code page lacks,
  e.g. a real ``č``) and decoded in one of the language's own; the repair counts only when the original is
  not the language's text and the repair is (the test :mod:`pipeline.formats.encoding` applies to files).

Why not ftfy: measured on 190 generated cases (9 languages; UTF-8 read as cp1252, latin-1, cp1251, cp1250,
twice, and inside otherwise correct text), this language-aware code repaired 189 and ftfy.fix_encoding 166: ftfy
declines UTF-8 read as cp1251 in Latin-script text (20 of 27 missed), which a Cyrillic-locale editor produces,
because without the language Cyrillic looks legitimate. Its one extra repair (a lost no-break space after
``Ã``) is ambiguous, and an ambiguous repair is not made anyway. Neither changed any of the 7,991 cues of the
real corpus (no false repairs). ftfy cannot repair legacy-read-as-legacy text at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.formats.encoding import canonical_text, is_language_text
from pipeline.language_table import LanguageProfile, script_of

#: Code pages UTF-8 text is commonly mis-read as (Windows editors in Western, Central European and Cyrillic
#: locales; ISO Latin-1 on older Unix tools).
UTF8_MISREADS = ("cp1252", "cp1250", "cp1251", "latin-1")
#: Code pages a legacy file is commonly mis-read through.
LEGACY_MISREADS = ("cp1252", "cp1250", "cp1251", "latin-1", "koi8-r", "iso8859-16", "cp1256")
#: Punctuation real text holds beyond ASCII: not evidence of mojibake.
_PUNCTUATION = set("«»„“”‘’‚‹›—–…¿¡·\u00a0№♪♫")
_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")
#: Words between ASCII spaces: mojibake holds no-break spaces (U+00A0) and NEL (U+0085) that \s would split at.
_TOKEN = re.compile(r"[^ \t\n]+")


def _sloppy_encode(text: str, code_page: str) -> bytes | None:
    """``text`` encoded in ``code_page`` as a Windows editor decoded it: characters U+0080–U+00FF that the code
    page lacks stand for the byte of the same value (cp1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D undefined)."""
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode(code_page)
        except UnicodeEncodeError:
            if 0x80 <= ord(ch) <= 0xFF:
                out.append(ord(ch))
            else:
                return None
    return bytes(out)


def _sloppy_decode(data: bytes, code_page: str) -> str:
    """How a Windows editor shows ``data`` in ``code_page``: an undefined byte becomes the character of the
    same value (the inverse of :func:`_sloppy_encode`)."""
    return "".join(bytes([b]).decode(code_page, "ignore") or chr(b) for b in data)


def _misread(text: str, code_page: str) -> str:
    """``text`` saved as UTF-8 and shown in ``code_page``."""
    return _sloppy_decode(text.encode("utf-8"), code_page)


def _odd_char(ch: str, lang: LanguageProfile) -> bool:
    """A character beyond ASCII the language does not write: a letter outside its alphabet or script, or a
    symbol such as © ¶ ™ € (the tail of UTF-8 read as a code page)."""
    return not ch.isascii() and ch not in _PUNCTUATION and not (ch.isalpha() and lang.is_letter_of(ch))


def _suspicious(word: str, lang: LanguageProfile) -> bool:
    return any(_odd_char(ch, lang) for ch in word)


_ASCII_BESIDE_OTHER_LETTER = re.compile(r"[A-Za-z][^\W\d_\x00-\x7f]|[^\W\d_\x00-\x7f][A-Za-z]")


def plainly_fine(text: str, lang: LanguageProfile) -> bool:
    """True when every character beyond ASCII is one of the language's letters or common punctuation and, in a
    non-Latin script, no ASCII letter touches one of its letters: no mojibake, no other script, no look-alike
    (a C pass or two and a look at each distinct character)."""
    if any(_odd_char(ch, lang) for ch in set(_BEYOND_ASCII.findall(text))):
        return False
    return lang.script == "Latin" or not _ASCII_BESIDE_OTHER_LETTER.search(text)


def _in_language(text: str, lang: LanguageProfile) -> bool:
    return not _suspicious(text, lang) and "\ufffd" not in text


@dataclass(frozen=True)
class Repair:
    """One mojibake word (or run of words) and what it reads as."""

    original: str
    repaired: str
    how: str  # "UTF-8 read as cp1252"


def repair_utf8_word(word: str, lang: LanguageProfile) -> Repair | None:
    """The word as it was before UTF-8 was read as a legacy code page (once or twice), when exactly one
    reading gives the language's letters and mis-reads back to the word exactly; None when the word is fine
    or the repair is not certain."""
    if word.isascii() or not _suspicious(word, lang):
        return None
    found: dict[str, str] = {}
    for first in UTF8_MISREADS:
        raw = _sloppy_encode(word, first)
        if raw is None:
            continue
        try:
            once = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if _in_language(once, lang) and _misread(once, first) == word:
            found.setdefault(once, f"UTF-8 read as {first}")
            continue
        for second in UTF8_MISREADS:  # read wrongly twice
            raw2 = _sloppy_encode(once, second)
            try:
                twice = raw2.decode("utf-8") if raw2 is not None else None
            except UnicodeDecodeError:
                continue
            if twice is not None and _in_language(twice, lang) and _misread(_misread(twice, second), first) == word:
                found.setdefault(twice, f"UTF-8 read as {first}, twice")
    if len(found) != 1:
        return None
    repaired, how = next(iter(found.items()))
    return Repair(word, repaired, how)


def utf8_repairs(text: str, lang: LanguageProfile) -> list[Repair]:
    """Every word of ``text`` that is UTF-8 mojibake with a certain repair."""
    return [r for r in (repair_utf8_word(m.group(), lang) for m in _TOKEN.finditer(text)) if r]


def repair_utf8(text: str, lang: LanguageProfile) -> str:
    """``text`` with its UTF-8 mojibake words repaired (whitespace kept as it is)."""
    return _TOKEN.sub(lambda m: (r.repaired if (r := repair_utf8_word(m.group(), lang)) else m.group()), text)


@dataclass(frozen=True)
class TrackMisread:
    """A whole track read through the wrong legacy code page, and the one reading that gives its language."""

    wrong: str
    right: str

    @property
    def how(self) -> str:
        return f"{self.right} read as {self.wrong}"

    def repair(self, text: str) -> str:
        return text.encode(self.wrong).decode(self.right)


def track_misread(texts: list[str], lang: LanguageProfile) -> TrackMisread | None:
    """How the track's text was mis-read, when it is not the language's text and exactly one re-reading
    (wrong code page -> one of the language's) makes it so; None otherwise."""
    text = "\n".join(texts)
    if plainly_fine(text, lang) or is_language_text(text, lang):
        return None
    found: dict[str, list[tuple[str, TrackMisread]]] = {}
    for right in lang.code_pages:
        for wrong in LEGACY_MISREADS:
            if wrong == right:
                continue
            try:
                repaired = text.encode(wrong).decode(right)
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if repaired != text and is_language_text(repaired, lang):
                found.setdefault(canonical_text(repaired, lang), []).append((repaired, TrackMisread(wrong, right)))
    if len(found) != 1:
        return None
    canon, readings = next(iter(found.items()))
    # readings that agree but for Romanian's legacy cedillas: the one that writes comma-below wins
    return next((m for text_, m in readings if text_ == canon), readings[0][1])


def foreign_letters(text: str, lang: LanguageProfile) -> list[str]:
    """Letters beyond ASCII in another script than the language's (``é`` in a Russian track)."""
    return [ch for ch in text if not ch.isascii() and ch.isalpha() and script_of(ch) != lang.script]


_LETTERS = re.compile(r"[^\W\d_]+")


def mixed_script_words(text: str) -> list[str]:
    """Words whose letters come from two scripts (``прuвет`` with a Latin ``u``): a look-alike typed by mistake."""
    out = []
    for word in _LETTERS.findall(text):
        if word.isascii():
            continue
        scripts = {script_of(ch) for ch in word}
        if len(scripts) > 1:
            out.append(word)
    return out


#: Latin and Cyrillic letters that look alike: typed on the wrong keyboard layout (or by OCR) inside a word.
_LATIN_TO_CYRILLIC = dict(zip("AaBCcEeHIiJjKMOoPpSsTXxYy", "АаВСсЕеНІіЈјКМОоРрЅѕТХхУу"))
_CYRILLIC_TO_LATIN = {cyr: lat for lat, cyr in _LATIN_TO_CYRILLIC.items()}


def repair_mixed_word(word: str, lang: LanguageProfile) -> str | None:
    """A word mixing Latin and Cyrillic with every stray letter a look-alike of one of the language's
    (``Aлекс`` with a Latin A -> ``Алекс``); None when it is not such a word."""
    letters = [ch for ch in word if ch.isalpha()]
    if not letters or {script_of(ch) for ch in letters} != {"Latin", "Cyrillic"}:
        return None
    table = _LATIN_TO_CYRILLIC if lang.script == "Cyrillic" else _CYRILLIC_TO_LATIN if lang.script == "Latin" else None
    if table is None:
        return None
    stray = [ch for ch in letters if script_of(ch) != lang.script]
    if not all(ch in table and lang.is_letter_of(table[ch]) for ch in stray):
        return None
    return "".join(table.get(ch, ch) if script_of(ch) != lang.script else ch for ch in word)


def words_with(text: str, chars: list[str]) -> list[str]:
    """The words of ``text`` holding any of ``chars``, in order, once each."""
    wanted = set(chars)
    return list(dict.fromkeys(w for w in _LETTERS.findall(text) if wanted & set(w)))


def repair_mixed(text: str, lang: LanguageProfile, keep: frozenset[str] = frozenset()) -> str:
    """``text`` with its look-alike words (:func:`repair_mixed_word`) written in the language's script."""
    if text.isascii():
        return text
    return _LETTERS.sub(lambda m: m.group() if m.group().casefold() in keep
                        else (repair_mixed_word(m.group(), lang) or m.group()), text)
