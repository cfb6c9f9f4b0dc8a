"""What the spelling rule remembers between runs: a dictionary's verdicts on words and its suggestions.

Checking a track for the first time costs loading the dictionary (40 ms to over a second), one Hunspell
lookup per distinct word and hundreds more for each unknown word's suggestions. A track checked again (the
usual case: ``check`` before every ``build``) asks the same questions, so the answers are kept in the user's
cache folder, one file per language: ``$XDG_CACHE_HOME/pipeline/spelling/<lang>.json`` (``~/.cache`` when
unset), never in the project. A run whose words are all remembered does not load the dictionary at all.

The file holds raw dictionary answers only, so it is keyed by everything that could change one: the
pipeline's version and the source of the code that judges and suggests, the language, and the identity
(size, time, inode) of every file enchant could read for the language's candidate dictionaries: Hunspell and
MySpell ``.dic``/``.aff`` files in the folders enchant searches, the folders themselves (a dictionary
installed or removed), enchant's ordering files, the personal word list and exclusions
(``~/.config/enchant/<tag>.dic``/``.exc``) and the enchant and Hunspell libraries. The project's word list
and glossary are not in the key: they are applied on top of the answers at every run.

A file with another key, or one that cannot be read, is ignored and replaced. Saving takes a lock file,
merges what another process saved meanwhile and renames a temp file over the old one (not synced: a cache
lost in a crash is rebuilt). Any error reading or writing the cache only costs speed, never a finding.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sysconfig
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline import __version__

log = logging.getLogger(__name__)

FORMAT = 1
#: Source files whose code decides a verdict or a suggestion: a change to any of them forgets the cache.
_JUDGING_CODE = ("spelling.py", "language_table.py", "formats/encoding.py")
#: The enchant and Hunspell libraries (an upgrade may judge differently): files starting so in these folders
#: and their ``enchant-2`` provider folders (one listing each: a glob of /usr/lib/*/ took 16 ms).
_LIBRARIES = ("libhunspell", "libenchant-2")
_LIBRARY_FOLDERS = (f"/usr/lib/{sysconfig.get_config_var('MULTIARCH') or os.uname().machine + '-linux-gnu'}",
                    "/usr/lib64", "/usr/lib", "/usr/local/lib")


@dataclass
class Remembered:
    """A language's remembered answers: the dictionary tag, words known or not, suggestions."""

    language: str
    tags: list[str]
    key: str
    path: Path | None
    tag: str | None = None
    known: dict[str, bool] = field(default_factory=dict)
    suggested: dict[str, tuple[str, ...]] = field(default_factory=dict)


def cache_folder() -> Path | None:
    """``$XDG_CACHE_HOME/pipeline/spelling`` (``~/.cache/...`` when unset or not absolute); None without a home."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:
            return None
    return Path(base) / "pipeline" / "spelling"


def _config_home() -> Path:
    explicit = os.environ.get("ENCHANT_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME", "")
    return (Path(base) if os.path.isabs(base) else Path.home() / ".config") / "enchant"


def _dictionary_folders() -> list[Path]:
    """Where enchant 2's Hunspell provider looks (user folder first, then the system data folders), and
    the other providers' dictionary folders."""
    data_dirs = [d for d in os.environ.get("XDG_DATA_DIRS", "/usr/local/share:/usr/share").split(":") if d]
    folders = [_config_home() / "hunspell", *(Path(d) / "hunspell" for d in data_dirs),
               Path("/usr/share/hunspell"), Path("/usr/share/myspell"), Path("/usr/share/myspell/dicts"),
               Path("/usr/lib/aspell"), Path("/var/lib/aspell"), Path("/usr/share/hspell")]
    return list(dict.fromkeys(folders))


def _stamp(path: Path) -> list:
    try:
        st = path.stat()
    except OSError:
        return [str(path)]
    return [str(path), st.st_size, st.st_mtime_ns, st.st_ino]


