"""The style rules for one track. Defaults follow public guidelines (Netflix timed-text style guide:
42 characters per line, 2 lines, 17 cps, 5/6 s minimum, 7 s maximum, 2-frame gaps); a language's own
numbers (Russian 39 characters per line, English and Arabic 20 cps) come from :mod:`pipeline.language_table`.
"""

from __future__ import annotations

import math
import re
from typing import Iterator

from pipeline.checks.align import Aligner
from pipeline.checks.base import Problem, TrackContext, rule, time_label
from pipeline.model import hidden_text


def fps_label(frame_ms: float) -> str:
    """``25``, ``23.976``: a frame rate as people write it."""
    return f"{1000.0 / frame_ms:.3f}".rstrip("0").rstrip(".")


def _frames(ms: float, ctx: TrackContext) -> str:
    assumed = "" if ctx.frame_rate_known else ", assumed"
    return f"{ms / ctx.frame_ms:.1f} frames at {fps_label(ctx.frame_ms)} fps{assumed}"


@rule("no-cues", severity="error", summary="the track has at least one cue")
def no_cues(ctx: TrackContext, s) -> Iterator[Problem]:
    if not ctx.track.cues:
        yield Problem(None, "the track has no cues")


@rule("empty-cue", severity="warning", summary="every cue has visible text (`pipeline fix` removes empty cues)")
def empty_cue(ctx: TrackContext, s) -> Iterator[Problem]:
    for i, plain in enumerate(ctx.plain):
        if not plain and not hidden_text(ctx.track.cues[i].text):  # hidden words: hidden-text says so
            yield Problem(i, "cue has no visible text")


@rule("hidden-text", severity="warning",
      summary="no words in angle brackets that players hide as a tag (`<sigh>`, `<Music>`); fix keeps them")
def hidden_words(ctx: TrackContext, s) -> Iterator[Problem]:
    for i, cue in enumerate(ctx.track.cues):
        if "<" in cue.text:
            hidden = hidden_text(cue.text)
            if hidden:
                shown = ", ".join(hidden[:3]) + (" ..." if len(hidden) > 3 else "")
                nothing = " (the cue shows nothing)" if not ctx.plain[i] else ""
                yield Problem(i, f"players hide text in angle brackets that reads as a tag: {shown}{nothing}; "
                                 "to show it, write it without them (e.g. [sigh])")


@rule("chars-per-line", severity="warning", params={"max_chars_per_line": 42},
      summary="visible characters per line (tags not counted)")
def chars_per_line(ctx: TrackContext, s) -> Iterator[Problem]:
    limit = s["max_chars_per_line"]
    for i, lines in enumerate(ctx.visible_lines):
        for n, line in enumerate(lines, start=1):
            if len(line) > limit:
                yield Problem(i, f"line {n} has {len(line)} characters (max {limit})")


@rule("lines-per-cue", severity="warning", params={"max_lines_per_cue": 2}, summary="lines per cue")
def lines_per_cue(ctx: TrackContext, s) -> Iterator[Problem]:
    limit = s["max_lines_per_cue"]
    for i, lines in enumerate(ctx.visible_lines):
        count = sum(1 for line in lines if line.strip())
        if count > limit:
            yield Problem(i, f"{count} lines (max {limit})")


@rule("cps", severity="warning", params={"max_cps": 17.0},
      summary="reading speed: visible characters (spaces included, line breaks not) per second")
def cps(ctx: TrackContext, s) -> Iterator[Problem]:
    limit = s["max_cps"]
    for i, cue in enumerate(ctx.track.cues):
        if cue.duration <= 0:
            continue  # min-duration reports it
        chars = sum(len(line.strip()) for line in ctx.visible_lines[i])
        speed = chars * 1000.0 / cue.duration
        if speed > limit + 1e-9:
            yield Problem(i, f"{speed:.1f} characters per second (max {limit:g}): "
                             f"{chars} characters in {cue.duration / 1000:.2f} s")


@rule("min-duration", severity="warning", params={"min_duration_ms": 833},
      summary="shortest time on screen (5/6 s = 833 ms)")
def min_duration(ctx: TrackContext, s) -> Iterator[Problem]:
    limit = s["min_duration_ms"]
    for i, cue in enumerate(ctx.track.cues):
        if cue.duration < limit:
            yield Problem(i, f"on screen {cue.duration} ms (min {limit} ms)")


@rule("max-duration", severity="warning", params={"max_duration_ms": 7000}, summary="longest time on screen")
def max_duration(ctx: TrackContext, s) -> Iterator[Problem]:
    limit = s["max_duration_ms"]
    for i, cue in enumerate(ctx.track.cues):
        if cue.duration > limit:
            yield Problem(i, f"on screen {cue.duration / 1000:.2f} s (max {limit / 1000:g} s)")


def min_gap_ms(settings, frame_ms: float) -> int:
    """The shortest gap allowed, whole milliseconds rounded down (83 ms is 2 frames at 23.976 fps)."""
    return math.floor(settings["min_gap_frames"] * frame_ms + 1e-9)


