"""Review pages: the data behind them, the HTML (escaping, self-contained), the command, the server, and
the page itself driven in Debian's Chromium (headless, through Playwright) from file:// and over HTTP."""

from __future__ import annotations

import base64
import html as htmllib
import importlib.util
import json
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings, strategies as st

from conftest import EN_CUES, ES_CUES, ffprobe_json, make_video, start_for_ctrl_c, stop_with_ctrl_c, write_srt
from pipeline.cli import cli
from pipeline.checks import check_track
from pipeline.errors import UsageError
from pipeline.formats import read_track, write_track
from pipeline.fsutil import atomic_write_text, sha256_file
from pipeline.media import proxy
from pipeline.media.probe import probe
from pipeline.model import Cue
from pipeline.project import load_project
from pipeline.review_page import build_review, collect_findings, gather
from pipeline.review_page.data import Finding, MediaFile, SpokenAt, source_cues_for
from pipeline.review_page.html import render_review

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> & "quotes"'
HOSTILE_ES = [(0.2, 1.4, "Las personas sobrevivientes\nmerecen ser escuchadas."), (1.6, 2.8, HOSTILE)]


def run_cli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def project(make_project):
    """A 3 s video with an English (source) and a Spanish track; Spanish cue 2 is hostile markup."""
    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": HOSTILE_ES}}})
    return load_project(root, explicit=True)


# ---------------------------------------------------------------- data


def test_source_cues_for_picks_cues_spoken_at_the_same_time():
    source = [Cue(0, 1000, "a"), Cue(1000, 2000, "b"), Cue(2000, 3000, "c")]
    # Overlaps b entirely and brushes a and c by 50 ms: only b was spoken "with" it.
    assert [c.text for c in source_cues_for(source, 950, 2050)] == ["b"]
    # Spans two cues half each: both.
    assert [c.text for c in source_cues_for(source, 500, 1500)] == ["a", "b"]
    # A short cue inside a long one: the long one.
    assert [c.text for c in source_cues_for([Cue(0, 5000, "long")], 1000, 1200)] == ["long"]
    # Only a sliver overlaps anything: still shown rather than nothing.
    assert [c.text for c in source_cues_for(source, 2900, 4000)] == ["c"]
    assert source_cues_for(source, 3000, 4000) == []


_SPANS = st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 3000)), max_size=25)


@settings(max_examples=200, deadline=None)
@given(source=_SPANS, asked=_SPANS)
@example(source=[(0, 1000), (1000, 1000), (2000, 1000)], asked=[(950, 1100), (500, 1000), (2900, 1100)])
def test_spoken_at_finds_what_the_plain_scan_finds(source, asked):
    """The bisection lookup gives exactly the cues of a scan over the whole source track."""
    cues = sorted((Cue(s, s + d, f"c{i}") for i, (s, d) in enumerate(source)), key=lambda c: (c.start, c.end))
    spoken = SpokenAt(cues)
    for start, duration in asked:
        assert spoken(start, start + duration) == source_cues_for(cues, start, start + duration)


def test_gather_pairs_translation_with_source_text(project):
    data = gather(project, "talk")
    assert data.source_language == "en"
    assert [v.language for v in data.languages] == ["en", "es"]
    assert data.selected == "es"  # a translation is what a reviewer opens the page for
    es = data.view("es")
    assert [r.number for r in es.rows] == [1, 2]
    assert es.rows[0].source == ["Survivors deserve to be heard."]
    assert es.rows[1].source == ["Support services\nmake a difference."]
    assert es.rows[1].text == HOSTILE
    assert {r.state for r in es.rows} == {"human"}
    assert not es.draft and es.vtt.startswith("WEBVTT")
    assert data.view("en").is_source and data.view("en").rows[0].source == []


def test_gather_only_named_languages_plus_source(make_project):
    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": ES_CUES, "pt": ES_CUES}}})
    project = load_project(root, explicit=True)
    data = gather(project, "talk", ["pt"])
    assert [v.language for v in data.languages] == ["en", "pt"] and data.selected == "pt"
    with pytest.raises(UsageError, match=r"no 'sq' track for video 'talk'"):
        gather(project, "talk", ["sq"])


