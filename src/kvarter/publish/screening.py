"""Screening results as protected tables: criteria per area (value, threshold,
met, margin), what would it take, designations with their history, the
summary of lists — each linked to the indicator cells it rests on."""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure import Protected, protect
from kvarter.disclosure.status import SUPPRESSED
from kvarter.publish.indicators import with_share_numerator
from kvarter.publish.links import depends_on

CRITERIA_TABLE_COLUMNS = ["ruleset", "area_id", "name", "criterion", "value", "threshold", "met", "margin",
                          "computable", "note", "residents", "numerator", "denominator"]


def criteria_table(result, year: int) -> pd.DataFrame:
    """One row per rule set, area and criterion for ``year``: the areas in the
    population, on a list, or with no residents (their criteria cannot be
    computed, and the table says so).

    Columns ``ruleset, area_id, name, criterion, value, threshold, met,
    margin, computable, note, residents, numerator, denominator``; the
    numerator and denominator are those of the criterion's indicator
    (persons behind the value) when known.

    >>> from kvarter.screening.run import run_screening
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> run = run_screening(["dk-2024"], 2024, values=user)
    >>> crit = criteria_table(run.results["dk-2024"], 2024)
    >>> crit[["criterion", "value", "threshold", "met"]].head(3).to_dict("records")
    [{'criterion': 'employment', 'value': 0.43, 'threshold': 0.4, 'met': True}, {'criterion': 'crime', 'value': 3.1, 'threshold': 3.0, 'met': True}, {'criterion': 'education', 'value': 0.52, 'threshold': 0.6, 'met': False}]
    """
    res = result.select(year=year)
    a = res.areas.assign(on_list=res.on_any_list().to_numpy())
    keep = a["in_population"].fillna(False).astype(bool) | a["on_list"] | (a["residents"] == 0)
    a = a.loc[keep, ["ruleset", "year", "area_id", "name", "residents"]]
    crit = res.criteria.merge(a, on=["ruleset", "year", "area_id"], how="inner")
    if crit.empty:
        return pd.DataFrame(columns=CRITERIA_TABLE_COLUMNS)
    crit = crit.assign(area_id=crit["area_id"].astype(str), met=crit["met"].fillna(False).astype(bool),
                       computable=crit["computable"].fillna(False).astype(bool))
    for c in ("value", "threshold", "margin", "residents", "numerator", "denominator"):
        crit[c] = crit[c].astype(float)
    return crit[CRITERIA_TABLE_COLUMNS].reset_index(drop=True)


def _persons_behind(t: pd.DataFrame) -> pd.Series:
    """Persons behind a criterion value: its indicator's denominator when
    known, else the area's residents (a user's table of published values)."""
    return t["denominator"].where(t["denominator"].notna(), t["residents"]).fillna(0)


