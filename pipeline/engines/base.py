"""The one small interface every translation engine offers.

An engine translates a *batch* of segments (sentences with placeholders) from one language to another in
one call — one Apertium process or one CTranslate2 ``translate_batch`` per track, never one per cue.
Loading models and installing them are separate steps (see :mod:`pipeline.engines.argos`).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Sequence

from pipeline.errors import EngineError

log = logging.getLogger(__name__)


class Engine(ABC):
    """Translates batches of segments from ``source`` to ``target`` (BCP-47 codes)."""

    #: Short engine family name recorded in review records: argos | apertium | pivot.
    name: str = ""

    def __init__(self, source: str, target: str):
        self.source = source
        self.target = target
        #: How many batches and segments were sent (benchmarks and draft reports read these).
        self.calls = 0
        self.segments_sent = 0

    @property
    @abstractmethod
    def model(self) -> str:
        """What produced the text, precisely enough to reproduce it (package/mode and version)."""

    @property
    def label(self) -> str:
        """The engine column of a review record."""
        return self.name

    @abstractmethod
    def _translate_batch(self, segments: list[str]) -> list[str]:
        """Translate non-empty, single-line segments in one call; same length and order out."""

    def translate(self, segments: Sequence[str]) -> list[str]:
        """Translate every segment in one batch. Empty segments come back empty without being sent."""
        todo = [(i, " ".join(s.split())) for i, s in enumerate(segments) if s and s.strip()]
        out = [""] * len(segments)
        if not todo:
            return out
        self.calls += 1
        self.segments_sent += len(todo)
        log.info("%s %s→%s: %d segments in one batch (%s)", self.name, self.source, self.target, len(todo), self.model)
        result = self._translate_batch([s for _, s in todo])
        if len(result) != len(todo):
            raise EngineError(f"{self.name} ({self.model}) returned {len(result)} segments for {len(todo)}",
                              hint="this is a bug or a broken engine; run with -v for details")
        for (i, _), text in zip(todo, result):
            out[i] = " ".join(text.split())
        return out

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

    def translate(self, segments: Sequence[str], between: Callable[[list[str]], list[str]] | None = None) -> list[str]:
        """Translate through the pivot; ``between`` may rewrite the pivot-language text of the (non-empty)
        segments before the second leg (drafting puts pivot-language glossary terms in there)."""
        self._between = between
        try:
            return super().translate(segments)
        finally:
            self._between = None

    @property
    def pivot(self) -> str:
        return self.first.target

    @property
    def label(self) -> str:
        return f"{self.first.label}+{self.second.label}"

    @property
    def model(self) -> str:
        return f"{self.first.model} > {self.pivot} > {self.second.model}"

    def _translate_batch(self, segments: list[str]) -> list[str]:
        middle = self.first.translate(segments)
        if self._between is not None:
            middle = self._between(middle)
        return self.second.translate(middle)