def test_source_column_follows_the_audio_language(make_project):
    root = make_project({"charla": {"audio_language": "es", "tracks": {"en": EN_CUES, "es": ES_CUES}}})
    data = gather(load_project(root, explicit=True), "charla")
    assert data.source_language == "es" and data.selected == "en"
    assert data.view("en").rows[0].source == ["Las personas sobrevivientes\nmerecen ser escuchadas."]


def test_unreadable_track_is_reported_on_the_page_not_fatal(project):
    (project.track_path("talk", "es")).write_text("1\n00:00:01,000 --> nonsense\nHola\n", encoding="utf-8")
    result = build_review(project, "talk")
    es = result.data.view("es")
    assert es.error and "es.srt" in es.error and es.vtt is None
    html = result.page.read_text(encoding="utf-8")
    assert "This track could not be read" in html
    assert html.count("<track ") == 1  # English still plays


def test_findings_appear_per_cue_and_per_track(project):
    findings = {("es", 2): [("cps", "warning", "22 characters per second (limit 17)")],
                ("es", None): [Finding("parity", "error", "cue 3 of en has no counterpart")]}
    result = build_review(project, "talk", findings=findings)
    view = result.data.view("es")
    assert view.rows[1].findings == [Finding("cps", "warning", "22 characters per second (limit 17)")]
    assert view.rows[1].needs_attention and not view.rows[0].needs_attention
    assert view.findings_count == 2 and view.attention_count == 1
    html = result.page.read_text(encoding="utf-8")
    assert "22 characters per second (limit 17)" in html and "cue 3 of en has no counterpart" in html


def test_misspelt_words_are_marked_in_the_cue_text(make_project):
    """The spelling findings of the real check (Debian's es_ES dictionary) flow to the page, and the page marks
    each misspelt word in the cue, escaped like all text."""
    es = [(0.2, 1.4, "Las personas sobrevivientes merecen ser escuchadas."),
          (1.6, 2.8, "Los servisios de apoyo <i>importan</i> & ayudan.")]
    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": es}}})
    result = build_review(load_project(root, explicit=True), "talk")
    row = result.data.view("es").rows[1]
    assert row.flagged_words == ("servisios",)
    assert any(f.rule == "spelling" and "servicios" in f.message for f in row.findings)
    html = result.page.read_text(encoding="utf-8")
    assert ('Los <mark class="flagged">servisios</mark> de apoyo &lt;i&gt;importan&lt;/i&gt; &amp; ayudan.'
            in html)
    assert html.count('<mark class="flagged">') == 1
    from pipeline.review_page.html import mark_words
    assert str(mark_words("<b>teh</b> tehx teh", ("teh",))) == \
        '&lt;b&gt;<mark class="flagged">teh</mark>&lt;/b&gt; tehx <mark class="flagged">teh</mark>'


def test_collect_findings_comes_from_pipeline_check_only(project):
    found = collect_findings(project, "talk", ["en", "es"])
    if importlib.util.find_spec("pipeline.checks") is None:
        assert found == {}  # no rules of its own
    else:
        for (lang, cue), items in found.items():
            assert lang in ("en", "es") and (cue is None or isinstance(cue, int))
            assert all(isinstance(f, Finding) for f in items)


# ---------------------------------------------------------------- the HTML


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.scripts.append(data)
        elif self._in == "style":
            self.styles.append(data)


def _parse(html: str) -> _Collector:
    parser = _Collector()
    parser.feed(html)
    return parser


def test_hostile_text_is_escaped_everywhere(make_project):
    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": HOSTILE_ES}}},
                        catalog_extra="")
    catalog = root / "assets" / "catalog.toml"
    catalog.write_text(catalog.read_text().replace('title = "talk title"', 'title = "</title><script>alert(3)</script>"'))
    project = load_project(root, explicit=True)
    findings = {("es", 2): [("rule<b>", "warning", "<iframe src=x>")]}
    html = build_review(project, "talk", findings=findings).page.read_text(encoding="utf-8")
    parsed = _parse(html)
    assert [t for t, _ in parsed.tags if t in ("img", "iframe", "b")] == []
    assert len(parsed.scripts) == 1 and "alert" not in parsed.scripts[0]  # only the page's own script
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt; &amp; &#34;quotes&#34;" in html
    assert "&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in html
    assert "&lt;iframe src=x&gt;" in html and "rule&lt;b&gt;" in html
    # The WebVTT goes in as base64: the cue's characters never meet the HTML parser.
    tracks = [a for t, a in parsed.tags if t == "track"]
    es = next(a for a in tracks if a["srclang"] == "es")
    assert es["src"].startswith("data:text/vtt;charset=utf-8;base64,")
    assert HOSTILE in base64.b64decode(es["src"].split(",", 1)[1]).decode("utf-8")


