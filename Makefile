# make build : set-up, then the main job (pipeline build) on the bundled sample
# make test  : set-up, then the whole test suite
# A second run skips set-up that is already done.

SHELL   := /bin/bash
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python

# Debian packages. python3-venv (a fresh Debian's python3 cannot make the .venv without it), ffmpeg
# (libass, libx264), libfribidi0 (the glyph check asks it what libass draws; libass depends on it), fonts with
# wide script coverage, Apertium and its pairs, espeak-ng (sample narration), fontconfig (font lookup),
# Enchant and the Hunspell/MySpell dictionaries of the project's languages (the `spelling` check rule; hr
# and sr stand in for Bosnian variants; Albanian exists only as myspell-sq).
SYSTEM_PACKAGES := python3 python3-venv ffmpeg libfribidi0 fontconfig fonts-noto-core espeak-ng apertium \
                   apertium-eng-spa apertium-hbs-eng apertium-es-pt apertium-fr-es apertium-es-ro \
                   libenchant-2-2 hunspell-en-us hunspell-es hunspell-fr hunspell-pt-pt hunspell-pt-br hunspell-ro \
                   hunspell-ru hunspell-bs hunspell-hr hunspell-sr hunspell-ar myspell-sq
# Only the tests need a browser (review page tests drive Debian's Chromium headless) and the CJK fonts (the
# test that Japanese and Chinese captions get their regional Noto Sans CJK family could never run without
# them; measured here: 56.5 MB download, 91 MB installed, 16 s to install, beside Chromium's 290 MB).
TEST_SYSTEM_PACKAGES := chromium fonts-noto-cjk

.PHONY: build test setup setup-test system system-test sample-assets bench clean help

help:
	@echo "make build          set up, then render the bundled sample into dist/"
	@echo "make test           set up, then run the whole test suite"
	@echo "make sample-assets  regenerate the bundled sample videos (keeps existing subtitles)"
	@echo "make bench          run the benchmarks in bench/"

build: setup
	$(BIN)/pipeline build

test: setup-test
	$(PY) -m pytest

system:
	@scripts/ensure-system.sh $(SYSTEM_PACKAGES)

system-test: system
	@scripts/ensure-system.sh $(TEST_SYSTEM_PACKAGES)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Stamps depend on pyproject.toml: editing the dependencies re-installs, nothing else does.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	@touch $@

# The tests run the Dask executor on a real local cluster: the cluster extra comes with them.
$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test,cluster]'
	@touch $@

setup: system $(VENV)/.installed

setup-test: system-test $(VENV)/.installed-test

sample-assets: system
	$(PYTHON) assets/make_sample.py

bench: setup-test
	@for b in bench/[!_]*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf dist .pytest_cache
