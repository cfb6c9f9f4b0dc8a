"""Where a build's work units run (:mod:`pipeline.work`): ``local`` (threads of this process, each running
one ffmpeg, within a memory budget) or ``dask`` (a Dask cluster: local worker processes, or a scheduler's
workers on other machines). The coordinator — the build — plans, joins, writes the manifest and holds the
project lock either way; executors only make the pieces.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Callable, Protocol

from pipeline.media.runner import Progress
from pipeline.work import UnitResult, WorkUnit

EXECUTORS = ("local", "dask")


class Executor(Protocol):
    """Runs work units. ``workers``: how many run at once (how the build cuts its work)."""

    workers: int

    def submit(self, unit: WorkUnit, on_progress: Callable[[Progress], None] | None = None) -> Future[UnitResult]:
        ...

    def cancel(self) -> None:
        """Stop every running unit (interrupt)."""

    def close(self) -> None:
        ...
