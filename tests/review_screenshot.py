"""Take the screenshot of a review page in docs/review.md with the same headless Chromium the tests drive.

    .venv/bin/python tests/review_screenshot.py --project DIR --video ID --lang pt --at 4.5 \\
        [--draft pt] [--out docs/review-page.png]

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
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
