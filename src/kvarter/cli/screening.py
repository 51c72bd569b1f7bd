"""``kvarter screen``: designate areas by rule sets and explain each designation."""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.cli.options import StoreOption, current_settings, open_store, policy_of


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
    percent: list[str] = typer.Option(None, "--percent", help="With --values: a column written in percent (36.8 for 36.8 %); divided by 100 (repeat)."),
    rename: list[str] = typer.Option(None, "--rename", help="With --values: FILE_COLUMN=COLUMN (repeat; e.g. list_year=year)."),
    set_: list[str] = typer.Option(None, "--set", help="With --values: COLUMN=VALUE on every row (repeat)."),
) -> None:
    """Screen every area with one or more rule sets; print a table, keep the results in the store."""
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from kvarter.errors import InputError
    from kvarter.jobs.screen import screen_job
    from kvarter.report.files import write_tables

    table = None
    if values is not None:
        from kvarter.io.mapping import ColumnMapping
        from kvarter.io.values import read_values

        if not values.is_file():
            raise InputError(f"--values {values}: no such file.")
        # Read, mapped and checked like any input: a share above 1 is an
        # error unless its column is declared --percent.
        table = read_values(values, mapping=ColumnMapping.from_options(rename or [], set_ or []) or None,
                            percent=percent or ())
    settings = current_settings()
    console = Console()
    with open_store(store, settings, must_exist=values is None) as st:
        job = screen_job(st, list(ruleset), year, policy_of(settings), values=table)
    for note in job.notes:
        console.print(f"[yellow]Note:[/] {note}")
    # Everything printed or written below has passed disclosure control.
    published = job.publication.tables
    summary = published["summary"].frame
    shown = Table(title=f"Screening {year}: {', '.join(job.rulesets)}")
    cols = [c for c in summary.columns if c in ("area_id", "name", "municipality", *job.rulesets)]
    for col in cols:
        shown.add_column(str(col), overflow="fold")
    for row in summary[cols].itertuples(index=False):
        shown.add_row(*["–" if pd.isna(v) else str(v) for v in row])
    console.print(shown)
    for rid, part in job.counts.groupby("ruleset", sort=False):
        counts = ", ".join(f"{r.list} {r.areas}" for r in part.itertuples())
        console.print(f"{rid}: {counts} (of {int(part['population'].iloc[0])} areas in the population)")
    if explain is not None:
        crit = published["criteria"].frame
        hit = crit[crit["area_id"].astype(str) == explain]
        des = published["designations"].frame
        des = des[(des["area_id"].astype(str) == explain) & (des["year"] == year)]
        if hit.empty and des.empty:
            raise InputError(f"--explain {explain!r}: no such area in the results.")
        from kvarter.disclosure.status import SUPPRESSED

        for r in hit.itertuples():
            if r.value_status in SUPPRESSED:
                console.print(f"{r.ruleset} {r.criterion}: suppressed ({r.value_reason})", highlight=False)
            elif r.value_status == "structural_zero" or not r.computable or pd.isna(r.value):
                # Nothing to hide: the value is missing, so the criterion is not met.
                why = r.note if isinstance(r.note, str) and r.note else "value missing"
                console.print(f"{r.ruleset} {r.criterion}: cannot be computed — {why}; counts as not met",
                              highlight=False)
            else:
                op = job.rulesets[r.ruleset].criteria[r.criterion].op
                state = "met" if r.met else "not met"
                console.print(f"{r.ruleset} {r.criterion}: {r.value:.4g} {op} {r.threshold:.4g}: {state}, "
                              f"margin {r.margin:+.4g}", highlight=False)
        for r in des.itertuples():
            if r.designated is True or r.designated == True:  # noqa: E712 (a suppressed cell is NaN)
                suppressed = hit[(hit["ruleset"] == r.ruleset) & hit["value"].isna()]
                # The rule text names the criteria met; it is shown only
                # when none of the area's criteria is suppressed.
                rule = r.rule if suppressed.empty else "(criteria partly suppressed)"
                console.print(f"{r.ruleset} {r.list}: {rule}", highlight=False)
        w = published["what_if"].frame
        for r in w[w["area_id"].astype(str) == explain].itertuples():
            if isinstance(r.change, str):
                after = getattr(r, "lists_after", None)
                then = "" if not isinstance(after, str) else (
                    f"; then on {after}" if after else "; then on no list of the rule set")
                console.print(f"{r.ruleset} {r.list}: {r.criterion}: {r.change}"
                              + (" — alone enough to leave the list" if r.sufficient == True else "") + then,  # noqa: E712
                              highlight=False)
    if out is not None:
        paths = write_tables(published, out)
        console.print(f"Wrote {2 * len(paths)} files to {out}")


def register(app: typer.Typer) -> None:
    """Add ``kvarter screen`` to the app."""
    app.command("screen")(screen)
