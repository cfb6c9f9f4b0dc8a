"""The web player page of each video (dist/<video>/index.html), built by a real build and driven in
headless Chromium: it loads with nothing from the network, its tracks load, a cue is on screen at its time,
and everything works from the keyboard."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest

from conftest import EN_CUES, ES_CUES
from pipeline.build import BuildOptions, plan_build, run_build
from pipeline.project import load_project
from test_review_page import PageWatch, browser  # noqa: F401  (the module's Chromium fixture)

VIDEO = "document.getElementById('player')"
TRACKS_LOADED = """() => {
  const tracks = [...document.getElementById('player').textTracks];
  return tracks.length > 0 && tracks.every(t => t.cues && t.cues.length > 0);
}"""


@pytest.fixture
def built(make_project):
    """A built project: English audio, English and Spanish tracks, the title with characters to escape."""
    root = make_project()
    catalog = root / "assets/catalog.toml"
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('title = "talk title"',
                                                                   'title = "Voices <of> survivors & \\"hope\\""'),
                       encoding="utf-8")
    result = run_build(load_project(root, explicit=True), None, BuildOptions())
    assert not result.failures, result.failures
    return root


def test_page_lists_every_published_file_and_an_embed_snippet(built):
    page = (built / "dist/talk/index.html").read_text(encoding="utf-8")
    assert "<title>Voices &lt;of&gt; survivors &amp; &#34;hope&#34;</title>" in page
    for name in ("talk.subtitled.mp4", "talk.subtitled.mkv", "talk.en.burned-in.mp4", "talk.es.srt", "talk.en.vtt",
                 "talk.poster.jpg"):
        assert f'<a href="{name}" download>{name}</a>' in page
    assert '<source src="talk.subtitled.mp4" type="video/mp4">' in page
    # The snippet names the sidecar files; the page itself carries the tracks as data: URLs.
    assert "&lt;track kind=&#34;subtitles&#34; srclang=&#34;es&#34; label=&#34;Español&#34; src=&#34;talk.es.vtt&#34;&gt;" in page
    assert "http://" not in page and "https://" not in page  # nothing from a network, no CDN


def test_page_is_rebuilt_when_a_track_changes_and_not_otherwise(built):
    project = load_project(built, explicit=True)
    assert "talk/index.html" not in {j.path for j in plan_build(project).to_build}
    es = built / "subtitles/talk/es.srt"
    es.write_text(es.read_text(encoding="utf-8").replace("escuchadas", "oídas"), encoding="utf-8")
    decisions = {d.job.path: d.reason for d in plan_build(project).of("build")}
    assert "track es changed" in decisions["talk/index.html"]


def _exercise(watch: PageWatch) -> None:
    watch.wait(f"{VIDEO}.readyState >= 1", timeout=15.0)
    watch.wait(TRACKS_LOADED)
    tracks = watch.js(f"[...{VIDEO}.textTracks].map(t => [t.language, t.mode, t.label, t.cues.length])")
    assert tracks == [["en", "showing", "English", 2], ["es", "hidden", "Español", 2]]  # default: the audio's
    assert watch.js(f"{VIDEO}.duration") == pytest.approx(3.0, abs=0.1)
    assert watch.js("document.querySelector('img, video').getAttribute('poster')") == "talk.poster.jpg"

    # A cue is on screen at its time.
    watch.js(f"{VIDEO}.currentTime = 1.7")
    watch.wait(f"{VIDEO}.textTracks[0].activeCues.length === 1")
    assert watch.js(f"{VIDEO}.textTracks[0].activeCues[0].text") == "Support services\nmake a difference."

    # Keyboard only: Tab reaches the captions buttons, every download and the embed code; Enter acts.
    reached = []
    for _ in range(40):
        watch.page.keyboard.press("Tab")
        reached.append(watch.js("(() => { const e = document.activeElement;"
                                " return e.id || e.dataset.lang || e.getAttribute('href') || e.tagName; })()"))
    assert {"es", "en", "talk.subtitled.mp4", "talk.es.srt", "snippet", "copy", "#downloads"} <= set(reached), reached
    while watch.js("document.activeElement.dataset.lang") != "es":
        watch.page.keyboard.press("Tab")
    watch.page.keyboard.press("Enter")
    assert watch.js(f"[...{VIDEO}.textTracks].map(t => t.mode)") == ["hidden", "showing"]
    assert watch.js("document.querySelector('button.cc[data-lang=es]').getAttribute('aria-pressed')") == "true"
    watch.wait(f"{VIDEO}.textTracks[1].activeCues.length === 1")
    assert watch.js(f"{VIDEO}.textTracks[1].activeCues[0].text") == ES_CUES[1][2]
    while watch.js("document.activeElement.id") != "copy":
        watch.page.keyboard.press("Tab")
    watch.page.keyboard.press("Enter")
    watch.wait("document.getElementById('copied').textContent.length > 0")
    snippet = watch.js("document.getElementById('snippet').value")
    assert snippet.startswith("<video controls") and 'src="talk.en.vtt" default>' in snippet
    assert watch.js("(() => { const s = document.getElementById('snippet');"
                    " return s.selectionStart === 0 && s.selectionEnd === s.value.length; })()")
    assert watch.errors == []


def _requests(watch: PageWatch) -> list[str]:
    seen: list[str] = []
    watch.page.on("request", lambda r: seen.append(r.url))
    return seen


@pytest.mark.browser
def test_player_page_works_from_file_url_without_network(browser, built):  # noqa: F811
    watch = PageWatch(browser)
    seen = _requests(watch)
    try:
        watch.page.goto((built / "dist/talk/index.html").as_uri())
        _exercise(watch)
        assert all(url.startswith(("file://", "data:")) for url in seen), seen
        assert any(url.endswith("/talk.poster.jpg") for url in seen)
    finally:
        watch.close()


def static_server(folder: Path):
    """A static file server answering byte ranges (browsers seek in a video with them), as a website's."""
    from werkzeug.serving import make_server
    from werkzeug.utils import send_from_directory
    from werkzeug.wrappers import Request

    @Request.application
    def app(request):
        return send_from_directory(folder, request.path.lstrip("/"), request.environ)

    return make_server("127.0.0.1", 0, app, threaded=True)


