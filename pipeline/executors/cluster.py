"""Work units on a Dask cluster (``pipeline build --executor dask [--scheduler tcp://HOST:8786]``).

dask.distributed is an optional extra (``pip install -e '.[cluster]'``). Without a scheduler address the
build starts a local cluster: one worker process per job (``-j``), one thread each. With one, it uses that
scheduler's workers, which need the pipeline installed and the project on a shared file system at the same
path: a unit reads the source, subtitles and fonts where the plan found them, checks their content hashes
first, and installs its files in the project's ``dist/.work``.

Each unit is submitted under an explicit key, its content hash (so the same unit is never run twice by
accident, and the cluster's dashboard names what runs). A unit that fails is tried once more on another
worker, then reported like any failed output; a worker that dies is the scheduler's to replace: the unit
runs elsewhere. The coordinator — the build — joins, writes the manifest and holds the project lock alone.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Callable

from pipeline.errors import PipelineError, UsageError
from pipeline.media.runner import FfmpegRunner, Progress
from pipeline.work import HashMemo, UnitError, UnitResult, WorkUnit, run_unit

log = logging.getLogger(__name__)

INSTALL_HINT = "install the cluster extra: pip install -e '.[cluster]' (dask.distributed)"
PROGRESS_TOPIC = "pipeline-unit-progress"
#: Deaths of workers running one unit before the local cluster gives up on it (the scheduler retries it
#: elsewhere until then).
ALLOWED_FAILURES = 2


def require_dask() -> None:
    """Raise a :class:`UsageError` that says how to install dask.distributed when it is missing."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError("--executor dask needs dask.distributed, which is not installed",
                         hint=INSTALL_HINT) from None


def check_scheduler(address: str, where: str = "--scheduler") -> str:
    """The scheduler address, read by dask.distributed's own parser (installed: :func:`require_dask`); a
    :class:`UsageError` that says what is wrong with it (and where it was given: the option,
    ``$PIPELINE_SCHEDULER`` or the catalog) otherwise."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address.strip())  # HOST:PORT alone means tcp://, as for dask
        get_backend(scheme)
        if scheme != "inproc" and not parse_host_port(location)[0]:  # a host and a port
            raise ValueError("it names no host")
    except (ValueError, TypeError) as exc:
        why = "its port is not a number" if "invalid literal for int" in str(exc) else str(exc)
        raise UsageError(f"{where} {address!r} is not a Dask scheduler address: {why}",
                         hint="give the address the scheduler prints at start, such as tcp://HOST:8786") from None
    return address.strip()


# -- on the worker ------------------------------------------------------------------------------------

_RUNNER: list[FfmpegRunner] = []
_MEMO = HashMemo()
_GUARD = threading.Lock()


def _runner() -> FfmpegRunner:
    with _GUARD:
        if not _RUNNER:
            _RUNNER.append(FfmpegRunner())
        return _RUNNER[0]


def run_unit_on_worker(unit: WorkUnit) -> UnitResult:
    """The task a worker runs: check the unit's inputs, make its files, report progress to the client."""
    from distributed import get_worker

    worker = get_worker()

    def progress(p: Progress) -> None:
        worker.log_event(PROGRESS_TOPIC, {"unit": unit.key, "seconds": p.seconds_done})

    try:
        return run_unit(unit, _runner(), progress, memo=_MEMO, worker=worker.address)
    except UnitError:
        raise
    except PipelineError as exc:  # keep what crosses the wire simple: message, hint, worker
        raise UnitError(str(exc), worker=worker.address) from None


def stop_units() -> int:
    """Kill the ffmpeg runs of this worker (a cancelled build); later units get a fresh runner."""
    with _GUARD:
        runners = list(_RUNNER)
        _RUNNER.clear()
    for runner in runners:
        runner.cancel()
    return len(runners)


# -- on the coordinator -------------------------------------------------------------------------------

