"""Apply a rule set to one year's values; every designation explains itself.

For each area: each criterion's value, the threshold it was held against (and
the reference value it was derived from), met or not, and the margin
``value - threshold``; the rule that fired for each list; the list history
(entered, stayed, left). Consecutive-year rules read the status each earlier
year had under the rules then in force, from a history of designations (the
store's ``designations`` table) or, where that lacks a year, by screening that
year's values with the law then in force (the rule set's predecessor chain).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from kvarter.errors import InputError, RuleError
from kvarter.screening import lists as rules_eval
from kvarter.screening.composite import composite_index
from kvarter.screening.criteria import NO_RESIDENTS, evaluate_criteria, population
from kvarter.screening.result import (
    AREA_COLUMNS, EXPLANATION_COLUMNS, LIST_COLUMNS, ScreeningResult, empty_table,
)
from kvarter.screening.rules import RuleSet, load_ruleset
from kvarter.screening.values import criterion_values, screening_session, value_years
from kvarter.screening.whatif import what_if_table

HISTORY_COLUMNS = (
    "ruleset", "ruleset_version", "year", "area_id", "name", "municipality",
    "list", "designated", "change", "rule", "in_force",
)


def law_chain(ruleset: RuleSet) -> dict[int, RuleSet]:
    """The rule set and its predecessors by first list year (the law in force each year).

    >>> {y: rs.id for y, rs in law_chain(load_ruleset("dk-2024")).items()}
    {2010: 'dk-2010', 2014: 'dk-2013', 2018: 'dk-2018', 2021: 'dk-2024'}
    """
    chain: dict[int, RuleSet] = {}
    seen = set()
    rs = ruleset
    while rs is not None:
        if rs.id in seen:
            raise RuleError(f"Rule set {rs.id} is its own predecessor (a cycle in 'predecessor').")
        seen.add(rs.id)
        chain[rs.list_years.first if rs.list_years else -10**6] = rs
        rs = load_ruleset(rs.predecessor) if rs.predecessor else None
    return dict(sorted(chain.items()))


def _needs_history(ruleset: RuleSet, year: int) -> list[int]:
    back = 0
    for ldef in ruleset.lists.values():
        for r in rules_eval.walk(ldef.rule):
            if r.consecutive is not None:
                back = max(back, r.consecutive.years_for(year) - 1)
    return list(range(year - back, year))


def _in_force_years(history: pd.DataFrame | None) -> set[int]:
    if history is None or history.empty:
        return set()
    return {int(y) for y in history.loc[history["in_force"].astype(bool), "year"].unique()}


def _checked(values, ruleset, year, history) -> tuple[RuleSet, int]:
    if not isinstance(values, pd.DataFrame):
        raise InputError(f"values passed to screen must be a pandas DataFrame; got {type(values).__name__}.")
    rs = load_ruleset(ruleset)
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
        raise InputError(f"The 'year' parameter of screen must be an int. Got {year!r} instead.")
    if history is not None:
        missing_cols = [c for c in ("year", "area_id", "list", "designated", "in_force") if c not in history.columns]
        if missing_cols and not history.empty:
            raise InputError(
                f"history passed to screen lacks column(s) {', '.join(missing_cols)}; expected the "
                "format of designations_long (the store's 'designations' table)."
            )
    return rs, int(year)


def _with_derived_history(values, rs: RuleSet, year: int, areas, history, derive_history: bool):
    """The history, completed for the earlier years a consecutive-year rule needs by screening
    those years' values under the law then in force."""
    needed = _needs_history(rs, year)
    if not (derive_history and needed):
        return history
    have = _in_force_years(history)
    todo = [y for y in needed if y not in have and y in value_years(values)]
    if not todo:
        return history
    derived = screen_history(values, law_chain(rs), range(min(todo), max(todo) + 1), areas=areas,
                             history=history, derive_history=False)
    derived_long = designations_long(derived)
    derived_long = derived_long[derived_long["year"].isin(todo)]
    return derived_long if history is None or history.empty else pd.concat([history, derived_long])


