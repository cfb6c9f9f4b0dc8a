#!/usr/bin/env python3
"""Regenerate the bundled sample media: a 34.5 s animated explainer in two narrations.

    python3 assets/make_sample.py            # (re)build the videos, write missing subtitle files
    python3 assets/make_sample.py --plan     # print suggested cue start times for edited narration text

Writes
    assets/sample/explainer-en.mp4, assets/sample/explainer-es.mp4   (always; atomically replaced)
    subtitles/explainer-{en,es}/{en,es}.srt                          (only when missing: translators own them)

Standalone on purpose: Python 3.11 stdlib only, plus the `ffmpeg`, `ffprobe`, `espeak-ng` and (optionally)
`fc-match` programs. It does not import the `pipeline` package.

How the timing works: NARRATION below is the single source of truth. Each cue is spoken as its own espeak-ng
clip (silence trimmed) placed at the cue's fixed start time in both languages, so a cue starts exactly when its
narration starts in either variant. A cue ends TAIL seconds after the narration of *that video's* language
ends (longer if needed to keep both languages under the reading-speed limits), so the English and Spanish
tracks of one video share the same timings (parity). Start times are data: after editing any text, run
`--plan` and copy the suggested starts back in; a normal run refuses timings that break the style rules.
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import wave
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

HERE = Path(__file__).resolve().parent          # assets/
ROOT = HERE.parent                              # project root
SAMPLE_DIR = HERE / "sample"
SUBTITLE_DIR = ROOT / "subtitles"

# ---------------------------------------------------------------------------------------------------------
# Narration: one entry per cue. Lines are the subtitle lines (hand-broken at natural points); the spoken text
# is the lines joined with spaces, minus quotation marks. Sentences that span two cues are marked "(1/2)".
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    start: float                  # seconds; shared by both narrations and all four subtitle tracks
    en: tuple[str, ...]
    es: tuple[str, ...]


NARRATION: list[Cue] = [
    # Scene 1: listening to survivors
    Cue(0.50, ("This report listens to survivors.",),
              ("Este informe escucha",
               "a las personas sobrevivientes.")),
    Cue(3.90, ("Abuse online is never the child's fault.",),
              ("El abuso en línea",
               "nunca es culpa de la niña o del niño.")),
    Cue(7.50, ("What helps most?",),
              ("¿Qué ayuda más?",)),
    Cue(9.15, ("Being believed.",),
              ("Que te crean.",)),
    # Scene 2: support matters
    Cue(10.70, ("Listening without judging",
                "is already support."),
               ("Escuchar sin juzgar ya es apoyar.",)),
    Cue(13.45, ("Support services help survivors heal",),     # (1/2)
               ("Los servicios de apoyo ayudan a sanar",)),
    Cue(16.45, ("and make sure their voices are heard.",),    # (2/2)
               ("y hacen que se escuche su voz.",)),
    # Scene 3: words matter
    Cue(19.00, ('We say "child sexual abuse material",',),    # (1/2)
               ("Hablamos de",
                "«material de abuso sexual infantil»,")),
    Cue(22.15, ('not "child pornography".',),                 # (2/2)
               ("no de «pornografía infantil».",)),
    # Scene 4: where to find help
    Cue(24.50, ("It is never too late to ask for help!",),
               ("¡Nunca es tarde para pedir ayuda!",)),
    Cue(27.20, ("If you need help,",                          # (1/2)
                "contact a local helpline"),
               ("Si necesitas ayuda,",
                "acude a una línea de ayuda local")),
    Cue(31.00, ("or a trusted adult.",),                      # (2/2)
               ("o a una persona adulta de confianza.",)),
]

# On-screen titles: (start, end, English, Spanish). Kept neutral; the top of the frame only.
SCENES: list[tuple[float, float, str, str]] = [
    (0.3, 10.45, "Listening to survivors", "Escuchar a las personas sobrevivientes"),
    (10.5, 18.75, "Support matters", "El apoyo importa"),
    (18.8, 24.25, "Words matter", "Las palabras importan"),
    (24.3, 99.0, "Where to find help", "Dónde pedir ayuda"),
]

VIDEOS = {  # video id -> narration language
    "explainer-en": "en",
    "explainer-es": "es",
}
LANGS = ("en", "es")
ESPEAK_VOICE = {"en": "en", "es": "es"}          # espeak-ng voice names (en = British English, es = Spain)
ESPEAK_SPEED = {"en": 165, "es": 175}            # words per minute
ISO639_2 = {"en": "eng", "es": "spa"}            # MP4 language tags

# Subtitle style rules the generated tracks must meet (and that --plan aims inside of).
MAX_LINE = 42
MAX_LINES = 2
MAX_CPS = {"en": 20.0, "es": 17.0}
PLAN_CPS = {"en": 19.0, "es": 16.3}               # margin under MAX_CPS for planning
MIN_DUR, MAX_DUR = 1.0, 7.0
MIN_GAP = 0.12                                   # >= 80 ms with margin (3 frames at 25 fps)
TAIL = 0.30                                      # cue stays up this long after its narration ends
BREATH = 0.20                                    # extra pause between one cue's end and the next start (plan)
OUTRO = 1.2                                      # picture after the last cue ends

W, H, FPS = 1280, 720, 25
CAPTION_ZONE = int(H * 0.8)                      # y >= this stays calm (flat band) for captions
AUDIO_RATE = 48000


# ---------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------

def die(msg: str) -> NoReturn:
    print(f"make_sample: error: {msg}", file=sys.stderr)
    sys.exit(1)


def run(cmd: list[str], cwd: Path | None = None) -> str:
    try:
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        die(f"'{cmd[0]}' not found; install it (Debian: apt-get install -y ffmpeg espeak-ng fonts-noto-core)")
    if res.returncode != 0:
        tail = "\n".join(res.stderr.strip().splitlines()[-15:])
        die(f"command failed ({res.returncode}): {' '.join(cmd[:6])} ...\n{tail}")
    return res.stdout


def probe_duration(path: Path) -> float:
    out = run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)])
    return float(out.strip())


def spoken(lines: tuple[str, ...]) -> str:
    text = " ".join(lines)
    for q in '"«»“”':
        text = text.replace(q, "")
    return text


def cue_chars(lines: tuple[str, ...]) -> int:
    # Characters the viewer reads: both lines plus one for the break (conservative).
    return len(" ".join(lines))


def find_font() -> Path:
    candidates = []
    if shutil.which("fc-match"):
        for pattern in ("Noto Sans:bold", "Noto Sans"):
            res = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True)
            if res.returncode == 0 and res.stdout.strip():
                candidates.append(res.stdout.strip())
    candidates += [
        "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf",
        "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ]
    for c in candidates:
        if os.path.isfile(c):
            return Path(c)
    die("no usable font found; install fonts-noto-core (fc-match 'Noto Sans' should name a .ttf)")


# ---------------------------------------------------------------------------------------------------------
# Narration audio
# ---------------------------------------------------------------------------------------------------------

def synthesize(tmp: Path) -> tuple[dict[str, list[Path]], dict[str, list[float]]]:
    """One silence-trimmed 48 kHz mono clip per cue and language, and its duration (ffprobe)."""
    trim = ("silenceremove=start_periods=1:start_threshold=-50dB:start_silence=0.02,areverse,"
            "silenceremove=start_periods=1:start_threshold=-50dB:start_silence=0.02,areverse,"
            "volume=-3dB")                                # headroom for the AAC encoder

    def one(lang: str, i: int) -> tuple[Path, float]:
        raw = tmp / f"raw-{lang}-{i:02d}.wav"
        out = tmp / f"clip-{lang}-{i:02d}.wav"
        run(["espeak-ng", "-v", ESPEAK_VOICE[lang], "-s", str(ESPEAK_SPEED[lang]), "-w", str(raw),
             spoken(getattr(NARRATION[i], lang))])
        run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(raw), "-af", trim,
             "-ar", str(AUDIO_RATE), "-ac", "1", "-c:a", "pcm_s16le", str(out)])
        return out, probe_duration(out)

    jobs = [(lang, i) for lang in LANGS for i in range(len(NARRATION))]
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        results = list(pool.map(lambda job: one(*job), jobs))
    clips: dict[str, list[Path]] = {lang: [] for lang in LANGS}
    durs: dict[str, list[float]] = {lang: [] for lang in LANGS}
    for (lang, _), (clip, dur) in zip(jobs, results):
        clips[lang].append(clip)
        durs[lang].append(dur)
    return clips, durs


def mix_narration(clips: list[Path], duration: float, out: Path) -> None:
    """Place each clip at its cue's start time on a silent track (exact to the sample)."""
    total = round(duration * AUDIO_RATE)
    buf = bytearray(total * 2)
    for cue, clip in zip(NARRATION, clips):
        with wave.open(str(clip), "rb") as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == AUDIO_RATE
            data = w.readframes(w.getnframes())
        at = round(cue.start * AUDIO_RATE) * 2
        if at + len(data) > len(buf):
            die(f"narration at {cue.start}s runs past the end of the video")
        buf[at:at + len(data)] = data
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(AUDIO_RATE)
        w.writeframes(bytes(buf))


