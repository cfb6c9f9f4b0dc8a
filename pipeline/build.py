"""Incremental, parallel builds of ``dist/``.

A build plans every output (:func:`pipeline.render.plan_video`, which asks each output kind of
:mod:`pipeline.outputs`), compares each job's input hashes
(source video, track text and timing, style, profile, fonts, pipeline version) with those recorded in
``dist/manifest.json``, and runs only the jobs whose inputs changed or whose output is missing. An output
made in pieces (a burned-in video's segments) also redoes only the pieces whose inputs changed.

The pieces are work units (:mod:`pipeline.work`) run by an executor (:mod:`pipeline.executors`): ``-j``
threads of this process each running one ffmpeg within a memory budget, or a Dask cluster. This process —
the coordinator — joins the pieces, produces the other outputs, writes the manifest and holds the lock.
One failing output does not stop the others. The manifest is updated as each output is finished, so an
interrupted build loses at most the outputs it was writing.

Two builds of one project never interleave: the project lock (``dist/.lock``) is held for the whole
build; a second build waits for the first (or, with ``wait=False``, stops with a clear message).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from pipeline.cache import MediaFacts, WorkCache
from pipeline.errors import LockedError, PipelineError, UsageError
from pipeline.fsutil import TEMP_MARK
from pipeline.media.runner import FfmpegRunner, Progress
from pipeline.profiles import load_profile
from pipeline.project import Project
from pipeline.manifest import MANIFEST, read_manifest, update_manifest, video_facts
from pipeline.outputs import KINDS, WORK, RenderJob, prepare_job
from pipeline.publish import GateError, judge_video, rendered_as_draft
from pipeline.render import EventCallback, RenderEvent, plan_video, run_jobs
from pipeline.tracks import TrackState
from pipeline.work import UnitResult, WorkUnit, clean_scratch

log = logging.getLogger(__name__)

LOCK = ".lock"
LOCK_OWNER = ".lock.owner"
#: Decode once and encode every burned-in output of a video in one ffmpeg process, instead of one
#: process per output: 9-10% faster for 720p sources and up to 30% for small ones on this 2-core machine
#: (bench/build.py; docs/rendering.md), frames identical. ``[render] decode_once``.
DECODE_ONCE_DEFAULT = True
#: Memory the encodes running at once may use together, estimated per unit (``[render] memory_mib``): with
#: the build's own ~100 MiB it keeps a build under 700 MiB whatever the number of languages and profiles.
MEMORY_MIB_DEFAULT = 600
_INPUT_NAMES = {"source": "source video", "style": "style", "profile": "profile", "pipeline": "pipeline version",
                "draft": "draft status", "tracks": "track list", "tags": "title or audio language",
                "page": "page content", "files": "list of the video's files", "poster": "poster time or frame",
                "package": "HLS package folder"}


def default_jobs() -> int:
    """Concurrent jobs when nobody says: one per CPU core this process may use (x264 threads itself,
    but processes overlap start-up, probing, muxing and the single-threaded filters), at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


@dataclass
class BuildOptions:
    """How to build. ``jobs``/``decode_once`` None: environment, then the catalog's ``[render]``, then defaults."""

    include_drafts: bool = False
    force: bool = False
    jobs: int | None = None
    profiles: tuple[str, ...] | None = None  # only these profiles' burned-in outputs (default: the catalog's)
    decode_once: bool | None = None
    wait: bool = True  # wait for another build of the project (False: stop with LockedError)
    #: Render tracks that would be published even when ``pipeline check`` finds errors in them.
    ignore_check: bool = False
    executor: str | None = None  # local | dask (None: $PIPELINE_EXECUTOR, [render] executor, local)
    scheduler: str | None = None  # a Dask scheduler's address (None: $PIPELINE_SCHEDULER, [render] scheduler)
    memory_mib: float | None = None  # None: [render] memory_mib, else MEMORY_MIB_DEFAULT