def _other_lists(values, rs: RuleSet, year: int, areas, history, derive_history: bool) -> dict:
    """The areas on each other rule set's lists that ``rs``'s rules read, screened the same year."""
    out: dict = {}
    for other_id, wanted in rules_eval.other_rulesets(rs):
        try:
            other = screen(values, other_id, year, areas=areas, history=history, derive_history=derive_history)
        except InputError as exc:
            # Say so in every explanation rather than refuse the whole screening.
            out[(other_id, wanted)] = {"__error__": str(exc)}
            continue
        on = other.lists[other.lists["list"].isin(wanted) & other.lists["designated"].astype(bool)]
        listed: dict[str, list[str]] = {}
        for area, lid in zip(on["area_id"], on["list"]):
            listed.setdefault(str(area), []).append(lid)
        out[(other_id, wanted)] = {a: [l for l in wanted if l in ls] for a, ls in listed.items()}
    return out


def _parents(areas: pd.DataFrame | None) -> dict:
    if areas is None or "parent_area" not in areas.columns:
        return {}
    return {str(a): (None if pd.isna(p) else str(p)) for a, p in zip(areas["area_id"], areas["parent_area"])}


def screen(
    values: pd.DataFrame,
    ruleset: str | RuleSet,
    year: int,
    *,
    areas: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    derive_history: bool = True,
) -> ScreeningResult:
    """Designate each area for one year under a rule set, with the explanation.

    ``values`` is the store's indicator table or a user's table of criterion
    values (see :mod:`kvarter.screening.values`); ``areas`` the areas table
    (names, social-housing flag, parent areas); ``history`` earlier
    designations in the format of :func:`designations_long` (the store's
    ``designations`` table). Earlier years that the history lacks are screened
    from ``values`` under the law then in force when ``derive_history``.

    Returns a :class:`~kvarter.screening.result.ScreeningResult`: the areas
    (population, composite score), the criteria long table (value,
    threshold, met, margin, computable), the list memberships with their
    rule text and history, an explanation per area and what would it take.

    >>> user = pd.DataFrame({"area_id": ["a", "b"], "year": [2024, 2024], "residents": [2400, 1500],
    ...     "outside_labour_education_share": [0.43, 0.35], "convicted_ratio_to_national": [3.1, 1.2],
    ...     "basic_education_share": [0.52, 0.61], "income_ratio_to_region": [0.54, 0.70],
    ...     "non_western_share": [0.62, 0.45]})
    >>> r = screen(user, "dk-2024", 2024, history=designations_long(ScreeningResult.blank()))
    >>> r.membership()[["area_id", "udsat_boligomraade", "parallelsamfund", "forebyggelsesomraade"]]
      area_id  udsat_boligomraade  parallelsamfund  forebyggelsesomraade
    0       a                True             True                 False
    1       b               False            False                  True
    >>> print(r.explanation("a").splitlines()[1])
    employment: 0.43 > 0.4: met, margin +0.03
    """
    with screening_session():
        return _screen(values, ruleset, year, areas, history, derive_history)


def _screen(values, ruleset, year, areas, history, derive_history) -> ScreeningResult:
    rs, year = _checked(values, ruleset, year, history)
    history = _with_derived_history(values, rs, year, areas, history, derive_history)
    frame = _with_composite(criterion_values(values, rs, year, areas), rs)
    ids = frame.index.astype(str).tolist()
    in_pop, pop_notes = population(frame, rs)
    criteria = evaluate_criteria(frame, rs, year, in_pop)
    met = {cid: part["met"].to_numpy(dtype=bool) for cid, part in criteria.groupby("criterion", sort=False)}
    ctx = rules_eval.Context(rs, year, rules_eval.HistoryIndex(history),
                             _other_lists(values, rs, year, areas, history, derive_history),
                             _parents(areas), rules_eval.continues_map(rs))
    on, rule_text = rules_eval.designate(rs, ids, met, in_pop, pop_notes, ctx)
    no_residents = frame["residents"].to_numpy(dtype=float) == 0
    history_text = {
        lid: rules_eval.list_history(ctx.history, ids, year, [lid, *ctx.continues.get(lid, [])], on[lid], no_residents)
        for lid in rs.lists
    }
    area_table = _area_table(frame, rs, year, ids, in_pop, pop_notes)
    list_table = _list_table(rs, year, ids, frame, on, rule_text, history_text,
                             rules_eval.pivotal(rs, ids, met, on, ctx), area_table["in_force"].iloc[0] if ids else True)
    return ScreeningResult(
        areas=area_table, criteria=criteria, lists=list_table,
        explanations=_explanations(rs, year, ids, in_pop, pop_notes, criteria, rule_text, history_text),
        what_if=what_if_table(rs, year, ids, frame["name"].to_numpy(), criteria, met, on, ctx),
        rulesets={rs.id: rs},
    )


