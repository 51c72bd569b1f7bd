"""``kvarter load``: read, validate and store a file, all or nothing."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from kvarter.cli.exitcodes import ExitCode
from kvarter.cli.options import StoreOption, current_settings

TABLE_HELP = "Input table: persons, areas, schools or aggregates."
FORMAT_HELP = (
    "Reader to use instead of the one the file suffix suggests: csv, parquet, excel, geojson, "
    "gpkg (a GeoPackage with one feature table, in EPSG:4326); "
    "or 'cbs' to reshape Statistics Netherlands' wide neighbourhood figures into aggregates."
)

MAX_SHOWN = 200


def print_failures(exc, console: Console) -> None:
    """Print an :class:`~kvarter.errors.InputErrors` as a table: file, row, column, value, reason, message."""
    from rich.table import Table

    table = Table(title=str(exc).split(" First:")[0], title_justify="left", show_lines=False)
    for col in ("file", "row", "column", "value", "reason", "message"):
        table.add_column(col, overflow="fold")
    for f in exc.failures[:MAX_SHOWN]:
        table.add_row(
            f.file,
            "" if f.row is None else str(f.row),
            f.column or "",
            "" if f.value is None else str(f.value)[:40],
            f.reason.value,
            f.message,
        )
    console.print(table)
    if len(exc.failures) > MAX_SHOWN:
        console.print(f"... and {len(exc.failures) - MAX_SHOWN} more failures.")


def load(
    path: Path = typer.Argument(..., help="File to load: .csv, .parquet, .xlsx, .geojson or .gpkg."),
    table: str = typer.Option(None, "--table", "-t", help=TABLE_HELP),
    store: Path = StoreOption,
    replace: bool = typer.Option(False, "--replace", help="Replace the table's rows instead of appending."),
    format: str = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    sheet: str = typer.Option("0", "--sheet", help="Excel sheet name or 0-based number."),
    layer: str = typer.Option(None, "--layer", help="GeoPackage feature table to read (default: its only one)."),
    rename: list[str] = typer.Option(None, "--rename", help="FILE_COLUMN=COLUMN: read a file column under the contract's name (repeat; e.g. ogc_fid=area_id)."),
    set_: list[str] = typer.Option(None, "--set", help="COLUMN=VALUE: a column the file lacks, the same on every row (repeat; e.g. municipality=København)."),
    crs: str = typer.Option(None, "--crs", help="Coordinate system of a geometry file that does not say (e.g. EPSG:25832); reprojected to EPSG:4326."),
) -> None:
    """Validate a file against its table's contract and load it into the store.

    Every check runs before anything is stored; if any fails, the failures are
    printed as one table (file, row, column, value, reason) and the command
    exits with status 2, leaving the store as it was.
    """
    from kvarter.errors import InputErrors, KvarterError
    from kvarter.io.cbs import WIDE_FORMATS
    from kvarter.io.contracts import TABLES
    from kvarter.store import Store

    console = Console()
    if table is None:
        if format not in WIDE_FORMATS:
            console.print(f"[bold red]Error:[/] --table is required: one of {', '.join(TABLES)}.")
            raise typer.Exit(ExitCode.INPUT)
        table = "aggregates"
    if table not in TABLES:
        console.print(f"[bold red]Error:[/] unknown table {table!r}; choose one of {', '.join(TABLES)}.")
        raise typer.Exit(ExitCode.INPUT)
    sheet_arg: str | int = int(sheet) if sheet.isdigit() else sheet
    from kvarter.io.mapping import ColumnMapping

    mapping = ColumnMapping.from_options(rename or [], set_ or [])
    try:
        store = store or current_settings().store
        with Store(store) as s:
            with console.status(f"Loading {path} into {table} ..."):
                record = s.load(path, table=table, replace=replace, format=format, sheet=sheet_arg, layer=layer,
                                crs=crs, mapping=mapping or None)
            total = s.row_count(table)
    except InputErrors as exc:
        print_failures(exc, console)
        raise typer.Exit(ExitCode.INPUT) from None
    except KvarterError as exc:
        # main() does this too; doing it here keeps the command honest under CliRunner.
        console.print(f"[bold red]Error:[/] {exc}", highlight=False)
        raise typer.Exit(ExitCode.INPUT if isinstance(exc, ValueError) else ExitCode.ERROR) from None
    verb = "Replaced" if replace else "Loaded"
    console.print(
        f"{verb} [bold]{record.rows:,}[/] rows from {record.source} into [bold]{table}[/] "
        f"({total:,} rows now) in {store}; load {record.load_id}, sha256 {record.sha256[:12]}."
    )
    if record.notes:
        console.print(f"Note: {record.notes}")


def register(app: typer.Typer) -> None:
    """Add ``kvarter load`` to the app."""
    app.command("load")(load)
