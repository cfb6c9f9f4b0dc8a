"""Commands that work on media: probe, render, build."""

from __future__ import annotations

import functools
import json
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import click

from pipeline.build import BuildOptions, plan_build, run_build
from pipeline.cli.context import AppContext
from pipeline.cli.progress import BuildReporter
from pipeline.errors import PipelineError
from pipeline.publish import GateError
from pipeline.media.probe import probe

pass_app = click.make_pass_decorator(AppContext)


@click.command("probe")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@pass_app
def probe_cmd(app: AppContext, file: Path, as_json: bool) -> None:
    """Show what a media FILE holds: duration, resolution, frame rate, audio and subtitle streams."""
    info = probe(file, app.runner)
    if as_json:
        click.echo(json.dumps(info.to_dict(), indent=2))
        return
    click.echo(f"{info.path}")
    click.echo(f"  format      {info.format_name}")
    click.echo(f"  duration    {info.duration:.3f} s")
    if info.width:
        fps = f"{float(info.frame_rate):.3f}".rstrip("0").rstrip(".") if info.frame_rate else "?"
        click.echo(f"  video       {info.width}x{info.height} @ {fps} fps")
    for s in info.streams:
        tags = ", ".join(x for x in (s.language, s.title, "default" if s.default else None) if x)
        click.echo(f"  #{s.index:<3} {s.kind:<10} {s.codec}{f'  ({tags})' if tags else ''}")
    if not info.has_audio:
        click.echo("  (no audio stream)")


@dataclass(frozen=True)
class BuildFlags:
    """The options `render` and `build` share."""

    drafts: bool = False
    jobs: int | None = None
    force: bool = False
    dry_run: bool = False
    profiles: tuple[str, ...] = ()
    quiet: bool = False
    plain: bool = False
    no_wait: bool = False
    ignore_check: bool = False
    executor: str | None = None
    scheduler: str | None = None

    def options(self) -> BuildOptions:
        return BuildOptions(include_drafts=self.drafts, force=self.force, jobs=self.jobs,
                            profiles=self.profiles or None, wait=not self.no_wait, ignore_check=self.ignore_check,
                            executor=self.executor, scheduler=self.scheduler)


