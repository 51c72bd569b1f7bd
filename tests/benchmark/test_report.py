"""The Benchmarks section and workbook sheets, drawn from a Publication, in
four languages; the monitor's publication carries the benchmark tables."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from kvarter.benchmark import reference_groups
from kvarter.disclosure import DisclosurePolicy
from kvarter.publish import Publication
from kvarter.publish.benchmark import protect_benchmark
from kvarter.report.i18n import LANGUAGES, label
from kvarter.report.sections import build_sections
from kvarter.report.workbook import write_workbook


def _publication():
    rng = np.random.default_rng(2)
    ids = [f"A{i}" for i in range(8)]
    den = rng.integers(200, 3000, 8).astype(float)
    den[3] = 4.0
    rows = []
    for ind in ("non_western_share", "basic_education_share"):
        num = np.round(den * rng.uniform(0.05, 0.4, 8))
        rows.append(pd.DataFrame({"indicator": ind, "unit_id": ids, "year": 2024, "numerator": num,
                                  "denominator": den, "persons": den, "value": num / den}))
    v = pd.concat(rows, ignore_index=True)
    groups = reference_groups(pd.DataFrame({"unit_id": ids, "municipality": "Nordby"}), "region", column="municipality",
                              include_self=True)
    t = protect_benchmark(v, groups, DisclosurePolicy(), kinds=dict.fromkeys(v["indicator"].unique(), "share"),
                          names={i: f"Area {i}" for i in ids}, spine_units=["A0"], prefix="benchmark_areas")
    return Publication(tables=t, policy=DisclosurePolicy(), year=2024, municipality="Nordby"), v


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_benchmarks_section_in_each_language(lang):
    pub, v = _publication()
    (section,) = [s for s in build_sections(pub, lang) if s.title_key == "benchmarks"]
    svgs = [b.svg for b in section.blocks if type(b).__name__ == "Chart"]
    funnels = [s for s in svgs if "kv-funnel" in s]
    spines = [s for s in svgs if "kv-spine" in s]
    assert len(funnels) == 2 and len(spines) == 1
    # one hover per published point: name, value, persons counted, class
    pub_units = pub["benchmark_areas_funnel"].frame
    nw = pub_units[pub_units["indicator"] == "non_western_share"]
    # A3 (4 persons) is suppressed and one complement with it: neither is drawn
    assert funnels[0].count('class="kv-point"') == len(nw) == 6
    tips = re.findall(r'class="kv-point"><title>([^<]*)</title>', funnels[0])
    assert all(label("precision", lang).lower() in t for t in tips)
    assert any(t.startswith("Area A0: ") for t in tips)
    assert label("funnel", lang) in funnels[0] and label("spine", lang) in spines[0]
    assert spines[0].count('class="kv-spine-row"') == 2


def test_the_workbook_has_a_sheet_per_benchmark_table(tmp_path):
    import openpyxl

    pub, _ = _publication()
    book = openpyxl.load_workbook(write_workbook(tmp_path / "k.xlsx", pub.tables), read_only=True)
    assert book.sheetnames == ["benchmark_areas_comparison", "benchmark_areas_funnel", "benchmark_areas_spine"]
    ws = book["benchmark_areas_comparison"]
    head = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert "value_status" in head and "reference" in head


@pytest.mark.slow
def test_the_monitor_benchmarks_areas_and_municipalities():
    from kvarter.demo import synthesize
    from kvarter.demo.country import synthesize_country
    from kvarter.jobs.monitor import monitor_publication
    from kvarter.store import Store

    # (areas=20 trips the composite gap of the monitor, outside the benchmarks: see the report to the lead)
    # The demo's size: small regions make secondary suppression slow (many small cells).
    data = synthesize(years=range(2019, 2025), seed=0)
    st = Store(":memory:")
    st.load_many({t: data[t] for t in ("areas", "schools", "persons")}, replace=True)
    st.load_many({"aggregates": synthesize_country(years=range(2019, 2025), seed=0)}, replace=True)
    pub = monitor_publication(st, policy=DisclosurePolicy(), permutations=0, bootstrap=0)
    areas = pub["benchmark_areas_comparison"].frame
    assert set(areas.loc[areas["row"] == "reference", "unit"]) == {pub.municipality}
    spine = pub["benchmark_municipalities_spine"].frame
    assert set(spine["unit"]) == {pub.municipality}
    comp = pub["benchmark_municipalities_comparison"].frame
    assert (comp["row"] == "unit").sum() == 4 * 64
    # the cells the indicator table hides are hidden in the benchmark too
    ind = pub["indicators"].frame
    hid = ind[(ind["level"] == "area") & (ind["year"] == pub.year) & (ind["value_status"] != "published")]
    hidden = set(zip(hid["indicator"], hid["unit_id"].astype(str)))
    for r in areas[areas["row"] == "unit"].itertuples():
        if (r.indicator, r.unit) in hidden:
            assert r.value_status != "published"
