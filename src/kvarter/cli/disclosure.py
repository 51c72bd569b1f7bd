"""``kvarter check-output``: attack the files kvarter published."""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.cli.exitcodes import ExitCode
from kvarter.cli.options import MinCountOption, current_settings


def check_output_command(
    directory: Path = typer.Argument(..., help="Folder (or one file) of published CSV/Parquet tables."),
    min_count: int = MinCountOption,
) -> None:
    """Re-read published tables and attack them; exit non-zero if any cell is disclosive.

    Lists every published cell that rests on fewer persons than the minimum and
    every suppressed cell an intruder can recover from what was published.
    """
    from rich.console import Console
    from rich.table import Table

    from kvarter.disclosure.check import check_output, published_files

    console = Console()
    if not directory.exists():
        console.print(f"[bold red]Error:[/] {directory} does not exist.")
        raise typer.Exit(ExitCode.INPUT)
    files = published_files(directory)
    # The minimum checked is the settings' unless --min-count says otherwise.
    problems = check_output(directory, min_count=min_count or current_settings().min_cell_count)
    if problems.empty:
        console.print(f"{len(files)} published file(s) in {directory} pass disclosure control.")
        return
    table = Table(title=f"{len(problems)} disclosure problem(s) in {directory}")
    for col in ("file", "cell", "column", "problem"):
        table.add_column(col, overflow="fold")
    for row in problems.itertuples(index=False):
        table.add_row(*(str(v) for v in row))
    console.print(table)
    raise typer.Exit(ExitCode.ERROR)


def register(app: typer.Typer) -> None:
    """Add ``check-output`` to the ``kvarter`` app."""
    app.command("check-output")(check_output_command)
