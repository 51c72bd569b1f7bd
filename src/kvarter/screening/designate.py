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
from kvarter.screening.composite import composite_index
from kvarter.screening.rules import COMPARISONS, Rule, RuleSet, load_ruleset
from kvarter.screening.values import criterion_values, value_years

HISTORY_COLUMNS = (
    "ruleset", "ruleset_version", "year", "area_id", "name", "municipality",
    "list", "designated", "change", "rule", "in_force",
)


def _fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "n/a"
    return f"{v:.4g}" if abs(v) >= 1 else f"{v:.4f}".rstrip("0").rstrip(".") if v != 0 else "0"


def _criterion_columns(frame: pd.DataFrame, ruleset: RuleSet, year: int, population: np.ndarray) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for cid, crit in ruleset.criteria.items():
        v = frame[f"{cid}__value"].to_numpy(dtype=float)
        ref = frame[f"{cid}__reference"].to_numpy(dtype=float)
        thr = crit.threshold * ref if crit.relative_to else np.full(len(v), float(crit.threshold))
        with np.errstate(invalid="ignore"):
            # 2.7 / 100 is 0.027000000000000003 in binary floating point: a value equal to
            # the threshold up to representation noise is equal, not above it.
            equal = np.isclose(v, thr, rtol=1e-12, atol=0.0)
            met = np.where(equal, crit.op in (">=", "<="), COMPARISONS[crit.op](v, thr))
            met = met & ~np.isnan(v) & ~np.isnan(thr)
        margin = v - thr
        notes = frame[f"{cid}__note"].astype(object).to_numpy().copy()
        texts = []
        for i in range(len(v)):
            if np.isnan(v[i]) or np.isnan(thr[i]):
                why = notes[i] or "value missing"
                texts.append(f"{cid}: not met — {why}")
                notes[i] = why
                continue
            held = (
                f"{crit.threshold:g} × {crit.relative_to} {_fmt(ref[i])} = {_fmt(thr[i])}"
                if crit.relative_to else _fmt(thr[i])
            )
            line = f"{cid}: {_fmt(v[i])} {crit.op} {held}: {'met' if met[i] else 'not met'}, margin {margin[i]:+.4g}"
            if crit.rounding > 0 and abs(margin[i]) <= crit.rounding + 1e-12:
                extra = "on the threshold within the published rounding; the unrounded value decides"
                line += f" ({extra})"
                notes[i] = (notes[i] + "; " if notes[i] else "") + extra
            texts.append(line)
        out[f"{cid}_value"] = v
        out[f"{cid}_threshold"] = thr
        out[f"{cid}_reference"] = ref
        out[f"{cid}_met"] = met & population
        out[f"{cid}_margin"] = margin
        out[f"{cid}_note"] = notes
        out[f"{cid}_numerator"] = frame[f"{cid}__numerator"].to_numpy(dtype=float)
        out[f"{cid}_denominator"] = frame[f"{cid}__denominator"].to_numpy(dtype=float)
        out[f"__text_{cid}"] = texts
    return out


class _Context:
    """What rules read besides this year's criteria: history and other rule sets."""

    def __init__(self, ruleset, year, history, other_lists, areas_parent, all_continues):
        self.ruleset = ruleset
        self.year = year
        self.history = history
        self.other_lists = other_lists
        self.areas_parent = areas_parent
        self.continues = all_continues


