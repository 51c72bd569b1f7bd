"""What works for whom in areas like mine, and how the registered outcomes are moving.

:func:`what_works` keeps the initiatives with evidence at or above a chosen
level whose target groups match the screening criteria an area meets, ranked
by the strength of evidence, then by whether the interval lies wholly on the
favourable side, then by the favourable effect. (Effects measured on
different scales are not comparable; the last key only orders ties.)

:func:`outcome_progress` follows each initiative's outcome indicators in its
areas over the years against the municipality; :func:`principle_progress`
says, for each principle's outcome statements, how their indicators moved in
the areas where initiatives serving the principle run, against the
municipality. Both keep the counts behind each value (numerator,
denominator, persons) so a publication layer can apply a minimum count.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.registry.models import Initiative, PrincipleSet
from kvarter.registry.scales import parse_threshold
from kvarter.registry.targets import criteria_for

WHAT_WORKS_COLUMNS = [
    "rank", "initiative", "name", "status", "matched_groups", "matched_criteria", "runs_here", "areas",
    "evidence", "design", "scale", "level", "strength", "effect", "low", "high", "interval", "measure",
    "better", "clear", "follow_up_months", "evaluation_id",
]
OUTCOME_COLUMNS = [
    "initiative", "indicator", "better", "area_id", "municipality", "year", "value", "numerator", "denominator",
    "persons", "municipality_value", "municipality_numerator", "municipality_denominator", "municipality_persons",
    "baseline", "baseline_year", "target", "target_year",
]
PRINCIPLE_COLUMNS = [
    "principle", "statement", "indicator", "better", "area_id", "initiatives", "first_year", "last_year",
    "first_value", "last_value", "change", "municipality_change", "relative_change", "moving",
    "persons_first", "persons_last",
]


def met_criteria(screening_criteria: pd.DataFrame, area: str, year: int | None = None) -> tuple[set[str], int | None]:
    """The criteria ``area`` meets under any rule set in ``year`` (default: its latest year), and the year.

    >>> crit = pd.DataFrame({"ruleset": ["city-7", "city-7", "dk-2024"], "year": [2024] * 3,
    ...     "area_id": ["A1"] * 3, "criterion": ["employment", "health", "income"], "met": [True, False, True]})
    >>> met, year = met_criteria(crit, "A1")
    >>> sorted(met), year
    (['employment', 'income'], 2024)
    """
    rows = screening_criteria[screening_criteria["area_id"].astype(str) == str(area)]
    if rows.empty:
        return set(), None
    year = int(rows["year"].max()) if year is None else int(year)
    rows = rows[(rows["year"] == year) & rows["met"].astype(bool)]
    return set(rows["criterion"].astype(str)), year


def rank_what_works(initiatives: Iterable[Initiative], met: set[str], area: str | None = None,
                    min_level: str = "sms:3") -> pd.DataFrame:
    """Initiatives with evidence at or above ``min_level`` whose target groups match criteria in ``met``.

    Each initiative appears once, with its strongest evidence; ``runs_here``
    says whether it already runs in ``area``.

    >>> a = Initiative.model_validate({"id": "job", "name": "Jobkonsulenter", "areas": ["X"], "status": "running",
    ...     "start": "2020-01-01", "target_groups": ["unemployed"], "evidence": [{"id": "e", "design": "quasi_experiment",
    ...     "scale": "sms", "level": 3, "effect": 0.03, "low": 0.01, "high": 0.05}]})
    >>> b = Initiative.model_validate({"id": "cafe", "name": "Lektiecafé", "areas": ["X"], "status": "running",
    ...     "start": "2020-01-01", "target_groups": ["children"], "evidence": [{"id": "e", "design": "before_after",
    ...     "scale": "som", "level": 1}]})
    >>> rank_what_works([a, b], {"employment"}, "Y")[["rank", "initiative", "matched_criteria", "strength"]].values.tolist()
    [[1, 'job', 'employment', 3]]
    >>> rank_what_works([a, b], {"employment", "child_poverty"}, "Y")["initiative"].tolist()
    ['cafe', 'job']
    """
    threshold = parse_threshold(min_level)
    rows = []
    for rec in initiatives:
        if rec.withdrawn:
            continue
        good = [e for e in rec.evidence if e.strength >= threshold]
        if not good:
            continue
        groups, crits = [], set()
        for g in rec.target_groups:
            wanted = criteria_for(g)
            if wanted is None:
                groups.append(g)
            elif wanted & met:
                groups.append(g)
                crits |= wanted & met
        if not groups:
            continue
        best = max(good, key=lambda e: (e.strength, e.clear, e.favourable if e.favourable is not None else -np.inf))
        rows.append({
            "initiative": rec.id, "name": rec.name, "status": rec.status, "matched_groups": ", ".join(groups),
            "matched_criteria": ", ".join(sorted(crits)), "runs_here": area in rec.areas if area else False,
            "areas": ", ".join(rec.areas), "evidence": best.id, "design": best.design, "scale": best.scale,
            "level": str(best.level), "strength": best.strength, "effect": best.effect, "low": best.low,
            "high": best.high, "interval": best.interval, "measure": best.measure, "better": best.better,
            "clear": best.clear, "follow_up_months": best.follow_up_months, "evaluation_id": best.evaluation_id,
            "_fav": best.favourable if best.favourable is not None else -np.inf,
        })
    frame = pd.DataFrame(rows, columns=[c for c in WHAT_WORKS_COLUMNS if c != "rank"] + ["_fav"])
    frame = frame.sort_values(["strength", "clear", "_fav", "initiative"], ascending=[False, False, False, True],
                              ignore_index=True).drop(columns="_fav")
    frame.insert(0, "rank", np.arange(1, len(frame) + 1, dtype=np.int64))
    frame["strength"] = frame["strength"].astype("int64")
    return frame


def what_works(registry, area: str, *, min_level: str = "sms:3", year: int | None = None,
               met: Iterable[str] | None = None, as_of=None) -> pd.DataFrame:
    """What works for whom in areas like ``area``: :func:`rank_what_works` over the registry's initiatives,
    with the criteria ``area`` meets read from the store's ``screening_criteria`` (or given as ``met``).

    >>> from kvarter.store import Store
    >>> from kvarter.registry import Registry
    >>> what_works(Registry(Store(":memory:")), "A1")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no screening results (screening_criteria); run kvarter screen first, or pass met=[...] (criteria such as employment, income).
    """
    if met is None:
        crit = registry._tables.read_table("screening_criteria")
        if crit is None:
            raise InputError("The store has no screening results (screening_criteria); run kvarter screen first, "
                             "or pass met=[...] (criteria such as employment, income).")
        met, _ = met_criteria(crit, area, year)
    return rank_what_works(registry.initiatives(as_of=as_of), set(met), area, min_level)


def _indicator_rows(indicators: pd.DataFrame, indicator: str, level: str) -> pd.DataFrame:
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["level"] == level)]
    return rows.assign(unit_id=rows["unit_id"].astype(str))


def outcome_progress(initiatives: Iterable[Initiative], indicators: pd.DataFrame) -> pd.DataFrame:
    """Each initiative's outcome indicators in each of its areas and years, beside the municipality's.

    ``indicators`` is the store's indicator table (indicator, level, unit_id,
    municipality, year, value, numerator, denominator, persons).

    >>> ind = pd.DataFrame({"indicator": ["u"] * 4, "level": ["area", "area", "municipality", "municipality"],
    ...     "unit_id": ["A1", "A1", "M", "M"], "municipality": ["M"] * 4, "year": [2023, 2024, 2023, 2024],
    ...     "value": [0.30, 0.27, 0.10, 0.10], "numerator": [30, 27, 100, 100], "denominator": [100] * 2 + [1000] * 2,
    ...     "persons": [100] * 2 + [1000] * 2})
    >>> rec = Initiative.model_validate({"id": "job", "name": "J", "areas": ["A1"], "status": "running",
    ...     "start": "2020-01-01", "outcomes": [{"indicator": "u", "better": "lower", "baseline": 0.3, "target": 0.25}]})
    >>> outcome_progress([rec], ind)[["year", "value", "municipality_value", "target"]].values.tolist()
    [[2023.0, 0.3, 0.1, 0.25], [2024.0, 0.27, 0.1, 0.25]]
    """
    parts = []
    for rec in initiatives:
        for o in rec.outcomes:
            area = _indicator_rows(indicators, o.indicator, "area")
            area = area[area["unit_id"].isin(rec.areas)]
            if area.empty:
                continue
            muni = _indicator_rows(indicators, o.indicator, "municipality")[
                ["unit_id", "year", "value", "numerator", "denominator", "persons"]].rename(columns={
                    "unit_id": "municipality", "value": "municipality_value", "numerator": "municipality_numerator",
                    "denominator": "municipality_denominator", "persons": "municipality_persons"})
            area = area.assign(municipality=area["municipality"].astype(str))
            merged = area.merge(muni, on=["municipality", "year"], how="left")
            parts.append(merged.rename(columns={"unit_id": "area_id"}).assign(
                initiative=rec.id, better=o.better, baseline=o.baseline, baseline_year=o.baseline_year,
                target=o.target, target_year=o.target_year))
    if not parts:
        return pd.DataFrame(columns=OUTCOME_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    return out[OUTCOME_COLUMNS].sort_values(["initiative", "indicator", "area_id", "year"], ignore_index=True)


def principle_progress(principle_sets: dict[str, PrincipleSet], initiatives: Iterable[Initiative],
                       indicators: pd.DataFrame) -> pd.DataFrame:
    """How each outcome statement's indicators moved, first to last year, in the areas where
    initiatives serving its principle run, against the municipality.

    ``relative_change`` is the area's change minus its municipality's;
    ``moving`` is ``better``, ``worse`` or ``unchanged`` by the statement's
    direction (``None`` when a value is missing).

    >>> from kvarter.registry.principles import builtin_principle_sets
    >>> ind = pd.DataFrame({"indicator": ["charged_per_1000"] * 4, "level": ["area"] * 2 + ["municipality"] * 2,
    ...     "unit_id": ["A1", "A1", "M", "M"], "municipality": ["M"] * 4, "year": [2020, 2024] * 2,
    ...     "value": [40.0, 31.0, 12.0, 11.0], "numerator": [40, 31, 120, 110], "denominator": [1000] * 4,
    ...     "persons": [1000] * 4})
    >>> rec = Initiative.model_validate({"id": "gade", "name": "G", "areas": ["A1"], "status": "running",
    ...     "start": "2020-01-01", "principles": ["gentofte:8"]})
    >>> t = principle_progress(builtin_principle_sets(), [rec], ind)
    >>> t[["statement", "change", "municipality_change", "relative_change", "moving"]].values.tolist()
    [['8a', -9.0, -1.0, -8.0, 'better']]
    """
    served: dict[str, dict[str, set[str]]] = {}
    for rec in initiatives:
        if rec.withdrawn:
            continue
        for p in rec.principles:
            for a in rec.areas:
                served.setdefault(p, {}).setdefault(a, set()).add(rec.id)
    rows = []
    for ps in principle_sets.values():
        for principle in ps.principles:
            ref = ps.ref(principle.number)
            areas = served.get(ref, {})
            for st in principle.statements:
                for si in st.indicators:
                    area_rows = _indicator_rows(indicators, si.id, "area")
                    muni_rows = _indicator_rows(indicators, si.id, "municipality")
                    for area_id, inits in sorted(areas.items()):
                        series = area_rows[area_rows["unit_id"] == area_id].dropna(subset=["value"]).sort_values("year")
                        if len(series) < 2:
                            continue
                        first, last = series.iloc[0], series.iloc[-1]
                        muni = muni_rows[muni_rows["unit_id"] == str(first["municipality"])].set_index("year")["value"]
                        m_change = (muni.get(last["year"], np.nan) - muni.get(first["year"], np.nan))
                        change = float(last["value"] - first["value"])
                        rel = change - m_change
                        sign = np.sign(rel) if not np.isnan(rel) else np.nan
                        moving = None if np.isnan(sign) else "unchanged" if sign == 0 else \
                            ("better" if (sign < 0) == (si.better == "lower") else "worse")
                        rows.append({
                            "principle": ref, "statement": st.id, "indicator": si.id, "better": si.better,
                            "area_id": area_id, "initiatives": ", ".join(sorted(inits)),
                            "first_year": int(first["year"]), "last_year": int(last["year"]),
                            "first_value": float(first["value"]), "last_value": float(last["value"]),
                            "change": change, "municipality_change": float(m_change), "relative_change": float(rel),
                            "moving": moving, "persons_first": first.get("persons"), "persons_last": last.get("persons"),
                        })
    return pd.DataFrame(rows, columns=PRINCIPLE_COLUMNS)
