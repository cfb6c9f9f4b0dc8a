"""Commands for translators' files: check, fix, shift.

Each takes catalog video ids and/or subtitle files. A file under ``subtitles/<video>/`` is treated as
that video's track (its settings, frame rate, parity partner); other files are "loose".
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from pipeline.checks import (
    CheckReport, VideoFacts, catalog_track_of, check_files, check_project, language_from_name, probe_facts,
    project_settings, resolve,
)
from pipeline.cli.context import AppContext
from pipeline.errors import PipelineError, ProjectNotFound, UsageError
from pipeline.fix import FileEdit, FixOptions, Note, load_for_edit, plan_edit, plan_fix
from pipeline.shift import parse_offset, parse_rate, parse_rate_change, shift_track
from pipeline.wordlist import project_words

pass_app = click.make_pass_decorator(AppContext)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text for a terminal: control characters (ESC starts colour and cursor sequences a cue may carry)
    shown escaped as ``\\x1b``, so printing a cue cannot repaint or retitle the user's terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def shown(path: Path) -> str:
    """A path as the user can click it: relative to the current folder when under it."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def _project(app: AppContext, required: bool):
    try:
        return app.project()
    except ProjectNotFound:
        if required:
            raise
        return None


@dataclass
class Target:
    """One file to work on; ``video``/``language`` set when it is a catalog track."""

    path: Path
    video: str | None = None
    language: str | None = None


def _looks_like_file(arg: str) -> bool:
    return Path(arg).exists() or "/" in arg or os.sep in arg or bool(Path(arg).suffix)


def resolve_targets(app: AppContext, args: tuple[str, ...]) -> tuple[object, list, list[Path]]:
    """``(project or None, video ids, file paths)``: video ids need a project; files do not."""
    if not args:
        project = _project(app, required=True)
        return project, list(project.videos), []
    try:
        project = _project(app, required=not all(_looks_like_file(a) for a in args))
    except ProjectNotFound as exc:
        odd = next(a for a in args if not _looks_like_file(a))
        raise UsageError(f"{odd!r} is not a file, and there is no project to find a video id in",
                         hint=exc.hint) from None
    videos, files = [], []
    for arg in args:
        if project is not None and arg in project.videos and not Path(arg).is_file():
            videos.append(arg)
        elif _looks_like_file(arg):
            files.append(Path(arg))
        else:
            known = ", ".join(sorted(project.videos)) if project is not None else "none (no project)"
            raise UsageError(f"{arg!r} is neither a subtitle file nor a video id", hint=f"videos: {known}")
    return project, videos, files


def _facts(fps: str | None, video: Path | None, app: AppContext) -> tuple[VideoFacts | None, str | None]:
    if fps and video:
        raise UsageError("give --fps or --video, not both")
    if fps:
        return VideoFacts.from_fps(parse_rate(fps)), None
    if video:
        return probe_facts(video, app.runner, strict=True)
    return None, None


def require_language(project, videos: list, language: str | None) -> None:
    """``--lang`` with video ids must name a track one of them has: a typo must not pass as "clean"."""
    if not language or not videos:
        return
    if any(language in project.track_languages(vid) for vid in videos):
        return
    have = sorted({lang for vid in videos for lang in project.track_languages(vid)})
    raise UsageError(f"no {language!r} track for {', '.join(videos)}",
                     hint=f"tracks: {', '.join(have) or 'none'}")


@contextlib.contextmanager
def _reader_may_stop(ctx: click.Context, code: int):
    """``pipeline check | head``: when the reader stops early, finish quietly with the real exit code."""
    try:
        yield
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python flushes stdout at exit; let that go nowhere
        ctx.exit(code)


# -- check ----------------------------------------------------------------------------------------------------

def print_report(report: CheckReport, *, quiet: bool = False, summary_only_warnings: bool = False) -> None:
    """Findings as ``file:line: rule-id: message [severity]``, then a summary line per file and in total."""
    if not quiet:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
    for track in report.tracks:
        name = shown(track.path)
        if track.unreadable:
            click.echo(f"{track.unreadable}")
            click.echo(f"{name}: unreadable")
            continue
        for finding in track.findings:
            if summary_only_warnings and finding.severity != "error":
                continue
            click.echo(printable(finding.format(name)))
        if track.errors or track.warnings:
            click.echo(f"{name}: {track.cues} cues: {track.errors} error(s), {track.warnings} warning(s)")
        elif not quiet:
            click.echo(f"{name}: {track.cues} cues: ok")
    if len(report.tracks) > 1 and not (quiet and not report.to_dict()["summary"]["errors"]):
        totals = report.to_dict()["summary"]
        unreadable = f", {totals['unreadable']} unreadable" if totals["unreadable"] else ""
        click.echo(f"{totals['files']} files: {totals['errors']} error(s), {totals['warnings']} warning(s){unreadable}")


