"""Husbanken's model for holistic use of housing instruments, as data.

``rules/instruments-husbanken.yaml`` (``kind: instruments_model``) holds the
prerequisites, the four focus areas with their strategies, Husbanken's and
the municipality's instruments per strategy, and the state's and the
county's instruments, in Norwegian and English; :func:`instruments` returns
it as a long table. :func:`suggest` links the needs overview to it: an
indicator in its worst quartile among the units compared (or beyond its
threshold) suggests its focus areas, their strategies and instruments.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from kvarter.housing.conditions import Labels, _Model
from kvarter.housing.ruledata import read_model, resolve
from kvarter.validation import check_columns

INSTRUMENT_COLUMNS = ["focus_area", "focus_area_en", "focus_area_no", "strategy", "strategy_en", "strategy_no",
                      "owner", "instrument", "instrument_en", "instrument_no"]


class Prerequisite(_Model):
    """A prerequisite of the model (organisation, needs overview, plans) and what it covers."""

    id: str
    label: Labels
    covers: list[Labels] = []


class Strategy(_Model):
    """A strategy within a focus area, with Husbanken's and the municipality's instruments."""

    id: str
    label: Labels
    husbanken: list[str] = []
    municipality: list[str] = []


class FocusArea(_Model):
    """One of the model's focus areas (innsatsområder)."""

    id: str
    label: Labels
    strategies: list[Strategy] = Field(min_length=1)


class StateGroup(_Model):
    """A group of the state's and the county's instruments, as the seed groups them."""

    group: int
    items: list[Labels]


class Link(_Model):
    """A needs indicator that, in its worst quartile or beyond ``threshold``, suggests focus areas."""

    indicator: str
    direction: Literal["high", "low"]
    threshold: float | None = None
    focus_areas: list[str] = Field(min_length=1)


class Source(_Model):
    """Where the model comes from."""

    document: str


class InstrumentsModel(_Model):
    """The validated instruments model (``kind: instruments_model``)."""

    kind: Literal["instruments_model"]
    version: int = Field(ge=1)
    id: str
    title: Labels
    source: Source
    instruments: dict[str, Labels]
    prerequisites: list[Prerequisite]
    focus_areas: list[FocusArea] = Field(min_length=1)
    state_and_county: list[StateGroup] = []
    links: list[Link] = []

    @model_validator(mode="after")
    def _known(self):
        areas = {f.id for f in self.focus_areas}
        for f in self.focus_areas:
            for s in f.strategies:
                for owner in ("husbanken", "municipality"):
                    for inst in getattr(s, owner):
                        if inst not in self.instruments:
                            raise ValueError(f"strategy {s.id!r} names unknown instrument {inst!r}; declare it under instruments")
        for link in self.links:
            for a in link.focus_areas:
                if a not in areas:
                    raise ValueError(f"link for {link.indicator!r} names unknown focus area {a!r}; known: {', '.join(sorted(areas))}")
        return self


@cache
def _builtin(path: Path) -> InstrumentsModel:
    return read_model(path, InstrumentsModel, "instruments model")


def load_instruments(name: str | Path = "husbanken") -> InstrumentsModel:
    """The instruments model by built-in name (``husbanken``) or YAML path.

    >>> [f.id for f in load_instruments().focus_areas]
    ['suitable_rentals', 'renting_to_owning', 'keep_and_adapt', 'care_buildings']
    """
    return _builtin(resolve(name, "instruments-", "instruments model"))


def instruments(name: str | Path = "husbanken") -> pd.DataFrame:
    """The model as a long table: one row per focus area, strategy, owner and instrument.

    ``owner`` is ``husbanken``, ``municipality`` or ``state_county`` (the
    state's and the county's instruments belong to the effort as a whole, so
    their focus area and strategy are empty and ``strategy`` holds the seed's group).

    >>> t = instruments()
    >>> t[t["strategy"] == "help_to_buy"].query("owner == 'husbanken'")["instrument_no"].tolist()
    ['Startlån', 'Tilskudd til etablering', 'Tilskudd til tilpasning', 'Bostøtte', 'Investeringstilskudd']
    >>> sorted(t["owner"].unique())
    ['husbanken', 'municipality', 'state_county']
    """
    m = load_instruments(name)
    rows = []
    for f in m.focus_areas:
        for s in f.strategies:
            for owner in ("husbanken", "municipality"):
                for inst in getattr(s, owner):
                    lab = m.instruments[inst]
                    rows.append((f.id, f.label.en, f.label.no, s.id, s.label.en, s.label.no, owner, inst, lab.en, lab.no))
    for g in m.state_and_county:
        for k, item in enumerate(g.items, start=1):
            rows.append((None, None, None, f"group_{g.group}", None, None, "state_county", f"state_{g.group}_{k}", item.en, item.no))
    return pd.DataFrame(rows, columns=INSTRUMENT_COLUMNS)


def suggest(needs: pd.DataFrame, name: str | Path = "husbanken", *, level: str = "municipality") -> pd.DataFrame:
    """Focus areas, strategies and instruments suggested by the needs overview.

    For each linked indicator and year, the units of ``level`` in ``needs``
    (a long table with ``measure``, ``level``, ``unit_id``, ``year``,
    ``value``) are ranked; a unit in the worst quartile (value at or beyond
    the 75th percentile for ``high``, the 25th for ``low``, over at least four
    units) or beyond the link's threshold gets the link's focus areas with
    every strategy and instrument of them, and the reason.

    >>> needs = pd.DataFrame({"measure": ["renting_share"] * 4, "level": ["municipality"] * 4,
    ...     "unit_id": ["a", "b", "c", "d"], "year": [2024] * 4, "value": [0.1, 0.2, 0.3, 0.6]})
    >>> s = suggest(needs)
    >>> sorted(set(s["unit_id"])), sorted(set(s["focus_area"])), s["why"].iloc[0]
    (['d'], ['renting_to_owning'], 'renting_share 0.6 in the worst quartile of 4 units (≥ 0.375)')
    """
    check_columns(needs.columns, ["measure", "level", "unit_id", "year", "value"], "needs", "suggest")
    m = load_instruments(name)
    table = instruments(name)
    table = table[table["owner"] != "state_county"]
    out = []
    for link in m.links:
        sub = needs[(needs["measure"] == link.indicator) & (needs["level"] == level) & needs["value"].notna()]
        for year, grp in sub.groupby("year"):
            vals = grp["value"].astype(float).to_numpy()
            q = np.quantile(vals, 0.75 if link.direction == "high" else 0.25) if len(vals) >= 4 else None
            for unit, v in zip(grp["unit_id"], vals):
                reasons = []
                if q is not None and ((v >= q) if link.direction == "high" else (v <= q)):
                    sign = "≥" if link.direction == "high" else "≤"
                    reasons.append(f"{link.indicator} {v:.3g} in the worst quartile of {len(vals)} units ({sign} {q:.3g})")
                if link.threshold is not None and ((v > link.threshold) if link.direction == "high" else (v < link.threshold)):
                    sign = ">" if link.direction == "high" else "<"
                    reasons.append(f"{link.indicator} {v:.3g} {sign} threshold {link.threshold:g}")
                if not reasons:
                    continue
                hit = table[table["focus_area"].isin(link.focus_areas)].assign(
                    unit_id=unit, year=int(year), indicator=link.indicator, value=v, why="; ".join(reasons))
                out.append(hit)
    cols = ["unit_id", "year", "indicator", "value", "why", *INSTRUMENT_COLUMNS]
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)[cols]
