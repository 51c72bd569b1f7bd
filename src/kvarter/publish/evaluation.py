"""Evaluation results as protected tables: a programme's effect over event
time (joining now vs waiting), its cumulative months, balance, subgroups and
cost-effectiveness, and the area-level event study of a staggered adoption.

The rule (issue 15): an effect is published only for a group whose treated
*and* comparison counts each reach the policy's minimum. Every row carries
``n_treated`` and ``n_control``; the count protection works on is their
minimum (``persons``: for a programme, persons; for areas, the areas behind
the row — each of them many residents, so the rule is stricter than the
persons' rule). Balance tables carry standardised differences of group means
only; the propensity histogram, the bootstrap replicates and the list of
treated persons never leave (a table with a ``person_id`` column is refused).

Within a subgroup (education, age band, ...) the levels' counts nearly add up
to the programme's total published in ``effects_curve``: where one level is
suppressed, the next smallest is suppressed too (reason ``linked``), so no
small level's count follows from the total minus the others.

Tables (keys first; ``programme`` or ``analysis`` names the evaluation):

* ``effects_curve`` — programme, event_time | effect, se, lower, upper,
  treated_mean, net_share, n_treated, n_control;
* ``effects_cumulative`` — programme, event_time | cumulative, lower, upper, n_treated, n_control;
* ``effects_summary`` — programme | horizon, lock_in_months, lock_in_depth,
  break_even, cumulative, cumulative_lower, cumulative_upper, net_benefit,
  cost_break_even, n_treated, n_control;
* ``effects_balance`` — programme, covariate | smd_before, smd_after, n_treated, n_control;
* ``effects_subgroups`` — programme, subgroup, level, event_time | effect, lower, upper, n_treated, n_control;
* ``effects_subgroup_summary`` — programme, subgroup, level | cumulative, lower,
  upper, difference, p_value, n_treated, n_control (the forest plot);
* ``effects_cost`` — programme, event_time | value_gained, net_benefit, lower, upper, n_treated, n_control;
* ``effects_sensitivity`` — programme, monthly_value, discount_rate | net_benefit, break_even, n_treated, n_control;
* ``effects_areas`` — analysis, event_time | att, se, lower, upper, n_treated, n_control;
* ``effects_areas_summary`` — analysis, aggregation | estimate, se, lower, upper,
  pretrend_p, n_treated, n_control.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected, protect
from kvarter.errors import DisclosureError

#: Columns that identify a person: never published.
PERSON_COLUMNS = ("person_id", "household_id")
COUNT = "persons"


def refuse_persons(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Return ``frame`` unless it has a per-person column.

    >>> refuse_persons(pd.DataFrame({"person_id": ["P1"], "duration": [3]}), "treated persons")
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: treated persons: the table has per-person columns ['person_id']; only group figures are published.
    """
    ids = [c for c in PERSON_COLUMNS if c in frame.columns]
    if ids:
        raise DisclosureError(f"{where}: the table has per-person columns {ids}; only group figures are published.")
    return frame


def _protect(frame: pd.DataFrame, key: list[str], policy: DisclosurePolicy, name: str,
             linked: str | None = None) -> Protected:
    t = frame.copy()
    t[COUNT] = np.minimum(t["n_treated"].to_numpy(float), t["n_control"].to_numpy(float))
    return _protect_counted(t, key, policy, name, linked)


def subgroup_links(frame: pd.DataFrame, min_count: int, by=("subgroup",)) -> pd.Series:
    """Rows to suppress as the complement of a small level: per subgroup, when
    exactly one level falls below ``min_count`` (treated or comparison), the next
    smallest level is marked (its count and the programme's total would give the
    small one away).

    >>> f = pd.DataFrame({"subgroup": "education", "level": ["basic", "long", "other"],
    ...                   "n_treated": [40, 3, 25], "n_control": [900, 80, 700]})
    >>> subgroup_links(f, 5).tolist()
    [False, False, True]
    """
    n = np.minimum(frame["n_treated"].to_numpy(float), frame["n_control"].to_numpy(float))
    out = np.zeros(len(frame), dtype=bool)
    levels = frame.assign(_n=n).groupby([*by, "level"], sort=False)["_n"].min().reset_index()
    for _, g in levels.groupby(list(by), sort=False):
        small = g["_n"] < min_count
        if small.sum() == 1 and (~small).any():
            nxt = g.loc[~small].sort_values("_n").iloc[0]
            hit = np.ones(len(frame), dtype=bool)
            for c in [*by, "level"]:
                hit &= (frame[c] == nxt[c]).to_numpy()
            out |= hit
    return pd.Series(out, index=frame.index)


def _with_counts(frame: pd.DataFrame, n_treated: int, n_control: int) -> pd.DataFrame:
    return frame.assign(n_treated=int(n_treated), n_control=int(n_control))


