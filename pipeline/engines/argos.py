"""Argos Translate packages: the only module that touches argostranslate (CTranslate2 runs in ct2.py).

An Argos package is a folder with ``metadata.json``, ``model/`` (a CTranslate2 model) and the package's
own tokenizer (``sentencepiece.model``, or ``bpe.model`` in older packages). This module

* lists installed packages by reading their ``metadata.json`` (no import of argostranslate, which
  creates folders and, in the original package, imports torch and stanza);
* installs a local ``.argosmodel`` only after checking the archive: one top-level folder, no member
  outside it, no absolute path, no link or device file, a sane total size, a ``metadata.json`` with
  ``from_code``/``to_code``, a model CTranslate2 can load;
* downloads from the Argos index only when asked (``pipeline models download``), after a short
  reachability check, with timeouts and no retries;
* translates: every segment of a track in ONE ``translate_batch`` call, tokenised with the package's own
  SentencePiece model, the model loaded once per process. Argos's own ``translate()`` is not used: it splits
  sentences itself (MiniSBD downloads a model on first use) and translates line by line.

Works with ``argos-translate-lt`` (the project's choice) and with ``argostranslate``: both keep the same
package format, environment variables and import name; argostranslate is imported only for BPE packages.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import shutil
import socket
import stat
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from pipeline import languages
from pipeline.engines import ct2
from pipeline.engines.base import Engine, PairInfo, Translation, data_folder, read_installed
from pipeline.errors import EngineError, NetworkUnavailable

log = logging.getLogger(__name__)

DEFAULT_INDEX = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
#: Argos's own codes that are not BCP-47.
_ARGOS_TO_BCP47 = {"pb": "pt-BR", "zt": "zh-Hant", "zh": "zh-Hans"}
_BCP47_TO_ARGOS = {v: k for k, v in _ARGOS_TO_BCP47.items()}
MAX_UNPACKED_BYTES = 4 << 30  # the largest real packages are ~300 MB unpacked
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def packages_dir() -> Path:
    """Where packages live: ``$ARGOS_PACKAGES_DIR``, else Argos's default under the XDG data folder."""
    return data_folder("ARGOS_PACKAGES_DIR", "argos-translate", "packages")


def to_bcp47(code: str) -> str:
    return _ARGOS_TO_BCP47.get(code, code)


def to_argos(code: str) -> str:
    return _BCP47_TO_ARGOS.get(code, languages.base(code))


@dataclass(frozen=True)
class ArgosPackage:
    """An installed package, described from its metadata.json."""

    path: Path
    source: str  # BCP-47
    target: str
    version: str
    metadata: dict

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def model(self) -> str:
        return f"{self.name} {self.version}".strip()


def _check_metadata(metadata: object, where: str) -> dict:
    if not isinstance(metadata, dict):
        raise EngineError(f"{where}: metadata.json is not a JSON object", hint="this is not an Argos package")
    for key in ("from_code", "to_code"):
        if not isinstance(metadata.get(key), str) or not metadata[key]:
            raise EngineError(f"{where}: metadata.json has no {key}", hint="this is not an Argos translation package")
    if metadata.get("type", "translate") != "translate":
        raise EngineError(f"{where}: a {metadata['type']!r} package, not a translation package")
    return metadata


def read_package(folder: Path) -> ArgosPackage:
    """Describe an installed package folder (an :class:`EngineError` if it is not one)."""
    meta_path = folder / "metadata.json"
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EngineError(f"{folder}: no metadata.json", hint="not an Argos package folder") from None
    except (OSError, ValueError) as exc:
        raise EngineError(f"{meta_path}: unreadable ({exc})") from None
    metadata = _check_metadata(metadata, str(folder))
    return ArgosPackage(folder, to_bcp47(metadata["from_code"]), to_bcp47(metadata["to_code"]),
                        str(metadata.get("package_version", "")), metadata)


def installed_packages(folder: Path | None = None) -> list[ArgosPackage]:
    """Every readable package in the packages folder (broken ones are logged and skipped)."""
    return read_installed(folder or packages_dir(), read_package)


def find_package(source: str, target: str, folder: Path | None = None) -> ArgosPackage | None:
    """The installed package for a pair: exact codes, else the base languages (``pt`` for ``pt-PT``)."""
    packages = installed_packages(folder)
    for exact in (True, False):
        for pkg in packages:
            if exact and pkg.source == source and pkg.target == target:
                return pkg
            if not exact and languages.base(pkg.source) == languages.base(source) and pkg.target in (
                    target, languages.base(target)):
                return pkg
    return None


def pairs(folder: Path | None = None) -> list[PairInfo]:
    return [PairInfo("argos", p.source, p.target, p.model) for p in installed_packages(folder)]


# --- installing -------------------------------------------------------------------------------------------

