"""Drafting and re-drafting machine translations — without ever overwriting a person's work.

:func:`redraft` is the pure heart: given the source track, the current target track and its review record,
it returns the new target track and record. The rules:

* a cue is **the machine's** while its text and timing are exactly what the machine wrote (its hash equals
  the record's ``draft_sha``) and nobody approved it; only such cues (and cues for new source cues) are
  ever (re)written;
* any other cue is **a person's** (edited, approved, retimed, added, or made by merging or splitting
  drafted cues): its text is kept as it is, always; if its source cue(s) changed or disappeared it becomes
  *stale* (status shows it) until someone approves it again. A merged or split cue answers to the source
  cues of the drafted cues it replaced (see :func:`pipeline.review_record.match_rows`), so no drafted cue
  comes back beside it;
* a drafted cue a person deleted stays deleted while its source cue is unchanged;
* a source that was only retimed is not translated again: every kept cue moves with its source cue (a
  person's cue keeps its own offsets from it), and approvals and edits carry over;
* re-drafting translates only the sentences that contain a new or changed source cue whose target is
  still the machine's (plus the sentences needed to rebuild the cues those touch), in one engine batch.

:func:`draft_video` and :func:`translate_file` add the files around it. A draft writes its record as
*pending* before the track, so a crash or a full disk never leaves machine text looking like a person's
(:func:`write_draft`); approving is :mod:`pipeline.approval`.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from pipeline import languages
from pipeline.confidence import (DEFAULT_LOW_CONFIDENCE, DEFAULT_MAX_UNKNOWN_SHARE, cue_confidences, is_low,
                                 read_thresholds, unknown_share)
from pipeline.engines import Engine, PivotEngine, check_language, select_engine
from pipeline.engines.base import Translation
from pipeline.errors import PipelineError, UsageError, WriteError
from pipeline.formats import compose_srt, read_track, write_track
from pipeline.fsutil import atomic_write_text, folder_lock, sha256_file, sha256_text
from pipeline.glossary import Glossary, load_glossary
from pipeline.linebreak import fits
from pipeline.model import Cue, Track
from pipeline.project import Project
from pipeline.protect import add_inverted_marks, mask, undo_false_capital, unmask
from pipeline.review_record import (
    DELETED, NONE, ReviewRecord, Row, SourceIndex, clean_partials, confidence_text, drop_pending, match_rows,
    one_line, read_record_hashed, resolve_pending, text_hash, write_pending, write_record,
)
from pipeline.segment import MAX_GAP_MS, Plan, assemble_track, plan

log = logging.getLogger(__name__)

EngineFactory = Callable[[], Engine]


@dataclass(frozen=True)
class DraftSettings:
    """Layout limits and trust thresholds for drafted text (catalog ``[draft]``: max_chars, max_lines,
    max_gap_ms, max_unknown_share, low_confidence; see :mod:`pipeline.confidence`)."""

    max_chars: int = 42
    max_lines: int = 2
    max_gap_ms: int = MAX_GAP_MS
    max_unknown_share: float = DEFAULT_MAX_UNKNOWN_SHARE
    low_confidence: float = DEFAULT_LOW_CONFIDENCE


@dataclass
class DraftReport:
    """What one draft run did to one track."""

    language: str
    source_language: str
    path: Path | None = None
    engine: str | None = None  # None when nothing needed translating
    model: str | None = None
    engine_reason: str = ""  # why this engine (auto picks by a documented order)
    glossary: list[str] = field(default_factory=list)  # glossary files used for the pair
    cues: int = 0
    drafted: int = 0  # cues the machine (re)wrote in this run
    kept_machine: int = 0  # machine cues left as they were (source unchanged)
    kept_person: int = 0  # cues a person edited, approved or added: never touched
    removed: int = 0  # machine cues whose source cue is gone
    stale: list[int] = field(default_factory=list)  # cue numbers of a person's cues whose source changed
    segments_sent: int = 0  # sentences sent to the engine
    overlong: list[int] = field(default_factory=list)  # cue numbers whose text cannot fit the limits
    lost_placeholders: int = 0  # protected spans an engine dropped (put back at the end of the sentence)
    moved: int = 0  # kept cues moved to their source's new timing (the source was retimed)
    words: int = 0  # words in the machine's cues of the new track
    unknown_words: int = 0  # of those, words the engine itself marked (unknown, untranslated, copied)
    low_confidence: list[int] = field(default_factory=list)  # cue numbers of machine cues below low_confidence
    written: bool = False

    @property
    def unknown_share(self) -> float:
        return self.unknown_words / self.words if self.words else 0.0

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["path"] = str(self.path) if self.path else None
        data["unknown_share"] = round(self.unknown_share, 4)
        return data


class DraftTooUncertain(PipelineError):
    """The engine itself marked too many of a draft's words: reviewing it would cost more than it saves."""

    def __init__(self, report: DraftReport, threshold: float, engine_name: str):
        share = report.unknown_share
        super().__init__(
            f"{engine_name} left {share:.0%} of words unknown or untranslated ({report.unknown_words} of "
            f"{report.words}; the limit is {threshold:.0%}): this draft would cost a reviewer more than it saves; "
            f"install a stronger engine for {report.language} (pipeline models install DIR, see docs/drafting.md) "
            "or pass --force to write it anyway")
        self.report = report
        self.threshold = threshold


