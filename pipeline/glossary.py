"""Terminology: ``assets/glossary/<from>.toml`` for every draft from a language, and
``assets/glossary/<from>-<to>.toml`` for one direction (e.g. ``en-es``); a draft uses both, merged.

A glossary says:

* ``keep``: terms never translated (organisation names, acronyms) — drafts copy them as written;
* ``[[term]]``: required translations (``source`` → ``target``) — drafts put the target term in place;
* ``[[avoid]]``: terms the field has agreed not to use (``source`` in the source language, ``target``
  forms in the target language) and the term to ``use`` instead.

Drafting protects ``keep`` and ``term`` phrases with placeholders (see :mod:`pipeline.protect`), so the
engine never sees them and the required wording comes out exactly; an avoided source term is drafted as
the required translation of its ``use`` term. :func:`findings` checks a track a person wrote against the
same rules (for ``pipeline check``).

Matching is case-insensitive at word boundaries; a term may list other ``forms`` (plurals, spellings).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from pipeline import languages
from pipeline.errors import PipelineError
from pipeline.model import QUOTED_RE, Track

if TYPE_CHECKING:  # imported by rules(), for drafting: checking a track needs no masking (`status` starts faster)
    from pipeline.protect import TermRule

GLOSSARY_DIR = Path("assets") / "glossary"


class GlossaryError(PipelineError):
    """A glossary file that cannot be used as written."""

    exit_code = 2

    def __init__(self, path: Path, problem: str, line: int | None = None):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}", hint="see docs/drafting.md, 'Glossary format'")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class Term:
    source: str
    target: str
    forms: tuple[str, ...] = ()  # other source spellings drafted the same way
    note: str = ""

    @property
    def all_forms(self) -> tuple[str, ...]:
        return (self.source, *self.forms)


@dataclass(frozen=True)
class Avoid:
    source: str  # in the source language
    target: tuple[str, ...] = ()  # target-language forms to avoid
    use: str = ""  # the source-language term to use instead
    note: str = ""


@dataclass(frozen=True)
class Glossary:
    source: str
    target: str | None  # None: a <source>.toml that applies to every target language
    path: Path | None = None
    keep: tuple[str, ...] = ()
    terms: tuple[Term, ...] = ()
    avoid: tuple[Avoid, ...] = field(default_factory=tuple)
    files: tuple[Path, ...] = ()  # every file merged into this glossary (load_glossary)

    def __bool__(self) -> bool:
        return bool(self.keep or self.terms or self.avoid)

    def rules(self, pivot: bool = False) -> list[TermRule]:
        """The phrases drafting protects, with what to put in their place (``pivot``: for the pivot
        language of a two-leg translation, see :class:`pipeline.protect.TermRule`)."""
        from pipeline.protect import TermRule

        rules = [TermRule(k, k, pivot) for k in self.keep]
        by_source = {}
        for term in self.terms:
            for form in term.all_forms:
                rules.append(TermRule(form, term.target, pivot))
            by_source[term.source.lower()] = term.target
        for bad in self.avoid:
            replacement = by_source.get(bad.use.lower())
            if replacement:  # an avoided source term is drafted with the required wording, unless quoted
                rules.append(TermRule(bad.source, replacement, pivot, in_quotes=False))
        return list(dict.fromkeys(rules))


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _strings(path: Path, text: str, where: str, value: Any, allow_empty: bool = False) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value) or (
            not value and not allow_empty):
        raise GlossaryError(path, f"{where} must be a string or a list of non-empty strings", _line_of(text, where.split()[0]))
    return tuple(v.strip() for v in value)


def parse_glossary(text: str, path: Path) -> Glossary:
    """Validate a glossary file's text (every problem is a :class:`GlossaryError` with its line)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GlossaryError(path, f"not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"source", "target", "keep", "term", "avoid"})
    if unknown:
        raise GlossaryError(path, f"unknown key {unknown[0]!r} (known: source, target, keep, term, avoid)",
                            _line_of(text, unknown[0]))
    codes: list[str | None] = []
    for key in ("source", "target"):
        code = data.get(key)
        if code is None and key == "target":
            codes.append(None)  # a file for every target language of this source
            continue
        if not isinstance(code, str) or not languages.is_known(code):
            raise GlossaryError(path, f"{key} must be a language code such as en or es", _line_of(text, key))
        codes.append(languages.normalize(code))
    if codes[1] is None and (data.get("term") or any(isinstance(a, dict) and a.get("target") for a in data.get("avoid", []))):
        raise GlossaryError(path, "required translations and avoided target terms need a target language: "
                                  f"put them in {codes[0]}-<target>.toml", _line_of(text, "target") or _line_of(text, "[[term]]"))
    keep = _strings(path, text, "keep", data.get("keep", []), allow_empty=True)
    terms, avoid = [], []
    for n, entry in enumerate(data.get("term", []), start=1):
        if not isinstance(entry, dict) or set(entry) - {"source", "target", "forms", "note"} or not {"source", "target"} <= set(entry):
            raise GlossaryError(path, f"[[term]] #{n} needs source and target (and optionally forms, note)",
                                _line_of(text, "[[term]]"))
        terms.append(Term(_strings(path, text, "term source", entry["source"])[0],
                          _strings(path, text, "term target", entry["target"])[0],
                          _strings(path, text, "forms", entry.get("forms", []), allow_empty=True),
                          str(entry.get("note", ""))))
    for n, entry in enumerate(data.get("avoid", []), start=1):
        if not isinstance(entry, dict) or set(entry) - {"source", "target", "use", "note"} or (
                "source" not in entry and "target" not in entry):
            raise GlossaryError(path, f"[[avoid]] #{n} needs source and/or target (and optionally use, note)",
                                _line_of(text, "[[avoid]]"))
        avoid.append(Avoid(_strings(path, text, "avoid source", entry.get("source", "-"))[0],
                           _strings(path, text, "avoid target", entry.get("target", []), allow_empty=True),
                           str(entry.get("use", "")), str(entry.get("note", ""))))
    return Glossary(codes[0], codes[1], path, keep, tuple(terms), tuple(avoid))