# ---------------------------------------------------------------------------------------------------------
# Cue timing
# ---------------------------------------------------------------------------------------------------------

def reading_min(cue: Cue, cps: dict[str, float]) -> float:
    return max(MIN_DUR, *(cue_chars(getattr(cue, lang)) / cps[lang] for lang in LANGS))


def plan(durs: dict[str, list[float]]) -> None:
    """Print start times that fit the slower language, for pasting into NARRATION."""
    scene_starts = {s[0] for s in SCENES}
    t = NARRATION[0].start
    print("suggested starts (slot = slower language + tail, reading speed with margin):")
    for i, cue in enumerate(NARRATION):
        start = math.ceil(t * 20) / 20
        slow = max(durs[lang][i] for lang in LANGS)
        end = start + max(slow + TAIL, reading_min(cue, PLAN_CPS))
        print(f"  cue {i + 1:2d}: start {start:6.2f}  (en {durs['en'][i]:.2f}s, es {durs['es'][i]:.2f}s)  "
              f"-> end {end:6.2f}   {spoken(cue.en)!r}")
        t = end + BREATH
        if i + 1 < len(NARRATION) and any(start < s <= NARRATION[i + 1].start for s in scene_starts):
            t += 0.2   # a beat more at a scene change
    print(f"video duration would be about {t - BREATH + OUTRO:.2f}s")


