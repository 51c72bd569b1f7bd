"""The protected standard tables: geographic relations and the dominance rule."""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure import DisclosurePolicy, attack
from kvarter.publish.indicators import indicator_relations, is_derived_indicator, protect_indicators

AREAS = pd.DataFrame({"area_id": ["A", "B"], "name": ["A", "B"], "municipality": ["K", "K"],
                      "region": ["R", "R"], "parent_area": [None, None]})


def _income_rows():
    # Mean household income: A's sum is dominated by two households (950 of 1000).
    rows = [("area", "A", 1000.0, 10, 25), ("area", "B", 800.0, 10, 30), ("municipality", "K", 1800.0, 20, 55),
            ("region", "R", 1800.0, 20, 55), ("country", "country", 1800.0, 20, 55)]
    return pd.DataFrame([{"indicator": "household_income_mean", "level": lv, "unit_id": u, "year": 2024,
                          "value": num / den, "numerator": num, "denominator": float(den), "persons": p,
                          "raw_value": num / den, "reference_value": None} for lv, u, num, den, p in rows])


def _dominance():
    return pd.DataFrame({"indicator": ["household_income_mean"] * 5,
                         "level": ["area", "area", "municipality", "region", "country"],
                         "unit_id": ["A", "B", "K", "R", "country"], "year": [2024] * 5,
                         "top_sum": [950.0, 300.0, 1000.0, 1000.0, 1000.0],
                         "total_abs": [1000.0, 800.0, 1800.0, 1800.0, 1800.0]})


def test_a_dominated_income_sum_is_suppressed_and_cannot_be_recovered_from_the_total():
    p = protect_indicators(_income_rows(), DisclosurePolicy(min_count=5, dominance_n=2, dominance_k=0.85),
                           areas=AREAS, dominance=_dominance())
    f = p.frame.set_index("unit_id")
    assert f.loc["A", "value_status"] == "primary"
    # K = A + B: publishing B next to K would give A away, so B goes too.
    assert f.loc["B", "value_status"] == "secondary"
    assert f.loc["K", "value_status"] == "published" and f.loc["K", "value"] == 90.0
    assert not attack(p)["recovered"].any()


def test_without_dominance_nothing_is_suppressed():
    p = protect_indicators(_income_rows(), DisclosurePolicy(min_count=5), areas=AREAS)
    assert set(p.frame["value_status"]) == {"published"}


def test_relations_follow_the_geography():
    t = _income_rows()
    rels = {r.total: r.parts for r in indicator_relations(t, AREAS)}
    key = lambda lv, u: ("household_income_mean", lv, u, 2024)  # noqa: E731
    assert rels[key("municipality", "K")] == (key("area", "A"), key("area", "B"))
    assert rels[key("region", "R")] == (key("municipality", "K"),)
    assert rels[key("country", "country")] == (key("region", "R"),)


def test_derived_indicators_are_not_published_in_the_indicator_table():
    assert is_derived_indicator("outside_labour_education_share_2y")
    assert is_derived_indicator("income_ratio_to_region")
    assert not is_derived_indicator("household_income_mean")


def test_without_an_areas_table_the_indicator_rows_give_the_geography():
    # Residents: A has 3 (suppressed), so B must go too or A = K - B.
    t = pd.DataFrame({"indicator": ["residents"] * 4, "level": ["area", "area", "municipality", "country"],
                      "unit_id": ["A", "B", "K", "country"], "municipality": ["K", "K", "K", None],
                      "year": [2024] * 4, "value": [3.0, 40.0, 43.0, 43.0], "numerator": [3.0, 40.0, 43.0, 43.0],
                      "denominator": [3.0, 40.0, 43.0, 43.0], "persons": [3, 40, 43, 43]})
    p = protect_indicators(t, DisclosurePolicy(min_count=5), areas=None)
    f = p.frame.set_index("unit_id")
    assert f.loc["A", "value_status"] == "primary"
    assert f.loc["B", "value_status"] == "secondary"
    assert not attack(p)["recovered"].any()


def test_the_job_recomputes_indicators_after_a_load(tmp_path):
    from kvarter.jobs.indicators import indicator_table
    from kvarter.store import Store

    def persons(origin):
        return pd.DataFrame({"person_id": [f"p{i}" for i in range(6)], "year": 2024, "municipality": "K",
                             "area_id": "A", "age": 30, "origin": origin})

    with Store(tmp_path / "k.duckdb") as store:
        store.load_frame(pd.DataFrame({"area_id": ["A"], "name": ["A"], "municipality": ["K"], "region": ["R"],
                                       "kind": ["neighbourhood"]}), table="areas")
        store.load_frame(persons(["native"] * 6), table="persons")
        first = indicator_table(store)
        nw = lambda t: t[(t.indicator == "non_western_share") & (t.level == "area")]["value"].item()  # noqa: E731
        assert nw(first) == 0.0
        assert store.result_is_current("indicators")
        store.load_frame(persons(["non_western"] * 3 + ["native"] * 3), table="persons", replace=True)
        assert not store.result_is_current("indicators")
        assert nw(indicator_table(store)) == 0.5
