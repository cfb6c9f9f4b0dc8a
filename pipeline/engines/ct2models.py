"""Installed CTranslate2 translation models beyond Argos: OPUS-MT (Marian) and NLLB conversions.

The strongest published offline figures for the report's languages come from these models (see
docs/drafting.md). A user converts one once, elsewhere (``ct2-transformers-converter``, which needs
torch), and installs the folder here with ``pipeline models install DIR``. A model folder holds:

* the CTranslate2 model: ``model.bin``, ``config.json`` and ``shared_vocabulary.json`` or
  ``source_vocabulary.json`` + ``target_vocabulary.json`` (``.txt`` in older conversions);
* the SentencePiece models it was trained with: ``source.spm`` and ``target.spm`` for the Marian style,
  ``sentencepiece.bpe.model`` for NLLB;
* ``pipeline-model.toml``, a small manifest a person writes (or ``models install`` writes from its
  options)::

      style = "marian"            # marian | nllb
      name = "opus-mt-en-zls"     # optional: the folder name
      [sources]                   # language → token put before the source ("" for none;
      en = ""                     #   NLLB: the source code, e.g. "eng_Latn")
      [targets]                   # language → target token: ">>bos_Latn<<" for a multilingual
      bs = ">>bos_Latn<<"         #   OPUS-MT model (prepended to the source), "bos_Latn" for NLLB
                                  #   (forced as the first output token), "" for none

Installing checks the folder before it is used: nothing but plain files and folders (no link that could
point elsewhere, no device file), a sane size, the files present, every ordinary SentencePiece piece in
the model's vocabulary, every language token in it, the model loading, and one sentence per target
translating (greedy, a length limit) and *stopping* before the limit — a conversion whose ``</s>``
handling is wrong repeats tokens until the limit. Only then is the folder copied into place.

How a segment is sent (see the toolchain notes): Marian ``[target token] + pieces + </s>``; NLLB
``[source code] + pieces + </s>`` with the target code as ``target_prefix``, its echo dropped. ``</s>``
is added only when ``config.json`` does not ask CTranslate2 to add it (``add_source_eos``).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import languages
from pipeline.engines import ct2
from pipeline.engines.base import Engine, PairInfo, Translation, data_folder, read_installed
from pipeline.errors import EngineError

log = logging.getLogger(__name__)

MANIFEST = "pipeline-model.toml"
STYLES = ("marian", "nllb")
MAX_MODEL_BYTES = 8 << 30  # NLLB-200 3.3B in float16 is ~6.7 GB
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
_TOKEN = re.compile(r"^[^\s]{0,64}$")
_MANIFEST_KEYS = {"style", "name", "version", "sources", "targets", "license", "url", "description"}
SPM_FILES = {"marian": ("source.spm", "target.spm"), "nllb": ("sentencepiece.bpe.model",)}
SMOKE_SENTENCE = "Survivors deserve to be heard."
SMOKE_LIMIT = 64


def models_dir() -> Path:
    """Where models live: ``$PIPELINE_MODELS_DIR``, else ``pipeline/models`` under the XDG data folder."""
    return data_folder("PIPELINE_MODELS_DIR", "pipeline", "models")


@dataclass(frozen=True)
class ModelInfo:
    """An installed (or about to be installed) model folder, described by its manifest."""

    path: Path
    style: str
    name: str
    sources: dict[str, str]  # BCP-47 → source token
    targets: dict[str, str]  # BCP-47 → target token
    version: str = ""
    license: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def model(self) -> str:
        return f"{self.name} {self.version}".strip()

    @property
    def source_spm(self) -> Path:
        return self.path / SPM_FILES[self.style][0]

    @property
    def target_spm(self) -> Path:
        return self.path / SPM_FILES[self.style][-1]


def _languages(table: object, key: str, where: str) -> dict[str, str]:
    if not isinstance(table, dict) or not table:
        raise EngineError(f"{where}: [{key}] must list at least one language, like {'en' if key == 'sources' else 'bs'} = \"\"",
                          hint=f"see {MANIFEST} in docs/drafting.md")
    out = {}
    for code, token in table.items():
        if not languages.is_known(code):
            raise EngineError(f"{where}: [{key}] {code!r} is not a language code", hint="use BCP-47 codes: en, bs, sq")
        if not isinstance(token, str) or not _TOKEN.match(token):
            raise EngineError(f"{where}: [{key}] {code} must be a token without spaces (or \"\" for none)")
        out[languages.normalize(code)] = token
    return out


def parse_manifest(data: dict, folder: Path, where: str) -> ModelInfo:
    unknown = sorted(set(data) - _MANIFEST_KEYS)
    if unknown:
        raise EngineError(f"{where}: unknown key {unknown[0]!r}", hint=f"known keys: {', '.join(sorted(_MANIFEST_KEYS))}")
    style = data.get("style")
    if style not in STYLES:
        raise EngineError(f"{where}: style must be one of {', '.join(STYLES)} (found {style!r})",
                          hint="marian for OPUS-MT conversions (source.spm, target.spm), nllb for NLLB-200")
    name = data.get("name") or folder.name
    if not isinstance(name, str) or not _SAFE_NAME.match(name):
        raise EngineError(f"{where}: name {name!r} must be letters, digits, '.', '_' or '-'")
    sources = _languages(data.get("sources"), "sources", where)
    targets = _languages(data.get("targets"), "targets", where)
    if style == "nllb" and not (all(sources.values()) and all(targets.values())):
        raise EngineError(f"{where}: an NLLB model needs a language code for every language (en = \"eng_Latn\")")
    if style == "marian" and len(targets) > 1 and not all(targets.values()):
        raise EngineError(f"{where}: a multilingual Marian model needs a target token per language (bs = \">>bos_Latn<<\")")
    text = {k: str(data.get(k, "")) for k in ("version", "license", "url")}
    return ModelInfo(folder, style, name, sources, targets, **text)


def read_model(folder: Path) -> ModelInfo:
    """Describe a model folder from its manifest (an :class:`EngineError` if it has none or a bad one)."""
    path = folder / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EngineError(f"{folder}: no {MANIFEST}: say what the model translates",
                          hint="write one (docs/drafting.md), or pass --style, --from and --to to "
                               "pipeline models install, e.g. --style marian --from en --to 'bs=>>bos_Latn<<'") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise EngineError(f"{path}: unreadable ({exc})") from None
    return parse_manifest(data, folder, str(path))


def compose_manifest(info: ModelInfo) -> str:
    def table(values: dict[str, str]) -> str:
        return "".join(f'{code} = "{token}"\n' for code, token in values.items())

    lines = ["# What this CTranslate2 model translates; read by pipeline (docs/drafting.md).",
             f'style = "{info.style}"', f'name = "{info.name}"']
    for key in ("version", "license", "url"):
        if getattr(info, key):
            lines.append(f'{key} = "{getattr(info, key)}"')
    return "\n".join(lines) + "\n\n[sources]\n" + table(info.sources) + "\n[targets]\n" + table(info.targets)


def installed_models(folder: Path | None = None) -> list[ModelInfo]:
    """Every readable model in the models folder (broken ones are logged and skipped)."""
    return read_installed(folder or models_dir(), read_model)


def _matches(wanted: str, offered: str) -> bool:
    return wanted == offered or languages.base(wanted) == offered


def find_model(source: str, target: str, style: str | None = None, folder: Path | None = None) -> tuple[ModelInfo, str, str] | None:
    """The first installed model (of ``style``) for a pair, with the manifest's codes it matched: exact
    codes first, then base languages (``pt`` for ``pt-BR``)."""
    models = [m for m in installed_models(folder) if style is None or m.style == style]
    for exact in (True, False):
        for info in models:
            src = next((s for s in info.sources if (s == source if exact else _matches(source, s))), None)
            tgt = next((t for t in info.targets if (t == target if exact else _matches(target, t))), None)
            if src and tgt:
                return info, src, tgt
    return None


def pairs(folder: Path | None = None) -> list[PairInfo]:
    return [PairInfo(m.style, s, t, m.model) for m in installed_models(folder) for s in m.sources for t in m.targets]


# --- checking and installing ------------------------------------------------------------------------------

def _check_tree(folder: Path) -> int:
    """Refuse anything but plain files and folders (a link could lead outside the folder); return the size."""
    total = 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(root) / name
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                raise EngineError(f"{folder}: refused: {path.relative_to(folder)} is a symbolic link",
                                  hint="copy the real files into the folder")
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise EngineError(f"{folder}: refused: {path.relative_to(folder)} is not a regular file")
            if stat.S_ISREG(mode):
                total += os.lstat(path).st_size
    if total > MAX_MODEL_BYTES:
        raise EngineError(f"{folder}: refused: {total / 1e9:.1f} GB is more than any translation model needs")
    return total


def _check_files(info: ModelInfo) -> None:
    folder = info.path
    missing = [name for name in ("model.bin", *SPM_FILES[info.style]) if not (folder / name).is_file()]
    has_vocab = any((folder / f"{n}.{e}").is_file() for n in ("shared_vocabulary", "target_vocabulary")
                    for e in ("json", "txt"))
    if not has_vocab:
        missing.append("shared_vocabulary.json (or source_ and target_vocabulary.json)")
    if missing:
        kind = "an OPUS-MT (Marian) conversion" if info.style == "marian" else "an NLLB conversion"
        raise EngineError(f"{folder}: not {kind}: {', '.join(missing)} missing",
                          hint="convert with ct2-transformers-converter and copy the SentencePiece model(s) beside "
                               "model.bin")


def _check_vocabulary(info: ModelInfo) -> tuple[frozenset[str], frozenset[str]]:
    """Every ordinary SentencePiece piece and every language token must be in the model's vocabulary: a
    missing one silently becomes ``<unk>``."""
    source_vocab = frozenset(ct2.vocabulary(info.path, "source"))
    target_vocab = frozenset(ct2.vocabulary(info.path, "target"))
    sides = [("source", info.source_spm, source_vocab)]
    if info.style == "marian":
        sides.append(("target", info.target_spm, target_vocab))
    for side, spm_path, vocab in sides:
        spm = ct2.SentencePiece(spm_path)
        missing = [piece for piece, ordinary in spm.pieces() if ordinary and piece not in vocab]
        if missing:
            shown = ", ".join(repr(p) for p in missing[:5])
            raise EngineError(f"{info.path}: the {side} vocabulary lacks {len(missing)} of the pieces of "
                              f"{spm_path.name} ({shown}...)",
                              hint="the SentencePiece model does not belong to this model; copy the one it was "
                                   "converted with")
    for code, token in info.sources.items():
        if token and token not in source_vocab:
            raise EngineError(f"{info.path}: the source token {token!r} for {code} is not in the model's vocabulary",
                              hint="check the language code in " + MANIFEST)
    for code, token in info.targets.items():
        vocab = source_vocab if info.style == "marian" else target_vocab
        if token and token not in vocab:
            raise EngineError(f"{info.path}: the target token {token!r} for {code} is not in the model's vocabulary",
                              hint="a multilingual model lists its target tokens (>>xxx<<) in its vocabulary; "
                                   "check " + MANIFEST)
    return source_vocab, target_vocab


def check_model(info: ModelInfo) -> None:
    """Everything :func:`install_model` checks, on a folder (see the module doc)."""
    _check_tree(info.path)
    _check_files(info)
    _check_vocabulary(info)
    runtime = ct2.settings()
    ct2.load_translator(info.path, runtime)
    try:
        source = next(iter(info.sources))
        for target in info.targets:
            engine = CT2Engine(info, source, target)
            result = engine.run([SMOKE_SENTENCE], beam_size=1, max_decoding_length=SMOKE_LIMIT)[0]
            if not result.stopped:
                raise EngineError(
                    f"{info.path}: a one-sentence test translation to {target} did not stop within {SMOKE_LIMIT} "
                    "tokens: the model repeats itself",
                    hint="the conversion's end-of-sentence handling is wrong (config.json add_source_eos, "
                         "decoder_start_token), or the SentencePiece model or target token does not belong to it")
            if not result.pieces:
                raise EngineError(f"{info.path}: a one-sentence test translation to {target} came back empty")
    finally:
        ct2.forget_translator(info.path)


def install_model(folder: Path, destination: Path | None = None, *, manifest: ModelInfo | None = None,
                  replace: bool = False) -> ModelInfo:
    """Check a model folder and copy it into the models folder under its name.

    ``manifest`` (from command options) replaces the folder's own ``pipeline-model.toml``. The copy is
    checked again in a hidden staging folder and only then renamed into place; an installed model of the
    same name is kept unless ``replace``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise EngineError(f"{folder}: no such folder")
    _check_tree(folder)
    info = manifest if manifest is not None else read_model(folder)
    info = ModelInfo(folder, info.style, info.name, info.sources, info.targets, info.version, info.license, info.url)
    _check_files(info)
    destination = destination or models_dir()
    destination.mkdir(parents=True, exist_ok=True)
    final = destination / info.name
    if final.exists() and not replace:
        raise EngineError(f"{info.name} is already installed in {destination}", hint="pass --force to replace it")
    staging = Path(tempfile.mkdtemp(prefix=".installing-", dir=destination))
    try:
        staged = staging / info.name
        shutil.copytree(folder, staged, symlinks=True)
        (staged / MANIFEST).write_text(compose_manifest(info), encoding="utf-8")
        installed = read_model(staged)
        check_model(installed)
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=destination))
            os.replace(final, old / info.name)
            ct2.forget_translator(final)
        os.replace(staged, final)
        return read_model(final)
    except OSError as exc:
        raise EngineError(f"{folder}: cannot copy into {destination} ({exc.strerror or exc})") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for leftover in destination.glob(".replaced-*"):
            shutil.rmtree(leftover, ignore_errors=True)


