"""What a review page shows, as plain data: per language, every cue with its time, its text, the source
text spoken at the same time, its review state and the ``pipeline check`` findings on it.

Nothing here knows HTML; :mod:`pipeline.review_page.html` turns a :class:`ReviewData` into the page.
"""

from __future__ import annotations

import bisect
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from pipeline import languages as langs
from pipeline.errors import PipelineError, UsageError
from pipeline.formats import compose_vtt
from pipeline.model import Cue, Track
from pipeline.project import Project
from pipeline.publish import judge_video
from pipeline.tracks import CueState, cue_states

log = logging.getLogger(__name__)

#: How each cue state reads on the page.
STATE_LABELS = {
    "human": "human",
    "machine": "machine draft",
    "edited": "edited",
    "approved": "approved",
    "stale": "stale",
}
#: States a reviewer still has to look at (a person's own text and approved text do not need it).
ATTENTION_STATES = {"machine", "edited", "stale"}
DRAFT_MARK = "MACHINE DRAFT \u2014 not for publication"


@dataclass(frozen=True)
class Finding:
    """One ``pipeline check`` finding, as plain data."""

    rule: str
    severity: str  # error | warning | info
    message: str
    words: tuple[str, ...] = ()  # the words of the cue it is about (``spelling``: the misspelt word)


#: ``(language, cue number) -> findings``; cue number ``None`` holds findings about the whole track.
Findings = Mapping[tuple[str, int | None], Sequence[Finding | tuple[str, str, str]]]


@dataclass
class ReviewRow:
    """One cue of one language, as a row of the cue table."""

    number: int  # 1-based, the cue's identifier in the page's WebVTT track too
    start: int  # ms
    end: int
    text: str  # as written, tags included
    state: str  # one of pipeline.tracks.CUE_STATES
    source: list[str] = field(default_factory=list)  # source cues spoken at the same time
    findings: list[Finding] = field(default_factory=list)
    confidence: float | None = None  # the engine's own confidence in the machine text (pipeline.confidence)
    unknown: tuple[str, ...] = ()  # words the engine marked in the machine text
    low_confidence: bool = False  # unreviewed machine text below the project's low_confidence

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def flagged_words(self) -> tuple[str, ...]:
        """Words of the cue that findings name (misspelt words, words the engine marked unknown), for the
        page to mark in the text."""
        return tuple(dict.fromkeys(w for f in self.findings for w in f.words))

    @property
    def needs_attention(self) -> bool:
        return self.state in ATTENTION_STATES or bool(self.findings)