class TrackChangedError(PipelineError):
    """The track changed on disk while the pipeline was drafting it."""

    def __init__(self, path: Path):
        super().__init__(f"{path}: changed on disk while drafting; nothing was written",
                         hint="save your editor's work, then run the command again")
        self.path = path


class HumanTrackError(UsageError):
    def __init__(self, path: Path):
        super().__init__(f"{path}: a person's track (it has no review record); drafting would overwrite it",
                         hint="draft into another language, or move the file away first")
        self.path = path


GlossaryLoader = Callable[[str, str], Glossary]


def no_glossary(source: str, target: str) -> Glossary:
    return Glossary(source, target)


def translate_segments(plan_: Plan, indexes: list[int], engine: Engine, glossary_for: GlossaryLoader,
                       source: str, target: str) -> tuple[dict[int, Translation], int]:
    """Translate the chosen segments in ONE engine batch; returns translations by segment (text with every
    protected span restored, and the engine's own signals) and how many protected spans the engine lost.

    Through a pivot, the source→target glossary's terms stay protected across both legs, and the
    source→pivot glossary's required terms are put in after the first leg, so the second engine translates
    the agreed pivot-language wording (``child sexual abuse material`` → ``material de abuso sexual
    infantil`` → Portuguese) instead of a word-by-word guess.
    """
    rules = glossary_for(source, target).rules()
    if isinstance(engine, PivotEngine):
        covered = {r.source.lower() for r in rules}
        rules += [r for r in glossary_for(source, engine.pivot).rules(pivot=True)
                  if r.source.lower() not in covered and r.source != r.target]
    masked = [mask(plan_.segments[i].text, rules) for i in indexes]

    def between(middle: list[str]) -> list[str]:  # pivot-language terms in, after the first leg
        return [unmask(undo_false_capital(m.text, text), m, pivot_only=True)[0] for m, text in zip(masked, middle)]

    sources = [m.text for m in masked]
    raw = (engine.translate_scored(sources, between) if isinstance(engine, PivotEngine)
           else engine.translate_scored(sources))
    out, lost = {}, 0
    spanish = languages.base(target) == "es"
    for i, m, translation in zip(indexes, masked, raw):
        restored, missing = unmask(undo_false_capital(m.text, translation.text), m)
        lost += len(missing)
        text = add_inverted_marks(restored) if spanish else restored
        out[i] = Translation(text, translation.unknown, translation.probability)
    return out, lost


@dataclass
class _Entry:
    """A cue of the current target track (or a deleted one) with what the record knows of it."""

    row: Row | None
    cue: Cue | None  # None for a deleted cue
    touched: bool  # a person's: edited, approved, added, retimed, merged, split or deleted


