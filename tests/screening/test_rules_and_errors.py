"""Rule files: validation, round trip, clear errors; bad indicator tables."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from kvarter.errors import InputError, RuleError
from kvarter.screening import BUILTIN_RULESETS, load_ruleset, ruleset_from_dict, ruleset_to_yaml, screen


@pytest.mark.parametrize("name", sorted(BUILTIN_RULESETS))
def test_builtin_rulesets_round_trip(name):
    rs = load_ruleset(name)
    assert rs.id == name
    assert ruleset_from_dict(yaml.safe_load(ruleset_to_yaml(rs))) == rs


def _minimal(**over):
    data = {
        "kind": "ruleset", "version": 1, "id": "mine", "title": "Mine", "source": {"document": "test"},
        "criteria": {"a": {"label": "A", "indicator": "a", "op": ">", "threshold": 0.5}},
        "lists": {"l": {"label": "L", "rule": "a"}},
    }
    data.update(over)
    return data


def test_bad_threshold_names_file_and_path(tmp_path):
    bad = _minimal()
    bad["criteria"]["a"]["threshold"] = "fifty"
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(RuleError) as exc:
        load_ruleset(path)
    assert str(exc.value) == (
        f"Invalid rule set in {path} @ criteria.a.threshold: 'fifty' — expected a valid number, "
        "unable to parse string as a number."
    )


def test_bad_comparison_and_unknown_reference():
    bad = _minimal()
    bad["criteria"]["a"]["op"] = "=>"
    with pytest.raises(RuleError, match=r"@ criteria.a.op: '=>' — expected '>', '>=', '<' or '<='"):
        ruleset_from_dict(bad, "x.yaml")
    with pytest.raises(RuleError, match="lists.l.rule names 'b', which is neither a criterion"):
        ruleset_from_dict(_minimal(lists={"l": {"label": "L", "rule": "b"}}), "x.yaml")


def test_impossible_and_ambiguous_rules():
    with pytest.raises(RuleError, match="at_least 3 of only 1 rules can never be met"):
        ruleset_from_dict(_minimal(lists={"l": {"label": "L", "rule": {"at_least": 3, "of": ["a"]}}}), "x.yaml")
    with pytest.raises(RuleError, match="exactly one of"):
        ruleset_from_dict(_minimal(lists={"l": {"label": "L", "rule": {"all": ["a"], "any": ["a"]}}}), "x.yaml")
    with pytest.raises(RuleError, match="cycle: l -> m -> l"):
        ruleset_from_dict(_minimal(lists={"l": {"label": "L", "rule": "m"}, "m": {"label": "M", "rule": "l"}}), "x.yaml")


def test_unknown_field_and_missing_field():
    with pytest.raises(RuleError, match=r"@ criteria.a.treshold: 0.5 — expected Extra inputs are not permitted|@ criteria.a.treshold"):
        bad = _minimal()
        bad["criteria"]["a"]["treshold"] = 0.5
        ruleset_from_dict(bad, "x.yaml")
    with pytest.raises(RuleError, match=r"@ kind: Field required"):
        data = _minimal()
        del data["kind"]
        ruleset_from_dict(data, "x.yaml")


def test_unknown_ruleset_and_bad_yaml(tmp_path):
    with pytest.raises(RuleError, match="Unknown rule set 'dk-1999'"):
        load_ruleset("dk-1999")
    path = tmp_path / "broken.yaml"
    path.write_text("kind: [ruleset\n", encoding="utf-8")
    with pytest.raises(RuleError, match="not valid YAML"):
        load_ruleset(path)


def test_user_ruleset_from_file(tmp_path, make_user_table):
    path = tmp_path / "mine.yaml"
    rs = _minimal(criteria={"poor": {"label": "low income", "indicator": "income_ratio_to_region", "op": "<", "threshold": 0.7}},
                  lists={"low_income": {"label": "Low income", "rule": "poor"}})
    path.write_text(yaml.safe_dump(rs), encoding="utf-8")
    r = screen(make_user_table([{"income_ratio_to_region": 0.69}, {"income_ratio_to_region": 0.7}]), str(path), 2024)
    assert r.membership()["low_income"].tolist() == [True, False]


def test_bad_tables(make_user_table):
    table = make_user_table([{}])
    with pytest.raises(InputError, match="lacks required column\\(s\\) 'convicted_ratio_to_national'"):
        screen(table.drop(columns="convicted_ratio_to_national"), "dk-2024", 2024)
    with pytest.raises(InputError, match="has no rows for year 2023; it has years \\[2024\\]"):
        screen(table, "dk-2024", 2023)
    bad = table.astype({"basic_education_share": object})
    bad.loc[0, "basic_education_share"] = "43 %"
    with pytest.raises(InputError, match="non-numeric value\\(s\\) in column 'basic_education_share' \\(first at row 0: '43 %'\\)"):
        screen(bad, "dk-2024", 2024)
    with pytest.raises(InputError, match="repeat a key"):
        screen(pd.concat([table, table]), "dk-2024", 2024)
    with pytest.raises(InputError, match="must be a pandas DataFrame"):
        screen([1, 2], "dk-2024", 2024)
