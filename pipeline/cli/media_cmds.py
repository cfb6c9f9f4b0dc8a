"""Commands that work on media: probe, render, build."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pipeline.cli.context import AppContext
from pipeline.cli.progress import RenderReporter
from pipeline.errors import PipelineError
from pipeline.media.probe import probe
from pipeline.render import render

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


def _render(app: AppContext, videos: tuple[str, ...], drafts: bool) -> None:
    project = app.project()
    for vid in videos:
        project.video(vid)  # unknown ids fail before any work
    with RenderReporter(app.interactive, app.quiet) as reporter:
        result = render(project, videos or None, include_drafts=drafts, runner=app.runner, on_event=reporter)
    for entry in result.entries:
        if not app.quiet:
            click.echo(f"  {entry['path']}  ({entry['size'] / 1e6:.2f} MB)")
    if result.manifest is not None:
        click.echo(f"outputs in {project.dist}/ (manifest: {result.manifest.relative_to(project.root)})")
    else:
        click.echo("nothing to render: no publishable tracks")
    if result.failures:
        for job, err in result.failures:
            click.echo(f"failed: {job.label}: {err}", err=True)
        raise PipelineError(f"{len(result.failures)} of {len(result.failures) + len(result.entries)} outputs failed")


@click.command("render")
@click.argument("videos", nargs=-1)
@click.option("--drafts", is_flag=True, help="Also render machine drafts, visibly marked as drafts.")
@pass_app
def render_cmd(app: AppContext, videos: tuple[str, ...], drafts: bool) -> None:
    """Render captioned outputs of VIDEOS (default: all) into dist/.

    Per video: a burned-in MP4 per language, one soft-subtitled MP4 and MKV with every language,
    WebVTT sidecars, and dist/manifest.json describing each file.
    """
    _render(app, videos, drafts)


@click.command("build")
@click.argument("videos", nargs=-1)
@click.option("--drafts", is_flag=True, help="Also render machine drafts, visibly marked as drafts.")
@click.option("--ignore-check", is_flag=True, help="Render even when check finds errors in tracks to be published.")
@pass_app
def build_cmd(app: AppContext, videos: tuple[str, ...], drafts: bool, ignore_check: bool) -> None:
    """Check every track, then render everything publishable (the comms team's one command).

    Check errors in a track that would be published (unreadable file, overlaps, unclosed tags, a track
    much shorter than its partner ...) stop the build before anything is rendered; --ignore-check
    renders anyway. Warnings are counted, never blocking: `pipeline check` lists them.
    """
    from pipeline.cli.project_cmds import print_status
    from pipeline.cli.subtitle_cmds import gate_build

    project = app.project()
    print_status(app, project, videos)
    gate_build(app, project, videos, ignore_check)
    _render(app, videos, drafts)


COMMANDS = [probe_cmd, render_cmd, build_cmd]
