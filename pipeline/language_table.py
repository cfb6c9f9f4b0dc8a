"""Each language's own facts, in one table: its script and letters, the legacy code pages its translators
still use, its Hunspell dictionary, and the subtitle conventions a published style guide states for it.

What reads the table: decoding (which code pages to try for a track that is not UTF-8), the check rules
(``chars-per-line``, ``cps``, ``script``, ``spelling``, ``punctuation``), ``fix`` (their numbers, and the
repairs the conventions make unambiguous), line breaking and drafting (characters per line).

Sources (read 2025; the numbers below name theirs):

* ``netflix-general``: Netflix, Timed Text Style Guide: General Requirements — 2 lines, 5/6 s to 7 s, 2-frame
  gaps. https://partnerhelp.netflixstudios.com/hc/en-us/articles/215758617
* ``netflix-<lang>``: the Netflix Timed Text Style Guide of that language (character limit, dual speakers,
  ellipsis), e.g. Russian https://partnerhelp.netflixstudios.com/hc/en-us/articles/215346638 (39 characters,
  "use the single smart character (U+2026)"), Romanian (42; U+2026; "use a hyphen followed by a space to
  indicate two speakers"), English https://partnerhelp.netflixstudios.com/hc/en-us/articles/217350977 (42;
  20 cps adult; U+2026; "use a hyphen without a space to indicate two speakers"), Castilian & Latin American
  Spanish https://partnerhelp.netflixstudios.com/hc/en-us/articles/217349997 (42), French
  https://partnerhelp.netflixstudios.com/hc/en-us/articles/217351577 (42), Brazilian / European Portuguese
  (42), Arabic
  https://partnerhelp.netflixstudios.com/hc/en-us/articles/215517947 (42; 20 cps adult, as in vendors'
  summaries of it, e.g. Pixelogic "Arabic AR-SA").
* Reading speed 17 characters per second for adult programmes in every language whose guide does not say
  otherwise (Netflix English Template guide: "200 words per minute / 17 characters per second").
* ``rae-ortografia``: Real Academia Española, Ortografía (2010) §3.4: Spanish questions and exclamations open
  with ¿ ¡ and close with ? !.
* ``ro-comma-below``: Romanian Academy orthography (DOOM): ș ț are written with a comma below; ş ţ with a
  cedilla are the legacy stand-ins of ISO 8859-2 / cp1250 fonts. Debian's hunspell-ro accepts only the
  comma-below forms (measured, ../shared/notes/toolchain.md).

A language absent from the table (or a convention a guide does not state) gets the general numbers and no
language-specific rule: the pipeline never enforces a convention it cannot name a source for. The dialogue dash
is set only where a guide states it in words (English: "a hyphen without a space"; Romanian: "a hyphen
followed by a space"). Spanish, French and Russian are left unset on evidence: their guides show it only in
examples, and the Spanish example (``-Te iba...``) disagrees with Netflix's own Spanish delivery of "Las chicas
del cable" in ../shared/corpus, which writes ``- ¿Cómo...`` throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from pipeline import languages

#: The general numbers (Netflix general requirements; 17 cps for adult programmes).
DEFAULT_MAX_CHARS_PER_LINE = 42
DEFAULT_MAX_CPS = 17.0


@dataclass(frozen=True)
class LanguageProfile:
    """One language's facts. ``letters`` are the letters of its alphabet beyond ASCII (both cases); empty
    for a script whose every letter belongs (Arabic)."""

    code: str  # the table's key: a base code ("ru") or a code with script ("sr-Latn")
    name: str  # English name, for messages
    script: str  # "Latin", "Cyrillic" or "Arabic": the Unicode script its letters are in
    letters: str = ""
    #: Legacy code pages translators of this language use, the most common first.
    code_pages: tuple[str, ...] = ()
    #: Enchant tag of its Hunspell/MySpell dictionary (Debian package in the Makefile), None when there is none.
    dictionary: str | None = None
    dictionary_package: str | None = None
    max_chars_per_line: int = DEFAULT_MAX_CHARS_PER_LINE
    max_cps: float = DEFAULT_MAX_CPS
    #: How a dialogue line opens: "-" (hyphen, no space), "- " (hyphen and a space); None when no guide says.
    dialogue_dash: str | None = None
    #: The guide wants the ellipsis as one character (U+2026), not three full stops.
    single_ellipsis: bool = False
    #: Questions and exclamations open with ¿ ¡ (Spanish).
    opening_marks: bool = False
    #: ș ț with a comma below, never ş ţ with a cedilla (Romanian).
    comma_below: bool = False
    sources: tuple[str, ...] = field(default=("netflix-general",))

    @property
    def label(self) -> str:
        """``Russian, Cyrillic``: how messages name the language and its script."""
        return f"{self.name}, {self.script}"

    def is_letter_of(self, char: str) -> bool:
        """True for a letter this language writes: ASCII, one of its ``letters``, or (no list) its script."""
        if char.isascii():
            return True
        if self.letters:
            return char in self.letters
        return script_of(char) == self.script


def _both(lower: str) -> str:
    return lower + lower.upper()


_RU = _both("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_UK = _both("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя")
_BG = _both("абвгдежзийклмнопрстуфхцчшщъьюя")
_SR_CYRL = _both("абвгдђежзијклљмнњопрстћуфхцчџш")
_HBS = _both("čćđšž")

PROFILES: dict[str, LanguageProfile] = {p.code: p for p in (
    LanguageProfile("en", "English", "Latin", "", ("cp1252",), "en_US", "hunspell-en-us", max_cps=20.0,
                    dialogue_dash="-", single_ellipsis=True, sources=("netflix-general", "netflix-en")),
    LanguageProfile("es", "Spanish", "Latin", _both("áéíóúüñ"), ("cp1252",), "es_ES", "hunspell-es",
                    opening_marks=True, sources=("netflix-general", "netflix-es", "rae-ortografia")),
    LanguageProfile("fr", "French", "Latin", _both("àâæçéèêëîïôœùûüÿ"), ("cp1252",), "fr_FR", "hunspell-fr",
                    sources=("netflix-general", "netflix-fr")),
    LanguageProfile("pt", "Portuguese", "Latin", _both("áâãàçéêíóôõú"), ("cp1252",), "pt_BR", "hunspell-pt-br",
                    sources=("netflix-general", "netflix-pt-br")),
    LanguageProfile("pt-PT", "European Portuguese", "Latin", _both("áâãàçéêíóôõú"), ("cp1252",), "pt_PT",
                    "hunspell-pt-pt", sources=("netflix-general", "netflix-pt")),
    LanguageProfile("ro", "Romanian", "Latin", _both("ăâîșțşţ"), ("cp1250", "iso8859-16"), "ro_RO", "hunspell-ro",
                    dialogue_dash="- ", single_ellipsis=True, comma_below=True,
                    sources=("netflix-general", "netflix-ro", "ro-comma-below")),
    LanguageProfile("bs", "Bosnian", "Latin", _HBS, ("cp1250",), "bs_BA", "hunspell-bs"),
    LanguageProfile("hr", "Croatian", "Latin", _HBS, ("cp1250",), "hr_HR", "hunspell-hr"),
    LanguageProfile("sr-Latn", "Serbian", "Latin", _HBS, ("cp1250",), "sr_Latn_RS", "hunspell-sr"),
    LanguageProfile("sr", "Serbian", "Cyrillic", _SR_CYRL, ("cp1251",), "sr_RS", "hunspell-sr"),
    LanguageProfile("sq", "Albanian", "Latin", _both("çë"), ("cp1250", "cp1252"), "sq_AL", "myspell-sq"),
    LanguageProfile("pl", "Polish", "Latin", _both("ąćęłńóśźż"), ("cp1250",)),
    LanguageProfile("cs", "Czech", "Latin", _both("áčďéěíňóřšťúůýž"), ("cp1250",)),
    LanguageProfile("ru", "Russian", "Cyrillic", _RU, ("cp1251", "koi8-r"), "ru_RU", "hunspell-ru",
                    max_chars_per_line=39, single_ellipsis=True,
                    sources=("netflix-general", "netflix-ru")),
    LanguageProfile("uk", "Ukrainian", "Cyrillic", _UK, ("cp1251", "koi8-u")),
    LanguageProfile("bg", "Bulgarian", "Cyrillic", _BG, ("cp1251",)),
    LanguageProfile("ar", "Arabic", "Arabic", "", ("cp1256",), "ar", "hunspell-ar", max_cps=20.0,
                    sources=("netflix-general", "netflix-ar")),
)}


@lru_cache(maxsize=None)
def profile(language: str | None) -> LanguageProfile | None:
    """The table's entry for a track's language: the exact tag (``pt-PT``, ``sr-Latn``), else its base
    language (``es-MX`` → ``es``); Serbian in Latin script is ``sr-Latn``. None for a language not in it."""
    if not language:
        return None
    try:
        tag = languages.normalize(language)
        base = languages.base(tag)
    except Exception:  # an odd code in a loose file's name is not a crash
        return None
    if tag in PROFILES:
        return PROFILES[tag]
    if base == "sr" and "Latn" in tag.split("-"):
        return PROFILES["sr-Latn"]
    if base == "pt" and tag.endswith("-PT"):
        return PROFILES["pt-PT"]
    return PROFILES.get(base)


@lru_cache(maxsize=4096)
def script_of(char: str) -> str | None:
    """``Latin``, ``Cyrillic``, ``Arabic``, ``Greek`` ... for a letter (from its Unicode name); None otherwise."""
    if not char.isalpha():
        return None
    import unicodedata

    name = unicodedata.name(char, "")
    for script in ("LATIN", "CYRILLIC", "ARABIC", "GREEK", "HEBREW", "ARMENIAN", "GEORGIAN", "DEVANAGARI", "THAI",
                   "HANGUL", "HIRAGANA", "KATAKANA", "CJK"):
        if name.startswith(script) or f" {script} " in f" {name} ":
            return script.title() if script != "CJK" else "Han"
    return "Other"


def settings_defaults(language: str | None) -> dict[str, float | int]:
    """The check settings a language's guide sets (``max_chars_per_line``, ``max_cps``) where they differ
    from the general numbers: the per-language layer of :func:`pipeline.checks.settings.resolve`."""
    found = profile(language)
    if found is None:
        return {}
    out: dict[str, float | int] = {}
    if found.max_chars_per_line != DEFAULT_MAX_CHARS_PER_LINE:
        out["max_chars_per_line"] = found.max_chars_per_line
    if found.max_cps != DEFAULT_MAX_CPS:
        out["max_cps"] = found.max_cps
    return out
