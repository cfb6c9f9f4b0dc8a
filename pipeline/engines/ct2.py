"""The CTranslate2 runtime: the only module that imports ``ctranslate2`` and ``sentencepiece``.

Argos packages and installed OPUS-MT / NLLB models are all CTranslate2 models tokenised with
SentencePiece; this module loads a model once per process, turns text into pieces and back, and runs one
``translate_batch`` per track with the model's own scores. It knows nothing of packages or manifests.

Facts it relies on (measured, see the project's toolchain notes):

* ``return_scores``: the sum of the output tokens' log-probabilities (``</s>`` included, a forced target
  prefix not) divided by ``length ** length_penalty``;
* the model writes ``<unk>`` where it cannot translate a piece; like ``replace_unknowns`` the piece the
  model attends to most is copied into that slot — and remembered, so the word is reported as unknown;
* beam size is pinned (CTranslate2's default of 2 found worse hypotheses than greedy on small models).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from pipeline.engines.base import Translation, is_word, probability_from_score
from pipeline.errors import EngineError

log = logging.getLogger(__name__)

BYTE_PIECE = re.compile(r"^<0x([0-9A-Fa-f]{2})>$")
CONTROL_PIECES = {"<s>", "</s>", "<unk>", "<pad>"}
SPACE = "\u2581"


@dataclass(frozen=True)
class RuntimeSettings:
    device: str
    compute_type: str
    inter_threads: int
    intra_threads: int
    beam_size: int
    batch_size: int


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def settings() -> RuntimeSettings:
    """CTranslate2 settings from Argos's environment variables (they apply to every CTranslate2 model),
    with defaults measured for subtitles.

    One batch at a time (inter 1). Intra-op threads: all cores but one, at most 4 — on a 2-core machine
    ``intra 0`` (every core, oversubscribed with the rest of the system) was several times slower than 1.
    """
    return RuntimeSettings(
        device=os.environ.get("ARGOS_DEVICE_TYPE", "cpu"),
        compute_type=os.environ.get("ARGOS_COMPUTE_TYPE", "default").replace("auto", "default"),
        inter_threads=max(1, _env_int("ARGOS_INTER_THREADS", 1)),
        intra_threads=max(0, _env_int("ARGOS_INTRA_THREADS", min(4, max(1, _cores() - 1)))),
        beam_size=max(1, _env_int("ARGOS_BEAM_SIZE", 4)),
        batch_size=max(1, _env_int("ARGOS_BATCH_SIZE", 32)),
    )


TRANSLATORS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def load_translator(model_dir: Path, runtime: RuntimeSettings):
    """The CTranslate2 translator for a model folder, loaded once per process and settings."""
    key = (str(model_dir), runtime.device, runtime.compute_type, runtime.inter_threads, runtime.intra_threads)
    with _LOCK:
        if key not in TRANSLATORS:
            import ctranslate2

            try:
                TRANSLATORS[key] = ctranslate2.Translator(
                    str(model_dir), device=runtime.device, compute_type=runtime.compute_type,
                    inter_threads=runtime.inter_threads, intra_threads=runtime.intra_threads)
            except (RuntimeError, ValueError, OSError) as exc:
                raise EngineError(f"{model_dir}: CTranslate2 cannot load this model ({exc})",
                                  hint="the model is corrupt or needs a newer CTranslate2") from None
            log.info("loaded %s (%s, intra_threads=%d)", model_dir, runtime.device, runtime.intra_threads)
        return TRANSLATORS[key]


def forget_translator(model_dir: Path) -> None:
    with _LOCK:
        for key in [k for k in TRANSLATORS if k[0] == str(model_dir)]:
            del TRANSLATORS[key]


def vocabulary(model_dir: Path, side: str) -> list[str]:
    """A converted model's ``source`` or ``target`` vocabulary: ``shared_vocabulary`` or the side's own
    file, JSON (a list) or text (one token per line, older conversions)."""
    for name in ("shared_vocabulary", f"{side}_vocabulary"):
        for ext in ("json", "txt"):
            path = model_dir / f"{name}.{ext}"
            if path.is_file():
                try:
                    if ext == "json":
                        tokens = json.loads(path.read_text(encoding="utf-8"))
                        if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                            raise ValueError("not a list of tokens")
                        return tokens
                    return path.read_text(encoding="utf-8").split("\n")[:-1] or []
                except (OSError, ValueError, UnicodeDecodeError) as exc:
                    raise EngineError(f"{path}: unreadable vocabulary ({exc})") from None
    raise EngineError(f"{model_dir}: no {side} vocabulary (shared_vocabulary.json or {side}_vocabulary.json)",
                      hint="this is not a CTranslate2 translation model folder")


def model_config(model_dir: Path) -> dict:
    """``config.json`` of a converted model ({} when absent: very old conversions have none)."""
    path = model_dir / "config.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise EngineError(f"{path}: unreadable ({exc})") from None
    return data if isinstance(data, dict) else {}


class SentencePiece:
    """A SentencePiece model. Decoding joins pieces itself: SentencePiece's own decoder turns copied
    unknown pieces into ``⁇``, and a piece copied from the source side is not in a target model at all."""

    def __init__(self, path: Path):
        import sentencepiece

        try:
            self.processor = sentencepiece.SentencePieceProcessor(model_file=str(path))
        except (RuntimeError, OSError) as exc:
            raise EngineError(f"{path}: not a SentencePiece model ({exc})") from None

    def encode(self, text: str) -> list[str]:
        return self.processor.encode(text, out_type=str)

    def pieces(self) -> list[tuple[str, bool]]:
        """Every piece with whether it is an ordinary one (not control, unknown or unused)."""
        p = self.processor
        return [(p.id_to_piece(i), not (p.is_control(i) or p.is_unknown(i) or p.is_unused(i)))
                for i in range(p.get_piece_size())]

    def decode(self, pieces: Sequence[str]) -> str:
        return join_pieces(pieces)


def join_pieces(pieces: Sequence[str]) -> str:
    out: list[str] = []
    pending = bytearray()
    for piece in pieces:
        byte = BYTE_PIECE.match(piece)
        if byte:
            pending.append(int(byte.group(1), 16))
            continue
        if pending:
            out.append(pending.decode("utf-8", "replace"))
            pending.clear()
        if piece not in CONTROL_PIECES:
            out.append(piece)
    if pending:
        out.append(pending.decode("utf-8", "replace"))
    return "".join(out).replace(SPACE, " ").strip()


@dataclass(frozen=True)
class Hypothesis:
    """One translated segment as CTranslate2 returned it."""

    pieces: list[str]  # output pieces, a forced prefix removed, unknowns replaced by source pieces
    probability: float  # mean token probability (exp of the mean log-probability)
    stopped: bool  # False: decoding ran into the length limit
    copied: frozenset[int]  # indexes of pieces the model wrote as <unk>, copied from the source


def read_hypothesis(hypothesis: Hypothesis, decode=join_pieces) -> Translation:
    """Output pieces to text, with the words that hold a copied unknown piece as the engine's marked words."""
    words: list[tuple[list[str], bool]] = []
    for i, piece in enumerate(hypothesis.pieces):
        if piece.startswith(SPACE) or not words:
            words.append(([], False))
        group, flagged = words[-1]
        group.append(piece)
        words[-1] = (group, flagged or i in hypothesis.copied)
    unknown = []
    for group, flagged in words:
        if flagged:
            unknown += [w for w in decode(group).split() if is_word(w)]
    return Translation(decode(hypothesis.pieces), tuple(unknown), hypothesis.probability)


