"""Language codes: BCP-47 in files, ISO 639-2 for containers — through langcodes, never a hand table."""

from __future__ import annotations

from functools import lru_cache

import langcodes


@lru_cache(maxsize=None)
def is_known(code: str) -> bool:
    """True for a well-formed BCP-47 tag whose language subtag is in the registry."""
    if not code or code != code.strip():
        return False
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
    if not is_known(code):
        return False
    lang = langcodes.Language.get(code, normalize=False)
    if lang.extlangs or lang.extensions or lang.private:
        return False
    return normalize(code) == code


def normalize(code: str) -> str:
    """Canonical BCP-47 spelling (``pt-br`` → ``pt-BR``)."""
    return langcodes.standardize_tag(code)


def base(code: str) -> str:
    """The language subtag alone (``pt-BR`` → ``pt``)."""
    return langcodes.Language.get(code).language or code


@lru_cache(maxsize=None)
def to_iso639_2(code: str) -> str:
    """Three-letter ISO 639-2/T code for container metadata (``es`` → ``spa``, ``bs`` → ``bos``)."""
    return langcodes.Language.get(code).to_alpha3()


@lru_cache(maxsize=None)
def display_name(code: str, in_language: str = "en") -> str:
    """A human name (``es`` → ``Spanish``); falls back to the code."""
    try:
        return langcodes.Language.get(code).display_name(in_language)
    except Exception:  # language_data missing or code odd: the code itself is a fine label
        return code


def from_iso639_2(code: str) -> str | None:
    """Two-letter (or shortest) BCP-47 code for a container's ISO 639-2 tag; None for ``und``/unknown."""
    if not code or code.lower() in {"und", "mul", "zxx", "mis"}:
        return None
    try:
        lang = langcodes.Language.get(code)
    except (langcodes.LanguageTagError, ValueError):
        return None
    return str(lang) if lang.is_valid() else None
