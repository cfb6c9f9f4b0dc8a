"""The web player page of a video: ``dist/<video>/index.html``.

One page per video that a publisher can put on the website as it is, or take the embed code from: the
video (the soft-subtitled MP4, or the web MP4 when browsers cannot play the source's streams) with a
``<track>`` per published language — labelled in its own language, the audio's language shown first —
the poster, caption buttons, a download list of every published file of the video and an embed snippet
to copy.

The page needs nothing from the network: its style and script are inlined and allowed by hash in its
Content-Security-Policy, and each track is a ``data:`` URL (browsers refuse ``<track>`` files beside a page
opened from ``file://``; the embed snippet points at the ``.vtt`` files instead). Everything is keyboard
reachable: the player's own controls, caption buttons with ``aria-pressed``, links, and a copy button
whose result is announced. Machine drafts never appear on it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import lru_cache

from pipeline import __version__, languages
from pipeline.formats import compose_vtt
from pipeline.fsutil import sha256_text
from pipeline.outputs.base import PIPELINE_INPUT, RenderJob, TextKind, VideoPlan, register
from pipeline.web import TEMPLATES, csp_hash, template_text, vtt_data_url

PAGE = "index.html"


@dataclass(frozen=True)
class PageTrack:
    language: str
    label: str  # the language's name in itself
    default: bool
    data_url: str
    file: str  # the WebVTT sidecar beside the page (for the embed snippet)


@dataclass(frozen=True)
class Download:
    file: str
    what: str
    language: str | None = None
    language_name: str | None = None


@dataclass(frozen=True)
class PlayerPage:
    title: str
    video_file: str
    poster: str | None
    tracks: tuple[PageTrack, ...]
    downloads: tuple[Download, ...]

    @property
    def embed_files(self) -> list[str]:
        return [self.video_file] + ([self.poster] if self.poster else []) + [t.file for t in self.tracks]

    @property
    def snippet(self) -> str:
        """The ``<video>`` element to paste into another page (the files beside it)."""
        from markupsafe import escape

        poster = f' poster="{escape(self.poster)}"' if self.poster else ""
        lines = [f'<video controls preload="metadata" playsinline{poster} style="max-width:100%">',
                 f'  <source src="{escape(self.video_file)}" type="video/mp4">']
        for t in self.tracks:
            default = " default" if t.default else ""
            lines.append(f'  <track kind="subtitles" srclang="{escape(t.language)}" label="{escape(t.label)}" '
                         f'src="{escape(t.file)}"{default}>')
        lines.append("</video>")
        return "\n".join(lines)


def _asset(name: str) -> str:
    return template_text("pipeline.outputs", name)


@lru_cache(maxsize=1)
def _assets_hash() -> str:
    return sha256_text("".join(_asset(n) for n in ("player.html.j2", "player.css", "player.js")))


@lru_cache(maxsize=1)
def _template():
    import jinja2  # only page building needs it

    env = jinja2.Environment(loader=jinja2.PackageLoader("pipeline.outputs", TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env.get_template("player.html.j2")


def render_page(page: PlayerPage) -> str:
    """The page as HTML text (the same text for the same page: it is hashed to decide rebuilds)."""
    from markupsafe import Markup

    css, js = _asset("player.css"), _asset("player.js")
    csp = "; ".join(["default-src 'none'", f"script-src {csp_hash(js)}", f"style-src {csp_hash(css)}",
                     "media-src 'self' data:", "img-src 'self' data:", "base-uri 'none'", "form-action 'none'"])
    return _template().render(page=page, css=Markup(css), js=Markup(js), csp=csp, version=__version__)


#: The download list's order: videos, then caption files, then stills (kinds not named here come last).
DOWNLOAD_ORDER = ("soft-mp4", "web-mp4", "burned-in", "soft-mkv", "srt", "webvtt", "poster")


def _download(job: RenderJob) -> Download:
    one = job.languages[0] if len(job.languages) == 1 and not job.output_kind.all_languages else None
    return Download(job.output.name, job.output_kind.summary(job), one, languages.own_name(one) if one else None)


def _order(job: RenderJob) -> tuple:
    kind = DOWNLOAD_ORDER.index(job.kind) if job.kind in DOWNLOAD_ORDER else len(DOWNLOAD_ORDER)
    return kind, job.languages, job.profile != "web", job.profile or ""


@dataclass(frozen=True)
class PageSpec:
    html: str
    plays: tuple[str, ...]  # the files the page plays and shows (paths in dist/): what a website needs with it


@register
class PlayerPageKind(TextKind):
    name = "player"
    all_languages = True

    def plan(self, video: VideoPlan) -> list[RenderJob]:
        published = [t for t in video.tracks if not t.draft]
        files = [j for j in video.planned if not j.draft and j.video == video.id]
        playable = next((j for j in files if j.kind == "web-mp4"), None) \
            or next((j for j in files if j.kind == "soft-mp4"), None)
        if not published or playable is None:
            return []
        poster = next((j.output.name for j in files if j.kind == "poster" and j.profile == "web"), None)
        tracks = tuple(PageTrack(t.language, languages.own_name(t.language), t.language == video.default_language,
                                 vtt_data_url(compose_vtt(t.track)), f"{video.id}.{t.language}.vtt")
                       for t in published)
        page = PlayerPage(video.video.title, playable.output.name, poster, tracks,
                          tuple(_download(j) for j in sorted(files, key=_order)))
        html = render_page(page)
        # "page": everything on it but the tracks' text (those are the track inputs), and its template.
        shape = [page.title, page.video_file, page.poster, [(t.language, t.label, t.default) for t in tracks],
                 [dataclasses.astuple(d) for d in page.downloads], _assets_hash()]
        inputs = {f"track:{t.language}": t.hash for t in published} | {
            "pipeline": PIPELINE_INPUT, "page": sha256_text(json.dumps(shape)),
            "files": sha256_text(json.dumps(sorted(j.output.name for j in files)))}
        plays = (playable.path,) + tuple(j.path for j in files if j.output.name == poster)
        return [video.job(self, tuple(t.language for t in published), PAGE, inputs, spec=PageSpec(html, plays))]

    def summary(self, job: RenderJob) -> str:
        return "web player page"

    def produce(self, jobs, temps, runner, on_progress=None) -> None:
        for job, temp in zip(jobs, temps):
            temp.write_bytes(job.spec.html.encode("utf-8"))

    def describe(self, job, made, runner) -> dict:
        return {"duration": None, "plays": list(job.spec.plays)}