def translate_pieces(translator, batch: list[list[str]], runtime: RuntimeSettings, *,
                     target_prefix: list[str] | None = None, length_penalty: float = 1.0,
                     max_decoding_length: int | None = None) -> list[Hypothesis]:
    """One ``translate_batch`` call with the model's scores and attention. An ``<unk>`` output is replaced
    by the source piece it attends to most (what ``replace_unknowns`` does) and remembered as copied."""
    longest = max((len(p) for p in batch), default=1)
    limit = max_decoding_length or max(256, 3 * longest)
    prefix = list(target_prefix or [])
    try:
        results = translator.translate_batch(
            batch, target_prefix=[prefix] * len(batch) if prefix else None,
            beam_size=runtime.beam_size, max_batch_size=runtime.batch_size, batch_type="examples",
            length_penalty=length_penalty, max_decoding_length=limit, return_scores=True, return_attention=True,
        )
    except (RuntimeError, ValueError) as exc:
        raise EngineError(f"translation failed ({exc})") from None
    out = []
    for source, result in zip(batch, results):
        hyp = list(result.hypotheses[0])
        attention = list(result.attention[0]) if result.attention else []
        # The score counts the generated tokens and </s>; a forced prefix is not generated.
        tokens = len(hyp) - len(prefix) + 1 if prefix and hyp[:len(prefix)] == prefix else len(hyp) + 1
        stopped = len(hyp) < limit
        if prefix and hyp[:len(prefix)] == prefix:
            hyp, attention = hyp[len(prefix):], attention[len(prefix):]
        copied = set()
        for i, piece in enumerate(hyp):
            if piece != "<unk>" or i >= len(attention) or not attention[i]:
                continue
            weights = attention[i]
            j = max(range(min(len(weights), len(source))), key=weights.__getitem__, default=None)
            if j is not None and source[j] not in CONTROL_PIECES:
                hyp[i] = source[j]
            copied.add(i)
        score = float(result.scores[0]) if result.scores else 0.0
        out.append(Hypothesis(hyp, probability_from_score(score, tokens, length_penalty), stopped, frozenset(copied)))
    return out
