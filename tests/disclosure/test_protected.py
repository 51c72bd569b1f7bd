"""The door: Protected cannot be forged, files round-trip and are re-attacked by check-output."""

from __future__ import annotations

import copy
import json
import pickle

import pandas as pd
import pytest
from typer.testing import CliRunner

from kvarter.disclosure import (
    DisclosurePolicy,
    Protected,
    attack,
    check_output,
    ensure_protected,
    partition,
    protect,
    read_published,
)
from kvarter.disclosure.protected import description_path
from kvarter.errors import DisclosureError


@pytest.fixture
def protected():
    t = pd.DataFrame({"area": ["Demoby", "A", "B", "C", "D"], "year": 2023,
                      "persons": [49, 3, 12, 9, 25], "unemployed": [10, 1, 4, 2, 3]})
    t["share"] = t["unemployed"] / t["persons"]
    return protect(t, DisclosurePolicy(protect_complement=False), key=["area", "year"],
                   value_columns=["share"], count_column="persons",
                   relations=[partition("Demoby 2023", ("Demoby", 2023), [(a, 2023) for a in "ABCD"])],
                   name="unemployment")


def test_genuine_table_passes_the_door(protected):
    assert ensure_protected(protected, "report") is protected


@pytest.mark.parametrize("obj", [pd.DataFrame({"persons": [3]}), {"persons": [3]}, None, "table.csv"])
def test_anything_else_is_refused(obj):
    with pytest.raises(DisclosureError, match="report.workbook publishes only tables protected by"):
        ensure_protected(obj, "report.workbook")


def test_protected_cannot_be_built_directly():
    with pytest.raises(DisclosureError, match="made only by kvarter.disclosure.protect"):
        Protected(object(), frame=pd.DataFrame({"persons": [3]}))


def test_bypassing_init_does_not_forge_one():
    fake = object.__new__(Protected)
    with pytest.raises(DisclosureError, match="a Protected that protect\\(\\) did not make"):
        ensure_protected(fake, "report")


def test_protected_cannot_be_subclassed():
    with pytest.raises(DisclosureError, match="cannot be subclassed"):
        type("Fake", (Protected,), {})


def test_protected_is_immutable_and_frame_is_a_copy(protected):
    with pytest.raises(DisclosureError, match="immutable"):
        protected._frame = pd.DataFrame()
    f = protected.frame
    f.loc[1, "persons"] = 3
    assert pd.isna(protected.frame.loc[1, "persons"])
    assert copy.deepcopy(protected) is protected


def test_tampering_with_the_private_table_is_caught(protected):
    protected._frame.loc[1, "persons"] = 3  # deliberate, through a private attribute
    with pytest.raises(DisclosureError, match="was changed after protection"):
        ensure_protected(protected, "report")


@pytest.mark.parametrize("change", [
    lambda f: f.__setitem__("area", f["area"].replace("A", "Z")),      # a text key (Arrow-backed)
    lambda f: f.loc.__setitem__((0, "share_reason"), "nothing"),      # a text cell
    lambda f: f.loc.__setitem__((1, "share_status"), "published"),    # a status
    lambda f: f.loc.__setitem__((4, "year"), 2024),                   # an integer cell
    lambda f: f.__setitem__("extra", 1),                              # a new column
    lambda f: f.loc.__setitem__(5, f.loc[4]),                         # a row more
    lambda f: setattr(f, "columns", [c.replace("share", "rate") for c in f.columns]),  # renamed columns
], ids=["key", "reason", "status", "year", "column", "row", "rename"])
def test_any_change_to_the_private_table_is_caught(protected, change):
    # The fingerprint hashes storage buffers (issue 14.4); every kind of column must still count.
    assert ensure_protected(protected, "report") is protected
    change(protected._frame)
    with pytest.raises(DisclosureError, match="was changed after protection"):
        ensure_protected(protected, "report")


def test_protected_cannot_be_pickled(protected):
    with pytest.raises(DisclosureError, match="cannot be pickled"):
        pickle.dumps(protected)


