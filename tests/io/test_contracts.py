"""The built-in contracts load, and bad contract files say where they are wrong."""

from __future__ import annotations

import pytest

from kvarter.errors import RuleError
from kvarter.io.contracts import TABLES, contract, load_contract

PERSON_CODES = {
    "origin": ("native", "western", "non_western"),
    "education": ("basic", "upper_secondary", "vocational", "short_tertiary", "medium_tertiary", "long_tertiary"),
    "labour_status": ("employed", "unemployed", "outside_labour_force", "in_education", "retired", "child"),
    "tenure": ("owner", "cooperative", "social_rent", "municipal_rent", "private_rent"),
    "household_type": (
        "single_no_children", "single_with_children", "couple_no_children", "couple_with_children", "other",
    ),
}


@pytest.mark.parametrize("table", TABLES)
def test_builtin_contracts_load(table):
    c = contract(table)
    assert c.kind == "contract" and c.table == table and c.version >= 1
    assert c.primary_key and all(c.column(k).required for k in c.primary_key)


@pytest.mark.parametrize(("column", "codes"), sorted(PERSON_CODES.items()))
def test_person_codes_are_the_documented_ones(column, codes):
    assert contract("persons").column(column).allowed == codes


def test_references_point_at_existing_columns():
    for table in TABLES:
        for col in contract(table).columns:
            if col.references:
                target_table, target_col = col.references.split(".")
                assert target_col in contract(target_table).names


def _write(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("kind: contract\ntable: t\nversion: 1\ncolumns:\n  - {name: x, type: text}\n",
         "@ columns.0.type: 'text' — expected one of"),
        ("kind: contract\ntable: t\nversion: 0\ncolumns:\n  - {name: x, type: string}\n",
         "@ version: 0"),
        ("kind: contract\ntable: t\nversion: 1\nprimary_key: [y]\ncolumns:\n  - {name: x, type: string}\n",
         "primary key column 'y' is not among the columns"),
        ("kind: contract\ntable: t\nversion: 1\ncolumns:\n  - {name: x, type: integer, min: 3, max: 1}\n",
         "columns.0: min (3.0) is greater than max (1.0)"),
        ("kind: contract\ntable: t\nversion: 1\ncolumns:\n  - {name: x, type: string, colour: red}\n",
         "columns.0.colour"),
        ("kind: contract\ntable: t\nversion: 1\ncolumns:\n  - {name: x, type: string}\n  - {name: x, type: string}\n",
         "column(s) declared twice: x"),
        ("kind: contract\ntable: t\nversion: 1\ncolumns: [\n", "Invalid YAML in contract"),
    ],
)
def test_bad_contract_names_file_and_path(tmp_path, text, fragment):
    p = _write(tmp_path, text)
    with pytest.raises(RuleError) as err:
        load_contract(p)
    assert str(p) in str(err.value)
    assert fragment in str(err.value)
