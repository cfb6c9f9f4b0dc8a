"""Choosing an engine for a language pair.

``auto`` picks, in order: an installed Argos package for the pair; an Apertium mode; a pivot through
English or Spanish where each leg is direct (Argos first, then Apertium); else a clear error naming what
to install. ``argos`` or ``apertium`` restrict every choice (pivots too) to that engine. Engines are kept
for the life of the process, so a model is loaded once however many tracks are drafted.
"""

from __future__ import annotations

from pipeline import languages
from pipeline.engines import apertium, argos
from pipeline.engines.base import Engine, PairInfo, PivotEngine
from pipeline.errors import EngineError, ToolMissing, UsageError

ENGINE_CHOICES = ("auto", "argos", "apertium")
PIVOTS = ("en", "es")

_CACHE: dict[tuple[str, str, str], Engine] = {}


def check_language(code: str) -> str:
    """A known BCP-47 code in its canonical spelling, or a :class:`UsageError`."""
    if not isinstance(code, str) or not languages.is_known(code):
        raise UsageError(f"unknown language code {code!r}", hint="use a BCP-47 code such as en, es, sq, bs, pt-BR")
    return languages.normalize(code)


def _direct(kind: str, source: str, target: str) -> Engine | None:
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
    kinds = ("argos", "apertium") if engine == "auto" else (engine,)
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
    _CACHE[key] = chosen
    return chosen


def no_engine_error(source: str, target: str, engine: str) -> EngineError:
    name = languages.display_name(target)
    options = []
    if engine in ("auto", "argos"):
        options.append(f"an Argos package: pipeline models download {source} {target} "
                       f"(or pipeline models install FILE.argosmodel)")
    if engine in ("auto", "apertium"):
        options.append("an Apertium pair from Debian if one exists (apt-cache search apertium)")
    return EngineError(f"no {'engine' if engine == 'auto' else engine} translates {source} → {target} ({name}), "
                       f"directly or through {' or '.join(PIVOTS)}",
                       hint="install " + "; or ".join(options) + "; see pipeline models list")


def available_pairs() -> list[PairInfo]:
    """Every direct pair of the installed engines (Argos packages first)."""
    return argos.pairs() + apertium.pairs()


def forget_engines() -> None:
    """Drop cached engine choices (after installing a package)."""
    _CACHE.clear()
    apertium.installed_modes.cache_clear()