def glossary_paths(root: Path, source: str, target: str) -> list[Path]:
    """The files that apply to a pair: ``<source>.toml`` then ``<source>-<target>.toml``.

    Exact codes win over base languages (``en-pt-BR.toml`` before ``en-pt.toml`` for pt-BR).
    """
    folder = Path(root) / GLOSSARY_DIR
    found: list[Path] = []
    for names in ([f"{s}.toml" for s in (source, languages.base(source))],
                  [f"{s}-{t}.toml" for s in (source, languages.base(source)) for t in (target, languages.base(target))]):
        path = next((folder / n for n in dict.fromkeys(names) if (folder / n).is_file()), None)
        if path is not None:
            found.append(path)
    return found


def read_glossary(path: Path) -> Glossary:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise GlossaryError(Path(path), f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise GlossaryError(Path(path), "not UTF-8 text") from None
    return parse_glossary(text, Path(path))


def load_glossary(root: Path | None, source: str, target: str, paths: Iterable[Path] = ()) -> Glossary:
    """The merged glossary for a pair (empty when there is none); ``paths`` name extra files directly."""
    files = (glossary_paths(root, source, target) if root else []) + [Path(p) for p in paths]
    merged = Glossary(source, target)
    for path in files:
        part = read_glossary(path)
        if languages.base(part.source) != languages.base(source) or (
                part.target and languages.base(part.target) != languages.base(target)):
            raise GlossaryError(path, f"is for {part.source}-{part.target or '*'}, not {source}-{target}")
        merged = Glossary(source, target, path, tuple(dict.fromkeys(merged.keep + part.keep)),
                          merged.terms + part.terms, merged.avoid + part.avoid, merged.files + (path,))
    return merged


@dataclass(frozen=True)
class GlossaryFinding:
    """A cue that breaks the glossary: ``rule`` is glossary-avoid, glossary-term or glossary-keep."""

    cue: int  # 1-based position in the track checked
    line: int | None  # line in its file
    rule: str
    message: str


def _phrase(phrase: str) -> re.Pattern:
    return re.compile(r"(?<![\w])" + r"\s+".join(re.escape(w) for w in phrase.split()) + r"(?![\w])", re.IGNORECASE)


def _contains(text: str, phrase: str) -> bool:
    return bool(_phrase(phrase).search(text))


def _unquoted(text: str) -> str:
    """Text with quoted passages removed: a term in quotes is mentioned ("we say X, not 'Y'"), not used."""
    return QUOTED_RE.sub(" ", text)


def _overlapping(track: Track, start: int, end: int) -> str:
    return " ".join(c.plain for c in track.cues if c.start < end and c.end > start)


def findings(glossary: Glossary, target: Track, source: Track | None = None) -> list[GlossaryFinding]:
    """Where a target track (usually a person's) breaks the glossary.

    Avoided target terms are found in each cue. Required and kept terms are checked against the source
    cues overlapping each target cue in time (when ``source`` is given): a source cue that uses a term
    while the target cues at the same time lack its required wording is a finding.
    """
    out: list[GlossaryFinding] = []
    for n, cue in enumerate(target.cues, start=1):
        plain = _unquoted(cue.plain)
        for bad in glossary.avoid:
            for form in bad.target:
                if _contains(plain, form):
                    instead = next((t.target for t in glossary.terms if t.source.lower() == bad.use.lower()), bad.use)
                    out.append(GlossaryFinding(n, cue.line, "glossary-avoid",
                                               f"uses {form!r}; the agreed term is {instead!r}" if instead else f"uses {form!r}"))
    if source is None:
        return out
    reported: set[tuple[int, str]] = set()
    wanted = [(t.target, t.all_forms, "glossary-term") for t in glossary.terms]
    wanted += [(k, (k,), "glossary-keep") for k in glossary.keep]
    wanted.sort(key=lambda w: -max(len(f) for f in w[1]))  # "child sexual abuse material" before "child sexual abuse"
    for src in source.cues:
        plain = src.plain
        for required, forms, rule in wanted:
            if not any(_contains(plain, f) for f in forms):
                continue
            for form in forms:  # a longer term's words do not count again for a shorter one
                plain = _phrase(form).sub("\x00", plain)
            if _contains(_overlapping(target, src.start, src.end), required):
                continue
            first = next((n for n, c in enumerate(target.cues, start=1) if c.start < src.end and c.end > src.start), None)
            if first is None or (first, required) in reported:
                continue
            reported.add((first, required))
            cue = target.cues[first - 1]
            verb = "keep" if rule == "glossary-keep" else "translate it as"
            out.append(GlossaryFinding(first, cue.line, rule,
                                       f"the source says {forms[0]!r} here; {verb} {required!r}"))
    return sorted(set(out), key=lambda f: (f.cue, f.rule, f.message))


def source_findings(glossary: Glossary, source: Track) -> list[GlossaryFinding]:
    """Avoided source-language terms in a source track (e.g. 'child pornography' in the English)."""
    out = []
    for n, cue in enumerate(source.cues, start=1):
        for bad in glossary.avoid:
            if bad.source != "-" and _contains(_unquoted(cue.plain), bad.source):
                hint = f"; use {bad.use!r}" if bad.use else ""
                out.append(GlossaryFinding(n, cue.line, "glossary-avoid", f"uses {bad.source!r}{hint}"))
    return list(dict.fromkeys(out))  # en.toml and en-es.toml may both list a term