@dataclass
class Decision:
    """What the build does with one job, and why."""

    job: RenderJob
    action: str  # build | skip | fail
    reason: str


@dataclass(frozen=True)
class LeftOut:
    video: str
    language: str
    reason: str
    error: bool  # True for a person's track (or any unreadable one) that should have been rendered


def left_out_tracks(video_id: str, states: list[TrackState], include_drafts: bool) -> list[LeftOut]:
    """The tracks of a video that will not be rendered, and why."""
    out = []
    for state in states:
        if rendered_as_draft(state, include_drafts) is not None:
            continue
        # A file that cannot be read is a person's doing even in a drafted track (the machine writes valid
        # files), and may be one a person approved: an error, never a note.
        unreadable = not state.cues and not state.counts and state.reason is not None
        out.append(LeftOut(video_id, state.language, state.reason or "not publishable",
                           state.origin == "human" or unreadable))
    return out


@dataclass
class BuildPlan:
    decisions: list[Decision]
    remove: list[tuple[str, str]] = field(default_factory=list)  # (path in dist/, why) of outputs no longer made
    videos: list[str] = field(default_factory=list)
    #: Tracks not rendered, with why: a person's track that cannot be read is an error (never a silent
    #: omission); a machine draft awaiting review is a note.
    left_out: list[LeftOut] = field(default_factory=list)
    #: Tracks that would be published but fail the check: the build stops (:class:`GateError`) for them.
    blocked: list[TrackState] = field(default_factory=list)
    #: Tracks rendered despite check errors (``ignore_check``).
    ignored: list[TrackState] = field(default_factory=list)
    #: One line per ``.srt`` file that is not a track (its name is not a language tag).
    not_tracks: list[str] = field(default_factory=list)
    check_error: str | None = None  # the check could not run (every track that would be published is blocked)

    def of(self, action: str) -> list[Decision]:
        return [d for d in self.decisions if d.action == action]

    @property
    def to_build(self) -> list[RenderJob]:
        return [d.job for d in self.decisions if d.action == "build"]