def test_display_frame_never_shows_zero_for_suppressed(protected):
    shown = protected.display_frame("nl")
    assert shown["persons"].tolist() == ["49", "..", "12", "..", "25"]
    assert shown["share"].tolist()[0] == "0,204"
    # The published reason names no rule: "fewer than 5" would bound the cell.
    assert shown.loc[1, "persons_reason"] == "ter bescherming van de privacy"
    # A secondary cell reads the same, or it would tell which cells are the small ones.
    assert shown.loc[3, "share_reason"] == "ter bescherming van de privacy"
    assert protected.rule_reasons("share", "nl")[3] == "complement van een onderdrukte cel in totaal 'Demoby 2023'"


def test_suppression_summary(protected):
    published = "to protect the confidentiality of persons"
    assert protected.suppression_summary().to_dict("records") == [
        {"column": "persons", "status": "suppressed", "reason": published, "cells": 2},
        {"column": "share", "status": "suppressed", "reason": published, "cells": 2},
    ]
    s = protected.suppression_summary(public=False)
    assert s.to_dict("records") == [
        {"column": "persons", "status": "primary", "reason": "fewer than 5 persons", "cells": 1},
        {"column": "persons", "status": "secondary", "reason": "complement of a suppressed cell in total 'Demoby 2023'", "cells": 1},
        {"column": "share", "status": "primary", "reason": "fewer than 5 persons", "cells": 1},
        {"column": "share", "status": "secondary", "reason": "complement of a suppressed cell in total 'Demoby 2023'", "cells": 1},
    ]
    assert protected.status_counts() == {"published": 6, "primary": 2, "secondary": 2, "structural_zero": 0}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_written_file_round_trips_and_passes_the_check(protected, tmp_path, fmt):
    path = tmp_path / f"unemployment.{fmt}"
    getattr(protected, f"to_{fmt}")(path)
    desc = json.loads(description_path(path).read_text())
    assert desc["policy"]["min_count"] == 5 and desc["relations"][0]["name"] == "Demoby 2023"
    view = read_published(path)
    # Files say "suppressed" for primary and secondary cells alike.
    assert view.frame["persons_status"].tolist() == [
        "suppressed" if s in ("primary", "secondary") else s for s in protected.frame["persons_status"]]
    assert attack(view)[["lower", "upper"]].to_numpy().tolist() == [[0.0, 12.0], [0.0, 12.0]]
    assert check_output(tmp_path).empty


def test_check_output_finds_a_restored_value_and_the_recovery_it_allows(protected, tmp_path):
    path = protected.to_csv(tmp_path / "t.csv")
    df = pd.read_csv(path)
    # someone "fixes" the secondary cell back in: C = 9 is published again
    df.loc[3, "persons"] = 9
    df.loc[3, "persons_status"] = "published"
    df.to_csv(path, index=False)
    problems = check_output(tmp_path)
    assert problems["cell"].tolist() == ["A, 2023"]
    assert problems["problem"].iloc[0] == "can be recovered: recomputable exactly (3)"


def test_check_output_flags_a_value_left_in_a_suppressed_cell(protected, tmp_path):
    path = protected.to_csv(tmp_path / "t.csv")
    df = pd.read_csv(path)
    df.loc[1, "persons"] = 3
    df.to_csv(path, index=False)
    assert check_output(tmp_path)["problem"].tolist() == ["is suppressed but carries a value"]


def test_check_output_flags_files_without_a_description(tmp_path):
    pd.DataFrame({"area": ["A"], "persons": [3]}).to_csv(tmp_path / "raw.csv", index=False)
    problems = check_output(tmp_path)
    assert len(problems) == 1 and "has no disclosure description" in problems["problem"].iloc[0]


def test_cli_check_output_exit_codes(protected, tmp_path):
    from kvarter.cli.main import app

    protected.to_csv(tmp_path / "t.csv")
    runner = CliRunner(env={"COLUMNS": "250"})
    ok = runner.invoke(app, ["check-output", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "1 published file(s)" in ok.output
    strict = runner.invoke(app, ["check-output", str(tmp_path), "--min-count", "13"])
    assert strict.exit_code == 1
    assert "3 disclosure problem(s)" in strict.output
    assert "rests on 12 persons (minimum 13)" in strict.output
    assert "can be recovered: shown to be at most 12 (minimum 13)" in strict.output
    missing = runner.invoke(app, ["check-output", str(tmp_path / "nope")])
    assert missing.exit_code == 2
