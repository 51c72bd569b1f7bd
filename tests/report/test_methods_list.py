"""The methods section lists what was suppressed and why in every table
the job publishes — files and workbook sheets, and the tables behind the
charts and maps — not only the tables the page shows (issue 8)."""

from __future__ import annotations

import re

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, partition, protect
from kvarter.report.html import Methods, Paragraph, Section, render_report


def _tables():
    t = pd.DataFrame({"area": ["K", "A", "B", "C"], "persons": [300, 3, 90, 207]})
    counts = protect(t, DisclosurePolicy(), key=["area"], value_columns=["persons"], count_column="persons",
                     relations=[partition("K", "K", ["A", "B", "C"])], name="residents")
    linked = pd.DataFrame({"area": ["A", "B", "C"], "persons": [100, 90, 110],
                           "linked": [("indicators", "residents (area A, 2024)"),
                                      ("indicators", "residents (area B, 2024)"), False]})
    pool = protect(linked, DisclosurePolicy(), key=["area"], value_columns=["persons"], count_column="persons",
                   linked_column="linked", name="pool")
    return {"indicators": counts, "trend_pool": pool}


def _summary_rows(html: str) -> list[list[str]]:
    methods = re.search(r'id="methods".*?</section>', html, re.S).group(0)
    summary = methods.split("What was suppressed and why")[1]
    # a published table's name is its file's name, shown as code
    rows = [re.findall(r"<td>(?:<code>)?([^<]*)(?:</code>)?</td>", r)
            for r in re.findall(r"<tr>(.*?)</tr>", summary, re.S)]
    return [r for r in rows if r]


def test_the_methods_list_covers_every_published_table_not_only_those_shown():
    html = render_report([Section("map", [Paragraph("Nothing shown.")])], lang="en", title="t",
                         methods=Methods(published=_tables()))
    rows = _summary_rows(html)
    # indicators: A (3 persons) and B, its complement; the pool: two cells
    # resting on hidden cells elsewhere, counted under one reason.
    # Column names are shown in words (the label table), as in every report table.
    assert rows == [
        ["indicators", "Persons", "suppressed", "to protect the confidentiality of persons", "2"],
        ["trend_pool", "Persons", "suppressed", "depends on a figure suppressed in another published table", "2"],
    ]


def test_methods_of_hands_the_publication_to_the_methods_section():
    from kvarter.jobs.monitor import methods_of
    from kvarter.publish import Publication
    from kvarter.store import Store

    pub = Publication(tables=_tables(), policy=DisclosurePolicy(), year=2024, municipality="K")
    m = methods_of(Store(":memory:"), ["dk-2024"], DisclosurePolicy(), publication=pub)
    assert sorted(m.published) == ["indicators", "trend_pool"]