def test_page_is_self_contained_and_locked_down(project):
    result = build_review(project, "talk")
    html = result.page.read_text(encoding="utf-8")
    parsed = _parse(html)
    assert not re.search(r"(?i)(https?:)?//[a-z0-9]", html.replace("data:", "")), "no network addresses at all"
    for tag, attrs in parsed.tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            if value is None:
                continue
            assert value.startswith("data:") or (result.page.parent / value).is_file(), (tag, value)
    # The CSP allows exactly the inlined script and style, by hash, and nothing from elsewhere.
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    import hashlib

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"script-src '{digest(parsed.scripts[0])}'" in csp
    assert f"style-src '{digest(parsed.styles[0])}'" in csp
    assert "default-src 'none'" in csp
    sources = [a for t, a in parsed.tags if t == "source"]
    assert sources == [{"src": "talk.mp4", "type": "video/mp4"}]


def _draft_data(project):
    """The page data with Spanish as an unreviewed machine draft (as review records will say)."""
    data = gather(project, "talk")
    es = data.view("es")
    es.origin, es.publishable = "machine", False
    for row, state in zip(es.rows, ("machine", "edited")):
        row.state = state
    return data


def test_drafts_are_marked_as_drafts(project):
    data = _draft_data(project)
    data.media = [MediaFile("talk.mp4", "video/mp4")]
    html = render_review(data)
    parsed = _parse(html)
    assert "MACHINE DRAFT \u2014 not for publication" in html
    track = next(a for t, a in parsed.tags if t == "track" and a["srclang"] == "es")
    assert "MACHINE DRAFT" in track["label"] and track["data-draft"] == "1"
    assert 'class="badge badge-machine">machine draft<' in html
    assert 'class="badge badge-edited">edited<' in html
    assert "1 of 2 cues are machine translation" in html
    english = next(a for t, a in parsed.tags if t == "track" and a["srclang"] == "en")
    assert "data-draft" not in english and "MACHINE" not in english["label"]


SPOKEN = [(0.2, 0.9, "Survivors deserve to be heard."), (1.0, 1.6, "Support services help."),
          (1.7, 2.3, "Help is there."), (2.4, 2.9, "You are not alone.")]


def _edit_cue(path: Path, number: int, text: str) -> None:
    track = read_track(path)
    track.cues[number - 1] = track.cues[number - 1].with_text(text)
    write_track(track, path)


