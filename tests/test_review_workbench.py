"""The review workbench (``pipeline review --serve``): saving one cue in place, the comments file, and every
endpoint of the JSON API over real HTTP, with its error statuses and its network safety. The browser
tests (real headless Chromium) are at the end."""

from __future__ import annotations

import codecs
import contextlib
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings, strategies as st

from conftest import EN_CUES, start_for_ctrl_c, stop_with_ctrl_c, write_srt
from pipeline.build import project_lock
from pipeline.cli import cli
from pipeline.cue_edit import CueTextError, clean_cue_text, cue_version, splice_cue_text
from pipeline.errors import SubtitleError
from pipeline.formats import parse_srt, read_track
from pipeline.formats.encoding import decode_subtitle_bytes
from pipeline.notes import Comment, add_comment, attach, compose_notes, parse_notes, set_status
from pipeline.model import Cue
from pipeline.project import load_project
from pipeline.review_page.server import host_allowed, make_server
from pipeline.review_record import read_record
from pipeline.source_history import word_diff

HOSTILE = '<script>alert(1)</script> <img src=x onerror="alert(2)"> & "quotes"'
SPOKEN = [(0.2, 0.9, "Survivors deserve to be heard."), (1.0, 1.6, "Support services help."),
          (1.7, 2.3, "Help is there."), (2.4, 2.9, "You are not alone.")]
DRAFT = [(0.2, 0.9, "Las personas sobrevivientes merecen ser escuchadas."), (1.0, 1.6, "Los servicios ayudan."),
         (1.7, 2.3, "La ayuda está ahí."), (2.4, 2.9, "No estás sola.")]


def run_cli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# ---------------------------------------------------------------- one cue, in place


def test_splice_changes_only_that_cues_text_lines():
    data = ("\ufeff7\r\n00:00:01,000 --> 00:00:02,000\r\nHola  \r\nmundo\r\n\r\n9\r\n"
            "00:00:03,000 --> 00:00:04,000\r\nAdiós").encode("utf-8")
    out = splice_cue_text(data, 2, "Chao\ncon dos líneas").data
    assert out == data.replace("Adiós".encode(), "Chao\r\ncon dos líneas".encode())  # no final newline, as before
    out = splice_cue_text(data, 1, "Uno").data
    assert out == data.replace(b"Hola  \r\nmundo\r\n", b"Uno\r\n")
    utf16 = "1\n00:00:01,000 --> 00:00:02,000\nHola\n\n2\n00:00:03,000 --> 00:00:04,000\nB\n".encode("utf-16")
    assert splice_cue_text(utf16, 1, "Olá").data == utf16.replace("Hola".encode("utf-16-le"), "Olá".encode("utf-16-le"))


_LINE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
                     min_size=1, max_size=12).filter(lambda t: t.strip() and "-->" not in t)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(texts=st.lists(st.lists(_LINE_TEXT, min_size=1, max_size=3), min_size=1, max_size=5),
       newline=st.sampled_from(["\n", "\r\n"]), bom=st.booleans(), final_newline=st.booleans(),
       numbered=st.booleans(), which=st.integers(0, 4), new=st.lists(_LINE_TEXT, min_size=1, max_size=3))
@example(texts=[["a"]], newline="\r\n", bom=True, final_newline=False, numbered=False, which=0, new=["b", "c"])
def test_splice_keeps_every_other_byte(texts, newline, bom, final_newline, numbered, which, new):
    """Whatever the file looks like, only the chosen cue's text lines change, and the file reads back as
    the same cues with just that one's text replaced."""
    blocks = []
    for i, lines in enumerate(texts):
        head = [f"{i * 7 + 3}"] if numbered else []
        blocks.append(newline.join(head + [f"00:00:{i:02d},000 --> 00:00:{i:02d},500"] + lines))
    text = (newline * 2).join(blocks) + (newline if final_newline else "")
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    try:
        before = parse_srt(decode_subtitle_bytes(data, "t.srt"), "t.srt")
    except SubtitleError:
        return  # generated text the reader refuses (e.g. a line reading as a cue number): not this test's concern
    number = which % len(before) + 1
    try:
        cleaned = clean_cue_text("\n".join(new))
    except CueTextError:
        return
    out = splice_cue_text(data, number, cleaned).data
    after = parse_srt(decode_subtitle_bytes(out, "t.srt"), "t.srt")
    assert after.cues == [c if i != number - 1 else c.with_text(cleaned) for i, c in enumerate(before.cues)]
    old_lines, new_lines = data.splitlines(keepends=True), out.splitlines(keepends=True)
    cue = before.cues[number - 1]
    first = cue.line - 1 + (2 if numbered else 1)  # the first text line (0-based)
    count = len(cue.text.split("\n"))
    assert new_lines[:first] == old_lines[:first]
    assert new_lines[first + len(cleaned.split("\n")):] == old_lines[first + count:]


def test_clean_cue_text():
    assert clean_cue_text("  uno  \r\n\r\n dos \n") == "  uno\n dos"
    for bad in ("", "  \n ", "00:00:01,000 --> 00:00:02,000", "a\x00b"):
        with pytest.raises(CueTextError):
            clean_cue_text(bad)


def test_cue_version_names_timing_and_text():
    cue = Cue(0, 1000, "Hola")
    assert cue_version(cue) == cue_version(Cue(0, 1000, "Hola", line=9))
    assert len({cue_version(cue), cue_version(cue.with_text("Hola.")), cue_version(Cue(0, 1001, "Hola"))}) == 3


def test_text_fixes_are_the_texts_fix_writes():
    """The workbench's "pipeline fix would write" is fix's own result for each cue's text."""
    from pipeline.fix import FixOptions, fix_track, text_fixes
    from pipeline.model import Track

    track = Track([Cue(0, 2000, "Los servicios de apoyo ayudan a las personas sobrevivientes."),
                   Cue(3000, 5000, "Corto."),
                   Cue(6000, 8000, "Pero... ¿quién escucha?"),
                   Cue(9000, 11000, "- Hola, ¿cómo estás hoy, después de todo lo que ha pasado?\n- Bien.")], "es")
    options = FixOptions(language="es")
    fixes = text_fixes(track, options)
    fixed = fix_track(track, options).track
    assert [(c.start, c.end) for c in fixed.cues] == [(c.start, c.end) for c in track.cues]
    assert fixes == {i: c.text for i, (c, old) in enumerate(zip(fixed.cues, track.cues)) if c.text != old.text}
    assert 0 in fixes and 1 not in fixes and 3 not in fixes  # a dialogue cue is never re-broken


def test_word_diff():
    assert word_diff("You are not alone.", "You are never alone.") == [
        ("=", "You are "), ("-", "not"), ("+", "never"), ("=", " alone.")]
    assert word_diff("a", "a") == [("=", "a")]


# ---------------------------------------------------------------- the comments file


