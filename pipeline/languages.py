"""Language codes: BCP-47 in files, ISO 639-2 for containers — through langcodes, never a hand table.

Importing langcodes costs more than the rest of ``pipeline status`` put together (its data module alone is a
large dictionary literal), so the common tags are answered from :data:`COMMON` and :data:`OWN_NAMES`:
langcodes's own answers for them, written down, which ``tests/test_languages.py`` compares with langcodes entry
by entry. A build of common languages never imports it (a one-cue edit build spent 0.3 s in it). Anything else
(another spelling, an unusual tag, a name in another language) goes to langcodes, imported then.
"""

from __future__ import annotations

from functools import lru_cache

#: Tags already in canonical form, each with langcodes's ISO 639-2/T code and English display name for it.
#: Only a lookup cache: a tag missing here (or spelt otherwise, ``EN``) is answered by langcodes.
COMMON: dict[str, tuple[str, str]] = {
    "am": ("amh", "Amharic"), "ar": ("ara", "Arabic"), "az": ("aze", "Azerbaijani"), "be": ("bel", "Belarusian"),
    "bg": ("bul", "Bulgarian"), "bn": ("ben", "Bangla"), "bs": ("bos", "Bosnian"), "ca": ("cat", "Catalan"),
    "cs": ("ces", "Czech"), "cy": ("cym", "Welsh"), "da": ("dan", "Danish"), "de": ("deu", "German"),
    "el": ("ell", "Greek"), "en": ("eng", "English"), "es": ("spa", "Spanish"), "et": ("est", "Estonian"),
    "eu": ("eus", "Basque"), "fa": ("fas", "Persian"), "fi": ("fin", "Finnish"), "fr": ("fra", "French"),
    "ga": ("gle", "Irish"), "gl": ("glg", "Galician"), "gu": ("guj", "Gujarati"), "ha": ("hau", "Hausa"),
    "he": ("heb", "Hebrew"), "hi": ("hin", "Hindi"), "hr": ("hrv", "Croatian"), "hu": ("hun", "Hungarian"),
    "hy": ("hye", "Armenian"), "id": ("ind", "Indonesian"), "ig": ("ibo", "Igbo"), "is": ("isl", "Icelandic"),
    "it": ("ita", "Italian"), "ja": ("jpn", "Japanese"), "ka": ("kat", "Georgian"), "kk": ("kaz", "Kazakh"),
    "km": ("khm", "Khmer"), "kn": ("kan", "Kannada"), "ko": ("kor", "Korean"), "ku": ("kur", "Kurdish"),
    "lb": ("ltz", "Luxembourgish"), "lo": ("lao", "Lao"), "lt": ("lit", "Lithuanian"), "lv": ("lav", "Latvian"),
    "mg": ("mlg", "Malagasy"), "mk": ("mkd", "Macedonian"), "ml": ("mal", "Malayalam"), "mn": ("mon", "Mongolian"),
    "mr": ("mar", "Marathi"), "ms": ("msa", "Malay"), "mt": ("mlt", "Maltese"), "my": ("mya", "Burmese"),
    "nb": ("nob", "Norwegian Bokmål"), "ne": ("nep", "Nepali"), "nl": ("nld", "Dutch"),
    "nn": ("nno", "Norwegian Nynorsk"), "no": ("nor", "Norwegian"), "pa": ("pan", "Punjabi"),
    "pl": ("pol", "Polish"), "ps": ("pus", "Pashto"), "pt": ("por", "Portuguese"), "ro": ("ron", "Romanian"),
    "ru": ("rus", "Russian"), "rw": ("kin", "Kinyarwanda"), "si": ("sin", "Sinhala"), "sk": ("slk", "Slovak"),
    "sl": ("slv", "Slovenian"), "so": ("som", "Somali"), "sq": ("sqi", "Albanian"), "sr": ("srp", "Serbian"),
    "sv": ("swe", "Swedish"), "sw": ("swa", "Swahili"), "ta": ("tam", "Tamil"), "te": ("tel", "Telugu"),
    "th": ("tha", "Thai"), "tr": ("tur", "Turkish"), "uk": ("ukr", "Ukrainian"), "ur": ("urd", "Urdu"),
    "uz": ("uzb", "Uzbek"), "vi": ("vie", "Vietnamese"), "xh": ("xho", "Xhosa"), "yo": ("yor", "Yoruba"),
    "zh": ("zho", "Chinese"), "zu": ("zul", "Zulu"),
    "ar-EG": ("ara", "Arabic (Egypt)"), "ar-SA": ("ara", "Arabic (Saudi Arabia)"),
    "de-AT": ("deu", "German (Austria)"), "de-CH": ("deu", "German (Switzerland)"),
    "de-DE": ("deu", "German (Germany)"), "en-AU": ("eng", "English (Australia)"),
    "en-CA": ("eng", "English (Canada)"), "en-GB": ("eng", "English (United Kingdom)"),
    "en-IN": ("eng", "English (India)"), "en-US": ("eng", "English (United States)"),
    "es-419": ("spa", "Spanish (Latin America)"), "es-ES": ("spa", "Spanish (Spain)"),
    "es-MX": ("spa", "Spanish (Mexico)"), "es-US": ("spa", "Spanish (United States)"),
    "fr-CA": ("fra", "French (Canada)"), "fr-FR": ("fra", "French (France)"),
    "it-IT": ("ita", "Italian (Italy)"), "nl-BE": ("nld", "Dutch (Belgium)"),
    "pt-BR": ("por", "Portuguese (Brazil)"), "pt-PT": ("por", "Portuguese (Portugal)"),
    "sr-Cyrl": ("srp", "Serbian (Cyrillic)"), "sr-Latn": ("srp", "Serbian (Latin)"),
    "zh-CN": ("zho", "Chinese (China)"), "zh-HK": ("zho", "Chinese (Hong Kong SAR China)"),
    "zh-Hans": ("zho", "Chinese (Simplified)"), "zh-Hant": ("zho", "Chinese (Traditional)"),
    "zh-TW": ("zho", "Chinese (Taiwan)"),
}
#: The same tags' names in their own language (langcodes's ``display_name(tag)``, written down): the menus
#: of the player page and the soft outputs' track titles name a language in itself.
OWN_NAMES: dict[str, str] = {
    "am": "አማርኛ", "ar": "العربية", "az": "azərbaycan", "be": "беларуская", "bg": "български", "bn": "বাংলা",
    "bs": "bosanski", "ca": "català", "cs": "čeština", "cy": "Cymraeg", "da": "dansk", "de": "Deutsch",
    "el": "Ελληνικά", "en": "English", "es": "español", "et": "eesti", "eu": "euskara", "fa": "فارسی", "fi": "suomi",
    "fr": "français", "ga": "Gaeilge", "gl": "galego", "gu": "ગુજરાતી", "ha": "Hausa", "he": "עברית", "hi": "हिन्दी",
    "hr": "hrvatski", "hu": "magyar", "hy": "հայերեն", "id": "bahasa Indonesia", "ig": "Igbo", "is": "íslenska",
    "it": "italiano", "ja": "日本語", "ka": "ქართული", "kk": "қазақ тілі", "km": "ខ្មែរ", "kn": "ಕನ್ನಡ", "ko": "한국어",
    "ku": "kurdî (kurmancî)", "lb": "Lëtzebuergesch", "lo": "ລາວ", "lt": "lietuvių", "lv": "latviešu",
    "mg": "Malagasy", "mk": "македонски", "ml": "മലയാളം", "mn": "монгол", "mr": "मराठी", "ms": "bahasa Malaysia",
    "mt": "Malti", "my": "မြန်မာ", "nb": "norsk bokmål", "ne": "नेपाली", "nl": "Nederlands", "nn": "norsk nynorsk",
    "no": "norsk", "pa": "ਪੰਜਾਬੀ", "pl": "polski", "ps": "پښتو", "pt": "português", "ro": "română", "ru": "русский",
    "rw": "Ikinyarwanda", "si": "සිංහල", "sk": "slovenčina", "sl": "slovenščina", "so": "Soomaali", "sq": "shqip",
    "sr": "српски", "sv": "svenska", "sw": "Kiswahili", "ta": "தமிழ்", "te": "తెలుగు", "th": "ไทย", "tr": "Türkçe",
    "uk": "українська", "ur": "اردو", "uz": "o‘zbek", "vi": "Tiếng Việt", "xh": "IsiXhosa", "yo": "Èdè Yorùbá",
    "zh": "中文", "zu": "isiZulu", "ar-EG": "العربية (مصر)", "ar-SA": "العربية (المملكة العربية السعودية)",
    "de-AT": "Deutsch (Österreich)", "de-CH": "Deutsch (Schweiz)", "de-DE": "Deutsch (Deutschland)",
    "en-AU": "English (Australia)", "en-CA": "English (Canada)", "en-GB": "English (United Kingdom)",
    "en-IN": "English (India)", "en-US": "English (United States)", "es-419": "español (Latinoamérica)",
    "es-ES": "español (España)", "es-MX": "español (México)", "es-US": "español (Estados Unidos)",
    "fr-CA": "français (Canada)", "fr-FR": "français (France)", "it-IT": "italiano (Italia)",
    "nl-BE": "Nederlands (België)", "pt-BR": "português (Brasil)", "pt-PT": "português (Portugal)",
    "sr-Cyrl": "српски (ћирилица)", "sr-Latn": "srpski (latinica)", "zh-CN": "中文（中国）",
    "zh-HK": "Chinese（Hong Kong SAR China）", "zh-Hans": "中文（简体）", "zh-Hant": "中文（繁體）", "zh-TW": "Chinese（Taiwan）",
}
#: ISO 639-2/T code → tag, for the table's plain language codes.
_FROM_ALPHA3 = {alpha3: tag for tag, (alpha3, _) in COMMON.items() if "-" not in tag}