def build_options(command):
    """Decorate a command with the build options; it receives them as one ``flags`` argument."""
    options = [
        click.option("--drafts", is_flag=True, help="Also render machine drafts, visibly marked as drafts."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
                     help="Jobs to run at once (default: $PIPELINE_JOBS, [render] jobs, or one per CPU core)."),
        click.option("--force", is_flag=True, help="Rebuild every output, changed or not."),
        click.option("--dry-run", is_flag=True, help="List what would be built and why; build nothing."),
        click.option("--profile", "profiles", multiple=True, metavar="NAME",
                     help="Only burned-in outputs of this profile (web, square, vertical ...); repeatable."),
        click.option("-q", "--quiet", is_flag=True, help="Only failures and the summary."),
        click.option("--plain", is_flag=True,
                     help="Plain log lines, no progress bars (automatic when not at a terminal)."),
        click.option("--no-wait", is_flag=True,
                     help="If another build of this project is running, stop instead of waiting for it."),
        click.option("--ignore-check", is_flag=True,
                     help="Render tracks that would be published even when check finds errors in them."),
        click.option("--executor", type=click.Choice(["local", "dask"]), default=None,
                     help="Where encodes run: local processes (default), or a Dask cluster "
                          "(pip install -e '.[cluster]'; $PIPELINE_EXECUTOR, [render] executor)."),
        click.option("--scheduler", metavar="ADDRESS", default=None,
                     help="The Dask scheduler (tcp://HOST:8786) for --executor dask; without it a local cluster "
                          "of -j worker processes. Workers need the project on a shared file system."),
    ]

    @functools.wraps(command)
    def wrapper(*args, drafts, jobs, force, dry_run, profiles, quiet, plain, no_wait, ignore_check, executor,
                scheduler, **kwargs):
        flags = BuildFlags(drafts, jobs, force, dry_run, tuple(profiles), quiet, plain, no_wait, ignore_check,
                           executor, scheduler)
        return command(*args, flags=flags, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _mode(app: AppContext, flags: BuildFlags) -> str:
    if app.quiet or flags.quiet:
        return "quiet"
    return "bar" if app.interactive and not flags.plain else "plain"


def _print_plan(app: AppContext, plan) -> None:
    """--dry-run: what would be built, removed or refused, and why."""
    for d in plan.decisions:
        if d.action == "build":
            click.echo(f"would build   {d.job.path}  ({d.reason})")
        elif d.action == "fail":
            click.echo(f"would fail    {d.job.path}  ({d.reason})")
        elif app.verbose:
            click.echo(f"up to date    {d.job.path}")
    for path, why in plan.remove:
        click.echo(f"would remove  {path}  ({why})")
    click.echo(f"dry run: {len(plan.to_build)} to build, {len(plan.of('skip'))} up to date, "
               f"{len(plan.of('fail'))} failing, {len(plan.remove)} to remove")


def _raise_interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _render(app: AppContext, videos: tuple[str, ...], flags: BuildFlags = BuildFlags(), report=None,
            notes: bool = True) -> None:
    """Render (or with --dry-run plan) what the publish gate allows; ``report``: the check already made."""
    project = app.project()
    for vid in videos:
        project.video(vid)  # unknown ids fail before any work
    if flags.dry_run:
        plan = plan_build(project, videos or None, flags.options(), app.runner, remember=False, report=report)
        if plan.blocked:
            raise GateError(plan.blocked, plan.check_error)
        _print_plan(app, plan)
        _report_left_out(app, plan, notes)
        return
    # CI cancels with SIGTERM: stop the encodes and clean up as for Ctrl-C.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt) \
        if threading.current_thread() is threading.main_thread() else None
    try:
        with BuildReporter(_mode(app, flags)) as reporter:
            result = run_build(project, videos or None, flags.options(), runner=app.runner, on_event=reporter,
                               on_wait=reporter.waiting, on_plan=reporter.planned, report=report)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    quiet = app.quiet or flags.quiet
    if not quiet and _mode(app, flags) == "bar":
        for entry in result.entries:
            click.echo(f"  {entry['path']}  ({entry['size'] / 1e6:.2f} MB)")
    failed = {id(job) for job, _ in result.failures}
    parts = [f"built {len(result.built)}", f"{len(result.skipped)} up to date"]
    if failed:
        parts.append(f"{len(failed)} failed")
    if result.removed:
        parts.append(f"removed {len(result.removed)} no longer built")
    if result.cleaned:
        parts.append(f"cleaned {len(result.cleaned)} unfinished files of an interrupted build")
    where = f"{result.jobs} at once" if result.executor == "local" else f"on a Dask cluster"
    click.echo(f"{', '.join(parts)} ({result.seconds:.1f} s, {where})")
    if result.manifest is not None:
        click.echo(f"outputs in {project.dist}/ (manifest: {result.manifest.relative_to(project.root)})")
    elif not result.plan.decisions:
        click.echo("nothing to render: no publishable tracks")
    unreadable = _report_left_out(app, result.plan, notes)
    if result.failures:
        for job, err in result.failures:
            click.echo(f"failed: {job.label}: {err}", err=True)
    if unreadable:  # the cause of any failure it brought: say it last, as the error
        raise PipelineError(f"{unreadable} track(s) written by people could not be rendered",
                            hint="fix the files named above; pipeline check shows every problem")
    if result.failures:
        raise PipelineError(f"{len(failed)} of {len(result.plan.decisions)} outputs failed")


def _report_left_out(app: AppContext, plan, notes: bool = True) -> int:
    """Say which tracks were not rendered and why; return how many of them are a person's (errors)."""
    for note in plan.not_tracks if notes else ():
        click.echo(note, err=True)
    if plan.ignored:
        names = ", ".join(f"{s.video} {s.language}" for s in plan.ignored)
        click.echo(f"warning: rendering despite check errors in {names} (--ignore-check)", err=True)
    errors = 0
    for item in plan.left_out:
        if item.error:
            errors += 1
            click.echo(f"not rendered: {item.video} {item.language}: {item.reason}", err=True)
        elif not app.quiet:
            click.echo(f"not rendered: {item.video} {item.language}: {item.reason} (render --drafts to preview it)",
                       err=True)
    return errors


@click.command("render")
@click.argument("videos", nargs=-1)
@build_options
@pass_app
def render_cmd(app: AppContext, videos: tuple[str, ...], flags: BuildFlags) -> None:
    """Render captioned outputs of VIDEOS (default: all) into dist/, redoing only what changed.

    Renders what `pipeline status` calls publishable (a track failing check is refused, with the reason;
    --ignore-check renders it anyway); --drafts also renders the rest, visibly marked as drafts.

    Per video: a burned-in MP4 per language and profile, one soft-subtitled MP4 and MKV with every
    language, WebVTT sidecars, and dist/manifest.json describing each file.
    """
    _render(app, videos, flags)


@click.command("build")
@click.argument("videos", nargs=-1)
@build_options
@pass_app
def build_cmd(app: AppContext, videos: tuple[str, ...], flags: BuildFlags) -> None:
    """Check every track, then render everything publishable (the comms team's one command).

    Published: tracks named by a language tag that are a person's work (a human language of the project,
    or declared with `approve --human`) or approved cue by cue at their current text and source, and that
    pass `check`. Check errors in a track that would be published (unreadable file, overlaps, unclosed
    tags, too little of the speech covered, a glossary term ...) stop the build before anything is
    rendered; --ignore-check renders anyway. Warnings are counted, never blocking.

    Incremental: an output is rebuilt only when its source video, track, style, profile, fonts or the
    pipeline changed (--force rebuilds all; --dry-run says what would be built and why). Exit code 1
    if any output failed; the others are still built.
    """
    from pipeline.cli.project_cmds import print_status
    from pipeline.checks import check_project
    from pipeline.cli.subtitle_cmds import print_report

    project = app.project()
    if flags.quiet:
        app.quiet = True
    try:
        report, check_failed = check_project(project, videos or None, app.runner), None  # once, for all three
    except PipelineError as exc:  # e.g. a broken glossary: the table still shows review states, then stop
        report, check_failed = None, exc
    if not (app.quiet or flags.dry_run):
        print_status(app, project, videos, report, notes=False)
    if check_failed is not None:
        raise check_failed
    if not app.quiet:
        click.echo("check:")
    print_report(report, quiet=app.quiet, summary_only_warnings=True)  # its notes list files that are not tracks
    _render(app, videos, flags, report, notes=False)


COMMANDS = [probe_cmd, render_cmd, build_cmd]