def _panel_rows(html: str, language: str) -> dict[int, tuple[str, str]]:
    """``cue number -> (state, findings cell)`` of one language's cue table."""
    panel = re.split(f'<div class="panel" data-lang="{language}"( hidden)?>', html, maxsplit=1)[-1]
    panel = panel.split('<div class="panel" data-lang=', 1)[0]
    rows = re.findall(r'<tr data-cue="(\d+)".*?class="state-(\w+)[^"]*">(.*?)</tr>', panel, re.S)
    return {int(n): (state, body.split('<td class="findings">', 1)[1]) for n, state, body in rows}


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
def test_page_shows_a_real_drafts_states_and_check_findings(make_project):
    """Draft with Apertium, then a person edits, approves and the source changes: the page shows each
    cue's state as the review record says and exactly what ``pipeline check`` finds."""
    root = make_project({"talk": {"tracks": {"en": SPOKEN}}})
    project = load_project(root, explicit=True)
    es, en = project.track_path("talk", "es"), project.track_path("talk", "en")
    assert run_cli("--project", str(root), "draft", "talk", "--to", "es").exit_code == 0
    _edit_cue(es, 2, "Los servicios de apoyo ayudan a las personas sobrevivientes cada día.")  # edited, too long
    assert run_cli("--project", str(root), "approve", "talk", "es", "--cues", "3,4").exit_code == 0
    _edit_cue(en, 4, "You are never alone.")  # the source changed after cue 4 was approved

    result = run_cli("--project", str(root), "review", "talk", "es")
    assert result.exit_code == 0, result.output
    assert "[en (source), es MACHINE DRAFT]" in result.output
    page = (root / "dist/review/talk/index.html").read_text(encoding="utf-8")
    rows = _panel_rows(page, "es")
    assert {n: state for n, (state, _) in rows.items()} == {1: "machine", 2: "edited", 3: "approved", 4: "stale"}
    assert {n: state for n, (state, _) in _panel_rows(page, "en").items()} == dict.fromkeys(range(1, 5), "human")
    assert "MACHINE DRAFT \u2014 not for publication" in page

    found = check_track(load_project(root, explicit=True), "talk", "es")
    assert any(f.cue == 2 and f.rule == "chars-per-line" for f in found)  # the edit made a real finding
    for number, (_, cell) in rows.items():
        shown = sorted(htmllib.unescape(m) for m in re.findall(r'<span class="rule">[^<]*</span> ([^<]*)</li>', cell))
        assert shown == sorted(f.message for f in found if f.cue == number), number
    summary = json.loads((root / "dist/review/talk/review.json").read_text(encoding="utf-8"))
    es_summary = next(v for v in summary["languages"] if v["language"] == "es")
    assert es_summary["draft"] is True
    assert es_summary["states"] == {"machine": 1, "edited": 1, "approved": 1, "stale": 1}
    assert es_summary["findings"] == len(found)

    # No machine text left, but a stale cue: still a draft, and the banner says why.
    assert run_cli("--project", str(root), "approve", "talk", "es", "--cues", "1-2").exit_code == 0
    assert "es MACHINE DRAFT]" in run_cli("--project", str(root), "review", "talk", "es").output
    page = (root / "dist/review/talk/index.html").read_text(encoding="utf-8")
    assert "1 of 4 cues still need a person's approval" in page
    # Once every cue is approved the track is publishable, so no longer marked as a draft (as render does).
    # (approving the whole track leaves the stale cue out unless asked: the reviewer looked at it)
    assert run_cli("--project", str(root), "approve", "talk", "es", "--include-stale").exit_code == 0
    again = run_cli("--project", str(root), "review", "talk", "es")
    assert "[en (source), es]" in again.output
    page = (root / "dist/review/talk/index.html").read_text(encoding="utf-8")
    assert set(state for state, _ in _panel_rows(page, "es").values()) == {"approved"}
    assert 'class="draft-banner"' not in page and "data-draft" not in page


# ---------------------------------------------------------------- the command and the media


def test_cli_review_writes_a_self_contained_folder(project):
    result = run_cli("--project", str(project.root), "review", "talk")
    assert result.exit_code == 0, result.output
    folder = project.dist / "review" / "talk"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "review.json", "talk.mp4"]
    assert sha256_file(folder / "talk.mp4") == sha256_file(project.videos["talk"].source)
    assert "dist/review/talk/index.html  [en (source), es]" in result.output
    assert (folder / "index.html").as_uri() in result.output
    index = (project.dist / "review" / "index.html").read_text(encoding="utf-8")
    assert 'href="talk/index.html"' in index
    # A second run reuses the video beside the page.
    again = build_review(project, "talk")
    assert again.media_reused and again.media_method == "as-is"


def test_cli_review_without_video_builds_every_page(make_project):
    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": ES_CUES}}, "charla": {"audio_language": "es",
                         "tracks": {"es": ES_CUES}}})
    result = run_cli("--project", str(root), "review")
    assert result.exit_code == 0, result.output
    assert (root / "dist/review/talk/index.html").is_file() and (root / "dist/review/charla/index.html").is_file()
    assert (root / "dist/review/index.html").as_uri() in result.output
    index = (root / "dist/review/index.html").read_text(encoding="utf-8")
    assert index.index('href="charla/index.html"') < index.index('href="talk/index.html"')
    assert "charla title" in index and "talk title" in index


def test_cli_review_bad_input_is_one_line(project):
    for args, needle in ((["review", "nope"], "no video 'nope'"),
                         (["review", "talk", "sq"], "no 'sq' track for video 'talk'")):
        result = run_cli("--project", str(project.root), *args)
        assert result.exit_code == 2
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], result.output
        assert "Traceback" not in result.output


