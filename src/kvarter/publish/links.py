"""Links between published tables: which indicator cells a derived figure rests on.

Each table is protected on its own, but readers hold them all. A criterion
value, a pooled group of areas, "the rest of the municipality" or an area's
residents in the list history rest on cells of the published indicator table;
if such a cell is suppressed there, the derived figure would let the two
tables be played against each other (a pooled group minus its published
members is the suppressed member). So a derived row is *linked* — suppressed
whole, reason code ``linked`` — whenever a cell it rests on is hidden in the
indicator table. The indicator table itself carries the geographic relations
(areas → municipality → region → country), so what it publishes is safe on
its own.
"""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from kvarter.disclosure.status import SUPPRESSED

Cell = tuple[str, str, str, int]
HIDDEN = SUPPRESSED


def hidden_cells(indicators, which: str = "any") -> set[Cell]:
    """The ``(indicator, level, unit_id, year)`` cells whose value is not
    published in a protected indicator table (suppressed, not structural zeros);
    ``which="persons"``: only those whose persons count is hidden.

    >>> from kvarter.disclosure import DisclosurePolicy, protect
    >>> t = pd.DataFrame({"indicator": ["r", "r"], "level": ["area", "area"], "unit_id": ["A", "B"],
    ...                   "year": [2024, 2024], "value": [3.0, 40.0], "persons": [3, 40]})
    >>> p = protect(t, DisclosurePolicy(), key=["indicator", "level", "unit_id", "year"],
    ...             value_columns=["value"], count_column="persons")
    >>> hidden_cells(p), hidden_cells(p, "persons")
    ({('r', 'area', 'A', 2024)}, {('r', 'area', 'A', 2024)})
    """
    f = indicators.frame
    counts = f["persons_status"].isin(HIDDEN) if "persons_status" in f.columns else f["value_status"].isin(HIDDEN)
    hidden = counts if which == "persons" else counts | f["value_status"].isin(HIDDEN)
    rows = f[hidden]
    return set(zip(rows["indicator"], rows["level"], rows["unit_id"].astype(str), rows["year"].astype(int)))


def any_hidden(cells: Iterable[Cell], hidden: set[Cell]) -> bool:
    """True when any of ``cells`` is hidden.

    >>> any_hidden([("r", "area", "A", 2024)], {("r", "area", "A", 2024)})
    True
    """
    return any(c in hidden for c in cells)


def cell_label(cell: Cell) -> str:
    """A cell of the indicator table as a reason names it.

    >>> cell_label(("residents", "area", "A", 2024))
    'residents (area A, 2024)'
    """
    indicator, level, unit, year = cell
    return f"{indicator} ({level} {unit}, {int(year)})"


def depends_on(cells: Iterable[Cell], hidden: set[Cell], table: str = "indicators") -> tuple[str, str] | bool:
    """What a derived row rests on, for a ``linked_column``: the first of
    ``cells`` hidden in ``table`` as ``(table, cell label)``, or False.

    >>> depends_on([("r", "area", "A", 2024), ("r", "area", "B", 2024)], {("r", "area", "B", 2024)})
    ('indicators', 'r (area B, 2024)')
    >>> depends_on([("r", "area", "A", 2024)], set())
    False
    """
    for c in cells:
        if c in hidden:
            return (table, cell_label(c))
    return False


def criterion_cells(indicator: str, area_id: str, year: int, areas: pd.DataFrame | None, catalogue=None,
                    relative_to: str | None = None) -> list[Cell]:
    """The indicator-table cells a criterion value rests on.

    A pooled ``years: N`` indicator rests on its base's cells of years
    t-N+1..t; a ratio also on its reference level's cells (the area's
    municipality or region, or the country), and so does a criterion whose
    threshold is ``relative_to`` a level (the published threshold is a
    multiple of that level's value). An indicator outside the catalogue
    rests on nothing kvarter published.

    >>> areas = pd.DataFrame({"area_id": ["A"], "municipality": ["K"], "region": ["R"]})
    >>> criterion_cells("convicted_ratio_to_national_2y", "A", 2024, areas)
    [('convicted_share', 'area', 'A', 2023), ('convicted_share', 'area', 'A', 2024), ('convicted_share', 'country', 'country', 2023), ('convicted_share', 'country', 'country', 2024)]
    >>> criterion_cells("charged_per_1000", "A", 2024, areas, relative_to="municipality")
    [('charged_per_1000', 'area', 'A', 2024), ('charged_per_1000', 'municipality', 'K', 2024)]
    """
    from kvarter.indicators import load_catalogue

    cat = catalogue if catalogue is not None else load_catalogue()
    try:
        ind = cat[indicator]
    except KeyError:
        return []
    base, years = cat.base_of(indicator)
    span = range(int(year) - years + 1, int(year) + 1)
    cells = [(base, "area", str(area_id), y) for y in span]
    for level in {ind.reference, relative_to} - {None}:
        if level == "country":
            unit = "country"
        else:
            row = areas[areas["area_id"].astype(str) == str(area_id)] if areas is not None else pd.DataFrame()
            unit = str(row[level].iloc[0]) if len(row) and level in row.columns else None
        if unit is not None:
            cells += [(base, level, unit, y) for y in span]
    return cells
