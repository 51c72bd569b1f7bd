"""The catalogue file: required ids, labels, validation messages, round trip."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from kvarter.errors import RuleError
from kvarter.indicators import load_catalogue
from kvarter.indicators.catalogue import LANGUAGES, builtin_catalogue_path, parse_catalogue

REQUIRED_IDS = [
    # Danish state criteria
    "residents", "non_western_share", "outside_labour_education_share", "outside_labour_education_share_2y",
    "outside_labour_education_share_4y", "convicted_share", "convicted_share_2y", "convicted_share_4y",
    "convicted_ratio_to_national", "convicted_ratio_to_national_2y", "basic_education_share", "income_ratio_to_region",
    # Copenhagen
    "income_ratio_to_municipality", "no_youth_education_share", "child_poverty_share", "chronic_condition_share",
    "charged_per_1000", "temporary_public_support_share", "activity_ready_cash_benefit_share",
    # Gentofte
    "employed_share_18_64", "unemployed_share_18_64", "outside_labour_force_share_18_64", "singles_share",
    "household_single_no_children_share", "household_single_with_children_share",
    "household_couple_no_children_share", "household_couple_with_children_share", "household_other_share",
    "education_basic_share_15_64", "education_upper_secondary_share_15_64", "education_vocational_share_15_64",
    "education_short_tertiary_share_15_64", "education_medium_tertiary_share_15_64",
    "education_long_tertiary_share_15_64", "charges_per_1000", "convicted_per_1000", "household_income_mean",
    "charged_per_1000_ratio_to_municipality", "household_income_mean_ratio_to_municipality",
    "singles_share_ratio_to_municipality", "non_western_share_ratio_to_municipality",
    # Husbanken
    "persistent_low_income_children_share", "crowded_families_share", "renting_share",
]


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(builtin_catalogue_path().read_text(encoding="utf-8"))


def test_builtin_has_every_required_id():
    ids = load_catalogue().ids
    assert [i for i in REQUIRED_IDS if i not in ids] == []
    assert len(ids) == len(set(ids)) == 57


def test_every_indicator_has_four_nonempty_labels_and_a_description():
    for ind in load_catalogue():
        for lang in LANGUAGES:
            assert ind.label(lang).strip(), (ind.id, lang)
        assert ind.description.strip(), ind.id


def test_header(raw):
    assert raw["kind"] == "indicator_catalogue" and raw["version"] == 1 and raw["source"].strip()


def test_variants_expand_with_their_overrides():
    cat = load_catalogue()
    base, two = cat["convicted_share"], cat["convicted_ratio_to_national_2y"]
    assert (base.years, base.reference, base.comparison) == (1, None, None)
    assert (two.years, two.reference, two.comparison) == (2, "country", "ratio")
    assert two.population == base.population and two.numerator == base.numerator
    assert two.labels.en == "Share of residents 18+ convicted (2-year, relative to country)"
    assert cat["income_ratio_to_region"].labels.da.endswith("i forhold til regionen")


def test_round_trip_through_yaml():
    cat = load_catalogue()
    dumped = yaml.safe_dump(cat.model_dump(by_alias=True, exclude_none=True), allow_unicode=True)
    again = parse_catalogue(yaml.safe_load(dumped))
    assert again == cat


def _bad(raw, mutate):
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(RuleError) as info:
        parse_catalogue(data, "rules/my_catalogue.yaml")
    return str(info.value)


def test_unknown_unit_names_file_indicator_and_value(raw):
    msg = _bad(raw, lambda d: d["indicators"][1].update(unit="percent"))
    assert msg.startswith("Invalid indicator catalogue rules/my_catalogue.yaml @ indicators[1].unit (id 'non_western_share')")
    assert "'percent'" in msg and "'share'" in msg


def test_condition_with_two_operators(raw):
    msg = _bad(raw, lambda d: d["indicators"][1]["numerator"]["where"][0].update({"ne": "native"}))
    assert "(id 'non_western_share')" in msg and "exactly one operator" in msg


def test_unknown_key_is_rejected(raw):
    msg = _bad(raw, lambda d: d["indicators"][0].update(unti="count"))
    assert "indicators[0].unti (id 'residents')" in msg and "Extra inputs are not permitted" in msg


def test_duplicate_ids(raw):
    msg = _bad(raw, lambda d: d["indicators"].append(copy.deepcopy(d["indicators"][0])))
    assert "duplicate indicator id 'residents'" in msg


def test_ratio_needs_reference(raw):
    msg = _bad(raw, lambda d: d["indicators"][1].update(comparison="ratio"))
    assert "comparison 'ratio' needs a reference level" in msg


def test_wrong_kind(raw):
    msg = _bad(raw, lambda d: d.update(kind="rule_set"))
    assert "kind" in msg and "'rule_set'" in msg


def test_unquoted_norwegian_key_gets_a_hint(tmp_path):
    text = builtin_catalogue_path().read_text(encoding="utf-8").replace('"no":', "no:", 1)
    path = tmp_path / "cat.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError, match=r"YAML reads an unquoted no as false"):
        load_catalogue(path)


def test_unreadable_and_invalid_files(tmp_path):
    with pytest.raises(RuleError, match=r"Cannot read indicator catalogue .*missing.yaml"):
        load_catalogue(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [unclosed", encoding="utf-8")
    with pytest.raises(RuleError, match=r"bad.yaml is not valid YAML"):
        load_catalogue(bad)
    bad.write_text("- a list", encoding="utf-8")
    with pytest.raises(RuleError, match=r"must be a mapping"):
        load_catalogue(bad)


def test_select_unknown_id():
    with pytest.raises(KeyError, match="no indicator 'nope'"):
        load_catalogue().select(["nope"])


def test_docs_are_generated_from_the_catalogue():
    from kvarter.indicators.reference import catalogue_markdown

    path = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
    assert path.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/indicators.md is stale: run python -m kvarter.indicators.reference > docs/indicators.md")
    text = path.read_text(encoding="utf-8")
    for ind_id in load_catalogue().ids:
        assert f"### `{ind_id}`" in text


def test_every_variant_has_its_own_definition_sentence():
    """Issue 9: a 2-year or ratio variant is not defined by its base's sentence word for word."""
    from kvarter.indicators import load_catalogue

    cat = load_catalogue()
    variants = [i for i in cat if i.years > 1 or i.comparison == "ratio"]
    assert len(variants) >= 20
    bases = {i.id: i for i in cat if i.years == 1 and i.comparison is None}
    for v in variants:
        base = next(b for b_id, b in bases.items() if v.id.startswith(b_id) or b.numerator == v.numerator
                    and b.population == v.population and b.unit == v.unit)
        assert v.description != base.description, v.id
        if v.years > 1:
            assert f"Pooled over {v.years} years" in v.description or f"{v.years}-year value" in v.description, v.id
        if v.comparison == "ratio":
            assert f"{v.reference}" in v.description and "divided by" in v.description, v.id
    assert cat["outside_labour_education_share_4y"].description.startswith(
        "Pooled over 4 years: numerators and denominators of years t-3 to t are summed before dividing")
