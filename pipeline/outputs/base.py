"""What an output kind is, how it plugs in, and what a build hands it.

An output kind (burned-in MP4, soft-subtitled MP4 or MKV, WebVTT sidecar ...) is one class in one module,
registered with :func:`register`. It owns four things:

* **plan** — :meth:`OutputKind.plan` turns one video's :class:`VideoPlan` (its source, profiles and the
  tracks to render) into :class:`RenderJob` s, each with the content hashes of everything it is made from;
* **command(s)** — :meth:`OutputKind.produce` writes the jobs' files to the temp paths it is given (one
  ffmpeg run for :class:`FfmpegKind`, the text itself for :class:`TextKind`, or several runs);
* **completeness** — :meth:`OutputKind.check_complete` refuses a finished temp file that is not whole;
* **manifest entry** — :meth:`OutputKind.describe` adds the kind's facts (duration, frame size) to the
  entry :func:`pipeline.manifest.manifest_entry` writes for every output.

A kind whose outputs are made in pieces (segment-encoded burn-ins) also plans which pieces a build redoes
(:meth:`OutputKind.plan_work`), hands the build the :class:`~pipeline.work.WorkUnit` s that make them
(:meth:`OutputKind.units`: they may run on other machines), and joins them in :meth:`OutputKind.produce`.

Plugging in a kind::

    from pipeline.outputs.base import TextKind, VideoPlan, RenderJob, register

    @register
    class Srt(TextKind):
        name = "srt"

        def plan(self, video: VideoPlan) -> list[RenderJob]:
            return [video.job(self, (t.language,), f"{video.id}.{t.language}.srt",
                              video.track_inputs(t, with_source=False), spec=t.srt_text)
                    for t in video.tracks if not t.draft]

Its module must be imported by :mod:`pipeline.outputs` (the import registers it); the registration order is
the order a video's jobs are planned and listed in. The build (:mod:`pipeline.build`) decides, orders, runs
and records jobs without knowing any kind by name. ``docs/contributing.md`` ("Adding an output kind") says more.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Hashable, Sequence

from pipeline import __version__
from pipeline.cache import WORK  # noqa: F401 (dist/.work, re-exported by pipeline.outputs)
from pipeline.errors import MediaError, PipelineError
from pipeline.fsutil import atomic_write_text, sha256_text
from pipeline.media.commands import ContainerTags
from pipeline.media.probe import probe
from pipeline.media.runner import FfmpegRunner, Progress

if TYPE_CHECKING:
    from pipeline.cache import WorkCache
    from pipeline.work import WorkUnit
    from pipeline.media.probe import MediaInfo
    from pipeline.model import Track
    from pipeline.profiles import Profile
    from pipeline.project import Project, Video
    from pipeline.tracks import TrackState

DRAFT_BANNER = "MACHINE DRAFT \u2014 NOT FOR PUBLICATION"
#: The build's work folder in ``dist/``: files commands read, font links, the hash cache.
#: Bump when a change to the code alters what outputs look like without a release: every output records
#: the pipeline's version with this revision, so the next build redoes them.
RENDER_REVISION = 3
PIPELINE_INPUT = f"{__version__}+r{RENDER_REVISION}"
#: How much shorter than its source an output may be before it counts as cut short (container and stream
#: ends differ by a few frames; a damaged source comes out seconds short).
SHORT_OUTPUT_SECONDS = 0.5


@dataclass
class RenderJob:
    """One output file and everything it is made from. ``kind`` names its :class:`OutputKind`; ``spec``
    is that kind's own description of the output (a burn's caption and frame, a mux's tracks, a text)."""

    video: str
    kind: str
    languages: tuple[str, ...]
    output: Path
    inputs: dict[str, str] = field(default_factory=dict)  # label -> sha256 (or version)
    draft: bool = False
    profile: str | None = None  # outputs of per-profile kinds only
    spec: Any = None
    source: Path | None = None  # the media file it is made from (None: made from tracks alone)
    duration: float | None = None  # seconds of media the job processes (for progress)
    work_files: dict[Path, str] = field(default_factory=dict)  # files the command reads: path -> content
    font_links: dict[Path, Path] = field(default_factory=dict)  # fonts folder entry -> installed font file
    check: Callable[[], None] | None = field(default=None, repr=False)  # preflight, e.g. glyph coverage
    error: PipelineError | None = None  # planning failed: the job fails without running
    note: str | None = None  # what the build does about it beyond "build it" (e.g. which segments it encodes)
    facts: dict[str, Any] = field(default_factory=dict)  # what producing it found out (for describe)

    @property
    def output_kind(self) -> OutputKind:
        return KINDS[self.kind]

    @property
    def label(self) -> str:
        profile = f" ({self.profile})" if self.profile and self.profile != "web" else ""
        return f"{self.video} {self.kind} {'+'.join(self.languages)}{profile}"

    @property
    def path(self) -> str:
        """The output's path relative to ``dist/`` (its key in the manifest)."""
        return f"{self.video}/{self.output.name}"

    @property
    def encodes(self) -> bool:
        """The job encodes a picture (long: it reports progress)."""
        return self.output_kind.encodes

    @property
    def argv(self) -> list[str] | None:
        """The ffmpeg argv with a placeholder output (None for outputs made without ffmpeg)."""
        return self.output_kind.argv(self)


