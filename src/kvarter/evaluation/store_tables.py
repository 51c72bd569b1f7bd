"""The evaluations run on the store's own tables, so the command line and the
jobs only pass tables through:

- :func:`first_designation`: from the list history (the ``designations``
  table) the first year each area was designated;
- :func:`area_effects`: "did designated areas improve faster than comparable
  areas not yet designated?" — :func:`~kvarter.evaluation.staggered_did` on
  one indicator of the indicator table (``indicators``);
- :func:`programme_effects`: :func:`~kvarter.evaluation.dynamic_effects` at
  year resolution on the person-year table (``persons``) and a table of
  programme starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kvarter.errors import InputError
from kvarter.evaluation.did import StaggeredDiD, staggered_did
from kvarter.evaluation.dynamic import DynamicEffects, dynamic_effects
from kvarter.evaluation.spells import spells_from_person_years
from kvarter.validation import check_columns


def first_designation(history: pd.DataFrame, list_id: str | None = None, ruleset: str | None = None) -> pd.DataFrame:
    """First year each area was designated (on ``list_id``, or any list), from the list history.

    Only rows under the rules in force that year count (``in_force``).
    Areas in the history that were never designated get ``first_treated`` 0.

    >>> h = pd.DataFrame({"ruleset": "dk", "year": [2019, 2020, 2021, 2020, 2021], "area_id": ["a", "a", "a", "b", "b"],
    ...                   "list": "ghetto", "designated": [False, True, True, False, False], "in_force": True})
    >>> first_designation(h).to_dict("records")
    [{'area_id': 'a', 'first_treated': 2020}, {'area_id': 'b', 'first_treated': 0}]
    """
    check_columns(list(history.columns), ["year", "area_id", "list", "designated"], "designations", "first_designation")
    h = history
    if "in_force" in h.columns:
        h = h[h["in_force"].astype(bool)]
    if ruleset is not None:
        h = h[h["ruleset"] == ruleset]
    if list_id is not None:
        if list_id not in set(h["list"]):
            raise InputError(f"list {list_id!r} passed to first_designation is not in the history; it has "
                             + ", ".join(sorted(map(str, set(h['list'])))) + ".")
        h = h[h["list"] == list_id]
    h = h.assign(area_id=h["area_id"].astype(str))
    first = h[h["designated"].astype(bool)].groupby("area_id")["year"].min()
    areas = pd.Index(sorted(set(h["area_id"])), name="area_id")
    out = first.reindex(areas).fillna(0).astype(int).rename("first_treated").reset_index()
    return out


def area_effects(
    indicators: pd.DataFrame,
    first_treated: pd.DataFrame,
    indicator: str,
    *,
    level: str = "area",
    covariates: list[str] | None = None,
    control: str = "not_yet_treated",
    method: str = "dr",
    **options,
) -> StaggeredDiD:
    """Staggered DiD of one indicator: areas first designated in g against areas not yet (or never) designated.

    ``indicators`` is the store's long indicator table (``indicator, level,
    unit_id, year, value``, ...); ``first_treated`` has ``area_id`` (or
    ``unit_id``) and ``first_treated`` (0 = never), e.g. from
    :func:`first_designation` or an initiative registry. Areas of the
    indicator table missing from ``first_treated`` count as never treated.
    ``covariates`` are other indicators, used in the base period of each
    comparison. A suppressed or missing value leaves a gap in the panel
    (error, or ``unbalanced="drop"`` in ``options``).

    >>> from kvarter.demo.evaluation import designation_panel
    >>> panel, _ = designation_panel(n_units=120, seed=2)
    >>> ind = pd.DataFrame({"indicator": "employment", "level": "area", "unit_id": panel.unit.astype(str),
    ...                     "year": panel.year, "value": panel.outcome})
    >>> ft = panel.groupby("unit").first_treated.first().rename_axis("area_id").reset_index()
    >>> res = area_effects(ind, ft.assign(area_id=ft.area_id.astype(str)), "employment", method="reg")
    >>> res.att_gt.columns[:4].tolist()
    ['group', 'time', 'event_time', 'att']
    """
    check_columns(list(indicators.columns), ["indicator", "level", "unit_id", "year", "value"], "indicators", "area_effects")
    key = "area_id" if "area_id" in first_treated.columns else "unit_id"
    check_columns(list(first_treated.columns), [key, "first_treated"], "first_treated", "area_effects")
    rows = indicators[indicators["level"] == level]
    known = sorted(map(str, set(rows["indicator"])))
    wanted = [indicator, *(covariates or [])]
    for name in wanted:
        if name not in known:
            raise InputError(f"indicator {name!r} passed to area_effects is not in the indicator table at level "
                             f"{level!r}; it has {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}.")
    wide = (rows[rows["indicator"].isin(wanted)]
            .assign(unit_id=lambda d: d["unit_id"].astype(str))
            .pivot_table(index=["unit_id", "year"], columns="indicator", values="value", aggfunc="first")
            .reset_index())
    wide = wide.dropna(subset=wanted)
    ft = first_treated.assign(**{key: first_treated[key].astype(str)}).set_index(key)["first_treated"]
    wide["first_treated"] = ft.reindex(wide["unit_id"]).fillna(0).to_numpy(dtype=np.int64)
    return staggered_did(wide, "unit_id", "year", "first_treated", indicator, control=control, method=method,
                         covariates=covariates, **options)


def programme_effects(persons: pd.DataFrame, starts: pd.DataFrame, programme: str, horizon: int,
                      covariates=("age", "sex", "education", "origin"), costs: pd.DataFrame | None = None,
                      **options) -> DynamicEffects:
    """:func:`~kvarter.evaluation.dynamic_effects` at year resolution on the store's person-year table.

    ``starts`` has ``person_id, programme, start_year``; the spell and its
    statuses come from ``labour_status`` (see
    :func:`~kvarter.evaluation.spells_from_person_years`); ``horizon`` is in years.

    >>> py = pd.DataFrame({"person_id": [f"p{i}" for i in range(40) for _ in range(4)],
    ...                    "year": [2018, 2019, 2020, 2021] * 40,
    ...                    "labour_status": ["unemployed", "unemployed", "employed", "employed"] * 40,
    ...                    "age": [20 + i % 30 for i in range(40) for _ in range(4)]})
    >>> st = pd.DataFrame({"person_id": [f"p{i}" for i in range(0, 40, 3)], "programme": "p", "start_year": 2018})
    >>> res = programme_effects(py, st, "p", 1, covariates=["age"], n_boot=5, seed=0, min_treated=5)
    >>> res.period, res.curve.event_time.tolist()
    ('year', [0, 1])
    """
    spells = spells_from_person_years(persons, starts, covariates=list(covariates), costs=costs)
    return dynamic_effects(spells, programme, horizon, covariates=list(covariates), **options)
