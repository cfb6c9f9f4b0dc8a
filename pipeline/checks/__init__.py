"""Style checks for subtitle tracks: rules with ids, defaults and severities, tunable in the catalog.

``check_project`` / ``check_video`` / ``check_track`` check catalog tracks (frame rate and length from probing the video,
parity between the human languages); ``check_files`` checks loose files. Each returns a
:class:`CheckReport` whose findings print as ``file:line: rule-id: message``.

Adding a rule is one step: decorate a function with ``@rule`` in one of the modules of ``RULE_MODULES``
(or in a new module, named in ``RULE_MODULES``). :mod:`pipeline.checks.base` shows a rule;
``tests/test_checks.py`` fails for a module holding ``@rule`` that is not listed.
"""

from __future__ import annotations

import importlib

#: The modules that define rules. Importing them registers their rules in :data:`RULES`, in this order,
#: which is the order rules run and the order findings of one line are listed in.
RULE_MODULES = (
    "pipeline.checks.rules",
    "pipeline.checks.glossary",
    "pipeline.checks.parity",
    "pipeline.checks.language",
    "pipeline.checks.spelling",
    "pipeline.checks.drafts",
)

for _module in RULE_MODULES:
    importlib.import_module(_module)

from pipeline.checks.base import RULES, Finding, PairContext, Problem, Rule, TrackContext, rule  # noqa: E402
from pipeline.checks.run import (  # noqa: E402
    CheckReport, TrackReport, VideoFacts, catalog_track_of, check_files, check_project, check_track, check_video,
    language_from_name, probe_facts, run_rules,
)
from pipeline.checks.settings import defaults, level, project_settings, resolve  # noqa: E402

__all__ = [
    "RULES", "RULE_MODULES", "Finding", "PairContext", "Problem", "Rule", "TrackContext", "rule",
    "CheckReport", "TrackReport", "VideoFacts", "catalog_track_of", "check_files", "check_project", "check_track",
    "check_video",
    "language_from_name", "probe_facts", "run_rules", "defaults", "level", "project_settings", "resolve",
]
