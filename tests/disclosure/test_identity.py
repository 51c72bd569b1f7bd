"""Relations with subtracted rows (15-64 = 18-64 + 15+ - 18+), the cheapest
complement, and the protection interval (issue 8)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kvarter.disclosure import DisclosurePolicy, Relation, attack, identity, partition, protect
from kvarter.errors import InputError


def test_a_relation_subtracts_rows_binds_persons_only_and_reads_back():
    r = identity("15-64 A", ("15-64", "A"), [("18-64", "A"), ("15+", "A")], [("18+", "A")])
    assert r.minus == (("18+", "A"),) and r.persons_only and r.complete
    assert Relation.from_dict(r.to_dict()) == r
    # A plain relation writes the sidecar as before: no new keys.
    assert set(partition("K", "K", ["A", "B"]).to_dict()) == {"name", "total", "parts", "complete"}
    with pytest.raises(InputError, match="lists a part twice"):
        identity("x", "T", ["P"], ["P"])
    with pytest.raises(InputError, match="among its parts"):
        identity("x", "T", ["P"], ["T"])


FOUR = ["15-64", "18-64", "15+", "18+"]


def _four(persons: dict[str, int], linked=(), cost=None) -> pd.DataFrame:
    t = pd.DataFrame({"indicator": FOUR, "persons": [persons[i] for i in FOUR]})
    t["value"] = 1.0
    t["linked"] = t["indicator"].isin(list(linked))
    if cost is not None:
        t["cost"] = [float(cost[i]) for i in FOUR]
    return t


def _protect(t, relations, **kw):
    return protect(t, DisclosurePolicy(), key=["indicator"], value_columns=["value"], count_column="persons",
                   linked_column="linked", relations=relations, **kw)


IDENTITY = [identity("aged 15-64", ("15-64",), [("18-64",), ("15+",)], [("18+",)])]


def test_the_identity_holds_or_protect_says_so():
    with pytest.raises(InputError, match="aged 15-64.*persons of total"):
        _protect(_four({"15-64": 111, "18-64": 100, "15+": 140, "18+": 130}), IDENTITY)


def test_a_count_hidden_alone_in_an_identity_comes_back_unless_a_second_one_goes():
    counts = {"15-64": 110, "18-64": 100, "15+": 140, "18+": 130}
    t = _four(counts, linked=["15-64"])
    # What the attack reads off the three published counts: 100 + 140 - 130.
    bare = _protect(t, [])
    found = attack(bare, relations=IDENTITY)
    assert found.loc[found["indicator"] == "15-64", ["lower", "upper"]].values.tolist() == [[110.0, 110.0]]
    assert found["recovered"].all()
    p = _protect(t, IDENTITY)
    hidden = set(p.frame.loc[p.frame["persons_status"] != "published", "indicator"])
    # Without costs, the complement is the count with the fewest persons.
    assert hidden == {"15-64", "18-64"}
    assert not attack(p)["recovered"].any()


def test_the_complement_is_the_cheapest_count_then_the_smallest():
    # The 18-64 count is shared by four indicators (hiding it hides four cells),
    # the 18+ count by one: 18+ goes, although it has more persons.
    counts = {"15-64": 110, "18-64": 100, "15+": 140, "18+": 130}
    p = _protect(_four(counts, linked=["15-64"], cost={"15-64": 6, "18-64": 4, "15+": 3, "18+": 1}), IDENTITY,
                 cost_column="cost")
    hidden = set(p.frame.loc[p.frame["persons_status"] != "published", "indicator"])
    assert hidden == {"15-64", "18+"}
    assert p.frame.loc[p.frame["indicator"] == "18+", "persons_reason"].item() == (
        "complement of a suppressed cell in total 'aged 15-64'")
    assert not attack(p)["recovered"].any()


def test_a_persons_only_identity_is_not_used_to_hide_a_numerator():
    # A's numerator (2) is small; the identity binds persons only, so hiding
    # another indicator's value there would not protect it: the complement is
    # the other area of the same indicator.
    rows = []
    for ind, (a, b) in {"15-64": (110, 210), "18-64": (100, 200), "15+": (140, 240), "18+": (130, 230)}.items():
        xa = 2 if ind == "15-64" else 20
        rows += [(ind, "A", a, xa), (ind, "B", b, 30), (ind, "K", a + b, xa + 30)]
    t = pd.DataFrame(rows, columns=["indicator", "unit", "persons", "numerator"])
    t["share"] = t["numerator"] / t["persons"]
    rels = [partition(f"{i} K", (i, "K"), [(i, "A"), (i, "B")]) for i in FOUR]
    rels += [identity(f"aged 15-64 {u}", ("15-64", u), [("18-64", u), ("15+", u)], [("18+", u)]) for u in "ABK"]
    p = protect(t, DisclosurePolicy(), key=["indicator", "unit"], value_columns=["share"], count_column="persons",
                numerator_column="numerator", relations=rels)
    hidden = set(map(tuple, p.frame.loc[p.frame["share_status"] != "published", ["indicator", "unit"]].values))
    assert hidden == {("15-64", "A"), ("15-64", "B")}


def test_no_suppressed_count_keeps_fewer_possible_values_than_the_minimum():
    # A's and B's numerators are hidden (they rest on cells hidden elsewhere);
    # with K's published, x_A + x_B = 47, x_A <= 20 and x_B <= 30 leave x_A in
    # [17, 20]: 4 possible values, fewer than the minimum of 5, although
    # neither exact nor below 5. K's numerator must go too.
    t = pd.DataFrame({"unit": ["K", "A", "B"], "persons": [50, 20, 30], "numerator": [47, 18, 29]})
    t["share"] = t["numerator"] / t["persons"]
    t["linked"] = [False, ("other", "A", "value"), ("other", "B", "value")]
    policy = DisclosurePolicy(protect_complement=False)
    p = protect(t, policy, key=["unit"], value_columns=["share"], count_column="persons",
                numerator_column="numerator", linked_column="linked",
                relations=[partition("K", "K", ["A", "B"])])
    assert p.frame["share_status"].tolist() == ["secondary", "secondary", "secondary"]
    assert p.frame["persons_status"].tolist() == ["published"] * 3
    found = attack(p)
    widths = np.floor(found["upper"] + 1e-6) - np.ceil(found["lower"] - 1e-6) + 1
    assert (widths >= policy.min_count).all(), found


def test_the_attack_names_a_count_pinned_to_too_few_values():
    t = pd.DataFrame({"unit": ["K", "A", "B"], "persons": [50, 20, 30], "numerator": [47, 18, 29]})
    t["share"] = t["numerator"] / t["persons"]
    t["linked"] = [False, ("other", "A", "value"), ("other", "B", "value")]
    p = protect(t, DisclosurePolicy(protect_complement=False), key=["unit"], value_columns=["share"],
                count_column="persons", numerator_column="numerator", linked_column="linked",
                relations=[partition("K", "K", ["A", "B"])])
    # An intruder who also knew K's numerator (47): A's lies in [17, 20].
    from kvarter.disclosure.attack import assess, findings_frame

    k = p.published_view().knowledge()
    k.x[0], k.stat_hidden[0] = 47.0, False
    found = findings_frame(k, assess(k, p.policy), ["unit"])
    a = found[(found["unit"] == "A") & (found["quantity"] == "numerator")].iloc[0]
    assert (a["lower"], a["upper"], a["recovered"]) == (17.0, 20.0, True)
    assert a["problem"] == "pinned to 4 possible values, 17 to 20 (the protection interval is 5)"


def test_the_catalogue_declares_the_15_64_identity_and_checks_its_names():
    from kvarter.errors import RuleError
    from kvarter.indicators import load_catalogue
    from kvarter.indicators.catalogue import parse_catalogue

    cat = load_catalogue()
    (ident,) = cat.structure.identities
    assert ident.members() == ["education_basic_share_15_64", "outside_labour_education_share",
                               "charged_per_1000", "convicted_share"]
    raw = cat.model_dump(by_alias=True, exclude_none=True)
    raw["structure"]["identities"][0]["minus"] = ["no_such_indicator"]
    with pytest.raises(RuleError, match="identities aged_15_64: no indicator 'no_such_indicator'"):
        parse_catalogue(raw, "mine.yaml")


def test_the_integer_check_needs_whole_counts_and_leaves_sums_out():
    # Person-years are not whole: the integer check is skipped, not failed.
    t = pd.DataFrame({"unit": ["K", "A", "B", "C"], "persons": [40.5, 3.25, 17.0, 20.25]})
    p = protect(t, DisclosurePolicy(), key=["unit"], value_columns=["persons"], count_column="persons",
                relations=[partition("K", "K", ["A", "B", "C"])])
    assert p.frame["persons_status"].tolist() == ["published", "primary", "secondary", "published"]
    # Whole counts beside large sums (incomes): the integer programme bounds the counts alone.
    t = pd.DataFrame({"unit": ["K", "A", "B", "C"], "persons": [40, 3, 17, 20],
                      "income": [12_345_678.9, 1_000_000.4, 5_000_000.25, 6_345_678.25]})
    t["mean"] = t["income"] / t["persons"]
    p = protect(t, DisclosurePolicy(), key=["unit"], value_columns=["mean"], count_column="persons",
                sum_column="income", relations=[partition("K", "K", ["A", "B", "C"])])
    found = attack(p)
    persons = found[found["quantity"] == "persons"]
    assert persons[["lower", "upper"]].values.tolist() == [[0.0, 20.0], [0.0, 20.0]]
