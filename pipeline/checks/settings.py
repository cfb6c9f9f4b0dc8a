"""Check settings: typed defaults in one place, merged with the catalog's ``[check]`` section.

Precedence (later wins): rule defaults < the language's own numbers (:mod:`pipeline.language_table`: Russian
39 characters per line, English and Arabic 20 cps) <
``[check]`` < ``[check.<lang>]`` < the video's ``[videos.check]`` < ``[videos.check.<lang>]``.
A key at a more specific level replaces the whole value (``severity`` tables are not merged key by key).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

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


_NO_VALUE = object()


def _catalog_place(catalog: Path | None, key: str, value: Any = _NO_VALUE) -> tuple[int | None, str | None]:
    """``(line, table header)`` of ``key`` in the catalog: the line holding ``value`` when one does (the key
    may be set in several tables and only one of them is wrong), else the first line with the key."""
    if catalog is None or not catalog.is_file():
        return None, None
    pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*[=.]")
    header, first = None, (None, None)
    for number, line in enumerate(catalog.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("["):
            header = line.strip().split("#")[0].strip()
        elif pattern.match(line):
            if first[0] is None:
                first = (number, header)
            try:
                if value is not _NO_VALUE and tomllib.loads(line.strip()).get(key) == value:
                    return number, header
            except tomllib.TOMLDecodeError:
                pass
    return first


def _catalog_line(catalog: Path | None, key: str) -> int | None:
    return _catalog_place(catalog, key)[0]


def validate(values: Mapping[str, Any], catalog: Path | None = None, where: str = "[check]") -> dict[str, Any]:
    """Check every key and value against the defaults' types; a :class:`CatalogError` names the bad one."""
    known = defaults()
    path = catalog or Path("catalog.toml")
    out: dict[str, Any] = {}
    for key, value in values.items():
        line = _catalog_line(catalog, key)
        if key not in known:
            raise CatalogError(path, f"{where}: unknown key {key!r}", line=line,
                               hint=f"known keys: {', '.join(sorted(known))}")
        if key == SEVERITY_KEY:
            if not isinstance(value, dict):
                raise CatalogError(path, f"{where}: severity must be a table, e.g. severity = {{ cps = \"error\" }}",
                                   line=line)
            for rule_id, level in value.items():
                if rule_id not in RULES:
                    raise CatalogError(path, f"{where}: severity for unknown rule {rule_id!r}", line=_catalog_line(catalog, rule_id),
                                       hint=f"rules: {', '.join(RULES)}")
                if level not in LEVELS:
                    raise CatalogError(path, f"{where}: severity of {rule_id} must be one of {', '.join(LEVELS)}",
                                       line=_catalog_line(catalog, rule_id))
            out[key] = dict(value)
            continue
        default = known[key]
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not numeric or value < 0 or (isinstance(default, int) and not isinstance(default, bool)
                                        and isinstance(value, float) and not value.is_integer()):
            kind = "a whole number" if isinstance(default, int) else "a number"
            line, header = _catalog_place(catalog, key, value)  # the table that holds this bad value
            raise CatalogError(path, f"{header or where}: {key} must be {kind} of 0 or more, got {value!r}",
                               line=line)
        out[key] = value
    return out


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