@dataclass(frozen=True)
class PlannedTrack:
    """A track that will be rendered: its state, whether as a marked draft, and its text."""

    state: TrackState
    draft: bool
    track: Track
    srt_text: str
    hash: str  # sha256 of srt_text: what "track:<lang>" inputs record
    file: Path  # the track's path relative to the project root (for messages)

    @property
    def language(self) -> str:
        return self.state.language


@dataclass
class VideoPlan:
    """What every kind plans one video's outputs from (built once per video by
    :func:`pipeline.render.plan_video`)."""

    project: Project
    video: Video
    info: MediaInfo
    cache: WorkCache
    source_hash: str
    profiles: list[Profile]
    tracks: list[PlannedTrack]  # publishable tracks, and drafts when asked (``draft`` True)
    default_language: str | None  # the track players show first: the audio's language, else the first
    runner: FfmpegRunner | None = None  # for facts planning needs (a source's frames)
    #: The jobs planned so far, kind by kind in registration order: a kind registered after others (a page
    #: listing a video's files) sees theirs.
    planned: list[RenderJob] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.video.id

    @property
    def work(self) -> Path:
        """This video's folder for files commands read."""
        return self.project.dist / WORK / self.video.id

    @property
    def out_dir(self) -> Path:
        return self.project.dist / self.video.id

    @property
    def size(self) -> tuple[int, int] | None:
        return (self.info.width, self.info.height) if self.info.width and self.info.height else None

    @property
    def tags(self) -> ContainerTags:
        """The title and audio language a media output carries in its container."""
        return ContainerTags(self.video.title, self.video.audio_language)

    @property
    def tags_input(self) -> dict[str, str]:
        """The ``tags`` input of a media output carrying :attr:`tags` (a new title rebuilds it)."""
        return {"tags": sha256_text(json.dumps([self.video.title, self.video.audio_language]))}

    def track_inputs(self, track: PlannedTrack, *, with_source: bool = True) -> dict[str, str]:
        """The inputs of an output made from one track (and the source video, unless ``with_source`` is
        False: a sidecar does not change with a new cut of the video)."""
        inputs = {"source": self.source_hash} if with_source else {}
        return inputs | {f"track:{track.language}": track.hash, "pipeline": PIPELINE_INPUT}

    def job(self, kind: OutputKind, languages: tuple[str, ...], name: str, inputs: dict[str, str], **fields) -> RenderJob:
        """A job of this video writing ``dist/<video>/<name>``."""
        return RenderJob(self.id, kind.name, languages, self.out_dir / name, inputs, **fields)


class OutputKind:
    """One kind of output. Subclass :class:`FfmpegKind` or :class:`TextKind` and :func:`register` it."""

    #: The kind's name: the manifest's ``kind`` and the word in progress lines.
    name: ClassVar[str]
    #: Made once per profile: ``build --profile`` limits a build to these kinds.
    per_profile: ClassVar[bool] = False
    #: One output carrying every published language: never built while a person's track cannot be read
    #: (it would silently lack that language).
    all_languages: ClassVar[bool] = False
    #: Encodes a picture: worth a progress bar, and the build runs the longest first.
    encodes: ClassVar[bool] = False

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        """The jobs of one video (a job that cannot be made carries ``error`` instead of raising)."""
        raise NotImplementedError

    def summary(self, job: RenderJob) -> str:
        """What the file is, for people (a page's download list): "SRT captions", "poster image"."""
        return self.name

    def batch_key(self, job: RenderJob) -> Hashable | None:
        """Jobs of this kind with one (non-None) key may be produced together by one :meth:`produce`
        (with decode-once). None: the job runs alone."""
        return None

    def cost(self, jobs: Sequence[RenderJob]) -> float:
        """A relative cost of producing ``jobs`` together: the build starts the costliest first."""
        return 0.0

    def batch_size(self, jobs: Sequence[RenderJob], workers: int, memory_mib: float) -> int:
        """How many jobs of one batch one process may produce at once, with ``workers`` processes running
        within ``memory_mib`` together (default: all of them)."""
        return len(jobs)

    def in_pieces(self, job: RenderJob) -> bool:
        """True when ``job``'s output is joined from pieces made by :meth:`units` (then it is produced alone,
        once they are made)."""
        return False

    def plan_work(self, job: RenderJob, entry: dict | None, force: bool, changed: Sequence[str]) -> str | None:
        """Called once the build has decided to make ``job`` (and by ``--dry-run``): decide which of its
        pieces to make again (``changed`` names the inputs that changed since ``entry``, its manifest entry)
        and return a note for the decision's reason, or None."""
        return None

    def units(self, jobs: Sequence[RenderJob], workers: int, memory_mib: float) -> list[WorkUnit]:
        """The work units that make the pieces of these jobs (those :meth:`in_pieces`): ``workers`` processes
        run them, within ``memory_mib`` together."""
        return []

    def sweep(self, dist: Path, planned: Sequence[RenderJob]) -> int:
        """After a build of every video: remove cached pieces no ``planned`` job uses; return how many."""
        return 0

    def produce(self, jobs: Sequence[RenderJob], temps: Sequence[Path], runner: FfmpegRunner,
                on_progress: Callable[[Progress], None] | None = None) -> None:
        """Write each job's output to its temp path (same order). Raise a :class:`PipelineError` on failure."""
        raise NotImplementedError

    def argv(self, job: RenderJob) -> list[str] | None:
        """The ffmpeg argv of a job with a placeholder output, for people and tests (None: no ffmpeg)."""
        return None

    def describe(self, job: RenderJob, made: Path, runner: FfmpegRunner) -> dict:
        """The kind's facts about a finished file for its manifest entry; ``duration`` (seconds or None)
        is always there."""
        return {"duration": None}

    def check_complete(self, job: RenderJob, entry: dict) -> None:
        """Raise if a finished file (described by ``entry``) is not whole; the file is then discarded."""

    def finished(self, jobs: Sequence[RenderJob]) -> None:
        """Called once ``jobs``' outputs are in place under their final names (tidy what they replaced)."""

    def removed(self, output: Path) -> None:
        """Called after the build deleted an output it no longer makes (files of its own beside it go too)."""


