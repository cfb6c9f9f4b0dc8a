"""The glossary rule of `check`: agreed terminology in human tracks, with the shipped glossaries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import cli

GLOSSARIES = Path(__file__).resolve().parents[1] / "assets" / "glossary"


def project_with(make_project, en, es):
    root = make_project(videos={"talk": {"tracks": {"en": en, "es": es}}})
    shutil.copytree(GLOSSARIES, root / "assets" / "glossary")
    return root


def findings(root):
    result = CliRunner().invoke(cli, ["--project", str(root), "check", "--json", "talk"])
    data = json.loads(result.output)
    return result.exit_code, [(Path(f["path"]).name, f["rule"], f["message"]) for file in data["files"]
                              for f in file["findings"] if f["rule"] == "glossary"]


def test_avoided_and_required_terms_are_errors(make_project):
    root = project_with(
        make_project,
        [(0.2, 2.0, "Child pornography is the wrong term."), (2.2, 2.9, "Say child sexual abuse material.")],
        [(0.2, 2.0, "El término es erróneo."), (2.2, 2.9, "Di pornografía infantil.")],
    )
    code, found = findings(root)
    assert code == 1
    assert ("en.srt", "glossary", "uses 'child pornography'; use 'child sexual abuse material' (glossary-avoid)") in found
    rules = {(name, msg.rsplit("(", 1)[1]) for name, _, msg in found}
    assert ("es.srt", "glossary-avoid)") in rules and ("es.srt", "glossary-term)") in rules


def test_a_quoted_mention_is_not_a_use(make_project):
    root = project_with(
        make_project,
        [(0.2, 2.0, 'We say "child sexual abuse material",'), (2.2, 2.9, 'not "child pornography".')],
        [(0.2, 2.0, "Decimos «material de abuso sexual infantil»,"), (2.2, 2.9, "no «pornografía infantil».")],
    )
    code, found = findings(root)
    assert found == [] and code == 0
