"""The review workbench's operations, as plain data in and out (no HTTP here: the server maps requests to
these calls and their errors to statuses; scripts and tests may call them directly).

Reading: the videos and their tracks with states; one track's cues with their state, ``pipeline check``
findings, source text, comments and version. Writing: one cue's text, approvals, comments. Every write
names the version of what it was based on and is refused with :class:`ChangedElsewhereError` when the
file changed since; writes hold the project's lock for the moment they take (:class:`LockedError` when a
build holds it). The rules that judge a cue are ``pipeline check``'s own, run on the text as typed.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from pipeline.confidence import low_confidence_threshold
from pipeline.cue_edit import ChangedElsewhereError, clean_cue_text, cue_version, file_version, splice_cue_text
from pipeline.errors import LockedError, PipelineError, UsageError, WriteError
from pipeline.formats import parse_srt
from pipeline.formats.encoding import decode_subtitle_bytes
from pipeline.fsutil import atomic_path, folder_lock
from pipeline.model import Cue, Track
from pipeline.project import Project
from pipeline import notes as notes_mod
from pipeline.review_page import approval
from pipeline.review_page.data import STATE_LABELS, SpokenAt, _label, pick_source_language
from pipeline.review_record import NONE, RecordChangedError, SourceIndex, match_rows, one_line, record_path

log = logging.getLogger(__name__)

MAX_CUE_TEXT = 2000  # characters: far beyond any cue, small enough to keep a request small
NAME_LIMIT = 100


class NotFound(UsageError):
    """A video, track, cue or comment that does not exist (HTTP 404)."""


class CannotWrite(PipelineError):
    """The file system refused a write (full disk, no permission ...): nothing was changed."""

    def __init__(self, path: Path, exc: OSError):
        self.disk_full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        what = "the disk is full" if self.disk_full else (exc.strerror or str(exc))
        super().__init__(f"cannot write {path}: {what}; nothing was changed",
                         hint="your text is kept on the page; " + (
                             "free some space, then save again" if self.disk_full else "fix that, then save again"))
        self.path = Path(path)


def _finding(f, language: str | None = None) -> dict:
    """A check finding for the page: with the words it is about and, for a misspelt word, the spelling
    module's suggestions (the same the message lists), so the page can offer them as buttons."""
    out = {"rule": str(f.rule), "severity": str(f.severity), "message": str(f.message),
           "words": list(getattr(f, "words", ()) or ())}
    if out["rule"] == "spelling" and out["words"] and language:
        from pipeline import spelling

        dictionary = spelling.dictionary_for(language)
        if dictionary is not None:
            out["suggestions"] = {w: list(dictionary.suggest(w)) for w in out["words"]}
    return out