def protect_criteria(result, year: int, policy, *, dominance: pd.DataFrame | None = None,
                     hidden: set | None = None, areas: pd.DataFrame | None = None,
                     rulesets: dict | None = None, catalogue=None) -> Protected:
    """Criterion values per area for ``year`` (a
    :class:`~kvarter.screening.result.ScreeningResult`), protected; an income
    criterion (a ratio of mean incomes) also against the dominance rule of
    its sum. Whether a criterion could be computed, and the note saying why
    not, are published with its value (the note can say a value sits on the
    threshold, so it is hidden wherever the value is).

    ``hidden`` holds the cells suppressed in the published indicator table
    (:func:`kvarter.publish.links.hidden_cells`): a criterion resting on one of
    them is suppressed too (``linked``), so the two tables cannot be played
    against each other. ``rulesets`` maps a rule-set id to the rule set
    applied (a user's file is not reloaded by its id); ``catalogue`` is the
    one the indicators were computed with.

    >>> from kvarter.screening.run import run_screening
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> run = run_screening(["dk-2024"], 2024, values=user)
    >>> from kvarter.disclosure import DisclosurePolicy
    >>> f = protect_criteria(run.results["dk-2024"], 2024, DisclosurePolicy()).frame
    >>> len(f), set(f["value_status"]), float(f["persons"].iloc[0])
    (10, {'published'}, 2400.0)
    >>> f = protect_criteria(run.results["dk-2024"], 2024, DisclosurePolicy(min_count=3000)).frame
    >>> set(f["value_status"]), bool(f["value"].isna().all())
    ({'primary'}, True)
    """
    crit = criteria_table(result, year)
    crit["persons"] = _persons_behind(crit)
    crit = with_share_numerator(crit)
    crit["dominance"] = float("nan")
    crit["linked"] = False
    applied = _rulesets(crit["ruleset"].unique(), {**dict(getattr(result, "rulesets", {}) or {}), **dict(rulesets or {})})
    if hidden and len(crit):
        from kvarter.indicators import load_catalogue
        from kvarter.publish.links import criterion_cells

        cat = catalogue if catalogue is not None else load_catalogue()
        defs = {(rs, cid): c for rs in crit["ruleset"].unique() for cid, c in applied[rs].criteria.items()}
        # Rule sets share indicators: the cells of an indicator in an area are looked up once.
        linked: dict[tuple, object] = {}

        def rests_on_hidden(c, a):
            key = (c.indicator, c.relative_to, a)
            if key not in linked:
                linked[key] = depends_on(criterion_cells(c.indicator, a, year, areas, cat, c.relative_to), hidden)
            return linked[key]

        crit["linked"] = [
            (rs, cid) in defs and rests_on_hidden(defs[(rs, cid)], a)
            for rs, cid, a in zip(crit["ruleset"], crit["criterion"], crit["area_id"])
        ]
    if dominance is not None and not dominance.empty and len(crit):
        from kvarter.indicators.dominance import sum_base

        base = {}
        for rs in crit["ruleset"].unique():
            for cid, c in applied[rs].criteria.items():
                try:
                    base[(rs, cid)] = sum_base(c.indicator)
                except KeyError:  # an indicator outside the built-in catalogue
                    base[(rs, cid)] = None
        crit["indicator"] = [base.get((r, c)) for r, c in zip(crit["ruleset"], crit["criterion"])]
        d = dominance[(dominance["level"] == "area") & (dominance["year"] == year)].astype({"unit_id": str})
        d = d.assign(share=d["top_sum"] / d["total_abs"].where(d["total_abs"] > 0))
        share = dict(zip(zip(d["indicator"], d["unit_id"]), d["share"]))
        crit["dominance"] = [share.get((i, a), float("nan")) if i else float("nan")
                             for i, a in zip(crit["indicator"], crit["area_id"])]
        crit = crit.drop(columns=["indicator"])
    crit = crit.drop(columns=["numerator", "residents"])
    return protect(crit, policy, key=["ruleset", "area_id", "name", "criterion"],
                   value_columns=["value", "threshold", "met", "margin", "computable", "note"], count_column="persons",
                   numerator_column="share_numerator", denominator_column="denominator",
                   dominance_column="dominance", linked_column="linked", name="criteria")


def _rulesets(ids, given: dict | None) -> dict:
    """Rule sets by id: those applied when the caller has them, else the built-in ones."""
    from kvarter.screening import load_ruleset

    given = dict(given or {})
    return {rs: given[rs] if rs in given else load_ruleset(rs) for rs in ids}


def protect_history(long: pd.DataFrame, residents: pd.DataFrame, policy, *, hidden: set | None = None) -> Protected:
    """The list history of every area ever designated, with its residents;
    a year whose resident count is hidden in the indicator table is linked.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> long = pd.DataFrame({"ruleset": "dk-2024", "list": "udsat_boligomraade", "area_id": ["a", "a", "b", "b"],
    ...     "name": ["A", "A", "B", "B"], "year": [2023, 2024] * 2, "designated": [False, True, False, False],
    ...     "change": ["not listed", "listed", "not listed", "not listed"]})
    >>> residents = pd.DataFrame({"area_id": ["a", "a"], "year": [2023, 2024], "residents": [1200, 1250]})
    >>> h = protect_history(long, residents, DisclosurePolicy()).frame
    >>> h[["area_id", "year", "designated", "residents"]].to_dict("records")
    [{'area_id': 'a', 'year': 2023, 'designated': False, 'residents': 1200}, {'area_id': 'a', 'year': 2024, 'designated': True, 'residents': 1250}]
    """
    # Every area ever designated, and every area nobody lives in (it is on no
    # list, and the table says why rather than leave it out).
    ever = set(long.loc[long["designated"].astype(bool), "area_id"].astype(str))
    empty = residents.loc[residents["residents"] == 0, "area_id"].astype(str)
    long = long[long["area_id"].astype(str).isin(ever | set(empty))]
    h = long.merge(residents, on=["area_id", "year"], how="left")
    h["residents"] = h["residents"].fillna(0)
    hidden = hidden or set()
    h["linked"] = [depends_on([("residents", "area", str(a), int(y))], hidden) for a, y in zip(h["area_id"], h["year"])]
    h = h[["ruleset", "list", "area_id", "name", "year", "designated", "change", "residents", "linked"]]
    return protect(h, policy, key=["ruleset", "list", "area_id", "name", "year"],
                   value_columns=["designated", "change"], count_column="residents", linked_column="linked",
                   name="history")


