"""Drawing build progress: "N of M jobs" and a bar per running encode at a terminal, plain log lines
otherwise (CI), only failures with --quiet. Events arrive from worker threads: every method locks."""

from __future__ import annotations

import threading

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn

from pipeline.render import RenderEvent

MODES = ("bar", "plain", "quiet")


class BuildReporter:
    """Consumes :class:`RenderEvent` s. Use as a context manager around a build.

    ``mode``: ``bar`` (rich bars on stderr), ``plain`` (one line per finished job), ``quiet`` (failures only).
    """

    def __init__(self, mode: str = "plain"):
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self._lock = threading.RLock()
        self._bar: Progress | None = None
        self._overall: TaskID | None = None
        self._running: dict[int, TaskID] = {}
        self._finished = 0
        self._total = 0

    def __enter__(self) -> "BuildReporter":
        if self.mode == "bar":
            self._bar = Progress(
                TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def _say(self, message: str) -> None:
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            click.echo(message, err=True)

    def waiting(self, who: str) -> None:
        """The project lock is held by another build."""
        with self._lock:
            self._say(f"another build of this project is running ({who}); waiting for it to finish "
                      "(Ctrl-C to stop)")

    def planned(self, plan) -> None:
        with self._lock:
            self._total = len(plan.to_build)
            skipped = len(plan.of("skip"))
            if self.mode == "plain":
                self._say(f"{self._total} to build, {skipped} up to date"
                          + (f", {len(plan.remove)} to remove" if plan.remove else ""))
            if self._bar is not None and self._total:
                self._overall = self._bar.add_task(self._jobs_text(), total=self._total)

    def _jobs_text(self) -> str:
        return f"[bold]{self._finished} of {self._total} jobs[/]"

    def __call__(self, event: RenderEvent) -> None:
        with self._lock:
            self._handle(event)

    def _handle(self, event: RenderEvent) -> None:
        key = id(event.job)
        if event.kind == "start":
            if self._bar is not None and event.job.encodes:
                self._running[key] = self._bar.add_task(f"  {event.job.label}", total=1.0)
        elif event.kind == "progress":
            task = self._running.get(key)
            fraction = event.progress.fraction if event.progress else None
            if self._bar is not None and task is not None and fraction is not None:
                self._bar.update(task, completed=fraction)
        elif event.kind in ("done", "failed"):
            task = self._running.pop(key, None)
            if self._bar is not None and task is not None:
                self._bar.remove_task(task)
            if event.index >= 0:
                self._finished += 1
            step = f"[{self._finished}/{self._total}]" if event.index >= 0 else "[plan]"
            if event.kind == "failed":
                self._say(f"{step} FAILED {event.job.label}: {event.error}")
            elif self.mode == "plain":
                # Times of outputs made from the video (a text file written from a track takes no time).
                took = f" ({event.seconds:.1f} s)" if event.seconds is not None and event.job.source else ""
                self._say(f"{step} built {event.job.path}{took}")
            if self._bar is not None and self._overall is not None:
                self._bar.update(self._overall, completed=self._finished, description=self._jobs_text())


#: The foundation's name for the reporter.