def _eval(rule: Rule, i: int, area: str, met: dict, lists: dict, ctx: _Context) -> tuple[bool, str]:
    if rule.ref is not None:
        src = met if rule.ref in met else lists
        return bool(src[rule.ref][i]), rule.ref
    if rule.all is not None or rule.any is not None:
        kids = [_eval(r, i, area, met, lists, ctx) for r in (rule.all or rule.any)]
        ok = all(k[0] for k in kids) if rule.all is not None else any(k[0] for k in kids)
        word = "all" if rule.all is not None else "any"
        return ok, f"{word} of (" + ", ".join(("✓ " if k[0] else "✗ ") + k[1] for k in kids) + ")"
    if rule.of is not None:
        kids = [_eval(r, i, area, met, lists, ctx) for r in rule.of]
        n = sum(k[0] for k in kids)
        names = [k[1] for k in kids if k[0]]
        return n >= rule.at_least, (
            f"at least {rule.at_least} of {len(kids)}: {n} met" + (f" ({', '.join(names)})" if names else "")
        )
    if rule.not_ is not None:
        ok, text = _eval(rule.not_, i, area, met, lists, ctx)
        return not ok, f"not ({text})"
    if rule.consecutive is not None:
        c = rule.consecutive
        n = c.years_for(ctx.year)
        now = bool(lists[c.list][i])
        ids = {c.list, *ctx.continues.get(c.list, [])}
        missing, off = [], []
        for y in range(ctx.year - n + 1, ctx.year):
            status = ctx.history.status(area, y, ids)
            if status is None:
                missing.append(y)
            elif not status:
                off.append(y)
        ok = now and not missing and not off
        parts = [f"{c.list} in each of {ctx.year - n + 1}-{ctx.year} ({n} years)"]
        if not now:
            parts.append(f"not {c.list} in {ctx.year}")
        if off:
            parts.append("not listed in " + ", ".join(map(str, off)))
        if missing:
            parts.append("no list in force in the history for " + ", ".join(map(str, missing)) + " (counts as not listed)")
        return ok, "; ".join(parts)
    o = rule.on_lists
    listed = ctx.other_lists.get((o.ruleset, tuple(o.lists)), {})
    if "__error__" in listed:
        return False, f"the {o.ruleset} lists could not be screened ({listed['__error__']}); counted as not listed"
    hits = listed.get(area, [])
    children = [k for k, p in ctx.areas_parent.items() if p == area and listed.get(k)]
    if hits:
        return True, f"on the {o.ruleset} list(s) {', '.join(hits)}"
    if children:
        return True, f"contains {', '.join(children)}, on the {o.ruleset} lists"
    return False, f"not on the {o.ruleset} lists {', '.join(o.lists)}"


class _HistoryIndex:
    """The in-force designations of a history table, indexed for lookups by year and list."""

    def __init__(self, history: pd.DataFrame | None):
        self.present: set[tuple[int, str]] = set()
        self.on: dict[tuple[int, str], set[str]] = {}
        self.years: set[int] = set()
        if history is None or history.empty:
            return
        h = history[history["in_force"].astype(bool)]
        for (y, lid), g in h.groupby(["year", "list"]):
            key = (int(y), str(lid))
            self.present.add(key)
            self.years.add(int(y))
            self.on[key] = set(g.loc[g["designated"].astype(bool), "area_id"].astype(str))

    def status(self, area: str, year: int, ids: set[str]) -> bool | None:
        """On any of ``ids`` in ``year`` under the rules then in force; None when the history lacks that year."""
        keys = [(year, lid) for lid in ids if (year, lid) in self.present]
        if not keys:
            return None
        return any(area in self.on[k] for k in keys)


def _continues_map(ruleset: RuleSet) -> dict[str, list[str]]:
    """Each list's earlier ids, followed through the predecessor chain's own ``continues``."""
    out: dict[str, list[str]] = {}
    for lid, ldef in ruleset.lists.items():
        out[lid] = list(ldef.continues)
    return out


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
        stack = [ldef.rule]
        while stack:
            r = stack.pop()
            if r.consecutive is not None:
                back = max(back, r.consecutive.years_for(year) - 1)
            stack.extend((r.all or []) + (r.any or []) + (r.of or []) + ([r.not_] if r.not_ else []))
    return list(range(year - back, year))


def _in_force_years(history: pd.DataFrame | None) -> set[int]:
    if history is None or history.empty:
        return set()
    return {int(y) for y in history.loc[history["in_force"].astype(bool), "year"].unique()}