class FfmpegKind(OutputKind):
    """An output one ffmpeg command makes from the job's source: subclasses give :meth:`command`."""

    def command(self, job: RenderJob, output: Path) -> list[str]:
        """The ffmpeg argv that writes ``job``'s output to ``output``."""
        raise NotImplementedError

    def command_many(self, jobs: Sequence[RenderJob], outputs: Sequence[Path]) -> list[str]:
        """One argv writing several jobs of one :meth:`batch_key` (kinds that batch override this)."""
        if len(jobs) != 1:
            raise ValueError(f"{self.name} outputs run one at a time")
        return self.command(jobs[0], outputs[0])

    def produce(self, jobs, temps, runner, on_progress=None) -> None:
        result = runner.run(self.command_many(jobs, temps), total_seconds=jobs[0].duration, on_progress=on_progress)
        if result.seconds > 0:  # what ffmpeg says it wrote: no probe of the finished file needed
            for job in jobs:
                job.facts.setdefault("duration", round(result.seconds, 3))

    def argv(self, job: RenderJob) -> list[str]:
        return self.command(job, Path("{OUTPUT}" + job.output.suffix))

    def describe(self, job, made, runner) -> dict:
        """The duration ffmpeg reported writing (its last ``out_time``, within a frame of what a probe of the
        file says), else a probe's."""
        if "duration" in job.facts:
            return {"duration": job.facts["duration"]}
        return {"duration": round(probe(made, runner).duration, 3)}

    def check_complete(self, job: RenderJob, entry: dict) -> None:
        """Refuse an output much shorter than its source: ffmpeg stops quietly at the end of a truncated or
        damaged file, and the result would look finished while missing the rest of the video."""
        made = entry.get("duration")
        if job.source is None or not job.duration or made is None or made >= job.duration - SHORT_OUTPUT_SECONDS:
            return
        raise MediaError(job.source, f"only {made:.1f} s of its {job.duration:.1f} s could be read; "
                                     "the file is truncated or damaged",
                         hint="replace it with a complete copy")


class TextKind(OutputKind):
    """A text file the pipeline writes itself: the job's ``spec`` is its content."""

    def produce(self, jobs, temps, runner, on_progress=None) -> None:
        for job, temp in zip(jobs, temps):
            temp.write_bytes(str(job.spec).encode("utf-8"))


#: Every output kind by name, in registration order (the order a video's jobs are planned in).
KINDS: dict[str, OutputKind] = {}


def register(cls: type[OutputKind]) -> type[OutputKind]:
    """Register an output kind class (one instance; see the module docstring)."""
    name = getattr(cls, "name", None)
    if not name:
        raise ValueError(f"{cls.__name__} has no name")
    if name in KINDS and type(KINDS[name]) is not cls:
        raise ValueError(f"output kind {name!r} is already registered")
    KINDS[name] = cls()
    return cls


def prepare_job(job: RenderJob) -> None:
    """Write the work files a job's command reads and link its fonts (see :func:`materialize`)."""
    materialize(job.work_files, job.font_links)


def materialize(files: dict[Path, str], font_links: dict[Path, Path]) -> None:
    """Write work files (only when their content changed) and the links of a fonts folder.

    The fonts folder holds links to just the chosen font files: libass loads every file of a
    ``fontsdir``, so the system's whole font folder would be slow, and an explicit set is what we checked.
    """
    for path, content in files.items():
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            atomic_write_text(path, content)
    for link, target in font_links.items():
        if link.is_symlink() and os.readlink(link) == str(target):
            continue
        link.parent.mkdir(parents=True, exist_ok=True)
        tmp = link.with_name(f".{link.name}.{os.getpid()}.partial")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, link)