@pytest.mark.browser
def test_player_page_works_when_served(browser, built):  # noqa: F811
    server = static_server(built / "dist")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    watch = PageWatch(browser)
    seen = _requests(watch)
    try:
        base = f"http://127.0.0.1:{server.server_port}/"
        watch.page.goto(base + "talk/index.html")
        _exercise(watch)
        assert all(url.startswith((base, "data:")) for url in seen), seen
    finally:
        watch.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed (make test installs it)")
def test_drafts_rendered_on_request_never_reach_the_page_or_a_channel(make_project):
    from click.testing import CliRunner

    from pipeline.cli import cli

    root = make_project(videos={"talk": {"tracks": {"en": EN_CUES}}})
    assert CliRunner().invoke(cli, ["--project", str(root), "draft", "talk", "--to", "bs", "--force"]).exit_code == 0
    result = run_build(load_project(root, explicit=True), None, BuildOptions(include_drafts=True))
    assert not result.failures
    assert (root / "dist/talk/talk.bs.DRAFT.burned-in.mp4").is_file()  # made, marked, on request
    assert not list((root / "dist/talk").glob("*.bs*.srt"))  # an SRT is uploaded as it is: drafts get none
    page = (root / "dist/talk/index.html").read_text(encoding="utf-8")
    assert 'srclang="bs"' not in page and "DRAFT" not in page
    manifest = json.loads((root / "dist/manifest.json").read_text(encoding="utf-8"))
    assert "DRAFT" not in json.dumps(manifest["channels"])
    assert manifest["videos"]["talk"]["languages"] == {"en": {"name": "English", "own_name": "English"}}
