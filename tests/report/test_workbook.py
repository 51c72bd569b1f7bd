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


def _guided_workbook(tmp_path, lang):
    """A small real indicator table (Demoby's areas, one year) rendered as the report renders it."""
    from kvarter.demo import synthesize
    from kvarter.disclosure import DisclosurePolicy
    from kvarter.indicators import compute, load_catalogue
    from kvarter.publish import Publication
    from kvarter.publish.indicators import protect_indicators
    from kvarter.report.render import render_publication
    from kvarter.store import Store

    data = synthesize(persons=1_500, areas=20, schools=6, years=range(2024, 2025), seed=4)
    # Three indicators keep the protection quick; the workbook code is the same for the whole catalogue.
    cat = load_catalogue().select(["residents", "non_western_share", "employed_share_18_64"])
    with Store(":memory:") as st:
        st.load_many({"areas": data["areas"], "persons": data["persons"]})
        ind = compute(st, catalogue=cat)
    policy = DisclosurePolicy()
    table = protect_indicators(ind, policy, areas=data["areas"], catalogue=cat)
    areas = data["areas"][["area_id", "name", "municipality"]].astype({"area_id": str})
    pub = Publication(tables={"indicators": table}, policy=policy, year=2024, municipality="Demoby", areas=areas)
    _, workbook, _ = render_publication(pub, tmp_path / lang, lang=[lang], catalogue=cat)
    return openpyxl.load_workbook(workbook), table, areas


def test_the_report_workbook_explains_itself_on_its_first_sheet(tmp_path):
    book, table, _ = _guided_workbook(tmp_path, "da")
    assert book.sheetnames[:2] == ["Om", "indicators"]
    about = [[c.value for c in r] for r in book["Om"].iter_rows()]
    cells = [v for r in about for v in r if v is not None]
    assert "Kommune: Demoby" in cells and "År: 2024" in cells
    policy = {r[0]: r[1] for r in about if r[0] in ("min_count", "dominance_n", "dominance_k")}
    assert policy == {"min_count": 5, "dominance_n": table.policy.dominance_n, "dominance_k": table.policy.dominance_k}
    # What was suppressed: the same counts as the table's own published summary.
    summary = table.suppression_summary("da")
    rows = {(r[0], r[1], r[2]): r[4] for r in about if r[0] == "indicators" and isinstance(r[4], int)}
    from kvarter.report.workbook import _header

    assert rows == {("indicators", _header(s.column, "da"), s.status): int(s.cells) for s in summary.itertuples()}
    assert sum(rows.values()) > 0
    # Definitions with the Danish names.
    defs = {r[0]: r for r in about if r[0] in ("residents", "non_western_share")}
    assert defs["residents"][1] == "Beboere" and defs["residents"][2] == "count"
    assert defs["non_western_share"][1].startswith("Andel indvandrere")


def test_the_report_workbook_has_names_headers_in_the_language_and_number_formats(tmp_path):
    book, table, areas = _guided_workbook(tmp_path, "da")
    ws = book["indicators"]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Indikator", "Indikatornavn", "Niveau", "Område- eller enheds-id"]
    assert "Område" in header and "Værdi" in header and "Værdi (status)" in header and "Værdi (årsag)" in header
    col = {h: i for i, h in enumerate(header)}
    names = dict(zip(areas["area_id"], areas["name"]))
    seen = {"share": 0, "count": 0, "name": 0}
    for r in ws.iter_rows(min_row=2):
        ind, level, unit_id = r[0].value, r[col["Niveau"]].value, r[col["Område- eller enheds-id"]].value
        if level == "area":
            assert r[col["Område"]].value == names[str(unit_id)]
            seen["name"] += 1
        value = r[col["Værdi"]]
        if value.value is None:
            continue
        if ind == "non_western_share":
            assert value.number_format == "0.0%"
            seen["share"] += 1
        if ind == "residents":
            assert value.number_format == "#,##0"
            seen["count"] += 1
    assert min(seen.values()) > 0, seen
    # The English workbook's first sheet is "About" and says the same in English.
    en, _, _ = _guided_workbook(tmp_path, "en")
    assert en.sheetnames[0] == "About"
    assert [c.value for c in en["indicators"][1]][:2] == ["Indicator", "Indicator name"]
