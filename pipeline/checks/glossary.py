"""The ``glossary`` rule: a HOOK for the drafting work (issue 4) to fill.

Contract, so the glossary can be written without touching the check runner:

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

Until it is filled in, the rule finds nothing.
"""

from __future__ import annotations

from typing import Iterator

from pipeline.checks.base import Problem, TrackContext, rule


def glossary_problems(ctx: TrackContext) -> Iterator[Problem]:
    """Cues of ``ctx.track`` that break the project's glossary (filled in by the drafting work)."""
    return iter(())


@rule("glossary", severity="error", summary="terms from assets/glossary/ are used as agreed (hook, see pipeline/checks/glossary.py)")
def glossary(ctx: TrackContext, s) -> Iterator[Problem]:
    yield from glossary_problems(ctx)
