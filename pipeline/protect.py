"""What a translation engine must not touch, taken out before translation and put back after.

Two layers:

* The **cue shell**: what belongs to a whole cue, not to its words — a leading position override
  (``{\\an8}``), a tag wrapping the whole cue (``<i>…</i>``, per line or across lines), and speaker dashes
  (``- Where are you?`` / ``- Here.``). :func:`split_cue` separates them from the text; :func:`build_cue`
  puts a translated cue back together in the same shell.
* **Placeholders** inside the text: inline tags, URLs, e-mail addresses, hashtags and handles, the
  characters ``#``, ``@`` and ``*`` (Apertium's marks), numbers and glossary terms become
  tokens like ``XZ3ZX`` that both engines pass through unchanged (Apertium treats them as unknown words
  and copies them; NMT models copy rare upper-case codes). :func:`unmask` restores them, tolerating a
  changed case or spaces inserted inside the token, reports any the engine dropped, and removes any it
  invented or repeated: a placeholder never reaches a draft.

Also the target-language typography the engines miss: Spanish opening ``¿`` and ``¡``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from pipeline.model import QUOTED_RE, strip_tags

#: The placeholder as sent to engines; restoring accepts a changed case and spaces inside it.
PLACEHOLDER = "XZ{n}ZX"
PLACEHOLDER_RE = re.compile(r"X\s?Z\s?(\d{1,4})\s?Z\s?X", re.IGNORECASE)

_POSITION_RE = re.compile(r"^(\{\\[^{}]*\})+")
_WRAP_RE = re.compile(r"^<(?P<name>[a-zA-Z]+)(?P<attrs>[^<>]*)>(?P<body>.*)</(?P=name)>$", re.DOTALL)
_DASH_RE = re.compile(r"^\s*[-‐‑–—]\s*")
_URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]]", re.IGNORECASE)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_INLINE_TAG_RE = re.compile(r"</?[a-zA-Z][^<>]*>|\{\\[^{}]*\}")
_NUMBER_RE = re.compile(r"(?<![\w.,])[-+]?\d+(?:[.,:/]\d+)*%?(?![\w])")
#: Hashtags and handles (never translated), and any other ``#``, ``@`` or ``*``: rule-based engines use
#: those characters to mark words they could not translate, so none may reach an engine as text.
_MARK_RE = re.compile(r"[#@][^\W_][\w]*|[#@*]+")
# Characters a placeholder stays glued to, as the original word was: `"ECPAT"` must not come back `" ECPAT "`.
_GLUE_BEFORE = set('"“«„([¿¡')
_GLUE_AFTER = set('"”»)]')


@dataclass
class CueShell:
    """The parts of a cue around its words."""

    prefix: str = ""  # leading override tags, e.g. "{\\an8}"
    wrap: tuple[str, str] | None = None  # ("<i>", "</i>") when one tag wraps the whole cue
    dashed: bool = False  # speaker dashes: each turn starts a line with "- "
    turns: list[str] = field(default_factory=list)  # the words: one entry per speaker turn (one if not dashed)


def _unwrap(lines: list[str]) -> tuple[list[str], tuple[str, str] | None]:
    """Remove one tag that wraps the whole cue, either around all of it or around each line."""
    whole = _WRAP_RE.match("\n".join(lines))
    if whole and not re.search(rf"</?{whole['name']}\b", whole["body"], re.IGNORECASE):
        return whole["body"].split("\n"), (f"<{whole['name']}{whole['attrs']}>", f"</{whole['name']}>")
    matches = [_WRAP_RE.match(line) for line in lines if line.strip()]
    if matches and all(matches):
        opener = f"<{matches[0]['name']}{matches[0]['attrs']}>"
        same = all(f"<{m['name']}{m['attrs']}>" == opener for m in matches)
        nested = any(re.search(rf"</?{m['name']}\b", m["body"], re.IGNORECASE) for m in matches)
        if same and not nested:
            bodies = iter(m["body"] for m in matches)
            return [next(bodies) if line.strip() else line for line in lines], (opener, f"</{matches[0]['name']}>")
    return lines, None


def split_cue(text: str) -> CueShell:
    """Separate a cue's shell (position, wrapping tag, speaker dashes) from its words."""
    shell = CueShell()
    position = _POSITION_RE.match(text)
    if position:
        shell.prefix = position.group(0)
        text = text[position.end():]
    lines, shell.wrap = _unwrap(text.split("\n"))
    lines = [line.strip() for line in lines if line.strip()]
    dashed_lines = [bool(_DASH_RE.match(strip_tags(line))) and len(strip_tags(line).strip()) > 1 for line in lines]
    # Dialogue needs a dash on the first line and at least two turns; one dash alone is a sentence dash.
    if lines and dashed_lines[0] and sum(dashed_lines) >= 2:
        shell.dashed = True
        for line, is_turn in zip(lines, dashed_lines):
            if is_turn:
                shell.turns.append(_strip_dash(line))
            else:
                shell.turns[-1] += " " + line
    else:
        shell.turns = [" ".join(lines)] if lines else []
    return shell


