"""The caseworker's working list never leaves as a table: only aggregates by area do,
and no household or dwelling id appears in any of them."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import InputError
from kvarter.housing import WorkingList, checklist, load_pathways, needs_overview, start_loan_assessment
from kvarter.housing.results import AREA_COLUMNS


@pytest.fixture(scope="module")
def results(demodal):
    classification = load_pathways().classify(demodal["households"], demodal["housing_market"])
    checked = checklist(demodal["dwellings"], households=demodal["households"])
    return classification, checked


def _aggregates(results, demodal):
    classification, checked = results
    return {
        "pathways_by_area": classification.by_area(),
        "pathways_all_renters": classification.by_area(tenure=("municipal_rent", "private_rent")),
        "mapped": classification.mapped(),
        "checklist_by_area": checked.by_area(),
        "needs": needs_overview(demodal["households"], start_loans=demodal["start_loans"]),
        "assessment": start_loan_assessment(demodal["housing_applications"]),
        "sentences": pd.DataFrame({"text": classification.sentences()}),
    }


def test_per_household_results_are_internal_and_not_tables(results):
    classification, checked = results
    for obj in (classification, checked, classification.working_list, checked.working_list):
        assert obj.__kvarter_internal__ is True
        assert not isinstance(obj, pd.DataFrame)
    assert "INTERNAL" in repr(classification.working_list)


def test_no_household_or_dwelling_id_in_any_aggregate(results, demodal):
    ids = set(demodal["households"]["household_id"]) | set(demodal["dwellings"]["dwelling_id"])
    ids |= set(demodal["housing_applications"]["application_id"])
    for name, table in _aggregates(results, demodal).items():
        cells = {str(v) for col in table.columns for v in table[col].dropna().unique()} | set(map(str, table.columns))
        leaked = {c for c in cells if any(i in c for i in ids if len(i) > 3)} if name == "sentences" else cells & ids
        assert not leaked, f"{name} holds ids: {sorted(leaked)[:3]}"


def test_every_aggregate_carries_its_count_and_base(results, demodal):
    for name, table in _aggregates(results, demodal).items():
        if name == "sentences":
            continue
        assert list(table.columns) == AREA_COLUMNS, name
        assert table["numerator"].notna().all() and table["denominator"].notna().all(), name


def test_the_working_list_is_written_only_to_a_file_marked_internal(results, tmp_path):
    wl = results[0].working_list
    with pytest.raises(InputError, match="whose name says it is internal"):
        wl.write(tmp_path / "pathways.csv")
    path = wl.write(tmp_path / "pathways.internal.csv")
    back = pd.read_csv(path, comment="#")
    assert len(back) == len(wl) and "household_id" in back.columns
    assert path.read_text(encoding="utf-8").startswith("# INTERNAL: caseworker's working list with personal data")


def test_a_working_list_is_not_a_dataframe():
    wl = WorkingList(pd.DataFrame({"household_id": ["H1"]}), "pathways")
    with pytest.raises(AttributeError):
        wl.to_csv  # noqa: B018 — there is no DataFrame API to publish it by accident