def test_comments_round_trip_and_stay_with_their_cue(tmp_path):
    cues = [Cue(0, 1000, "a"), Cue(1000, 2000, "b")]
    comments, first = add_comment([], 2, cues[1], "Ana  Ruiz", "Tab\there,\nnew line \\n and\\ backslash",
                                  at="2026-01-02T03:04:05Z")
    comments, second = add_comment(comments, 0, None, "Bo", "whole track", at="2026-01-02T03:04:06Z")
    comments, resolved = set_status(comments, 1, "resolved", "Bo", at="2026-01-02T04:00:00Z")
    text = compose_notes(comments, "sq.srt")
    assert text.count("\n") == 5  # two comment lines, whatever their text holds
    again = parse_notes(text, tmp_path / "sq.notes.tsv")
    assert again == comments and again[0].text == first.text and again[0].author == "Ana Ruiz"
    assert again[0].status == "resolved" and again[0].resolved_by == "Bo"
    # A cue inserted above: the comment follows its cue by timing; a deleted cue's comment is kept apart.
    attached, loose = attach(again, [Cue(0, 500, "new"), *cues])
    assert list(attached) == [3] and [c.id for c in loose] == [2]
    attached, loose = attach(again, cues[:1])
    assert attached == {} and [c.id for c in loose] == [1, 2]


def test_comments_file_errors_name_the_line(tmp_path):
    from pipeline.notes import NotesError

    path = tmp_path / "sq.notes.tsv"
    good = compose_notes([Comment(1, 1, 0, 1000, "Ana", "2026-01-02T03:04:05Z", "x")], "sq.srt")
    with pytest.raises(NotesError, match=r"sq.notes.tsv:5: expected 10 tab-separated columns"):
        parse_notes(good + "2\tbroken\n", path)
    with pytest.raises(NotesError, match=r"lacks"):
        parse_notes("id\tcue\n", path)
    # Columns are found by the header: another order (or an added column) still reads.
    header, row = good.splitlines()[2:4]
    cols, values = header.split("\t"), row.split("\t")
    order = list(reversed(range(len(cols))))
    swapped = "\t".join(cols[i] for i in order) + "\textra\n" + "\t".join(values[i] for i in order) + "\tz\n"
    assert parse_notes(swapped, path)[0].text == "x"


# ---------------------------------------------------------------- the API over HTTP


@pytest.fixture
def drafted(make_project):
    """A project whose Spanish track is a machine draft with a review record (drafted by Apertium when it
    is installed, else written with a record the way `pipeline draft` writes one)."""
    root = make_project({"talk": {"tracks": {"en": SPOKEN}}}, seconds=3.0)
    project = load_project(root, explicit=True)
    if shutil.which("apertium"):
        assert run_cli("--project", str(root), "draft", "talk", "--to", "es").exit_code == 0
    else:
        from pipeline.review_record import ReviewRecord, Row, text_hash, write_record

        es = write_srt(project.track_path("talk", "es"), DRAFT)
        write_record(es, ReviewRecord("en", [
            Row(i, int(s * 1000), int(e * 1000), text_hash(src), "test", "test", text_hash(t))
            for i, ((s, e, src), (_, _, t)) in enumerate(zip(SPOKEN, DRAFT), start=1)]))
    return project


class Api:
    """A live workbench server and a small client for it (``remote``: a server in another process, as
    ``(base, token)``)."""

    def __init__(self, project, host="127.0.0.1", remote=None):
        self.project = project
        if remote:
            self.server = self.thread = None
            self.base, self.token = remote
            return
        self.server = make_server(project, host, 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = self.server.base
        self.token = self.server.token

    def call(self, method, path, body=None, token=True, headers=None, raw=None):
        head = {"Accept": "application/json", **(headers or {})}
        if token:
            head["X-Review-Token"] = self.token if token is True else token
        data = raw
        if body is not None:
            head.setdefault("Content-Type", "application/json")
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=head, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                payload = resp.read()
                status, reply_headers = resp.status, resp.headers
        except urllib.error.HTTPError as exc:
            payload, status, reply_headers = exc.read(), exc.code, exc.headers
        ctype = reply_headers.get("Content-Type", "")
        return status, (json.loads(payload) if ctype.startswith("application/json") else payload), reply_headers

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body if body is not None else {}, **kw)

    def track(self, lang="es"):
        status, data, _ = self.get(f"/api/videos/talk/tracks/{lang}")
        assert status == 200, data
        return data

    def close(self):
        if self.server is None:
            return
        self.server.shutdown()
        self.server.close()
        self.thread.join(5)


@pytest.fixture
def api(drafted):
    client = Api(drafted)
    yield client
    client.close()


T = "/api/videos/talk/tracks/es"


def test_list_videos_and_tracks(api):
    status, data, headers = api.get("/api/videos")
    assert status == 200 and headers["Content-Type"] == "application/json" and headers["Cache-Control"] == "no-store"
    (video,) = data["videos"]
    assert video["id"] == "talk" and video["title"] == "talk title"
    tracks = {t["language"]: t for t in video["tracks"]}
    assert tracks["en"]["origin"] == "human" and tracks["en"]["publishable"]
    assert tracks["es"]["origin"] == "machine" and not tracks["es"]["publishable"]
    assert tracks["es"]["counts"] == {"machine": 4} and tracks["es"]["open_comments"] == 0
    assert tracks["es"]["path"] == "subtitles/talk/es.srt"


def test_get_track_cues_with_state_findings_source_and_version(api):
    track = api.track()
    assert track["path"] == "subtitles/talk/es.srt" and track["record_path"] == "subtitles/talk/es.review.tsv"
    assert track["notes_path"] == "subtitles/talk/es.notes.tsv" and track["source_language"] == "en"
    assert "pipeline build" in track["next_step"] and track["origin"] == "machine"
    assert [c["state"] for c in track["cues"]] == ["machine"] * 4
    disk = read_track(api.project.track_path("talk", "es"))
    for cue, item in zip(disk.cues, track["cues"]):
        assert item["text"] == cue.text and item["version"] == cue_version(cue)
    assert track["cues"][0]["source"] == ["Survivors deserve to be heard."]
    # Findings are exactly what `pipeline check` reports for each cue.
    from pipeline.checks import check_track

    found = check_track(api.project, "talk", "es")
    for item in track["cues"]:
        expected = sorted((f.rule, f.message) for f in found if f.cue == item["number"])
        assert sorted((f["rule"], f["message"]) for f in item["findings"]) == expected
    assert track["style"]["size"] > 0 and track["style"]["position"] == "bottom"
    status, versions, _ = api.get(T + "/versions")
    assert status == 200 and versions["file_version"] == track["file_version"]
    assert versions["record_version"] == track["record_version"] and versions["notes_version"] is None


def test_check_gives_findings_for_text_not_yet_saved(api):
    long = "Las personas sobrevivientes merecen ser escuchadas en todas partes, siempre y por todos."
    before = api.project.track_path("talk", "es").read_bytes()
    status, data, _ = api.post(T + "/check", {"number": 2, "text": long})
    assert status == 200 and data["number"] == 2
    assert "chars-per-line" in {f["rule"] for f in data["findings"]}
    from pipeline.linebreak import break_lines

    assert data["fix"] is None  # 88 characters fit no two lines of 42: fix would not touch it
    fits = "Los servicios de apoyo ayudan a las personas sobrevivientes."
    status, data, _ = api.post(T + "/check", {"number": 2, "text": fits})
    assert data["fix"] == "\n".join(break_lines(fits, 42, 2, "es"))  # what `pipeline fix` would write
    status, data, _ = api.post(T + "/check", {"number": 2, "text": "Ayudan."})
    assert "chars-per-line" not in {f["rule"] for f in data["findings"]} and data["fix"] is None
    status, data, _ = api.post(T + "/check", {"number": 2, "text": ""})
    assert status == 200 and data["findings"][0]["rule"] == "text"
    assert api.project.track_path("talk", "es").read_bytes() == before  # nothing written


