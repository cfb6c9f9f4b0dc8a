"""Commands for reviewers: preview a captioned frame or a contact sheet of a track."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.cli.context import AppContext
from pipeline.errors import UsageError
from pipeline.preview import contact_sheet, parse_time, preview_frame

pass_app = click.make_pass_decorator(AppContext)


@click.command("preview")
@click.argument("video")
@click.argument("language")
@click.option("--at", "at", metavar="TIME", help="Time of the frame: seconds (12.5) or [HH:]MM:SS[.mmm].")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="PNG to write (default: VIDEO.LANG.at-TIME.png or VIDEO.LANG.sheet.png here).")
@click.option("--sheet", is_flag=True, help="A contact sheet: one frame per cue, labelled with cue numbers.")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="With --sheet: one frame every N cues.")
@click.option("--profile", default="web", show_default=True, help="Frame shape: web, square, vertical ...")
@click.option("--columns", type=click.IntRange(1, 12), default=4, show_default=True,
              help="With --sheet: frames per row.")
@click.option("--width", type=click.IntRange(64, 3840), default=320, show_default=True,
              help="With --sheet: width of each frame in pixels.")
@pass_app
def preview_cmd(app: AppContext, video: str, language: str, at: str | None, output: Path | None, sheet: bool,
                every: int, profile: str, columns: int, width: int) -> None:
    """Render one captioned frame of VIDEO's LANGUAGE track at --at TIME, or with --sheet a contact
    sheet of its cues, exactly as the burned-in output of --profile would show them."""
    project = app.project()
    if sheet:
        target = output or Path(f"{video}.{language}.sheet.png")

        def progress(done: int, total: int) -> None:
            if app.interactive:
                click.echo(f"\rframe {done} of {total}", err=True, nl=done == total)

        result = contact_sheet(project, video, language, target, every=every, profile=profile, columns=columns,
                               thumb_width=width, runner=app.runner, on_frame=progress)
        click.echo(f"{result.path}: {len(result.cues)} cues ({result.columns}x{result.rows})")
        return
    if at is None:
        raise UsageError("give --at TIME for one frame, or --sheet for a contact sheet")
    seconds = parse_time(at)
    target = output or Path(f"{video}.{language}.at-{seconds:g}s.png")
    click.echo(str(preview_frame(project, video, language, seconds, target, profile=profile, runner=app.runner)))


COMMANDS = [preview_cmd]
