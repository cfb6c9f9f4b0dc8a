"""The one small interface every translation engine offers.

An engine translates a *batch* of segments (sentences with placeholders) from one language to another in
one call — one Apertium process or one CTranslate2 ``translate_batch`` per track, never one per cue.
Loading models and installing them are separate steps (see :mod:`pipeline.engines.argos` and
:mod:`pipeline.engines.ct2models`).

Every translated segment comes back as a :class:`Translation`: the text, and what the engine itself said
about it — the words it marked as unknown or untranslated (Apertium's ``*``/``@``/``#`` marks, a neural
model's copied unknown pieces) and, for neural models, the mean token probability of the segment.
Drafting turns these into a confidence per cue (see :mod:`pipeline.confidence`).
"""

from __future__ import annotations

import logging
import math
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence, TypeVar

from pipeline.confidence import count_words, is_word, word_key  # noqa: F401  (engines import them from here)
from pipeline.errors import EngineError

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Translation:
    """One translated segment and the engine's own signals about it."""

    text: str
    #: Words of ``text`` the engine marked (unknown to it, left untranslated, badly generated), in order,
    #: as they stand in ``text`` (marks already removed).
    unknown: tuple[str, ...] = ()
    #: Neural engines: exp(mean log-probability per output token), 0..1; None for rule-based engines.
    probability: float | None = None

    @property
    def words(self) -> int:
        return count_words(self.text)


def probability_from_score(score: float, tokens: int, length_penalty: float) -> float:
    """CTranslate2's ``return_scores`` figure back to a mean token probability.

    The score is the sum of the output tokens' log-probabilities (``</s>`` included, a forced prefix not)
    divided by ``tokens ** length_penalty``; the mean log-probability is ``sum / tokens``.
    """
    tokens = max(1, tokens)
    mean = score * tokens ** length_penalty / tokens
    return max(0.0, min(1.0, math.exp(mean)))


class Engine(ABC):
    """Translates batches of segments from ``source`` to ``target`` (BCP-47 codes)."""

    #: Short engine family name recorded in review records: marian | nllb | argos | apertium | pivot.
    name: str = ""

    def __init__(self, source: str, target: str):
        self.source = source
        self.target = target
        #: How many batches and segments were sent (benchmarks and draft reports read these).
        self.calls = 0
        self.segments_sent = 0
        #: Why this engine was chosen (set by :func:`pipeline.engines.registry.select_engine`).
        self.reason = ""

    @property
    @abstractmethod
    def model(self) -> str:
        """What produced the text, precisely enough to reproduce it (package/mode and version)."""

    @property
    def label(self) -> str:
        """The engine column of a review record."""
        return self.name

    @property
    def brief(self) -> str:
        """The model's short name for one-line messages (an Apertium mode, a package or model name)."""
        return self.model

    @abstractmethod
    def _translate_batch(self, segments: list[str]) -> list[Translation]:
        """Translate non-empty, single-line segments in one call; same length and order out."""

    def translate_scored(self, segments: Sequence[str]) -> list[Translation]:
        """Translate every segment in one batch, with the engine's own signals. Empty segments come back
        empty without being sent."""
        todo = [(i, " ".join(s.split())) for i, s in enumerate(segments) if s and s.strip()]
        out = [Translation("")] * len(segments)
        if not todo:
            return out
        self.calls += 1
        self.segments_sent += len(todo)
        log.info("%s %s→%s: %d segments in one batch (%s)", self.name, self.source, self.target, len(todo), self.model)
        result = self._translate_batch([s for _, s in todo])
        if len(result) != len(todo):
            raise EngineError(f"{self.name} ({self.model}) returned {len(result)} segments for {len(todo)}",
                              hint="this is a bug or a broken engine; run with -v for details")
        for (i, _), item in zip(todo, result):
            out[i] = Translation(" ".join(item.text.split()), tuple(item.unknown), item.probability)
        return out

    def translate(self, segments: Sequence[str]) -> list[str]:
        """Translate every segment in one batch; the texts only."""
        return [t.text for t in self.translate_scored(segments)]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.source}→{self.target} {self.model}>"


@dataclass(frozen=True)
class PairInfo:
    """One language pair an installed engine translates directly."""

    engine: str
    source: str
    target: str
    model: str


class PivotEngine(Engine):
    """Two engines chained through a pivot language (English or Spanish); placeholders survive both."""

    name = "pivot"

    def __init__(self, first: Engine, second: Engine):
        super().__init__(first.source, second.target)
        self.first = first
        self.second = second
        self._between: Callable[[list[str]], list[str]] | None = None

    def translate_scored(self, segments: Sequence[str],
                         between: Callable[[list[str]], list[str]] | None = None) -> list[Translation]:
        """Translate through the pivot; ``between`` may rewrite the pivot-language text of the (non-empty)
        segments before the second leg (drafting puts pivot-language glossary terms in there)."""
        self._between = between
        try:
            return super().translate_scored(segments)
        finally:
            self._between = None

    def translate(self, segments: Sequence[str], between: Callable[[list[str]], list[str]] | None = None) -> list[str]:
        return [t.text for t in self.translate_scored(segments, between)]

    @property
    def pivot(self) -> str:
        return self.first.target

    @property
    def label(self) -> str:
        return f"{self.first.label}+{self.second.label}"

    @property
    def model(self) -> str:
        return f"{self.first.model} > {self.pivot} > {self.second.model}"

    @property
    def brief(self) -> str:
        return f"{self.first.brief} > {self.pivot} > {self.second.brief}"

    def _translate_batch(self, segments: list[str]) -> list[Translation]:
        middle = self.first.translate_scored(segments)
        texts = [m.text for m in middle]
        if self._between is not None:
            texts = self._between(texts)
        final = self.second.translate_scored(texts)
        return [combine_legs(a, b) for a, b in zip(middle, final)]


def combine_legs(first: Translation, second: Translation) -> Translation:
    """One segment's signals through a pivot: the second leg's marks, plus words the first leg marked that
    reached the output unchanged (a name neither engine knew is reported once); probabilities multiply."""
    unknown = list(second.unknown)
    seen = {word_key(w) for w in unknown}
    in_output = {word_key(t) for t in second.text.split()}
    for word in first.unknown:
        key = word_key(word)
        if key and key in in_output and key not in seen:
            unknown.append(word)
            seen.add(key)
    if first.probability is None and second.probability is None:
        probability = None
    else:
        probability = (1.0 if first.probability is None else first.probability) * (
            1.0 if second.probability is None else second.probability)
    return Translation(second.text, tuple(unknown), probability)


_Installed = TypeVar("_Installed")


def read_installed(folder: Path, read: Callable[[Path], _Installed]) -> list[_Installed]:
    """``read`` of every sub-folder of ``folder`` (Argos packages, CTranslate2 models), in name order; hidden
    folders (an install in progress) are passed over, and one that ``read`` refuses is logged and skipped."""
    if not folder.is_dir():
        return []
    found = []
    for sub in sorted(folder.iterdir()):
        if not sub.is_dir() or sub.name.startswith("."):
            continue
        try:
            found.append(read(sub))
        except EngineError as exc:
            log.warning("skipping %s", exc)
    return found


def data_folder(variable: str, *default: str) -> Path:
    """An engine's folder: ``$variable`` when set, else ``default`` under the XDG data folder
    (``~/.local/share`` when ``XDG_DATA_HOME`` is unset)."""
    explicit = os.environ.get(variable)
    if explicit:
        return Path(explicit).expanduser()
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share").joinpath(*default)
