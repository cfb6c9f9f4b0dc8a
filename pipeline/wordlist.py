"""The project's own words in a language: names and terms a dictionary does not know but the project does.

They come from ``assets/glossary/words.<lang>.txt`` (one word a line; ``#`` starts a comment; UTF-8) and
from the glossary that applies to the language (:mod:`pipeline.glossary`): its do-not-translate terms and
the target wording of its required translations. ``spelling`` never flags them, and the comma-below repair
leaves them as written (a name may be spelt with a cedilla on purpose). Matching ignores case.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline import languages
from pipeline.glossary import GLOSSARY_DIR, GlossaryError, load_glossary

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def word_list_paths(root: Path, language: str) -> list[Path]:
    """``words.<lang>.txt`` files that apply: the exact tag's (``words.pt-BR.txt``) and the base language's."""
    folder = Path(root) / GLOSSARY_DIR
    names = dict.fromkeys((f"words.{language}.txt", f"words.{languages.base(language)}.txt"))
    return [folder / name for name in names if (folder / name).is_file()]


def read_word_list(path: Path) -> list[str]:
    """The words of one list, in order (blank lines and ``#`` comments skipped)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise GlossaryError(Path(path), "not UTF-8 text: save the word list as UTF-8") from None
    except OSError as exc:
        raise GlossaryError(Path(path), f"cannot read: {exc.strerror}") from None
    words = []
    for line in text.splitlines():
        words.extend(_WORD.findall(line.split("#", 1)[0].replace("’", "'")))
    return words


def project_words(root: Path | None, language: str | None, source_language: str | None = None) -> frozenset[str]:
    """Every word the project declares for ``language``, casefolded (empty outside a project)."""
    if root is None or not language:
        return frozenset()
    words: list[str] = []
    for path in word_list_paths(root, language):
        words.extend(read_word_list(path))
    glossary = load_glossary(root, source_language or language, language)
    for phrase in (*glossary.keep, *(term.target for term in glossary.terms)):
        words.extend(_WORD.findall(phrase.replace("’", "'")))
    return frozenset(w.casefold() for w in words)
