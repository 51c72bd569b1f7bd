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