def test_save_one_cue_in_place(api):
    path = api.project.track_path("talk", "es")
    # A translator's editor left CRLF endings and a BOM: they stay, as does every other cue's byte.
    crlf = codecs.BOM_UTF8 + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(crlf)
    cue = api.track()["cues"][1]
    status, data, _ = api.post(T + "/cues/2", {"version": cue["version"], "text": "Los servicios de apoyo\nayudan.  "})
    assert status == 200 and data["changed"] and data["text"] == "Los servicios de apoyo\nayudan."
    after = path.read_bytes()
    assert after == crlf.replace(cue["text"].encode(), "Los servicios de apoyo\r\nayudan.".encode())
    track = api.track()
    assert track["cues"][1]["state"] == "edited" and track["cues"][1]["version"] == data["version"]
    assert track["cues"][1]["edited_at"] and track["cues"][1]["edited_by"] is None  # saved without a name
    assert track["file_version"] == data["file_version"]
    assert not list(path.parent.glob(".*partial*"))  # no temp file left behind
    # The same text again: nothing to write.
    status, data, _ = api.post(T + "/cues/2", {"version": data["version"], "text": "Los servicios de apoyo\nayudan."})
    assert status == 200 and not data["changed"] and path.read_bytes() == after


def test_save_refused_when_the_cue_changed_elsewhere(api):
    path = api.project.track_path("talk", "es")
    cues = api.track()["cues"]
    # A text editor changes cue 3 after the page loaded it.
    path.write_bytes(path.read_bytes().replace(cues[2]["text"].encode(), b"Editado en otro sitio."))
    status, data, _ = api.post(T + "/cues/3", {"version": cues[2]["version"], "text": "Mi texto"})
    assert status == 409 and "changed elsewhere" in data["error"]
    assert b"Editado en otro sitio." in path.read_bytes() and b"Mi texto" not in path.read_bytes()
    # Another cue of the same file is still saved, and the editor's change is kept.
    status, data, _ = api.post(T + "/cues/1", {"version": cues[0]["version"], "text": "Primera."})
    assert status == 200
    assert b"Editado en otro sitio." in path.read_bytes() and b"Primera." in path.read_bytes()
    # A cue inserted above shifts the numbers: cue 4 by number is another cue now, so its old version fails.
    text = path.read_text(encoding="utf-8")
    path.write_text("1\n00:00:00,000 --> 00:00:00,100\nNuevo.\n\n" + text, encoding="utf-8")
    status, _, _ = api.post(T + "/cues/4", {"version": cues[3]["version"], "text": "x"})
    assert status == 409


def test_two_reviewers_save_at_once(api):
    cues = api.track()["cues"]
    results = {}

    def save(number, text):
        results[number, text] = api.post(T + f"/cues/{number}", {"version": cues[number - 1]["version"], "text": text})[0]

    threads = [threading.Thread(target=save, args=(n, f"Texto {n}")) for n in (1, 2, 3, 4)]
    threads += [threading.Thread(target=save, args=(1, "Otro texto 1"))]  # the same cue, the same base version
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values()) == [200, 200, 200, 200, 409]
    texts = [c.text for c in read_track(api.project.track_path("talk", "es")).cues]
    assert texts[1:] == ["Texto 2", "Texto 3", "Texto 4"] and texts[0] in ("Texto 1", "Otro texto 1")


def test_save_refused_while_a_build_holds_the_lock(api):
    cue = api.track()["cues"][0]
    path = api.project.track_path("talk", "es")
    before = path.read_bytes()
    with project_lock(api.project, wait=False):
        status, data, _ = api.post(T + "/cues/1", {"version": cue["version"], "text": "Bloqueado."})
        assert status == 423 and "nothing was written" in data["error"]
        status, _, _ = api.post(T + "/approve", {"cues": [{"number": 1, "version": cue["version"]}], "reviewer": "Ana"})
        assert status == 423
    assert path.read_bytes() == before
    assert api.post(T + "/cues/1", {"version": cue["version"], "text": "Libre."})[0] == 200


def test_save_and_approve_wait_briefly_for_a_draft_then_say_locked(api):
    """A draft (or `pipeline approve`) holds the video's subtitles folder while it writes: the workbench
    waits for it a moment, then answers 423 rather than keeping the reviewer waiting for a long draft."""
    from pipeline.fsutil import folder_lock

    cue = api.track()["cues"][0]
    path = api.project.track_path("talk", "es")
    before = path.read_bytes()
    with folder_lock(path.parent):
        started = time.monotonic()
        status, data, _ = api.post(T + "/cues/1", {"version": cue["version"], "text": "Durante el borrador."})
        assert status == 423 and "another command is changing these subtitles" in data["error"]
        assert 1.5 < time.monotonic() - started < 10
        ref = [{"number": 1, "version": cue["version"]}]
        assert api.post(T + "/approve", {"cues": ref, "reviewer": "Ana"})[0] == 423
        assert api.post(T + "/comments", {"number": 1, "version": cue["version"], "author": "Ana",
                                          "text": "x"})[0] == 423
    assert path.read_bytes() == before
    assert api.post(T + "/cues/1", {"version": cue["version"], "text": "Después."})[0] == 200


def test_bad_input_is_a_400_with_a_json_message(api):
    cue = api.track()["cues"][0]
    cases = [
        (T + "/cues/1", {"version": cue["version"], "text": ""}, 400, "needs some text"),
        (T + "/cues/1", {"version": cue["version"], "text": "00:00:01,000 --> 00:00:02,000"}, 400, "timing line"),
        (T + "/cues/1", {"text": "x"}, 400, "version"),
        (T + "/cues/1", {"version": cue["version"], "text": 5}, 400, "string"),
        (T + "/cues/1", {"version": cue["version"], "text": "x" * 5000}, 400, "at most"),
        (T + "/cues/9", {"version": cue["version"], "text": "x"}, 404, "no cue 9"),
        (T + "/check", {"number": "1", "text": "x"}, 400, "whole number"),
        (T + "/approve", {"cues": [{"number": 1, "version": cue["version"]}]}, 400, "name"),
        (T + "/approve", {"cues": "all", "reviewer": "Ana"}, 400, "name the cues"),
        (T + "/comments", {"number": 1, "version": cue["version"], "author": "Ana", "text": " "}, 400, "needs some text"),
        (T + "/comments", {"number": -1, "author": "Ana", "text": "x"}, 400, "cue number"),
        (T + "/comments/7", {"author": "Ana"}, 404, "no comment 7"),
        ("/api/videos/nope/tracks/es/check", {"number": 1, "text": "x"}, 404, "no video 'nope'"),
        ("/api/videos/talk/tracks/sq/check", {"number": 1, "text": "x"}, 404, "no 'sq' track"),
    ]
    for path, body, code, needle in cases:
        status, data, headers = api.post(path, body)
        assert (status, headers["Content-Type"]) == (code, "application/json"), (path, body, data)
        assert needle in data["error"] and data["status"] == code, (path, data)
    status, data, _ = api.call("POST", T + "/cues/1", raw=b"{not json", headers={"Content-Type": "application/json"})
    assert status == 400 and "not valid JSON" in data["error"]
    status, data, _ = api.call("POST", T + "/cues/1", raw=b"text=x", headers={"Content-Type": "text/plain"})
    assert status == 400 and "as JSON" in data["error"]
    status, data, _ = api.call("POST", T + "/cues/1", raw=b"[1]", headers={"Content-Type": "application/json"})
    assert status == 400 and "JSON object" in data["error"]
    status, data, _ = api.call("POST", T + "/cues/1", raw=b"x" * 70000, headers={"Content-Type": "application/json"})
    assert status == 413
    assert api.get(T + "/nothing")[0] == 404
    status, data, headers = api.call("DELETE", T)
    assert status == 405
    status, data, headers = api.get(T + "/check")
    assert status == 405 and "POST" in headers["Allow"]


