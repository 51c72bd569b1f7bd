"""The Excel workbook, read back with openpyxl."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from kvarter.errors import DisclosureError, InputError
from kvarter.report.workbook import write_workbook


def test_workbook_has_one_sheet_per_table_with_status_beside_every_value(tables, tmp_path):
    path = write_workbook(tmp_path / "kvarter.xlsx", {"Designations: CPH/2025": tables["designations"],
                                                      "Trends": tables["trends"]})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Designations- CPH-2025", "Trends"]
    ws = book["Designations- CPH-2025"]
    header = [c.value for c in ws[1]]
    assert header == ["area", "criterion",
                      "n", "n_status", "n_reason",
                      "value", "value_status", "value_reason",
                      "threshold", "threshold_status", "threshold_reason",
                      "met", "met_status", "met_reason",
                      "margin", "margin_status", "margin_reason"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref is not None
    assert ws.column_dimensions["A"].width >= len("Tingbjerg/Husum")
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert rows[0][:8] == ["Tingbjerg/Husum", "employment", 1800, "published", None, 0.46, "published", None]
    assert rows[0][11] is True
    nordvest_youth = rows[5]
    assert nordvest_youth[:2] == ["Nordvest", "youth_education"]
    # every value of the suppressed row is an empty cell with status and reason, never 0
    for j in (2, 5, 8, 11, 14):
        assert nordvest_youth[j] is None
        assert nordvest_youth[j + 1] == "suppressed"
        assert nordvest_youth[j + 2] == "to protect the confidentiality of persons"
    assert isinstance(rows[1][5], float) and rows[1][5] == 0.62


def test_trend_sheet_keeps_numbers_numeric(tables, tmp_path):
    book = openpyxl.load_workbook(write_workbook(tmp_path / "k.xlsx", {"Trends": tables["trends"]}))
    ws = book["Trends"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == [2019, 2020, 2021, 2022, 2023] * 2
    shares = [r[5] for r in rows]
    assert shares[:5] == [0.28, 0.25, None, 0.19, 0.173]
    assert [r[6] for r in rows][2] == "suppressed"


def test_a_plain_dataframe_is_refused_before_the_file_exists(tables, tmp_path):
    with pytest.raises(DisclosureError, match="workbook sheet 'raw'"):
        write_workbook(tmp_path / "k.xlsx", {"ok": tables["trends"], "raw": pd.DataFrame({"n": [3]})})
    assert not (tmp_path / "k.xlsx").exists()
    with pytest.raises(InputError, match="empty"):
        write_workbook(tmp_path / "k.xlsx", {})