@dataclass
class BuildResult:
    """What a build did. ``entries`` (built outputs' manifest entries), ``failures`` and ``manifest``
    keep the shape of the foundation's render result."""

    plan: BuildPlan
    entries: list[dict] = field(default_factory=list)
    failures: list[tuple[RenderJob, PipelineError]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    cleaned: list[Path] = field(default_factory=list)  # stale partial files of an interrupted build
    manifest: Path | None = None
    seconds: float = 0.0
    jobs: int = 1
    units: list[WorkUnit] = field(default_factory=list)  # the pieces this build made (segments, audio)
    executor: str = "local"
    swept: int = 0  # cached pieces no output uses any more, removed

    @property
    def built(self) -> list[RenderJob]:
        failed = {id(j) for j, _ in self.failures}
        return [j for j in self.plan.to_build if id(j) not in failed]

    @property
    def skipped(self) -> list[Decision]:
        return self.plan.of("skip")


# -- the project lock -------------------------------------------------------------------------------

@contextlib.contextmanager
def project_lock(project: Project, *, wait: bool = True,
                 on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the project's build lock (``dist/.lock``, released by the OS if the process dies).

    If another build holds it: with ``wait``, call ``on_wait(who)`` and block until it is free;
    otherwise raise :class:`LockedError`.
    """
    from filelock import FileLock, Timeout

    project.dist.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(project.dist / LOCK))
    owner = project.dist / LOCK_OWNER
    try:
        lock.acquire(timeout=0)
    except Timeout:
        try:
            who = owner.read_text(encoding="utf-8").strip() or "another process"
        except OSError:
            who = "another process"
        if not wait:
            raise LockedError(f"another build of {project.root} is running ({who})",
                              hint="wait for it to finish, or run again without --no-wait to wait") from None
        if on_wait is not None:
            on_wait(who)
        lock.acquire()
    try:
        owner.write_text(f"pid {os.getpid()}, started {time.strftime('%H:%M:%S')}\n", encoding="utf-8")
        yield
    finally:
        with contextlib.suppress(OSError):
            owner.unlink()
        lock.release()


def clean_partials(dist: Path) -> list[Path]:
    """Delete temp files an interrupted build left behind (call only while holding the lock)."""
    removed = []
    if not dist.is_dir():
        return removed
    for path in sorted(dist.rglob(f"*{TEMP_MARK}*")):
        if not path.name.startswith("."):
            continue
        if path.is_file() or path.is_symlink():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path)
        elif path.is_dir():  # a folder an output was being written into (an HLS package)
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


# -- planning ---------------------------------------------------------------------------------------

def _changed(old: dict, new: dict) -> list[str]:
    """Names of the inputs that differ, for people: "track es", "font NotoSans-Regular.ttf", "style"."""
    names = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) == new.get(key):
            continue
        kind, _, what = key.partition(":")
        if kind == "track":
            names.append(f"track {what}" + ("" if key in old else " added") + ("" if key in new else " removed"))
        elif kind == "font":
            names.append(f"font {what}")
        else:
            names.append(_INPUT_NAMES.get(kind, kind))
    return list(dict.fromkeys(names))


def decide(job: RenderJob, entry: dict | None, force: bool) -> Decision:
    """Build, skip or fail one job, with the reason."""
    if job.error is not None:
        return Decision(job, "fail", str(job.error))
    if force:
        return Decision(job, "build", "forced (--force)")
    if not job.output.is_file():
        return Decision(job, "build", "new output" if entry is None else "output file is missing")
    if entry is None:
        return Decision(job, "build", "not in the manifest")
    if entry.get("size") != job.output.stat().st_size:
        return Decision(job, "build", "output file changed since it was built")
    changed = _changed(entry.get("inputs") or {}, job.inputs)
    if changed:
        return Decision(job, "build", f"{', '.join(changed)} changed")
    return Decision(job, "skip", "up to date")


def plan_build(project: Project, video_ids: Iterable[str] | None = None, options: BuildOptions = BuildOptions(),
               runner: FfmpegRunner | None = None, cache: WorkCache | None = None, *,
               remember: bool = True, report=None) -> BuildPlan:
    """Every job of the given videos (all by default), each decided against the manifest.

    Which tracks render is the publish gate's decision (:func:`pipeline.publish.judge_video`); ``report``
    is a check of these videos already made (else they are checked here). With ``remember`` False (a
    dry run) nothing is written, not even the hash cache.
    """
    runner = runner or FfmpegRunner()
    cache = cache or WorkCache(project.dist / WORK / "cache.json", MediaFacts(read_only=not remember))
    everything = not video_ids
    ids = list(dict.fromkeys(video_ids)) if video_ids else list(project.videos)
    for vid in ids:
        project.video(vid)  # unknown ids fail before any work
    if options.profiles:
        for name in options.profiles:
            load_profile(project, name)  # an unknown profile is a usage error before any work
    manifest = {e.get("path"): e for e in read_manifest(project.dist)["outputs"] if isinstance(e, dict)}
    decisions: list[Decision] = []
    planned: set[str] = set()
    left_out: list[LeftOut] = []
    blocked: list[TrackState] = []
    check_error: str | None = None
    ignored: list[TrackState] = []
    not_tracks: list[str] = []
    kept: set[str] = set()  # outputs of a person's unreadable track: the last good ones stay until it is fixed
    for vid in ids:
        verdict = judge_video(project, vid, report=report, runner=runner, ignore_check=options.ignore_check)
        states = verdict.tracks  # read once, for what is left out and for what is planned
        blocked += verdict.blocking
        check_error = check_error or verdict.check_error
        ignored += verdict.ignored
        not_tracks += verdict.notes
        missing = left_out_tracks(vid, states, options.include_drafts)
        left_out += missing
        unreadable = sorted(item.language for item in missing if item.error)
        kept |= {path for path, entry in manifest.items()
                 if entry.get("video") == vid and set(entry.get("languages") or ()) & set(unreadable)}
        jobs = plan_video(project, project.video(vid), include_drafts=options.include_drafts, runner=runner,
                          cache=cache, profiles=options.profiles, states=states)
        if options.profiles:
            jobs = [j for j in jobs if j.output_kind.per_profile and j.profile in options.profiles]
        for job in jobs:
            planned.add(job.path)
            decision = decide(job, manifest.get(job.path), options.force)
            if decision.action == "build" and unreadable and job.output_kind.all_languages:
                # Never make (or replace a good) switchable-subtitle file that silently lacks a person's language.
                job.error = PipelineError(f"not built without the {', '.join(unreadable)} track, which cannot be "
                                          "read", hint="fix that track (pipeline check shows where) and build again")
                decision = Decision(job, "fail", str(job.error))
            if decision.action == "build" and job.check is not None:
                try:  # a missing glyph fails this output before any encode starts
                    job.check()
                except PipelineError as exc:
                    job.error = exc
                    decision = Decision(job, "fail", str(exc))
            if decision.action == "build":
                entry = manifest.get(job.path)
                changed = _changed(entry.get("inputs") or {}, job.inputs) if entry else []
                job.note = job.output_kind.plan_work(job, entry, options.force, changed)
                if job.note:
                    decision.reason = f"{decision.reason}; {job.note}"
            decisions.append(decision)
    if remember:
        cache.save()
    remove = []
    if not options.profiles:  # a partial build cannot know what else is still wanted
        for path, entry in sorted(manifest.items()):
            vid = entry.get("video")
            if path in planned or path in kept or not isinstance(path, str):
                continue
            if vid in ids:
                remove.append((path, "no longer built (track, profile or draft setting changed)"))
            elif everything and vid not in project.videos:
                remove.append((path, "video no longer in the catalog"))
    return BuildPlan(decisions, remove, ids, left_out, blocked, ignored, not_tracks, check_error)


# -- running ----------------------------------------------------------------------------------------

def _setting(project: Project, key: str):
    return project.setting("render").get(key)


def resolve_jobs(project: Project, requested: int | None) -> int:
    """Concurrent jobs: the option, else ``$PIPELINE_JOBS``, else ``[render] jobs``, else :func:`default_jobs`."""
    for value, where in ((requested, "-j"), (os.environ.get("PIPELINE_JOBS"), "PIPELINE_JOBS"),
                         (_setting(project, "jobs"), "[render] jobs")):
        if value is None or value == "":
            continue
        try:
            n = int(value)
        except (TypeError, ValueError):
            n = 0
        if n < 1:
            raise UsageError(f"{where} must be a whole number of jobs, at least 1 (got {value!r})")
        return n
    return default_jobs()


def resolve_decode_once(project: Project, requested: bool | None) -> bool:
    if requested is not None:
        return requested
    value = _setting(project, "decode_once")
    if value is None:
        return DECODE_ONCE_DEFAULT
    if not isinstance(value, bool):
        raise UsageError(f"{project.catalog_path}: [render] decode_once must be true or false")
    return value


def group_tasks(jobs: Sequence[RenderJob], decode_once: bool, workers: int = 1,
                memory_mib: float | None = None) -> list[list[RenderJob]]:
    """Tasks of jobs produced whole, costliest first: each job alone, or with ``decode_once`` the jobs its
    kind batches together (every burned-in output of one source) in one task — at most as many as
    ``workers`` such tasks may hold together within ``memory_mib`` (:meth:`OutputKind.batch_size`)."""
    tasks: list[list[RenderJob]] = []
    batches: dict[tuple, list[RenderJob]] = {}
    for job in jobs:
        key = job.output_kind.batch_key(job) if decode_once else None
        if key is None:
            tasks.append([job])
        else:
            batches.setdefault((job.kind, key), []).append(job)
    for batch in batches.values():
        size = len(batch) if memory_mib is None else \
            max(1, batch[0].output_kind.batch_size(batch, workers, memory_mib))
        tasks += [batch[n:n + size] for n in range(0, len(batch), size)]
    return sorted(tasks, key=lambda task: task[0].output_kind.cost(task), reverse=True)


def resolve_memory(project: Project, requested: float | None) -> float:
    """The memory budget (MiB) of the encodes running at once: the option, else ``[render] memory_mib``."""
    value = requested if requested is not None else _setting(project, "memory_mib")
    if value is None:
        return float(MEMORY_MIB_DEFAULT)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 100:
        raise UsageError(f"{project.catalog_path}: [render] memory_mib must be a number of MiB, at least 100 "
                         f"(got {value!r})")
    return float(value)


def resolve_executor(project: Project, options: BuildOptions) -> tuple[str, str | None]:
    """Which executor runs the work units, and the Dask scheduler's address: option, environment
    (``$PIPELINE_EXECUTOR``, ``$PIPELINE_SCHEDULER``), ``[render] executor``/``scheduler``, else local.

    For ``dask``, also that dask.distributed is installed and the address reads as one (a :class:`UsageError`
    naming where it was given otherwise), before the lock and any work."""
    from pipeline.executors import EXECUTORS

    given = (("--scheduler", options.scheduler), ("$PIPELINE_SCHEDULER", os.environ.get("PIPELINE_SCHEDULER")),
             (f"{project.catalog_path}: [render] scheduler", _setting(project, "scheduler")))
    where, scheduler = next(((w, value) for w, value in given if value), (None, None))
    name = options.executor or os.environ.get("PIPELINE_EXECUTOR") or _setting(project, "executor") or \
        ("dask" if options.scheduler else "local")
    if name not in EXECUTORS:
        raise UsageError(f"unknown executor {name!r}", hint=f"use one of: {', '.join(EXECUTORS)}")
    if scheduler is not None and not isinstance(scheduler, str):
        raise UsageError(f"{project.catalog_path}: [render] scheduler must be an address such as tcp://host:8786")
    if name != "dask" and options.scheduler:
        raise UsageError("--scheduler needs --executor dask")
    if name != "dask":
        return name, None
    from pipeline.executors.cluster import check_scheduler, require_dask

    require_dask()  # says how to install it
    return name, None if scheduler is None else check_scheduler(scheduler, where)


class _Book:
    """Progress and timing of jobs whose pieces are made by several units."""

    def __init__(self, emit: Callable[[RenderEvent], None], index: dict[int, int], total: int):
        self.emit, self.index, self.total = emit, index, total
        self._guard = threading.Lock()
        self.started: dict[int, float] = {}
        self.done: dict[int, float] = {}  # job -> media seconds of its pieces made
        self.work: dict[int, float] = {}  # job -> media seconds of pieces to make

    def start(self, job: RenderJob) -> None:
        with self._guard:
            if id(job) in self.started:
                return
            self.started[id(job)] = time.monotonic()
        self.emit(RenderEvent("start", job, self.index[id(job)], self.total))

    def advance(self, job: RenderJob, seconds: float) -> None:
        self.start(job)
        with self._guard:
            self.done[id(job)] = self.done.get(id(job), 0.0) + seconds
            done, work = self.done[id(job)], self.work.get(id(job)) or None
        if job.encodes:
            self.emit(RenderEvent("progress", job, self.index[id(job)], self.total,
                                  Progress(min(done, work or done), work)))

    def seconds(self, job: RenderJob) -> float:
        return time.monotonic() - self.started.get(id(job), time.monotonic())


def _executor(name: str, scheduler: str | None, pool: ThreadPoolExecutor, runner: FfmpegRunner, jobs_n: int,
              memory: float):
    if name == "dask":
        from pipeline.executors.cluster import DaskExecutor

        return DaskExecutor(scheduler, workers=jobs_n)
    from pipeline.executors.local import LocalExecutor

    return LocalExecutor(pool, runner, jobs_n, memory)


def run_build(
    project: Project, video_ids: Iterable[str] | None = None, options: BuildOptions = BuildOptions(), *,
    runner: FfmpegRunner | None = None, on_event: EventCallback | None = None,
    on_wait: Callable[[str], None] | None = None, on_plan: Callable[[BuildPlan], None] | None = None,
    report=None,
) -> BuildResult:
    """Build the given videos (all by default): lock the project, clean up after any interrupted build,
    plan, remove outputs no longer made, make the pieces (work units) and the outputs that changed, and
    keep the manifest in step.

    Only what the publish gate allows is rendered (:mod:`pipeline.publish`); a track that would be
    published but fails the check stops the build with :class:`GateError` before anything is rendered,
    unless ``options.ignore_check``. ``report``: a check of these videos already made.

    ``on_event`` is called from worker threads (start, progress) and the calling thread (done, failed).
    """
    runner = runner or FfmpegRunner()
    started = time.monotonic()
    emit = on_event or (lambda _e: None)
    jobs_n = resolve_jobs(project, options.jobs)
    decode_once = resolve_decode_once(project, options.decode_once)
    memory = resolve_memory(project, options.memory_mib)
    executor_name, scheduler = resolve_executor(project, options)
    runner.ffprobe, runner.ffmpeg  # noqa: B018 -- both must be installed: say so once, before any work
    with project_lock(project, wait=options.wait, on_wait=on_wait):
        cleaned = clean_partials(project.dist) + clean_scratch(project.dist / WORK)
        plan = plan_build(project, video_ids, options, runner, report=report)
        if plan.blocked:  # before anything is rendered or removed
            raise GateError(plan.blocked, plan.check_error)
        if on_plan is not None:
            on_plan(plan)
        result = BuildResult(plan, cleaned=cleaned, jobs=jobs_n, executor=executor_name)
        facts = {vid: video_facts(project.videos[vid].title, project.videos[vid].audio_language)
                 for vid in plan.videos}
        removed = []
        for path, _why in plan.remove:
            with contextlib.suppress(FileNotFoundError):
                (project.dist / path).unlink()
            for kind in KINDS.values():
                kind.removed(project.dist / path)
            removed.append(path)
        if removed:
            result.manifest = update_manifest(project.dist, remove=removed, videos=facts)
        result.removed = removed
        to_build = plan.to_build
        index = {id(job): i for i, job in enumerate(to_build)}
        total = len(to_build)
        for decision in plan.of("fail"):
            result.failures.append((decision.job, decision.job.error))
            emit(RenderEvent("failed", decision.job, -1, total, error=decision.job.error))
        for job in to_build:
            prepare_job(job)
        book = _Book(emit, index, total)
        failed: set[int] = set()

        def fail(jobs: Iterable[RenderJob], exc: BaseException) -> None:
            if not isinstance(exc, PipelineError):
                log.debug("job failed with a bug", exc_info=exc)
                exc = PipelineError(f"internal error: {type(exc).__name__}: {exc}",
                                    hint="this is a bug; run with -v for details")
            for job in jobs:
                if id(job) in failed:
                    continue
                failed.add(id(job))
                result.failures.append((job, exc))
                emit(RenderEvent("failed", job, index[id(job)], total, error=exc))

        def produce(task: list[RenderJob]) -> tuple[list[dict], float]:
            began = time.monotonic()
            for job in task:
                book.start(job)

            def progress(p, task=task):
                for job in task:
                    emit(RenderEvent("progress", job, index[id(job)], total, p))

            pieces = task[0].output_kind.in_pieces(task[0])
            entries = run_jobs(task, runner, progress if task[0].encodes and not pieces else None)
            return entries, (book.seconds(task[0]) if pieces else time.monotonic() - began)

        # The pieces: work units of every kind that makes its outputs in pieces.
        in_pieces = [job for job in to_build if job.output_kind.in_pieces(job)]
        whole = [job for job in to_build if not job.output_kind.in_pieces(job)]
        with ThreadPoolExecutor(max_workers=jobs_n, thread_name_prefix="build") as pool:
            executor = _executor(executor_name, scheduler, pool, runner, jobs_n, memory)
            pending: dict[Future, tuple[str, object]] = {}
            try:
                by_kind: dict[str, list[RenderJob]] = {}
                for job in in_pieces:
                    by_kind.setdefault(job.kind, []).append(job)
                units: dict[str, WorkUnit] = {}
                for kind_jobs in by_kind.values():
                    for unit in kind_jobs[0].output_kind.units(kind_jobs, executor.workers, memory):
                        units.setdefault(unit.key, unit)
                result.units = list(units.values())
                by_path = {job.path: job for job in in_pieces}
                waiting: dict[int, set[str]] = {id(job): set() for job in in_pieces}
                for unit in units.values():
                    for path in unit.jobs:
                        waiting[id(by_path[path])].add(unit.key)
                for unit in units.values():
                    for path in unit.jobs:
                        if by_path[path].encodes and unit.frames:
                            book.work[id(by_path[path])] = book.work.get(id(by_path[path]), 0.0) + unit.seconds

                def unit_progress(unit: WorkUnit):
                    last = [0.0]

                    def report(p: Progress) -> None:
                        for path in unit.jobs:  # one process makes them all: they start together
                            book.start(by_path[path])
                        step, last[0] = max(0.0, p.seconds_done - last[0]), max(last[0], p.seconds_done)
                        for path in unit.jobs:
                            if unit.frames:
                                book.advance(by_path[path], step)
                    return report

                order = sorted(units.values(), key=lambda u: (-u.priority, -u.cost))
                for unit in order:
                    pending[executor.submit(unit, unit_progress(unit))] = ("unit", unit)
                for job in in_pieces:
                    if not waiting[id(job)]:
                        pending[pool.submit(produce, [job])] = ("task", [job])
                for task in group_tasks(whole, decode_once, jobs_n, memory):
                    pending[pool.submit(produce, task)] = ("task", task)
                while pending:
                    done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                    for future in done:
                        what, item = pending.pop(future)
                        exc = future.exception()
                        if what == "unit":
                            unit: WorkUnit = item
                            jobs = [by_path[path] for path in unit.jobs]
                            if exc is not None:
                                fail(jobs, exc)
                                continue
                            outcome: UnitResult = future.result()
                            log.debug("unit %s %s", unit.label, "made" if outcome.ran else "already made")
                            for job in jobs:
                                waiting[id(job)].discard(unit.key)
                                if not waiting[id(job)] and id(job) not in failed:
                                    pending[pool.submit(produce, [job])] = ("task", [job])
                            continue
                        task = item
                        if exc is not None:
                            fail(task, exc)
                            continue
                        entries, seconds = future.result()
                        result.manifest = update_manifest(project.dist, add=entries, videos=facts)
                        result.entries += entries
                        for job in task:
                            emit(RenderEvent("done", job, index[id(job)], total, seconds=seconds))
            except BaseException:
                # Interrupted: stop every encode now; their temp files are removed as they fail.
                runner.cancel()
                executor.cancel()
                for future in pending:
                    future.cancel()
                raise
            finally:
                executor.close()
        if not video_ids and not options.profiles:
            kinds = {d.job.kind: d.job.output_kind for d in plan.decisions}
            result.swept = sum(kind.sweep(project.dist, [d.job for d in plan.decisions if d.job.kind == name])
                               for name, kind in kinds.items())
    if (project.dist / MANIFEST).is_file():
        result.manifest = project.dist / MANIFEST
    result.seconds = time.monotonic() - started
    return result
