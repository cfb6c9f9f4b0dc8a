"""Punctuation conventions a style guide states for a language (which, and the source: :mod:`pipeline.language_table`).

Each convention has a finder (for ``pipeline check``) and, when the repair is unambiguous, a repair (for
``pipeline fix``): the dialogue dash and its spacing, the ellipsis as one character, Romanian comma-below
letters. Spanish opening marks have only a finder: where a question began is for a person to say.
Functions take and return cue text as written (tags such as ``<i>`` and ``{\\an8}`` are kept).
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from pipeline.formats.encoding import CEDILLA_TO_COMMA
from pipeline.language_table import LanguageProfile
from pipeline.model import strip_tags

_DASH_LINE = re.compile(r"^(?P<tags>(?:<[^<>]+>|\{\\[^{}]*\})*)(?P<dash>[-–—])(?P<space>[ \t\u00a0]*)(?P<rest>\S.*)$")


def _dialogue_lines(text: str) -> list[re.Match | None]:
    """Per line, its dash match when the cue is dialogue (two or more lines open with a dash)."""
    matches = [_DASH_LINE.match(line) for line in text.split("\n")]
    return matches if sum(1 for m in matches if m) >= 2 else [None] * len(matches)


def dialogue_dash_problem(text: str, lang: LanguageProfile) -> str | None:
    """What is wrong with how a dialogue cue's lines open, as the language's guide states it (``-Sí.`` or
    ``- Da.``); None when they are right (or the cue is not dialogue)."""
    if lang.dialogue_dash is None:
        return None
    wrong = [(n, m) for n, m in enumerate(_dialogue_lines(text), start=1)
             if m and m.group("dash") + m.group("space") != lang.dialogue_dash]
    if not wrong:
        return None
    n, m = wrong[0]
    want = "a hyphen and a space" if lang.dialogue_dash == "- " else "a hyphen and no space"
    lines = ", ".join(str(k) for k, _ in wrong)
    shown = (m.group("dash") + m.group("space") + m.group("rest"))[:10]
    return (f"dialogue line{'s' if len(wrong) > 1 else ''} {lines} open{'' if len(wrong) > 1 else 's'} like {shown!r}: "
            f"{lang.name} opens a speaker's line with {want} ({(lang.dialogue_dash + m.group('rest'))[:10]!r})")


def repair_dialogue_dash(text: str, lang: LanguageProfile) -> str:
    """Dialogue lines opened with the language's dash and spacing (other text untouched)."""
    if lang.dialogue_dash is None:
        return text
    lines = text.split("\n")
    for i, m in enumerate(_dialogue_lines(text)):
        if m:
            lines[i] = m.group("tags") + lang.dialogue_dash + m.group("rest")
    return "\n".join(lines)


_THREE_DOTS = re.compile(r"(?<!\.)\.\.\.(?!\.)")


def ellipsis_count(text: str, lang: LanguageProfile) -> int:
    """Three full stops where the guide wants the single character ``…``."""
    return len(_THREE_DOTS.findall(text)) if lang.single_ellipsis else 0


def repair_ellipsis(text: str, lang: LanguageProfile) -> str:
    return _THREE_DOTS.sub("…", text) if lang.single_ellipsis else text


_CEDILLAS = re.compile("[şţŞŢ]")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def cedilla_words(text: str, lang: LanguageProfile, keep: frozenset[str] = frozenset()) -> list[str]:
    """Words written with the cedilla ş ţ where the language writes comma-below ș ț (a listed name is kept)."""
    if not lang.comma_below or not _CEDILLAS.search(text):
        return []
    return [w for w in _WORD.findall(strip_tags(text)) if _CEDILLAS.search(w) and w.casefold() not in keep]


def repair_cedillas(text: str, lang: LanguageProfile, keep: frozenset[str] = frozenset()) -> str:
    if not lang.comma_below or not _CEDILLAS.search(text):
        return text
    return _WORD.sub(lambda m: m.group() if m.group().casefold() in keep else m.group().translate(CEDILLA_TO_COMMA), text)


_MARKS = re.compile(r"[¿¡]|[?!]+")


def unmatched_closing_marks(texts: Iterable[str], lang: LanguageProfile) -> Iterator[tuple[int, str]]:
    """``(index, mark)`` for each closing ``?`` or ``!`` (a run such as ``?!`` counts once) with no ``¿`` or ``¡``
    open before it. ``texts`` are the visible texts of the cues in time order: a question may run on into
    the next cue; a dialogue line, or a cue that ends with a full stop, starts afresh (abbreviations such as
    ``Sr.`` inside a sentence do not)."""
    if not lang.opening_marks:
        return
    opened = 0
    for index, text in enumerate(texts):
        for line in text.split("\n"):
            if _DASH_LINE.match(line.strip()):
                opened = 0  # a new speaker
            for m in _MARKS.finditer(line):
                mark = m.group()
                if mark in "¿¡":
                    opened += 1
                elif opened:
                    opened = max(0, opened - len(mark))
                else:
                    yield index, mark
        if text.rstrip().endswith((".", "…")):
            opened = 0
