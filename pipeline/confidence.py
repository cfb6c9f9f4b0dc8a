"""How far to trust a machine draft, cue by cue, from the engine's own signals.

An engine returns, per translated sentence, the words it marked (:class:`pipeline.engines.base.Translation`):
Apertium's unknown (``*``), untranslated (``@``) and badly generated (``#``) words, a neural model's
copied unknown pieces; neural models also give the sentence's mean token probability. Drafting splits a
sentence over the cues it came from, so each cue gets the marked words that landed in it and the
probability of its sentences (weighted by how many of its words each gave). A cue's **confidence** is

    (1 - marked words / words) x mean token probability (1 for rule-based engines)

and is stored in the review record with the marked words themselves. Two project settings (catalog
``[draft]``) turn it into decisions:

* ``max_unknown_share`` (default 0.25): a draft whose machine cues have a larger share of marked words is
  not written without ``--force``: reviewing it would cost more than translating from scratch;
* ``low_confidence`` (default 0.6): cues below it are counted by ``status`` and highlighted on the review
  page.

Placeholder tokens do not count as words; glossary terms and protected spans put back into the text count
as words the engine did not mark.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from pipeline.model import strip_tags

if TYPE_CHECKING:
    from pipeline.engines.base import Translation

DEFAULT_MAX_UNKNOWN_SHARE = 0.25
DEFAULT_LOW_CONFIDENCE = 0.6

_WORD_CHAR = re.compile(r"[^\W_]")
_PLACEHOLDER_TOKEN = re.compile(r"^\W*X\s?Z\s?\d{1,4}\s?Z\s?X\W*$", re.IGNORECASE)


def is_word(token: str) -> bool:
    """A whitespace token that counts as a word: it has a letter or digit and is not a placeholder."""
    token = strip_tags(token)
    return bool(_WORD_CHAR.search(token)) and not _PLACEHOLDER_TOKEN.match(token)


def word_key(token: str) -> str:
    """How marked words are compared after drafting re-cased or re-punctuated them: letters and digits only."""
    return "".join(_WORD_CHAR.findall(strip_tags(token))).casefold()


def count_words(text: str) -> int:
    return sum(1 for token in text.split() if is_word(token))


@dataclass(frozen=True)
class CueConfidence:
    """The engine's signals for one drafted cue."""

    words: int
    unknown: tuple[str, ...] = ()
    probability: float | None = None  # neural engines only

    @property
    def confidence(self) -> float:
        share = 1.0 - len(self.unknown) / self.words if self.words else 1.0
        return max(0.0, share) * (1.0 if self.probability is None else self.probability)


def cue_confidences(pieces: Mapping[int, Sequence[tuple[int, str]]],
                    translations: Mapping[int, "Translation"]) -> dict[int, CueConfidence]:
    """Per cue, from ``pieces`` (segment → its translation as split over cues: ``[(cue, text), ...]``)
    and each segment's :class:`Translation`. A marked word is found in the piece that holds it (compared
    by letters and digits, so drafting's re-casing and punctuation do not hide it)."""
    words: Counter = Counter()
    unknown: dict[int, list[str]] = {}
    weighted: dict[int, list[tuple[int, float]]] = {}
    for n, parts in pieces.items():
        translation = translations.get(n)
        if translation is None:
            continue
        remaining = Counter(word_key(w) for w in translation.unknown if word_key(w))
        for cue, text in parts:
            count = 0
            for token in text.split():
                if not is_word(token):
                    continue
                count += 1
                key = word_key(token)
                if remaining[key] > 0:
                    remaining[key] -= 1
                    unknown.setdefault(cue, []).append(_bare(token))
            words[cue] += count
            if translation.probability is not None and count:
                weighted.setdefault(cue, []).append((count, translation.probability))
    cues = {cue for parts in pieces.values() for cue, _ in parts}
    out = {}
    for cue in cues:
        probability = None
        if cue in weighted:
            total = sum(n for n, _ in weighted[cue])
            probability = sum(n * p for n, p in weighted[cue]) / total
        out[cue] = CueConfidence(words[cue], tuple(unknown.get(cue, ())), probability)
    return out


def _bare(token: str) -> str:
    """A marked word as a reviewer reads it: tags and surrounding punctuation removed."""
    return strip_tags(token).strip("\"'«»“”‘’()[]¿¡.,;:!?…")


def unknown_share(items: Iterable[tuple[str, Sequence[str]]]) -> tuple[int, int]:
    """(marked words, words) over ``(cue text, its marked words)`` pairs."""
    marked = words = 0
    for text, unknown in items:
        n = count_words(text)
        words += n
        marked += min(n, len(unknown))
    return marked, words


def read_thresholds(raw: Mapping) -> dict[str, float]:
    """``max_unknown_share`` and ``low_confidence`` from a catalog ``[draft]`` table (validated when the
    catalog was loaded: :func:`pipeline.catalog_settings.draft_problems`)."""
    return {key: float(raw[key]) for key in ("max_unknown_share", "low_confidence") if key in raw}


def low_confidence_threshold(project, video_id: str | None, language: str) -> float:
    """The project's ``[draft] low_confidence`` for a track (the default when unset)."""
    raw = project.setting("draft", video_id, language) if project is not None else {}
    return read_thresholds(raw).get("low_confidence", DEFAULT_LOW_CONFIDENCE)


def is_low(confidence: float | None, threshold: float = DEFAULT_LOW_CONFIDENCE) -> bool:
    return confidence is not None and confidence < threshold
