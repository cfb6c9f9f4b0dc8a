"""Segment encoding of burned-in outputs: a one-cue fix re-encodes seconds, not the video.

A burned-in output's picture is encoded as fixed-length segments of whole frames (``[render]
segment_seconds``, 4 s by default), each starting with an IDR frame (closed GOP) so it decodes alone; its
audio is encoded once for the whole output; the output is the segments joined by stream copy, with the
audio, into a ``+faststart`` MP4.

Each segment is kept in ``dist/.work/segments/`` under the hash of what it is made of (:func:`plan_segments`):
the source, the style, fonts and profile (frame and encoder settings), the draft banner, the pipeline's
render revision, its frames, and the cues that overlap it (text and timing; a cue spanning a boundary is in
both segments). After an edit only segments whose hash changed are encoded again; the rest are reused.

Work units (:mod:`pipeline.work`) are runs of consecutive segments of one source: one ffmpeg decodes the run
once and encodes it for up to ``max_outputs`` outputs (decode-once within the memory budget), so ``-j N``
keeps N cores busy on one video too (:func:`segment_units`).

Before an output gets its final name it is checked (:func:`verify_joined`): its frame count equals the
source's, every segment starts with a keyframe where it should, its frames are evenly timed, its duration is
the source's, and its keyframes — every join — decode without an error.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Sequence

from pipeline.errors import MediaError
from pipeline.fsutil import sha256_text
from pipeline.media import commands
from pipeline.media.probe import FrameFacts
from pipeline.media.runner import FfmpegRunner, meaningful_tail
from pipeline.model import Cue
from pipeline.work import SCRATCH, WorkUnit

#: Bump when a change alters how segments are encoded (their files are then made again).
SEGMENT_REVISION = 2
DEFAULT_SEGMENT_SECONDS = 4.0
SEGMENTS = "segments"
AUDIO = "audio"
#: Peak memory of an ffmpeg encode, measured here at 1080p (x264 veryfast, one thread): the process and its
#: decoder ~80 MiB, each x264 encode ~155 MiB; scaled by pixels (docs/rendering.md, "Memory").
MEMORY_BASE_MIB = 30.0
MEMORY_DECODE_MIB_PER_MPX = 24.0
MEMORY_ENCODE_MIB_PER_MPX = 75.0
#: How much more an x264 encode with its own threads (an output encoded in one piece) holds in memory.
THREADED_ENCODE_FACTOR = 1.55
#: Relative cost of decoding a pixel against encoding one (x264 veryfast vs H.264 decoding, measured ~0.15).
DECODE_COST = 0.15


@dataclass(frozen=True)
class Segment:
    index: int
    first: int  # first frame (source frame number)
    frames: int
    key: str  # content hash of what it is made of: its file's name
    cues: tuple[str, ...]  # short hashes of the cues drawn in it (text and timing)
    numbers: tuple[int, ...]  # those cues' numbers in the track (for messages)


@dataclass
class SegmentPlan:
    """How one burned-in output is cut into segments, and which of them this build encodes (``todo``)."""

    seconds: float
    per_segment: int  # frames per segment
    facts: FrameFacts
    segments: list[Segment]
    folder: Path  # dist/.work/segments
    audio: Path | None  # the output's audio, encoded once (None: the source has none)
    audio_key: str | None
    todo: dict[int, str] = field(default_factory=dict)  # segment index -> why it is encoded
    encode_audio: bool = False
    forced: bool = False  # --force: encode even what is in the work folder

    def path(self, segment: Segment) -> Path:
        return self.folder / f"{segment.key}.ts"

    def time(self, frame: int) -> float:
        """Seconds from the file's start of a source frame (the timeline libass draws on)."""
        return self.facts.start + frame / float(self.facts.rate)

    @property
    def frame_count(self) -> int:
        return self.facts.count

    def manifest(self) -> dict:
        """What the manifest records: the layout, each segment's hash and cues, and what this build encoded."""
        why: dict[str, list[int]] = {}
        for index, reason in sorted(self.todo.items()):
            why.setdefault(reason, []).append(index)
        return {"seconds": self.seconds, "frames": self.per_segment, "count": len(self.segments),
                "encoded": why, "reused": len(self.segments) - len(self.todo),
                "keys": [s.key for s in self.segments], "cues": [" ".join(s.cues) for s in self.segments]}


