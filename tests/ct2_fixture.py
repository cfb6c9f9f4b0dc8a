"""Tiny but real CTranslate2 translation models in the two layouts ``pipeline models install DIR`` takes,
built offline in well under a second (as tests/argos_fixture.py does for Argos packages).

* **Marian style** (OPUS-MT conversions): ``model.bin``, ``config.json``, ``source_vocabulary.json`` and
  ``target_vocabulary.json``, plus ``source.spm`` and ``target.spm``. A multilingual model expects its
  target token (``>>bos_Latn<<``) in front of the source; this model copies source piece t+1 to output
  piece t, so without the token the first word would be lost — the test sees whether it was sent. The
  target side is the source case-swapped (target vocabulary and ``target.spm`` alike), so a test sees the
  text went through the model. Like the Transformers converter's output, ``config.json`` says
  ``add_source_eos: false``: the engine must add ``</s>`` itself or decoding runs to the length limit.
* **NLLB style**: one ``shared_vocabulary.json`` (pieces plus language codes) and
  ``sentencepiece.bpe.model``; source ``[eng_Latn] + pieces + </s>``, the target language code forced as
  the first output token (``target_prefix``). The model copies piece t to output t, so if the prefix were
  not forced the source code would come out as a word.

Both score below certainty (``sharpness``), so confidence figures are real numbers, and a character the
SentencePiece model never saw comes back as a copied unknown piece.
"""

from __future__ import annotations

import json
from pathlib import Path

from argos_fixture import FILLERS, SPECIALS, _pieces, _swap, _train_sentencepiece, build_model

NLLB_CODES = ["eng_Latn", "bos_Latn", "als_Latn", "ron_Latn"]


def _swapcased_spm(sp_model: bytes) -> bytes:
    """The same SentencePiece model with every ordinary piece case-swapped (the 'target language')."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    proto.ParseFromString(sp_model)
    for piece in proto.pieces:
        if piece.type == pb.ModelProto.SentencePiece.NORMAL:
            piece.piece = _swap(piece.piece)
    return proto.SerializeToString()


def _write_manifest(folder: Path, text: str) -> None:
    (folder / "pipeline-model.toml").write_text(text, encoding="utf-8")


def build_marian(folder: Path, *, target_token: str = ">>bos_Latn<<", manifest: bool = True,
                 never_stops: bool = False, sharpness: float = 0.45) -> Path:
    """A Marian-style model directory (en → bs through ``target_token``); see the module doc.
    ``never_stops``: a broken conversion whose ``</s>`` can never be produced."""
    sp_model = _train_sentencepiece(160)
    pieces = _pieces(sp_model)
    tokens = [target_token] if target_token else []
    source_vocab = pieces + tokens + FILLERS
    target_vocab = [_swap(p) for p in pieces] + tokens + FILLERS
    if never_stops:  # the slot the model copies </s> into now holds a filler; </s> sits where nothing goes
        eos, filler = target_vocab.index("</s>"), len(target_vocab) - 1
        target_vocab[eos], target_vocab[filler] = target_vocab[filler], target_vocab[eos]
    build_model(folder, source_vocab, target_vocab, shift=1 if target_token else 0, sharpness=sharpness,
                add_source_eos=False, decoder_start="</s>")
    (folder / "source.spm").write_bytes(sp_model)
    (folder / "target.spm").write_bytes(_swapcased_spm(sp_model))
    if manifest:
        _write_manifest(folder, f'''# what this model translates (pipeline models install reads it)
style = "marian"
name = "{folder.name}"
version = "test"

[sources]
en = ""

[targets]
bs = "{target_token}"
''')
    return folder


def build_nllb(folder: Path, *, manifest: bool = True, sharpness: float = 0.45) -> Path:
    """An NLLB-style model directory (en → bs, sq, ro through language codes); see the module doc."""
    sp_model = _train_sentencepiece(160)
    vocab = _pieces(sp_model) + NLLB_CODES + FILLERS
    build_model(folder, vocab, list(vocab), sharpness=sharpness, add_source_eos=False, decoder_start="</s>")
    # one shared vocabulary, as NLLB conversions have
    source = folder / "source_vocabulary.json"
    if source.exists():
        source.rename(folder / "shared_vocabulary.json")
        (folder / "target_vocabulary.json").unlink()
    (folder / "sentencepiece.bpe.model").write_bytes(sp_model)
    if manifest:
        _write_manifest(folder, f'''style = "nllb"
name = "{folder.name}"
license = "CC-BY-NC-4.0 (test model)"

[sources]
en = "eng_Latn"

[targets]
bs = "bos_Latn"
sq = "als_Latn"
ro = "ron_Latn"
''')
    return folder


assert set(SPECIALS) <= {"<unk>", "<s>", "</s>"}
