"""Style checks for subtitle tracks: rules with ids, defaults and severities, tunable in the catalog.

``check_project`` / ``check_video`` / ``check_track`` check catalog tracks (frame rate and length from probing the video,
parity between the human languages); ``check_files`` checks loose files. Each returns a
:class:`CheckReport` whose findings print as ``file:line: rule-id: message``.

Rules live in the modules of ``RULE_MODULES``; :mod:`pipeline.checks.base` explains how to add one.
"""

from __future__ import annotations

# Importing these registers the rules, in this order (the order they run and findings of a line list).
from pipeline.checks import rules  # noqa: F401,I001
from pipeline.checks import glossary  # noqa: F401
from pipeline.checks import parity  # noqa: F401
from pipeline.checks import language  # noqa: F401
from pipeline.checks import spelling  # noqa: F401
from pipeline.checks import drafts  # noqa: F401
from pipeline.checks.base import RULES, Finding, PairContext, Problem, Rule, TrackContext, rule
from pipeline.checks.run import (
    CheckReport, TrackReport, VideoFacts, catalog_track_of, check_files, check_project, check_track, check_video,
    language_from_name, probe_facts, run_rules,
)
from pipeline.checks.settings import defaults, level, project_settings, resolve

#: Modules whose import registers rules (the order is the order rules run and findings of a line list).
RULE_MODULES = ("pipeline.checks.rules", "pipeline.checks.glossary", "pipeline.checks.parity",
                "pipeline.checks.language", "pipeline.checks.spelling", "pipeline.checks.drafts")

__all__ = [
    "RULES", "RULE_MODULES", "Finding", "PairContext", "Problem", "Rule", "TrackContext", "rule",
    "CheckReport", "TrackReport", "VideoFacts", "catalog_track_of", "check_files", "check_project", "check_track",
    "check_video",
    "language_from_name", "probe_facts", "run_rules", "defaults", "level", "project_settings", "resolve",
]