def cue_hash(cue: Cue) -> str:
    return sha256_text(f"{cue.start}\t{cue.end}\t{cue.text}")[:12]


def plan_segments(facts: FrameFacts, seconds: float, base: str, cues: Sequence[Cue], folder: Path,
                  audio_folder: Path | None, audio_base: str | None) -> SegmentPlan:
    """Cut a source's frames into segments of ``seconds`` and name each by what it is made of.

    ``base`` is the hash of everything the whole output is made of except its cues (source, style, fonts,
    profile, draft banner, pipeline); a segment adds its frames and the cues that overlap it, with a frame of
    margin each side (libass rounds frame times to milliseconds). ``audio_base`` (None: no audio) names the
    audio encode: the source and the audio settings.
    """
    if not facts.rate or facts.count < 1:
        raise ValueError("segments need a frame rate and frames")
    rate = float(facts.rate)
    per = max(1, round(seconds * rate))
    margin = 1000.0 / rate
    timed = [(cue.start, cue.end, cue_hash(cue), n) for n, cue in enumerate(cues, start=1)]
    segments = []
    for index, first in enumerate(range(0, facts.count, per)):
        frames = min(per, facts.count - first)
        t0 = (facts.start + first / rate) * 1000.0 - margin
        t1 = (facts.start + (first + frames) / rate) * 1000.0 + margin
        drawn = [(h, n) for start, end, h, n in timed if start < t1 and end > t0]
        key = sha256_text(json.dumps([SEGMENT_REVISION, base, first, frames, str(facts.rate), facts.start,
                                      [h for h, _ in drawn]]))[:32]
        segments.append(Segment(index, first, frames, key, tuple(h for h, _ in drawn), tuple(n for _, n in drawn)))
    audio = audio_key = None
    if audio_base is not None and audio_folder is not None:
        audio_key = sha256_text(json.dumps([SEGMENT_REVISION, audio_base]))[:32]
        audio = audio_folder / f"{audio_key}.m4a"
    return SegmentPlan(seconds, per, facts, segments, folder, audio, audio_key)


def _numbers(values: Iterable[int]) -> str:
    values = sorted(set(values))
    return ("cue " if len(values) == 1 else "cues ") + ", ".join(map(str, values))


def decide_segments(plan: SegmentPlan, entry: dict | None, force: bool, changed: Sequence[str]) -> str:
    """Fill ``plan.todo`` (which segments to encode, and why) and return a note for the build's reason.

    A segment is encoded when ``force`` is given or its file is not in the work folder; the reason compares
    it with the previous build's record (``entry``): a new output, other inputs ``changed`` (style, profile,
    source ...), a new segment length, which of its cues changed, or its file gone from the work folder.
    """
    old = (entry or {}).get("segments") if isinstance((entry or {}).get("segments"), dict) else None
    old_keys = set(old.get("keys") or ()) if old else set()
    old_cues = list(old.get("cues") or ()) if old else []
    other = [name for name in changed if not name.startswith("track ")]
    plan.todo.clear()
    plan.forced = force
    for seg in plan.segments:
        if force:
            plan.todo[seg.index] = "forced (--force)"
            continue
        if plan.path(seg).is_file():
            continue
        if old is None:
            why = "new output"
        elif seg.key in old_keys:
            why = "its file is gone from dist/.work"
        elif other:
            why = f"{', '.join(other)} changed"
        elif old.get("seconds") != plan.seconds or old.get("frames") != plan.per_segment:
            why = "segment length changed"
        else:
            before = set(old_cues[seg.index].split()) if seg.index < len(old_cues) else set()
            new = [n for h, n in zip(seg.cues, seg.numbers) if h not in before]
            if new:
                why = f"{_numbers(new)} changed"
            elif before - set(seg.cues):
                why = "a cue was removed"
            else:
                why = "not made before"
        plan.todo[seg.index] = why
    plan.encode_audio = plan.audio is not None and (force or not plan.audio.is_file())
    total = len(plan.segments)
    if not plan.todo:
        return f"nothing to encode: {_count(total)} reused"
    reasons: dict[str, list[int]] = {}
    for index, why in plan.todo.items():
        reasons.setdefault(why, []).append(index)
    if len(plan.todo) == total and len(reasons) == 1:
        return f"{_count(total)} to encode ({next(iter(reasons))})" if total > 1 else ""
    parts = [f"{_indexes(indexes)} ({why})" for why, indexes in reasons.items()]
    return f"{len(plan.todo)} of {total} segments to encode: " + "; ".join(parts)


