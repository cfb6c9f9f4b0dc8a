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
from pipeline.engines import Engine, PivotEngine, check_language, select_engine
from pipeline.errors import PipelineError, UsageError, WriteError
from pipeline.formats import compose_srt, read_track, write_track
from pipeline.fsutil import atomic_write_text, folder_lock, sha256_file, sha256_text
from pipeline.glossary import Glossary, load_glossary
from pipeline.linebreak import fits
from pipeline.model import Cue, Track
from pipeline.project import Project
from pipeline.protect import add_inverted_marks, mask, undo_false_capital, unmask
from pipeline.review_record import (
    DELETED, NONE, ReviewRecord, Row, SourceIndex, clean_partials, drop_pending, match_rows, read_record_hashed, resolve_pending,
    text_hash, write_pending, write_record,
)
from pipeline.segment import MAX_GAP_MS, Plan, assemble, plan

log = logging.getLogger(__name__)

EngineFactory = Callable[[], Engine]


@dataclass(frozen=True)
class DraftSettings:
    """Layout limits for drafted text (catalog ``[draft]``: max_chars, max_lines, max_gap_ms)."""

    max_chars: int = 42
    max_lines: int = 2
    max_gap_ms: int = MAX_GAP_MS


@dataclass
class DraftReport:
    """What one draft run did to one track."""

    language: str
    source_language: str
    path: Path | None = None
    engine: str | None = None  # None when nothing needed translating
    model: str | None = None
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
    written: bool = False

    def to_dict(self) -> dict:
        data = dict(self.__dict__)
        data["path"] = str(self.path) if self.path else None
        return data


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
                       source: str, target: str) -> tuple[dict[int, str], int]:
    """Translate the chosen segments in ONE engine batch; returns texts by segment and lost placeholders.

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
    raw = engine.translate(sources, between) if isinstance(engine, PivotEngine) else engine.translate(sources)
    out, lost = {}, 0
    spanish = languages.base(target) == "es"
    for i, m, text in zip(indexes, masked, raw):
        restored, missing = unmask(undo_false_capital(m.text, text), m)
        lost += len(missing)
        out[i] = add_inverted_marks(restored) if spanish else restored
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
    if rebuild:
        engine = engine_factory()
        report.engine, report.model = engine.label, engine.model
        before = engine.segments_sent
        translations, report.lost_placeholders = translate_segments(plan_, sorted(segments), engine, glossary_for,
                                                                    src_lang, target)
        report.segments_sent = engine.segments_sent - before
        texts = assemble(plan_, translations, rebuild, language=target, max_chars=settings.max_chars,
                         max_lines=settings.max_lines)

    # (cue, row, kind, stale) with kind: new | machine | person | deleted
    out: list[tuple[Cue | None, Row | None, str, bool]] = []
    for i in sorted(rebuild):
        cue, text = source.cues[i], texts[i]
        out.append((Cue(cue.start, cue.end, text), Row(0, cue.start, cue.end, index.hashes[i], engine.label,
                                                       engine.model, text_hash(text)), "new", False))
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
    return DraftSettings(**values), raw


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
                *, dry_run: bool = False) -> DraftReport:
    """Draft (or re-draft) ``subtitles/<video>/<target>.srt`` from the source track, with its review record.

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
        new_track, new_record, report = redraft(
            source_track, current, record, target, lambda: select_engine(source, target, engine_name),
            lambda s, t: load_glossary(project.root, s, t), settings)
        report.path = path
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
                   *, glossary_root: Path | None = None, glossary_files: tuple[Path, ...] = (), force: bool = False,
                   settings: DraftSettings = DraftSettings()) -> DraftReport:
    """Draft a loose subtitle file (SRT or WebVTT in, SRT or WebVTT out by extension); no review record."""
    in_path, out_path = Path(in_path), Path(out_path)
    target = check_language(target)
    if source is None:
        from pipeline.checks.run import language_from_name  # one reading of names for check and translate

        source = language_from_name(in_path)  # en.srt, talk.en.srt, talk.pt-BR.vtt
        if source is None:
            raise UsageError(f"{in_path}: say which language it is in with --from",
                             hint="or name it like talk.en.srt")
    source = check_language(source)
    if out_path.exists() and not force:
        raise UsageError(f"{out_path} already exists", hint="choose another -o or pass --force to replace it")
    if out_path.resolve() == in_path.resolve():
        raise UsageError("the output would replace the input", hint="choose another -o")
    track = read_track(in_path, source)
    if not track.cues:
        raise UsageError(f"{in_path}: no cues: nothing to translate")
    def glossary_for(s: str, t: str) -> Glossary:  # extra files apply to the end-to-end pair only
        extra = glossary_files if (s, t) == (source, target) else ()
        return load_glossary(glossary_root, s, t, extra)

    new_track, _, report = redraft(track, None, None, target, lambda: select_engine(source, target, engine),
                                   glossary_for, settings)
    write_track(new_track, out_path)
    report.path, report.written = out_path, True
    return report
