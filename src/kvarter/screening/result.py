"""The result of a screening: small long tables, one per thing a screening says.

* ``areas`` — one row per rule set, year and area: residents, whether the
  area is in the rule set's population (and why not), whether the lists were
  in force that year, and the composite score where the rule set has one;
* ``criteria`` — one row per area and criterion: value, threshold (and the
  reference it was derived from), met, margin ``value - threshold``, whether
  the criterion could be computed at all, the note saying why not or what to
  watch, the numerator and denominator behind the value, and the criterion's
  line of the explanation;
* ``lists`` — one row per area and list: designated or not, the rule as it
  came out, the criteria whose loss alone would take the area off
  (``pivotal``) and the list history (entered, stayed, left);
* ``explanations`` — one text per area, the designation explaining itself;
* ``what_if`` — per area on a list and criterion it meets, the smallest
  change that stops the criterion being met and the lists the area would be
  on after it (:mod:`kvarter.screening.whatif`).

Every table carries ``ruleset, year, area_id``; results of several years or
rule sets are joined with :meth:`ScreeningResult.concat`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

AREA_COLUMNS = (
    "ruleset", "ruleset_version", "year", "area_id", "name", "municipality", "residents",
    "in_population", "population_note", "in_force", "composite_score", "composite_rank", "composite_decile",
)
CRITERIA_COLUMNS = (
    "ruleset", "year", "area_id", "criterion", "value", "threshold", "reference", "met", "margin",
    "computable", "note", "numerator", "denominator", "text",
)
LIST_COLUMNS = (
    "ruleset", "ruleset_version", "year", "area_id", "name", "municipality", "list", "designated",
    "rule", "pivotal", "history", "in_force",
)
EXPLANATION_COLUMNS = ("ruleset", "year", "area_id", "explanation")
WHAT_IF_COLUMNS = (
    "ruleset", "year", "area_id", "name", "list", "criterion", "value", "threshold",
    "change_count", "new_value", "relative_change", "change", "sufficient", "lists_after",
)
KEY = ["ruleset", "year", "area_id"]


def empty_table(columns: Iterable[str]) -> pd.DataFrame:
    """An empty table with ``columns`` (object dtype).

    >>> empty_table(["a", "b"]).columns.tolist()
    ['a', 'b']
    """
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass(frozen=True, eq=False)
class ScreeningResult:
    """What :func:`kvarter.screening.screen` finds, as long tables (see the module docstring).

    ``rulesets`` maps each rule-set id to the rule set as applied (from its
    id or a user's file), so nothing downstream reloads a user's rule set by
    its id.

    >>> from kvarter.screening import screen
    >>> user = pd.DataFrame({"area_id": ["a", "b"], "year": [2024, 2024], "residents": [2400, 1500],
    ...     "outside_labour_education_share": [0.43, 0.35], "convicted_ratio_to_national": [3.1, 1.2],
    ...     "basic_education_share": [0.52, 0.61], "income_ratio_to_region": [0.54, 0.70],
    ...     "non_western_share": [0.62, 0.45]})
    >>> r = screen(user, "dk-2024", 2024)
    >>> r.membership()[["area_id", "udsat_boligomraade", "forebyggelsesomraade"]].values.tolist()
    [['a', True, False], ['b', False, True]]
    >>> r.criterion("employment")[["area_id", "value", "met", "margin"]].round(2).values.tolist()
    [['a', 0.43, True, 0.03], ['b', 0.35, False, -0.05]]
    """

    areas: pd.DataFrame
    criteria: pd.DataFrame
    lists: pd.DataFrame
    explanations: pd.DataFrame
    what_if: pd.DataFrame
    rulesets: Mapping = field(default_factory=dict)

    @classmethod
    def blank(cls) -> "ScreeningResult":
        """A result with no rows."""
        return cls(*(empty_table(c) for c in (AREA_COLUMNS, CRITERIA_COLUMNS, LIST_COLUMNS, EXPLANATION_COLUMNS,
                                               WHAT_IF_COLUMNS)), {})

    @classmethod
    def concat(cls, results: Iterable["ScreeningResult"]) -> "ScreeningResult":
        """The results one after the other (years, rule sets), as one result."""
        results = list(results)
        if not results:
            return cls.blank()

        def cat(name):
            parts = [getattr(r, name) for r in results if len(getattr(r, name))]
            return pd.concat(parts, ignore_index=True) if parts else getattr(results[0], name).iloc[0:0]

        rulesets: dict = {}
        for r in results:
            rulesets.update(r.rulesets)
        return cls(cat("areas"), cat("criteria"), cat("lists"), cat("explanations"), cat("what_if"), rulesets)

    def __len__(self) -> int:
        return len(self.areas)

    @property
    def empty(self) -> bool:
        """Whether no area was screened."""
        return self.areas.empty

    def select(self, *, ruleset: str | None = None, year: int | None = None,
               area_ids: Iterable[str] | None = None) -> "ScreeningResult":
        """The rows of one rule set, one year and/or some areas."""
        ids = None if area_ids is None else {str(a) for a in area_ids}

        def pick(t: pd.DataFrame) -> pd.DataFrame:
            keep = np.ones(len(t), dtype=bool)
            if ruleset is not None:
                keep &= (t["ruleset"] == ruleset).to_numpy()
            if year is not None:
                keep &= (t["year"] == int(year)).to_numpy()
            if ids is not None:
                keep &= t["area_id"].astype(str).isin(ids).to_numpy()
            return t[keep].reset_index(drop=True)

        rulesets = {k: v for k, v in self.rulesets.items() if ruleset is None or k == ruleset}
        return ScreeningResult(pick(self.areas), pick(self.criteria), pick(self.lists), pick(self.explanations),
                               pick(self.what_if), rulesets)

    def membership(self) -> pd.DataFrame:
        """One row per rule set, year and area (the order of ``areas``), one boolean column per list."""
        base = self.areas[["ruleset", "year", "area_id", "name", "municipality"]]
        if self.lists.empty:
            return base.copy()
        order = list(dict.fromkeys(self.lists["list"]))
        wide = self.lists.pivot_table(index=KEY, columns="list", values="designated", aggfunc="first")
        wide = wide.reindex(columns=order).reset_index()
        wide.columns.name = None
        out = base.merge(wide, on=KEY, how="left")
        for lid in order:
            out[lid] = out[lid].astype("boolean")
        return out

    def on_any_list(self) -> pd.Series:
        """Per row of ``areas``: whether the area is on any of its rule set's lists that year."""
        if self.lists.empty:
            return pd.Series(False, index=self.areas.index)
        on = self.lists.groupby(KEY, sort=False)["designated"].any()
        keys = pd.MultiIndex.from_frame(self.areas[KEY])
        return pd.Series(on.reindex(keys).fillna(False).to_numpy(dtype=bool), index=self.areas.index)

    def criterion(self, criterion: str) -> pd.DataFrame:
        """The rows of one criterion (one per area, in the order of ``areas``)."""
        return self.criteria[self.criteria["criterion"] == criterion].reset_index(drop=True)

    def list_rows(self, list_id: str) -> pd.DataFrame:
        """The rows of one list (one per area, in the order of ``areas``)."""
        return self.lists[self.lists["list"] == list_id].reset_index(drop=True)

    def explanation(self, area_id: str, *, ruleset: str | None = None, year: int | None = None) -> str:
        """The explanation of one area (the first rule set and year unless given)."""
        e = self.explanations
        keep = e["area_id"].astype(str) == str(area_id)
        if ruleset is not None:
            keep &= e["ruleset"] == ruleset
        if year is not None:
            keep &= e["year"] == int(year)
        hit = e.loc[keep, "explanation"]
        return "" if hit.empty else str(hit.iloc[0])

    def wide(self) -> pd.DataFrame:
        """A view for people: one row per area, a column per list and per criterion field.

        Columns ``<criterion>_value``, ``_threshold``, ``_met``, ``_margin``,
        ``_note``, and per list ``<list>_rule`` and ``<list>_history``. Nothing in
        kvarter reads this table back; use the long tables.
        """
        out = self.membership()
        extra = self.areas[[c for c in AREA_COLUMNS if c not in out.columns and c in self.areas.columns]]
        out = pd.concat([out, extra], axis=1)
        for cid in dict.fromkeys(self.criteria["criterion"]):
            part = self.criterion(cid).set_index(KEY)
            keys = pd.MultiIndex.from_frame(out[KEY])
            for f in ("value", "threshold", "reference", "met", "margin", "note"):
                out[f"{cid}_{f}"] = part[f].reindex(keys).to_numpy()
        for lid in dict.fromkeys(self.lists["list"]):
            part = self.list_rows(lid).set_index(KEY)
            keys = pd.MultiIndex.from_frame(out[KEY])
            for f in ("rule", "history"):
                out[f"{lid}_{f}"] = part[f].reindex(keys).to_numpy()
        out["explanation"] = self.explanations.set_index(KEY)["explanation"].reindex(
            pd.MultiIndex.from_frame(out[KEY])).to_numpy()
        return out