def _strip_dash(line: str) -> str:
    """Remove the speaker dash, keeping any tag that came before it (``<i>- Yes</i>``)."""
    lead = re.match(r"^((?:</?[a-zA-Z][^<>]*>)*)\s*[-‐‑–—]\s*", line)
    return (lead.group(1) + line[lead.end():]) if lead else line


def build_cue(shell: CueShell, lines: Sequence[str]) -> str:
    """Put translated lines back into a cue's shell (dashes are already on dashed lines)."""
    body = "\n".join(lines)
    if shell.wrap:
        body = f"{shell.wrap[0]}{body}{shell.wrap[1]}"
    return shell.prefix + body


@dataclass
class Slot:
    """One protected span: what it was, what to put back, and how it glues to its neighbours."""

    original: str
    replacement: str
    kind: str = "atom"  # atom | open (glues to the word after) | close (glues to the word before)
    pivot: bool = False  # restored between the two legs of a pivot (a term in the pivot language)


@dataclass
class Masked:
    text: str
    slots: list[Slot]


@dataclass(frozen=True)
class TermRule:
    """A phrase to protect: found case-insensitively at word boundaries, replaced by ``target``.

    A ``pivot`` rule's target is in the pivot language: it is put back after the first leg of a pivot
    translation, so the second engine translates the agreed pivot-language wording.
    """

    source: str
    target: str
    pivot: bool = False
    in_quotes: bool = True  # False: a quoted mention is left to the engine (an avoided term quoted as such)


def _term_regex(term: str) -> re.Pattern:
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<![\w])" + r"\s+".join(words) + r"(?![\w])", re.IGNORECASE)


