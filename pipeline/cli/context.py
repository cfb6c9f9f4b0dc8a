"""Shared state of one CLI invocation."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when first used: `pipeline --help` needs neither
    from pipeline.media.runner import FfmpegRunner
    from pipeline.project import Project


@dataclass
class AppContext:
    project_dir: str | None = None
    verbose: int = 0
    quiet: bool = False
    _project: Project | None = field(default=None, repr=False)
    _runner: FfmpegRunner | None = field(default=None, repr=False)

    def project(self) -> Project:
        from pipeline.project import load_project

        if self._project is None:
            if self.project_dir:
                self._project = load_project(Path(self.project_dir), explicit=True)
            else:
                self._project = load_project()
        return self._project

    @property
    def runner(self) -> FfmpegRunner:
        from pipeline.media.runner import FfmpegRunner

        if self._runner is None:
            self._runner = FfmpegRunner()
        return self._runner

    @property
    def interactive(self) -> bool:
        """Draw progress bars only for a person at a terminal."""
        return not self.quiet and sys.stderr.isatty()
