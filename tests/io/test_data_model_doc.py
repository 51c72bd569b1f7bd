"""docs/data-model.md documents every contract exactly as the YAML declares it."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvarter.io.contracts import TABLES, Column, contract

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def _range(col: Column) -> str:
    parts = []
    if col.allowed:
        parts.append(", ".join(f"`{a}`" for a in col.allowed))
    elif col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"{col.min:g}"
        hi = "" if col.max is None else f"{col.max:g}"
        parts.append(f"{lo} – {hi}" if lo and hi else (f"≥ {lo}" if lo else f"≤ {hi}"))
    if col.references:
        parts.append(f"references `{col.references}`")
    return "; ".join(parts)


def column_row(col: Column) -> str:
    """The documentation table row of one contract column."""
    yes = {True: "yes", False: "no"}
    return (f"| `{col.name}` | {col.type} | {yes[col.required]} | {yes[col.nullable]} | "
            f"{_range(col)} | {col.help} |")


def contract_header(table: str) -> str:
    c = contract(table)
    return f"### `{table}` (contract version {c.version}; primary key {', '.join(f'`{k}`' for k in c.primary_key)})"


@pytest.mark.parametrize("table", TABLES)
def test_every_column_is_documented_as_declared(table):
    text = DOC.read_text(encoding="utf-8")
    assert contract_header(table) in text
    for col in contract(table).columns:
        assert column_row(col) in text, col.name


if __name__ == "__main__":  # prints the tables to paste into the doc
    for t in TABLES:
        print(contract_header(t), "", "| column | type | required | may be empty | allowed values / range | meaning and use |",
              "| --- | --- | --- | --- | --- | --- |", *map(column_row, contract(t).columns), "", sep="\n")