def cue_times(durs: dict[str, list[float]], lang: str, video_end: float) -> list[tuple[int, int]]:
    """(start_ms, end_ms) per cue for the video narrated in `lang`; checks every style rule."""
    times = []
    problems = []
    for i, cue in enumerate(NARRATION):
        start = cue.start
        nxt = NARRATION[i + 1].start - MIN_GAP if i + 1 < len(NARRATION) else video_end
        end = max(start + durs[lang][i] + TAIL, start + reading_min(cue, PLAN_CPS))
        end = min(end, nxt, start + MAX_DUR)
        s_ms, e_ms = round(start * 1000), math.floor(end * 1000)
        if start + durs[lang][i] > nxt:
            problems.append(f"cue {i + 1}: {lang} narration ({durs[lang][i]:.2f}s) overruns the next cue")
        dur = (e_ms - s_ms) / 1000
        if not MIN_DUR <= dur <= MAX_DUR:
            problems.append(f"cue {i + 1}: duration {dur:.2f}s outside {MIN_DUR}-{MAX_DUR}s")
        for tl in LANGS:
            cps = cue_chars(getattr(cue, tl)) / dur
            if cps > MAX_CPS[tl]:
                problems.append(f"cue {i + 1}: {tl} reading speed {cps:.1f} cps > {MAX_CPS[tl]}")
        times.append((s_ms, e_ms))
    for (a0, a1), (b0, _) in zip(times, times[1:]):
        if b0 - a1 < 80:
            problems.append(f"gap {a1}->{b0} ms is under 80 ms")
    for i, cue in enumerate(NARRATION):
        for tl in LANGS:
            lines = getattr(cue, tl)
            if len(lines) > MAX_LINES or any(len(x) > MAX_LINE for x in lines):
                problems.append(f"cue {i + 1}: {tl} lines exceed {MAX_LINES}x{MAX_LINE}: {lines}")
    if problems:
        die("narration timing breaks the subtitle rules for the " + lang + " video:\n  " +
            "\n  ".join(problems) + "\nrun with --plan and update the start times in NARRATION")
    return times