def _area_table(frame, rs: RuleSet, year: int, ids, in_pop, pop_notes) -> pd.DataFrame:
    out = pd.DataFrame({
        "ruleset": rs.id, "ruleset_version": rs.version, "year": year, "area_id": ids,
        "name": frame["name"].to_numpy(), "municipality": frame["municipality"].to_numpy(),
        "residents": frame["residents"].to_numpy(dtype=float), "in_population": in_pop,
        "population_note": ["; ".join(p) for p in pop_notes],
        "in_force": rs.list_years.covers(year) if rs.list_years else True,
    })
    for col in ("composite_score", "composite_rank", "composite_decile"):
        out[col] = frame[col].to_numpy() if col in frame.columns else np.nan
    return out[list(AREA_COLUMNS)]


def _list_table(rs: RuleSet, year: int, ids, frame, on, rule_text, history_text, pivotal, in_force) -> pd.DataFrame:
    parts = [pd.DataFrame({
        "ruleset": rs.id, "ruleset_version": rs.version, "year": year, "area_id": ids,
        "name": frame["name"].to_numpy(), "municipality": frame["municipality"].to_numpy(), "list": lid,
        "designated": on[lid], "rule": rule_text[lid], "pivotal": pivotal[lid], "history": history_text[lid],
        "in_force": in_force,
    }) for lid in rs.lists]
    return pd.concat(parts, ignore_index=True)[list(LIST_COLUMNS)] if parts else empty_table(LIST_COLUMNS)


def _explanations(rs: RuleSet, year: int, ids, in_pop, pop_notes, criteria, rule_text, history_text) -> pd.DataFrame:
    """One text per area: the header, a line per criterion, a line per list with its history."""
    lines_of = [[] for _ in ids]
    for cid, part in criteria.groupby("criterion", sort=False):
        for i, t in enumerate(part["text"]):
            lines_of[i].append(t)
    texts = []
    for i, area in enumerate(ids):
        head = f"{rs.id} {year}, area {area}"
        if not in_pop[i]:
            head += " (outside the population: " + "; ".join(pop_notes[i]) + ")"
        lists = [f"{lid}: {rule_text[lid][i]}; {history_text[lid][i]}" for lid in rs.lists]
        if NO_RESIDENTS in pop_notes[i]:
            lists.append("Nobody lives in the area: no criterion can be computed and it is on no list.")
        texts.append("\n".join([head, *lines_of[i], *lists]))
    return pd.DataFrame({"ruleset": rs.id, "year": year, "area_id": ids, "explanation": texts})[list(EXPLANATION_COLUMNS)]


def _with_composite(frame: pd.DataFrame, rs: RuleSet) -> pd.DataFrame:
    if rs.composite is None:
        return frame
    comps = rs.composite.components
    table = pd.DataFrame({
        cid: frame[f"component__{cid}"] * (1 if c.higher_is_worse else -1) for cid, c in comps.items()
    }, index=frame.index)
    res = composite_index(table, {cid: c.weight for cid, c in comps.items()}, transform=rs.composite.transform)
    frame = frame.copy()
    frame["composite_score"] = res["score"].to_numpy()
    frame["composite_rank"] = res["rank"].astype("float").to_numpy()
    frame["composite_decile"] = res["decile"].astype("float").to_numpy()
    for cid, c in rs.criteria.items():
        if c.indicator.startswith("composite_"):
            frame[f"{cid}__value"] = frame[c.indicator]
            frame[f"{cid}__numerator"] = np.nan
            frame[f"{cid}__denominator"] = np.nan
            frame[f"{cid}__reference"] = np.nan
            frame[f"{cid}__note"] = np.where(frame[c.indicator].isna(), "a composite component is missing", "")
    return frame


def _declared_order(table: pd.DataFrame, column: str, result: ScreeningResult) -> pd.DataFrame:
    """Rows grouped by rule set (first seen) and by ``column`` in the rule set's declared order, stably."""
    if table.empty:
        return table
    rs_rank = {r: k for k, r in enumerate(dict.fromkeys(table["ruleset"]))}

    def declared(rid):
        rs = result.rulesets.get(rid)
        names = list(rs.lists if column == "list" else rs.criteria) if rs is not None else []
        return {n: k for k, n in enumerate(names)}

    orders = {rid: declared(rid) for rid in rs_rank}
    key = [rs_rank[r] * 10**6 + orders[r].get(n, 10**5) for r, n in zip(table["ruleset"], table[column])]
    return table.assign(_k=key).sort_values("_k", kind="stable").drop(columns="_k").reset_index(drop=True)