def test_cli_review_port_without_serve_is_a_usage_error(project):
    result = run_cli("--project", str(project.root), "review", "talk", "--port", "9000")
    assert result.exit_code == 2 and "--port and --host only work with --serve" in result.output
    assert not (project.dist / "review").exists()


def test_cli_review_busy_port_is_one_line(project):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("--project", str(project.root), "review", "talk", "--serve", "--port", str(port))
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: port {port} on 127.0.0.1 is already in use "
                                     "(pass --port 0 for any free port, or another number)")


def test_browser_media_decisions(tmp_path):
    def info_of(name, vcodec, acodec):
        from pipeline.media.probe import MediaInfo, StreamInfo

        streams = (StreamInfo(0, "video", vcodec),) + ((StreamInfo(1, "audio", acodec),) if acodec else ())
        return MediaInfo(Path(name), "x", 3.0, 320, 240, None, streams)

    assert proxy.browser_media(info_of("a.mp4", "h264", "aac")).method == "as-is"
    assert proxy.browser_media(info_of("a.mp4", "h264", None)).method == "as-is"
    assert proxy.browser_media(info_of("a.webm", "vp9", "opus")).mime == "video/webm"
    assert proxy.browser_media(info_of("a.mov", "h264", "aac")).method == "remux"
    assert proxy.browser_media(info_of("a.mkv", "h264", "mp3")).method == "remux"
    assert proxy.browser_media(info_of("a.mp4", "hevc", "aac")).method == "proxy"
    assert proxy.browser_media(info_of("a.mkv", "h264", "pcm_s16le")).method == "proxy"
    assert proxy.browser_media(info_of("a.avi", "mpeg4", "mp2")).method == "proxy"
    assert proxy.proxy_height(1080) == 480 and proxy.proxy_height(241) == 240 and proxy.proxy_height(None) == 480
    argv = proxy.webm_proxy(Path("in put.mkv"), Path("out.webm"), height=360)
    assert argv[:3] == ["ffmpeg", "-i", "in put.mkv"] and "scale=-2:360" in " ".join(argv)
    assert argv[argv.index("-c:v") + 1] == "libvpx-vp9" and argv[argv.index("-deadline") + 1] == "realtime"
    assert "-c:a" in proxy.webm_proxy(Path("a"), Path("b.webm")) and "-c:a" not in proxy.webm_proxy(
        Path("a"), Path("b.webm"), has_audio=False)
    remux = proxy.mp4_remux(Path("a.mov"), Path("b.mp4"), has_audio=False)
    assert remux[remux.index("-c") + 1] == "copy" and "0:a:0" not in remux


def _source_project(make_project, tmp_path, name, vcodec, acodec):
    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": ES_CUES}}})
    src = tmp_path / name
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=s=320x240:r=25:d=2", "-f", "lavfi", "-i", "sine=d=2", "-c:v", vcodec,
                    *(["-preset", "ultrafast"] if vcodec == "libx264" else []), "-pix_fmt", "yuv420p",
                    "-c:a", acodec, str(src)], check=True)
    dest = root / "assets" / name
    shutil.move(src, dest)
    catalog = root / "assets" / "catalog.toml"
    catalog.write_text(catalog.read_text().replace('source = "talk.mp4"', f'source = "{name}"'))
    return load_project(root, explicit=True)


@pytest.mark.slow
def test_unplayable_source_gets_a_webm_proxy(make_project, tmp_path):
    project = _source_project(make_project, tmp_path, "talk.avi", "mpeg4", "mp2")
    result = build_review(project, "talk")
    assert result.media_method == "proxy" and not result.media_reused
    out = ffprobe_json(project.dist / "review" / "talk" / "talk.webm")
    kinds = {s["codec_type"]: s for s in out["streams"]}
    assert kinds["video"]["codec_name"] == "vp9" and kinds["video"]["height"] == 240
    assert kinds["audio"]["codec_name"] == "opus"
    assert abs(float(out["format"]["duration"]) - 2.0) < 0.1
    assert '<source src="talk.webm" type="video/webm">' in result.page.read_text(encoding="utf-8")
    assert build_review(project, "talk").media_reused  # no second encode