def _member_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\x00" in name or "\\" in name:
        return "a member name with a backslash or NUL byte"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return f"an absolute path ({name})"
    if ".." in PurePosixPath(name).parts:
        return f"a member that climbs out of the package folder ({name})"
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return f"a symbolic link ({name})"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return f"a special file ({name})"
    return None


def inspect_archive(file: Path) -> tuple[str, dict]:
    """Check a ``.argosmodel`` before anything is extracted; return its top folder and metadata."""
    file = Path(file)
    if not file.is_file():
        raise EngineError(f"{file}: no such file")
    if not zipfile.is_zipfile(file):
        raise EngineError(f"{file}: not an Argos package (not a zip archive)",
                          hint="an .argosmodel file is a zip; download it again")
    try:
        with zipfile.ZipFile(file) as zf:
            infos = zf.infolist()
            if not infos:
                raise EngineError(f"{file}: empty archive")
            for info in infos:
                problem = _member_problem(info)
                if problem:
                    raise EngineError(f"{file}: refused: the archive holds {problem}",
                                      hint="only install packages from a source you trust")
            tops = {PurePosixPath(i.filename).parts[0] for i in infos}
            if len(tops) != 1 or any(len(PurePosixPath(i.filename).parts) == 1 and not i.is_dir() for i in infos):
                raise EngineError(f"{file}: refused: an Argos package holds exactly one top-level folder",
                                  hint=f"found {', '.join(sorted(tops)[:5])}")
            top = tops.pop()
            if not _SAFE_NAME.match(top):
                raise EngineError(f"{file}: refused: odd package folder name {top!r}")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNPACKED_BYTES:
                raise EngineError(f"{file}: refused: unpacks to {total / 1e9:.1f} GB")
            names = {i.filename for i in infos}
            for required in ("metadata.json", "model/model.bin"):
                if f"{top}/{required}" not in names:
                    raise EngineError(f"{file}: not an Argos package: {top}/{required} is missing")
            if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
                raise EngineError(f"{file}: not an Argos package: no sentencepiece.model or bpe.model")
            bad = zf.testzip()
            if bad is not None:
                raise EngineError(f"{file}: corrupt archive: {bad} fails its checksum", hint="download it again")
            try:
                metadata = json.loads(zf.read(f"{top}/metadata.json").decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise EngineError(f"{file}: metadata.json is not valid JSON ({exc})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
        raise EngineError(f"{file}: corrupt archive ({exc})", hint="download it again") from None
    return top, _check_metadata(metadata, str(file))


def install_package(file: Path, folder: Path | None = None, *, replace: bool = False) -> ArgosPackage:
    """Install a local ``.argosmodel`` into the packages folder, checked first (see :func:`inspect_archive`).

    The package is extracted into a hidden temporary folder, loaded once with CTranslate2, and only then
    renamed into place; an existing package of the same name is kept unless ``replace``.
    """
    file = Path(file)
    top, _ = inspect_archive(file)
    folder = folder or packages_dir()
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / top
    if final.exists() and not replace:
        raise EngineError(f"{top} is already installed in {folder}", hint="pass --force to replace it")
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=folder))
    try:
        root = staging.resolve()
        with zipfile.ZipFile(file) as zf:
            for info in zf.infolist():
                target = (staging / info.filename).resolve()
                if root not in target.parents:  # belt and braces after inspect_archive
                    raise EngineError(f"{file}: refused: {info.filename} lands outside the package folder")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        package = read_package(staging / top)
        _load_translator(staging / top / "model", _settings())  # a model CTranslate2 cannot load is refused
        _forget_translator(staging / top / "model")
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=folder))
            os.replace(final, old / top)
            _forget_translator(final / "model")
        os.replace(staging / top, final)
        return ArgosPackage(final, package.source, package.target, package.version, package.metadata)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise EngineError(f"{file}: cannot extract ({exc})", hint="download it again") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for leftover in folder.glob(".replaced-*"):
            shutil.rmtree(leftover, ignore_errors=True)


# --- downloading (only when asked) ------------------------------------------------------------------------

def index_url() -> str:
    """The Argos package index, as argostranslate reads it (``$ARGOS_PACKAGE_INDEX``)."""
    return os.environ.get("ARGOS_PACKAGE_INDEX", DEFAULT_INDEX).rstrip("/") + "/index.json"


def check_reachable(url: str, timeout: float = 3.0) -> None:
    """Raise :class:`NetworkUnavailable` unless a TCP connection to the URL's host opens within ``timeout``.

    Name resolution has no timeout of its own, so it runs in a daemon thread with a deadline.
    """
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    result: queue.Queue = queue.Queue()

    def attempt() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.put(None)
        except OSError as exc:
            result.put(exc)

    threading.Thread(target=attempt, daemon=True).start()
    try:
        error = result.get(timeout=timeout + 0.5)
    except queue.Empty:
        error = TimeoutError(f"no answer within {timeout:.0f} s")
    if error is not None:
        raise NetworkUnavailable(
            f"offline: cannot reach {host}:{port} for the Argos package index ({error.__class__.__name__})",
            hint="copy an .argosmodel file here and run: pipeline models install FILE.argosmodel",
        )


