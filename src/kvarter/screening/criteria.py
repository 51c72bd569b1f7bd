"""The population a rule set screens and each criterion held against its threshold.

A criterion is ``value OP threshold``, with the threshold a number or a
multiple of a reference level's value. It is *computable* when both the
value and the threshold are known; a criterion that cannot be computed (a
value missing, an area with no residents) is not met, and says why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.screening.result import CRITERIA_COLUMNS, empty_table
from kvarter.screening.rules import COMPARISONS, RuleSet

NO_RESIDENTS = "no residents"


def fmt(v: float) -> str:
    """A value as the explanations print it: four significant digits, shares without trailing zeros.

    >>> fmt(0.4300), fmt(3.1), fmt(float("nan")), fmt(0)
    ('0.43', '3.1', 'n/a', '0')
    """
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "n/a"
    return f"{v:.4g}" if abs(v) >= 1 else f"{v:.4f}".rstrip("0").rstrip(".") if v != 0 else "0"


def population(frame: pd.DataFrame, rs: RuleSet) -> tuple[np.ndarray, list[list[str]]]:
    """Per area: in the rule set's population or not, and the notes saying why.

    An area with no residents is never in the population, whatever the rule
    set's minimum: there is nobody to screen.

    >>> from kvarter.screening.rules import load_ruleset
    >>> f = pd.DataFrame({"residents": [1500, 999, 0], "social_housing": True, "social_housing_note": ""})
    >>> in_pop, notes = population(f, load_ruleset("dk-2024"))
    >>> in_pop.tolist(), notes
    ([True, False, False], [[], ['999 residents < 1000'], ['no residents']])
    """
    n = len(frame)
    pop = rs.population
    in_pop = np.ones(n, dtype=bool)
    notes: list[list[str]] = [[] for _ in range(n)]
    residents = frame["residents"].to_numpy(dtype=float)
    for i in range(n):
        if residents[i] == 0:
            in_pop[i] = False
            notes[i].append(NO_RESIDENTS)
        elif pop.min_residents > 0 and np.isnan(residents[i]):
            in_pop[i] = False
            notes[i].append("residents unknown")
        elif pop.min_residents > 0 and residents[i] < pop.min_residents:
            in_pop[i] = False
            notes[i].append(f"{residents[i]:.0f} residents < {pop.min_residents:g}")
    if pop.social_housing:
        sh = frame["social_housing"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        for i in range(n):
            if not sh[i]:
                in_pop[i] = False
                notes[i].append("not a social housing area")
            elif frame["social_housing_note"].iloc[i]:
                notes[i].append(frame["social_housing_note"].iloc[i])
    if pop.kinds:
        kinds = frame["kind"].to_numpy()
        for i in range(n):
            if kinds[i] not in pop.kinds:
                in_pop[i] = False
                notes[i].append(f"kind {kinds[i]!r} not in {pop.kinds}")
    return in_pop, notes


def evaluate_criteria(frame: pd.DataFrame, rs: RuleSet, year: int, in_pop: np.ndarray) -> pd.DataFrame:
    """One row per criterion and area (criterion by criterion, areas in the frame's order).

    Columns as :data:`kvarter.screening.result.CRITERIA_COLUMNS`. ``met``
    holds only inside the population; ``text`` is the criterion's line of the
    explanation.

    >>> from kvarter.screening.rules import load_ruleset
    >>> from kvarter.screening.values import criterion_values
    >>> rs = load_ruleset("dk-2010")
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2012], "residents": [1200], "non_western_share": [0.55],
    ...     "outside_labour_education_share": [0.41], "convicted_share": [None]})
    >>> c = evaluate_criteria(criterion_values(user, rs, 2012), rs, 2012, np.array([True]))
    >>> c[["criterion", "met", "computable"]].values.tolist()
    [['non_western', True, True], ['employment', True, True], ['crime', False, False]]
    >>> c["text"].iloc[2]
    'crime: not met — convicted_share not given for 2012; the criterion cannot be computed, and a criterion that cannot be computed counts as not met'
    """
    ids = frame.index.astype(str).to_numpy()
    no_residents = frame["residents"].to_numpy(dtype=float) == 0
    parts = []
    for cid, crit in rs.criteria.items():
        v = frame[f"{cid}__value"].to_numpy(dtype=float)
        ref = frame[f"{cid}__reference"].to_numpy(dtype=float)
        thr = crit.threshold * ref if crit.relative_to else np.full(len(v), float(crit.threshold))
        computable = ~np.isnan(v) & ~np.isnan(thr)
        with np.errstate(invalid="ignore"):
            # 2.7 / 100 is 0.027000000000000003 in binary floating point: a value equal to
            # the threshold up to representation noise is equal, not above it.
            equal = np.isclose(v, thr, rtol=1e-12, atol=0.0)
            met = np.where(equal, crit.op in (">=", "<="), COMPARISONS[crit.op](v, thr)) & computable
        margin = v - thr
        notes = frame[f"{cid}__note"].astype(object).to_numpy().copy()
        texts = []
        for i in range(len(v)):
            if not computable[i]:
                why = NO_RESIDENTS if no_residents[i] else (notes[i] or "value missing")
                notes[i] = why
                texts.append(f"{cid}: not met — {why}; the criterion cannot be computed, "
                             "and a criterion that cannot be computed counts as not met")
                continue
            held = (
                f"{crit.threshold:g} × {crit.relative_to} {fmt(ref[i])} = {fmt(thr[i])}"
                if crit.relative_to else fmt(thr[i])
            )
            line = f"{cid}: {fmt(v[i])} {crit.op} {held}: {'met' if met[i] else 'not met'}, margin {margin[i]:+.4g}"
            if crit.rounding > 0 and abs(margin[i]) <= crit.rounding + 1e-12:
                extra = "on the threshold within the published rounding; the unrounded value decides"
                line += f" ({extra})"
                notes[i] = (notes[i] + "; " if notes[i] else "") + extra
            texts.append(line)
        parts.append(pd.DataFrame({
            "ruleset": rs.id, "year": int(year), "area_id": ids, "criterion": cid,
            "value": v, "threshold": thr, "reference": ref, "met": met & in_pop, "margin": margin,
            "computable": computable, "note": notes,
            "numerator": frame[f"{cid}__numerator"].to_numpy(dtype=float),
            "denominator": frame[f"{cid}__denominator"].to_numpy(dtype=float),
            "text": texts,
        }))
    return pd.concat(parts, ignore_index=True) if parts else empty_table(CRITERIA_COLUMNS)
