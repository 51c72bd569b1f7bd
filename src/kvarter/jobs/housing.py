"""Housing over a store: Husbanken's needs overview, municipal tenants by
ownership pathway, applications assessed for a start loan, the
child-suitability checklist, the stock and the move-out rate — published
behind disclosure control. The caseworker's working list of households is
returned only when asked for, outside the publication."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, Protected
from kvarter.errors import InputError
from kvarter.publish import Publication

#: The parts of a housing run, as the command names them.
PARTS = ("needs", "pathways", "checklist", "stock", "instruments")
#: The tables each part needs beside households (stock needs none of them).
_INPUTS = ("dwellings", "housing_applications", "start_loans", "housing_market", "social_housing_stock", "persons",
           "areas")


@dataclass(frozen=True)
class HousingJob:
    """A housing run: its ``publication`` (tables ``housing_<part>``), the
    ``parts`` computed, and ``working_list``, the per-household pathways — a
    caseworker's internal list with personal data, present only when asked
    for and never part of the publication."""

    publication: Publication
    parts: tuple[str, ...]
    working_list: object | None = None
    notes: tuple[str, ...] = ()


def _rows(store, name: str) -> pd.DataFrame | None:
    if not store.has_table(name) or store.row_count(name) == 0:
        return None
    return store.read(name)


def has_households(store) -> bool:
    """Whether the store holds any households (the housing part of the monitor runs only then).

    >>> from kvarter.store import Store
    >>> has_households(Store(":memory:"))
    False
    """
    return store.has_table("households") and store.row_count("households") > 0


def housing_job(store, policy: DisclosurePolicy, *, parts=PARTS, pathway_rules: str | Path = "husbanken-5",
                checklist_rules: str | Path = "husbanken", working_list: bool = False,
                hidden: set | None = None) -> HousingJob:
    """Run the housing ``parts`` over the store's tables and publish them.

    ``needs``: the needs overview (with start-loan applications when the store
    has start_loans) and the population by age (from persons); ``pathways``:
    municipal tenants by pathway (needs housing_market prices) and
    applications assessed for a start loan (housing_applications);
    ``checklist``: children in dwellings failing the checklist (dwellings);
    ``stock``: the social-housing stock and the move-out rate (persons);
    ``instruments``: what the published needs suggest. A part whose tables
    are missing is left out with a note. ``working_list`` returns the
    per-household pathways beside the publication (internal; write it with
    ``WorkingList.write``). ``hidden`` are the cells a published indicator
    table hides (the monitor report's), to which the population by age is linked.

    >>> from kvarter.store import Store
    >>> housing_job(Store(":memory:"), DisclosurePolicy())
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: The store has no households; load them first (kvarter load FILE --table households), or synthesise Demodal (kvarter housing demo).
    """
    from kvarter import housing as h
    from kvarter.publish.housing import protect_housing

    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        raise InputError(f"Unknown housing part(s) {', '.join(map(repr, unknown))}; the parts are {', '.join(PARTS)}.")
    households = _rows(store, "households")
    if households is None:
        raise InputError("The store has no households; load them first (kvarter load FILE --table households), "
                         "or synthesise Demodal (kvarter housing demo).")
    t = {name: _rows(store, name) for name in _INPUTS}
    notes: list[str] = []
    given: dict = {"areas": t["areas"]}
    done: list[str] = []
    classification = None
    if "needs" in parts or "instruments" in parts:
        given["needs"] = h.needs_overview(households, start_loans=t["start_loans"], source="households")
        if t["persons"] is not None and {"age", "area_id", "municipality"} <= set(t["persons"].columns):
            given["population"] = h.population_by_age(t["persons"])
        done.append("needs")
    if "pathways" in parts or working_list:
        if t["housing_market"] is None:
            notes.append("pathways: the store has no housing_market prices; load them (kvarter load FILE --table "
                         "housing_market) to map the tenants' ownership potential.")
        else:
            classification = h.load_pathways(pathway_rules).classify(households, t["housing_market"],
                                                                     source="households")
            given["pathways"] = classification.by_area()
            done.append("pathways")
        if t["housing_applications"] is not None:
            given["assessment"] = h.start_loan_assessment(t["housing_applications"], source="housing_applications")
    if "checklist" in parts:
        if t["dwellings"] is None:
            notes.append("checklist: the store has no dwellings; load them (kvarter load FILE --table dwellings).")
        else:
            given["checklist"] = h.checklist(t["dwellings"], t["areas"], households=households,
                                             rules=checklist_rules).by_area()
            done.append("checklist")
    if "stock" in parts:
        if t["social_housing_stock"] is not None:
            given["stock"] = h.stock_overview(t["social_housing_stock"], source="social_housing_stock")
        if t["persons"] is not None and "person_id" in t["persons"].columns:
            given["move_out"] = h.move_out_rate(t["persons"], areas=t["areas"])
        if "stock" in given or "move_out" in given:
            done.append("stock")
        else:
            notes.append("stock: the store has neither a social_housing_stock table nor persons for move-out rates.")
    if "instruments" in parts:
        given["suggest"] = lambda needs: pd.concat(
            [h.suggest(needs, level=lv) for lv in ("municipality", "area")], ignore_index=True)
        done.append("instruments")
    tables = protect_housing(policy, hidden=hidden, **given)
    if "needs" not in parts:  # computed for the instruments only: suggested from, not published
        tables = {k: v for k, v in tables.items() if k not in ("housing_needs", "housing_population")}
    areas = t["areas"] if t["areas"] is not None else pd.DataFrame(columns=["area_id", "name", "municipality"])
    keep = [c for c in ("area_id", "name", "municipality", "region", "kind") if c in areas.columns]
    years = [int(p.frame["year"].max()) for p in tables.values() if "year" in p.frame.columns and len(p.frame)]
    munis = households["municipality"].astype(str).value_counts()
    pub = Publication(tables=tables, policy=policy, year=max(years) if years else None,
                      municipality=str(munis.index[0]) if len(munis) else None,
                      areas=areas[keep].astype({"area_id": str}), notes=tuple(notes))
    return HousingJob(publication=pub, parts=tuple(done),
                      working_list=classification.working_list if (working_list and classification) else None,
                      notes=tuple(notes))


def housing_tables(store, policy: DisclosurePolicy, *, hidden: set | None = None) -> dict[str, Protected]:
    """The housing tables of the monitor report when the store holds households, else none;
    ``hidden`` are the cells the report's indicator table hides.

    >>> from kvarter.store import Store
    >>> housing_tables(Store(":memory:"), DisclosurePolicy())
    {}
    """
    if not has_households(store):
        return {}
    return dict(housing_job(store, policy, hidden=hidden).publication.tables)
