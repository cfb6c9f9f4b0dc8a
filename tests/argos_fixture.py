"""A tiny but real Argos Translate package, built offline in about a second.

Real Argos models cannot be downloaded here, and a mock would prove nothing about the loading and batched
translation path. So the tests build a genuine package: a SentencePiece model trained on a few hundred
generated lines, and a one-layer CTranslate2 Transformer whose weights are set by hand so that it *copies*
its input through attention (``transform="copy"``) or copies it with every letter's case swapped
(``transform="swapcase"``: the target vocabulary is the source vocabulary case-swapped, so a test can see
that the text really went through the model and back).

How the copy works (pre-norm Transformer, one head, residual paths of all self-attention and feed-forward
blocks zeroed):
- the model dimension is [token one-hot | position code]; the position code of step t is
  ``[cos(w t), sin(w t), -cos(w t), -sin(w t)]`` for a set of random frequencies ``w`` (the mirrored halves
  keep every vector's mean at zero, so layer normalisation is the same affine map for every position);
- decoder token embeddings are zero: at step t the decoder state is the position code of t alone;
- cross-attention compares position codes only (a large scale makes it pick source position t), takes the
  token part as its value, and adds it to the residual; the output projection reads the token part;
- the source gets ``</s>`` appended (``add_source_eos``), so at step len(source) the model copies ``</s>``
  and stops. Unknown source pieces come out as ``<unk>`` and CTranslate2's ``replace_unknowns`` puts the
  source piece back.
Spare "filler" tokens keep beam search from running out of distinct hypotheses on long inputs.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import numpy as np

SPECIALS = ["<unk>", "<s>", "</s>"]
FILLERS = [f"<filler{i}>" for i in range(12)]
_WORDS = (
    "survivors deserve to be heard support services make a difference the report listens children and young "
    "people who were harmed online speak about what helped them families schools platforms governments must act "
    "together every child has the right to be safe we thank everyone who shared their story this video explains "
    "findings from countries around the world hotline reporting helps remove material quickly partner "
    "organisations alliance research evidence prevention protection justice recovery listen believe respond "
    "one two three four five six seven eight nine ten percent year years more than less than"
).split()
_PUNCT = list(".,;:!?'\"()[]{}-_/@#%&*+=<>|\\~`^$")


def _training_lines(count: int = 600, seed: int = 7) -> list[str]:
    """Generated text covering letters of both cases, digits and ASCII punctuation."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    lines = []
    for _ in range(count):
        words = []
        for _ in range(rng.randint(3, 12)):
            kind = rng.random()
            if kind < 0.6:
                word = rng.choice(_WORDS)
            elif kind < 0.75:
                word = "".join(rng.choice(letters) for _ in range(rng.randint(1, 6)))
            elif kind < 0.85:
                word = str(rng.randint(0, 99999))
            else:
                word = rng.choice(_PUNCT) + rng.choice(_WORDS) + rng.choice(_PUNCT)
            if rng.random() < 0.3:
                word = word.capitalize()
            if rng.random() < 0.08:
                word = word.upper()
            words.append(word)
        lines.append(" ".join(words) + rng.choice([".", "?", "!", ""]))
    lines.append(letters + letters.upper() + "0123456789" + "".join(_PUNCT))
    return lines


def _train_sentencepiece(vocab_size: int) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_training_lines()), model_writer=model, vocab_size=vocab_size,
        model_type="unigram", character_coverage=1.0, hard_vocab_limit=False, minloglevel=2,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
    )
    return model.getvalue()


def _pieces(sp_model: bytes) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=sp_model)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _frequencies(frequencies: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.05, np.pi, size=frequencies)


def _position_codes(max_positions: int, frequencies: int, seed: int) -> np.ndarray:
    """[max_positions, 4*frequencies]: mirrored cos/sin codes whose dot product peaks sharply at equal t."""
    w = _frequencies(frequencies, seed)
    t = np.arange(max_positions)[:, None] * w[None, :]
    codes = np.concatenate([np.cos(t), np.sin(t), -np.cos(t), -np.sin(t)], axis=1)
    gram = codes @ codes.T
    peak = gram[0, 0]
    off = gram - np.eye(max_positions) * peak
    margin = peak - off.max()
    assert margin > 0.25 * peak, f"position codes not distinct enough (margin {margin:.1f} of {peak:.1f})"
    return codes.astype(np.float32)


def _rotation(frequencies: int, seed: int, steps: int) -> np.ndarray:
    """The linear map taking the position code of t to the code of t + steps (a rotation per frequency)."""
    w = _frequencies(frequencies, seed) * steps
    f = frequencies
    r = np.zeros((4 * f, 4 * f), dtype=np.float32)
    for block in (0, 2):  # the cos/sin halves and their mirrored copies
        c, s = block * f, block * f + f
        for i in range(f):
            r[c + i, c + i], r[c + i, s + i] = np.cos(w[i]), -np.sin(w[i])
            r[s + i, s + i], r[s + i, c + i] = np.cos(w[i]), np.sin(w[i])
    return r


