"""Benchmark: the font work of a build plan, per track, with what libass draws modelled (issue 15).

For each language of the report, a track of distinct lines of that language's hard cases. Printed side by
side, medians of several rounds (alternating):
  - choose: `fonts.choose_fonts`, which every plan runs for every burned-in job (no-op builds included);
  - check: `fonts.check_glyphs`, which runs only for outputs about to be built;
  - chars only: the same cmap lookups for the cue's own characters, as the check did before it asked
    FriBidi what libass draws (the baseline the ratio is against).
Target: choose + check <= 2.5x chars only, for every language. Before issue 15 the same ratio was
1.6-2.1 (measured side by side on main's code): modelling libass must not make planning slower.

    python bench/fonts.py [--cues 150] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline import fonts  # noqa: E402
from pipeline.model import Cue, Track, strip_tags  # noqa: E402

LINES = {
    "en": "It’s never a child’s fault — 1 in 3 survivors said “no one asked”",
    "es": "¿Quién escucha a niñas y niños? ¡Merecen protección y atención!",
    "fr": "«\u00a0Œuvrer ensemble\u00a0»\u00a0: l’œil des survivantes compte",
    "ro": "Supraviețuitorii își spun povestea și învață să ceară ajutor",
    "ru": "Её услышали: «Ребёнок никогда не виноват в насилии»",
    "ar": "لا، الإساءة عبر الإنترنت ليست أبدًا خطأ الطفل: تقرير WeProtect لعام",
}
TARGET_RATIO = 2.5


def chars_only(track: Track, chosen: fonts.FontSet) -> None:
    """The check before issue 15: each visible character looked up in the chosen faces."""
    maps = [fonts.cmap(face.file, face.index) for face in chosen.faces]
    for cue in track:
        for ch in strip_tags(cue.text):
            if ch != " " and not fonts.libass_skips(ch):
                any(ord(ch) in m for m in maps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cues", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tracks = {lang: Track([Cue(i * 2000, i * 2000 + 1800, f"{line} {i}\n{i + 1} {line[: len(line) // 2]}", line=4 * i + 1)
                           for i in range(args.cues)], lang) for lang, line in LINES.items()}
    chosen = {lang: fonts.choose_fonts(track, lang) for lang, track in tracks.items()}  # warm: fc-match, cmaps
    times: dict[str, dict[str, list[float]]] = {lang: {"choose": [], "check": [], "chars": []} for lang in LINES}
    for _ in range(args.rounds):
        for lang, track in tracks.items():
            for name, fn in (("chars", lambda: chars_only(track, chosen[lang])),
                             ("choose", lambda: fonts.choose_fonts(track, lang)),
                             ("check", lambda: fonts.check_glyphs(track, chosen[lang], "bench.srt"))):
                start = time.perf_counter()
                fn()
                times[lang][name].append((time.perf_counter() - start) * 1000)
    print(f"{args.cues} cues of two lines per track, medians of {args.rounds} rounds (ms):")
    print(f"  {'lang':<5}{'font':<20}{'choose':>8}{'check':>8}{'chars only':>12}{'(choose+check) / chars':>23}")
    worst = 0.0
    for lang, t in times.items():
        med = {name: statistics.median(v) for name, v in t.items()}
        ratio = (med["choose"] + med["check"]) / med["chars"]
        worst = max(worst, ratio)
        print(f"  {lang:<5}{chosen[lang].primary.family:<20}{med['choose']:8.1f}{med['check']:8.1f}"
              f"{med['chars']:12.1f}{ratio:21.2f}")
    verdict = "OK" if worst <= TARGET_RATIO else "MISSED"
    print(f"worst (choose + check) / chars only: {worst:.2f} (target <= {TARGET_RATIO:g}: {verdict})")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    raise SystemExit(main())