def protect_programme(result, policy: DisclosurePolicy, cost=None) -> dict[str, Protected]:
    """The protected tables of one programme evaluation
    (:class:`~kvarter.evaluation.DynamicEffects`) and, when given, its
    :class:`~kvarter.evaluation.CostEffectiveness`.

    >>> from kvarter.demo.evaluation import inflow_cohorts
    >>> from kvarter.evaluation import dynamic_effects, load_spells
    >>> d = inflow_cohorts(n_persons=2000, seed=2)
    >>> res = dynamic_effects(load_spells(d["persons"], d["months"], d["starts"], d["costs"]), "job_training",
    ...                       horizon=6, n_boot=10, seed=1)
    >>> t = protect_programme(res, DisclosurePolicy())
    >>> sorted(t)
    ['effects_balance', 'effects_cumulative', 'effects_curve', 'effects_summary']
    >>> t["effects_curve"].frame["effect_status"].unique().tolist()
    ['published']
    """
    prog = result.programme
    curve = result.curve.drop(columns=["se"]).assign(se=result.curve["se"])
    curve = curve[["event_time", "effect", "se", "lower", "upper", "treated_mean", "net_share", "n_treated",
                   "n_control"]]
    nt, nc = int(curve["n_treated"].iloc[0]), int(curve["n_control"].iloc[0])
    out = {"effects_curve": _protect(curve.assign(programme=prog), ["programme", "event_time"], policy,
                                     "effects_curve")}
    cum = _with_counts(result.cumulative[["event_time", "cumulative", "lower", "upper"]], nt, nc)
    out["effects_cumulative"] = _protect(cum.assign(programme=prog), ["programme", "event_time"], policy,
                                         "effects_cumulative")
    last = result.cumulative.iloc[-1]
    summary = {
        "programme": prog, "horizon": int(result.horizon), "lock_in_months": int(result.lock_in.duration),
        "lock_in_depth": float(result.lock_in.depth) if result.lock_in.months else np.nan,
        "break_even": np.nan if result.break_even is None else float(result.break_even),
        "cumulative": float(last["cumulative"]), "cumulative_lower": float(last["lower"]),
        "cumulative_upper": float(last["upper"]),
        "net_benefit": np.nan if cost is None else float(cost.net_benefit),
        "cost_break_even": np.nan if cost is None or cost.break_even is None else float(cost.break_even),
        "n_treated": nt, "n_control": nc,
    }
    out["effects_summary"] = _protect(pd.DataFrame([summary]), ["programme"], policy, "effects_summary")
    bal = result.balance[["covariate", "smd_before", "smd_after", "n_treated", "n_control"]]
    out["effects_balance"] = _protect(bal.assign(programme=prog), ["programme", "covariate"], policy,
                                      "effects_balance")
    if result.by_subgroup is not None and len(result.by_subgroup):
        sub = result.by_subgroup[["subgroup", "level", "event_time", "effect", "lower", "upper", "n_treated",
                                  "n_control"]].assign(programme=prog)
        sub["linked"] = subgroup_links(sub, policy.min_count)
        out["effects_subgroups"] = _protect(sub, ["programme", "subgroup", "level", "event_time"], policy,
                                            "effects_subgroups", linked="linked")
        summ = subgroup_summary(result).assign(programme=prog)
        summ["linked"] = subgroup_links(summ, policy.min_count)
        out["effects_subgroup_summary"] = _protect(summ, ["programme", "subgroup", "level"], policy,
                                                   "effects_subgroup_summary", linked="linked")
    if cost is not None:
        ct = cost.table[["event_time", "value_gained", "net_benefit", "lower", "upper", "n_treated", "n_control"]]
        out["effects_cost"] = _protect(ct.assign(programme=prog), ["programme", "event_time"], policy, "effects_cost")
        sens = _with_counts(cost.sensitivity.assign(
            break_even=cost.sensitivity["break_even"].astype(float)), nt, nc).assign(programme=prog)
        out["effects_sensitivity"] = _protect(sens, ["programme", "monthly_value", "discount_rate"], policy,
                                              "effects_sensitivity")
    return out


def subgroup_summary(result) -> pd.DataFrame:
    """Per subgroup level: the cumulative effect over the horizon with its 95 %
    interval, and the difference from the first level with its p-value (the
    forest plot's rows); the counts are the level's.

    The interval is the level's own (``result.subgroup_cumulative``).

    >>> from kvarter.demo.evaluation import inflow_cohorts
    >>> from kvarter.evaluation import dynamic_effects, load_spells
    >>> d = inflow_cohorts(n_persons=2000, seed=2)
    >>> res = dynamic_effects(load_spells(d["persons"], d["months"], d["starts"]), "job_training", horizon=4,
    ...                       n_boot=5, seed=1, subgroups=["education_group"])
    >>> subgroup_summary(res)["level"].tolist()
    ['above_basic', 'basic']
    """
    cum = result.subgroup_cumulative
    tests = result.subgroup_tests if result.subgroup_tests is not None else pd.DataFrame()
    rows = []
    for r in cum.itertuples(index=False):
        t = tests[(tests["subgroup"] == r.subgroup) & (tests["level"] == r.level)] if len(tests) else tests
        rows.append({"subgroup": r.subgroup, "level": r.level, "cumulative": r.cumulative, "lower": r.lower,
                     "upper": r.upper,
                     "difference": float(t["difference"].iloc[0]) if len(t) else np.nan,
                     "p_value": float(t["p_value"].iloc[0]) if len(t) else np.nan,
                     "n_treated": int(r.n_treated), "n_control": int(r.n_control)})
    return pd.DataFrame(rows, columns=["subgroup", "level", "cumulative", "lower", "upper", "difference", "p_value",
                                       "n_treated", "n_control"])


