"""Agreement with PySAL's ``segregation`` package (2.5.4, its own environment)
on the same count arrays, for every index both compute, to 1e-9."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kvarter.segregation import INDICES, theil_h_multigroup

PYSAL_PY = Path(__file__).resolve().parents[2] / ".venv-pysal" / "bin" / "python"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.pysal,
    pytest.mark.skipif(not PYSAL_PY.exists(), reason=f"PySAL environment missing at {PYSAL_PY}"),
]

RUNNER = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from segregation.singlegroup import Dissim, Entropy, CorrelationR, Gini, Isolation, Interaction, Atkinson
from segregation.multigroup import MultiInfoTheory
from segregation.singlegroup.atkinson import _atkinson
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    df = pd.DataFrame({"a": c["a"], "t": [x + y for x, y in zip(c["a"], c["b"])]})
    r = {
        "dissimilarity": Dissim(df, "a", "t").statistic,
        "theil_h": Entropy(df, "a", "t").statistic,
        "correlation_ratio": CorrelationR(df, "a", "t").statistic,
        "gini": Gini(df, "a", "t").statistic,
        "isolation": Isolation(df, "a", "t").statistic,
        "interaction": Interaction(df, "a", "t").statistic,
    }
    # PySAL's Atkinson class ignores its b argument (always 0.5); its kernel does not.
    assert abs(Atkinson(df, "a", "t").statistic - _atkinson(df, "a", "t", b=0.5)[0]) < 1e-12
    for b in (0.1, 0.5, 0.9):
        r[f"atkinson_{b}"] = _atkinson(df, "a", "t", b=b)[0]
    m = pd.DataFrame(c["multi"], columns=[f"g{i}" for i in range(len(c["multi"][0]))])
    r["theil_h_multigroup"] = MultiInfoTheory(m, list(m.columns)).statistic
    out.append({k: float(v) for k, v in r.items()})
json.dump(out, sys.stdout)
"""


def _cases():
    rng = np.random.default_rng(2024)
    cases = [{"a": [2, 13], "b": [6, 3], "multi": [[2, 6, 1], [13, 3, 4]]}]
    for n in (5, 30, 200):
        t = rng.integers(1, 400, size=n)
        a = rng.binomial(t, rng.beta(2, 3, size=n))
        multi = rng.multinomial(300, rng.dirichlet(np.ones(4)), size=n) + 1
        cases.append({"a": a.tolist(), "b": (t - a).tolist(), "multi": multi.tolist()})
    return cases


@pytest.fixture(scope="module")
def pysal_values(tmp_path_factory):
    f = tmp_path_factory.mktemp("pysal") / "cases.json"
    f.write_text(json.dumps(_cases()))
    script = tmp_path_factory.mktemp("pysal") / "runner.py"
    script.write_text(RUNNER)
    res = subprocess.run([str(PYSAL_PY), str(script), str(f)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


SHARED = ["dissimilarity", "theil_h", "correlation_ratio", "gini", "isolation", "interaction",
          "atkinson_0.1", "atkinson_0.5", "atkinson_0.9"]


@pytest.mark.parametrize("case", range(4))
@pytest.mark.parametrize("name", SHARED)
def test_two_group_indices_agree_with_pysal(pysal_values, case, name):
    c = _cases()[case]
    assert INDICES[name](c["a"], c["b"]) == pytest.approx(pysal_values[case][name], abs=1e-9)


@pytest.mark.parametrize("case", range(4))
def test_multigroup_theil_h_agrees_with_pysal(pysal_values, case):
    c = _cases()[case]
    assert theil_h_multigroup(c["multi"]) == pytest.approx(pysal_values[case]["theil_h_multigroup"], abs=1e-9)
