"""Fixtures of the report tests: hand-made protected tables, the Copenhagen
GeoJSON, and a builder for a full report in any language.

Tables go through the real ``kvarter.disclosure.protect`` (min_count 5), so
the report is tested against the door it must use.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

GEOJSON = "kk_udsatte_byomraader_2017.geojson"


@pytest.fixture
def protect_table():
    """protect(df, key=..., value_columns=..., count_column="n") with min_count 5."""
    from kvarter.disclosure import DisclosurePolicy, protect

    def run(df: pd.DataFrame, key: list[str], value_columns: list[str], count_column: str = "n"):
        return protect(df, DisclosurePolicy(min_count=5), key=key, value_columns=value_columns,
                       count_column=count_column)

    return run


def designation_frame() -> pd.DataFrame:
    """One rule set's criteria for two areas; Nordvest's youth-education row
    rests on 3 persons and must be suppressed."""
    return pd.DataFrame({
        "area": ["Tingbjerg/Husum"] * 3 + ["Nordvest"] * 3,
        "criterion": ["employment", "education", "youth_education"] * 2,
        "value": [0.46, 0.62, 0.71, 0.38, 0.55, 0.80],
        "threshold": [0.40, 0.60, 0.75, 0.40, 0.60, 0.75],
        "met": [True, True, False, False, False, True],
        "margin": [0.06, 0.02, -0.04, -0.02, -0.05, 0.05],
        "n": [1800, 2100, 240, 950, 1300, 3],
    })


def trend_frame() -> pd.DataFrame:
    """Share without labour-market attachment; designated areas in 2021 rest on 4 persons."""
    years = [2019, 2020, 2021, 2022, 2023]
    return pd.DataFrame({
        "year": years * 2,
        "group": ["designated areas"] * 5 + ["rest of the city"] * 5,
        "share": [0.28, 0.25, 0.22, 0.19, 0.173, 0.11, 0.10, 0.095, 0.09, 0.085],
        "n": [900, 850, 4, 700, 650, 40000, 41000, 42000, 43000, 44000],
    })


def heat_frame() -> pd.DataFrame:
    """D for income high/low: three municipalities (sorted by pupils) × three years."""
    rows = []
    d = {"Aby": [0.12, 0.15, 0.18], "Bby": [0.35, 0.41, 0.44], "Cby": [0.66, 0.72, 0.79]}
    n = {"Aby": [30000, 30100, 30200], "Bby": [15000, 15100, 3], "Cby": [11000, 11050, 11100]}
    for m in d:
        for k, y in enumerate([2016, 2017, 2018]):
            rows.append({"municipality": m, "year": y, "d": d[m][k], "n": n[m][k]})
    return pd.DataFrame(rows)


def table1_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "municipality": ["Aby", "Bby", "Cby"],
        "avg_pupils": [30100.0, 15100.0, 11050.0],
        "schools": [120, 61, 40],
        "schools_per_1000": [3.99, 4.04, 3.62],
        "non_western": [0.21, 0.34, 0.08],
        "n": [30100, 15100, 4],
    })


def profile_frame() -> pd.DataFrame:
    cats = ["employed", "unemployed", "outside_labour_force"]
    return pd.DataFrame({
        "category": cats * 2,
        "group": ["Tingbjerg/Husum"] * 3 + ["whole municipality"] * 3,
        "share": [0.52, 0.09, 0.39, 0.78, 0.04, 0.18],
        "n": [900, 2, 680, 300000, 15000, 69000],
    })


@pytest.fixture
def tables(protect_table):
    """The protected fixture tables by name."""
    return {
        "designations": protect_table(designation_frame(), ["area", "criterion"], ["value", "threshold", "met", "margin"]),
        "trends": protect_table(trend_frame(), ["year", "group"], ["share"]),
        "heat": protect_table(heat_frame(), ["municipality", "year"], ["d"]),
        "table1": protect_table(table1_frame(), ["municipality"],
                                ["avg_pupils", "schools", "schools_per_1000", "non_western"]),
        "profile": protect_table(profile_frame(), ["category", "group"], ["share"]),
    }


@pytest.fixture
def features(reference_dir):
    """The 17 (multi)polygons of Copenhagen's deprived urban areas, read in place."""
    return json.loads((reference_dir / GEOJSON).read_text(encoding="utf-8"))["features"]


CATEGORY = {"Tingbjerg/Husum": "state_list", "Nørrebro": "copenhagen_2025", "Amager/Sundby": "state_list"}


@pytest.fixture
def build_report(tables, features):
    """Write a full report (every section and block type) in ``lang`` to ``path``."""
    from kvarter.report import charts, frames, sentences
    from kvarter.report.html import Chart, Heading, Map, Methods, Paragraph, Section, Table, write_report
    from kvarter.report.maps import svg_map

    def tip(f):
        p = f["properties"]
        return f"{p['delomraade']}\nResidents: {int(p['m2']) // 150}\nCriteria met: employment, education"

    def build(path: Path, lang: str = "en") -> Path:
        xs, series, why = frames.series(tables["trends"], x="year", by="group", value="share", lang=lang)
        values, reasons, rows, cols = frames.grid(tables["heat"], index="municipality", columns="year", value="d", lang=lang)
        cats, groups, gwhy = frames.series(tables["profile"], x="category", by="group", value="share", lang=lang)
        subject = {"en": "the share without labour-market attachment",
                   "da": "andelen uden tilknytning til arbejdsmarkedet",
                   "no": "andelen uten tilknytning til arbeidslivet",
                   "nl": "het aandeel zonder band met de arbeidsmarkt"}[lang]
        sections = [
            Section("map", [Map(svg_map(features, lambda f: CATEGORY.get(f["properties"]["byomraade"]), tip,
                                        name_by="delomraade", title="Copenhagen", lang=lang))]),
            Section("designations", [Table(tables["designations"], caption="Copenhagen 2025",
                                           formats={"value": "percent", "threshold": "percent", "margin": "number:2"})]),
            Section("profiles", [Chart(charts.bar_chart(cats, groups, title="Employment status", lang=lang, reasons=gwhy))]),
            Section("trends", [
                Chart(charts.line_chart(xs, series, title="Without labour-market attachment", lang=lang, reasons=why)),
                Paragraph(sentences.trend_sentence(subject, dict(zip(xs, series["designated areas"])), lang)),
            ]),
            Section("segregation", [
                Heading("table1"),
                Table(tables["table1"], caption="Table 1", bars=True,
                      formats={"non_western": "percent", "avg_pupils": "int"}),
                Chart(charts.heatmap(values, rows, cols, title="D income high/low", lang=lang, reasons=reasons)),
            ]),
        ]
        methods = Methods(
            sources=[{"dataset": "persons", "source": "Demoby synthetic register", "version": "1"}],
            load_records=[{"dataset": "persons", "file": "persons.csv", "rows": 120345, "loaded_at": "2025-01-01 10:00"}],
            indicators=[{"indicator": "no_attachment", "definition": "persons 18-64 outside work and education / persons 18-64"}],
            rule_sets=[{"rule_set": "copenhagen_2025", "version": "2025", "source": "Københavns Kommune 2025"}],
            policy={"min_count": 5},
        )
        return write_report(path, sections, lang=lang, title="Demoby", methods=methods, generated="2025-01-01")

    return build
