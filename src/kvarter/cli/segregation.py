"""``kvarter segregation``: the school-segregation report's analysis on a store."""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.cli.options import (
    EngineOption,
    OutOption,
    SourceOption,
    SparkMasterOption,
    StoreOption,
    current_settings,
    engine_of,
    open_store,
    policy_of,
)


def segregation(
    store: Path = StoreOption,
    units: str = typer.Option("school", "--units", help="Units to compare: school (pupils) or area (residents)."),
    out: Path = OutOption,
    permutations: int = typer.Option(1000, "--permutations", min=0, help="Random allocations for the p-values."),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap replicates for the intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of all random draws (same seed, same numbers)."),
    charts: bool = typer.Option(True, "--charts/--no-charts", help="Write the heat-maps as PNG and SVG."),
    min_unit_size: int = typer.Option(None, "--min-unit-size", min=0, help="Drop units (schools, areas) with fewer persons (default from settings: 50)."),
    min_municipality_size: int = typer.Option(None, "--min-municipality-size", min=0, help="Drop municipality-years with fewer persons (default from settings: 10000)."),
    aggregates: str = typer.Option(None, "--aggregates", help="Use the store's aggregates instead of microdata: the variable whose categories are the groups (e.g. origin)."),
    unit_kind: str = typer.Option("neighbourhood", "--unit-kind", help="With --aggregates: the kind of unit to compare (e.g. neighbourhood, district)."),
    engine: str = EngineOption,
    spark_master: str = SparkMasterOption,
    source: str = SourceOption,
) -> None:
    """Segregation indices per municipality, year and group pair, with Table 1, trends and heat-maps.

    The persons are counted per unit and group on the engine; only the counts come back.
    """
    from rich.console import Console
    from rich.progress import Progress
    from rich.table import Table

    from kvarter.jobs.segregation import segregation_job
    from kvarter.report.files import write_segregation

    from kvarter.store.engines import parse_source

    console = Console()
    settings = current_settings()
    out = out or settings.out
    eng, src = engine_of(settings, engine, spark_master), parse_source(source)
    # The size filters apply to pupils across schools; areas keep every unit
    # unless asked (as the library's own defaults do).
    schools = units == "school" and aggregates is None
    if min_unit_size is None:
        min_unit_size = settings.min_school_pupils if schools else 0
    if min_municipality_size is None:
        min_municipality_size = settings.min_municipality_pupils if schools else 0
    with open_store(store, settings) as st, Progress(console=console, transient=True) as bar:
        task = bar.add_task("municipality x year", total=None)
        job = segregation_job(
            st, policy_of(settings), units=units, permutations=permutations, bootstrap=bootstrap, seed=seed,
            min_unit_size=min_unit_size, min_municipality_size=min_municipality_size,
            aggregates=aggregates, unit_kind=unit_kind, engine=eng, source=src,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if len(job.left_out):
        console.print(f"Left out {len(job.left_out)} {unit_kind}(s) with a suppressed or missing count: "
                      + ", ".join(job.left_out["unit"].astype(str).head(10)), highlight=False)
    analysis = job.analysis
    part = job.publication.segregation[0]
    paths = write_segregation(job.publication.tables, out, order=part.order, charts=charts)
    # The printed summary is drawn from the same protected estimates as the files.
    res = job.publication["segregation_results"].frame
    d = res[res["index"] == "dissimilarity"].dropna(subset=["estimate"])
    summary = d.groupby("pair").agg(mean_D=("estimate", "mean"), min_D=("estimate", "min"),
                                    max_D=("estimate", "max"), significant=("p_value", lambda p: (p < 0.05).mean()))
    table = Table(title=f"Dissimilarity Index per pair ({analysis.results['municipality'].nunique()} "
                        f"municipalities, {analysis.results['year'].nunique()} years)")
    for col in ("pair", "mean D", "min D", "max D", "share p<0.05"):
        table.add_column(col, justify="left" if col == "pair" else "right")
    for pair, r in summary.iterrows():
        table.add_row(pair, f"{r.mean_D:.3f}", f"{r.min_D:.3f}", f"{r.max_D:.3f}", f"{r.significant:.0%}")
    console.print(table)
    dropped = analysis.dropped
    console.print(
        f"Dropped {len(dropped.units)} unit-years below {analysis.settings['min_unit_size']} persons and "
        f"{len(dropped.municipalities)} municipality-years below {analysis.settings['min_municipality_size']}."
    )
    console.print(f"Wrote {len(paths)} tables (CSV + Parquet) and heat-maps to {out}; stored tables "
                  f"{', '.join(job.stored)} in {store or settings.store}.")


def register(app: typer.Typer) -> None:
    """Add ``kvarter segregation`` to the app."""
    app.command("segregation")(segregation)
