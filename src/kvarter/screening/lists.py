"""The lists of a rule set, evaluated area by area: combination rules, earlier
years (consecutive-year rules read a history of designations), other rule
sets' lists, and the lists an area would be on after one criterion stopped
being met (what would it take, across lists)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.screening.rules import Rule, RuleSet


class HistoryIndex:
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


class Context:
    """What rules read besides this year's criteria: history, other rule sets' lists, parent areas."""

    def __init__(self, ruleset: RuleSet, year: int, history: HistoryIndex, other_lists: dict,
                 areas_parent: dict, continues: dict[str, list[str]]):
        self.ruleset = ruleset
        self.year = year
        self.history = history
        self.other_lists = other_lists
        self.areas_parent = areas_parent
        self.continues = continues
        self.order = ruleset.list_order()


def continues_map(ruleset: RuleSet) -> dict[str, list[str]]:
    """Each list's earlier ids (the lists of earlier law versions it continues).

    >>> from kvarter.screening.rules import load_ruleset
    >>> continues_map(load_ruleset("dk-2024"))["omdannelsesomraade"]
    ['haardt_ghettoomraade']"""
    return {lid: list(ldef.continues) for lid, ldef in ruleset.lists.items()}


def walk(rule: Rule):
    """Every node of a rule, the rule itself first.

    >>> from kvarter.screening.rules import load_ruleset
    >>> [r.ref for r in walk(load_ruleset("dk-2024").lists["parallelsamfund"].rule)]
    [None, 'udsat_boligomraade', 'non_western']"""
    stack = [rule]
    while stack:
        r = stack.pop()
        yield r
        stack.extend((r.all or []) + (r.any or []) + (r.of or []) + ([r.not_] if r.not_ else []))


def other_rulesets(ruleset: RuleSet) -> list[tuple[str, tuple[str, ...]]]:
    """The other rule sets' lists that ``ruleset``'s rules read (``on_lists``).

    >>> from kvarter.screening.rules import load_ruleset
    >>> other_rulesets(load_ruleset("city-7"))[0][0]
    'dk-2024'
    >>> other_rulesets(load_ruleset("dk-2024"))
    []"""
    out = []
    for ldef in ruleset.lists.values():
        for r in walk(ldef.rule):
            if r.on_lists is not None:
                out.append((r.on_lists.ruleset, tuple(r.on_lists.lists)))
    return out


def evaluate(rule: Rule, i: int, area: str, met: dict, lists: dict, ctx: Context) -> tuple[bool, str]:
    """Whether area ``i`` meets ``rule``, and how it came out as text.

    >>> from kvarter.screening.rules import load_ruleset
    >>> rs = load_ruleset("dk-2024")
    >>> ctx = Context(rs, 2024, HistoryIndex(None), {}, {}, continues_map(rs))
    >>> met = {c: np.array([c in ("employment", "income", "non_western")]) for c in rs.criteria}
    >>> evaluate(rs.lists["udsat_boligomraade"].rule, 0, "a", met, {}, ctx)
    (True, 'at least 2 of 4: 2 met (employment, income)')"""
    if rule.ref is not None:
        src = met if rule.ref in met else lists
        return bool(src[rule.ref][i]), rule.ref
    if rule.all is not None or rule.any is not None:
        kids = [evaluate(r, i, area, met, lists, ctx) for r in (rule.all or rule.any)]
        ok = all(k[0] for k in kids) if rule.all is not None else any(k[0] for k in kids)
        word = "all" if rule.all is not None else "any"
        return ok, f"{word} of (" + ", ".join(("✓ " if k[0] else "✗ ") + k[1] for k in kids) + ")"
    if rule.of is not None:
        kids = [evaluate(r, i, area, met, lists, ctx) for r in rule.of]
        n = sum(k[0] for k in kids)
        names = [k[1] for k in kids if k[0]]
        return n >= rule.at_least, (
            f"at least {rule.at_least} of {len(kids)}: {n} met" + (f" ({', '.join(names)})" if names else "")
        )
    if rule.not_ is not None:
        ok, text = evaluate(rule.not_, i, area, met, lists, ctx)
        return not ok, f"not ({text})"
    if rule.consecutive is not None:
        return _consecutive(rule, i, area, lists, ctx)
    return _on_lists(rule, area, ctx)


def _consecutive(rule: Rule, i: int, area: str, lists: dict, ctx: Context) -> tuple[bool, str]:
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


def _on_lists(rule: Rule, area: str, ctx: Context) -> tuple[bool, str]:
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


def designate(rs: RuleSet, ids: list[str], met: dict, in_pop: np.ndarray, pop_notes: list[list[str]],
              ctx: Context) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
    """Per list: whether each area is on it, and the rule's text for each area.

    >>> from kvarter.screening.rules import load_ruleset
    >>> rs = load_ruleset("dk-2024")
    >>> ctx = Context(rs, 2024, HistoryIndex(None), {}, {}, continues_map(rs))
    >>> met = {c: np.array([c in ("employment", "income", "non_western")] * 2) for c in rs.criteria}
    >>> on, text = designate(rs, ["a", "b"], met, np.array([True, False]), [[], ["no residents"]], ctx)
    >>> on["parallelsamfund"].tolist(), text["parallelsamfund"][1]
    ([True, False], 'outside the population: no residents')"""
    n = len(ids)
    lists: dict[str, np.ndarray] = {}
    texts: dict[str, list[str]] = {}
    for lid in ctx.order:
        vals, text = np.zeros(n, dtype=bool), []
        for i in range(n):
            if not in_pop[i]:
                text.append("outside the population: " + "; ".join(pop_notes[i]))
                continue
            ok, t = evaluate(rs.lists[lid].rule, i, ids[i], met, lists, ctx)
            vals[i] = ok
            text.append(("designated: " if ok else "not designated: ") + t)
        lists[lid] = vals
        texts[lid] = text
    return lists, texts


def positive_criteria(rs: RuleSet, list_id: str) -> list[str]:
    """The criteria whose being met helps put an area on ``list_id`` (not those read under a ``not``),
    through the rule set's other lists, in declared order.

    >>> from kvarter.screening.rules import load_ruleset
    >>> positive_criteria(load_ruleset("dk-2024"), "parallelsamfund")
    ['employment', 'crime', 'education', 'income', 'non_western']
    """
    seen: set[str] = set()
    stack: list[Rule] = [rs.lists[list_id].rule]
    lists_seen = {list_id}
    while stack:
        r = stack.pop()
        if r.not_ is not None:
            continue
        stack.extend((r.all or []) + (r.any or []) + (r.of or []))
        nxt = r.ref if r.ref is not None else (r.consecutive.list if r.consecutive is not None else None)
        if nxt is not None and nxt in rs.lists and nxt not in lists_seen:
            lists_seen.add(nxt)
            stack.append(rs.lists[nxt].rule)
        elif nxt is not None and nxt in rs.criteria:
            seen.add(nxt)
    return [c for c in rs.criteria if c in seen]


def coupled(rs: RuleSet, cid: str, thresholds: dict[str, np.ndarray], i: int) -> list[str]:
    """The criteria that stop being met with ``cid`` when its value moves across its threshold:
    those on the same indicator, in the same direction, whose threshold is at least as strict.

    >>> from kvarter.screening.rules import load_ruleset
    >>> rs = load_ruleset("dk-2024")
    >>> thr = {c: np.array([rs.criteria[c].threshold]) for c in rs.criteria}
    >>> coupled(rs, "prevention_employment", thr, 0), coupled(rs, "employment", thr, 0)
    (['employment', 'prevention_employment'], ['employment'])
    """
    c = rs.criteria[cid]
    up = c.op in (">", ">=")
    out = []
    for other, o in rs.criteria.items():
        if (o.indicator, o.relative_to) != (c.indicator, c.relative_to) or (o.op in (">", ">=")) != up:
            continue
        t, t0 = thresholds[other][i], thresholds[cid][i]
        if other == cid or (np.isfinite(t) and np.isfinite(t0) and (t >= t0 if up else t <= t0)):
            out.append(other)
    return out


def lists_after(rs: RuleSet, i: int, area: str, unmet: list[str], met: dict, lists: dict, ctx: Context) -> dict[str, bool]:
    """The lists area ``i`` would be on with the criteria ``unmet`` no longer met, everything else the same.

    >>> from kvarter.screening.rules import load_ruleset
    >>> rs = load_ruleset("dk-2024")
    >>> ctx = Context(rs, 2024, HistoryIndex(None), {}, {}, continues_map(rs))
    >>> met = {c: np.array([c in ("employment", "income", "non_western", "prevention_employment",
    ...     "prevention_income", "prevention_non_western")]) for c in rs.criteria}
    >>> on, _ = designate(rs, ["a"], met, np.array([True]), [[]], ctx)
    >>> [k for k, v in lists_after(rs, 0, "a", ["employment"], met, on, ctx).items() if v]
    ['forebyggelsesomraade']"""
    met_mod = dict(met)
    for cid in unmet:
        met_mod[cid] = met[cid].copy()
        met_mod[cid][i] = False
    lists_mod: dict[str, np.ndarray] = {}
    for lid in ctx.order:
        lists_mod[lid] = lists[lid].copy()
        lists_mod[lid][i] = evaluate(rs.lists[lid].rule, i, area, met_mod, lists_mod, ctx)[0]
    return {lid: bool(lists_mod[lid][i]) for lid in rs.lists}


def pivotal(rs: RuleSet, ids: list[str], met: dict, lists: dict, ctx: Context) -> dict[str, list[str]]:
    """Per list and area, the met criteria whose loss alone would take the area off the list.

    >>> from kvarter.screening.rules import load_ruleset
    >>> rs = load_ruleset("dk-2024")
    >>> ctx = Context(rs, 2024, HistoryIndex(None), {}, {}, continues_map(rs))
    >>> met = {c: np.array([c in ("employment", "income", "non_western")]) for c in rs.criteria}
    >>> on, _ = designate(rs, ["a"], met, np.array([True]), [[]], ctx)
    >>> pivotal(rs, ["a"], met, on, ctx)["parallelsamfund"]
    ['employment, income, non_western']"""
    out = {lid: [""] * len(ids) for lid in rs.lists}
    for i, area in enumerate(ids):
        on = [lid for lid in rs.lists if lists[lid][i]]
        if not on:
            continue
        hits: dict[str, list[str]] = {lid: [] for lid in on}
        for cid in met:
            if not met[cid][i]:
                continue
            after = lists_after(rs, i, area, [cid], met, lists, ctx)
            for lid in on:
                if not after[lid]:
                    hits[lid].append(cid)
        for lid in on:
            out[lid][i] = ", ".join(hits[lid])
    return out


def list_history(index: HistoryIndex, ids, year, id_list, now, no_residents) -> list[str]:
    """Entered, stayed, left or not listed, with the earlier years on the list.

    >>> h = HistoryIndex(pd.DataFrame({"year": [2023], "area_id": ["a"], "list": ["l"], "designated": [True],
    ...                                "in_force": [True]}))
    >>> list_history(h, ["a", "b"], 2024, ["l"], [False, False], [False, True])
    ['left; on the list in 2023', 'not listed (no residents)']"""
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
            if no_residents[i]:
                change += " (no residents)"
        if on_years:
            change += f"; on the list in {', '.join(map(str, on_years))}"
        out.append(change)
    return out
