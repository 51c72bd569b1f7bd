"""Figures from outside the registers (``figures.yaml``): what each loaded
``area_figures`` id means, in the report's four languages, and how they pool.

A figure is a share ``Σ numerator / Σ denominator`` over the units (areas,
polling districts) it covers; a figure id the catalogue does not know is still
shown, under its id.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict

FIGURES_PATH = Path(__file__).parent / "figures.yaml"


class Figure(BaseModel):
    """One figure from outside the registers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    labels: dict[str, str]
    description: str
    numerator: str
    denominator: str
    better: Literal["higher", "lower"]
    policy: str = ""
    source: str = ""


class _FigureCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["figure_catalogue"]
    version: int
    source: str
    figures: list[Figure]


@cache
def figures() -> dict[str, Figure]:
    """The built-in figures by id.

    >>> sorted(figures())
    ['noise_exposed_share', 'safe_at_night_share', 'sports_club_share', 'turnout_share']
    >>> figures()["turnout_share"].better
    'higher'
    """
    data = yaml.safe_load(FIGURES_PATH.read_text(encoding="utf-8"))
    return {f.id: f for f in _FigureCatalogue.model_validate(data).figures}


def figure_label(figure_id: str, lang: str) -> str:
    """The figure's label in ``lang``, its id for a figure the catalogue does not know.

    >>> figure_label("noise_exposed_share", "da"), figure_label("my_survey", "en")
    ('Andel støjbelastede boliger', 'my_survey')
    """
    f = figures().get(figure_id)
    return f.labels.get(lang, f.labels["en"]) if f else figure_id


def pool_figures(rows: pd.DataFrame, groups: dict[str, set[str]]) -> pd.DataFrame:
    """Pool ``area_figures`` rows into groups of areas per figure and year:
    ``figure, year, group, numerator, denominator, units, value, source,
    synthetic`` with ``value = Σ numerator / Σ denominator``.

    A group-year with a suppressed unit (numerator empty) gets no value: the
    sum would otherwise pass for the whole group. ``source`` joins the rows'
    distinct sources.

    >>> rows = pd.DataFrame({"figure": "turnout_share", "year": 2021, "area_id": ["A", "A", "B"],
    ...     "numerator": [30.0, 40.0, 120.0], "denominator": [100.0, 100.0, 200.0], "source": "election"})
    >>> t = pool_figures(rows, {"designated": {"A"}, "rest": {"B"}})
    >>> t[["group", "numerator", "denominator", "units", "value"]].to_dict("records")
    [{'group': 'designated', 'numerator': 70.0, 'denominator': 200.0, 'units': 2, 'value': 0.35}, {'group': 'rest', 'numerator': 120.0, 'denominator': 200.0, 'units': 1, 'value': 0.6}]
    """
    cols = ["figure", "year", "group", "numerator", "denominator", "units", "value", "source", "synthetic"]
    parts = []
    for group, ids in groups.items():
        sub = rows[rows["area_id"].astype(str).isin(ids)]
        if sub.empty:
            continue
        synthetic = sub["synthetic"] if "synthetic" in sub else pd.Series(False, index=sub.index)
        sub = sub.assign(_missing=sub["numerator"].isna(), _synthetic=synthetic.fillna(False).astype(bool))
        g = sub.groupby(["figure", "year"], as_index=False).agg(
            numerator=("numerator", "sum"), denominator=("denominator", "sum"), units=("area_id", "size"),
            missing=("_missing", "any"), source=("source", lambda s: "; ".join(dict.fromkeys(s.astype(str)))),
            synthetic=("_synthetic", "any"))
        g["group"] = group
        g.loc[g["missing"], "numerator"] = np.nan
        parts.append(g.drop(columns="missing"))
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["numerator"] = out["numerator"].astype(float)
    out["denominator"] = out["denominator"].astype(float)
    out["value"] = out["numerator"] / out["denominator"].where(out["denominator"] > 0)
    return out[cols].sort_values(["figure", "year", "group"], ignore_index=True)
