"""``kvarter synth``: write the synthetic municipality Demoby (and load it)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from kvarter.cli.options import parse_years


def load_into_store(paths: dict[str, Path], store_path: Path) -> list:
    """Load written synthetic files into a store (areas, schools, then
    persons, each replacing the table); return the load records."""
    from kvarter.store import Store

    with Store(store_path) as store:
        # One transaction: replacing areas alone would orphan the old persons.
        return store.load_many(
            {"areas": paths["areas_geojson"], "schools": paths["schools"], "persons": paths["persons"]}, replace=True
        )


def register(app: typer.Typer) -> None:
    @app.command("synth")
    def synth(
        out: Path = typer.Option(Path("out/demoby"), "--out", help="Folder to write the files to."),
        persons: int = typer.Option(50_000, "--persons", help="Residents in the first year."),
        areas: int = typer.Option(40, "--areas", help="Residential areas (housing areas and neighbourhoods)."),
        schools: int = typer.Option(16, "--schools", help="Schools."),
        years: str = typer.Option("2015-2024", "--years", help="Years, e.g. 2015-2024 or 2020,2022."),
        seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same files."),
        store: Path | None = typer.Option(None, "--store", help="Also load the files into this DuckDB store."),
    ) -> None:
        """Synthesise Demoby and its neighbours: persons.parquet, areas.geojson, areas.csv and schools.csv."""
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.table import Table

        from kvarter.demo import synthesize, write_synthetic

        console = Console()
        year_list = parse_years(years) or []
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=console, transient=True) as progress:
            task = progress.add_task(f"Synthesising {persons:,} persons over {len(year_list)} years", total=None)
            data = synthesize(persons=persons, areas=areas, schools=schools, years=year_list, seed=seed)
            progress.update(task, description=f"Writing files to {out}")
            paths = write_synthetic(data, out)
            records = []
            if store is not None:
                progress.update(task, description=f"Loading into {store}")
                records = load_into_store(paths, store)
        console.print(f"Wrote {out}:", highlight=False)
        table = Table()
        for col in ("file", "rows"):
            table.add_column(col)
        rows = {"persons": len(data["persons"]), "areas_geojson": len(data["areas"]),
                "areas": len(data["areas"]), "schools": len(data["schools"])}
        for key, path in paths.items():
            table.add_row(path.name, f"{rows[key]:,}")
        console.print(table)
        if records:
            console.print(f"Loaded {len(records)} tables into {store}.")
