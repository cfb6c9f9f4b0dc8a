"""What a rule is, how it plugs in, and what it reports.

A rule is a function registered with :func:`rule`. It receives a context (one track, or a pair of tracks
for ``scope="pair"``) and the merged settings, and yields :class:`Problem` values; the runner turns them
into :class:`Finding` lines (``file:line: rule-id: message``) with the rule's severity.

Plugging in a rule::

    from pipeline.checks.base import Problem, rule

    @rule("my-rule", severity="warning", params={"my_limit": 3}, summary="what it checks")
    def my_rule(ctx, settings):
        for i, cue in enumerate(ctx.track):
            if ...:
                yield Problem(i, "what is wrong")

Put it in a module named in ``RULE_MODULES`` (:mod:`pipeline.checks`): an existing one, or name your new
module there (that tuple is what gets imported; a test fails for a rule module it does not name).
Parameters become keys of the catalog's ``[check]`` section (tunable per project, video and language); every rule's level
is tunable with ``severity = { my-rule = "error" }`` (``"off"`` switches it off).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from pipeline.model import Cue, Track, format_timestamp, strip_tags

SEVERITIES = ("error", "warning")
LEVELS = SEVERITIES + ("off",)


@dataclass(frozen=True)
class Problem:
    """What a rule found: the cue (index in the track as read; None for the whole track) and a message.
    ``words``: the words of the cue it is about, for a page to highlight (``spelling`` names them)."""

    cue: int | None
    message: str
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One reported problem, ready to print as ``file:line: rule-id: message``."""

    path: Path
    line: int | None
    rule: str
    severity: str
    message: str
    cue: int | None = None  # 1-based position of the cue in its file, None for the whole track
    language: str | None = None
    video: str | None = None
    words: tuple[str, ...] = ()  # the words of the cue the finding is about (misspelt words)

    def format(self, shown_path: str | None = None) -> str:
        where = shown_path if shown_path is not None else str(self.path)
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.rule}: {self.message} [{self.severity}]"

    def __str__(self) -> str:
        return self.format()

    def to_dict(self) -> dict:
        return {"path": str(self.path), "line": self.line, "cue": self.cue, "rule": self.rule,
                "severity": self.severity, "message": self.message, "language": self.language, "video": self.video,
                "words": list(self.words)}


@dataclass(frozen=True)
class Rule:
    """A registered rule: id, default severity, its settings with defaults, and what it checks."""

    id: str
    severity: str
    params: Mapping[str, Any]
    summary: str
    func: Callable[..., Iterable]
    scope: str = "track"  # "track" or "pair"
    needs: tuple[str, ...] = ()  # context facts without which the rule cannot run: "video", "source",
    #                               "reference", "record"


#: Every rule by id, in registration order (the order findings of one cue are listed in).
RULES: dict[str, Rule] = {}


def rule(rule_id: str, *, severity: str, summary: str, params: Mapping[str, Any] | None = None,
         scope: str = "track", needs: tuple[str, ...] = ()) -> Callable:
    """Register a rule function (see the module docstring)."""
    if severity not in SEVERITIES:
        raise ValueError(f"rule {rule_id}: severity must be one of {SEVERITIES}")
    params = dict(params or {})
    for other in RULES.values():
        for key in params.keys() & other.params.keys():
            if params[key] != other.params[key]:
                raise ValueError(f"rule {rule_id}: setting {key} has a different default in rule {other.id}")

    def register(func: Callable) -> Callable:
        if rule_id in RULES and RULES[rule_id].func is not func:
            raise ValueError(f"rule id {rule_id!r} is already registered")
        RULES[rule_id] = Rule(rule_id, severity, params, summary, func, scope, needs)
        return func

    return register


def time_label(ms: int) -> str:
    """A time as translators see it in their editor (``00:01:02,345``)."""
    return format_timestamp(max(ms, 0))


@dataclass
class TrackContext:
    """One track and everything a rule may need to judge it."""

    path: Path
    track: Track
    settings: Mapping[str, Any]
    language: str | None = None
    #: Duration of one frame of the video the track belongs to (25 fps when unknown).
    frame_ms: float = 40.0
    frame_rate_known: bool = False
    video_duration_ms: int | None = None
    #: The track this one was translated from (the project's source language), when there is one.
    source: Track | None = None
    source_path: Path | None = None
    video: str | None = None
    project: Any = None  # pipeline.project.Project, for rules that read project files (glossary)
    #: The track whose speech this one must cover: the video's audio-language track (or, without one,
    #: the track this one was drafted from); None for that track itself and for loose files.
    reference: Track | None = None
    reference_language: str | None = None

    @cached_property
    def plain(self) -> list[str]:
        """Visible text of each cue (tags removed, lines joined by a space)."""
        return [cue.plain for cue in self.track.cues]

    @cached_property
    def visible_lines(self) -> list[list[str]]:
        """Visible text of each line of each cue."""
        return [strip_tags(cue.text).split("\n") for cue in self.track.cues]

    @cached_property
    def order(self) -> list[int]:
        """Cue indices in time order (stable for equal times)."""
        cues = self.track.cues
        return sorted(range(len(cues)), key=lambda i: (cues[i].start, cues[i].end))

    @cached_property
    def project_words(self) -> frozenset[str]:
        """The project's own words in this language (names, glossary terms), casefolded: see
        :mod:`pipeline.wordlist`. Empty for a loose file outside a project."""
        if self.project is None:
            return frozenset()
        from pipeline.wordlist import project_words  # with the glossary: 35 ms of imports a loose file skips

        return project_words(self.project.root, self.language, self.project.source_language)

    @cached_property
    def review_rows(self) -> list:
        """The review-record row of each cue (None for a cue the record does not know); all None for a
        track without a record (a person's track, a loose file). See :mod:`pipeline.review_record`."""
        from pipeline.errors import PipelineError
        from pipeline.review_record import match_rows, read_record

        try:
            record = read_record(self.path)
        except PipelineError:  # a broken record is reported by status (the track is not publishable)
            record = None
        return match_rows(record, self.track)[0]

    @cached_property
    def has_record(self) -> bool:
        return any(row is not None for row in self.review_rows)

    def cue_line(self, index: int) -> int | None:
        return self.track.cues[index].line

    def where(self, cue: Cue) -> str:
        """``line N`` (or the cue's time when it has no line) for messages pointing at another cue."""
        return f"line {cue.line}" if cue.line else f"the cue at {time_label(cue.start)}"


@dataclass
class PairContext:
    """Two tracks of one video: ``first`` is the reference language, ``second`` its partner."""

    first: TrackContext
    second: TrackContext

    @property
    def settings(self) -> Mapping[str, Any]:
        return self.second.settings
