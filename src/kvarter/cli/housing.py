"""``kvarter housing ...``: Husbanken's needs overview, the ownership pathways,
the child-suitability checklist, the stock and move-out rates, and the
instruments, over the store's housing tables.

Every figure printed or written has passed disclosure control
(:func:`kvarter.jobs.housing.housing_job`). ``--out`` writes
``housing-<part>.html``, ``housing-<part>.xlsx`` and ``tables/housing_*.csv``
(and ``.parquet``). The caseworker's working list of households is written
only by ``kvarter housing pathways --working-list FILE``: to a file whose name
says it is internal, never inside the ``--out`` folder.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.cli.options import LangOption, MinCountOption, OutOption, StoreOption, current_settings, open_store, policy_of

app = typer.Typer(
    name="housing",
    help="Housing needs, pathways from renting to owning, the child-suitability checklist, stock and instruments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

SUPPRESSED_MARK = ".."


def _console():
    from rich.console import Console

    return Console()


def _run(part: str, store: Path | None, out: Path | None, lang: str | None, min_count: int | None, *,
         working_list: bool = False, **rules):
    from kvarter.jobs.housing import housing_job

    settings = current_settings()
    with open_store(store, settings) as st:
        job = housing_job(st, policy_of(settings, min_count), parts=(part,), working_list=working_list, **rules)
    console = _console()
    for note in job.notes:
        console.print(f"[yellow]Note:[/] {note}")
    if out is not None and job.publication.tables:
        from kvarter.report.housing import render_housing

        langs = [x.strip() for x in (lang or settings.lang).split(",") if x.strip()]
        pages, workbook, paths = render_housing(job.publication, out, lang=langs, name=f"housing-{part}")
        for lg, page in pages.items():
            console.print(f"Report ({lg}): {page}", highlight=False)
        console.print(f"Workbook:    {workbook}", highlight=False)
        console.print(f"Tables:      {len(paths)} CSV + Parquet files in {Path(out) / 'tables'}", highlight=False)
    return job


def _cell(row, column: str, kind: str = "number") -> str:
    status = row.get(f"{column}_status")
    value = row.get(column)
    if status in ("primary", "secondary"):
        return SUPPRESSED_MARK
    if value is None or value != value:
        return "–"
    if kind == "percent":
        return f"{float(value):.1%}"
    if kind == "int":
        return f"{float(value):,.0f}"
    return f"{float(value):,.3g}" if isinstance(value, float) else str(value)


def _print(title: str, header: list[str], rows: list[list[str]]) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for h in header:
        table.add_column(h, overflow="fold")
    for r in rows:
        table.add_row(*r)
    _console().print(table)


def _names(publication) -> dict[str, str]:
    a = publication.areas
    return dict(zip(a["area_id"].astype(str), a["name"].astype(str))) if "name" in a.columns else {}


def _sentences(publication) -> None:
    from kvarter.report.housing import housing_sentences

    for s in housing_sentences(publication, "en"):
        _console().print(s, highlight=False)


@app.command("needs")
def needs(
    store: Path = StoreOption,
    out: Path = OutOption,
    lang: str = LangOption,
    min_count: int = MinCountOption,
) -> None:
    """The needs overview (SSB's crowding and persistent low income, renting, municipal dwellings, social
    assistance, start-loan applications) for the latest year, by municipality and overall."""
    from kvarter.housing import NEEDS

    job = _run("needs", store, out, lang, min_count)
    f = job.publication["housing_needs"].frame
    year = int(f["year"].max())
    now = f[(f["year"] == year) & f["level"].isin(["municipality", "all"])]
    rows = []
    for r in now.to_dict("records"):
        need = NEEDS.get(r["measure"])
        kind = "percent" if need is not None and need.unit == "share" else "number"
        rows.append([need.label if need else r["measure"], f"{r['level']} {r['unit_id']}", _cell(r, "value", kind),
                     _cell(r, "numerator", "int"), _cell(r, "denominator", "int")])
    _print(f"Needs overview {year}", ["indicator", "unit", "value", "counted", "among"], rows)
    _sentences(job.publication)


@app.command("pathways")
def pathways(
    store: Path = StoreOption,
    out: Path = OutOption,
    lang: str = LangOption,
    min_count: int = MinCountOption,
    rules: str = typer.Option("husbanken-5", "--rules", help="Pathway rule set: husbanken-5 or a YAML file."),
    working_list: Path = typer.Option(
        None, "--working-list",
        help="Also write the caseworker's working list (one row per household, personal data) to this local "
             "file; its name must contain 'internal', and it may not be inside --out."),
) -> None:
    """Municipal tenants by Husbanken's five pathways from renting to owning, by area, and the applications
    for municipal housing assessed for a start loan."""
    from kvarter.errors import InputError

    if working_list is not None and out is not None:
        inside = Path(working_list).resolve()
        if Path(out).resolve() in (inside, *inside.parents):
            raise InputError(f"--working-list {working_list} is inside --out {out}: the working list holds personal "
                             "data and is kept apart from published files; write it elsewhere.")
    job = _run("pathways", store, out, lang, min_count, working_list=working_list is not None, pathway_rules=rules)
    if "housing_pathways" not in job.publication:
        return
    f = job.publication["housing_pathways"].frame
    year = int(f["year"].max())
    now = f[f["year"] == year]
    names = _names(job.publication)
    cats = ["1", "2", "3", "4", "5", "not_candidate", "unmapped", "all"]
    rows = []
    for (lv, unit), g in now.groupby(["level", "unit_id"], sort=False):
        by = {r["category"]: r for r in g.to_dict("records")}
        rows.append([names.get(str(unit), str(unit)) if lv == "area" else f"{lv} {unit}"]
                    + [_cell(by[c], "count", "int") if c in by else "0" for c in cats])
    _print(f"Municipal tenants by pathway {year}", ["area"] + cats[:-1] + ["tenants"], rows)
    _sentences(job.publication)
    if working_list is not None and job.working_list is not None:
        path = job.working_list.write(working_list)
        _console().print(f"Working list (INTERNAL, personal data; do not publish or share): {path}", highlight=False)


@app.command("checklist")
def checklist(
    store: Path = StoreOption,
    out: Path = OutOption,
    lang: str = LangOption,
    min_count: int = MinCountOption,
    rules: str = typer.Option("husbanken", "--rules", help="Checklist: husbanken or a YAML file."),
) -> None:
    """Children in dwellings failing at least one / at least three items of the child-suitability checklist,
    by area, for the latest year."""
    job = _run("checklist", store, out, lang, min_count, checklist_rules=rules)
    if "housing_checklist" not in job.publication:
        return
    f = job.publication["housing_checklist"].frame
    year = int(f["year"].max())
    now = f[(f["year"] == year) & f["measure"].isin(["children_failing_1plus", "children_failing_3plus"])]
    names = _names(job.publication)
    rows = []
    for (lv, unit), g in now.groupby(["level", "unit_id"], sort=False):
        by = {r["measure"]: r for r in g.to_dict("records")}
        one, three = by.get("children_failing_1plus", {}), by.get("children_failing_3plus", {})
        rows.append([names.get(str(unit), str(unit)) if lv == "area" else f"{lv} {unit}",
                     _cell(one, "denominator", "int"), _cell(one, "value", "percent"), _cell(three, "value", "percent")])
    _print(f"Children in dwellings failing the checklist {year}", ["area", "children", "≥ 1 item", "≥ 3 items"], rows)


@app.command("stock")
def stock(
    store: Path = StoreOption,
    out: Path = OutOption,
    lang: str = LangOption,
    min_count: int = MinCountOption,
) -> None:
    """The social-housing stock by area and organisation, and the yearly move-out rate by area beside the
    municipality's and the region's."""
    job = _run("stock", store, out, lang, min_count)
    names = _names(job.publication)
    if "housing_stock" in job.publication:
        f = job.publication["housing_stock"].frame
        rows = []
        for (lv, unit, org, kind), g in f.groupby(["level", "unit_id", "organisation", "kind"], sort=False):
            by = {r["measure"]: r for r in g.to_dict("records")}
            rows.append([names.get(str(unit), str(unit)) if lv == "area" else "all", str(org), str(kind)]
                        + [_cell(by.get(m, {}), "value", "int") for m in ("dwellings", "departments", "addresses")])
        _print("Social-housing stock", ["area", "organisation", "kind", "dwellings", "departments", "addresses"], rows)
    if "housing_move_out" in job.publication:
        f = job.publication["housing_move_out"].frame
        year = int(f["year"].max())
        now = f[f["year"] == year]
        rows = [[names.get(str(r["unit_id"]), str(r["unit_id"])) if r["level"] == "area" else f"{r['level']} {r['unit_id']}",
                 _cell(r, "value", "percent"), _cell(r, "numerator", "int"), _cell(r, "denominator", "int")]
                for r in now.to_dict("records")]
        _print(f"Move-out rate {year} (persons living in the area in {year - 1} and elsewhere in {year})",
               ["unit", "rate", "moved out", "residents"], rows)


@app.command("instruments")
def instruments(
    store: Path = StoreOption,
    out: Path = OutOption,
    lang: str = LangOption,
    min_count: int = MinCountOption,
    model: bool = typer.Option(False, "--model", help="Print the whole instruments model (no store needed)."),
) -> None:
    """Husbanken's instruments model, and the focus areas, strategies and instruments the store's
    published needs figures suggest."""
    if model:
        from kvarter.housing import instruments as model_table

        t = model_table()
        _print("Husbanken's instruments model", ["focus area", "strategy", "owner", "instrument"],
               [[str(r.focus_area_en or ""), str(r.strategy_en or r.strategy), r.owner, r.instrument_en]
                for r in t.itertuples()])
        return
    job = _run("instruments", store, out, lang, min_count)
    if "housing_instruments" not in job.publication:
        _console().print("No needs figure is in its worst quartile or beyond a threshold.")
        return
    f = job.publication["housing_instruments"].frame
    year = int(f["year"].max())
    names = _names(job.publication)
    rows = [[names.get(str(r["unit_id"]), str(r["unit_id"])), r["indicator"], _cell(r, "value"), r["focus_area_en"],
             r["instruments_en"]] for r in f[f["year"] == year].to_dict("records")]
    _print(f"Suggested by the needs overview, {year}", ["unit", "indicator", "value", "focus area", "instruments"], rows)


@app.command("demo")
def demo(
    store: Path = StoreOption,
    households: int = typer.Option(3000, "--households", help="Households of the synthetic municipality."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same tables."),
) -> None:
    """Synthesise Demodal, a Norwegian-style municipality (households, dwellings, applications, start loans,
    prices, stock), and load it into the store (created if missing; its tables are replaced)."""
    from kvarter.demo.housing import synthesize_housing
    from kvarter.store import Store

    settings = current_settings()
    path = Path(store or settings.store)
    tables = synthesize_housing(households=households, seed=seed)
    with Store(path) as st:
        records = st.load_many(tables, replace=True)
    _console().print(f"Loaded Demodal into {path}: " + ", ".join(f"{r.table} {r.rows:,}" for r in records) + ".",
                     highlight=False)


def register(main_app: typer.Typer) -> None:
    """Add the ``housing`` command group to the ``kvarter`` app."""
    main_app.add_typer(app, name="housing")
