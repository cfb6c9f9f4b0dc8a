"""OPUS-MT (Marian) and NLLB models converted for CTranslate2: install, list, draft, target tokens,
confidence, and the refusal of broken folders — with tiny real models built by tests/ct2_fixture.py,
offline."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ct2_fixture import build_marian, build_nllb
from pipeline.cli import cli
from pipeline.engines import ct2models, forget_engines, select_engine
from pipeline.formats import read_track
from pipeline.review_record import read_record

REPO = Path(__file__).resolve().parents[1]
SOURCE = [(0.5, 2.0, "Survivors deserve to be heard."), (2.2, 4.0, "Support services help"),
          (4.1, 5.5, "children and families."), (5.8, 7.0, "We thank the ECPAT team.")]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Each model built once per run; tests copy the folder they need."""
    root = tmp_path_factory.mktemp("ct2-build")
    return {"marian": build_marian(root / "opus-mt-en-zls"), "nllb": build_nllb(root / "nllb-tiny"),
            "unsure": build_marian(root / "opus-mt-unsure", sharpness=0.3),
            "never-stops": build_marian(root / "opus-mt-broken", never_stops=True)}


@pytest.fixture
def models(tmp_path, monkeypatch, no_network):
    """An empty models folder for this test (PIPELINE_MODELS_DIR), no Argos packages, no network."""
    folder = tmp_path / "models"
    monkeypatch.setenv("PIPELINE_MODELS_DIR", str(folder))
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "argos"))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / "xdg" / var.lower()))
    forget_engines()
    yield folder
    forget_engines()


def copy(built, kind: str, where: Path) -> Path:
    target = where / built[kind].name
    shutil.copytree(built[kind], target)
    return target


def project(make_project) -> Path:
    root = make_project(videos={"talk": {"tracks": {"en": SOURCE}}}, seconds=1.0)
    shutil.copytree(REPO / "assets" / "glossary", root / "assets" / "glossary")
    return root


def test_marian_model_installs_lists_and_drafts_before_apertium(models, built, make_project, tmp_path):
    folder = copy(built, "marian", tmp_path)
    result = run("models", "install", str(folder))
    assert result.exit_code == 0, result.output
    assert "installed opus-mt-en-zls (marian): en → bs" in result.output
    listing = run("models", "list").output
    assert "marian  opus-mt-en-zls test" in listing and "en → bs [>>bos_Latn<<]" in listing
    pairs = json.loads(run("models", "list", "--json").output)["pairs"]
    assert {"engine": "marian", "source": "en", "target": "bs", "model": "opus-mt-en-zls test"} in pairs

    root = project(make_project)
    result = run("--project", str(root), "draft", "talk", "--to", "bs")
    assert result.exit_code == 0, result.output
    assert ("engine: opus-mt-en-zls: an OPUS-MT model is the strongest installed engine for en→bs "
            "(auto order: marian, nllb, argos, apertium)") in result.output
    texts = [c.text for c in read_track(root / "subtitles/talk/bs.srt")]
    # the case-swapping model touched the words (all of them: the target token made the shift line up),
    # never the name the glossary keeps; the sentence across cues 2-3 was translated once
    assert texts == ["sURVIVORS DESERVE TO BE HEARD.", "sUPPORT SERVICES HELP", "CHILDREN AND FAMILIES.",
                     "wE THANK THE ECPAT TEAM."]
    rows = read_record(root / "subtitles/talk/bs.srt").rows
    assert {r.engine for r in rows} == {"marian"} and {r.model for r in rows} == {"opus-mt-en-zls test"}
    assert all(0.8 < r.confidence_figure < 1.0 for r in rows), [r.confidence for r in rows]  # the model's own scores
    assert "3 sentences in one batch" in result.output


