"""The instruments model exactly as the seed lists it, and suggestions from the needs."""

from __future__ import annotations

import pandas as pd
import pytest

from kvarter.errors import RuleError
from kvarter.housing import instruments, load_instruments, suggest

SEED_HUSBANKEN = {  # Husbanken's instruments per strategy, from the seed's fullest slide
    "municipality_buys": ["Grunnlån", "Tilskudd til utleieboliger"],
    "municipality_builds": ["Grunnlån", "Tilskudd til utleieboliger"],
    "private_partners": ["Grunnlån", "Tilskudd til utleieboliger (gis til utbygger)"],
    "private_rental_market": ["Bostøtte"],
    "help_to_buy": ["Startlån", "Tilskudd til etablering", "Tilskudd til tilpasning", "Bostøtte", "Investeringstilskudd"],
    "help_to_stay": ["Startlån (eid bolig)", "Tilskudd til etablering", "Bostøtte"],
    "adapt_and_build_accessible": ["Startlån (eid bolig)", "Grunnlån", "Tilskudd til tilpasning", "Tilskudd til heis",
                                   "Tilskudd til prosjektering og utredning"],
    "build_care": ["Investeringstilskudd", "Bostøtte"],
}
SEED_MUNICIPALITY = {
    "municipality_buys": ["Strategi for anskaffelser", "BRL-loven", "Utbyggingsavtaler"],
    "municipality_builds": ["Salg/kjøp av tomt", "Reguleringsplan", "Utbyggingsavtaler"],
    "private_partners": ["Tilvisningsavtale", "Tildelingsavtale", "Innleie"],
    "private_rental_market": ["Økonomisk rådgivning", "Veiledning", "Bo-oppfølging", "Depositum",
                              "Økonomisk sosialhjelp", "Kommunal bostøtte"],
    "help_to_buy": ["Økonomisk rådgivning", "Veiledning og oppfølging", "Salg/kjøp av tomt", "Opprette BRL"],
    "help_to_stay": ["Økonomisk rådgivning", "Veiledning", "Bo-oppfølging", "Tjenester", "Økonomisk sosialhjelp"],
    "adapt_and_build_accessible": ["Økonomisk rådgivning", "Byggteknisk rådgivning"],
    "build_care": ["Salg/kjøp av tomt", "Reguleringsplan", "Utbyggingsavtaler"],
}


@pytest.mark.parametrize(("owner", "expected"), [("husbanken", SEED_HUSBANKEN), ("municipality", SEED_MUNICIPALITY)])
def test_instruments_per_strategy_as_the_seed_lists_them(owner, expected):
    t = instruments()
    t = t[t["owner"] == owner]
    got = {s: g["instrument_no"].tolist() for s, g in t.groupby("strategy", sort=False)}
    assert got == expected


def test_focus_areas_and_prerequisites():
    m = load_instruments()
    assert [f.label.no for f in m.focus_areas] == [
        "Fremskaffe egnede utleieboliger for vanskeligstilte", "Fra leie til eie", "Beholde og tilpasse bolig", "Omsorgsbygg"]
    assert [p.label.no for p in m.prerequisites] == [
        "Organisering og forankring", "Oversikt over behov", "Boligsosiale hensyn i plan"]
    state = instruments().query("owner == 'state_county'")
    assert len(state) == 4 + 8 + 5 + 2 + 2 and "Jobbsjansen" in state["instrument_no"].tolist()


def test_suggestions_follow_quartile_and_threshold():
    needs = pd.DataFrame({
        "measure": ["persistent_low_income_children_share"] * 5 + ["start_loan_applications_per_1000"] * 4,
        "level": ["municipality"] * 9, "unit_id": ["a", "b", "c", "d", "e", "a", "b", "c", "d"], "year": [2024] * 9,
        "value": [0.05, 0.06, 0.07, 0.08, 0.20, 4.0, 3.0, 2.0, 1.0]})
    s = suggest(needs)
    low_income = s[s["indicator"] == "persistent_low_income_children_share"]
    assert sorted(set(low_income["unit_id"])) == ["d", "e"]  # 75th percentile 0.08; e also above 0.10
    assert "threshold 0.1" in low_income[low_income["unit_id"] == "e"]["why"].iloc[0]
    start = s[s["indicator"] == "start_loan_applications_per_1000"]
    assert sorted(set(start["unit_id"])) == ["d"] and set(start["focus_area"]) == {"renting_to_owning"}
    assert "Startlån" in start["instrument_no"].tolist()


def test_unknown_instrument_in_a_model_file(tmp_path):
    from kvarter.housing.ruledata import RULE_DIR

    text = (RULE_DIR / "instruments-husbanken.yaml").read_text(encoding="utf-8").replace(
        "husbanken: [housing_allowance]\n", "husbanken: [housing_alowance]\n")
    path = tmp_path / "model.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match="names unknown instrument 'housing_alowance'"):
        load_instruments(path)
