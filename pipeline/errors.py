"""The pipeline's errors: one root, subclasses that carry their facts and build one clear line.

The CLI turns any :class:`PipelineError` into ``error: <message>`` on stderr and its ``exit_code``;
anything else escaping to the CLI is a bug.
"""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """Root of every error the pipeline raises on purpose.

    ``message`` says what is wrong and where; ``hint`` says what to do next.
    """

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: Extra lines shown with ``-v`` (e.g. full ffmpeg stderr).
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(PipelineError):
    """The user asked for something that does not make sense (bad option, unknown video)."""

    exit_code = 2


class ProjectNotFound(PipelineError):
    exit_code = 2

    def __init__(self, start: Path):
        super().__init__(
            f"no project found: neither {start} nor any parent holds assets/catalog.toml",
            hint="run inside a project or pass --project DIR",
        )


class CatalogError(PipelineError):
    """A bad ``assets/catalog.toml`` entry."""

    exit_code = 2

    def __init__(self, path: Path, problem: str, hint: str | None = None, line: int | None = None):
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {problem}", hint=hint)
        self.path = path
        self.problem = problem
        self.line = line


class CatalogErrors(CatalogError):
    """Several bad catalog entries, all found in one reading: one line each, in the order of the file."""

    def __init__(self, errors: list[CatalogError]):
        first = errors[0]
        super().__init__(first.path, first.problem, first.hint, first.line)
        self.errors = errors
        self.message = f"{len(errors)} problems in {first.path}:\n" + "\n".join(str(e) for e in errors)
        self.hint = None
        self.args = (self.message,)


class SubtitleError(PipelineError):
    """A subtitle file that cannot be read as it is."""

    exit_code = 2

    def __init__(self, path: Path | str, problem: str, line: int | None = None, hint: str | None = None):
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {problem}", hint=hint)
        self.path = Path(path)
        self.problem = problem
        self.line = line


class NotRegularFileError(PipelineError):
    """A path that is a FIFO, device or socket where a file is read: reading it would block or never end."""

    exit_code = 2

    def __init__(self, path: Path | str, kind: str):
        super().__init__(f"{path}: is {kind}, not a regular file", hint="give the file itself")
        self.path = Path(path)
        self.kind = kind


class FileChangedError(PipelineError):
    """A file changed on disk after the pipeline read it (a person saved it meanwhile): nothing was written."""

    def __init__(self, path: Path | str):
        super().__init__(f"{path}: changed on disk while it was being rewritten; nothing was written",
                         hint="your saved version is kept as it is; run the command again to rewrite it")
        self.path = Path(path)


class SubtitleEncodingError(SubtitleError):
    """A file that is not UTF-8/UTF-16-with-BOM; never guessed silently. ``readings`` are the ways it reads
    in its language's code pages (:class:`pipeline.formats.encoding.Reading`), best first; empty when none fits."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None, hint: str | None = None,
                 readings: tuple = ()):
        super().__init__(path, problem, line=line, hint=hint)
        self.readings = readings


class ToolMissing(PipelineError):
    """An outside program (ffmpeg, ffprobe, apertium) is not installed."""

    exit_code = 3

    def __init__(self, tool: str, install: str):
        super().__init__(f"{tool} was not found on PATH", hint=f"install it: {install}")
        self.tool = tool


class MediaError(PipelineError):
    """A media file that is missing, corrupt, or not what the pipeline needs."""

    def __init__(self, path: Path | str, problem: str, hint: str | None = None):
        super().__init__(f"{path}: {problem}", hint=hint)
        self.path = Path(path)
        self.problem = problem


class FfmpegError(PipelineError):
    """An ffmpeg/ffprobe run that failed; carries the command and the meaningful stderr lines."""

    def __init__(self, argv: list[str], returncode: int, stderr_tail: list[str], full_stderr: str = ""):
        last = stderr_tail[-1] if stderr_tail else f"exit code {returncode}"
        super().__init__(
            f"{argv[0].rsplit('/', 1)[-1]} failed: {last}",
            hint="run with -v to see the command and full output",
            detail="\n".join(stderr_tail) + ("\n" + full_stderr if full_stderr else ""),
        )
        self.argv = argv
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class EngineError(PipelineError):
    """A translation engine problem: no engine for a pair, a bad model package, engine failure."""


class NetworkUnavailable(PipelineError):
    """A download the user asked for, with no network to do it."""


class LockedError(PipelineError):
    """Another build holds the project's lock."""


class WriteError(PipelineError):
    """A file could not be written (disk full, no permission ...): the old file, if any, is untouched."""

    def __init__(self, path: Path | str, reason: str, hint: str | None = None):
        super().__init__(f"cannot write {path}: {reason}",
                         hint=hint or "free some space (or fix the permissions), then run the command again")
        self.path = Path(path)
        self.reason = reason
