"""Every settings section of the catalog, validated when the catalog is loaded.

A section may appear at project level (``[check]``, or ``[project.check]``) and per video
(``[videos.check]``); ``check``, ``style`` and ``draft`` also per language inside either (``[check.es]``,
``[videos.style.ar]``). Each table is checked against the rules of the module that uses it:

=============  ==========================================================================================
``check``      rule parameters and severities (:mod:`pipeline.checks.settings`)
``style``      caption style keys (:func:`pipeline.profiles.style_problems`)
``profiles``   ``build`` and one table per output profile (:func:`pipeline.profiles.profile_problems`)
``draft``      ``engine``, ``from``, ``max_chars``, ``max_lines``, ``max_gap_ms``, ``max_unknown_share``,
               ``low_confidence`` (here)
``render``     ``jobs``, ``decode_once``, ``hls``, ``segment_seconds``, ``memory_mib``, ``executor``,
               ``scheduler`` (here)
=============  ==========================================================================================

No key is ignored silently: an unknown key or a wrong value is a ``catalog.toml:LINE`` error, and every
error found is reported, not only the first.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from pipeline import languages

#: A problem in one table: the key it is about (None for the table itself), what is wrong, what to do.
Problem = tuple[str | None, str, str | None]

#: Sections whose tables may hold per-language sub-tables.
PER_LANGUAGE = ("check", "style", "draft")

DRAFT_INT_KEYS = ("max_chars", "max_lines", "max_gap_ms")
#: Shares from 0 to 1: the trust thresholds of drafts (:mod:`pipeline.confidence`).
DRAFT_SHARE_KEYS = ("max_unknown_share", "low_confidence")
DRAFT_KEYS = ("engine", "from", *DRAFT_INT_KEYS, *DRAFT_SHARE_KEYS)
RENDER_KEYS = ("jobs", "decode_once", "hls", "segment_seconds", "memory_mib", "executor", "scheduler")


def draft_problems(values: Mapping[str, Any]) -> Iterator[Problem]:
    """``[draft]``: the engine, the source language, the layout limits and the trust thresholds of machine
    drafts."""
    for key, value in values.items():
        if key not in DRAFT_KEYS:
            yield key, f"unknown key {key!r}", f"known keys: {', '.join(sorted(DRAFT_KEYS))}"
        elif key == "engine":
            from pipeline.engines.registry import ENGINE_CHOICES

            if value not in ENGINE_CHOICES:
                yield key, f"engine must be one of {', '.join(ENGINE_CHOICES)}, got {value!r}", None
        elif key == "from":
            if not isinstance(value, str) or not languages.is_known(value):
                yield key, f"from: unknown language code {value!r}", "use a code such as en or es"
        elif key in DRAFT_SHARE_KEYS:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                yield key, f"{key} must be a share from 0 to 1, like 0.25, got {value!r}", None
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            yield key, f"{key} must be a positive whole number, got {value!r}", None


def render_problems(values: Mapping[str, Any]) -> Iterator[Problem]:
    """``[render]``: concurrent jobs, whether burned-in outputs of one video share one decode, segment length,
    the memory budget of the encodes running at once, and where they run (an executor, a Dask scheduler)."""
    for key, value in values.items():
        if key not in RENDER_KEYS:
            yield key, f"unknown key {key!r}", f"known keys: {', '.join(RENDER_KEYS)}"
        elif key == "jobs" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            yield key, f"jobs must be a whole number of jobs, at least 1, got {value!r}", None
        elif key in ("decode_once", "hls") and not isinstance(value, bool):
            yield key, f"{key} must be true or false, got {value!r}", f"write {key} = true (no quotes)"
        elif key == "segment_seconds" and (isinstance(value, bool) or not isinstance(value, (int, float))
                                           or not (value == 0 or 1 <= value <= 60)):
            yield key, f"segment_seconds must be 0 (no segments) or from 1 to 60 seconds, got {value!r}", \
                "the default, 4, suits most videos"
        elif key == "memory_mib" and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 100):
            yield key, f"memory_mib must be a number of MiB, at least 100, got {value!r}", None
        elif key == "executor" and value not in ("local", "dask"):
            yield key, f"executor must be \"local\" or \"dask\", got {value!r}", None
        elif key == "scheduler" and not (isinstance(value, str) and "://" in value):
            yield key, f"scheduler must be an address such as \"tcp://host:8786\", got {value!r}", None


def check_problems(values: Mapping[str, Any]) -> Iterator[Problem]:
    from pipeline.checks.settings import problems

    return problems(values)


def style_problems(values: Mapping[str, Any]) -> Iterator[Problem]:
    from pipeline.profiles import style_problems as problems

    return problems(values)


_VALIDATORS = {"check": check_problems, "style": style_problems, "draft": draft_problems, "render": render_problems}


def table_problems(section: str, table: Mapping[str, Any], inherited: Mapping[str, Any] | None = None,
                   ) -> Iterator[tuple[tuple[str, ...], Problem]]:
    """Problems of one section's table, each with the sub-table it is in (``()``, ``("es",)``, ...).
    ``inherited``: for a video's ``[profiles]``, the project's (a profile defined there may be used here)."""
    if section == "profiles":
        from pipeline.profiles import profile_problems

        for name, problem in profile_problems(dict(table), dict(inherited or {})):
            yield ((name,) if name else ()), problem
        return
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and languages.is_known(key):
            if section not in PER_LANGUAGE:
                yield (), (key, f"[{section}] has no per-language settings ([{section}.{key}])", None)
                continue
            for inner_key, inner in value.items():
                if isinstance(inner, dict) and languages.is_known(inner_key):
                    yield (key,), (inner_key, f"[{section}.{key}.{inner_key}]: languages do not nest", None)
            yield from (((key,), problem) for problem in _VALIDATORS[section](
                {k: v for k, v in value.items() if not (isinstance(v, dict) and languages.is_known(k))}))
        else:
            flat[key] = value
    yield from (((), problem) for problem in _VALIDATORS[section](flat))
