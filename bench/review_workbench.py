"""Benchmark: how fast the review workbench answers while a reviewer types, over real HTTP.

Findings are computed by the server (``check``'s own rules) on every pause in typing, so a check request
must come back well within the page's 300 ms typing pause. Target: the median check request <= 0.3 s on
the largest real two-language track of ../shared/corpus (the React documentary, 864 English and 816
Spanish cues, a 70-minute video), and <= 0.05 s on the bundled sample's 12-cue track.

Printed side by side, medians of several requests in one run: loading a whole track (every cue with its
findings), checking one cue's text as typed, saving one cue; then the check again while three clients
stream the video in 256 KB byte ranges (as a playing <video> does), as a ratio to the quiet figure.
Run: python bench/review_workbench.py
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

RUNS = 15
TARGET_BIG_S = 0.3
TARGET_SMALL_S = 0.05
REPO = Path(__file__).resolve().parents[1]


def find_corpus() -> Path | None:
    for folder in Path(__file__).resolve().parents:
        if (folder / "shared" / "corpus").is_dir():
            return folder / "shared" / "corpus"
    return None


def make_project(root: Path, en: Path, es: Path, seconds: int) -> None:
    (root / "assets").mkdir(parents=True)
    (root / "subtitles" / "doc").mkdir(parents=True)
    shutil.copy(en, root / "subtitles" / "doc" / "en.srt")
    shutil.copy(es, root / "subtitles" / "doc" / "es.srt")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"color=c=gray:s=128x72:r=1:d={seconds}",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(root / "assets" / "doc.mp4")],
                   check=True)
    (root / "assets" / "catalog.toml").write_text(
        '[project]\nname = "bench"\nhuman_languages = ["en", "es"]\n\n[[videos]]\nid = "doc"\ntitle = "Doc"\n'
        'source = "doc.mp4"\naudio_language = "en"\n', encoding="utf-8")


class Client:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None, headers=None) -> bytes:
        head = {"X-Review-Token": self.token, **(headers or {})}
        data = None
        if body is not None:
            head["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=head, method=method)
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.read()


def median(fn, runs: int = RUNS) -> float:
    fn()  # warm: first requests load modules and probe the video
    times = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(project_root: Path, cue: int, label: str, target: float) -> bool:
    sys.path.insert(0, str(REPO))
    from pipeline.project import load_project
    from pipeline.review_page.server import make_server

    project = load_project(project_root, explicit=True)
    server = make_server(project, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = Client(server.base, server.token)
    track_url = "/api/videos/doc/tracks/es"
    try:
        track = json.loads(client.call("GET", track_url))
        text = track["cues"][cue - 1]["text"]
        typed = [text + " y algo más" * (i % 3) for i in range(RUNS + 1)]
        load = median(lambda i=0: client.call("GET", track_url))
        check = median(lambda i=0: client.call("POST", track_url + "/check", {"number": cue, "text": typed[i]}))
        version = [track["cues"][cue - 1]["version"]]

        def save(i=0):
            answer = json.loads(client.call("POST", f"{track_url}/cues/{cue}",
                                            {"version": version[0], "text": typed[(i + 1) % len(typed)]}))
            version[0] = answer["version"]

        saved = median(save)
        client.call("GET", "/media/doc", headers={"Range": "bytes=0-1"})  # the browser copy exists
        size = (project.dist / "review" / "doc" / "doc.mp4").stat().st_size
        stop = threading.Event()

        def stream():
            offset = 0
            while not stop.is_set():
                end = min(size - 1, offset + 256 * 1024 - 1)
                client.call("GET", "/media/doc", headers={"Range": f"bytes={offset}-{end}"})
                offset = 0 if end >= size - 1 else end + 1

        streams = [threading.Thread(target=stream, daemon=True) for _ in range(3)]
        for s in streams:
            s.start()
        try:
            busy = median(lambda i=0: client.call("POST", track_url + "/check", {"number": cue, "text": typed[i]}))
        finally:
            stop.set()
            for s in streams:
                s.join(10)
    finally:
        server.shutdown()
        server.close()
    cues = len(track["cues"])
    print(f"{label}: {cues} cues; medians of {RUNS} requests over HTTP")
    print(f"  load the track (cues, states, findings)  {load * 1000:7.1f} ms")
    print(f"  check one cue's text as typed            {check * 1000:7.1f} ms   ({check / load:.2f} x loading)")
    print(f"  save one cue in place                    {saved * 1000:7.1f} ms")
    print(f"  check while 3 clients stream the video   {busy * 1000:7.1f} ms   ({busy / check:.2f} x quiet)")
    ok = check <= target
    print(f"  target: check <= {target * 1000:.0f} ms: {'met' if ok else 'MISSED'}")
    return ok


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small"
        make_project(small, REPO / "subtitles" / "explainer-en" / "en.srt", REPO / "subtitles" / "explainer-en" / "es.srt",
                     35)
        ok &= measure(small, 5, "bundled sample (explainer-en, Spanish)", TARGET_SMALL_S)
        corpus = find_corpus()
        if corpus is None:
            print("large track skipped: ../shared/corpus is not present")
        else:
            big = Path(tmp) / "big"
            folder = corpus / "parallel" / "react_documentary"
            make_project(big, folder / "react_documentary.en.srt", folder / "react_documentary.es.srt", 4300)
            ok &= measure(big, 400, "React documentary (corpus), Spanish", TARGET_BIG_S)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
