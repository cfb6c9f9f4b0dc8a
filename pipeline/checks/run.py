"""Running the rules: on the tracks of catalog videos, and on loose files.

The library returns reports; the CLI prints them. Nothing here prints or exits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Mapping

from pipeline import languages
from pipeline.checks import settings as check_settings
from pipeline.checks.base import RULES, Finding, PairContext, Problem, TrackContext
from pipeline.errors import PipelineError, UsageError
from pipeline.formats import read_track
from pipeline.model import Track

log = logging.getLogger(__name__)


@dataclass
class TrackReport:
    """The findings for one file (or why it could not be read)."""

    path: Path
    language: str | None = None
    video: str | None = None
    cues: int = 0
    findings: list[Finding] = field(default_factory=list)
    unreadable: str | None = None  # the one-line error when the file cannot be read

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    def to_dict(self) -> dict:
        return {"path": str(self.path), "video": self.video, "language": self.language, "cues": self.cues,
                "readable": self.unreadable is None, "unreadable": self.unreadable,
                "errors": self.errors, "warnings": self.warnings,
                "findings": [f.to_dict() for f in self.findings]}


@dataclass
class CheckReport:
    """Everything one ``check`` found. ``exit_code``: 0 clean, 1 error-level findings, 2 unreadable input."""

    tracks: list[TrackReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if any(t.unreadable for t in self.tracks):
            return 2
        return 1 if any(t.errors for t in self.tracks) else 0

    def extend(self, other: "CheckReport") -> None:
        self.tracks.extend(other.tracks)
        self.notes.extend(n for n in other.notes if n not in self.notes)

    def to_dict(self) -> dict:
        return {
            "files": [t.to_dict() for t in self.tracks],
            "notes": self.notes,
            "summary": {"files": len(self.tracks), "unreadable": sum(1 for t in self.tracks if t.unreadable),
                        "errors": sum(t.errors for t in self.tracks),
                        "warnings": sum(t.warnings for t in self.tracks)},
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True)
class VideoFacts:
    """What the rules need to know about the picture: frame duration and length."""

    frame_ms: float = 1000.0 / check_settings.DEFAULT_FPS
    frame_rate_known: bool = False
    duration_ms: int | None = None

    @classmethod
    def from_fps(cls, fps: Fraction | float) -> "VideoFacts":
        return cls(1000.0 / float(fps), True, None)


def probe_facts(video: Path, runner=None, strict: bool = False, cache=None) -> tuple[VideoFacts, str | None]:
    """Frame rate and duration of ``video`` by probing it; on failure defaults and a note saying so.

    ``strict`` (a video the user named): a file that cannot be probed, or has no picture, raises
    :class:`UsageError` instead, since its frame rate and length were asked for.
    """
    from pipeline.media.probe import probe  # ffprobe only when a video is involved

    try:
        # A catalog video's facts come from the build's cache when it knows the file (no ffprobe run).
        info = cache.probe(video, runner) if cache is not None else probe(video, runner)
    except PipelineError as exc:
        if strict:
            raise UsageError(f"cannot use {video} as the video: {exc}",
                             hint="give the video file the subtitles belong to, or --fps RATE") from None
        return VideoFacts(), (f"could not probe {video} ({exc}): min-gap assumes "
                              f"{check_settings.DEFAULT_FPS} fps and past-end is not checked")
    if strict and not info.has_video:
        raise UsageError(f"{video}: has no video stream, so no frame rate to check against",
                         hint="give the video file the subtitles belong to, or --fps RATE")
    duration = round(info.duration * 1000) if info.duration > 0 else None
    return VideoFacts(info.frame_ms, info.frame_rate is not None, duration), None


def _findings(ctx: TrackContext, rule_id: str, severity: str, problems: Iterable[Problem]) -> list[Finding]:
    cues = ctx.track.cues
    return [Finding(ctx.path, cues[p.cue].line if p.cue is not None else None, rule_id, severity, p.message,
                    cue=p.cue + 1 if p.cue is not None else None, language=ctx.language, video=ctx.video,
                    words=p.words)
            for p in problems]


def _runnable(ctx: TrackContext, needs: tuple[str, ...]) -> bool:
    facts = {"video": lambda: ctx.video_duration_ms is not None, "source": lambda: ctx.source is not None,
             "reference": lambda: ctx.reference is not None, "record": lambda: ctx.has_record}
    return all(facts[n]() for n in needs)


def run_rules(contexts: list[TrackContext], pairs: list[PairContext]) -> dict[int, list[Finding]]:
    """Findings per context (keyed by ``id(ctx)``), sorted by line, rule order kept within a line."""
    found: dict[int, list[Finding]] = {id(c): [] for c in contexts}
    for r in RULES.values():
        if r.scope == "track":
            for ctx in contexts:
                severity = check_settings.level(ctx.settings, r.id)
                if severity != "off" and _runnable(ctx, r.needs):
                    found[id(ctx)].extend(_findings(ctx, r.id, severity, r.func(ctx, ctx.settings)))
        else:
            for pair in pairs:
                severity = check_settings.level(pair.settings, r.id)
                if severity == "off" or not pair.first.track.cues and not pair.second.track.cues:
                    continue
                for ctx, problem in r.func(pair, pair.settings):
                    found[id(ctx)].extend(_findings(ctx, r.id, severity, [problem]))
    for items in found.values():
        items.sort(key=lambda f: f.line or 0)
    return found


def _finish(contexts: list[TrackContext], pairs: list[PairContext], reports: dict[int, TrackReport]) -> None:
    for ctx_id, items in run_rules(contexts, pairs).items():
        reports[ctx_id].findings = items


# -- catalog videos -------------------------------------------------------------------------------------------

def check_video(project, video_id: str, runner=None, only_languages: Iterable[str] | None = None,
                facts: VideoFacts | None = None, tracks_instead: Mapping[str, Track] | None = None) -> CheckReport:
    """Check every track of a catalog video, and parity between its human languages.

    ``only_languages`` limits what is reported (parity is still judged against the partner track).
    ``tracks_instead`` checks these tracks (by language) instead of the files on disk: the review
    workbench checks a cue's text as a person types it, before it is saved.
    """
    video = project.video(video_id)
    report = CheckReport()
    if facts is None:
        from pipeline.cache import project_cache  # read only: the build keeps it up to date

        facts, note = probe_facts(video.source, runner, cache=project_cache(project.dist))
        if note:
            report.notes.append(note)
    from pipeline.project import not_track_message

    report.notes += [f"{video_id}: {not_track_message(path, suggestion)}"
                     for path, suggestion in project.not_tracks(video_id)]
    langs = project.track_languages(video_id)
    contexts: dict[str, TrackContext] = {}
    reports: dict[int, TrackReport] = {}
    ordered: list[TrackReport] = []
    tracks: dict[str, Track] = {}
    for lang in langs:
        path = project.track_path(video_id, lang)
        try:
            tracks[lang] = tracks_instead[lang] if tracks_instead and lang in tracks_instead else read_track(path, lang)
        except PipelineError as exc:
            ordered.append(TrackReport(path, lang, video_id, unreadable=str(exc)))
    source_lang = project.source_language
    references = _references(project, video_id, list(tracks))
    for lang, track in tracks.items():
        ctx = TrackContext(
            path=project.track_path(video_id, lang), track=track, language=lang, video=video_id, project=project,
            settings=check_settings.project_settings(project, video_id, lang),
            frame_ms=facts.frame_ms, frame_rate_known=facts.frame_rate_known, video_duration_ms=facts.duration_ms,
            source=tracks.get(source_lang) if lang != source_lang else None,
            source_path=project.track_path(video_id, source_lang) if lang != source_lang else None,
            reference=tracks.get(references.get(lang)), reference_language=references.get(lang),
        )
        contexts[lang] = ctx
        reports[id(ctx)] = TrackReport(ctx.path, lang, video_id, cues=len(track))
        ordered.append(reports[id(ctx)])
    human = project.human_languages
    pairs = [PairContext(contexts[human[0]], contexts[other]) for other in human[1:]
             if human[0] in contexts and other in contexts]
    _finish(list(contexts.values()), pairs, reports)
    wanted = set(only_languages) if only_languages is not None else None
    order = {lang: i for i, lang in enumerate(langs)}
    report.tracks = sorted((t for t in ordered if wanted is None or t.language in wanted),
                           key=lambda t: order.get(t.language, len(order)))
    return report


def _references(project, video_id: str, readable: list[str]) -> dict[str, str]:
    """The track each track must cover (the ``coverage`` rule): the one in the video's audio language (the
    exact tag, else the same base language); without one, the track it was drafted from (else the
    project's source language)."""
    from pipeline.review_record import RecordError, read_record

    audio = project.video(video_id).audio_language
    spoken = audio if audio in readable else next(
        (lang for lang in readable if languages.base(lang) == languages.base(audio)), None)
    out = {}
    for lang in readable:
        ref = spoken
        if ref is None:
            try:
                record = read_record(project.track_path(video_id, lang))
            except RecordError:
                record = None
            ref = record.source if record is not None and record.source else project.source_language
        if ref != lang and ref in readable:
            out[lang] = ref
    return out


def check_track(project, video_id: str, language: str, runner=None, *, facts: VideoFacts | None = None,
                track: Track | None = None) -> list[Finding]:
    """The findings of one catalog track, as ``pipeline check VIDEO --lang LANG`` reports them.

    ``Finding.cue`` is the cue's 1-based position in the file (None for the whole track). A track that
    cannot be read gives one ``unreadable`` error finding carrying the reason.
    """
    report = check_video(project, video_id, runner, only_languages=[language], facts=facts,
                         tracks_instead={language: track} if track is not None else None)
    findings: list[Finding] = []
    for checked in report.tracks:
        if checked.unreadable:
            findings.append(Finding(checked.path, None, "unreadable", "error", checked.unreadable,
                                    language=language, video=video_id))
        findings.extend(checked.findings)
    return findings


def check_project(project, video_ids: Iterable[str] | None = None, runner=None,
                  only_languages: Iterable[str] | None = None) -> CheckReport:
    """Check the given videos (default: every video in the catalog), reporting ``only_languages`` if given."""
    report = CheckReport()
    for vid in video_ids or list(project.videos):
        report.extend(check_video(project, vid, runner, only_languages))
    return report


# -- loose files ----------------------------------------------------------------------------------------------

_LANG_PART = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_BARE_LANG = re.compile(r"^[a-z]{2}(?:-[A-Za-z0-9]{2,8})*$")


def language_from_name(path: Path) -> str | None:
    """``es`` for ``es.srt``, ``talk.es.srt`` or ``talk.pt-BR.vtt``; None when the name does not say."""
    stem = path.stem
    base, dot, last = stem.rpartition(".")
    candidate = last if dot else stem
    pattern = _LANG_PART if dot else _BARE_LANG
    if pattern.match(candidate) and languages.is_known(candidate):
        return languages.normalize(candidate)
    return None


def _base_name(path: Path) -> Path:
    """What files of one video share: ``talk`` for ``talk.es.srt``, the folder for ``es.srt``."""
    if not language_from_name(path):
        return path.parent / path.stem
    base, dot, _lang = path.stem.rpartition(".")
    return path.parent / base if dot else path.parent


def catalog_track_of(project, path: Path) -> tuple[str, str] | None:
    """``(video id, language)`` when ``path`` is a catalog video's track file."""
    if project is None:
        return None
    try:
        rel = path.resolve().relative_to(project.subtitles.resolve())
    except ValueError:
        return None
    if len(rel.parts) == 2 and rel.parts[0] in project.videos and rel.suffix == ".srt" \
            and languages.is_track_tag(rel.stem):  # es-old.srt is not a track: checked as a loose file
        return rel.parts[0], rel.stem
    return None


def check_files(paths: Iterable[Path], *, project=None, language: str | None = None, facts: VideoFacts | None = None,
                encoding: str | None = None, source: Path | None = None, runner=None) -> CheckReport:
    """Check files. A catalog track is checked as part of its video (settings, frame rate, parity); other
    files with defaults (and the project's settings when there is a project). Loose files with the same
    name in two languages (``talk.en.srt``, ``talk.es.srt``) are checked for parity.
    """
    report = CheckReport()
    by_video: dict[str, list[str]] = {}
    loose: list[Path] = []
    for path in paths:
        hit = None if language or encoding else catalog_track_of(project, Path(path))
        if hit:
            by_video.setdefault(hit[0], []).append(hit[1])
        else:
            loose.append(Path(path))
    for vid, langs in by_video.items():
        report.extend(check_video(project, vid, runner, only_languages=langs))
    if not loose:
        return report
    if facts is None:
        facts = VideoFacts()
        report.notes.append(f"no video given: min-gap assumes {check_settings.DEFAULT_FPS} fps and past-end is "
                            "not checked (give --video FILE or --fps RATE)")
    source_track = None
    if source is not None:
        source_track = read_track(source)  # an unreadable --source is a usage problem: let it raise
    contexts: list[TrackContext] = []
    reports: dict[int, TrackReport] = {}
    for path in loose:
        lang = language or language_from_name(path)
        try:
            track = read_track(path, lang, encoding)
        except PipelineError as exc:
            report.tracks.append(TrackReport(path, lang, unreadable=str(exc)))
            continue
        overrides = project.setting("check", None, lang) if project is not None else {}
        ctx = TrackContext(
            path=path, track=track, language=lang, project=project,
            settings=check_settings.resolve(lang, overrides, project.catalog_path if project else None),
            frame_ms=facts.frame_ms, frame_rate_known=facts.frame_rate_known, video_duration_ms=facts.duration_ms,
            source=source_track, source_path=source,
        )
        contexts.append(ctx)
        reports[id(ctx)] = TrackReport(path, lang, cues=len(track))
        report.tracks.append(reports[id(ctx)])
    _finish(contexts, _loose_pairs(contexts, project), reports)
    return report


def _loose_pairs(contexts: list[TrackContext], project) -> list[PairContext]:
    """Pair loose files that differ only by language; the source language (or English) is the reference."""
    groups: dict[Path, list[TrackContext]] = {}
    for ctx in contexts:
        if ctx.language:
            groups.setdefault(_base_name(ctx.path), []).append(ctx)
    reference_lang = project.source_language if project is not None else "en"
    pairs = []
    for group in groups.values():
        if len({c.language for c in group}) < 2:
            continue
        group.sort(key=lambda c: (c.language != reference_lang, c.language))
        first = group[0]
        for other in group[1:]:
            if other.language != first.language:
                pairs.append(PairContext(first, other))
                if other.source is None:
                    other.source, other.source_path = first.track, first.path
    return pairs