# --- translating ------------------------------------------------------------------------------------------

_SPMS: dict[str, ct2.SentencePiece] = {}


def _spm(path: Path) -> ct2.SentencePiece:
    key = str(path)
    if key not in _SPMS:
        _SPMS[key] = ct2.SentencePiece(path)
    return _SPMS[key]


class CT2Engine(Engine):
    """One installed OPUS-MT or NLLB model, one language pair; the whole batch in one call."""

    def __init__(self, info: ModelInfo, source: str, target: str, *, source_code: str | None = None,
                 target_code: str | None = None):
        super().__init__(source, target)
        self.info = info
        self.name = info.style
        self.source_token = info.sources[source_code or source]
        self.target_token = info.targets[target_code or target]
        # Models from the Transformers converter do not add </s> themselves (config.json add_source_eos).
        self.adds_eos = bool(ct2.model_config(info.path).get("add_source_eos"))

    @property
    def model(self) -> str:
        return self.info.model

    @property
    def brief(self) -> str:
        return self.info.name

    def encode(self, segment: str) -> tuple[list[str], list[str] | None]:
        """The source tokens and target prefix sent for one segment (see the module doc)."""
        pieces = _spm(self.info.source_spm).encode(segment)
        eos = [] if self.adds_eos else ["</s>"]
        if self.info.style == "nllb":
            return [self.source_token] + pieces + eos, [self.target_token]
        return ([self.target_token] if self.target_token else []) + pieces + eos, None

    def run(self, segments: list[str], *, beam_size: int | None = None,
            max_decoding_length: int | None = None) -> list[ct2.Hypothesis]:
        runtime = ct2.settings()
        if beam_size is not None:
            runtime = ct2.RuntimeSettings(runtime.device, runtime.compute_type, runtime.inter_threads,
                                          runtime.intra_threads, beam_size, runtime.batch_size)
        translator = ct2.load_translator(self.info.path, runtime)
        encoded = [self.encode(s) for s in segments]
        prefix = encoded[0][1] if encoded else None
        try:
            return ct2.translate_pieces(translator, [tokens for tokens, _ in encoded], runtime, target_prefix=prefix,
                                        max_decoding_length=max_decoding_length)
        except EngineError as exc:
            raise EngineError(f"{self.name} {self.model}: {exc}") from None

    def _translate_batch(self, segments: list[str]) -> list[Translation]:
        return [ct2.read_hypothesis(hypothesis) for hypothesis in self.run(segments)]


def engine_for(style: str, source: str, target: str, folder: Path | None = None) -> CT2Engine | None:
    found = find_model(source, target, style, folder)
    if found is None:
        return None
    info, src, tgt = found
    return CT2Engine(info, source, target, source_code=src, target_code=tgt)
