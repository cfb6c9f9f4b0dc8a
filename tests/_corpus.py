"""Where the shared subtitle corpus is, and what a test that needs it does without it.

The corpus is ``../shared/corpus`` beside the repository (found upwards, so worktrees nested one level deeper
such as ``/work/wt/<name>`` find it too), or the folder named by ``PIPELINE_CORPUS``. It is never copied into
the repository: its files come from public repositories with their own licences (its ``SOURCES.md`` lists
every file's repository, commit and path).

A test marked ``@needs_corpus`` is skipped locally when the corpus is missing, with a reason that says how to
get it; under ``CI=true`` a missing corpus fails the test instead (a CI run must not pass by skipping).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import CORPUS as _BESIDE_REPO


def _find() -> Path:
    if os.environ.get("PIPELINE_CORPUS"):
        return Path(os.environ["PIPELINE_CORPUS"]).resolve()
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return _BESIDE_REPO


CORPUS = _find()
MISSING = (f"needs the shared subtitle corpus, not found at {CORPUS}: put it at ../shared/corpus beside the "
           "repository or set PIPELINE_CORPUS=DIR (its SOURCES.md lists each file's public origin)")

#: The fixture (in conftest.py) skips or fails the test; see the module docstring.
needs_corpus = pytest.mark.usefixtures("corpus_present")
