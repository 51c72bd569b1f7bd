"""``kvarter indicators``: compute the indicator catalogue over a store."""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.cli.options import (
    EngineOption,
    LangOption,
    SourceOption,
    SparkMasterOption,
    StoreOption,
    current_settings,
    engine_of,
    open_store,
    parse_years,
    policy_of,
)
from kvarter.errors import InputError


def indicators(
    store: Path = StoreOption,
    engine: str = EngineOption,
    spark_master: str = SparkMasterOption,
    source: str = SourceOption,
    years: str = typer.Option(None, "--years", help="Years to report: 2020-2024, 2019,2021 or 2023 (default: all)."),
    catalogue: Path = typer.Option(None, "--catalogue", help="Indicator catalogue YAML (default: the built-in one)."),
    out: Path = typer.Option(None, "--out", help="Also write the table to FILE.csv or FILE.parquet."),
    lang: str = LangOption,
) -> None:
    """Compute the indicator catalogue per area, municipality, region and country.

    The result is stored in the store as table ``indicators``; a summary is printed.
    With ``--source parquet:PATH`` the person-year rows are read from Parquet files in
    place (the store gives the areas and keeps the result).
    """
    import pandas as pd
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from kvarter.indicators import load_catalogue
    from kvarter.jobs.indicators import refresh_indicators
    from kvarter.report.i18n import check_lang, format_indicator_value

    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"--out must end in .csv or .parquet; got {str(out)!r}.")
    settings = current_settings()
    engine = engine_of(settings, engine, spark_master)
    lang = check_lang((lang or settings.lang).split(",")[0].strip(), "kvarter indicators")
    from kvarter.store.engines import parse_source

    src = parse_source(source)
    console = Console()
    with open_store(store, settings) as st:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            progress.add_task(f"Computing indicators on {engine}", total=None)
            job = refresh_indicators(st, policy_of(settings), engine=engine, catalogue=catalogue,
                                     years=parse_years(years), publish=out is not None, source=src)
    result = job.table
    if out is not None:
        # The file leaves the program: only the protected table may be written.
        out.parent.mkdir(parents=True, exist_ok=True)
        job.published.to_csv(out) if out.suffix.lower() == ".csv" else job.published.to_parquet(out)

    table = Table(title=f"Indicators ({len(result):,} rows stored as table 'indicators')")
    table.add_column("indicator", overflow="fold")
    table.add_column("id", no_wrap=True, style="dim")  # ids go into rule sets: never broken
    for col in ("areas", "years", "country, latest year"):
        table.add_column(col, justify="right", no_wrap=True)
    # What is printed leaves the program too: the country figures shown pass
    # the same disclosure control as any file.
    shown = job.country.frame
    latest_of = dict(zip(shown["indicator"], shown["value"]))
    cat = load_catalogue(catalogue)
    for ind_id, rows in result.groupby("indicator", sort=False):
        v = latest_of.get(ind_id)
        try:
            spec = cat[ind_id]
        except KeyError:  # a table computed with another catalogue
            name, unit, ratio = ind_id, "share", False
        else:
            name, unit, ratio = spec.label(lang), spec.unit, spec.comparison == "ratio"
        latest = "" if ind_id not in latest_of else ("–" if pd.isna(v) else format_indicator_value(v, unit, lang,
                                                                                                  ratio=ratio))
        table.add_row(name, ind_id, str(rows.loc[rows["level"] == "area", "unit_id"].nunique()),
                      f"{rows['year'].min()}-{rows['year'].max()}", latest)
    console.print(table)
    for note in job.notes:
        console.print(f"[yellow]{note}[/]")
    if out is not None:
        console.print(f"Written to {out}")


def register(app: typer.Typer) -> None:
    """Add ``kvarter indicators`` to ``app``."""
    app.command("indicators")(indicators)
