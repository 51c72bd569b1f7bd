"""Screen areas with rule sets and publish the result."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kvarter.disclosure import DisclosurePolicy
from kvarter.publish import Publication


@dataclass(frozen=True)
class ScreenJob:
    """A screening and its publication (``criteria``, ``what_if``,
    ``designations``, ``summary``); ``rulesets`` maps rule-set id to the rule
    set applied; ``counts`` the areas on each list (rule set, list, areas,
    areas in the population); ``notes`` what the caller should tell the user."""

    publication: Publication
    rulesets: dict
    counts: pd.DataFrame
    notes: tuple[str, ...] = ()


def screen_job(store, rulesets, year: int, policy: DisclosurePolicy, *, values: pd.DataFrame | None = None) -> ScreenJob:
    """Screen ``year`` with each rule set (an id or a user's YAML file) on a
    user's ``values`` or the store's indicators, keep the designations in
    the store, and publish. Values from the store's microdata are linked to
    the protected indicator table, as the report's are.

    >>> from kvarter.store import Store
    >>> user = pd.DataFrame({"area_id": ["a"], "year": [2024], "residents": [2400],
    ...     "outside_labour_education_share": [0.43], "convicted_ratio_to_national": [3.1],
    ...     "basic_education_share": [0.52], "income_ratio_to_region": [0.54], "non_western_share": [0.62]})
    >>> job = screen_job(Store(":memory:"), ["dk-2024"], 2024, DisclosurePolicy(), values=user)
    >>> sorted(job.publication.tables), job.counts.to_dict("records")[0]
    (['criteria', 'designations', 'summary', 'what_if'], {'ruleset': 'dk-2024', 'list': 'udsat_boligomraade', 'areas': 1, 'population': 1})
    """
    from kvarter.publish.indicators import protect_store_indicators
    from kvarter.publish.links import hidden_cells
    from kvarter.publish.screening import protect_screening
    from kvarter.screening.run import run_screening

    notes = []
    hidden, areas, dominance = None, None, None
    if values is None and store.has_table("indicators") and not store.result_is_current("indicators"):
        notes.append("the store's indicators were computed before the last load or for some years only; "
                     "run `kvarter indicators` to bring them up to date.")
    run = run_screening(list(rulesets), year, values=values, store=store)
    if values is None:
        indicators, dominance = protect_store_indicators(store, store.read("indicators"), policy)
        hidden = hidden_cells(indicators)
        areas = store.read("areas") if store.has_table("areas") else None
    tables = protect_screening(run, year, policy, hidden=hidden, areas=areas, dominance=dominance)
    rows = []
    for rid, res in run.results.items():
        population = int(res.areas["in_population"].fillna(False).astype(bool).sum())
        for lid, part in res.lists.groupby("list", sort=False):
            rows.append({"ruleset": rid, "list": lid, "areas": int(part["designated"].astype(bool).sum()),
                         "population": population})
    counts = pd.DataFrame(rows, columns=["ruleset", "list", "areas", "population"])
    return ScreenJob(publication=Publication(tables=tables, policy=policy, year=int(year)), rulesets=run.rulesets,
                     counts=counts, notes=tuple(notes))