def _match_case(found: str, replacement: str) -> str:
    if found[:1].isupper() and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def mask(text: str, terms: Iterable[TermRule] = ()) -> Masked:
    """Replace URLs, e-mails, glossary terms, inline tags and numbers by placeholders."""
    slots: list[Slot] = []
    held: list[str] = []  # inline tags set aside while hashtags are found

    def hold(m: re.Match) -> str:
        held.append(m.group(0))
        return f"\x00{len(held) - 1}\x00"

    def put(slot: Slot, m: re.Match) -> str:
        slots.append(slot)
        # Spaces keep the token apart from neighbouring words; next to a quote or bracket it stays glued.
        before = "" if m.start() > 0 and m.string[m.start() - 1] in _GLUE_BEFORE else " "
        after = "" if m.end() < len(m.string) and m.string[m.end()] in _GLUE_AFTER else " "
        return f"{before}{PLACEHOLDER.format(n=len(slots))}{after}"

    def quoted(text: str) -> list[tuple[int, int]]:
        return [m.span() for m in QUOTED_RE.finditer(text)]

    def term_slot(m: re.Match, t: TermRule, spans: list[tuple[int, int]]) -> str:
        if not t.in_quotes and any(a <= m.start() < b for a, b in spans):
            return m.group(0)
        return put(Slot(m.group(0), _match_case(m.group(0), t.target), pivot=t.pivot), m)

    text = _URL_RE.sub(lambda m: put(Slot(m.group(0), m.group(0)), m), text)
    text = _EMAIL_RE.sub(lambda m: put(Slot(m.group(0), m.group(0)), m), text)
    # Tags first: a colour such as <font color="#ff0"> is part of its tag, not a hashtag.
    text = _INLINE_TAG_RE.sub(hold, text)
    text = _MARK_RE.sub(lambda m: put(Slot(m.group(0), m.group(0), _glue(m)), m), text)
    text = re.sub("\x00(\\d+)\x00", lambda m: held[int(m.group(1))], text)
    for term in sorted(terms, key=lambda t: -len(t.source)):
        text = _term_regex(term.source).sub(lambda m, t=term, q=quoted(text): term_slot(m, t, q), text)

    def tag(m: re.Match) -> str:
        raw = m.group(0)
        void = raw.endswith("/>") or re.match(r"<(br|hr|img|wbr)\b", raw, re.IGNORECASE)
        kind = "close" if raw.startswith("</") else "open" if raw.startswith("<") and not void else "atom"
        return put(Slot(raw, raw, kind), m)

    text = _INLINE_TAG_RE.sub(tag, text)
    text = _NUMBER_RE.sub(lambda m: put(Slot(m.group(0), m.group(0)), m), text)
    # Spaces were added around placeholders; none before punctuation, none doubled.
    text = re.sub(r"\s+([.,;:!?…)\]])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    return Masked(text, slots)


def _glue(m: re.Match) -> str:
    """How a protected mark sits against its neighbours: ``*today*`` keeps both asterisks on the word."""
    text, a, b = m.string, m.start(), m.end()
    before = text[a - 1] if a else " "
    after = text[b] if b < len(text) else " "
    if before.isspace() and not after.isspace():
        return "open"
    if after.isspace() or after in ".,;:!?)]\"'" and not before.isspace():
        return "close" if not before.isspace() else "atom"
    return "atom"


def unmask(text: str, masked: Masked, *, pivot_only: bool = False) -> tuple[str, list[Slot]]:
    """Put protected spans back. Returns the text and the slots the engine lost (appended at the end).

    ``pivot_only`` restores only pivot-language terms and leaves every other placeholder for the second
    leg of a pivot (nothing counts as lost then).
    """
    seen: set[int] = set()

    def back(m: re.Match) -> str:
        n = int(m.group(1))
        if not 1 <= n <= len(masked.slots) or n in seen:
            # Invented or repeated by the engine: kept for the second leg of a pivot, else removed.
            return m.group(0) if pivot_only else ""
        slot = masked.slots[n - 1]
        if pivot_only != slot.pivot:
            return PLACEHOLDER.format(n=n)
        seen.add(n)
        # Markers say which side a tag glues to; the spaces the engine kept around it go.
        return {"open": f"{slot.replacement}\x01", "close": f"\x02{slot.replacement}"}.get(slot.kind, slot.replacement)

    out = PLACEHOLDER_RE.sub(back, text)
    out = re.sub(r"\s*\x02", "", re.sub(r"\x01\s*", "", out))
    if pivot_only:
        return out, []
    lost = [slot for n, slot in enumerate(masked.slots, start=1) if n not in seen and not slot.pivot]
    for slot in lost:  # never drop a protected span silently: a reviewer will see it at the end
        out = (out + " " + slot.replacement).strip() if slot.kind != "close" else out + slot.replacement
    out = re.sub(r"\s+([.,;:!?…])", r"\1", out)
    return re.sub(r"[ \t]{2,}", " ", out).strip(), lost


_LEADING_PLACEHOLDERS = re.compile(r"^\s*(?:" + PLACEHOLDER_RE.pattern + r"[\s,;:]*)+", re.IGNORECASE)


def undo_false_capital(source: str, translated: str) -> str:
    """Rule-based engines capitalise the first word they know: ``XZ1ZX is`` → ``XZ1ZX Es``.

    When the masked source starts with placeholders followed by a lower-case word, the word after the
    translation's leading placeholders goes back to lower case.
    """
    src, out = _LEADING_PLACEHOLDERS.match(source), _LEADING_PLACEHOLDERS.match(translated)
    if not src or not out or not source[src.end():src.end() + 1].islower():
        return translated
    at = out.end()
    if translated[at:at + 1].isupper() and translated[at + 1:at + 2].islower():
        return translated[:at] + translated[at].lower() + translated[at + 1:]
    return translated


_CLOSERS = "\"'»”’)]"
_OPENERS = "\"'«“‘(["


def add_inverted_marks(sentence: str) -> str:
    """Spanish opens questions and exclamations with ``¿``/``¡``; engines often leave them out."""
    visible = strip_tags(sentence).rstrip().rstrip(_CLOSERS)
    if not visible:
        return sentence
    end = visible[-1]
    opener = {"?": "¿", "!": "¡"}.get(end)
    if opener is None or opener in sentence or (end == "?" and visible.endswith("!?")) or visible.endswith("?!"):
        return sentence
    lead = re.match(r"^((?:</?[a-zA-Z][^<>]*>|\{\\[^{}]*\}|[" + re.escape(_OPENERS) + r"]|\s)*)", sentence)
    cut = lead.end() if lead else 0
    return sentence[:cut] + opener + sentence[cut:]


_TAG_NAME_RE = re.compile(r"<(/?)([a-zA-Z]+)[^<>]*>")


def balance_tags(pieces: list[str]) -> list[str]:
    """Close tags still open at the end of a piece and reopen them at the start of the next one.

    Redistribution cuts a translated sentence between cues; ``<i>a b</i>`` cut after ``a`` must become
    ``<i>a</i>`` and ``<i>b</i>`` so every cue's tags balance on their own. Only a tag that *is* closed
    later in the sentence is carried: a tag never closed (``<br>``, a stray ``<j>``) stays where it was,
    once — closing and reopening it would invent tags in every following cue.
    """
    matched: set[tuple[int, int]] = set()  # (piece, offset) of opening tags that have a closing tag later
    open_tags: list[tuple[str, tuple[int, int]]] = []
    for k, piece in enumerate(pieces):
        for m in _TAG_NAME_RE.finditer(piece):
            name = m.group(2).lower()
            if not m.group(1):
                open_tags.append((name, (k, m.start())))
                continue
            for i in range(len(open_tags) - 1, -1, -1):
                if open_tags[i][0] == name:
                    matched.add(open_tags[i][1])
                    del open_tags[i]
                    break
    out: list[str] = []
    carried: list[tuple[str, str]] = []  # (name, opening tag)
    for k, piece in enumerate(pieces):
        text = "".join(opening for _, opening in carried) + piece if piece else piece
        stack = list(carried) if piece else carried
        for m in _TAG_NAME_RE.finditer(piece):
            name = m.group(2).lower()
            if m.group(1):
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i][0] == name:
                        del stack[i]
                        break
            elif (k, m.start()) in matched:
                stack.append((name, m.group(0)))
        if piece:
            text += "".join(f"</{name}>" for name, _ in reversed(stack))
        out.append(text)
        carried = stack
    return out
