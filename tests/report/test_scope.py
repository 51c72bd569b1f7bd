"""Issue 9, scope: every municipality gets its map; --municipality chooses the report's municipality."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from kvarter.disclosure import DisclosurePolicy
from kvarter.publish import Publication
from kvarter.publish.indicators import protect_indicators
from kvarter.report.sections import build_sections


def _square(x: float) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [[[x, 55.0], [x + 0.01, 55.0], [x + 0.01, 55.01],
                                                           [x, 55.01], [x, 55.0]]]})


def test_every_municipality_gets_its_map_not_only_those_with_designations():
    areas = pd.DataFrame({"area_id": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"],
                          "municipality": ["Demoby", "Demoby", "Nabokøbing"],
                          "geometry": [_square(12.0), _square(12.02), _square(12.5)]})
    ind = pd.DataFrame({"indicator": "residents", "level": "area", "unit_id": ["A", "B", "C"], "year": 2024,
                        "value": [400.0, 500.0, 600.0], "numerator": [400.0, 500.0, 600.0],
                        "denominator": float("nan"), "persons": [400, 500, 600]})
    ind["raw_value"] = ind["value"]
    pub = Publication(tables={"indicators": protect_indicators(ind, DisclosurePolicy())},
                      policy=DisclosurePolicy(), year=2024, municipality="Demoby", areas=areas,
                      designated={"udsat_boligomraade": ["A"]})
    maps = [b for s in build_sections(pub, "en") if s.title_key == "map" for b in s.blocks]
    assert len(maps) == 2
    assert "Demoby 2024" in maps[0].svg and "Nabokøbing 2024" in maps[1].svg
    assert "Gamma" in maps[1].svg and "Gamma" not in maps[0].svg


def test_a_mistyped_municipality_is_refused_before_anything_is_computed(tmp_path):
    from kvarter.cli.main import app
    from kvarter.store import Store

    path = tmp_path / "k.duckdb"
    with Store(path) as st:
        st.write_result("areas", pd.DataFrame({"area_id": ["A"], "name": ["Alpha"], "municipality": ["Demoby"]}))
    res = CliRunner().invoke(app, ["report", "--store", str(path), "--out", str(tmp_path / "out"),
                                   "--municipality", "Demby"])
    from kvarter.errors import InputError

    # CliRunner hands back the exception the entry point turns into exit 2 and its message.
    assert isinstance(res.exception, InputError), res.output
    assert "'Demby' is not a municipality of the store's areas; they are: Demoby." in str(res.exception)
    assert not (tmp_path / "out").exists()


def test_the_chosen_municipality_is_the_reports_and_its_case_is_forgiven():
    from kvarter.jobs.monitor import _chosen_municipality

    areas = pd.DataFrame({"municipality": ["Demoby", "Nabokøbing", None]})
    assert _chosen_municipality(areas, " NABOKØBING ") == "Nabokøbing"
    with pytest.raises(Exception, match="they are: Demoby, Nabokøbing"):
        _chosen_municipality(areas, "Oslo")
