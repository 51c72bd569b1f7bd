"""The registry of initiatives as protected tables: what runs where, with its
evidence, the principles it serves and its outcome indicators.

The registry's text (names, statuses, target groups, partners, principles)
is not a statistic, but each row is about an area, so it is published on
the terms of the area's row in the indicator table: the persons behind it are
the area's residents in the report year, and a row whose residents cell is
hidden there is linked (suppressed whole, :mod:`kvarter.publish.links`).
Outcome indicators restate indicator cells: the latest value of each in the
initiative's area beside its municipality's, with the cell's persons and
numerator, linked to every indicator-table cell it rests on (a pooled or
ratio indicator rests on its base cells over its years and levels).

Tables (keys first):

* ``initiatives`` — initiative, area_id | name, area, status, start, end,
  target_groups, principles, partners, evaluations, best_evidence,
  evidence_strength, example; count ``residents``.
* ``initiative_outcomes`` — initiative, area_id, indicator, name, area, year |
  better, baseline, baseline_year, target, target_year, value,
  municipality_value; count ``persons``.
* ``initiative_evidence`` — initiative, evidence | name, design, scale, level,
  strength, effect, effect_low, effect_high, interval, measure, indicator,
  follow_up_months, reviewed, assessor; count ``residents`` (of all its areas).
* ``principles_served`` — principle, initiative | set, number, title_en,
  title_da, title_no, title_nl, name, areas; count ``residents``.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from kvarter.disclosure import Protected, protect
from kvarter.publish.indicators import with_share_numerator
from kvarter.publish.links import any_hidden, criterion_cells

INITIATIVE_COLUMNS = ["initiative", "area_id", "name", "area", "status", "start", "end", "target_groups",
                      "principles", "partners", "evaluations", "best_evidence", "evidence_strength", "example",
                      "residents", "linked"]
OUTCOME_COLUMNS = ["initiative", "area_id", "indicator", "name", "area", "better", "baseline", "baseline_year",
                   "target", "target_year", "year", "value", "municipality_value", "persons", "numerator",
                   "denominator", "linked"]
EVIDENCE_COLUMNS = ["initiative", "evidence", "name", "design", "scale", "level", "strength", "effect", "effect_low",
                    "effect_high",
                    "interval", "measure", "indicator", "follow_up_months", "reviewed", "assessor", "residents",
                    "linked"]
PRINCIPLE_COLUMNS = ["principle", "initiative", "set", "number", "title_en", "title_da", "title_no", "title_nl",
                     "name", "areas", "residents", "linked"]


def area_residents(indicators: pd.DataFrame, year: int) -> dict[str, float]:
    """Residents per area in ``year`` from an indicator table (its ``residents`` rows).

    >>> ind = pd.DataFrame({"indicator": ["residents", "residents"], "level": ["area", "municipality"],
    ...     "unit_id": ["A", "K"], "year": [2024, 2024], "value": [1200.0, 9000.0]})
    >>> area_residents(ind, 2024)
    {'A': 1200.0}
    """
    r = indicators[(indicators["indicator"] == "residents") & (indicators["level"] == "area")
                   & (indicators["year"] == year)]
    return dict(zip(r["unit_id"].astype(str), r["value"].astype(float)))


def _date(value) -> str | None:
    return None if value is None else value.isoformat()


def initiatives_table(initiatives: Iterable, year: int, residents: Mapping[str, float], area_names: Mapping[str, str],
                      hidden: set | None = None) -> pd.DataFrame:
    """One row per initiative (not withdrawn) and area it runs in (columns :data:`INITIATIVE_COLUMNS`).

    ``residents`` maps an area to its residents in ``year`` (the persons
    behind the row); ``linked`` is true where that cell is in ``hidden``.

    >>> from kvarter.registry import Initiative
    >>> rec = Initiative.model_validate({"id": "job", "name": "Jobcafé", "areas": ["A", "B"], "status": "running",
    ...     "start": "2022-01-01", "principles": ["gentofte:5"], "target_groups": ["unemployed"],
    ...     "evidence": [{"id": "e1", "design": "before_after", "scale": "sms", "level": 2}]})
    >>> t = initiatives_table([rec], 2024, {"A": 1200.0, "B": 800.0}, {"A": "Parken"},
    ...                       hidden={("residents", "area", "B", 2024)})
    >>> t[["area_id", "area", "best_evidence", "residents", "linked"]].values.tolist()
    [['B', 'B', 'sms 2', 800.0, True], ['A', 'Parken', 'sms 2', 1200.0, False]]
    """
    hidden = hidden or set()
    rows = []
    for rec in initiatives:
        if rec.withdrawn:
            continue
        best = rec.best_evidence
        for area in rec.areas:
            rows.append({
                "initiative": rec.id, "area_id": str(area), "name": rec.name, "area": area_names.get(area, area),
                "status": rec.status, "start": _date(rec.start), "end": _date(rec.end),
                "target_groups": ", ".join(rec.target_groups), "principles": ", ".join(rec.principles),
                "partners": ", ".join(p.name for p in rec.partners), "evaluations": len(rec.evidence),
                "best_evidence": f"{best.scale} {best.level}" if best else None,
                "evidence_strength": float(best.strength) if best else np.nan, "example": bool(rec.example),
                "residents": float(residents.get(str(area), 0.0)),
                "linked": ("residents", "area", str(area), int(year)) in hidden,
            })
    return pd.DataFrame(rows, columns=INITIATIVE_COLUMNS).sort_values(["area", "name"], ignore_index=True)


def _cell(indicators: pd.DataFrame, indicator: str, level: str, unit: str, year: int | None = None):
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["level"] == level)
                      & (indicators["unit_id"].astype(str) == unit) & indicators["value"].notna()]
    if year is not None:
        rows = rows[rows["year"] == year]
    return rows.sort_values("year")


def outcomes_table(initiatives: Iterable, indicators: pd.DataFrame, year: int, areas: pd.DataFrame,
                   hidden: set | None = None, catalogue=None) -> pd.DataFrame:
    """Each initiative's outcome indicators in each of its areas: baseline and target as
    registered, the latest value at or before ``year`` and the municipality's that year
    (columns :data:`OUTCOME_COLUMNS`).

    ``persons``, ``numerator`` and ``denominator`` are the area cell's;
    ``linked`` is true where any indicator-table cell the value or the
    municipality's value rests on is in ``hidden``. An outcome with no value
    for the area is left out (nothing to show beside the target).

    >>> from kvarter.registry import Initiative
    >>> ind = pd.DataFrame({"indicator": ["unemployed_share"] * 3, "level": ["area", "area", "municipality"],
    ...     "unit_id": ["A", "A", "K"], "municipality": ["K"] * 3, "year": [2023, 2024, 2024],
    ...     "value": [0.12, 0.10, 0.05], "numerator": [12, 10, 50], "denominator": [100] * 2 + [1000],
    ...     "persons": [100] * 2 + [1000]})
    >>> rec = Initiative.model_validate({"id": "job", "name": "J", "areas": ["A"], "status": "running",
    ...     "start": "2022-01-01", "outcomes": [{"indicator": "unemployed_share", "better": "lower",
    ...     "baseline": 0.12, "target": 0.08}]})
    >>> areas = pd.DataFrame({"area_id": ["A"], "name": ["Parken"], "municipality": ["K"], "region": ["R"]})
    >>> t = outcomes_table([rec], ind, 2024, areas)
    >>> t[["year", "value", "municipality_value", "baseline", "target", "persons", "linked"]].values.tolist()
    [[2024, 0.1, 0.05, 0.12, 0.08, 100.0, False]]
    >>> outcomes_table([rec], ind, 2024, areas, hidden={("unemployed_share", "municipality", "K", 2024)})["linked"].tolist()
    [True]
    """
    hidden = hidden or set()
    names = dict(zip(areas["area_id"].astype(str), areas["name"].astype(str))) if "name" in areas else {}
    muni_of = dict(zip(areas["area_id"].astype(str), areas["municipality"].astype(str))) \
        if "municipality" in areas else {}
    rows = []
    for rec in initiatives:
        if rec.withdrawn:
            continue
        for o in rec.outcomes:
            for area in rec.areas:
                series = _cell(indicators, o.indicator, "area", str(area))
                series = series[series["year"] <= year]
                if series.empty:
                    continue
                last = series.iloc[-1]
                y = int(last["year"])
                muni = str(last.get("municipality", muni_of.get(str(area), "")))
                m = _cell(indicators, o.indicator, "municipality", muni, y)
                # An indicator outside the catalogue rests on its own cells.
                cells = criterion_cells(o.indicator, str(area), y, areas, catalogue) or [
                    (o.indicator, "area", str(area), y)]
                cells += [(c[0], "municipality", muni, c[3]) for c in cells if c[1] == "area"]
                rows.append({
                    "initiative": rec.id, "area_id": str(area), "indicator": o.indicator, "name": rec.name,
                    "area": names.get(str(area), str(area)), "better": o.better, "baseline": o.baseline,
                    "baseline_year": o.baseline_year, "target": o.target, "target_year": o.target_year,
                    "year": y, "value": float(last["value"]),
                    "municipality_value": float(m["value"].iloc[0]) if len(m) else np.nan,
                    "persons": float(last.get("persons", np.nan)), "numerator": float(last.get("numerator", np.nan)),
                    "denominator": float(last.get("denominator", np.nan)), "linked": any_hidden(cells, hidden),
                })
    out = pd.DataFrame(rows, columns=OUTCOME_COLUMNS)
    for col in ("baseline", "target", "baseline_year", "target_year"):
        out[col] = out[col].astype("float64")
    out["persons"] = out["persons"].fillna(out["denominator"]).fillna(0.0)
    return out.sort_values(["area", "name", "indicator"], ignore_index=True)


def evidence_table(initiatives: Iterable, year: int, residents: Mapping[str, float],
                   hidden: set | None = None) -> pd.DataFrame:
    """One row per evaluation of an initiative (columns :data:`EVIDENCE_COLUMNS`); the
    persons behind it are the residents of all its areas, and it is linked where any
    of those cells is hidden.

    >>> from kvarter.registry import Initiative
    >>> rec = Initiative.model_validate({"id": "job", "name": "J", "areas": ["A", "B"], "status": "running",
    ...     "start": "2022-01-01", "evidence": [{"id": "e1", "design": "before_after", "scale": "sms", "level": 2,
    ...     "effect": 0.03, "low": 0.01, "high": 0.05}]})
    >>> evidence_table([rec], 2024, {"A": 1200.0, "B": 800.0})[["evidence", "strength", "effect", "residents"]].values.tolist()
    [['e1', 2.0, 0.03, 2000.0]]
    """
    hidden = hidden or set()
    rows = []
    for rec in initiatives:
        if rec.withdrawn:
            continue
        res = float(sum(residents.get(str(a), 0.0) for a in rec.areas))
        linked = any(("residents", "area", str(a), int(year)) in hidden for a in rec.areas)
        for e in rec.evidence:
            rows.append({
                "initiative": rec.id, "evidence": e.id, "name": rec.name, "design": e.design, "scale": e.scale,
                "level": str(e.level), "strength": float(e.strength), "effect": e.effect, "effect_low": e.low,
                "effect_high": e.high,
                "interval": e.interval, "measure": e.measure, "indicator": e.indicator,
                "follow_up_months": e.follow_up_months, "reviewed": _date(e.reviewed), "assessor": e.assessor,
                "residents": res, "linked": linked,
            })
    out = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    for col in ("effect", "effect_low", "effect_high", "follow_up_months"):
        out[col] = out[col].astype("float64")
    return out.sort_values(["name", "evidence"], ignore_index=True)


def principles_table(initiatives: Iterable, principle_sets: Mapping, year: int, residents: Mapping[str, float],
                     area_names: Mapping[str, str], hidden: set | None = None) -> pd.DataFrame:
    """One row per principle and initiative serving it (columns :data:`PRINCIPLE_COLUMNS`),
    with the principle's title in the four languages (empty where the set has none) and
    the initiative's areas by name; persons and links as in :func:`evidence_table`.

    >>> from kvarter.registry import Initiative, builtin_principle_sets
    >>> rec = Initiative.model_validate({"id": "job", "name": "J", "areas": ["A"], "status": "running",
    ...     "start": "2022-01-01", "principles": ["gentofte:5"]})
    >>> t = principles_table([rec], builtin_principle_sets(), 2024, {"A": 900.0}, {"A": "Parken"})
    >>> t[["principle", "number", "title_en", "title_da", "areas", "residents"]].values.tolist()
    [['gentofte:5', 5, 'Governance', 'Styring', 'Parken', 900.0]]
    """
    hidden = hidden or set()
    rows = []
    for rec in initiatives:
        if rec.withdrawn:
            continue
        res = float(sum(residents.get(str(a), 0.0) for a in rec.areas))
        linked = any(("residents", "area", str(a), int(year)) in hidden for a in rec.areas)
        for ref in rec.principles:
            set_id, _, number = ref.partition(":")
            ps = principle_sets.get(set_id)
            title = ps.principle(ref).title if ps is not None else None
            rows.append({
                "principle": ref, "initiative": rec.id, "set": set_id, "number": int(number) if number.isdigit() else None,
                **{f"title_{lg}": (getattr(title, lg, None) if title is not None else None) for lg in ("en", "da", "no", "nl")},
                "name": rec.name, "areas": ", ".join(area_names.get(a, a) for a in rec.areas),
                "residents": res, "linked": linked,
            })
    out = pd.DataFrame(rows, columns=PRINCIPLE_COLUMNS)
    order = {sid: k for k, sid in enumerate(principle_sets)}
    out["_set"] = out["set"].map(order).fillna(len(order))
    return out.sort_values(["_set", "number", "name"], ignore_index=True).drop(columns="_set")


def protect_registry(initiatives: Iterable, principle_sets: Mapping, indicators: pd.DataFrame, year: int, policy, *,
                     areas: pd.DataFrame, hidden: set | None = None, catalogue=None) -> dict[str, Protected]:
    """The registry's tables for ``year``, protected: ``initiatives``,
    ``initiative_outcomes``, ``initiative_evidence`` and ``principles_served``
    (see the module docstring). ``indicators`` is the raw indicator table the
    published one was protected from; ``hidden`` its hidden cells
    (:func:`kvarter.publish.links.hidden_cells`). Tables without rows are left out.

    >>> from kvarter.disclosure import DisclosurePolicy
    >>> from kvarter.registry import Initiative, builtin_principle_sets
    >>> rec = Initiative.model_validate({"id": "job", "name": "J", "areas": ["A", "B"], "status": "running",
    ...     "start": "2022-01-01", "principles": ["gentofte:5"]})
    >>> ind = pd.DataFrame({"indicator": "residents", "level": "area", "unit_id": ["A", "B"], "municipality": "K",
    ...     "year": 2024, "value": [1200.0, 3.0], "numerator": [1200.0, 3.0], "denominator": np.nan,
    ...     "persons": [1200.0, 3.0]})
    >>> areas = pd.DataFrame({"area_id": ["A", "B"], "name": ["Parken", "Haven"], "municipality": "K", "region": "R"})
    >>> t = protect_registry([rec], builtin_principle_sets(), ind, 2024, DisclosurePolicy(), areas=areas)
    >>> sorted(t), t["initiatives"].frame[["area", "status", "status_status"]].values.tolist()
    (['initiatives', 'principles_served'], [['Haven', nan, 'primary'], ['Parken', 'running', 'published']])
    """
    recs = [r for r in initiatives if not r.withdrawn]
    hidden = hidden or set()
    residents = area_residents(indicators, year)
    names = dict(zip(areas["area_id"].astype(str), areas["name"].astype(str))) if "name" in areas else {}
    out: dict[str, Protected] = {}
    t = initiatives_table(recs, year, residents, names, hidden)
    if len(t):
        out["initiatives"] = protect(
            t, policy, key=["initiative", "area_id", "name", "area"],
            value_columns=[c for c in INITIATIVE_COLUMNS
                           if c not in ("initiative", "area_id", "name", "area", "residents", "linked")],
            count_column="residents", linked_column="linked", name="initiatives")
    o = outcomes_table(recs, indicators, year, areas, hidden, catalogue)
    if len(o):
        o = with_share_numerator(o).drop(columns="numerator")
        out["initiative_outcomes"] = protect(
            o, policy, key=["initiative", "area_id", "indicator", "name", "area", "year"],
            value_columns=["better", "baseline", "baseline_year", "target", "target_year", "value",
                           "municipality_value"],
            count_column="persons", numerator_column="share_numerator", denominator_column="denominator",
            linked_column="linked", name="initiative outcomes")
    e = evidence_table(recs, year, residents, hidden)
    if len(e):
        out["initiative_evidence"] = protect(
            e, policy, key=["initiative", "evidence", "name"],
            value_columns=[c for c in EVIDENCE_COLUMNS if c not in ("initiative", "evidence", "name", "residents", "linked")],
            count_column="residents", linked_column="linked", name="initiative evidence")
    p = principles_table(recs, principle_sets, year, residents, names, hidden)
    if len(p):
        out["principles_served"] = protect(
            p, policy, key=["principle", "initiative", "name"],
            value_columns=[c for c in PRINCIPLE_COLUMNS if c not in ("principle", "initiative", "name", "residents", "linked")],
            count_column="residents", linked_column="linked", name="principles served")
    return out