def _reviewer(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise UsageError("the reviewer's name is missing", hint="say who you are: your name is recorded")
    return " ".join(name.split())[:NAME_LIMIT]


@dataclass
class _Unreadable:
    """A track the check could not read, as a finding about the whole track."""

    message: str
    cue: None = None
    rule: str = "unreadable"
    severity: str = "error"


@dataclass
class _Loaded:
    """One track as read from disk in one go."""

    path: Path
    data: bytes
    track: Track

    @property
    def version(self) -> str:
        return file_version(self.data)


def _file_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class Workbench:
    """The operations on one project. Thread-safe: reads run in parallel, writes one at a time."""

    def __init__(self, project: Project, runner=None):
        self.project = project
        self.runner = runner
        self._write = threading.Lock()
        self._facts: dict[str, object] = {}
        self._facts_lock = threading.Lock()
        self._media: dict[str, tuple[Path, str]] = {}
        self._styles: dict[tuple, dict | None] = {}
        self._parsed: dict[Path, tuple[str, Track]] = {}
        self._parsed_lock = threading.Lock()
        self._media_lock = threading.Lock()

    # -- reading ----------------------------------------------------------------------------------------

    def _video(self, video_id: str):
        try:
            return self.project.video(video_id)
        except PipelineError:
            raise NotFound(f"no video {video_id!r} in {self.project.catalog_path}") from None

    def _track_path(self, video_id: str, language: str) -> Path:
        self._video(video_id)
        if language not in self.project.track_languages(video_id):
            raise NotFound(f"no {language!r} track for video {video_id!r}")
        return self.project.track_path(video_id, language)

    def _load(self, video_id: str, language: str) -> _Loaded:
        path = self._track_path(video_id, language)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"{path}: the track is gone") from None
        return _Loaded(path, data, self._parse(path, data, language))

    def _parse(self, path: Path, data: bytes, language: str) -> Track:
        """A track's cues, parsed once per version of the file (a reviewer's every pause in typing checks
        the whole video: reading its tracks again each time would cost more than the rules)."""
        version = file_version(data)
        with self._parsed_lock:
            hit = self._parsed.get(path)
        if hit is not None and hit[0] == version:
            return hit[1]
        track = parse_srt(decode_subtitle_bytes(data, path), path, language)
        with self._parsed_lock:
            self._parsed[path] = (version, track)
        return track

    def _video_tracks(self, video_id: str, replaced: Track | None = None) -> dict[str, Track]:
        """Every readable track of a video as on disk now (``replaced`` instead of its language's), for
        the check; an unreadable one is left to the check, which reports it."""
        tracks = {}
        for lang in self.project.track_languages(video_id):
            if replaced is not None and lang == replaced.language:
                tracks[lang] = replaced
                continue
            path = self.project.track_path(video_id, lang)
            try:
                tracks[lang] = self._parse(path, path.read_bytes(), lang)
            except (OSError, PipelineError):
                continue
        return tracks

    def _report(self, video_id: str, languages: Sequence[str] | None = None, replaced: Track | None = None):
        """``pipeline check`` of a video's tracks as on disk (``replaced`` instead of its language's)."""
        from pipeline.checks.run import check_video

        return check_video(self.project, video_id, self.runner, only_languages=languages, facts=self.facts(video_id),
                           tracks_instead=self._video_tracks(video_id, replaced))

    def _check(self, video_id: str, language: str, track: Track, report=None) -> list:
        report = report or self._report(video_id, [language], track)
        found = []
        for checked in report.tracks:
            if checked.language != language:
                continue
            if checked.unreadable:
                found.append(_Unreadable(checked.unreadable))
            found.extend(checked.findings)
        return found

    def _judged(self, video_id: str, report=None) -> dict:
        """Each track's state as the publish gate judges it (:func:`pipeline.publish.judge_video`, the one
        rule), with the check made here (tracks parsed once per version)."""
        from pipeline.publish import judge_video

        if report is None:
            try:
                report = self._report(video_id)
            except PipelineError:
                report = None  # the gate runs the check itself and says why it failed
        verdict = judge_video(self.project, video_id, report=report, runner=self.runner)
        return {state.language: state for state in verdict.tracks}

    def facts(self, video_id: str):
        """The video's frame rate and length for the rules, probed once per server run."""
        with self._facts_lock:
            if video_id not in self._facts:
                from pipeline.cache import WorkCache
                from pipeline.checks.run import probe_facts
                from pipeline.outputs import WORK

                facts, _note = probe_facts(self._video(video_id).source, self.runner,
                                           cache=WorkCache(self.project.dist / WORK / "cache.json"))
                self._facts[video_id] = facts
            return self._facts[video_id]

    def videos(self) -> dict:
        """Every video with its tracks: state (as the publish gate judges it), counts, open comments."""
        out = []
        for vid, video in self.project.videos.items():
            tracks = []
            for lang, state in self._judged(vid).items():
                tracks.append({
                    "language": lang, "label": _label(lang), "origin": state.origin, "cues": state.cues,
                    "counts": {k: v for k, v in state.counts.items() if v}, "publishable": state.publishable,
                    "low_confidence": state.low_confidence,
                    "reason": state.reason, "open_comments": notes_mod.open_count(state.path),
                    "path": self._rel(state.path), "approved_by": state.approved_by, "approved_at": state.approved_at,
                })
            out.append({"id": vid, "title": video.title, "audio_language": video.audio_language, "tracks": tracks})
        return {"project": self.project.name, "videos": out}

    def media(self, video_id: str) -> tuple[Path, str]:
        """The browser-playable copy of a video (``dist/review/<video>/``, made on first use) and its type.

        A file whose real path leaves ``dist/review/`` (a symlink planted there) is never served."""
        from pipeline.review_page.build import build_review, review_root

        self._video(video_id)
        with self._media_lock:
            if video_id not in self._media:
                result = build_review(self.project, video_id, runner=self.runner)
                media = result.data.media[0]
                self._media[video_id] = (result.page.parent / media.name, media.mime)
        path, mime = self._media[video_id]
        root = review_root(self.project).resolve()
        real = path.resolve()
        if not real.is_relative_to(root) or not real.is_file():
            raise NotFound(f"{path}: not a file of {root}")
        return real, mime

    def remember_media(self, video_id: str, path: Path, mime: str) -> None:
        """A browser copy already made (``pipeline review --serve`` builds the pages before serving)."""
        with self._media_lock:
            self._media[video_id] = (path, mime)

    def versions(self, video_id: str, language: str) -> dict:
        """The versions of a track's files: cheap to poll, to notice changes made elsewhere."""
        path = self._track_path(video_id, language)
        return {"file_version": _version(path), "record_version": _version(record_path(path)),
                "notes_version": _version(notes_mod.notes_path(path))}

    def _rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.project.root))
        except ValueError:
            return str(path)

    def track(self, video_id: str, language: str) -> dict:
        """One track for the workbench: its cues with state, findings, source text, comments and version."""
        from pipeline.tracks import CueState, cue_states, current_record

        video = self._video(video_id)
        loaded = self._load(video_id, language)
        path = loaded.path
        findings: dict[int | None, list[dict]] = {}
        report = None
        try:
            report = self._report(video_id, [language], loaded.track)
            for f in self._check(video_id, language, loaded.track, report):
                findings.setdefault(f.cue, []).append(_finding(f, language))
        except PipelineError as exc:
            findings.setdefault(None, []).append({"rule": "check", "severity": "error", "message": str(exc)})
        state = self._judged(video_id, report)[language]
        try:
            judged = cue_states(self.project, video_id, language)
        except PipelineError as exc:
            judged = [CueState(n, c.start, c.end, c.text) for n, c in enumerate(loaded.track.cues, start=1)]
            state.reason = state.reason or str(exc)
        states = [s.state for s in judged]
        if len(states) != len(loaded.track):  # the file changed between two reads: read again
            return self.track(video_id, language)
        record = None
        with contextlib.suppress(PipelineError):
            record = current_record(self.project, video_id, language)
        rows = approval.rows_of(record, loaded.track) if record is not None and record.origin == "machine" else \
            [None] * len(loaded.track)
        source_language = record.source if record is not None and record.source else pick_source_language(
            video.audio_language, self.project.track_languages(video_id))
        if source_language == language:
            source_language = None
        source_track = self._source_track(video_id, source_language)
        stale = self._stale_sources(path, loaded.track, record, source_track, states)
        comments, _ = notes_mod.read_notes_bytes(path)
        attached, loose = notes_mod.attach(comments, loaded.track.cues)
        spoken = SpokenAt(source_track.cues if source_track else [])
        fixes = self._fixes(video_id, language, loaded.track)
        cues = []
        for number, (cue, judged_cue) in enumerate(zip(loaded.track.cues, judged), start=1):
            cue_state = judged_cue.state
            cues.append({
                "number": number, "start": cue.start, "end": cue.end, "text": cue.text, "version": cue_version(cue),
                "state": cue_state, "state_label": STATE_LABELS.get(cue_state, cue_state),
                # The engine's own signals, as `status` and the static page read them (pipeline.confidence).
                "confidence": judged_cue.confidence, "unknown": list(judged_cue.unknown),
                "low_confidence": judged_cue.low,
                "findings": findings.get(number, []), "fix": fixes.get(number - 1),
                "source": [c.text for c in spoken(cue.start, cue.end)],
                "stale": stale.get(number),
                "comments": [c.to_dict() for c in attached.get(number, [])],
                "approved_by": _cell(rows[number - 1], "approved_by") if cue_state == "approved" else None,
                "approved_at": _cell(rows[number - 1], "approved_at") if cue_state == "approved" else None,
                "edited_by": _cell(rows[number - 1], "edited_by"), "edited_at": _cell(rows[number - 1], "edited_at"),
            })
        return {
            "video": video_id, "title": video.title, "language": language, "label": _label(language),
            "path": self._rel(path), "record_path": self._rel(record_path(path)) if record is not None else None,
            "notes_path": self._rel(notes_mod.notes_path(path)),
            "file_version": loaded.version, "record_version": _version(record_path(path)),
            "notes_version": _version(notes_mod.notes_path(path)),
            "origin": state.origin, "publishable": state.publishable, "reason": state.reason,
            "drafting": state.drafting, "approved_by": state.approved_by, "approved_at": state.approved_at,
            "counts": {k: v for k, v in state.counts.items() if v}, "low_confidence": state.low_confidence,
            "low_confidence_below": low_confidence_threshold(self.project, video_id, language),
            "declarable": state.origin == "unknown" and not state.drafting and bool(loaded.track.cues),
            "source_language": source_language, "source_label": _label(source_language) if source_language else None,
            "cues": cues, "track_findings": findings.get(None, []),
            "track_comments": [c.to_dict() for c in loose],
            "next_step": next_step(state.origin, state.publishable, state.reason, state.drafting),
            "style": self._style(video_id, language, loaded),
            "media": f"/media/{video_id}",
        }

    def _source_track(self, video_id: str, language: str | None) -> Track | None:
        if not language:
            return None
        try:
            return self._load(video_id, language).track
        except PipelineError:
            return None

    def _stale_sources(self, path: Path, track: Track, record, source: Track | None, states: list[str]) -> dict:
        """For each stale cue: the source text it was drafted (or approved) from, the source text now, and
        the word diff between them. The old text comes from the record when it holds it, else from git."""
        from pipeline.source_history import earlier_texts, word_diff

        numbers = [n for n, s in enumerate(states, start=1) if s == "stale"]
        if not numbers or record is None or source is None:
            return {}
        matched, orphans = match_rows(record, track)
        index = SourceIndex(source, [r for r in matched if r is not None] + orphans)
        wanted = {n: matched[n - 1] for n in numbers if matched[n - 1] is not None}
        # The record keeps the source text with its hash (newer records); older ones: git history.
        missing = {part for row in wanted.values() if row.source_text == NONE for part in row.source_parts}
        found = earlier_texts(path.with_name(f"{record.source}.srt"), missing) if missing else {}
        out = {}
        for n, row in wanted.items():
            run = index.run_of(row)
            now = "\n".join(index.texts[run[0]:run[1] + 1]) if run is not None else None
            if row.source_text != NONE:
                old = row.source_text
            else:
                parts = [found.get(h) for h in row.source_parts]
                old = "\n".join(parts) if parts and all(p is not None for p in parts) else None
            out[n] = {"old": old, "now": now,
                      "diff": word_diff(one_line(old), one_line(now or "")) if old is not None else None}
        return out

    def _style(self, video_id: str, language: str, loaded: _Loaded) -> dict | None:
        """How the burned-in output draws this track (the first output profile), for the page's captions.
        Remembered per version of the track (choosing fonts reads every character) and of the catalog."""
        try:
            catalog = self.project.catalog_path.stat().st_mtime_ns
        except OSError:
            catalog = None
        key = (video_id, language, loaded.version, catalog)
        if key not in self._styles:
            self._styles[key] = self._make_style(video_id, language, loaded.track)
        return self._styles[key]

    def _make_style(self, video_id: str, language: str, track: Track) -> dict | None:
        try:
            from pipeline import fonts
            from pipeline.profiles import burn_style, load_profile, profile_names

            profile = load_profile(self.project, profile_names(self.project, video_id)[0], video_id)
            style = burn_style(self.project, video_id, language, profile)
            family = None
            with contextlib.suppress(PipelineError):
                family = fonts.choose_fonts(track, language, style.font, style.bold).primary.family
        except PipelineError as exc:
            log.debug("no caption style for %s %s: %s", video_id, language, exc)
            return None
        return {"font": family or (style.font if style.font != "auto" else None), "size": style.size,
                "outline": style.outline, "box": style.box, "box_opacity": style.box_opacity,
                "colour": style.colour, "outline_colour": style.outline_colour,
                "margin_vertical": style.margin_vertical, "margin_sides": style.margin_sides, "bold": style.bold,
                "position": style.position, "rtl": fonts.is_rtl(track), "profile": profile.name}

    def _fixes(self, video_id: str, language: str, track: Track) -> dict[int, str]:
        """What ``pipeline fix`` would write as each cue's text (by 0-based index) where it changes it."""
        from pipeline.checks.settings import project_settings
        from pipeline.fix import FixOptions, text_fixes
        from pipeline.wordlist import project_words

        try:
            options = FixOptions.from_settings(project_settings(self.project, video_id, language),
                                               self.facts(video_id).frame_ms, language,
                                               project_words(self.project.root, language, self.project.source_language))
            return text_fixes(track, options)
        except PipelineError as exc:  # e.g. a broken glossary: the check says so; no offer of a fix
            log.debug("no fixes for %s %s: %s", video_id, language, exc)
            return {}

    def preview(self, video_id: str, language: str, number: int, text: str) -> dict:
        """The ``pipeline check`` findings of cue ``number`` if its text were ``text`` (nothing is written)."""

        text = _text_arg(text)
        loaded = self._load(video_id, language)
        _cue_at(loaded, number)
        try:
            cleaned = clean_cue_text(text)
        except UsageError as exc:
            return {"number": number, "findings": [{"rule": "text", "severity": "error", "message": exc.message,
                                                     "words": []}], "fix": None}
        cues = list(loaded.track.cues)
        cues[number - 1] = cues[number - 1].with_text(cleaned)
        track = Track(cues, language)
        found = self._check(video_id, language, track)
        fix = self._fixes(video_id, language, track).get(number - 1)
        return {"number": number, "findings": [_finding(f, language) for f in found if f.cue == number], "fix": fix}

    # -- writing ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(self, folder: Path | None = None) -> Iterator[None]:
        """One write at a time in this process, under the project's lock (a build reads whole tracks) and,
        given the track's ``folder``, its folder lock (a draft or ``pipeline approve`` changing it)."""
        from pipeline.build import project_lock

        with self._write, contextlib.ExitStack() as stack:
            try:
                stack.enter_context(project_lock(self.project, wait=False))
                if folder is not None:
                    stack.enter_context(folder_lock(folder, timeout=approval.LOCK_TIMEOUT))
            except LockedError as exc:
                raise LockedError(f"{exc.message}: nothing was written",
                                  hint="your text is kept on the page; save again when it has finished") from None
            except OSError as exc:  # the lock's own files in dist/
                raise CannotWrite(self.project.dist, exc) from None
            try:
                yield
            except WriteError as exc:  # the review record, written by the library
                cause = exc.__cause__ if isinstance(exc.__cause__, OSError) else OSError(exc.reason)
                raise CannotWrite(exc.path, cause) from None
            except OSError as exc:
                raise CannotWrite(Path(exc.filename or self.project.subtitles), exc) from None

    def save_cue(self, video_id: str, language: str, number: int, version: str, text: str,
                 editor: str | None = None) -> dict:
        """Write cue ``number``'s new text into the track, changing no other byte of the file, and note in
        a drafted track's review record who changed it (``editor``) and when.

        ``version`` is the cue's version the edit was based on; a cue that changed since (or a cue at
        that number that is another cue now) is a :class:`ChangedElsewhereError` and nothing is written.
        """
        cleaned = clean_cue_text(_text_arg(text))
        editor = " ".join(editor.split())[:NAME_LIMIT] if isinstance(editor, str) else ""
        with self._writing(self._track_path(video_id, language).parent):
            loaded = self._load(video_id, language)
            cue = _cue_at(loaded, number)
            if cue_version(cue) != version:
                raise ChangedElsewhereError(loaded.path, f"cue {number}")
            if cue.text == cleaned:
                return {"number": number, "version": version, "text": cleaned, "file_version": loaded.version,
                        "changed": False}
            spliced = splice_cue_text(loaded.data, number, cleaned, loaded.path)
            # The track first: its new text already makes the cue "edited" (unpublishable until approved);
            # the record's who-and-when only tells the story.
            _replace_guarded(loaded.path, spliced.data, loaded.data)
            new_cue = spliced.track.cues[number - 1]
            try:
                approval.record_edit(self.project, video_id, language, number, editor)
            except (RecordChangedError, WriteError, OSError) as exc:  # the edit stands; only its who-and-when is lost
                log.warning("%s: cue %d saved, but who edited it was not recorded: %s", loaded.path, number, exc)
        log.info("%s: cue %d saved from the workbench", loaded.path, number)
        return {"number": number, "version": cue_version(new_cue), "text": new_cue.text,
                "file_version": file_version(spliced.data), "changed": True}

    def set_approval(self, video_id: str, language: str, cues: Sequence[dict], reviewer: str,
                     approved: bool = True) -> dict:
        """Approve (or take back the approval of) cues given as ``{"number": n, "version": v}``, as
        ``reviewer``. Refused whole when any cue changed since its version was read."""
        reviewer = _reviewer(reviewer)
        wanted = _cue_refs(cues)
        self._track_path(video_id, language)

        def verify(path: Path, data: bytes, track: Track) -> None:  # under the library's lock, as approved
            loaded = _Loaded(path, data, track)
            for number, version in wanted:
                if cue_version(_cue_at(loaded, number)) != version:
                    raise ChangedElsewhereError(path, f"cue {number}")

        numbers = [n for n, _ in wanted]
        with self._writing():  # the library takes the folder lock itself
            if approved:
                result = approval.approve_cues(self.project, video_id, language, numbers, reviewer, verify)
            else:
                result = approval.unapprove_cues(self.project, video_id, language, numbers, reviewer, verify)
        return {"changed": result.changed, "unchanged": result.unchanged, "approved": approved,
                "reviewer": reviewer}

    def declare_human(self, video_id: str, language: str, version: str, reviewer: str) -> dict:
        """``reviewer`` declares a track of unknown origin (no draft record, a language outside ``[project]
        human_languages``) a person's work, so the publish gate may let it through: recorded in its review
        record with who and when, as ``pipeline approve VIDEO LANG --human`` does. ``version`` is the track
        file's version the reviewer saw (``file_version``); a file that changed since is a
        :class:`ChangedElsewhereError` and nothing is written."""
        reviewer = _reviewer(reviewer)
        if not isinstance(version, str):
            raise UsageError("say which version of the track the declaration is about (\"file_version\")")
        path = self._track_path(video_id, language)

        def verify(path: Path, data: bytes, track: Track) -> None:  # under the library's lock, as declared
            if file_version(data) != version:
                raise ChangedElsewhereError(path)

        with self._writing():  # the library takes the folder lock itself
            done = approval.declare_human(self.project, video_id, language, reviewer, verify)
        if not done.already:
            log.info("%s: declared a person's work by %s from the workbench", path, done.by)
        return {"language": language, "declared_by": done.by, "declared_at": done.at, "already": done.already,
                "record_version": _version(record_path(path))}

    def add_comment(self, video_id: str, language: str, number: int, version: str | None, author: str,
                    text: str) -> dict:
        """A new open comment on cue ``number`` (its ``version`` as read), or on the whole track (0)."""
        author = _reviewer(author)
        with self._writing(self._track_path(video_id, language).parent):
            loaded = self._load(video_id, language)
            cue = None
            if number:
                cue = _cue_at(loaded, number)
                if cue_version(cue) != version:
                    raise ChangedElsewhereError(loaded.path, f"cue {number}")
            comments, data = notes_mod.read_notes_bytes(loaded.path)
            comments, comment = notes_mod.add_comment(comments, number, cue, author, text)
            _write_notes(loaded.path, comments, data)
        return {"comment": comment.to_dict(), "notes_version": _version(notes_mod.notes_path(loaded.path))}

    def add_word(self, language: str, word: str, who: str | None = None) -> dict:
        """Add ``word`` to the project's own words in ``language`` (``assets/glossary/words.<lang>.txt``):
        the spelling rule stops flagging it everywhere (a name, a term of the report)."""
        from pipeline.glossary import GLOSSARY_DIR
        from pipeline.wordlist import read_word_list

        word = _word_arg(word)
        if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", language):
            raise UsageError(f"{language!r} is not a language tag")
        path = self.project.root / GLOSSARY_DIR / f"words.{language}.txt"
        with self._writing():
            data = _file_or_none(path)
            words = {w.casefold() for w in read_word_list(path)} if data is not None else set()
            if word.casefold() in words:
                return {"path": self._rel(path), "word": word, "added": False}
            text = data.decode("utf-8") if data is not None else (
                f"# Words the spelling check accepts in {_label(language)} ({language}): names and terms of the "
                "project.\n# One a line; # starts a comment. See docs/tracks-and-checks.md.\n")
            if text and not text.endswith("\n"):
                text += "\n"
            note = f"  # added in the review workbench by {who}" if isinstance(who, str) and who.strip() else ""
            _replace_guarded(path, (text + word + note[:120] + "\n").encode("utf-8"), data)
        log.info("%s: added %r", path, word)
        return {"path": self._rel(path), "word": word, "added": True}

    def set_comment(self, video_id: str, language: str, comment_id: int, status: str, who: str) -> dict:
        """Resolve (``status`` resolved) or reopen (open) comment ``comment_id``."""
        who = _reviewer(who)
        path = self._track_path(video_id, language)
        with self._writing(path.parent):
            comments, data = notes_mod.read_notes_bytes(path)
            if not any(c.id == comment_id for c in comments):
                raise NotFound(f"there is no comment {comment_id} on {path.name}")
            comments, comment = notes_mod.set_status(comments, comment_id, status, who)
            _write_notes(path, comments, data)
        return {"comment": comment.to_dict(), "notes_version": _version(notes_mod.notes_path(path))}


