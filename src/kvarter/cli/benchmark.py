"""``kvarter benchmark``: every area or municipality against its reference group."""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.cli.options import MinCountOption, StoreOption, current_settings, engine_of, open_store, policy_of

GROUP_HELP = ("Reference group: size-class, region, municipality (areas against their city, the area included), "
              "country, kostra (with --mapping), nearest:K (the K nearest on standardised indicators), "
              "or a file of groups (YAML groups: {name: [units]} or CSV unit,group).")


def benchmark(
    indicator: list[str] = typer.Option(..., "--indicator", help="Indicator id to compare (repeat for several), e.g. non_western_share."),
    group: str = typer.Option(..., "--group", help=GROUP_HELP),
    level: str = typer.Option("municipality", "--level", help="Units to compare: area or municipality."),
    year: int = typer.Option(..., "--year", help="Year to compare."),
    bands: str = typer.Option("cbs_gemeentegrootte", "--bands", help="Size classes for --group size-class: cbs_gemeentegrootte or no_kostra_2020."),
    mapping: Path = typer.Option(None, "--mapping", help="With --group kostra: CSV unit,group naming each unit's KOSTRA group."),
    store: Path = StoreOption,
    out: Path = typer.Option(None, "--out", help="Folder for the comparison, funnel and spine tables (.csv and .parquet)."),
    min_count: int = MinCountOption,
    show: int = typer.Option(20, "--show", min=0, help="Rows to print (units furthest from their reference first)."),
) -> None:
    """Compare each unit with its reference group (the unit included): index, difference, funnel class; print a table."""
    import math

    from rich.console import Console
    from rich.table import Table

    from kvarter.jobs.benchmark import benchmark_job

    settings = current_settings()
    console = Console()
    with open_store(store, settings) as st:
        pub = benchmark_job(st, policy_of(settings, min_count), indicator=list(indicator), group=group, level=level,
                            year=year, bands=bands, mapping=mapping, engine=engine_of(settings))
    # Everything printed or written below has passed disclosure control.
    comp = pub["benchmark_comparison"].frame
    fun = pub["benchmark_funnel"].frame
    own = fun[fun["rank"].isna() | (fun["rank"] == 0)]
    cls = {(i, u): c for i, u, c in zip(own["indicator"], own["unit"], own["class"])}
    units = comp[comp["row"] == "unit"].copy()
    units["funnel_class"] = [cls.get((i, u), "") for i, u in zip(units["indicator"], units["unit"])]
    units["gap"] = (units["index"] - 100).abs()
    units = units.sort_values("gap", ascending=False, na_position="last")
    table = Table(title=f"Benchmark {year}: {', '.join(indicator)} by {group} ({level})")
    cols = ["indicator"] * (len(indicator) > 1) + ["unit", "name", "group", "value", "reference", "index", "class"]
    for col in cols:
        table.add_column(col, overflow="fold")

    def num(v, d=4):
        return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{d}g}"

    for r in units.head(show).itertuples():
        hidden = r.value_status != "published"
        cells = [str(r.unit), str(r.name), str(r.group), ".." if hidden else num(r.value),
                 ".." if hidden else num(r.reference), ".." if hidden else num(r.index, 4), r.funnel_class]
        table.add_row(*([r.indicator] * (len(indicator) > 1) + cells))
    console.print(table)
    refs = comp[comp["row"] == "reference"]
    console.print(f"{len(units)} unit row(s), {len(refs)} reference group(s); "
                  f"{int((units['value_status'] != 'published').sum())} unit row(s) suppressed.", highlight=False)
    for note in pub.notes:
        console.print(f"Note: {note}", highlight=False)
    if out is not None:
        from kvarter.report.files import write_tables

        paths = write_tables(pub.tables, out)
        console.print(f"Wrote {2 * len(paths)} files to {out}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``kvarter benchmark`` to the app."""
    app.command("benchmark")(benchmark)
