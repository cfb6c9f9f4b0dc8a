"""What the two self-contained HTML pages share (the review page and the published player page): cue text
carried as WebVTT ``data:`` URLs, inline scripts and styles allowed by their hash in a Content Security
Policy, and their templates read from the package."""

from __future__ import annotations

import base64
import hashlib
from importlib import resources

TEMPLATES = "templates"


def vtt_data_url(vtt: str) -> str:
    """A ``data:`` URL holding a WebVTT text (base64 keeps every cue character out of the HTML)."""
    return "data:text/vtt;charset=utf-8;base64," + base64.b64encode(vtt.encode("utf-8")).decode("ascii")


def csp_hash(text: str) -> str:
    """The CSP source (``'sha256-...'``) that allows exactly this inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def template_text(package: str, name: str) -> str:
    """``templates/<name>`` of ``package`` (e.g. ``pipeline.review_page``), as text."""
    return resources.files(package).joinpath(TEMPLATES, name).read_text(encoding="utf-8")
