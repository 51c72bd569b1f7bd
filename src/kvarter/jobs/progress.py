"""Copenhagen's progress monitor inside the main job: the register indicators
the 2025 policy reports, life expectancy per area, the figures from outside
the registers and the goals — read from the store, protected by
:mod:`kvarter.publish.progress`."""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected


def progress_tables(store, ind: pd.DataFrame, hidden: set, areas: pd.DataFrame, years, area_ids,
                    municipality: str, policy: DisclosurePolicy, published: dict[str, Protected], *,
                    goals=None, notes: list[str] | None = None) -> dict[str, Protected]:
    """The progress tables for the designated areas ``area_ids`` against the rest
    of ``municipality`` over ``years`` (the last is the report year).

    Life expectancy needs the persons' ``died``; the figures the store's
    ``area_figures``; the goals (a :class:`~kvarter.goals.GoalSet`, a file or a
    built-in name such as ``copenhagen-2035``) are tracked on the published
    tables, ``published`` (the monitor's tables so far, for the composite gap)
    and these. ``notes`` gets a line for each part left out.

    >>> from kvarter.store import Store
    >>> progress_tables(Store(":memory:"), pd.DataFrame(columns=["indicator"]), set(), pd.DataFrame(columns=["area_id", "municipality"]),
    ...                 [2024], set(), "K", DisclosurePolicy(), {})
    {}
    """
    from kvarter.publish.progress import (
        death_counts,
        protect_figures,
        protect_goals,
        protect_life_expectancy,
        protect_progress,
    )

    notes = notes if notes is not None else []
    years = sorted(int(y) for y in years)
    out: dict[str, Protected] = {}
    if not years or not len(ind):
        return out
    # The same routes as the monitor's trends: the municipality's leaf areas
    # tell when a pool's complement gives it back (issue 8), so a pool is
    # hidden only when no published route does.
    from kvarter.publish.links import hidden_cells
    from kvarter.publish.profiles import leaf_areas

    leaves = leaf_areas(areas)
    leaves = set(leaves.loc[leaves["municipality"].astype(str) == str(municipality), "area_id"].astype(str))
    counts_hidden = hidden_cells(published["indicators"], "persons") if "indicators" in published else None
    out.update(protect_progress(ind, set(area_ids), municipality, years, policy, hidden, leaves=leaves,
                                hidden_counts=counts_hidden))
    if store.has_values("persons", "died"):
        t = store.table("persons")
        t = t.filter(t.year <= years[-1])
        counted = (t.group_by(["area_id", "year", "age"])
                   .aggregate(population=t.count(), deaths=t.died.cast("int64").sum())
                   .execute())
        counts = death_counts(counted.fillna({"deaths": 0}))
        out.update(protect_life_expectancy(counts, areas, area_ids, municipality, years, policy))
    else:
        notes.append("Life expectancy: the persons have no 'died' column; load deaths to get it.")
    if store.has_table("area_figures"):
        rows = store.read("area_figures")
        fig = protect_figures(rows, areas, area_ids, municipality, policy, last_year=years[-1])
        if fig is not None:
            out["progress_figures"] = fig
    if goals is not None:
        from kvarter.goals import load_goals

        gs = load_goals(goals)
        res = ind[(ind["indicator"] == "residents") & (ind["level"] == "area") & (ind["year"] == years[-1])
                  & ind["unit_id"].astype(str).isin(set(map(str, area_ids)))]
        g = protect_goals(gs, {**published, **out}, int(res["value"].sum()), policy)
        if g is not None:
            out["goals"] = g
        if gs.example:
            notes.append(f"Goals {gs.id}: an example file; its target values are examples, not the city's.")
    return out
