"""Machine-draft benchmarks, measured side by side in one run (medians), printed as figures and ratios.

1. Apertium: one process per track vs one process per cue (target ≥ 50×).
2. Argos: our batched CTranslate2 call vs argostranslate's per-cue ``translate()`` API, same package
   (the tiny package the tests build; real models cannot be downloaded here) — and intra-op threads 1/2/0.
3. Re-draft after changing 1 of 200 source cues: sentences sent to the engine (target: only that one).
4. Draft quality on the parallel English/Spanish sets of ../shared/corpus with Apertium: chrF against the
   human Spanish (whole text), sentence-aware vs per-cue, and the share of drafted cues within 42 × 2.

Run: ``.venv/bin/python bench/drafts.py`` (or ``make bench``). Needs apertium; part 4 needs the corpus.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

# argostranslate (imported for part 2) creates folders under the XDG folders at import: keep them in a temp dir.
SCRATCH = Path(tempfile.mkdtemp(prefix="bench-drafts-"))
for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[var] = str(SCRATCH / var.lower())
os.environ["ARGOS_PACKAGES_DIR"] = str(SCRATCH / "packages")

from pipeline.drafting import DraftSettings, redraft, translate_segments  # noqa: E402
from pipeline.engines import select_engine  # noqa: E402
from pipeline.formats import read_track  # noqa: E402
from pipeline.glossary import load_glossary  # noqa: E402
from pipeline.linebreak import fits  # noqa: E402
from pipeline.model import Cue, Track  # noqa: E402
from pipeline.segment import Piece, Plan, Segment, assemble, plan  # noqa: E402


def median_time(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def corpus() -> Path | None:
    for candidate in (os.environ.get("PIPELINE_CORPUS"), REPO.parent / "shared" / "corpus",
                      REPO.parents[1] / "shared" / "corpus"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def sample_sentences(count: int) -> list[str]:
    base = ["Survivors deserve to be heard.", "Support services make a difference.",
            "The report listens to children and young people.", "Every child has the right to be safe online.",
            "Families, schools and platforms must act together.", "We thank everyone who shared their story."]
    return [f"{base[i % len(base)][:-1]}, said speaker {i}." for i in range(count)]


def bench_apertium(cues: int = 100) -> None:
    print(f"\n[1] Apertium eng-spa, {cues} cues: one process per track vs one per cue")
    engine = select_engine("en", "es", "apertium")
    texts = sample_sentences(cues)
    # Interleaved, so both ways see the same machine load (other work shares these cores).
    per_track_runs, per_cue, one_by_one = [], 0.0, []
    for start in range(0, cues, cues // 5):
        started = time.perf_counter()
        batch = engine.translate(texts)
        per_track_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        one_by_one += [engine.translate([t])[0] for t in texts[start:start + cues // 5]]
        per_cue += time.perf_counter() - started
    per_track = statistics.median(per_track_runs)
    same = one_by_one == batch
    print(f"    per track: {per_track:7.3f} s (median of {len(per_track_runs)})   per cue: {per_cue:7.3f} s "
          f"({cues} processes)")
    print(f"    ratio: {per_cue / per_track:5.1f}x  (target >= 50x)   identical output: {same}")


def bench_argos(cues: int = 100) -> None:
    print(f"\n[2] Argos, tiny test package (1 layer), {cues} cues: batched vs argostranslate.translate per cue")
    from argos_fixture import build_package

    from pipeline.engines import argos, forget_engines

    package_file = build_package(SCRATCH, "en", "sq", transform="copy")
    argos.install_package(package_file)
    forget_engines()
    texts = sample_sentences(cues)
    engine = select_engine("en", "sq", "argos")
    engine.translate(texts[:2])  # load once, as a drafting process does
    batched = median_time(lambda: engine.translate(texts))

    import argostranslate.sbd as sbd
    import argostranslate.translate as api

    # MiniSBD would download a sentence model on first use; a one-sentence splitter keeps this offline
    # (and only makes the per-cue API faster than it really is).
    sbd.MiniSBDSentencizer.split_sentences = lambda self, text: [text]
    api.translate(texts[0], "en", "sq")  # load its model too
    per_cue = median_time(lambda: [api.translate(t, "en", "sq") for t in texts])
    agree = [api.translate(t, "en", "sq") for t in texts[:20]] == engine.translate(texts[:20])
    print(f"    batched: {batched:7.3f} s   per-cue API: {per_cue:7.3f} s   ratio: {per_cue / batched:5.1f}x"
          f"   same text: {agree}")
    print(f"    ({os.cpu_count()} cores; batched uses intra_threads={argos._settings().intra_threads})")
    for intra in ("1", "2", "0"):
        os.environ["ARGOS_INTRA_THREADS"] = intra
        engine.translate(texts[:1])
        print(f"    intra_threads={intra}: {median_time(lambda: engine.translate(texts)):7.3f} s")
    os.environ.pop("ARGOS_INTRA_THREADS")


def bench_redraft(cues: int = 200) -> None:
    print(f"\n[3] Re-draft after changing 1 of {cues} source cues (Apertium eng-spa)")
    texts = sample_sentences(cues)
    source = Track([Cue(i * 2000, i * 2000 + 1800, t) for i, t in enumerate(texts)], "en")
    engine = select_engine("en", "es", "apertium")
    started = time.perf_counter()
    target, record, first = redraft(source, None, None, "es", lambda: engine)
    first_time = time.perf_counter() - started
    changed = list(source.cues)
    changed[120] = changed[120].with_text("Support services make all the difference.")
    started = time.perf_counter()
    _, _, second = redraft(Track(changed, "en"), target, record, "es", lambda: engine)
    second_time = time.perf_counter() - started
    print(f"    first draft: {first.segments_sent} sentences sent, {first.drafted} cues written, {first_time:6.3f} s")
    print(f"    re-draft:    {second.segments_sent} sentence sent (target: 1), {second.drafted} cue rewritten, "
          f"{second_time:6.3f} s")


PARALLEL = [  # (name, English file, Spanish file, Spanish encoding)
    ("avatar excerpt", "parallel/avatar_excerpt/avatar_excerpt.en.srt", "parallel/avatar_excerpt/avatar_excerpt.es.srt", None),
    ("sintel (MDN)", "parallel/sintel/sintel_mdn_excerpt.en.vtt", "parallel/sintel/sintel_mdn_excerpt.es.vtt", None),
    ("perl debugger", "parallel/perl_debugger_screencast/perl_debugger.en.srt",
     "parallel/perl_debugger_screencast/perl_debugger.es.srt", "latin-1"),
    ("react documentary", "parallel/react_documentary/react_documentary.en.srt",
     "parallel/react_documentary/react_documentary.es.srt", None),
]


def per_cue_plan(track: Track) -> Plan:
    """The baseline: every cue (speaker turn) translated alone."""
    base = plan(track)
    segments = [Segment([Piece(ci, ti, turn)]) for ci, shell in enumerate(base.shells)
                for ti, turn in enumerate(shell.turns) if turn]
    return Plan(base.shells, segments, track.language)


def draft_with(plan_: Plan, engine, settings: DraftSettings) -> list[str]:
    translations, _ = translate_segments(plan_, list(range(len(plan_.segments))), engine,
                                         lambda s, t: load_glossary(REPO, s, t), "en", "es")
    return list(assemble(plan_, translations, language="es", max_chars=settings.max_chars,
                         max_lines=settings.max_lines).values())


def bench_quality() -> None:
    print("\n[4] Draft quality, Apertium eng-spa vs the human Spanish (chrF, whole text; share of cues within 42 x 2)")
    root = corpus()
    if root is None:
        print("    skipped: ../shared/corpus not found (set PIPELINE_CORPUS)")
        return
    import sacrebleu

    from pipeline.model import strip_tags

    engine = select_engine("en", "es", "apertium")
    settings = DraftSettings()
    print(f"    {'set':<19}{'cues':>6}  {'chrF sentence':>13}  {'chrF per-cue':>12}  {'fit sentence':>12}  "
          f"{'fit per-cue':>11}  {'(English fits)':>14}")
    totals = {"sentence": [], "cue": []}
    for name, en_rel, es_rel, encoding in PARALLEL:
        en_path, es_path = root / en_rel, root / es_rel
        if not en_path.is_file() or not es_path.is_file():
            print(f"    {name:<19} missing")
            continue
        english = read_track(en_path, "en")
        reference = " ".join(strip_tags(c.plain) for c in read_track(es_path, "es", encoding=encoding))
        row = []
        for label, plan_ in (("sentence", plan(english)), ("cue", per_cue_plan(english))):
            texts = draft_with(plan_, engine, settings)
            hypothesis = " ".join(" ".join(strip_tags(t).split()) for t in texts)
            chrf = sacrebleu.corpus_chrf([hypothesis], [[reference]]).score
            fit = sum(fits(t, settings.max_chars, settings.max_lines) for t in texts) / max(1, len(texts))
            totals[label].append((chrf, fit, len(texts)))
            row += [chrf, fit]
        source_fit = sum(fits(c.text, settings.max_chars, settings.max_lines) for c in english) / len(english)
        print(f"    {name:<19}{len(english):>6}  {row[0]:>13.1f}  {row[2]:>12.1f}  {row[1]:>12.0%}  {row[3]:>11.0%}"
              f"  {source_fit:>14.0%}")
    for label in totals:
        cues = sum(n for _, _, n in totals[label]) or 1
        totals[label] = (sum(c * n for c, _, n in totals[label]) / cues, sum(f * n for _, f, n in totals[label]) / cues)
    print(f"    {'cue-weighted':<19}{'':>6}  {totals['sentence'][0]:>13.1f}  {totals['cue'][0]:>12.1f}  "
          f"{totals['sentence'][1]:>12.0%}  {totals['cue'][1]:>11.0%}")


def main() -> None:
    if shutil.which("apertium") is None:
        print("apertium is not installed: apt-get install apertium apertium-eng-spa")
        sys.exit(1)
    try:
        bench_apertium()
        bench_argos()
        bench_redraft()
        bench_quality()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
