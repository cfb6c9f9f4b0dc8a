"""``pipeline review``: review pages in a browser, written to dist/review/ and optionally served."""

from __future__ import annotations

import click

from pipeline.cli.context import AppContext
from pipeline.media.runner import Progress

pass_app = click.make_pass_decorator(AppContext)


class _EncodeReporter:
    """Draws the rare encode a review page needs (a source browsers cannot play)."""

    def __init__(self, app: AppContext, video_id: str):
        self.app = app
        self.video_id = video_id
        self.bar = None
        self.task = None

    def __call__(self, method: str, progress: Progress | None) -> None:
        if progress is None:
            what = "remuxing the source to MP4" if method == "remux" else "encoding a WebM proxy (browsers cannot play the source)"
            if self.app.interactive:
                from rich.console import Console
                from rich.progress import BarColumn, Progress as Bar, TaskProgressColumn

                self.bar = Bar("{task.description}", BarColumn(), TaskProgressColumn(),
                               console=Console(stderr=True), transient=True)
                self.bar.start()
                self.task = self.bar.add_task(f"{self.video_id}: {what}", total=1.0)
            elif not self.app.quiet:
                click.echo(f"{self.video_id}: {what}", err=True)
        elif self.bar is not None and progress.fraction is not None:
            self.bar.update(self.task, completed=progress.fraction)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _describe(result) -> str:
    parts = []
    for view in result.data.languages:
        mark = " (source)" if view.is_source else ""
        if view.error:
            mark += " UNREADABLE"
        elif view.draft:
            mark += " MACHINE DRAFT"
        parts.append(f"{view.language}{mark}")
    return ", ".join(parts) or "no tracks"


@click.command("review")
@click.argument("video", required=False)
@click.argument("languages", nargs=-1, metavar="[LANG]...")
@click.option("--serve", is_flag=True,
              help="Run the review workbench: edit, approve and comment in the browser (Ctrl-C stops).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port for --serve (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address for --serve to listen on. Keep loopback unless others must reach it.")
@pass_app
def review_cmd(app: AppContext, video: str | None, languages: tuple[str, ...], serve: bool, port: int, host: str) -> None:
    """Write a review page for VIDEO (default: every video) into dist/review/VIDEO/.

    The page plays the video with a switchable caption track per language (LANGs, default: all tracks)
    beside a table of cues: time, source text, translation, review state (human / machine draft /
    edited / approved / stale) and check findings. Click a row to jump to it; the cue on screen is
    highlighted; machine drafts are marked as drafts. The folder works offline and from file://.

    With --serve, the review workbench instead: pick a video and a language, edit cues beside the
    video with check findings as you type, save, approve and comment; it prints the address to open
    (with this run's key in it).
    """
    from pipeline.project import not_track_message
    from pipeline.review_page import build_review, review_root, write_index
    from pipeline.review_page.server import make_server

    ctx = click.get_current_context()
    if not serve and any(ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE
                         for name in ("port", "host")):
        raise click.UsageError("--port and --host only work with --serve")
    project = app.project()
    video_ids = [video] if video else list(project.videos)
    for vid in video_ids:
        project.video(vid)  # unknown ids fail before any work
    server = make_server(project, host, port, runner=app.runner) if serve else None  # a busy port fails early
    try:
        for vid in video_ids:
            reporter = _EncodeReporter(app, vid)
            try:
                result = build_review(project, vid, languages or None, runner=app.runner, on_progress=reporter)
            finally:
                reporter.close()
            if server is not None:
                media = result.data.media[0]
                server.app.workbench.remember_media(vid, result.page.parent / media.name, media.mime)
            click.echo(f"{result.page.relative_to(project.root)}  [{_describe(result)}]")
            for path, suggestion in project.not_tracks(vid):
                click.echo(f"{vid}: {not_track_message(path, suggestion)}", err=True)
            for view in result.data.languages:
                if view.error:
                    click.echo(f"warning: {view.language}: {view.error}", err=True)
        if not video_ids:
            click.echo(f"no videos in {project.catalog_path}: add one with pipeline add")
            write_index(project)
        if server is None:
            page = result.page if len(video_ids) == 1 else review_root(project) / "index.html"
            click.echo(f"open {page.as_uri()}")
            return
        if not server.loopback_only:
            click.echo(f"warning: listening on {host}: others on the network can reach the workbench; only the "
                       "printed address (with its key) shows or changes anything, and HTTP travels unencrypted",
                       err=True)
        url = server.page_url(video if video else None, languages[0] if video and len(languages) == 1 else None)
        try:  # Ctrl-C may come as soon as the address is out
            click.echo(f"review workbench for {project.root} at {url}")
            click.echo("open that address (it carries this run's key); Ctrl-C stops")
            server.serve_forever()  # returns on Ctrl-C
        except KeyboardInterrupt:
            pass
        click.echo("stopped")
    finally:
        if server is not None:
            server.close()


COMMANDS = [review_cmd]