def _count(n: int) -> str:
    return f"{n} segment" + ("" if n == 1 else "s")


def _indexes(indexes: list[int]) -> str:
    return ("segment " if len(indexes) == 1 else "segments ") + ", ".join(map(str, indexes))


# -- work units ---------------------------------------------------------------------------------------

@dataclass
class SegmentJob:
    """What :func:`segment_units` needs of one burned-in job."""

    path: str  # its path in dist/ (the job's key)
    label: str
    plan: SegmentPlan
    output: commands.BurnOutput  # caption, frame, encoding, banner (``output`` unused)
    pixels: int  # output frame size (width x height)
    inputs: dict[Path, str]  # files its segments are made from -> sha256 (source, subtitles, fonts)


def unit_memory(source_pixels: int, output_pixels: Sequence[int]) -> float:
    """Estimated peak MiB of one ffmpeg decoding ``source_pixels`` frames into these outputs."""
    mpx = 1e-6
    return (MEMORY_BASE_MIB + MEMORY_DECODE_MIB_PER_MPX * source_pixels * mpx
            + MEMORY_ENCODE_MIB_PER_MPX * sum(output_pixels) * mpx)


def outputs_per_process(jobs_at_once: int, budget_mib: float, source_pixels: int, output_pixels: int) -> int:
    """How many outputs one process may encode at once so that ``jobs_at_once`` processes stay within
    ``budget_mib`` (at least 1: a single output always runs)."""
    k = 1
    while k < 64 and jobs_at_once * unit_memory(source_pixels, [output_pixels] * (k + 1)) <= budget_mib:
        k += 1
    return k


@dataclass
class _Run:
    source: Path
    source_pixels: int
    jobs: list[SegmentJob]
    first: int  # segment indexes [first, end)
    end: int

    def frames(self) -> int:
        segs = self.jobs[0].plan.segments
        return sum(s.frames for s in segs[self.first:self.end])

    def cost(self) -> float:
        return self.frames() * (sum(j.pixels for j in self.jobs) + DECODE_COST * self.source_pixels)


