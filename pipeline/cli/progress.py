"""Drawing build progress: "N of M jobs" and a bar per running encode at a terminal, plain log lines
otherwise (CI), only failures with --quiet. Events arrive from worker threads: every method locks.

Plain lines: one per finished job, and while encodes run, one line per video and kind every
``PROGRESS_SECONDS`` (``$PIPELINE_PROGRESS_SECONDS``) saying how far they are, so a CI log of a long
multi-output encode is never silent for minutes.
"""

from __future__ import annotations

import os
import threading
import time

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn

from pipeline.render import RenderEvent

MODES = ("bar", "plain", "quiet")
#: Seconds between plain progress lines of running encodes.
PROGRESS_SECONDS = 5.0


def progress_seconds() -> float:
    """``$PIPELINE_PROGRESS_SECONDS`` when it is a positive number, else :data:`PROGRESS_SECONDS`."""
    try:
        value = float(os.environ.get("PIPELINE_PROGRESS_SECONDS", ""))
    except ValueError:
        return PROGRESS_SECONDS
    return value if value > 0 else PROGRESS_SECONDS


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class BuildReporter:
    """Consumes :class:`RenderEvent` s. Use as a context manager around a build.

    ``mode``: ``bar`` (rich bars on stderr), ``plain`` (one line per finished job), ``quiet`` (failures only).
    """

    def __init__(self, mode: str = "plain", every: float | None = None):
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self.every = every if every is not None else progress_seconds()
        self._encoding: dict[int, tuple] = {}  # running encode -> (job, started, latest progress)
        self._last_line = time.monotonic()
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
            if event.job.encodes:
                self._encoding[key] = (event.job, time.monotonic(), None)
        elif event.kind == "progress":
            task = self._running.get(key)
            fraction = event.progress.fraction if event.progress else None
            if self._bar is not None and task is not None and fraction is not None:
                self._bar.update(task, completed=fraction)
            if key in self._encoding:
                job, started, _ = self._encoding[key]
                self._encoding[key] = (job, started, event.progress)
            if self.mode == "plain" and time.monotonic() - self._last_line >= self.every:
                self._progress_lines()
        elif event.kind in ("done", "failed"):
            self._encoding.pop(key, None)
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

    def _progress_lines(self) -> None:
        """One line per video and kind being encoded: its outputs, how far, how fast, how long so far."""
        self._last_line = time.monotonic()
        groups: dict[tuple, list[tuple]] = {}
        for job, started, progress in self._encoding.values():
            groups.setdefault((job.video, job.kind), []).append((job, started, progress))
        for (video, kind), items in groups.items():
            reports = [p for _, _, p in items if p is not None and p.fraction is not None]
            if not reports:
                continue
            jobs = [job for job, _, _ in items]
            langs = "+".join(dict.fromkeys(lang for job in jobs for lang in job.languages))
            profiles = ", ".join(dict.fromkeys(job.profile for job in jobs if job.profile))
            what = f"{video} {kind} {langs}" + (f" ({profiles})" if profiles else "")
            fraction = sum(p.fraction for p in reports) / len(reports)
            done = sum(p.seconds_done for p in reports) / len(reports)
            total = reports[0].total_seconds or 0.0
            speeds = [p.speed for p in reports if p.speed and p.speed not in ("N/A", "0x")]
            elapsed = time.monotonic() - min(started for _, started, _ in items)
            outputs = f"{len(jobs)} output{'s' if len(jobs) > 1 else ''}"
            speed = f", {speeds[0]}" if speeds else ""
            self._say(f"[{self._finished}/{self._total}] encoding {what}, {outputs}: {fraction:.0%} "
                      f"({_clock(done)} of {_clock(total)}{speed}), {_clock(elapsed)} so far")
