"""Fuzzing `check` and `fix` with mutated real files from ../shared/corpus.

Each example takes a stretch of a real subtitle file (whole cue blocks; a WebVTT file keeps its header),
mutates its lines and bytes the ways deliveries break (one-dash arrows, impossible times, blank lines inside
cues, tag-only text, escape sequences, a broken encoding ...), and runs the real commands on it. Whatever
happens: no internal error; a file `fix` refuses is left byte for byte as it was, with nothing beside it; a
file `fix` rewrites keeps every word of every cue, reads back, and a second `fix` changes nothing.
CI runs the same few hundred examples every time (the derandomised profile in conftest.py); a local run
draws new ones.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from _corpus import CORPUS, needs_corpus
from pipeline.cli import cli
from pipeline.formats import format_of, parse_track, read_source, read_track
from pipeline.formats.encoding import decode_subtitle_bytes
from pipeline.model import TAG_RE, hidden_text, strip_tags

FILES = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
               if p.suffix.lower() in (".srt", ".vtt")) if CORPUS.is_dir() else []
SNIPPETS = [
    b"", b"00:00:01,000 -> 00:00:03,000", b"00:00:05.000 --> 00:00:04.000", b"00:61:00,000 --> 00:62:00,000",
    b"-00:00:01,000 --> 00:00:02,000", b"00:00:02,000 --> 00:00:02,500", b"1", b"42", b"<sigh>", b"<Music>",
    b"a < b > c", b"<i>unclosed", b"</b>", b"\x1b[31mred\x1b[0m", b"WEBVTT", b"NOTE a comment", b"STYLE",
    b"{\\an8}Top of the screen", b"- Dialogue one", b"- Dialogue two", b"Words " * 30, b"\xef\xbb\xbf",
    b"\t", b"-->", b"intro", b"00:00:07,000 --> 00:00:08,000 X1:40 X2:600", "\u02bbOkina \u5b57 \u0628".encode(),
    b"Survivors deserve to be heard.", b"\r", b"\xff\xfe", b"caf\xe9",
]
_OVERRIDE = re.compile(r"\{\\[^{}]*\}")


@lru_cache(maxsize=None)
def corpus_lines(name: str) -> tuple[list[bytes], list[int], int]:
    """The file's lines (bytes), where cue blocks start, and how many lines its header takes (WebVTT)."""
    lines = (CORPUS / name).read_bytes().split(b"\n")
    starts = [i for i in range(len(lines)) if i == 0 or not lines[i - 1].strip()]
    header = next((i for i, line in enumerate(lines) if not line.strip()), 0) if name.endswith(".vtt") else 0
    return lines, starts, header


@st.composite
def mutated_files(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(FILES))
    lines, starts, header = corpus_lines(name)
    start = draw(st.sampled_from([s for s in starts if s >= header] or [0]))
    chunk = lines[:header] + lines[start:start + draw(st.integers(8, 50))]
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, max(len(chunk) - 1, 0)))
        kind = draw(st.sampled_from(["delete", "duplicate", "blank", "swap", "replace", "insert", "append"]))
        if not chunk:
            chunk = [b""]
        if kind == "delete":
            del chunk[at]
        elif kind == "duplicate":
            chunk.insert(at, chunk[at])
        elif kind == "blank":
            chunk.insert(at, b"")
        elif kind == "swap":
            other = draw(st.integers(0, len(chunk) - 1))
            chunk[at], chunk[other] = chunk[other], chunk[at]
        elif kind == "replace":
            chunk[at] = draw(st.sampled_from(SNIPPETS))
        elif kind == "insert":
            chunk.insert(at, draw(st.sampled_from(SNIPPETS)))
        else:
            chunk[at] = chunk[at].rstrip(b"\r") + b" " + draw(st.sampled_from(SNIPPETS))
    data = b"\n".join(chunk)
    if data and draw(st.integers(0, 9)) == 0:  # now and then a flipped byte anywhere
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ (1 << draw(st.integers(0, 7)))]) + data[at + 1:]
    return name, data


