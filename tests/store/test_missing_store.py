"""A store is created only by what loads data into it (issue 9): opening one
to read it never leaves an empty file behind a mistyped path."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import InputError
from kvarter.store import Store


def _message(path, what="does not exist", beside=""):
    return (f"The store {path} {what}.{beside} Check --store, or create the store by loading data into it: "
            f"kvarter load FILE --table persons --store {path} (or kvarter synth --store / kvarter demo --store "
            "for synthetic data).")


def test_create_false_refuses_a_missing_file_and_writes_nothing(tmp_path):
    typo = tmp_path / "kvarter.duckbd"
    with pytest.raises(InputError) as err:
        Store(typo, create=False)
    assert str(err.value) == _message(typo)
    assert list(tmp_path.iterdir()) == []


def test_the_message_lists_the_stores_beside_the_typo(tmp_path):
    Store(tmp_path / "kvarter.duckdb").close()
    Store(tmp_path / "old.duckdb").close()
    with pytest.raises(InputError) as err:
        Store(tmp_path / "kvarter.duckbd", create=False)
    assert str(err.value) == _message(tmp_path / "kvarter.duckbd",
                                      beside=f" Stores in {tmp_path}: kvarter.duckdb, old.duckdb.")


def test_read_only_refuses_a_missing_file_the_same_way(tmp_path):
    with pytest.raises(InputError) as err:
        Store(tmp_path / "none.duckdb", read_only=True)
    assert str(err.value) == _message(tmp_path / "none.duckdb")


def test_a_folder_is_not_a_store(tmp_path):
    with pytest.raises(InputError) as err:
        Store(tmp_path, create=False)
    assert str(err.value).startswith(f"The store {tmp_path} is a folder, not a DuckDB file.")


def test_create_false_opens_an_existing_store_and_memory(tmp_path):
    path = tmp_path / "k.duckdb"
    with Store(path) as s:  # create=True by default: loading data makes a store
        s.write_result("t", pd.DataFrame({"a": [1]}))
    with Store(path, create=False) as s:
        assert s.read("t")["a"].tolist() == [1] and s.create is False
    Store(":memory:", create=False).close()


@pytest.mark.parametrize("table, how", [
    ("persons", "Load it with kvarter load FILE --table persons."),
    ("indicators", "Compute it with kvarter indicators (or kvarter.indicators.compute)."),
    ("designations", "Screen first with kvarter screen --ruleset RULESET --year YEAR."),
    ("segregation_results", "Run kvarter segregation first."),
])
def test_a_missing_table_says_how_it_is_made(table, how):
    with pytest.raises(InputError) as err:
        Store(":memory:").read(table)
    assert str(err.value) == f"The store :memory: has no table {table!r}; it has 'load_records'. {how}"


def test_a_store_without_persons_says_how_to_load_them():
    from kvarter.errors import MissingFieldError
    from kvarter.indicators import compute

    with pytest.raises(MissingFieldError) as err:
        compute(Store(":memory:"))
    assert str(err.value) == ("The store :memory: has no persons table; load person-year data first: "
                              "kvarter load FILE --table persons --store :memory: "
                              "(or read Parquet files in place: --source parquet:PATH).")


def test_a_wide_format_into_another_table_says_which_table(tmp_path):
    f = tmp_path / "kwb.csv"
    f.write_text("gwb_code,a_inw\nBU1,10\n")
    with pytest.raises(InputError) as err:
        Store(":memory:").load(f, table="persons", format="cbs")
    assert str(err.value) == ("--format cbs reshapes a file into aggregates; got table 'persons'. "
                              "Load it with --table aggregates (or leave --table out).")
