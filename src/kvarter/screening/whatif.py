"""What would it take: the smallest change in each met criterion that takes an area off a list.

For a share ``value = numerator / denominator`` (or a ratio proportional to
it, such as the convicted share against the national average) with the
denominator held fixed, the numerator at the threshold is
``target = threshold × denominator × numerator / (value × denominator)``, and
the smallest whole change is

* ``>``: ``ceil(numerator - target)`` fewer (the value must reach ``<= threshold``);
* ``>=``: ``floor(numerator - target) + 1`` fewer (it must fall below);
* ``<``: ``ceil(target - numerator)`` more; ``<=``: ``floor(target - numerator) + 1`` more.

Without a numerator and denominator (a user's table) the change is relative:
the value must move to the threshold, ``threshold / value - 1``. Whether that
single change takes the area off the list comes from evaluating the rule
set's lists again with that criterion, and every criterion on the same
indicator at least as strict, not met (``lists_after``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.screening.rules import Criterion, RuleSet, load_ruleset

COLUMNS = [
    "ruleset", "year", "area_id", "name", "list", "criterion", "value", "threshold",
    "change_count", "new_value", "relative_change", "change", "sufficient", "lists_after",
]


def count_change(numerator: float, denominator: float, value: float, op: str, threshold: float) -> int:
    """Persons to move out of (``>``, ``>=``) or into (``<``, ``<=``) the numerator so the criterion is not met.

    412 of 1,000 residents aged 18-64 outside work and education (41.2 %)
    against "above 40 %": 12 must move into work or education (400 / 1,000 is
    not above 40 %); against "at least 40 %" it takes 13.

    >>> count_change(412, 1000, 0.412, ">", 0.40), count_change(412, 1000, 0.412, ">=", 0.40)
    (12, 13)
    >>> count_change(30, 1000, 3.0, ">=", 3.0)  # a ratio to the national share of 1 %
    1
    """
    if numerator <= 0 or denominator <= 0 or value <= 0:
        raise InputError(
            f"count_change needs a positive numerator, denominator and value; got {numerator}, {denominator}, {value}."
        )
    target = threshold * numerator / value
    eps = 1e-9
    if op == ">":
        return max(0, math.ceil(numerator - target - eps))
    if op == ">=":
        return max(0, math.floor(numerator - target + eps) + 1)
    if op == "<":
        return max(0, math.ceil(target - numerator - eps))
    if op == "<=":
        return max(0, math.floor(target - numerator + eps) + 1)
    raise InputError(f"count_change: unknown comparison {op!r}; expected one of >, >=, <, <=.")


def _pct(x: float) -> str:
    return f"{abs(x) * 100:.1f} %"


def describe(crit: Criterion, cid: str, v: float, t: float, num: float, den: float) -> dict:
    """The smallest change that stops criterion ``cid`` (value ``v``, threshold ``t``) being met.

    >>> rs = load_ruleset("dk-2024")
    >>> describe(rs.criteria["employment"], "employment", 0.412, 0.40, 412, 1000)["change"]
    '12 more residents aged 18-64 in work or education'
    >>> describe(rs.criteria["income"], "income", 0.50, 0.55, float("nan"), float("nan"))["change"]
    "average gross income 10.0 % higher (0.5 → 0.55 of the region's)"
    """
    rel = t / v - 1 if v != 0 else np.nan
    new_value = t
    if crit.what_if.mode == "count" and np.isfinite(num) and np.isfinite(den) and num > 0 and den > 0 and v > 0:
        n = count_change(num, den, v, crit.op, t)
        scale = v / (num / den)
        new_value = (num - n if crit.op in (">", ">=") else num + n) / den * scale
        text = crit.what_if.template.format(n=n)
        return {"change_count": n, "new_value": new_value, "relative_change": new_value / v - 1, "change": text}
    if crit.what_if.mode == "count":
        word = "fall" if crit.op in (">", ">=") else "rise"
        bound = "below" if crit.op == ">=" else "above" if crit.op == "<=" else "to"
        text = f"{cid} must {word} {bound} {t:.4g} from {v:.4g} ({_pct(rel)}; no counts known, so a relative change)"
    else:
        text = crit.what_if.template.format(pct=_pct(rel), old=f"{v:.4g}", new=f"{t:.4g}")
        if crit.op == ">=":
            text += " (to just below the threshold)"
    return {"change_count": np.nan, "new_value": new_value, "relative_change": rel, "change": text}


def what_if_table(rs: RuleSet, year: int, ids: list[str], names, criteria: pd.DataFrame, met: dict,
                  lists: dict, ctx) -> pd.DataFrame:
    """Per area on a list and per criterion that helps put it there and is met: the change, and the
    lists the area would be on after it.

    The change moves the criterion's value across its threshold, so every
    criterion on the same indicator with a threshold at least as strict stops
    being met with it (:func:`kvarter.screening.lists.coupled`); the rule set's
    lists are then evaluated again (``lists_after``, ``sufficient`` = the list
    is not among them). A list the area would stay on with none of its own
    criteria met (it is there because it is on another rule set's list) offers
    no change of its own criteria as a way out.

    >>> from kvarter.screening.criteria import evaluate_criteria
    >>> from kvarter.screening.lists import Context, HistoryIndex, continues_map, designate
    >>> from kvarter.screening.values import criterion_values
    >>> rs = load_ruleset("dk-2024")
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.45], "convicted_ratio_to_national": [1.0],
    ...     "basic_education_share": [0.2], "income_ratio_to_region": [0.5], "non_western_share": [0.35]})
    >>> crit = evaluate_criteria(criterion_values(user, rs, 2024), rs, 2024, np.array([True]))
    >>> met = {c: p["met"].to_numpy() for c, p in crit.groupby("criterion", sort=False)}
    >>> ctx = Context(rs, 2024, HistoryIndex(None), {}, {}, continues_map(rs))
    >>> on, _ = designate(rs, ["a"], met, np.array([True]), [[]], ctx)
    >>> what_if_table(rs, 2024, ["a"], ["A"], crit, met, on, ctx)[["list", "criterion", "lists_after"]].values.tolist()
    [['udsat_boligomraade', 'employment', 'forebyggelsesomraade'], ['udsat_boligomraade', 'income', 'forebyggelsesomraade']]
    """
    from kvarter.screening.lists import coupled, lists_after, positive_criteria

    by = {cid: {f: part[f].to_numpy(dtype=float) for f in ("value", "threshold", "numerator", "denominator")}
          for cid, part in criteria.groupby("criterion", sort=False)}
    thresholds = {cid: by[cid]["threshold"] for cid in by}
    own = {lid: positive_criteria(rs, lid) for lid in rs.lists}
    rows = []
    for i, area in enumerate(ids):
        on = [lid for lid in rs.lists if lists[lid][i]]
        if not on:
            continue
        after_of: dict[str, dict[str, bool]] = {}
        for lid in on:
            if lists_after(rs, i, area, own[lid], met, lists, ctx)[lid]:
                continue  # held by another list: no way out through its own criteria
            for cid in own[lid]:
                if not met[cid][i]:
                    continue
                if cid not in after_of:
                    after_of[cid] = lists_after(rs, i, area, coupled(rs, cid, thresholds, i), met, lists, ctx)
                after = after_of[cid]
                c = {f: float(col[i]) for f, col in by[cid].items()}
                d = describe(rs.criteria[cid], cid, c["value"], c["threshold"], c["numerator"], c["denominator"])
                rows.append({
                    "ruleset": rs.id, "year": int(year), "area_id": area, "name": names[i], "list": lid,
                    "criterion": cid, "value": c["value"], "threshold": c["threshold"], **d,
                    "sufficient": not after[lid], "lists_after": ", ".join(k for k, v in after.items() if v),
                })
    return pd.DataFrame(rows, columns=COLUMNS)


def what_would_it_take(result, ruleset: str | RuleSet | None = None) -> pd.DataFrame:
    """For every area on a list, per met criterion the smallest change that stops it being met.

    ``result`` is :func:`screen`'s :class:`~kvarter.screening.result.ScreeningResult`;
    ``ruleset``, when given, must be the rule set it was screened with.
    ``sufficient`` says whether that change alone takes the area off the
    list, ``lists_after`` the lists it would be on after it (another list may
    take over: a parallel society that loses a criterion may become a
    prevention area).

    >>> from kvarter.screening.designate import screen
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54],
    ...     "non_western_share": [0.62],
    ...     "outside_labour_education_share_numerator": [688],
    ...     "outside_labour_education_share_denominator": [1600]})
    >>> w = what_would_it_take(screen(user, "dk-2024", 2024))
    >>> for r in w[w.list == "udsat_boligomraade"].itertuples():
    ...     print(f"{r.criterion}: {r.change} (alone enough: {r.sufficient}; then on: {r.lists_after or 'none'})")
    employment: 48 more residents aged 18-64 in work or education (alone enough: False; then on: udsat_boligomraade, parallelsamfund)
    crime: crime must fall below 3 from 3.1 (3.2 %; no counts known, so a relative change) (alone enough: False; then on: udsat_boligomraade, parallelsamfund)
    income: average gross income 1.9 % higher (0.54 → 0.55 of the region's) (alone enough: False; then on: udsat_boligomraade, parallelsamfund)
    """
    w = result.what_if
    if ruleset is not None and len(w):
        rs = load_ruleset(ruleset)
        other = set(w["ruleset"]) - {rs.id}
        if other:
            raise InputError(f"what_would_it_take got rule set {rs.id} for results of rule set {sorted(other)[0]}.")
    return w.reset_index(drop=True)