def _entries(current: Track | None, record: ReviewRecord | None) -> list[_Entry]:
    if current is None:
        return []
    entries = []
    matched, orphans = match_rows(record, current)
    for cue, row in zip(current.cues, matched):
        touched = (row is None or row.approved_sha != NONE or row.draft_sha == NONE
                   or text_hash(cue.text) != row.draft_sha or (cue.start, cue.end) != (row.start, row.end))
        entries.append(_Entry(row, cue, touched))
    # rows without a cue: drafted cues a person deleted (now or before)
    return entries + [_Entry(row, None, True) for row in orphans]


def _moved(cue: Cue, old: tuple[int, int], new: tuple[int, int]) -> Cue:
    """A person's cue carried along with its source cue(s), retimed from ``old`` to ``new``: each edge moves
    as the source's did, so a person's own timing adjustment is kept."""
    start, end = cue.start + new[0] - old[0], cue.end + new[1] - old[1]
    if start < 0 or end <= start:  # a stretch that would fold the cue: move it whole instead
        start = max(0, cue.start + new[0] - old[0])
        end = start + cue.duration
    return replace(cue, start=start, end=end)


def redraft(source: Track, current: Track | None, record: ReviewRecord | None, target: str,
            engine_factory: EngineFactory, glossary_for: GlossaryLoader = no_glossary,
            settings: DraftSettings = DraftSettings()) -> tuple[Track, ReviewRecord, DraftReport]:
    """Draft ``target`` from ``source``, keeping every person's cue; see the module doc for the rules."""
    src_lang = source.language or "und"
    report = DraftReport(target, src_lang)
    if not source.cues:
        raise UsageError(f"the {src_lang} source track has no cues: nothing to draft")
    if record is not None and record.origin != "machine":
        raise UsageError(f"the {target} track was declared a person's: it is never overwritten")
    if current is not None and current.cues and record is None:
        raise UsageError(f"the {target} track has no review record: it is a person's track and is never overwritten")
    entries = _entries(current, record)
    index = SourceIndex(source, [e.row for e in entries if e.row is not None])
    runs = {id(e): index.run_of(e.row) if e.row is not None else None for e in entries}
    tied: list[list[_Entry]] = [[] for _ in source.cues]  # the cues (and deletions) answering to each source cue
    for entry in entries:
        run = runs[id(entry)]
        if run is not None:
            for i in range(run[0], run[1] + 1):
                tied[i].append(entry)
    plan_ = plan(source, settings.max_gap_ms)
    cue_segments = plan_.cue_segments()

    def changed(i: int) -> bool:  # new, or its text is not what the cues answering to it were made from
        return not tied[i] or any(index.changed(e.row) for e in tied[i])

    def replaceable(i: int) -> bool:  # may get machine text: nobody's, or only the machine's
        if not tied[i]:
            return True
        if any(e.cue is not None and e.touched for e in tied[i]):
            return False  # a person's cue answers to it (edited, approved, merged, split ...)
        if any(e.cue is None for e in tied[i]):
            return changed(i)  # a person deleted it: back only if its source changed
        return True

    dirty = {i for i in range(len(source.cues)) if replaceable(i) and changed(i)}
    rebuild = set(dirty)
    segments: set[int] = set()
    while True:  # a rebuilt cue needs every sentence it is part of
        needed = {s for i in rebuild for s in cue_segments[i]}
        if needed <= segments:
            break
        segments |= needed
        rebuild |= {c for s in needed for c in plan_.segments[s].cues if replaceable(c)}

    engine = None
    texts: dict[int, str] = {}
    trust = {}
    if rebuild:
        engine = engine_factory()
        report.engine, report.model, report.engine_reason = engine.label, engine.model, engine.reason
        before = engine.segments_sent
        translations, report.lost_placeholders = translate_segments(plan_, sorted(segments), engine, glossary_for,
                                                                    src_lang, target)
        report.segments_sent = engine.segments_sent - before
        assembled = assemble_track(plan_, {n: t.text for n, t in translations.items()}, rebuild, language=target,
                                   max_chars=settings.max_chars, max_lines=settings.max_lines)
        texts = assembled.texts
        trust = cue_confidences(assembled.pieces, translations)

    # (cue, row, kind, stale) with kind: new | machine | person | deleted
    out: list[tuple[Cue | None, Row | None, str, bool]] = []
    for i in sorted(rebuild):
        cue, text = source.cues[i], texts[i]
        signals = trust.get(i)
        out.append((Cue(cue.start, cue.end, text),
                    Row(0, cue.start, cue.end, index.hashes[i], engine.label, engine.model, text_hash(text),
                        source_text=one_line(cue.text),
                        confidence=confidence_text(signals.confidence if signals is not None else None),
                        unknown=" ".join(signals.unknown) if signals is not None and signals.unknown else NONE),
                    "new", False))
    for entry in entries:
        run, row = runs[id(entry)], entry.row
        span = index.span(run) if run is not None else None
        if entry.cue is None:  # deleted by a person: stays deleted while its source is there, unchanged
            if run is not None and not any(i in rebuild for i in range(run[0], run[1] + 1)):
                out.append((None, row.updated(start=span[0], end=span[1]), "deleted", False))
            continue
        if not entry.touched:  # the machine's cue: replaced, kept (at its source's timing), or gone with its source
            if run is None:
                report.removed += 1
            elif run[0] not in rebuild:
                report.moved += span != (entry.cue.start, entry.cue.end)
                # (its source hash stays: a changed source a person's cue keeps from re-drafting shows as stale)
                out.append((Cue(span[0], span[1], entry.cue.text), row.updated(start=span[0], end=span[1]),
                            "machine", index.changed(row)))
            continue
        # A person's cue: its text is kept, always. It moves with its source cue(s) when they were retimed;
        # the row keeps the source hash it was made from, so a changed source shows as stale until approved.
        cue = entry.cue
        if span is not None and span != (row.start, row.end):
            cue = _moved(cue, (row.start, row.end), span)
            report.moved += 1
            row = row.updated(start=span[0], end=span[1])
        out.append((cue, row, "person", row is not None and index.changed(row)))

    live = sorted((item for item in out if item[0] is not None), key=lambda item: (item[0].start, item[0].end))
    cues, rows = [], []
    for number, (cue, row, kind, stale) in enumerate(live, start=1):
        cues.append(cue)
        if row is not None:
            rows.append(row.updated(cue=number))
        report.drafted += kind == "new"
        report.kept_machine += kind == "machine"
        report.kept_person += kind == "person"
        if kind == "new" and not fits(cue.text, settings.max_chars, settings.max_lines):
            report.overlong.append(number)
        if kind in ("new", "machine") and row is not None:
            marked, words = unknown_share([(cue.text, row.unknown_words)])
            report.words += words
            report.unknown_words += marked
            if is_low(row.confidence_figure, settings.low_confidence):
                report.low_confidence.append(number)
        if stale:
            report.stale.append(number)
    rows += [row.updated(cue=DELETED) for cue, row, kind, _ in out if kind == "deleted"]
    report.cues = len(cues)
    return Track(cues, target), ReviewRecord(src_lang, rows, meta=dict(record.meta) if record else {}), report


