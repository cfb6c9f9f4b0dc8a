"""One or two worked examples per command, shown at the end of its ``--help`` (kept with the README's)."""

from __future__ import annotations

EXAMPLES: dict[str, list[str]] = {
    "init": ["pipeline init report-videos", "pipeline init . --name 'Survivors report' --languages en,es,fr"],
    "status": ["pipeline status", "pipeline status explainer-en --json"],
    "probe": ["pipeline probe assets/sample/explainer-en.mp4", "pipeline probe clip.mkv --json"],
    "add": ["pipeline add ~/Downloads/chapter2.mkv --id chapter-2 --audio-language en --title 'Chapter 2'",
            "pipeline add /mnt/masters/chapter3.mov --id chapter-3 --audio-language es --link"],
    "render": ["pipeline render", "pipeline render explainer-en -j 2 --profile square --dry-run"],
    "build": ["pipeline build", "pipeline build -q --plain   # CI logs",
              "pipeline build --executor dask --scheduler tcp://10.0.0.5:8786   # workers share the project's disk"],
    "check": ["pipeline check", "pipeline check explainer-en --lang es --json",
              "pipeline check delivery/talk.es.srt --fps 25"],
    "fix": ["pipeline fix explainer-en --dry-run", "pipeline fix --encoding cp1252 delivery/old.srt"],
    "shift": ["pipeline shift subtitles/explainer-en/es.srt --by +1.5s",
              "pipeline shift talk.srt --fps 25:23.976"],
    "draft": ["pipeline draft explainer-en --to sq,ro,bs", "pipeline draft explainer-en --to pt --from es --dry-run",
              "pipeline draft explainer-en --to bs --engine marian"],
    "approve": ["pipeline approve explainer-en bs", "pipeline approve explainer-en bs --cues 1-5,8 --by 'Ana Ruiz'",
                "pipeline approve explainer-en ru --human   # a person wrote ru.srt"],
    "translate": ["pipeline translate talk.en.srt --to es -o talk.es.draft.srt"],
    "models": ["pipeline models list", "pipeline models install translate-en_sq.argosmodel"],
    "models list": ["pipeline models list"],
    "models install": ["pipeline models install translate-en_sq.argosmodel",
                       "pipeline models install opus-mt-en-zls-ct2   # a folder with pipeline-model.toml",
                       "pipeline models install nllb-600M-ct2 --style nllb --from en=eng_Latn --to bs=bos_Latn"],
    "models download": ["pipeline models download en sq"],
    "preview": ["pipeline preview explainer-en es --at 12.5 -o frame.png",
                "pipeline preview explainer-en es --sheet --every 2 -o sheet.png"],
    "review": ["pipeline review explainer-en es", "pipeline review --serve --port 8765"],
}


def add_examples(command, path: str) -> None:
    """Append the examples for ``path`` (e.g. ``"models install"``) to the command's help, and its subcommands'."""
    lines = EXAMPLES.get(path)
    if lines and not (command.epilog or "").startswith("Examples"):
        command.epilog = "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)
    for name, sub in getattr(command, "commands", {}).items():
        add_examples(sub, f"{path} {name}")
