"""The documentation's links lead somewhere: every relative link in README.md and docs/*.md names a file
that exists (and, with ``#anchor``, a heading of that page), and every docs page is reachable from the
README's "More" list and from the docs index."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def prose(text: str) -> str:
    """The text without code blocks and inline code, where brackets are not links."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", page.read_text(encoding="utf-8"))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(page: Path) -> list[str]:
    return LINK.findall(prose(page.read_text(encoding="utf-8")))


def test_slug_matches_github():
    assert slug("Outputs (`dist/`)") == "outputs-dist"
    assert slug("Why argos-translate-lt") == "why-argos-translate-lt"
    assert slug("Source language and `[draft]` settings") == "source-language-and-draft-settings"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path):
    broken = []
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ... not checked here
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: no heading #{anchor} in {file.relative_to(ROOT)}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_every_docs_page_is_linked_from_the_readme_and_the_index():
    readme = {(ROOT / t.partition("#")[0]).resolve() for t in links(ROOT / "README.md")}
    index = {(DOCS / t.partition("#")[0]).resolve() for t in links(DOCS / "README.md")}
    for page in DOCS.glob("*.md"):
        assert page.resolve() in readme, f"README.md does not link {page.relative_to(ROOT)}"
        if page.name != "README.md":
            assert page.resolve() in index, f"docs/README.md does not link {page.name}"


def test_the_readme_stays_a_front_door():
    """Depth belongs in docs/: the README keeps the commands, the layout, the workflow and the outputs."""
    assert len((ROOT / "README.md").read_bytes()) < 12_000


def test_readme_publishing_section_is_a_table_of_the_manifests_channels():
    """Issue 14: the README's publishing section is a table with a row per channel of ``dist/manifest.json``
    (the same channels, in the same order), and cites where the vertical safe zone's numbers come from."""
    from pipeline.channels import CHANNELS

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Publishing", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| channel")]
    assert len(rows) == len(CHANNELS), rows
    first = {"youtube": "YouTube", "website": "website", "vertical": "TikTok", "feeds": "LinkedIn",
             "anywhere": "presentations", "download": "download"}
    assert [first[name] in row.split("|")[1] for name, row in zip(CHANNELS, rows)] == [True] * len(CHANNELS)
    assert "20%" in section and "15%" in section and "https://" in section
