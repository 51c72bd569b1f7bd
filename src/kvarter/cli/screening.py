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
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.report.publish import protect_screening, write_tables
    from kvarter.screening import load_ruleset

    console = Console()
    policy = DisclosurePolicy.from_settings()
    hidden, areas, dominance = None, None, None
    with Store(store) as st:
        if table is None and st.has_table("indicators") and not st.result_is_current("indicators"):
            console.print("[yellow]Note:[/] the store's indicators were computed before the last load or for "
                          "some years only; run `kvarter indicators` to bring them up to date.")
        run = run_screening(list(ruleset), year, values=table, store=st)
        if table is None:
            # Values from the store's microdata: link every criterion to the
            # protected indicator table, as the report does.
            from kvarter.report.links import hidden_cells
            from kvarter.report.publish import protect_store_indicators

            indicators, dominance = protect_store_indicators(st, st.read("indicators"), policy)
            hidden = hidden_cells(indicators)
            areas = st.read("areas") if st.has_table("areas") else None
    # Everything printed or written below has passed disclosure control.
    published = protect_screening(run, year, policy, hidden=hidden, areas=areas, dominance=dominance)
    summary = published["summary"].frame
    shown = Table(title=f"Screening {year}: {', '.join(run.results)}")
    cols = [c for c in summary.columns if c in ("area_id", "name", "municipality", *run.results)]
    for col in cols:
        shown.add_column(str(col), overflow="fold")
    for row in summary[cols].itertuples(index=False):
        shown.add_row(*["–" if pd.isna(v) else str(v) for v in row])
    console.print(shown)
    for rid, res in run.results.items():
        lists = [c[: -len("_rule")] for c in res.columns if c.endswith("_rule") and c[: -len("_rule")] in res.columns]
        counts = ", ".join(f"{lid} {int(res[lid].sum())}" for lid in lists)
        console.print(f"{rid}: {counts} (of {int(res['in_population'].sum())} areas in the population)")
    if explain is not None:
        crit = published["criteria"].frame
        hit = crit[crit["area_id"].astype(str) == explain]
        if hit.empty and not any((res["area_id"].astype(str) == explain).any() for res in run.results.values()):
            raise InputError(f"--explain {explain!r}: no such area in the results.")
        for r in hit.itertuples():
            if pd.isna(r.value):
                console.print(f"{r.ruleset} {r.criterion}: suppressed ({r.value_reason})", highlight=False)
            else:
                op = load_ruleset(r.ruleset).criteria[r.criterion].op
                state = "met" if r.met else "not met"
                console.print(f"{r.ruleset} {r.criterion}: {r.value:.4g} {op} {r.threshold:.4g}: {state}, "
                              f"margin {r.margin:+.4g}", highlight=False)
        for rid, res in run.results.items():
            row = res[res["area_id"].astype(str) == explain]
            lists = [c[: -len("_rule")] for c in res.columns if c.endswith("_rule") and c[: -len("_rule")] in res.columns]
            suppressed = crit[(crit["ruleset"] == rid) & (crit["area_id"].astype(str) == explain)
                              & crit["value"].isna()]
            for lid in lists:
                if len(row) and bool(row[lid].iloc[0]):
                    # The rule text names the criteria met; it is shown only
                    # when none of the area's criteria is suppressed.
                    rule = row[f"{lid}_rule"].iloc[0] if suppressed.empty else "(criteria partly suppressed)"
                    console.print(f"{rid} {lid}: {rule}", highlight=False)
        w = published["what_if"].frame
        for r in w[w["area_id"].astype(str) == explain].itertuples():
            if isinstance(r.change, str):
                console.print(f"{r.ruleset} {r.list}: {r.criterion}: {r.change}"
                              + (" — alone enough to leave the list" if r.sufficient else ""), highlight=False)
    if out is not None:
        paths = write_tables(published, out)
        console.print(f"Wrote {2 * len(paths)} files to {out}")


def register(app: typer.Typer) -> None:
    """Add ``kvarter screen`` to the app."""
    app.command("screen")(screen)
