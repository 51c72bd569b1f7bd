"""Hand-made tables: every expected status and interval worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kvarter.disclosure import (
    DisclosurePolicy,
    Relation,
    attack,
    check_published,
    hierarchy_relations,
    overlap,
    partition,
    protect,
)
from kvarter.errors import DisclosureError, InputError

POLICY = DisclosurePolicy()  # min 5


def statuses(p, col="persons"):
    f = p.frame
    return dict(zip(f[p.key[0]], f[f"{col}_status"]))


def municipality(counts):
    t = pd.DataFrame({"area": ["Demoby", "A", "B", "C", "D"], "persons": [sum(counts), *counts]})
    rel = partition("Demoby 2023", "Demoby", ["A", "B", "C", "D"])
    return t, rel


def test_one_area_below_minimum_gets_exactly_one_complement_the_smallest():
    t, rel = municipality([3, 12, 9, 25])
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons", relations=[rel])
    assert statuses(p) == {"Demoby": "published", "A": "primary", "B": "published", "C": "secondary", "D": "published"}
    f = p.frame.set_index("area")
    assert math.isnan(f.loc["A", "persons"]) and math.isnan(f.loc["C", "persons"])
    assert f.loc["C", "persons_reason"] == "complement of a suppressed cell in total 'Demoby 2023'"
    # A + C = 49 - 12 - 25 = 12, so each lies in [0, 12]
    a = attack(p).set_index("area")
    assert a.loc["A", "lower"] == 0 and a.loc["A", "upper"] == pytest.approx(12)
    assert a.loc["C", "lower"] == 0 and a.loc["C", "upper"] == pytest.approx(12)
    assert not a["recovered"].any()


def test_equal_smallest_complements_are_chosen_in_table_order():
    t, rel = municipality([3, 9, 9, 25])
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons", relations=[rel])
    assert [a for a, s in statuses(p).items() if s == "secondary"] == ["B"]


def test_no_relation_means_no_secondary_suppression():
    t, _ = municipality([3, 12, 9, 25])
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons")
    assert list(statuses(p).values()) == ["published", "primary", "published", "published", "published"]


def test_two_primaries_in_one_total_protect_each_other_if_together_big_enough():
    # A (3) + B (4) = 7 >= 5: the intruder learns A + B = 7, so A can be at most 7 >= 5
    t, rel = municipality([3, 4, 20, 25])
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons", relations=[rel])
    assert list(statuses(p).values()) == ["published", "primary", "primary", "published", "published"]


def test_two_primaries_too_small_together_need_a_third_cell():
    # A (1) + B (2) = 3 < 5 would show both are small; C (9) is the smallest to add
    t, rel = municipality([1, 2, 9, 25])
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons", relations=[rel])
    assert list(statuses(p).values()) == ["published", "primary", "primary", "secondary", "published"]
    assert not attack(p)["recovered"].any()


def test_numerator_rule_and_complement_rule():
    t = pd.DataFrame({
        "area": ["A", "B", "C", "D"],
        "persons": [1000, 1000, 1000, 1000],
        "unemployed": [2, 998, 0, 500],
    })
    t["share"] = t["unemployed"] / t["persons"]
    p = protect(t, POLICY, key=["area"], value_columns=["share"], count_column="persons", numerator_column="unemployed")
    assert statuses(p, "share") == {"A": "primary", "B": "primary", "C": "published", "D": "published"}
    assert statuses(p, "persons") == dict.fromkeys("ABCD", "published")
    f = p.frame.set_index("area")
    assert f.loc["A", "share_reason"] == "fewer than 5 persons in the numerator"
    assert f.loc["B", "share_reason"] == "fewer than 5 persons outside the numerator"
    assert math.isnan(f.loc["A", "unemployed"]) and math.isnan(f.loc["B", "share"])
    loose = protect(t, DisclosurePolicy(protect_complement=False), key=["area"], value_columns=["share"],
                    count_column="persons", numerator_column="unemployed")
    assert statuses(loose, "share")["B"] == "published"


def test_numerator_suppressed_in_a_partition_gets_a_complementary_share():
    t = pd.DataFrame({"area": ["Demoby", "A", "B", "C"], "persons": [300, 100, 100, 100],
                      "unemployed": [32, 2, 10, 20]})
    t["share"] = t["unemployed"] / t["persons"]
    p = protect(t, POLICY, key=["area"], value_columns=["share"], count_column="persons",
                numerator_column="unemployed", relations=[partition("Demoby", "Demoby", ["A", "B", "C"])])
    # counts stay published; only the shares of A (primary) and B (secondary, tie on persons → order) go
    assert statuses(p, "persons") == dict.fromkeys(["Demoby", "A", "B", "C"], "published")
    assert statuses(p, "share") == {"Demoby": "published", "A": "primary", "B": "secondary", "C": "published"}
    a = attack(p).set_index(["area", "quantity"])
    # x_A + x_B = 12, each in [0, 12]; 12 >= 5
    assert a.loc[("A", "numerator"), "upper"] == pytest.approx(12)
    assert not a["recovered"].any()


def test_dominance_rule():
    t = pd.DataFrame({"area": ["A", "B", "C"], "persons": [40, 40, 40],
                      "mean_income": [900.0, 300.0, 310.0], "top2": [0.91, 0.85, 0.2]})
    p = protect(t, POLICY, key=["area"], value_columns=["mean_income"], count_column="persons",
                dominance_column="top2")
    assert statuses(p, "mean_income") == {"A": "primary", "B": "published", "C": "published"}
    assert p.frame.loc[0, "mean_income_reason"] == "dominance: the largest 2 contributors hold more than 85% of the sum"
    assert "top2" not in p.frame.columns


def test_dominated_sum_is_not_recoverable_from_the_total():
    t = pd.DataFrame({"area": ["Demoby", "A", "B", "C"], "persons": [120, 40, 40, 40],
                      "income": [1000.0, 800.0, 100.0, 100.0], "top2": [0.5, 0.95, 0.3, 0.3]})
    t["mean_income"] = t["income"] / t["persons"]
    p = protect(t, POLICY, key=["area"], value_columns=["mean_income"], count_column="persons",
                dominance_column="top2", sum_column="income",
                relations=[partition("Demoby", "Demoby", ["A", "B", "C"])])
    st = statuses(p, "mean_income")
    assert st["A"] == "primary" and st["B"] == "secondary" and st["C"] == "published"
    a = attack(p).set_index(["area", "quantity"])
    # s_A + s_B = 900: A in [0, 900], wide enough
    assert a.loc[("A", "sum"), "upper"] == pytest.approx(900)
    assert not a["recovered"].any()


def test_structural_zero_is_published_as_zero_not_suppressed():
    t = pd.DataFrame({"area": ["Demoby", "A", "B"], "persons": [40, 0, 40], "unemployed": [6, 0, 6]})
    t["share"] = [0.15, float("nan"), 0.15]
    p = protect(t, POLICY, key=["area"], value_columns=["share"], count_column="persons",
                numerator_column="unemployed", relations=[partition("Demoby", "Demoby", ["A", "B"])])
    assert statuses(p) == {"Demoby": "published", "A": "structural_zero", "B": "published"}
    f = p.frame.set_index("area")
    assert f.loc["A", "persons"] == 0
    assert f.loc["A", "persons_reason"] == "no persons (structural zero)"
    shown = p.display_frame("en").set_index("area")
    assert shown.loc["A", "persons"] == "–" and shown.loc["A", "share"] == "–"


def test_difference_of_overlapping_areas_is_protected():
    # the housing area Parken lies inside Nordby; 100 - 97 = 3 persons outside it
    t = pd.DataFrame({"area": ["Nordby", "Parken", "Syd"], "persons": [100, 97, 50]})
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons",
                relations=[overlap("Nordby", "Nordby", "Parken")])
    assert statuses(p) == {"Nordby": "published", "Parken": "secondary", "Syd": "published"}
    a = attack(p)
    rem = a[a["where"] == "remainder"].iloc[0]
    assert rem["relation"] == "Nordby" and rem["lower"] == 0 and rem["upper"] == pytest.approx(100)
    assert not a["recovered"].any()


def test_difference_of_zero_persons_is_no_disclosure():
    t = pd.DataFrame({"area": ["Nordby", "Parken"], "persons": [100, 100]})
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons",
                relations=[overlap("Nordby", "Nordby", "Parken")])
    assert set(statuses(p).values()) == {"published"}


def test_nested_hierarchy_is_protected_at_every_level():
    # Demoby = North + South; North = A + B; South = C + D
    t = pd.DataFrame({"area": ["Demoby", "North", "South", "A", "B", "C", "D"],
                      "persons": [100, 30, 70, 2, 28, 35, 35]})
    rels = hierarchy_relations(t, ["area"], "area",
                               {"Demoby": ["North", "South"], "North": ["A", "B"], "South": ["C", "D"]})
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons", relations=rels)
    st = statuses(p)
    # A alone in North forces B; the North total stays published: A + B = 30 leaves A in [0, 30]
    assert st == {"Demoby": "published", "North": "published", "South": "published",
                  "A": "primary", "B": "secondary", "C": "published", "D": "published"}
    assert not attack(p)["recovered"].any()


def test_two_dimensional_table_with_categories_and_areas():
    # employed + unemployed + outside = all, per area; areas sum to Demoby, per status
    cells = {("A", "employed"): 40, ("A", "unemployed"): 3, ("A", "outside"): 17,
             ("B", "employed"): 50, ("B", "unemployed"): 8, ("B", "outside"): 22}
    rows = []
    for (area, status), n in cells.items():
        rows.append((area, status, n))
    for area in "AB":
        rows.append((area, "all", sum(v for (a, _), v in cells.items() if a == area)))
    for status in ("employed", "unemployed", "outside", "all"):
        rows.append(("Demoby", status, sum(n for a, s, n in rows if s == status and a in "AB")))
    t = pd.DataFrame(rows, columns=["area", "status", "persons"])
    rels = hierarchy_relations(t, ["area", "status"], "status", {"all": ["employed", "unemployed", "outside"]})
    rels += hierarchy_relations(t, ["area", "status"], "area", {"Demoby": ["A", "B"]})
    p = protect(t, POLICY, key=["area", "status"], value_columns=["persons"], count_column="persons", relations=rels)
    f = p.frame.set_index(["area", "status"])["persons_status"]
    # the classic four-cell pattern: A/unemployed, B/unemployed, A/outside, B/outside
    assert f[f != "published"].to_dict() == {
        ("A", "unemployed"): "primary", ("A", "outside"): "secondary",
        ("B", "unemployed"): "secondary", ("B", "outside"): "secondary",
    }
    assert not attack(p)["recovered"].any()


def test_suppressed_values_are_nan_never_zero_and_published_pass_the_check():
    t, rel = municipality([3, 12, 9, 25])
    p = protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons", relations=[rel])
    f = p.frame
    hidden = f["persons_status"].isin(["primary", "secondary"])
    assert f.loc[hidden, "persons"].isna().all()
    assert (f.loc[~hidden, "persons"] >= 5).all()
    check_published(p)


def test_bad_relations_and_keys_are_refused_with_names():
    t, _ = municipality([3, 12, 9, 25])
    with pytest.raises(InputError, match=r"Relation 'Demoby' .* is 49 but its parts sum to 24"):
        protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons",
                relations=[partition("Demoby", "Demoby", ["A", "B", "C"])])
    with pytest.raises(InputError, match=r"names row \('X',\), which is not in the table"):
        protect(t, POLICY, key=["area"], value_columns=["persons"], count_column="persons",
                relations=[partition("Demoby", "Demoby", ["A", "X"])])
    with pytest.raises(InputError, match="duplicate key"):
        protect(pd.concat([t, t]), POLICY, key=["area"], value_columns=["persons"], count_column="persons")
    bad = t.assign(persons=[49, -3, 12, 9, 25])
    with pytest.raises(InputError, match="negative count"):
        protect(bad, POLICY, key=["area"], value_columns=["persons"], count_column="persons")
    with pytest.raises(InputError, match="lacks required column"):
        protect(t, POLICY, key=["area"], value_columns=["share"], count_column="persons")
    with pytest.raises(InputError, match="numerator 5 exceeds denominator 3"):
        protect(t.assign(x=[5, 5, 5, 5, 5]), POLICY, key=["area"], value_columns=["x"],
                count_column="persons", numerator_column="x")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"min_count": 0}, "The 'min_count' parameter of DisclosurePolicy must be a int in the range [1, inf). Got 0 instead."),
        ({"min_count": 2.5}, "The 'min_count' parameter of DisclosurePolicy must be a int"),
        ({"dominance_n": 0}, "The 'dominance_n' parameter"),
        ({"dominance_k": 0}, "The 'dominance_k' parameter of DisclosurePolicy must be a int or float in the range (0, 1]. Got 0 instead."),
        ({"dominance_k": 1.5}, "The 'dominance_k' parameter"),
    ],
)
def test_policy_parameters_are_validated(kwargs, message):
    with pytest.raises(InputError) as exc:
        DisclosurePolicy(**kwargs)
    assert str(exc.value).startswith(message)


def test_policy_from_settings():
    from kvarter.settings import load_settings

    p = DisclosurePolicy.from_settings(load_settings(min_cell_count=10, dominance_k=0.7))
    assert (p.min_count, p.dominance_n, p.dominance_k) == (10, 2, 0.7)


def test_relation_round_trip_and_validation():
    r = Relation("x", ("T", 2023), [("A", 2023), ("B", 2023)], complete=False)
    assert Relation.from_dict(r.to_dict()) == r
    with pytest.raises(InputError, match="lists a part twice"):
        Relation("x", "T", ["A", "A"])
    with pytest.raises(InputError, match="among its parts"):
        Relation("x", "T", ["T", "A"])


def test_min_count_changes_what_is_suppressed():
    t, rel = municipality([6, 12, 9, 25])
    for m, expected in ((5, "published"), (7, "primary")):
        p = protect(t, DisclosurePolicy(min_count=m), key=["area"], value_columns=["persons"],
                    count_column="persons", relations=[rel])
        assert statuses(p)["A"] == expected


def test_dominance_helpers_match_hand_computation():
    from kvarter.disclosure import dominance_shares, top_n_share

    assert top_n_share([500, 300, 100, 100], 2) == 0.8
    assert top_n_share([-600, 200, 200], 1) == 0.6
    df = pd.DataFrame({"area": ["A"] * 4 + ["B"] * 2, "income": [500, 300, 100, 100, 50, 50]})
    assert dominance_shares(df, "area", "income", 2).to_dict() == {"A": 0.8, "B": 1.0}
    assert top_n_share([0, 0], 2) == 0.0
    with pytest.raises(InputError, match="The 'n' parameter of top_n_share"):
        top_n_share([1, 2], 0)
    with pytest.raises(InputError, match="NaN or infinite"):
        top_n_share([1, float("nan")], 1)


def test_linked_rows_are_suppressed_whole_and_their_complements_follow():
    from kvarter.disclosure import DisclosurePolicy, attack, partition, protect

    t = pd.DataFrame({"area": ["K", "A", "B", "C"], "persons": [300, 100, 90, 110],
                      "linked": [False, True, False, False]})
    p = protect(t, DisclosurePolicy(min_count=5), key=["area"], value_columns=["persons"],
                count_column="persons", relations=[partition("K", "K", ["A", "B", "C"])], linked_column="linked")
    f = p.frame.set_index("area")
    assert f.loc["A", "persons_status"] == "secondary"  # it breaks no rule itself (issue 8)
    assert f.loc["A", "persons_reason"] == "depends on a figure suppressed in another published table"
    assert f.loc["B", "persons_status"] == "secondary"  # the smallest other part, or A = K - B - C
    assert not attack(p)["recovered"].any()


def test_an_empty_table_with_a_numerator_is_protected():
    from kvarter.disclosure import DisclosurePolicy, protect

    t = pd.DataFrame({"a": pd.Series(dtype=str), "n": pd.Series(dtype=float), "x": pd.Series(dtype=float)})
    p = protect(t, DisclosurePolicy(), key=["a"], value_columns=["n"], count_column="n", numerator_column="x")
    assert len(p.frame) == 0
