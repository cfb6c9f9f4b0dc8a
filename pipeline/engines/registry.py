"""Choosing an engine for a language pair.

``auto`` picks the first installed engine for the pair in this order, strongest first (published
FLORES-200 figures for the report's languages, docs/drafting.md):

1. ``marian``: an installed OPUS-MT (Marian) model — the best published offline figures for en→ro, ru,
   bs, ar;
2. ``nllb``: an installed NLLB-200 model — one model for 200 languages, a few chrF points behind;
3. ``argos``: an installed Argos Translate package (smaller OPUS-based models);
4. ``apertium``: Debian's rule-based pairs — rough, and some (eng-hbs) are glosses, not translations;
5. a pivot through English or Spanish where each leg is direct (each leg chosen in the same order);

else a clear error naming what to install. Naming an engine (``--engine argos``) restricts every choice
(pivots too) to it. The engine carries the reason it was chosen, and drafting reports it. Engines are
kept for the life of the process, so a model is loaded once however many tracks are drafted.
"""

from __future__ import annotations

from pipeline import languages
from pipeline.engines import apertium, argos, ct2models
from pipeline.engines.base import Engine, PairInfo, PivotEngine
from pipeline.errors import EngineError, ToolMissing, UsageError

#: The order ``auto`` tries engines in (see the module doc).
AUTO_ORDER = ("marian", "nllb", "argos", "apertium")
ENGINE_CHOICES = ("auto", *AUTO_ORDER)
PIVOTS = ("en", "es")
_WHY = {"marian": "an OPUS-MT model", "nllb": "an NLLB model", "argos": "an Argos package",
        "apertium": "an Apertium pair"}

_CACHE: dict[tuple[str, str, str], Engine] = {}


def check_language(code: str) -> str:
    """A known BCP-47 code in its canonical spelling, or a :class:`UsageError`."""
    if not isinstance(code, str) or not languages.is_known(code):
        raise UsageError(f"unknown language code {code!r}", hint="use a BCP-47 code such as en, es, sq, bs, pt-BR")
    return languages.normalize(code)


def _direct(kind: str, source: str, target: str) -> Engine | None:
    if kind in ("marian", "nllb"):
        return ct2models.engine_for(kind, source, target)
    if kind == "argos":
        return argos.engine_for(source, target)
    if kind == "apertium":
        return apertium.engine_for(source, target)
    raise UsageError(f"unknown engine {kind!r}", hint=f"choose one of {', '.join(ENGINE_CHOICES)}")


def _first_direct(kinds: tuple[str, ...], source: str, target: str) -> Engine | None:
    for kind in kinds:
        engine = _direct(kind, source, target)
        if engine is not None:
            return engine
    return None


def _reason(engine: Engine, chosen_by: str, source: str, target: str) -> str:
    if isinstance(engine, PivotEngine):
        legs = f"{_WHY.get(engine.first.name, engine.first.name)} for {source}→{engine.pivot}, " \
               f"{_WHY.get(engine.second.name, engine.second.name)} for {engine.pivot}→{target}"
        return f"{engine.brief}: no installed engine translates {source}→{target} directly; pivot through " \
               f"{engine.pivot} ({legs})"
    if chosen_by != "auto":
        return f"{engine.brief}: --engine {chosen_by}"
    better = AUTO_ORDER[:AUTO_ORDER.index(engine.name)]
    missing = f"; no {', '.join(better)} model installed for it" if better else ""
    return f"{engine.brief}: {_WHY.get(engine.name, engine.name)} is the strongest installed engine for " \
           f"{source}→{target} (auto order: {', '.join(AUTO_ORDER)}){missing}"


def select_engine(source: str, target: str, engine: str = "auto") -> Engine:
    """The engine that drafts ``source`` → ``target`` (see the module doc for the order)."""
    source, target = check_language(source), check_language(target)
    if engine not in ENGINE_CHOICES:
        raise UsageError(f"unknown engine {engine!r}", hint=f"choose one of {', '.join(ENGINE_CHOICES)}")
    if source == target:
        raise UsageError(f"source and target are the same language ({source})")
    key = (engine, source, target)
    if key in _CACHE:
        return _CACHE[key]
    kinds = AUTO_ORDER if engine == "auto" else (engine,)
    if engine == "apertium" and apertium.apertium_path() is None:
        raise ToolMissing("apertium", apertium.INSTALL_HINT)
    chosen = _first_direct(kinds, source, target)
    if chosen is None:
        for pivot in PIVOTS:
            if languages.base(pivot) in (languages.base(source), languages.base(target)):
                continue
            first = _first_direct(kinds, source, pivot)
            second = _first_direct(kinds, pivot, target) if first else None
            if first and second:
                chosen = PivotEngine(first, second)
                break
    if chosen is None:
        raise no_engine_error(source, target, engine)
    chosen.reason = _reason(chosen, engine, source, target)
    _CACHE[key] = chosen
    return chosen


def no_engine_error(source: str, target: str, engine: str) -> EngineError:
    name = languages.display_name(target)
    options = []
    if engine in ("auto", "marian", "nllb"):
        options.append("an OPUS-MT or NLLB model converted for CTranslate2: pipeline models install DIR "
                       "(docs/drafting.md says which)")
    if engine in ("auto", "argos"):
        options.append(f"an Argos package: pipeline models download {source} {target} "
                       f"(or pipeline models install FILE.argosmodel)")
    if engine in ("auto", "apertium"):
        options.append("an Apertium pair from Debian if one exists (apt-cache search apertium)")
    return EngineError(f"no {'engine' if engine == 'auto' else engine} translates {source} → {target} ({name}), "
                       f"directly or through {' or '.join(PIVOTS)}",
                       hint="install " + "; or ".join(options) + "; see pipeline models list")


def available_pairs() -> list[PairInfo]:
    """Every direct pair of the installed engines, in the order ``auto`` prefers them."""
    neural = sorted(ct2models.pairs(), key=lambda p: AUTO_ORDER.index(p.engine))
    return neural + argos.pairs() + apertium.pairs()


def forget_engines() -> None:
    """Drop cached engine choices (after installing a package or model)."""
    _CACHE.clear()
    apertium.installed_modes.cache_clear()
