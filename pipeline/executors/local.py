"""Units in threads of this process, each running one ffmpeg: ``-j N`` runs N at once, and no unit starts
while those running and it would together pass the memory budget (unless nothing else runs)."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable

from pipeline.media.runner import FfmpegRunner, Progress
from pipeline.work import UnitResult, WorkUnit, run_unit


class MemoryGate:
    """Admits work while the estimated memory of what runs stays within a budget; one piece of work always
    runs, however large."""

    def __init__(self, budget_mib: float):
        self.budget = budget_mib
        self.used = 0.0
        self.peak = 0.0
        self._cond = threading.Condition()

    def acquire(self, need: float) -> None:
        with self._cond:
            while self.used > 0 and self.used + need > self.budget:
                self._cond.wait()
            self.used += need
            self.peak = max(self.peak, self.used)

    def release(self, need: float) -> None:
        with self._cond:
            self.used -= need
            self._cond.notify_all()


class LocalExecutor:
    """Runs units in a thread pool shared with the build's other tasks (joins, stream copies)."""

    def __init__(self, pool: ThreadPoolExecutor, runner: FfmpegRunner, workers: int, memory_mib: float):
        self.pool = pool
        self.runner = runner
        self.workers = workers
        self.gate = MemoryGate(memory_mib)

    def submit(self, unit: WorkUnit, on_progress: Callable[[Progress], None] | None = None) -> Future[UnitResult]:
        return self.pool.submit(self._run, unit, on_progress)

    def _run(self, unit: WorkUnit, on_progress) -> UnitResult:
        self.gate.acquire(unit.memory_mib)
        try:
            return run_unit(unit, self.runner, on_progress)
        finally:
            self.gate.release(unit.memory_mib)

    def cancel(self) -> None:
        self.runner.cancel()

    def close(self) -> None:
        pass