class DaskExecutor:
    """Submits work units to a Dask cluster and hands their results back as ``concurrent.futures`` futures."""

    def __init__(self, scheduler: str | None, workers: int):
        require_dask()
        import dask
        from distributed import Client, LocalCluster

        self.cluster = None
        # distributed logs every worker's start and stop at INFO through its own handlers: keep the build's
        # output to the build (with -vv its DEBUG shows everything).
        self._quiet = logging.getLogger("distributed")
        self._level = self._quiet.level
        if not log.isEnabledFor(logging.DEBUG):
            self._quiet.setLevel(logging.CRITICAL)
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="20s")
            else:
                with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
                    self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                dashboard_address=":0", silence_logs=logging.CRITICAL)
                self.client = Client(self.cluster)
        except OSError as exc:
            if self.cluster is not None:
                self.cluster.close()
            raise PipelineError(f"cannot reach the Dask scheduler {scheduler or '(local)'}: {exc}",
                                hint="start it (dask scheduler) or check the address") from None
        self.workers = max(1, sum(self.client.nthreads().values()))
        self._live: dict[str, object] = {}  # dask futures are cancelled once nobody holds them
        self._progress: dict[str, Callable[[Progress], None] | None] = {}
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._guard = threading.Lock()
        self._closed = False
        self.retried: list[tuple[str, str | None]] = []  # (unit, the worker it failed on first)
        self._dispatcher = threading.Thread(target=self._dispatch, name="dask-progress", daemon=True)
        self._dispatcher.start()
        self.client.subscribe_topic(PROGRESS_TOPIC, self._events.put)

    def _dispatch(self) -> None:
        # The client calls the topic handler on its event loop: progress is drawn from this thread instead.
        while True:
            event = self._events.get()
            if event is None:
                return
            _time, message = event
            callback = self._progress.get(message.get("unit"))
            if callback is not None:
                try:
                    callback(Progress(float(message.get("seconds") or 0.0), None))
                except Exception:  # a reporter problem must not stop the build
                    log.debug("progress callback failed", exc_info=True)

    def submit(self, unit: WorkUnit, on_progress: Callable[[Progress], None] | None = None) -> Future[UnitResult]:
        result: Future[UnitResult] = Future()
        self._progress[unit.key] = on_progress
        self._submit(unit, result, 0, None)
        return result

    def _submit(self, unit: WorkUnit, result: Future, attempt: int, avoid: str | None) -> None:
        options: dict = {}
        if avoid:
            others = [w for w in self.client.scheduler_info().get("workers", {}) if w != avoid]
            if others:
                options = {"workers": others, "allow_other_workers": False}
        key = unit.key if attempt == 0 else f"{unit.key}-retry{attempt}"
        future = self.client.submit(run_unit_on_worker, unit, key=key, pure=False, retries=0, **options)
        with self._guard:
            self._live[key] = future
        future.add_done_callback(lambda f: self._finished(f, key, unit, result, attempt))

    def _finished(self, future, key: str, unit: WorkUnit, result: Future, attempt: int) -> None:
        from distributed import KilledWorker

        with self._guard:
            self._live.pop(key, None)
        if result.done():
            return
        try:
            result.set_result(future.result())
            return
        except KilledWorker:  # the scheduler already ran it elsewhere after each death
            result.set_exception(UnitError(f"{unit.label}: the workers running it died",
                                           hint="look at the workers' logs (out of memory?)"))
            return
        except UnitError as exc:
            error, worker = exc, exc.worker
        except Exception as exc:  # cancelled, lost connection, a bug on the worker
            if self._closed:
                return
            error, worker = UnitError(f"{unit.label}: {type(exc).__name__}: {exc}"), None
        if attempt == 0 and not self._closed:
            log.info("retrying %s on another worker: %s", unit.label, error)
            self.retried.append((unit.label, worker))
            try:
                self._submit(unit, result, 1, worker)
                return
            except Exception:  # the client is closing
                pass
        result.set_exception(error)

    def cancel(self) -> None:
        """Stop everything this build submitted, ffmpeg runs included (a task's cancel does not stop them)."""
        self._closed = True
        with self._guard:
            futures = list(self._live.values())
        try:
            if futures:
                self.client.cancel(futures, force=True)
            self.client.run(stop_units)
        except Exception:
            log.debug("cancelling on the cluster failed", exc_info=True)

    def close(self) -> None:
        self._closed = True
        try:
            self.client.unsubscribe_topic(PROGRESS_TOPIC)
        except Exception:
            pass
        self._events.put(None)
        try:
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        finally:
            self._quiet.setLevel(self._level)