def _word_arg(word) -> str:
    from pipeline.wordlist import _WORD

    if not isinstance(word, str) or not _WORD.fullmatch(word.strip().replace("’", "'")):
        raise UsageError("give one word (letters, with ' or - inside)")
    return word.strip()


def next_step(origin: str, publishable: bool, reason: str | None, drafting: bool = False) -> str:
    """What happens to the track next, in a reviewer's words."""
    if drafting:
        return "A machine draft of this track is being written (or was interrupted): wait for it, then reload."
    if origin == "machine" and not publishable:
        return ("Machine draft: not published yet. When every cue is approved here, the comms team's "
                "`pipeline build` publishes it.")
    if publishable:
        return "Publishable: the comms team's next `pipeline build` publishes it as it is now."
    return f"Not publishable yet ({reason}). Fix it, then the comms team's `pipeline build` publishes it."


def _version(path: Path) -> str | None:
    data = _file_or_none(path)
    return None if data is None else file_version(data)


def _text_arg(text) -> str:
    if not isinstance(text, str):
        raise UsageError("the cue's text must be a string")
    if len(text) > MAX_CUE_TEXT:
        raise UsageError(f"a cue's text holds at most {MAX_CUE_TEXT} characters")
    return text


def _cue_at(loaded: _Loaded, number) -> Cue:
    if isinstance(number, bool) or not isinstance(number, int):
        raise UsageError("a cue number must be a whole number")
    if not 1 <= number <= len(loaded.track):
        raise NotFound(f"{loaded.path}: there is no cue {number} (the track has {len(loaded.track)} cues)")
    return loaded.track.cues[number - 1]


def _cue_refs(cues) -> list[tuple[int, str]]:
    if not isinstance(cues, list) or not cues:
        raise UsageError("name the cues: a list of {\"number\": N, \"version\": V}")
    out = []
    for item in cues:
        if not isinstance(item, dict) or not isinstance(item.get("version"), str) \
                or isinstance(item.get("number"), bool) or not isinstance(item.get("number"), int):
            raise UsageError("each cue is {\"number\": N, \"version\": V}")
        out.append((item["number"], item["version"]))
    return out


def _replace_guarded(path: Path, data: bytes, expect: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, unless the file on disk is no longer ``expect``."""
    import os

    try:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if _file_or_none(path) != expect:
                raise ChangedElsewhereError(path)
    except OSError as exc:
        raise CannotWrite(path, exc) from None


def _write_notes(track_path: Path, comments, expect: bytes | None) -> None:
    try:
        notes_mod.write_notes(track_path, comments, expect)
    except OSError as exc:
        raise CannotWrite(notes_mod.notes_path(track_path), exc) from None


def _cell(row, name: str) -> str | None:
    value = getattr(row, name, NONE) if row is not None else NONE
    return None if value == NONE else value