def screen(
    values: pd.DataFrame,
    ruleset: str | RuleSet,
    year: int,
    *,
    areas: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    derive_history: bool = True,
) -> pd.DataFrame:
    """Designate each area for one year under a rule set, with the explanation.

    ``values`` is the store's indicator table or a user's table of criterion
    values (see :mod:`kvarter.screening.values`); ``areas`` the areas table
    (names, social-housing flag, parent areas); ``history`` earlier
    designations in the format of :func:`designations_long` (the store's
    ``designations`` table). Earlier years that the history lacks are screened
    from ``values`` under the law then in force when ``derive_history``.

    Returns one row per area: ``ruleset, year, area_id, name, municipality,
    in_population``, one boolean column per list, and per criterion ``c``
    ``c_value, c_threshold, c_reference, c_met, c_margin, c_note``; per list
    ``l_rule`` (the rule and how it came out) and ``l_history`` (entered,
    stayed, left or not listed); and ``explanation``.

    >>> user = pd.DataFrame({"area_id": ["a", "b"], "year": [2024, 2024], "residents": [2400, 1500],
    ...     "outside_labour_education_share": [0.43, 0.35], "convicted_ratio_to_national": [3.1, 1.2],
    ...     "basic_education_share": [0.52, 0.61], "income_ratio_to_region": [0.54, 0.70],
    ...     "non_western_share": [0.62, 0.45]})
    >>> r = screen(user, "dk-2024", 2024, history=designations_long(pd.DataFrame()))
    >>> r[["area_id", "udsat_boligomraade", "parallelsamfund", "forebyggelsesomraade"]]
      area_id  udsat_boligomraade  parallelsamfund  forebyggelsesomraade
    0       a                True             True                  True
    1       b               False            False                  True
    >>> print(r.loc[0, "explanation"].splitlines()[1])
    employment: 0.43 > 0.4: met, margin +0.03
    """
    if not isinstance(values, pd.DataFrame):
        raise InputError(f"values passed to screen must be a pandas DataFrame; got {type(values).__name__}.")
    rs = load_ruleset(ruleset)
    if isinstance(year, bool) or not isinstance(year, (int, np.integer)):
        raise InputError(f"The 'year' parameter of screen must be an int. Got {year!r} instead.")
    year = int(year)
    if history is not None:
        missing_cols = [c for c in ("year", "area_id", "list", "designated", "in_force") if c not in history.columns]
        if missing_cols and not history.empty:
            raise InputError(
                f"history passed to screen lacks column(s) {', '.join(missing_cols)}; expected the "
                "format of designations_long (the store's 'designations' table)."
            )
    needed = _needs_history(rs, year)
    if derive_history and needed:
        have = _in_force_years(history)
        todo = [y for y in needed if y not in have and y in value_years(values)]
        if todo:
            derived = screen_history(
                values, law_chain(rs), range(min(todo), max(todo) + 1), areas=areas, history=history,
                derive_history=False,
            )
            derived_long = designations_long(derived)
            derived_long = derived_long[derived_long["year"].isin(todo)]
            history = derived_long if history is None or history.empty else pd.concat([history, derived_long])
    frame = criterion_values(values, rs, year, areas)
    frame = _with_composite(frame, rs)
    n = len(frame)
    pop = rs.population
    in_pop = np.ones(n, dtype=bool)
    pop_notes = [[] for _ in range(n)]
    residents = frame["residents"].to_numpy(dtype=float)
    if pop.min_residents > 0:
        for i in range(n):
            if np.isnan(residents[i]):
                in_pop[i] = False
                pop_notes[i].append("residents unknown")
            elif residents[i] < pop.min_residents:
                in_pop[i] = False
                pop_notes[i].append(f"{residents[i]:.0f} residents < {pop.min_residents:g}")
    if pop.social_housing:
        sh = frame["social_housing"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        for i in range(n):
            if not sh[i]:
                in_pop[i] = False
                pop_notes[i].append("not a social housing area")
            elif frame["social_housing_note"].iloc[i]:
                pop_notes[i].append(frame["social_housing_note"].iloc[i])
    if pop.kinds:
        kinds = frame["kind"].to_numpy()
        for i in range(n):
            if kinds[i] not in pop.kinds:
                in_pop[i] = False
                pop_notes[i].append(f"kind {kinds[i]!r} not in {pop.kinds}")
    crit = _criterion_columns(frame, rs, year, in_pop)
    met = {cid: crit[f"{cid}_met"].to_numpy() for cid in rs.criteria}

    other_lists: dict = {}
    for ldef in rs.lists.values():
        stack = [ldef.rule]
        while stack:
            r = stack.pop()
            stack.extend((r.all or []) + (r.any or []) + (r.of or []) + ([r.not_] if r.not_ else []))
            if r.on_lists is not None:
                o = r.on_lists
                listed: dict[str, list[str]] = {}
                try:
                    other = screen(values, o.ruleset, year, areas=areas, history=history, derive_history=derive_history)
                except InputError as exc:
                    # Say so in every explanation rather than refuse the whole screening.
                    other_lists[(o.ruleset, tuple(o.lists))] = {"__error__": str(exc)}
                    continue
                for _, row in other.iterrows():
                    hits = [lid for lid in o.lists if lid in other.columns and bool(row[lid])]
                    if hits:
                        listed[row["area_id"]] = hits
                other_lists[(o.ruleset, tuple(o.lists))] = listed
    parent = {}
    if areas is not None and "parent_area" in areas.columns:
        parent = {str(a): (None if pd.isna(p) else str(p)) for a, p in zip(areas["area_id"], areas["parent_area"])}
    ctx = _Context(rs, year, _HistoryIndex(history), other_lists, parent, _continues_map(rs))

    ids = frame.index.astype(str).tolist()
    lists: dict[str, np.ndarray] = {}
    rule_text: dict[str, list[str]] = {}
    for lid in rs.list_order():
        vals, texts = np.zeros(n, dtype=bool), []
        for i in range(n):
            if not in_pop[i]:
                texts.append("outside the population: " + "; ".join(pop_notes[i]))
                continue
            ok, text = _eval(rs.lists[lid].rule, i, ids[i], met, lists, ctx)
            vals[i] = ok
            texts.append(("designated: " if ok else "not designated: ") + text)
        lists[lid] = vals
        rule_text[lid] = texts
    pivotal = _pivotal(rs, ids, met, lists, ctx)

    out = pd.DataFrame({
        "ruleset": rs.id,
        "ruleset_version": rs.version,
        "year": year,
        "area_id": ids,
        "name": frame["name"].to_numpy(),
        "municipality": frame["municipality"].to_numpy(),
        "residents": residents,
        "in_population": in_pop,
        "population_note": ["; ".join(p) for p in pop_notes],
        "in_force": rs.list_years.covers(year) if rs.list_years else True,
    })
    for lid in rs.lists:
        out[lid] = lists[lid]
    if rs.composite is not None:
        for col in ("composite_score", "composite_rank", "composite_decile"):
            out[col] = frame[col].to_numpy()
    for col in crit.columns:
        if not col.startswith("__text_"):
            out[col] = crit[col].to_numpy()
    for lid in rs.lists:
        out[f"{lid}_rule"] = rule_text[lid]
        out[f"{lid}_pivotal"] = pivotal[lid]
        out[f"{lid}_history"] = _list_history(ctx.history, ids, year, lid, [lid, *ctx.continues.get(lid, [])], lists[lid])
    expl = []
    for i in range(n):
        lines = [f"{rs.id} {year}, area {ids[i]}" + ("" if in_pop[i] else " (outside the population: " + "; ".join(pop_notes[i]) + ")")]
        lines += [crit[f"__text_{cid}"].iloc[i] for cid in rs.criteria]
        lines += [f"{lid}: {rule_text[lid][i]}; {out[f'{lid}_history'].iloc[i]}" for lid in rs.lists]
        expl.append("\n".join(lines))
    out["explanation"] = expl
    return out


def _pivotal(rs: RuleSet, ids, met, lists, ctx) -> dict[str, list[str]]:
    """Per list and area, the met criteria whose loss alone would take the area off the list."""
    order = rs.list_order()
    out = {lid: [""] * len(ids) for lid in rs.lists}
    for i, area in enumerate(ids):
        on = [lid for lid in rs.lists if lists[lid][i]]
        if not on:
            continue
        hits: dict[str, list[str]] = {lid: [] for lid in on}
        for cid in met:
            if not met[cid][i]:
                continue
            met_mod = dict(met)
            met_mod[cid] = met[cid].copy()
            met_mod[cid][i] = False
            lists_mod: dict[str, np.ndarray] = {}
            for lid in order:
                lists_mod[lid] = lists[lid].copy()
                lists_mod[lid][i] = _eval(rs.lists[lid].rule, i, area, met_mod, lists_mod, ctx)[0]
            for lid in on:
                if not lists_mod[lid][i]:
                    hits[lid].append(cid)
        for lid in on:
            out[lid][i] = ", ".join(hits[lid])
    return out


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


def _list_history(index: _HistoryIndex, ids, year, lid, id_list, now) -> list[str]:
    out = []
    ids_set = set(id_list)
    earlier = sorted(y for y in index.years if y < year)
    for i, area in enumerate(ids):
        on_years = [y for y in earlier if index.status(area, y, ids_set)]
        prev = index.status(area, year - 1, ids_set)
        if now[i]:
            change = "stayed" if prev else ("entered" if prev is False else "listed (no list for the year before)")
        else:
            change = "left" if prev else "not listed"
        if on_years:
            change += f"; on the list in {', '.join(map(str, on_years))}"
        out.append(change)
    return out


def designations_long(result: pd.DataFrame) -> pd.DataFrame:
    """One row per area, year, rule set and list: the history format kept in the store.

    Columns: ``ruleset, ruleset_version, year, area_id, name, municipality,
    list, designated, change, rule, in_force``.

    >>> designations_long(pd.DataFrame()).columns.tolist()[:4]
    ['ruleset', 'ruleset_version', 'year', 'area_id']
    """
    if result.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS}).astype(
            {"year": "int64", "designated": bool, "in_force": bool}
        )
    parts = []
    for rid, part in result.groupby("ruleset", sort=False):
        lists = [c[: -len("_rule")] for c in part.columns if c.endswith("_rule") and c[: -len("_rule")] in part.columns]
        for lid in lists:
            sub = part[part[lid].notna()]
            parts.append(pd.DataFrame({
                "ruleset": sub["ruleset"], "ruleset_version": sub["ruleset_version"], "year": sub["year"].astype("int64"),
                "area_id": sub["area_id"].astype(str), "name": sub["name"], "municipality": sub["municipality"],
                "list": lid, "designated": sub[lid].astype(bool),
                "change": sub[f"{lid}_history"].str.split(";").str[0], "rule": sub[f"{lid}_rule"],
                "in_force": sub["in_force"].astype(bool),
            }))
    return pd.concat(parts, ignore_index=True)[list(HISTORY_COLUMNS)]


