"""``kvarter check-output``: attack the files kvarter published."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd

import typer

from kvarter.cli.exitcodes import ExitCode
from kvarter.cli.options import MinCountOption, current_settings, policy_of


def check_output_command(
    directory: Path = typer.Argument(..., help="Folder (or one file) of published CSV/Parquet tables."),
    min_count: int = MinCountOption,
    counts: Optional[str] = typer.Option(
        None, "--counts",
        help="A table made by hand: its columns that count persons, comma-separated (no sidecar needed).",
    ),
    key: Optional[str] = typer.Option(
        None, "--key", help="With --counts: the columns naming a row (default: every column not in --counts).",
    ),
    total_label: Optional[str] = typer.Option(
        None, "--total-label",
        help="With --counts: the key value of total rows (default: Total, I alt, Totalt, Totaal, Alle, All).",
    ),
) -> None:
    """Re-read published tables and attack them; exit non-zero if any cell is disclosive.

    Lists every published cell that rests on fewer persons than the minimum and
    every suppressed cell an intruder can recover from what was published.
    A table made by hand (no sidecar beside it): name its count columns with
    --counts; empty cells and marks such as "." or "x" are read as suppressed,
    rows labelled Total (or --total-label) as the sum of the others.
    """
    from rich.console import Console
    from rich.table import Table

    from kvarter.disclosure.check import COLUMNS, check_output, check_plain_file, published_files

    console = Console()
    if not directory.exists():
        console.print(f"[bold red]Error:[/] {directory} does not exist.")
        raise typer.Exit(ExitCode.INPUT)
    files = published_files(directory)
    # The minimum checked is the settings' unless --min-count says otherwise.
    minimum = min_count or current_settings().min_cell_count
    if counts:
        frames = [
            check_plain_file(f, counts=_names(counts), key=_names(key) if key else None,
                             total_label=total_label, policy=policy_of(current_settings(), minimum))
            for f in files
        ]
        problems = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    else:
        problems = check_output(directory, min_count=minimum)
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


def _names(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


def register(app: typer.Typer) -> None:
    """Add ``check-output`` to the ``kvarter`` app."""
    app.command("check-output")(check_output_command)
