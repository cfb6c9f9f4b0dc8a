"""The one door to ffmpeg and ffprobe.

Commands arrive as argv lists (built with ffmpeg-python in :mod:`pipeline.media.commands`). Every run is
logged as a shell line, encodes report progress from ffmpeg's ``-progress`` output, and a failure raises
:class:`FfmpegError` carrying the last meaningful stderr lines.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import threading
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import subprocess

# subprocess, shlex and signal are imported where a run starts: a command that finds every probe in the
# cache (`pipeline status`) starts no child and need not load them (~5 ms of its start-up).

from pipeline.errors import FfmpegError, PipelineError, ToolMissing

log = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install ffmpeg (Debian/Ubuntu), or put ffmpeg and ffprobe on PATH"
#: Lines ffmpeg prints on every failure that say nothing about the cause.
_GENERIC = ("Conversion failed!", "Exiting normally", "Error opening output files", "Error opening input files")


class Interrupted(PipelineError):
    """A run stopped because the build was interrupted (its output was never given a final name)."""

    exit_code = 130


@dataclass(frozen=True)
class Progress:
    """One progress report of a running encode."""

    seconds_done: float
    total_seconds: float | None
    speed: str | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total_seconds:
            return None
        return max(0.0, min(1.0, self.seconds_done / self.total_seconds))


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class RunResult:
    """What a finished ffmpeg run reported about itself (its ``-progress`` lines): the facts of what it
    wrote without probing the file again."""

    frames: int | None  # video frames (or packets, when copying) written to the first video output
    seconds: float  # the last output time reported
    stderr: str  # warnings and errors it printed (``-loglevel warning``)


def find_tool(name: str) -> str:
    """Path of ``ffmpeg``/``ffprobe``: ``$PIPELINE_FFMPEG``/``$PIPELINE_FFPROBE`` or PATH."""
    override = os.environ.get(f"PIPELINE_{name.upper()}")
    found = shutil.which(override or name)
    if not found:
        raise ToolMissing(name, INSTALL_HINT)
    return found


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes a child die when the pipeline does, even by ``kill -9``.

    Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``): without it an ffmpeg started by a
    killed build is re-parented to PID 1 and keeps encoding (a process group alone does not help against
    SIGKILL, which the build cannot forward). The signal fires when the *thread* that started the child
    ends, so start and wait in the same thread (:meth:`FfmpegRunner.run` does). libc is loaded here, in the
    parent: the child only makes the call. None where there is no prctl.
    """
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def setup() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl: nobody is left to send the signal
            os.kill(os.getpid(), signal.SIGKILL)

    return setup


def meaningful_tail(stderr: str, keep: int = 6) -> list[str]:
    """The last lines of ffmpeg's stderr that say something: no blanks, no generic epilogue."""
    lines = [ln.strip() for ln in stderr.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(_GENERIC)]
    return lines[-keep:]


class FfmpegRunner:
    """Runs ffmpeg/ffprobe argv lists. Create one per process and reuse it."""

    def __init__(self, ffmpeg: str | None = None, ffprobe: str | None = None):
        self._ffmpeg = ffmpeg
        self._ffprobe = ffprobe
        # Live ffmpeg children, so an interrupted parallel build can stop every one of them.
        self._live: set[subprocess.Popen] = set()
        self._guard = threading.Lock()
        self._cancelled = False

    def cancel(self) -> None:
        """Kill every running ffmpeg of this runner and refuse new runs (used on interrupt)."""
        with self._guard:
            self._cancelled = True
            live = list(self._live)
        for proc in live:
            with contextlib.suppress(OSError):
                proc.kill()

    @property
    def ffmpeg(self) -> str:
        if self._ffmpeg is None:
            self._ffmpeg = find_tool("ffmpeg")
        return self._ffmpeg

    @property
    def ffprobe(self) -> str:
        if self._ffprobe is None:
            self._ffprobe = find_tool("ffprobe")
        return self._ffprobe

    def probe_json(self, path: str) -> tuple[int, str, str]:
        """Run ffprobe for streams and format as JSON; returns (returncode, stdout, stderr)."""
        return self.ffprobe_json(["-show_format", "-show_streams", str(path)])

    def ffprobe_json(self, args: list[str]) -> tuple[int, str, str]:
        """Run ffprobe with ``args`` (errors only, JSON output); returns (returncode, stdout, stderr)."""
        import shlex
        import subprocess

        argv = [self.ffprobe, "-v", "error", "-print_format", "json", *args]
        log.debug("$ %s", shlex.join(argv))
        proc = subprocess.run(argv, capture_output=True, text=True, errors="replace")
        return proc.returncode, proc.stdout, proc.stderr

    def run(
        self,
        argv: list[str],
        *,
        total_seconds: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> RunResult:
        """Run an ffmpeg argv (``argv[0]`` is replaced by the found binary).

        Adds ``-hide_banner -nostdin -nostats -progress pipe:1``; calls ``on_progress`` as ffmpeg reports.
        Raises :class:`FfmpegError` on a non-zero exit. On interruption the child is killed. Returns what
        ffmpeg reported about its output (:class:`RunResult`).
        """
        import shlex
        import subprocess

        full = [self.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning",
                "-progress", "pipe:1", *argv[1:]]
        log.info("$ %s", shlex.join(full))
        with self._guard:
            if self._cancelled:
                raise Interrupted("the build was interrupted")
            # Its own process group (a terminal's Ctrl-C reaches the pipeline, which stops its children
            # itself) and a parent-death signal (a killed build takes its encodes with it).
            proc = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    errors="replace", process_group=0, preexec_fn=die_with_parent())
            self._live.add(proc)
        stderr_lines: deque[str] = deque(maxlen=400)

        def drain_stderr() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                stderr_lines.append(line)

        reader = threading.Thread(target=drain_stderr, daemon=True)
        reader.start()
        try:
            assert proc.stdout is not None
            done = 0.0
            speed = None
            frames = None
            for line in proc.stdout:
                key, _, value = line.strip().partition("=")
                if key == "frame" and value.isdigit():
                    frames = int(value)
                elif key == "out_time_us" and value.lstrip("-").isdigit():
                    done = max(0.0, int(value) / 1e6)
                elif key == "speed":
                    speed = value
                elif key == "progress" and on_progress is not None:
                    on_progress(Progress(done if value != "end" else (total_seconds or done), total_seconds, speed))
            returncode = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            with self._guard:
                self._live.discard(proc)
        reader.join()
        stderr = "".join(stderr_lines)
        if stderr.strip():
            log.debug("ffmpeg stderr:\n%s", stderr.rstrip())
        if returncode != 0:
            if self._cancelled:
                raise Interrupted("the build was interrupted")
            raise FfmpegError(full, returncode, meaningful_tail(stderr), stderr)
        return RunResult(frames, done, stderr)