def test_approve_and_unapprove_by_version(api):
    path = api.project.track_path("talk", "es")
    cues = api.track()["cues"]
    refs = [{"number": c["number"], "version": c["version"]} for c in cues[:2]]
    status, data, _ = api.post(T + "/approve", {"cues": refs, "reviewer": "  Ana   Ruiz "})
    assert status == 200 and data["changed"] == [1, 2] and data["reviewer"] == "Ana Ruiz"
    assert [c["state"] for c in api.track()["cues"]] == ["approved", "approved", "machine", "machine"]
    record = read_record(path)
    assert [r.approved_sha != "-" for r in record.rows] == [True, True, False, False]
    assert [r.approved_by for r in record.rows[:2]] == ["Ana Ruiz", "Ana Ruiz"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r.approved_at) for r in record.rows[:2])
    assert api.track()["cues"][0]["approved_by"] == "Ana Ruiz"
    status, data, _ = api.post(T + "/unapprove", {"cues": refs[1:], "reviewer": "Ana Ruiz"})
    assert status == 200 and data["changed"] == [2]
    assert [c["state"] for c in api.track()["cues"]] == ["approved", "machine", "machine", "machine"]
    assert read_record(path).rows[1].approved_by == "-"  # who approved goes with the approval
    # A version that is no longer on disk: refused whole, nothing approved.
    path.write_bytes(path.read_bytes().replace(cues[3]["text"].encode(), b"Cambiado."))
    stale_refs = [{"number": 3, "version": cues[2]["version"]}, {"number": 4, "version": cues[3]["version"]}]
    status, data, _ = api.post(T + "/approve", {"cues": stale_refs, "reviewer": "Ana"})
    assert status == 409
    assert [c["state"] for c in api.track()["cues"]][2:] == ["machine", "edited"]
    # A person's track has nothing to approve.
    en = api.track("en")["cues"][0]
    status, data, _ = api.post("/api/videos/talk/tracks/en/approve",
                               {"cues": [{"number": 1, "version": en["version"]}], "reviewer": "Ana"})
    assert status == 400 and "person's track" in data["error"]


def test_comments_add_resolve_reopen_and_status_counts_them(api):
    cue = api.track()["cues"][2]
    status, data, _ = api.post(T + "/comments", {"number": 3, "version": cue["version"], "author": "Ana",
                                                  "text": "¿«ahí» o «allí»?\nMira el glosario."})
    assert status == 201 and data["comment"]["id"] == 1 and data["comment"]["status"] == "open"
    status, data, _ = api.post(T + "/comments", {"number": 0, "author": "Bo", "text": "Track-wide note"})
    assert status == 201
    track = api.track()
    assert [c["text"] for c in track["cues"][2]["comments"]] == ["¿«ahí» o «allí»?\nMira el glosario."]
    assert [c["text"] for c in track["track_comments"]] == ["Track-wide note"]
    notes = api.project.track_path("talk", "es").with_suffix(".notes.tsv")
    assert "Mira el glosario." in notes.read_text(encoding="utf-8")
    assert _status_comments(api.project, "es") == 2
    table = run_cli("--project", str(api.project.root), "status").output
    assert "comments" in table and "2 open" in table
    assert api.post(T + "/comments/1", {"author": "Bo"})[1]["comment"]["resolved_by"] == "Bo"
    assert _status_comments(api.project, "es") == 1
    assert api.post(T + "/comments/1", {"author": "Bo", "status": "open"})[1]["comment"]["status"] == "open"
    assert api.post(T + "/comments/1", {"author": "Bo", "status": "maybe"})[0] == 400
    # A comment on a cue that changed since the page read it: refused, the cue is not what was commented on.
    status, _, _ = api.post(T + "/comments", {"number": 3, "version": "0" * 16, "author": "Ana", "text": "x"})
    assert status == 409


def test_add_a_word_to_the_projects_word_list(api):
    words = api.project.root / "assets" / "glossary" / "words.es.txt"
    status, data, _ = api.post("/api/words/es", {"word": "grooming", "reviewer": "Ana"})
    assert status == 200 and data == {"path": "assets/glossary/words.es.txt", "word": "grooming", "added": True}
    assert api.post("/api/words/es", {"word": "Grooming"})[1]["added"] is False  # already there (any case)
    text = words.read_text(encoding="utf-8")
    assert text.startswith("# Words the spelling check accepts in Spanish") and text.count("grooming") == 1
    from pipeline.wordlist import project_words

    assert "grooming" in project_words(api.project.root, "es")
    for body, lang in (({"word": "two words"}, "es"), ({"word": "<b>"}, "es"), ({"word": 3}, "es"),
                       ({"word": "x"}, "..%2f..%2fetc"), ({"word": "x"}, "ES")):
        status, data, _ = api.post(f"/api/words/{lang}", body)
        assert status in (400, 404), (body, lang, data)
    assert api.post("/api/words/es", {"word": "otra"}, token=False)[0] == 403
    assert "otra" not in words.read_text(encoding="utf-8")


