"""Screen with several rule sets at once, keep the history in the store and write long-format results."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kvarter.errors import InputError
from kvarter.screening.designate import criteria_long, designations_long, screen
from kvarter.screening.result import ScreeningResult
from kvarter.screening.rules import load_ruleset
from kvarter.screening.values import screening_session


@dataclass
class ScreeningRun:
    """The results of :func:`run_screening`.

    ``results`` maps rule-set id to :func:`screen`'s
    :class:`~kvarter.screening.result.ScreeningResult`; ``summary`` has one
    row per area and a column per rule set naming the lists the area is on;
    ``designations``, ``criteria`` and ``what_if`` are the long tables;
    ``rulesets`` maps rule-set id to the rule set as loaded (from its id or
    from a user's file), so explanations use the rules that were applied.
    """

    results: dict[str, ScreeningResult]
    summary: pd.DataFrame
    designations: pd.DataFrame
    criteria: pd.DataFrame
    what_if: pd.DataFrame
    rulesets: dict = field(default_factory=dict)

    @property
    def result(self) -> ScreeningResult:
        """Every rule set's result as one."""
        return ScreeningResult.concat(self.results.values())


def summarise(results: dict[str, ScreeningResult]) -> pd.DataFrame:
    """One row per area, a column per rule set with the lists the area is on ("" when none).

    >>> from kvarter.screening.designate import screen
    >>> user = pd.DataFrame({"area_id": ["a", "b"], "name": ["A", "B"], "municipality": ["K", "K"],
    ...     "year": [2024, 2024], "residents": [2400, 2400], "outside_labour_education_share": [0.43, 0.1],
    ...     "convicted_ratio_to_national": [3.1, 0.5], "basic_education_share": [0.52, 0.2],
    ...     "income_ratio_to_region": [0.54, 0.9], "non_western_share": [0.62, 0.1]})
    >>> summarise({"dk-2024": screen(user, "dk-2024", 2024)})
      area_id name municipality                          dk-2024
    0       a    A            K  udsat_boligomraade, parallelsamfund
    1       b    B            K
    """
    out: pd.DataFrame | None = None
    for rid, res in results.items():
        on = res.lists[res.lists["designated"].astype(bool)]
        named = on.groupby("area_id", sort=False)["list"].agg(", ".join)
        part = res.areas[["area_id", "name", "municipality"]].copy()
        part[rid] = [named.get(a, "") for a in part["area_id"]]
        if out is None:
            out = part
        else:
            out = out.merge(part, on="area_id", how="outer", suffixes=("", "_dup"))
            for c in ("name", "municipality"):
                out[c] = out[c].where(out[c].notna(), out[f"{c}_dup"])
                del out[f"{c}_dup"]
    if out is None:
        return pd.DataFrame(columns=["area_id", "name", "municipality"])
    return out.fillna({rid: "" for rid in results}).sort_values("area_id", ignore_index=True)


def run_screening(
    rulesets: list[str],
    year: int,
    *,
    values: pd.DataFrame | None = None,
    areas: pd.DataFrame | None = None,
    store=None,
) -> ScreeningRun:
    """Screen ``year`` with each rule set; keep designations in the store.

    ``values`` is a user's table or the store's indicator table; when omitted
    it is read from ``store`` (tables ``indicators`` and ``areas``). The
    store's ``designations`` table is the list history consecutive-year rules
    read; this run's rows replace earlier rows of the same rule set and year.
    The criteria and "what would it take" tables are stored as
    ``screening_criteria`` and ``screening_what_if``. Nothing is written
    outside the store here: files go out through disclosure control
    (:func:`kvarter.publish.screening.protect_screening`, used by ``kvarter screen``).

    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> run = run_screening(["dk-2024"], 2024, values=user)
    >>> run.summary["dk-2024"].tolist()
    ['udsat_boligomraade, parallelsamfund']
    """
    if not rulesets:
        raise InputError("run_screening needs at least one rule set (e.g. dk-2024).")
    history = None
    if values is None:
        if store is None:
            raise InputError("run_screening needs values (a user's table) or a store with an 'indicators' table.")
        if not store.has_table("indicators"):
            raise InputError(
                f"The store {getattr(store, 'path', '')} has no 'indicators' table; run `kvarter indicators` "
                "first or pass --values FILE.csv."
            )
        values = store.read("indicators")
    if areas is None and store is not None and store.has_table("areas"):
        areas = store.read("areas")
    if store is not None and store.has_table("designations"):
        history = store.read("designations")
    results, loaded = {}, {}
    with screening_session():  # a rule set reading another's lists reuses the year's criterion values
        for name in rulesets:
            rs = name if hasattr(name, "criteria") else load_ruleset(name)
            loaded[rs.id] = rs
            results[rs.id] = screen(values, rs, int(year), areas=areas, history=history)
    designations = pd.concat([designations_long(r) for r in results.values()], ignore_index=True)
    criteria = pd.concat([criteria_long(r) for r in results.values()], ignore_index=True)
    what_if = pd.concat([r.what_if for r in results.values()], ignore_index=True)
    summary = summarise(results)
    run = ScreeningRun(results, summary, designations, criteria, what_if, loaded)
    if store is not None:
        store.write_result("designations", _merge_history(history, designations))
        for table, frame in (("screening_criteria", criteria), ("screening_what_if", what_if)):
            old = store.read(table) if store.has_table(table) else None
            store.write_result(table, _merge_history(old, frame))
    return run


def _merge_history(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    if old is None or old.empty or list(old.columns) != list(new.columns):
        return new
    keys = set(zip(new["ruleset"], new["year"]))
    keep = old[[(r, y) not in keys for r, y in zip(old["ruleset"], old["year"])]]
    return pd.concat([keep, new], ignore_index=True)
