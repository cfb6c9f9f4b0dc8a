"""Where the shared subtitle corpus is: ``../shared/corpus`` beside the repository, found upwards so that
worktrees nested one level deeper (``/work/wt/<name>``) find it too. Never copied into the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CORPUS as _BESIDE_REPO


def _find() -> Path:
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return _BESIDE_REPO


CORPUS = _find()
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
