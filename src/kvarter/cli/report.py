"""``kvarter report`` (the main job over a store) and ``kvarter demo`` (synthesise,
load, then the main job)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from kvarter.cli.options import (
    EngineOption,
    LangOption,
    MinCountOption,
    OutOption,
    SparkMasterOption,
    StoreOption,
    current_settings,
    engine_of,
    open_store,
    policy_of,
)


class _Stages:
    """Wall-clock seconds per stage, for ``--timings``: each mark ends the running stage."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = []
        self._name, self._t = None, time.perf_counter()

    def mark(self, name: str | None) -> None:
        now = time.perf_counter()
        if self._name is not None:
            self.rows.append((self._name, now - self._t))
        self._name, self._t = name, now

    def print(self, console) -> None:
        self.mark(None)
        total = sum(sec for _, sec in self.rows)
        console.print("Stage times: " + ", ".join(f"{n} {sec:.1f} s" for n, sec in self.rows)
                      + f" (total {total:.1f} s)", highlight=False)


def _run(store_path: Path | None, out: Path | None, lang: str | None, min_count: int | None, rulesets: list[str],
         year: int | None, schools, permutations: int, bootstrap: int, seed: int, engine: str | None = None,
         municipalities: list[str] | None = None, goals: str | None = None, spark_master: str | None = None,
         stages: _Stages | None = None):
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from kvarter.jobs.monitor import run_report

    console = Console()
    settings = current_settings()
    out = Path(out or settings.out)
    engine = engine_of(settings, engine, spark_master)
    langs = [x.strip() for x in (lang or settings.lang).split(",") if x.strip()]
    policy = policy_of(settings, min_count)
    # One report per --municipality (each in its own folder when there are several).
    targets = list(dict.fromkeys(municipalities or [None]))
    results = []
    with open_store(store_path, settings) as store, Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                                             TimeElapsedColumn(), console=console,
                                                             transient=True) as progress:
        task = progress.add_task("report", total=None)
        for m in targets:
            where = out / _folder(m) if len(targets) > 1 else out
            results.append(run_report(
                store, where, rulesets=rulesets, year=year, lang=langs, policy=policy, schools=schools,
                engine=engine, permutations=permutations, bootstrap=bootstrap, seed=seed, municipality=m, goals=goals,
                progress=lambda step, m=m: (
                    progress.update(task, description=f"report{' ' + m if m else ''}: {step}"),
                    stages and stages.mark(f"report{' ' + m if m else ''}: {step}"))))
    for result in results:
        _summary(console, result, out if len(results) == 1 else result.workbook.parent)
    return results[-1]


def _folder(name: str) -> str:
    """A folder name for a municipality's report: ``København`` stays, ``Ål / Hol`` becomes ``Ål-Hol``.

    >>> _folder("Ål / Hol"), _folder("Demoby")
    ('Ål-Hol', 'Demoby')
    """
    import re

    return re.sub(r"[^\w]+", "-", name, flags=re.UNICODE).strip("-") or "municipality"


def _summary(console, result, out: Path) -> None:
    console.print(f"{result.municipality} {result.year}:", highlight=False)
    for lg, page in result.pages.items():
        console.print(f"Report ({lg}): {page}", highlight=False)
    console.print(f"Workbook:    {result.workbook}", highlight=False)
    console.print(f"Tables:      {len(result.tables)} CSV + Parquet files in {out / 'tables'}", highlight=False)
    for lid, ids in sorted(result.designated.items()):
        console.print(f"  {lid}: {len(ids)} area(s) in {result.year}", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]Note:[/] {note}")


def _demo_beside(seed: int) -> tuple:
    """The demo's data that reads nothing from the region (run beside its synthesis and loading):
    the synthetic country's municipalities beyond the region, the national school data set and the
    programme's spells."""
    from kvarter.demo.country import synthesize_country
    from kvarter.demo.evaluation import inflow_cohorts
    from kvarter.demo.school_panel import school_panel_counts

    return (synthesize_country(seed=seed), school_panel_counts(seed=seed, municipalities=8, years=range(2013, 2019)),
            inflow_cohorts(n_persons=DEMO_SPELL_PERSONS, months=96, seed=seed))


def _load_country(store_path: Path, country) -> None:
    """The synthetic country's municipalities beyond the region, into the store's aggregates (for benchmarks)."""
    from kvarter.store import Store

    with Store(store_path) as st:
        st.load_many({"aggregates": country}, replace=True)


def _load_figures(store_path: Path, persons, seed: int, folder: Path) -> None:
    """The demo's example figures from outside the registers (marked synthetic), written and loaded (issue 13)."""
    from kvarter.demo.figures import synthetic_figures
    from kvarter.store import Store

    path = folder / "area_figures.csv"
    synthetic_figures(persons, seed=seed).to_csv(path, index=False)
    with Store(store_path) as st:
        st.load(path, table="area_figures", replace=True)


def _seed_registry(store: Path, console) -> None:
    """Seed the demo's registry with the example initiatives (issue 10), each marked as an example."""
    from kvarter.registry.examples import seed_examples

    result = seed_examples(store)
    added = int((result.table["kind"] == "initiative").sum())
    console.print(f"Registry: {added} example initiatives (marked as examples) in {store}.", highlight=False)