def _status_comments(project, language):
    result = run_cli("--project", str(project.root), "status", "--json")
    tracks = json.loads(result.output)["videos"][0]["tracks"]
    return next(t for t in tracks if t["language"] == language)["open_comments"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_stale_cue_shows_the_word_diff_of_its_source(drafted):
    root = drafted.root
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@x"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "draft"]):
        subprocess.run(["git", *args], cwd=root, check=True, env=env)
    en = drafted.track_path("talk", "en")
    en.write_text(en.read_text(encoding="utf-8").replace("You are not alone.", "You are never alone."), encoding="utf-8")
    client = Api(drafted)
    try:
        cue = client.track()["cues"][3]
        assert cue["state"] == "stale"
        assert cue["stale"] == {"old": "You are not alone.", "now": "You are never alone.",
                                "diff": [["=", "You are "], ["-", "not"], ["+", "never"], ["=", " alone."]]}
    finally:
        client.close()


_SERVE_LIMITED = """
import resource, sys
from pipeline.project import load_project
from pipeline.review_page.server import make_server
server = make_server(load_project(sys.argv[1], explicit=True), "127.0.0.1", 0)
limit = int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))  # no file of this process may grow past it
print(server.base, server.token, flush=True)
server.serve_forever()
"""


def test_a_full_disk_loses_nothing_and_says_so(drafted):
    """A server whose writes fail as on a full disk (a real EFBIG from the kernel, in a subprocess with a
    file-size limit): the save is refused with a clear 507, the track, the record and the comments are as
    they were, no temp file is left, and the server goes on working."""
    path = drafted.track_path("talk", "es")
    before, record_before = path.read_bytes(), path.with_suffix(".review.tsv").read_bytes()
    limit = max(len(before), len(record_before)) + 300
    proc = subprocess.Popen([sys.executable, "-c", _SERVE_LIMITED, str(drafted.root), str(limit)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base, token = proc.stdout.readline().split()
        client = Api(drafted, remote=(base, token))
        cue = client.track()["cues"][0]
        status, data, _ = client.post(T + "/cues/1", {"version": cue["version"], "text": "Muy largo. " * 180})
        assert status == 507 and "the disk is full" in data["error"] and "es.srt" in data["error"]
        assert "your text is kept" in data["hint"]
        assert path.read_bytes() == before
        assert [p.name for p in path.parent.iterdir() if "partial" in p.name] == []
        status, data, _ = client.post(T + "/comments", {"number": 1, "version": cue["version"], "author": "Ana",
                                                        "text": "Nota " * 790})
        assert status == 507 and not path.with_suffix(".notes.tsv").exists()
        assert path.with_suffix(".review.tsv").read_bytes() == record_before
        status, data, _ = client.post(T + "/cues/1", {"version": cue["version"], "text": "Corto."})
        assert status == 200 and read_track(path).cues[0].text == "Corto."
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=10)
    assert "Traceback" not in err


_SERVE = """
import sys
from pipeline.project import load_project
from pipeline.review_page.server import make_server
server = make_server(load_project(sys.argv[1], explicit=True), "127.0.0.1", 0)
print(server.base, server.token, flush=True)
server.serve_forever()
"""


_SERVE_PAUSING = _SERVE.replace("import sys\n", """import os, sys, time
from pathlib import Path
_replace = os.replace


def paused_replace(src, dst, *args, **kwargs):  # the worst moment: the new text written, not yet renamed
    if str(dst).endswith(".srt"):
        Path(sys.argv[2]).write_text(str(src))
        time.sleep(600)
    return _replace(src, dst, *args, **kwargs)


os.replace = paused_replace
""")


def test_killed_at_the_worst_moment_of_a_save_the_track_is_whole(drafted, tmp_path):
    """kill -9 the server after it wrote a cue's new text to its temp file and before the rename: the track
    is exactly as it was (never half-written under its name), and the next server works normally."""
    path = drafted.track_path("talk", "es")
    before = path.read_bytes()
    flag = tmp_path / "paused"
    proc = subprocess.Popen([sys.executable, "-c", _SERVE_PAUSING, str(drafted.root), str(flag)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        client = Api(drafted, remote=tuple(proc.stdout.readline().split()))
        cue = client.track()["cues"][0]
        def save():
            with contextlib.suppress(OSError):  # the server dies under it
                client.post(T + "/cues/1", {"version": cue["version"], "text": "Nunca a medias."})

        saving = threading.Thread(target=save, daemon=True)
        saving.start()
        deadline = time.monotonic() + 30
        while not flag.exists():
            assert time.monotonic() < deadline and proc.poll() is None, "the save never reached the rename"
            time.sleep(0.05)
        temp = Path(flag.read_text())
        assert "Nunca a medias." in temp.read_text(encoding="utf-8")  # the new text was written in full ...
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert path.read_bytes() == before  # ... and the track is the old one, whole
    assert temp.name.startswith(".") and drafted.track_languages("talk") == ["en", "es"]
    client = Api(drafted)  # a new server: the leftover temp file is no track and disturbs nothing
    try:
        cue = client.track()["cues"][0]
        assert client.post(T + "/cues/1", {"version": cue["version"], "text": "Ahora sí."})[0] == 200
        assert read_track(path).cues[0].text == "Ahora sí."
    finally:
        client.close()


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed (the draft records its source)")
def test_stale_cue_old_source_text_comes_from_the_record(drafted):
    """A draft records the source text with its hash, so a stale cue's change shows without any history."""
    assert not (drafted.root / ".git").exists()
    en = drafted.track_path("talk", "en")
    en.write_text(en.read_text(encoding="utf-8").replace("Help is there.", "Help is always there."), encoding="utf-8")
    client = Api(drafted)
    try:
        cue = client.track()["cues"][2]
        assert cue["state"] == "stale"
        assert cue["stale"]["old"] == "Help is there." and cue["stale"]["now"] == "Help is always there."
        assert ["+", "always "] in cue["stale"]["diff"]
    finally:
        client.close()


# ---------------------------------------------------------------- safety on a network


def test_changes_need_the_key_and_the_same_origin(api):
    cue = api.track()["cues"][0]
    path = api.project.track_path("talk", "es")
    before = path.read_bytes()
    body = {"version": cue["version"], "text": "Sin llave."}
    assert api.post(T + "/cues/1", body, token=False)[0] == 403
    assert api.post(T + "/cues/1", body, token="wrong")[0] == 403
    status, data, _ = api.post(T + "/cues/1", body, headers={"Origin": "http://evil.example"})
    assert status == 403 and "another site" in data["error"]
    status, _, _ = api.post(T + "/cues/1", body, headers={"Sec-Fetch-Site": "cross-site"})
    assert status == 403
    for endpoint in ("/check", "/approve", "/unapprove", "/comments", "/comments/1"):
        assert api.post(T + endpoint, {}, token=False)[0] == 403, endpoint
    assert path.read_bytes() == before
    assert api.post(T + "/cues/1", body, headers={"Origin": api.base})[0] == 200
    assert api.get("/api/videos", token=False)[0] == 200  # reads on loopback need no key


def test_host_header_must_name_this_server(api):
    for host in ("evil.example", "evil.example:80", f"rebind.attacker.test:{api.server.port}"):
        status, data, _ = api.get("/api/videos", headers={"Host": host})
        assert status == 400 and "does not answer for host" in data["error"], host
    for host in (f"127.0.0.1:{api.server.port}", f"localhost:{api.server.port}", "[::1]"):
        assert api.get("/api/videos", headers={"Host": host})[0] == 200, host
    assert host_allowed("192.168.1.5:8765", loopback_only=False, names={"localhost"})
    assert not host_allowed("192.168.1.5:8765", loopback_only=True, names={"localhost"})
    assert host_allowed("reviewbox:8765", loopback_only=False, names={"localhost", "reviewbox"})
    assert not host_allowed("reviewbox.evil.example", loopback_only=False, names={"localhost", "reviewbox"})
    assert not host_allowed(None, loopback_only=True, names=set())


def test_nothing_outside_the_workbench_is_served(api, tmp_path):
    review = api.project.dist / "review"
    review.mkdir(parents=True, exist_ok=True)
    (review / "x").symlink_to("/etc")  # served /etc/passwd as /x/passwd before the workbench
    for path in ("/x/passwd", "/talk/index.html", "/../../assets/catalog.toml", "/%2e%2e/assets/catalog.toml",
                 "/media/..%2fassets", "/subtitles/talk/es.srt"):
        status, data, _ = api.get(path)
        assert status == 404 and b"root:" not in json.dumps(data).encode(), path
    for path in ("/%00", "/api/videos/talk/tracks/es%00", "/media/talk%0a"):
        status, data, _ = api.get(path)
        assert status == 400 and "control characters" in data["error"], path
    assert api.get("/%ff")[0] in (400, 404)
    # The video's browser copy replaced by a symlink out of the project: refused.
    status, _, _ = api.get("/media/talk")
    assert status == 200
    media = review / "talk" / "talk.mp4"
    media.unlink()
    media.symlink_to("/etc/passwd")
    status, data, _ = api.get("/media/talk")
    assert status == 404 and b"root:" not in json.dumps(data).encode()


def test_media_is_served_in_byte_ranges(api):
    status, body, headers = api.get("/media/talk")
    video = (api.project.dist / "review" / "talk" / "talk.mp4").read_bytes()
    assert status == 200 and body == video and headers["Content-Type"] == "video/mp4"
    assert headers["Accept-Ranges"] == "bytes"
    status, body, headers = api.get("/media/talk", headers={"Range": "bytes=100-199"})
    assert status == 206 and body == video[100:200] and headers["Content-Range"] == f"bytes 100-199/{len(video)}"
    assert api.get("/media/talk", headers={"Range": "bytes=-10"})[1] == video[-10:]
    status, _, headers = api.get("/media/talk", headers={"Range": f"bytes={len(video)}-"})
    assert status == 416
    assert api.get("/media/nope")[0] == 404


def test_the_page_is_locked_down_and_carries_no_data(api):
    status, body, headers = api.get("/")
    html = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert "Survivors" not in html and api.token not in html  # cue text and the key come only through the API


def test_listening_beyond_loopback_needs_the_key_for_everything(drafted):
    client = Api(drafted, host="0.0.0.0")
    try:
        assert client.get("/", token=False)[0] == 200  # the empty page, nothing of the project
        assert client.get("/api/videos", token=False)[0] == 403
        assert client.get("/media/talk", token=False)[0] == 403
        assert client.get(f"/media/talk?token={client.token}", token=False)[0] == 200
        assert client.get("/api/videos")[0] == 200
    finally:
        client.close()


def test_cli_serve_on_all_addresses_warns(drafted):
    repo = Path(__file__).resolve().parents[1]
    proc = start_for_ctrl_c([sys.executable, "-m", "pipeline", "--project", str(drafted.root), "review", "talk", "es",
                             "--serve", "--host", "0.0.0.0", "--port", "0"], cwd=repo)
    try:
        for line in proc.stdout:
            if line.startswith("review workbench for "):
                break
        assert "#key=" in line and "&video=talk&lang=es" in line
        out, err = stop_with_ctrl_c(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "warning: listening on 0.0.0.0" in err and "Traceback" not in err
    assert proc.returncode == 0


def test_a_server_error_is_json_not_a_traceback(api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(api.server.app.workbench, "videos", broken)
    status, data, _ = api.get("/api/videos")
    assert status == 500 and "a bug" in data["error"] and "simulated" not in data["error"]


def test_every_api_address_is_documented():
    """docs/review-api.md has a section for each address the server routes (scripts rely on that page)."""
    from pipeline.review_page.server import ROUTES

    docs = (Path(__file__).resolve().parent.parent / "docs" / "review-api.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^### (.+)$", docs, re.MULTILINE))
    names = {"<int:number>": "<number>", "<int:comment>": "<id>"}
    missing = []
    for rule in ROUTES.iter_rules():
        if rule.rule == "/":
            continue
        shown = rule.rule.replace("/api/videos/<video>/tracks/<lang>", "…/tracks/es")
        for raw, doc in names.items():
            shown = shown.replace(raw, doc)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if not any(f"`{method} {shown}`" in h for h in headings):
                missing.append(f"{method} {shown}")
    assert missing == []


# ---------------------------------------------------------------- in a real browser

from test_review_page import PageWatch, browser  # noqa: E402,F401 - the module's browser fixture

CARD = ".cue[data-number='{}']"


def _open(browser, client, lang="es", with_key=True) -> PageWatch:
    url = client.server.page_url("talk", lang) if with_key else client.base + f"/#video=talk&lang={lang}"
    watch = PageWatch(browser)
    watch.page.goto(url)
    watch.wait("document.querySelectorAll('.cue').length > 0", timeout=20)
    return watch


def _findings(watch, number):
    return watch.js(f"[...document.querySelectorAll(\"{CARD.format(number)} .findings li .rule\")].map(e => e.textContent)")


@pytest.mark.browser
def test_a_reviewer_edits_saves_approves_and_comments(browser, drafted):
    client = Api(drafted)
    path = drafted.track_path("talk", "es")
    before = read_track(path).cues
    watch = _open(browser, client)
    page = watch.page
    try:
        assert "key=" not in page.url  # the key left the address bar (kept for this tab only)
        assert page.locator("#track-path").inner_text() == "subtitles/talk/es.srt"
        assert "pipeline build" in page.locator("#next-step").inner_text()
        assert watch.js("document.querySelectorAll('.cue').length") == 4
        page.fill("#reviewer", "Ana Ruiz")

        # Typing a long line: check's chars-per-line finding appears before anything is saved.
        edit = page.locator(CARD.format(2) + " textarea.edit")
        edit.click()
        page.keyboard.press("Control+A")
        long = "Los servicios de apoyo ayudan a las personas sobrevivientes cada día"
        edit.press_sequentially(long, delay=5)
        watch.wait(f"[...document.querySelectorAll(\"{CARD.format(2)} .findings li .rule\")]"
                   ".some(e => e.textContent === 'chars-per-line')")
        assert read_track(path).cues == before  # still nothing on disk
        # pipeline fix's own line breaking is offered as one click.
        watch.wait(f"!document.querySelector(\"{CARD.format(2)} .fix-offer\").hidden")
        assert "\n" in page.locator(CARD.format(2) + " .fix-text").inner_text()
        # The caption on the picture shows the text as typed.
        watch.js("document.getElementById('video').currentTime = 1.2")
        watch.wait(f"document.getElementById('captions').textContent === {json.dumps(long)}")
        # Break the line: the finding goes away as they type.
        edit.press("End")
        for _ in range(len("a las personas sobrevivientes cada día")):
            edit.press("ArrowLeft")
        edit.press("Backspace")
        edit.press("Enter")
        watch.wait(f"![...document.querySelectorAll(\"{CARD.format(2)} .findings li .rule\")]"
                   ".some(e => e.textContent === 'chars-per-line') && "
                   f"!document.querySelector(\"{CARD.format(2)} .findings\").classList.contains('checking')")
        page.keyboard.press("Control+s")
        watch.wait(f"document.querySelector(\"{CARD.format(2)} .msg\").textContent.startsWith('Saved')")
        saved = "Los servicios de apoyo ayudan\na las personas sobrevivientes cada día"
        after = read_track(path).cues
        assert after[1].text == saved and after[:1] + after[2:] == before[:1] + before[2:]
        watch.wait(f"document.querySelector(\"{CARD.format(2)} .badge\").textContent === 'edited'")

        # Approve that cue with its button; the record says so.
        page.click(CARD.format(2) + " button.approve")
        watch.wait(f"document.querySelector(\"{CARD.format(2)} .badge\").textContent === 'approved'")
        rows = read_record(path).rows
        assert rows[1].approved_sha != "-" and all(r.approved_sha == "-" for i, r in enumerate(rows) if i != 1)
        assert rows[1].approved_by == "Ana Ruiz" and rows[1].edited_by == "Ana Ruiz"
        assert "approved by Ana Ruiz" in page.locator(CARD.format(2) + " .who-did").inner_text()

        # A comment on cue 3, then `pipeline status` counts it.
        page.click(CARD.format(3) + " button.comment-toggle")
        page.fill(CARD.format(3) + " textarea.comment-text", "¿«ahí» o «allí»? Mira el glosario.")
        page.click(CARD.format(3) + " button.comment-add")
        watch.wait(f"document.querySelector(\"{CARD.format(3)} .comments .text\")?.textContent === "
                   "'¿«ahí» o «allí»? Mira el glosario.'")
        assert _status_comments(drafted, "es") == 1
        assert "Ana Ruiz" in path.with_suffix(".notes.tsv").read_text(encoding="utf-8")
        page.click(CARD.format(3) + " .comments button.resolve")
        watch.wait(f"document.querySelector(\"{CARD.format(3)} .comments li\")?.classList.contains('resolved')")
        assert _status_comments(drafted, "es") == 0

        # Approve all reviewed: two clicks (the first asks), then every cue is approved and the track publishable.
        page.click("#approve-all")
        assert "Click again" in page.locator("#approve-all").inner_text()
        page.click("#approve-all")
        watch.wait("[...document.querySelectorAll('.cue .badge')].every(b => b.textContent === 'approved')")
        watch.wait("document.getElementById('next-step').textContent.startsWith('Publishable')")
        status = json.loads(run_cli("--project", str(drafted.root), "status", "--json").output)
        es = next(t for t in status["videos"][0]["tracks"] if t["language"] == "es")
        assert es["publishable"] and es["counts"]["approved"] == 4
        assert watch.errors == [] and watch.dialogs == []
        # The name is remembered by the browser for next time.
        assert watch.js("localStorage.getItem('pipeline-reviewer')") == "Ana Ruiz"
    finally:
        watch.close()
        client.close()


@pytest.mark.browser
def test_an_edit_made_elsewhere_mid_review_is_refused_and_nothing_is_lost(browser, drafted):
    client = Api(drafted)
    path = drafted.track_path("talk", "es")
    watch = _open(browser, client)
    page = watch.page
    try:
        edit = page.locator(CARD.format(1) + " textarea.edit")
        edit.fill("Mi traducción, sin guardar.")
        # Meanwhile a text editor saves another text for the same cue.
        text = path.read_text(encoding="utf-8")
        first = read_track(path).cues[0].text
        path.write_text(text.replace(first, "Texto del editor."), encoding="utf-8")
        page.click(CARD.format(1) + " button.save")
        watch.wait(f"document.querySelector(\"{CARD.format(1)} .msg\").textContent.includes('Changed elsewhere')")
        assert "reload" in page.locator(CARD.format(1) + " .msg").inner_text()
        assert edit.input_value() == "Mi traducción, sin guardar."  # the reviewer's text stays on the page
        assert read_track(path).cues[0].text == "Texto del editor."  # and the editor's on disk
        assert page.locator("#notice").is_visible()
        page.click("#notice-reload")
        watch.wait(f"!document.querySelector(\"{CARD.format(1)} .conflict\").hidden")
        assert "Texto del editor." in page.locator(CARD.format(1) + " .conflict").inner_text()
        assert edit.input_value() == "Mi traducción, sin guardar."
        page.click(CARD.format(1) + " button.save")  # now knowingly replacing the editor's text
        watch.wait(f"document.querySelector(\"{CARD.format(1)} .msg\").textContent.startsWith('Saved')")
        assert read_track(path).cues[0].text == "Mi traducción, sin guardar."

        # A change on disk while nothing is being edited: the page picks it up by itself.
        page.locator("#reviewer").click()  # focus out of the cue list
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(read_track(path).cues[3].text, "Cambio desde fuera."), encoding="utf-8")
        # (?.: while the page reloads the track its cue list is re-drawn, and the card is briefly absent)
        watch.wait(f"document.querySelector(\"{CARD.format(4)} textarea.edit\")?.value === 'Cambio desde fuera.'",
                   timeout=15)
        # With unsaved text on the page, it asks instead of reloading under the reviewer's hands.
        page.locator(CARD.format(2) + " textarea.edit").fill("Sin guardar.")
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("Cambio desde fuera.", "Otro cambio."), encoding="utf-8")
        watch.wait("!document.getElementById('notice').hidden && "
                   "document.getElementById('notice-text').textContent.includes('changed on disk')", timeout=15)
        assert page.locator(CARD.format(2) + " textarea.edit").input_value() == "Sin guardar."
        assert watch.errors == [] or all("409" in e for e in watch.errors)
    finally:
        watch.close()
        client.close()


@pytest.mark.browser
def test_unsaved_text_survives_closing_the_page(browser, drafted):
    client = Api(drafted)
    path = drafted.track_path("talk", "es")
    context = browser.new_context(viewport={"width": 1200, "height": 800})  # one browser profile, two tabs

    class Profile:
        def new_page(self, **_):
            return context.new_page()

    watch = _open(Profile(), client)
    try:
        watch.page.locator(CARD.format(3) + " textarea.edit").fill("A medio escribir")
        watch.page.close()  # the tab is closed (or crashed) before saving
        watch = _open(Profile(), client)
        edit = watch.page.locator(CARD.format(3) + " textarea.edit")
        watch.wait(f"document.querySelector(\"{CARD.format(3)} textarea.edit\").value === 'A medio escribir'")
        assert "unsaved text from before" in watch.page.locator(CARD.format(3) + " .msg").inner_text()
        assert watch.js(f"document.querySelector(\"{CARD.format(3)}\").classList.contains('dirty')")
        edit.click()
        watch.page.keyboard.press("Control+s")
        watch.wait(f"document.querySelector(\"{CARD.format(3)} .msg\").textContent.startsWith('Saved')")
        assert read_track(path).cues[2].text == "A medio escribir"
        assert watch.js("Object.keys(localStorage).filter(k => k.startsWith('pipeline-unsaved:')).length") == 0
    finally:
        watch.close()
        context.close()
        client.close()


@pytest.mark.browser
def test_without_the_key_the_page_reads_but_changes_nothing(browser, drafted):
    client = Api(drafted)
    path = drafted.track_path("talk", "es")
    before = path.read_bytes()
    watch = _open(browser, client, with_key=False)
    page = watch.page
    try:
        assert "Read only" in page.locator("#notice-text").inner_text()
        page.locator(CARD.format(1) + " textarea.edit").fill("Sin llave.")
        page.click(CARD.format(1) + " button.save")
        watch.wait(f"document.querySelector(\"{CARD.format(1)} .msg\").textContent.includes('key')")
        assert path.read_bytes() == before
        assert page.locator(CARD.format(1) + " textarea.edit").input_value() == "Sin llave."
        # The printed address pasted into this tab (only the fragment changes): the key is taken, the text saved.
        page.goto(client.server.page_url("talk", "es"))
        watch.wait("!document.getElementById('notice-text').textContent.includes('Read only')")
        page.click(CARD.format(1) + " button.save")
        watch.wait(f"document.querySelector(\"{CARD.format(1)} .msg\").textContent.startsWith('Saved')")
        assert read_track(path).cues[0].text == "Sin llave."
    finally:
        watch.close()
        client.close()


@pytest.mark.browser
def test_hostile_cue_text_stays_text_and_keys_move_between_cues(browser, make_project):
    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": [(0.2, 1.4, "Hola."), (1.6, 2.8, HOSTILE)]}}})
    project = load_project(root, explicit=True)
    client = Api(project)
    watch = _open(browser, client)
    page = watch.page
    try:
        assert page.locator(CARD.format(2) + " textarea.edit").input_value() == HOSTILE
        watch.js("document.getElementById('video').currentTime = 2.0")
        watch.wait("document.getElementById('captions').textContent.includes('alert(1)')")
        page.wait_for_timeout(300)
        assert watch.js("document.querySelectorAll('main img, main script, main iframe, #captions *[onerror]').length") == 0
        assert watch.dialogs == [] and watch.errors == []
        # Saving hostile text writes it as text, and it comes back as text.
        page.locator(CARD.format(1) + " textarea.edit").fill('<b onmouseover="alert(4)">x</b>')
        page.keyboard.press("Control+s")
        watch.wait(f"document.querySelector(\"{CARD.format(1)} .msg\").textContent.startsWith('Saved')")
        assert read_track(project.track_path("talk", "es")).cues[0].text == '<b onmouseover="alert(4)">x</b>'
        assert watch.js("document.querySelectorAll('[onmouseover]').length") == 0
        # Keyboard: next / previous cue, play and pause.
        page.keyboard.press("Alt+ArrowDown")
        assert watch.js("document.querySelector('.cue.current').dataset.number") == "2"
        page.keyboard.press("Alt+ArrowUp")
        assert watch.js("document.querySelector('.cue.current').dataset.number") == "1"
        page.keyboard.press("Alt+k")
        watch.wait("!document.getElementById('video').paused")
        page.keyboard.press("Alt+k")
        watch.wait("document.getElementById('video').paused")
        assert "previous / next cue" in page.locator(".keys").inner_text()
        assert watch.dialogs == []
    finally:
        watch.close()
        client.close()


@pytest.mark.browser
def test_captions_on_the_page_sit_where_the_burned_in_output_draws_them(browser, make_project, tmp_path):
    """The page draws a cue where and as large as ``pipeline preview`` (the burned-in renderer) does: the
    ink of the caption, found by differencing with the bare picture, in the same place of the frame."""
    from imaging import gray, ink_box

    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": [(0.5, 2.5, "Las personas sobrevivientes\n"
                                                                              "merecen ser escuchadas.")]}}},
                        size="640x360")
    project = load_project(root, explicit=True)
    frame = tmp_path / "frame.png"
    assert run_cli("--project", str(root), "preview", "talk", "es", "--at", "1.5", "-o", str(frame)).exit_code == 0
    burned = ink_box(abs(gray(frame) - gray(project.videos["talk"].source, 1.5)))
    client = Api(project)
    watch = _open(browser, client)
    try:
        watch.js("const v = document.getElementById('video'); v.controls = false; v.currentTime = 1.5")
        watch.wait("document.getElementById('captions').textContent.includes('merecen')")
        watch.wait("document.getElementById('video').readyState >= 2")
        watch.page.wait_for_timeout(300)
        wrap = watch.page.locator("#video-wrap")
        with_caption, bare = tmp_path / "with.png", tmp_path / "bare.png"
        wrap.screenshot(path=str(with_caption))
        watch.js("document.getElementById('captions').style.visibility = 'hidden'")
        watch.page.wait_for_timeout(100)
        wrap.screenshot(path=str(bare))
        page_ink = ink_box(abs(gray(with_caption) - gray(bare)))
        size = watch.js("[document.getElementById('video').clientWidth, document.getElementById('video').clientHeight]")
    finally:
        watch.close()
        client.close()
    assert burned and page_ink
    b = [burned[0] / 640, burned[1] / 360, burned[2] / 640, burned[3] / 360]
    p = [page_ink[0] / size[0], page_ink[1] / size[1], page_ink[2] / size[0], page_ink[3] / size[1]]
    assert p == pytest.approx(b, abs=0.03), (b, p)  # within 3% of the frame on every edge
    print("burned-in", [round(x, 3) for x in b], "page", [round(x, 3) for x in p])


