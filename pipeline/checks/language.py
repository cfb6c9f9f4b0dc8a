"""Rules that know the track's language (:mod:`pipeline.language_table`): its script, and the punctuation
conventions a style guide states for it. A language not in the table is not judged by them."""

from __future__ import annotations

from typing import Iterator

from pipeline import conventions, mojibake
from pipeline.checks.base import Problem, TrackContext, rule
from pipeline.language_table import profile

_SHOW = 40


def _quote(text: str) -> str:
    return repr(text if len(text) <= _SHOW else text[:_SHOW] + "…")


@rule("script", severity="error",
      summary="text is in the language's script: no mojibake (UTF-8 or a code page read as another, e.g. Ã© "
              "or Êàæäûé), no letters of another script, no word mixing two scripts")
def script(ctx: TrackContext, s) -> Iterator[Problem]:
    lang = profile(ctx.language)
    if lang is None:
        return
    misread = mojibake.track_misread(ctx.plain, lang)
    keep = ctx.project_words
    for i, text in enumerate(ctx.plain):
        if misread is None and (text.isascii() or mojibake.plainly_fine(text, lang)):
            continue
        if misread is not None:
            repaired = misread.repair(text)
            if repaired != text:
                yield Problem(i, f"{_quote(text)} is {misread.how}: it reads {_quote(repaired)} "
                                 "(pipeline fix repairs it)")
                continue
        repairs = mojibake.utf8_repairs(text, lang)
        if repairs:
            first = repairs[0]
            more = f" and {len(repairs) - 1} more word(s)" if len(repairs) > 1 else ""
            yield Problem(i, f"mojibake: {_quote(first.original)} is {first.how}: {_quote(first.repaired)}{more} "
                             "(pipeline fix repairs it)")
            continue
        mixed = [w for w in mojibake.mixed_script_words(text) if w.casefold() not in keep]
        for word in mixed:
            fixed = mojibake.repair_mixed_word(word, lang)
            then = f" (pipeline fix writes {fixed!r})" if fixed else ""
            scripts = " and ".join(sorted({mojibake.script_of(ch) for ch in word if ch.isalpha()}))
            yield Problem(i, f"{word!r} mixes {scripts} letters{then}")
        foreign = [w for w in mojibake.words_with(text, mojibake.foreign_letters(text, lang))
                   if w not in mixed and w.casefold() not in keep]
        if foreign:
            others = sorted({mojibake.script_of(ch) for w in foreign for ch in w if ch.isalpha()} - {lang.script})
            yield Problem(i, f"{' and '.join(others)} letters in a {lang.name} ({lang.script}) track: "
                             f"{', '.join(map(repr, foreign[:3]))}")


@rule("dialogue-dash", severity="warning",
      summary="a dialogue line opens as the language's guide says (hyphen, then a space or not)")
def dialogue_dash(ctx: TrackContext, s) -> Iterator[Problem]:
    lang = profile(ctx.language)
    if lang is None or lang.dialogue_dash is None:
        return
    for i, cue in enumerate(ctx.track.cues):
        if "\n" in cue.text:
            message = conventions.dialogue_dash_problem(cue.text, lang)
            if message:
                yield Problem(i, message + "; pipeline fix writes it so")


@rule("ellipsis", severity="warning", summary="the ellipsis is one character (…) where the language's guide wants it")
def ellipsis(ctx: TrackContext, s) -> Iterator[Problem]:
    lang = profile(ctx.language)
    if lang is None or not lang.single_ellipsis:
        return
    for i, text in enumerate(ctx.plain):
        count = conventions.ellipsis_count(text, lang)
        if count:
            yield Problem(i, f"'...' {'×' + str(count) + ' ' if count > 1 else ''}where {lang.name} subtitles use "
                             "the single character '…' (pipeline fix writes it)")


@rule("opening-marks", severity="warning",
      summary="Spanish: every closing ? or ! has its opening ¿ or ¡ (a question may start in the cue before)")
def opening_marks(ctx: TrackContext, s) -> Iterator[Problem]:
    lang = profile(ctx.language)
    if lang is None or not lang.opening_marks:
        return
    order = ctx.order
    for position, mark in conventions.unmatched_closing_marks([ctx.plain[i] for i in order], lang):
        opening = "¿" if mark[0] == "?" else "¡"
        yield Problem(order[position], f"{mark!r} without an opening {opening}: {lang.name} opens questions "
                                       "with ¿ and exclamations with ¡")


@rule("comma-below", severity="warning",
      summary="Romanian: ș ț with a comma below, not ş ţ with a cedilla (pipeline fix converts them)")
def comma_below(ctx: TrackContext, s) -> Iterator[Problem]:
    lang = profile(ctx.language)
    if lang is None or not lang.comma_below:
        return
    for i, text in enumerate(ctx.plain):
        words = conventions.cedilla_words(text, lang, ctx.project_words)
        if words:
            fixed = ", ".join(repr(conventions.repair_cedillas(w, lang)) for w in words[:3])
            yield Problem(i, f"cedilla in {', '.join(map(repr, words[:3]))}: {lang.name} writes {fixed} "
                             "(pipeline fix converts them)")
