"""Conditions and labels shared by the housing rule files.

A condition names one field and exactly one operator (``eq``, ``ne``, ``in``,
``not_in``, ``lt``, ``le``, ``gt``, ``ge``, ``is_null``); a missing value makes
it ``if_missing`` (default false). ``change`` marks something a household
can change (the pathway rules' "what would change it").
"""

from __future__ import annotations

from typing import Literal, Union

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator


_OPS = ("eq", "ne", "in_", "not_in", "lt", "le", "gt", "ge", "is_null")
_SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in_": "in", "not_in": "not in"}
MONEY_FIELDS = ("margin_standard", "margin_special")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Labels(_Model):
    """A text in English and Norwegian."""

    en: str
    no: str = Field(alias="no")


Scalar = Union[bool, int, float, str]


class Condition(_Model):
    """One condition on a household field or computed figure; exactly one operator."""

    field: str
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(None, alias="in")
    not_in: list[Scalar] | None = None
    lt: float | None = None
    le: float | None = None
    gt: float | None = None
    ge: float | None = None
    is_null: bool | None = None
    if_missing: bool = False
    change: Literal["money"] | Labels | None = None

    @model_validator(mode="after")
    def _one_operator(self):
        given = [op for op in _OPS if getattr(self, op) is not None]
        if len(given) != 1:
            raise ValueError(
                f"condition on {self.field!r} must give exactly one operator of "
                f"{', '.join(o.rstrip('_') for o in _OPS)}; got {len(given)}"
            )
        if self.change == "money" and (self.field not in MONEY_FIELDS or self.op not in ("ge", "gt")):
            raise ValueError(
                f"change: money needs a condition 'ge' or 'gt' on {' or '.join(MONEY_FIELDS)}; got {self.field} {self.op}"
            )
        return self

    @property
    def op(self) -> str:
        return next(op for op in _OPS if getattr(self, op) is not None)

    @property
    def operand(self):
        return getattr(self, self.op)

    def evaluate(self, values: pd.Series) -> np.ndarray:
        """Where the condition holds (a missing value gives ``if_missing``)."""
        op, v = self.op, self.operand
        present = values.notna().to_numpy()
        if op == "is_null":
            return ~present if v else present
        if op in ("in_", "not_in"):
            hit = values.isin(v).to_numpy(dtype=bool, na_value=False)
            res = hit if op == "in_" else ~hit
        elif op in ("eq", "ne"):
            if isinstance(v, bool):
                as_bool = values.astype("boolean")
                res = (as_bool == v).to_numpy(dtype=bool, na_value=False)
            else:
                res = (values == v).to_numpy(dtype=bool, na_value=False)
            if op == "ne":
                res = ~res
        else:
            num = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
            with np.errstate(invalid="ignore"):
                res = {"lt": num < v, "le": num <= v, "gt": num > v, "ge": num >= v}[op]
        return np.where(present, res, self.if_missing)

    def describe(self, value=None) -> str:
        """``margin_standard 2,430 ≥ 0`` (with the household's value) or ``tenure in (owner, cooperative)``."""
        v = self.operand
        if self.op == "is_null":
            return f"{self.field} is {'' if v else 'not '}missing"
        target = ", ".join(map(str, v)) if isinstance(v, list) else (str(v).lower() if isinstance(v, bool) else f"{v:g}" if isinstance(v, float) else str(v))
        target = f"({target})" if isinstance(v, list) else target
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            shown = f"{self.field} missing"
        elif isinstance(value, bool | np.bool_):
            shown = f"{self.field} {str(bool(value)).lower()}"
        elif isinstance(value, int | float | np.integer | np.floating):
            shown = f"{self.field} {float(value):,.0f}"
        else:
            shown = f"{self.field} {value}"
        return f"{shown} {_SYMBOL[self.op]} {target}"


