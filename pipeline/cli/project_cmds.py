"""Commands about the catalog and its tracks: init, status, add."""

from __future__ import annotations

import json
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
    rows = collect_status(project, videos, app.runner, report)
    counted = ("machine", "edited", "approved", "stale", "low_confidence")
    names = {"machine": "unreviewed", "low_confidence": "low conf."}
    headers = ["video", "lang", "origin", "cues", *(names.get(k, k) for k in counted), "findings", "comments",
               "publishable", "last approval", "note"]
    lines: list[list[str]] = []
    for row in rows:
        first = True
        for t in row["tracks"]:
            known = {**t["counts"], "low_confidence": t["low_confidence"]}
            counts = [str(known.get(k, 0)) if t["origin"] == "machine" and t["counts"] else "-" for k in counted]
            lines.append([row["video"] if first else "", t["language"], t["origin"], str(t["cues"]), *counts,
                          _findings(t["findings"]), _comments(t["open_comments"]),
                          "yes" if t["publishable"] else "no", _approval(t), t["reason"] or ""])
            first = False
        for lang in row["missing"]:
            lines.append([row["video"] if first else "", lang, "-", "-", *["-"] * len(counted), "-", "-", "no", "-",
                          "missing track"])
            first = False
    click.echo(f"{project.name}\n{_aligned(headers, lines, right=set(range(3, 4 + len(counted))))}")  # cues, counts
    for row in rows:
        for note in row["not_tracks"] if notes else ():
            click.echo(note, err=True)
        if row["check_error"]:
            click.echo(f"{row['video']}: check failed: {row['check_error']}", err=True)
    return rows


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters two, combining marks none."""
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _aligned(headers: list[str], lines: list[list[str]], right: set[int]) -> str:
    """A plain text table: columns two spaces apart, a rule under the headers, numbers right-aligned.
    (Plain text, not rich: the table does not need it, and `status` starts faster without importing it.)"""
    widths = [max(_width(cells[i]) for cells in (headers, *lines)) for i in range(len(headers))]
    rule = ["-" * w for w in widths]

    def pad(i: int, cell: str) -> str:
        space = " " * (widths[i] - _width(cell))
        return space + cell if i in right else cell + space

    return "\n".join("  ".join(pad(i, cell) for i, cell in enumerate(cells)).rstrip()
                     for cells in (headers, rule, *lines))


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


def _size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


@click.command("init")
@click.argument("folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", help="The project's name (default: the folder's name).")
@click.option("--languages", "human", default="en,es", show_default=True,
              help="The languages people write, comma-separated; the first is what drafts translate from.")
def init_cmd(folder: Path, name: str | None, human: str) -> None:
    """Start a project in FOLDER (default: here): a catalog with [project], the folders, and a .gitignore
    that keeps dist/ (everything rendered) out of git."""
    from pipeline.catalog_edit import init_project

    result = init_project(folder, name, [c.strip() for c in human.split(",") if c.strip()])
    click.echo(f"started a project in {result.root}")
    for path in result.created:
        click.echo(f"  created {_shown(path, result.root)}{'/' if path.is_dir() else ''}")
    if result.gitignore is not None:
        click.echo(f"  {_shown(result.gitignore, result.root)} keeps dist/ out of git")
    click.echo("next:")
    if result.root != Path.cwd().resolve():
        click.echo(f"  cd {folder}")
    click.echo("  pipeline add VIDEO.mp4 --id talk --audio-language en --title 'The talk'")


@click.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "video_id", required=True, help="Catalog id: a-z, 0-9 and '-'.")
@click.option("--audio-language", required=True, help="Language of the narration (BCP-47, e.g. en).")
@click.option("--title", help="Human title (default: the id).")
@click.option("--link", is_flag=True,
              help="Keep the file where it is (the catalog points at it) instead of copying it into assets/videos/.")
@pass_app
def add_cmd(app: AppContext, file: Path, video_id: str, audio_language: str, title: str | None, link: bool) -> None:
    """Register a video FILE in the catalog, create its subtitles/ID/ folder and extract its embedded text
    subtitle tracks.

    The file is checked with ffprobe first and copied into assets/videos/ (unless it is already inside
    assets/, or with --link); existing tracks are never overwritten.
    """
    from pipeline.catalog_edit import add_video

    project = app.project()
    result = add_video(project, file, video_id, audio_language, title, app.runner, link=link)
    where = _shown(result.source, project.root)
    if result.how == "copied":
        click.echo(f"added {result.video_id}: copied {file} ({_size(result.size)}) to {where}")
    elif result.how == "linked":
        click.echo(f"added {result.video_id}: {where} ({_size(result.size)}), left where it is (--link)")
    else:
        click.echo(f"added {result.video_id}: {where} ({_size(result.size)})")
    for path in result.extracted:
        click.echo(f"  extracted {path.relative_to(project.root)}")
    for path in result.kept:
        click.echo(f"  kept existing {path.relative_to(project.root)} (embedded track not extracted)")
    for note in result.skipped:
        click.echo(f"  skipped {note}")
    tracks = _shown(result.tracks, project.root) if result.tracks else f"subtitles/{video_id}"
    have = sorted(p.stem for p in result.tracks.glob("*.srt")) if result.tracks else []
    click.echo("next:")
    if have:
        click.echo(f"  tracks are in {tracks}/ ({', '.join(f'{lang}.srt' for lang in have)}); "
                   "add the others as <language>.srt")
    else:
        langs = ", ".join(f"{lang}.srt" for lang in project.human_languages)
        click.echo(f"  put its tracks in {tracks}/, one per language: {langs}")
    click.echo(f"  pipeline check {video_id}      the style rules and the languages' parity")
    click.echo(f"  pipeline build {video_id}      check, then render everything publishable into dist/{video_id}/")


COMMANDS = [init_cmd, status_cmd, add_cmd]