@dataclass
class LanguageView:
    """One language's track on the page."""

    language: str
    label: str  # "Spanish (español)"
    is_source: bool  # the language spoken in the video: its text fills the source column
    rows: list[ReviewRow] = field(default_factory=list)
    vtt: str | None = None  # WebVTT for the player; None when the track could not be read
    notes: list[Finding] = field(default_factory=list)  # findings about the whole track
    error: str | None = None  # why the track could not be read
    origin: str = "human"  # human | machine | unknown (from pipeline.tracks)
    publishable: bool = False  # passes the publish gate (pipeline.publish): rendered without a draft mark

    @property
    def draft(self) -> bool:
        """A machine draft, as ``render --drafts`` marks it: machine text that is not yet publishable
        (some cue unreviewed, edited or stale). A machine track a person approved cue by cue is not."""
        return (self.origin != "human" or any(r.state == "machine" for r in self.rows)) and not self.publishable

    @property
    def unapproved_count(self) -> int:
        """Cues of a machine track still waiting for a person's approval."""
        return sum(r.state in ATTENTION_STATES for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        """Cues per state, in the order of STATE_LABELS, only states that occur."""
        found = Counter(r.state for r in self.rows)
        order = list(STATE_LABELS) + sorted(set(found) - set(STATE_LABELS))
        return {s: found[s] for s in order if found[s]}

    @property
    def findings_count(self) -> int:
        return sum(len(r.findings) for r in self.rows) + len(self.notes)

    @property
    def attention_count(self) -> int:
        return sum(r.needs_attention for r in self.rows)

    @property
    def low_confidence_count(self) -> int:
        return sum(r.low_confidence for r in self.rows)


@dataclass
class MediaFile:
    """A video file beside the page, as a ``<source>`` of the player."""

    name: str  # relative to the page
    mime: str


@dataclass
class ReviewData:
    """Everything one review page shows."""

    video_id: str
    title: str
    source_language: str | None  # language of the source column (the audio language's track)
    languages: list[LanguageView]
    selected: str | None  # language shown first
    media: list[MediaFile] = field(default_factory=list)

    def view(self, language: str) -> LanguageView:
        return next(v for v in self.languages if v.language == language)


def _as_finding(item: Finding | tuple[str, str, str]) -> Finding:
    return item if isinstance(item, Finding) else Finding(*item)


def collect_findings(project: Project, video_id: str, languages: Iterable[str]) -> dict[tuple[str, int | None], list[Finding]]:
    """The ``pipeline check`` findings for these tracks, keyed by ``(language, cue number)``.

    Only check results appear on the page; this module has no rules of its own.
    """
    from pipeline.checks import check_track  # imported here: checks probe media, the page data may not

    found: dict[tuple[str, int | None], list[Finding]] = {}
    for language in languages:
        for item in check_track(project, video_id, language):
            found.setdefault((language, item.cue), []).append(
                Finding(str(item.rule), str(item.severity), str(item.message), tuple(item.words)))
    return found


def source_cues_for(source: Sequence[Cue], start: int, end: int) -> list[Cue]:
    """The source cues spoken during ``[start, end)``: those overlapping it by at least half of the
    shorter of the two (so a cue that merely touches a neighbour's edge is not shown against it);
    failing that, any that overlap at all."""
    overlapping = [c for c in source if min(c.end, end) > max(c.start, start)]
    if not overlapping:
        return []
    strong = [c for c in overlapping
              if 2 * (min(c.end, end) - max(c.start, start)) >= min(c.duration, end - start)]
    return strong or overlapping


class SpokenAt:
    """:func:`source_cues_for` over one source track, found by bisection: a page of n cues against a
    source of m cues costs n log m instead of n x m (an 800-cue track: 2 ms instead of 0.9 s)."""

    def __init__(self, source: Sequence[Cue]):
        self.cues = sorted(source, key=lambda c: (c.start, c.end))
        self.starts = [c.start for c in self.cues]
        self.longest = max((c.duration for c in self.cues), default=0)

    def __call__(self, start: int, end: int) -> list[Cue]:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_left(self.starts, end)
        return source_cues_for(self.cues[lo:hi], start, end)


def _label(language: str) -> str:
    english = langs.display_name(language, "en")
    native = langs.display_name(language, language)
    return english if native.lower() == english.lower() else f"{english} ({native})"


def pick_source_language(audio_language: str, available: Sequence[str]) -> str | None:
    """The track in the video's spoken language: the exact tag, else the same base language."""
    if audio_language in available:
        return audio_language
    base = langs.base(audio_language)
    return next((lang for lang in available if langs.base(lang) == base), None)


def page_languages(project: Project, video_id: str, languages: Sequence[str] | None = None) -> tuple[str | None, list[str]]:
    """The source language (or None) and every language a page shows, source first.

    ``languages`` (default: every track of the video) must name existing tracks.
    """
    video = project.video(video_id)
    available = project.track_languages(video_id)
    missing = [lang for lang in languages or () if lang not in available]
    if missing:
        raise UsageError(
            f"{project.track_path(video_id, missing[0])}: no {missing[0]!r} track for video {video_id!r}",
            hint=f"tracks of {video_id}: {', '.join(available) or 'none'}",
        )
    source_language = pick_source_language(video.audio_language, available)
    wanted = list(dict.fromkeys(([source_language] if source_language else []) + list(languages or available)))
    return source_language, wanted


def gather(
    project: Project, video_id: str, languages: Sequence[str] | None = None, findings: Findings | None = None,
) -> ReviewData:
    """Read the tracks of a video into the data of its review page.

    ``languages`` defaults to every track of the video; the source-language track is always included
    (its text fills the source column). An unreadable track becomes a language with an ``error`` instead
    of failing the whole page. ``findings`` as returned by :func:`collect_findings` (or given by a caller).
    """
    video = project.video(video_id)
    source_language, wanted = page_languages(project, video_id, languages)
    findings = findings or {}

    source_cues: list[Cue] = []
    views: list[LanguageView] = []
    verdict = judge_video(project, video_id)  # the publish gate: the page marks drafts exactly as build renders them
    for language in wanted:
        view = LanguageView(language, _label(language), language == source_language,
                            notes=[_as_finding(f) for f in findings.get((language, None), ())])
        try:
            states: list[CueState] = cue_states(project, video_id, language)
        except PipelineError as exc:
            view.error = str(exc)
            views.append(view)
            continue
        state = verdict.track(language)
        if state is not None:
            view.origin, view.publishable = state.origin, state.publishable
        track = Track([Cue(s.start, s.end, s.text) for s in states], language)
        view.vtt = compose_vtt(track)
        if view.is_source:
            source_cues = list(track.cues)
        for s in states:
            view.rows.append(ReviewRow(s.number, s.start, s.end, s.text, s.state,
                                       findings=[_as_finding(f) for f in findings.get((language, s.number), ())],
                                       confidence=s.confidence, unknown=s.unknown, low_confidence=s.low))
        views.append(view)
    spoken = SpokenAt(source_cues)
    for view in views:
        if not view.is_source:
            for row in view.rows:
                row.source = [c.text for c in spoken(row.start, row.end)]

    named = [lang for lang in (languages or []) if lang != source_language]
    drafts = [v.language for v in views if v.draft and not v.error]
    others = [v.language for v in views if not v.is_source and not v.error]
    readable = [v.language for v in views if not v.error]
    selected = next(iter(named or drafts or others or readable), None)
    return ReviewData(video_id, video.title, source_language, views, selected)