def designations_long(result: ScreeningResult) -> pd.DataFrame:
    """One row per area, year, rule set and list: the history format kept in the store.

    Columns: ``ruleset, ruleset_version, year, area_id, name, municipality,
    list, designated, change, rule, in_force``; ``change`` is the first part
    of the list history (entered, stayed, left, not listed).

    >>> designations_long(ScreeningResult.blank()).columns.tolist()[:4]
    ['ruleset', 'ruleset_version', 'year', 'area_id']
    """
    t = result.lists
    if t.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS}).astype(
            {"year": "int64", "designated": bool, "in_force": bool}
        )
    out = t.assign(year=t["year"].astype("int64"), area_id=t["area_id"].astype(str),
                   designated=t["designated"].astype(bool), change=t["history"].str.split(";").str[0],
                   in_force=t["in_force"].astype(bool))
    return _declared_order(out, "list", result)[list(HISTORY_COLUMNS)]


def criteria_long(result: ScreeningResult) -> pd.DataFrame:
    """One row per area, year, rule set and criterion: value, threshold, reference, met, margin,
    whether it could be computed, and the note (the store's ``screening_criteria``).

    >>> criteria_long(ScreeningResult.blank()).columns.tolist()
    ['ruleset', 'year', 'area_id', 'criterion', 'value', 'threshold', 'reference', 'met', 'margin', 'computable', 'note']
    """
    cols = ["ruleset", "year", "area_id", "criterion", "value", "threshold", "reference", "met", "margin",
            "computable", "note"]
    t = result.criteria
    if t.empty:
        return pd.DataFrame(columns=cols)
    t = t.assign(met=t["met"].astype(bool), computable=t["computable"].astype(bool))
    return _declared_order(t, "criterion", result)[cols]


def screen_history(
    values: pd.DataFrame,
    laws: Mapping[int, str | RuleSet],
    years,
    *,
    areas: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    derive_history: bool = False,
) -> ScreeningResult:
    """Screen year by year under the law in force, carrying the list history forward.

    ``laws`` maps the first list year of each law to its rule set, e.g.
    ``{2010: "dk-2010", 2014: "dk-2013", 2018: "dk-2018", 2021: "dk-2024"}``;
    each year is screened with the latest law starting at or before it, and
    the designations so far are the history the next year reads (the
    2018-2020 hard-ghetto lists counted the 2013-law ghetto lists).

    >>> user = pd.DataFrame({"area_id": ["a"] * 3, "year": [2012, 2013, 2014], "residents": [1500] * 3,
    ...     "non_western_share": [0.6] * 3, "outside_labour_education_share": [0.45] * 3,
    ...     "convicted_share": [0.01] * 3, "basic_education_share": [0.55] * 3,
    ...     "income_ratio_to_region": [0.7] * 3})
    >>> r = screen_history(user, {2010: "dk-2010", 2014: "dk-2013"}, [2012, 2013, 2014])
    >>> r.list_rows("ghettoomraade")[["ruleset", "year", "designated", "history"]]
       ruleset  year  designated                               history
    0  dk-2010  2012        True  listed (no list for the year before)
    1  dk-2010  2013        True           stayed; on the list in 2012
    2  dk-2013  2014        True     stayed; on the list in 2012, 2013
    """
    with screening_session():
        return _screen_history(values, laws, years, areas, history, derive_history)


def _screen_history(values, laws, years, areas, history, derive_history) -> ScreeningResult:
    chain = {int(k): load_ruleset(v) for k, v in laws.items()}
    if not chain:
        raise InputError("The 'laws' parameter of screen_history must map at least one first year to a rule set.")
    acc = history
    results = []
    for y in sorted(int(y) for y in years):
        starts = [k for k in chain if k <= y]
        if not starts:
            raise InputError(
                f"screen_history has no law in force for {y}; the laws given start in {sorted(chain)}."
            )
        rs = chain[max(starts)]
        res = screen(values, rs, y, areas=areas, history=acc, derive_history=derive_history)
        results.append(res)
        new = designations_long(res)
        acc = new if acc is None or acc.empty else pd.concat([acc, new], ignore_index=True)
    return ScreeningResult.concat(results)