def build_model(model_dir: Path, source_vocab: list[str], target_vocab: list[str], *,
                max_positions: int = 512, frequencies: int = 32, seed: int = 11, shift: int = 0,
                sharpness: float = 4.0, add_source_eos: bool = True, decoder_start: str = "<s>") -> None:
    """Write a CTranslate2 Transformer that copies source piece t + ``shift`` to target piece t (see module
    doc). ``sharpness`` scales the output logits: lower values give less certain (lower-scored) output."""
    from ctranslate2.specs import transformer_spec

    vocab = len(source_vocab)
    assert len(target_vocab) == vocab
    pos = _position_codes(max_positions, frequencies, seed)
    pdim = pos.shape[1]
    d = vocab + pdim
    ffn = 4

    spec = transformer_spec.TransformerSpec.from_config(1, 1)
    spec.encoder.scale_embeddings = False
    spec.decoder.scale_embeddings = False
    spec.config.add_source_eos = add_source_eos
    spec.config.decoder_start_token = decoder_start

    def zeros(*shape):
        return np.zeros(shape, dtype=np.float32)

    def norm(layer):
        layer.gamma = np.ones(d, dtype=np.float32)
        layer.beta = zeros(d)

    def linear(layer, weight):
        layer.weight = weight.astype(np.float32)
        layer.bias = zeros(weight.shape[0])

    def silent_self_attention(att):
        norm(att.layer_norm)
        linear(att.linear[0], zeros(3 * d, d))
        linear(att.linear[1], zeros(d, d))

    def silent_ffn(block):
        norm(block.layer_norm)
        linear(block.linear_0, zeros(ffn, d))
        linear(block.linear_1, zeros(d, ffn))

    token_part = np.zeros((d, d), dtype=np.float32)
    token_part[:vocab, :vocab] = np.eye(vocab)
    position_part = np.zeros((d, d), dtype=np.float32)
    position_part[vocab:, vocab:] = np.eye(pdim)

    enc_embed = np.zeros((vocab, d), dtype=np.float32)
    enc_embed[:, :vocab] = np.eye(vocab)
    spec.encoder.embeddings[0].weight = enc_embed
    spec.encoder.position_encodings.encodings = np.concatenate([zeros(max_positions, vocab), pos], axis=1)
    norm(spec.encoder.layer_norm)
    layer = spec.encoder.layer[0]
    silent_self_attention(layer.self_attention)
    silent_ffn(layer.ffn)

    spec.decoder.embeddings.weight = zeros(vocab, d)
    spec.decoder.position_encodings.encodings = np.concatenate([zeros(max_positions, vocab), pos], axis=1)
    norm(spec.decoder.layer_norm)
    layer = spec.decoder.layer[0]
    silent_self_attention(layer.self_attention)
    silent_ffn(layer.ffn)
    cross = layer.attention
    norm(cross.layer_norm)
    query = position_part.copy()
    if shift:
        query[vocab:, vocab:] = _rotation(frequencies, seed, shift)
    linear(cross.linear[0], query * 4.0)  # queries: the position code (of the step + shift)
    linear(cross.linear[1], np.concatenate([position_part * 4.0, token_part], axis=0))  # keys | values
    linear(cross.linear[2], token_part * 8.0)  # the attended token dominates the residual
    projection = np.zeros((vocab, d), dtype=np.float32)
    projection[:, :vocab] = np.eye(vocab) * sharpness
    linear(spec.decoder.projection, projection)

    spec.register_source_vocabulary(source_vocab)
    spec.register_target_vocabulary(target_vocab)
    model_dir.mkdir(parents=True, exist_ok=True)  # spec.save() needs the folder to exist
    spec.validate()
    spec.save(str(model_dir))


def _swap(piece: str) -> str:
    return piece if piece in SPECIALS or piece in FILLERS else piece.swapcase()


def build_package(out_dir: Path, from_code: str = "en", to_code: str = "sq", *, transform: str = "swapcase",
                  vocab_size: int = 160, package_version: str = "1.0") -> Path:
    """Build ``translate-FROM_TO-VERSION.argosmodel`` in ``out_dir`` and return its path.

    The zip holds one top-level folder with ``model/``, ``sentencepiece.model``, ``metadata.json`` and a
    README, like the packages on the Argos index.
    """
    assert transform in ("copy", "swapcase")
    sp_model = _train_sentencepiece(vocab_size)
    source_vocab = _pieces(sp_model) + FILLERS
    target_vocab = [(_swap(p) if transform == "swapcase" else p) for p in source_vocab]
    name = f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    build = out_dir / f".build-{name}"
    folder = build / name
    build_model(folder / "model", source_vocab, target_vocab)
    (folder / "sentencepiece.model").write_bytes(sp_model)
    metadata = {
        "package_version": package_version, "argos_version": "1.9", "from_code": from_code,
        "from_name": from_code, "to_code": to_code, "to_name": to_code, "type": "translate",
        "links": [], "description": f"test package: {transform} model built by tests/argos_fixture.py",
    }
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    (folder / "README.md").write_text(f"Tiny {transform} model for tests; not a translation model.\n")
    archive = out_dir / f"{name}.argosmodel"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(build).as_posix())
    return archive