def words(path: Path, text: str) -> Counter:
    """Every word of every cue as fix reads the file: the words a viewer sees, the words players hide
    (``<sigh>``) and every tag, counted; fix may change only the whitespace around them. Cues without any
    text are not counted (fix removes them); nor are ASS overrides other than ``{\\an8}`` in WebVTT, which
    cannot hold them."""
    fmt = format_of(path, text)  # a .srt that starts with WEBVTT is read as WebVTT (and written as SRT)
    vtt = fmt == "vtt" or path.suffix == ".vtt"
    track = parse_track(text, path, None, fmt, joins=[])
    found: Counter = Counter()
    for cue in track.cues:
        # WebVTT holds no overrides: a top cue ({\an8} anywhere in it) is a cue setting, once per cue
        body = ("{\\an8}" if "{\\an8}" in cue.text else "") + _OVERRIDE.sub("", cue.text) if vtt else cue.text
        if strip_tags(body).strip() or hidden_text(body):
            found.update(strip_tags(body).split())
            found.update(hidden_text(body))
            found.update(TAG_RE.findall(body))
    return found


def assert_no_internal_error(result) -> None:
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "internal error" not in result.output and "Traceback" not in result.output, result.output


@needs_corpus
@given(mutated_files())
# Found by this test. A top cue ({\an8}) was written to WebVTT as line:10%, which the next fix dropped:
@example(("parallel/react_documentary/react_documentary.ar.vtt",
          b"\xef\xbb\xbfWEBVTT\r\n00:00:04.520 --> 00:00:23.913\r\n{\\an8}Top of the screen\n\r\n00:00:23.913 --> "
          b"00:00:33.189\r\n\xd8\xaa\xd8\xac\xd8\xb1\xd8\xa8\xd8\xa9\xd8\x8c \xd9\x88\xd8\xa7\xd8\xad\xd8\xaf\xd8\x8c "
          b"\xd8\xa5\xd8\xab\xd9\x86\xd8\xa7\xd9\x86\xd8\x8c 1 2 3 4\r\n\"The quick brown fox jumps over the lazy dog.\"\r\n"
          b"\r\n00:00:33.189 --> 00:00:41.200\r"))
# ... and re-breaking lines glued a word players hide to the next word ("<sigh><i>Yay!"):
@example(("parallel/avatar_excerpt/avatar_excerpt.en+es_combined.srt",
          b"1\n00:01:00,328 --> 00:01:05,699\n<sigh>\n<i>Yay! Yay! Aang's back!</i>\n<font color=\"yellow\">"
          b"\xc2\xa1Si! \xc2\xa1Aang ha vuelto!</font>\n\n2\n00:01:05,700 --> 00:01:10,838\n<i>cheering</i>"))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_check_and_fix_on_mutated_real_files(case):
    name, data = case
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):  # no project around the file
        path = Path(folder) / ("talk" + Path(name).suffix)
        path.write_bytes(data)
        assert_no_internal_error(runner.invoke(cli, ["check", str(path)]))
        assert path.read_bytes() == data

        result = runner.invoke(cli, ["fix", str(path)])
        assert_no_internal_error(result)
        event(f"fix exit {result.exit_code}")  # --hypothesis-show-statistics shows the mix
        if result.exit_code == 2:  # refused: the file as it was, nothing written beside it
            assert path.read_bytes() == data
            assert sorted(p.name for p in Path(folder).iterdir()) == [path.name]
            return
        before = words(path, decode_subtitle_bytes(data, path))
        read_track(path)  # what fix writes reads back strictly
        assert words(path, read_source(path)[1]) == before  # every word kept
        assert not [p for p in Path(folder).iterdir() if ".partial" in p.name]
        fixed = path.read_bytes()
        again = runner.invoke(cli, ["fix", str(path)])
        assert_no_internal_error(again)
        assert again.exit_code in (0, 1) and path.read_bytes() == fixed, again.output  # a second fix: no change
        assert "nothing to change" in again.stdout


def test_the_words_measure_sees_a_lost_word():
    """The fuzz test's measure is not blind: one word fewer is a different count."""
    a = "1\n00:00:01,000 --> 00:00:02,000\nSurvivors deserve <i>to be</i> heard.\n"
    b = a.replace("deserve ", "")
    assert words(Path("x.srt"), a) != words(Path("x.srt"), b)
    assert words(Path("x.srt"), a) == words(Path("x.srt"), a.replace("deserve ", "deserve\n"))
