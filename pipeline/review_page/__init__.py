"""Review pages: a static page per video where reviewers watch each caption track in a browser, beside
the source text, with every cue's review state and ``pipeline check`` findings.

``build_review`` writes ``dist/review/<video>/``; ``serve`` serves ``dist/review/`` on localhost.
"""

from pipeline.review_page.build import ReviewResult, build_review, review_root, write_index
from pipeline.review_page.data import Finding, ReviewData, collect_findings, gather

__all__ = ["build_review", "ReviewResult", "review_root", "write_index", "Finding", "ReviewData",
           "collect_findings", "gather"]
