"""Safe file writes and content hashes. A half-written file never carries its final name."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import time
from pathlib import Path
from typing import Iterator

from pipeline.errors import LockedError, WriteError

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
def atomic_path(final: Path, expect: bytes | None = None) -> Iterator[Path]:
    """Yield a temp path beside ``final`` (same folder, same extension, hidden, marked partial).

    On success the temp file is renamed over ``final``; on any error it is removed.
    Tools that pick a format from the extension (ffmpeg) still see the right one.
    With ``expect``, ``final`` must still hold exactly those bytes right before the rename (it was read, and
    nobody may have saved it since): otherwise :class:`~pipeline.errors.FileChangedError` and no rename.
    """
    import tempfile  # here, not at the top: reading commands (`status`) write nothing and need not load it

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
        if expect is not None and read_bytes_or_none(final) != expect:
            from pipeline.errors import FileChangedError

            raise FileChangedError(final)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def read_bytes_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None when it cannot be read (gone, a folder, not a regular file)."""
    from pipeline.errors import NotRegularFileError

    try:
        with open_regular(path) as fh:
            return fh.read()
    except (OSError, NotRegularFileError):
        return None


def atomic_write_text(path: Path, text: str, expect: bytes | None = None) -> None:
    """Write UTF-8 text (LF line endings, no BOM) atomically; ``expect``: see :func:`atomic_path`. A failure
    (disk full ...) is a :class:`WriteError` and leaves the old file as it was."""
    atomic_write_bytes(path, text.encode("utf-8"), expect)


def atomic_write_bytes(path: Path, data: bytes, expect: bytes | None = None) -> None:
    """Write bytes atomically (``expect``: see :func:`atomic_path`); a failure is a :class:`WriteError` and
    leaves the old file as it was."""
    try:
        with atomic_path(Path(path), expect) as tmp:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
    except OSError as exc:
        raise WriteError(path, exc.strerror or str(exc)) from exc


@contextlib.contextmanager
def folder_lock(folder: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on a folder while changing files in it together (e.g. a track and its review
    record): another holder waits (with ``timeout``, that many seconds at most, then :class:`LockedError`).
    The lock is the folder itself (no lock file is left behind) and is released by the OS if the process
    dies."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock (the guarded writes still refuse to overwrite a changed file)
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockedError(f"{folder}: another command is changing these subtitles (a draft or an "
                                          "approval)", hint="try again when it has finished") from None
                    time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def open_regular(path: Path):
    """Open a regular file for reading in binary. A FIFO, device or socket is refused with
    :class:`~pipeline.errors.NotRegularFileError` without blocking (opening a FIFO waits for a writer;
    reading ``/dev/zero`` never ends). A folder raises :class:`IsADirectoryError`, a missing file
    :class:`FileNotFoundError`, as :func:`open` would."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(mode):
            from pipeline.errors import NotRegularFileError

            kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a special file")
            raise NotRegularFileError(path, kind)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


