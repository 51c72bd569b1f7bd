"""Goals as data: the example file, clear errors for typos and unknown
indicators, and the trend projection against statsmodels' OLS."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
import yaml

from kvarter.errors import RuleError
from kvarter.goals import GoalStatus, linear_trend, load_goals, straight_line, track
from kvarter.goals.models import BUILTIN_GOALS, known_indicators


def test_copenhagen_example_is_marked_as_an_example_and_names_known_indicators():
    gs = load_goals("copenhagen-2035")
    assert gs.example and all(g.example for g in gs.goals)
    assert "EXAMPLE" in BUILTIN_GOALS["copenhagen-2035"].read_text(encoding="utf-8").splitlines()[0]
    known = set(known_indicators())
    assert {g.indicator for g in gs.goals} <= known
    assert {g.indicator for g in gs.goals} >= {"temporary_public_support_share", "activity_ready_cash_benefit_share",
                                               "life_expectancy", "sports_club_share", "safe_at_night_share",
                                               "noise_exposed_share", "turnout_share"}


def _write(tmp_path, change):
    data = yaml.safe_load(BUILTIN_GOALS["copenhagen-2035"].read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "goals.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_misspelt_key_names_file_goal_and_the_right_key(tmp_path):
    path = _write(tmp_path, lambda d: d["goals"][2].update({"traget_year": d["goals"][2].pop("target_year")}))
    with pytest.raises(RuleError) as err:
        load_goals(path)
    msg = str(err.value)
    assert str(path) in msg and "goals[2].traget_year: unknown key 'traget_year' (did you mean 'target_year'?)" in msg
    assert "goals[2].target_year: Field required" in msg


def test_an_unknown_indicator_is_named_with_a_suggestion(tmp_path):
    path = _write(tmp_path, lambda d: d["goals"][1].update({"indicator": "temporary_public_suport_share"}))
    with pytest.raises(RuleError, match=r"goals\[1\]\.indicator: unknown indicator 'temporary_public_suport_share' "
                                        r"in goal 'temporary_support_gap'; did you mean 'temporary_public_support_share'\?"):
        load_goals(path)


def test_bad_values_are_named(tmp_path):
    path = _write(tmp_path, lambda d: d["goals"][0].update({"group": "deprived_areas", "baseline_year": 2040}))
    with pytest.raises(RuleError) as err:
        load_goals(path)
    assert "goals[0].group: 'deprived_areas' — expected 'deprived' or 'gap'" in str(err.value)
    path = _write(tmp_path, lambda d: d["goals"][0].update({"baseline_year": 2040}))
    with pytest.raises(RuleError, match="baseline_year 2040 must come before target_year 2035"):
        load_goals(path)
    path = _write(tmp_path, lambda d: d["goals"].append(dict(d["goals"][0])))
    with pytest.raises(RuleError, match="goal id 'work_gap' is used twice"):
        load_goals(path)


def test_trend_and_interval_match_statsmodels():
    years = np.array([2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023])
    values = np.array([0.21, 0.205, 0.199, 0.2, 0.19, 0.186, 0.18, 0.173])
    p = linear_trend(years, values, 2035)
    fit = sm.OLS(values, sm.add_constant(years.astype(float))).fit()
    pred = fit.get_prediction(np.array([[1.0, 2035.0]])).summary_frame(alpha=0.05)
    assert p.value == pytest.approx(float(pred["mean"].iloc[0]), abs=1e-10)
    assert p.low == pytest.approx(float(pred["mean_ci_lower"].iloc[0]), abs=1e-10)
    assert p.high == pytest.approx(float(pred["mean_ci_upper"].iloc[0]), abs=1e-10)
    assert p.slope == pytest.approx(float(fit.params[1]))


def test_track_on_and_off_track_and_the_path():
    series = {2020: 0.20, 2021: float("nan"), 2022: 0.19, 2023: 0.185, 2024: 0.18}
    on = track(series, baseline_year=2020, target_year=2035, target=0.15, better="lower")
    # trend on 2020, 2022, 2023, 2024 (the suppressed 2021 is left out)
    slope, icept = np.polyfit([2020, 2022, 2023, 2024], [0.20, 0.19, 0.185, 0.18], 1)
    assert on.projection.value == pytest.approx(slope * 2035 + icept) and on.status is GoalStatus.on_track
    assert on.path_latest == pytest.approx(0.20 + (0.15 - 0.20) * 4 / 15) and on.latest == 0.18
    off = track(series, baseline_year=2020, target_year=2035, target=0.10, better="lower")
    assert off.status is GoalStatus.off_track
    higher = track({2021: -3.5, 2022: -3.3, 2023: -3.2}, baseline_year=2021, target_year=2035, target=-2.0,
                   better="higher")
    assert higher.status is GoalStatus.on_track  # -3.5 + 0.15/yr * 14 = -1.4 > -2.0
    assert straight_line(2021, -3.5, 2035, -2.0, 2028) == -2.75
