"""Commands about the catalog and its tracks: status, add."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from pipeline.catalog_edit import add_video
from pipeline.cli.context import AppContext
from pipeline.project import Project
from pipeline.tracks import track_states

pass_app = click.make_pass_decorator(AppContext)


def collect_status(project: Project, videos: tuple[str, ...] = ()) -> list[dict]:
    rows = []
    for vid in videos or tuple(project.videos):
        video = project.video(vid)
        states = track_states(project, vid)
        rows.append({
            "video": vid, "title": video.title, "audio_language": video.audio_language,
            "source": str(video.source),
            "tracks": [s.to_dict() for s in states],
            "missing": [lang for lang in project.human_languages if lang not in {s.language for s in states}],
        })
    return rows


def print_status(app: AppContext, project: Project, videos: tuple[str, ...] = ()) -> list[dict]:
    rows = collect_status(project, videos)
    table = Table(title=f"{project.name}", title_justify="left")
    for col in ("video", "lang", "cues", "origin", "publishable", "note"):
        table.add_column(col, justify="right" if col == "cues" else "left")
    for row in rows:
        first = True
        for t in row["tracks"]:
            table.add_row(row["video"] if first else "", t["language"], str(t["cues"]), t["origin"],
                          "yes" if t["publishable"] else "no", t["reason"] or "")
            first = False
        for lang in row["missing"]:
            table.add_row(row["video"] if first else "", lang, "-", "-", "no", "missing track")
            first = False
    Console(soft_wrap=False).print(table)
    return rows


@click.command("status")
@click.argument("videos", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@pass_app
def status_cmd(app: AppContext, videos: tuple[str, ...], as_json: bool) -> None:
    """Show videos x languages: cues, origin (human / machine) and whether each track is publishable."""
    project = app.project()
    if as_json:
        click.echo(json.dumps({"project": project.name, "videos": collect_status(project, videos)}, indent=2,
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
