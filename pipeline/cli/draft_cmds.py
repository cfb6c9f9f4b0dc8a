"""Commands for machine drafts: draft, approve, translate, models list|install|download."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from pipeline.cli.context import AppContext
from pipeline.drafting import DraftReport, DraftSettings, draft_settings, draft_video, layout_defaults, translate_file
from pipeline.engines import ENGINE_CHOICES, available_pairs, forget_engines
from pipeline.errors import PipelineError, ProjectNotFound

pass_app = click.make_pass_decorator(AppContext)


def _languages(values: tuple[str, ...]) -> list[str]:
    out = []
    for value in values:
        out += [v.strip() for v in value.split(",") if v.strip()]
    if not out:  # `--to ,` or `--to ""` would otherwise do nothing and exit 0
        raise click.BadParameter("name at least one language, e.g. --to sq,ro,bs", param_hint="--to")
    return list(dict.fromkeys(out))


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _numbers(numbers: list[int], limit: int = 12) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _describe(report: DraftReport, root: Path | None = None) -> list[str]:
    where = report.path.relative_to(root) if root and report.path and report.path.is_relative_to(root) else report.path
    if report.engine is None:
        head = f"{report.language}: nothing to draft: every cue's source text is unchanged"
    else:
        head = (f"{report.language}: drafted {report.drafted} of {_count(report.cues, 'cue')} from "
                f"{report.source_language} ({_count(report.segments_sent, 'sentence')} in one batch; "
                f"{report.engine}: {report.model})")
    lines = [head]
    if report.engine is not None and report.engine_reason:
        lines.append(f"  engine: {report.engine_reason}")
    if report.glossary:
        shown = [Path(g).relative_to(root) if root and Path(g).is_relative_to(root) else g for g in report.glossary]
        lines.append(f"  glossary: {', '.join(map(str, shown))}")
    if report.engine is not None and report.words:
        lines.append(f"  engine-marked words (unknown or untranslated): {report.unknown_words} of {report.words} "
                     f"({report.unknown_share:.0%})")
    if report.low_confidence:
        lines.append(f"  low engine confidence (review these first): cues "
                     f"{_numbers(report.low_confidence)}")
    kept = []
    if report.kept_machine:
        kept.append(f"{_count(report.kept_machine, 'unchanged machine cue')}")
    if report.kept_person:
        kept.append(f"{_count(report.kept_person, 'cue')} a person edited, approved or added (never overwritten)")
    if kept:
        lines.append("  kept " + "; ".join(kept))
    if report.moved:
        lines.append(f"  moved {_count(report.moved, 'cue')} with the retimed source (texts and approvals kept)")
    if report.removed:
        lines.append(f"  removed {_count(report.removed, 'machine cue')} whose source cue is gone")
    if report.stale:
        lines.append(f"  stale (source changed; review, then approve): cues {_numbers(report.stale)}")
    if report.overlong:
        lines.append(f"  too long for the line limits, left whole for check to flag: cues {_numbers(report.overlong)}")
    if report.lost_placeholders:
        lines.append(f"  warning: the engine dropped {report.lost_placeholders} protected spans (tags, numbers, "
                     "terms); they were put back at the end of their sentences: review them")
    if report.written:
        lines.append(f"  wrote {where}")
    elif report.engine is not None:
        lines.append("  (dry run: nothing written)")
    return lines


@click.command("draft")
@click.argument("video")
@click.option("--to", "targets", multiple=True, required=True, metavar="LANGS",
              help="Languages to draft, comma-separated or repeated (e.g. --to sq,ro,bs).")
@click.option("--from", "source", metavar="LANG", help="Source language (default: [draft] from, else the video's audio language track).")
@click.option("--engine", type=click.Choice(ENGINE_CHOICES), help="Engine (default: [draft] engine, else auto).")
@click.option("--dry-run", is_flag=True, help="Translate and report, but write nothing.")
@click.option("--force", is_flag=True,
              help="Write the draft even when the engine marked more of its words unknown than [draft] "
                   "max_unknown_share allows (default 25%).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@pass_app
def draft_cmd(app: AppContext, video: str, targets: tuple[str, ...], source: str | None, engine: str | None,
              dry_run: bool, force: bool, as_json: bool) -> None:
    """Machine-draft VIDEO's subtitles into new languages, for a person to review.

    Re-running translates only sentences whose source changed; cues a person edited or approved are
    never overwritten (if their source changed they are reported stale). Writes
    subtitles/VIDEO/LANG.srt and its review record LANG.review.tsv, with the engine's own confidence per
    cue. A draft whose share of engine-marked (unknown, untranslated) words is above [draft]
    max_unknown_share is not written without --force.
    """
    project = app.project()
    project.video(video)
    languages = _languages(targets)
    reports, failures = [], []
    for target in languages:
        try:
            report = draft_video(project, video, target, source, engine, dry_run=dry_run, force=force)
        except PipelineError as exc:
            if len(languages) == 1 and not as_json:
                raise  # one language: its error is the one line
            failures.append((target, exc))
            if not as_json:
                click.echo(f"error: {target}: {exc}", err=True)
            continue
        reports.append(report)
        if not as_json:
            for line in _describe(report, project.root):
                click.echo(line)
    if as_json:
        click.echo(json.dumps({"drafts": [r.to_dict() for r in reports],
                               "errors": {t: str(e) for t, e in failures}}, indent=2, ensure_ascii=False))
    if failures:
        summary = PipelineError(f"{len(failures)} of {len(languages)} languages failed: "
                                f"{', '.join(t for t, _ in failures)}")
        summary.exit_code = failures[0][1].exit_code
        raise summary


@click.command("approve")
@click.argument("video")
@click.argument("language")
@click.option("--cues", metavar="RANGE", help="Cue numbers to approve, like 1-5,8 (default: every cue that is not "
                                             "stale). Naming a stale cue approves it.")
@click.option("--include-stale", is_flag=True, help="With every cue: approve stale cues too (their source changed).")
@click.option("--by", "by", metavar="NAME", help="Who approves (default: git config user.name, else the login name).")
@click.option("--human", is_flag=True, help="Declare that a person wrote this track (a language outside "
                                            "[project] human_languages, with no draft record), so it may be published.")
@pass_app
def approve_cmd(app: AppContext, video: str, language: str, cues: str | None, include_stale: bool, by: str | None,
                human: bool) -> None:
    """Record that a person reviewed a drafted track (or some of its cues), with who and when.

    Approval holds for the exact text: a later edit needs a new approval. Approving every cue skips stale
    cues (their source text changed since): review them, then name them with --cues or pass
    --include-stale. A machine track is published only when every cue is approved.
    """
    from pipeline.approval import approve, declare_human

    project = app.project()
    if human:
        if cues is not None or include_stale:
            raise click.UsageError("--human declares the whole track: it takes no --cues or --include-stale")
        declared = declare_human(project, video, language, by=by)
        if declared.already:
            click.echo(f"{declared.language}: already declared a person's work by {declared.by} at {declared.at}")
        else:
            click.echo(f"{declared.language}: declared a person's work by {declared.by} at {declared.at}")
        return
    report = approve(project, video, language, cues, by=by, include_stale=include_stale)
    where = report.path.relative_to(project.root) if report.path.is_relative_to(project.root) else report.path
    click.echo(f"{report.language}: approved {_count(len(report.approved), 'cue')}"
               + (f" ({_numbers(report.approved)})" if report.approved else "")
               + (f" by {report.by} at {report.at}" if report.approved else "")
               + (f"; {len(report.already)} were already approved" if report.already else ""))
    if report.stale_skipped:
        click.echo(f"  skipped {_count(len(report.stale_skipped), 'stale cue')} (source changed since): "
                   f"cues {_numbers(report.stale_skipped)}; review them, then approve them with "
                   f"--cues {','.join(map(str, report.stale_skipped[:12]))} or --include-stale")
    click.echo(f"  {_count(report.remaining, 'cue')} still need review" if report.remaining else
               f"  every cue is approved: {where} may be published (pipeline status says whether it is)")


@click.command("translate")
@click.argument("input_file", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "target", required=True, metavar="LANG", help="Target language.")
@click.option("--from", "source", metavar="LANG", help="Source language (default: from a name like talk.en.srt).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file (.srt or .vtt).")
@click.option("--engine", type=click.Choice(ENGINE_CHOICES), default="auto", show_default=True, help="Engine.")
@click.option("--glossary", "glossaries", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Glossary file to use besides the project's assets/glossary/ (the project IN is in, else "
                   "the one the current folder is in).")
@click.option("--max-chars", type=click.IntRange(1), help="Characters per line (default: the target language's: "
                                                            "42, Russian 39; or the project's [check] setting).")
@click.option("--max-lines", type=click.IntRange(1), help="Lines per cue (default 2, or the project's setting).")
@click.option("--force", is_flag=True,
              help="Replace the output file if it exists, and write the draft even when the engine marked more "
                   "of its words unknown than [draft] max_unknown_share allows (25%).")
@pass_app
def translate_cmd(app: AppContext, input_file: Path, target: str, source: str | None, output: Path, engine: str,
                  glossaries: tuple[Path, ...], max_chars: int, max_lines: int, force: bool) -> None:
    """Machine-draft a loose subtitle file IN into another language (same sentence-aware drafting as
    `draft`, without a review record). Inside a project its glossary applies."""
    project = _glossary_project(app, input_file)
    # The project's [draft] settings (layout, trust thresholds) when there is one; the options win.
    settings = draft_settings(project, None, target)[0] if project is not None else \
        DraftSettings(**layout_defaults(None, None, target))
    chosen = {k: v for k, v in (("max_chars", max_chars), ("max_lines", max_lines)) if v is not None}
    report = translate_file(input_file, output, target, source, engine,
                            glossary_root=project.root if project is not None else None,
                            glossary_files=glossaries, replace=force, force=force,
                            settings=dataclasses.replace(settings, **chosen))
    for line in _describe(report):
        click.echo(line)


def _glossary_project(app: AppContext, input_file: Path):
    """The project whose glossary and settings a loose translation uses: --project, else the project the
    input file is in, else the one the current folder is in; None outside any project (only --glossary
    files apply)."""
    from pipeline.project import load_project

    if app.project_dir:
        return app.project()
    for start in (input_file.resolve().parent, None):
        try:
            return load_project(start) if start is not None else app.project()
        except (ProjectNotFound, PipelineError):
            continue
    return None


@click.group("models")
def models_group() -> None:
    """Translation models: installed OPUS-MT / NLLB models, Argos packages and Apertium pairs; install a
    model folder or an Argos package, or download an Argos package."""


@models_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def models_list(as_json: bool) -> None:
    """List installed engines and the language pairs they translate directly, in the order `--engine auto`
    prefers them (pivots through en/es are used automatically)."""
    from pipeline.engines import AUTO_ORDER, argos, ct2models

    pairs = available_pairs()
    if as_json:
        click.echo(json.dumps({"models_dir": str(ct2models.models_dir()), "argos_packages_dir": str(argos.packages_dir()),
                               "auto_order": list(AUTO_ORDER), "pairs": [p.__dict__ for p in pairs]}, indent=2))
        return
    click.echo(f"OPUS-MT (marian) and NLLB models in {ct2models.models_dir()}:")
    models = ct2models.installed_models()
    for info in sorted(models, key=lambda m: AUTO_ORDER.index(m.style)):
        notes = "; ".join(x for x in (info.license, info.url) if x)
        click.echo(f"  {info.style:<7} {info.model}" + (f"  ({notes})" if notes else ""))
        for source in info.sources:
            targets = ", ".join(f"{t}" + (f" [{tok}]" if tok else "") for t, tok in info.targets.items())
            click.echo(f"  {'':<7} {source:>7} → {targets}")
    if not models:
        click.echo("  none (pipeline models install DIR: a CTranslate2 conversion; see docs/drafting.md)")
    click.echo(f"Argos packages in {argos.packages_dir()}:")
    argos_pairs = [p for p in pairs if p.engine == "argos"]
    for p in argos_pairs:
        click.echo(f"  {p.source:>7} → {p.target:<8} {p.model}")
    if not argos_pairs:
        click.echo("  none (pipeline models install FILE.argosmodel, or pipeline models download FROM TO)")
    apertium_pairs = [p for p in pairs if p.engine == "apertium"]
    click.echo("Apertium modes:")
    for p in apertium_pairs:
        click.echo(f"  {p.source:>7} → {p.target:<8} {p.model}")
    if not apertium_pairs:
        click.echo("  none (apt-get install apertium apertium-eng-spa ...)")
    click.echo(f"--engine auto tries: {', '.join(AUTO_ORDER)}, then a pivot through en or es.")


def _codes(values: tuple[str, ...], option: str) -> dict[str, str]:
    """``("en", "bs=>>bos_Latn<<")`` → ``{"en": "", "bs": ">>bos_Latn<<"}``."""
    out = {}
    for value in values:
        for item in value.split(","):
            code, _, token = item.strip().partition("=")
            if not code:
                raise click.BadParameter(f"{value!r}: write LANG or LANG=TOKEN", param_hint=option)
            out[code] = token
    return out


@models_group.command("install")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--style", type=click.Choice(["marian", "nllb"]),
              help="For a model folder without pipeline-model.toml: marian (OPUS-MT) or nllb.")
@click.option("--from", "sources", multiple=True, metavar="LANG[=TOKEN]",
              help="Source language(s) of a model folder; NLLB needs its code, e.g. en=eng_Latn.")
@click.option("--to", "targets", multiple=True, metavar="LANG[=TOKEN]",
              help="Target language(s) with the model's target token, e.g. 'bs=>>bos_Latn<<' (multilingual "
                   "OPUS-MT) or bs=bos_Latn (NLLB).")
@click.option("--name", help="Name to install a model folder under (default: its folder name).")
@click.option("--force", is_flag=True, help="Replace an installed package or model of the same name.")
def models_install(path: Path, style: str | None, sources: tuple[str, ...], targets: tuple[str, ...],
                   name: str | None, force: bool) -> None:
    """Install PATH: a CTranslate2 model folder (OPUS-MT / NLLB conversion, with pipeline-model.toml or the
    options above) or a local Argos package (.argosmodel). Either is checked before it is used."""
    from pipeline.engines import argos, ct2models

    if path.is_dir():
        manifest = None
        if style or sources or targets or name:
            if not (style and sources and targets):
                raise click.UsageError("describe the model with --style, --from and --to together "
                                       "(or write pipeline-model.toml in the folder)")
            manifest = ct2models.parse_manifest(
                {"style": style, "name": name or path.resolve().name, "sources": _codes(sources, "--from"),
                 "targets": _codes(targets, "--to")}, path, "options")
        info = ct2models.install_model(path, manifest=manifest, replace=force)
        forget_engines()
        click.echo(f"installed {info.name} ({info.style}): {', '.join(info.sources)} → {', '.join(info.targets)} "
                   f"in {info.path.parent}")
        click.echo("  checked: files, vocabulary against the SentencePiece model(s), language tokens, a test "
                   "translation that stops")
        return
    if sources or targets or style or name:
        raise click.UsageError("--style, --from, --to and --name describe a model folder, not an Argos package")
    package = argos.install_package(path, replace=force)
    forget_engines()
    click.echo(f"installed {package.name}: {package.source} → {package.target} (version {package.version or '?'}) "
               f"in {package.path.parent}")


@models_group.command("download")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--force", is_flag=True, help="Replace an installed package of the same name.")
@pass_app
def models_download(app: AppContext, source: str, target: str, force: bool) -> None:
    """Download the Argos package FROM → TO from the Argos index and install it (needs the network;
    offline it says so at once)."""
    from pipeline.engines import argos, check_language

    source, target = check_language(source), check_language(target)
    last = [0]

    def progress(done: int, total: int | None) -> None:
        if app.interactive and done - last[0] >= 5 << 20:
            last[0] = done
            click.echo(f"  {done / 1e6:.0f}" + (f" of {total / 1e6:.0f}" if total else "") + " MB", err=True)

    package = argos.download_package(source, target, on_bytes=progress, replace=force)
    forget_engines()
    click.echo(f"installed {package.name}: {package.source} → {package.target} (version {package.version or '?'})")


COMMANDS = [draft_cmd, approve_cmd, translate_cmd, models_group]
