"""``kvarter evaluate``: what works for whom, when.

- ``kvarter evaluate programme``: a programme's effect over months since its
  start, joining now vs waiting, on the store's person-month spells (or a
  folder of them), with subgroups and cost-effectiveness;
- ``kvarter evaluate areas``: the first year each area was designated under a
  rule set (or an initiative started there) and a staggered
  difference-in-differences on one catalogue indicator, against areas not
  yet treated.

Both print the published (protected) figures and, with ``--out``, write the
tables as CSV and Parquet.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kvarter.cli.options import MinCountOption, StoreOption, current_settings, open_store, policy_of

evaluate_app = typer.Typer(help="Evaluate a programme (persons) or designations and initiatives (areas).",
                           no_args_is_help=True)


def _floats(text: str | None, option: str) -> list[float] | None:
    """``"25000,15000"`` → [25000.0, 15000.0].

    >>> _floats("25000,15000", "--monthly-value"), _floats(None, "--x")
    ([25000.0, 15000.0], None)
    >>> _floats("a", "--monthly-value")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: --monthly-value must be a number or numbers separated by commas, e.g. 25000,15000; got 'a'.
    """
    from kvarter.errors import InputError

    if text is None:
        return None
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"{option} must be a number or numbers separated by commas, e.g. 25000,15000; "
                         f"got {text!r}.") from None


def _print(pub, title: str, table: str, columns: list[str], console) -> None:
    from rich.table import Table

    p = pub[table]
    f = p.public_frame()
    t = Table(title=title)
    for c in columns:
        t.add_column(c, overflow="fold")
    for _, r in f.iterrows():
        cells = []
        for c in columns:
            st = r.get(f"{c}_status", "published")
            v = r[c]
            if st != "published":
                cells.append("..")
            elif isinstance(v, float):
                cells.append(f"{v:.4g}")
            else:
                cells.append(str(v))
        t.add_row(*cells)
    console.print(t)


def _write(pub, out: Path | None, console) -> None:
    if out is None:
        return
    from kvarter.report.files import write_tables

    paths = write_tables(pub.tables, out)
    console.print(f"Wrote {2 * len(paths)} files to {out}", highlight=False)


@evaluate_app.command("programme")
def programme(
    programme: str = typer.Option(..., "--programme", help="Programme id (as in programme_starts), e.g. job_training."),
    horizon: int = typer.Option(24, "--horizon", min=0, help="Months after the start to follow (tau = 0..H)."),
    method: str = typer.Option("ipw", "--method", help="Estimator: ipw (odds weights), aipw (doubly robust) or matching."),
    subgroup: list[str] = typer.Option([], "--subgroup", help="Inflow column whose levels get their own curve (repeat), e.g. education_group."),
    control: str = typer.Option("not_yet_treated", "--control", help="Comparison: not_yet_treated (joining now vs waiting) or a number k (no start within k months; see the caveat in the notes)."),
    monthly_value: str = typer.Option(None, "--monthly-value", help="Value of a month of work (earnings or benefit saved); several separated by commas give a sensitivity table."),
    discount_rate: str = typer.Option("0.03", "--discount-rate", help="Yearly discount rate(s), separated by commas."),
    cost: float = typer.Option(None, "--cost", help="Cost per participant (default: programme_costs)."),
    boot: int = typer.Option(200, "--boot", min=2, help="Bootstrap replicates over persons."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the bootstrap."),
    repeat: str = typer.Option("error", "--repeat", help="A person who started twice: error, or first (use first starts)."),
    spells: Path = typer.Option(None, "--spells", help="Folder with inflows, person_months, programme_starts (and programme_costs) as .parquet or .csv; default: the store's."),
    store: Path = StoreOption,
    out: Path = typer.Option(None, "--out", help="Folder for the effects tables (.csv and .parquet)."),
    min_count: int = MinCountOption,
) -> None:
    """A programme's effect by months since its start, joining now vs waiting; print the protected curve."""
    from rich.console import Console

    from kvarter.errors import InputError
    from kvarter.jobs.evaluation import programme_publication, read_spell_folder, store_spells_of

    settings = current_settings()
    console = Console()
    if control != "not_yet_treated":
        try:
            control_value: str | int = int(control)
        except ValueError:
            raise InputError(f"--control must be not_yet_treated or a whole number of months k >= 1; got {control!r}.") from None
    else:
        control_value = control
    if spells is not None:
        from kvarter.evaluation import load_spells

        f = read_spell_folder(spells)
        sp = load_spells(f["inflows"], f["person_months"], f["programme_starts"], f.get("programme_costs"))
    else:
        with open_store(store, settings) as st:
            sp = store_spells_of(st)
    values = _floats(monthly_value, "--monthly-value")
    rates = _floats(discount_rate, "--discount-rate") or [0.03]
    pub = programme_publication(sp, policy_of(settings, min_count), programme=programme, horizon=horizon,
                                method=method, subgroups=list(subgroup), monthly_value=values, discount_rate=rates,
                                cost=cost, n_boot=boot, seed=seed, control=control_value, repeat=repeat)
    _print(pub, f"{programme}: effect on P(employed) by months since the start", "effects_curve",
           ["event_time", "effect", "lower", "upper", "n_treated", "n_control"], console)
    s = pub["effects_summary"].public_frame()
    if (s["cumulative_status"] == "published").all():
        from kvarter.report.effects import reading

        c = pub["effects_curve"].public_frame()
        console.print(reading(c["effect"], c["lower"], c["upper"], "en", float(s["cumulative_lower"].iloc[0]),
                              float(s["cumulative_upper"].iloc[0])), highlight=False)
    if "effects_subgroup_summary" in pub:
        _print(pub, "For whom: months gained over the horizon", "effects_subgroup_summary",
               ["subgroup", "level", "cumulative", "lower", "upper", "p_value", "n_treated"], console)
    if "effects_sensitivity" in pub:
        _print(pub, "Net benefit per participant at the horizon", "effects_sensitivity",
               ["monthly_value", "discount_rate", "net_benefit", "break_even"], console)
    for note in pub.notes:
        console.print(f"Note: {note}", highlight=False)
    _write(pub, out, console)


