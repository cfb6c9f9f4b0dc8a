"""Breaking cue text into lines at natural points, within characters-per-line and lines-per-cue limits.

Rules (Netflix / BCP style): keep text on one line when it fits; otherwise break after punctuation, or
before a conjunction or preposition; never between an article and its noun or between a first and last
name; prefer balanced lines (a slightly longer bottom line is fine). Words are never changed: only the
whitespace between them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.model import strip_tags

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
#: Words a new line may start with: breaking before them reads naturally.
GOOD_BREAK_BEFORE = {
    "en": {"and", "or", "but", "because", "so", "that", "which", "who", "when", "where", "while", "if",
           "to", "in", "on", "at", "for", "with", "from", "of", "about", "without", "through"},
    "es": {"y", "e", "o", "u", "pero", "porque", "que", "cuando", "donde", "mientras", "si", "para", "con",
           "en", "de", "sin", "sobre", "por", "como"},
}
_ALL_NO_AFTER = set().union(*NO_BREAK_AFTER.values())
_ALL_GOOD_BEFORE = set().union(*GOOD_BREAK_BEFORE.values())
_WORD_EDGE = re.compile(r"^[\W_]+|[\W_]+$")
_NAME = re.compile(r"^[A-ZÁÉÍÓÚÑÜÀ-Þ][a-záéíóúñüß-ÿ'’-]+$")


def visible_len(text: str) -> int:
    """Characters a viewer sees (tags and ``{\\...}`` overrides do not count)."""
    return len(strip_tags(text))


def _bare(word: str) -> str:
    return _WORD_EDGE.sub("", strip_tags(word)).lower()


def _words_for(language: str | None) -> tuple[set[str], set[str]]:
    if language and language.split("-")[0] in NO_BREAK_AFTER:
        base = language.split("-")[0]
        return NO_BREAK_AFTER[base], GOOD_BREAK_BEFORE[base]
    return _ALL_NO_AFTER, _ALL_GOOD_BEFORE


def _break_cost(left: str, right: str, no_after: set[str], good_before: set[str], sentence_start: bool) -> float:
    """Cost of ending a line with ``left`` and starting the next with ``right`` (lower is better)."""
    plain_left = strip_tags(left)
    if plain_left.endswith((".", "?", "!", "…")):
        return -30.0
    if plain_left.endswith((",", ";", ":", "—", "–")):
        return -20.0
    cost = 0.0
    if _bare(left) in no_after:
        cost += 60.0
    if _bare(right) in good_before:
        cost -= 10.0
    if not sentence_start and _NAME.match(strip_tags(left)) and _NAME.match(strip_tags(right).rstrip(".,;:!?")):
        cost += 50.0  # likely a first and last name
    return cost


def break_lines(text: str, max_chars: int = 42, max_lines: int = 2, language: str | None = None) -> list[str] | None:
    """Best line split of ``text`` (its existing line breaks are ignored) or None if no split fits.

    Only whitespace changes: ``" ".join(result) == " ".join(text.split())``.
    """
    words = text.split()
    if not words:
        return [""] if max_lines >= 1 else None
    if visible_len(" ".join(words)) <= max_chars:
        return [" ".join(words)]
    no_after, good_before = _words_for(language)
    n = len(words)
    lengths = [visible_len(w) for w in words]

    def line_len(i: int, j: int) -> int:  # words[i:j] joined by spaces
        return sum(lengths[i:j]) + (j - i - 1)

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
            cost = _break_cost(words[j - 1], words[j], no_after, good_before, sentence_start) + rest[0]
            # balance: the lines of a cue should be of similar length (a longer bottom line reads better)
            following = line_len(j, n if not rest[1] else rest[1][0])
            cost += abs(length - following) * 1.0 + (3.0 if length > following else 0.0)
            if result is None or cost < result[0]:
                result = (cost, (j,) + rest[1])
        return result

    found = best(0, max_lines)
    if found is None:
        return None
    cuts = (0,) + found[1] + (n,)
    return [" ".join(words[a:b]) for a, b in zip(cuts, cuts[1:])]


def fits(text: str, max_chars: int = 42, max_lines: int = 2) -> bool:
    lines = text.split("\n")
    return len(lines) <= max_lines and all(visible_len(line) <= max_chars for line in lines)
