"""The command line: a thin click layer over the library.

Commands parse options, call the library, and draw what it reports. Library errors become one line on
stderr and the error's exit code; anything else reaching here is a bug and says so.
"""

from __future__ import annotations

import importlib
import sys

import click

from pipeline import __version__
from pipeline.errors import PipelineError


#: The module defining each command. A module is imported only when one of its commands runs, so `pipeline
#: build` does not load the translation engines, `status` not the review page, and `--help` none of them.
COMMAND_MODULES = {
    "init": "project_cmds", "status": "project_cmds", "add": "project_cmds",
    "check": "subtitle_cmds", "fix": "subtitle_cmds", "shift": "subtitle_cmds",
    "draft": "draft_cmds", "approve": "draft_cmds", "translate": "draft_cmds", "models": "draft_cmds",
    "probe": "media_cmds", "render": "media_cmds", "build": "media_cmds",
    "preview": "preview_cmds",
    "review": "review_cmds",
}
#: Each command's summary for ``pipeline --help`` (the first sentence of its help), so that listing the
#: commands imports none of them. tests/test_cli.py checks each against the command's own help.
COMMAND_SUMMARIES = {
    "add": "Register a video FILE in the catalog, create its subtitles/ID/ folder and extract its embedded text "
           "subtitle tracks.",
    "approve": "Record that a person reviewed a drafted track (or some of its cues), with who and when.",
    "build": "Check every track, then render everything publishable (the comms team's one command).",
    "check": "Check subtitle tracks against the style rules and English/Spanish parity.",
    "draft": "Machine-draft VIDEO's subtitles into new languages, for a person to review.",
    "fix": "Safely fix subtitle FILES or every track of VIDEOS.",
    "init": "Start a project in FOLDER (default: here): a catalog with [project], the folders, and a .gitignore "
            "that keeps dist/ (everything rendered) out of git.",
    "models": "Translation models: installed OPUS-MT / NLLB models, Argos packages and Apertium pairs; install a "
              "model folder or an Argos package, or download an Argos package.",
    "preview": "Render one captioned frame of VIDEO's LANGUAGE track at --at TIME, or with --sheet a contact sheet "
               "of its cues, exactly as the burned-in output of --profile would show them.",
    "probe": "Show what a media FILE holds: duration, resolution, frame rate, audio and subtitle streams.",
    "render": "Render captioned outputs of VIDEOS (default: all) into dist/, redoing only what changed.",
    "review": "Write a review page for VIDEO (default: every video) into dist/review/VIDEO/.",
    "shift": "Move subtitle FILES or every track of VIDEOS in time: by an offset, or from one frame rate to another.",
    "status": "Show videos x languages: origin (human / machine / unknown), cues, review counts of drafts "
              "(unreviewed, edited, approved, stale, and unreviewed cues the engine itself had low confidence in), "
              "`check` findings (errors, warnings; `pipeline check` lists them), whether each track is publishable "
              "and why not, who approved it last and when (UTC), and its open review comments (the workbench's, "
              "in <lang>.notes.tsv).",
    "translate": "Machine-draft a loose subtitle file IN into another language (same sentence-aware drafting as "
                 "`draft`, without a review record).",
}


class PipelineGroup(click.Group):
    """A group that loads its commands on first use and turns library errors into one clear line and
    an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMAND_MODULES))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from :data:`COMMAND_SUMMARIES`: no command module is imported."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, (self.commands.get(name) or click.Command(name, help=COMMAND_SUMMARIES[name]))
                 .get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMAND_MODULES:
            from pipeline.cli.examples import add_examples

            module = importlib.import_module(f"pipeline.cli.{COMMAND_MODULES[name]}")
            for command in module.COMMANDS:
                if command.name not in self.commands:
                    add_examples(command, command.name)
                    self.add_command(command)
        return self.commands.get(name)

    def invoke(self, ctx: click.Context):
        from pipeline.cli.context import AppContext  # here: `pipeline --help` never invokes a command

        try:
            return super().invoke(ctx)
        except PipelineError as exc:
            app = ctx.find_object(AppContext)
            if app is not None and app.verbose and exc.detail:
                click.echo(exc.detail, err=True)
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:  # `pipeline check | head`: the reader has gone; that is not an error
            sys.stderr.close()
            ctx.exit(0)
        except KeyboardInterrupt:
            click.echo("interrupted: nothing unfinished was left with a final name", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # a bug: say so in one line, keep the traceback for -v
            app = ctx.find_object(AppContext)
            if app is not None and app.verbose:
                import traceback

                traceback.print_exc()
            click.echo(f"internal error: {type(exc).__name__}: {exc} (this is a bug; run with -v for details)", err=True)
            ctx.exit(70)


@click.group(cls=PipelineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_dir", type=click.Path(file_okay=False, path_type=str),
              help="Project folder (holding assets/catalog.toml). Default: found from the current folder upwards.")
@click.option("-v", "--verbose", count=True, help="Show commands run and details (-vv for debug output).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and final results; no progress bars.")
@click.version_option(__version__, prog_name="pipeline")
@click.pass_context
def cli(ctx: click.Context, project_dir: str | None, verbose: int, quiet: bool) -> None:
    """Caption pipeline for the report's videos: subtitle tracks, machine drafts for review,
    captioned renders.

    \b
    Typical use:
      pipeline status            what tracks exist and what is publishable
      pipeline build             check, then render everything publishable into dist/
      pipeline probe FILE        what a media file holds
    """
    import logging  # here, not at the top: `pipeline --help` never runs this

    from pipeline.cli.context import AppContext

    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr, force=True)
    ctx.obj = AppContext(project_dir=project_dir, verbose=verbose, quiet=quiet)


def main() -> None:
    cli(prog_name="pipeline")