@lru_cache(maxsize=None)
def is_known(code: str) -> bool:
    """True for a well-formed BCP-47 tag whose language subtag is in the registry."""
    if code in COMMON:
        return True
    if not code or code != code.strip():
        return False
    import langcodes

    try:
        lang = langcodes.Language.get(code, normalize=False)
    except (langcodes.LanguageTagError, ValueError):
        return False
    return bool(lang.language) and lang.is_valid()


@lru_cache(maxsize=None)
def is_track_tag(code: str) -> bool:
    """True for a name a track file may have: a known language, optionally with script, region and
    registered variants, spelled canonically (``es``, ``pt-BR``, ``sr-Latn``; not ``EN``, ``iw``,
    ``es-old``, ``es_final``). Extended-language, extension and private-use subtags are not track names."""
    if code in COMMON:
        return True
    if not is_known(code):
        return False
    import langcodes

    lang = langcodes.Language.get(code, normalize=False)
    if lang.extlangs or lang.extensions or lang.private:
        return False
    return normalize(code) == code


def normalize(code: str) -> str:
    """Canonical BCP-47 spelling (``pt-br`` → ``pt-BR``)."""
    if code in COMMON:
        return code
    import langcodes

    return langcodes.standardize_tag(code)


def base(code: str) -> str:
    """The language subtag alone (``pt-BR`` → ``pt``)."""
    if code in COMMON:
        return code.split("-", 1)[0]
    import langcodes

    return langcodes.Language.get(code).language or code