def _fetch(url: str, dest: Path | None, timeout: float, on_bytes: Callable[[int, int | None], None] | None = None) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "pipeline (argos package download)"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            if dest is None:
                return response.read()
            done = 0
            with open(dest, "wb") as fh:
                while block := response.read(1 << 20):
                    fh.write(block)
                    done += len(block)
                    if on_bytes:
                        on_bytes(done, total)
            return b""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise NetworkUnavailable(f"download of {url} failed: {exc}", hint="try again later, or install a file") from None


def download_package(source: str, target: str, folder: Path | None = None, *, connect_timeout: float = 3.0,
                     on_bytes: Callable[[int, int | None], None] | None = None, replace: bool = False) -> ArgosPackage:
    """Find a package for the pair in the Argos index, download it once (no retries) and install it."""
    url = index_url()
    check_reachable(url, connect_timeout)
    try:
        index = json.loads(_fetch(url, None, timeout=20))
    except ValueError:
        raise EngineError(f"{url} is not a package index (not JSON)") from None
    src, tgt = to_argos(source), to_argos(target)
    entries = [e for e in index if isinstance(e, dict) and e.get("from_code") == src and e.get("to_code") == tgt]
    if not entries or not entries[0].get("links"):
        offered = sorted({to_bcp47(e.get("to_code", "?")) for e in index if isinstance(e, dict) and e.get("from_code") == src})
        raise EngineError(f"the Argos index has no {source}→{target} package",
                          hint=f"from {source} it offers: {', '.join(offered) or 'nothing'}; "
                               "a pivot through en or es may work (pipeline models list)")
    folder = folder or packages_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".download-", suffix=".argosmodel", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        _fetch(entries[0]["links"][0], tmp, timeout=60, on_bytes=on_bytes)
        return install_package(tmp, folder, replace=replace)
    finally:
        tmp.unlink(missing_ok=True)


# --- translating ------------------------------------------------------------------------------------------

# The CTranslate2 runtime is shared with the other CTranslate2 models (pipeline.engines.ct2).
RuntimeSettings = ct2.RuntimeSettings
_settings = ct2.settings
_TRANSLATORS = ct2.TRANSLATORS
_load_translator = ct2.load_translator
_forget_translator = ct2.forget_translator


class _ArgosTokenizer:
    """Older packages tokenise with BPE + Moses: argostranslate's own tokenizer handles them."""

    def __init__(self, package: ArgosPackage):
        from argostranslate.tokenizer import BPETokenizer  # lazy: only these packages need argostranslate

        self.tokenizer = BPETokenizer(package.path / "bpe.model", to_argos(package.source), to_argos(package.target))

    def encode(self, text: str) -> list[str]:
        return self.tokenizer.encode(text)

    def decode(self, pieces: list[str]) -> str:
        return self.tokenizer.decode(pieces).strip()


_TOKENIZERS: dict[str, object] = {}


class ArgosEngine(Engine):
    """One installed package; the whole batch goes through CTranslate2 in one call."""

    name = "argos"

    def __init__(self, package: ArgosPackage, source: str | None = None, target: str | None = None):
        super().__init__(source or package.source, target or package.target)
        self.package = package

    @property
    def model(self) -> str:
        return self.package.model

    @property
    def brief(self) -> str:
        return self.package.name

    def _tokenizer(self):
        key = str(self.package.path)
        if key not in _TOKENIZERS:
            sp = self.package.path / "sentencepiece.model"
            _TOKENIZERS[key] = ct2.SentencePiece(sp) if sp.is_file() else _ArgosTokenizer(self.package)
        return _TOKENIZERS[key]

    def _translate_batch(self, segments: list[str]) -> list[Translation]:
        runtime = _settings()
        model_dir = self.package.path / "model"
        translator = _load_translator(model_dir, runtime)
        tokenizer = self._tokenizer()
        prefix = self.package.metadata.get("target_prefix") or ""
        try:
            results = ct2.translate_pieces(translator, [tokenizer.encode(s) for s in segments], runtime,
                                           target_prefix=[prefix] if prefix else None, length_penalty=0.2)
        except EngineError as exc:
            raise EngineError(f"argos {self.model}: {exc}") from None
        return [ct2.read_hypothesis(hypothesis, tokenizer.decode) for hypothesis in results]


def engine_for(source: str, target: str, folder: Path | None = None) -> ArgosEngine | None:
    package = find_package(source, target, folder)
    return ArgosEngine(package, source, target) if package else None
