"""Safe file writes and content hashes. A half-written file never carries its final name."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from pipeline.errors import WriteError

TEMP_MARK = ".partial"


_UMASK: list[int] = []


def _umask() -> int:
    """The process umask, read once (from /proc on Linux: setting it to read it is not thread-safe)."""
    if not _UMASK:
        value = None
        with contextlib.suppress(OSError, ValueError):
            for line in Path("/proc/self/status").read_text().splitlines():
                if line.startswith("Umask:"):
                    value = int(line.split()[1], 8)
        if value is None:
            value = os.umask(0o022)
            os.umask(value)
        _UMASK.append(value)
    return _UMASK[0]


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temp path beside ``final`` (same folder, same extension, hidden, marked partial).

    On success the temp file is renamed over ``final``; on any error it is removed.
    Tools that pick a format from the extension (ffmpeg) still see the right one.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{final.stem}.", suffix=f"{TEMP_MARK}{final.suffix}", dir=final.parent
    )
    os.close(fd)
    tmp = Path(name)
    # mkstemp makes the file private (0600); a finished output gets the usual mode for new files.
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield tmp
        # mkstemp makes 0600 files; give the result the mode a plain open() would (or keep the old file's).
        try:
            mode = final.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text (LF line endings, no BOM) atomically; a failure (disk full ...) is a
    :class:`WriteError` and leaves the old file as it was."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes atomically; a failure is a :class:`WriteError` and leaves the old file as it was."""
    try:
        with atomic_path(Path(path)) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        raise WriteError(path, exc.strerror or str(exc)) from exc


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on a folder while changing files in it together (e.g. a track and its review
    record): another holder waits. The lock is the folder itself (no lock file is left behind) and is
    released by the OS if the process dies."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (the guarded writes still refuse to overwrite a changed file)
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