@lru_cache(maxsize=None)
def to_iso639_2(code: str) -> str:
    """Three-letter ISO 639-2/T code for container metadata (``es`` → ``spa``, ``bs`` → ``bos``)."""
    if code in COMMON:
        return COMMON[code][0]
    import langcodes

    return langcodes.Language.get(code).to_alpha3()


@lru_cache(maxsize=None)
def display_name(code: str, in_language: str = "en") -> str:
    """A human name (``es`` → ``Spanish``); falls back to the code."""
    if in_language == "en" and code in COMMON:
        return COMMON[code][1]
    if in_language == code and code in OWN_NAMES:
        return OWN_NAMES[code]
    try:
        import langcodes

        return langcodes.Language.get(code).display_name(in_language)
    except Exception:  # language_data missing or code odd: the code itself is a fine label
        return code


def from_iso639_2(code: str) -> str | None:
    """Two-letter (or shortest) BCP-47 code for a container's ISO 639-2 tag; None for ``und``/unknown."""
    if code in _FROM_ALPHA3:
        return _FROM_ALPHA3[code]
    if not code or code.lower() in {"und", "mul", "zxx", "mis"}:
        return None
    import langcodes

    try:
        lang = langcodes.Language.get(code)
    except (langcodes.LanguageTagError, ValueError):
        return None
    return str(lang) if lang.is_valid() else None


@lru_cache(maxsize=None)
def own_name(code: str) -> str:
    """The language's name in itself, first letter capitalised for a menu (``es`` → ``Español``,
    ``pt-BR`` → ``Português (Brasil)``: only the first letter changes)."""
    name = display_name(code, code)
    return name[:1].upper() + name[1:]
