"""Commands about the catalog and its tracks: status, add."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typing import TYPE_CHECKING

import click

from pipeline.cli.context import AppContext

if TYPE_CHECKING:
    from pipeline.project import Project

pass_app = click.make_pass_decorator(AppContext)


def collect_status(project: Project, videos: tuple[str, ...] = (), runner=None, report=None) -> list[dict]:
    """Per video, each track as the publish gate judged it (:func:`pipeline.publish.judge_video`): origin,
    review counts, check findings, whether it is published and why not, who approved it last and when.

    ``report`` is a project check already made (``build`` checks once for the table and its gate).
    """
    from pipeline.notes import open_count
    from pipeline.publish import judge_video

    rows = []
    for vid in videos or tuple(project.videos):
        video = project.video(vid)
        verdict = judge_video(project, vid, report=report, runner=runner)
        rows.append({
            "video": vid, "title": video.title, "audio_language": video.audio_language,
            "source": str(video.source),
            "tracks": [{**state.to_dict(), "open_comments": open_count(state.path)} for state in verdict.tracks],
            "check_error": verdict.check_error,
            "missing": [lang for lang in project.human_languages if verdict.track(lang) is None],
            "not_tracks": verdict.notes,
        })
    return rows


def _findings(counts: dict[str, int] | None) -> str:
    if counts is None:
        return "? (check failed)"
    parts = [f"{counts[k]} {k if counts[k] > 1 else k[:-1]}" for k in ("errors", "warnings") if counts[k]]
    return ", ".join(parts) or "ok"


def _comments(count: int | None) -> str:
    if count is None:
        return "? (unreadable)"
    return f"{count} open" if count else "-"


def _approval(track: dict) -> str:
    """Who approved a track last and when (``Ana Ruiz, 2024-05-02 09:14 UTC``), or ``-``."""
    if not track.get("approved_by"):
        return "-"
    when = (track.get("approved_at") or "").replace("T", " ")
    when = when[:16] + " UTC" if len(when) >= 16 else when
    declared = " (declared)" if track.get("declared") else ""
    return f"{track['approved_by']}, {when}{declared}"


def print_status(app: AppContext, project: Project, videos: tuple[str, ...] = (), report=None, *,
                 notes: bool = True) -> list[dict]:
    """Print the status table (and, with ``notes``, the files that are not tracks)."""
    from rich.console import Console
    from rich.table import Table

    rows = collect_status(project, videos, app.runner, report)
    table = Table(title=f"{project.name}", title_justify="left")
    counted = ("machine", "edited", "approved", "stale", "low_confidence")
    headers = {"machine": "unreviewed", "low_confidence": "low conf."}
    for col in ("video", "lang", "origin", "cues", *counted, "findings", "comments", "publishable", "last approval",
                "note"):
        table.add_column(headers.get(col, col), justify="right" if col == "cues" or col in counted else "left")
    for row in rows:
        first = True
        for t in row["tracks"]:
            known = {**t["counts"], "low_confidence": t["low_confidence"]}
            counts = [str(known.get(k, 0)) if t["origin"] == "machine" and t["counts"] else "-" for k in counted]
            table.add_row(row["video"] if first else "", t["language"], t["origin"], str(t["cues"]), *counts,
                          _findings(t["findings"]), _comments(t["open_comments"]),
                          "yes" if t["publishable"] else "no", _approval(t),
                          t["reason"] or "")
            first = False
        for lang in row["missing"]:
            table.add_row(row["video"] if first else "", lang, "-", "-", *["-"] * len(counted), "-", "-", "no", "-",
                          "missing track")
            first = False
    # Not at a terminal (CI logs, pipes) rich assumes 80 columns and would squeeze the table unreadably.
    Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200).print(table)
    for row in rows:
        for note in row["not_tracks"] if notes else ():
            click.echo(note, err=True)
        if row["check_error"]:
            click.echo(f"{row['video']}: check failed: {row['check_error']}", err=True)
    return rows


@click.command("status")
@click.argument("videos", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@pass_app
def status_cmd(app: AppContext, videos: tuple[str, ...], as_json: bool) -> None:
    """Show videos x languages: origin (human / machine / unknown), cues, review counts of drafts
    (unreviewed, edited, approved, stale, and unreviewed cues the engine itself had low confidence in),
    `check` findings (errors, warnings; `pipeline check` lists them), whether each track is publishable
    and why not, who approved it last and when (UTC), and its open review comments (the workbench's, in
    <lang>.notes.tsv)."""
    project = app.project()
    if as_json:
        click.echo(json.dumps({"project": project.name, "videos": collect_status(project, videos, app.runner)}, indent=2,
                              ensure_ascii=False))
    else:
        print_status(app, project, videos)


@click.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "video_id", required=True, help="Catalog id: a-z, 0-9 and '-'.")
@click.option("--audio-language", required=True, help="Language of the narration (BCP-47, e.g. en).")
@click.option("--title", help="Human title (default: the id).")
@pass_app
def add_cmd(app: AppContext, file: Path, video_id: str, audio_language: str, title: str | None) -> None:
    """Register a video FILE in the catalog and extract its embedded text subtitle tracks.

    The file is checked with ffprobe first; existing tracks are never overwritten.
    """
    from pipeline.catalog_edit import add_video

    project = app.project()
    result = add_video(project, file, video_id, audio_language, title, app.runner)
    click.echo(f"added {result.video_id}: {result.source.relative_to(project.root)}")
    for path in result.extracted:
        click.echo(f"  extracted {path.relative_to(project.root)}")
    for path in result.kept:
        click.echo(f"  kept existing {path.relative_to(project.root)} (embedded track not extracted)")
    for note in result.skipped:
        click.echo(f"  skipped {note}")


COMMANDS = [status_cmd, add_cmd]
