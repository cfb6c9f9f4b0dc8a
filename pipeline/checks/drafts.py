"""Rules about machine drafts: what the engine itself said about the text it wrote.

``engine-marked-words`` (warning): a cue whose text is still exactly what the machine wrote, that nobody
approved, and in which the engine marked words as unknown, untranslated or badly generated (Apertium's
``*``/``@``/``#`` marks, a neural model's copied unknown pieces). The message names the words and the
cue's confidence, so a reviewer knows where to look first; the review page marks the words in the text. Its data is the track's review record
(:mod:`pipeline.review_record`); a track without one (a person's, or a loose file) gives no findings.
"""

from __future__ import annotations

from typing import Iterator

from pipeline.checks.base import Problem, TrackContext, rule


@rule("engine-marked-words", severity="warning", needs=("record",),
      summary="unreviewed machine text in which the engine marked words unknown or untranslated")
def engine_marked_words(ctx: TrackContext, s) -> Iterator[Problem]:
    from pipeline.review_record import text_hash

    for i, (cue, row) in enumerate(zip(ctx.track.cues, ctx.review_rows)):
        if row is None or not row.unknown_words or row.draft_sha != text_hash(cue.text) \
                or row.approved_sha == row.draft_sha:
            continue
        words, confidence = row.unknown_words, row.confidence_figure
        shown = ", ".join(words[:8]) + (f" and {len(words) - 8} more" if len(words) > 8 else "")
        figure = f" (confidence {confidence:.0%})" if confidence is not None else ""
        yield Problem(i, f"{row.model.split(' (')[0]} marked {len(words)} "
                         f"word{'s' if len(words) != 1 else ''} unknown or untranslated: {shown}{figure}",
                      words=tuple(dict.fromkeys(words)))