@rule("order", severity="warning", summary="cues are in time order in the file (`pipeline fix` sorts them)")
def order(ctx: TrackContext, s) -> Iterator[Problem]:
    cues = ctx.track.cues
    for i in range(1, len(cues)):
        if cues[i].start < cues[i - 1].start:
            yield Problem(i, f"starts at {time_label(cues[i].start)}, before the cue above it "
                             f"({ctx.where(cues[i - 1])}, {time_label(cues[i - 1].start)})")


@rule("overlap", severity="error", summary="a cue starts after the previous one ends")
def overlap(ctx: TrackContext, s) -> Iterator[Problem]:
    cues = ctx.track.cues
    latest = None  # the cue that ends last so far, in time order
    for i in ctx.order:
        cue = cues[i]
        if latest is not None and cue.start < cues[latest].end:
            yield Problem(i, f"starts at {time_label(cue.start)}, before {ctx.where(cues[latest])} ends "
                             f"({time_label(cues[latest].end)})")
        if latest is None or cue.end > cues[latest].end:
            latest = i


@rule("min-gap", severity="warning", params={"min_gap_frames": 2},
      summary="gap between consecutive cues, in frames of the video's frame rate")
def min_gap(ctx: TrackContext, s) -> Iterator[Problem]:
    cues = ctx.track.cues
    limit = min_gap_ms(s, ctx.frame_ms)
    for a, b in zip(ctx.order, ctx.order[1:]):
        gap = cues[b].start - cues[a].end
        if 0 <= gap < limit:
            yield Problem(a, f"gap of {gap} ms ({_frames(gap, ctx)}) before the next cue "
                             f"(min {s['min_gap_frames']} frames = {limit} ms)")


@rule("past-end", severity="error", needs=("video",), summary="no cue runs past the end of the video")
def past_end(ctx: TrackContext, s) -> Iterator[Problem]:
    end = ctx.video_duration_ms
    tolerance = math.ceil(ctx.frame_ms)  # containers round the duration to a frame or so
    for i, cue in enumerate(ctx.track.cues):
        if cue.end > end + tolerance:
            yield Problem(i, f"ends at {time_label(cue.end)}, after the video ends ({time_label(end)})")


# A tag's name follows "<" or "</" directly: "a < b > c" is not a tag (hidden-text reports what players do with it).
_FORMAT_TAG = re.compile(r"<(/?)(i|b|u|s|font)\b[^<>]*>", re.IGNORECASE)


@rule("unbalanced-tags", severity="error",
      summary="every <i> <b> <u> <s> <font> is closed in the same cue, in order")
def unbalanced_tags(ctx: TrackContext, s) -> Iterator[Problem]:
    for i, cue in enumerate(ctx.track.cues):
        if "<" not in cue.text:
            continue
        stack: list[str] = []
        for m in _FORMAT_TAG.finditer(cue.text):
            closing, name = m.group(1), m.group(2).lower()
            if not closing:
                stack.append(name)
            elif stack and stack[-1] == name:
                stack.pop()
            else:
                expected = f", expected </{stack[-1]}>" if stack else ""
                yield Problem(i, f"</{name}> without a matching <{name}>{expected}")
                break
        else:
            if stack:
                yield Problem(i, f"<{stack[-1]}> is not closed in this cue")


_LETTERS = re.compile(r"[^\W\d_]")


def _comparable(text: str) -> str:
    return " ".join(text.casefold().split())


@rule("identical-to-source", severity="warning", params={"identical_min_letters": 10}, needs=("source",),
      summary="a translated cue is not left identical to the source-language cue it overlaps")
def identical_to_source(ctx: TrackContext, s) -> Iterator[Problem]:
    minimum = s["identical_min_letters"]
    aligner = Aligner(ctx.source)
    for i, cue in enumerate(ctx.track.cues):
        text = ctx.plain[i]
        if len(_LETTERS.findall(text)) < minimum:
            continue  # names, numbers, "OK." are legitimately the same in both languages
        best = aligner.best(cue)
        if best is None:
            continue
        source_cue = ctx.source.cues[best[0]]
        if _comparable(source_cue.plain) == _comparable(text):
            where = f"{ctx.source_path.name}:{source_cue.line}" if ctx.source_path and source_cue.line else "the source"
            yield Problem(i, f"identical to the source cue ({where}): not translated?")


@rule("profile-lines", severity="warning",
      summary="a cue fits each burned-in profile's line count once re-broken for its frame (vertical: 3 lines)")
def profile_lines(ctx: TrackContext, s) -> Iterator[Problem]:
    """Cues that need more lines than a profile allows once broken for its frame (a cue that fits the web
    video may not fit the vertical one): the burned-in video of that profile shows them in more lines,
    over the picture or into the apps' buttons."""
    if ctx.project is None or ctx.video is None or ctx.language is None:
        return
    from pipeline.linebreak import layout_lines  # the profiles are only read for catalog tracks
    from pipeline.profiles import burned_layouts

    for name, layout in burned_layouts(ctx.project, ctx.video, ctx.language):
        for i, cue in enumerate(ctx.track.cues):
            lines = layout_lines(cue.text, layout.max_chars, layout.max_lines, ctx.language)
            if len(lines) > layout.max_lines:
                yield Problem(i, f"needs {len(lines)} lines in the {name} video (it shows at most "
                                 f"{layout.max_lines} of {layout.max_chars} characters): shorten the cue or split it")