# ---------------------------------------------------------------------------------------------------------
# Subtitles (never overwritten)
# ---------------------------------------------------------------------------------------------------------

def srt_time(ms: int) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def srt_text(times: list[tuple[int, int]], lang: str) -> str:
    blocks = []
    for n, ((s, e), cue) in enumerate(zip(times, NARRATION), start=1):
        blocks.append(f"{n}\n{srt_time(s)} --> {srt_time(e)}\n" + "\n".join(getattr(cue, lang)) + "\n")
    return "\n".join(blocks)


def _public_mode(fd_or_path) -> None:
    """mkstemp creates 0600 files; give the result the mode a plain open() would have."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(fd_or_path, 0o666 & ~umask)


def write_if_missing(path: Path, text: str) -> None:
    rel = path.relative_to(ROOT)
    if path.exists():
        print(f"kept existing {rel}")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        _public_mode(fd)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        try:
            os.link(tmp, path)            # atomic and refuses to replace a file created meanwhile
        except FileExistsError:
            print(f"kept existing {rel}")
            return
        except OSError:                   # filesystem without hard links
            if path.exists():
                print(f"kept existing {rel}")
                return
            os.replace(tmp, path)
            tmp = None
        print(f"wrote {rel}")
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


# ---------------------------------------------------------------------------------------------------------
# Picture: shapes rasterised to PNG (stdlib), animated and composited by ffmpeg
# ---------------------------------------------------------------------------------------------------------

def write_png(path: Path, w: int, h: int, rows: list[bytes], alpha: bool = True) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 6 if alpha else 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
                     + chunk(b"IEND", b""))


def sd_circle(cx, cy, r):
    return lambda x, y: math.hypot(x - cx, y - cy) - r


def sd_rrect(x0, y0, x1, y1, r):
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 - r, (y1 - y0) / 2 - r

    def f(x, y):
        qx, qy = abs(x - cx) - hw, abs(y - cy) - hh
        return math.hypot(max(qx, 0), max(qy, 0)) + min(max(qx, qy), 0) - r
    return f


def sd_union(*fs):
    return lambda x, y: min(f(x, y) for f in fs)


def sd_rotsquare(cx, cy, half):  # square rotated 45 degrees (a diamond), sharp
    return lambda x, y: (abs(x - cx) + abs(y - cy) - half) / math.sqrt(2)


def render_layers(path: Path, w: int, h: int, layers) -> None:
    """layers: (sdf, (r, g, b), opacity) painted in order over transparency, 1.2 px anti-aliasing."""
    rows = []
    for y in range(h):
        row = bytearray(w * 4)
        for x in range(w):
            px, py = x + 0.5, y + 0.5
            r = g = b = a = 0.0
            for sdf, (cr, cg, cb), op in layers:
                cov = min(1.0, max(0.0, 0.5 - sdf(px, py) / 1.2)) * op
                if cov <= 0:
                    continue
                na = cov + a * (1 - cov)
                r = (cr * cov + r * a * (1 - cov)) / na
                g = (cg * cov + g * a * (1 - cov)) / na
                b = (cb * cov + b * a * (1 - cov)) / na
                a = na
            row[x * 4:x * 4 + 4] = bytes((round(r), round(g), round(b), round(a * 255)))
        rows.append(bytes(row))
    write_png(path, w, h, rows)


def render_soft_circle(path: Path, radius: int, rgb, opacity: float) -> None:
    size = radius * 2
    rows = []
    for y in range(size):
        row = bytearray(size * 4)
        for x in range(size):
            d = math.hypot(x + 0.5 - radius, y + 0.5 - radius) / radius
            a = 0.0 if d >= 1 else opacity * (1 - d * d) ** 2      # smooth fall-off to the edge
            row[x * 4:x * 4 + 4] = bytes((*rgb, round(a * 255)))
        rows.append(bytes(row))
    write_png(path, size, size, rows)


def render_background(path: Path) -> None:
    top, mid, band, line = (44, 78, 112), (30, 55, 84), (22, 40, 62), (52, 80, 108)
    rows = []
    for y in range(H):
        if y < CAPTION_ZONE:
            t = y / CAPTION_ZONE
            t = t * t * (3 - 2 * t)
            c = tuple(round(a + (b - a) * t) for a, b in zip(top, mid))
        elif y < CAPTION_ZONE + 3:
            c = line
        else:
            c = band
        rows.append(bytes(c) * W)
    write_png(path, W, H, rows, alpha=False)


def render_band(path: Path) -> None:
    band, line = (22, 40, 62), (52, 80, 108)
    rows = [bytes(line) * W if y < 3 else bytes(band) * W for y in range(H - CAPTION_ZONE)]
    write_png(path, W, H - CAPTION_ZONE, rows, alpha=False)


def render_figure(path: Path, rgb, w: int = 180, h: int = 310, head_r: int = 42) -> None:
    # Drawn 20 px taller than it stands: the bottom hides under the caption band while the figure "breathes".
    render_layers(path, w, h, [
        (sd_circle(w / 2, head_r + 4, head_r), rgb, 1.0),
        (sd_rrect(14, head_r * 2 + 18, w - 14, h + 80, 66), rgb, 1.0),   # body, cut off at the bottom
    ])


def render_bubble(path: Path, kind: str) -> None:
    w, h = 190, 140
    paper, ink = (244, 241, 234), (44, 78, 112)
    if kind == "dots":
        tail = sd_union(sd_circle(42, 120, 13), sd_circle(22, 132, 7))
        marks = [(sd_circle(cx, 58, 10), ink, 1.0) for cx in (62, 95, 128)]
    else:  # "lines": text-like strokes
        tail = sd_union(sd_circle(w - 42, 120, 13), sd_circle(w - 22, 132, 7))
        marks = [(sd_rrect(36, y, x1, y + 12, 6), ink, 0.85) for y, x1 in ((30, 154), (54, 132), (78, 146))]
    render_layers(path, w, h, [(sd_union(sd_rrect(4, 4, w - 4, 104, 38), tail), paper, 0.95), *marks])


def render_heart(path: Path) -> None:
    # the classic construction: a diamond with a circle on each upper edge (diameter = edge length)
    w, h, cx, cy, half = 120, 112, 60, 62, 44
    r = half / math.sqrt(2)
    heart = sd_union(sd_circle(cx - half / 2, cy - half / 2, r), sd_circle(cx + half / 2, cy - half / 2, r),
                     sd_rotsquare(cx, cy, half))
    render_layers(path, w, h, [(heart, (238, 131, 121), 1.0)])


def ease_in(t0: float, t1: float) -> str:
    """0 -> 1 smoothstep between t0 and t1, as an ffmpeg expression."""
    u = f"clip((t-{t0})/{t1 - t0},0,1)"
    return f"({u}*{u}*(3-2*{u}))"


# Images composited over the background, in input order (input 0 is bg.png).
OVERLAYS = ["c1", "c2", "c3", "glow", "fig-a", "fig-b", "fig-c", "heart", "bubble-dots", "bubble-lines", "band"]


def build_filtergraph(duration: float, lang: str) -> str:
    """Each PNG is decoded once and repeated with the loop filter (far cheaper than `-loop 1` inputs)."""
    frames = round(duration * FPS)
    sc = {name: (a, b) for name, (a, b, *_) in zip(("listen", "support", "words", "help"), SCENES)}
    floor = CAPTION_ZONE
    fig_y = floor - 290                       # figures stand on the caption band's top edge
    left_x, right_x = 400, 700
    mid_x = (left_x + right_x + 180) // 2
    f = [f"[0:v]format=yuv420p,loop=loop={frames - 1}:size=1,setpts=N/({FPS}*TB)[bg]"]
    for i, name in enumerate(OVERLAYS, start=1):
        f.append(f"[{i}:v]format=yuva420p,loop=loop={frames - 1}:size=1,setpts=N/({FPS}*TB)[{name}]")

    def fade(name: str, t_in: float, d_in: float = 0.6, t_out: float | None = None) -> str:
        out = f"{name}-f"
        chain = f"[{name}]fade=t=in:st={t_in:.2f}:d={d_in}:alpha=1"
        if t_out is not None:
            chain += f",fade=t=out:st={t_out:.2f}:d=0.6:alpha=1"
        f.append(f"{chain}[{out}]")
        return out

    steps: list[tuple[str, str, str]] = []   # (input label, x expr, y expr)
    # slow-drifting soft lights
    steps.append(("c1", "120+90*sin(t*0.21)", "40+50*sin(t*0.17+1)"))
    steps.append(("c2", "860+80*sin(t*0.19+2)", "-60+60*cos(t*0.15)"))
    steps.append(("c3", "560+160*sin(t*0.11+4)", "150+40*sin(t*0.23)"))
    # when help is the subject, a third person (a helpline, a trusted adult) joins from the right and the
    # group makes room by moving left
    t_help = sc["help"][0]
    e3 = ease_in(t_help + 0.3, t_help + 2.3)
    shift = f"115*{e3}"
    # a soft light behind the two from "support matters" on
    steps.append((fade("glow", sc["support"][0], 1.5), f"{mid_x - 260}-{shift}", str(floor - 420)))
    # the survivor and the listener slide in during the first 1.6 s, then breathe gently
    e = ease_in(0.0, 1.6)
    steps.append(("fig-a", f"-200+({left_x}+200)*{e}-{shift}", f"{fig_y}+3+3*sin(t*1.3)"))
    steps.append(("fig-b", f"{W}-({W}-{right_x})*{e}-{shift}", f"{fig_y}+3+3*sin(t*1.1+1)"))
    steps.append(("fig-c", f"{W}+40-({W}+40-{right_x + 115})*{e3}", f"{fig_y + 14}+3+3*sin(t*1.2+2)"))
    # a heart rises between them from "support matters" on
    t_heart = sc["support"][0] + 0.5
    steps.append((fade("heart", t_heart, 1.0), f"{mid_x - 60}-{shift}",
                  f"{fig_y + 30}-40*{ease_in(t_heart, t_heart + 2.5)}+5*sin(t*1.7)"))
    # speech bubbles: the survivor speaks while being listened to; "words" above the listener later
    steps.append((fade("bubble-dots", 2.0, t_out=sc["listen"][1] - 0.6), str(left_x + 120),
                  f"{fig_y - 150}+4*sin(t*0.9)"))
    steps.append((fade("bubble-lines", sc["words"][0] + 0.2, t_out=sc["words"][1] - 0.6), str(right_x - 130),
                  f"{fig_y - 150}+4*sin(t*0.9+2)"))
    # keep the caption zone calm whatever moves above it
    steps.append(("band", "0", str(floor)))
    last = "bg"
    for n, (label, x, y) in enumerate(steps):
        f.append(f"[{last}][{label}]overlay=x='{x}':y='{y}'[o{n}]")
        last = f"o{n}"
    # titles, top of the frame
    for i, (t0, t1, *_titles) in enumerate(SCENES):
        t1 = min(t1, duration - 0.2)
        alpha = (f"if(lt(t,{t0}),0,if(lt(t,{t0 + 0.6:.2f}),(t-{t0})/0.6,"
                 f"if(lt(t,{t1 - 0.6:.2f}),1,if(lt(t,{t1:.2f}),({t1:.2f}-t)/0.6,0))))")
        f.append(f"[{last}]drawtext=fontfile=font.ttf:textfile=title-{lang}-{i}.txt:fontsize=48:"
                 f"fontcolor=0xF4F1EA:x=(w-text_w)/2:y=72:alpha='{alpha}':"
                 f"enable='between(t,{t0},{t1:.2f})'[t{i}]")
        last = f"t{i}"
    f.append(f"[{last}]format=yuv420p[vout]")
    return ";\n".join(f) + "\n"


def render_assets(tmp: Path, font: Path) -> None:
    render_background(tmp / "bg.png")
    render_band(tmp / "band.png")
    render_soft_circle(tmp / "c1.png", 200, (150, 200, 205), 0.30)
    render_soft_circle(tmp / "c2.png", 230, (190, 175, 225), 0.28)
    render_soft_circle(tmp / "c3.png", 150, (242, 196, 150), 0.22)
    render_soft_circle(tmp / "glow.png", 260, (206, 218, 240), 0.24)
    render_figure(tmp / "fig-a.png", (232, 150, 122))
    render_figure(tmp / "fig-b.png", (124, 190, 178))
    render_figure(tmp / "fig-c.png", (176, 160, 214), w=160, head_r=38)
    render_heart(tmp / "heart.png")
    render_bubble(tmp / "bubble-dots.png", "dots")
    render_bubble(tmp / "bubble-lines.png", "lines")
    shutil.copyfile(font, tmp / "font.ttf")
    for i, (_, _, en, es) in enumerate(SCENES):
        (tmp / f"title-en-{i}.txt").write_text(en, encoding="utf-8")
        (tmp / f"title-es-{i}.txt").write_text(es, encoding="utf-8")


def encode(tmp: Path, lang: str, duration: float, narration: Path, dest: Path) -> None:
    (tmp / f"graph-{lang}.txt").write_text(build_filtergraph(duration, lang), encoding="utf-8")
    images = ["bg.png"] + [f"{name}.png" for name in OVERLAYS]
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
    for img in images:
        cmd += ["-framerate", str(FPS), "-i", img]
    cmd += ["-i", str(narration),
            "-filter_complex_script", f"graph-{lang}.txt",
            "-map", "[vout]", "-map", f"{len(images)}:a",
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "animation", "-crf", "26",
            "-pix_fmt", "yuv420p", "-r", str(FPS), "-g", str(FPS * 5), "-threads", "2",
            "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-ar", str(AUDIO_RATE),
            "-t", f"{duration:.3f}",
            "-metadata:s:a:0", f"language={ISO639_2[lang]}",
            "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
            "-movflags", "+faststart", "-f", "mp4"]
    fd, part = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    _public_mode(fd)
    os.close(fd)
    try:
        run(cmd + [part], cwd=tmp)
        os.replace(part, dest)
    finally:
        if os.path.exists(part):
            os.unlink(part)


# ---------------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plan", action="store_true", help="print suggested cue start times and exit")
    args = ap.parse_args()

    t_begin = time.monotonic()
    for tool in ("ffmpeg", "ffprobe", "espeak-ng"):
        if not shutil.which(tool):
            die(f"'{tool}' not found; install it (Debian: apt-get install -y ffmpeg espeak-ng fonts-noto-core)")
    font = find_font()

    with tempfile.TemporaryDirectory(prefix="make_sample-") as tmpname:
        tmp = Path(tmpname)
        with ThreadPoolExecutor(max_workers=1) as side:
            # the shapes are drawn in Python while espeak-ng and ffmpeg work on the narration
            assets = side.submit(render_assets, tmp, font) if not args.plan else None
            clips, durs = synthesize(tmp)
            if assets is not None:
                assets.result()
        if args.plan:
            plan(durs)
            return

        last = len(NARRATION) - 1
        speech_end = max(NARRATION[last].start + durs[lang][last] for lang in LANGS)
        duration = round(max(speech_end + TAIL, NARRATION[last].start + reading_min(NARRATION[last], PLAN_CPS))
                         + OUTRO, 2)
        timings = {video: cue_times(durs, lang, duration) for video, lang in VIDEOS.items()}

        SAMPLE_DIR.mkdir(parents=True, exist_ok=True)
        for video, lang in VIDEOS.items():
            narration = tmp / f"narration-{lang}.wav"
            mix_narration(clips[lang], duration, narration)
            dest = SAMPLE_DIR / f"{video}.mp4"
            encode(tmp, lang, duration, narration, dest)
            print(f"wrote {dest.relative_to(ROOT)} ({duration:.2f}s, {dest.stat().st_size} bytes)")

        for video, times in timings.items():
            for lang in LANGS:
                write_if_missing(SUBTITLE_DIR / video / f"{lang}.srt", srt_text(times, lang))

    print(f"done in {time.monotonic() - t_begin:.1f}s (font: {font})")


if __name__ == "__main__":
    main()
