"""A :class:`Publication`: the bundle of protected tables one job publishes,
with what renderers need to lay them out and nothing unprotected.

Every renderer (HTML report, workbook, table files, the command line's
printed tables, the web app) takes a Publication, so a figure reaches a
reader only through :func:`kvarter.disclosure.protect`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected, ensure_protected


@dataclass(frozen=True)
class SegregationPart:
    """One segregation analysis as published: its protected tables (named
    ``<prefix>_<table>``), the report section it belongs to and the
    municipalities top to bottom (largest first)."""

    key: str
    prefix: str
    tables: Mapping[str, Protected]
    order: tuple[str, ...] = ()


@dataclass(frozen=True)
class Publication:
    """What one job publishes.

    ``tables`` are written as files and workbook sheets; ``shown`` holds the
    subsets the report displays (criteria of the areas on a list or meeting a
    criterion, per rule set); ``profile`` and ``trends`` the panels per key;
    ``segregation`` the analyses. ``areas`` carries names, municipality and
    geometry only (no counts); ``designated`` maps a list id to its areas in
    ``year`` (published in the history table too); ``percent`` says which
    profile panels hold shares (drawn as percent); ``catalogue`` is the
    indicator catalogue in use (a user's own one too), so renderers take an
    indicator's unit and currency from it rather than from the built-ins;
    ``goals`` is the goal set in use, so a user's own goals are named in
    their own words.

    >>> from kvarter.disclosure import protect
    >>> t = protect(pd.DataFrame({"k": ["a"], "v": [1.0], "n": [10]}), DisclosurePolicy(), key=["k"],
    ...             value_columns=["v"], count_column="n")
    >>> pub = Publication(tables={"t": t}, policy=DisclosurePolicy())
    >>> sorted(pub.tables), pub["t"].frame["v_status"].tolist()
    (['t'], ['published'])
    >>> Publication(tables={"raw": pd.DataFrame()}, policy=DisclosurePolicy())
    Traceback (most recent call last):
    ...
    kvarter.errors.DisclosureError: ...
    """

    tables: Mapping[str, Protected]
    policy: DisclosurePolicy
    year: int | None = None
    municipality: str | None = None
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    designated: Mapping[str, list[str]] = field(default_factory=dict)
    shown: Mapping[str, Protected] = field(default_factory=dict)
    profile: Mapping[str, Protected] = field(default_factory=dict)
    trends: Mapping[str, Protected] = field(default_factory=dict)
    segregation: tuple[SegregationPart, ...] = ()
    notes: tuple[str, ...] = ()
    percent: Mapping[str, bool] = field(default_factory=dict)
    catalogue: object | None = None
    goals: object | None = None

    def __post_init__(self) -> None:
        for name, p in self.tables.items():
            ensure_protected(p, f"publication table {name}")
        for group in (self.shown, self.profile, self.trends):
            for name, p in group.items():
                ensure_protected(p, f"publication table {name}")
        if not self.areas.empty:
            counts = {"residents", "persons", "population"} & set(self.areas.columns)
            if counts:
                from kvarter.errors import DisclosureError

                raise DisclosureError(f"A publication's areas carry names and geometry only, not {sorted(counts)}.")

    def __getitem__(self, name: str) -> Protected:
        return self.tables[name]

    def __contains__(self, name: str) -> bool:
        return name in self.tables