@pytest.mark.slow
def test_h264_in_another_container_is_remuxed_not_encoded(make_project, tmp_path):
    project = _source_project(make_project, tmp_path, "talk.mkv", "libx264", "aac")
    result = build_review(project, "talk")
    assert result.media_method == "remux"
    out = project.dist / "review" / "talk" / "talk.mp4"
    streams = [(s["codec_type"], s["codec_name"]) for s in ffprobe_json(out)["streams"]]
    assert streams == [("video", "h264"), ("audio", "aac")]
    assert abs(probe(out).duration - 2.0) < 0.1


# ---------------------------------------------------------------- the server


def _get(url: str, headers: dict | None = None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_cli_serve_prints_the_address_and_stops_on_ctrl_c(project):
    build_review(project, "talk")  # so the first line comes quickly
    repo = Path(__file__).resolve().parents[1]
    proc = start_for_ctrl_c([sys.executable, "-m", "pipeline", "--project", str(project.root), "review", "talk",
                             "--serve", "--port", "0"], cwd=repo)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("review workbench for "):
                break
        match = re.search(r"at (http://127\.0\.0\.1:(\d+)/)#key=([\w-]+)&video=talk$", lines[-1].strip())
        assert match, lines
        status, _, body = _get(match.group(1))
        assert status == 200 and b"Review workbench" in body
        status, _, body = _get(match.group(1) + "api/videos")
        assert status == 200 and json.loads(body)["videos"][0]["id"] == "talk"
        out, err = stop_with_ctrl_c(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


# ---------------------------------------------------------------- in a real browser

@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageWatch:
    """A page plus everything it complained about."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1200, "height": 800})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

        def on_dialog(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)

    def open(self, url: str) -> "PageWatch":
        self.page.goto(url)
        self.wait("document.getElementById('video').readyState >= 1", timeout=15.0)
        return self

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def wait(self, expression: str, timeout: float = 10.0):
        """Poll until ``expression`` is truthy. Polled from here, not with wait_for_function: that one
        evaluates strings inside the page, which the page's Content-Security-Policy rightly forbids."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout} s: {expression}")
            self.page.wait_for_timeout(50)

    def close(self):
        self.page.close()


TRACKS_LOADED = """() => {
  const tracks = [...document.getElementById('video').textTracks];
  return tracks.length > 0 && tracks.every(t => t.cues && t.cues.length > 0);
}"""


def _exercise_page(watch: PageWatch) -> None:
    """What every review page must do in a browser, wherever it is opened from."""
    video = "document.getElementById('video')"
    watch.wait(TRACKS_LOADED)
    tracks = watch.js(f"[...{video}.textTracks].map(t => [t.language, t.mode, t.cues.length, t.label])")
    assert tracks == [["en", "hidden", 2, "English"], ["es", "showing", 2, "Spanish (español)"]]
    assert watch.js(f"{video}.duration") == pytest.approx(3.0, abs=0.1)

    # A cue becomes active at its time, in the player and in the table.
    watch.js(f"{video}.currentTime = 0.5")
    watch.wait(f"{video}.textTracks[1].activeCues.length === 1")
    assert watch.js(f"{video}.textTracks[1].activeCues[0].id") == "1"
    watch.wait("() => [...document.querySelectorAll('.panel:not([hidden]) tr.active')].map(r => r.dataset.cue).join() === '1'")

    # Clicking a row seeks to its cue, and the highlight follows.
    watch.page.click(".panel[data-lang=es] tr[data-cue='2'] td.own")
    watch.wait(f"Math.abs({video}.currentTime - 1.6) < 0.01")
    watch.wait("document.querySelector('.panel[data-lang=es] tr.active')?.dataset.cue === '2'")
    watch.wait(f"{video}.textTracks[1].activeCues.length === 1 && {video}.textTracks[1].activeCues[0].id === '2'")

    # Cue 2 is hostile markup: it reads as text in the table and ran nothing, even while on screen.
    cell = watch.page.locator(".panel[data-lang=es] tr[data-cue='2'] td.own")
    assert cell.inner_text().strip() == HOSTILE
    assert watch.js("document.querySelectorAll('.cues img, .cues script, .cues iframe').length") == 0
    watch.page.wait_for_timeout(300)
    assert watch.dialogs == []

    # Language buttons switch the captions and the table; the player's menu does the same.
    watch.page.click("button.lang[data-lang=en]")
    assert watch.js(f"[...{video}.textTracks].map(t => t.mode)") == ["showing", "hidden"]
    assert watch.js("document.querySelector('.panel[data-lang=en]').hidden") is False
    assert watch.js("document.querySelector('.panel[data-lang=es]').hidden") is True
    watch.js(f"{video}.textTracks[0].mode = 'disabled'; {video}.textTracks[1].mode = 'showing'")
    watch.wait("document.querySelector('button.lang[data-lang=es]').getAttribute('aria-pressed') === 'true'")
    assert watch.js("document.querySelector('.panel[data-lang=es]').hidden") is False
    assert watch.errors == []


@pytest.mark.browser
def test_page_works_from_file_url(browser, project):
    page = build_review(project, "talk").page
    watch = PageWatch(browser).open(page.as_uri())
    try:
        assert watch.page.url.startswith("file://")
        _exercise_page(watch)
    finally:
        watch.close()


@pytest.mark.browser
def test_page_remembers_the_language_in_the_address(browser, project):
    page = build_review(project, "talk").page
    watch = PageWatch(browser).open(page.as_uri() + "#lang=en")
    try:
        watch.wait(TRACKS_LOADED)
        assert watch.js("[...document.getElementById('video').textTracks].map(t => t.mode)") == ["showing", "hidden"]
        assert watch.js("document.querySelector('.panel[data-lang=en]').hidden") is False
        watch.page.click("button.lang[data-lang=es]")
        assert watch.page.url.endswith("#lang=es")
        assert watch.errors == []
    finally:
        watch.close()


@pytest.mark.browser
def test_draft_is_marked_on_the_video_and_filter_shows_what_needs_review(browser, project):
    build_review(project, "talk")
    data = _draft_data(project)
    data.media = [MediaFile("talk.mp4", "video/mp4")]
    page = project.dist / "review" / "talk" / "index.html"
    atomic_write_text(page, render_review(data))
    watch = PageWatch(browser).open(page.as_uri())
    try:
        watch.wait(TRACKS_LOADED)
        overlay = watch.page.locator("#draft-overlay")
        assert overlay.is_visible() and overlay.inner_text() == "MACHINE DRAFT \u2014 not for publication"
        assert watch.page.locator(".panel[data-lang=es] .draft-banner").is_visible()
        watch.page.click("button.lang[data-lang=en]")  # a person's track: no draft mark on the video
        assert not overlay.is_visible()
        watch.page.click("button.lang[data-lang=es]")
        assert overlay.is_visible()
        rows = ".panel[data-lang=es] tbody tr"
        assert watch.page.locator(rows).count() == 2
        watch.page.check(".panel[data-lang=es] input.attention-only")
        assert [watch.page.locator(rows).nth(i).is_visible() for i in range(2)] == [True, True]  # machine, edited
        assert watch.errors == []
    finally:
        watch.close()


@pytest.mark.browser
@pytest.mark.slow
def test_proxy_plays_in_the_browser(browser, make_project, tmp_path):
    project = _source_project(make_project, tmp_path, "talk.avi", "mpeg4", "mp2")
    page = build_review(project, "talk").page
    watch = PageWatch(browser).open(page.as_uri())
    try:
        assert watch.js("document.getElementById('video').currentSrc").endswith("/talk.webm")
        watch.wait(TRACKS_LOADED)
        watch.page.click(".panel[data-lang=es] tr[data-cue='2'] td.own")
        watch.wait("Math.abs(document.getElementById('video').currentTime - 1.6) < 0.01")
        assert watch.errors == []
    finally:
        watch.close()


@pytest.mark.browser
def test_chromium_plays_h264_so_no_proxy_is_needed_for_mp4(browser, project):
    """The bundled samples are H.264 MP4: check this browser really decodes it (Debian's build does)."""
    watch = PageWatch(browser).open(build_review(project, "talk").page.as_uri())
    try:
        assert watch.js("document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.42E01E, mp4a.40.2\"')") == "probably"
        assert watch.js("document.getElementById('video').videoWidth") == 320
    finally:
        watch.close()
