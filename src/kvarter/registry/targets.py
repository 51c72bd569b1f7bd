"""Target groups as data (``target_groups.yaml``): which screening criteria,
when an area meets them, say a group is over-represented there.

A target group is an id from the vocabulary (``unemployed``,
``families_with_children``, ...) or an age band ``age:15-24``; an age band
takes the criteria of the vocabulary groups whose ages overlap it.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field

from kvarter.errors import InputError

TARGET_GROUPS_PATH = Path(__file__).parent / "target_groups.yaml"
_AGE_BAND = re.compile(r"^age:(\d{1,3})-(\d{1,3})$")


class TargetGroup(BaseModel):
    """One target group of the vocabulary."""

    model_config = ConfigDict(extra="forbid")

    id: str
    labels: dict[str, str]
    criteria: list[str] = Field(default_factory=list)
    ages: Optional[tuple[int, int]] = None
    matches_any_area: bool = False


class _Vocabulary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["target_groups"]
    version: int
    groups: list[TargetGroup]


@cache
def target_groups() -> dict[str, TargetGroup]:
    """The built-in target-group vocabulary by id.

    >>> groups = target_groups()
    >>> groups["unemployed"].criteria
    ['employment', 'prevention_employment']
    """
    parsed = _Vocabulary.model_validate(yaml.safe_load(TARGET_GROUPS_PATH.read_text(encoding="utf-8")))
    return {g.id: g for g in parsed.groups}


def age_band(text: str) -> tuple[int, int] | None:
    """``(lo, hi)`` of an age-band target group ``age:lo-hi``, ``None`` for anything else.

    >>> age_band("age:15-24"), age_band("unemployed")
    ((15, 24), None)
    """
    m = _AGE_BAND.match(str(text).strip())
    return None if m is None else (int(m.group(1)), int(m.group(2)))


def check_target_group(text: str) -> str:
    """Return ``text`` if it is a known target group or a valid age band; raise naming the choices.

    >>> check_target_group("age:15-24")
    'age:15-24'
    >>> check_target_group("age:30-20")
    Traceback (most recent call last):
    ...
    kvarter.errors.InputError: age band 'age:30-20' ends before it starts; write age:lo-hi with lo <= hi <= 120.
    """
    band = age_band(text)
    if band is not None:
        if not band[0] <= band[1] <= 120:
            raise InputError(f"age band {text!r} ends before it starts; write age:lo-hi with lo <= hi <= 120.")
        return text
    if text not in target_groups():
        raise InputError(
            f"unknown target group {text!r}; use an age band such as age:15-24 or one of "
            + ", ".join(target_groups()) + "."
        )
    return text


def criteria_for(group: str) -> set[str] | None:
    """The screening criteria that signal ``group`` in an area; ``None`` when any area matches.

    >>> sorted(criteria_for("age:13-16"))
    ['child_poverty', 'crime', 'prevention_crime', 'safety', 'youth_education']
    >>> criteria_for("all_residents") is None
    True
    """
    band = age_band(group)
    if band is not None:
        lo, hi = band
        out: set[str] = set()
        for g in target_groups().values():
            if g.ages is not None and g.ages[0] <= hi and lo <= g.ages[1]:
                out |= set(g.criteria)
        return out
    g = target_groups()[check_target_group(group)]
    return None if g.matches_any_area else set(g.criteria)
