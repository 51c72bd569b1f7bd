"""``kvarter screen``: designate areas by rule sets and explain each designation."""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.cli.options import StoreOption


def screen(
    ruleset: list[str] = typer.Option(
        ..., "--ruleset", help="Rule set: dk-2024, dk-2018, dk-2013, dk-2010, city-7, composite or a YAML file; repeat for several."
    ),
    year: int = typer.Option(..., "--year", help="List year to screen."),
    values: Path = typer.Option(
        None, "--values", help="A user's table of criterion values (CSV or Parquet); default: the store's indicators."
    ),
    store: Path = StoreOption,
    out: Path = typer.Option(None, "--out", help="Folder for designations, criteria, what_if and summary (.csv and .parquet)."),
    explain: str = typer.Option(None, "--explain", help="Also print the full explanation for this area id."),
) -> None:
    """Screen every area with one or more rule sets; print a table, keep the results in the store."""
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from kvarter.errors import InputError
    from kvarter.screening.run import run_screening
    from kvarter.store import Store

    table = None
    if values is not None:
        if not values.is_file():
            raise InputError(f"--values {values}: no such file.")
        try:
            table = pd.read_parquet(values) if values.suffix.lower() == ".parquet" else pd.read_csv(values, sep=None, engine="python")
        except (OSError, ValueError) as exc:
            raise InputError(f"Cannot read --values {values}: {exc}") from None
    console = Console()
    with Store(store) as st:
        run = run_screening(list(ruleset), year, values=table, store=st, out=out)
    shown = Table(title=f"Screening {year}: {', '.join(run.results)}")
    for col in run.summary.columns:
        shown.add_column(str(col), overflow="fold")
    for row in run.summary.itertuples(index=False):
        shown.add_row(*["" if pd.isna(v) else str(v) for v in row])
    console.print(shown)
    for rid, res in run.results.items():
        lists = [c[: -len("_rule")] for c in res.columns if c.endswith("_rule") and c[: -len("_rule")] in res.columns]
        counts = ", ".join(f"{lid} {int(res[lid].sum())}" for lid in lists)
        console.print(f"{rid}: {counts} (of {int(res['in_population'].sum())} areas in the population)")
    if explain is not None:
        for rid, res in run.results.items():
            hit = res[res["area_id"].astype(str) == explain]
            if hit.empty:
                raise InputError(f"--explain {explain!r}: no such area in the {rid} results.")
            console.print(hit["explanation"].iloc[0], highlight=False)
        w = run.what_if[run.what_if["area_id"].astype(str) == explain]
        for r in w.itertuples():
            console.print(f"{r.ruleset} {r.list}: {r.criterion}: {r.change}" + (" — alone enough to leave the list" if r.sufficient else ""))
    if out is not None:
        console.print(f"Wrote {len(run.files)} files to {out}")


def register(app: typer.Typer) -> None:
    """Add ``kvarter screen`` to the app."""
    app.command("screen")(screen)
