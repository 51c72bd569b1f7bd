"""Checks against numbers no one here wrote: R FunnelPlotR's test values, the
test values of PHEindicatormethods (UK Fingertips' R package; the numbers are
copied here from its tests/testthat files — GPL-3, so none of its files is
copied), and PySAL esda's Empirical_Bayes on libpysal's bundled sids2 example.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kvarter.benchmark import (
    byar_interval,
    empirical_bayes,
    funnel,
    funnel_limits,
    overdispersion,
    poisson_interval,
    wilson_interval,
)

# --- FunnelPlotR (nhs-r-community/FunnelPlotR, tests/testthat) -----------------


def test_funnelplotr_exact_poisson_limits():
    # test-poisson_limits.R: calculate_limits(number_seq = c(15, 20, 30), target = 1)
    lim = funnel_limits("ratio", [15, 20, 30], 1.0)
    l95, l998 = lim[lim.level == 0.95], lim[lim.level == 0.998]
    assert l95["lower"].round(7).tolist() == [0.5596924, 0.6108260, 0.6746958]
    assert l95["upper"].round(6).tolist() == [1.649348, 1.544419, 1.427562]
    assert l998["lower"].round(7).tolist() == [0.3862650, 0.4479107, 0.5289724]
    assert l998["upper"].round(6).tolist() == [2.082907, 1.902094, 1.702771]


FPR_NUM = [100, 150, 180, 80, 120, 225]
FPR_DEN = [108, 112, 165, 95, 100, 220]


def test_funnelplotr_phi_on_its_own_example():
    # test-classes_methods.R: round(phi(funnel_plot(dt, num, denom, group)), 6) == 2.948033
    od = overdispersion(FPR_NUM, FPR_DEN, "ratio", method="SHMI", truncation=0.1)
    assert round(od.phi, 6) == 2.948033
    assert od.n == 6 and not od.trimmed.any()  # 6 units: nothing falls in the outer tenths


def test_funnelplotr_tau2_and_adjusted_limits_by_its_formulas():
    # FunnelPlotR's tau_func and calculate_limits (SHMI), recomputed here by hand
    e = np.array(FPR_DEN, float)
    z = np.sqrt(e) * np.log(np.array(FPR_NUM) / e)
    phi = np.mean(z**2)
    w = e  # 1/s², s = 1/√E
    tau2 = (6 * phi - 5) / (w.sum() - (w**2).sum() / w.sum())
    od = overdispersion(FPR_NUM, FPR_DEN, "ratio")
    assert od.tau2 == pytest.approx(tau2, rel=1e-12)
    f = funnel(FPR_NUM, FPR_DEN, "ratio", adjust="SHMI")
    assert f["upper_95"].to_numpy() == pytest.approx(np.exp(1.959964 * np.sqrt(1 / e + tau2)), rel=1e-6)
    assert f["lower_998"].to_numpy() == pytest.approx(np.exp(-3.090232 * np.sqrt(1 / e + tau2)), rel=1e-6)
    # test-funnel_plot.R: the unadjusted 95 % lower limit of unit e lies above its adjusted one
    plain = funnel(FPR_NUM, FPR_DEN, "ratio")
    assert plain["lower_95"][4] > f["lower_95"][4]


def test_funnelplotr_outlier_rule_is_inclusive():
    # test-outliers_func.R: rr on a limit is not an outlier (<= and >=)
    rr = np.array([1, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0])
    from kvarter.benchmark.funnel import classify

    c95 = classify(rr, 0.9, 1.1, 0.59, 1.41)
    assert [int(c != "inside") for c in c95] == [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    assert [int(c in ("below_998", "above_998")) for c in c95] == [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]
    edge = classify([1.1, 0.9, 1.41], 0.9, 1.1, 0.59, 1.41)
    assert edge.tolist() == ["inside", "inside", "above_95"]


# --- PHEindicatormethods (tests/testthat/testdata_Byars_Wilson.xlsx) -----------


@pytest.mark.parametrize("x, level, lo, hi", [
    (65, 0.95, 50.163188, 82.849139), (1045, 0.95, 982.593202, 1110.331213), (1, 0.95, 0.013072, 5.563756),
    (65, 0.998, 42.880261, 94.000291), (1045, 0.998, 947.940704, 1148.806161), (10, 0.998, 2.916318, 24.193725),
])
def test_phe_byar(x, level, lo, hi):
    got = byar_interval(x, level)
    assert round(got[0], 6) == lo and round(got[1], 6) == hi


def test_phe_byar_upper_of_one_event_at_998():
    # the same sheet: lower NA (the cube goes negative), upper 9.362180
    lo, hi = byar_interval(1, 0.998)
    assert lo == 0.0 and round(hi, 6) == 9.362180


@pytest.mark.parametrize("x, n, level, lo, hi", [
    (65, 100, 0.95, 0.552544, 0.736358), (1045, 5000, 0.95, 0.197955, 0.220491), (0.445, 1, 0.95, 0.043817, 0.933462),
    (65, 100, 0.998, 0.495495, 0.778354), (1045, 5000, 0.998, 0.191794, 0.227316),
    (0.445, 1, 0.998, 0.019347, 0.970226),
])
def test_phe_wilson(x, n, level, lo, hi):
    got = wilson_interval(x, n, level)
    assert round(got[0], 6) == lo and round(got[1], 6) == hi


# testdata_funnel_ratio_outputs.csv: for O observed events, the expected counts at which the
# funnel limits pass through O (exact Poisson, found there by bisection to ~1e-7):
# O, lower_2s_exp_events, upper_2s_exp_events, lower_3s_exp_events, upper_3s_exp_events
PHE_POISSON = [
    (1, 5.571644585, 0.025317898, 9.233410143, 0.001000547),
    (2, 7.224687515, 0.242209467, 11.22886836, 0.04540199),
    (13, 22.23039332, 6.921951787, 28.44614046, 4.61106382),
    (43, 57.92070564, 31.1193069, 67.37273073, 25.54230739),
    (716, 770.4222128, 664.5083011, 802.60414, 636.1521174),
]


@pytest.mark.parametrize("o, hi95, lo95, hi998, lo998", PHE_POISSON)
def test_phe_exact_poisson_limits(o, hi95, lo95, hi998, lo998):
    got = [*poisson_interval(o, 0.95), *poisson_interval(o, 0.998)]
    for ours, theirs in zip(got, (lo95, hi95, lo998, hi998)):
        # PHE bisects on v = mu / (mu + 1 + O) until the step is below 1e-7
        v = theirs / (theirs + 1 + o)
        assert abs(ours - theirs) <= 2e-7 * (1 + o) / (1 - v) ** 2, (o, ours, theirs)


# testdata_funnel_prop_outputs.csv (multiplier 100, baseline 80.642448 = the average of the
# 303 PCTs in testdata_funnel_prop_inputs.csv): Wilson funnel limits at each population
PHE_PROP_BASELINE = 0.80642448
PHE_PROP_LIMITS = [
    (1, 3.204264, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (10, 56.154344, 100, 42.03259, 100),
    (68, 71.251689, 90.033207, 65.836243, 95.448652),
    (1531, 78.663349, 82.621547, 77.522045, 83.76285),
    (58842, 80.323212, 80.961684, 80.139116, 81.14578),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


def test_phe_wilson_funnel_limits_for_proportions():
    n = [r[0] for r in PHE_PROP_LIMITS]
    lim = funnel_limits("proportion", n, PHE_PROP_BASELINE, method="wilson")
    l95, l998 = lim[lim.level == 0.95], lim[lim.level == 0.998]
    got = np.column_stack([l95["lower"], l95["upper"], l998["lower"], l998["upper"]]) * 100
    want = np.array([r[1:] for r in PHE_PROP_LIMITS], float)
    # the baseline is given to 8 digits, the limits to 6 decimals of a percentage
    assert got == pytest.approx(want, abs=2e-6)


# testdata_funnel_prop_inputs.csv: Area, numerator, denominator, significance
PHE_PROP_UNITS = [
    ("New Forest PCT", 35078.488, 41980, "High (0.001)"),
    ("Norwich PCT", 24803.6256, 31824, "Low (0.001)"),
    ("South Gloucestershire PCT", 50050.7443, 61921, "Not significant"),
    ("Havering PCT", 48686.4364, 59804, "High (0.001)"),
    ("Kingston PCT", 35795.6324, 45449, "Low (0.001)"),
    ("Bromley PCT", 66969.6742, 80002, "High (0.001)"),
    ("Greenwich PCT", 48514.446, 64755, "Low (0.001)"),
    ("Daventry and South Northamptonshire PCT", 22506.3828, 25932, "High (0.001)"),
    ("Central Derby PCT", 24648.7596, 30521, "Not significant"),
    ("North East Lincolnshire PCT", 31759.385, 39350, "Not significant"),
    ("Blackburn with Darwen PCT", 29561.6517, 36627, "Not significant"),
    ("West Norfolk PCT", 26789.238, 33012, "High (0.025)"),
    ("North Tees PCT", 36850.0492, 45449, "High (0.025)"),
    ("Mid-Hampshire PCT", 34502.0685, 42485, "High (0.025)"),
    ("Sheffield West PCT", 23910.2469, 29457, "High (0.025)"),
    ("North Devon PCT", 30277.5312, 37828, "Low (0.025)"),
]
PHE_LABEL = {"above_998": "High (0.001)", "above_95": "High (0.025)", "inside": "Not significant",
             "below_95": "Low (0.025)", "below_998": "Low (0.001)"}


def test_phe_significance_labels_for_proportions():
    units, num, den, labels = zip(*PHE_PROP_UNITS)
    f = funnel(list(num), list(den), "proportion", target=PHE_PROP_BASELINE, limits="wilson", units=units)
    assert [PHE_LABEL[c] for c in f["class"]] == list(labels)


# testdata_funnel_ratio_inputs.csv: obs, expected, significance. PHE's rule: the 95 % / 99.8 %
# interval of O (exact for O < 10, Byar's from 10) divided by E excludes 1.
PHE_RATIO_UNITS = [
    (8, 6.239860227, "Not significant"), (0, 240.6273499, "Low (0.001)"), (6, 4.293052052, "Not significant"),
    (151, 106.4429719, "High (0.001)"), (159, 232.9329036, "Low (0.001)"), (191, 184.0963855, "Not significant"),
    (124, 183.894409, "Low (0.001)"), (220, 249.8012944, "Not significant"), (150, 119.5695496, "High (0.025)"),
    (182, 196.799308, "Not significant"), (206, 139.4719025, "High (0.001)"), (182, 143.6804295, "High (0.025)"),
    (101, 126.2973615, "Low (0.025)"), (174, 141.4404162, "High (0.025)"), (241, 288.6919023, "Low (0.025)"),
    (157, 185.666982, "Low (0.025)"), (154, 194.8380567, "Low (0.025)"),
]


def test_phe_significance_labels_for_ratios():
    for o, e, label in PHE_RATIO_UNITS:
        interval = poisson_interval if o < 10 else byar_interval
        lo95, hi95 = (np.asarray(interval(o, 0.95)) / e)
        lo998, hi998 = (np.asarray(interval(o, 0.998)) / e)
        got = ("High (0.001)" if lo998 > 1 else "High (0.025)" if lo95 > 1 else
               "Low (0.001)" if hi998 < 1 else "Low (0.025)" if hi95 < 1 else "Not significant")
        assert got == label, (o, e)


# --- PySAL esda (its own environment: esda wants pandas < 3) --------------------

PYSAL_PY = Path(__file__).resolve().parents[2] / ".venv-pysal" / "bin" / "python"
ESDA_RUNNER = r"""
import json, warnings
warnings.filterwarnings("ignore")
import numpy as np, libpysal, esda
from esda.smoothing import Empirical_Bayes
f = libpysal.io.open(libpysal.examples.get_path("sids2.dbf"))
e, b = np.array(f.by_col("SID74"), float), np.array(f.by_col("BIR74"), float)
names = f.by_col("NAME")
print(json.dumps({"versions": [esda.__version__, libpysal.__version__], "name": names,
                  "e": e.tolist(), "b": b.tolist(), "r": Empirical_Bayes(e, b).r.ravel().tolist()}))
"""


@pytest.mark.pysal
@pytest.mark.skipif(not PYSAL_PY.exists(), reason=f"PySAL environment missing at {PYSAL_PY}")
def test_empirical_bayes_matches_esda_on_sids2():
    run = subprocess.run([str(PYSAL_PY), "-c", ESDA_RUNNER], capture_output=True, text=True, timeout=300)
    if run.returncode != 0 and "No module named 'esda'" in run.stderr:
        pytest.skip("esda is not installed in .venv-pysal (run `make pysal`)")
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    assert len(got["r"]) == 100  # the 100 North Carolina counties
    eb = empirical_bayes(got["e"], got["b"], units=got["name"])
    assert eb["prior_variance"].min() > 0  # esda does not floor v at 0; here it need not
    np.testing.assert_allclose(eb["shrunk"].to_numpy(), got["r"], rtol=1e-12, atol=0)
    # and by hand, the first county (Ashe): 1 SIDS death in 1,091 births
    m = sum(got["e"]) / sum(got["b"])
    assert eb["raw"][0] == 1 / 1091 and eb["prior_mean"][0] == pytest.approx(m, rel=1e-15)