#: Inflow cohorts of the demo's programme evaluation (issue 15): small, so ``make demo`` stays quick.
DEMO_SPELL_PERSONS = 3_000


def _load_spells(store: Path, out: Path, seed: int, console, spells: dict | None = None) -> None:
    """The demo's person-month spells (inflow cohorts with a programme of known effect) into the store;
    ``spells`` when they were synthesised already (with ``seed``)."""
    from kvarter.demo.evaluation import inflow_cohorts
    from kvarter.jobs.evaluation import store_spells
    from kvarter.store import Store

    d = spells if spells is not None else inflow_cohorts(n_persons=DEMO_SPELL_PERSONS, months=96, seed=seed)
    folder = out / "demoby" / "spells"
    folder.mkdir(parents=True, exist_ok=True)
    names = {"persons": "inflows", "months": "person_months", "starts": "programme_starts", "costs": "programme_costs"}
    for key, name in names.items():
        d[key].to_parquet(folder / f"{name}.parquet", index=False)
    with Store(store) as st:
        store_spells(st, d["persons"], d["months"], d["starts"], d["costs"])
    console.print(f"Spells: {len(d['persons']):,} inflows, {len(d['starts']):,} programme starts in {store}.",
                  highlight=False)


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        store: Path = StoreOption,
        out: Path = OutOption,
        lang: str = LangOption,
        min_count: int = MinCountOption,
        ruleset: list[str] = typer.Option(["dk-2024", "city-7"], "--ruleset", help="Rule sets to screen with; repeat for several."),
        year: int = typer.Option(None, "--year", help="Report year (default: the latest with indicators)."),
        schools: Path = typer.Option(None, "--schools", help="Pupil data or counts per school (CSV/Parquet) for the school-segregation section; default: the store's pupils."),
        permutations: int = typer.Option(200, "--permutations", help="Permutations per segregation index."),
        bootstrap: int = typer.Option(200, "--bootstrap", help="Bootstrap replicates per segregation index."),
        seed: int = typer.Option(0, "--seed", help="Random seed for the segregation inference."),
        engine: str = EngineOption,
        municipality: list[str] = typer.Option(
            None, "--municipality",
            help="Report on this municipality (profiles, trends, title); repeat for one report per municipality, "
                 "each in OUT/<municipality>/. Default: the municipality with the most designated areas."),
        goals: str = typer.Option(None, "--goals", help="Goal file (YAML) to track in the progress section, or the built-in example copenhagen-2035."),
        spark_master: str = SparkMasterOption,
    ) -> None:
        """Run the main job over the store: report.html, kvarter.xlsx and tables, all behind disclosure control."""
        from kvarter.errors import InputError

        school_data = None
        if schools is not None:
            import pandas as pd

            if not schools.is_file():
                raise InputError(f"--schools {schools}: no such file.")
            school_data = pd.read_parquet(schools) if schools.suffix.lower() == ".parquet" else pd.read_csv(schools)
        _run(store, out, lang, min_count, ruleset, year, school_data, permutations, bootstrap, seed, engine,
             municipality or None, goals, spark_master)

    @app.command("demo")
    def demo(
        store: Path = StoreOption,
        out: Path = OutOption,
        lang: str = LangOption,
        persons: int = typer.Option(50_000, "--persons", help="Residents of the synthetic region in the first year."),
        seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same demo."),
        timings: bool = typer.Option(False, "--timings", help="Print the seconds each stage took."),
    ) -> None:
        """Synthesise Demoby and a national school data set, load them, and run the main job."""
        from rich.console import Console

        from kvarter.cli.synth import load_into_store
        from kvarter.demo import synthesize, write_synthetic
        from kvarter.processes import Beside

        t0 = time.perf_counter()
        stages = _Stages()
        console = Console()
        settings = current_settings()
        store, out = Path(store or settings.store), Path(out or settings.out)
        console.print(f"Synthesising Demoby ({persons:,} persons, 2015-2024) ...", highlight=False)
        stages.mark("synthesise")
        # Both sides need SciPy's statistics (a second of importing): imported
        # once before the fork, the child inherits it instead of importing it again.
        import scipy.stats  # noqa: F401

        beside = Beside(_demo_beside, seed)
        data = synthesize(persons=persons, seed=seed)
        paths = write_synthetic(data, out / "demoby")
        stages.mark("load")
        load_into_store(paths, store)
        _load_figures(store, data["persons"], seed, out / "demoby")
        country, schools, spells = beside.result()
        _load_country(store, country)
        _seed_registry(store, console)
        _load_spells(store, out, seed, console, spells)
        console.print(f"Loaded into {store}. Synthesising the national school data set ...", highlight=False)
        stages.mark("school data")
        # Kept beside the region's files, so `kvarter report --schools` can reuse it.
        schools.to_parquet(out / "demoby" / "school_counts.parquet", index=False)
        stages.mark("report: start")
        _run(store, out, lang, None, ["dk-2024", "city-7"], None, schools, 200, 200, seed, goals="copenhagen-2035",
             stages=stages if timings else None)
        if timings:
            stages.print(console)
        console.print(f"Demo finished in {time.perf_counter() - t0:.1f} s.", highlight=False)
        console.print(f"Explore it in the web app: kvarter serve --store {store}  (then open http://127.0.0.1:8000/)",
                      highlight=False)
