"""Check settings: typed defaults in one place, merged with the catalog's ``[check]`` section.

Precedence (later wins): rule defaults < the language's own numbers (:mod:`pipeline.language_table`: Russian
39 characters per line, English and Arabic 20 cps) <
``[check]`` < ``[check.<lang>]`` < the video's ``[videos.check]`` < ``[videos.check.<lang>]``.
A key at a more specific level replaces the whole value (``severity`` tables are not merged key by key).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

from pipeline import language_table
from pipeline.checks.base import LEVELS, RULES
from pipeline.errors import CatalogError

#: Settings that are not a rule's parameter: used by ``pipeline fix``.
FIX_DEFAULTS: dict[str, Any] = {
    "close_gap_frames": 12,  # gaps up to this many frames are closed to min_gap_frames ("chaining")
}
SEVERITY_KEY = "severity"
#: Frame rate assumed when no video is known.
DEFAULT_FPS = 25


def defaults() -> dict[str, Any]:
    """Every known setting with its default value."""
    merged: dict[str, Any] = {}
    for r in RULES.values():
        merged.update(r.params)
    merged.update(FIX_DEFAULTS)
    merged[SEVERITY_KEY] = {}
    return merged


def language_defaults(language: str | None) -> dict[str, Any]:
    """The settings a language's style guide sets differently from the general numbers (the table, with its
    sources, is :mod:`pipeline.language_table`)."""
    return language_table.settings_defaults(language)


def problems(values: Mapping[str, Any]) -> Iterator[tuple[str | None, str, str | None]]:
    """Every unknown key and bad value of one ``[check]`` table: ``(key, what is wrong, what to do)``."""
    known = defaults()
    for key, value in values.items():
        if key not in known:
            yield key, f"unknown key {key!r}", f"known keys: {', '.join(sorted(known))}"
        elif key == SEVERITY_KEY:
            if not isinstance(value, dict):
                yield key, "severity must be a table, e.g. severity = { cps = \"error\" }", None
                continue
            for rule_id, level in value.items():
                if rule_id not in RULES:
                    yield rule_id, f"severity for unknown rule {rule_id!r}", f"rules: {', '.join(RULES)}"
                elif level not in LEVELS:
                    yield rule_id, f"severity of {rule_id} must be one of {', '.join(LEVELS)}", None
        else:
            default = known[key]
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not numeric or value < 0 or (isinstance(default, int) and not isinstance(default, bool)
                                            and isinstance(value, float) and not value.is_integer()):
                kind = "a whole number" if isinstance(default, int) else "a number"
                yield key, f"{key} must be {kind} of 0 or more, got {value!r}", None


def validate(values: Mapping[str, Any], catalog: Path | None = None, where: str = "[check]") -> dict[str, Any]:
    """Check every key and value against the defaults' types; a :class:`CatalogError` names the first bad one.

    A loaded catalog was validated already (:mod:`pipeline.catalog_settings`, with every error and its line);
    this guards settings given to the library directly."""
    for _key, problem, hint in problems(values):
        raise CatalogError(catalog or Path("catalog.toml"), f"{where}: {problem}", hint=hint)
    return dict(values)


def resolve(language: str | None = None, overrides: Mapping[str, Any] | None = None,
            catalog: Path | None = None) -> dict[str, Any]:
    """Defaults, then language defaults, then validated ``overrides`` (the merged catalog section)."""
    merged = defaults()
    merged.update(language_defaults(language))
    merged.update(validate(overrides or {}, catalog))
    return merged


def project_settings(project, video_id: str | None, language: str | None) -> dict[str, Any]:
    """Settings for one track of a catalog video (or project-wide ones with ``video_id=None``)."""
    return resolve(language, project.setting("check", video_id, language), project.catalog_path)


def level(settings: Mapping[str, Any], rule_id: str) -> str:
    """The severity a rule reports at under these settings (``off`` to skip it)."""
    return settings.get(SEVERITY_KEY, {}).get(rule_id, RULES[rule_id].severity)
