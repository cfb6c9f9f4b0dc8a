"""Drafting, re-drafting and approving machine translations — without ever overwriting a person's work.

:func:`redraft` is the pure heart: given the source track, the current target track and its review record,
it returns the new target track and record. The rules:

* a cue is **the machine's** while its text is exactly what the machine wrote (its hash equals the
  record's ``draft_sha``) and nobody approved it; only such cues (and cues for new source cues) are
  ever (re)written;
* any other cue is **a person's** (edited, approved, or added by hand): its text and timing are kept as
  they are, always; if its source cue changed or disappeared it becomes *stale* (status shows it) until
  someone approves it again;
* a drafted cue a person deleted stays deleted while its source cue is unchanged;
* re-drafting translates only the sentences that contain a new or changed source cue whose target is
  still the machine's (plus the sentences needed to rebuild the cues those touch), in one engine batch.

:func:`draft_video`, :func:`approve` and :func:`translate_file` add the files around it; the SRT and the
record are written atomically, and a track that changed on disk while drafting is not overwritten.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline import languages
from pipeline.engines import Engine, PivotEngine, check_language, select_engine
from pipeline.errors import PipelineError, UsageError
from pipeline.formats import compose_srt, read_track, write_track
from pipeline.fsutil import sha256_file
from pipeline.glossary import Glossary, load_glossary
from pipeline.linebreak import fits
from pipeline.model import Cue, Track
from pipeline.project import Project
from pipeline.protect import add_inverted_marks, mask, undo_false_capital, unmask
from pipeline.review_record import (DELETED, NONE, ReviewRecord, Row, SourceIndex, match_rows, read_record, text_hash,
                                    write_record)
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
    touched: bool  # a person's: edited, approved, added, or deleted


def _entries(current: Track | None, record: ReviewRecord | None) -> list[_Entry]:
    if current is None:
        return []
    entries = []
    matched = match_rows(record, current)
    for cue, row in zip(current.cues, matched):
        touched = row is None or row.approved_sha != NONE or row.draft_sha == NONE or text_hash(cue.text) != row.draft_sha
        entries.append(_Entry(row, cue, touched))
    if record is not None:  # rows without a cue: drafted cues a person deleted (now or before)
        kept = {id(row) for row in matched if row is not None}
        entries += [_Entry(row, None, True) for row in record.rows if row.deleted or id(row) not in kept]
    return entries


def _match_sources(source: Track, entries: list[_Entry]) -> tuple[list[tuple[_Entry | None, bool]], SourceIndex]:
    """For each source cue: the entry drafted from it (see :class:`SourceIndex`) and whether its text
    changed since."""
    index = SourceIndex(source, [e.row for e in entries if e.row is not None])
    by_source = {index.source_of(e.row): e for e in entries if e.row is not None and index.source_of(e.row) is not None}
    out = []
    for i in range(len(source.cues)):
        entry = by_source.get(i)
        out.append((entry, entry.row.source_sha != index.hashes[i]) if entry else (None, True))
    return out, index


def redraft(source: Track, current: Track | None, record: ReviewRecord | None, target: str,
            engine_factory: EngineFactory, glossary_for: GlossaryLoader = no_glossary,
            settings: DraftSettings = DraftSettings()) -> tuple[Track, ReviewRecord, DraftReport]:
    """Draft ``target`` from ``source``, keeping every person's cue; see the module doc for the rules."""
    src_lang = source.language or "und"
    report = DraftReport(target, src_lang)
    if not source.cues:
        raise UsageError(f"the {src_lang} source track has no cues: nothing to draft")
    if current is not None and current.cues and record is None:
        raise UsageError(f"the {target} track has no review record: it is a person's track and is never overwritten")
    entries = _entries(current, record)
    matches, index = _match_sources(source, entries)
    plan_ = plan(source, settings.max_gap_ms)
    cue_segments = plan_.cue_segments()

    def replaceable(i: int) -> bool:
        entry, changed = matches[i]
        if entry is None:
            return True
        if entry.cue is None:  # a person deleted it: back only if its source changed
            return changed
        return not entry.touched

    dirty = {i for i, (entry, changed) in enumerate(matches) if replaceable(i) and (entry is None or changed)}
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
    used_entries: set[int] = set()
    for i, cue in enumerate(source.cues):
        entry, changed = matches[i]
        sha = text_hash(cue.text)
        if entry is not None:
            used_entries.add(id(entry))
        if i in rebuild:
            text = texts[i]
            out.append((Cue(cue.start, cue.end, text), Row(0, cue.start, cue.end, sha, engine.label, engine.model,
                                                            text_hash(text)), "new", False))
        elif entry is not None and entry.cue is None:  # deleted by a person, source unchanged
            out.append((None, entry.row.updated(start=cue.start, end=cue.end), "deleted", False))
        elif entry is not None and entry.touched:
            # A person's cue: text and timing kept; the row keeps the source hash it was made from, so a
            # changed source shows as stale until approved again.
            out.append((entry.cue, entry.row.updated(start=cue.start, end=cue.end), "person", changed))
        else:
            assert entry is not None and entry.cue is not None
            out.append((Cue(cue.start, cue.end, entry.cue.text),
                        entry.row.updated(start=cue.start, end=cue.end, source_sha=sha), "machine", False))
    for entry in entries:  # cues whose source cue is gone, and cues a person added
        if id(entry) in used_entries or entry.cue is None:
            continue
        if entry.touched:
            out.append((entry.cue, entry.row, "person", entry.row is not None and index.changed(entry.row)))
        else:
            report.removed += 1

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
    return Track(cues, target), ReviewRecord(src_lang, rows), report


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


