"""Drawing library progress events: a rich bar at a terminal, plain log lines otherwise."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from pipeline.render import RenderEvent


class RenderReporter:
    """Consumes :class:`RenderEvent` s. Use as a context manager around a render."""

    def __init__(self, interactive: bool, quiet: bool):
        self.interactive = interactive
        self.quiet = quiet
        self._bar: Progress | None = None
        self._task = None

    def __enter__(self) -> "RenderReporter":
        if self.interactive:
            self._bar = Progress(
                TextColumn("[bold]{task.fields[step]}[/] {task.description}"), BarColumn(), TaskProgressColumn(),
                TimeRemainingColumn(), console=Console(stderr=True), transient=True,
            )
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def __call__(self, event: RenderEvent) -> None:
        step = f"[{event.index + 1}/{event.total}]"
        if event.kind == "start":
            if self._bar is not None:
                if self._task is not None:
                    self._bar.remove_task(self._task)
                self._task = self._bar.add_task(event.job.label, total=1.0, step=step)
            elif not self.quiet:
                click.echo(f"{step} {event.job.label} -> {event.job.output.name}", err=True)
        elif event.kind == "progress" and self._bar is not None and self._task is not None:
            fraction = event.progress.fraction if event.progress else None
            if fraction is not None:
                self._bar.update(self._task, completed=fraction)
        elif event.kind == "failed":
            message = f"{step} FAILED {event.job.label}: {event.error}"
            if self._bar is not None:
                self._bar.console.print(message, markup=False)
            else:
                click.echo(message, err=True)
