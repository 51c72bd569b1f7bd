"""Issue 9: a user with only CBS neighbourhood counts gets the same report a microdata user gets.

The oracle is an independent pandas reading of the real CBS file (The Hague, 2019).
"""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

CBS = "cbs_kwb2019_84583NED_denhaag.csv"


def _raw(reference_dir) -> pd.DataFrame:
    raw = pd.read_csv(reference_dir / CBS, sep=";", dtype=str, encoding="utf-8-sig")
    raw = raw.apply(lambda c: c.str.strip())
    return raw[raw["SoortRegio_2"] == "Buurt"].set_index("WijkenEnBuurten")


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.where(s != "."), errors="coerce")


@pytest.fixture(scope="module")
def indicators(reference_dir):
    from kvarter.indicators.aggregates import aggregate_indicators
    from kvarter.store import Store

    with Store(":memory:") as st:
        from kvarter.io.cbs import CBS_KWB_2019, wide_to_aggregates
        from kvarter.io.readers import read_table

        long = wide_to_aggregates(read_table(reference_dir / CBS), CBS_KWB_2019).frame
        long["count"] = pd.to_numeric(long["count"])
        long["year"] = long["year"].astype(int)
        return aggregate_indicators(long)


def test_shares_per_neighbourhood_equal_the_file(indicators, reference_dir):
    raw = _raw(reference_dir)
    nw = indicators[(indicators["indicator"] == "non_western_share") & (indicators["level"] == "area")]
    got = nw.set_index("unit_id")["value"]
    want = (_num(raw["NietWestersTotaal_18"]) / _num(raw["AantalInwoners_5"]).where(lambda s: s > 0)).dropna()
    assert len(got) == 114 - int(_num(raw["AantalInwoners_5"]).isna().sum())
    pd.testing.assert_series_equal(got.reindex(want.index), want, check_names=False)
    low = indicators[(indicators["indicator"] == "education_low_share_15_74") & (indicators["level"] == "area")]
    levels = raw[["OpleidingsniveauLaag_64", "OpleidingsniveauMiddelbaar_65", "OpleidingsniveauHoog_66"]].apply(_num)
    den = levels.sum(axis=1, min_count=3)
    want_low = (levels["OpleidingsniveauLaag_64"] / den.where(den > 0)).dropna()
    pd.testing.assert_series_equal(low.set_index("unit_id")["value"].reindex(want_low.index), want_low,
                                   check_names=False)
    # 12 neighbourhood cells CBS suppressed ('.') are left out, not zero.
    assert levels["OpleidingsniveauLaag_64"].isna().sum() > 0
    assert not set(levels.index[levels["OpleidingsniveauLaag_64"].isna()]) & set(low["unit_id"])


def test_the_municipality_is_the_sum_of_its_neighbourhoods_and_ratios_divide_by_it(indicators, reference_dir):
    raw = _raw(reference_dir)
    nw = indicators[indicators["indicator"] == "non_western_share"]
    muni = nw[nw["level"] == "municipality"].iloc[0]
    assert muni["unit_id"] == "GM0518"
    assert muni["numerator"] == _num(raw["NietWestersTotaal_18"]).sum()
    assert muni["denominator"] == _num(raw["AantalInwoners_5"]).sum()
    ratio = indicators[(indicators["indicator"] == "non_western_share_ratio_to_municipality")
                       & (indicators["level"] == "area")].set_index("unit_id")["value"]
    area = nw[nw["level"] == "area"].set_index("unit_id")["value"]
    pd.testing.assert_series_equal(ratio, area.reindex(ratio.index) / (muni["numerator"] / muni["denominator"]),
                                   check_names=False)


RULESET = """\
kind: ruleset
version: 1
id: haag-2
title: "Two-criteria screening on CBS counts (a user's own rule set)"
source: {document: "test", paragraph: "test", in_force: 2019-01-01}
interpretation: "Neighbourhoods of 1,000 or more with both shares at least 1.5 times the city's."
population:
  min_residents: 1000
criteria:
  origin:
    label: "non-western background at least 1.5 times the city's"
    indicator: non_western_share
    op: ">="
    threshold: 1.5
    relative_to: municipality
  education:
    label: "low education at least 1.5 times the city's"
    indicator: education_low_share_15_74
    op: ">="
    threshold: 1.5
    relative_to: municipality
lists:
  focus:
    label: "Both criteria"
    rule: {at_least: 2, of: [origin, education]}
"""


@pytest.mark.slow
def test_a_cbs_only_store_gives_a_full_report_screened_with_the_users_rules(reference_dir, tmp_path, monkeypatch):
    from kvarter.cli.main import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["load", str(reference_dir / CBS), "--table", "aggregates", "--format", "cbs"])
    assert res.exit_code == 0, res.output
    (tmp_path / "haag.yaml").write_text(RULESET, encoding="utf-8")
    res = runner.invoke(app, ["report", "--ruleset", str(tmp_path / "haag.yaml"), "--out", "out",
                              "--permutations", "20", "--bootstrap", "20"])
    assert res.exit_code == 0, res.output
    # The oracle: the rule applied by hand to the raw file.
    raw = _raw(reference_dir)
    inh = _num(raw["AantalInwoners_5"])
    nw = _num(raw["NietWestersTotaal_18"])
    levels = raw[["OpleidingsniveauLaag_64", "OpleidingsniveauMiddelbaar_65", "OpleidingsniveauHoog_66"]].apply(_num)
    den = levels.sum(axis=1, min_count=3)
    ok = den.notna()
    city_nw = nw.sum() / inh.sum()
    city_low = levels.loc[ok, "OpleidingsniveauLaag_64"].sum() / den[ok].sum()
    both = (inh >= 1000) & (nw / inh >= 1.5 * city_nw) & (levels["OpleidingsniveauLaag_64"] / den >= 1.5 * city_low)
    expected = sorted(both[both].index)
    assert expected, "The Hague has neighbourhoods meeting both"
    history = pd.read_csv(tmp_path / "out" / "tables" / "history.csv", dtype={"area_id": str})
    got = sorted(history[(history["list"] == "focus") & (history["designated"].astype(str) == "True")]["area_id"])
    assert got == expected
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    for section in ("designations-title", "profiles-title", "segregation-areas-title", "benchmarks-title"):
        assert section in html
    assert "Computed from published aggregates" in html
    res = runner.invoke(app, ["check-output", "out/tables"])
    assert res.exit_code == 0, res.output