def test_segments_are_sent_with_the_target_token_and_end_of_sentence(models, built, tmp_path):
    ct2models.install_model(copy(built, "marian", tmp_path))
    engine = select_engine("en", "bs")
    tokens, prefix = engine.encode("We agree.")
    assert tokens[0] == ">>bos_Latn<<" and tokens[-1] == "</s>" and prefix is None
    out = engine.translate_scored(["Survivors deserve support.", "We met Zörblax."])
    assert engine.calls == 1 and engine.segments_sent == 2  # one batch
    assert out[0].text == "sURVIVORS DESERVE SUPPORT." and out[0].unknown == ()
    assert out[1].unknown == ("zöRBLAX.",)  # ö is not in the model's vocabulary: a copied unknown piece


def test_end_of_sentence_is_added_only_when_the_model_does_not_add_it(models, built, tmp_path):
    folder = copy(built, "nllb", tmp_path)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["add_source_eos"] = True  # CTranslate2 appends </s> itself: sending another would double it
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    ct2models.install_model(folder)
    engine = select_engine("en", "ro")
    tokens, prefix = engine.encode("We agree.")
    assert tokens[0] == "eng_Latn" and tokens[-1] != "</s>" and prefix == ["ron_Latn"]
    assert engine.translate(["Survivors deserve support."]) == ["Survivors deserve support."]


def test_nllb_model_installs_from_options_with_language_codes(models, built, make_project, tmp_path):
    folder = copy(built, "nllb", tmp_path)
    (folder / "pipeline-model.toml").unlink()
    missing = run("models", "install", str(folder))
    assert missing.exit_code != 0 and "no pipeline-model.toml" in missing.output and "--style" in missing.output
    result = run("models", "install", str(folder), "--style", "nllb", "--from", "en=eng_Latn",
                 "--to", "sq=als_Latn", "--to", "bs=bos_Latn")
    assert result.exit_code == 0, result.output
    installed = ct2models.read_model(models / "nllb-tiny")
    assert installed.targets == {"sq": "als_Latn", "bs": "bos_Latn"}
    assert not (folder / "pipeline-model.toml").exists()  # the user's folder is never written to

    engine = select_engine("en", "sq")
    tokens, prefix = engine.encode("We agree.")
    assert engine.name == "nllb" and tokens[0] == "eng_Latn" and tokens[-1] == "</s>" and prefix == ["als_Latn"]
    root = project(make_project)
    result = run("--project", str(root), "draft", "talk", "--to", "sq,bs")
    assert result.exit_code == 0, result.output
    # the copying model echoes its input; the forced language code is dropped, the source code never shows
    for lang in ("sq", "bs"):
        texts = [c.text for c in read_track(root / f"subtitles/talk/{lang}.srt")]
        assert texts == [c[2] for c in SOURCE]
        assert read_record(root / f"subtitles/talk/{lang}.srt").rows[0].engine == "nllb"


def test_auto_prefers_marian_then_nllb_and_an_engine_can_be_named(models, built, tmp_path):
    ct2models.install_model(copy(built, "nllb", tmp_path))
    forget_engines()
    assert select_engine("en", "bs").name == "nllb"
    ct2models.install_model(copy(built, "marian", tmp_path))
    forget_engines()
    assert select_engine("en", "bs").name == "marian"
    assert select_engine("en", "bs", "nllb").name == "nllb"
    assert select_engine("en", "bs", "nllb").reason == "nllb-tiny: --engine nllb"
    pairs = run("models", "list", "--json")
    assert [p["engine"] for p in json.loads(pairs.output)["pairs"]][:2] == ["marian", "nllb"]


