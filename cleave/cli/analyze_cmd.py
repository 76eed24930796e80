"""``cleave analyze``: placeholder until the analyzer lands."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze(src: Path = typer.Argument(..., help="The monolith's root folder.")) -> None:
        """Parse SRC and build its dependency graph."""
        raise typer.Exit(1)
