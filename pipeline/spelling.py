"""Spelling through Hunspell/MySpell dictionaries (Debian's ``hunspell-*``, ``myspell-sq``) via pyenchant.

The only module that talks to enchant. What it adds to the dictionary (facts measured here, see
../shared/notes/toolchain.md):

* Its own word splitting: pyenchant ships English and German tokenizers only (the English one silently
  takes every language). Tags (``<i>``, ``{\\an8}``) are gone from visible text; ’ becomes ' (the
  dictionaries spell ``don't``); tokens with digits, web addresses and e-mail addresses are skipped, and so
  are acronyms (``UNICEF``), single letters and names: a capitalised word that the track also capitalises
  in mid-sentence, which is how a reader knows a name.
* Its own suggestions: Hunspell's take 20–50 ms a word (measured: 12 words, 0.5 s), too slow to offer for
  every finding of a 1,600-cue file. Candidates one edit away (a letter swapped, dropped, replaced or added,
  in the language's alphabet) and the word with its diacritics restored (``femije`` → ``fëmijë``,
  ``prezivjeli`` → ``preživjeli``) are checked against the dictionary instead: about 4 ms a word.
* One dictionary per thread (one shared by threads gave wrong results and once crashed), each remembering
  the words it has judged, so a project's tracks in one language do not check a word twice.
* Answers kept between runs (:mod:`pipeline.spelling_cache`): enchant and the dictionary are loaded only
  when a word or a suggestion is not remembered, so checking a track again does not load them.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from pipeline import languages, spelling_cache
from pipeline.formats.encoding import canonical_text
from pipeline.language_table import LanguageProfile, profile, script_of

_MEMO_LIMIT = 200_000  # words remembered per dictionary (a few MB at most)
_ARABIC_LETTERS = "".join(chr(c) for c in range(0x0621, 0x064B) if chr(c).isalpha())


@dataclass(frozen=True)
class Misspelling:
    """A word the dictionary does not know, in cue ``cue`` (index in the texts given), with suggestions."""

    cue: int
    word: str
    suggestions: tuple[str, ...]


class Dictionary:
    """One Hunspell dictionary, for one thread: ``check`` a word, ``suggest`` up to three."""

    def __init__(self, tag: str, lang: LanguageProfile | None, memory: spelling_cache.Remembered | None = None,
                 loaded=None):
        """``loaded``: enchant's dictionary for ``tag`` if already loaded; otherwise it is loaded on the first
        question ``memory`` (the answers kept between runs) cannot answer."""
        self.tag = tag
        self._enchant = None
        self._lang = lang
        self._memory = memory
        if memory is not None:
            memory.tag = tag
        self._known: dict[str, bool] = memory.known if memory is not None else {}
        self._suggested: dict[str, tuple[str, ...]] = memory.suggested if memory is not None else {}
        self._learnt = False  # answers not yet saved
        # candidates tried for suggestions: hundreds a word, so remembered in this process only (the
        # suggestions themselves are saved)
        self._candidates: dict[str, bool] = {}
        lower = (lang.letters if lang else "").lower()
        if lang is not None and lang.script == "Arabic":
            self._alphabet = _ARABIC_LETTERS
        elif lang is not None and lang.script == "Cyrillic":
            self._alphabet = "".join(dict.fromkeys(lower))
        else:
            self._alphabet = "".join(dict.fromkeys("abcdefghijklmnopqrstuvwxyz" + lower))
        # the letters a plain ASCII letter stands for when diacritics were left out: s -> š ș ş
        variants: dict[str, list[str]] = {}
        for ch in dict.fromkeys(lower):
            base = unicodedata.normalize("NFD", ch)[0]
            if base.isascii() and base != ch:
                variants.setdefault(base, []).append(ch)
        self._variants = variants
        if loaded is not None:
            self._adopt(loaded)

    @property
    def loaded(self) -> bool:
        """Whether enchant's dictionary has been loaded (not when every answer was remembered)."""
        return self._enchant is not None

    def _dict(self):
        if self._enchant is None:
            self._adopt(_enchant().Broker().request_dict(self.tag))
        return self._enchant

    def _adopt(self, loaded) -> None:
        self._enchant = loaded
        if self._memory is not None:
            spelling_cache.refresh(self._memory)  # loading may have created the personal word list

    def check(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            if len(self._known) >= _MEMO_LIMIT:
                self._known.clear()
            known = self._known[word] = self._dict().check(word)
            self._learnt = True
        return known

    def not_known_to_memory(self, words) -> list[str]:
        """``words`` less those the dictionary is remembered to know."""
        known = self._known
        return [w for w in words if known.get(w) is not True]

    def _check_candidate(self, word: str) -> bool:
        known = self._known.get(word)
        if known is None:
            known = self._candidates.get(word)
        if known is None:
            if len(self._candidates) >= _MEMO_LIMIT:
                self._candidates.clear()
            known = self._candidates[word] = self._dict().check(word)
        return known

    def suggest(self, word: str, limit: int = 3) -> tuple[str, ...]:
        """Up to ``limit`` dictionary words close to ``word`` (see the module docstring), best first."""
        if word not in self._suggested:
            if len(self._suggested) >= _MEMO_LIMIT:
                self._suggested.clear()
            self._suggested[word] = self._ranked(word, limit)
            self._learnt = True
        return self._suggested[word]

    def remember(self) -> None:
        """Save the answers learnt since the last save to the user's cache (a no-op when none were)."""
        if self._learnt and self._memory is not None:
            spelling_cache.save(self._memory, _MEMO_LIMIT)
            self._learnt = False

    def _ranked(self, word: str, limit: int) -> tuple[str, ...]:
        """The word with its diacritics restored first (``despues``: ``después``), then the first few words one
        edit away, closest first: most letters kept in place, then the same length (``survivers``:
        ``survivors`` before ``survives``)."""
        restored = list(itertools.islice(self._emit(word, self._restored(word.lower())), limit))
        if len(restored) >= limit:
            return tuple(restored)
        edits = [c for c in itertools.islice(self._emit(word, self._edits(word.lower())), limit * 2)
                 if c not in restored]

        def kept(cand: str) -> int:
            a, b = word.lower(), cand.lower()
            prefix = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            suffix = next((i for i, (x, y) in enumerate(zip(reversed(a), reversed(b))) if x != y), min(len(a), len(b)))
            return min(prefix + suffix, max(len(a), len(b)))

        order = {c: n for n, c in enumerate(edits)}
        edits.sort(key=lambda c: (-kept(c), abs(len(c) - len(word)), order[c]))
        return tuple((restored + edits)[:limit])

    def _emit(self, word: str, candidates: Iterable[str]):
        """The candidates the dictionary knows, capitalised like ``word`` (and the canonical form first)."""
        capital = word[:1].isupper() and word[1:] == word[1:].lower()
        seen = {word}
        if self._lang is not None:
            candidates = itertools.chain([canonical_text(word.lower(), self._lang)], candidates)
        for cand in candidates:
            shown = cand[:1].upper() + cand[1:] if capital else cand
            if cand and shown not in seen:
                seen.add(shown)
                if self._check_candidate(shown):
                    yield shown

    def _restored(self, word: str) -> Iterable[str]:
        """The word with diacritics put back on letters that may carry them (at most 256 spellings)."""
        options = [[ch, *self._variants.get(ch, ())] for ch in word]
        if all(len(o) == 1 for o in options):
            return []
        return ("".join(p) for p in itertools.islice(itertools.product(*options), 1, 257))

    def _edits(self, word: str) -> Iterable[str]:
        n = len(word)
        yield from (word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(n - 1))
        yield from (word[:i] + word[i + 1:] for i in range(n))
        yield from (word[:i] + c + word[i + 1:] for i in range(n) for c in self._alphabet if c != word[i])
        yield from (word[:i] + c + word[i:] for i in range(n + 1) for c in self._alphabet)


_local = threading.local()


def _candidate_tags(language: str, lang: LanguageProfile | None) -> list[str]:
    """Dictionary tags to try for a language, best first: the table's, the tag as written, the base language."""
    tags = [lang.dictionary] if lang and lang.dictionary else []
    tags += [language.replace("-", "_"), languages.base(language)]
    return [t for t in dict.fromkeys(tags) if t]


def _enchant():
    """pyenchant, imported on first use. Its import looks for libenchant with ``ctypes.util.find_library``,
    which runs ``ldconfig -p`` in a child process; where Debian's libenchant-2-2 put the library (the
    Makefile installs it) it is named instead, through pyenchant's own PYENCHANT_LIBRARY_PATH, for that
    import only. Elsewhere pyenchant looks as usual."""
    import sys

    if "enchant" in sys.modules:
        return sys.modules["enchant"]
    import os

    known = f"/usr/lib/{os.uname().machine}-linux-gnu/libenchant-2.so.2"
    if "PYENCHANT_LIBRARY_PATH" in os.environ or not os.path.isfile(known):
        import enchant

        return enchant
    os.environ["PYENCHANT_LIBRARY_PATH"] = known
    try:
        import enchant
    finally:
        os.environ.pop("PYENCHANT_LIBRARY_PATH", None)
    return enchant


def _broker_tag(tags: list[str]):
    """The first tag whose dictionary loads, and the loaded dictionary (None, None when none does)."""
    enchant = _enchant()
    broker = enchant.Broker()
    for tag in tags:
        if not broker.dict_exists(tag):
            continue
        try:  # a provider may claim a language whose data is missing (hspell without its word list)
            return tag, broker.request_dict(tag)
        except enchant.errors.Error:
            continue
    return None, None


def dictionary_for(language: str | None) -> Dictionary | None:
    """This thread's dictionary for a track's language; None when none is installed."""
    if not language:
        return None
    cache: dict[str, Dictionary | None] = getattr(_local, "dictionaries", None) or {}
    _local.dictionaries = cache
    if language not in cache:
        lang = profile(language)
        tags = _candidate_tags(language, lang)
        memory = spelling_cache.load(language, tags)
        tag, loaded = (memory.tag, None) if memory.tag else _broker_tag(tags)
        cache[language] = Dictionary(tag, lang, memory, loaded) if tag else None
    return cache[language]


def forget_dictionaries() -> None:
    """Drop this thread's dictionaries and what they remember in memory, like a new process (the cache in
    the user's cache folder stays: tests and benchmarks point ``XDG_CACHE_HOME`` elsewhere to start empty)."""
    _local.dictionaries = {}


@lru_cache(maxsize=None)
def install_hint(language: str) -> str:
    """What to install for a language's dictionary (the Debian package the table names, if any)."""
    lang = profile(language)
    if lang and lang.dictionary_package:
        return f"install {lang.dictionary_package}"
    return "install a Hunspell dictionary for it (Debian: hunspell-<lang> or myspell-<lang>)"


_WORDS = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
#: Tokens not checked: with digits, e-mail and web addresses.
#: What makes a token (a run of non-space; U+001E, the cue boundary, is a space) not checked: digits, e-mail
#: and web addresses.
_SKIP = re.compile(r"[\d@]|://|\Awww\.")
#: A letter: a word is reported where it is not preceded by one.
_LETTER = re.compile(r"[^\W\d_'-]")
#: Capital letters of the scripts the table covers (Latin, Greek, Cyrillic), for finding names.
_UPPER = "A-Z" + "".join(ch for ch in map(chr, range(0xC0, 0x530)) if ch.isupper())
#: A capitalised word in mid-sentence: after a letter, digit, comma, semicolon or closing bracket and spaces
#: (not after . ! ? … : a quote, a dialogue dash, or a cue boundary, U+001E), on the same line or the next.
_NAME = re.compile(rf"[^\s.!?…:¿¡\"«»„“”\x1e\-–—][ \t\n]+([{_UPPER}][^\W\d_]*(?:['-][^\W\d_]+)*)")


def _words(texts: list[str]) -> tuple[str, set[str], set[str]]:
    """The track's text as checked (cues joined by U+001E, ’ as ', skipped tokens blanked to spaces of their
    length so that offsets still find the cue), its distinct words, and its names: words the track capitalises
    in mid-sentence (casefolded). Words are found once per distinct token (a word never spans a space): half
    the time of one regex over the whole text, where a Python loop over every word cost 25 ms on 1,600 cues."""
    joined = "\x1e".join(texts)
    if "’" in joined:
        joined = joined.replace("’", "'")
    tokens = set(joined.split())
    skipped = {t for t in tokens if _SKIP.search(t)}
    if skipped:
        text = joined

        def blank(m: re.Match) -> str:  # a whole token only: not preceded by a non-space
            return m.group() if m.start() and not text[m.start() - 1].isspace() else " " * len(m.group())

        joined = re.sub("(?:" + "|".join(map(re.escape, sorted(skipped, key=len, reverse=True))) + r")(?!\S)",
                        blank, text)
    names = {w.casefold() for w in _NAME.findall(joined) if not w.isupper()}
    return joined, {w for t in tokens - skipped for w in _WORDS.findall(t)}, names


def _in_script(word: str, script: str) -> bool:
    """True when every letter of ``word`` is in ``script`` (``Latin``, ``Arabic`` ...)."""
    if word.isascii():
        return script == "Latin"
    return all(script_of(ch) == script for ch in word if ch.isalpha())


def _stem(word: str) -> str:
    return word[:-2] if word.endswith(("'s", "'S")) else word


def misspellings(texts: list[str], dictionary: Dictionary, keep: frozenset[str] = frozenset(),
                 lang: LanguageProfile | None = None) -> list[Misspelling]:
    """Words of ``texts`` (visible cue texts, in order) the dictionary does not know, one per cue and word,
    with up to three suggestions. ``keep``: the project's words (casefolded), never flagged. What the
    dictionary was asked is saved to the user's cache for the next run."""
    try:
        return _misspellings(texts, dictionary, keep, lang)
    finally:
        dictionary.remember()


def _misspellings(texts: list[str], dictionary: Dictionary, keep: frozenset[str],
                  lang: LanguageProfile | None) -> list[Misspelling]:
    joined, distinct, names = _words(texts)
    if lang is not None:
        # words in another script are the script rule's business, never this dictionary's: an Arabic track's
        # English quotation gave 9,921 findings and a minute of suggestions against the Arabic dictionary
        distinct = {w for w in distinct if _in_script(w, lang.script)}

    def fine(word: str) -> bool:
        if len(word) < 2 or word.isupper():
            return True  # a letter, an acronym
        folded = word.casefold()
        if folded in keep or folded in names:
            return True
        return "'" in word and (_stem(folded) in keep or _stem(folded) in names)

    def judge(word: str) -> tuple[str, ...]:
        """The forms to report for a word: none when it is fine; a compound's unknown parts (``court-martialed``:
        ``martialed``), since the suggestions are for them."""
        if fine(word):
            return ()
        if lang is not None and lang.comma_below:
            word = canonical_text(word, lang)  # a cedilla is the comma-below rule's finding, not a misspelling
        if _known(word, dictionary):
            return ()
        if "-" in word:
            return tuple(p for p in word.split("-") if p and not fine(p) and not _known(p, dictionary)) or (word,)
        return (word,)

    if lang is None or not lang.comma_below:
        # most words are ones the dictionary is remembered to know, which judge() would pass: skip its calls
        distinct = dictionary.not_known_to_memory(distinct)
    wrong = {word: forms for word in distinct if (forms := judge(word))}
    out: list[Misspelling] = []
    if not wrong:
        return out
    # where the wrong words are: one search of the whole text, cue by offset
    starts, at = [], 0
    for text in texts:
        starts.append(at)
        at += len(text) + 1
    reported: set[tuple[int, str]] = set()
    for at, word in _located(joined, wrong):
        index = bisect.bisect_right(starts, at) - 1
        for shown in wrong[word]:
            if (index, shown) not in reported:
                reported.add((index, shown))
                out.append(Misspelling(index, shown, dictionary.suggest(shown)))
    return out


def _located(text: str, words: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Where each of ``words`` stands in ``text`` as a whole word (no letter just before or after it), in
    order: one search of the whole text. The letter before is checked per match and the search goes on from
    the next character, as a look-behind would (a pattern opening with one scanned 3x slower)."""
    search = re.compile("(?:" + "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                        + r")(?![^\W\d_'-])").search
    m = search(text)
    while m:
        at = m.start()
        if at and _LETTER.match(text, at - 1):
            m = search(text, at + 1)
        else:
            yield at, m.group()
            m = search(text, m.end())


def _known(word: str, dictionary: Dictionary) -> bool:
    if dictionary.check(word) or dictionary.check(_stem(word)):
        return True
    if word[:1].isupper() and dictionary.check(word.lower()):
        return True  # a common word opening a sentence
    if "-" in word:
        return all(_known(part, dictionary) for part in word.split("-") if part)
    if "'" in word:  # French and Italian elision (l'enfant) when the whole form is not listed
        head, _, tail = word.partition("'")
        return len(head) <= 3 and dictionary.check(tail)
    return False