def test_low_scores_and_unknown_words_reach_status_and_the_threshold(models, built, make_project, tmp_path):
    ct2models.install_model(copy(built, "unsure", tmp_path))
    root = project(make_project)
    result = run("--project", str(root), "draft", "talk", "--to", "bs")
    assert result.exit_code == 0, result.output
    rows = read_record(root / "subtitles/talk/bs.srt").rows
    assert all(r.confidence_figure < 0.6 for r in rows)  # an unsure model: low mean token probability
    status = json.loads(run("--project", str(root), "status", "--json").output)
    assert next(t for t in status["videos"][0]["tracks"] if t["language"] == "bs")["low_confidence"] == len(rows)
    # text the model's vocabulary does not cover at all: every word is a copied unknown
    cyrillic = make_project(videos={"talk": {"tracks": {"en": [(0.5, 2.0, "Жертвы заслуживают поддержки.")]}}},
                            seconds=1.0, dirname="cyrillic")
    refused = run("--project", str(cyrillic), "draft", "talk", "--to", "bs")
    assert refused.exit_code == 1
    assert "opus-mt-unsure left 100% of words unknown or untranslated" in refused.output


BROKEN = {
    "no target.spm": (lambda d: (d / "target.spm").unlink(), "target.spm missing"),
    "vocabulary short": (lambda d: _drop_from_vocabulary(d, 5), "the target vocabulary lacks 5 of the pieces"),
    "unknown target token": (lambda d: _retoken(d, ">>srp_Cyrl<<"), "the target token '>>srp_Cyrl<<' for bs is not"),
    "link to outside": (lambda d: os.symlink("/etc/hostname", d / "notes.txt"), "notes.txt is a symbolic link"),
    "bad style": (lambda d: _restyle(d, "fairseq"), "style must be one of marian, nllb"),
    "not a model": (lambda d: (d / "model.bin").unlink(), "model.bin missing"),
}


def _drop_from_vocabulary(folder: Path, count: int) -> None:
    path = folder / "target_vocabulary.json"
    vocab = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(vocab[:10] + vocab[10 + count:]), encoding="utf-8")


def _retoken(folder: Path, token: str) -> None:
    path = folder / "pipeline-model.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(">>bos_Latn<<", token), encoding="utf-8")


def _restyle(folder: Path, style: str) -> None:
    path = folder / "pipeline-model.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('style = "marian"', f'style = "{style}"'), encoding="utf-8")


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_model_folders_are_refused_in_one_line(case, models, built, tmp_path):
    folder = copy(built, "marian", tmp_path)
    mutate, expected = BROKEN[case]
    mutate(folder)
    result = CliRunner().invoke(cli, ["models", "install", str(folder)])
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.output
    assert not models.exists() or [p.name for p in models.iterdir()] == []  # nothing installed, nothing left


def test_a_model_that_never_stops_is_refused(models, built, tmp_path):
    # a conversion whose end of sentence cannot be produced repeats tokens up to the length limit
    result = CliRunner().invoke(cli, ["models", "install", str(copy(built, "never-stops", tmp_path))])
    assert result.exit_code != 0
    assert "did not stop within 64 tokens: the model repeats itself" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert [p.name for p in models.iterdir()] == []


def test_install_keeps_an_installed_model_unless_forced(models, built, tmp_path):
    folder = copy(built, "marian", tmp_path)
    assert run("models", "install", str(folder)).exit_code == 0
    again = CliRunner().invoke(cli, ["models", "install", str(folder)])
    assert again.exit_code != 0 and "already installed" in again.output and "--force" in again.output
    assert run("models", "install", str(folder), "--force").exit_code == 0
    assert [p.name for p in models.iterdir()] == ["opus-mt-en-zls"]


def test_a_full_disk_during_install_leaves_nothing_installed(models, built, tmp_path, monkeypatch):
    folder = copy(built, "marian", tmp_path)
    real_copy = shutil.copyfile
    copied = []

    def copy_until_full(src, dst, *args, **kwargs):
        if copied:
            raise OSError(28, "No space left on device")
        copied.append(src)
        return real_copy(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copy_until_full)
    result = CliRunner().invoke(cli, ["models", "install", str(folder)])
    assert result.exit_code != 0
    assert "cannot copy into" in result.output and "No space left on device" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert [p.name for p in models.iterdir()] == []  # no half-copied model, no staging folder left
    monkeypatch.setattr(shutil, "copyfile", real_copy)
    assert run("models", "install", str(folder)).exit_code == 0  # and the next attempt works
