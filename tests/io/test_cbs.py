"""The CBS neighbourhood file reshapes into aggregates; suppressed cells stay suppressed.

Expected values are read by hand from
../shared/data/reference/cbs_kwb2019_84583NED_denhaag.csv.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kvarter.errors import InputErrors, Reason
from kvarter.io import contract, read_table, validate_frame
from kvarter.io.cbs import CBS_KWB_2019, WideMapping, wide_to_aggregates
from kvarter.io.readers import SourceTable

ORDER = ["total", "m", "f", "0-14", "15-24", "25-44", "45-64", "65+", "western", "non_western", "low", "middle", "high"]

BY_HAND = {
    # unit: (file row, kind, the 13 counts in ORDER; None = '.' in the file)
    "GM0518": (1, "municipality", [537833, 266778, 271055, 92532, 66099, 162025, 139157, 78020, 99877, 193599,
                                   128180, 146030, 144220]),
    "WK051801": (2, "district", [0] * 10 + [None] * 3),
    "WK051802": (4, "district", [8245, 4035, 4210, 1230, 1210, 1780, 2350, 1680, 1990, 1075, 1250, 2170, 2960]),
    "BU05180373": (7, "neighbourhood", [930, 420, 505, 95, 85, 100, 210, 440, 250, 85, 70, 200, 390]),
    "BU05181785": (51, "neighbourhood", [55, 50, 5, 0, 0, 30, 25, 0, 5, 20, None, None, None]),
}


@pytest.fixture(scope="module")
def cbs(reference_dir):
    src = read_table(reference_dir / "cbs_kwb2019_84583NED_denhaag.csv")
    long = wide_to_aggregates(src, CBS_KWB_2019)
    checked = validate_frame(long.frame, contract("aggregates"), source=long.source, rows=long.rows)
    return src, long, checked


def test_file_is_sniffed_as_bom_semicolon(cbs):
    src, _, _ = cbs
    assert src.dialect.encoding == "utf-8-sig" and src.dialect.delimiter == ";"
    assert src.frame.columns[0] == "ID"  # the BOM is not part of the first name
    assert len(src.frame) == 159


def test_shape_and_suppressed_cells(cbs):
    _, long, checked = cbs
    f = checked.frame
    assert len(f) == 159 * 13
    assert set(f["year"]) == {2019}
    assert f["unit_kind"].value_counts().to_dict() == {"neighbourhood": 114 * 13, "district": 44 * 13,
                                                      "municipality": 13}
    suppressed = f[f["status"] == "suppressed"]
    assert len(suppressed) == 18  # six units with '.' in the three education columns
    assert suppressed["count"].isna().all()
    assert set(suppressed["variable"]) == {"education_level"}
    assert f.loc[f["status"] == "published", "count"].notna().all()
    assert long.notes == ["columns not in the CBS Kerncijfers wijken en buurten 2019 (84583NED): ID, Codering_3"]


@pytest.mark.parametrize("unit", sorted(BY_HAND))
def test_units_read_by_hand(cbs, unit):
    _, _, checked = cbs
    row, kind, counts = BY_HAND[unit]
    f = checked.frame
    sel = f[f["unit_id"] == unit]
    positions = np.flatnonzero((f["unit_id"] == unit).to_numpy())
    assert set(checked.rows[positions]) == {row}
    assert set(sel["unit_kind"]) == {kind}
    got = dict(zip(sel["category"], sel["count"].astype("float64")))
    for category, expected in zip(ORDER, counts):
        if expected is None:
            assert math.isnan(got[category])
        else:
            assert got[category] == expected
    status = dict(zip(sel["category"], sel["status"]))
    assert [status[c] for c in ORDER] == ["suppressed" if c is None else "published" for c in counts]


def test_zero_resident_district_is_published_zero_not_suppressed(cbs):
    f = cbs[2].frame
    row = f[(f["unit_id"] == "WK051801") & (f["variable"] == "inhabitants")]
    assert row["count"].tolist() == [0.0] and row["status"].tolist() == ["published"]


def test_missing_layout_columns_are_all_named():
    wide = pd.DataFrame({"WijkenEnBuurten": ["GM0518"], "SoortRegio_2": ["Gemeente"]})
    with pytest.raises(InputErrors) as err:
        wide_to_aggregates(SourceTable(wide, np.array([1]), "kwb.csv", "csv", ""), CBS_KWB_2019)
    failures = err.value.failures
    assert len(failures) == len(CBS_KWB_2019.counts)
    assert {f.reason for f in failures} == {Reason.missing_column}
    assert failures[0].column == "AantalInwoners_5" and failures[0].file == "kwb.csv"


def test_bad_count_is_reported_at_its_file_row():
    m = WideMapping("code", "kind", {"Buurt": "neighbourhood"}, 2019,
                    {"a": ("v", "x"), "b": ("v", "y")})
    wide = pd.DataFrame({"code": ["BU1", "BU2"], "kind": ["Buurt", "Buurt"], "a": ["5", "-5"], "b": ["?", "."]})
    long = wide_to_aggregates(SourceTable(wide, np.array([3, 8]), "w.csv", "csv", ""), m)
    with pytest.raises(InputErrors) as err:
        validate_frame(long.frame, contract("aggregates"), source="w.csv", rows=long.rows)
    assert [(f.row, f.column, f.value, f.reason) for f in err.value.failures] == [
        (3, "count", "?", Reason.wrong_type), (8, "count", "-5", Reason.negative_count)]