# --- files ------------------------------------------------------------------------------------------------

def layout_defaults(project: Project | None, video_id: str | None, language: str) -> dict[str, int]:
    """Characters per line and lines per cue a draft is laid out to when ``[draft]`` does not say: the
    track's check settings, so a draft meets its language's numbers (Russian 39 characters per line) and the
    project's ``[check.<lang>]`` tuning."""
    from pipeline.checks.settings import project_settings, resolve

    checks = project_settings(project, video_id, language) if project is not None else resolve(language)
    return {"max_chars": int(checks["max_chars_per_line"]), "max_lines": int(checks["max_lines_per_cue"])}


def draft_settings(project: Project | None, video_id: str | None, language: str) -> tuple[DraftSettings, dict]:
    """Layout limits and other ``[draft]`` settings (engine, from) for one track."""
    from pipeline.catalog_settings import DRAFT_INT_KEYS, draft_problems

    raw = project.setting("draft", video_id, language) if project else {}
    for _key, problem, hint in draft_problems(raw):  # a loaded catalog was checked already, with its lines
        raise UsageError(f"{project.catalog_path}: [draft] {problem}", hint=hint)
    values = layout_defaults(project, video_id, language)
    values.update({key: raw[key] for key in DRAFT_INT_KEYS if key in raw})
    values.update(read_thresholds(raw))
    return DraftSettings(**values), raw


