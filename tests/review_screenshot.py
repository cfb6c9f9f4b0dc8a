"""Take the screenshots in docs/review.md with the same headless Chromium the tests drive.

    .venv/bin/python tests/review_screenshot.py --project DIR --video ID --lang pt --at 4.5 \\
        [--draft pt] [--out docs/review-page.png]
    .venv/bin/python tests/review_screenshot.py --workbench --project DIR --video ID --lang pt --at 4.5 \\
        [--reviewer NAME] [--type N:TEXT] [--out docs/review-workbench.png]

``--workbench`` serves the project as ``pipeline review --serve`` does and shows the workbench; ``--type``
types TEXT into cue N (unsaved: its findings come from the server as typed) before the picture is taken.

A track made with ``pipeline draft`` carries its review record, so the page already shows its real states
(machine draft / edited / approved / stale). ``--draft LANG`` shows LANG's cues as unreviewed machine drafts
anyway: for a track that *is* machine output but was made outside ``pipeline draft`` (no review record).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # this checkout's pipeline, and the tests' browser settings

from test_review_page import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

from pipeline.fsutil import atomic_write_text  # noqa: E402
from pipeline.project import load_project  # noqa: E402
from pipeline.review_page import build_review  # noqa: E402
from pipeline.review_page.html import render_review  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True, type=Path)
    parser.add_argument("--video", required=True)
    parser.add_argument("--lang", action="append", default=[], help="languages on the page (default: all)")
    parser.add_argument("--at", type=float, default=4.0, help="seconds into the video")
    parser.add_argument("--draft", action="append", default=[], help="show this language as a machine draft")
    parser.add_argument("--out", type=Path, default=HERE.parent / "docs" / "review-page.png")
    parser.add_argument("--size", default="1200x760")
    parser.add_argument("--workbench", action="store_true", help="the workbench of --serve, not the static page")
    parser.add_argument("--reviewer", default="Ana Ruiz")
    parser.add_argument("--type", dest="typed", help="N:TEXT typed into cue N (workbench)")
    args = parser.parse_args()
    if args.workbench:
        if args.out == HERE.parent / "docs" / "review-page.png":
            args.out = HERE.parent / "docs" / "review-workbench.png"
        return workbench_shot(args)

    project = load_project(args.project, explicit=True)
    result = build_review(project, args.video, args.lang or None)
    if args.draft:
        for view in result.data.languages:
            if view.language in args.draft:
                view.origin, view.publishable = "machine", False
                for row in view.rows:
                    row.state = "machine"
        atomic_write_text(result.page, render_review(result.data))

    from playwright.sync_api import sync_playwright

    width, height = (int(n) for n in args.size.split("x"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(result.page.as_uri())
        page.evaluate(f"document.getElementById('video').currentTime = {args.at}")
        deadline = time.monotonic() + 10
        while not page.evaluate("document.querySelector('.panel:not([hidden]) tr.active') !== null "
                                "&& document.getElementById('video').readyState >= 2"):
            if time.monotonic() > deadline:
                raise SystemExit("the page never showed an active cue")
            page.wait_for_timeout(50)
        page.wait_for_timeout(300)  # the frame and the caption paint
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        browser.close()
    print(f"{args.out} ({args.out.stat().st_size / 1000:.0f} KB)")


def workbench_shot(args) -> None:
    import json
    import threading

    from playwright.sync_api import sync_playwright

    from pipeline.review_page.server import make_server

    project = load_project(args.project, explicit=True)
    server = make_server(project, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    width, height = (int(n) for n in args.size.split("x"))
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(server.base + "/")
            page.evaluate(f"localStorage.setItem('pipeline-reviewer', {json.dumps(args.reviewer)})")
            page.goto(server.page_url(args.video, args.lang[0] if args.lang else None))
            page.reload()  # the same document until now: start it again with the name stored
            _until(page, "document.querySelectorAll('.cue').length > 0 && "
                         "document.getElementById('video').readyState >= 1")
            page.evaluate(f"document.getElementById('video').currentTime = {args.at}")
            if args.typed:
                number, text = args.typed.split(":", 1)
                edit = page.locator(f".cue[data-number='{int(number)}'] textarea.edit")
                edit.click()
                page.keyboard.press("Control+A")
                edit.press_sequentially(text.replace("\\n", "\n"), delay=5)
                _until(page, f"!document.querySelector(\".cue[data-number='{int(number)}'] .findings\")"
                             ".classList.contains('checking')")
                page.evaluate(f"document.getElementById('video').currentTime = {args.at}")
            page.evaluate("window.scrollTo(0, 0)")
            _until(page, "document.getElementById('video').readyState >= 2")
            page.wait_for_timeout(400)
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out))
            browser.close()
    finally:
        server.shutdown()
        server.close()
    print(f"{args.out} ({args.out.stat().st_size / 1000:.0f} KB)")


def _until(page, expression: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"the page never got there: {expression}")
        page.wait_for_timeout(50)


if __name__ == "__main__":
    main()
