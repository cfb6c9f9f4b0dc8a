"""The ``spelling`` rule: words a Hunspell dictionary of the track's language does not know (:mod:`pipeline.spelling`).

Never flagged: the project's words (``assets/glossary/words.<lang>.txt``, the glossary's do-not-translate terms
and required wording: :mod:`pipeline.wordlist`), names (words the track capitalises in mid-sentence),
acronyms, single letters, and tokens with digits or web addresses. A language with no dictionary installed
gets one finding for the whole track saying so: "no findings" must not pass for "checked".
"""

from __future__ import annotations

from typing import Iterator

from pipeline import languages, spelling
from pipeline.checks.base import Problem, TrackContext, rule
from pipeline.language_table import profile


@rule("spelling", severity="warning",
      summary="words are in the language's Hunspell dictionary or the project's word list "
              "(assets/glossary/words.<lang>.txt); up to three suggestions")
def spelling_rule(ctx: TrackContext, s) -> Iterator[Problem]:
    if not ctx.language or not ctx.track.cues:
        return
    dictionary = spelling.dictionary_for(ctx.language)
    if dictionary is None:
        name = languages.display_name(ctx.language)
        yield Problem(None, f"no spelling dictionary for {name} ({ctx.language}) is installed: spelling is not "
                            f"checked ({spelling.install_hint(ctx.language)}, or set spelling = \"off\" for it)")
        return
    lang = profile(ctx.language)
    for found in spelling.misspellings(ctx.plain, dictionary, ctx.project_words, lang):
        hint = f": {', '.join(found.suggestions)}?" if found.suggestions else " (no suggestion)"
        yield Problem(found.cue, f"{found.word!r} is not in the {dictionary.tag} dictionary{hint}",
                      words=(found.word,))
