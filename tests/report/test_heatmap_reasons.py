"""The segregation heat map draws a published value as a value and a
suppressed one hatched with its reason — never a published cell as
"suppressed: nan" (pandas' string inference once turned the published cells'
``None`` reasons into NaN)."""

from __future__ import annotations

import re

import pandas as pd


def _results():
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.publish.segregation import protect_segregation
    from kvarter.segregation import analyse_segregation
    from kvarter.segregation.groups import ThemeSet

    ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "test",
        "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
                    "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    rows = []
    # Big: 400 pupils in two schools, every count far above the minimum. Small: 3 western pupils.
    for unit, native, western in (("b1", 160, 40), ("b2", 40, 160)):
        rows += [("Big", unit, "native", native), ("Big", unit, "western", western), ("Big", unit, "total", native + western)]
    for unit, native, western in (("s1", 60, 2), ("s2", 60, 1)):
        rows += [("Small", unit, "native", native), ("Small", unit, "western", western), ("Small", unit, "total", native + western)]
    c = pd.DataFrame(rows, columns=["municipality", "unit", "group", "n"]).assign(year=2020)
    analysis = analyse_segregation(c, themes=ts, indices=("dissimilarity",), permutations=0, bootstrap=0,
                                   min_unit_size=0, min_municipality_size=0)
    return protect_segregation(analysis, DisclosurePolicy(min_count=5), "school")["school_results"]


def test_heatmap_draws_published_cells_as_values_and_hidden_ones_with_their_reason():
    from kvarter.report.sections import heatmap_blocks

    results = _results()
    status = results.frame.set_index("municipality")["estimate_status"]
    assert status["Big"] == "published" and status["Small"] != "published"
    (block,) = heatmap_blocks(results, ["Big", "Small"], "en")
    titles = re.findall(r"<title>([^<]*)</title>", block.svg)
    big = [t for t in titles if t.startswith("Big, 2020")]
    small = [t for t in titles if t.startswith("Small, 2020")]
    assert big and not any("suppressed" in t for t in big), big
    assert small and all(t.startswith("Small, 2020: suppressed: ") for t in small), small
    assert not any(t.endswith(": nan") or "nan" in t.split(": ")[-1] for t in titles), titles