def criteria_long(result: pd.DataFrame) -> pd.DataFrame:
    """One row per area, year, rule set and criterion: value, threshold, reference, met, margin, note.

    >>> criteria_long(pd.DataFrame()).columns.tolist()
    ['ruleset', 'year', 'area_id', 'criterion', 'value', 'threshold', 'reference', 'met', 'margin', 'note']
    """
    cols = ["ruleset", "year", "area_id", "criterion", "value", "threshold", "reference", "met", "margin", "note"]
    if result.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for _, part in result.groupby("ruleset", sort=False):
        crits = [c[: -len("_met")] for c in part.columns if c.endswith("_met") and part[c].notna().any()]
        for cid in crits:
            parts.append(pd.DataFrame({
                "ruleset": part["ruleset"], "year": part["year"], "area_id": part["area_id"], "criterion": cid,
                "value": part[f"{cid}_value"], "threshold": part[f"{cid}_threshold"],
                "reference": part[f"{cid}_reference"], "met": part[f"{cid}_met"].astype(bool),
                "margin": part[f"{cid}_margin"], "note": part[f"{cid}_note"],
            }))
    return pd.concat(parts, ignore_index=True)[cols]


def screen_history(
    values: pd.DataFrame,
    laws: Mapping[int, str | RuleSet],
    years,
    *,
    areas: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    derive_history: bool = False,
) -> pd.DataFrame:
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
    >>> r[["ruleset", "year", "ghettoomraade", "ghettoomraade_history"]]
      ruleset  year  ghettoomraade                                ghettoomraade_history
    0  dk-2010  2012           True                  listed (no list for the year before)
    1  dk-2010  2013           True               stayed; on the list in 2012
    2  dk-2013  2014           True         stayed; on the list in 2012, 2013
    """
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
    return pd.concat(results, ignore_index=True)
