"""Turning :class:`ReviewData` into one self-contained HTML page (Jinja2, autoescaped).

The page needs nothing from the network: its CSS and script are inlined, each WebVTT track is a
``data:`` URL (browsers refuse ``<track>`` files next to a page opened from ``file://``), and the video is a
file beside the page. A Content-Security-Policy allows exactly the inlined script and style (by hash) and
media from the page's own folder, so even text that slipped past escaping could not run or load anything.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from functools import lru_cache
from importlib import resources

from pipeline import __version__
from pipeline.model import format_timestamp
from pipeline.review_page.data import DRAFT_MARK, STATE_LABELS, LanguageView, ReviewData

TEMPLATES = "templates"


def vtt_data_url(vtt: str) -> str:
    """A ``data:`` URL holding a WebVTT text. Base64 keeps every cue character out of the HTML."""
    return "data:text/vtt;charset=utf-8;base64," + base64.b64encode(vtt.encode("utf-8")).decode("ascii")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def _asset(name: str) -> str:
    return resources.files("pipeline.review_page").joinpath(TEMPLATES, name).read_text(encoding="utf-8")


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


def _render(template: str, script: str | None = None, **context) -> str:
    from markupsafe import Markup

    css = _asset("review.css")
    js = _asset(script) if script else ""
    csp = "; ".join([
        "default-src 'none'",
        f"script-src {_csp_hash(js)}" if js else "script-src 'none'",
        f"style-src {_csp_hash(css)}",
        "media-src 'self' data: blob:",
        "img-src data:",
        "base-uri 'none'",
        "form-action 'none'",
    ])
    return _environment().get_template(template).render(
        css=Markup(css), js=Markup(js), csp=csp, version=__version__,
        generated=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), **context,
    )


def render_review(data: ReviewData) -> str:
    """The review page of one video as HTML text."""
    tracks = [(view, vtt_data_url(view.vtt)) for view in data.languages if view.vtt is not None]
    return _render(
        "review.html.j2", "review.js", data=data, tracks=tracks, source=_source_view(data),
        state_labels=STATE_LABELS, draft_mark=DRAFT_MARK,
    )


def _source_view(data: ReviewData) -> LanguageView | None:
    return next((v for v in data.languages if v.is_source), None)


def render_index(pages: list[dict]) -> str:
    """The list of review pages in ``dist/review/`` (each entry as written to its ``review.json``)."""
    return _render("index.html.j2", pages=pages, state_labels=STATE_LABELS, draft_mark=DRAFT_MARK)