@evaluate_app.command("areas")
def areas(
    indicator: str = typer.Option(..., "--indicator", help="Catalogue indicator to evaluate, e.g. employed_share_18_64."),
    ruleset: str = typer.Option("dk-2018", "--ruleset", help="Rule set whose list history gives the first designation year."),
    list_id: str = typer.Option(None, "--list", help="Only this list of the rule set (default: any list)."),
    source: str = typer.Option("designations", "--source", help="Treatment: designations (first year on a list) or initiatives (first start in the registry)."),
    initiative: str = typer.Option(None, "--initiative", help="With --source initiatives: one initiative id (default: any)."),
    control: str = typer.Option("not_yet_treated", "--control", help="Comparison areas: not_yet_treated or never_treated."),
    method: str = typer.Option("dr", "--method", help="Estimator: dr (doubly robust), reg (outcome regression) or ipw."),
    covariate: list[str] = typer.Option([], "--covariate", help="Other indicator to adjust for (repeat)."),
    unbalanced: str = typer.Option("drop", "--unbalanced", help="Areas with a missing or hidden year: drop (said in a note) or error."),
    store: Path = StoreOption,
    out: Path = typer.Option(None, "--out", help="Folder for the effects tables (.csv and .parquet)."),
    min_count: int = MinCountOption,
) -> None:
    """Did designated areas change faster than comparable areas not yet designated? Print the event study."""
    from rich.console import Console

    from kvarter.jobs.evaluation import areas_publication

    settings = current_settings()
    console = Console()
    with open_store(store, settings) as st:
        pub = areas_publication(st, policy_of(settings, min_count), indicator=indicator, source=source,
                                ruleset=ruleset, list_id=list_id, initiative=initiative, control=control,
                                method=method, covariates=list(covariate), engine=settings.engine,
                                unbalanced=unbalanced)
    _print(pub, f"{indicator}: effect by years since the first designation", "effects_areas",
           ["event_time", "att", "lower", "upper", "n_treated", "n_control"], console)
    _print(pub, "Aggregations", "effects_areas_summary",
           ["aggregation", "estimate", "lower", "upper", "pretrend_p"], console)
    for note in pub.notes:
        console.print(f"Note: {note}", highlight=False)
    _write(pub, out, console)


def register(app: typer.Typer) -> None:
    """Add ``kvarter evaluate programme|areas`` to the app."""
    app.add_typer(evaluate_app, name="evaluate")