def check_trust(report: DraftReport, settings: DraftSettings, engine_name: str, force: bool) -> None:
    """Refuse a draft whose machine cues have a larger share of engine-marked words than the project
    allows (:class:`DraftTooUncertain`), unless ``force``. Only a run that drafted something is judged."""
    if force or not report.drafted or not report.words:
        return
    if report.unknown_share > settings.max_unknown_share:
        raise DraftTooUncertain(report, settings.max_unknown_share, engine_name)


def _default_source(project: Project, video_id: str, target: str, configured: str | None) -> str:
    if configured:
        return configured
    video = project.video(video_id)
    for candidate in (video.audio_language, project.source_language, *project.human_languages):
        if candidate != target and project.track_path(video_id, candidate).is_file():
            return candidate
    return project.source_language


def _write_guarded(path: Path, text: str, read_hash: str | None) -> None:
    """Write a track's text unless the file changed on disk since it was read (a translator's editor saving)."""
    now = sha256_file(path) if path.exists() else None
    if now != read_hash:
        raise TrackChangedError(path)
    atomic_write_text(path, text)


def write_draft(path: Path, text: str, record: ReviewRecord, read_hash: str | None, record_hash: str | None) -> None:
    """Write a drafted track and its record so that no crash can publish machine text or lose a person's.

    1. the pending record (``<lang>.review-pending.tsv``): from now on the track is not publishable;
    2. the track, unless a person saved it since it was read (:class:`TrackChangedError`);
    3. the record, unless it changed since it was read; 4. the pending record is removed.
    Killed anywhere, the track on disk is the old one or the new one, both whole, and the pending record
    says which record belongs to it (:func:`pipeline.review_record.resolve_pending`). A failure in step
    2 takes the pending record back: nothing changed.
    """
    write_pending(path, record, sha256_text(text), read_hash)
    try:
        _write_guarded(path, text, read_hash)
    except BaseException:
        with contextlib.suppress(OSError):
            drop_pending(path)
        raise
    try:
        write_record(path, record, expect=record_hash)
    except WriteError as exc:
        raise WriteError(exc.path, exc.reason, hint=f"{path.name} was written; free some space, then run the same "
                                                    "draft again to finish it (until then it is not publishable)") \
            from exc
    drop_pending(path)