def _listing(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


@lru_cache(maxsize=None)
def _code_identity() -> str:
    digest = hashlib.sha256(__version__.encode())
    here = Path(__file__).resolve().parent
    for name in _JUDGING_CODE:
        with contextlib.suppress(OSError):
            digest.update((here / name).read_bytes())
    return digest.hexdigest()


def cache_key(language: str, tags: list[str]) -> str:
    """The identity of everything that decides the answers for ``language`` (see the module docstring)."""
    config = _config_home()
    parts: list = [FORMAT, _code_identity(), language, tags]
    for folder in _dictionary_folders():
        parts.append(_stamp(folder))
        parts.extend(_stamp(folder / f"{tag}{ext}") for tag in tags for ext in (".dic", ".aff"))
    parts.extend(_stamp(config / f"{tag}{ext}") for tag in tags for ext in (".dic", ".exc"))
    for folder in (config, Path("/usr/share/enchant-2"), Path("/usr/local/share/enchant-2"),
                   Path("/etc/enchant-2"), Path("/etc/enchant")):
        parts.append(_stamp(folder / "enchant.ordering"))
    for folder in map(Path, _LIBRARY_FOLDERS):
        parts.extend(_stamp(folder / name) for name in _listing(folder) if name.startswith(_LIBRARIES))
        parts.extend(_stamp(folder / "enchant-2" / name) for name in _listing(folder / "enchant-2"))
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _lines(text: object) -> list[str]:
    if not isinstance(text, str):
        raise ValueError("not a word list")
    return text.split("\n") if text else []


def _read(path: Path, key: str) -> tuple[str | None, dict[str, bool], dict[str, tuple[str, ...]]] | None:
    """A cache file's tag, verdicts and suggestions; None when missing, unreadable, foreign or stale."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
            return None
        tag = data.get("tag")
        if not isinstance(tag, str) or not tag:
            return None
        known = dict.fromkeys(_lines(data.get("known")), True)
        known.update(dict.fromkeys(_lines(data.get("unknown")), False))
        suggested = {}
        for word, found in data.get("suggestions", {}).items():
            if not isinstance(found, list) or not all(isinstance(w, str) for w in found):
                return None
            suggested[word] = tuple(found)
        return tag, known, suggested
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError, TypeError) as exc:
        log.info("ignoring the unreadable spelling cache %s (%s): it is rebuilt", path, exc)
        return None


def load(language: str, tags: list[str]) -> Remembered:
    """What is remembered for ``language`` (whose candidate dictionary tags are ``tags``), or a fresh memory."""
    key = cache_key(language, tags)
    folder = cache_folder()
    path = folder / f"{language}.json" if folder is not None else None
    found = _read(path, key) if path is not None else None
    if found is None:
        return Remembered(language, tags, key, path)
    tag, known, suggested = found
    return Remembered(language, tags, key, path, tag, known, suggested)


def refresh(memory: Remembered) -> None:
    """Take the key again once enchant has loaded the dictionary: loading creates the personal word list
    (an empty ``~/.config/enchant/<tag>.dic``) the first time. Answers remembered under another key are
    dropped, as they would have been on loading."""
    key = cache_key(memory.language, memory.tags)
    if key != memory.key:
        memory.key = key
        memory.known.clear()
        memory.suggested.clear()


def save(memory: Remembered, limit: int) -> None:
    """Write ``memory`` merged with what another process saved under the same key meanwhile (at most
    ``limit`` words: past it, only this process's). Never raises: a cache that cannot be written costs speed."""
    if memory.path is None or memory.tag is None:
        return
    import tempfile

    try:
        memory.path.parent.mkdir(parents=True, exist_ok=True)
        with open(memory.path.with_name(memory.path.name + ".lock"), "a") as lock:
            _lock(lock)
            known, suggested = dict(memory.known), dict(memory.suggested)
            theirs = _read(memory.path, memory.key)
            if theirs is not None and theirs[0] == memory.tag:
                merged = {**theirs[1], **known}
                if len(merged) <= limit:
                    known, suggested = merged, {**theirs[2], **suggested}
            text = json.dumps({
                "format": FORMAT, "key": memory.key, "language": memory.language, "tag": memory.tag,
                "known": "\n".join(w for w, ok in known.items() if ok and w and "\n" not in w),
                "unknown": "\n".join(w for w, ok in known.items() if not ok and w and "\n" not in w),
                "suggestions": {w: list(s) for w, s in suggested.items()},
            }, ensure_ascii=False)
            fd, tmp = tempfile.mkstemp(prefix=f".{memory.path.name}.", suffix=".partial", dir=memory.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.replace(tmp, memory.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
    except OSError as exc:
        log.info("could not save the spelling cache %s: %s", memory.path, exc)


def _lock(fh) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: the last writer wins, which loses cached answers, never findings
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