def _write_guarded(path: Path, track: Track, read_hash: str | None) -> None:
    """Write a track unless it changed on disk since it was read (a translator's editor saving)."""
    now = sha256_file(path) if path.exists() else None
    if now != read_hash:
        raise TrackChangedError(path)
    write_track(track, path)


def draft_video(project: Project, video_id: str, target: str, source: str | None = None, engine: str | None = None,
                *, dry_run: bool = False) -> DraftReport:
    """Draft (or re-draft) ``subtitles/<video>/<target>.srt`` from the source track, with its review record."""
    project.video(video_id)
    target = check_language(target)
    settings, raw = draft_settings(project, video_id, target)
    source = check_language(source or _default_source(project, video_id, target, raw.get("from")))
    engine_name = engine or raw.get("engine") or "auto"
    if languages.base(source) == languages.base(target):
        raise UsageError(f"cannot draft {target} from {source}: same language")
    source_track = read_track(project.track_path(video_id, source), source)
    if not source_track.cues:
        raise UsageError(f"{project.track_path(video_id, source)}: the source track has no cues: nothing to draft",
                         hint="add cues to the source track first")
    path = project.track_path(video_id, target)
    record = read_record(path)
    current, read_hash = None, None
    if path.exists():
        read_hash = sha256_file(path)
        if record is None:
            raise HumanTrackError(path)
        current = read_track(path, target)
    new_track, new_record, report = redraft(
        source_track, current, record, target, lambda: select_engine(source, target, engine_name),
        lambda s, t: load_glossary(project.root, s, t), settings)
    report.path = path
    changed = current is None or compose_srt(new_track) != compose_srt(current)
    if not dry_run and (changed or record is None or record != new_record):
        if changed:
            _write_guarded(path, new_track, read_hash)
        write_record(path, new_record)
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


# --- approving --------------------------------------------------------------------------------------------

def parse_ranges(spec: str, count: int) -> list[int]:
    """``"1-5,8"`` → [1, 2, 3, 4, 5, 8] (cue numbers, 1-based), checked against the track's size."""
    numbers: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:\s*-\s*(\d+))?", part)
        if not m:
            raise UsageError(f"bad cue range {part!r}", hint="write cue numbers and ranges like 1-5,8")
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        if first < 1 or last < first:
            raise UsageError(f"bad cue range {part!r}", hint="ranges go from a smaller to a larger number, from 1")
        if last > count:
            raise UsageError(f"cue {last} does not exist: the track has {count} cues")
        numbers.update(range(first, last + 1))
    return sorted(numbers)


@dataclass
class ApproveReport:
    language: str
    path: Path
    approved: list[int]  # cue numbers approved in this run
    already: int  # of the chosen cues, already approved with this text
    remaining: int  # cues of the track still not approved


def approve_track(source: Track, track: Track, record: ReviewRecord, numbers: list[int]) -> tuple[ReviewRecord, ApproveReport]:
    """Approve cues (1-based ``numbers``) of a drafted track against the current source: the pure part of
    :func:`approve`. Returns the new record and what changed (``path`` is left empty)."""
    index = SourceIndex(source, record.rows)
    matched = match_rows(record, track)
    rows = list(matched)
    approved, already = [], 0
    for n in numbers:
        cue, row = track.cues[n - 1], rows[n - 1]
        current = text_hash(cue.text)
        if row is None:  # a cue a person added: approved as it is, tied to no source cue
            row = Row(n, cue.start, cue.end)
        if row.approved_sha == current and not index.changed(row):
            already += 1
        else:
            approved.append(n)
        # Approval re-ties the cue to the source text it was reviewed against (none if its source is gone).
        source_index = index.source_of(row)
        if source_index is None:
            rows[n - 1] = row.updated(approved_sha=current, source_sha=NONE)
        else:
            start, end = index.timings[source_index]
            rows[n - 1] = row.updated(approved_sha=current, source_sha=index.hashes[source_index], start=start, end=end)
    kept = {id(row) for row in matched if row is not None}
    new_rows = [row.updated(cue=n) for n, row in enumerate(rows, start=1) if row is not None]
    new_rows += [row.updated(cue=DELETED) for row in record.rows if id(row) not in kept]  # deleted by a person
    remaining = sum(1 for cue, row in zip(track.cues, rows) if row is None or row.approved_sha != text_hash(cue.text))
    return ReviewRecord(record.source, new_rows), ApproveReport(track.language or "", Path(), approved, already, remaining)


def approve(project: Project, video_id: str, language: str, cues: str | None = None) -> ApproveReport:
    """Record that a person reviewed cues of a drafted track (all, or ``cues`` like ``1-5,8``).

    Approval is bound to the exact text: editing an approved cue makes it 'edited' again. Approving a
    stale cue re-ties it to the current source text.
    """
    project.video(video_id)
    language = check_language(language)
    path = project.track_path(video_id, language)
    track = read_track(path, language)
    record = read_record(path)
    if record is None:
        raise UsageError(f"{path}: a person's track (no review record): there is no machine draft to approve",
                         hint="human tracks are publishable as they are")
    if not track.cues:
        raise UsageError(f"{path}: the track has no cues")
    numbers = parse_ranges(cues, len(track)) if cues else list(range(1, len(track) + 1))
    source_path = project.track_path(video_id, record.source)
    if not source_path.exists():
        raise UsageError(f"{source_path}: the source track this draft came from is missing",
                         hint="restore it so approvals can be tied to the source text")
    new_record, report = approve_track(read_track(source_path, record.source), track, record, numbers)
    write_record(path, new_record)
    report.language, report.path = language, path
    return report