def _area_persons(result, table: pd.DataFrame, key: str, residents) -> np.ndarray:
    # Per row of an aggregation table: the fewer of the residents behind its
    # treated areas and behind the comparison areas of its thinnest cell.
    res = pd.Series(residents).reindex(pd.Index(result.units).astype(str)).fillna(0.0).to_numpy(float)
    G = result.unit_group
    gt = result.att_gt[result.att_gt["att"].notna()]
    out = []
    for v in table[key]:
        cells = gt[gt[key] == v] if key in gt.columns else gt[gt["post"]]
        treated = float(res[np.isin(G, cells["group"].to_numpy(float))].sum())
        comp = np.inf
        for g, t in zip(cells["group"], cells["time"]):
            ctrl = (G == 0) if result.control == "never_treated" else ((G == 0) | ((G > t) & (G != g)))
            comp = min(comp, float(res[ctrl].sum()))
        out.append(min(treated, comp if np.isfinite(comp) else 0.0))
    return np.array(out)


def protect_areas(result, analysis: str, policy: DisclosurePolicy, residents=None) -> dict[str, Protected]:
    """The protected tables of one area-level evaluation
    (:class:`~kvarter.evaluation.StaggeredDiD`): the event study and the
    four aggregations, named by ``analysis`` (e.g. ``"dk-2018: employment_share"``).

    ``n_treated`` and ``n_control`` count areas. With ``residents`` (area →
    residents) the count protection works on is the fewer of the residents
    of the treated areas and of the comparison areas behind a row (each
    area's indicator is published in the indicator table already; the job
    leaves out every cell that table hides); without it, the fewer areas.

    >>> from kvarter.demo.evaluation import designation_panel
    >>> from kvarter.evaluation import staggered_did
    >>> panel, _ = designation_panel(n_units=120, seed=2)
    >>> res = staggered_did(panel, "unit", "year", "first_treated", "outcome", method="reg")
    >>> t = protect_areas(res, "demo", DisclosurePolicy())
    >>> t["effects_areas_summary"].frame["aggregation"].tolist()
    ['simple', 'dynamic', 'group', 'calendar']
    """
    dyn = result.aggregate("dynamic")
    es = dyn.table[["event_time", "att", "se", "lower", "upper", "n_treated", "n_control"]].assign(analysis=analysis)
    rows = []
    p = result.pretrend.get("p_value", np.nan)
    for kind in ("simple", "dynamic", "group", "calendar"):
        a = dyn if kind == "dynamic" else result.aggregate(kind)
        rows.append({"analysis": analysis, "aggregation": kind, "estimate": a.estimate, "se": a.se,
                     "lower": a.ci[0], "upper": a.ci[1], "pretrend_p": p, "n_treated": a.n_treated,
                     "n_control": a.n_control})
    summ = pd.DataFrame(rows)
    if residents is None:
        return {"effects_areas": _protect(es, ["analysis", "event_time"], policy, "effects_areas"),
                "effects_areas_summary": _protect(summ, ["analysis", "aggregation"], policy, "effects_areas_summary")}
    es[COUNT] = _area_persons(result, es, "event_time", residents)
    overall = float(_area_persons(result, pd.DataFrame({"post": [True]}), "post", residents)[0])
    summ[COUNT] = overall
    return {"effects_areas": _protect_counted(es, ["analysis", "event_time"], policy, "effects_areas"),
            "effects_areas_summary": _protect_counted(summ, ["analysis", "aggregation"], policy,
                                                      "effects_areas_summary")}


def _protect_counted(frame: pd.DataFrame, key: list[str], policy: DisclosurePolicy, name: str,
                     linked: str | None = None) -> Protected:
    refuse_persons(frame, name)
    values = [c for c in frame.columns if c not in key and c not in (COUNT, linked)]
    # A row resting on no one (an area without residents, an empty group) is a
    # structural zero to protect(); an estimate there is no zero, so it is dropped, not shown.
    empty = frame[COUNT].to_numpy(float) == 0
    if empty.any():
        frame = frame.copy()
        for c in values:
            if pd.api.types.is_numeric_dtype(frame[c]):
                frame[c] = frame[c].astype(float).where(~empty)
    return protect(frame, policy, key=key, value_columns=values, count_column=COUNT, linked_column=linked, name=name)
