"""The ``glossary`` rule: agreed terminology from ``assets/glossary/`` (format: pipeline/glossary.py).

How it plugs into the check runner:

- The rule is registered here with id ``glossary`` (severity ``error``: breaking agreed terminology such as
  "child sexual abuse material" in a human track must not pass a build silently).
- :func:`glossary_problems` receives the :class:`~pipeline.checks.base.TrackContext` of one track:
  ``ctx.track`` (cues as read), ``ctx.language``, ``ctx.source`` / ``ctx.source_path`` (the
  source-language track of the same video, when this track is a translation), ``ctx.project`` (for
  ``assets/glossary/``; None for a loose file outside a project), ``ctx.video`` and ``ctx.settings``.
  ``pipeline.checks.align.Aligner(ctx.source).best(cue)`` finds a cue's source counterpart by time.
- It yields :class:`~pipeline.checks.base.Problem` ``(cue index in ctx.track, message)``, e.g.
  ``Problem(12, '"child pornography" breaks the glossary: use "child sexual abuse material"')``.
- Settings it needs go in ``params`` of the ``@rule`` below (they become ``[check]`` keys) — keep the
  names prefixed ``glossary_``.
"""

from __future__ import annotations

from typing import Iterator

from pipeline import languages
from pipeline.checks.base import Problem, TrackContext, rule


def glossary_problems(ctx: TrackContext) -> Iterator[Problem]:
    """Cues of ``ctx.track`` that break the project's glossary (``assets/glossary/``).

    A source-language track is checked for avoided terms ("child pornography"); a translation is checked
    for avoided target terms and, against its source cues in time, for required translations and names
    that must be kept as written.
    """
    if ctx.project is None or not ctx.language:
        return
    from pipeline import glossary as terms  # the drafting side owns the glossary format

    source_language = ctx.project.source_language
    if languages.base(ctx.language) == languages.base(source_language):
        found = terms.source_findings(terms.load_glossary(ctx.project.root, ctx.language, ctx.language), ctx.track)
    else:
        loaded = terms.load_glossary(ctx.project.root, source_language, ctx.language)
        found = terms.findings(loaded, ctx.track, ctx.source)
    for item in found:
        yield Problem(item.cue - 1, f"{item.message} ({item.rule})")


@rule("glossary", severity="error", summary="terms from assets/glossary/ are used as agreed: avoided terms, required translations, names kept")
def glossary(ctx: TrackContext, s) -> Iterator[Problem]:
    yield from glossary_problems(ctx)
