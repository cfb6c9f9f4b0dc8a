"""Apertium (Debian's rule-based engine): the only module that runs the ``apertium`` program.

One process per track: segments are joined with blank lines (Apertium keeps them) and split again after.

Apertium runs *with* its marks (no ``-u``): ``*word`` unknown to the analyser, ``@word`` no translation in
transfer, ``#word`` a generation error. Each segment's marked words are counted (the engine's own measure
of how far to trust it) and the marks are removed from the text — all of them, which ``-u`` does not do
(``ask# for`` kept its ``#``). So that every ``*``/``@``/``#`` in the output is a mark, those characters in
the input travel as letter codes and come back as they were. ASCII double quotes travel as curly ones:
eng-hbs turns ``"`` into the word ``parquote``.

Mode names use Apertium's own codes (``eng-spa``, ``eng-hbs_BS``, ``es-pt_BR``); they are mapped to BCP-47:
``hbs_BS`` is Bosnian (``bs``), ``hbs_HR`` Croatian, ``hbs_SR`` Serbian (Latin script), ``pt_BR`` ``pt-BR``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from functools import lru_cache

from pipeline import languages
from pipeline.engines.base import Engine, PairInfo, Translation, is_word
from pipeline.errors import EngineError, ToolMissing

log = logging.getLogger(__name__)

INSTALL_HINT = "apt-get install apertium apertium-eng-spa apertium-hbs-eng apertium-es-pt apertium-fr-es apertium-es-ro"
_MODE_RE = re.compile(r"^([a-z]{2,3}(?:_[A-Za-z]+)?)-([a-z]{2,3}(?:_[A-Za-z]+)?)$")
#: Serbo-Croatian variants Apertium names by country: each is its own language in BCP-47.
_HBS_VARIANTS = {"BS": "bs", "HR": "hr", "SR": "sr-Latn", "": "sh"}
_SEPARATOR = "\n\n"
#: Input characters that are Apertium's marks in the output, sent as codes Apertium copies as unknown text.
_MARK_CODES = {"*": "XQ1QX", "@": "XQ2QX", "#": "XQ3QX"}
_MARK_CODE_RE = re.compile(r"X\s?Q\s?([123])\s?Q\s?X", re.IGNORECASE)
_MARK_CHARS = "*@#"
#: A mark directly before a letter or digit marks that word (``#.`` on punctuation alone does not count).
_MARKED_WORD = re.compile(r"[*@#](?=[^\W_])")


def apertium_path() -> str | None:
    return shutil.which("apertium")


def _require() -> str:
    path = apertium_path()
    if path is None:
        raise ToolMissing("apertium", INSTALL_HINT)
    return path


def code_to_bcp47(code: str) -> str | None:
    """``eng`` → ``en``, ``hbs_BS`` → ``bs``, ``pt_BR`` → ``pt-BR``; None when not a language."""
    lang, _, variant = code.partition("_")
    if lang == "hbs":
        return _HBS_VARIANTS.get(variant)
    base = languages.from_iso639_2(lang) if len(lang) == 3 else lang
    if not base or not languages.is_known(base):
        return None
    tag = f"{base}-{variant}" if variant else base
    return languages.normalize(tag) if languages.is_known(tag) else base


@lru_cache(maxsize=1)
def installed_modes() -> tuple[tuple[str, str, str], ...]:
    """(mode, source, target) for every translation mode ``apertium -l`` lists; empty without apertium."""
    path = apertium_path()
    if path is None:
        return ()
    try:
        out = subprocess.run([path, "-l"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("apertium -l failed: %s", exc)
        return ()
    modes = []
    for mode in out.split():
        m = _MODE_RE.match(mode)
        if not m:
            continue  # transliteration and other non-translation modes
        source, target = code_to_bcp47(m.group(1)), code_to_bcp47(m.group(2))
        if source and target:
            modes.append((mode, source, target))
    return tuple(modes)


@lru_cache(maxsize=None)
def _package_version(mode: str) -> str:
    """The Debian package version of the data behind a mode (recorded with each draft)."""
    mode_file = f"/usr/share/apertium/modes/{mode}.mode"
    package = None
    if os.path.isfile(mode_file):
        with open(mode_file, encoding="utf-8") as fh:
            m = re.search(r"/usr/share/apertium/(apertium-[a-z_-]+)/", fh.read())
        package = m.group(1) if m else None
    if package and shutil.which("dpkg-query"):
        res = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True)
        if res.returncode == 0 and res.stdout.strip():
            return f"{package} {res.stdout.strip()}"
    return package or "unknown version"


#: Apertium's plain ``hbs`` analyses any of the Serbo-Croatian standards.
_MACRO_MEMBERS = {"sh": {"bs", "hr", "sr", "sh"}}


def _matches(wanted: str, offered: str) -> bool:
    return (wanted == offered or languages.base(wanted) == offered
            or languages.base(wanted) in _MACRO_MEMBERS.get(offered, ()))


def find_mode(source: str, target: str) -> str | None:
    """The installed mode for a pair: exact codes first, then a region-neutral mode (``en`` for ``en-GB``)."""
    modes = installed_modes()
    for exact in (True, False):
        for mode, src, tgt in modes:
            if (src == source and tgt == target) if exact else (_matches(source, src) and _matches(target, tgt)):
                return mode
    return None


def pairs() -> list[PairInfo]:
    return [PairInfo("apertium", src, tgt, mode) for mode, src, tgt in installed_modes()]


class ApertiumEngine(Engine):
    """One Apertium mode, run once per batch."""

    name = "apertium"

    def __init__(self, mode: str, source: str, target: str):
        super().__init__(source, target)
        self.mode = mode

    @property
    def model(self) -> str:
        return f"{self.mode} ({_package_version(self.mode)})"

    @property
    def brief(self) -> str:
        return self.mode

    def _translate_batch(self, segments: list[str]) -> list[Translation]:
        argv = [_require(), "-f", "txt", self.mode]
        sent = [_encode(s) for s in segments]
        text = _SEPARATOR.join(sent) + "\n"
        timeout = 60 + 0.05 * len(text)
        try:
            res = subprocess.run(argv, input=text, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise EngineError(f"apertium {self.mode} did not finish within {timeout:.0f} s") from None
        if res.returncode != 0:
            tail = res.stderr.strip().splitlines()[-1:] or [f"exit code {res.returncode}"]
            raise EngineError(f"apertium {self.mode} failed: {tail[0]}", detail=res.stderr)
        parts = [p.strip() for p in re.split(r"\n[ \t]*\n", res.stdout.strip("\n"))]
        if len(parts) != len(segments):
            raise EngineError(f"apertium {self.mode} returned {len(parts)} segments for {len(segments)}",
                              hint="run with -v for details", detail=res.stdout)
        return [read_marks(part, original) for part, original in zip(parts, segments)]


def _encode(segment: str) -> str:
    """What Apertium is sent for a segment (see the module doc)."""
    out = "".join(_MARK_CODES.get(ch, ch) for ch in segment)
    if '"' in out and not re.search("[\u201c\u201d]", out):
        count = [0]

        def curly(_m: re.Match) -> str:
            count[0] += 1
            return "\u201c" if count[0] % 2 else "\u201d"

        out = re.sub('"', curly, out)
    return out


def read_marks(output: str, original: str) -> Translation:
    """A segment of Apertium's marked output: its marked words counted, every mark removed, and the
    characters :func:`_encode` replaced put back."""
    tokens = output.split()
    unknown = []
    clean_tokens = []
    for token in tokens:
        clean = token.translate({ord(c): None for c in _MARK_CHARS})
        clean_tokens.append(clean)
        if _MARKED_WORD.search(token) and is_word(clean):
            unknown.append(_decode(clean, original))
    text = _decode(" ".join(clean_tokens), original)
    return Translation(text, tuple(unknown))


def _decode(text: str, original: str) -> str:
    text = _MARK_CODE_RE.sub(lambda m: "*@#"[int(m.group(1)) - 1], text)
    if '"' in original and not re.search("[\u201c\u201d]", original):
        text = re.sub("[\u201c\u201d]", '"', text)
    return text


def engine_for(source: str, target: str) -> ApertiumEngine | None:
    mode = find_mode(source, target)
    return ApertiumEngine(mode, source, target) if mode else None