def _spanish_dictionary() -> bool:
    from pipeline import spelling

    return spelling.dictionary_for("es") is not None


@pytest.mark.browser
@pytest.mark.skipif(not _spanish_dictionary(), reason="no Spanish Hunspell dictionary (hunspell-es) installed")
def test_misspelt_words_are_underlined_as_typed_and_fixed_in_one_click(browser, make_project):
    root = make_project({"talk": {"tracks": {"en": EN_CUES, "es": [
        (0.2, 1.4, "Las presonas sobrevivientes\nmerecen ser escuchadas."), (1.6, 2.8, "Los servicios de apoyo ayudan.")]}}})
    project = load_project(root, explicit=True)
    client = Api(project)
    watch = _open(browser, client)
    page = watch.page
    marks = "[...document.querySelectorAll(\".cue[data-number='{}'] .edit-backdrop mark\")].map(m => m.textContent)"
    try:
        page.fill("#reviewer", "Ana Ruiz")
        assert watch.js(marks.format(1)) == ["presonas"]  # the check's own finding, underlined in the editor
        assert "personas" in page.locator(CARD.format(1) + " .findings button.suggest").all_inner_texts()
        # A new misspelling typed in cue 2 is underlined once the server has checked it.
        edit = page.locator(CARD.format(2) + " textarea.edit")
        edit.click()
        page.keyboard.press("End")
        edit.press_sequentially(" Siempre hay grooming y ayda.", delay=5)
        watch.wait(marks.format(2) + ".includes('ayda')")
        assert "grooming" in watch.js(marks.format(2))
        # One click puts a suggestion in the text; the underline goes with the re-check.
        page.locator(CARD.format(2) + " .findings button.suggest", has_text="ayuda").first.click()
        assert edit.input_value().endswith("grooming y ayuda.")
        watch.wait("!" + marks.format(2) + ".includes('ayda')")
        # A term of the project goes to its word list: no longer flagged, here or anywhere.
        page.locator(CARD.format(2) + " .findings button.add-word", has_text="grooming").click()
        watch.wait(f"document.querySelector(\"{CARD.format(2)} .msg\").textContent.includes('words.es.txt')")
        words = (root / "assets" / "glossary" / "words.es.txt").read_text(encoding="utf-8")
        assert "\ngrooming  # added in the review workbench by Ana Ruiz\n" in words
        watch.wait(marks.format(2) + ".length === 0")
        page.click(CARD.format(2) + " button.save")
        watch.wait(f"document.querySelector(\"{CARD.format(2)} .msg\").textContent.startsWith('Saved')")
        assert read_track(project.track_path("talk", "es")).cues[1].text == \
            "Los servicios de apoyo ayudan. Siempre hay grooming y ayuda."
        assert watch.errors == []
    finally:
        watch.close()
        client.close()
