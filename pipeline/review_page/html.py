"""Turning :class:`ReviewData` into one self-contained HTML page (Jinja2, autoescaped).

The page needs nothing from the network: its CSS and script are inlined, each WebVTT track is a
``data:`` URL (browsers refuse ``<track>`` files next to a page opened from ``file://``), and the video is a
file beside the page. A Content-Security-Policy allows exactly the inlined script and style (by hash) and
media from the page's own folder, so even text that slipped past escaping could not run or load anything.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache

from pipeline import __version__
from pipeline.model import format_timestamp
from pipeline.review_page.data import DRAFT_MARK, STATE_LABELS, LanguageView, ReviewData
from pipeline.web import TEMPLATES, csp_hash, template_text, vtt_data_url


def _asset(name: str) -> str:
    return template_text("pipeline.review_page", name)


@lru_cache(maxsize=1)
def _environment():
    import jinja2  # only page building needs it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.review_page", TEMPLATES),
        autoescape=True,  # every value is text unless the template says otherwise
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["mark_words"] = mark_words
    return env


def mark_words(text: str, words: tuple[str, ...]):
    """Cue text, escaped, with each whole-word occurrence of ``words`` (misspelt words a finding names) in a
    ``<mark class="flagged">``."""
    from markupsafe import Markup, escape

    if not words:
        return escape(text)
    pattern = re.compile(r"(?<![\w'’-])(" + "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
                         + r")(?![\w'’-])")
    out = []
    for n, part in enumerate(pattern.split(text)):
        out.append(Markup('<mark class="flagged">{}</mark>').format(part) if n % 2 else escape(part))
    return Markup("").join(out)


def clock(ms: int) -> str:
    """A cue time as reviewers read it: ``MM:SS.mmm``, with hours only when there are any."""
    full = format_timestamp(int(ms), ".")
    return full[3:] if full.startswith("00:") else full


def _render(template: str, script: str | None = None, style: str = "review.css", served: bool = False,
            **context) -> str:
    from markupsafe import Markup

    css = _asset(style)
    js = _asset(script) if script else ""
    csp = page_csp(js, css, served)
    return _environment().get_template(template).render(
        css=Markup(css), js=Markup(js), csp=csp, version=__version__,
        generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **context,
    )


def page_csp(js: str, css: str, served: bool = False, header: bool = False) -> str:
    """The Content-Security-Policy of a page: its own inlined script and style (by hash) and nothing else;
    a served page may also talk to its own server (the workbench's API and video). ``header``: the policy
    as an HTTP header, which may also forbid framing (a ``<meta>`` policy cannot)."""
    return "; ".join([
        "default-src 'none'",
        f"script-src {csp_hash(js)}" if js else "script-src 'none'",
        f"style-src {csp_hash(css)}",
        "media-src 'self'" if served else "media-src 'self' data: blob:",
        *(["connect-src 'self'"] if served else []),
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
        *(["frame-ancestors 'none'"] if header else []),
    ])


def render_review(data: ReviewData) -> str:
    """The review page of one video as HTML text."""
    tracks = [(view, vtt_data_url(view.vtt)) for view in data.languages if view.vtt is not None]
    return _render(
        "review.html.j2", "review.js", data=data, tracks=tracks, source=_source_view(data),
        state_labels=STATE_LABELS, draft_mark=DRAFT_MARK,
    )


def _source_view(data: ReviewData) -> LanguageView | None:
    return next((v for v in data.languages if v.is_source), None)


#: What each cue state means, in a reviewer's words.
STATE_HELP = {
    "human": "written by a person (a cue a person added to a draft needs approval too)",
    "machine": "machine translation nobody has reviewed yet",
    "edited": "a person changed the machine's text; not yet approved",
    "approved": "a person reviewed and approved this text",
    "stale": "the source changed after drafting or approval: look again",
}


@lru_cache(maxsize=8)
def render_workbench(project_name: str) -> tuple[str, str]:
    """The review workbench page (all data comes from the API) and its Content-Security-Policy."""
    html = _render("workbench.html.j2", "workbench.js", style="workbench.css", served=True, project=project_name,
                   state_labels=STATE_LABELS, state_help=STATE_HELP, draft_mark=DRAFT_MARK)
    return html, page_csp(_asset("workbench.js"), _asset("workbench.css"), served=True, header=True)


def render_index(pages: list[dict]) -> str:
    """The list of review pages in ``dist/review/`` (each entry as written to its ``review.json``)."""
    return _render("index.html.j2", pages=pages, state_labels=STATE_LABELS, draft_mark=DRAFT_MARK)
