"""Earlier texts of a track's cues, found in git history by their hash.

A review record keeps only a hash of the source text a cue was drafted from. When the source changes, a
reviewer needs to see *what* changed: the old text is looked up here in the source track's committed
versions (the record and the tracks are committed together, so the version the draft came from is
normally there). Nothing is found outside a git work tree, or without git: callers then say so.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from difflib import SequenceMatcher
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)

#: How many earlier versions of a source track are searched (newest first).
MAX_VERSIONS = 60
_TIMEOUT = 10.0  # seconds for one git command


def _git(folder: Path, *args: str) -> bytes | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("git %s failed: %s", args[0], exc)
        return None
    return done.stdout if done.returncode == 0 else None


def earlier_texts(path: Path, hashes: Iterable[str], limit: int = MAX_VERSIONS) -> dict[str, str]:
    """``{hash: text}`` for the cue texts of earlier committed versions of the track at ``path`` whose
    :func:`pipeline.review_record.text_hash` is one of ``hashes``. Empty without git or history."""
    from pipeline.formats import parse_srt
    from pipeline.formats.encoding import decode_subtitle_bytes
    from pipeline.review_record import text_hash

    wanted = set(hashes)
    found: dict[str, str] = {}
    if not wanted or shutil.which("git") is None or not path.parent.is_dir():
        return found
    log_out = _git(path.parent, "log", f"-n{limit}", "--format=%H", "--", path.name)
    if not log_out:
        return found
    for commit in log_out.decode("ascii", "replace").split():
        data = _git(path.parent, "show", f"{commit}:./{path.name}")
        if data is None:
            continue
        try:
            track = parse_srt(decode_subtitle_bytes(data, path), path)
        except Exception:  # noqa: BLE001 - an old version that no longer reads is simply no help
            continue
        for cue in track.cues:
            key = text_hash(cue.text)
            if key in wanted and key not in found:
                found[key] = cue.text
        if wanted <= found.keys():
            break
    return found


_TOKEN = re.compile(r"\s+|[\w'’-]+|[^\w\s]", re.UNICODE)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """``old`` → ``new`` as ``(op, text)`` pieces: ``=`` kept, ``-`` removed, ``+`` added; words and
    punctuation are the units, whitespace goes with what surrounds it."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out: list[tuple[str, str]] = []

    def emit(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    for tag, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            emit("=", "".join(a[i1:i2]))
        else:
            emit("-", "".join(a[i1:i2]))
            emit("+", "".join(b[j1:j2]))
    return out