def draft_video(project: Project, video_id: str, target: str, source: str | None = None, engine: str | None = None,
                *, dry_run: bool = False, force: bool = False) -> DraftReport:
    """Draft (or re-draft) ``subtitles/<video>/<target>.srt`` from the source track, with its review record.

    A draft the engine could mostly not translate is refused (:func:`check_trust`) unless ``force``.
    Holds the video's subtitles folder lock (:func:`pipeline.fsutil.folder_lock`) while reading and
    writing; finishes or undoes an interrupted draft first (see :func:`write_draft`).
    """
    project.video(video_id)
    target = check_language(target)
    if not languages.is_track_tag(target):
        raise UsageError(f"{target!r} cannot name a track file", hint="use a plain language tag such as es or pt-BR")
    settings, raw = draft_settings(project, video_id, target)
    source = check_language(source or _default_source(project, video_id, target, raw.get("from")))
    engine_name = engine or raw.get("engine") or "auto"
    if languages.base(source) == languages.base(target):
        raise UsageError(f"cannot draft {target} from {source}: same language")
    path = project.track_path(video_id, target)
    with folder_lock(path.parent):
        clean_partials(path)  # what a killed draft was writing
        source_track = read_track(project.track_path(video_id, source), source)
        if not source_track.cues:
            raise UsageError(f"{project.track_path(video_id, source)}: the source track has no cues: nothing to "
                             "draft", hint="add cues to the source track first")
        record, outcome = resolve_pending(path, lambda p: read_track(p, target))
        _, record_hash = read_record_hashed(path)
        current, read_hash = None, None
        if path.exists():
            read_hash = sha256_file(path)
            if record is None or record.origin != "machine":
                raise HumanTrackError(path)
            current = read_track(path, target)
        chosen: list[Engine] = []
        used: list[str] = []

        def engine_factory() -> Engine:
            chosen.append(select_engine(source, target, engine_name))
            return chosen[-1]

        def glossary_for(s: str, t: str) -> Glossary:
            glossary = load_glossary(project.root, s, t)
            used.extend(str(f) for f in glossary.files if str(f) not in used)
            return glossary

        new_track, new_record, report = redraft(source_track, current, record, target, engine_factory,
                                                glossary_for, settings)
        report.path, report.glossary = path, used
        if not dry_run and chosen:
            check_trust(report, settings, chosen[-1].brief, force)
        text = compose_srt(new_track)
        changed = current is None or text != compose_srt(current)
        if dry_run or not (changed or record is None or record != new_record or outcome != "none"):
            return report
        if changed:
            write_draft(path, text, new_record, read_hash, record_hash)
        else:
            write_record(path, new_record, expect=record_hash)
            drop_pending(path)
        report.written = True
        log.info("wrote %s (%d cues drafted, %d sentences translated)", path, report.drafted, report.segments_sent)
    return report


def translate_file(in_path: Path, out_path: Path, target: str, source: str | None = None, engine: str = "auto",
                   *, glossary_root: Path | None = None, glossary_files: tuple[Path, ...] = (), replace: bool = False,
                   force: bool = False, settings: DraftSettings = DraftSettings()) -> DraftReport:
    """Draft a loose subtitle file (SRT or WebVTT in, SRT or WebVTT out by extension); no review record.

    ``glossary_root``: the project whose ``assets/glossary/`` applies (the CLI passes the project the file
    or the current folder is in); ``glossary_files`` add to it. ``replace`` an existing output; ``force``
    write a draft the engine could mostly not translate (see :func:`check_trust`).
    """
    in_path, out_path = Path(in_path), Path(out_path)
    target = check_language(target)
    if source is None:
        from pipeline.checks.run import language_from_name  # one reading of names for check and translate

        source = language_from_name(in_path)  # en.srt, talk.en.srt, talk.pt-BR.vtt
        if source is None:
            raise UsageError(f"{in_path}: say which language it is in with --from",
                             hint="or name it like talk.en.srt")
    source = check_language(source)
    if out_path.exists() and not replace:
        raise UsageError(f"{out_path} already exists", hint="choose another -o or pass --force to replace it")
    if out_path.resolve() == in_path.resolve():
        raise UsageError("the output would replace the input", hint="choose another -o")
    track = read_track(in_path, source)
    if not track.cues:
        raise UsageError(f"{in_path}: no cues: nothing to translate")
    used: list[str] = []
    chosen: list[Engine] = []

    def glossary_for(s: str, t: str) -> Glossary:  # extra files apply to the end-to-end pair only
        extra = glossary_files if (s, t) == (source, target) else ()
        glossary = load_glossary(glossary_root, s, t, extra)
        used.extend(str(f) for f in glossary.files if str(f) not in used)
        return glossary

    def engine_factory() -> Engine:
        chosen.append(select_engine(source, target, engine))
        return chosen[-1]

    new_track, _, report = redraft(track, None, None, target, engine_factory, glossary_for, settings)
    report.glossary = used
    check_trust(report, settings, chosen[-1].brief, force)
    write_track(new_track, out_path)
    report.path, report.written = out_path, True
    return report
