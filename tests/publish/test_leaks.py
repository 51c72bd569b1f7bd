"""Leaks an outside attack found in the published indicator table, each with
a table small enough to check by hand."""

from __future__ import annotations

import pandas as pd

from kvarter.disclosure import DisclosurePolicy
from kvarter.publish.indicators import protect_indicators


def _charges_table(contributors_a: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Two areas of one municipality; area A has 10 charges by `contributors_a`
    # persons among 400 residents 15+, area B 30 charges by 20 persons.
    ind = pd.DataFrame({
        "indicator": "charges_per_1000", "level": ["area", "area", "municipality"], "unit_id": ["A", "B", "K"],
        "year": 2024, "numerator": [10.0, 30.0, 40.0], "denominator": [400.0, 600.0, 1000.0],
        "persons": [400, 600, 1000]})
    ind["value"] = 1000 * ind["numerator"] / ind["denominator"]
    dominance = pd.DataFrame({
        "indicator": "charges_per_1000", "level": ["area", "area", "municipality"], "unit_id": ["A", "B", "K"],
        "year": 2024, "top_sum": [4.0, 4.0, 4.0], "total_abs": [10.0, 30.0, 40.0],
        "contributors": [contributors_a, 20, contributors_a + 20]})
    return ind, dominance


def test_a_sum_of_counts_rests_on_its_contributors_not_on_the_count():
    areas = pd.DataFrame({"area_id": ["A", "B"], "municipality": ["K", "K"]})
    ind, dominance = _charges_table(3)
    f = protect_indicators(ind, DisclosurePolicy(), areas=areas, dominance=dominance).frame.set_index("unit_id")
    # 10 charges by 3 persons are 3 persons' records: A is suppressed, and B
    # with it (or K - B gives A back). Before, 10 >= 5 published A.
    assert f.loc["A", "value_status"] in ("primary", "secondary") and f.loc["B", "value_status"] in ("primary", "secondary")
    assert pd.isna(f.loc["A", "value"]) and pd.isna(f.loc["B", "value"])
    assert f.loc["K", "value_status"] == "published"
    ind, dominance = _charges_table(5)
    f = protect_indicators(ind, DisclosurePolicy(), areas=areas, dominance=dominance).frame.set_index("unit_id")
    assert (f["value_status"] == "published").all()


def test_a_sum_is_never_read_as_a_count_of_persons():
    # Without contributors, a sum smaller than its denominator used to be
    # taken for a share's numerator (charges for persons).
    ind, _ = _charges_table(3)
    f = protect_indicators(ind, DisclosurePolicy()).frame
    assert f["share_numerator"].isna().all()


# ------------------------------------------------------------------ profiles


def _income_profile_inputs():
    # Four leaf areas of K; A, B, C are designated. Each designated area has one
    # household holding 90 of its 100 (a single large income); D is even.
    ind = pd.DataFrame({
        "indicator": "household_income_mean", "level": ["area"] * 4 + ["municipality"],
        "unit_id": ["A", "B", "C", "D", "K"], "year": 2024,
        "numerator": [100.0, 100.0, 100.0, 100.0, 400.0], "denominator": [20.0, 20.0, 20.0, 20.0, 80.0],
        "persons": [40, 40, 40, 40, 160]})
    ind["value"] = ind["raw_value"] = ind["numerator"] / ind["denominator"]
    # top_sum is the top-3 sum of each unit (the policy's n = 3): 90 + 1 + 1 in A-C.
    dominance = pd.DataFrame({
        "indicator": "household_income_mean", "level": ["area"] * 4 + ["municipality"],
        "unit_id": ["A", "B", "C", "D", "K"], "year": 2024,
        "top_sum": [92.0, 92.0, 92.0, 15.0, 270.0], "total_abs": [100.0, 100.0, 100.0, 100.0, 400.0]})
    return ind, dominance


def test_the_pooled_dominance_uses_the_policys_n():
    from kvarter.publish.profiles import protect_profile

    ind, dominance = _income_profile_inputs()
    policy = DisclosurePolicy(dominance_n=3, dominance_k=0.85)
    p = protect_profile(ind, {"A", "B", "C"}, "K", 2024, policy, dominance)["income_panel"].frame.set_index("group")
    # The pool's three largest contributions are the three 90s: 270 of 300 =
    # 0.9 > 0.85. The bound over the three largest areas' top-3 sums gives
    # 276 / 300 = 0.92 (suppressed); the two largest only 184 / 300 = 0.61.
    assert p.loc["designated", "value_status"] == "primary"
    assert p.loc["designated", "value_reason"].startswith("dominance: the largest 3 contributors")
    # The municipality's own top-3 share is 270 / 400 = 0.675: published.
    assert p.loc["municipality", "value_status"] == "published"


# ------------------------------------------------------------------ linked cells


def test_a_linked_cell_is_secondary_and_names_the_cell_it_rests_on():
    from kvarter.disclosure import partition, protect

    t = pd.DataFrame({"area": ["K", "A", "B", "C"], "persons": [300, 100, 90, 110],
                      "linked": [False, ("indicators", "residents (area A, 2024)"), False, False]})
    p = protect(t, DisclosurePolicy(), key=["area"], value_columns=["persons"], count_column="persons",
                relations=[partition("K", "K", ["A", "B", "C"])], linked_column="linked")
    f = p.frame.set_index("area")
    # Hidden because of another table: secondary, not primary (it breaks no rule itself).
    assert f.loc["A", "persons_status"] == "secondary"
    want = "depends on the suppressed cell residents (area A, 2024) of the published table 'indicators'"
    assert f.loc["A", "persons_reason"] == want
    assert p.public_frame().set_index("area").loc["A", "persons_reason"] == want
    assert p.public_frame("da").set_index("area").loc["A", "persons_reason"] == (
        "afhænger af den udeladte celle residents (area A, 2024) i den offentliggjorte tabel 'indicators'")
    assert p.status_counts()["primary"] == 0 and p.status_counts()["secondary"] == 2


def test_a_profile_row_resting_on_a_hidden_indicator_cell_names_it():
    from kvarter.publish.profiles import protect_profile

    ind = pd.DataFrame({"indicator": "non_western_share", "level": ["area", "area", "area", "municipality"],
                        "unit_id": ["A", "B", "C", "K"], "year": 2024, "numerator": [20.0, 3.0, 30.0, 53.0],
                        "denominator": [40.0, 60.0, 100.0, 200.0], "persons": [40, 60, 100, 200]})
    ind["value"] = ind["raw_value"] = ind["numerator"] / ind["denominator"]
    hidden = {("non_western_share", "area", "B", 2024), ("non_western_share", "area", "C", 2024)}
    f = protect_profile(ind, {"A", "B"}, "K", 2024, DisclosurePolicy(), hidden=hidden,
                        leaves=set("ABCD"))["origin"].frame.set_index("group")
    assert f.loc["designated", "value_status"] == "secondary"
    assert f.loc["designated", "value_reason"] == (
        "depends on the suppressed cell non_western_share (area B, 2024) of the published table 'indicators'")


# ------------------------------------------------------------------ pooled groups


def _pool_inputs():
    # K has four leaf areas; A and B are designated. In the indicator table A
    # (2 in the numerator) and B (its complement) are hidden, C, D and K published.
    ind = pd.DataFrame({"indicator": "non_western_share", "level": ["area"] * 4 + ["municipality"],
                        "unit_id": ["A", "B", "C", "D", "K"], "year": 2024,
                        "numerator": [2.0, 30.0, 40.0, 50.0, 122.0], "denominator": [40.0, 60.0, 100.0, 120.0, 320.0],
                        "persons": [40, 60, 100, 120, 320]})
    ind["value"] = ind["raw_value"] = ind["numerator"] / ind["denominator"]
    return ind


def test_a_pool_the_complement_gives_back_is_not_pretended_hidden():
    from kvarter.publish.profiles import protect_profile, protect_trends

    ind = _pool_inputs()
    hidden = {("non_western_share", "area", "A", 2024), ("non_western_share", "area", "B", 2024)}
    # What the intruder reads off the indicator table: K - C - D.
    x, n = 122 - 40 - 50, 320 - 100 - 120
    f = protect_profile(ind, {"A", "B"}, "K", 2024, DisclosurePolicy(), hidden=hidden,
                        leaves=set("ABCD"))["origin"].frame.set_index("group")
    # Before: suppressed as resting on A, yet recovered exactly as K - C - D.
    assert f.loc["designated", "value_status"] == "published"
    assert f.loc["designated", "value"] == x / n and f.loc["designated", "persons"] == n
    trend = protect_trends(ind, {"A", "B"}, "K", [2024], DisclosurePolicy(), hidden, set("ABCD"))["non_western_share"]
    t = trend.frame.set_index("group")
    assert (t["value_status"] == "published").all() and t.loc["designated", "value"] == x / n


def test_a_pool_with_hidden_cells_on_both_sides_stays_hidden_and_so_does_its_rest():
    from kvarter.publish.profiles import protect_profile, protect_trends

    ind = _pool_inputs()
    hidden = {("non_western_share", "area", "A", 2024), ("non_western_share", "area", "C", 2024)}
    f = protect_profile(ind, {"A", "B"}, "K", 2024, DisclosurePolicy(), hidden=hidden,
                        leaves=set("ABCD"))["origin"].frame.set_index("group")
    # Published, the pool would give A back (pool - B); K - D - pool would give C.
    assert f.loc["designated", "value_status"] == "secondary" and pd.isna(f.loc["designated", "persons"])
    assert f.loc["municipality", "value_status"] == "published"
    t = protect_trends(ind, {"A", "B"}, "K", [2024], DisclosurePolicy(), hidden, set("ABCD"))["non_western_share"].frame
    # The rest (C + D) would give C back, and K - rest the pool.
    assert set(t["value_status"]) == {"secondary"}


# ------------------------------------------------------------------ equal populations


def _indicator_rows(spec: dict[str, dict[str, tuple[float, float]]]) -> pd.DataFrame:
    """``spec``: indicator -> unit -> (numerator, persons); units A, B, C of K (K is their sum)."""
    rows = []
    for ind, cells in spec.items():
        cells = dict(cells)
        cells["K"] = tuple(sum(v[i] for v in cells.values()) for i in (0, 1))
        for unit, (num, persons) in cells.items():
            rows.append({"indicator": ind, "level": "municipality" if unit == "K" else "area", "unit_id": unit,
                         "year": 2024, "numerator": num, "denominator": persons, "persons": persons})
    t = pd.DataFrame(rows)
    t["value"] = t["numerator"] / t["denominator"]
    return t


AREAS = pd.DataFrame({"area_id": ["A", "B", "C"], "municipality": ["K"] * 3})


def _hidden_counts(f: pd.DataFrame) -> set[tuple[str, str]]:
    return {(i, u) for i, u, s in zip(f["indicator"], f["unit_id"], f["persons_status"]) if s != "published"}


def test_a_hidden_count_is_not_published_under_an_indicator_counting_the_same_persons():
    # Every 18-64-year-old has a labour status, so the employment categories
    # count exactly the persons of outside_labour_education_share. Two
    # unemployed in A hide the employment group there (counts too) - but the
    # same 100 persons were published under outside_labour_education_share.
    spec = {
        "employed_share_18_64": {"A": (80, 100), "B": (150, 200), "C": (230, 300)},
        "unemployed_share_18_64": {"A": (2, 100), "B": (20, 200), "C": (30, 300)},
        "outside_labour_force_share_18_64": {"A": (18, 100), "B": (30, 200), "C": (40, 300)},
        "outside_labour_education_share": {"A": (15, 100), "B": (25, 200), "C": (35, 300)},
    }
    f = protect_indicators(_indicator_rows(spec), DisclosurePolicy(), areas=AREAS).frame
    hidden = _hidden_counts(f)
    assert ("unemployed_share_18_64", "A") in hidden
    # Before: A's 100 persons published under outside_labour_education_share.
    for unit in "ABCK":
        row = {ind: (ind, unit) in hidden for ind in spec}
        assert len(set(row.values())) == 1, (unit, row)


def test_a_hidden_15_64_count_is_not_the_18_64_count_plus_the_15_17_year_olds():
    # persons 15-64 = persons 18-64 + (persons 15+ - persons 18+): three
    # published counts give the fourth. One person with basic education in
    # A hides the education group there, counts too.
    edu = {"education_basic_share_15_64": {"A": (1, 110), "B": (40, 210), "C": (50, 320)}}
    for i, other in enumerate(("education_upper_secondary_share_15_64", "education_vocational_share_15_64",
                               "education_short_tertiary_share_15_64", "education_medium_tertiary_share_15_64")):
        edu[other] = {"A": (10 + i, 110), "B": (30, 210), "C": (50, 320)}
    edu["education_long_tertiary_share_15_64"] = {
        "A": (110 - 1 - sum(10 + i for i in range(4)), 110), "B": (210 - 40 - 120, 210), "C": (320 - 50 - 200, 320)}
    spec = {**edu,
            "outside_labour_education_share": {"A": (15, 100), "B": (25, 200), "C": (35, 300)},
            # The 18-64-year-olds' count is shared by four indicators: hiding it costs four cells.
            "employed_share_18_64": {"A": (70, 100), "B": (150, 200), "C": (230, 300)},
            "unemployed_share_18_64": {"A": (10, 100), "B": (20, 200), "C": (30, 300)},
            "outside_labour_force_share_18_64": {"A": (20, 100), "B": (30, 200), "C": (40, 300)},
            "charged_per_1000": {"A": (6, 140), "B": (8, 240), "C": (9, 360)},
            "convicted_share": {"A": (5, 130), "B": (7, 230), "C": (8, 340)}}
    p = protect_indicators(_indicator_rows(spec), DisclosurePolicy(), areas=AREAS)
    hidden = _hidden_counts(p.frame)
    assert ("education_basic_share_15_64", "A") in hidden
    four = ("education_basic_share_15_64", "outside_labour_education_share", "charged_per_1000", "convicted_share")
    # Before: 110 = 100 + (140 - 130) from the three published counts. The
    # built-in catalogue declares the identity (structure.identities), so a
    # lone hidden member never stands in it ...
    for unit in "ABCK":
        assert sum((ind, unit) in hidden for ind in four) != 1, unit
    # ... and its complement is the cheapest count: convicted 18+ (one cell;
    # charged 15+ is one cell too, but more persons) rather than 18-64 (four
    # cells, though the fewest persons), which stays published.
    assert ("convicted_share", "A") in hidden
    assert ("outside_labour_education_share", "A") not in hidden and ("charged_per_1000", "A") not in hidden
    # The protection's own attack, which reads the identity, recovers nothing.
    from kvarter.disclosure import attack

    assert not attack(p)["recovered"].any()


def test_the_catalogue_declares_the_populations_it_links_and_checks_their_names():
    from kvarter.errors import RuleError
    from kvarter.indicators import load_catalogue
    from kvarter.indicators.catalogue import Catalogue

    cat = load_catalogue()
    names = {p.name for p in cat.structure.populations}
    assert {"all_residents", "aged_18_64"} <= names
    assert cat.population_key("outside_labour_education_share") == cat.population_key("employed_share_18_64")
    assert cat.population_key("residents") == cat.population_key("household_income_mean")
    assert cat.population_key("residents") != cat.population_key("employed_share_18_64")
    assert cat.population_key("chronic_condition_share") != cat.population_key("residents")
    raw = cat.model_dump(by_alias=True, exclude_none=True)
    raw["structure"]["populations"].append({"name": "bad", "members": ["residents", "no_such"], "why": "x"})
    import pydantic
    import pytest

    with pytest.raises((pydantic.ValidationError, RuleError), match="no_such"):
        Catalogue.model_validate(raw)


# ------------------------------------------------------------------ segregation over few units


def _segregation(a: list[int], b: list[int]):
    from kvarter.segregation import analyse_segregation
    from kvarter.segregation.groups import ThemeSet

    ts = ThemeSet.model_validate({"kind": "segregation_themes", "version": 1, "source": "test",
        "themes": [{"name": "origin", "field": "origin", "pairs": [["native", "western"]],
                    "groups": {"native": {"values": ["native"]}, "western": {"values": ["western"]}}}]})
    rows = []
    for i, (na, nb) in enumerate(zip(a, b)):
        rows += [{"unit": f"u{i}", "group": "native", "n": na}, {"unit": f"u{i}", "group": "western", "n": nb},
                 {"unit": f"u{i}", "group": "total", "n": na + nb}]
    c = pd.DataFrame(rows).assign(municipality="M", year=2020)
    return analyse_segregation(c, themes=ts, permutations=0, bootstrap=0, min_unit_size=0, min_municipality_size=0)


def test_indices_over_few_units_are_hidden_when_a_unit_holds_fewer_than_the_minimum_of_a_group():
    from kvarter.publish.segregation import protect_segregation

    # Four areas, one with a single western resident: the indices and the
    # group sizes have a unique integer solution that shows it.
    f = protect_segregation(_segregation([40, 30, 25, 20], [10, 20, 1, 25]), DisclosurePolicy(), "areas")
    r = f["areas_results"].frame
    assert len(r) > 5 and set(r["estimate_status"]) == {"primary"} and r["estimate"].isna().all()
    # The groups' sizes (persons, minority) are large and stay published.
    assert set(r["minority_status"]) == {"published"} and set(r["minority"]) == {56.0}
    # Every cell at the minimum or above: published.
    f = protect_segregation(_segregation([40, 30, 25, 20], [10, 20, 5, 25]), DisclosurePolicy(), "areas")
    assert set(f["areas_results"].frame["estimate_status"]) == {"published"}


def test_indices_over_many_units_keep_a_small_cell():
    from kvarter.publish.segregation import protect_segregation

    # 30 units: 60 unknown counts against a dozen published figures.
    a, b = [40 + i for i in range(30)], [10 + i for i in range(30)]
    b[3] = 1
    f = protect_segregation(_segregation(a, b), DisclosurePolicy(), "areas")
    assert set(f["areas_results"].frame["estimate_status"]) == {"published"}


def test_a_pool_whose_count_comes_back_keeps_it_and_hides_only_its_value():
    from kvarter.publish.profiles import protect_trends

    ind = _pool_inputs()
    # Every area's value hidden, every count published: the pool's 100
    # persons are K - C - D (or A + B), its numerator is not.
    hidden = {("non_western_share", "area", a, 2024) for a in "ABCD"}
    t = protect_trends(ind, {"A", "B"}, "K", [2024], DisclosurePolicy(), hidden, set("ABCD"),
                       hidden_counts=set())["non_western_share"].frame.set_index("group")
    assert t.loc["designated", "persons_status"] == "published" and t.loc["designated", "persons"] == 100
    assert t.loc["designated", "value_status"] == "secondary" and pd.isna(t.loc["designated", "value"])
    assert t.loc["rest", "persons"] == 220 and t.loc["rest", "value_status"] == "secondary"
