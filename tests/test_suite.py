"""The suite itself cannot pass by luck: a fixed Hypothesis profile in CI, and no silent skip of what CI needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import settings

from conftest import IN_CI

TESTS = Path(__file__).resolve().parent


def test_hypothesis_profile_is_derandomised_in_ci_and_random_locally():
    assert settings.default.derandomize is IN_CI
    assert (settings.default.database is None) is IN_CI


def _pytest(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "PIPELINE_CORPUS")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
                          cwd=env.pop("cwd", TESTS.parent), env=clean | env, capture_output=True, text=True,
                          timeout=300)


def test_a_missing_corpus_is_a_skip_that_says_how_to_get_it_locally_and_a_failure_in_ci(tmp_path):
    test = str(TESTS / "test_formats.py") + "::test_every_corpus_file_has_a_decision"
    missing = str(tmp_path / "no-corpus-here")
    local = _pytest(test, PIPELINE_CORPUS=missing)
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout
    assert f"needs the shared subtitle corpus, not found at {missing}: put it at ../shared/corpus" in local.stdout
    assert "PIPELINE_CORPUS=DIR" in local.stdout
    ci = _pytest(test, PIPELINE_CORPUS=missing, CI="true")
    assert ci.returncode == 1, ci.stdout
    assert "CI=true and a test needs the corpus" in ci.stdout and "skipped" not in ci.stdout


def test_any_skip_fails_a_ci_run(tmp_path):
    """A missing optional extra (importorskip) skipped its tests: under CI=true it must fail the run instead,
    or a missing install step passes CI on a machine without it."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("import pytest\nmissing = pytest.importorskip('no_such_extra_module')\n"
                     "def test_uses_it():\n    assert missing\n", encoding="utf-8")
    (tmp_path / "test_other.py").write_text("def test_other():\n    assert True\n", encoding="utf-8")
    plugin = ("-p", "conftest")  # the suite's conftest.py, as the probe's plugin
    local = _pytest(str(tmp_path), *plugin, cwd=tmp_path, PYTHONPATH=str(TESTS))
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout
    ci = _pytest(str(tmp_path), *plugin, cwd=tmp_path, PYTHONPATH=str(TESTS), CI="true")
    assert ci.returncode == 1, ci.stdout
    assert "CI=true and skipped:" in ci.stdout and "no_such_extra_module" in ci.stdout


def test_ci_runs_the_same_hypothesis_examples_every_time_and_local_runs_new_ones(tmp_path):
    """Two CI runs of a property test draw the same examples (derandomised), so a red CI is reproducible;
    two local runs draw new ones (Hypothesis loads its own CI profile whenever a CI variable exists, even
    CI="", so the local profile must not inherit it)."""
    probe = tmp_path / "test_probe.py"
    log = tmp_path / "drawn.txt"
    probe.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "import conftest  # registers and loads the profile, as the suite's conftest does\n"
        "from hypothesis import given, settings, strategies as st\n"
        "@given(st.integers())\n"
        "@settings(max_examples=20)\n"
        "def test_draw(n):\n"
        f"    open({str(log)!r}, 'a').write(f'{{n}}\\n')\n", encoding="utf-8")
    runs = []
    for ci in ("true", "true", "", ""):
        log.unlink(missing_ok=True)
        result = _pytest(str(probe), "--rootdir", str(tmp_path), CI=ci, cwd=str(tmp_path))  # its .hypothesis/
        assert result.returncode == 0, result.stdout + result.stderr
        runs.append(log.read_text())
    assert runs[0] == runs[1] and len(runs[0].split()) >= 10
    assert runs[2] != runs[3] and runs[2] != runs[0]
