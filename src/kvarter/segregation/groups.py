"""Themes, groups and group pairs as versioned configuration.

The built-in ``themes.yaml`` holds the school-segregation report's three
themes (ethnicity, income, parents' education) and seven pairs. A theme
either maps values of a categorical field to groups, or cuts a numeric field
into national quantiles per year and maps quantiles to groups.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kvarter.errors import RuleError

BUILTIN_THEMES = Path(__file__).with_name("themes.yaml")


class GroupDef(BaseModel):
    """A group: the categorical values it covers, or the quantiles it covers."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    values: tuple[str, ...] | None = None
    quantiles: tuple[int, ...] | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.values is None) == (self.quantiles is None):
            raise ValueError("a group needs exactly one of 'values' or 'quantiles'")
        return self


class Theme(BaseModel):
    """A theme: a field, its groups and the pairs compared."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    field: str
    quantiles: int | None = Field(None, ge=2)
    groups: dict[str, GroupDef]
    pairs: tuple[tuple[str, str], ...]

    @model_validator(mode="after")
    def _consistent(self):
        for a, b in self.pairs:
            for g in (a, b):
                if g not in self.groups:
                    raise ValueError(f"pair ({a}, {b}) names group {g!r}, which theme {self.name!r} does not define")
            if a == b:
                raise ValueError(f"pair ({a}, {b}) compares a group with itself")
        for gname, g in self.groups.items():
            if g.quantiles is not None:
                if self.quantiles is None:
                    raise ValueError(f"group {gname!r} uses quantiles but the theme sets no 'quantiles'")
                bad = [q for q in g.quantiles if not 1 <= q <= self.quantiles]
                if bad:
                    raise ValueError(f"group {gname!r} has quantile(s) {bad} outside 1..{self.quantiles}")
        return self


class ThemeSet(BaseModel):
    """A versioned themes file (``kind: segregation_themes``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: str
    version: int
    source: str
    themes: tuple[Theme, ...]

    @model_validator(mode="after")
    def _unique_groups(self):
        if self.kind != "segregation_themes":
            raise ValueError(f"kind must be 'segregation_themes', got {self.kind!r}")
        seen: dict[str, str] = {}
        for t in self.themes:
            for g in t.groups:
                if g in seen:
                    raise ValueError(f"group {g!r} is defined in themes {seen[g]!r} and {t.name!r}; group names must be unique")
                seen[g] = t.name
        return self

    def pairs(self) -> list[tuple[str, str, str]]:
        """(theme, group_a, group_b) for every pair, in file order."""
        return [(t.name, a, b) for t in self.themes for a, b in t.pairs]


def pair_id(group_a: str, group_b: str) -> str:
    """The name of a pair in result tables and file names.

    >>> pair_id("native", "non_western")
    'native_vs_non_western'
    """
    return f"{group_a}_vs_{group_b}"


def load_themes(path: str | Path | None = None) -> ThemeSet:
    """Load and validate a themes file (the built-in report themes by default).

    >>> ts = load_themes()
    >>> [pair_id(a, b) for _, a, b in ts.pairs()][:2], len(ts.pairs())
    (['native_vs_non_western', 'native_vs_western'], 7)
    """
    p = Path(path) if path is not None else BUILTIN_THEMES
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"Cannot read themes file {p}: {exc}") from None
    try:
        return ThemeSet.model_validate(raw)
    except ValidationError as exc:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"])
            parts.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
        raise RuleError(f"Invalid themes file {p} @ " + "; ".join(parts)) from None


def national_quantile(values: pd.Series, by: pd.Series, q: int) -> pd.Series:
    """Quantile (1..q) of each value within its ``by`` group (the year), NaN where missing.

    Ranks break ties by order, so each quantile holds n/q persons (to within one).

    >>> national_quantile(pd.Series([10., 40, 20, 30, None]), pd.Series([1, 1, 1, 1, 1]), 2).tolist()
    [1.0, 2.0, 1.0, 2.0, nan]
    """
    v = pd.to_numeric(values, errors="coerce")
    rank = v.groupby(by).rank(method="first")
    n = v.notna().groupby(by).transform("sum")
    return np.floor((rank - 1) * q / n) + 1


def assign_groups(persons: pd.DataFrame, theme: Theme, year_col: str = "year") -> pd.Series:
    """Each person's group within ``theme`` (None outside every group or with a bad value).

    >>> ts = load_themes()
    >>> df = pd.DataFrame({"year": [2018] * 3, "origin": ["native", "western", "martian"]})
    >>> assign_groups(df, ts.themes[0]).tolist()
    ['native', 'western', None]
    """
    if theme.quantiles is not None:
        key = national_quantile(persons[theme.field], persons[year_col], theme.quantiles)
        mapping = {float(q): g for g, d in theme.groups.items() for q in (d.quantiles or ())}
    else:
        mapping = {v: g for g, d in theme.groups.items() for v in (d.values or ())}
        field = persons[theme.field]
        # Each distinct value looked up once (the field has a handful), not every person's.
        code, values = pd.factorize(field)
        groups = pd.Series(np.asarray(values, dtype=object)).map(mapping)
        groups = np.append(groups.astype(object).where(groups.notna(), None).to_numpy(), None)
        return pd.Series(groups[code], index=persons.index, name=field.name, dtype=object)
    out = key.map(mapping)
    return out.astype(object).where(out.notna(), None)