def _split(run: _Run, pieces: int) -> list[_Run]:
    """Cut a run into about ``pieces`` runs of similar length, each cut at the segment boundary near the ideal
    point that is closest after a source keyframe (a seek there decodes least for nothing)."""
    count = run.end - run.first
    pieces = max(1, min(pieces, count))
    if pieces == 1:
        return [run]
    plan = run.jobs[0].plan
    segs, facts = plan.segments, plan.facts
    slack = max(1, count // (4 * pieces))
    cuts = [run.first]
    for n in range(1, pieces):
        ideal = run.first + round(n * count / pieces)
        lo, hi = max(cuts[-1] + 1, ideal - slack), min(run.end - 1, ideal + slack)
        if lo > hi:
            continue
        cuts.append(min(range(lo, hi + 1),
                        key=lambda i: (segs[i].first - facts.key_before(segs[i].first), abs(i - ideal))))
    cuts.append(run.end)
    return [_Run(run.source, run.source_pixels, run.jobs, a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _makespan(costs: list[float], workers: int) -> float:
    loads = [0.0] * max(1, workers)
    for cost in sorted(costs, reverse=True):
        loads[loads.index(min(loads))] += cost
    return max(loads, default=0.0)


@dataclass
class SourceJobs:
    """The burned-in jobs of one source whose segments this build encodes."""

    source: Path
    source_pixels: int
    jobs: list[SegmentJob]
    max_outputs: int  # outputs one process encodes at once (decode-once within the memory budget)


def segment_units(groups: Sequence[SourceJobs], workers: int) -> list[WorkUnit]:
    """The work units that encode the segments the jobs still need.

    Per source, consecutive segments needed by the same outputs form a run; a run's outputs are encoded
    ``max_outputs`` at a time from one decode. Runs are then cut at segment boundaries until ``workers``
    processes can share all of them evenly (the longest-first schedule within 10% of a perfect share), and
    no further: each cut costs a process and a seek. Missing audio is one unit per source, first.
    """
    units: list[WorkUnit] = []
    runs: list[_Run] = []
    for group in groups:
        units += _audio_units(group)
        runs += _runs(group)
    if workers > 1 and runs:
        total = sum(r.cost() for r in runs)
        ideal = total / workers
        for share in (None, 1, 2, 4, 8):
            pieces = runs if share is None else \
                [p for r in runs for p in _split(r, math.ceil(r.cost() / (ideal / share)))]
            if _makespan([p.cost() for p in pieces], workers) <= 1.1 * ideal:
                break
        runs = pieces
    return units + [_unit(run) for run in runs]


def _audio_units(group: SourceJobs) -> list[WorkUnit]:
    units = []
    seen: set[str] = set()
    for job in group.jobs:
        plan = job.plan
        if not plan.encode_audio or plan.audio_key is None or plan.audio_key in seen:
            continue
        seen.add(plan.audio_key)
        units.append(WorkUnit(
            f"audio-{plan.audio_key}", f"{group.source.name} audio",
            commands.encode_audio(group.source, Path(SCRATCH) / "audio.m4a", job.output.encoding),
            [("audio.m4a", plan.audio)], inputs={group.source: job.inputs[group.source]},
            seconds=plan.facts.count / float(plan.facts.rate), memory_mib=MEMORY_BASE_MIB,
            jobs=tuple(j.path for j in group.jobs if j.plan.audio_key == plan.audio_key), priority=1,
            redo=plan.forced))
    return units


def _runs(group: SourceJobs) -> list[_Run]:
    jobs = group.jobs
    if not jobs:
        return []
    runs: list[_Run] = []
    previous: tuple[str, ...] = ()
    for index in range(len(jobs[0].plan.segments)):
        needing = tuple(sorted(j.path for j in jobs if index in j.plan.todo))
        if needing and needing == previous:
            runs[-1].end = index + 1
        elif needing:
            runs.append(_Run(group.source, group.source_pixels, [j for j in jobs if j.path in needing],
                             index, index + 1))
        previous = needing
    step = max(1, group.max_outputs)
    grouped = []
    for run in runs:
        ordered = sorted(run.jobs, key=lambda j: j.path)
        grouped += [_Run(run.source, run.source_pixels, ordered[n:n + step], run.first, run.end)
                    for n in range(0, len(ordered), step)]
    return grouped


def _unit(run: _Run) -> WorkUnit:
    source, plan = run.source, run.jobs[0].plan
    segs = plan.segments[run.first:run.end]
    first, frames = segs[0].first, sum(s.frames for s in segs)
    seek = None if first == 0 else plan.time(first) - 0.5 / float(plan.facts.rate)
    outputs, products, inputs = [], [], {}
    for n, job in enumerate(run.jobs):
        out = job.output
        outputs.append(commands.BurnOutput(out.caption, Path(SCRATCH) / f"o{n}_%04d.ts", out.fit, out.encoding,
                                           out.watermark, out.source_size))
        mine = job.plan.segments[run.first:run.end]
        products += [(f"o{n}_{i:04d}.ts", job.plan.path(seg)) for i, seg in enumerate(mine)]
        inputs.update(job.inputs)
    argv = commands.encode_segments(source, outputs, commands.SegmentRun(first, frames, plan.per_segment, seek,
                                                                       plan.time(first)))
    key = sha256_text(json.dumps(sorted(str(final) for _, final in products)))[:32]
    names = "+".join(j.label for j in run.jobs)
    where = f"segment {run.first}" if run.end - run.first == 1 else f"segments {run.first}-{run.end - 1}"
    return WorkUnit(f"segments-{key}", f"{names} {where}", argv, products, inputs, frames=frames,
                    seconds=frames / float(plan.facts.rate), cost=run.cost(),
                    memory_mib=unit_memory(run.source_pixels, [j.pixels for j in run.jobs]),
                    jobs=tuple(j.path for j in run.jobs), redo=any(j.plan.forced for j in run.jobs))


# -- joining and checking -----------------------------------------------------------------------------

def timescale(rate: Fraction) -> int:
    """The MP4 video timescale ffmpeg gives a constant-rate encode: the rate's time base denominator,
    doubled until at least 10000 (25 fps: 12800; 30000/1001: 30000)."""
    scale = rate.numerator
    while scale < 10000:
        scale *= 2
    return scale


def ffconcat(plan: SegmentPlan) -> str:
    """The concat demuxer's list of an output's segments, each with its exact duration."""
    rate = float(plan.facts.rate)
    lines = ["ffconcat version 1.0"]
    for seg in plan.segments:
        quoted = str(plan.path(seg)).replace("'", "'\\''")
        lines += [f"file '{quoted}'", f"duration {seg.frames / rate:.6f}"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class JoinedFacts:
    frames: int
    duration: float
    width: int | None
    height: int | None


def verify_joined(plan: SegmentPlan, made: Path, source: Path, source_duration: float,
                  runner: FfmpegRunner) -> JoinedFacts:
    """Check a joined output before it gets its final name; raise :class:`MediaError` saying what is wrong.

    One ffprobe run lists every video packet and decodes the keyframes: the frame count must be the
    source's, a keyframe must open every segment, the frames must be evenly timed, the duration must be the
    source's (within an audio frame and a video frame), and decoding must print no error.
    """
    code, out, err = runner.ffprobe_json(commands.segment_check_args(made))
    problems = meaningful_tail(err, 2)
    if code != 0 or problems:
        raise MediaError(source, f"its burned-in output does not decode cleanly ({'; '.join(problems) or 'ffprobe failed'})")
    data = json.loads(out or "{}")
    stream = (data.get("streams") or [{}])[0]
    base = Fraction(stream.get("time_base") or "1/1")
    pts = sorted(int(p["pts"]) for p in data.get("packets", []) if str(p.get("pts", "")).lstrip("-").isdigit())
    keys = sorted(int(p["pts"]) for p in data.get("packets", [])
                  if "K" in (p.get("flags") or "") and str(p.get("pts", "")).lstrip("-").isdigit())
    rate = plan.facts.rate
    wrong = None
    if len(pts) != plan.frame_count:
        wrong = f"has {len(pts)} frames, the source {plan.frame_count}"
    else:
        step = 1 / (rate * base)
        if any(abs((b - a) - step) > 1 for a, b in zip(pts, pts[1:])):
            wrong = "has unevenly timed frames"
        else:
            at = {p: i for i, p in enumerate(pts)}
            key_frames = {at[k] for k in keys if k in at}
            missing = [s.index for s in plan.segments if s.first not in key_frames]
            if missing:
                wrong = f"has no keyframe where segment {missing[0]} starts"
            elif int(stream.get("nb_read_frames") or 0) != len(keys):
                wrong = f"decoded {stream.get('nb_read_frames')} of its {len(keys)} keyframes"
    try:
        duration = float((data.get("format") or {}).get("duration") or 0.0)
    except ValueError:
        duration = 0.0
    if wrong is None and abs(duration - source_duration) > 0.05 + 1 / float(rate):
        wrong = f"lasts {duration:.3f} s, the source {source_duration:.3f} s"
    if wrong is not None:
        raise MediaError(source, f"its joined burned-in output {wrong}",
                         hint="its segments were discarded; build again to encode them anew")
    return JoinedFacts(len(pts), duration, stream.get("width"), stream.get("height"))


def discard(plan: SegmentPlan) -> None:
    """Remove an output's segment files (after its joined file failed the check)."""
    for seg in plan.segments:
        plan.path(seg).unlink(missing_ok=True)


def sweep(folder: Path, keep: set[Path]) -> int:
    """Remove files in a work sub-folder that no planned output uses; return how many."""
    removed = 0
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        if path.is_file() and path not in keep and not path.name.startswith("."):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
