"""`kvarter check-output FILE --counts ...`: a table made by hand, checked before it leaves the office."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from kvarter.cli.main import app
from kvarter.disclosure.check import check_plain_file
from kvarter.disclosure.handmade import check_plain_table
from kvarter.errors import InputError


def _problems(frame, **kw):
    out = check_plain_table(frame, **kw)
    return sorted(zip(out["cell"], out["column"], out["problem"]))


def test_a_published_count_under_the_minimum_is_named():
    t = pd.DataFrame({"area": ["A", "B"], "persons": ["4", "50"]})
    assert _problems(t, counts=["persons"]) == [("A", "persons", "rests on 4 persons (minimum 5)")]


def test_a_zero_is_no_person_and_passes():
    t = pd.DataFrame({"area": ["A", "B"], "persons": ["0", "50"]})
    assert _problems(t, counts=["persons"]) == []


def test_a_single_hidden_cell_in_a_total_is_recomputed_from_the_total():
    # 40 - 17 - 20 = 3: the intruder gets the hidden cell exactly.
    t = pd.DataFrame({"area": ["Total", "A", "B", "C"], "persons": ["40", ".", "17", "20"]})
    assert _problems(t, counts=["persons"]) == [("A", "persons", "can be recovered: recomputable exactly (3)")]


def test_two_hidden_cells_whose_sum_is_small_are_both_bounded_under_the_minimum():
    # 25 - 20 = 5 persons between A and B: each is at most 5 -> not below the minimum of 5 ...
    t = pd.DataFrame({"area": ["Total", "A", "B", "C"], "persons": ["25", "x", "x", "20"]})
    assert _problems(t, counts=["persons"]) == []
    # ... but with 24, each is at most 4: both are shown to rest on fewer than 5.
    t["persons"] = ["24", "x", "x", "20"]
    assert _problems(t, counts=["persons"]) == [
        ("A", "persons", "can be recovered: shown to be at most 4 (minimum 5)"),
        ("B", "persons", "can be recovered: shown to be at most 4 (minimum 5)"),
    ]


def test_a_cross_table_with_margins_in_both_directions():
    # area x sex with totals on both: hiding A/women alone is undone by the row margin
    # (A/all 30 - A/men 28 = 2) and by the column margin (Total/women 22 - B/women 20 = 2).
    t = pd.DataFrame({
        "area": ["A", "A", "A", "B", "B", "B", "Total", "Total", "Total"],
        "sex": ["men", "women", "all"] * 3,
        "persons": ["28", "x", "30", "25", "20", "45", "53", "22", "75"],
    })
    assert _problems(t, counts=["persons"]) == [("A, women", "persons", "can be recovered: recomputable exactly (2)")]
    # Hiding the four inner cells of the 2x2 core leaves a one-parameter family: safe.
    t["persons"] = ["x", "x", "30", "x", "x", "45", "53", "22", "75"]
    assert _problems(t, counts=["persons"]) == []


def test_parts_that_do_not_add_up_leave_a_group_whose_size_is_checked():
    # 40 - 17 - 20 = 3 persons in no published row: an unpublished group of 3.
    t = pd.DataFrame({"area": ["Total", "A", "B"], "persons": ["40", "17", "20"]})
    assert _problems(t, counts=["persons"]) == [
        ("Total", "persons of the difference in 'area = Total'",
         "can be recovered: difference shown to hold between 1 and 3 persons (minimum 5)"),
    ]


def test_a_mark_that_tells_the_range_is_itself_a_problem():
    t = pd.DataFrame({"area": ["A", "B"], "persons": ["<5", "50"]})
    assert _problems(t, counts=["persons"]) == [
        ("A", "persons", "is marked '<5', which tells the value is below 5")
    ]


def test_the_minimum_is_the_one_given():
    t = pd.DataFrame({"area": ["A", "B"], "persons": ["7", "50"]})
    from kvarter.disclosure import DisclosurePolicy

    assert _problems(t, counts=["persons"], policy=DisclosurePolicy(min_count=10)) == [
        ("A", "persons", "rests on 7 persons (minimum 10)")
    ]


def test_bad_cells_and_columns_are_named(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("area,persons\nA,12\nB,about 40\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"mine.csv line 3, column persons: 'about 40' is not a count"):
        check_plain_file(p, counts=["persons"])
    with pytest.raises(InputError, match=r"no column\(s\) \['people'\]"):
        check_plain_file(p, counts=["people"])
    p.write_text("area,persons\nA,12\nA,40\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"rows repeat the key \['A'\]"):
        check_plain_file(p, counts=["persons"])


def test_the_command_checks_a_danish_semicolon_file_with_thousands_separators(tmp_path):
    p = tmp_path / "tabel.csv"
    p.write_text(
        "kommune;område;år;personer;beskæftigede\n"
        "Demoby;I alt;2023;1.240;610\n"
        "Demoby;Nord;2023;x;3\n"
        "Demoby;Syd;2023;1.200;<5\n"
        "Demoby;Øst;2023;37;x\n",
        encoding="cp1252",
    )
    runner = CliRunner(env={"COLUMNS": "300"})  # Rich wraps table cells to the terminal width
    res = runner.invoke(app, ["check-output", str(p), "--counts", "personer,beskæftigede", "--key", "område,år"])
    assert res.exit_code == 1, res.output
    out = " ".join(res.output.split())
    # 1,240 - 1,200 - 37 = 3 persons in Nord; 3 employed published; Syd's '<5' tells its range.
    assert "recomputable exactly (3)" in out
    assert "rests on 3 persons (minimum 5)" in out
    assert "is marked '<5'" in out
    clean = tmp_path / "clean.csv"
    clean.write_text("område,personer\nI alt,60\nNord,x\nSyd,x\nØst,37\n", encoding="utf-8")
    res = runner.invoke(app, ["check-output", str(clean), "--counts", "personer"])
    assert res.exit_code == 0, res.output
    assert "pass disclosure control" in res.output


def test_without_counts_a_file_with_no_sidecar_is_refused_with_the_way_to_check_it(tmp_path):
    p = tmp_path / "mine.csv"
    p.write_text("area,persons\nA,12\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["check-output", str(p)])
    assert res.exit_code == 1
    assert "--counts" in " ".join(res.output.split())