def protect_screening(run, year: int, policy, *, hidden: set | None = None, areas: pd.DataFrame | None = None,
                      dominance: pd.DataFrame | None = None) -> dict[str, Protected]:
    """The tables of a screening run (:func:`kvarter.screening.run.run_screening`), protected.

    ``criteria`` (value, threshold, met, margin per area and criterion),
    ``what_if`` (the change that would take an area off a list),
    ``designations`` (list status with its history) and ``summary`` (the lists
    each area is on). The persons behind an area's row are its criterion's
    population where known, else its residents.

    >>> from kvarter.screening.run import run_screening
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> run = run_screening(["dk-2024"], 2024, values=user)
    >>> from kvarter.disclosure import DisclosurePolicy
    >>> tables = protect_screening(run, 2024, DisclosurePolicy())
    >>> sorted(tables), tables["designations"].frame["designated"].tolist()
    (['criteria', 'designations', 'summary', 'what_if'], [True, True, False, False])
    """
    results = run.result
    crit = criteria_table(results, year)
    persons = crit.assign(persons=_persons_behind(crit))[["ruleset", "area_id", "criterion", "persons"]]
    residents = results.areas[["area_id", "year", "residents"]].drop_duplicates(["area_id", "year"]).astype({"area_id": str})
    out = {"criteria": protect_criteria(results, year, policy, dominance=dominance, hidden=hidden, areas=areas,
                                        rulesets=getattr(run, "rulesets", None))}
    # "What would it take" restates a criterion's value and counts: it goes
    # wherever the criterion goes.
    cf = out["criteria"].frame
    crit_hidden = {(r, a, c) for r, a, c, st in zip(cf["ruleset"], cf["area_id"].astype(str), cf["criterion"],
                                                    cf["value_status"]) if st in SUPPRESSED}
    w = run.what_if.astype({"area_id": str}).merge(persons, on=["ruleset", "area_id", "criterion"], how="left")
    w["persons"] = w["persons"].fillna(0)
    w["linked"] = [("criteria", f"{c} ({r}, area {a})") if (r, a, c) in crit_hidden else False
                   for r, a, c in zip(w["ruleset"], w["area_id"], w["criterion"])]
    wvals = [c for c in ("value", "threshold", "change_count", "new_value", "relative_change", "change", "sufficient",
                         "lists_after") if c in w.columns]
    out["what_if"] = protect(w[["ruleset", "area_id", "name", "list", "criterion", *wvals, "persons", "linked"]],
                             policy, key=["ruleset", "area_id", "name", "list", "criterion"], value_columns=wvals,
                             count_column="persons", linked_column="linked", name="what would it take")
    d = run.designations.astype({"area_id": str}).merge(residents, on=["area_id", "year"], how="left")
    d["residents"] = d["residents"].fillna(0)
    hidden = hidden or set()
    d["linked"] = [depends_on([("residents", "area", str(a), int(y))], hidden) for a, y in zip(d["area_id"], d["year"])]
    out["designations"] = protect(
        d[["ruleset", "year", "area_id", "name", "list", "designated", "change", "rule", "residents", "linked"]],
        policy, key=["ruleset", "year", "area_id", "name", "list"], value_columns=["designated", "change", "rule"],
        count_column="residents", linked_column="linked", name="designations")
    sm = run.summary.astype({"area_id": str}).merge(residents[residents["year"] == year][["area_id", "residents"]],
                                                    on="area_id", how="left")
    sm["residents"] = sm["residents"].fillna(0)
    lists = [c for c in run.summary.columns if c not in ("area_id", "name", "municipality")]
    out["summary"] = protect(sm, policy, key=["area_id", "name", "municipality"], value_columns=lists,
                             count_column="residents", name="screening summary")
    return out

