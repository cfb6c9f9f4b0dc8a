"""Breaking cue text into lines at natural points, within characters-per-line and lines-per-cue limits.

Rules (Netflix / BCP style): keep text on one line when it fits; otherwise break after punctuation, or
before a conjunction or preposition; never between an article and its noun or between a first and last
name; prefer balanced lines (a slightly longer bottom line is fine). Words are never changed: only the
whitespace between them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.model import TAG_RE, hidden_text, strip_tags

#: Words a line should not end with (articles, determiners, prepositions, conjunctions):
#: breaking after them separates them from what they introduce.
NO_BREAK_AFTER = {
    "en": {"a", "an", "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their",
           "of", "to", "in", "on", "at", "by", "for", "with", "from", "and", "or", "but", "nor", "as", "if",
           "into", "onto", "about", "than", "who", "which", "not", "no", "very", "mr.", "mrs.", "ms.", "dr."},
    "es": {"el", "la", "los", "las", "un", "una", "unos", "unas", "lo", "al", "del", "de", "a", "en", "con",
           "por", "para", "sin", "sobre", "entre", "y", "e", "o", "u", "ni", "que", "su", "sus", "mi", "mis",
           "tu", "tus", "nuestro", "nuestra", "este", "esta", "estos", "estas", "ese", "esa", "se", "no", "muy",
           "sr.", "sra.", "dr.", "dra."},
}
#: Auxiliary and modal verbs: a line ending with one splits it from its verb ("would / have helped").
WEAK_BREAK_AFTER = {
    "en": {"would", "could", "should", "will", "can", "may", "might", "must", "shall", "have", "has", "had",
           "do", "does", "did", "is", "are", "was", "were", "be", "been", "being"},
    "es": {"ha", "han", "he", "has", "hemos", "había", "habían", "haber", "es", "son", "era", "eran", "fue",
           "fueron", "está", "están", "estaba", "puede", "pueden", "podría", "debe", "deben", "va", "van", "ser"},
}
#: Words a new line may start with: breaking before them reads naturally. ("of" and "de" are not here:
#: they usually bind two nouns, as in "servicios de apoyo".)
GOOD_BREAK_BEFORE = {
    "en": {"and", "or", "but", "because", "so", "that", "which", "who", "when", "where", "while", "if",
           "to", "in", "on", "at", "for", "with", "from", "about", "without", "through", "what", "how",
           "why", "before", "after", "until", "unless", "although"},
    "es": {"y", "e", "o", "u", "pero", "porque", "que", "cuando", "donde", "mientras", "si", "para", "con",
           "en", "sin", "sobre", "por", "como", "aunque", "hasta", "antes", "después", "quien", "quienes"},
}
#: Words that lean on the word before them (object pronouns): a line should not start with them.
NO_BREAK_BEFORE = {
    "en": {"it", "them", "him", "me", "us", "himself", "herself", "itself", "themselves", "yourself"},
    "es": set(),
}
_LANGUAGES = tuple(NO_BREAK_AFTER)
_ALL = tuple(set().union(*table.values()) for table in (NO_BREAK_AFTER, WEAK_BREAK_AFTER, GOOD_BREAK_BEFORE,
                                                           NO_BREAK_BEFORE))
_WORD_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_DASHES = {"-", "–", "—"}
_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_UNITS = {"%", "km", "m", "cm", "kg", "g", "h", "min", "s", "ms", "mb", "gb", "años", "years", "million", "millones",
          "billion", "mil"}
_NAME = re.compile(r"^[A-ZÁÉÍÓÚÑÜÀ-Þ][a-záéíóúñüß-ÿ'’-]+$")
#: A word: non-space characters and whole tags. A tag may hold spaces (``<font color="#ff0">``); a line
#: break there would break the tag, so it is never a break point.
_WORD = re.compile(rf"(?:{TAG_RE.pattern}|\S)+")


def visible_len(text: str) -> int:
    """Characters a viewer sees (tags and ``{\\...}`` overrides do not count)."""
    return len(strip_tags(text))


def _bare(word: str) -> str:
    return _WORD_EDGE.sub("", strip_tags(word)).lower()


def _words_for(language: str | None) -> tuple[set[str], set[str], set[str], set[str]]:
    """(no break after, weak break after, good break before, no break before) for a language.

    Languages without their own lists use the union of the known ones (punctuation and balance still
    do most of the work there).
    """
    base = language.split("-")[0].lower() if language else None
    if base in _LANGUAGES:
        return NO_BREAK_AFTER[base], WEAK_BREAK_AFTER[base], GOOD_BREAK_BEFORE[base], NO_BREAK_BEFORE[base]
    return _ALL  # type: ignore[return-value]


def _break_cost(left: str, right: str, words: tuple[set[str], ...], sentence_start: bool) -> float:
    """Cost of ending a line with ``left`` and starting the next with ``right`` (lower is better)."""
    plain_right = strip_tags(right)
    plain_left = strip_tags(left).rstrip("\"'»”’)]")  # 'okay."' ends a sentence too
    if plain_right in _DASHES and plain_left.endswith((".", "?", "!", "…")):
        return -40.0  # a second speaker's dash: the turn starts a new line
    if _PUNCT_ONLY.match(plain_right):
        return 80.0  # a line must not start with a lone "—", "?" or "..." that belongs to the line above
    if plain_left.endswith((".", "?", "!", "…")):
        return -30.0
    if plain_left.endswith((",", ";", ":", "—", "–")):
        return -20.0
    no_after, weak_after, good_before, no_before = words
    cost = 0.0
    if _PUNCT_ONLY.match(plain_left):
        cost += 40.0  # a lone dash or quote left dangling at the end of a line
    bare_left, bare_right = _bare(left), _bare(right)
    if bare_left in no_after:
        cost += 60.0
    elif bare_left in weak_after:
        cost += 25.0
    if bare_right in no_before:
        cost += 25.0
    if plain_right.startswith(("¿", "¡", "(", "[")):
        cost -= 15.0  # a new clause or aside starts here
    elif bare_right in good_before:
        cost -= 10.0
    if plain_left[-1:].isdigit() and (plain_right[:1] in "%‰" or plain_right.lower() in _UNITS):
        cost += 60.0  # keep "25 %" and "3 km" together
    if not sentence_start and _NAME.match(plain_left) and _NAME.match(plain_right.rstrip(".,;:!?")):
        cost += 50.0  # likely a first and last name
    return cost


#: Cost per character of difference between two lines: low enough that a natural break point beats
#: a perfectly balanced but awkward one ("the support / team" vs "the support team / at the helpline").
BALANCE_WEIGHT = 0.5


def _words(text: str) -> list[str]:
    """Whitespace-separated words (never splitting a tag), with formatting-only words (``<i>``, ``{\\an8}``)
    glued to their neighbour. Words players hide (``<sigh>``) stay words: gluing them would merge two words."""
    words: list[str] = []
    pending = ""
    for word in _WORD.findall(text):
        if not visible_len(word) and not hidden_text(word):
            pending += word
            continue
        words.append(pending + word)
        pending = ""
    if pending:
        if words:
            words[-1] += pending
        else:
            words.append(pending)
    return words


def break_lines(text: str, max_chars: int = 42, max_lines: int = 2, language: str | None = None) -> list[str] | None:
    """Best line split of ``text`` (its existing line breaks are ignored) or None if no split fits.

    Only whitespace changes: the result holds the same non-whitespace characters in the same order
    (a tag-only word such as ``{\\an8}`` or ``<i>`` is joined to the word it belongs to).
    """
    words = _words(text)
    if not words:
        return [""] if max_lines >= 1 else None
    if visible_len(" ".join(words)) <= max_chars:
        return [" ".join(words)]
    vocabulary = _words_for(language)
    n = len(words)
    prefix = [0]
    for w in words:
        prefix.append(prefix[-1] + visible_len(w))

    def line_len(i: int, j: int) -> int:  # words[i:j] joined by spaces
        return prefix[j] - prefix[i] + (j - i - 1)

    @lru_cache(maxsize=None)
    def best(i: int, lines_left: int) -> tuple[float, tuple[int, ...]] | None:
        """Cheapest way to lay out words[i:] in at most lines_left lines: (cost, break indices)."""
        if line_len(i, n) <= max_chars:
            return (0.0, ())
        if lines_left <= 1:
            return None
        result = None
        for j in range(i + 1, n):
            length = line_len(i, j)
            if length > max_chars:
                break
            rest = best(j, lines_left - 1)
            if rest is None:
                continue
            sentence_start = j - 1 == 0 or strip_tags(words[j - 2]).endswith((".", "?", "!"))
            cost = _break_cost(words[j - 1], words[j], vocabulary, sentence_start) + rest[0]
            # balance: the lines of a cue should be of similar length (a longer bottom line reads better)
            following = line_len(j, n if not rest[1] else rest[1][0])
            cost += abs(length - following) * BALANCE_WEIGHT + (3.0 if length > following else 0.0)
            if result is None or cost < result[0]:
                result = (cost, (j,) + rest[1])
        return result

    found = best(0, max_lines)
    if found is None:
        return None
    cuts = (0,) + found[1] + (n,)
    return [" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:])]


def layout_lines(text: str, max_chars: int, max_lines: int, language: str | None = None) -> list[str]:
    """The lines ``text`` is shown in where lines hold ``max_chars`` characters: its own lines when they fit
    in ``max_lines``, else the best break into ``max_lines``, else into as few more as it takes (a word longer
    than a line gets a line of its own). Never fewer words: only the whitespace between them changes."""
    if fits(text, max_chars, max_lines):
        return text.split("\n")
    words = _words(text)
    for lines in range(max_lines, len(words) + 1):
        found = break_lines(text, max_chars, lines, language)
        if found is not None:
            return found
    out: list[str] = []  # a word wider than a line: fill lines greedily
    for word in words:
        if out and visible_len(out[-1]) + 1 + visible_len(word) <= max_chars:
            out[-1] += " " + word
        else:
            out.append(word)
    return out


def fits(text: str, max_chars: int = 42, max_lines: int = 2) -> bool:
    lines = text.split("\n")
    return len(lines) <= max_lines and all(visible_len(line) <= max_chars for line in lines)
