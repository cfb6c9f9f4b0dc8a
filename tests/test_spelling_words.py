"""The spelling rule's word finding against its definition: the plain whole-text regexes it replaced for speed.

``_words`` finds words per distinct token and ``_located`` checks the letter before a match in Python; both
must give exactly what one regex over the whole text gives (offsets included: they find the cue).
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pipeline import spelling

# The definition: a token (run of non-space) with a digit, @ or :// anywhere, or opening with www., is
# blanked to spaces of its length; words are runs of letters joined by ' or -.
SKIP = re.compile(r"(?<![^\s\x1e])(?=[^\s\x1e]*(?:\d|@|://)|www\.)[^\s\x1e]+")


def reference_words(texts):
    joined = "\x1e".join(texts).replace("’", "'")
    joined = SKIP.sub(lambda m: " " * len(m.group()), joined)
    names = {w.casefold() for w in spelling._NAME.findall(joined) if not w.isupper()}
    return joined, set(spelling._WORDS.findall(joined)), names


def reference_located(text, words):
    pattern = re.compile(r"(?<![^\W\d_'-])(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                         + r")(?![^\W\d_'-])")
    return [(m.start(), m.group()) for m in pattern.finditer(text)]


ALPHABET = "aAbBéÉzZ1@:/.w'’- \n\u00a0\x1e,!?Ø"
texts = st.lists(st.text(ALPHABET, max_size=40), min_size=1, max_size=6)


@settings(max_examples=400, deadline=None)
@given(texts)
@example(["Call 0800123 or https://www.x.org/survivers today.", "Survivers www.a and www"])
@example(["a1b c@d x://y www.foo wwwx.a e.www.x 3 ab3", "(www.a.org) www.a.org)"])
@example(["12,\u00a0Ann 12, Bob", "x12 12"])
def test_words_per_token_are_the_whole_text_regexes(texts):
    assert spelling._words(texts) == reference_words(texts)


@settings(max_examples=400, deadline=None)
@given(st.text(ALPHABET, max_size=80), st.lists(st.text("abé'-", min_size=1, max_size=6), min_size=1, max_size=4))
@example("xcourt-martialed court-martialed", ["court-martialed", "martialed"])
@example("l'enfant enfant-x xenfant", ["enfant", "l'enfant"])
@example("Hun un -un 'un", ["un"])
def test_located_words_are_the_look_behind_regex(text, words):
    assert list(spelling._located(text, words)) == reference_located(text, words)