@click.command("check")
@click.argument("targets", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts and CI.")
@click.option("--lang", "language", help="Only this language of videos; the language of loose files "
                                        "(default: from the name, e.g. talk.es.srt).")
@click.option("--encoding", help="Read loose files in this encoding (e.g. cp1252) instead of UTF-8. Without it, a "
                                "file that is not UTF-8 is reported with what it reads as in its language's code pages.")
@click.option("--fps", help="Frame rate for the min-gap rule on loose files (default 25; e.g. 23.976).")
@click.option("--video", "video_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The video loose files belong to: its frame rate and length are used.")
@click.option("--source", "source_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Source-language file loose translations are compared with (identical-to-source).")
@pass_app
@click.pass_context
def check_cmd(ctx: click.Context, app: AppContext, targets: tuple[str, ...], as_json: bool, language: str | None,
              encoding: str | None, fps: str | None, video_file: Path | None, source_file: Path | None) -> None:
    """Check subtitle tracks against the style rules and English/Spanish parity.

    TARGETS are catalog video ids and/or subtitle files (default: every catalog video). Prints
    `file:line: rule-id: message [severity]` per finding and a summary per file.
    Exit code: 0 clean (warnings allowed), 1 error-level findings, 2 unreadable input or usage error.
    Rules and how to tune them: docs/tracks-and-checks.md.
    """
    project, videos, files = resolve_targets(app, targets)
    require_language(project, videos, language)
    if encoding and videos:
        # the build reads catalog tracks as UTF-8: checking one in another encoding would pass a track
        # that the build then cannot read
        raise UsageError("--encoding is for files, not video ids: a video's tracks must be UTF-8",
                         hint=f"convert a track once with: pipeline fix --encoding {encoding} "
                              f"subtitles/{videos[0]}/LANG.srt")
    facts, note = _facts(fps, video_file, app)
    report = CheckReport()
    if note:
        report.notes.append(note)
    if videos:
        report.extend(check_project(project, videos, app.runner, [language] if language else None))
    if files:
        report.extend(check_files(files, project=project, language=language, facts=facts, encoding=encoding,
                                  source=source_file, runner=app.runner))
    with _reader_may_stop(ctx, report.exit_code):
        if as_json:
            click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        else:
            print_report(report, quiet=app.quiet)
    ctx.exit(report.exit_code)


# -- fix and shift --------------------------------------------------------------------------------------------

@dataclass
class _Job:
    target: Target
    settings: dict
    frame_ms: float
    keep: frozenset[str] = frozenset()  # the project's own words in the target's language


def _jobs(app: AppContext, args: tuple[str, ...], language: str | None, fps: str | None,
          video_file: Path | None) -> tuple[list[_Job], list[str]]:
    """Each file to rewrite with its settings and frame duration; notes about assumptions made."""
    project, videos, files = resolve_targets(app, args)
    require_language(project, videos, language)
    notes: list[str] = []
    facts, note = _facts(fps, video_file, app)
    if note:
        notes.append(note)
    targets: list[Target] = []
    for vid in videos:
        for lang in project.track_languages(vid):
            if language is None or lang == language:
                targets.append(Target(project.track_path(vid, lang), vid, lang))
    for path in files:
        hit = catalog_track_of(project, path)
        targets.append(Target(path, hit[0], hit[1]) if hit else Target(path, None, language or language_from_name(path)))
    video_facts: dict[str, VideoFacts] = {}
    jobs = []
    assumed = False
    for target in targets:
        if target.video:
            settings = project_settings(project, target.video, target.language)
            if facts is None and target.video not in video_facts:
                video_facts[target.video], note = probe_facts(project.video(target.video).source, app.runner)
                if note:
                    notes.append(note)
            frame_ms = (facts or video_facts[target.video]).frame_ms
        else:
            overrides = project.setting("check", None, target.language) if project is not None else {}
            settings = resolve(target.language, overrides, project.catalog_path if project is not None else None)
            if facts is None and not assumed:
                assumed = True
                notes.append("no video given: gaps are measured in frames of 25 fps (give --fps or --video)")
            frame_ms = (facts or VideoFacts()).frame_ms
        keep = (project_words(project.root, target.language, project.source_language)
                if project is not None else frozenset())
        jobs.append(_Job(target, settings, frame_ms, keep))
    return jobs, notes


def _summary(edit: FileEdit) -> str:
    if len(edit.changes) == 1:
        return edit.changes[0].message
    return f"{len(edit.changes)} changes" if edit.changes else "normalised: numbering, encoding or layout"


def _show_edit(edit: FileEdit, dry_run: bool, verbose: bool) -> None:
    name = printable(shown(edit.path))
    for note in edit.notes:
        click.echo(printable(f"{name}: {note}"))
    if verbose:
        for change in edit.changes:
            click.echo(printable(f"{name}: {change}"))
    if dry_run:
        diff = edit.diff()
        if diff:
            click.echo(printable(diff), nl=False)  # newlines and tabs are kept as they are
    elif edit.changed:
        click.echo(printable(f"{name}: rewritten ({_summary(edit)}); previous file kept as {shown(edit.backup_path)}"))
    if not edit.changed:
        click.echo(f"{name}: nothing to change")
    elif dry_run:
        click.echo(printable(f"{name}: would be rewritten ({_summary(edit)}; dry run: nothing written)"))
    for item in edit.unresolved:
        click.echo(printable(f"{name}: needs a person: {item}"))


def _run_edits(ctx: click.Context, app: AppContext, jobs: list[_Job], notes: list[str], make_edit, dry_run: bool) -> None:
    for note in notes:
        if not app.quiet:
            click.echo(f"note: {note}", err=True)
    code = 0
    for job in jobs:
        try:
            edit = make_edit(job)
            if not dry_run:
                edit.apply()  # refuses a file a person saved meanwhile; the other files go on
        except PipelineError as exc:
            click.echo(f"error: {exc}", err=True)
            code = max(code, exc.exit_code if exc.exit_code in (1, 2) else 1)
            continue
        if edit.unresolved:
            code = max(code, 1)
        with _reader_may_stop(ctx, code):
            _show_edit(edit, dry_run, app.verbose > 0)
    ctx.exit(code)


@click.command("fix")
@click.argument("targets", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Print a unified diff of what would change; write nothing.")
@click.option("--encoding", help="The file's encoding when it is not UTF-8 (e.g. cp1252); it is written as UTF-8. "
                                "Without it, the one code page of the file's language that fits is used.")
@click.option("--lang", "language", help="Only this language of a video; the language of loose files.")
@click.option("--fps", help="Frame rate for gap closing on loose files (default 25).")
@click.option("--video", "video_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The video loose files belong to (its frame rate is used).")
@pass_app
@click.pass_context
def fix_cmd(ctx: click.Context, app: AppContext, targets: tuple[str, ...], dry_run: bool, encoding: str | None,
            language: str | None, fps: str | None, video_file: Path | None) -> None:
    """Safely fix subtitle FILES or every track of VIDEOS.

    Converts to UTF-8 (see --encoding), sorts and renumbers cues, removes empty cues, resolves overlaps,
    closes gaps of up to 12 frames to 2 frames, re-breaks lines over the language's characters per line
    (42; Russian 39) or 2 lines at natural points. Words never change, only line breaks and whitespace. The previous file is kept as FILE.bak;
    the new one is written atomically. What cannot be fixed safely is listed as "needs a person".
    Exit code: 0 done, 1 something needs a person, 2 unreadable input or usage error.
    """
    jobs, notes = _jobs(app, targets, language, fps, video_file)

    def make(job: _Job) -> FileEdit:
        options = FixOptions.from_settings(job.settings, job.frame_ms, job.target.language, job.keep)
        return plan_fix(job.target.path, options, encoding)

    _run_edits(ctx, app, jobs, notes, make, dry_run)


@click.command("shift")
@click.argument("targets", nargs=-1, required=True)
@click.option("--by", "offset", help="Move every cue by this much: +1.5s, -200ms, -00:00:01,500.")
@click.option("--fps", "rates", help="Frame-rate conversion FROM:TO, e.g. 25:23.976 (applied before --by).")
@click.option("--dry-run", is_flag=True, help="Print a unified diff of what would change; write nothing.")
@click.option("--encoding", help="The file's encoding when it is not UTF-8 (e.g. cp1252); it is written as UTF-8.")
@click.option("--lang", "language", help="Only this language of a video.")
@pass_app
@click.pass_context
def shift_cmd(ctx: click.Context, app: AppContext, targets: tuple[str, ...], offset: str | None, rates: str | None,
              dry_run: bool, encoding: str | None, language: str | None) -> None:
    """Move subtitle FILES or every track of VIDEOS in time: by an offset, or from one frame rate to another.

    The previous file is kept as FILE.bak; the new one is written atomically. A cue that would start
    before 0:00 stops the shift of that file (nothing is clipped).
    """
    if offset is None and rates is None:
        raise UsageError("nothing to do: give --by OFFSET and/or --fps FROM:TO")
    offset_ms = parse_offset(offset) if offset is not None else 0
    rate_change = parse_rate_change(rates) if rates is not None else None
    jobs, _notes = _jobs(app, targets, language, None, None)
    description = " and ".join(part for part in (
        f"converted from {rates.replace(':', ' to ')} fps" if rates else "",
        f"moved by {offset_ms / 1000:+.3f} s" if offset_ms else "") if part) or "unchanged"

    def make(job: _Job) -> FileEdit:
        loaded = load_for_edit(job.target.path, job.target.language, encoding)
        moved = shift_track(loaded.track, offset_ms, rate_change, shown(job.target.path))
        edit = plan_edit(job.target.path, loaded, moved)
        edit.changes = [Note(None, 0, f"{len(loaded.track)} cues {description}")]
        return edit

    _run_edits(ctx, app, jobs, [], make, dry_run)


COMMANDS = [check_cmd, fix_cmd, shift_cmd]
