"""Issue 9: the list history reads as areas by years, not 330 rows of "not listed"."""

from __future__ import annotations

import re

import pandas as pd

from kvarter.disclosure import DisclosurePolicy
from kvarter.publish.screening import protect_history
from kvarter.report.sections import history_grids


def test_the_history_grid_has_one_cell_per_area_and_year_with_the_published_status():
    years = [2020, 2021, 2022, 2023]
    on = {("a", 2021), ("a", 2022), ("a", 2023), ("b", 2023), ("c", 2020)}
    rows = [{"ruleset": "dk-2024", "list": "udsat_boligomraade", "area_id": a, "name": n, "year": y,
             "designated": (a, y) in on, "change": "listed" if (a, y) in on else "not listed"}
            for a, n in (("a", "Nordparken"), ("b", "Sydbyen"), ("c", "Vestly")) for y in years]
    long = pd.DataFrame(rows)
    # Vestly had 3 residents in 2020: that cell is suppressed, never shown as on or off.
    residents = pd.DataFrame([{"area_id": a, "year": y, "residents": 3 if (a, y) == ("c", 2020) else 1500}
                              for a in "abc" for y in years])
    table = protect_history(long, residents, DisclosurePolicy())
    (grid,) = history_grids(table, "en")
    svg = grid.svg
    published = table.frame[table.frame["designated_status"] == "published"]
    assert svg.count('class="kv-cell kv-on"') == int(published["designated"].astype(bool).sum()) == 4
    assert svg.count('class="kv-cell kv-off"') == int((~published["designated"].astype(bool)).sum()) == 7
    assert svg.count("kv-cell kv-suppressed") == 1
    assert "<title>Vestly, 2020: suppressed" in svg
    titles = re.findall(r"<title>([^<]+)</title>", svg)
    assert "Nordparken, 2021: designated" in titles and "Sydbyen, 2022: not designated" in titles
    # Rows ordered by the first year on the list; the list named, not its key.
    rows_in_order = re.findall(r'class="kv-rowlabel">([^<]+)<', svg)
    assert rows_in_order == ["Nordparken", "Sydbyen", "Vestly"]
    assert "State lists, 2021 law (current): Deprived housing area" in svg and "udsat_boligomraade" not in svg
    (da,) = history_grids(table, "da")
    assert "Statens lister, 2021-loven (gældende): Udsat boligområde" in da.svg  # named in the reader's language
    assert "Nordparken, 2021: udpeget" in da.svg and "Sydbyen, 2022: ikke udpeget" in da.svg
