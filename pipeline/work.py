"""Work units: the pieces of a build that can run anywhere — in this process, in a local pool, or on a
Dask worker (:mod:`pipeline.executors`).

A unit makes files in the build's work folder (``dist/.work/``) that are named by the content hash of what
they are made from (segments of a burned-in video, its audio). So a unit is idempotent: running it twice,
or on two workers at once, makes the same files, each installed by an atomic rename; a unit whose files
all exist has nothing to do. Final outputs, the manifest and the project lock stay with the coordinator.

Before it runs, a unit checks that every input it names still has the content hash the plan was made from
(on a worker, this is how a project on a file system that is not shared, or a source changed meanwhile,
is caught before anything is encoded).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.errors import PipelineError
from pipeline.fsutil import TEMP_MARK, sha256_file
from pipeline.media.runner import FfmpegRunner, Progress

#: Stands in the argv for the unit's scratch folder (a fresh one per attempt).
SCRATCH = "{SCRATCH}"
#: Scratch folders start with this (and carry TEMP_MARK): the next build removes any an interrupted one left.
SCRATCH_PREFIX = ".unit-"


class UnitError(PipelineError):
    """A work unit could not make its files."""

    def __init__(self, message: str, *, hint: str | None = None, worker: str | None = None):
        super().__init__(message, hint=hint)
        self.worker = worker


class UnitInputChanged(UnitError):
    """An input of a unit is not the file the build was planned from."""


@dataclass
class WorkUnit:
    """One ffmpeg run that makes content-addressed files in the work folder."""

    key: str  # content hash of what it makes: the same unit planned twice has the same key
    label: str  # for people: "talk en+es segments 3-5"
    argv: list[str]  # ffmpeg argv; SCRATCH stands for the folder it writes into
    products: list[tuple[str, Path]]  # (file name in the scratch folder, where it is installed)
    inputs: dict[Path, str] = field(default_factory=dict)  # files it reads -> their sha256
    frames: int | None = None  # video frames ffmpeg must report having written (None: not checked)
    seconds: float = 0.0  # media seconds it processes (progress)
    cost: float = 0.0  # relative cost (the costliest start first)
    memory_mib: float = 0.0  # estimated peak memory of its ffmpeg
    jobs: tuple[str, ...] = ()  # paths (in dist/) of the outputs it makes pieces of
    priority: int = 0  # higher first, before cost (audio: every join waits for it)
    redo: bool = False  # make the files even if they exist (--force)

    @property
    def done(self) -> bool:
        return all(final.is_file() for _, final in self.products)


@dataclass(frozen=True)
class UnitResult:
    key: str
    ran: bool  # False: its files were already there
    frames: int | None = None
    worker: str | None = None


class HashMemo:
    """Content hashes of files, remembered by (size, mtime, inode) for the life of a process (a worker
    checks each source once, not once per unit)."""

    def __init__(self):
        self._known: dict[str, tuple[tuple, str]] = {}
        self._guard = threading.Lock()

    def sha256(self, path: Path) -> str:
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        key = str(path)
        with self._guard:
            known = self._known.get(key)
        if known and known[0] == stamp:
            return known[1]
        digest = sha256_file(path)
        with self._guard:
            self._known[key] = (stamp, digest)
        return digest


_MEMO = HashMemo()


def check_inputs(unit: WorkUnit, memo: HashMemo | None = None, worker: str | None = None) -> None:
    """Raise :class:`UnitInputChanged` unless every input of ``unit`` has the content it was planned with."""
    memo = memo or _MEMO
    for path, expected in unit.inputs.items():
        try:
            actual = memo.sha256(Path(path))
        except OSError as exc:
            raise UnitInputChanged(f"{unit.label}: cannot read {path} ({exc.strerror or exc})",
                                   hint="workers need the project on a shared file system at the same path",
                                   worker=worker) from None
        if actual != expected:
            raise UnitInputChanged(f"{unit.label}: {path} is not the file the build was planned from",
                                   hint="it changed meanwhile, or this worker sees another copy: build again, and "
                                        "give workers the project on a shared file system", worker=worker)


def run_unit(unit: WorkUnit, runner: FfmpegRunner, on_progress: Callable[[Progress], None] | None = None, *,
             memo: HashMemo | None = None, worker: str | None = None) -> UnitResult:
    """Make a unit's files: check its inputs, run its ffmpeg in a fresh scratch folder, check what ffmpeg
    reports, and install each file under its content-addressed name. Nothing is installed unless all is well."""
    if unit.done and not unit.redo:
        return UnitResult(unit.key, False, worker=worker)
    check_inputs(unit, memo, worker)
    home = unit.products[0][1].parent
    home.mkdir(parents=True, exist_ok=True)
    scratch = home / f"{SCRATCH_PREFIX}{unit.key[:16]}.{os.getpid()}.{uuid.uuid4().hex[:8]}{TEMP_MARK}"
    scratch.mkdir()
    try:
        argv = [arg.replace(SCRATCH, str(scratch)) for arg in unit.argv]
        try:
            result = runner.run(argv, total_seconds=unit.seconds or None, on_progress=on_progress)
        except PipelineError as exc:
            raise UnitError(f"{unit.label}: {exc}", hint=exc.hint, worker=worker) from exc
        if unit.frames is not None and result.frames != unit.frames:
            raise UnitError(f"{unit.label}: ffmpeg wrote {result.frames} frames, not {unit.frames}",
                            hint="the source may be damaged, or not seekable frame by frame: set "
                                 "[render] segment_seconds = 0 to encode it in one piece", worker=worker)
        for name, _final in unit.products:
            made = scratch / name
            if not made.is_file() or made.stat().st_size == 0:
                raise UnitError(f"{unit.label}: ffmpeg did not write {name}", worker=worker)
        for name, final in unit.products:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(scratch / name, final)
        return UnitResult(unit.key, True, result.frames, worker)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def clean_scratch(folder: Path) -> list[Path]:
    """Remove scratch folders an interrupted build left under ``folder`` (call only while holding the lock)."""
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.rglob(f"{SCRATCH_PREFIX}*{TEMP_MARK}"):
        if path.is_dir():
            with contextlib.suppress(OSError):
                shutil.rmtree(path)
                removed.append(path)
    return removed
