"""Machine-draft benchmarks, measured side by side in one run (medians), printed as figures and ratios.

1. Apertium: one process per track vs one process per cue (target ≥ 50×).
2. Argos: our batched CTranslate2 call vs argostranslate's per-cue ``translate()`` API, same package
   (the tiny package the tests build; real models cannot be downloaded here) — and intra-op threads 1/2/0.
3. Re-draft after changing 1 of 200 source cues: sentences sent to the engine (target: only that one).
4. Draft quality on the parallel English/Spanish sets of ../shared/corpus with Apertium: chrF against the
   human Spanish (whole text) and the share of drafted cues within 42 × 2 — per cue, sentence-aware as it
   was (words never cross a cue boundary), and now (words move to a neighbouring cue of the same sentence
   that has room). Targets: share within 42 × 2 ≥ the English source's; chrF no lower than before.
5. Confidence of every Apertium pair from English or Spanish on the corpus's parallel sets: the share of
   words the engine itself marked, cues below ``low_confidence``, and whether the draft would be refused.
6. Scaling: N cues without sentence punctuation (as automatic captions come) vs the same N with a full
   stop each, drafted with Apertium eng-spa. Target: 10,000 unpunctuated < 5 × the punctuated time.

Run: ``.venv/bin/python bench/drafts.py [PART...]`` (or ``make bench``). Needs apertium; 4–5 need the corpus.
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
from pipeline import segment  # noqa: E402
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


PARALLEL = [  # (name, English file, Spanish file); the perl Spanish is Latin-1 (ENCODINGS)
    ("avatar excerpt", "parallel/avatar_excerpt/avatar_excerpt.en.srt", "parallel/avatar_excerpt/avatar_excerpt.es.srt"),
    ("sintel (MDN)", "parallel/sintel/sintel_mdn_excerpt.en.vtt", "parallel/sintel/sintel_mdn_excerpt.es.vtt"),
    ("perl debugger", "parallel/perl_debugger_screencast/perl_debugger.en.srt",
     "parallel/perl_debugger_screencast/perl_debugger.es.srt"),
    ("react documentary", "parallel/react_documentary/react_documentary.en.srt",
     "parallel/react_documentary/react_documentary.es.srt"),
]


def per_cue_plan(track: Track) -> Plan:
    """The baseline: every cue (speaker turn) translated alone."""
    base = plan(track)
    segments = [Segment([Piece(ci, ti, turn)]) for ci, shell in enumerate(base.shells)
                for ti, turn in enumerate(shell.turns) if turn]
    return Plan(base.shells, segments, track.language)


def draft_with(plan_: Plan, engine, settings: DraftSettings, make_room: bool = True) -> list[str]:
    translations, _ = translate_segments(plan_, list(range(len(plan_.segments))), engine,
                                         lambda s, t: load_glossary(REPO, s, t), "en", "es")
    texts = {n: t.text for n, t in translations.items()}
    original = segment._make_room
    if not make_room:  # as drafting was before words could cross cue boundaries
        segment._make_room = lambda *args, **kwargs: None
    try:
        return list(assemble(plan_, texts, language="es", max_chars=settings.max_chars,
                             max_lines=settings.max_lines).values())
    finally:
        segment._make_room = original


ENCODINGS = {"parallel/perl_debugger_screencast/perl_debugger.es.srt": "latin-1"}


def read_set(root: Path, rel: str, language: str) -> Track:
    return read_track(root / rel, language, encoding=ENCODINGS.get(rel))


def bench_quality() -> None:
    print("\n[4] Draft quality, Apertium eng-spa vs the human Spanish: chrF (whole text) and the share of drafted "
          "cues within 42 x 2")
    root = corpus()
    if root is None:
        print("    skipped: ../shared/corpus not found (set PIPELINE_CORPUS)")
        return
    import sacrebleu

    from pipeline.model import strip_tags

    engine = select_engine("en", "es", "apertium")
    settings = DraftSettings()
    ways = (("per cue", "cue", False), ("sentence, before", "sentence", False), ("sentence, now", "sentence", True))
    print(f"    {'set':<19}{'cues':>6}{'English fits':>14}" + "".join(f"{'fit ' + w:>22}" for w, _, _ in ways)
          + "".join(f"{'chrF ' + w:>23}" for w, _, _ in ways))
    totals = {w: [] for w, _, _ in ways}
    english_total = []
    for name, en_rel, es_rel in PARALLEL:
        if not (root / en_rel).is_file() or not (root / es_rel).is_file():
            print(f"    {name:<19} missing")
            continue
        english = read_set(root, en_rel, "en")
        reference = " ".join(strip_tags(c.plain) for c in read_set(root, es_rel, "es"))
        fits_row, chrf_row = [], []
        for label, kind, room in ways:
            plan_ = plan(english) if kind == "sentence" else per_cue_plan(english)
            texts = draft_with(plan_, engine, settings, room)
            hypothesis = " ".join(" ".join(strip_tags(t).split()) for t in texts)
            chrf = sacrebleu.corpus_chrf([hypothesis], [[reference]]).score
            fit = sum(fits(t, settings.max_chars, settings.max_lines) for t in texts) / max(1, len(texts))
            totals[label].append((chrf, fit, len(texts)))
            fits_row.append(fit)
            chrf_row.append(chrf)
        source_fit = sum(fits(c.text, settings.max_chars, settings.max_lines) for c in english) / len(english)
        english_total.append((source_fit, len(english)))
        print(f"    {name:<19}{len(english):>6}{source_fit:>14.1%}" + "".join(f"{f:>22.1%}" for f in fits_row)
              + "".join(f"{c:>23.2f}" for c in chrf_row))
    cues = sum(n for _, n in english_total) or 1
    weighted = {w: (sum(c * n for c, _, n in v) / cues, sum(f * n for _, f, n in v) / cues) for w, v in totals.items()}
    english_fit = sum(f * n for f, n in english_total) / cues
    print(f"    {'cue-weighted':<19}{cues:>6}{english_fit:>14.1%}" + "".join(f"{weighted[w][1]:>22.1%}" for w, _, _ in ways)
          + "".join(f"{weighted[w][0]:>23.2f}" for w, _, _ in ways))
    now, before = weighted["sentence, now"], weighted["sentence, before"]
    print(f"    targets: fit now {now[1]:.1%} >= English {english_fit:.1%}: {now[1] >= english_fit};"
          f"  chrF now {now[0]:.2f} >= before {before[0]:.2f}: {now[0] >= before[0] - 1e-9}")


def bench_confidence() -> None:
    print("\n[5] The engine's own confidence: Apertium pairs from English and Spanish on the parallel sets "
          "(share of words it marked unknown / untranslated / badly generated)")
    root = corpus()
    if root is None:
        print("    skipped: ../shared/corpus not found (set PIPELINE_CORPUS)")
        return
    from pipeline.confidence import DEFAULT_LOW_CONFIDENCE, DEFAULT_MAX_UNKNOWN_SHARE
    from pipeline.engines import apertium

    sets = {"en": sorted({en for _, en, _ in PARALLEL}), "es": sorted({es for _, _, es in PARALLEL})}
    print(f"    {'mode':<14}{'sets':>5}{'cues':>7}{'words':>8}{'marked':>8}{'share':>8}{'low-conf. cues':>16}"
          f"{'refused at 25%':>16}")
    for mode, src, tgt in apertium.installed_modes():
        if src not in sets:
            continue
        engine = apertium.ApertiumEngine(mode, src, tgt)
        cues = words = marked = low = refused = 0
        for rel in sets[src]:
            track = read_set(root, rel, src)
            _, record, report = redraft(track, None, None, tgt, lambda: engine)
            cues += report.cues
            words += report.words
            marked += report.unknown_words
            low += len(report.low_confidence)
            refused += report.unknown_share > DEFAULT_MAX_UNKNOWN_SHARE
        share = marked / words if words else 0.0
        print(f"    {mode:<14}{len(sets[src]):>5}{cues:>7}{words:>8}{marked:>8}{share:>8.1%}"
              f"{f'{low} ({low / max(1, cues):.0%})':>16}{f'{refused} of {len(sets[src])}':>16}")
    print(f"    (low confidence: below {DEFAULT_LOW_CONFIDENCE:.0%} of a cue's words unmarked)")


def _captions(count: int, punctuated: bool) -> Track:
    """Automatic-caption-like cues: back to back, 3–6 words each; with or without a full stop per cue."""
    words = ("survivors told us what helped them most and what services should change for children and "
             "families who need support online and offline every day").split()
    cues = []
    for i in range(count):
        n = 3 + i % 4
        text = " ".join(words[(i * 5 + k) % len(words)] for k in range(n))
        cues.append(Cue(i * 1500, i * 1500 + 1400, text.capitalize() + "." if punctuated else text))
    return Track(cues, "en")


def bench_scaling(sizes: tuple[int, ...] = (1000, 3000, 10000)) -> None:
    print("\n[6] Drafting time, Apertium eng-spa: cues without sentence punctuation vs the same cues with a full stop")
    engine = select_engine("en", "es", "apertium")
    print(f"    {'cues':>6}{'punctuated':>12}{'unpunctuated':>14}{'ratio':>8}{'segments':>10}")
    ratio = None
    for count in sizes:
        times = {}
        for punctuated in (True, False):
            track = _captions(count, punctuated)
            repeat = 3 if count <= 3000 else 1
            times[punctuated] = median_time(lambda: redraft(track, None, None, "es", lambda: engine), repeat)
        ratio = times[False] / times[True]
        segments = len(plan(_captions(count, False)).segments)
        print(f"    {count:>6}{times[True]:>11.2f}s{times[False]:>13.2f}s{ratio:>7.2f}x{segments:>10}")
    before = {}
    for count in (500, 1000):
        track = _captions(count, False)
        original = segment.MAX_SEGMENT_CHARS
        segment.MAX_SEGMENT_CHARS = 10 ** 9  # one segment per run-on, as before
        try:
            before[count] = median_time(lambda: redraft(track, None, None, "es", lambda: engine), 1)
        finally:
            segment.MAX_SEGMENT_CHARS = original
    print("    before (a run-on was one segment): " + ", ".join(f"{n} cues {t:.2f} s" for n, t in before.items())
          + f" ({before[1000] / before[500]:.1f}x for twice the cues)")
    print(f"    target: 10,000 unpunctuated < 5x punctuated: {ratio:.2f}x: {ratio is not None and ratio < 5}")


PARTS = {"1": lambda: bench_apertium(), "2": lambda: bench_argos(), "3": lambda: bench_redraft(),
         "4": lambda: bench_quality(), "5": lambda: bench_confidence(), "6": lambda: bench_scaling()}


def main() -> None:
    if shutil.which("apertium") is None:
        print("apertium is not installed: apt-get install apertium apertium-eng-spa")
        sys.exit(1)
    wanted = sys.argv[1:] or list(PARTS)
    try:
        for part in wanted:
            PARTS[part]()
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


if __name__ == "__main__":
    main()
